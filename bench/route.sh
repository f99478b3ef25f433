#!/bin/bash
# Run bench/route against a throwaway PostgreSQL cluster (tests/lib/harness.sh):
#   make bench-route            (from a build directory), or
#   TOP_SRCDIR=.. TOP_BUILDDIR=. bash ../bench/route.sh [bench/route options]
# Use a build without sanitizers (plain ./configure, -O2) for real figures.
set -u
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$PWD}
export TOP_SRCDIR TOP_BUILDDIR
. "$TOP_SRCDIR/tests/lib/harness.sh"

pg_start tandem >/dev/null || { echo "route bench: PostgreSQL did not start" >&2; exit 1; }
"$TANDEMCTL" db migrate >/dev/null || { echo "route bench: tandemctl db migrate failed" >&2; exit 1; }
"$TOP_BUILDDIR/bench/route" "$@"
