#!/bin/bash
# Customers known by credentials, not by address: digest authentication of
# REGISTER (401) and INVITE (407) against customer_credentials, and the
# registrar. A PBX behind a simulated NAT (its Contact names 10.0.0.5)
# registers and receives its DID's call from the PSTN where its REGISTER
# came from. Nobody without the right credentials reaches the PSTN: pstnsim
# counts what arrived.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
PBX_PORT=$((40000 + (RANDOM % 10000)))
USER=remote-pbx
PASS=s3cret
HA1=$(printf '%s' "$USER:tandem:$PASS" | md5sum | cut -d' ' -f1)

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
# Customer "remote" has no address: only its credentials identify it. Its
# DID has no target: calls go to its registered PBX.
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'remote');
	INSERT INTO customer_credentials VALUES (1, '$USER', 'tandem', '$HA1');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);
	INSERT INTO dids (number, customer_id) VALUES ('+442070000002', 1);" || t_fail "provisioning"

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule '442071230016=answer:300' \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"

daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[media]
port_min = $((PBX_PORT + 2000))
port_max = $((PBX_PORT + 2400))
[sip]
registration_sync = 1" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"

# SIP -> PSTN by credentials.
t_ok "no credentials: 407 with a challenge" run_sipp invite_challenged.xml u1
t_like "$(cat "$T_DIR"/sipp-invite_challenged.xml-u1.log)" 'Proxy-Authenticate: Digest realm="tandem", nonce="[0-9a-f]{40}", algorithm=MD5, qop="auth"' \
	"the challenge: our realm, a nonce, MD5, qop=auth"
t_ok "wrong password: 407, then 403" run_sipp uac_auth_refused.xml u1 -s +442071230016 -au "$USER" -ap wrong
t_ok "unknown user: 407, then the same 403" run_sipp uac_auth_refused.xml u1 -s +442071230016 -au nobody -ap "$PASS"
t_ok "the right credentials: 407, then the call is answered by the PSTN" \
	run_sipp uac_auth_call.xml u1 -s +442071230016 -au "$USER" -ap "$PASS"
t_ok "the same over TCP" run_sipp uac_auth_call.xml t1 -s +442071230016 -au "$USER" -ap "$PASS"
t_like "$(cat "$T_DIR/tandemd.log")" "INVITE from 127.0.0.1:[0-9]+ \(customer remote\) to \+442071230016" \
	"the call is the customer's, known by its credentials"
t_is "$(status_field sip_invites_challenged)" 5 "status counts the five challenges"

# The PBX registers from behind its NAT.
t_ok "wrong password: REGISTER refused with 403" run_sipp uac_register_refused.xml u1 -s "$USER" -au "$USER" -ap wrong \
	-key expires 300
t_is "$(status_field sip_registrations)" 0 "nothing registered"
t_ok "REGISTER too short: 423" sh -c "sed -e 's/<recv response=\"200\"\/>/<recv response=\"423\"\/>/' '$SIPP_DIR/uac_register.xml' >'$T_DIR/reg423.xml' &&
	sipp -sf '$T_DIR/reg423.xml' -t u1 -i 127.0.0.1 -p $PBX_PORT -m 1 -timeout 15s -timeout_error -nostdin \
	-s '$USER' -au '$USER' -ap '$PASS' -key expires 5 -trace_msg -message_file '$T_DIR/reg423.log' 127.0.0.1:$T_SIP_PORT >/dev/null 2>&1"
t_like "$(cat "$T_DIR/reg423.log")" "Min-Expires: 60" "423 says the minimum"

# A DID call with nobody registered: 480 (cause 20, subscriber absent).
kill -TERM "$SIM_PID"
wait "$SIM_PID"
t_ok "pstnsim wrote its summary" test -s "$T_DIR/sim.json"
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
t_is "$(json "$T_DIR/sim.json" "d['calls_in']")" 2 "pstnsim saw exactly the two authenticated calls"

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--originate 1 --to 00442070000002 --from 00442079460000 --calls 1 --timeout 30 \
	--json "$T_DIR/sim-absent.json" >"$T_DIR/pstnsim-absent.log" 2>&1
t_is "$(json "$T_DIR/sim-absent.json" "[c.get('cause') for c in d['calls']]")" "[20]" \
	"a DID call before the PBX registered: released with cause 20"

t_ok "the PBX registers (401, then 200)" sipp -sf "$SIPP_DIR/uac_register.xml" -t u1 -i 127.0.0.1 -p "$PBX_PORT" -m 1 \
	-timeout 15s -timeout_error -nostdin -s "$USER" -au "$USER" -ap "$PASS" -key expires 300 \
	-trace_msg -message_file "$T_DIR/reg.log" "127.0.0.1:$T_SIP_PORT"
t_like "$(cat "$T_DIR/reg.log")" "Contact: <sip:$USER@10.0.0.5:5060>;expires=300" "the 200 lists the binding and its expiry"
t_is "$(status_field sip_registrations)" 1 "one binding"
t_like "$(ctl status)" "1 +$USER@127.0.0.1 +sip:$USER@10.0.0.5:5060 +sip:$USER@127.0.0.1:$PBX_PORT +127.0.0.1:$PBX_PORT +yes" \
	"status: the binding is reached at its source address (NAT)"
t_like "$(ctl registrations)" "^customer_id +aor +contact +target +source +nat +expires_s +node
1 +$USER@127.0.0.1 +sip:$USER@10.0.0.5:5060 +sip:$USER@127.0.0.1:$PBX_PORT " "tandemctl registrations: only the bindings"
t_is "$(ctl --json registrations | python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["registrations"]; print(len(t), t[0]["nat"])')" "1 yes" \
	"tandemctl --json registrations: one binding, NAT"
t_like "$(ctl spans)" "^span .*
pstn1 +virtual +e1 .* up " "tandemctl spans: the span, up"
t_like "$(ctl calls)" "^call +direction +state" "tandemctl calls: the live calls' table (none now)"
t_is "$(ctl calls | wc -l)" 1 "no call in progress: the header only"

# PSTN -> DID -> the registered PBX, at the address the REGISTER came from.
sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.1 -p "$PBX_PORT" -m 1 -timeout 60s -timeout_error \
	-nostdin -trace_msg -message_file "$T_DIR/pbx.log" >"$T_DIR/pbx.out" 2>&1 &
PBX_PID=$!
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--originate 1 --to 00442070000002 --from 00442079460000 --out-actions hangup:1s --calls 1 --timeout 60 \
	--json "$T_DIR/sim-did.json" >"$T_DIR/pstnsim-did.log" 2>&1
t_is "$?" 0 "pstnsim's DID call completed"
wait "$PBX_PID"
t_is "$?" 0 "the registered PBX received the DID call behind its NAT, answered, and got the BYE"
t_is "$(json "$T_DIR/sim-did.json" "d['answered']")" 1 "pstnsim saw the DID call answered"
t_like "$(cat "$T_DIR/pbx.log")" "INVITE sip:$USER@127.0.0.1:$PBX_PORT" "the INVITE goes to the binding, rewritten to the source"
t_like "$(cat "$T_DIR/pbx.log")" "To: <sip:\\+442070000002@" "the DID is in To"

# The binding is in the database (any node can reach the PBX), and comes
# back from there after a restart.
t_is "$(pg_sql "SELECT concat_ws(' ', customer_id, aor, contact, target, transport, nat, node) FROM registrations")" \
	"1 $USER@127.0.0.1 sip:$USER@10.0.0.5:5060 sip:$USER@127.0.0.1:$PBX_PORT udp t test-node" \
	"the binding is in the registrations table, with its NAT target and this node"
daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd stops for a restart"
daemon_restart || t_fail "tandemd starts again"
t_ok "after the restart the binding is back, read from the database" \
	t_eventually 15 eval '[ "$(status_field sip_registrations)" = 1 ]'
did_call() { # LOG: a DID call from the PSTN that the PBX (SIPp) answers
	sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.1 -p "$PBX_PORT" -m 1 -timeout 60s -timeout_error \
		-nostdin -trace_msg -message_file "$T_DIR/$1" >"$T_DIR/pbx.out" 2>&1 &
	local pbx=$!
	"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
		--originate 1 --to 00442070000002 --from 00442079460000 --out-actions hangup:1s --calls 1 --timeout 60 \
		--json "$T_DIR/sim-$1.json" >"$T_DIR/pstnsim-$1.txt" 2>&1 || { kill "$pbx"; return 1; }
	wait "$pbx"
}
t_ok "a DID call after the restart reaches the PBX without it registering again" did_call pbx-restart.log
t_like "$(cat "$T_DIR/pbx-restart.log")" "INVITE sip:$USER@127.0.0.1:$PBX_PORT" "at the NAT target, from the database"

# Unregistering: the binding goes, and DID calls get cause 20 again.
t_ok "the PBX unregisters (Expires: 0)" sh -c "sed -e 's/Expires: \[expires\]/Expires: 0/' '$SIPP_DIR/uac_register.xml' >'$T_DIR/unreg.xml' &&
	sipp -sf '$T_DIR/unreg.xml' -t u1 -i 127.0.0.1 -p $PBX_PORT -m 1 -timeout 15s -timeout_error -nostdin \
	-s '$USER' -au '$USER' -ap '$PASS' 127.0.0.1:$T_SIP_PORT >/dev/null 2>&1"
t_is "$(status_field sip_registrations)" 0 "no binding left"
t_ok "and none in the database" t_eventually 10 eval '[ "$(pg_sql "SELECT count(*) FROM registrations")" = 0 ]'

# A binding another node took (its row, written as node-b would): this
# node reads it within registration_sync and sends the DID call there.
pg_sql "INSERT INTO registrations (customer_id, aor, contact, source, node, expires_at, target, transport, nat)
	VALUES (1, '$USER@127.0.0.1', 'sip:$USER@10.0.0.9:5060', '127.0.0.1:$PBX_PORT', 'node-b',
		now() + interval '5 minutes', 'sip:$USER@127.0.0.1:$PBX_PORT', 'udp', true)" || t_fail "node-b's row"
t_ok "another node's binding is read from the database" t_eventually 10 eval '[ "$(status_field sip_registrations)" = 1 ]'
t_like "$(ctl registrations)" "sip:$USER@10.0.0.9:5060 .* node-b" "tandemctl registrations names the node that holds it"
t_ok "a DID call reaches the PBX registered with another node" did_call pbx-nodeb.log
pg_sql "DELETE FROM registrations" || t_fail "node-b's row removed"
t_ok "when the other node's binding goes, it goes here too" t_eventually 10 eval '[ "$(status_field sip_registrations)" = 0 ]'

# A new password reaches the daemon without a restart (NOTIFY on
# customer_credentials): the old one is refused, the new one accepted.
NEWHA1=$(printf '%s' "$USER:tandem:n3w-pass" | md5sum | cut -d' ' -f1)
pg_sql "UPDATE customer_credentials SET ha1 = '$NEWHA1'" || t_fail "changing the password"
t_ok "the old password is refused once the directory reloads" t_eventually 10 run_sipp uac_register_refused.xml u1 \
	-s "$USER" -au "$USER" -ap "$PASS" -key expires 300
t_ok "the new password registers" run_sipp uac_register.xml u1 -s "$USER" -au "$USER" -ap n3w-pass -key expires 300

# CDRs: the authenticated calls are billed to the customer.
t_ok "every CDR reached the database" t_eventually 20 eval '[ "$(status_field calls_cdrs)" = "$(status_field cdr_written)" ]'
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE customer = 'remote' AND direction = 'outbound' AND disposition = 'answered'")" 2 \
	"two answered outbound CDRs for the customer"
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE direction = 'inbound' AND disposition = 'answered' AND customer = 'remote'")" 3 \
	"three answered DID calls for the customer (registered here, after the restart, with node-b)"

daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd stops cleanly"
t_done
