# Shared by scripts/demo and scripts/check: install what is missing, build.
# Sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR="$TOP/var"
NPROC=$(nproc 2>/dev/null || echo 2)

# Debian 12 packages the build, the tests and the demo need.
TANDEM_PACKAGES="build-essential autoconf automake libtool pkg-config git
	libsofia-sip-ua-dev libssl-dev libsrtp2-dev libpri-dev libspandsp-dev libspeexdsp-dev libtiff-dev libpq-dev
	libtonezone-dev
	postgresql postgresql-client sip-tester tshark clang-format man-db groff-base valgrind"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		echo "need root to run: $* (install sudo or run as root)" >&2
		return 1
	fi
}

# Install the missing packages (apt), then extract DAHDI's user.h from the
# dahdi-dkms package without installing it (installing builds a kernel
# module): var/deps/dahdi/include/dahdi/user.h.
deps_install() {
	local missing="" p
	for p in $TANDEM_PACKAGES; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		say "installing:$missing"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
	DAHDI_INCLUDE="$VAR/deps/dahdi/include"
	if [ ! -f "$DAHDI_INCLUDE/dahdi/user.h" ]; then
		say "extracting dahdi/user.h from the dahdi-dkms package"
		local tmp
		tmp=$(mktemp -d)
		chmod 755 "$tmp"
		(cd "$tmp" && apt-get download dahdi-dkms >/dev/null 2>&1) ||
			(as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
				cd "$tmp" && apt-get download dahdi-dkms >/dev/null) || {
			echo "cannot download dahdi-dkms" >&2
			rm -rf "$tmp"
			return 1
		}
		dpkg-deb -x "$tmp"/dahdi-dkms_*.deb "$tmp/x"
		mkdir -p "$DAHDI_INCLUDE"
		cp -r "$tmp"/x/usr/src/dahdi-*/include/dahdi "$DAHDI_INCLUDE/"
		rm -rf "$tmp"
	fi
}

# build DIR [CONFIGURE-ARGS...]: configure (once) and make in DIR.
build() {
	local dir=$1
	shift
	if [ ! -x "$TOP/configure" ] || [ "$TOP/configure.ac" -nt "$TOP/configure" ]; then
		say "autoreconf"
		(cd "$TOP" && autoreconf -fi) >/dev/null
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		say "configure $(basename "$dir") $*"
		(cd "$dir" && "$TOP/configure" --with-dahdi="$DAHDI_INCLUDE" "$@" >configure.out 2>&1) || {
			tail -n 20 "$dir/configure.out" >&2
			return 1
		}
	fi
	say "make $(basename "$dir")"
	make -C "$dir" -j"$NPROC" -s >/dev/null
}
