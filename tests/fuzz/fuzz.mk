# fuzz: libFuzzer harnesses for what reads untrusted bytes outside isup/
# (isup/isup.mk has the ISUP and SIP-T ones). Each builds here with the
# replay main() of tests/fuzz/replay.c, and make check replays its corpus
# (tests/fuzz/corpus/NAME); with clang the same file links against
# -fsanitize=fuzzer to fuzz (docs/security.md). Included from the top
# Makefile.am; paths are relative to the top of the tree.
FUZZ_REPLAYS = tests/fuzz/replay_sip tests/fuzz/replay_sdp tests/fuzz/replay_conf \
	tests/fuzz/replay_csv tests/fuzz/replay_journal
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)

tests_fuzz_replay_sip_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sip.c
tests_fuzz_replay_sip_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS)
tests_fuzz_replay_sip_LDADD = $(TANDEM_LIBS) $(DEP_LIBS)
tests_fuzz_replay_sdp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sdp.c
tests_fuzz_replay_sdp_LDADD = $(MEDIA_LIBS)
tests_fuzz_replay_conf_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_conf.c
tests_fuzz_replay_conf_LDADD = common/libtandem_common.a
tests_fuzz_replay_csv_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_csv.c
tests_fuzz_replay_csv_LDADD = provisioning/libtandem_prov.a
tests_fuzz_replay_journal_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_journal.c
tests_fuzz_replay_journal_LDADD = db/libtandem_cdr.a common/libtandem_common.a -lpthread

EXTRA_DIST += tests/fuzz/fuzz.mk tests/fuzz/gen_journal_corpus.c tests/fuzz/corpus/sip tests/fuzz/corpus/sdp tests/fuzz/corpus/conf \
	tests/fuzz/corpus/csv tests/fuzz/corpus/journal
