#!/bin/bash
# Calls through the real daemon and database: SIPp as the customer's PBX
# on one side, pstnsim as the telephone network on the other (a virtual
# E1), and the reverse for DID calls. Every outcome is checked where the
# other side sees it, and each call leaves its CDR.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
# Provisioning (tandemctl's commands for these come with the provisioning
# issue): customer acme at 127.0.0.1, every number to the PRI trunk, one
# DID to the PBX (a SIPp UAS).
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);
	INSERT INTO dids VALUES ('+442070000001', 1, 'sip:+442070000001@127.0.0.1:$UAS_PORT');" ||
	t_fail "provisioning"

# pstnsim: the network side, with a rule per test number.
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule '442071230016=answer:300' \
	--rule '442071230116=answer:300,hangup:1s' \
	--rule '442071230017=busy' \
	--rule '442071230019=noanswer:500' \
	--rule '442071230001=unallocated' \
	--rule '442071230034=congestion' \
	--rule '442071230099=ring' \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"

daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_pass "tandemd starts with a span"
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"
t_like "$(ctl status)" "pstn1 +virtual +e1 +alaw +euroisdn_e1 +cpe +pstn +up" "status lists the span"
t_like "$(ctl status)" "pstn1 +1 +Null" "status lists each B-channel's state"

# SIP -> PSTN
t_ok "answered call, the caller hangs up" run_sipp uac_call.xml u1 -s +442071230016
t_ok "answered call over TCP" run_sipp uac_call.xml t1 -s +442071230016
t_ok "answered call, the PSTN hangs up (BYE with Reason cause 16)" run_sipp uac_far_bye.xml u1 -s +442071230116

fail_case() { # NUMBER STATUS CAUSE
	sed -e "s/@STATUS@/$2/" -e "s/@CAUSE@/$3/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail-$2.xml"
	run_sipp "$T_DIR/fail-$2.xml" u1 -s "$1"
}
t_ok "busy: 486 with Reason cause 17" fail_case +442071230017 486 17
t_ok "no answer: 480 with Reason cause 19" fail_case +442071230019 480 19
t_ok "unallocated number: 404 with Reason cause 1" fail_case +442071230001 404 1
t_ok "congestion: 503 with Reason cause 34" fail_case +442071230034 503 34
t_ok "CANCEL while ringing: 487" run_sipp uac_cancel.xml u1 -s +442071230099
# An offer without G.711 cannot reach a B-channel: 488 with cause 65, no SETUP.
sed -e "s/@STATUS@/488/" -e "s/@CAUSE@/65/" -e "s|RTP/AVP 8|RTP/AVP 18|" -e "s|8 PCMA/8000|18 G729/8000|" \
	"$SIPP_DIR/uac_fail.xml" >"$T_DIR/g729.xml"
t_ok "an offer with only G.729: 488 with Reason cause 65" run_sipp "$T_DIR/g729.xml" u1 -s +442071230016

# An INVITE from an address no customer has, without credentials, is
# challenged and never reaches the PSTN.
t_ok "an unknown source without credentials gets 407" sipp -sf "$SIPP_DIR/invite_challenged.xml" -t u1 -i 127.0.0.3 -p $((T_SIP_PORT + 3000)) \
	-m 1 -timeout 15s -timeout_error -nostdin "127.0.0.1:$T_SIP_PORT"

# pstnsim's own account: the calls that reached it, and not the forbidden one.
kill -TERM "$SIM_PID"
wait "$SIM_PID"
t_ok "pstnsim wrote its summary" test -s "$T_DIR/sim.json"
json() { python3 -c "import json,sys; d=json.load(open('$T_DIR/sim.json')); print($1)"; }
t_is "$(json "d['calls_in']")" 8 "pstnsim saw exactly the 8 routed calls (none from the unknown source)"
t_is "$(json "sum(1 for c in d['calls'] if c['called'] == '442071234567')")" 0 \
	"the number the unknown source dialled never reached the PSTN"
t_is "$(json "sorted(set(c['calling'] for c in d['calls']))")" "['15551230000']" \
	"the caller's number arrives intact (international, without '+')"

# PSTN -> DID: a new pstnsim originates one call; the span reconnects by
# itself; the PBX (a SIPp UAS) answers; pstnsim hangs up after 1 s. The
# numbers arrive with type "unknown" and the international prefix 00.
sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.1 -p "$UAS_PORT" -m 1 -timeout 60s -timeout_error \
	-nostdin -trace_msg -message_file "$T_DIR/sipp-uas.log" >"$T_DIR/sipp-uas.out" 2>&1 &
UAS_PID=$!
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--originate 1 --to 00442070000001 --from 00442079460000 --out-actions hangup:1s --calls 1 --timeout 60 \
	--json "$T_DIR/sim2.json" >"$T_DIR/pstnsim2.log" 2>&1
t_is "$?" 0 "pstnsim's DID call completed"
wait "$UAS_PID"
t_is "$?" 0 "the PBX received the DID call, answered, and got the BYE"
json2() { python3 -c "import json,sys; d=json.load(open('$T_DIR/sim2.json')); print($1)"; }
t_is "$(json2 "d['answered']")" 1 "pstnsim saw the DID call answered"
t_like "$(cat "$T_DIR/sipp-uas.log")" "From: <sip:\\+442079460000@" "the PBX sees the caller in E.164"
t_like "$(cat "$T_DIR/sipp-uas.log")" "INVITE sip:\\+442070000001@127.0.0.1:$UAS_PORT" "the INVITE goes to the DID's target"

# SIP <-> SIP as a B2BUA: a carrier's SIP trunk (gateway 127.0.0.2) takes
# the customer's calls to +1, and its calls to the DID reach the PBX.
CARRIER_PORT=$((UAS_PORT + 1))
pg_sql "INSERT INTO trunks (id, name, kind) VALUES (2, 'carrier', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, '127.0.0.2', $CARRIER_PORT);
	INSERT INTO routes (prefix, trunk_id) VALUES ('+1', 2);
	UPDATE trunks SET ping_interval_s = 0 WHERE kind = 'sip'; -- SIPp members play INVITE scenarios: no OPTIONS" || t_fail "provisioning the carrier"
t_ok "the directory reloads by itself (NOTIFY)" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_trunks +2$'"
sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.2 -p "$CARRIER_PORT" -m 1 -timeout 30s -timeout_error \
	-nostdin -trace_msg -message_file "$T_DIR/sipp-carrier.log" >/dev/null 2>&1 &
CARRIER_PID=$!
t_ok "a customer's call to +1 goes to the carrier's SIP trunk, answered, BYE relayed" \
	run_sipp uac_call.xml u1 -s +12125550100
wait "$CARRIER_PID"
t_is "$?" 0 "the carrier received the INVITE, answered, and got the BYE"
t_like "$(cat "$T_DIR/sipp-carrier.log")" "INVITE sip:\\+12125550100@127.0.0.2:$CARRIER_PORT" "the INVITE is addressed to the trunk's gateway"
# The carrier (127.0.0.2) calls DID $1; the PBX answers, logging to $2.
carrier_to_did() { # NUMBER LOG DESCRIPTION
	sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.1 -p "$UAS_PORT" -m 1 -timeout 30s -timeout_error \
		-nostdin -trace_msg -message_file "$2" >/dev/null 2>&1 &
	local uas=$!
	t_ok "$3" sipp -sf "$SIPP_DIR/uac_call.xml" -t u1 -i 127.0.0.2 -p $((CARRIER_PORT + 1)) -m 1 -timeout 15s \
		-timeout_error -nostdin -s "$1" "127.0.0.1:$T_SIP_PORT"
	wait "$uas"
	t_is "$?" 0 "the PBX got the call to $1"
}
carrier_to_did +442070000001 "$T_DIR/sipp-uas2.log" "the carrier's call to the DID, answered by the PBX, BYE relayed"

# Every call attempt left a CDR, durable and then in the database.
t_ok "the CDRs reach the database" t_eventually 20 sh -c "[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr') -ge 11 ]"
cdrs=$(pg_sql "SELECT direction, disposition, coalesce(sip_status, 0), coalesce(q850_cause, 0), (billable_ms > 0)
	FROM cdr ORDER BY id" | tr '\n' ' ')
t_like "$cdrs" "outbound\|answered\|200\|16\|t" "an answered outbound call is billable, with its 200"
t_like "$cdrs" "outbound\|busy\|486\|17\|f" "the busy call: busy, 486, cause 17"
t_like "$cdrs" "outbound\|no_answer\|480\|19\|f" "the unanswered call: no_answer, cause 19"
t_like "$cdrs" "outbound\|cancelled\|" "the cancelled call"
t_like "$cdrs" "inbound\|answered\|" "the DID call, inbound and answered"
t_is "$(pg_sql "SELECT span || ' ' || (channel > 0) FROM cdr WHERE direction = 'inbound'")" "pstn1 true" \
	"the DID call's CDR names the span and channel it came in on"
t_is "$(pg_sql "SELECT ingress || ' ' || egress FROM cdr WHERE callee = '+12125550100'")" "acme carrier" \
	"the carrier call's CDR: from acme to trunk carrier"
t_is "$(pg_sql "SELECT direction || ' ' || ingress FROM cdr WHERE ingress = 'carrier'")" "inbound carrier" \
	"the carrier's DID call is inbound, from trunk carrier"
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE customer = 'acme'")" "$(pg_sql "SELECT count(*) FROM cdr")" \
	"every CDR names the customer"

# A DID added with tandemctl while the daemon runs routes the next call:
# refused (404, cause 1) before, answered by the PBX after.
sed -e "s/@STATUS@/404/" -e "s/@CAUSE@/1/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail-did.xml"
t_ok "a carrier's call to a number that is not a DID: 404 with Reason cause 1" \
	sipp -sf "$T_DIR/fail-did.xml" -t u1 -i 127.0.0.2 -p $((CARRIER_PORT + 1)) -m 1 -timeout 15s -timeout_error \
	-nostdin -s +442070000002 "127.0.0.1:$T_SIP_PORT"
t_run out rc "$TANDEMCTL" did add +442070000002 --customer acme --target "sip:+442070000002@127.0.0.1:$UAS_PORT"
t_is "$rc" 0 "tandemctl did add, with the daemon running"
t_ok "the daemon's directory has the new DID (NOTIFY)" \
	t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_dids +2$'"
carrier_to_did +442070000002 "$T_DIR/sipp-uas3.log" "the next call to it is answered by the PBX, no restart"
t_like "$(cat "$T_DIR/sipp-uas3.log")" "INVITE sip:\\+442070000002@127.0.0.1:$UAS_PORT" "at the target tandemctl gave"

# A DID's fallback: tried when its target fails before answer, and when
# it has no target and the customer has no registered PBX.
BUSY_PORT=$((UAS_PORT + 5))
sed -e "s/@STATUS@/486/" -e "s/@EXTRA@//" "$SIPP_DIR/uas_refuse.xml" >"$T_DIR/busy.xml"
did_set() { # tandemctl did set ARGS, then wait for the daemon's reload
	local v
	v=$(status_field dir_version)
	t_ok "tandemctl did set $*" "$TANDEMCTL" did set +442070000002 "$@"
	t_ok "the daemon reloads" t_eventually 10 sh -c "[ \"\$('$TANDEMCTL' --socket '$T_CTL_SOCKET' status |
		awk '\$1 == \"dir_version\" { print \$2 }')\" != '$v' ]"
}
did_set --target "sip:+442070000002@127.0.0.1:$BUSY_PORT" --fallback "sip:+442070000002@127.0.0.1:$UAS_PORT"
sipp -sf "$T_DIR/busy.xml" -t u1 -i 127.0.0.1 -p "$BUSY_PORT" -m 1 -timeout 30s -timeout_error \
	-nostdin -trace_msg -message_file "$T_DIR/sipp-busy.log" >/dev/null 2>&1 &
BUSY_PID=$!
carrier_to_did +442070000002 "$T_DIR/sipp-uas4.log" "the target is busy: the fallback answers, BYE relayed"
wait "$BUSY_PID"
t_is "$?" 0 "the target got the INVITE first and refused it with 486"
t_like "$(cat "$T_DIR/sipp-uas4.log")" "INVITE sip:\\+442070000002@127.0.0.1:$UAS_PORT" "the fallback got the INVITE"
did_set --no-target
carrier_to_did +442070000002 "$T_DIR/sipp-uas5.log" "no target and no registered PBX: the fallback answers"
t_ok "the CDRs of both reach the database" t_eventually 20 sh -c \
	"[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c \"SELECT count(*) FROM cdr WHERE route LIKE 'did +442070000002%'\") -ge 4 ]"
t_is "$(pg_sql "SELECT route || ' ' || disposition || ' ' || coalesce(sip_status, 0) FROM cdr
	WHERE callee = '+442070000002' AND route LIKE 'did %' ORDER BY id" | tr '\n' ',')" \
	"did +442070000002 answered 200,did +442070000002 busy 486,did +442070000002 fallback answered 200,did +442070000002 fallback answered 200," \
	"CDRs: the target's answer; its busy attempt, then the fallback's answer; the fallback alone"
did_set --no-fallback
sed -e "s/@STATUS@/480/" -e "s/@CAUSE@/20/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail-absent.xml"
t_ok "no target, no PBX and no fallback: 480 with Reason cause 20" \
	sipp -sf "$T_DIR/fail-absent.xml" -t u1 -i 127.0.0.2 -p $((CARRIER_PORT + 1)) -m 1 -timeout 15s -timeout_error \
	-nostdin -s +442070000002 "127.0.0.1:$T_SIP_PORT"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
