# The CDR pipeline (docs/cdr.md): the record type, the durable local
# journal with group commit, and the writer that drains it into table cdr.
# Included from the top Makefile.am.

noinst_LIBRARIES += db/libtandem_cdr.a
db_libtandem_cdr_a_SOURCES = \
	db/cdr.c db/cdr.h \
	db/cdr_journal.c db/cdr_journal.h \
	db/cdr_writer.c db/cdr_writer.h \
	db/cdr_pg.c db/cdr_pg.h
db_libtandem_cdr_a_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS)
CDR_LIBS = db/libtandem_cdr.a db/libtandem_db.a common/libtandem_common.a $(PQ_LIBS) -lpthread

# The unit test needs nothing running; the driver serves the integration
# test. The benchmark builds with `make all` (so it cannot rot) but runs
# only on demand: `make bench-cdr` (needs a PostgreSQL server, docs/cdr.md).
check_PROGRAMS += tests/unit/test_cdr_journal tests/integration/cdr_driver bench/cdr
all-local: bench/cdr$(EXEEXT)
tests_unit_test_cdr_journal_SOURCES = tests/unit/test_cdr_journal.c tests/tap.h
tests_unit_test_cdr_journal_LDADD = $(CDR_LIBS)
tests_integration_cdr_driver_SOURCES = tests/integration/cdr_driver.c
tests_integration_cdr_driver_LDADD = $(CDR_LIBS)
bench_cdr_SOURCES = bench/cdr.c
bench_cdr_LDADD = $(CDR_LIBS)

bench-cdr: bench/cdr$(EXEEXT) provisioning/tandemctl$(EXEEXT)
	TOP_SRCDIR='$(abs_top_srcdir)' TOP_BUILDDIR='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/cdr.sh
bench: bench-cdr
.PHONY: bench-cdr

TESTS += tests/unit/test_cdr_journal tests/integration/cdr_pipeline.sh
EXTRA_DIST += tests/integration/cdr_pipeline.sh docs/cdr.md
