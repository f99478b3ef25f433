#!/bin/bash
# Glare through tandemd and pstnsim: a SIP customer's call and the
# network's call to a DID cross on one B-channel. pstnsim --glare makes
# it deterministic: before its libpri takes tandemd's SETUP for span1
# channel 1, it sends its own SETUP on that channel, so both SETUPs are on
# the line at once. Q.931 5.2.3.1: the network keeps the channel and refuses ours
# with 44; tandemd (the user side) places its call again, before the SIP
# caller hears anything: on another channel of the span, else on another
# span of the trunk; with no channel left the call fails with 44 (503).
# The network's call proceeds each time, no channel is left busy, and each
# call leaves one CDR.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
SIM_PID=
UAS_PID=

lsan_allow_libpri

glare_cleanup() {
	local rc=$?
	if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null; fi
	if [ -n "$UAS_PID" ]; then kill -TERM "$UAS_PID" 2>/dev/null; fi
	(exit "$rc")
	t_cleanup
}
trap glare_cleanup EXIT

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);
	INSERT INTO dids VALUES ('+442070000001', 1, 'sip:+442070000001@127.0.0.1:$UAS_PORT');" >/dev/null ||
	t_fail "provisioning"

# The PBX answers the network's three DID calls; the network hangs up each after 1 s.
sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.1 -p "$UAS_PORT" -m 3 -timeout 90s -timeout_error \
	-nostdin -trace_msg -message_file "$T_DIR/sipp-uas.log" >"$T_DIR/sipp-uas.out" 2>&1 &
UAS_PID=$!
# Two E1s of one trunk. A SETUP from tandemd for span1 channel 1 crosses with one of ours.
"$PSTNSIM" --span "span1:$T_DIR/s1.d:$T_DIR/s1.b" --span "span2:$T_DIR/s2.d:$T_DIR/s2.b" \
	--glare span1:1 --to 00442070000001 --from 00442079460000 --out-actions hangup:1s --on-call answer:200 \
	--pcap "$T_DIR/%s.pcap" --timeout 120 --json "$T_DIR/sim.json" >"$T_DIR/sim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/s2.d" || t_fail "pstnsim listens"

T_LOG_LEVEL=info daemon_start "[span pstn1]
dchan = $T_DIR/s1.d
audio = $T_DIR/s1.b
[span pstn2]
dchan = $T_DIR/s2.d
audio = $T_DIR/s2.b
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
spans_up() { [ "$(ctl spans | grep -Ec '^pstn[12] .* up ')" = 2 ]; }
t_ok "both spans come up" t_eventually 20 spans_up
# Every B-channel idle (or out of service) on both spans, no call left.
all_idle() {
	ctl spans | awk '$1 ~ /^pstn[12]$/ && $9 == 0 && $14 ~ /^[.o]+$/ { n++ } END { exit n != 2 }' &&
		[ "$(status_field calls_live)" = 0 ]
}

# --- 1. Another channel of the span -------------------------------------
t_ok "1: the SIP call is answered" run_sipp uac_call.xml u1 -s +442071230016
t_like "$(cat "$T_DIR/sim.log")" "glare span=span1 ch=1" "1: the SETUPs crossed on span1 channel 1"
t_like "$(grep 'glare on' "$T_DIR/tandemd.log")" "pstn1: glare on ch 1: our call moves to pstn1 ch 2" \
	"1: tandemd moved its call to channel 2"
t_ok "1: no channel is left busy" t_eventually 20 all_idle
ts() { tshark -r "$@" 2>/dev/null; }
if command -v tshark >/dev/null; then
	t_is "$(ts "$T_DIR/span1.pcap" -Y 'q931.message_type == 0x05 || q931.message_type == 0x5a' -T fields \
		-e lapd.direction -e q931.message_type -e q931.channel.number -e q931.cause_value | head -n4 |
		tr '\t\n' ' ,')" "0 0x05 1 ,1 0x05 1 ,1 0x5a  44,0 0x05 2 ," \
		"1: on the line: our SETUP and the network's on channel 1, RELEASE COMPLETE 44 for ours, ours on channel 2"
fi

# --- 2. Another span of the trunk ---------------------------------------
# Only channel 1 of pstn1 is in service (Euro-ISDN has no SERVICE message:
# the change is tandemd's own).
t_ok "2: pstn1's channels go out of service" ctl span service pstn1 all out
t_ok "2: but channel 1" ctl span service pstn1 1 in
t_ok "2: the SIP call is answered" run_sipp uac_call.xml u1 -s +442071230016
t_like "$(grep '\[span\] .*glare on' "$T_DIR/tandemd.log" | tail -n1)" "pstn1: glare on ch 1: our call moves to pstn2 ch 1" \
	"2: pstn1 has no channel left: the call moves to pstn2 channel 1"
t_ok "2: no channel is left busy" t_eventually 20 all_idle

# --- 3. No channel left in the trunk ------------------------------------
t_ok "3: pstn2's channels go out of service" ctl span service pstn2 all out
sed -e "s/@STATUS@/503/" -e "s/@CAUSE@/44/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail-44.xml"
t_ok "3: the call fails: 503 with Reason cause 44" run_sipp "$T_DIR/fail-44.xml" u1 -s +442071230016
t_like "$(grep '\[span\] .*glare on' "$T_DIR/tandemd.log" | tail -n1)" "no other channel in trunk pstn: the call fails \\(44\\)" \
	"3: tandemd logs why"
t_ok "3: no channel is left busy" t_eventually 20 all_idle

wait "$UAS_PID"
t_is "$?" 0 "the PBX answered the network's three DID calls, each cleared with BYE"
UAS_PID=
kill -TERM "$SIM_PID"
wait "$SIM_PID"
t_is "$?" 0 "pstnsim exits cleanly"
SIM_PID=
sim() { python3 -c "import json; d=json.load(open('$T_DIR/sim.json')); print($1)"; }
t_is "$(sim "sorted((c['span'], c['ch'], c['dir'], c['answered']) for c in d['calls'])")" \
	"[('span1', 1, 'out', True), ('span1', 1, 'out', True), ('span1', 1, 'out', True), ('span1', 2, 'in', True), ('span2', 1, 'in', True)]" \
	"pstnsim: its three calls answered on span1 channel 1; ours on span1 ch 2 and span2 ch 1"

t_ok "the CDRs reach the database" t_eventually 20 sh -c \
	"[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr') -ge 6 ]"
t_is "$(pg_sql "SELECT direction, leg, disposition, coalesce(sip_status, 0), coalesce(q850_cause, 0), span, channel
	FROM cdr WHERE direction = 'outbound' ORDER BY id" | tr '\n' ',')" \
	"outbound|1|answered|200|16|pstn1|2,outbound|1|answered|200|16|pstn2|1,outbound|1|failed|503|44|pstn1|1," \
	"outbound CDRs: one per call; the channel that carried it; the lost one failed with 503 and cause 44"
t_is "$(pg_sql "SELECT direction || ' ' || disposition || ' ' || span || ' ' || channel FROM cdr
	WHERE direction = 'inbound'" | sort | uniq -c | sed 's/^ *//')" "3 inbound answered pstn1 1" \
	"inbound CDRs: the network's three calls, answered on pstn1 channel 1"
t_is "$(pg_sql "SELECT count(*) FROM cdr")" 6 "nothing else"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
