# pstnsim: the far end of virtual PRI spans (libpri network or CPE side),
# with rules per called number, audio (SpanDSP for DTMF) and load.
# Included from the top Makefile.am after gateway/span.mk (SPAN_LIBS).

bin_PROGRAMS += pstnsim/pstnsim
pstnsim_pstnsim_SOURCES = pstnsim/pstnsim.c pstnsim/sim.h \
	pstnsim/calls.c pstnsim/spans.c pstnsim/report.c \
	pstnsim/rules.c pstnsim/rules.h \
	pstnsim/media.c pstnsim/media.h \
	pstnsim/tone.c pstnsim/tone.h
pstnsim_pstnsim_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
pstnsim_pstnsim_LDADD = $(SPAN_LIBS) $(SPANDSP_LIBS) -lm

check_PROGRAMS += tests/unit/test_pstnsim_rules
tests_unit_test_pstnsim_rules_SOURCES = tests/unit/test_pstnsim_rules.c tests/tap.h pstnsim/rules.c pstnsim/rules.h
tests_unit_test_pstnsim_rules_LDADD = common/libtandem_common.a
TESTS += tests/unit/test_pstnsim_rules tests/integration/pstnsim_rules.sh tests/integration/pstnsim_pcap.sh
EXTRA_DIST += tests/integration/pstnsim_rules.sh tests/integration/pstnsim_pcap.sh

# The D-channel capture (gateway/tdm_pcap.c, in the span library) that pstnsim's --pcap uses.
check_PROGRAMS += tests/unit/test_tdm_pcap
tests_unit_test_tdm_pcap_SOURCES = tests/unit/test_tdm_pcap.c tests/tap.h
tests_unit_test_tdm_pcap_LDADD = gateway/libtandem_span.a
TESTS += tests/unit/test_tdm_pcap
