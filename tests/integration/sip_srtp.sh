#!/bin/bash
# TLS and SRTP for calls (docs/security.md): a customer with
# --require-secure calls over TLS with an RTP/SAVP offer; tandemd answers
# RTP/SAVP with its own key, and audio flows both ways on the SRTP leg
# (tests/integration/srtp_peer, libsrtp2: our A-law reaches pstnsim's
# recording, pstnsim's tone comes back and authenticates); tampered
# packets are dropped and counted. Refused: that customer over TCP (403),
# with RTP/AVP (488), a Via that lies about TLS, an SDES offer over TCP
# (488); none reaches pstnsim. A trunk with --require-secure is reached
# over TLS only (a TLS SIP server whose certificate is checked against
# [sip] tls_ca; one with a foreign certificate never gets the INVITE),
# never with a plain offer; a DID of the secure customer gets an RTP/SAVP
# offer from a PSTN call.
. "$TOP_SRCDIR/tests/lib/harness.sh"

CALL="python3 $TOP_SRCDIR/tests/lib/srtp_call.py"
PEER="$TOP_BUILDDIR/tests/integration/srtp_peer"
PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
SEC=127.0.0.47   # the secure customer's PBX
PLAIN=127.0.0.48 # a customer without require_secure
lsan_allow_libpri
cd "$T_DIR" || exit 1
T_RUN_DIR="$T_DIR/run"
T_DAEMON_ENV="TANDEM_RUN_DIR=$T_RUN_DIR"

# A CA; tandemd's certificate and the trunk member's from it; a rogue
# member's self-signed one.
ossl() { openssl "$@" >/dev/null 2>&1 || t_fail "openssl $1"; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem
for n in tandem member; do
	cn=$([ $n = tandem ] && echo tandem.test || echo 127.0.0.1)
	ossl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout $n.key -out $n.csr
	printf 'subjectAltName=DNS:%s,IP:127.0.0.1\n' "$cn" >$n.ext
	ossl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile $n.ext -out $n.pem
done
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout rogue.key -out rogue.pem

TLS_PORT=$((20000 + (RANDOM % 20000)))
MEMBER_PORT=$((TLS_PORT + 2))
ROGUE_PORT=$((TLS_PORT + 3))
$CALL server --listen $MEMBER_PORT --cert member.pem --key member.key --out "$T_DIR/member.log" &
MEMBER_PID=$!
$CALL server --listen $ROGUE_PORT --cert rogue.pem --key rogue.key --out "$T_DIR/rogue.log" &
ROGUE_PID=$!
t_eventually 10 test -e "$T_DIR/member.log.ready" -a -e "$T_DIR/rogue.log.ready" || t_fail "the TLS SIP servers listen"

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
TC() { "$TANDEMCTL" "$@" >/dev/null || t_fail "tandemctl $*"; }
TC customer add secure --address $SEC/32 --require-secure
TC customer add plain --address $PLAIN/32
TC trunk add pstn --kind pri
TC trunk add sec --kind sip --member 127.0.0.1:$MEMBER_PORT --transport tls --require-secure --ping-interval 0
TC trunk member add sec 127.0.0.1:5999 --transport udp --priority 5
TC trunk add rogue --kind sip --member 127.0.0.1:$ROGUE_PORT --transport tls --ping-interval 0 --invite-timeout 3000
TC route add +44 --trunk pstn
TC route add +1555 --trunk sec
TC route add +1666 --trunk rogue
TC did add +442071239999 --customer secure --target "sips:pbx@127.0.0.1:$MEMBER_PORT"
t_like "$("$TANDEMCTL" customer show secure)" "require_secure +yes" "customer show: require_secure yes"
t_like "$("$TANDEMCTL" customer show plain)" "require_secure +no" "and no for another"
t_like "$("$TANDEMCTL" trunk show sec)" "require_secure +yes" "trunk show: require_secure yes"
t_run out rc "$TANDEMCTL" trunk set pstn --require-secure
t_like "$rc:$out" "^1:.*PRI trunk: --require-secure .* is for SIP trunks" "a PRI trunk cannot require TLS/SRTP"
t_run out rc "$TANDEMCTL" customer set plain --require-secure --no-require-secure
t_like "$rc:$out" "^2:.*exclude each other" "--require-secure and --no-require-secure exclude each other"

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule "442071230001=answer,record:$T_DIR/rec.raw" --json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"
daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[sip]
tls_listen = 127.0.0.1:$TLS_PORT
tls_certificate = $T_DIR/tandem.pem
tls_key = $T_DIR/tandem.key
tls_ca = $T_DIR/ca.pem" || { t_fail "tandemd starts with TLS"; t_done; exit 1; }
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"

call() { # BIND TRANSPORT RURI [srtp_call options]
	local bind=$1 tr=$2 to=$3
	shift 3
	$CALL call --target "127.0.0.1:$([ "$tr" = tls ] && echo $TLS_PORT || echo "${T_SIP_PORT}")" --transport "$tr" \
		--ca "$T_DIR/ca.pem" --bind "$bind" --to "$to" --peer "$PEER" "$@"
}

# The secure customer's call: TLS, SRTP both ways, 5 tampered packets first.
out=$(call $SEC tls "sips:+442071230001@127.0.0.1" --rtp-port 41000 --packets 150 --octet 0x5a --tamper 5)
t_like "$out" "^status=200 proto=RTP/SAVP tag=7 suite=AES_CM_128_HMAC_SHA1_80 samekey=0" \
	"answered RTP/SAVP with the offer's tag and suite and tandemd's own key"
peer=$(printf '%s\n' "$out" | grep '^sent=')
t_like "$peer" "^sent=150 " "the peer sent 150 SRTP packets"
rx_ok=$(printf '%s' "$peer" | sed -n 's/.*rx_ok=\([0-9]*\).*/\1/p')
tone=$(printf '%s' "$peer" | sed -n 's/.*tone=\([0-9]*\).*/\1/p')
t_ok "SRTP from tandemd authenticates with the key of its answer ($peer)" test "${rx_ok:-0}" -ge 100
t_like "$peer" "rx_fail=0 " "and none fails"
t_ok "it carries pstnsim's 1004 Hz tone (decrypted: $tone packets)" test "${tone:-0}" -ge 80
t_ok "status counts the 5 tampered packets as failed authentication" \
	t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^media_srtp_auth_failed +5$'"
t_is "$(status_field media_srtp_total)" 1 "one SRTP leg so far"
t_like "$(cat "$T_DIR/tandemd.log")" "5 SRTP packets failed authentication" "the log says so when the bridge stops"
t_ok "pstnsim recorded the call" t_eventually 10 test -s "$T_DIR/rec.raw"
runs=$(python3 -c "d=open('$T_DIR/rec.raw','rb').read(); print(d.count(bytes([0x5a])*160))")
t_ok "our audio, decrypted by tandemd, reached the B-channel ($runs frames of 0x5a)" test "${runs:-0}" -ge 1
t_quality "and all of it on time (at least 50 of 150 frames whole)" test "${runs:-0}" -ge 50

# Refused before routing: none of these reaches pstnsim.
t_like "$(call $SEC tcp "sip:+442071230002@127.0.0.1")" "^status=403 phrase=TLS_Required" \
	"the secure customer over TCP: 403 TLS Required"
t_like "$(call $SEC tls "sips:+442071230002@127.0.0.1" --avp)" "^status=488 phrase=SRTP_Required" \
	"the secure customer over TLS with RTP/AVP: 488 SRTP Required"
t_like "$(call $SEC tcp "sip:+442071230002@127.0.0.1" --via TLS --wait 3)" "^status=(none|400)" \
	"a Via that says TLS over TCP is dropped by Sofia (never taken as TLS)"
t_like "$(call $PLAIN tcp "sip:+442071230002@127.0.0.1")" "^status=488 phrase=SRTP_Keys_Need_TLS" \
	"an SDES offer over TCP: 488 (its keys were readable)"
t_like "$(call $PLAIN tcp "sip:+442071230099@127.0.0.1" --avp)" "^status=200 proto=RTP/AVP" \
	"a plain customer's plain call still works"

# The secure trunk: its UDP member is skipped, the TLS one gets the INVITE
# with the caller's RTP/SAVP offer.
t_like "$(call $SEC tls "sips:+15551230000@127.0.0.1")" "^status=486" "a call to the secure trunk: the member's 486"
t_like "$(head -n1 "$T_DIR/member.log" 2>/dev/null)" "^INVITE sips:\+15551230000@127.0.0.1:$MEMBER_PORT SIP/2.0" \
	"the TLS member got it over TLS, as sips:"
flat() { tr -d '\r' <"$1" | tr '\n' ' '; }
t_like "$(flat "$T_DIR/member.log")" "RTP/SAVP.*a=crypto:7 AES_CM_128_HMAC_SHA1_80" "with the SRTP offer"
t_like "$(cat "$T_DIR/tandemd.log")" "sec requires TLS/SRTP: sip:\+15551230000@127.0.0.1:5999 is not reached over TLS, skipped" \
	"the trunk's UDP member was skipped"
t_like "$(call $PLAIN tcp "sip:+15551230000@127.0.0.1" --avp)" "^status=488" \
	"a plain offer toward the secure trunk: 488, not sent"
t_is "$(grep -c '^INVITE' "$T_DIR/member.log")" 1 "the member got one INVITE only"
# A member whose certificate tls_ca does not sign: no INVITE reaches it.
t_like "$(call $SEC tls "sips:+16661230000@127.0.0.1")" "^status=(408|503|480)" \
	"a member with a foreign certificate: the call fails"
t_ok "tandemd did connect to it" test -s "$T_DIR/rogue.log.conns"
t_ok "but sent no request: the certificate was refused" test ! -s "$T_DIR/rogue.log"

# A PSTN call to the secure customer's DID: tandemd makes the offer, RTP/SAVP.
kill -TERM "$SIM_PID" 2>/dev/null
wait "$SIM_PID"
json() { python3 -c "import json; print(json.load(open('$T_DIR/sim.json'))['calls_in'])"; }
t_is "$(json)" 2 "pstnsim saw two SETUPs: the secure call and the plain customer's"
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--originate 1 --to 00442071239999 --from 00442079460000 --calls 1 --timeout 60 \
	--json "$T_DIR/sim2.json" >"$T_DIR/pstnsim2.log" 2>&1
t_like "$(flat "$T_DIR/member.log" | sed 's/.*INVITE sips:pbx@//')" "m=audio [0-9]+ RTP/SAVP 8 0 101.*a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" \
	"the DID call reaches the PBX over TLS with an RTP/SAVP offer and tandemd's key"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
kill "$MEMBER_PID" "$ROGUE_PID" 2>/dev/null
wait "$MEMBER_PID" "$ROGUE_PID" 2>/dev/null
t_done
