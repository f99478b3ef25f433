#!/bin/bash
# Echo cancellation through the real daemon (docs/media.md): pstnsim
# answers with a hybrid's echo (echo:DELAY:LEVEL: what it receives comes
# back 20 ms later, 9 dB down), a plain RTP caller (tests/lib/echo_peer.py)
# sends 8 s of speech-like audio and measures the power of what returns.
# The same call with [span] echo_cancel = no and = yes: the returned power
# with the canceller off is the echo, with it on the residual; ERLE is their
# ratio over the second half of each call (after convergence), asserted to
# be at least 20 dB. Why 20: G.168's steady-state requirement for the
# linear canceller is about 20 dB of cancellation on top of the echo path's
# own loss; bench/echo measures 34-36 dB for speexdsp on such a signal
# alone, and this path adds a G.711 round trip and real-time pacing. Then a
# call whose caller sends a 2100 Hz tone with phase reversals (V.25 ANS/PR):
# the canceller turns itself off and status counts it.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
PEER="python3 $TOP_SRCDIR/tests/lib/echo_peer.py"
RTP_PORT=$((40000 + (RANDOM % 10000) * 2))
lsan_allow_libpri

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);" || t_fail "provisioning"

# pstnsim accepts one span connection: a new one for each daemon.
start() { # ECHO_CANCEL
	rm -f "$T_DIR/span.dchan"
	"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
		--rule '442071230020=answer,echo:20:-9' \
		--json "$T_DIR/sim-$1.json" >"$T_DIR/pstnsim-$1.log" 2>&1 &
	SIM_PID=$!
	t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"
	daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
echo_cancel = $1
echo_tail_ms = 64
[media]
port_min = $((RTP_PORT + 2000))
port_max = $((RTP_PORT + 2400))" || { t_fail "tandemd starts (echo_cancel = $1)"; t_done; exit 1; }
	t_ok "echo_cancel = $1: the span's D-channel comes up" \
		t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
	t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'" ||
		t_fail "the routing directory is loaded"
}
call() { # SIGNAL
	$PEER --target "127.0.0.1:$T_SIP_PORT" --to "sip:+442071230020@127.0.0.1" --rtp-port "$RTP_PORT" \
		--seconds 8 --signal "$1"
}
field() { printf '%s\n' "$1" | sed -n "s/.*$2=\([-0-9.]*\).*/\1/p"; }

start no
off=$(call speech)
t_like "$off" "status=200" "echo_cancel = no: the call is answered"
t_like "$off" "sent=400 rx=(3[5-9][0-9]|4[0-9][0-9])" "audio comes back ($(printf '%s' "$off" | tail -n1))"
daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd exits cleanly"
kill -TERM "$SIM_PID" 2>/dev/null
wait "$SIM_PID"

start yes
on=$(call speech)
t_like "$on" "status=200" "echo_cancel = yes: the call is answered"
t_like "$on" "sent=400 rx=(3[5-9][0-9]|4[0-9][0-9])" "audio comes back ($(printf '%s' "$on" | tail -n1))"
p_off=$(field "$off" power_last_db)
p_on=$(field "$on" power_last_db)
erle=$(python3 -c "print(f'{float(\"${p_off:-0}\") - float(\"${p_on:-0}\"):.1f}')")
echo "# ERLE through tandemd: echo ${p_off} dB, residual ${p_on} dB: ${erle} dB"
t_ok "the echo comes back without the canceller (${p_off} dB; the speech sent is about 70 dB)" \
	python3 -c "import sys; sys.exit(not float('${p_off:-0}') > 50)"
t_quality "ERLE through tandemd ${erle} dB >= 20 dB" python3 -c "import sys; sys.exit(not float('$erle') >= 20)"
t_is "$(status_field media_ec_off_by_tone)" 0 "speech did not turn the canceller off"

# A modem's answer tone: 2100 Hz with phase reversals every 450 ms.
ans=$(call ans)
t_like "$ans" "status=200" "the ANS/PR call is answered"
t_ok "the answer tone turned the canceller off (status media_ec_off_by_tone)" \
	t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^media_ec_off_by_tone +1$'"
t_like "$(cat "$T_DIR/tandemd.log")" "echo canceller off: ANS" "and the log says why"
daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd exits cleanly"
kill -TERM "$SIM_PID" 2>/dev/null
wait "$SIM_PID"
t_done
