#!/bin/bash
# The directory on a real event loop against a throwaway PostgreSQL: the
# first load, changes seen through NOTIFY without a restart, a burst
# coalesced into a few reloads, a held snapshot kept alive across swaps,
# the database stopped (lookups go on, status stale) and started again
# (it reconnects and catches up), a refused transaction never seen, and a
# rebuild of 100k routes (its time a diagnostic, not asserted).
# The lookups run in directory_driver (C), one command line per answer.
. "$TOP_SRCDIR/tests/lib/harness.sh"

DRIVER="$TOP_BUILDDIR/tests/integration/directory_driver"
DRV_PID=

# ask CMD...: one command to the driver; its answer line goes to ANSWER.
ask() {
	ANSWER=
	[ -n "${DRV[1]:-}" ] || return 1 # the driver is gone
	echo "$*" >&"${DRV[1]}" || return 1
	IFS= read -r -t $((10 * T_SLOW)) ANSWER <&"${DRV[0]}"
}

# status_of KEY: one status row's value (into ANSWER too).
status_of() {
	local line value=
	ANSWER=
	[ -n "${DRV[1]:-}" ] || return 1
	echo status >&"${DRV[1]}" || return 1
	while IFS= read -r -t $((10 * T_SLOW)) line <&"${DRV[0]}"; do
		[ "$line" = end ] && break
		[ "${line%% *}" = "$1" ] && value=${line#* }
		[ "$line" = "$1" ] && value=
	done
	ANSWER=$value
	echo "$value"
}

# answers CMD EXPECTED: true when the driver answers CMD with EXPECTED.
answers() { ask "$1" && [ "$ANSWER" = "$2" ]; }
status_is() { [ "$(status_of "$1")" = "$2" ]; }
status_ge() { local v; v=$(status_of "$1") && [ "${v:-0}" -ge "$2" ]; }

# expect SECONDS CMD EXPECTED DESC: wait until CMD answers EXPECTED.
expect() {
	if t_eventually "$1" answers "$2" "$3"; then t_pass "$4"; else
		t_fail "$4"
		printf 'last answer: %s\nwant: %s\n' "$ANSWER" "$3" | t_diag
	fi
}

start_driver() {
	# T_VALGRIND: under memcheck too (t_done checks its log).
	coproc DRV { exec "${T_VG[@]}" "$DRIVER" 2>>"$T_DIR/driver.log"; }
	DRV_PID=$DRV_PID
}

stop_driver() {
	local rc=0
	[ -n "$DRV_PID" ] || return 1
	ask quit
	wait "$DRV_PID" || rc=$?
	DRV_PID=
	return $rc
}

pg_start tandem || { t_fail "PostgreSQL cluster starts"; t_done; exit 1; }
t_pass "PostgreSQL cluster starts"
t_ok "tandemctl db migrate" "$TANDEMCTL" db migrate
t_is "$(pg_sql "SELECT count(DISTINCT tgrelid) FROM pg_trigger WHERE tgname = 'tandem_directory_notify'")" 11 \
	"002_notify, 004_auth and 005_provisioning: a trigger on each of the 11 directory tables"

t_ok "sample directory inserted" pg_sql "
INSERT INTO customers (id, name, enabled, max_calls) VALUES (1, 'acme', true, 10), (2, 'globex', false, 5),
	(3, 'initech', true, 1);
INSERT INTO customer_addresses (customer_id, address) VALUES (1, '10.0.0.0/8'), (2, '10.1.0.0/16'),
	(1, '2001:db8::/32'), (3, '2001:db8:1::/48');
INSERT INTO trunks (id, name, kind, enabled) VALUES (1, 'carrier-a', 'sip', true), (2, 'pri-1', 'pri', true),
	(3, 'carrier-b', 'sip', true);
INSERT INTO trunk_members (trunk_id, host, port, transport, priority) VALUES
	(1, 'gw1.example', 5060, 'udp', 10), (1, 'gw0.example', NULL, 'tcp', 5);
INSERT INTO cause_maps (trunk_id, direction, q850_cause, sip_status) VALUES
	(1, 'q850_to_sip', 34, 503), (1, 'sip_to_q850', 17, 486);
INSERT INTO routes (id, prefix, customer_id, trunk_id) VALUES (1, '+', NULL, 1), (2, '+44', NULL, 2),
	(3, '+4420', 1, 3);
INSERT INTO dids (number, customer_id, target) VALUES ('+442071230000', 1, 'sip:pbx@acme.example');"
pg_sql "SELECT setval('routes_id_seq', 1000)" >/dev/null # the ids above were explicit

# An unreachable database at start: no snapshot, state loading, no routes.
PGDATABASE=nonexistent start_driver
t_eventually 10 eval '[ -n "$(status_of dir_error)" ]'
t_is "$(status_of dir_state)" loading "no database at start: state loading"
t_like "$(status_of dir_error)" 'cannot connect: .*nonexistent' "status says why"
t_is "$(ask route 0 +441611234567; echo "$ANSWER")" "route none" "no snapshot: lookups answer none"
t_ok "the driver exits 0 (no leak, no error)" stop_driver

start_driver
if t_eventually 20 status_is dir_state ready; then t_pass "first load: state ready"; else
	t_fail "first load: state ready"
	tail -n 20 "$T_DIR/driver.log" | t_diag
fi
expect 10 "route 0 +441611234567" "route 2 2 2" "+44... -> pri-1 by +44 (2 digits, route 2)"
t_is "$(ask route 1 +442071234567; echo "$ANSWER")" "route 3 4 3" "acme's own +4420 -> carrier-b"
t_is "$(ask did +442071230000; echo "$ANSWER")" "did 1 sip:pbx@acme.example" "DID -> acme's PBX"
t_is "$(ask addr 10.9.9.9; echo "$ANSWER")" "customer 1 acme 1" "10.9.9.9 -> acme (10/8)"
t_is "$(ask addr 10.1.2.3; echo "$ANSWER")" "customer 2 globex 0" "10.1.2.3 -> globex (10.1/16), disabled"
t_is "$(ask addr 2001:db8:1::9; echo "$ANSWER")" "customer 3 initech 1" "2001:db8:1::9 -> initech (/48)"
t_is "$(ask addr 2001:db8:2::9; echo "$ANSWER")" "customer 1 acme 1" "2001:db8:2::9 -> acme (/32)"
t_is "$(ask addr 192.0.2.1; echo "$ANSWER")" "customer none" "an unknown address -> none"
t_is "$(ask trunk carrier-a; echo "$ANSWER")" "trunk 1 sip 1 2 gw0.example:0 2" \
	"carrier-a: 2 members (priority 5 first, default port), 2 cause rows"
t_is "$(status_of dir_routes)" 3 "status: 3 routes"
t_is "$(status_of dir_customers)/$(status_of dir_trunks)/$(status_of dir_dids)" 3/3/1 "status: customers, trunks, DIDs"
t_like "$(status_of dir_loaded_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "status: dir_loaded_at"
ask swaps
t_like "$ANSWER" '^swaps [1-9]' "the swap callback ran"

# Changes arrive through NOTIFY, no restart.
t_is "$(ask hold; echo "${ANSWER%% *}")" held "a snapshot held across callbacks"
t_ok "INSERT a route" pg_sql "INSERT INTO routes (id, prefix, trunk_id) VALUES (10, '+33', 3)"
expect 10 "route 0 +33123456789" "route 3 2 10" "the new +33 route is seen without a restart"
t_is "$(ask held-route 0 +33123456789; echo "$ANSWER")" "route 1 0 1" \
	"the held snapshot still answers as before (default route)"
t_is "$(ask release; echo "$ANSWER")" released "released"
t_ok "a more specific address block" pg_sql "INSERT INTO customer_addresses VALUES (3, '10.1.2.0/24')"
expect 10 "addr 10.1.2.3" "customer 3 initech 1" "customer_addresses: 10.1.2.3 -> initech (/24)"
t_ok "a trunk disabled" pg_sql "UPDATE trunks SET enabled = false WHERE id = 2"
expect 10 "route 0 +441611234567" "route 1 0 1" "its +44 route is left out: the default route"
t_ok "cause maps truncated, a member added" pg_sql "TRUNCATE cause_maps;
INSERT INTO trunk_members (trunk_id, host, priority) VALUES (1, 'gw-first.example', 1)"
expect 10 "trunk carrier-a" "trunk 1 sip 1 3 gw-first.example:0 0" "TRUNCATE and trunk_members seen"
t_ok "a customer renamed, a DID moved" pg_sql "UPDATE customers SET name = 'acme-corp' WHERE id = 1;
UPDATE dids SET target = 'sip:new@acme.example'"
expect 10 "addr 10.9.9.9" "customer 1 acme-corp 1" "customers: the new name"
expect 10 "did +442071230000" "did 1 sip:new@acme.example" "dids: the new target"

# A refused transaction never appears: its good row goes with the bad one.
t_run out rc pg_sql "BEGIN; INSERT INTO routes (id, prefix, trunk_id) VALUES (20, '+1555', 3);
INSERT INTO routes (id, prefix, trunk_id) VALUES (21, '1555x', 3); COMMIT;"
t_like "$out" 'violates check constraint "e164_prefix_check"' "the database refuses a bad prefix"
t_ok "a marker route after it" pg_sql "INSERT INTO routes (id, prefix, trunk_id) VALUES (22, '+49', 3)"
expect 10 "route 0 +4930123456" "route 3 2 22" "the marker is seen"
t_is "$(ask route 0 +15551234567; echo "$ANSWER")" "route 1 0 1" "the refused transaction's +1555 never appears"

# A burst: 200 notifications (one transaction each), few reloads.
t_eventually 10 status_is dir_state ready
n0=$(status_of dir_notifies)
l0=$(status_of dir_loads)
for i in $(seq 1 200); do echo "INSERT INTO routes (prefix, trunk_id) VALUES ('+8$((1000 + i))', 3);"; done >"$T_DIR/burst.sql"
t_ok "200 INSERTs, each its own transaction" "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -f "$T_DIR/burst.sql"
expect 10 "route 0 +812001234" "route 3 5 $(pg_sql "SELECT id FROM routes WHERE prefix = '+81200'")" "the last of the burst is seen"
t_eventually 10 status_ge dir_notifies $((n0 + 200))
n1=$(status_of dir_notifies)
t_eventually 10 status_is dir_state ready
l1=$(status_of dir_loads)
echo "# burst: $((n1 - n0)) notifications, $((l1 - l0)) reloads"
t_is "$((n1 - n0))" 200 "200 notifications received"
t_ok "far fewer reloads ($((l1 - l0))) than notifications (at most a quarter)" test $(((l1 - l0) * 4)) -le 200
t_eventually 10 eval '[ "$(status_of dir_routes)" = "$(pg_sql "SELECT count(*) FROM routes r JOIN trunks t ON t.id = r.trunk_id WHERE t.enabled")" ]'
t_is "$(status_of dir_routes)" "$(pg_sql "SELECT count(*) FROM routes r JOIN trunks t ON t.id = r.trunk_id WHERE t.enabled")" \
	"every row of the burst is in the index"

# PostgreSQL stops: lookups go on from the last snapshot, status stale.
version=$(status_of dir_version)
connects=$(status_of dir_connects)
pg_stop
if t_eventually 10 status_is dir_state stale; then t_pass "database stopped: state stale"; else t_fail "database stopped: state stale"; fi
error=$(status_of dir_error)
t_like "$error" '.' "status: the error ($error)"
t_is "$(ask route 0 +33123456789; echo "$ANSWER")" "route 3 2 10" "routes still answer"
t_is "$(ask addr 10.1.2.3; echo "$ANSWER")" "customer 3 initech 1" "addresses still answer"
t_is "$(status_of dir_version)" "$version" "the same snapshot serves"

# It starts again: reconnect, and a change made right away is caught up.
t_ok "PostgreSQL starts again" pg_restart
t_ok "a change right after the restart" pg_sql "INSERT INTO routes (id, prefix, trunk_id) VALUES (30, '+61', 3)"
expect 15 "route 0 +61212345678" "route 3 2 30" "caught up after reconnecting"
if t_eventually 10 status_is dir_state ready; then t_pass "state ready again"; else t_fail "state ready again"; fi
t_ok "it reconnected" status_ge dir_connects $((connects + 1))

# 100k routes: the rebuild time, as a diagnostic.
t_ok "100,000 routes inserted" pg_sql "INSERT INTO routes (prefix, trunk_id)
	SELECT '+7' || (1000000 + i)::text, 1 + (i % 2) * 2 FROM generate_series(1, 100000) AS i"
want=$(pg_sql "SELECT count(*) FROM routes r JOIN trunks t ON t.id = r.trunk_id WHERE t.enabled")
if t_eventually 60 status_is dir_routes "$want"; then t_pass "the index holds all $want routes"; else
	t_fail "the index holds all $want routes"
	echo "dir_routes: $(status_of dir_routes)" | t_diag
fi
echo "# rebuild with $want routes (query + build): $(status_of dir_load_ms) ms"
expect 10 "route 0 +71050001123" "$(pg_sql "SELECT 'route ' || trunk_id || ' 8 ' || id FROM routes WHERE prefix = '+71050001'")" "one of them routes"

t_ok "the driver exits 0 (no leak, no error)" stop_driver
t_done
