#!/bin/bash
# The CDR pipeline against a real PostgreSQL: records written with the
# database up land once; records written while it is down are acknowledged
# durable and land once it is back; a writer killed with SIGKILL mid-stream
# loses no acknowledged record, and replay inserts nothing twice; records
# the database refuses are set aside and the rest of their batch lands.
. "$TOP_SRCDIR/tests/lib/harness.sh"

DRV="$TOP_BUILDDIR/tests/integration/cdr_driver"
J="$T_DIR/journal"

pg_start tandem || { t_fail "PostgreSQL cluster starts"; t_done; exit 1; }
t_pass "PostgreSQL cluster starts"
export PGTZ=UTC
t_ok "schema migrated" "$TANDEMCTL" db migrate

rows() { pg_sql "SELECT count(*) FROM cdr WHERE $1"; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
at_least() { [ "$(lines "$1")" -ge "$2" ]; }
# The uuid the driver gives record $1.
uuid_of() { printf '00000000-0000-4000-8000-%012x\n' "$1"; }

# 1. Database up: N records, all in the table once, every column right.
N=400
t_run out rc "$DRV" --dir "$J" --first 0 --count $N --threads 4 --drain 60
t_is "$rc" 0 "$N records appended and drained with the database up"
t_like "$out" "written $N duplicates 0 rejected 0 pending 0" "the writer's counters: $N written, none pending"
t_is "$(rows "call_uuid::text LIKE '00000000-0000-4000-8000-%'")" "$N" "$N rows in table cdr"
t_is "$(rows "true") $(pg_sql "SELECT count(DISTINCT (call_uuid, leg)) FROM cdr")" "$N $N" "each exactly once"
t_is "$(pg_sql "SELECT concat_ws('|', node, direction, customer, ingress, egress, span, channel, caller, callee,
		dialed, start_time, answer_time, end_time, duration_ms, billable_ms, disposition, sip_status, q850_cause,
		hangup_side, codec, sip_call_id, route) FROM cdr WHERE call_uuid = '$(uuid_of 42)'")" \
	"$(printf 'test-node|outbound|acme|acme-pbx|pri-a|span1|13|+442071234567|+4930000042|0049 30 42 '"'"'x'"'"' "y" \\ \t|2023-11-14 22:14:02+00|2023-11-14 22:14:04.345+00|2023-11-14 22:15:04.345+00|62345|60000|answered|200|16|caller|PCMA|call-42@pbx.example.com|+4930 -> pri-a')" \
	"an answered record: every column as appended (ms times, escapes)"
t_is "$(pg_sql "SELECT concat_ws('|', direction, disposition, duration_ms, billable_ms,
		num_nulls(customer, ingress, egress, span, channel, caller, callee, dialed, answer_time, sip_status,
		q850_cause, hangup_side, codec, sip_call_id, route)) FROM cdr WHERE call_uuid = '$(uuid_of 43)'")" \
	"inbound|failed|1500|0|15" "a bare record: its 15 optional columns are NULL"
t_like "$(ls "$J")" "checkpoint" "a checkpoint file records the drained position"

# 2. Database down: M more records are acknowledged durable at once, kept
# in the journal, and written when the database is back.
pg_stop
M=300
"$DRV" --dir "$J" --first 1000 --count $M --threads 4 --ack "$T_DIR/ack2" --drain 120 >"$T_DIR/drv2.log" 2>&1 &
drv=$!
t_ok "$M records acknowledged durable while the database is down" t_eventually 60 at_least "$T_DIR/ack2" $M
sleep 1
t_ok "the writer keeps retrying (process still waiting to drain)" kill -0 $drv
t_like "$(cat "$T_DIR/drv2.log")" "cannot connect to the database: .*(retrying)" "the outage is logged once, with the reason"
pg_restart
wait $drv && rc=0 || rc=$?
t_is "$rc" 0 "after the restart, the backlog drains"
tail -n 5 "$T_DIR/drv2.log" | t_diag
t_is "$(rows "true")" "$((N + M))" "all N+M = $((N + M)) rows present"
t_is "$(pg_sql "SELECT count(DISTINCT (call_uuid, leg)) FROM cdr")" "$((N + M))" "each exactly once"

# 3. SIGKILL mid-stream, then restart: every acknowledged record lands
# exactly once (replay from the checkpoint is idempotent).
"$DRV" --dir "$J" --first 100000 --count 1000000 --threads 8 --slow-us 200 --ack "$T_DIR/ack3" \
	>"$T_DIR/drv3.log" 2>&1 &
drv=$!
t_ok "records flow before the kill" t_eventually 60 at_least "$T_DIR/ack3" 2000
kill -KILL $drv
wait $drv 2>/dev/null
acked=$(lines "$T_DIR/ack3")
t_run out rc "$DRV" --dir "$J" --count 0 --drain 120
t_is "$rc" 0 "a restarted writer replays the journal after the SIGKILL"
t_like "$out" "pending 0" "nothing left pending ($out)"
sort -n "$T_DIR/ack3" | while read -r i; do uuid_of "$i"; done >"$T_DIR/acked"
pg_sql "SELECT call_uuid FROM cdr WHERE call_uuid >= '$(uuid_of 100000)' ORDER BY 1" >"$T_DIR/present"
missing=$(comm -23 <(sort "$T_DIR/acked") <(sort "$T_DIR/present") | wc -l)
t_is "$missing" 0 "all $acked acknowledged records are in the table"
t_is "$(pg_sql "SELECT count(*) - count(DISTINCT (call_uuid, leg)) FROM cdr")" 0 "none twice"
present=$(wc -l <"$T_DIR/present")
t_ok "and nothing that was never written ($present rows >= $acked acked)" [ "$present" -ge "$acked" ]

# 4. Replay what is still in the journal with the checkpoint gone: the
# rows are already there, so nothing is inserted twice.
t_run out rc "$DRV" --dir "$J" --first 5000 --count 50 --drain 60
t_like "$out" "written 50 duplicates 0" "50 more records written"
# Five of them deleted meanwhile: the replay puts back those five only.
before=$(rows "true")
pg_sql "DELETE FROM cdr WHERE call_uuid IN ('$(uuid_of 5000)', '$(uuid_of 5011)', '$(uuid_of 5022)',
	'$(uuid_of 5033)', '$(uuid_of 5049)')" >/dev/null
rm -f "$J/checkpoint"
t_run out rc "$DRV" --dir "$J" --count 0 --drain 120
t_is "$rc" 0 "a replay without a checkpoint drains"
t_like "$out" "written 5 duplicates 45 rejected 0 pending 0" "the 5 missing records written, 45 duplicates ($out)"
t_is "$(rows "true")" "$before" "the table is as before the deletion"
t_is "$(rows "call_uuid IN ('$(uuid_of 5000)', '$(uuid_of 5011)', '$(uuid_of 5022)', '$(uuid_of 5033)',
	'$(uuid_of 5049)')")" 5 "the five are back"
t_is "$(ls "$J" | grep -c '^cdr-.*\.log$')" 1 "drained segments were deleted (one left to append to)"

# 5. The database refuses three records of a batch (a constraint the
# writer's validation does not know): the batch is split, the other rows
# land, and the three are kept in rejected.tsv.
pg_sql "ALTER TABLE cdr ADD CONSTRAINT test_refuse CHECK (callee IS NULL OR
	callee NOT IN ('+4930007010', '+4930007020', '+4930007100')) NOT VALID" >/dev/null
t_run out rc "$DRV" --dir "$J" --first 7000 --count 200 --threads 1 --drain 120
t_is "$rc" 0 "a batch with refused records drains"
t_like "$out" "written 197 duplicates 0 rejected 3 pending 0" "197 written, 3 rejected ($out)"
t_is "$(rows "call_uuid >= '$(uuid_of 7000)' AND call_uuid < '$(uuid_of 7200)'")" 197 "197 of the 200 rows in cdr"
t_is "$(rows "call_uuid IN ('$(uuid_of 7010)', '$(uuid_of 7020)', '$(uuid_of 7100)')")" 0 "none of the refused ones"
t_is "$(cut -f1 "$J/rejected.tsv" | sort | tr '\n' ' ')" "$(uuid_of 7010) $(uuid_of 7020) $(uuid_of 7100) " \
	"rejected.tsv holds the three refused records"
t_like "$(head -n 1 "$J/rejected.tsv")" "	# .*test_refuse" "each with the database's reason"
t_like "$(grep "$(uuid_of 7010)" "$J/rejected.tsv")" "0049 30 7010 'x' \"y\" \\\\\\\\ \\\\t	" \
	"its columns as COPY text (backslash and tab escaped)"
pg_sql "ALTER TABLE cdr DROP CONSTRAINT test_refuse" >/dev/null

t_done
