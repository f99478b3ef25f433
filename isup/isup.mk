# isup: the ISUP codec (Q.763 / T1.113), libc only. Included from the top
# Makefile.am; paths are relative to the top of the tree.
noinst_LIBRARIES += isup/libtandem_isup.a
isup_libtandem_isup_a_SOURCES = \
	isup/tisup.h isup/tisup_int.h \
	isup/msg.c \
	isup/params.c \
	isup/digits.c \
	isup/print.c \
	isup/sipt.c isup/sipt.h \
	isup/q699.c isup/q699.h

check_PROGRAMS += tests/unit/test_isup tests/unit/test_sipt tests/unit/test_q699 \
	tests/fuzz/replay_isup tests/fuzz/replay_sipt
tests_unit_test_isup_SOURCES = tests/unit/test_isup.c tests/tap.h
tests_unit_test_isup_LDADD = isup/libtandem_isup.a
tests_unit_test_sipt_SOURCES = tests/unit/test_sipt.c tests/tap.h
tests_unit_test_sipt_LDADD = isup/libtandem_isup.a
tests_unit_test_q699_SOURCES = tests/unit/test_q699.c tests/tap.h
tests_unit_test_q699_LDADD = isup/libtandem_isup.a

# sipt_tshark.sh's pcap writer: SIP-T messages for tshark to decode.
check_PROGRAMS += tests/integration/sipt_pcap
tests_integration_sipt_pcap_SOURCES = tests/integration/sipt_pcap.c tests/pcap_raw.h
tests_integration_sipt_pcap_LDADD = isup/libtandem_isup.a

# The libFuzzer harness with a main() that replays files, for make check.
# With clang: clang -fsanitize=fuzzer,address -I. -Ibuild-dir
#   tests/fuzz/fuzz_isup.c isup/*.c (see docs/isup.md).
tests_fuzz_replay_isup_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_isup.c
tests_fuzz_replay_isup_LDADD = isup/libtandem_isup.a
tests_fuzz_replay_sipt_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sipt.c
tests_fuzz_replay_sipt_LDADD = isup/libtandem_isup.a

TESTS += tests/unit/test_isup tests/unit/test_sipt tests/unit/test_q699 \
	tests/fuzz/replay_isup.sh tests/fuzz/replay_sipt.sh

EXTRA_DIST += \
	tests/fuzz/replay_isup.sh \
	tests/fuzz/gen_isup_corpus.sh \
	tests/fuzz/corpus/isup \
	tests/fuzz/replay_sipt.sh \
	tests/fuzz/gen_sipt_corpus.sh \
	tests/fuzz/corpus/sipt
