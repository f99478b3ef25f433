#!/bin/bash
# Media through the real daemon (docs/media.md): pstnsim is the telephone
# network on a virtual E1, tests/lib/rtp_peer.py a SIP phone doing RTP
# (pure Python G.711, Goertzel and zero-crossing measurements).
# - Tones each way at their frequency and level, with the span A-law and
#   then mu-law, the phone offering only PCMU and then only PCMA (so two
#   of the four combinations are converted).
# - DTMF each way: RFC 4733 events, SIP INFO (a customer with --dtmf-mode
#   info), in-band (a phone offering no telephone-event, and a customer
#   with --dtmf-mode inband).
# - Symmetric RTP (the phone sends from another port than its SDP's) and
#   the configured RTP port range.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
PEER="python3 $TOP_SRCDIR/tests/lib/rtp_peer.py"
RFC=127.0.0.61    # a customer with the default dtmf_mode (rfc4733)
INFO=127.0.0.62   # dtmf_mode info
INBAND=127.0.0.63 # dtmf_mode inband
PORT_MIN=$((30000 + (RANDOM % 1000) * 20))
PORT_MAX=$((PORT_MIN + 19))
PEER_RTP=$((PORT_MAX + 1000))
lsan_allow_libpri
cd "$T_DIR" || exit 1

# Tolerances. The frequency is counted over half a second or more of
# zero crossings: G.711 noise moves a crossing by far less than a sample,
# so 1 Hz is generous. The level: G.711's quantisation noise is ~38 dB
# below the tone (under 0.1 dB of RMS) and an A-law <-> mu-law conversion
# adds as much again; 0.5 dB.
HZ_TOL=1
DB_TOL=0.5

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
TC() { "$TANDEMCTL" "$@" >/dev/null || t_fail "tandemctl $*"; }
TC customer add rfc --address $RFC/32
TC customer add info --address $INFO/32 --dtmf-mode info
TC customer add inband --address $INBAND/32
TC customer set inband --dtmf-mode inband
TC trunk add pstn --kind pri
TC trunk add carrier --kind sip --member 127.0.0.1:5999 --dtmf-mode info --ping-interval 0
TC route add +44 --trunk pstn
t_like "$("$TANDEMCTL" customer show info)" "dtmf_mode +info" "customer show: dtmf_mode info"
t_like "$("$TANDEMCTL" customer show rfc)" "dtmf_mode +rfc4733" "the default is rfc4733"
t_like "$("$TANDEMCTL" customer show inband)" "dtmf_mode +inband" "customer set --dtmf-mode inband"
t_like "$("$TANDEMCTL" trunk show carrier)" "dtmf_mode +info" "trunk show: dtmf_mode info"
t_run out rc "$TANDEMCTL" customer set rfc --dtmf-mode sometimes
t_like "$rc:$out" "^1:.*--dtmf-mode.*sometimes.*is not rfc4733, info or inband" \
	"a bad --dtmf-mode is refused, naming the option"
t_run out rc "$TANDEMCTL" trunk set carrier --dtmf-mode 2833
t_like "$rc:$out" "^1:.*--dtmf-mode.*2833.*is not rfc4733, info or inband" "and for a trunk"
t_run out rc "$TANDEMCTL" trunk set pstn --dtmf-mode info
t_like "$rc:$out" "^1:.*PRI trunk: --dtmf-mode is for SIP trunks" "a PRI trunk has no DTMF mode"
t_run out rc pg_sql "UPDATE customers SET dtmf_mode = 'loud' WHERE name = 'rfc'"
t_unlike "$rc" "^0$" "the database refuses another mode too (CHECK)"

# start_phase LAW: pstnsim and tandemd with the span in LAW.
start_phase() {
	local law=$1
	"$PSTNSIM" --dchan "$T_DIR/$law.dchan" --audio "$T_DIR/$law.audio" --law "$law" \
		--rule "442071230001=answer,tone:1004@-10" \
		--rule "442071230002=answer,silence,record:$T_DIR/rec-$law-pcmu.raw" \
		--rule "442071230003=answer,silence,record:$T_DIR/rec-$law-pcma.raw" \
		--rule "442071230004=answer,silence,detect" \
		--rule "442071230005=answer,silence,dtmf:159#*0@1s" \
		--rule "442071230006=answer,silence,detect" \
		--rule "442071230007=answer,silence,dtmf:2468@1s" \
		--rule "442071230008=answer,silence,dtmf:37*@1s" \
		--rule "442071230009=answer,silence,dtmf:90#@1s" \
		--rule "442071230010=answer,silence" \
		>"$T_DIR/pstnsim-$law.log" 2>&1 &
	SIM_PID=$!
	t_eventually 10 test -S "$T_DIR/$law.dchan" || t_fail "pstnsim ($law) listens"
	daemon_start "[span pstn1]
dchan = $T_DIR/$law.dchan
audio = $T_DIR/$law.audio
law = $law
[media]
port_min = $PORT_MIN
port_max = $PORT_MAX" || { t_fail "tandemd starts ($law)"; t_done; exit 1; }
	t_ok "$law: the span's D-channel comes up" \
		t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* $law .* up '"
	t_ok "$law: the routing directory is loaded" \
		t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"
}

stop_phase() {
	daemon_stop
	t_is "$T_DAEMON_RC" 0 "$1: tandemd exits 0"
	kill -TERM "$SIM_PID" 2>/dev/null
	wait "$SIM_PID"
}

call() { # BIND NUMBER [rtp_peer options]
	local bind=$1 num=$2
	shift 2
	PEER_RTP=$((PEER_RTP + 2))
	$PEER call --target "127.0.0.1:$T_SIP_PORT" --bind "$bind" --to "sip:+$num@127.0.0.1" \
		--rtp-port $PEER_RTP "$@"
}
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# near VALUE WANT TOL: |VALUE - WANT| <= TOL
near() { python3 -c "import sys; sys.exit(0 if abs(float('$1') - float('$2')) <= float('$3') else 1)" 2>/dev/null; }
# pstnsim's line for the call to NUMBER (law): its field KEY
sim_field() { grep "called=$2 " "$T_DIR/pstnsim-$1.log" | tail -n1 | tr ' ' '\n' | sed -n "s/^$3=//p"; }
in_range() { [ "$1" -ge "$PORT_MIN" ] 2>/dev/null && [ "$1" -le "$PORT_MAX" ]; }

# tones LAW: both directions, both codecs, with the span in LAW.
tones() {
	local law=$1 codec out f l rec
	for codec in pcmu pcma; do
		local conv="converted"
		[ "$law:$codec" = alaw:pcma ] || [ "$law:$codec" = ulaw:pcmu ] && conv="not converted"
		out=$(call $RFC 442071230001 --codec $codec --duration 2.5)
		t_like "$out" "^status=200 codec=${codec^^} " "$law span, $codec phone: answered with $codec"
		t_ok "$law/$codec: tandemd's RTP port $(field "$out" port) is in [media] $PORT_MIN..$PORT_MAX" \
			in_range "$(field "$out" port)"
		f=$(field "$out" freq) l=$(field "$out" level)
		t_like "$(field "$out" rx_pt)" "^$([ $codec = pcmu ] && echo 0 || echo 8)$" \
			"$law/$codec: tandemd sends the negotiated payload type only"
		t_ok "$law/$codec ($conv): pstnsim's 1004 Hz reaches the phone at $f Hz" near "$f" 1004 $HZ_TOL
		t_ok "$law/$codec ($conv): at -10 dBm0: $l dBm0" near "$l" -10 $DB_TOL
		t_ok "$law/$codec: a clean tone (Goertzel share $(field "$out" purity))" \
			near "$(field "$out" purity)" 1 0.02
		# the other way: the phone's 1500 Hz at -13 dBm0 into pstnsim's recording
		local num=442071230002
		[ $codec = pcma ] && num=442071230003
		out=$(call $RFC $num --codec $codec --duration 2.5 --tone 1500@-13)
		t_like "$out" "^status=200 codec=${codec^^} " "$law/$codec: the call for the other way is answered"
		rec="$T_DIR/rec-$law-$codec.raw"
		t_ok "$law/$codec: pstnsim recorded it" t_eventually 10 test -s "$rec"
		out=$($PEER analyze --file "$rec" --law "$law")
		f=$(field "$out" freq) l=$(field "$out" level)
		t_ok "$law/$codec ($conv): the phone's 1500 Hz reaches the B-channel at $f Hz" near "$f" 1500 $HZ_TOL
		t_ok "$law/$codec ($conv): at -13 dBm0: $l dBm0" near "$l" -13 $DB_TOL
	done
}

# --- The span A-law ------------------------------------------------------------------
start_phase alaw
tones alaw

# DTMF, RFC 4733: the phone's events are heard by pstnsim, pstnsim's tones
# reach the phone as events.
out=$(call $RFC 442071230004 --events '159#*0' --duration 3)
t_like "$out" " te=101 " "rfc4733: tandemd answers with telephone-event"
t_ok "rfc4733: pstnsim heard the phone's RFC 4733 digits as tones" \
	t_eventually 5 sh -c "grep -q 'called=442071230004 .*dtmf=159#\*0 ' '$T_DIR/pstnsim-alaw.log'"
t_is "$(sim_field alaw 442071230004 dtmf)" "159#*0" "rfc4733: exactly 159#*0, in order"
out=$(call $RFC 442071230005 --duration 3)
t_is "$(field "$out" events)" "159#*0" "rfc4733: pstnsim's tones 159#*0 reach the phone as RFC 4733 events"
t_is "$(field "$out" info_rx)" "-" "rfc4733: and no INFO"

# SIP INFO: the customer with --dtmf-mode info.
out=$(call $INFO 442071230006 --info '159#*0' --duration 3.5)
t_like "$out" " te=none " "info: no telephone-event in tandemd's answer"
t_is "$(field "$out" info_status)" "200,200,200,200,200,200" "info: each INFO answered 200"
t_ok "info: pstnsim heard the INFO digits" \
	t_eventually 5 sh -c "grep -q 'called=442071230006 ' '$T_DIR/pstnsim-alaw.log'"
t_is "$(sim_field alaw 442071230006 dtmf)" "159#*0" "info: exactly 159#*0 played on the B-channel"
out=$(call $INFO 442071230007 --duration 3)
t_is "$(field "$out" info_rx)" "2468" "info: pstnsim's tones 2468 reach the phone as INFOs"
t_is "$(field "$out" events)" "-" "info: and no RFC 4733 event"
out=$(call $RFC 442071230010 --info 5 --info-type text/plain --duration 1.5)
t_is "$(field "$out" info_status)" "415" "an INFO of another type: 415"
out=$(call $RFC 442071230010 --info 7_ --info-type application/dtmf --duration 2 --stray-info)
t_is "$(field "$out" info_status)" "200,200" \
	"application/dtmf with a bare digit: 200 (an rfc4733 customer too); an empty INFO: 200"
t_is "$(field "$out" stray_info)" 481 "an INFO outside any dialog: 481"

# In-band: a phone offering no telephone-event, and the inband customer.
out=$(call $RFC 442071230008 --no-te --duration 3)
t_like "$out" " te=none " "no telephone-event offered: none answered"
t_is "$(field "$out" inband)" "37*" "in-band: pstnsim's 37* reach the phone as tones"
t_is "$(field "$out" events)" "-" "in-band: and no RFC 4733 event"
out=$(call $INBAND 442071230009 --duration 3)
t_like "$out" " te=none " "dtmf_mode inband: no telephone-event answered to an offer with it"
t_is "$(field "$out" inband)" "90#" "dtmf_mode inband: pstnsim's 90# reach the phone as tones"
t_is "$(field "$out" events)" "-" "dtmf_mode inband: no RFC 4733 event"

# Symmetric RTP: the phone sends from another port than its SDP's.
SEND_PORT=$((PEER_RTP + 500))
out=$(call $RFC 442071230001 --send-port $SEND_PORT --duration 2.5)
t_ok "symmetric: tandemd's RTP goes to the port the phone sends from ($(field "$out" rx_send_port) packets)" \
	test "$(field "$out" rx_send_port)" -ge 50
# before the phone's first packet latches it, tandemd sends where the SDP
# says: a few packets at most (none here on an idle machine)
t_ok "symmetric: at most a few to the SDP's port ($(field "$out" rx_sdp_port))" \
	test "$(field "$out" rx_sdp_port)" -le 10
t_ok "symmetric: the tone still measures 1004 Hz" near "$(field "$out" freq)" 1004 $HZ_TOL
t_ok "symmetric: tandemd sends from its SDP port" in_range "$(field "$out" src_ports)"
stop_phase alaw

# --- The span mu-law ----------------------------------------------------------------------
start_phase ulaw
tones ulaw
stop_phase ulaw
t_done
