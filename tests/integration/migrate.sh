#!/bin/bash
# tandemctl db migrate/status against a real PostgreSQL: versions, idempotence,
# failed migrations roll back, edited migrations are refused, constraints hold.
. "$TOP_SRCDIR/tests/lib/harness.sh"

pg_start tandem || { t_fail "PostgreSQL cluster starts"; t_done; exit 1; }
t_pass "PostgreSQL cluster starts"
TC="$TANDEMCTL"

t_run out rc "$TC" db status
t_is "$rc" 0 "db status on an empty database exits 0"
t_like "$out" "schema version 0 of [0-9]+: migrations pending" "empty database: version 0, pending"

t_run out rc "$TC" db migrate
t_is "$rc" 0 "db migrate exits 0"
t_like "$out" "applied 001_core" "db migrate names each migration it applies"
t_like "$out" "schema version 0 -> [1-9]" "db migrate reports the version change"

t_run out rc "$TC" db status
t_like "$out" "^1 +001_core +[0-9TZ:-]+ +applied" "db status lists 001_core as applied"
t_like "$out" "up to date" "db status: up to date"
t_run out rc "$TC" --json db status
t_like "$out" '^\{"version": [1-9][0-9]*, "latest": [1-9][0-9]*, "pending": 0, "migrations": \[\{"version": 1, "name": "001_core"' "db status --json"

# pg_dump's \restrict lines carry a random key: leave them out.
schema_dump() { pg_dump --schema-only -h "$PGHOST" -U tandem tandem | grep -Ev '^.(un)?restrict '; }
before=$(schema_dump; pg_sql "SELECT version, applied_at FROM schema_migrations")
t_run out rc "$TC" db migrate
t_is "$rc" 0 "second db migrate exits 0"
t_like "$out" "^schema is up to date at version [1-9]" "second db migrate applies nothing"
after=$(schema_dump; pg_sql "SELECT version, applied_at FROM schema_migrations")
t_is "$after" "$before" "second db migrate changes neither schema nor migration records"

# The schema refuses bad data itself.
pg_sql "INSERT INTO customers (name) VALUES ('acme')" >/dev/null
t_run out rc pg_sql "INSERT INTO dids (number, customer_id) VALUES ('0123', 1)"
t_like "$out" 'violates check constraint "e164_check"' "a DID that is not E.164 is refused"
t_run out rc pg_sql "INSERT INTO dids (number, customer_id) VALUES ('+442071234567', 99)"
t_like "$out" "violates foreign key constraint" "a DID for a missing customer is refused"
t_run out rc pg_sql "INSERT INTO customers (name, max_calls) VALUES ('neg', -1)"
t_like "$out" "violates check constraint" "a negative limit is refused"
t_run out rc pg_sql "INSERT INTO customers (name) VALUES ('acme')"
t_like "$out" "duplicate key value" "a duplicate customer is refused"
cdr="INSERT INTO cdr (call_uuid, leg, node, direction, start_time, end_time, duration_ms, billable_ms, disposition)
     VALUES ('6f1c1d8e-7a43-4a37-9b1f-0c2e6d1b9a01', 1, 'n1', 'outbound', now(), now(), 0, 0, 'failed')"
t_ok "a valid CDR is accepted" pg_sql "$cdr"
t_run out rc pg_sql "$cdr"
t_like "$out" "duplicate key value violates unique constraint \"cdr_call_uuid_leg_key\"" "(call_uuid, leg) is unique"
t_run out rc pg_sql "INSERT INTO cdr (call_uuid, leg, node, direction, start_time, end_time, duration_ms, billable_ms, disposition)
     VALUES (gen_random_uuid(), 1, 'n1', 'outbound', now(), now(), 10, 20, 'answered')"
t_like "$out" "violates check constraint" "billable > duration, or answered without answer_time, is refused"
t_run out rc pg_sql "INSERT INTO routes (prefix, trunk_id) VALUES ('+44', 99)"
t_like "$out" "violates foreign key constraint" "a route to a missing trunk is refused"
pg_sql "INSERT INTO trunks (id, name, kind) VALUES (7, 'carrier-a', 'sip');
	INSERT INTO trunk_members (id, trunk_id, host) VALUES (70, 7, '192.0.2.1')" >/dev/null
t_ok "a member's state is accepted" pg_sql "INSERT INTO trunk_state (member_id, node, health) VALUES (70, 'n1', 'up')"
t_run out rc pg_sql "INSERT INTO trunk_state (member_id, node, health) VALUES (70, 'n2', 'sideways')"
t_like "$out" 'violates check constraint "trunk_state_health_check"' "a member health that is not up/down/unknown is refused"
t_run out rc pg_sql "INSERT INTO trunk_events (trunk_id, member_id, node, what) VALUES (7, 70, 'n1', 'exploded')"
t_like "$out" "violates check constraint" "a trunk event of an unknown kind is refused"
t_ok "a trunk event is recorded" pg_sql "INSERT INTO trunk_events (trunk_id, member_id, node, what, detail)
	VALUES (7, 70, 'n1', 'down', '408 to OPTIONS')"
pg_sql "DELETE FROM trunk_members WHERE id = 70" >/dev/null
t_is "$(pg_sql "SELECT count(*) FROM trunk_state") $(pg_sql "SELECT count(*) || ' ' || count(member_id) FROM trunk_events")" \
	"0 1 0" "deleting a member drops its state and keeps its history"

# 005_provisioning: destination, caller and trunk settings are checked too.
t_run out rc pg_sql "INSERT INTO customer_destinations (customer_id, prefix, action) VALUES (1, '+44', 'maybe')"
t_like "$out" "violates check constraint" "a destination rule that is not allow/deny is refused"
t_run out rc pg_sql "INSERT INTO customer_callers (customer_id, prefix) VALUES (1, '44')"
t_like "$out" 'violates check constraint "e164_prefix_check"' "a caller prefix that is not E.164 is refused"
t_run out rc pg_sql "UPDATE trunks SET failover_codes = '{408,NULL}' WHERE id = 7"
t_like "$out" 'violates check constraint' "a failover code list with a NULL is refused"
t_run out rc pg_sql "UPDATE trunks SET ping_interval_s = -1 WHERE id = 7"
t_like "$out" 'violates check constraint "trunks_ping_interval_s_check"' "a negative ping interval is refused"
t_run out rc pg_sql "UPDATE trunks SET sipt = 'isup' WHERE id = 7"
t_like "$out" 'violates check constraint "trunks_sipt_check"' "an unknown SIP-T mode is refused"
t_run out rc pg_sql "UPDATE trunks SET limit_cause = 0 WHERE id = 7"
t_like "$out" 'violates check constraint "trunks_limit_cause_check"' "a limit cause out of 1..127 is refused"
t_run out rc pg_sql "INSERT INTO trunks (name, kind, register) VALUES ('pri-reg', 'pri', true)"
t_like "$out" 'violates check constraint "trunks_register_needs_sip"' "a PRI trunk that registers is refused"
t_ok "a trunk's settings in range are accepted" pg_sql "UPDATE trunks SET sipt = 'sip-t', register = true,
	auth_user = 'u', auth_password = 'p', failover_codes = '{503}', national_prefix = '0', add_prefix = '+1'
	WHERE id = 7"
pg_sql "INSERT INTO cause_maps VALUES (7, 'q850_to_sip', 34, 503)" >/dev/null
t_run out rc pg_sql "INSERT INTO cause_maps VALUES (7, 'q850_to_sip', 34, 486)"
t_like "$out" 'duplicate key value violates unique constraint "cause_maps_q850_to_sip"' "one mapping per cause and trunk"

# A failing migration applies nothing of itself and leaves the version.
mig="$T_DIR/mig"
mkdir -p "$mig"
for f in "$TOP_SRCDIR"/db/migrations/*.sql; do cp "$f" "$mig/"; done
n=$(ls "$mig" | wc -l)
next=$(printf '%03d' $((n + 1)))
printf 'CREATE TABLE half_done (x int);\nSELECT no_such_function();\n' >"$mig/${next}_broken.sql"
t_run out rc "$TC" db migrate --migrations "$mig"
t_is "$rc" 1 "a failing migration exits 1"
t_like "$out" "migration ${next}_broken failed, nothing of it applied: .*no_such_function" "the error names the migration and the cause"
t_is "$(pg_sql "SELECT to_regclass('half_done') IS NULL")" "t" "the failed migration's table is not there"
t_is "$(pg_sql "SELECT max(version) FROM schema_migrations")" "$n" "the schema version is unchanged"

# A good one is applied; then editing it after the fact is refused.
printf 'CREATE TABLE extra (x int);\n' >"$mig/${next}_broken.sql"
mv "$mig/${next}_broken.sql" "$mig/${next}_extra.sql"
t_run out rc "$TC" db migrate --migrations "$mig"
t_is "$rc" 0 "a new migration from --migrations applies"
t_is "$(pg_sql "SELECT max(version) FROM schema_migrations")" "$((n + 1))" "version advanced by one"
printf 'CREATE TABLE extra (x int, y int);\n' >"$mig/${next}_extra.sql"
t_run out rc "$TC" db migrate --migrations "$mig"
t_is "$rc" 1 "an edited migration is refused"
t_like "$out" "migration ${next}_extra was changed after it was applied" "the refusal names the edited migration"
t_run out rc "$TC" db status --migrations "$mig"
t_like "$out" "${next}_extra +[0-9TZ:-]+ +changed since applied" "db status flags the edited migration"

# The built-in list is now older than the database.
t_run out rc "$TC" db migrate
t_is "$rc" 1 "a database newer than the build is refused"
t_like "$out" "newer than this build knows" "and says so"

# Two migrators at once: the advisory lock serialises them.
createdb -h "$PGHOST" -U tandem race
PGDATABASE=race "$TC" db migrate >"$T_DIR/m1" 2>&1 &
p1=$!
PGDATABASE=race "$TC" db migrate >"$T_DIR/m2" 2>&1 &
p2=$!
wait $p1 && r1=0 || r1=$?
wait $p2 && r2=0 || r2=$?
t_is "$r1$r2" "00" "two concurrent db migrate both succeed"
t_is "$(PGDATABASE=race pg_sql "SELECT count(*) = max(version) FROM schema_migrations")" "t" "each migration recorded once"

t_run out rc "$TC" --db "host=$T_DIR dbname=nonexistent user=tandem" db status
t_is "$rc" 1 "an unreachable database exits 1"
t_like "$out" 'cannot connect to the database: .*"nonexistent" does not exist' "with libpq's reason"

t_done
