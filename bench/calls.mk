# The call-rate benchmark with CDRs on, off, and on with PostgreSQL stalled
# (bench/calls_cdr.sh, docs/cdr.md). Not part of `make check`: it runs only
# on demand, `make bench-calls-cdr` (needs PostgreSQL and SIPp, like the
# integration tests; 10 to 15 minutes). Included from the top Makefile.am.

bench-calls-cdr: gateway/tandemd$(EXEEXT) provisioning/tandemctl$(EXEEXT)
	TOP_SRCDIR='$(abs_top_srcdir)' TOP_BUILDDIR='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/calls_cdr.sh
bench: bench-calls-cdr
.PHONY: bench-calls-cdr

# bench/calls.sh: the call rate, CPU and memory per call, and load shedding,
# against Kamailio in the same run (make bench-calls; 10 to 20 minutes).
bench-calls: gateway/tandemd$(EXEEXT) provisioning/tandemctl$(EXEEXT) pstnsim/pstnsim$(EXEEXT)
	TOP_SRCDIR='$(abs_top_srcdir)' TOP_BUILDDIR='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/calls.sh
bench: bench-calls
.PHONY: bench-calls
