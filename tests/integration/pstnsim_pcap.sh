#!/bin/bash
# D-channel capture, as TAP: both pstnsim sides write a pcap
# (LINKTYPE_LINUX_LAPD) while a call rings; tshark decodes it while they
# run, as LAPD and Q.931 with the numbers dialled and each frame's
# direction.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
NET_PID=
CPE_PID=

lsan_allow_libpri

pcap_cleanup() {
	local p
	for p in $NET_PID $CPE_PID; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	t_cleanup
}
trap pcap_cleanup EXIT

if ! command -v tshark >/dev/null; then
	echo "1..0 # SKIP tshark is not installed (apt-get install tshark)"
	exit 0
fi
# tshark warns when run as root; keep its stderr out of the fields.
ts() { tshark -r "$@" 2>/dev/null; }

"$PSTNSIM" --span east:"$T_DIR/e.d":"$T_DIR/e.b" --on-call ring --pcap "$T_DIR/net-%s.pcap" --timeout 30 \
	>"$T_DIR/net.out" 2>"$T_DIR/net.err" &
NET_PID=$!
"$PSTNSIM" --connect --span east:"$T_DIR/e.d":"$T_DIR/e.b" --pcap "$T_DIR/cpe.pcap" --timeout 30 \
	--originate 1 --to 5551234 --from 5559876 >"$T_DIR/cpe.out" 2>"$T_DIR/cpe.err" &
CPE_PID=$!

# The call rings for ever: whatever tshark reads now was flushed frame by frame.
setup_seen() { [ -n "$(ts "$1" -Y 'q931.message_type == 0x05' -T fields -e frame.number)" ]; }
t_eventually 10 setup_seen "$T_DIR/net-east.pcap" && t_pass "the carrier's capture shows the SETUP while running" ||
	t_fail "the carrier's capture shows the SETUP while running"
t_eventually 10 setup_seen "$T_DIR/cpe.pcap" && t_pass "the caller's capture shows the SETUP while running" ||
	t_fail "the caller's capture shows the SETUP while running"
alert_seen() { [ -n "$(ts "$1" -Y 'q931.message_type == 0x01' -T fields -e frame.number)" ]; }
t_eventually 10 alert_seen "$T_DIR/cpe.pcap" || true

for side in net-east cpe; do
	f="$T_DIR/$side.pcap"
	t_is "$(od -An -tu4 -j20 -N4 "$f" | tr -d ' ')" 177 "$side: link type 177 (LINKTYPE_LINUX_LAPD)"
	t_is "$(ts "$f" -Y 'q931.message_type == 0x05' -T fields -e q931.called_party_number.digits \
		-e q931.calling_party_number.digits | head -n 1)" "$(printf '5551234\t5559876')" \
		"$side: SETUP decoded with the called and calling numbers"
	# lapd.direction: 0 = user to network, 1 = network to user.
	t_is "$(ts "$f" -Y 'q931.message_type == 0x05' -T fields -e lapd.direction | head -n 1)" 0 \
		"$side: the SETUP goes from the user side to the network"
	t_is "$(ts "$f" -Y 'q931.message_type == 0x01' -T fields -e lapd.direction | head -n 1)" 1 \
		"$side: the ALERTING comes from the network"
	t_like "$(ts "$f" -V)" "Q.931" "$side: tshark -V decodes Q.931"
	t_unlike "$(ts "$f" -V)" "Malformed" "$side: nothing malformed"
done
kill -TERM "$NET_PID" && wait "$NET_PID" && rc=0 || rc=$?
NET_PID=
t_is "$rc" 0 "the carrier exits 0 on SIGTERM"
wait "$CPE_PID" && rc=0 || rc=$?
CPE_PID=
t_is "$rc" 0 "the caller exits 0 when its span closes"
t_like "$(cat "$T_DIR/net.out")" "summary result=ok .*d_rx=[1-9]" "the carrier's summary counts D-channel frames"
# Records are whole: frames tshark reads = frames the span sent + received.
for side in net:net-east cpe:cpe; do
	out=${side%%:*} f=${side#*:}
	n=$(ts "$T_DIR/$f.pcap" -T fields -e frame.number | wc -l)
	want=$(tr ' ' '\n' <"$T_DIR/$out.out" | awk -F= '$1 == "d_rx" || $1 == "d_tx" { s += $2 } END { print s }')
	t_is "$n" "$want" "$out: the capture holds every frame sent and received ($want)"
done

t_done
