#!/bin/bash
# Lint, as TAP: every C file formatted as .clang-format says, no source
# file over 1,000 lines, every shell script parses.
set -u
cd "${TOP_SRCDIR:-$(dirname "$0")/..}" || exit 1
n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# The project's own sources: tracked files when this is a git checkout,
# else every source below the subsystem folders.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	list() { git ls-files --cached --others --exclude-standard -- "$@"; }
else
	list() { find common db gateway provisioning trunk isup tests bench -type f 2>/dev/null | grep -E "$(printf '%s|' "$@" | sed 's/\*/.*/g; s/|$//')"; }
fi
c_files=$(list '*.c' '*.h' | grep -v '^build' | sort)
sh_files=$(list 'scripts/*' 'tests/*.sh' '.ci/run' | grep -v '^build' | sort)

if ! command -v clang-format >/dev/null; then
	fail "clang-format is installed (apt-get install clang-format)"
else
	for f in $c_files; do
		[ -f "$f" ] || continue
		if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then pass "format: $f"; else
			fail "format: $f (run clang-format -i $f)"
			clang-format --dry-run "$f" 2>&1 | head -n 12 | sed 's/^/# /'
		fi
	done
fi
for f in $c_files; do
	[ -f "$f" ] || continue
	lines=$(wc -l <"$f")
	if [ "$lines" -le 1000 ]; then pass "size: $f ($lines lines)"; else fail "size: $f has $lines lines (at most 1,000: split it)"; fi
done
for f in $sh_files; do
	[ -f "$f" ] || continue
	head -n 1 "$f" | grep -q 'bash\|sh' || continue
	if bash -n "$f" 2>/dev/null; then pass "parses: $f"; else fail "parses: $f"; fi
done
echo "1..$n"
[ "$failed" = 0 ]
