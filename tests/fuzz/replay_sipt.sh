#!/bin/sh
# Replays the SIP-T body fuzzing corpus through the harness (TAP from the
# replay program), so `make check` exercises it without clang.
set -e
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
exec "$TOP_BUILDDIR/tests/fuzz/replay_sipt" "$TOP_SRCDIR/tests/fuzz/corpus/sipt"
