#!/bin/bash
# PRI over the DAHDI backend, as TAP: the same call test as pri_virtual.sh
# (tests/dahdi_call_test --dahdi 1, the CPE side) runs on an emulated DAHDI
# span (tests/dahdi_emu/libdahdiemu.so, preloaded) whose line is bridged to
# pstnsim (the network side). Calls are set up and cleared both ways with
# their numbers intact, and the audio comes back unchanged.
. "$TOP_SRCDIR/tests/lib/harness.sh"
. "$TOP_SRCDIR/tests/dahdi_emu/preload.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
CALLTEST="$TOP_BUILDDIR/tests/dahdi_call_test"
PRELOAD=$(emu_preload "$CALLTEST")
SIM_PID=

lsan_allow_libpri

pri_cleanup() {
	if [ -n "$SIM_PID" ]; then
		kill -TERM "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
	fi
	t_cleanup
}
trap pri_cleanup EXIT

# run_case NAME TYPE PSTNSIM-ARGS -- CALLTEST-ARGS: pstnsim listens; the
# call test opens DAHDI span 1 of TYPE, which the emulation connects to
# pstnsim. Sets SIM_OUT, SIM_ERR, SIM_RC, CPE_OUT, CPE_RC.
run_case() {
	local name=$1 type=$2 sim_args=() cpe_args=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sim_args+=("$1"); shift; done
	shift
	cpe_args=("$@")
	local d="$T_DIR/$name.d" a="$T_DIR/$name.b"
	"$PSTNSIM" --dchan "$d" --audio "$a" --type "$type" --timeout 20 --pri-debug 0x20 --log-level debug \
		"${sim_args[@]}" >"$T_DIR/$name.sim" 2>"$T_DIR/$name.sim.err" &
	SIM_PID=$!
	LD_PRELOAD=$PRELOAD DAHDI_EMU_TYPE=$type DAHDI_EMU_SPAN=1 DAHDI_EMU_DCHAN="$d" DAHDI_EMU_AUDIO="$a" \
		"$CALLTEST" --dahdi 1 --type "$type" "${cpe_args[@]}" >"$T_DIR/$name.cpe" 2>"$T_DIR/$name.cpe.err" &&
		CPE_RC=0 || CPE_RC=$?
	SIM_RC=0
	wait "$SIM_PID" || SIM_RC=$?
	SIM_PID=
	SIM_OUT=$(cat "$T_DIR/$name.sim")
	SIM_ERR=$(cat "$T_DIR/$name.sim.err")
	CPE_OUT=$(cat "$T_DIR/$name.cpe")
	if [ "$CPE_RC" != 0 ] || [ "$SIM_RC" != 0 ]; then
		{ echo "--- $name: pstnsim"; cat "$T_DIR/$name.sim"; tail -n 40 "$T_DIR/$name.sim.err";
		  echo "--- $name: cpe"; cat "$T_DIR/$name.cpe"; tail -n 40 "$T_DIR/$name.cpe.err"; } | t_diag
	fi
}

field() { printf '%s\n' "$1" | grep -E 'summary|result' | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2; exit }'; }
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

t_ok "the DAHDI emulation is built" test -f "$TOP_BUILDDIR/tests/dahdi_emu/libdahdiemu.so"
t_run out rc "$CALLTEST" --dahdi 1
t_is "$rc" 1 "without the emulation there is no DAHDI device: the call test fails"
t_like "$out" "cannot open DAHDI span 1" "and says so"

# 1. Outgoing call: numbers in the SETUP, alerting, connect, ~1 s of audio echoed, cleared with 16.
run_case call e1 --on-call answer:200 --calls 1 -- --scenario call --hold 1000 --to 5551000 --from 5552000
t_is "$CPE_RC" 0 "call: the CPE side completed"
t_is "$SIM_RC" 0 "call: pstnsim exited 0"
t_like "$CPE_OUT" "span backend=dahdi audio_fds=30 alarms=0x0" "call: the DAHDI backend, 30 B-channel fds, no alarm"
t_like "$CPE_OUT" "link up" "call: Q.921 link up over the emulated HDLC D-channel"
# libpri's Q.931 dump in pstnsim's log ("<": received); the calling
# number's digits are on the IE's second line.
t_like "$SIM_ERR" "< Called Party Number .*'5551000'" "call: pstnsim received called number 5551000"
t_like "$(printf '%s\n' "$SIM_ERR" | grep -A1 '< Calling Party Number')" "'5552000'" \
	"call: pstnsim received calling number 5552000"
t_like "$CPE_OUT" "alerting ch=1" "call: ALERTING received"
t_like "$CPE_OUT" "connect ch=1" "call: CONNECT received"
t_like "$CPE_OUT" "release ch=1 cause=16 state=Null" "call: released with cause 16, channel back to Null"
t_like "$SIM_OUT" "call ch=1 dir=in cause=16 answered=1" "call: pstnsim saw the call cleared with cause 16"
rx=$(field "$CPE_OUT" rx_bytes_per_s)
in_range "$rx" 7200 8800 && t_pass "call: CPE received $rx bytes/s (8000 expected)" ||
	t_fail "call: CPE received ${rx:-?} bytes/s (8000 expected)"
srx=$(field "$SIM_OUT" rx_bytes_per_s)
in_range "$srx" 7200 8800 && t_pass "call: pstnsim received $srx bytes/s back (8000 expected)" ||
	t_fail "call: pstnsim received ${srx:-?} bytes/s back (8000 expected)"
tone=$(field "$SIM_OUT" tone_ratio)
awk -v r="${tone:-0}" 'BEGIN { exit !(r >= 0.9) }' && t_pass "call: the echoed audio is the 1004 Hz tone (ratio $tone)" ||
	t_fail "call: the echoed audio is the 1004 Hz tone (ratio ${tone:-?})"
t_is "$(field "$SIM_OUT" d_bad)" 0 "call: pstnsim refused no D-channel frame (the device's FCS is right)"
t_is "$(field "$CPE_OUT" d_bad)" 0 "call: the DAHDI side saw no bad frame"
# (pstnsim leaving after the release is a line loss: red alarm events may follow.)
t_unlike "$(printf '%s\n' "$CPE_OUT" | sed '/release ch=/,$d')" "span event" \
	"call: no alarm or HDLC event until the call was released"

# 2. Rejected with cause 17.
run_case reject e1 --on-call reject:17 --calls 1 -- --scenario reject
t_is "$CPE_RC" 0 "reject: the CPE side completed"
t_is "$(field "$CPE_OUT" cause)" 17 "reject: the CPE side sees cause 17"
t_like "$SIM_OUT" "rejected=1" "reject: pstnsim counted the rejection"

# 3. Incoming call from pstnsim, answered by the CPE side; pstnsim clears after 1 s.
run_case incoming e1 --originate 1 --to 5551234 --from 5559876 --hangup-after 1000 --calls 1 -- \
	--scenario incoming --hold 0 --answer-after 100
t_is "$CPE_RC" 0 "incoming: the CPE side completed"
t_is "$SIM_RC" 0 "incoming: pstnsim exited 0"
t_like "$CPE_OUT" "incoming ch=[0-9]+ called=5551234 calling=5559876" "incoming: SETUP with called and calling numbers"
t_like "$CPE_OUT" "connect ch=" "incoming: active after our answer"
t_like "$CPE_OUT" "disconnect ch=[0-9]+ cause=16" "incoming: pstnsim cleared with cause 16"
rx=$(field "$CPE_OUT" rx_bytes_per_s)
in_range "$rx" 7200 8800 && t_pass "incoming: CPE received $rx bytes/s" || t_fail "incoming: CPE received ${rx:-?} bytes/s"
tone=$(field "$SIM_OUT" tone_ratio)
awk -v r="${tone:-0}" 'BEGIN { exit !(r >= 0.9) }' && t_pass "incoming: the audio came back unchanged (ratio $tone)" ||
	t_fail "incoming: the audio came back unchanged (ratio ${tone:-?})"

# 4. T1, mu-law, NI-2 on an emulated T1 span (D-channel on timeslot 24).
run_case t1 t1 --switch ni2 --calls 1 -- --law ulaw --switch ni2 --scenario call --hold 300
t_is "$CPE_RC" 0 "t1: a call over a T1 ni2 DAHDI span completed"
t_like "$CPE_OUT" "span backend=dahdi audio_fds=23" "t1: 23 B-channel fds"
t_like "$CPE_OUT" "release ch=1 cause=16" "t1: released with cause 16"

t_done
