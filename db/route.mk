# db/route: the in-memory routing index (pure C), its holder and its
# PostgreSQL loader; their unit and integration tests; the benchmark.

noinst_LIBRARIES += db/libtandem_route.a
db_libtandem_route_a_SOURCES = \
	db/route_index.c db/route_index.h db/route_int.h db/route_build.c \
	db/route_table.c \
	db/route_load.c db/route_load.h

ROUTE_LIBS = db/libtandem_route.a db/libtandem_db.a $(PQ_LIBS) -lpthread

check_PROGRAMS += tests/unit/test_route_index tests/integration/route_load_check
tests_unit_test_route_index_SOURCES = tests/unit/test_route_index.c tests/tap.h
tests_unit_test_route_index_LDADD = db/libtandem_route.a -lpthread
# Run by route_load.sh against a throwaway PostgreSQL, not on its own.
tests_integration_route_load_check_SOURCES = tests/integration/route_load_check.c tests/tap.h
tests_integration_route_load_check_LDADD = $(ROUTE_LIBS)

TESTS += tests/unit/test_route_index tests/integration/route_load.sh
EXTRA_DIST += tests/integration/route_load.sh

# The benchmark builds with `make all` (so it cannot rot) but runs only on
# demand: `make bench-route` (needs a PostgreSQL server, see docs/routing.md).
# It is listed in check_PROGRAMS, not noinst_PROGRAMS, because a fragment
# may only append to variables the top Makefile.am defines.
check_PROGRAMS += bench/route
all-local: bench/route$(EXEEXT)
bench_route_SOURCES = bench/route.c
bench_route_LDADD = $(ROUTE_LIBS)

bench-route: bench/route$(EXEEXT) provisioning/tandemctl$(EXEEXT)
	TOP_SRCDIR='$(abs_top_srcdir)' TOP_BUILDDIR='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/route.sh
bench: bench-route
.PHONY: bench bench-route
