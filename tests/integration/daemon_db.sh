#!/bin/bash
# tandemd against a real PostgreSQL: connects and records its node, reports
# the schema, survives the database going away and comes back; SIGHUP
# reloads (a bad file is refused and the old configuration kept); SIGTERM
# stops cleanly and removes the control socket.
. "$TOP_SRCDIR/tests/lib/harness.sh"

pg_start tandem || { t_fail "PostgreSQL starts"; t_done; exit 1; }

# Before migration: up, but says the schema is missing.
daemon_start || { t_fail "tandemd starts on an empty database"; t_done; exit 1; }
t_pass "tandemd starts on an empty database"
t_eventually 5 eval '[ "$(status_field db_state)" = up ]' || true
t_is "$(status_field db_state)" up "database connection up"
t_is "$(status_field schema_version)" 0 "schema version 0 reported"
t_like "$(status_field db_error)" "schema not migrated: run tandemctl db migrate" "status says to migrate"
daemon_stop
t_is "$T_DAEMON_RC" 0 "clean stop"

"$TANDEMCTL" db migrate >/dev/null
daemon_start || { t_fail "tandemd starts"; t_done; exit 1; }
t_eventually 5 eval '[ "$(status_field db_state)" = up ]' || true
out=$(ctl status)
t_like "$out" "^node +test-node$" "status: node name from the configuration"
t_like "$out" "^db_state +up$" "status: database up"
t_like "$out" "^schema_version +[1-9]" "status: schema version read from the database"
t_like "$out" "^config +$T_DIR/tandem.conf$" "status: the configuration file"
t_like "$out" "^cdr_journal +$T_DIR/spool/cdr$" "status: the CDR journal folder (created with its parent)"
t_like "$(status_field cdr_db)" "^(idle|up)$" "status: the CDR writer has nothing failing"
t_is "$(status_field cdr_pending)" 0 "status: no CDR pending"
t_ok "the journal folder exists and is locked" test -e "$T_DIR/spool/cdr/lock"
t_is "$(pg_sql "SELECT name || ' ' || version FROM nodes")" "test-node 0.1.0" "node recorded in table nodes"
json=$(ctl --json status)
t_like "$json" '^\{"status": \{"node": "test-node", "version": "0.1.0", "pid": "[0-9]+"' "status --json"

# The database goes away: the daemon stays up and says so; then it returns.
pg_stop
t_eventually 5 eval '[ "$(status_field db_state)" != up ]' || true
t_like "$(status_field db_state)" "^(down|connecting)$" "database stopped: status shows it down"
t_ok "the daemon still answers while the database is down" ctl status
# Several retries fail (no socket at all) before the database returns.
t_ok "failed reconnects are logged" t_eventually 5 grep -q "warning \[db\] cannot connect: .*No such file" "$T_DIR/tandemd.log"
sleep 1
t_is "$(grep -c "warning \[db\] cannot connect" "$T_DIR/tandemd.log")" 1 "the same reason is logged once as a warning, not on every retry"
pg_restart
t_eventually 10 eval '[ "$(status_field db_state)" = up ]' || true
t_is "$(status_field db_state)" up "database back: reconnected"
t_is "$(status_field db_connects)" 2 "two successful connects counted"

# SIGHUP with a changed level: applied.
sed -i 's/^level = debug/level = notice/' "$T_DIR/tandem.conf"
kill -HUP "$T_DAEMON_PID"
t_eventually 5 eval '[ "$(status_field reloads)" = 1 ]' || true
t_is "$(status_field reloads)" 1 "SIGHUP reloads"
t_is "$(status_field log_level)" notice "the new log level is in effect"

# SIGHUP with a broken file: refused, running configuration kept.
echo "bogus = 1" >>"$T_DIR/tandem.conf"
kill -HUP "$T_DAEMON_PID"
t_eventually 5 eval '[ "$(status_field reload_failures)" = 1 ]' || true
t_is "$(status_field reload_failures)" 1 "a bad file on SIGHUP is refused"
n=$(wc -l <"$T_DIR/tandem.conf")
t_like "$(status_field last_reload_error)" "tandem.conf:$n: unknown key \"bogus\"" "status names file:line and the problem"
t_is "$(status_field log_level)" notice "the running configuration is kept"
t_ok "still serving after the refused reload" ctl status

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_ok "control socket removed at exit" test ! -e "$T_CTL_SOCKET"
t_like "$(cat "$T_DIR/tandemd.log")" "SIGTERM: shutting down" "shutdown logged"

t_done
