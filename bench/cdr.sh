#!/bin/bash
# Run bench/cdr (journal appends, then the pipeline against PostgreSQL) on
# a throwaway cluster (tests/lib/harness.sh):
#   make bench-cdr              (from a build directory), or
#   TOP_SRCDIR=.. TOP_BUILDDIR=. bash ../bench/cdr.sh [bench/cdr options]
# Use a build without sanitizers (plain ./configure, -O2) for real figures.
# The cluster runs with fsync on, as in production (the test clusters turn
# it off); BENCH_PG_FSYNC=off measures without it.
set -u
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$PWD}
export TOP_SRCDIR TOP_BUILDDIR
. "$TOP_SRCDIR/tests/lib/harness.sh"

fail() { echo "cdr bench: $*" >&2; exit 1; }
pg_start tandem >/dev/null || fail "PostgreSQL did not start"
if [ "${BENCH_PG_FSYNC:-on}" != off ]; then
	# pg_start's cluster skips fsync (tests); restart it durable.
	pg_stop
	pg_as_owner "$(pg_bindir)/pg_ctl" -D "$T_DIR/pg/data" -l "$T_DIR/pg/server.log" -w -t 30 \
		-o "-k $T_DIR -c listen_addresses='' -c fsync=on -c full_page_writes=on" start >/dev/null ||
		fail "PostgreSQL did not restart with fsync on"
	T_PG_STARTED=1
fi
"$TANDEMCTL" db migrate >/dev/null || fail "tandemctl db migrate failed"
echo "PostgreSQL $(pg_sql "SHOW server_version"), fsync $(pg_sql "SHOW fsync"), synchronous_commit" \
	"$(pg_sql "SHOW synchronous_commit"); journal and cluster under $T_DIR"
PSQL="$(pg_bindir)/psql" "$TOP_BUILDDIR/bench/cdr" --dir "$T_DIR/bench" "$@"
