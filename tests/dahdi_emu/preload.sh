#!/bin/bash
# Sourced by the tests that run under the DAHDI emulation.
# emu_preload BINARY: the LD_PRELOAD value that runs BINARY with the
# emulation. An ASan build must have libasan first in the list (its
# runtime refuses to start otherwise), so take it from BINARY's own
# dependencies when it has one.
emu_preload() {
	local shim="$TOP_BUILDDIR/tests/dahdi_emu/libdahdiemu.so" asan
	asan=$(ldd "$1" 2>/dev/null | awk '/libasan\.so/ { print $3; exit }')
	if [ -n "$asan" ]; then echo "$asan:$shim"; else echo "$shim"; fi
}
