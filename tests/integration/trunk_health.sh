#!/bin/bash
# The trunk manager (docs/trunks.md) against SIPp carriers: registration
# with digest credentials (a registrar that challenges and checks them),
# the registrar's Expires honoured and refreshed, refusal counted to an
# alarm and a stop, resumption when the credentials change; OPTIONS pings
# with up/down hysteresis for a member that answers, one that never does,
# one that answers 503, and one that stops and comes back, also while the
# database is stalled; every change in trunk_events and trunk_state;
# tandemctl trunks as a table and as JSON. No restart anywhere.
. "$TOP_SRCDIR/tests/lib/harness.sh"

BASE=$((30000 + (RANDOM % 20000)))
REG_PORT=$BASE       # the registrar
PONG_PORT=$((BASE + 2)) # answers OPTIONS 200, stopped and resumed later
DEAD_PORT=$((BASE + 4)) # a socket that reads nothing
BUSY_PORT=$((BASE + 6)) # answers OPTIONS 503
NEW_PORT=$((BASE + 8))  # a member added while running
USER=tandem-gw # what tests/sipp/registrar_auth.xml accepts
PASS=right-pass

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# member_field TRUNK HOSTPORT COLUMN: one cell of tandemctl trunks --json
member_field() {
	ctl --json trunks | python3 -c "import json,sys
d=json.load(sys.stdin)
print(''.join(r['$3'] for r in d['trunk_members'] if r['trunk']=='$1' and r['member'].startswith('$2/')))"
}
member_is() { [ "$(member_field "$1" "$2" health)" = "$3" ]; }
sql_is() { [ "$(pg_sql "$1")" = "$2" ]; }
trunk_reg_is() { [ "$(ctl --json trunks | json "[r['registration'] for r in d['trunks'] if r['trunk']=='$1'][0]")" = "$2" ]; }

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }

sipp -sf "$SIPP_DIR/registrar_auth.xml" -t u1 -i 127.0.0.1 -p "$REG_PORT" -key expires 4 \
	-m 100000 -nostdin -trace_msg -message_file "$T_DIR/registrar.log" >"$T_DIR/registrar.out" 2>&1 &
REG_PID=$!
sipp -sf "$SIPP_DIR/options_answer.xml" -t u1 -i 127.0.0.1 -p "$PONG_PORT" \
	-m 100000 -nostdin >"$T_DIR/pong.out" 2>&1 &
PONG_PID=$!
sed 's/SIP\/2.0 200 Pong/SIP\/2.0 503 Pong/' "$SIPP_DIR/options_answer.xml" >"$T_DIR/options_503.xml"
sipp -sf "$T_DIR/options_503.xml" -t u1 -i 127.0.0.1 -p "$BUSY_PORT" \
	-m 100000 -nostdin >"$T_DIR/busy.out" 2>&1 &
BUSY_PID=$!
python3 -c "import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',$DEAD_PORT)); time.sleep(3600)" &
DEAD_PID=$!
T_KILL_PIDS="$REG_PID $PONG_PID $BUSY_PID $DEAD_PID"

# Pings every second, up after 2 answers, down after 3 failures. The
# registering trunk pings nothing (its registrar does not answer OPTIONS).
"$TANDEMCTL" trunk add carrier --kind sip --member "127.0.0.1:$REG_PORT" --register --register-expires 60 \
	--auth-user "$USER" --auth-password "$PASS" --ping-interval 0 >/dev/null || t_fail "trunk carrier added"
"$TANDEMCTL" trunk add health --kind sip --member "127.0.0.1:$PONG_PORT" --member "127.0.0.1:$DEAD_PORT" \
	--member "127.0.0.1:$BUSY_PORT" --ping-interval 1 --ping-up 2 --ping-down 3 --max-calls 30 >/dev/null ||
	t_fail "trunk health added"
"$TANDEMCTL" trunk add pstn --kind pri >/dev/null || t_fail "trunk pstn added"

daemon_start "[trunks]
retry_min = 200ms
retry_max = 1s
register_jitter = 100ms
reject_limit = 3" || { t_fail "tandemd starts"; t_done; exit 1; }

# --- Registration ---------------------------------------------------------
t_ok "the trunk registers with the right credentials" t_eventually 15 trunk_reg_is carrier registered
t_like "$(cat "$T_DIR/registrar.log")" "Expires: 60" "the REGISTER asks for register_expires (60 s)"
t_like "$(cat "$T_DIR/registrar.log")" 'Authorization: Digest username="tandem-gw", realm="carrier.test"' \
	"it answers the challenge with the trunk's user in the registrar's realm"
t_like "$(cat "$T_DIR/tandemd.log")" "carrier registered with 127.0.0.1:$REG_PORT/udp for 4 s \(asked 60\)" \
	"the registrar's 4 s are honoured (logged)"
# Refreshed at half of the 4 s granted: more 200s come without anything changing.
ok_count() { grep -c "^SIP/2.0 200 OK" "$T_DIR/registrar.log"; }
t_ok "the registration is refreshed before it runs out (3 or more 200s in 8 s)" t_eventually 8 sh -c \
	"[ \$(grep -c '^SIP/2.0 200 OK' '$T_DIR/registrar.log') -ge 3 ]"
t_like "$(cat "$T_DIR/tandemd.log")" "carrier registration refreshed for 4 s" "refreshes are logged"
# RFC 3261 10.2: one Call-ID for every REGISTER to this registrar, CSeq one
# higher each time (nua's answer to a challenge included).
reg_seq() {
	python3 - "$T_DIR/registrar.log" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
ids, seqs = set(), []
for m in re.finditer(r"^REGISTER sip:.*?(?=^\s*$)", text, re.M | re.S):
    block = m.group(0)
    cid = re.search(r"^(?:Call-ID|i):\s*(\S+)", block, re.M | re.I)
    cs = re.search(r"^CSeq:\s*(\d+)\s+REGISTER", block, re.M | re.I)
    if cid and cs:
        ids.add(cid.group(1))
        seqs.append(int(cs.group(1)))
inc = all(b > a for a, b in zip(seqs, seqs[1:]))
print(len(ids), len(seqs) >= 4, inc)
PY
}
t_is "$(reg_seq)" "1 True True" "every REGISTER so far has the same Call-ID and a higher CSeq than the one before"
t_is "$(pg_sql "SELECT count(*) FROM trunk_events WHERE what = 'registered'")" 1 \
	"one 'registered' event: refreshes are not changes"

# Wrong password: three 403s, then the alarm and a stop.
ctl trunk set carrier --auth-user "$USER" --auth-password wrong-pass >/dev/null || t_fail "password changed"
t_ok "wrong credentials: rejected after 3 refusals" t_eventually 15 trunk_reg_is carrier rejected
t_like "$(cat "$T_DIR/tandemd.log")" "ALARM: carrier: registration refused 3 times in a row \(last: 403 Forbidden from 127.0.0.1:$REG_PORT/udp\)" \
	"the alarm line names the trunk, the count and the answer"
n403=$(grep -c "^SIP/2.0 403" "$T_DIR/registrar.log")
t_is "$n403" 3 "exactly three refused attempts"
sleep 2
t_is "$(grep -c "^SIP/2.0 403" "$T_DIR/registrar.log")" 3 "nothing more is sent once rejected"
t_ok "trunk_events: rejected" t_eventually 5 sql_is "SELECT count(*) FROM trunk_events e JOIN trunks t ON t.id = e.trunk_id WHERE t.name = 'carrier' AND what = 'rejected' AND node = 'test-node'" 1
t_is "$(pg_sql "SELECT s.registration FROM trunk_state s JOIN trunk_members m ON m.id = s.member_id WHERE m.port = $REG_PORT")" \
	rejected "trunk_state: the registrar member's registration is 'rejected'"

# The right password again: resumes without a restart.
ctl trunk set carrier --auth-user "$USER" --auth-password "$PASS" >/dev/null || t_fail "password changed back"
t_ok "new credentials: registering resumes and succeeds" t_eventually 15 trunk_reg_is carrier registered
t_ok "trunk_events: registered twice now" t_eventually 5 sql_is "SELECT count(*) FROM trunk_events WHERE what = 'registered'" 2
t_is "$(reg_seq)" "1 True True" "the same Call-ID through the refusals and the resumption, CSeq still rising"

# --- Health ---------------------------------------------------------------
t_ok "the member answering OPTIONS is up" t_eventually 10 member_is health "127.0.0.1:$PONG_PORT" up
t_ok "the member that never answers is down" t_eventually 10 member_is health "127.0.0.1:$DEAD_PORT" down
t_ok "the member answering 503 is down (alive_codes leave 503 out)" t_eventually 10 member_is health "127.0.0.1:$BUSY_PORT" down
t_like "$(member_field health "127.0.0.1:$DEAD_PORT" why)" "no answer to OPTIONS within 1 s" "why: no answer"
t_like "$(member_field health "127.0.0.1:$BUSY_PORT" why)" "^503 Pong to OPTIONS" "why: the 503"
t_like "$(member_field health "127.0.0.1:$PONG_PORT" rtt_ms)" "^[0-9]+$" "the up member has a round-trip time"
t_like "$(cat "$T_DIR/tandemd.log")" "health member 127.0.0.1:$DEAD_PORT/udp is down \(was unknown\): no answer to OPTIONS within 1 s, 3 failure\(s\) in a row" \
	"the change is one log line"

# The answering member stops (and the database stalls meanwhile: the loop
# must not wait for it), then comes back.
pg_freeze
kill -STOP "$PONG_PID"
t_ok "stopped: down after ping_down failed pings" t_eventually 10 member_is health "127.0.0.1:$PONG_PORT" down
t_ok "the daemon answers while the database is stalled" ctl status
t_like "$(status_field db_writes_queued)" "^[1-9]" "the change waits in the store's queue"
pg_thaw
kill -CONT "$PONG_PID"
t_ok "answering again: up after ping_up answers" t_eventually 10 member_is health "127.0.0.1:$PONG_PORT" up
t_ok "every change reached the database" t_eventually 10 sql_is "SELECT string_agg(what, ',' ORDER BY e.id) FROM trunk_events e JOIN trunk_members m ON m.id = e.member_id WHERE m.port = $PONG_PORT" up,down,up
t_is "$(pg_sql "SELECT string_agg(what, ',') FROM trunk_events e JOIN trunk_members m ON m.id = e.member_id WHERE m.port = $DEAD_PORT")" \
	down "the dead member: one 'down' event"
t_is "$(pg_sql "SELECT health || ' ' || node FROM trunk_state s JOIN trunk_members m ON m.id = s.member_id WHERE m.port = $PONG_PORT")" \
	"up test-node" "trunk_state: the member is up, seen from this node"
t_is "$(pg_sql "SELECT count(*) FROM trunk_state s JOIN trunk_members m ON m.id = s.member_id WHERE m.port = $DEAD_PORT AND health = 'down' AND reason LIKE 'no answer%'")" \
	1 "trunk_state: the dead member is down, with why"

# --- Members added and removed while running --------------------------------
ctl trunk member add health "127.0.0.1:$NEW_PORT" >/dev/null || t_fail "member added"
t_ok "a member added while running is pinged (down: nothing there)" t_eventually 10 member_is health "127.0.0.1:$NEW_PORT" down
ctl trunk member del health "127.0.0.1:$NEW_PORT" >/dev/null || t_fail "member deleted"
t_ok "a member deleted while running is gone" t_eventually 10 sh -c "! '$TANDEMCTL' --socket '$T_CTL_SOCKET' trunks | grep -q ':$NEW_PORT/'"

# --- The views ---------------------------------------------------------------
out=$(ctl trunks)
t_like "$out" "^trunk +kind +enabled +members_up +members +registration +calls +max_calls +max_cps" "tandemctl trunks: the trunks table"
t_like "$out" "
carrier +sip +yes +0 +1 +registered +0 +none +none" "carrier: registered, pings off (0 up of 1)"
t_like "$out" "
health +sip +yes +1 +3 +none +0 +30 +none" "health: 1 member up of 3, max_calls 30"
t_like "$out" "
pstn +pri +yes +0 +0 +none +0 " "a PRI trunk is listed too"
t_like "$out" "trunk +member +health +why +since +rtt_ms +registration" "and the members table"
t_like "$out" "carrier +127.0.0.1:$REG_PORT/udp +unknown +pings off .* registered" "the registrar member: pings off, registered"
t_is "$(ctl --json trunks | json "sorted(d.keys()), len(d['trunk_members'])")" "['trunk_members', 'trunks'] 4" \
	"tandemctl --json trunks: both tables, four members"
t_is "$(ctl --json status | json "[r['health'] for r in d['trunk_members'] if r['member'].startswith('127.0.0.1:$DEAD_PORT/')][0]")" \
	down "tandemctl status carries the same tables"
t_like "$("$TANDEMCTL" --help)" "trunks +show the trunks' health and registration" "tandemctl --help lists trunks"

# Registration turned off: unregistered (and recorded).
ctl trunk set carrier --no-register >/dev/null || t_fail "registration off"
t_ok "registration off: the trunk unregisters" t_eventually 10 trunk_reg_is carrier none
t_ok "an un-REGISTER (Expires: 0) reached the registrar" t_eventually 5 grep -q "^Expires: 0" "$T_DIR/registrar.log"
t_ok "trunk_events: unregistered" t_eventually 5 sql_is "SELECT count(*) FROM trunk_events WHERE what = 'unregistered'" 1

daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd stops cleanly"
t_done
