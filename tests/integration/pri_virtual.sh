#!/bin/bash
# PRI over the virtual span, as TAP: pstnsim (network side) and
# tests/pri_call_test (the CPE/gateway side) bring the Q.921 link up, then
# an outgoing call with audio both ways and a cause-16 hangup, a call
# rejected with cause 17, and an incoming call that the CPE side answers.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
CALLTEST="$TOP_BUILDDIR/tests/pri_call_test"
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

# run_case NAME PSTNSIM-ARGS -- CALLTEST-ARGS: sets SIM_OUT, SIM_RC,
# CPE_OUT, CPE_RC.
run_case() {
	local name=$1 sim_args=() cpe_args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sim_args+=("$1"); shift; done
	shift
	cpe_args=("$@")
	local d="$T_DIR/$name.d" a="$T_DIR/$name.b"
	"$PSTNSIM" --dchan "$d" --audio "$a" --timeout 20 "${sim_args[@]}" >"$T_DIR/$name.sim" 2>"$T_DIR/$name.sim.err" &
	SIM_PID=$!
	"$CALLTEST" --dchan "$d" --audio "$a" "${cpe_args[@]}" >"$T_DIR/$name.cpe" 2>"$T_DIR/$name.cpe.err" &&
		CPE_RC=0 || CPE_RC=$?
	SIM_RC=0
	wait "$SIM_PID" || SIM_RC=$?
	SIM_PID=
	SIM_OUT=$(cat "$T_DIR/$name.sim")
	CPE_OUT=$(cat "$T_DIR/$name.cpe")
	if [ "$CPE_RC" != 0 ] || [ "$SIM_RC" != 0 ]; then
		{ echo "--- $name: pstnsim"; cat "$T_DIR/$name.sim" "$T_DIR/$name.sim.err"; echo "--- $name: cpe";
		  cat "$T_DIR/$name.cpe"; tail -n 40 "$T_DIR/$name.cpe.err"; } | t_diag
	fi
}

# field TEXT KEY: the value of KEY=VALUE on the summary/result line.
field() { printf '%s\n' "$1" | grep -E 'summary|result' | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2; exit }'; }
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

t_ok "pstnsim --help" "$PSTNSIM" --help
t_run out rc "$PSTNSIM" --dchan "$T_DIR/x.d" --audio "$T_DIR/x.b" --switch euroisdn
t_is "$rc" 1 "pstnsim refuses an unknown switch type"
t_like "$out" "unknown switch type 'euroisdn'" "and names it"

# 1. Outgoing call: alerting, connect, ~1 s of audio both ways, we clear with 16.
run_case call --on-call answer:200 --calls 1 -- --scenario call --hold 1000
t_is "$CPE_RC" 0 "call: the CPE side completed"
t_is "$SIM_RC" 0 "call: pstnsim exited 0"
t_like "$CPE_OUT" "link up" "call: Q.921 link up (SABME/UA)"
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
t_is "$(field "$SIM_OUT" d_bad)" 0 "call: no D-channel frame refused"
echo "call: setup_ms=$(field "$CPE_OUT" setup_ms) (answer delay 200 ms) cpe_rx_Bps=$rx sim_rx_Bps=$srx" | t_diag

# 2. Rejected with cause 17 (user busy).
run_case reject --on-call reject:17 --calls 1 -- --scenario reject
t_is "$CPE_RC" 0 "reject: the CPE side completed"
t_is "$SIM_RC" 0 "reject: pstnsim exited 0"
t_is "$(field "$CPE_OUT" cause)" 17 "reject: the CPE side sees cause 17"
t_like "$SIM_OUT" "rejected=1" "reject: pstnsim counted the rejection"

# 3. Incoming call from pstnsim, answered by the CPE side; pstnsim clears after 1 s.
run_case incoming --originate 1 --to 5551234 --from 5559876 --hangup-after 1000 --calls 1 -- \
	--scenario incoming --hold 0 --answer-after 100
t_is "$CPE_RC" 0 "incoming: the CPE side completed"
t_is "$SIM_RC" 0 "incoming: pstnsim exited 0"
t_like "$CPE_OUT" "incoming ch=[0-9]+ called=5551234 calling=5559876" "incoming: SETUP with called and calling numbers"
t_like "$CPE_OUT" "connect ch=" "incoming: active after our answer"
t_like "$CPE_OUT" "disconnect ch=[0-9]+ cause=16" "incoming: pstnsim cleared with cause 16"
rx=$(field "$CPE_OUT" rx_bytes_per_s)
in_range "$rx" 7200 8800 && t_pass "incoming: CPE received $rx bytes/s" || t_fail "incoming: CPE received ${rx:-?} bytes/s"
t_like "$SIM_OUT" "answered=1" "incoming: pstnsim counted the answer"

# 4. T1, mu-law, NI-2: the link comes up and a call completes.
run_case t1 --type t1 --switch ni2 --calls 1 -- --type t1 --law ulaw --switch ni2 --scenario call --hold 300
t_is "$CPE_RC" 0 "t1: a call over a T1 ni2 span completed"
t_like "$CPE_OUT" "release ch=1 cause=16" "t1: released with cause 16"

# tshark: the virtual transport has no capture format of its own, so
# there is nothing for it to decode here (see docs/spans.md).

t_done
