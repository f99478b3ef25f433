#!/bin/bash
# The whole cause table both ways, through tandemd, pstnsim and SIPp
# (docs/mapping.md, RFC 3398):
# - SIP -> PSTN: pstnsim refuses each call with a Q.850 cause (a rule per
#   number); the SIP caller must get RFC 3398 7.2.4.1's status for it with
#   Reason: Q.850;cause=N.
# - PSTN -> SIP: pstnsim calls DIDs whose PBX (a SIPp UAS) refuses with a
#   SIP status; pstnsim must get RFC 3398 8.2.6.1's cause for it in the
#   DISCONNECT, or the cause of the UAS's Reason header when it sends one.
# - A per-trunk override (cause_maps) changes one row each way.
# The expected values are the tables below, copied from the RFC, never
# asked of the code under test.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
SIM_PID=

lsan_allow_libpri

cc_cleanup() {
	local rc=$?
	[ -n "$SIM_PID" ] && kill -TERM "$SIM_PID" 2>/dev/null
	(exit "$rc")
	t_cleanup
}
trap cc_cleanup EXIT

# RFC 3398 7.2.4.1 (cause:status). 16 before answer needs a final status:
# 480, as the unspecified cause 31. Causes the RFC does not list map as
# their class's unspecified cause (31, 47, 63, 79, 95, 111, 127; 63 -> 503
# and 95 -> 500: docs/mapping.md): 4, 25 -> 480; 44 -> 503; 50, 63 -> 503;
# 66, 69 -> 501; 90, 95 -> 500; 96, 100, 110 -> 500; 120 -> 500.
# 26 (-> 404) and 81 (-> 500) are cleared by libpri with RELEASE and
# RELEASE COMPLETE instead of DISCONNECT: each is followed by other calls
# on the same channel (the span hunts channel 1 first), so a channel the
# refusing side kept busy would fail them.
Q850_TO_SIP="1:404 2:404 3:404 16:480 17:486 18:408 19:480 20:480 21:403 22:410 23:410 26:404 27:502
	28:484 29:501 31:480 34:503 38:503 41:503 42:503 47:503 55:403 57:403 58:503 65:488 70:488
	79:501 81:500 87:403 88:503 102:504 111:500 127:500
	4:480 25:480 44:503 50:503 63:503 66:501 69:501 90:500 95:500 96:500 100:500 110:500 120:500"

# RFC 3398 8.2.6.1 (status:cause). The three rows without a number in the
# RFC: 487 -> 127, 488 -> 127, 606 -> 58 (docs/mapping.md). Statuses not
# listed count as the x00 of their class (RFC 3261 8.1.3.2): 450, 580 ->
# 41, 650 -> 17.
SIP_TO_Q850="400:41 401:21 402:21 403:21 404:1 405:63 406:79 407:21 408:102 410:22 413:127 414:127
	415:79 416:127 420:127 421:127 423:127 480:18 481:41 482:25 483:25 484:28 485:1 486:17
	487:127 488:127 500:41 501:79 502:38 503:41 504:102 505:127 513:127 600:17 603:21 604:1
	606:58 450:41 580:41 650:17"

# A Reason: Q.850 header from the PBX beats the table (status:cause sent).
# 26 and 81: tandemd clears those with RELEASE / RELEASE COMPLETE; the
# calls after them reuse the channel.
REASONED="486:21 404:26 503:34 500:81 404:3 480:20 500:47"

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }

# Customer acme at 127.0.0.1, everything to PRI trunk pstn; a DID per
# status (+4420799SSS to the plain PBX, +4420798SSSCCC to the one that
# adds Reason: Q.850;cause=CCC).
sql="INSERT INTO customers (id, name, max_cps) VALUES (1, 'acme', 10000);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);"
rules=()
for pair in $Q850_TO_SIP; do
	rules+=(--rule "$(printf '442071231%03d' "${pair%%:*}")=cause:${pair%%:*}")
done
for pair in $SIP_TO_Q850; do
	sql="$sql
	INSERT INTO dids VALUES ('+4420799${pair%%:*}', 1, 'sip:+4420799${pair%%:*}@127.0.0.1:$UAS_PORT');"
done
for pair in $REASONED; do
	n=$(printf '4420798%s%03d' "${pair%%:*}" "${pair##*:}")
	sql="$sql
	INSERT INTO dids VALUES ('+$n', 1, 'sip:+$n@127.0.0.1:$((UAS_PORT + 1))');"
done
pg_sql "$sql" || t_fail "provisioning"

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet "${rules[@]}" \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"

daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
trunk = pstn
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"

# --- SIP -> PSTN: every cause -----------------------------------------

# cause_call CAUSE STATUS: a call to the number pstnsim refuses with CAUSE
# must end in STATUS with Reason: Q.850;cause=CAUSE.
cause_call() {
	# (a cause without a name ends the header: no text follows it)
	sed -e "s/@STATUS@/$2/" -e "s/@CAUSE@/$1/" -e 's/\[^0-9\]"/([^0-9]|$)"/' "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail-$1.xml"
	run_sipp "$T_DIR/fail-$1.xml" u1 -s "$(printf '+442071231%03d' "$1")"
}
bad=
n=0
for pair in $Q850_TO_SIP; do
	n=$((n + 1))
	cause_call "${pair%%:*}" "${pair##*:}" || bad="$bad $pair(got $(grep -Eo 'SIP/2.0 [4-6][0-9][0-9]|Reason: Q.850;cause=[0-9]+' \
		"$T_DIR/sipp-fail-${pair%%:*}.xml-u1.log" | tr '\n' ' '))"
done
t_is "${bad:-none}" none "each of $n causes from the PSTN reaches the SIP caller as its RFC 3398 status with Reason: Q.850;cause=N"

# pstnsim refuses cause 26 with RELEASE and 81 with RELEASE COMPLETE:
# its channel must be free for the very next call (a busy 17, not the
# 503 of a channel refused as busy).
refused_then_busy() { cause_call "$1" "$2" && cause_call 17 486; }
t_ok "after a refusal with cause 26 (RELEASE), the next call on the span is taken (486, cause 17)" refused_then_busy 26 404
t_ok "after a refusal with cause 81 (RELEASE COMPLETE), the next call on the span is taken (486, cause 17)" \
	refused_then_busy 81 500

# dir_reloaded VERSION: the directory was loaded again since VERSION.
dir_version() { ctl status | awk '$1 == "dir_version" { print $2 }'; }
dir_reloaded() { [ "$(dir_version)" -gt "$1" ]; }

# The override: trunk pstn maps cause 17 to 600 (Busy Everywhere).
v=$(dir_version)
"$TANDEMCTL" trunk cause pstn q850_to_sip 17 600 >/dev/null || t_fail "tandemctl trunk cause (q850_to_sip)"
t_ok "the directory reloads with the cause map (NOTIFY)" t_eventually 10 dir_reloaded "$v"
t_ok "with trunk pstn's override, busy (17) reaches the caller as 600 with Reason cause 17" cause_call 17 600
t_ok "causes without an override keep RFC 3398's status" cause_call 34 503

kill -TERM "$SIM_PID"
wait "$SIM_PID"
SIM_PID=
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
t_is "$(json "$T_DIR/sim.json" "d['calls_in']")" "$((n + 6))" "pstnsim refused every call itself"
t_is "$(json "$T_DIR/sim.json" "d['released']")" "$((n + 6))" "pstnsim saw each of them end (its channel free again)"

# --- PSTN -> SIP: every status ----------------------------------------

# The PBX: answers each INVITE with the status in its Request-URI
# (+4420799SSS), with Reason: Q.850;cause=CCC for +4420798SSSCCC (SIPp
# cannot take a response code from a variable). It takes the ACKs and
# exits after COUNT of them.
uas() { # PORT COUNT
	python3 - "$1" "$2" >"$T_DIR/uas-$1.out" 2>&1 <<'EOF' &
import re, socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("ready", flush=True)
s.settimeout(120)
acks = set()
while len(acks) < count:
    data, peer = s.recvfrom(65535)
    msg = data.decode("latin-1")
    head = msg.split("\r\n\r\n", 1)[0].split("\r\n")
    hdr = lambda n: [l for l in head[1:] if l.lower().startswith(n.lower() + ":")]
    callid = hdr("Call-ID")[0]
    if head[0].startswith("ACK "):
        acks.add(callid)
        continue
    m = re.match(r"INVITE sip:\+44207(99|98)(\d{3})(\d{3})?@", head[0])
    if not m:
        continue
    status = m.group(2)
    lines = ["SIP/2.0 %s Refused" % status] + hdr("Via") + hdr("From")
    lines += [hdr("To")[0] + ";tag=pbx" + str(abs(hash(callid)) % 100000), callid] + hdr("CSeq")
    if m.group(3):
        lines.append("Reason: Q.850;cause=%d" % int(m.group(3)))
    lines.append("Content-Length: 0")
    s.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), peer)
    print(head[0], "->", status, flush=True)
EOF
}
# uas_ready PORT: the PBX on PORT listens (before pstnsim calls it).
uas_ready() { t_eventually 10 grep -q '^ready' "$T_DIR/uas-$1.out"; }
nplain=$(echo $SIP_TO_Q850 | wc -w)
nreason=$(echo $REASONED | wc -w)
uas "$UAS_PORT" "$nplain"
UAS1=$!
uas "$((UAS_PORT + 1))" "$nreason"
UAS2=$!
uas_ready "$UAS_PORT" && uas_ready "$((UAS_PORT + 1))" || t_fail "the PBXs listen"

# the originate list: the plain statuses, then the reasoned ones
to=
for pair in $SIP_TO_Q850; do to="$to,004420799${pair%%:*}"; done
for pair in $REASONED; do to="$to,$(printf '004420798%s%03d' "${pair%%:*}" "${pair##*:}")"; done
total=$((nplain + nreason))
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--originate "$total" --to "${to#,}" --from 00442079460000 --concurrency 2 --calls "$total" --timeout 150 \
	--json "$T_DIR/sim2.json" >"$T_DIR/pstnsim2.log" 2>&1
t_is "$?" 0 "pstnsim placed its $total calls and saw them end"
wait "$UAS1"
t_is "$?" 0 "the plain PBX refused its $nplain calls"
wait "$UAS2"
t_is "$?" 0 "the PBX with Reason refused its $nreason calls"

# got: called number -> the cause pstnsim received
got=$(json "$T_DIR/sim2.json" "' '.join('%s:%d' % (c['called'], c['cause']) for c in d['calls'] if c['dir'] == 'out')")
check_causes() { # LIST PREFIX(printf of status, cause)
	local pair want g bad=
	for pair in $1; do
		want=${pair##*:}
		# shellcheck disable=SC2059 # the format is the argument
		num=$(printf "$2" "${pair%%:*}" "$want")
		g=$(echo " $got " | grep -Eo " $num:[0-9]+ " | tr -d ' ')
		[ "${g##*:}" = "$want" ] || bad="$bad $pair(got ${g:-nothing})"
	done
	echo "${bad:-none}"
}
t_is "$(check_causes "$SIP_TO_Q850" '004420799%s%.0s')" none \
	"each of $nplain SIP statuses reaches the PSTN as RFC 3398's cause"
t_is "$(check_causes "$REASONED" '004420798%s%03d')" none \
	"the cause of the PBX's Reason: Q.850 header wins over the table ($nreason statuses)"
# The override the other way: trunk pstn maps 480 to cause 19.
v=$(dir_version)
"$TANDEMCTL" trunk cause pstn sip_to_q850 480 19 >/dev/null || t_fail "tandemctl trunk cause (sip_to_q850)"
t_ok "the directory reloads with the second row" t_eventually 10 dir_reloaded "$v"
# One call at a time, so all on the same channel: tandemd refuses the
# first with cause 26 (RELEASE) and the third with 81 (RELEASE COMPLETE);
# the call after each must get the channel (not cause 44, busy).
uas "$UAS_PORT" 2
UAS1=$!
uas "$((UAS_PORT + 1))" 2
UAS2=$!
uas_ready "$UAS_PORT" && uas_ready "$((UAS_PORT + 1))" || t_fail "the PBXs listen again"
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--originate 4 --to 004420798404026,004420799480,004420798500081,004420799486 --from 00442079460000 \
	--concurrency 1 --calls 4 --timeout 60 --json "$T_DIR/sim3.json" >"$T_DIR/pstnsim3.log" 2>&1
t_is "$?" 0 "pstnsim placed 4 more calls, one at a time"
wait "$UAS1"
t_is "$?" 0 "the plain PBX refused its 2 calls"
wait "$UAS2"
t_is "$?" 0 "the PBX with Reason refused its 2 calls"
got=$(json "$T_DIR/sim3.json" "' '.join('%s:%d' % (c['called'], c['cause']) for c in d['calls'] if c['dir'] == 'out')")
t_is "$(check_causes "404:26 500:81" '004420798%s%03d')" none "tandemd clears with causes 26 and 81 (the PBX's Reason)"
t_is "$(check_causes "480:19" '004420799%s%.0s')" none \
	"with trunk pstn's override, the PBX's 480 reaches the PSTN as cause 19 (on the channel cause 26 left)"
t_is "$(check_causes "486:17" '004420799%s%.0s')" none \
	"486 without an override: still cause 17 (on the channel cause 81 left)"
t_is "$(json "$T_DIR/sim3.json" "sorted(set(c['ch'] for c in d['calls']))")" "[1]" "the 4 calls all took channel 1"

# Every attempt left its CDR with the status and cause seen.
t_ok "the CDRs reach the database" t_eventually 20 sh -c "[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr') -ge $((n + 6 + total + 4)) ]"
t_is "$(pg_sql "SELECT sip_status || ' ' || q850_cause || ' ' || disposition FROM cdr WHERE callee = '+442071231017' ORDER BY id LIMIT 1")" \
	"486 17 busy" "the busy call's CDR: 486, cause 17, busy"
t_is "$(pg_sql "SELECT sip_status || ' ' || q850_cause FROM cdr WHERE callee = '+4420798503034'")" "503 34" \
	"a DID call refused with 503 and Reason cause 34: its CDR keeps both"

t_done
