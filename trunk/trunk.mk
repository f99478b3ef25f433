# trunk: the trunk manager (docs/trunks.md): OPTIONS health checks and
# carrier registration for SIP trunks. Included from the top Makefile.am.
#
# trunk/libtandem_trunk.a uses the loop, the SIP glue's client requests
# (gateway/sip_client.c, in the gateway library: it needs Sofia's headers)
# and the store; the daemon in the gateway library uses it, so TANDEM_LIBS
# lists it between two copies of the gateway library.

noinst_LIBRARIES += trunk/libtandem_trunk.a
trunk_libtandem_trunk_a_SOURCES = \
	trunk/trunk_calc.c trunk/trunk_calc.h \
	trunk/trunk_mgr.c trunk/trunk_mgr.h trunk/trunk_int.h \
	trunk/trunk_reg.c
gateway_libtandem_gateway_a_SOURCES += gateway/sip_client.c gateway/sip_client.h gateway/sip_int.h
common_libtandem_common_a_SOURCES += common/codes.c common/codes.h

check_PROGRAMS += tests/unit/test_trunk_mgr
tests_unit_test_trunk_mgr_SOURCES = tests/unit/test_trunk_mgr.c tests/tap.h
tests_unit_test_trunk_mgr_LDADD = trunk/libtandem_trunk.a common/libtandem_common.a

TESTS += tests/unit/test_trunk_mgr
EXTRA_DIST += trunk/README.md
