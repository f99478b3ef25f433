#!/bin/bash
# Failover within a call (docs/calls.md, "Failover and limits"): SIPp
# carriers on loopback addresses behind SIP trunks, pstnsim behind a PRI
# trunk. A member that never answers (the next one is reached after the
# trunk's INVITE timeout), one answering 503 with Retry-After (skipped
# until then), one answering 480 (final: no failover), weighted members,
# and a route from a PRI trunk to a SIP trunk. Each case asserts where
# the calls went, on the carriers' side and in the CDRs.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
BASE=$((40000 + (RANDOM % 10000)))
P_HOLE=$BASE P_503=$((BASE + 1)) P_OK=$((BASE + 2)) P_480=$((BASE + 3)) P_NEXT=$((BASE + 4))
P_W1=$((BASE + 5)) P_W2=$((BASE + 6)) P_BACKUP=$((BASE + 7))
P_SLOW=$((BASE + 8)) P_PLAIN=$((BASE + 9)) P_A=$((BASE + 10)) P_B=$((BASE + 11))

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name, max_calls, max_cps) VALUES (1, 'acme', 1000, 1000);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	-- +1: a dead member, one answering 503 with Retry-After, one that answers
	INSERT INTO trunks (id, name, kind, invite_timeout_ms) VALUES (2, 'carrier', 'sip', 500);
	INSERT INTO trunk_members (id, trunk_id, host, port, priority) VALUES
		(21, 2, '127.0.0.2', $P_HOLE, 10), (22, 2, '127.0.0.3', $P_503, 20), (23, 2, '127.0.0.4', $P_OK, 30);
	-- +33: a member answering 480, then one that must never see a call
	INSERT INTO trunks (id, name, kind) VALUES (3, 'final', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port, priority) VALUES
		(3, '127.0.0.5', $P_480, 10), (3, '127.0.0.6', $P_NEXT, 20);
	-- +49: two members of equal priority and weight
	INSERT INTO trunks (id, name, kind) VALUES (4, 'weighted', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port, priority, weight) VALUES
		(4, '127.0.0.7', $P_W1, 10, 50), (4, '127.0.0.8', $P_W2, 10, 50);
	-- +44: the PRI trunk first, a SIP trunk behind it
	INSERT INTO trunks (id, name, kind) VALUES (5, 'pstn', 'pri'), (6, 'backup', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (6, '127.0.0.9', $P_BACKUP);
	-- +61 and +64: default INVITE timeout; the dead member, then one slow
	-- to ring (+61) or one that answers at once (+64)
	INSERT INTO trunks (id, name, kind) VALUES (7, 'slowring', 'sip'), (8, 'plain', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port, priority) VALUES
		(7, '127.0.0.2', $P_HOLE, 10), (7, '127.0.0.10', $P_SLOW, 20),
		(8, '127.0.0.2', $P_HOLE, 10), (8, '127.0.0.11', $P_PLAIN, 20);
	-- +81: two pinged members; the first dies and comes back
	INSERT INTO trunks (id, name, kind) VALUES (9, 'pinged', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port, priority) VALUES
		(9, '127.0.0.12', $P_A, 10), (9, '127.0.0.13', $P_B, 20);
	INSERT INTO routes (prefix, trunk_id) VALUES ('+1', 2), ('+33', 3), ('+49', 4), ('+61', 7), ('+64', 8), ('+81', 9);
	INSERT INTO routes (prefix, trunk_id, priority) VALUES ('+44', 5, 10), ('+44', 6, 20);
	UPDATE trunks SET ping_interval_s = 0 WHERE kind = 'sip' AND name <> 'pinged'; -- SIPp members play INVITE scenarios: no OPTIONS
	UPDATE trunks SET ping_interval_s = 1, ping_up = 1, ping_down = 2 WHERE name = 'pinged'" ||
	t_fail "provisioning"

# The carriers. The dead member is a UDP socket that reads and never
# answers (it logs each request line); the others are SIPp UAS.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", int(sys.argv[1])))
with open(sys.argv[2], "a") as f:
    while True:
        d, _ = s.recvfrom(65535)
        f.write(d.split(b"\r\n", 1)[0].decode(errors="replace") + "\n")
        f.flush()
' "$P_HOLE" "$T_DIR/hole.log" &
T_KILL_PIDS="$T_KILL_PIDS $!"
uas() { # IP PORT SCENARIO LOG
	sipp -sf "$3" -t u1 -i "$1" -p "$2" -nostdin -trace_msg -message_file "$4" >/dev/null 2>&1 &
	T_KILL_PIDS="$T_KILL_PIDS $!"
}
sed -e 's/@STATUS@/503/' -e 's/@EXTRA@/Retry-After: 4/' "$SIPP_DIR/uas_refuse.xml" >"$T_DIR/uas503.xml"
sed -e 's/@STATUS@/480/' -e '/@EXTRA@/d' "$SIPP_DIR/uas_refuse.xml" >"$T_DIR/uas480.xml"
uas 127.0.0.3 "$P_503" "$T_DIR/uas503.xml" "$T_DIR/m503.log"
uas 127.0.0.4 "$P_OK" "$SIPP_DIR/uas_answer.xml" "$T_DIR/mok.log"
uas 127.0.0.5 "$P_480" "$T_DIR/uas480.xml" "$T_DIR/m480.log"
uas 127.0.0.6 "$P_NEXT" "$SIPP_DIR/uas_answer.xml" "$T_DIR/mnext.log"
uas 127.0.0.7 "$P_W1" "$SIPP_DIR/uas_answer.xml" "$T_DIR/mw1.log"
uas 127.0.0.8 "$P_W2" "$SIPP_DIR/uas_answer.xml" "$T_DIR/mw2.log"
uas 127.0.0.9 "$P_BACKUP" "$SIPP_DIR/uas_answer.xml" "$T_DIR/mbackup.log"
uas 127.0.0.10 "$P_SLOW" "$SIPP_DIR/uas_slow_ring.xml" "$T_DIR/mslow.log"
uas 127.0.0.11 "$P_PLAIN" "$SIPP_DIR/uas_answer.xml" "$T_DIR/mplain.log"
uas 127.0.0.13 "$P_B" "$SIPP_DIR/uas_answer_ping.xml" "$T_DIR/mb.log"
# A: its own PID, for stopping it
sipp -sf "$SIPP_DIR/uas_answer_ping.xml" -t u1 -i 127.0.0.12 -p "$P_A" -nostdin -trace_msg -message_file "$T_DIR/ma.log" >/dev/null 2>&1 &
A_PID=$!
T_KILL_PIDS="$T_KILL_PIDS $A_PID"
invites() { grep -c '^INVITE sip:' "$1" 2>/dev/null || true; }

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule '442071230016=answer:300' --rule '442071230034=congestion' \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"

daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
trunk = pstn
[media]
port_min = $((BASE + 2000))
port_max = $((BASE + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_trunks +8$'"
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"

# A short call (the caller hangs up after 100 ms).
sed 's/<pause milliseconds="1000"\/>/<pause milliseconds="100"\/>/' "$SIPP_DIR/uac_call.xml" >"$T_DIR/uac_short.xml"

# 1. The dead member, then the 503 (Retry-After: 4), then the answer.
t_ok "call 1 to +1 is answered" run_sipp "$T_DIR/uac_short.xml" u1 -s +12125550101
t_ok "the dead member got the INVITE" t_eventually 5 grep -q '^INVITE sip:+12125550101@127.0.0.2' "$T_DIR/hole.log"
t_ok "the 503 member got it next" t_eventually 5 sh -c "[ \$(grep -c '^INVITE sip:+12125550101' '$T_DIR/m503.log') = 1 ]"
t_ok "the third member answered it" t_eventually 5 grep -q '^INVITE sip:+12125550101' "$T_DIR/mok.log"
# 2. At once: the dead member again (a timeout holds nothing back), the
# 503 member skipped (its Retry-After runs).
t_ok "call 2 is answered" run_sipp "$T_DIR/uac_short.xml" u1 -s +12125550102
t_ok "the third member answered call 2" t_eventually 5 grep -q '^INVITE sip:+12125550102' "$T_DIR/mok.log"
t_is "$(grep -c '^INVITE sip:+12125550102' "$T_DIR/m503.log")" 0 "the 503 member was skipped while its Retry-After ran"
t_like "$(grep -c '^INVITE sip:+12125550102' "$T_DIR/hole.log")" "^[1-9]" "the dead member was tried again"
t_is "$(status_field trunk_members_held)" 1 "status: one member held back"
# 3. After the Retry-After: the 503 member is used again.
t_ok "the hold runs out" t_eventually 10 sh -c "[ \"\$('$TANDEMCTL' --socket '$T_CTL_SOCKET' status | awk '\$1 == \"trunk_members_held\" {print \$2}')\" = 0 ]"
t_ok "call 3 is answered" run_sipp "$T_DIR/uac_short.xml" u1 -s +12125550103
t_ok "the 503 member got call 3" t_eventually 5 grep -q '^INVITE sip:+12125550103' "$T_DIR/m503.log"

# 4. A 480 is final: the caller gets it, the next member sees nothing.
sed -e "s/@STATUS@/480/" -e "s/@CAUSE@/18/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail480.xml"
t_ok "a member's 480 reaches the caller (Reason cause 18)" run_sipp "$T_DIR/fail480.xml" u1 -s +33123456789
t_ok "the 480 member got the call" t_eventually 5 grep -q '^INVITE sip:+33123456789' "$T_DIR/m480.log"
t_is "$(invites "$T_DIR/mnext.log")" 0 "no failover on 480: the next member saw nothing"

# 5. Weighted members: over 12 calls, each gets some.
n_ok=0
for i in $(seq 10 21); do
	run_sipp "$T_DIR/uac_short.xml" u1 -s "+4930123456$i" && n_ok=$((n_ok + 1))
done
t_is "$n_ok" 12 "12 calls to the weighted trunk answered"
t_ok "the members' logs have every call" t_eventually 5 sh -c "[ \$((\$(grep -c '^INVITE sip:' '$T_DIR/mw1.log' || true) + \$(grep -c '^INVITE sip:' '$T_DIR/mw2.log' || true))) = 12 ]"
w1=$(invites "$T_DIR/mw1.log") w2=$(invites "$T_DIR/mw2.log")
echo "# weighted 50/50 over 12 calls: $w1 and $w2"
t_ok "both equal-weight members took calls ($w1, $w2)" test "$w1" -gt 0 -a "$w2" -gt 0

# 6. A PRI trunk, then a SIP trunk: congestion on the PRI side (cause 34)
# moves the call to the SIP trunk; an answered PRI call never reaches it.
t_ok "congestion on the PRI trunk: the SIP trunk answers" run_sipp "$T_DIR/uac_short.xml" u1 -s +442071230034
t_ok "the backup carrier got it" t_eventually 5 grep -q '^INVITE sip:+442071230034@127.0.0.9' "$T_DIR/mbackup.log"
t_ok "a call the PRI trunk answers" run_sipp "$T_DIR/uac_short.xml" u1 -s +442071230016
t_is "$(grep -c '^INVITE sip:+442071230016' "$T_DIR/mbackup.log")" 0 "does not reach the SIP trunk"

# 7. Default settings (INVITE timeout 1 s, until the first response). A
# dead member, then one that answers at once: the failover figure. A dead
# member, then one that sends 100 Trying and rings only after 2.5 s: no
# failover away from it (it is alive).
t_ok "call to +64 over a dead member is answered" run_sipp "$T_DIR/uac_short.xml" u1 -s +6491234567
t_ok "the member after the dead one answered it" t_eventually 5 grep -q '^INVITE sip:+6491234567@127.0.0.11' "$T_DIR/mplain.log"
t_ok "call to +61 (the member slow to ring) is answered" run_sipp "$T_DIR/uac_short.xml" u1 -s +6191234567
t_ok "by the slow member" t_eventually 5 grep -q '^INVITE sip:+6191234567@127.0.0.10' "$T_DIR/mslow.log"

# 8. Health and failover: calls skip a member the pings found down, and
# use it again once it is back.
member_health() { ctl --json trunks | python3 -c "import json,sys
print(''.join(r['health'] for r in json.load(sys.stdin)['trunk_members'] if r['member'].startswith('$1/')))"; }
member_is() { [ "$(member_health "$1")" = "$2" ]; }
t_ok "pinged member A is up" t_eventually 15 member_is "127.0.0.12:$P_A" up
t_ok "pinged member B is up" t_eventually 15 member_is "127.0.0.13:$P_B" up
t_ok "call 1 to +81 is answered" run_sipp "$T_DIR/uac_short.xml" u1 -s +81312340001
t_ok "by A, the first member" t_eventually 5 grep -q '^INVITE sip:+81312340001@127.0.0.12' "$T_DIR/ma.log"
t_is "$(grep -c '^INVITE sip:+81312340001' "$T_DIR/mb.log")" 0 "B did not see it"
kill -STOP "$A_PID"
t_ok "A stops answering: the pings mark it down" t_eventually 15 member_is "127.0.0.12:$P_A" down
timeouts=$(status_field calls_member_timeouts)
t_ok "call 2 to +81 is answered while A is down" run_sipp "$T_DIR/uac_short.xml" u1 -s +81312340002
t_ok "by B" t_eventually 5 grep -q '^INVITE sip:+81312340002@127.0.0.13' "$T_DIR/mb.log"
t_is "$(status_field calls_member_timeouts)" "$timeouts" "no INVITE timed out on A: the call never went there"
kill -CONT "$A_PID"
t_ok "A answers again: the pings mark it up" t_eventually 15 member_is "127.0.0.12:$P_A" up
t_ok "call 3 to +81 is answered" run_sipp "$T_DIR/uac_short.xml" u1 -s +81312340003
t_ok "by A again" t_eventually 5 grep -q '^INVITE sip:+81312340003@127.0.0.12' "$T_DIR/ma.log"
t_is "$(grep -c '^INVITE sip:+81312340002' "$T_DIR/ma.log")" 0 "A never received call 2 (nothing was queued for it)"

# The CDRs: one per attempt.
t_ok "the CDRs reach the database" t_eventually 20 sh -c "[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c \"SELECT count(*) FROM cdr WHERE callee = '+442071230016'\") = 1 ]"
t_is "$(pg_sql "SELECT string_agg(leg || ':' || disposition || ':' || coalesce(sip_status, 0) || ':' || coalesce(q850_cause, 0) || ':' || split_part(route, ' via ', 2), ' ' ORDER BY leg) FROM cdr WHERE callee = '+12125550101'")" \
	"1:failed:408:102:127.0.0.2 2:failed:503:41:127.0.0.3 3:answered:200:16:127.0.0.4" \
	"call 1: the timeout (408, cause 102), the 503 (cause 41), the answer, each its own CDR leg"
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE callee = '+12125550102' AND route LIKE '%127.0.0.3'")" 0 "call 2 has no leg for the held member"
t_is "$(pg_sql "SELECT string_agg(egress || ':' || disposition || ':' || coalesce(q850_cause, 0), ' ' ORDER BY leg) FROM cdr WHERE callee = '+442071230034'")" \
	"pstn:failed:34 backup:answered:16" "the PRI attempt's CDR (cause 34), then the SIP trunk's"
t_is "$(pg_sql "SELECT string_agg(disposition || ':' || sip_status, ' ') FROM cdr WHERE callee = '+33123456789'")" \
	"no_answer:480" "the 480 call: one leg"
ms=$(pg_sql "SELECT (extract(epoch FROM max(answer_time)) - extract(epoch FROM min(start_time))) * 1000 FROM cdr WHERE callee = '+12125550101'")
echo "# failover over a dead member (invite_timeout_ms 500) and a 503: first INVITE to the answer via the third member: ${ms%.*} ms"

t_is "$(pg_sql "SELECT string_agg(leg || ':' || disposition || ':' || coalesce(sip_status, 0) || ':' || split_part(route, ' via ', 2), ' ' ORDER BY leg) FROM cdr WHERE callee = '+6491234567'")" \
	"1:failed:408:127.0.0.2 2:answered:200:127.0.0.11" "+64: the dead member's timeout, then the answer"
t_is "$(pg_sql "SELECT string_agg(leg || ':' || disposition || ':' || coalesce(sip_status, 0) || ':' || split_part(route, ' via ', 2), ' ' ORDER BY leg) FROM cdr WHERE callee = '+6191234567'")" \
	"1:failed:408:127.0.0.2 2:answered:200:127.0.0.10" "+61: the dead member's timeout, then the slow member kept (its 100 Trying stopped the timer)"
t_is "$(pg_sql "SELECT count(*) || ':' || max(split_part(route, ' via ', 2)) FROM cdr WHERE callee = '+81312340002'")" \
	"1:127.0.0.13" "+81 call 2: one leg, to B (A, down, was not tried)"
ms=$(pg_sql "SELECT (extract(epoch FROM max(answer_time)) - extract(epoch FROM min(start_time))) * 1000 FROM cdr WHERE callee = '+6491234567'")
echo "# failover with default settings over a dead member: first INVITE to the answer via the next member: ${ms%.*} ms"
t_is "$(status_field calls_member_timeouts)" 5 "status: five INVITE timeouts (the dead member: calls 1 to 3, +61, +64)"
t_like "$(status_field calls_failovers)" "^[1-9]" "status: failovers counted"
t_is "$(status_field calls_limit_holds)" 0 "no limit held after the calls"
kill -TERM "$SIM_PID"
wait "$SIM_PID"
daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
