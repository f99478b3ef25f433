#!/bin/bash
# B-channel hunt order through tandemd (docs/spans.md): three E1 spans, one
# per [span] hunt setting, each its own PRI trunk toward its own pstnsim;
# and a trunk of two round_robin spans, which share its calls in turn.
# Three SIP calls one after another to each; the channel each call seized
# is read from its CDR (and the SETUPs pstnsim received): ascending takes
# channel 1 every time (it is free again), descending 31 (the last
# B-channel of an E1: 16 is the D-channel), round_robin 1, 2, 3.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
BASE=$((40000 + (RANDOM % 10000)))
ORDERS="ascending descending round_robin"
SIM_PIDS=

lsan_allow_libpri

hunt_cleanup() {
	local rc=$?
	for p in $SIM_PIDS; do kill -TERM "$p" 2>/dev/null; done
	(exit "$rc")
	t_cleanup
}
trap hunt_cleanup EXIT

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
sql="INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');"
# add_span N HUNT TRUNK: span hN in tandemd's configuration, and its pstnsim.
add_span() {
	spans_ini="$spans_ini
[span h$1]
hunt = $2
trunk = $3
dchan = $T_DIR/h$1.d
audio = $T_DIR/h$1.b"
	"$PSTNSIM" --dchan "$T_DIR/h$1.d" --audio "$T_DIR/h$1.b" --on-call answer --quiet \
		--json "$T_DIR/h$1.json" >"$T_DIR/h$1.sim" 2>&1 &
	SIM_PIDS="$SIM_PIDS $!"
}
spans_ini=
i=0
for o in $ORDERS; do
	i=$((i + 1))
	sql="$sql
	INSERT INTO trunks (id, name, kind) VALUES ($i, 'pri-$i', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+4420712$i', $i);"
	add_span "$i" "$o" "pri-$i"
done
# Trunk pri-4: spans h4 and h5, both round_robin.
sql="$sql
	INSERT INTO trunks (id, name, kind) VALUES (4, 'pri-4', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+44207124', 4);"
for i in 4 5; do add_span "$i" round_robin pri-4; done
pg_sql "$sql" >/dev/null || t_fail "provisioning"
for i in 1 2 3 4 5; do t_eventually 10 test -S "$T_DIR/h$i.d" || t_fail "pstnsim $i listens"; done

daemon_start "$spans_ini
[media]
port_min = $((BASE + 2000))
port_max = $((BASE + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
for i in 1 2 3 4 5; do
	t_ok "span h$i: the D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans | grep -Eq '^h$i .* up '"
done

short="$T_DIR/uac_short.xml"
sed 's/<pause milliseconds="1000"\/>/<pause milliseconds="100"\/>/' "$SIPP_DIR/uac_call.xml" >"$short"
idle() { [ "$(status_field calls_live)" = 0 ]; }
i=0
for o in $ORDERS; do
	i=$((i + 1))
	for n in 1 2 3; do
		t_ok "$o: call $n answered" run_sipp "$short" u1 -s "+4420712${i}00000$n"
		t_ok "$o: call $n cleared" t_eventually 10 idle
	done
done
for n in 1 2 3 4; do
	t_ok "two round_robin spans: call $n answered" run_sipp "$short" u1 -s "+44207124000$n"
	t_ok "two round_robin spans: call $n cleared" t_eventually 10 idle
done

channels() { # the trunk's CDR channels, in call order
	pg_sql "SELECT string_agg(channel::text, ',' ORDER BY callee) FROM cdr WHERE egress = '$1'"
}
t_ok "the CDRs reach the database" t_eventually 20 sh -c "[ \"\$(cd / && '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr')\" = 13 ]"
t_is "$(channels pri-1)" "1,1,1" "ascending: channel 1 each time"
t_is "$(channels pri-2)" "31,31,31" "descending: channel 31 (the highest B-channel of an E1) each time"
t_is "$(channels pri-3)" "1,2,3" "round_robin: 1, 2, 3"
t_is "$(pg_sql "SELECT string_agg(span || ':' || channel, ',' ORDER BY callee) FROM cdr WHERE egress = 'pri-4'")" \
	"h4:1,h5:1,h4:2,h5:2" "a trunk of two round_robin spans: the calls alternate between the spans"

daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd stops cleanly"
for p in $SIM_PIDS; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
SIM_PIDS=
# pstnsim's own view: the channel of each SETUP it took.
sim_channels() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(','.join(str(c['ch']) for c in d['calls']))" "$1"
}
t_is "$(sim_channels "$T_DIR/h1.json")" "1,1,1" "pstnsim (ascending): its SETUPs named channel 1"
t_is "$(sim_channels "$T_DIR/h2.json")" "31,31,31" "pstnsim (descending): channel 31"
t_is "$(sim_channels "$T_DIR/h3.json")" "1,2,3" "pstnsim (round_robin): 1, 2, 3"
t_done
