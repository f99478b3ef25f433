#!/bin/bash
# tandemd on a DAHDI span: the backend that drives a card
# (gateway/tdm_dahdi.c) runs inside the daemon against the emulated
# device (tests/dahdi_emu, preloaded into tandemd only), whose line is
# bridged to pstnsim. Calls both ways through the daemon; a layer-1 alarm
# clears the span's call with cause 38 and keeps new calls off the span;
# the span serves again when the alarm clears.
. "$TOP_SRCDIR/tests/lib/harness.sh"
. "$TOP_SRCDIR/tests/dahdi_emu/preload.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
EMU_CTL="$T_DIR/emu.ctl"
SIM_PID=

lsan_allow_libpri

dahdi_cleanup() {
	[ -z "$SIM_PID" ] || kill -TERM "$SIM_PID" 2>/dev/null
	t_cleanup
}
trap dahdi_cleanup EXIT

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');" || t_fail "provisioning"
"$TANDEMCTL" route add + --trunk pstn >/dev/null &&
	"$TANDEMCTL" did add +442070000001 --customer acme --target "sip:+442070000001@127.0.0.1:$UAS_PORT" >/dev/null ||
	t_fail "routes and DIDs"

# The PBX waits for the DID call pstnsim places once the link is up.
sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.1 -p "$UAS_PORT" -m 1 -timeout 60s -timeout_error \
	-nostdin -trace_msg -message_file "$T_DIR/sipp-uas.log" >/dev/null 2>&1 &
UAS_PID=$!
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule '442071230016=answer:300' --rule '442071230099=ring' \
	--originate 1 --to 00442070000001 --from 00442079460000 --out-actions hangup:1s \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"

T_DAEMON_ENV="LD_PRELOAD=$(emu_preload "$TANDEMD") DAHDI_EMU_TYPE=e1 DAHDI_EMU_SPAN=1
	DAHDI_EMU_DCHAN=$T_DIR/span.dchan DAHDI_EMU_AUDIO=$T_DIR/span.audio DAHDI_EMU_CTL=$EMU_CTL
	DAHDI_EMU_IOCTL_LOG=$T_DIR/ioctl.log"
daemon_start "[span card1]
backend = dahdi
dahdi_span = 1
trunk = pstn" || { t_fail "tandemd starts with a DAHDI span"; t_done; exit 1; }
dchan_is() { t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^card1 +dahdi +e1 +alaw .* $1 '"; }
t_ok "the DAHDI span's D-channel comes up over the emulated card" dchan_is up
t_like "$(grep -c 'dahdiemu' "$T_DIR/tandemd.log")" "^0$" "the emulated device raised no complaint"

wait "$UAS_PID"
t_is "$?" 0 "PSTN -> DID over DAHDI: the PBX got pstnsim's call, answered, and got the BYE"
t_like "$(cat "$T_DIR/sipp-uas.log")" "INVITE sip:\\+442070000001@127.0.0.1:$UAS_PORT" "at the DID's target"
t_ok "SIP -> PSTN over DAHDI: answered, BYE" run_sipp uac_call.xml u1 -s +442071230016
# Echo cancellation on a DAHDI span is DAHDI's: the call's channel got
# DAHDI_ECHOCANCEL_PARAMS with echo_tail_ms (128) * 8 taps.
ch=$(sed -n 's/.*SETUP on span card1 channel \([0-9]*\) to 442071230016.*/\1/p' "$T_DIR/tandemd.log" | tail -n1)
t_ok "DAHDI's echo canceller set on the call's channel ${ch:-?}: 1024 taps ($(tr '\n' ' ' <"$T_DIR/ioctl.log" 2>/dev/null))" \
	grep -qx "echocancel ${ch:-none} 1024" "$T_DIR/ioctl.log"

# A layer-1 alarm while a call rings: cleared at once with cause 38 (503).
emu() { python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(sys.argv[2].encode(), sys.argv[1])' "$EMU_CTL" "$1"; }
sed -e "s/@STATUS@/503/" -e "s/@CAUSE@/38/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail-38.xml"
run_sipp "$T_DIR/fail-38.xml" u1 -s +442071230099 &
RING_PID=$!
t_ok "the call rings on the DAHDI span" \
	t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^calls_live +1$'"
sleep 0.5
t_ok "red alarm raised on the emulated card" emu "alarm red"
wait "$RING_PID"
t_is "$?" 0 "the ringing call is cleared: 503 with Reason cause 38"
t_ok "the span shows the alarm" dchan_is alarm
t_ok "a new call while in alarm: 503 cause 38, no SETUP" run_sipp "$T_DIR/fail-38.xml" u1 -s +442071230016
t_ok "the alarm clears" emu "alarm none"
t_ok "the span serves again (D-channel up)" dchan_is up
t_ok "a call after the alarm: answered" run_sipp uac_call.xml u1 -s +442071230016
t_like "$(grep -c 'layer-1 alarm (0x' "$T_DIR/tandemd.log") $(grep -c 'layer-1 alarm cleared' "$T_DIR/tandemd.log")" \
	"^1 1$" "the alarm and its end logged once each"

kill -TERM "$SIM_PID"
wait "$SIM_PID"
SIM_PID=
json() { python3 -c "import json; d=json.load(open('$T_DIR/sim.json')); print($1)"; }
t_is "$(json "d['calls_in']")" 3 "pstnsim saw 3 SETUPs (none while the span was in alarm)"
t_ok "the CDRs reach the database" t_eventually 20 sh -c "[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr') -ge 5 ]"
t_is "$(pg_sql "SELECT direction || ' ' || disposition || ' ' || span || ' ' || (channel > 0) FROM cdr WHERE direction = 'inbound'")" \
	"inbound answered card1 true" "the DID call's CDR names the DAHDI span and channel"
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE q850_cause = 38 AND sip_status = 503")" 2 \
	"both calls the alarm refused are recorded with cause 38"
daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd exits 0"
t_done
