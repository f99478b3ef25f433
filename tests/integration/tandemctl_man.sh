#!/bin/bash
# man tandemctl: the page in the tree (docs/tandemctl.1) renders without
# warnings, is installed by make install, and describes every command of
# tandemctl --help with every option that command's --help names (and no
# command that tandemctl lacks).
. "$TOP_SRCDIR/tests/lib/harness.sh"

PAGE="$TOP_SRCDIR/docs/tandemctl.1"
TC="$TANDEMCTL"

t_run out rc groff -man -ww -z "$PAGE"
t_is "$rc:$out" "0:" "groff renders the page without a warning"

# Installed where man finds it, and man shows it by name.
t_ok "make install-man installs the page" make -s -C "$TOP_BUILDDIR" install-man DESTDIR="$T_DIR/inst"
mandir=$(find "$T_DIR/inst" -path '*/man1/tandemctl.1' -printf '%h\n' | head -n1)
t_like "$mandir" '/man1$' "the page is in a man1 directory"
t_run shown rc env MANPATH="${mandir%/man1}" MANWIDTH=150 man -P cat tandemctl
t_is "$rc" 0 "man tandemctl exits 0"
t_like "$shown" '^NAME' "man tandemctl shows the page"
t_like "$shown" 'tandemctl - provision and operate' "with its NAME line"

# The text as a reader sees it, one long line per paragraph.
text=$(groff -man -Tascii -P-cbou -rLL=400n "$PAGE")

# The commands --help lists: "  did add    add a DID".
mapfile -t cmds < <("$TC" --help | sed -n '/^Commands:/,/^$/p' | sed -nE 's/^  ([a-z]+( [a-z]+)?)  +.*/\1/p')
t_ok "tandemctl --help lists commands" test "${#cmds[@]}" -gt 20
# The page's command subsections: three-space headings under COMMANDS.
mapfile -t heads < <(printf '%s\n' "$text" | sed -n '/^COMMANDS$/,/^[A-Z]/p' | sed -nE 's/^   ([a-z][a-z ]*[a-z])$/\1/p')

# block NAME: the subsection NAME's text, up to the next heading.
block() {
	printf '%s\n' "$text" | awk -v h="   $1" '
		$0 == h { on = 1; next }
		on && (/^   [^ ]/ || /^[^ ]/) { exit }
		on { print }'
}

for c in "${cmds[@]}"; do
	b=$(block "$c")
	if [ -z "$b" ]; then
		t_fail "man page: no subsection for \"$c\""
		continue
	fi
	missing=""
	# shellcheck disable=SC2086
	for o in $("$TC" $c --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		printf '%s\n' "$b" | grep -qF -- "$o" || missing="$missing $o"
	done
	t_is "$missing" "" "man page: \"$c\" describes every option of its --help"
done
for h in "${heads[@]}"; do
	found=0
	for c in "${cmds[@]}"; do [ "$c" = "$h" ] && found=1; done
	t_is "$found" 1 "man page: \"$h\" is a command of tandemctl --help"
done

# The global options and the exit statuses.
opts=$(printf '%s\n' "$text" | sed -n '/^OPTIONS$/,/^COMMANDS$/p')
for o in $("$TC" --help | sed -n '/^Options:/,/^$/p' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
	t_like "$opts" "(^|[ ,])$o( |,|$)" "man page: global option $o"
done
t_like "$text" '^EXIT STATUS' "an EXIT STATUS section"
t_like "$(printf '%s\n' "$text" | sed -n '/^EXIT STATUS$/,/^[A-Z]/p')" '^       2' "which names exit 2 (usage)"

t_done
