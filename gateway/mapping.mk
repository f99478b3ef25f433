# mapping: mappings: Q.850 causes <-> SIP status, numbers and identity. Included from the top Makefile.am.
# Pure, libc-only modules the call layer (and later ISUP) calls; see
# docs/mapping.md. Paths are relative to the top of the tree.

noinst_LIBRARIES += gateway/libtandem_mapping.a
gateway_libtandem_mapping_a_SOURCES = \
	gateway/cause.c gateway/cause.h \
	gateway/numbers.c gateway/numbers.h \
	gateway/identity.c gateway/identity.h \
	gateway/redirect.c \
	gateway/sipaddr.c gateway/sipaddr.h

check_PROGRAMS += tests/unit/test_cause tests/unit/test_numbers tests/unit/test_identity
tests_unit_test_cause_SOURCES = tests/unit/test_cause.c tests/tap.h
tests_unit_test_cause_LDADD = gateway/libtandem_mapping.a common/libtandem_common.a
tests_unit_test_numbers_SOURCES = tests/unit/test_numbers.c tests/tap.h
tests_unit_test_numbers_LDADD = gateway/libtandem_mapping.a common/libtandem_common.a
tests_unit_test_identity_SOURCES = tests/unit/test_identity.c tests/tap.h
tests_unit_test_identity_LDADD = gateway/libtandem_mapping.a common/libtandem_common.a

TESTS += tests/unit/test_cause tests/unit/test_numbers tests/unit/test_identity
EXTRA_DIST += docs/mapping.md
