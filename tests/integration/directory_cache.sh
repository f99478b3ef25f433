#!/bin/bash
# The directory cache: a node started while PostgreSQL is down routes from
# the routing data it last loaded (the cache file written with every load)
# instead of refusing every call with 503, its CDRs wait in the journal,
# and once the database answers it routes from the database again and the
# CDRs arrive. A torn cache is refused, by name, and calls get 503 as
# before (nothing routes from half a directory).
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
MEDIA_PORT=$((40000 + (RANDOM % 10000)))
CACHE="$T_DIR/spool/directory.cache"

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || {
	t_fail "database ready"
	t_done
	exit 1
}
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+44', 1);" || t_fail "provisioning"

# pstnsim ends when tandemd closes the span: one per daemon run.
sim_start() {
	rm -f "$T_DIR/span.dchan" "$T_DIR/span.audio"
	"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
		--rule '442071230016=answer:200' >>"$T_DIR/pstnsim.log" 2>&1 &
	SIM_PID=$!
	t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"
}
sim_start

span_up() { t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"; }
daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[media]
port_min = $MEDIA_PORT
port_max = $((MEDIA_PORT + 400))" || {
	t_fail "tandemd starts"
	t_done
	exit 1
}
t_ok "the span comes up" span_up
t_ok "the directory loads from the database" t_eventually 10 eval '[ "$(status_field dir_source)" = database ]'
t_ok "and is written to the cache file" test -s "$CACHE"
t_like "$(tail -n 1 "$CACHE")" "^END [0-9]+$" "the cache ends with its END line (written whole)"
t_ok "a call routes" run_sipp uac_call.xml u1 -s +442071230016

# PostgreSQL down, then a restart of the node.
daemon_stop
pg_stop
sim_start
daemon_restart || t_fail "tandemd starts without its database"
t_ok "with the database down, it routes from the cache" t_eventually 15 eval '[ "$(status_field dir_source)" = cache ]'
t_like "$(cat "$T_DIR/tandemd.log")" "routing from the directory cache" "the log says so"
t_is "$(status_field dir_routes)" 1 "the cached route is there"
t_ok "the span comes up" span_up
t_ok "a call routes from the cache to the PSTN" run_sipp uac_call.xml u1 -s +442071230016
t_ok "its CDR waits in the journal" t_eventually 10 eval '[ "$(status_field calls_cdrs)" = 1 ]'

# The database is back: routing and CDRs catch up.
pg_restart || t_fail "PostgreSQL starts again"
t_ok "the directory reloads from the database" t_eventually 20 eval '[ "$(status_field dir_source)" = database ]'
t_ok "the CDRs reach the database" t_eventually 20 eval '[ "$(pg_sql "SELECT count(*) FROM cdr")" = 2 ]'

# A torn cache (no END line: a crash while writing it) is not used.
daemon_stop
pg_stop
sim_start
head -c $(($(stat -c %s "$CACHE") - 8)) "$CACHE" >"$CACHE.torn" && mv "$CACHE.torn" "$CACHE"
daemon_restart || t_fail "tandemd starts without its database again"
t_ok "a torn cache is refused, by name" t_eventually 15 grep -q "no directory cache to route with: .*directory.cache: .*torn" "$T_DIR/tandemd.log"
t_is "$(status_field dir_source)" "" "nothing routes from half a directory"
sed -e "s/@STATUS@/503/" -e "s/@CAUSE@/41/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail503.xml"
t_ok "a call gets 503 (cause 41: routing data not loaded)" run_sipp "$T_DIR/fail503.xml" u1 -s +442071230016
pg_restart || t_fail "PostgreSQL starts again"

daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd stops cleanly"
t_done
