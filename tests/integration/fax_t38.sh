#!/bin/bash
# Fax PSTN -> SIP (docs/media.md, "Fax"; docs/calls.md, "Fax"): pstnsim's
# SpanDSP fax terminal sends a TIFF-F page on a B-channel to a DID whose
# target is tests/lib/fax_peer.py (SIP) with tests/integration/t38_peer
# (SpanDSP, media). tandemd's media worker hears the sender's CNG
# (MEDIA_EV_FAX) and the call layer offers T.38 in a re-INVITE. Calls:
#   t38:     the peer answers 200 with m=image and runs a T.38 terminal over
#            our UDPTL (the bridge runs SpanDSP's t38_gateway);
#   refresh: the same, and the peer repeats its T.38 offer mid-transfer (a
#            session refresh): answered 200, the gateway keeps running;
#   first:   the peer sends the T.38 re-INVITE itself before we hear CNG;
#   both:    the same with m=audio and m=image in its offer (an ATA): the
#            200 keeps both lines, audio refused with port 0 (RFC 3264 6);
#   g711:    the peer refuses T.38 (488): G.711 passthrough, its fax
#            terminal on the RTP audio;
#   fec:     the peer's T.38 offer asks for UDPTL FEC (t38UDPFEC): answered
#            FEC and sent FEC both ways, one datagram in 7 lost each way;
#   again:   two faxes in one call (pstnsim fax-again): T.38, the peer back
#            to audio, the second fax's CNG offers T.38 again;
#   cap:     the peer takes each T.38 offer and goes back to audio at once:
#            two offers, then G.711 passthrough for the rest of the call;
#   cng:     the SIP side sends (its CNG over RTP), the B-channel is quiet:
#            the CNG from the SIP side is what offers T.38;
#   not38:   the customer has t38 = no (tandemctl): passthrough, no re-INVITE.
# Each page must arrive intact: both pages decoded by libtiff and compared
# row by row (tests/integration/fax_page). The calls leave their CDRs.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
PAGE="$TOP_BUILDDIR/tests/integration/fax_page"
PEER="$TOP_BUILDDIR/tests/integration/t38_peer"
FAXPEER="python3 $TOP_SRCDIR/tests/lib/fax_peer.py"
UAS_PORT=$((40000 + (RANDOM % 10000)))
lsan_allow_libpri
cd "$T_DIR" || exit 1

"$PAGE" make "$T_DIR/page.tif" 400 11 || t_fail "a test page"
pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);
	INSERT INTO dids VALUES ('+442070000001', 1, 'sip:fax@127.0.0.1:$UAS_PORT');" || t_fail "provisioning"

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet --json "$T_DIR/sim0.json" \
	>"$T_DIR/pstnsim0.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"
daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"
kill -TERM "$SIM_PID"
wait "$SIM_PID"

# One fax: MODE (fax_peer.py's), a name for the files, extra fax_peer.py
# options; $ACTIONS (if set) replaces pstnsim's fax-send. LOG gets what
# tandemd logged during the call.
fax_call() {
	local mode=$1 name=$2 from
	shift 2
	from=$(($(wc -l <"$T_DIR/tandemd.log") + 1))
	$FAXPEER --listen "$UAS_PORT" --mode "$mode" --peer "$PEER" --rx "$T_DIR/$name-rx.tif" \
		--rtp-port $((UAS_PORT + 10)) --udptl-port $((UAS_PORT + 20)) --log "$T_DIR/$name-sip.log" \
		--timeout 150 "$@" >"$T_DIR/$name-peer.out" 2>&1 &
	PEER_PID=$!
	t_eventually 10 test -e "$T_DIR/$name-sip.log.ready" || t_fail "$name: the fax peer listens"
	"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" \
		--originate 1 --to 00442070000001 --from 00442079460000 --out-actions "${ACTIONS:-fax-send:$T_DIR/page.tif}" \
		--calls 1 --timeout 150 --json "$T_DIR/$name-sim.json" >"$T_DIR/$name-pstnsim.log" 2>&1
	t_is "$?" 0 "$name: pstnsim's fax call completed"
	wait "$PEER_PID"
	LOG=$(tail -n +"$from" "$T_DIR/tandemd.log")
	SIM=$(grep '^pstnsim: fax ' "$T_DIR/$name-pstnsim.log")
	RES=$(grep '^result=' "$T_DIR/$name-peer.out")
	SIP=$(grep '^sip: ' "$T_DIR/$name-peer.out")
	t_like "$SIM" "status=0 pages=1 result=OK" "$name: the PSTN sender's T.30 ends OK after 1 page ($SIM)"
	t_like "$RES" "^result=OK status=0 pages=1 " "$name: the SIP side's fax terminal received 1 page ($RES)"
	cmp=$("$PAGE" compare "$T_DIR/page.tif" "$T_DIR/$name-rx.tif")
	t_is "$?" 0 "$name: the page arrived intact ($cmp)"
}

# T.38: our re-INVITE, answered 200 with m=image.
fax_call t38 t38
t_like "$SIP" "^sip: reinvites=1 image=1 sent=0 " "t38: the peer got exactly 1 re-INVITE, a T.38 one ($SIP)"
t_is "$(grep -c '^INVITE ' "$T_DIR/t38-sip.log")" 2 "t38: the peer got the INVITE and one re-INVITE"
t_like "$(cat "$T_DIR/t38-sip.log")" "m=image [0-9]+ udptl t38" "t38: the re-INVITE carried m=image ... udptl t38"
t_like "$(grep -A3 'm=image' "$T_DIR/t38-sip.log")" "a=T38FaxVersion:0" "with the T.38 attributes"
t_like "$RES" "udptl_rx=[1-9][0-9]{2,} udptl_tx=[1-9][0-9]+ " "t38: the page went over UDPTL both ways"
t_like "$RES" " rtp_rx=0$" "t38: and no RTP reached the T.38 terminal"
t_like "$LOG" "fax: CNG on the B-channel" "t38: tandemd heard the sender's CNG"
t_like "$LOG" "fax: T.38 offered in a re-INVITE" "and offered T.38"
t_like "$LOG" "fax: T.38 to 127.0.0.1:$((UAS_PORT + 20)) \(version 0, 14400 bit/s, UDPTL redundancy\)" \
	"the 200 switched the bridge to T.38 toward the peer's UDPTL port"
t_like "$LOG" "fax mode t38, UDPTL to 127.0.0.1" "the media worker runs the T.38 gateway"
t_like "$LOG" "fax t38: udptl tx [1-9][0-9]{2,} rx [1-9][0-9]+ recovered [0-9]+ lost 0 bad 0 pages 1" \
	"t38: the gateway counted 1 page, UDPTL both ways, nothing lost or malformed"

# A session refresh in the middle of the T.38 transfer.
fax_call t38 refresh --refresh 4
t_like "$SIP" "^sip: reinvites=1 image=1 sent=1 answers=200 " "refresh: the peer's repeated T.38 offer got 200 ($SIP)"
ms=$(sed -nE 's/.* refresh_ms=([0-9]+).*/\1/p' <<<"$SIP")
el=$(sed -nE 's/.* elapsed_ms=([0-9]+) .*/\1/p' <<<"$RES")
t_ok "refresh: it went during the transfer (${ms:-?} ms of ${el:-?} ms)" test "${ms:-0}" -gt 0 -a "${ms:-0}" -lt "${el:-0}"
t_like "$(grep -A12 '(to our re-INVITE)' "$T_DIR/refresh-sip.log")" "m=image [0-9]+ udptl t38" \
	"refresh: the 200 answers with our m=image again"
t_like "$LOG" "T.38 re-INVITE with the same stream \(a refresh\): the gateway keeps running" \
	"refresh: tandemd kept the running gateway"
t_is "$(grep -c 'fax mode t38' <<<"$LOG")" 1 "refresh: the gateway was started once, not restarted"

# The SIP peer sends the T.38 re-INVITE first.
fax_call first first
t_like "$SIP" "^sip: reinvites=0 image=0 sent=1 answers=200 " "first: the peer's T.38 offer got 200, we sent none ($SIP)"
t_like "$(grep -A12 '(to our re-INVITE)' "$T_DIR/first-sip.log")" "m=image [0-9]+ udptl t38" \
	"first: tandemd answered with m=image"
t_like "$LOG" "fax: T.38 re-INVITE from the SIP peer" "first: tandemd took the peer's offer"
t_like "$RES" "udptl_rx=[1-9][0-9]{2,} " "first: the page went over UDPTL"

# The peer's T.38 re-INVITE offers audio and image (RFC 3264 6: both answered, audio refused).
fax_call first both --both
t_like "$SIP" "^sip: reinvites=0 image=0 sent=1 answers=200 " "both: the peer's audio+image offer got 200 ($SIP)"
ANS=$(grep -A14 '(to our re-INVITE)' "$T_DIR/both-sip.log")
t_like "$(tr -d '\r' <<<"$ANS" | tr '\n' '|')" "\|m=audio 0 RTP/AVP 8\|(.*\|)?m=image [1-9][0-9]* udptl t38\|" \
	"both: the answer has the audio line refused (port 0), then our m=image, in the offer's order"
t_like "$RES" "udptl_rx=[1-9][0-9]{2,} " "both: the page went over UDPTL"

# T.38 refused: G.711 passthrough.
fax_call refuse g711
t_is "$(grep -c '^INVITE ' "$T_DIR/g711-sip.log")" 2 "g711: the peer got the INVITE and one re-INVITE"
t_like "$SIP" "^sip: reinvites=1 image=1 sent=0 " "g711: exactly 1 re-INVITE, the refused T.38 one ($SIP)"
t_like "$RES" "rtp_rx=[1-9][0-9]{2,}" "g711: on RTP audio"
t_like "$LOG" "fax: G.711 passthrough \(the peer answered T.38 with 488\)" "g711: the 488 switched to passthrough"
t_like "$LOG" "fax mode passthrough" "the media worker runs it"
# The peer offers T.38 with UDPTL FEC; one datagram in 7 lost each way.
fax_call first fec --fec --drop 7
t_like "$(grep -A14 '(to our re-INVITE)' "$T_DIR/fec-sip.log")" "a=T38FaxUdpEC:t38UDPFEC" "fec: answered t38UDPFEC"
t_like "$LOG" "fax: T.38 to 127.0.0.1:[0-9]+ \(version 0, 14400 bit/s, UDPTL FEC\)" "fec: tandemd sends FEC"
fec=$(sed -nE 's/.* fec_rx=([0-9]+) .*/\1/p' <<<"$RES")
rx=$(sed -nE 's/.* udptl_rx=([0-9]+) .*/\1/p' <<<"$RES")
t_ok "fec: every UDPTL packet the peer got from tandemd was FEC (${fec:-?} of ${rx:-?})" test "${fec:-0}" -gt 100 -a "${fec:-0}" = "${rx:-1}"
t_like "$RES" " recovered=[1-9][0-9]* lost=0 .* dropped=[1-9]" "fec: the peer repaired tandemd's lost datagrams from its FEC, none lost ($RES)"
t_like "$LOG" "fax t38: udptl tx [0-9]+ rx [0-9]+ recovered [1-9][0-9]* lost 0 bad 0 pages 1" \
	"fec: tandemd repaired the peer's lost datagrams from its FEC, none lost"

# Two faxes in one call: T.38, back to audio, T.38 again.
ACTIONS="fax-send:$T_DIR/page.tif,fax-again:3s" fax_call t38 again --again "$T_DIR/again-rx2.tif"
t_is "$(grep -c 'status=0 pages=1 result=OK' <<<"$SIM")" 2 "again: the PSTN sender's T.30 ends OK twice"
t_is "$(grep -c '^result=OK status=0 pages=1 ' <<<"$RES")" 2 "again: the SIP side's T.38 terminals received 1 page each"
cmp=$("$PAGE" compare "$T_DIR/page.tif" "$T_DIR/again-rx2.tif")
t_is "$?" 0 "again: the second page arrived intact ($cmp)"
t_like "$SIP" "^sip: reinvites=2 image=2 sent=1 answers=200 " "again: two T.38 offers, our audio one between ($SIP)"
t_like "$LOG" "back to audio \(pages over T.38: 1\)" "again: back to audio after the first page"
t_is "$(grep -c 'fax: T.38 offered in a re-INVITE' <<<"$LOG")" 2 "again: T.38 offered for each fax"
t_is "$(grep -c 'fax mode t38' <<<"$LOG")" 2 "again: the gateway ran twice"

# A peer that drops T.38 at once, every time: two offers, then passthrough.
fax_call flip cap
t_like "$SIP" "^sip: reinvites=2 image=2 sent=2 answers=200,200 " "cap: exactly 2 T.38 offers, each dropped ($SIP)"
t_like "$LOG" "T.38 dropped without a page \(2 of 2 " "cap: both counted"
t_is "$(grep -c 'fax: G.711 passthrough (T.38 came to nothing 2 times on this call: no more offers)' <<<"$LOG")" 1 \
	"cap: then passthrough, logged once"
t_like "$LOG" "fax mode passthrough" "cap: the media worker runs passthrough"
t_like "$RES" "rtp_rx=[1-9][0-9]{2,}" "cap: the fax went over RTP audio"

# The SIP side sends: its CNG over RTP offers T.38 (the B-channel is quiet).
from=$(($(wc -l <"$T_DIR/tandemd.log") + 1))
$FAXPEER --listen "$UAS_PORT" --mode cng --peer "$PEER" --rx "$T_DIR/page.tif" --rtp-port $((UAS_PORT + 10)) \
	--udptl-port $((UAS_PORT + 20)) --log "$T_DIR/cng-sip.log" --timeout 60 >"$T_DIR/cng-peer.out" 2>&1 &
PEER_PID=$!
t_eventually 10 test -e "$T_DIR/cng-sip.log.ready" || t_fail "cng: the fax peer listens"
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --originate 1 --to 00442070000001 \
	--from 00442079460000 --out-actions "silence,hangup:6s" --calls 1 --timeout 60 >"$T_DIR/cng-pstnsim.log" 2>&1
t_is "$?" 0 "cng: pstnsim's call completed"
wait "$PEER_PID"
LOG=$(tail -n +"$from" "$T_DIR/tandemd.log")
t_like "$LOG" "fax: CNG from the SIP side" "cng: tandemd heard the SIP sender's CNG"
t_unlike "$LOG" "fax: .* on the B-channel" "cng: and no tone on the B-channel"
t_like "$(grep '^sip: ' "$T_DIR/cng-peer.out")" "^sip: reinvites=1 image=1 " "cng: the CNG offered T.38 (refused here: 488)"
t_like "$LOG" "fax: G.711 passthrough \(the peer answered T.38 with 488\)" "cng: then passthrough"
t_ok "the fax calls' CDRs reach the database" t_eventually 20 sh -c \
	"[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c \"SELECT count(*) FROM cdr WHERE callee = '+442070000001' AND disposition = 'answered'\") -ge 9 ]"

# t38 = no for the customer: passthrough at once, no re-INVITE.
t_run out rc "$TANDEMCTL" customer set acme --t38 maybe
t_like "$rc:$out" '^1:.*--t38 "maybe" is not yes or no' "customer set --t38 maybe: refused, naming the field"
t_run out rc "$TANDEMCTL" trunk set pstn --t38 1
t_like "$rc:$out" '^1:.*--t38 "1" is not yes or no' "trunk set --t38 1: refused, naming the field"
t_like "$("$TANDEMCTL" trunk show pstn)" "t38 +yes" "trunk show: t38 yes by default"
t_ok "trunk set --t38 no" "$TANDEMCTL" trunk set pstn --t38 no
t_like "$("$TANDEMCTL" trunk show pstn)" "t38 +no" "trunk show: t38 no"
t_ok "trunk set --t38 yes" "$TANDEMCTL" trunk set pstn --t38 yes
v=$(status_field dir_version)
t_ok "customer set --t38 no" "$TANDEMCTL" customer set acme --t38 no
t_like "$("$TANDEMCTL" customer show acme)" "t38 +no" "customer show: t38 no"
t_ok "the daemon reloads" t_eventually 10 sh -c "[ \"\$('$TANDEMCTL' --socket '$T_CTL_SOCKET' status |
	awk '\$1 == \"dir_version\" { print \$2 }')\" != '$v' ]"
fax_call refuse not38
t_like "$SIP" "^sip: reinvites=0 image=0 sent=0 " "not38: no re-INVITE at all ($SIP)"
t_like "$RES" "rtp_rx=[1-9][0-9]{2,}" "not38: on RTP audio"
t_like "$LOG" "fax: G.711 passthrough \(T.38 not enabled for this customer or trunk\)" \
	"not38: passthrough at once"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
