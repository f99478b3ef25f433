# Spans: the TDM span interface and its virtual backend, the PRI glue (the
# only includer of <libpri.h>), and their tests (pstnsim has its own
# pstnsim/pstnsim.mk). Included from the top Makefile.am; paths are
# relative to the top of the tree.

noinst_LIBRARIES += gateway/libtandem_span.a
gateway_libtandem_span_a_SOURCES = \
	gateway/tdm_span.c gateway/tdm_span.h \
	gateway/tdm_virtual.c \
	gateway/tdm_pcap.c \
	gateway/pri_glue.c gateway/pri_glue.h gateway/pri_int.h gateway/pri_cmd.c gateway/pri_names.c \
	gateway/pri_pace.c gateway/pri_pace.h \
	gateway/span_audit.c gateway/span_audit.h

# Link order: span library, then the loop (gateway) and common, then libpri.
SPAN_LIBS = gateway/libtandem_span.a gateway/libtandem_gateway.a common/libtandem_common.a \
	$(SOFIA_LIBS) $(PRI_LIBS) -lpthread -lm

check_PROGRAMS += tests/unit/test_tdm_virtual tests/unit/test_pri_fsm tests/unit/test_pri_glare tests/unit/test_span_audit \
	tests/pri_call_test
tests_unit_test_tdm_virtual_SOURCES = tests/unit/test_tdm_virtual.c tests/tap.h
tests_unit_test_tdm_virtual_LDADD = gateway/libtandem_span.a
tests_unit_test_pri_fsm_SOURCES = tests/unit/test_pri_fsm.c tests/tap.h
tests_unit_test_pri_fsm_LDADD = $(SPAN_LIBS)
tests_unit_test_pri_glare_SOURCES = tests/unit/test_pri_glare.c tests/tap.h
tests_unit_test_pri_glare_LDADD = $(SPAN_LIBS)
tests_unit_test_span_audit_SOURCES = tests/unit/test_span_audit.c tests/tap.h
tests_unit_test_span_audit_LDADD = $(SPAN_LIBS)
# The CPE side of tests/integration/pri_virtual.sh; not run on its own.
tests_pri_call_test_SOURCES = tests/pri_call_test.c
tests_pri_call_test_LDADD = $(SPAN_LIBS)

TESTS += tests/unit/test_tdm_virtual tests/unit/test_pri_fsm tests/unit/test_pri_glare tests/unit/test_span_audit \
	tests/integration/pri_virtual.sh tests/integration/pri_switches.sh tests/integration/pri_maint.sh \
	tests/integration/pri_overlap.sh tests/integration/pri_glare.sh tests/integration/pri_hunt.sh
EXTRA_DIST += tests/integration/pri_virtual.sh tests/integration/pri_switches.sh tests/integration/pri_maint.sh \
	tests/integration/pri_overlap.sh tests/integration/pri_glare.sh tests/integration/pri_hunt.sh
