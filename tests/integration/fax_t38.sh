#!/bin/bash
# Fax PSTN -> SIP (docs/media.md, "Fax"; docs/calls.md, "Fax"): pstnsim's
# SpanDSP fax terminal sends a TIFF-F page on a B-channel to a DID whose
# target is tests/lib/fax_peer.py (SIP) with tests/integration/t38_peer
# (SpanDSP, media). tandemd's media worker hears the sender's CNG
# (MEDIA_EV_FAX), and the call layer switches the bridge: T.38 needs the
# SIP glue's re-INVITE, not in this tree yet, so the call goes G.711
# passthrough (the path a 488 to the T.38 offer takes) and the peer runs
# its fax terminal on the RTP audio. The page must arrive intact: both
# pages decoded by libtiff and compared row by row (tests/integration/
# fax_page). The call leaves its CDR.
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

# One fax: MODE (t38 or refuse) and a name for the files.
fax_call() {
	local mode=$1 name=$2
	$FAXPEER --listen "$UAS_PORT" --mode "$mode" --peer "$PEER" --rx "$T_DIR/$name-rx.tif" \
		--rtp-port $((UAS_PORT + 10)) --udptl-port $((UAS_PORT + 20)) --log "$T_DIR/$name-sip.log" \
		--timeout 150 >"$T_DIR/$name-peer.out" 2>&1 &
	PEER_PID=$!
	t_eventually 10 test -e "$T_DIR/$name-sip.log.ready" || t_fail "$name: the fax peer listens"
	"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" \
		--originate 1 --to 00442070000001 --from 00442079460000 --out-actions "fax-send:$T_DIR/page.tif" \
		--calls 1 --timeout 150 --json "$T_DIR/$name-sim.json" >"$T_DIR/$name-pstnsim.log" 2>&1
	t_is "$?" 0 "$name: pstnsim's fax call completed"
	wait "$PEER_PID"
}

fax_call refuse g711
sim=$(grep '^pstnsim: fax ' "$T_DIR/g711-pstnsim.log")
t_like "$sim" "status=0 pages=1 result=OK" "G.711: the PSTN sender's T.30 ends OK after 1 page ($sim)"
peer=$(grep '^result=' "$T_DIR/g711-peer.out")
t_like "$peer" "^result=OK status=0 pages=1 " "G.711: the SIP side's fax terminal received 1 page ($peer)"
t_like "$peer" "rtp_rx=[1-9][0-9]{2,}" "G.711: on RTP audio"
cmp=$("$PAGE" compare "$T_DIR/page.tif" "$T_DIR/g711-rx.tif")
t_is "$?" 0 "G.711: the page arrived intact ($cmp)"
t_like "$(cat "$T_DIR/tandemd.log")" "fax: CNG on the B-channel" "tandemd heard the sender's CNG"
t_like "$(cat "$T_DIR/tandemd.log")" "fax: G.711 passthrough" "and switched the bridge to G.711 passthrough"
t_like "$(cat "$T_DIR/tandemd.log")" "fax mode passthrough" "the media worker runs it"
t_ok "the fax call's CDR reaches the database" t_eventually 20 sh -c \
	"[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c \"SELECT count(*) FROM cdr WHERE callee = '+442070000001'\") -ge 1 ]"
t_like "$(pg_sql "SELECT disposition FROM cdr WHERE callee = '+442070000001'")" "answered" "an answered call"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
