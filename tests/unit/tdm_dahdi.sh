#!/bin/bash
# The DAHDI backend's unit test (tests/unit/test_tdm_dahdi, TAP), run under
# the DAHDI emulation: the shim must be preloaded, so make check runs it
# through this script.
set -u
: "${TOP_SRCDIR:?run through make check}"
: "${TOP_BUILDDIR:?run through make check}"
. "$TOP_SRCDIR/tests/dahdi_emu/preload.sh"
bin="$TOP_BUILDDIR/tests/unit/test_tdm_dahdi"
LD_PRELOAD=$(emu_preload "$bin") exec "$bin"
