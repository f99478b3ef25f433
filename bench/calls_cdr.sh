#!/bin/bash
# What CDRs cost in calls: the clean call rate (calls/s SIPp completes with
# no failed call, a fixed number of calls at high concurrency) of tandemd
# with CDRs off ([cdr] enabled = no), with CDRs on, and with CDRs on while
# PostgreSQL is stalled (SIGSTOP on all its processes) for 60 s in the
# middle of the run. Target: CDRs on >= 95% of CDRs off, also while
# PostgreSQL is stalled (docs/cdr.md).
#   make bench-calls-cdr              (from a build directory), or
#   TOP_SRCDIR=.. TOP_BUILDDIR=. bash ../bench/calls_cdr.sh
# Calls are SIP -> SIP through a carrier trunk: a SIPp UAC (the customer)
# and a SIPp UAS (the carrier, 127.0.0.2) on this machine, answered at once
# and hung up at once. Use a build without sanitizers (plain ./configure,
# -O2). Environment: BENCH_CALLS (calls per run; default: what a CDRs-on
# calibration run does in BENCH_SECONDS, default 90), BENCH_CONCURRENCY
# (default 200), BENCH_STALL (seconds, default 60), BENCH_STALL_AT (seconds
# into the run, default 20). Runs off, on, stalled, on, off (10 to 15
# minutes in all) and compares the stalled run and the mean of the two on
# runs with the mean of the two off runs.
set -u
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$PWD}
export TOP_SRCDIR TOP_BUILDDIR
T_LOG_LEVEL=notice # per-call info lines would measure the log file
. "$TOP_SRCDIR/tests/lib/harness.sh"

CALLS=${BENCH_CALLS:-}
RUN_S=${BENCH_SECONDS:-90}
CONC=${BENCH_CONCURRENCY:-200}
STALL=${BENCH_STALL:-60}
STALL_AT=${BENCH_STALL_AT:-20}
UAS_PORT=$((40000 + (RANDOM % 10000)))

die() {
	echo "calls_cdr bench: $*" >&2
	exit 1
}

pg_start tandem >/dev/null && "$TANDEMCTL" db migrate >/dev/null || die "PostgreSQL did not start"
# A load test: the customer's limits (default 10 calls, 5 per second) lifted.
pg_sql "INSERT INTO customers (id, name, max_calls, max_cps) VALUES (1, 'acme', 100000, 10000);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (2, 'carrier', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, '127.0.0.2', $UAS_PORT);
	INSERT INTO routes (prefix, trunk_id) VALUES ('+1', 2);
	-- SIPp members play INVITE scenarios: no OPTIONS; a loaded member answers
	-- late rather than never: no failover timeout within the run
	UPDATE trunks SET ping_interval_s = 0, invite_timeout_ms = 32000 WHERE kind = 'sip';" >/dev/null || die "provisioning failed"

sipp -sf "$SIPP_DIR/uas_load.xml" -t u1 -i 127.0.0.2 -p "$UAS_PORT" -nostdin \
	>"$T_DIR/uas.out" 2>&1 &
UAS_PID=$!
T_KILL_PIDS=$UAS_PID

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }

# CPU seconds used so far by tandemd, and by the PostgreSQL cluster (its
# processes, and the children it has reaped).
cpu_tandemd() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$T_DAEMON_PID/stat"; }
cpu_pg() {
	local p
	for p in $(pg_pids); do cat "/proc/$p/stat" 2>/dev/null; done |
		awk '{ s += $14 + $15 + $16 + $17 } END { printf "%.2f", s / 100 }'
}

# run NAME EXTRA-INI [stall]: a fresh tandemd, $CALLS calls through it;
# sets RATE (calls/s), DONE (calls completed), FAILED, and CPU (CPU seconds
# per 1000 calls: "tandemd PostgreSQL", the writing of the CDRs included).
run() {
	local name=$1 extra=$2 stall=${3:-} t0 t1 secs pid d0 p0
	# A clean rate is measured: SIPp's burst of 200 INVITEs must queue,
	# not be shed (docs/calls.md, "Overload"; bench/calls.sh measures that).
	daemon_start "$extra
[calls]
shed_backlog = 0" || die "$name: tandemd did not start"
	t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'" ||
		die "$name: the routing directory did not load"
	: >"$T_DIR/$name.done"
	d0=$(cpu_tandemd) p0=$(cpu_pg)
	t0=$(now)
	sipp -sf "$SIPP_DIR/uac_load.xml" -t u1 -i 127.0.0.1 -p $((UAS_PORT + 1)) -s +12125550100 \
		-m "$CALLS" -r 10000 -l "$CONC" -d 0 -recv_timeout 30000 -nostdin \
		-trace_logs -log_file "$T_DIR/$name.done" -trace_err -error_file "$T_DIR/$name.errors" \
		"127.0.0.1:$T_SIP_PORT" >"$T_DIR/$name.out" 2>&1 &
	pid=$!
	if [ -n "$stall" ]; then
		sleep "$STALL_AT"
		pg_freeze
		echo "  $name: PostgreSQL stalled at $STALL_AT s ($(wc -l <"$T_DIR/$name.done") calls done)"
		sleep "$STALL"
		STALL_STATUS=$(ctl status | awk '$1 ~ /^cdr_(db|db_wait_s|pending|pending_age_s|journal_bytes)$/ {
			printf "%s %s, ", $1, $2 }')
		pg_thaw
		echo "  $name: PostgreSQL thawed after $STALL s ($(wc -l <"$T_DIR/$name.done") calls done); just before: ${STALL_STATUS%, }"
		kill -0 "$pid" 2>/dev/null || echo "  ($name: the calls ended before the thaw: raise BENCH_CALLS)"
	fi
	wait "$pid"
	t1=$(now)
	DONE=$(wc -l <"$T_DIR/$name.done")
	FAILED=$((CALLS - DONE))
	secs=$(calc "$t1 - $t0")
	RATE=$(calc "$DONE / $secs")
	if [ "$(status_field cdr_enabled)" = yes ]; then
		t0=$(now)
		t_eventually 120 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^cdr_pending +0$'" ||
			echo "  $name: CDRs still pending 120 s after the run"
		[ -n "$stall" ] && printf '  %s: the backlog was written %.1f s after the last call\n' "$name" \
			"$(calc "$(now) - $t0")"
		grep -E 'CDR alarm' "$T_DIR/tandemd.log" | sed "s/^.*CDR alarm/  $name: log: CDR alarm/" | head -n 3
	fi
	CPU="$(calc "1000 * ($(cpu_tandemd) - $d0) / $DONE") $(calc "1000 * ($(cpu_pg) - $p0) / $DONE")"
	daemon_stop
	: >"$T_DIR/tandemd.log"
	printf '  %s: %d of %d calls in %.1f s: %.1f calls/s; CPU s per 1000 calls: tandemd %.2f, PostgreSQL %.2f%s\n' \
		"$name" "$DONE" "$CALLS" "$secs" "$RATE" $CPU \
		"$([ "$FAILED" -gt 0 ] && echo ", $FAILED FAILED: not clean")"
	if [ "$FAILED" != 0 ]; then
		CLEAN=no
		grep -m 3 -E 'Aborting|timed out|unexpected' "$T_DIR/$name.errors" 2>/dev/null | cut -c1-240 |
			sed "s/^/  $name: SIPp: /"
	fi
}

echo "calls_cdr: SIP -> SIP through a carrier trunk, $CONC calls at once, answered and hung up at once"
echo "  ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; SIPp UAC and UAS, tandemd and"
echo "  PostgreSQL all on this machine: other work on it skews the rates, hence off/on runs on both sides)"
CLEAN=yes
if [ -z "$CALLS" ]; then
	CALLS=10000
	run calibrate ""
	CALLS=$(printf '%.0f' "$(calc "$RATE * $RUN_S / 1000")")
	CALLS=$((CALLS < 1 ? 1000 : CALLS * 1000))
	echo "  calibration: $CALLS calls per run (about $RUN_S s each)"
fi

# off, on, stalled, on, off: drift over the runs (other load, a growing
# table) weighs on both sides alike.
run off1 "enabled = no"
OFF1=$RATE OFF1_CPU=$CPU
run on1 ""
ON1=$RATE ON1_CPU=$CPU
rows=$(pg_sql "SELECT count(*) FROM cdr")
run stalled "alarm_after = 30" stall
ST=$RATE ST_CPU=$CPU
rows=$(($(pg_sql "SELECT count(*) FROM cdr") - rows))
[ "$rows" = "$DONE" ] || echo "  stalled: $rows rows in table cdr for $DONE calls"
run on2 ""
ON2=$RATE ON2_CPU=$CPU
run off2 "enabled = no"
OFF2=$RATE OFF2_CPU=$CPU
kill -TERM "$UAS_PID"
wait "$UAS_PID" 2>/dev/null

OFF=$(calc "($OFF1 + $OFF2) / 2")
ON=$(calc "($ON1 + $ON2) / 2")
pct() { calc "100 * $1 / $OFF"; }
mean_cpu() { echo "$1 $2" | awk '{ printf "%.2f %.2f", ($1 + $3) / 2, ($2 + $4) / 2 }'; }
echo
printf 'clean call rate, %d calls per run, %d at once:\n' "$CALLS" "$CONC"
printf '  %-34s %8s %7s   %s\n' "" "calls/s" "of off" "CPU s per 1000 calls: tandemd, PostgreSQL"
printf '  %-34s %8.1f %7s   %.2f, %.2f\n' "CDRs off (runs $(printf '%.0f' "$OFF1"), $(printf '%.0f' "$OFF2"))" "$OFF" "" \
	$(mean_cpu "$OFF1_CPU" "$OFF2_CPU")
printf '  %-34s %8.1f %6.1f%%   %.2f, %.2f\n' "CDRs on (runs $(printf '%.0f' "$ON1"), $(printf '%.0f' "$ON2"))" "$ON" \
	"$(pct "$ON")" $(mean_cpu "$ON1_CPU" "$ON2_CPU")
printf '  %-34s %8.1f %6.1f%%   %.2f, %.2f\n' "CDRs on, PostgreSQL stalled $STALL s" "$ST" "$(pct "$ST")" $ST_CPU
verdict=met
for r in "$ON" "$ST"; do
	awk "BEGIN { exit !($r >= 0.95 * $OFF) }" || verdict=MISSED
done
[ "$CLEAN" = yes ] || verdict="not measured (failed calls: a run was not clean)"
echo "target: CDRs on >= 95% of CDRs off, also while PostgreSQL is stalled: $verdict"
