#!/bin/bash
# bench/calls (make bench-calls): tandemd's call handling against Kamailio
# relaying the same SIPp load, on this machine, in the same run.
#   SIP -> SIP   SIPp UAC -> tandemd -> SIPp UAS (a carrier trunk, 127.0.0.2)
#   SIP -> PRI   SIPp UAC -> tandemd -> pstnsim over 32 virtual E1 spans
#                (hunt = round_robin: the calls share the 32 D-channels)
#   Kamailio     SIPp UAC -> kamailio (tm, sl, rr, dispatcher with the UAS as
#                its one destination, dialog; record-routed, stateful) -> UAS
# For each: the clean rate (the highest calls/s with no failed call and no
# retransmission, SIPp's final statistics, UAC side: rates doubled, then
# bisected, BENCH_STEP seconds a step), CPU time per call (utime + stime
# of the processes over a run at BENCH_CPU_SHARE of the clean rate), memory
# per established call (PSS growth with BENCH_HOLD calls held open: the UAC
# pauses before its BYE; not for SIP -> PRI, whose 960 B-channels cap it),
# and for tandemd, at twice its clean rate, the completed rate and the 503s
# it sheds. Targets (docs/calls.md): tandemd >= 1/2 of Kamailio's clean
# rate, <= 2x its CPU per call, SIP -> PRI >= 80% of SIP -> SIP, <= 32 KiB
# per established call, at 2x the clean rate >= 90% of it completed.
# Calls are answered at once and hung up at once (-d 0). Kamailio is
# installed with apt-get when missing (root only). Environment: BENCH_STEP
# (s, default 5), BENCH_HOLD (default 10000), BENCH_START (first rate, 100),
# BENCH_CPU_SHARE (0.7), BENCH_SKIP (words: pri kamailio hold shed).
set -u
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$PWD}
TOP_SRCDIR=$(cd "$TOP_SRCDIR" && pwd) TOP_BUILDDIR=$(cd "$TOP_BUILDDIR" && pwd) # SIPp runs in $T_DIR
export TOP_SRCDIR TOP_BUILDDIR
T_LOG_LEVEL=notice # per-call info lines would measure the log file
. "$TOP_SRCDIR/tests/lib/harness.sh"

STEP=${BENCH_STEP:-5}
HOLD=${BENCH_HOLD:-10000}
START=${BENCH_START:-100}
SHARE=${BENCH_CPU_SHARE:-0.7}
SKIP=" ${BENCH_SKIP:-} "
PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
KAM_PORT=$((UAS_PORT + 3))
SPANS=32

die() {
	echo "calls bench: $*" >&2
	exit 1
}
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
skip() { case $SKIP in *" $1 "*) return 0 ;; esac; return 1; }

pg_start tandem >/dev/null && "$TANDEMCTL" db migrate >/dev/null || die "PostgreSQL did not start"
# Limits lifted (a load test): the customer's and the node's.
pg_sql "INSERT INTO customers (id, name, max_calls, max_cps) VALUES (1, 'acme', 100000, 10000);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (2, 'carrier', 'sip'), (3, 'pstn', 'pri');
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, '127.0.0.2', $UAS_PORT);
	INSERT INTO routes (prefix, trunk_id) VALUES ('+1', 2), ('+44', 3);
	UPDATE trunks SET ping_interval_s = 0, invite_timeout_ms = 32000 WHERE kind = 'sip';" >/dev/null ||
	die "provisioning failed"

sipp -sf "$SIPP_DIR/uas_load.xml" -t u1 -i 127.0.0.2 -p "$UAS_PORT" -nostdin -max_socket 100000 \
	>"$T_DIR/uas.out" 2>&1 &
UAS_PID=$!
T_KILL_PIDS=$UAS_PID

# --- measuring --------------------------------------------------------------

# cpu PIDS: CPU seconds (utime + stime) of those processes so far.
cpu() {
	local p
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done | awk '{ s += $14 + $15 } END { printf "%.2f", s / 100 }'
}
# pss PIDS: their proportional set size in KiB (shared memory counted once).
pss() {
	local p
	for p in "$@"; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '$1 == "Pss:" { s += $2 } END { print s + 0 }'
}
# stat FILE FIELD: a cumulative column of SIPp's last -trace_stat line.
stat() {
	awk -F';' -v f="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == f) c = i } END { print (c ? $c : 0) + 0 }' "$1"
}

# uac NAME TARGET NUMBER RATE CALLS [PAUSE-MS [CONCURRENCY]]: SIPp's UAC,
# to the end; sets OK, FAILED, RETRANS, SECS.
uac() {
	local name=$1 target=$2 number=$3 rate=$4 calls=$5 pause=${6:-0} conc=${7:-20000} t0
	rm -f "$T_DIR/$name"_*.csv
	t0=$(date +%s.%N)
	(cd "$T_DIR" && sipp -sf "$SIPP_DIR/uac_load.xml" -t u1 -i 127.0.0.1 -p $((UAS_PORT + 1)) -s "$number" \
		-m "$calls" -r "$rate" -l "$conc" -d "$pause" -recv_timeout 20000 -nostdin -max_socket 100000 \
		-trace_stat -stf "$name.csv" -fd 1 "$target" >"$T_DIR/$name.out" 2>&1)
	SECS=$(calc "$(date +%s.%N) - $t0")
	OK=$(stat "$T_DIR/$name.csv" 'SuccessfulCall(C)')
	FAILED=$(stat "$T_DIR/$name.csv" 'FailedCall(C)')
	RETRANS=$(stat "$T_DIR/$name.csv" 'Retransmissions(C)')
}

# settle: wait for the node under test to have no call left.
settle() {
	if [ -n "$T_DAEMON_PID" ]; then
		t_eventually 60 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^calls_live +0$'" ||
			echo "  (calls still live 60 s after a step)"
	else
		sleep 2
	fi
}

# ramp NAME TARGET NUMBER [MAX]: the clean rate into CLEAN.
ramp() {
	local name=$1 target=$2 number=$3 max=${4:-1000000} lo=0 hi= r=$START i
	while :; do
		[ "$r" -gt "$max" ] && r=$max
		uac "$name-ramp" "$target" "$number" "$r" $((r * STEP))
		settle
		if [ "$FAILED" = 0 ] && [ "$RETRANS" = 0 ] && [ "$OK" -gt 0 ]; then
			echo "    $r calls/s: clean ($OK calls)"
			lo=$r
			[ "$r" -ge "$max" ] && break
			r=$((r * 2))
		else
			echo "    $r calls/s: $FAILED failed, $RETRANS retransmissions"
			hi=$r
			break
		fi
	done
	if [ -n "$hi" ]; then
		for i in 1 2 3; do
			r=$(((lo + hi) / 2))
			[ $((hi - lo)) -le $((hi / 20 + 1)) ] && break
			uac "$name-ramp" "$target" "$number" "$r" $((r * STEP))
			settle
			if [ "$FAILED" = 0 ] && [ "$RETRANS" = 0 ] && [ "$OK" -gt 0 ]; then
				echo "    $r calls/s: clean"
				lo=$r
			else
				echo "    $r calls/s: $FAILED failed, $RETRANS retransmissions"
				hi=$r
			fi
		done
	fi
	CLEAN=$lo
}

# cpu_per_call NAME TARGET NUMBER PIDS...: ms of CPU per call at SHARE of
# CLEAN, over 2 * STEP seconds, into CPU_MS.
cpu_per_call() {
	local name=$1 target=$2 number=$3 r c0
	shift 3
	r=$(printf '%.0f' "$(calc "$CLEAN * $SHARE")")
	[ "$r" -ge 1 ] || r=1
	c0=$(cpu "$@")
	uac "$name-cpu" "$target" "$number" "$r" $((r * STEP * 2))
	settle
	CPU_MS=$(calc "1000 * ($(cpu "$@") - $c0) / ($OK > 0 ? $OK : 1)")
	echo "    CPU at $r calls/s: $OK calls, $(printf '%.3f' "$CPU_MS") ms per call ($FAILED failed)"
}

# hold NAME TARGET NUMBER PIDS...: PSS growth per established call with
# HOLD calls held open, into KIB.
hold() {
	local name=$1 target=$2 number=$3 m0 m1 up pid r
	shift 3
	r=$(printf '%.0f' "$(calc "$CLEAN * $SHARE")")
	[ "$r" -le 1000 ] || r=1000
	m0=$(pss "$@")
	(cd "$T_DIR" && exec sipp -sf "$SIPP_DIR/uac_load.xml" -t u1 -i 127.0.0.1 -p $((UAS_PORT + 1)) -s "$number" \
		-m "$HOLD" -r "$r" -l "$HOLD" -d 3600000 -nostdin -max_socket 100000 -trace_stat -stf "$name-hold.csv" -fd 1 \
		"$target" >"$T_DIR/$name-hold.out" 2>&1) &
	pid=$!
	T_KILL_PIDS="$T_KILL_PIDS $pid"
	# established: SIPp's current calls that have been answered (its
	# counters: successful calls count at the end; the UAC's own view).
	t_eventually $((HOLD / r + 60)) sh -c "[ \"\$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"CurrentCall\") c = i } END { print \$c + 0 }' '$T_DIR/$name-hold.csv')\" -ge $HOLD ]"
	sleep 3 # the last ACKs through; a -fd 1 statistics line after them
	up=$(stat "$T_DIR/$name-hold.csv" CurrentCall)
	[ -n "$T_DAEMON_PID" ] && up=$(status_field calls_live)
	m1=$(pss "$@")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	KIB=$(calc "($m1 - $m0) / ($up > 0 ? $up : 1)")
	HELD=$up
	echo "    $up calls held: PSS $m0 -> $m1 KiB, $(printf '%.1f' "$KIB") KiB per call"
}

# shed NAME TARGET NUMBER: at twice CLEAN for 2 * STEP s: completed rate and
# the 503s (calls_shed).
shed() {
	local name=$1 target=$2 number=$3 r s0
	r=$((CLEAN * 2))
	s0=$(status_field calls_shed)
	uac "$name-shed" "$target" "$number" "$r" $((r * STEP * 2))
	SHED_RATE=$(calc "$OK / $SECS")
	SHED_503=$(($(status_field calls_shed) - s0))
	settle
	echo "    at $r calls/s: $OK completed in $(printf '%.1f' "$SECS") s ($(printf '%.1f' "$SHED_RATE") calls/s), $SHED_503 shed with 503, $FAILED failed in all, $RETRANS retransmissions"
}

# --- tandemd ---------------------------------------------------------------

echo "calls bench: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; SIPp, tandemd, pstnsim,"
echo "  Kamailio and PostgreSQL all on this machine: other work on it skews every figure"

SPAN_INI=
SPAN_ARGS=()
if ! skip pri; then
	for i in $(seq 1 $SPANS); do
		SPAN_ARGS+=(--span "e$i:$T_DIR/e$i.dchan:$T_DIR/e$i.audio")
		SPAN_INI="$SPAN_INI
[span e$i]
hunt = round_robin
dchan = $T_DIR/e$i.dchan
audio = $T_DIR/e$i.audio
trunk = pstn"
	done
	"$PSTNSIM" "${SPAN_ARGS[@]}" --quiet --on-call answer --tone 0 >"$T_DIR/pstnsim.log" 2>&1 &
	T_KILL_PIDS="$T_KILL_PIDS $!"
	t_eventually 10 test -S "$T_DIR/e$SPANS.dchan" || die "pstnsim did not start"
fi
daemon_start "enabled = yes
[calls]
max = 100000
[media]
port_min = 20000
port_max = 30000$SPAN_INI" || die "tandemd did not start"
t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'" ||
	die "the routing directory did not load"
skip pri || t_eventually 30 sh -c "[ \$('$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Ec '^e[0-9]+ .* up ') -ge $SPANS ]" ||
	die "the $SPANS spans did not come up"
TD="127.0.0.1:$T_SIP_PORT"

echo "tandemd, SIP -> SIP:"
ramp sip "$TD" +12125550100
SIP_CLEAN=$CLEAN
cpu_per_call sip "$TD" +12125550100 "$T_DAEMON_PID"
SIP_CPU=$CPU_MS
SHED_RATE=- SHED_503=-
if ! skip shed; then
	echo "tandemd, SIP -> SIP at twice the clean rate:"
	shed sip "$TD" +12125550100
fi

PRI_CLEAN=- PRI_CPU=-
if ! skip pri; then
	echo "tandemd, SIP -> PRI ($SPANS E1 spans, pstnsim answering at once):"
	ramp pri "$TD" +442071230000 2000
	PRI_CLEAN=$CLEAN
	cpu_per_call pri "$TD" +442071230000 "$T_DAEMON_PID"
	PRI_CPU=$CPU_MS
fi
SIP_KIB=- SIP_HELD=0
if ! skip hold; then
	echo "tandemd, SIP -> SIP, calls held open:"
	hold sip "$TD" +12125550100 "$T_DAEMON_PID"
	SIP_KIB=$KIB SIP_HELD=$HELD
fi
daemon_stop

# --- Kamailio ---------------------------------------------------------------

KAM_CLEAN=- KAM_CPU=- KAM_KIB=- KAM_HELD=0
if ! skip kamailio; then
	if ! command -v kamailio >/dev/null; then
		[ "$(id -u)" = 0 ] || die "kamailio is not installed (apt-get install kamailio)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q kamailio >"$T_DIR/apt.log" 2>&1 ||
			die "apt-get install kamailio failed"
	fi
	MODS=$(dirname "$(dpkg -L kamailio | grep '/modules/tm\.so$' | head -n 1)")
	echo "1 sip:127.0.0.2:$UAS_PORT" >"$T_DIR/dispatcher.list"
	cat >"$T_DIR/kamailio.cfg" <<KCFG
#!KAMAILIO
debug=-1
log_stderror=yes
children=$(nproc)
listen=udp:127.0.0.3:$KAM_PORT
mpath="$MODS/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "dispatcher.so"
loadmodule "dialog.so"
modparam("dispatcher", "list_file", "$T_DIR/dispatcher.list")
modparam("dialog", "hash_size", 16384)
request_route {
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	# in-dialog: SIPp's UAC sends its ACK and BYE without the Route set;
	# the dialog module knows them (Call-ID and tags) and ends it on BYE
	if (has_totag()) {
		if (!loose_route()) {
			if (!is_known_dlg()) { sl_send_reply("404", "Not here"); exit; }
			dlg_manage();
			if (!ds_select_dst("1", "4")) exit;
		}
		t_relay();
		exit;
	}
	if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
	t_check_trans();
	if (is_method("INVITE")) { record_route(); dlg_manage(); }
	if (!ds_select_dst("1", "4")) { sl_send_reply("503", "No destination"); exit; }
	t_relay();
}
KCFG
	kamailio -f "$T_DIR/kamailio.cfg" -c >"$T_DIR/kamailio.check" 2>&1 || { cat "$T_DIR/kamailio.check" >&2; die "kamailio.cfg refused"; }
	kamailio -f "$T_DIR/kamailio.cfg" -DD -E -m 512 -M 16 -P "$T_DIR/kamailio.pid" -Y "$T_DIR" \
		>"$T_DIR/kamailio.log" 2>&1 &
	KAM_PID=$!
	T_KILL_PIDS="$T_KILL_PIDS $KAM_PID"
	sleep 2
	kill -0 "$KAM_PID" 2>/dev/null || { tail "$T_DIR/kamailio.log" >&2; die "kamailio did not start"; }
	kam_pids() { echo "$KAM_PID" $(pgrep -P "$KAM_PID"); }
	KD="127.0.0.3:$KAM_PORT"
	echo "Kamailio $(kamailio -v | awk 'NR == 1 { print $2 }') ($(nproc) children), SIP -> SIP:"
	ramp kam "$KD" +12125550100
	KAM_CLEAN=$CLEAN
	cpu_per_call kam "$KD" +12125550100 $(kam_pids)
	KAM_CPU=$CPU_MS
	if ! skip hold; then
		hold kam "$KD" +12125550100 $(kam_pids)
		KAM_KIB=$KIB KAM_HELD=$HELD
	fi
	kill -TERM "$KAM_PID"
	wait "$KAM_PID" 2>/dev/null
fi
kill -TERM "$UAS_PID"
wait "$UAS_PID" 2>/dev/null

# --- report -----------------------------------------------------------------

verdict() { awk "BEGIN { exit !($1) }" 2>/dev/null && echo met || echo MISSED; }
num() { case $1 in - | '') return 1 ;; esac; }
echo
echo "                     clean calls/s   CPU ms/call   KiB/established call"
printf '  %-18s %13s %13s %14s\n' "tandemd SIP->SIP" "$SIP_CLEAN" "$(printf '%.3f' "$SIP_CPU")" \
	"$(num "$SIP_KIB" && printf '%.1f (%s)' "$SIP_KIB" "$SIP_HELD" || echo -)"
printf '  %-18s %13s %13s %14s\n' "tandemd SIP->PRI" "$PRI_CLEAN" "$(num "$PRI_CPU" && printf '%.3f' "$PRI_CPU" || echo -)" -
printf '  %-18s %13s %13s %14s\n' "Kamailio" "$KAM_CLEAN" "$(num "$KAM_CPU" && printf '%.3f' "$KAM_CPU" || echo -)" \
	"$(num "$KAM_KIB" && printf '%.1f (%s)' "$KAM_KIB" "$KAM_HELD" || echo -)"
echo "targets:"
if num "$KAM_CLEAN" && [ "$KAM_CLEAN" -gt 0 ]; then
	echo "  clean rate >= 1/2 of Kamailio's: $(printf '%.2f' "$(calc "$SIP_CLEAN / $KAM_CLEAN")") of it: $(verdict "$SIP_CLEAN >= 0.5 * $KAM_CLEAN")"
	echo "  CPU per call <= 2x Kamailio's: $(printf '%.2f' "$(calc "$SIP_CPU / $KAM_CPU")")x: $(verdict "$SIP_CPU <= 2 * $KAM_CPU")"
fi
num "$PRI_CLEAN" && [ "$SIP_CLEAN" -gt 0 ] &&
	echo "  SIP -> PRI >= 80% of SIP -> SIP: $(printf '%.0f' "$(calc "100 * $PRI_CLEAN / $SIP_CLEAN")")%: $(verdict "$PRI_CLEAN >= 0.8 * $SIP_CLEAN")"
num "$SIP_KIB" && echo "  <= 32 KiB per established call ($SIP_HELD held): $(printf '%.1f' "$SIP_KIB") KiB: $(verdict "$SIP_KIB <= 32")"
num "$SHED_RATE" && [ "$SIP_CLEAN" -gt 0 ] &&
	echo "  at 2x the clean rate, >= 90% of it completed, 503s shed: $(printf '%.0f' "$(calc "100 * $SHED_RATE / $SIP_CLEAN")")%, $SHED_503 shed: $(verdict "$SHED_RATE >= 0.9 * $SIP_CLEAN && $SHED_503 > 0")"
exit 0
