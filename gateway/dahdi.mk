# dahdi: the DAHDI span backend and its system-call emulation for tests. Included from the top Makefile.am.
# Paths are relative to the top of the tree. configure requires dahdi/user.h
# (--with-dahdi), so the backend is always built.

# The backend: its own library, the only code compiled against <dahdi/user.h>.
noinst_LIBRARIES += gateway/libtandem_dahdi.a
gateway_libtandem_dahdi_a_SOURCES = gateway/tdm_dahdi.c
gateway_libtandem_dahdi_a_CFLAGS = $(AM_CFLAGS) $(DAHDI_CFLAGS)
DAHDI_SPAN_LIBS = gateway/libtandem_dahdi.a $(SPAN_LIBS)

# The emulation: an LD_PRELOAD shared object that plays one DAHDI span
# bridged to pstnsim (docs/spans.md). Built as a check program linked with
# -shared, with the project's flags (sanitizers included: the tests preload
# libasan first in that build).
check_PROGRAMS += tests/dahdi_emu/libdahdiemu.so
tests_dahdi_emu_libdahdiemu_so_SOURCES = \
	tests/dahdi_emu/dahdiemu.c tests/dahdi_emu/dahdiemu_line.c tests/dahdi_emu/dahdiemu.h
tests_dahdi_emu_libdahdiemu_so_CFLAGS = $(AM_CFLAGS) $(DAHDI_CFLAGS) -fPIC
tests_dahdi_emu_libdahdiemu_so_LDFLAGS = $(AM_LDFLAGS) -shared -fPIC
tests_dahdi_emu_libdahdiemu_so_LDADD = -ldl -lpthread

# The backend's unit test runs under the emulation (tests/unit/tdm_dahdi.sh
# preloads it); the call test takes --dahdi (tests/integration/pri_dahdi.sh).
check_PROGRAMS += tests/unit/test_tdm_dahdi
tests_unit_test_tdm_dahdi_SOURCES = tests/unit/test_tdm_dahdi.c tests/tap.h
tests_unit_test_tdm_dahdi_CFLAGS = $(AM_CFLAGS) $(DAHDI_CFLAGS)
tests_unit_test_tdm_dahdi_LDADD = $(DAHDI_SPAN_LIBS) -ldl
# The same call test as tests/pri_call_test, built with --dahdi SPAN.
check_PROGRAMS += tests/dahdi_call_test
tests_dahdi_call_test_SOURCES = tests/pri_call_test.c
tests_dahdi_call_test_CFLAGS = $(AM_CFLAGS) -DTANDEM_CALL_TEST_DAHDI=1
tests_dahdi_call_test_LDADD = $(DAHDI_SPAN_LIBS)

TESTS += tests/unit/tdm_dahdi.sh tests/integration/pri_dahdi.sh
EXTRA_DIST += tests/unit/tdm_dahdi.sh tests/integration/pri_dahdi.sh tests/dahdi_emu/preload.sh
