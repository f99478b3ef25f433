#!/bin/bash
# CDR durability through the real daemon and database under SIPp load:
# customer calls (SIPp UAC) to a carrier's SIP trunk (a SIPp UAS at
# 127.0.0.2), each completed call's Call-ID logged by SIPp and matched
# against table cdr (docs/cdr.md).
#  A. PostgreSQL stopped mid-run, then started: calls go on, the status
#     shows the backlog and its age, the alarm is logged and cleared, and
#     afterwards every completed call has exactly one row.
#  B. kill -9 of tandemd mid-run while PostgreSQL is down (a backlog in the
#     journal), restarted on the same journal: the backlog is found again
#     and written; every call completed before the kill has one row.
#  C. kill -9 mid-run with PostgreSQL up: the same.
#  D. [cdr] enabled = no: calls complete, nothing is written.
. "$TOP_SRCDIR/tests/lib/harness.sh"

RATE=25      # calls per second
LIMIT=40     # at most this many calls at once
HOLD_MS=300  # each call is answered at once and held this long
UAS_PORT=$((40000 + (RANDOM % 10000)))

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
# Load: the customer's limits (default 10 calls, 5 per second) lifted.
pg_sql "INSERT INTO customers (id, name, max_calls, max_cps) VALUES (1, 'acme', 100000, 10000);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (2, 'carrier', 'sip');
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, '127.0.0.2', $UAS_PORT);
	INSERT INTO routes (prefix, trunk_id) VALUES ('+1', 2);
	UPDATE trunks SET ping_interval_s = 0 WHERE kind = 'sip'; -- SIPp members play INVITE scenarios: no OPTIONS" >/dev/null || t_fail "provisioning"

# The alarm after 2 s, so that an outage of a few seconds raises it.
daemon_start "alarm_after = 2" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"

# The carrier: answers every call, for the whole test.
sipp -sf "$SIPP_DIR/uas_load.xml" -t u1 -i 127.0.0.2 -p "$UAS_PORT" -nostdin -trace_err \
	-error_file "$T_DIR/uas-errors.log" >"$T_DIR/uas.out" 2>&1 &
UAS_PID=$!
T_KILL_PIDS="$UAS_PID"

# uac_start NAME CALLS: the customer's PBX places CALLS calls in the
# background ($UAC_PID); completed calls' Call-IDs go to $T_DIR/NAME.done.
uac_start() {
	: >"$T_DIR/$1.done"
	sipp -sf "$SIPP_DIR/uac_load.xml" -t u1 -i 127.0.0.1 -p $((UAS_PORT + 1)) -s +12125550100 \
		-m "$2" -r "$RATE" -l "$LIMIT" -d "$HOLD_MS" -recv_timeout 10000 -timeout 100s -nostdin \
		-trace_logs -log_file "$T_DIR/$1.done" -trace_err -error_file "$T_DIR/$1.errors" \
		"127.0.0.1:$T_SIP_PORT" >"$T_DIR/$1.out" 2>&1 &
	UAC_PID=$!
	T_KILL_PIDS="$UAS_PID $UAC_PID"
}
completed() { wc -l <"$T_DIR/$1.done"; }
completed_at_least() { [ "$(completed "$1")" -ge "$2" ]; }
field_is() { [ "$(status_field "$1")" = "$2" ]; }
field_gt() { [ "$(status_field "$1")" -gt "$2" ] 2>/dev/null; }
log_has() { grep -Eq -- "$1" "$T_DIR/tandemd.log"; }

# rows_of FILE: for each Call-ID in FILE, how many rows table cdr has;
# prints "N calls, M with exactly one row" and lists the others.
rows_of() {
	local list
	list=$(sed "s/.*/'&'/" "$1" | paste -sd, -)
	pg_sql "CREATE TEMP TABLE done (id text);
		INSERT INTO done SELECT unnest(ARRAY[$list]::text[]);
		SELECT count(*) || ' calls, ' || count(*) FILTER (WHERE n = 1) || ' with exactly one row'
		FROM (SELECT d.id, count(c.id) AS n FROM done d LEFT JOIN cdr c ON c.sip_call_id = d.id
		      GROUP BY d.id) x;
		SELECT 'call ' || d.id || ': ' || count(c.id) || ' rows' FROM done d
		LEFT JOIN cdr c ON c.sip_call_id = d.id GROUP BY d.id HAVING count(c.id) <> 1 LIMIT 5;"
}
# check_rows FILE DESC: every Call-ID in FILE has exactly one row.
check_rows() {
	local n out
	n=$(wc -l <"$1")
	out=$(rows_of "$1")
	t_is "$(printf '%s\n' "$out" | head -n 1)" "$n calls, $n with exactly one row" "$2"
	printf '%s\n' "$out" | tail -n +2 | t_diag
}

# freeze_and_kill NAME: SIPp is frozen first, so that the calls it has
# completed are fixed; tandemd answers a BYE before the call's CDR is
# durable (a few ms later), so the kill waits until every CDR the daemon
# has made is journaled. Calls are still live when it dies. The calls
# completed before the kill go to $T_DIR/NAME.before.
freeze_and_kill() {
	kill -STOP "$UAC_PID" "$UAS_PID"
	t_ok "$1: every CDR tandemd made is journaled" t_eventually 10 sh -c "
		s=\$('$TANDEMCTL' --socket '$T_CTL_SOCKET' status)
		[ \"\$(echo \"\$s\" | awk '\$1 == \"calls_cdrs\" {print \$2}')\" = \
		  \"\$(echo \"\$s\" | awk '\$1 == \"cdr_journaled\" {print \$2}')\" ]"
	LIVE=$(status_field calls_live)
	PENDING=$(status_field cdr_pending)
	cp "$T_DIR/$1.done" "$T_DIR/$1.before"
	daemon_kill9
}

# --- A: the database goes away mid-run and comes back --------------------
uac_start a 250
t_ok "A: calls flow" t_eventually 30 completed_at_least a 50
pg_stop
n=$(completed a)
t_ok "A: with PostgreSQL stopped, the status says the database is down" t_eventually 20 field_is cdr_db down
t_ok "A: CDRs are pending" t_eventually 10 field_gt cdr_pending 0
t_ok "A: the oldest pending CDR's age counts up" t_eventually 10 field_gt cdr_pending_age_s 0
t_ok "A: the journal takes room on disk" field_gt cdr_journal_bytes 0
t_ok "A: the alarm is logged once the oldest record has waited 2 s" t_eventually 15 log_has \
	"CDR alarm: [1-9][0-9]* records waiting, oldest [2-9][0-9]* s, database: .+"
t_like "$(grep 'CDR alarm:' "$T_DIR/tandemd.log" | head -n 1)" "database: .*(connect|server|terminat|closed)" \
	"A: the alarm names the database's error"
t_ok "A: calls go on while the database is down" t_eventually 20 completed_at_least a $((n + 50))
t_ok "A: the outage lasts (oldest record 5 s old)" t_eventually 20 field_gt cdr_pending_age_s 4
t_is "$(grep -c 'CDR alarm:' "$T_DIR/tandemd.log")" 1 "A: the alarm is logged once, not every second"
pg_restart || t_fail "A: PostgreSQL starts again"
t_ok "A: the alarm clears once the backlog is written" t_eventually 30 log_has "CDR alarm cleared after [0-9]+ s"
wait "$UAC_PID"
t_is "$?" 0 "A: SIPp completed every call, none failed"
t_is "$(completed a)" 250 "A: 250 calls completed"
t_ok "A: nothing left pending" t_eventually 30 field_is cdr_pending 0
t_is "$(status_field cdr_pending_age_s) $(status_field cdr_db)" "0 up" "A: age 0, database up"
check_rows "$T_DIR/a.done" "A: every completed call has exactly one row (by Call-ID)"
t_is "$(pg_sql "SELECT count(*) FROM cdr")" 250 "A: and no other row"

# --- B: kill -9 while the database is down --------------------------------
pg_stop
uac_start b 250
t_ok "B: calls flow" t_eventually 30 completed_at_least b 60
t_ok "B: the database is down and CDRs are pending" t_eventually 20 sh -c \
	"'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^cdr_db +down'"
freeze_and_kill b
t_ok "B: calls were live at the kill ($LIVE)" [ "$LIVE" -gt 0 ]
t_ok "B: a backlog was in the journal at the kill ($PENDING)" [ "$PENDING" -gt 0 ]
daemon_restart || { t_fail "B: tandemd restarts on the same journal"; t_done; exit 1; }
t_is "$(status_field cdr_pending)" "$PENDING" "B: the restarted daemon finds the whole backlog to replay"
t_ok "B: its age is known (older than 0 s)" t_eventually 10 field_gt cdr_pending_age_s 0
# A daemon started without its database has no routing data yet (calls
# get 503): the database comes back before the calls go on.
pg_restart || t_fail "B: PostgreSQL starts again"
t_ok "B: the routing directory is loaded" t_eventually 20 field_is dir_state ready
kill -CONT "$UAC_PID" "$UAS_PID"
n=$(completed b)
t_ok "B: calls go on through the restarted daemon" t_eventually 30 completed_at_least b $((n + 30))
wait "$UAC_PID"
t_ok "B: the restarted daemon writes everything (pending 0)" t_eventually 30 field_is cdr_pending 0
check_rows "$T_DIR/b.before" "B: every call completed before the kill has exactly one row"
check_rows "$T_DIR/b.done" "B: and every call completed at all ($(completed b) of 250)"

# --- C: kill -9 with the database up ---------------------------------------
uac_start c 200
t_ok "C: calls flow" t_eventually 30 completed_at_least c 60
freeze_and_kill c
t_ok "C: calls were live at the kill ($LIVE)" [ "$LIVE" -gt 0 ]
daemon_restart || { t_fail "C: tandemd restarts on the same journal"; t_done; exit 1; }
kill -CONT "$UAC_PID" "$UAS_PID"
wait "$UAC_PID"
t_ok "C: the restarted daemon writes everything (pending 0)" t_eventually 30 field_is cdr_pending 0
check_rows "$T_DIR/c.before" "C: every call completed before the kill has exactly one row"
check_rows "$T_DIR/c.done" "C: and every call completed at all ($(completed c) of 200)"
t_ok "C: calls completed after the restart" [ "$(completed c)" -gt "$(wc -l <"$T_DIR/c.before")" ]

# Across the whole test: no record written twice, no call billed twice.
t_is "$(pg_sql "SELECT count(*) - count(DISTINCT (call_uuid, leg)) FROM cdr")" 0 "no (call_uuid, leg) twice"
t_is "$(pg_sql "SELECT count(*) FROM (SELECT sip_call_id FROM cdr GROUP BY 1 HAVING count(*) > 1) d")" 0 \
	"no Call-ID with two rows"
t_is "$(grep -c 'journal.*torn\|unreadable' "$T_DIR/tandemd.log")" 0 "no journal damage reported"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"

# --- D: [cdr] enabled = no (for measurements only) -------------------------
journal_size() { cat "$T_DIR"/spool/cdr/cdr-*.log 2>/dev/null | wc -c; }
rows=$(pg_sql "SELECT count(*) FROM cdr")
size=$(journal_size)
daemon_start "enabled = no" || { t_fail "D: tandemd starts with CDRs off"; t_done; exit 1; }
t_ok "D: a loud warning at start" log_has "enabled = no: NO CDRs WILL BE WRITTEN"
t_is "$(status_field cdr_enabled) $(status_field cdr_db)" "no disabled" "D: the status says CDRs are off"
t_ok "D: the routing directory is loaded" t_eventually 10 field_is dir_state ready
uac_start d 20
wait "$UAC_PID"
t_is "$?" 0 "D: calls complete without CDRs"
t_is "$(status_field calls_cdrs)" 20 "D: the call layer made its 20 records"
daemon_stop
t_is "$T_DAEMON_RC" 0 "D: SIGTERM: clean exit 0"
t_is "$(journal_size)" "$size" "D: none was journaled"
t_is "$(pg_sql "SELECT count(*) FROM cdr")" "$rows" "D: none reached the database"
kill -TERM "$UAS_PID"
wait "$UAS_PID" 2>/dev/null
t_done
