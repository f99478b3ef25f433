#!/bin/bash
# re-INVITE and session timers (RFC 3261 14, RFC 4028) through the real
# daemon: a caller holds, resumes and refreshes a call to the PSTN (the
# bridge follows; the PRI call is not touched) and a call to a SIP carrier
# (hold and resume relayed to the carrier, the refresh not); a caller
# whose session timer runs out is hung up with a BYE and the PRI call
# cleared; a session interval under min_se gets 422; a network playing
# in-band information (PROGRESS) reaches a caller that asked for 100rel as
# a reliable 183 with SDP (RFC 3262), which it PRACKs.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || {
	t_fail "database ready"
	t_done
	exit 1
}
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri'), (2, 'carrier', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, '127.0.0.2', $UAS_PORT);
	-- a SIPp member plays an INVITE scenario: no OPTIONS
	UPDATE trunks SET ping_interval_s = 0 WHERE kind = 'sip';
	INSERT INTO routes (prefix, trunk_id) VALUES ('+44', 1), ('+1', 2);" || t_fail "provisioning"

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule '442071230016=answer:200' \
	--rule '442071230183=answer:1500,inband' \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"

daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || {
	t_fail "tandemd starts"
	t_done
	exit 1
}
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"

# The session timer case first, in the background: it waits for the
# daemon's BYE (about a minute) while the other cases run.
sipp -sf "$SIPP_DIR/uac_session_expiry.xml" -t u1 -i 127.0.0.1 -p $((T_SIP_PORT + 2500)) -m 1 \
	-timeout $((180 * T_SLOW))s -timeout_error -nostdin -trace_msg -message_file "$T_DIR/expiry.log" \
	-s +442071230016 "127.0.0.1:$T_SIP_PORT" >"$T_DIR/expiry.out" 2>&1 &
EXPIRY_PID=$!

# carrier SCENARIO LOG: a SIPp UAS as the carrier for one call, in the
# background (UAS_PID), its messages in $T_DIR/LOG.log.
carrier() {
	sipp -sf "$SIPP_DIR/$1.xml" -t u1 -i 127.0.0.2 -p "$UAS_PORT" -m 1 -timeout $((30 * T_SLOW))s \
		-timeout_error -nostdin -trace_msg -message_file "$T_DIR/$2.log" >"$T_DIR/$2.out" 2>&1 &
	UAS_PID=$!
	sleep 0.5
}

# SIP -> PSTN: the re-INVITEs are answered here, from the bridge.
t_ok "to the PSTN: 200 names the caller as refresher, hold answered recvonly, resume sendrecv, refresh answered" \
	run_sipp uac_reinvite.xml u1 -s +442071230016
t_like "$(grep -c 'INVITE sip:' "$T_DIR/sipp-uac_reinvite.xml-u1.log")" "^4$" "the caller sent the INVITE and three re-INVITEs"
t_like "$(cat "$T_DIR/tandemd.log")" "re-INVITE: held" "the daemon logged the hold"
t_like "$(cat "$T_DIR/tandemd.log")" "re-INVITE: resumed" "and the resume"

# SIP -> SIP: hold and resume reach the carrier, the refresh does not
# (the carrier's scenario fails on any INVITE after the resume).
carrier uas_reinvite uas
t_ok "to a SIP carrier: hold and resume relayed and answered, refresh answered" \
	run_sipp uac_reinvite.xml u1 -s +15550001111
t_ok "the carrier got the INVITE, hold (sendonly), resume (sendrecv), then the BYE" wait "$UAS_PID"
t_is "$(grep -c '^INVITE sip:' "$T_DIR/uas.log")" 3 "the carrier saw three INVITEs: the refresh stayed in tandemd"

# The same by UPDATE (RFC 3311). SIP -> PSTN: answered from the bridge,
# which logs what it did; a refresh without an offer gets 200 and no body.
t_ok "to the PSTN by UPDATE: hold answered recvonly, resume sendrecv, a refresh 200 without a body" \
	run_sipp uac_update.xml u1 -s +442071230016
t_like "$(grep -c '^UPDATE sip:' "$T_DIR/sipp-uac_update.xml-u1.log")" "^3$" "the caller sent three UPDATEs"
t_like "$(cat "$T_DIR/tandemd.log")" "UPDATE: held" "the bridge stopped sending (hold by UPDATE)"
t_like "$(cat "$T_DIR/tandemd.log")" "UPDATE: resumed" "and sends again (resume by UPDATE)"

# SIP -> SIP: the carrier allows UPDATE, so hold and resume reach it as
# UPDATEs and its answers come back; the refresh does not reach it.
carrier uas_update uas_update
t_ok "to a SIP carrier by UPDATE: hold and resume relayed and answered, refresh answered" \
	run_sipp uac_update.xml u1 -s +15550001111
t_ok "the carrier got the INVITE, hold (sendonly) and resume (sendrecv) by UPDATE, then the BYE" wait "$UAS_PID"
t_is "$(grep -c '^UPDATE sip:' "$T_DIR/uas_update.log") $(grep -c '^INVITE sip:' "$T_DIR/uas_update.log")" "2 1" \
	"the carrier saw two UPDATEs and one INVITE: no re-INVITE, and the refresh stayed in tandemd"

# SIP INFO between two SIP legs: relayed with its body, answered with the
# carrier's final status (200, then 415).
carrier uas_info_relay uas_info
t_ok "INFO to a SIP carrier: the dtmf-relay one answered 200, the dtmf one 415, as the carrier answered" \
	run_sipp uac_info_relay.xml u1 -s +15550001111
t_ok "the carrier got both INFOs (types and digits checked by its scenario), then the BYE" wait "$UAS_PID"
# info_bodies LOG: the Content-Type and body of each INFO in a SIPp message log.
info_bodies() {
	python3 -c '
import re, sys
text = open(sys.argv[1], encoding="latin-1").read().replace("\r", "")
for m in re.finditer(r"^INFO [^\n]*\n(.*?)\n\n(.*?)\n-{20}", text, re.M | re.S):
    ct = re.search(r"^Content-Type: *(.*)$", m.group(1), re.M | re.I)
    print(ct.group(1) if ct else "-", repr(m.group(2).strip()))
' "$1"
}
t_is "$(info_bodies "$T_DIR/uas_info.log")" "$(info_bodies "$T_DIR/sipp-uac_info_relay.xml-u1.log")" \
	"the carrier's INFOs have the caller's Content-Types and bodies, unchanged"
t_like "$(info_bodies "$T_DIR/uas_info.log")" "Signal=5" "(and there were bodies to compare)"
# The caller's display name crosses once quoted (Sofia hands it over with
# its quotes; quoting it again sent "Alice\"\"").
t_like "$(grep -m1 -i '^From:' "$T_DIR/uas_info.log")" '^From: "Alice" <sip:' \
	"the carrier's From has the caller's display name, quoted once"

# Early media with reliable provisional responses (RFC 3262): the network
# plays in-band information (PROGRESS), the caller asked for 100rel.
t_ok "PROGRESS becomes a reliable 183 with SDP, PRACKed, then the answer" run_sipp uac_prack.xml u1 -s +442071230183
t_like "$(grep -B2 -A14 '^SIP/2.0 183' "$T_DIR/sipp-uac_prack.xml-u1.log")" "RSeq: [0-9]+" "the 183 carries an RSeq"

# A session interval under min_se (90 s): 422 with Min-SE, no call.
t_ok "Session-Expires: 30 gets 422 with Min-SE: 90" run_sipp uac_session_small.xml u1 -s +442071230016

# The session timer: no refresh within 90 s, so tandemd sends a BYE.
t_ok "a caller that stops refreshing is hung up with a BYE" wait "$EXPIRY_PID"
t_like "$(grep -A12 '^BYE ' "$T_DIR/expiry.log" | grep -i '^Reason:')" "408|[Ss]ession" \
	"the BYE says why (session timeout)"
t_ok "no call is left" t_eventually 10 sh -c "[ \"\$('$TANDEMCTL' --socket '$T_CTL_SOCKET' status | awk '\$1 == \"calls_live\" { print \$2 }')\" = 0 ]"

kill -TERM "$SIM_PID"
wait "$SIM_PID"
json() { python3 -c "import json,sys; d=json.load(open('$T_DIR/sim.json')); print($1)"; }
t_is "$(json "d['calls_in']")" 4 "pstnsim saw four calls (held, held by UPDATE, early media, expired; not the 422)"
t_ok "every CDR reached the database" t_eventually 10 sh -c "[ \"\$('$(pg_bindir)/psql' -XAtq -c 'SELECT count(*) FROM cdr')\" -ge 3 ]"
cdrs=$(pg_sql "SELECT egress, disposition, hangup_side, q850_cause FROM cdr ORDER BY id")
echo "$cdrs" | t_diag
t_like "$cdrs" "pstn\|answered\|caller\|16" "the held call: answered, the caller hung up"
t_like "$cdrs" "pstn\|answered\|gateway\|102" "the expired session: answered, hung up by the gateway, cause 102"
t_like "$cdrs" "carrier\|answered" "the carrier call is an answered CDR"

daemon_stop
t_done
