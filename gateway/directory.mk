# directory: the daemon's directory: routing data loaded from PostgreSQL, reloaded on NOTIFY. Included from the top Makefile.am.
#
# db/libtandem_directory.a: the snapshot (pure data and lookups) and its
# loader (through db/session.h; only db/ sees libpq). gateway/directory.c
# (the loader thread and its hand-over to the loop) goes into
# libtandem_gateway.a. A program that calls gw_directory_* links, in this
# order: gateway/libtandem_gateway.a db/libtandem_directory.a
# db/libtandem_route.a db/libtandem_db.a common/libtandem_common.a (so
# TANDEM_LIBS needs db/libtandem_directory.a and db/libtandem_route.a
# between the gateway and db/libtandem_db.a).

noinst_LIBRARIES += db/libtandem_directory.a
db_libtandem_directory_a_SOURCES = \
	db/directory.c db/directory.h \
	db/dir_load.c db/dir_load.h \
	db/dir_cache.c db/dir_cache.h
gateway_libtandem_gateway_a_SOURCES += gateway/directory.c gateway/directory.h

DIRECTORY_LIBS = gateway/libtandem_gateway.a db/libtandem_directory.a db/libtandem_route.a db/libtandem_db.a \
	common/libtandem_common.a $(SOFIA_LIBS) $(PQ_LIBS) -lpthread

check_PROGRAMS += tests/unit/test_directory tests/integration/directory_driver
tests_unit_test_directory_SOURCES = tests/unit/test_directory.c tests/tap.h
tests_unit_test_directory_LDADD = db/libtandem_directory.a db/libtandem_route.a -lpthread
# Driven by directory.sh against a throwaway PostgreSQL, not on its own.
tests_integration_directory_driver_SOURCES = tests/integration/directory_driver.c
tests_integration_directory_driver_LDADD = $(DIRECTORY_LIBS)

TESTS += tests/unit/test_directory tests/integration/directory.sh
EXTRA_DIST += tests/integration/directory.sh
