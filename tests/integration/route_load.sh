#!/bin/bash
# The routing index loaded from PostgreSQL: routes JOINed with trunks
# (disabled trunks left out), customer scope, DIDs; a reload swapped into
# the table sees the changes. The checks run in route_load_check (C).
. "$TOP_SRCDIR/tests/lib/harness.sh"

CHECK="$TOP_BUILDDIR/tests/integration/route_load_check"

# run_check PHASE: run the C checker and fold its TAP lines into ours.
run_check() {
	local out rc line
	t_run out rc "$CHECK" "$1"
	while IFS= read -r line; do
		case $line in
		"ok "*) t_pass "$1: ${line#* - }" ;;
		"not ok "*) t_fail "$1: ${line#* - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$out"
	t_is "$rc" 0 "$1: route_load_check exits 0"
}

pg_start tandem || { t_fail "PostgreSQL cluster starts"; t_done; exit 1; }
t_pass "PostgreSQL cluster starts"
t_ok "tandemctl db migrate" "$TANDEMCTL" db migrate

t_ok "sample customers, trunks, routes and DIDs inserted" pg_sql "
INSERT INTO customers (id, name) VALUES (1, 'acme'), (2, 'globex');
INSERT INTO trunks (id, name, kind, enabled) VALUES
	(1, 'carrier-a', 'sip', true), (2, 'carrier-b', 'sip', true),
	(3, 'pri-1', 'pri', true), (4, 'carrier-off', 'sip', false);
INSERT INTO routes (id, prefix, customer_id, trunk_id, priority, weight) VALUES
	(1, '+', NULL, 1, 10, 100),
	(2, '+44', NULL, 2, 10, 100),
	(3, '+44', NULL, 1, 20, 100),
	(4, '+4420', NULL, 3, 10, 100),
	(5, '+4420', 1, 2, 10, 100),
	(6, '+33', NULL, 4, 10, 100),
	(7, '+331', NULL, 4, 10, 100),
	(8, '+49', 2, 3, 5, 10);
INSERT INTO dids (number, customer_id, target, fallback) VALUES
	('+442071230000', 1, 'sip:pbx@acme.example', NULL),
	('+4930123456', 2, NULL, 'sip:vm@globex.example');"

run_check initial

t_ok "provisioning changes: trunk enabled, a route and a DID removed" pg_sql "
UPDATE trunks SET enabled = true WHERE id = 4;
DELETE FROM routes WHERE id = 5;
DELETE FROM dids WHERE number = '+4930123456';"

run_check changed

t_run out rc env PGDATABASE=nonexistent "$CHECK" initial
t_is "$rc" 1 "an unreachable database: route_load_check exits 1"
t_like "$out" 'cannot connect: .*"nonexistent" does not exist' "with libpq's reason"

t_done
