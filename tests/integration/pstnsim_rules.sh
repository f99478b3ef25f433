#!/bin/bash
# pstnsim against pstnsim, as TAP: one listens as the carrier (network
# side) with rules per called number, the other connects as the gateway
# (CPE side) and originates. Each rule's outcome is checked at the caller
# (causes, answer, DTMF, audio bytes) and in both JSON summaries.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
NET_PID=

lsan_allow_libpri

sim_cleanup() {
	if [ -n "$NET_PID" ]; then
		kill -TERM "$NET_PID" 2>/dev/null
		wait "$NET_PID" 2>/dev/null
	fi
	t_cleanup
}
trap sim_cleanup EXIT

# pair NAME NET-ARGS -- CPE-ARGS: the carrier listens, the gateway side
# connects; sets NET_RC, CPE_RC, NET_OUT, CPE_OUT; JSON in $T_DIR/NAME.{net,cpe}.json.
pair() {
	local name=$1 net_args=() cpe_args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do net_args+=("$1"); shift; done
	shift
	cpe_args=("$@")
	local d="$T_DIR/$name.d" a="$T_DIR/$name.b"
	"$PSTNSIM" --dchan "$d" --audio "$a" --timeout 30 --json "$T_DIR/$name.net.json" "${net_args[@]}" \
		>"$T_DIR/$name.net" 2>"$T_DIR/$name.net.err" &
	NET_PID=$!
	"$PSTNSIM" --connect --dchan "$d" --audio "$a" --timeout 30 --json "$T_DIR/$name.cpe.json" "${cpe_args[@]}" \
		>"$T_DIR/$name.cpe" 2>"$T_DIR/$name.cpe.err" && CPE_RC=0 || CPE_RC=$?
	NET_RC=0
	wait "$NET_PID" || NET_RC=$?
	NET_PID=
	NET_OUT=$(cat "$T_DIR/$name.net")
	CPE_OUT=$(cat "$T_DIR/$name.cpe")
	if [ "$CPE_RC" != 0 ] || [ "$NET_RC" != 0 ]; then
		{ echo "--- $name: network side"; cat "$T_DIR/$name.net"; tail -n 20 "$T_DIR/$name.net.err"
		  echo "--- $name: cpe side"; cat "$T_DIR/$name.cpe"; tail -n 20 "$T_DIR/$name.cpe.err"; } | t_diag
	fi
}

# jqf NAME SIDE FILTER: one value from a JSON summary.
jqf() { jq -r "$3" "$T_DIR/$1.$2.json" 2>/dev/null; }
# call_field NAME SIDE CALLED FIELD: a field of the call to CALLED.
call_field() { jqf "$1" "$2" "[.calls[] | select(.called == \"$3\")][0].$4"; }

# Audio files: 1600 octets (10 frames) of varied A-law, a 1 s 1004 Hz
# 16-bit PCM WAV, and an A-law WAV (format 6).
python3 - "$T_DIR" <<'EOF'
import math, struct, sys
d = sys.argv[1]
raw = bytes((i * 37 + 11) % 256 for i in range(1600))
open(d + "/clip.raw", "wb").write(raw)
def wav(path, fmt, bits, data):
    fmtc = struct.pack("<HHIIHH", fmt, 1, 8000, 8000 * bits // 8, bits // 8, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmtc)) + fmtc + b"data" + struct.pack("<I", len(data)) + data
    open(path, "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
pcm = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 1004 * i / 8000))) for i in range(8000))
wav(d + "/tone.wav", 1, 16, pcm)
alaw = bytes((i * 91 + 5) % 256 for i in range(800))
wav(d + "/alaw.wav", 6, 8, alaw)
open(d + "/alaw.data", "wb").write(alaw)
EOF

# 1. Rejections and causes, one call per rule; the default answers.
pair causes --on-call answer:100 --hangup-after 500 \
	--rule '5551*=busy' --rule '5552*=unallocated' --rule '5553*=congestion' \
	--rule '5554*=noanswer:300' --rule '5555000=cause:21' -- \
	--originate 6 --to 5551000,5552000,5553000,5554000,5555000,5556000 --from 5559876 --calls 6 --concurrency 1
t_is "$CPE_RC/$NET_RC" 0/0 "causes: both sides exited 0"
t_is "$(call_field causes cpe 5551000 cause)" 17 "busy: cause 17 at the caller"
t_is "$(call_field causes cpe 5552000 cause)" 1 "unallocated: cause 1 at the caller"
t_is "$(call_field causes cpe 5553000 cause)" 34 "congestion: cause 34 at the caller"
t_is "$(call_field causes cpe 5554000 cause)" 19 "no answer: cause 19 at the caller"
t_is "$(call_field causes cpe 5554000 alerted)" true "no answer: the caller was alerted first"
t_is "$(call_field causes cpe 5555000 cause)" 21 "cause:21 arrives as 21"
t_is "$(call_field causes cpe 5556000 answered)/$(call_field causes cpe 5556000 cause)" true/16 \
	"default rule: answered, cleared with 16 after --hangup-after"
t_is "$(jqf causes cpe '[.attempted, .answered, .failed, .released] | @csv')" "6,1,5,6" \
	"causes: the caller's JSON counts 6 attempted, 1 answered, 5 failed"
t_is "$(jqf causes cpe '.causes | to_entries | map("\(.key):\(.value)") | join(",")')" "1:1,16:1,17:1,19:1,21:1,34:1" \
	"causes: the caller's JSON counts each cause once"
t_is "$(jqf causes net '[.calls_in, .rejected, .answered] | @csv')" "6,4,1" \
	"causes: the carrier counts 6 calls in, 4 rejected, 1 answered"
t_like "$CPE_OUT" "summary result=ok .*attempted=6 .*failed=5 .*causes=1:1,16:1,17:1,19:1,21:1,34:1" \
	"causes: the text summary agrees"
t_like "$CPE_OUT" "call ch=[0-9]+ dir=out cause=17 answered=0 .* called=5551000 calling=5559876" \
	"causes: a per-call line for the busy call"

# 2. Ring forever: the caller gives up (cancel) with 16.
pair ring --on-call ring -- --originate 1 --to 5550000 --calls 1 --out-actions cancel:500
t_is "$CPE_RC/$NET_RC" 0/0 "ring: both sides exited 0"
t_is "$(call_field ring cpe 5550000 alerted)/$(call_field ring cpe 5550000 answered)" true/false \
	"ring: alerted, never answered"
t_is "$(call_field ring net 5550000 cause)" 16 "ring: the carrier sees the caller's cancel (16)"

# 3. Answer after N ms, hang up after N s.
pair hangup --rule '4000=answer:300,hangup:1s' -- --originate 1 --to 4000 --calls 1
t_is "$(call_field hangup cpe 4000 answered)/$(call_field hangup cpe 4000 cause)" true/16 \
	"answer:300,hangup:1s: answered, then cleared by the carrier with 16"
t_is "$(jqf hangup net .answered)" 1 "hangup: the carrier counted the answer"

# 4. DTMF both ways: sent with SpanDSP's generator, heard by its detector.
pair dtmf --rule '7000=answer,silence,detect,dtmf:2580@100,hangup:2s' -- \
	--originate 1 --to 7000 --calls 1 --out-actions 'silence,detect,dtmf:159#*@200'
t_is "$(call_field dtmf net 7000 dtmf)" "159#*" "dtmf: the carrier heard the caller's 159#*"
t_is "$(call_field dtmf cpe 7000 dtmf)" "2580" "dtmf: the caller heard the carrier's 2580"
t_like "$NET_OUT" "dtmf span=span1 ch=1 digit=#" "dtmf: each digit is reported as it is heard"
t_is "$(jqf dtmf net '.dtmf + "/" + (.dtmf_calls|tostring)')" "159#*/1" "dtmf: the carrier's JSON summary"

# 5. Echo: the caller plays a file and records what comes back.
pair echo --rule '8000=echo' -- --originate 1 --to 8000 --calls 1 \
	--out-actions "play:$T_DIR/clip.raw,record:$T_DIR/echo-%s-%c.raw,hangup:1s"
t_is "$CPE_RC/$NET_RC" 0/0 "echo: both sides exited 0"
t_ok "echo: the recording starts with the 1600 octets played" cmp -n 1600 "$T_DIR/clip.raw" "$T_DIR/echo-span1-1.raw"
t_is "$(stat -c %s "$T_DIR/echo-span1-1.raw")" "$(call_field echo cpe 8000 rx)" \
	"echo: the recording holds every octet received"
t_is "$(call_field echo net 8000 tx)" "$(call_field echo net 8000 rx)" "echo: the carrier sent back what it received"

# 6. Record on the carrier; raw, 16-bit WAV and A-law WAV played by the caller.
pair record --rule "9*=record:$T_DIR/rec-%n.raw,hangup:1500" -- --originate 1 --to 9000 --calls 1 \
	--out-actions "play:$T_DIR/clip.raw"
t_ok "record: the carrier recorded the 1600 octets played" cmp -n 1600 "$T_DIR/clip.raw" "$T_DIR/rec-1.raw"
t_like "$NET_OUT" "called=9000 .* recorded=[1-9][0-9]*" "record: the call line says how much was recorded"
pair wav --rule "9*=record:$T_DIR/wav.raw,hangup:1500" -- --originate 1 --to 9000 --calls 1 \
	--out-actions "play:$T_DIR/tone.wav"
tone=$(jqf wav net .tone_ratio)
awk -v r="${tone:-0}" 'BEGIN { exit !(r >= 0.9) }' && t_pass "wav: a 16-bit WAV arrives as the 1004 Hz tone ($tone)" ||
	t_fail "wav: a 16-bit WAV arrives as the 1004 Hz tone (${tone:-?})"
pair alaw --rule "9*=record:$T_DIR/alaw.raw,hangup:1500" -- --originate 1 --to 9000 --calls 1 \
	--out-actions "play:$T_DIR/alaw.wav"
t_ok "wav: an A-law WAV's data is sent unchanged" cmp -n 800 "$T_DIR/alaw.data" "$T_DIR/alaw.raw"

# 7. Originate at a rate and concurrency over two spans.
"$PSTNSIM" --span a:"$T_DIR/a.d":"$T_DIR/a.b" --span b:"$T_DIR/b.d":"$T_DIR/b.b" --timeout 30 --quiet \
	--hangup-after 0 --json "$T_DIR/load.net.json" >"$T_DIR/load.net" 2>&1 &
NET_PID=$!
"$PSTNSIM" --connect --span a:"$T_DIR/a.d":"$T_DIR/a.b" --span b:"$T_DIR/b.d":"$T_DIR/b.b" --timeout 30 --quiet \
	--originate 20 --rate 50 --concurrency 4 --to 6000 --from 6001 --out-actions hangup:100 --calls 20 \
	--json "$T_DIR/load.cpe.json" >"$T_DIR/load.cpe" 2>&1 && rc=0 || rc=$?
t_is "$rc" 0 "load: the originating side exited 0"
wait "$NET_PID" && rc=0 || rc=$?
NET_PID=
t_is "$rc" 0 "load: the carrier exited 0 when both spans closed"
t_is "$(jqf load cpe '[.attempted, .answered, .released, .causes."16"] | @csv')" "20,20,20,20" \
	"load: 20 calls attempted, answered and cleared with 16"
t_is "$(jqf load net '[.calls_in, .answered] | @csv')" "20,20" "load: the carrier took 20 calls"
t_is "$(jqf load cpe '[.spans[] | .calls_out > 0] | all')" true "load: both spans carried calls"
t_is "$(jqf load cpe '[.spans[].calls_out] | add')" 20 "load: per-span counts add up"
t_is "$(jqf load cpe '.calls | length')" 20 "load: 20 per-call records in the JSON"
t_ok "load: the JSON summary parses" jq -e .result "$T_DIR/load.cpe.json"
t_unlike "$(cat "$T_DIR/load.cpe")" "pstnsim: call ch=" "load: --quiet leaves out the per-call lines"

# 8. Sides and span types: the listener as CPE, the connector as network, T1.
pair t1 --node cpe --type t1 --switch ni2 -- --node network --type t1 --switch ni2 --originate 1 --to 2000 \
	--calls 1 --hangup-after 300
t_is "$(jqf t1 cpe '[.attempted, .answered] | @csv')" "1,1" "t1: a network-side caller, a CPE-side answerer"

# 9. Bad rules are refused with a message.
t_run out rc "$PSTNSIM" --dchan "$T_DIR/x.d" --audio "$T_DIR/x.b" --rule '100=busy,dance'
t_is "$rc" 1 "a bad rule is refused"
t_like "$out" "bad action 'dance'" "and the action named"

# 10. SIGTERM: a clean exit, with the summary and the JSON.
"$PSTNSIM" --dchan "$T_DIR/s.d" --audio "$T_DIR/s.b" --on-call ring --json "$T_DIR/term.json" \
	>"$T_DIR/term.out" 2>&1 &
NET_PID=$!
"$PSTNSIM" --connect --dchan "$T_DIR/s.d" --audio "$T_DIR/s.b" --originate 1 --to 1 >/dev/null 2>&1 &
cpe=$!
t_eventually 10 grep -q "link up" "$T_DIR/term.out"
kill -TERM "$NET_PID" && wait "$NET_PID" && rc=0 || rc=$?
NET_PID=
t_is "$rc" 0 "SIGTERM: exit status 0"
wait "$cpe" && rc=0 || rc=$?
t_is "$rc" 0 "SIGTERM: the other side exits 0 once its span is closed"
t_like "$(cat "$T_DIR/term.out")" "summary result=ok" "SIGTERM: summary printed"
t_is "$(jq -r .result "$T_DIR/term.json" 2>/dev/null)" ok "SIGTERM: JSON written"

# --pace: the carrier's D-channel runs at 64 kbit/s both ways. 120 calls
# offered as fast as they go: all complete, frames wait for the line,
# and neither direction ever carried more than the line's bits (each
# frame counted with its FCS and a flag; one frame of slack for the first).
pair paced --pace --on-call answer --hangup-after 1 -- --originate 120 --to 5551000 --calls 120
t_is "$CPE_RC $NET_RC" "0 0" "paced: both sides exit 0"
t_is "$(jqf paced cpe .answered)" 120 "paced: all 120 calls answered"
t_is "$(jqf paced cpe '[.spans[0].pace] | map(select(. != null)) | length')" 0 "paced: the unpaced side reports no pacer"
t_ok "paced: frames queued for the line" test "$(jqf paced net .spans[0].pace.tx_queue_max)" -ge 2
t_is "$(jqf paced net .spans[0].pace.tx_dropped)" 0 "paced: no frame dropped from the queue"
for dir in tx rx; do
	t_ok "paced: the $dir direction stayed within 64 kbit/s" jq -e "(.spans[0].pace | ((.${dir}_octets + 3 * .${dir}_frames) * 8)) <= (64 * .spans[0].pace.age_ms + 2200)" "$T_DIR/paced.net.json"
done

t_done
