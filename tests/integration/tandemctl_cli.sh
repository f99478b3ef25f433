#!/bin/bash
# tandemctl's command line: --help everywhere, usage errors exit 2,
# failures exit 1 with a reason.
. "$TOP_SRCDIR/tests/lib/harness.sh"

TC="$TANDEMCTL"
for cmd in "" "status" "db" "db migrate" "db status"; do
	# shellcheck disable=SC2086
	t_run out rc "$TC" $cmd --help
	t_is "$rc" 0 "tandemctl $cmd --help exits 0"
	t_like "$out" "^Usage: tandemctl" "tandemctl $cmd --help prints usage"
done
t_run out rc "$TC"
t_is "$rc" 2 "no command: exit 2"
t_run out rc "$TC" frobnicate
t_is "$rc" 2 "unknown command: exit 2"
t_like "$out" 'unknown command "frobnicate"' "names the command"
t_run out rc "$TC" db
t_is "$rc" 2 "a group without a subcommand: exit 2"
t_run out rc "$TC" db migrate --bogus
t_is "$rc" 2 "an unknown option: exit 2"
t_run out rc "$TC" status extra
t_is "$rc" 2 "an extra argument: exit 2"

t_run out rc "$TC" --socket "$T_DIR/none.sock" status
t_is "$rc" 1 "no daemon: exit 1"
t_like "$out" "cannot reach tandemd at $T_DIR/none.sock: No such file or directory \(is it running\?\)" "says so"

printf '[database]\nconninfo = "host=%s/nowhere dbname=x"\n' "$T_DIR" >"$T_DIR/t.conf"
t_run out rc "$TC" -c "$T_DIR/t.conf" db status
t_is "$rc" 1 "no database: exit 1"
t_like "$out" "cannot connect to the database: .*nowhere" "with libpq's reason, using the file's conninfo"

printf '[database]\nreconnect_interval = never\n' >"$T_DIR/bad.conf"
t_run out rc "$TC" -c "$T_DIR/bad.conf" status
t_is "$rc" 2 "a bad configuration file: exit 2"
t_like "$out" "bad.conf:2: reconnect_interval" "file:line"

t_run out rc "$TC" --version
t_like "$out" "^tandemctl [0-9]+\.[0-9]+" "--version"
t_done
