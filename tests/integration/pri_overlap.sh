#!/bin/bash
# Overlap sending through tandemd: a SIP customer's call goes to a virtual
# E1 whose span sends the first digits in the SETUP (without Sending
# Complete) and the rest in INFORMATION messages; pstnsim, the network in
# overlap receiving, collects them until the number is complete and must
# see the number intact. Its D-channel capture, decoded by tshark, shows
# the SETUP, the SETUP ACKNOWLEDGE and one INFORMATION per digit.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
SIM_PID=

lsan_allow_libpri

ov_cleanup() {
	local rc=$?
	if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null; fi
	(exit "$rc")
	t_cleanup
}
trap ov_cleanup EXIT

# The keys are checked like the others: a bad value names its key.
printf '[span s]\noverlap_send = perhaps\n' >"$T_DIR/bad1.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/bad1.conf"
t_is "$rc" 2 "--check-config refuses [span] overlap_send = perhaps"
t_like "$out" "overlap_send" "and names the key"
printf '[span s]\noverlap_send_digits = 40\n' >"$T_DIR/bad2.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/bad2.conf"
t_is "$rc" 2 "--check-config refuses [span] overlap_send_digits = 40"
t_like "$out" "overlap_send_digits" "and names the key"

if ! command -v tshark >/dev/null; then
	t_done
	echo "# SKIP the rest: tshark is not installed"
	exit 0
fi
ts() { tshark -r "$@" 2>/dev/null; }

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);" >/dev/null || t_fail "provisioning"

# The network: overlap receiving; twelve digits make a number (the called
# numbers go out as E.164 without '+': 442071230016).
"$PSTNSIM" --dchan "$T_DIR/span.d" --audio "$T_DIR/span.b" --overlap --number-length 12 \
	--pcap "$T_DIR/net.pcap" --on-call answer:200 --calls 1 --timeout 60 \
	--json "$T_DIR/sim.json" >"$T_DIR/sim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.d" || t_fail "pstnsim listens"

T_LOG_LEVEL=info daemon_start "[span pstn1]
dchan = $T_DIR/span.d
audio = $T_DIR/span.b
overlap_send = yes
overlap_send_digits = 4
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the span comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans | grep -Eq '^pstn1 .* up '"

t_ok "a SIP call to +442071230016 is answered" run_sipp uac_call.xml u1 -s +442071230016
wait "$SIM_PID"
t_is "$?" 0 "pstnsim exits after its call"
SIM_PID=
sim() { python3 -c "import json; d=json.load(open('$T_DIR/sim.json')); print($1)"; }
t_is "$(sim "d['calls'][0]['called']")" "442071230016" "the network got the called number intact"
t_is "$(sim "d['calls'][0]['info_msgs']")" 8 "in the SETUP and 8 INFORMATION messages"
t_is "$(sim "d['answered']")" 1 "and answered it"
t_like "$(grep 'overlap sending' "$T_DIR/tandemd.log")" "'71230016' in 8 INFORMATION messages" "tandemd logs the digits it sent"

# The capture, as the network saw it.
q931() { ts "$T_DIR/net.pcap" -Y "$1" -T fields -e lapd.direction -e q931.message_type -e q931.called_party_number.digits; }
t_is "$(q931 'q931.message_type == 0x05' | tr '\t' ' ')" "0 0x05 4420" \
	"the SETUP (User->Network) carries the first 4 digits"
t_is "$(ts "$T_DIR/net.pcap" -Y 'q931.message_type == 0x05 && q931.sending_complete' | wc -l)" 0 \
	"without Sending Complete"
t_is "$(q931 'q931.message_type == 0x0d' | cut -f1,2 | tr '\t' ' ')" "1 0x0d" \
	"the network answers SETUP ACKNOWLEDGE (Network->User)"
t_is "$(q931 'q931.message_type == 0x7b' | awk '$1 == 0 { printf "%s", $3; n++ } END { printf " %d", n }')" \
	"71230016 8" "then 8 INFORMATION messages (User->Network), one digit each, in order"
t_is "$(q931 'q931' | cut -f2 | grep -n -m1 -E '^0x0[27]$' | cut -d: -f1)" \
	"$(($(q931 'q931' | cut -f2 | grep -n '^0x7b$' | tail -n1 | cut -d: -f1) + 1))" \
	"the network proceeds only after the last digit"
t_ok "the CDR reaches the database" t_eventually 20 sh -c \
	"[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr') -ge 1 ]"
t_is "$(pg_sql "SELECT callee || ' ' || disposition FROM cdr")" "+442071230016 answered" "the CDR: the callee, answered"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
