#!/bin/bash
# PRI maintenance through tandemd on a virtual 5ESS T1 toward pstnsim:
# SERVICE messages (the carrier takes a channel out of service and back;
# the operator does with tandemctl span service, and the carrier hears it)
# and the periodic channel audit (a carrier that never answers our
# DISCONNECT leaves the channel clearing; the audit restarts it, and the
# CDR does not bill the stuck time; a stuck call no call owns is restarted
# at the audit's second sight of it).
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
SIM_PID=

lsan_allow_libpri

maint_cleanup() {
	local rc=$?
	if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null; fi
	(exit "$rc")
	t_cleanup
}
trap maint_cleanup EXIT

# Settings are checked like the others: a bad value names its key.
printf '[span s]\naudit = soon\n' >"$T_DIR/bad-audit.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/bad-audit.conf"
t_is "$rc" 2 "--check-config refuses [span] audit = soon"
t_like "$out" "audit" "and names the key"
printf '[span s]\nservice = maybe\n' >"$T_DIR/bad-service.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/bad-service.conf"
t_is "$rc" 2 "--check-config refuses [span] service = maybe"
t_like "$out" "service" "and names the key"

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);" >/dev/null || t_fail "provisioning"

# The carrier takes channel 1 out of service 300 ms after the link is up
# and puts it back after 8 s.
"$PSTNSIM" --dchan "$T_DIR/span.d" --audio "$T_DIR/span.b" --type t1 --switch 5ess \
	--service out:1@300ms --service in:1@8s --on-call answer:200 --calls 2 --timeout 60 \
	--json "$T_DIR/sim1.json" >"$T_DIR/sim1.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.d" || t_fail "pstnsim listens"

T_LOG_LEVEL=info daemon_start "[span pstn1]
type = t1
law = ulaw
switchtype = 5ess
dchan = $T_DIR/span.d
audio = $T_DIR/span.b
audit = 1s
audit_clearing = 2s
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
chans() { "$TANDEMCTL" --socket "$T_CTL_SOCKET" spans pstn1; }
t_ok "the span comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans | grep -Eq '^pstn1 .* up '"

# --- SERVICE from the carrier -------------------------------------------
t_ok "the carrier's SERVICE (out) puts channel 1 out of service" \
	t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans pstn1 | grep -Eq '^pstn1 +1 +out of service'"
t_like "$(cat "$T_DIR/sim1.log")" "service-sent span=span1 ch=1 status=out result=sent" "pstnsim sent it as SERVICE"
t_like "$(ctl spans)" "pstn1 .* o\\.{22}" "tandemctl spans: channel 1 marked o in the map"
t_like "$(grep 'SERVICE' "$T_DIR/tandemd.log")" "ch 1: the far end puts the channel out of service" "tandemd logs it"
t_ok "a call while channel 1 is out of service is answered" run_sipp uac_call.xml u1 -s +442071230001

# --- The operator -------------------------------------------------------
t_run out rc "$TANDEMCTL" --socket "$T_CTL_SOCKET" span service pstn1 3 out
t_is "$rc" 0 "tandemctl span service pstn1 3 out"
t_like "$out" "service_messages +1" "one SERVICE sent"
t_ok "the carrier hears channel 3 go out of service" \
	t_eventually 10 grep -q "service span=span1 ch=3 status=out" "$T_DIR/sim1.log"
t_like "$(chans)" "pstn1 +3 +out of service" "tandemctl spans pstn1: channel 3 out of service"
t_run out rc "$TANDEMCTL" --socket "$T_CTL_SOCKET" span service pstn1 24 out
t_is "$rc" 1 "channel 24 of a T1 is refused"
t_like "$out" "no B-channel 24" "and named"
t_run out rc "$TANDEMCTL" --socket "$T_CTL_SOCKET" span service nosuch 1 out
t_is "$rc" 1 "an unknown span is refused"
t_like "$out" "no span \"nosuch\"" "and named"
t_run out rc "$TANDEMCTL" --socket "$T_CTL_SOCKET" span service pstn1 3 sideways
t_is "$rc" 2 "in|out only"

t_ok "the carrier's SERVICE (in) puts channel 1 back" \
	t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans pstn1 | grep -Eq '^pstn1 +1 +Null'"
t_run out rc "$TANDEMCTL" --socket "$T_CTL_SOCKET" span service pstn1 3 in
t_is "$rc" 0 "tandemctl span service pstn1 3 in"
t_ok "the carrier hears channel 3 come back" t_eventually 10 grep -q "service span=span1 ch=3 status=in" "$T_DIR/sim1.log"
t_like "$(chans)" "pstn1 +3 +Null" "channel 3 idle again"
t_ok "the next call is answered" run_sipp uac_call.xml u1 -s +442071230002

wait "$SIM_PID"
t_is "$?" 0 "pstnsim exits after its two calls"
SIM_PID=
sim1() { python3 -c "import json; d=json.load(open('$T_DIR/sim1.json')); print($1)"; }
t_is "$(sim1 "[(c['called'], c['ch']) for c in d['calls']]")" "[('442071230001', 2), ('442071230002', 1)]" \
	"the call during the outage took channel 2; the one after, channel 1 again"

# --- The audit -----------------------------------------------------------
# A carrier that never answers our DISCONNECT: the span reconnects to it.
"$PSTNSIM" --dchan "$T_DIR/span.d" --audio "$T_DIR/span.b" --type t1 --switch 5ess --ignore-disconnect \
	--on-call answer:200 --json "$T_DIR/sim2.json" >"$T_DIR/sim2.log" 2>&1 &
SIM_PID=$!
t_ok "the span comes up again" t_eventually 30 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans | grep -Eq '^pstn1 .* up '"
t_ok "a call answered, the SIP caller hangs up" run_sipp uac_call.xml u1 -s +442071230003
t_ok "the carrier ignores our DISCONNECT" t_eventually 5 grep -q "ignoring DISCONNECT" "$T_DIR/sim2.log"
t_like "$(chans)" "pstn1 +1 +Disconnect Request" "channel 1 is left clearing"
t_ok "the audit restarts it" t_eventually 15 grep -q "pstn1 ch 1: audit: in state Disconnect Request" "$T_DIR/tandemd.log"
t_ok "channel 1 is idle again" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans pstn1 | grep -Eq '^pstn1 +1 +Null'"
t_like "$(ctl spans)" "pstn1 .* up +0 +23 +0 +[0-9]+ +1 " "tandemctl spans counts one repair"
t_like "$(grep 'audit' "$T_DIR/tandemd.log")" "restarting the channel \\(repair 1\\)" "one log line for the repair"
kill -TERM "$SIM_PID"
wait "$SIM_PID"
SIM_PID=
t_is "$(python3 -c "import json; d=json.load(open('$T_DIR/sim2.json')); print(d['released'])")" 1 \
	"the carrier's stuck call ended (our RESTART released it)"
# The CDR bills the call until the caller's BYE (our DISCONNECT), not until
# the audit freed the channel: the carrier's call lasted at least
# audit_clearing (2 s) longer than the billable time. SIPp's BYE comes 1 s
# after its ACK, so at least that much is billed.
t_ok "its CDR reaches the database" t_eventually 20 sh -c \
	"[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c \"SELECT count(*) FROM cdr WHERE callee = '+442071230003'\") = 1 ]"
billable=$(pg_sql "SELECT billable_ms FROM cdr WHERE callee = '+442071230003'")
stuck=$(python3 -c "import json; d=json.load(open('$T_DIR/sim2.json')); print(d['calls'][0]['active_ms'])")
t_ok "the CDR bills the time until the BYE (billable $billable ms >= the caller's 1000 ms)" test "$billable" -ge 1000
t_ok "and not the stuck clearing (the carrier's call: $stuck ms, more than 1 s longer)" \
	test $((stuck - billable)) -gt 1000
t_is "$(pg_sql "SELECT disposition || ' ' || hangup_side || ' ' || (end_time - answer_time = make_interval(secs => billable_ms / 1000.0))
	FROM cdr WHERE callee = '+442071230003'")" "answered caller true" "answered, cleared by the caller, end_time - answer_time = billable"

# A call that no call owns: the carrier calls a national number, which
# tandemd cannot put in E.164 (no [span] numbers) and refuses at once (no
# call is made of it); the carrier ignores the DISCONNECT. The audit restarts
# the channel at its second sight of it, before audit_clearing.
"$PSTNSIM" --dchan "$T_DIR/span.d" --audio "$T_DIR/span.b" --type t1 --switch 5ess --ignore-disconnect \
	--originate 1 --to 2071230000 --to-ton national --json "$T_DIR/sim3.json" >"$T_DIR/sim3.log" 2>&1 &
SIM_PID=$!
t_ok "the span comes up a third time" t_eventually 30 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans | grep -Eq '^pstn1 .* up '"
t_ok "tandemd refuses the carrier's call (cause 28)" \
	t_eventually 10 grep -q "pstn1 ch 1: call refused with cause 28" "$T_DIR/tandemd.log"
t_ok "the carrier ignores the DISCONNECT" t_eventually 5 grep -q "ignoring DISCONNECT" "$T_DIR/sim3.log"
t_ok "the audit restarts the channel nobody owns" \
	t_eventually 15 grep -q "pstn1 ch 1: audit: a call in state Disconnect Request that no call owns; restarting the channel (repair 2)" \
	"$T_DIR/tandemd.log"
t_ok "channel 1 is idle again" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans pstn1 | grep -Eq '^pstn1 +1 +Null'"
t_like "$(ctl spans)" "pstn1 .* up +0 +23 +[0-9]+ +[0-9]+ +2 " "tandemctl spans counts two repairs"
kill -TERM "$SIM_PID"
wait "$SIM_PID"
SIM_PID=
t_is "$(python3 -c "import json; d=json.load(open('$T_DIR/sim3.json')); print(d['released'], d['calls'][0]['answered'])")" \
	"1 False" "the carrier's refused call ended (our RESTART released it)"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
