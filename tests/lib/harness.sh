# Test harness for integration tests: TAP output, a throwaway PostgreSQL
# cluster, and the real tandemd on loopback with a generated configuration.
# Source it from a test script; everything is torn down at exit, even when
# a test fails.
#
# Needs TOP_SRCDIR and TOP_BUILDDIR (make check sets them).

set -u

: "${TOP_SRCDIR:?run through make check}"
: "${TOP_BUILDDIR:?run through make check}"
TANDEMD="$TOP_BUILDDIR/gateway/tandemd"
TANDEMCTL="$TOP_BUILDDIR/provisioning/tandemctl"
SIPP_DIR="$TOP_SRCDIR/tests/sipp"

T_N=0
T_FAILED=0
T_DIR=$(mktemp -d /tmp/tandem-test.XXXXXX)
chmod 755 "$T_DIR"
T_PG_STARTED=0
T_DAEMON_PID=
T_KILL_PIDS= # background helpers (SIPp, ...) to end at exit, even if stopped

# T_VALGRIND=1 (scripts/check --valgrind) runs tandemd under memcheck. Each
# tandemd process leaves $T_DIR/valgrind.PID.xml (and .log, its commentary);
# daemon_stop, daemon_kill9 and t_done turn it into a result (vg_check).
# Third-party leaks are in tests/valgrind.supp, each with its reason. A test
# may run a driver of its own under "${T_VG[@]}" too: t_done checks its log.
T_VG=()
T_VG_DONE=
T_SLOW=1
if [ -n "${T_VALGRIND:-}" ]; then
	# shellcheck disable=SC2054 # the commas are inside valgrind's options
	T_VG=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
		--errors-for-leak-kinds=definite,indirect --num-callers=40 --track-origins=no
		--suppressions="$TOP_SRCDIR/tests/valgrind.supp" --gen-suppressions=all
		--xml=yes --xml-file="$T_DIR/valgrind.%p.xml" --log-file="$T_DIR/valgrind.%p.log")
	# Memcheck makes tandemd 20-50 times slower: t_eventually waits (and
	# SIPp's timeout) are this many times longer. Normal runs: 1.
	T_SLOW=${T_VALGRIND_SLOW:-10}
fi

# --- TAP ---------------------------------------------------------------

t_pass() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
t_fail() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }
t_diag() { sed 's/^/# /'; }

# t_ok DESC CMD...: passes when CMD exits 0.
t_ok() {
	local desc=$1
	shift
	if "$@" >"$T_DIR/out" 2>&1; then t_pass "$desc"; else
		t_fail "$desc"
		echo "command: $*" | t_diag
		tail -n 20 "$T_DIR/out" | t_diag
	fi
}

# t_is GOT WANT DESC
t_is() {
	if [ "$1" = "$2" ]; then t_pass "$3"; else
		t_fail "$3"
		printf 'got:  %s\nwant: %s\n' "$1" "$2" | t_diag
	fi
}

# t_like TEXT EXTENDED-REGEX DESC
t_like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then t_pass "$3"; else
		t_fail "$3"
		printf 'text: %s\nwant match: %s\n' "$1" "$2" | t_diag
	fi
}

# t_unlike TEXT EXTENDED-REGEX DESC
t_unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		t_fail "$3"
		printf 'text: %s\nmust not match: %s\n' "$1" "$2" | t_diag
	else t_pass "$3"; fi
}

# t_run VAR_OUT VAR_RC CMD...: run CMD, capture stdout+stderr and status.
t_run() {
	local __out=$1 __rc=$2 __o __r
	shift 2
	__o=$("$@" 2>&1) && __r=0 || __r=$?
	printf -v "$__out" '%s' "$__o"
	printf -v "$__rc" '%s' "$__r"
}

# t_eventually SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
# t_quality NAME COMMAND...: like t_ok for a real-time quality figure
# (ERLE, audio delivered on time). In a sanitizer build (T_SANITIZED) the
# media worker runs several times slower than the 20 ms clock needs, so
# the figure is printed and not asserted there: the TAP line says so.
t_quality() {
	local name=$1
	shift
	if [ -n "${T_SANITIZED:-}" ] && ! "$@" >/dev/null 2>&1; then
		T_N=$((T_N + 1))
		echo "ok $T_N - $name # SKIP a real-time figure, not asserted in a sanitizer build"
		return 0
	fi
	t_ok "$name" "$@"
}

t_eventually() {
	local limit=$(($1 * 10 * T_SLOW)) i=0
	shift
	while [ $i -lt $limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# --- PostgreSQL --------------------------------------------------------

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] || { echo "PostgreSQL server not found: install the Debian package postgresql" >&2; return 1; }
	echo "$d"
}

# Run a command as the cluster's owner: postgres when we are root (initdb
# refuses root), ourselves otherwise.
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Start a throwaway cluster in $T_DIR/pg (UNIX socket only, in $T_DIR) and
# point the libpq environment at database $1 (created).
pg_start() {
	local bin db=${1:-tandem}
	bin=$(pg_bindir) || return 1
	mkdir -p "$T_DIR/pg"
	[ "$(id -u)" = 0 ] && chown postgres "$T_DIR" "$T_DIR/pg"
	pg_as_owner "$bin/initdb" -D "$T_DIR/pg/data" -U tandem -A trust -E UTF8 --no-sync >"$T_DIR/pg/initdb.log" 2>&1 ||
		{ cat "$T_DIR/pg/initdb.log" >&2; return 1; }
	pg_as_owner "$bin/pg_ctl" -D "$T_DIR/pg/data" -l "$T_DIR/pg/server.log" -w -t 30 \
		-o "-k $T_DIR -c listen_addresses='' -c fsync=off -c full_page_writes=off" start >/dev/null ||
		{ cat "$T_DIR/pg/server.log" >&2; return 1; }
	T_PG_STARTED=1
	export PGHOST="$T_DIR" PGUSER=tandem PGDATABASE="$db"
	unset PGPORT PGPASSWORD PGSERVICE
	"$bin/createdb" "$db"
}

pg_stop() {
	[ "$T_PG_STARTED" = 1 ] || return 0
	pg_as_owner "$(pg_bindir)/pg_ctl" -D "$T_DIR/pg/data" -m fast -w stop >/dev/null 2>&1
	T_PG_STARTED=0
}

pg_restart() {
	pg_as_owner "$(pg_bindir)/pg_ctl" -D "$T_DIR/pg/data" -l "$T_DIR/pg/server.log" -w -t 30 \
		-o "-k $T_DIR -c listen_addresses='' -c fsync=off -c full_page_writes=off" start >/dev/null &&
		T_PG_STARTED=1
}

# The server's processes (the postmaster and its children), for pg_freeze.
pg_pids() {
	local pm
	pm=$(head -n 1 "$T_DIR/pg/data/postmaster.pid" 2>/dev/null) || return 1
	echo "$pm"
	ps -o pid= --ppid "$pm"
}

# pg_freeze / pg_thaw: stall every process of the cluster (SIGSTOP): its
# connections stay open but nothing answers; then let it go on (SIGCONT).
pg_freeze() { kill -STOP $(pg_pids); }
pg_thaw() { kill -CONT $(pg_pids); }

# psql with the harness's environment; prints bare values.
pg_sql() { "$(pg_bindir)/psql" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

# --- tandemd -----------------------------------------------------------

# daemon_config FILE [EXTRA-INI-LINES]: a configuration on a random port.
# The extra lines follow the [cdr] section: keys before any section header
# belong to it. T_LOG_LEVEL (default debug) sets [log] level.
daemon_config() {
	local file=$1 extra=${2:-}
	T_SIP_PORT=$((20000 + (RANDOM % 20000)))
	T_CTL_SOCKET="$T_DIR/tandemd.sock"
	cat >"$file" <<CONF
[general]
node = test-node
[log]
level = ${T_LOG_LEVEL:-debug}
[sip]
listen = 127.0.0.1:$T_SIP_PORT
[database]
conninfo = "host=$T_DIR dbname=${PGDATABASE:-tandem} user=tandem"
reconnect_interval = 200ms
connect_timeout = 2s
[control]
socket = $T_CTL_SOCKET
[cdr]
journal = $T_DIR/spool/cdr
$extra
CONF
}

# daemon_wait_up: wait (10 s, times T_SLOW) until the control socket
# answers; fails at once if tandemd has exited (a refused configuration).
daemon_wait_up() {
	local limit=$((100 * T_SLOW)) i=0
	while [ $i -lt $limit ]; do
		ctl status >/dev/null 2>&1 && return 0
		kill -0 "$T_DAEMON_PID" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# daemon_start [EXTRA-INI-LINES]: generate $T_DIR/tandem.conf, start
# tandemd, wait until its control socket answers. Retries on another port
# if the random one is taken.
daemon_start() {
	local try
	for try in 1 2 3 4 5; do
		daemon_config "$T_DIR/tandem.conf" "${1:-}"
		# T_DAEMON_ENV: VAR=value words for tandemd only (an LD_PRELOAD).
		# shellcheck disable=SC2086
		env ${T_DAEMON_ENV:-} "${T_VG[@]}" "$TANDEMD" -c "$T_DIR/tandem.conf" >>"$T_DIR/tandemd.log" 2>&1 &
		T_DAEMON_PID=$!
		if daemon_wait_up; then return 0; fi
		if kill -0 "$T_DAEMON_PID" 2>/dev/null; then break; fi
		wait "$T_DAEMON_PID" 2>/dev/null
		T_DAEMON_PID=
		grep -q "cannot listen for SIP" "$T_DIR/tandemd.log" || break
	done
	echo "tandemd did not come up:" | t_diag
	tail -n 30 "$T_DIR/tandemd.log" | t_diag
	return 1
}

# daemon_restart: start tandemd again with the same $T_DIR/tandem.conf
# (same SIP port, control socket and CDR journal), after a stop or a kill.
daemon_restart() {
	# shellcheck disable=SC2086
	env ${T_DAEMON_ENV:-} "${T_VG[@]}" "$TANDEMD" -c "$T_DIR/tandem.conf" >>"$T_DIR/tandemd.log" 2>&1 &
	T_DAEMON_PID=$!
	daemon_wait_up && return 0
	echo "tandemd did not come up again:" | t_diag
	tail -n 30 "$T_DIR/tandemd.log" | t_diag
	return 1
}

# daemon_kill9: SIGKILL (no clean-up at all: a crash) and reap it.
daemon_kill9() {
	[ -n "$T_DAEMON_PID" ] || return 0
	kill -KILL "$T_DAEMON_PID" 2>/dev/null
	wait "$T_DAEMON_PID" 2>/dev/null
	vg_check "$T_DAEMON_PID"
	T_DAEMON_PID=
}

# daemon_stop: SIGTERM and wait; the exit status goes to T_DAEMON_RC.
daemon_stop() {
	T_DAEMON_RC=0
	[ -n "$T_DAEMON_PID" ] || return 0
	kill -TERM "$T_DAEMON_PID" 2>/dev/null
	wait "$T_DAEMON_PID" || T_DAEMON_RC=$?
	vg_check "$T_DAEMON_PID"
	T_DAEMON_PID=
}

# vg_check PID: under T_VALGRIND, one result for that tandemd's memcheck log:
# a failure for any memory error or any lost block with a frame in our code.
vg_check() {
	local pid=$1 xml="$T_DIR/valgrind.$1.xml" out rc
	[ -n "${T_VALGRIND:-}" ] || return 0
	T_VG_DONE="$T_VG_DONE $pid"
	if [ ! -f "$xml" ]; then
		t_fail "valgrind: no memcheck log for process $pid"
		return
	fi
	out=$(python3 "$TOP_SRCDIR/tests/lib/vg_report.py" "$TOP_SRCDIR" "$xml") && rc=0 || rc=$?
	if [ "$rc" = 0 ]; then t_pass "valgrind: ${out%%$'\n'*}"; else
		t_fail "valgrind: ${out%%$'\n'*}"
		printf '%s\n' "$out" | tail -n +2 | head -n 200 | t_diag
	fi
	# Unsuppressed third-party leaks do not fail: their first lines, for
	# the log (T_KEEP=1 keeps the whole report, $T_DIR/valgrind.PID.xml).
	[ "$rc" = 0 ] && printf '%s\n' "$out" | tail -n +2 | head -n 40 | t_diag
	return 0
}

# ctl ARGS...: tandemctl against this test's daemon and database.
ctl() { "$TANDEMCTL" --socket "$T_CTL_SOCKET" "$@"; }

# status_field NAME: one value from `tandemctl status --json`-free output.
status_field() { ctl status | awk -v k="$1" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }'; }

# run_sipp SCENARIO TRANSPORT(u1|t1) [ARGS...]: run a SIPp scenario (a
# file of tests/sipp, or a path) against the daemon; messages are logged
# in $T_DIR.
run_sipp() {
	local sf=$1 tr=$2 try msgs
	shift 2
	case $sf in /*) ;; *) sf="$SIPP_DIR/$sf" ;; esac
	msgs="$T_DIR/sipp-$(basename "$sf")-$tr.log"
	# A port another test running beside this one holds is tried again
	# elsewhere (SIPp sent nothing); any other failure is the scenario's
	# and is shown: SIPp's last words and the last messages it traced.
	for try in 1 2 3; do
		sipp -sf "$sf" -t "$tr" -i 127.0.0.1 -p $((T_SIP_PORT + 1000 + (RANDOM % 1000))) -m 1 \
			-timeout $((15 * T_SLOW))s -timeout_error -nostdin -trace_msg -message_file "$msgs" \
			"$@" "127.0.0.1:$T_SIP_PORT" >"$T_DIR/sipp.out" 2>&1 && return 0
		grep -qi "unable to bind" "$T_DIR/sipp.out" || break
	done
	echo "SIPp failed ($sf over $tr, try $try):"
	tail -n 5 "$T_DIR/sipp.out"
	[ -f "$msgs" ] && tail -n 12 "$msgs"
	return 1
}

# --- teardown ----------------------------------------------------------

t_cleanup() {
	local rc=$?
	if [ -n "$T_DAEMON_PID" ]; then
		kill -TERM "$T_DAEMON_PID" 2>/dev/null
		wait "$T_DAEMON_PID" 2>/dev/null
	fi
	for p in $T_KILL_PIDS; do
		kill -CONT "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
	done
	# A cluster left stalled by pg_freeze would not stop.
	[ "$T_PG_STARTED" = 1 ] && pg_thaw 2>/dev/null
	pg_stop
	if [ "$T_FAILED" -gt 0 ] && [ -f "$T_DIR/tandemd.log" ]; then
		echo "tandemd log (last 40 lines):" | t_diag
		tail -n 40 "$T_DIR/tandemd.log" | t_diag
	fi
	[ -n "${T_KEEP:-}" ] && echo "kept $T_DIR" | t_diag || rm -rf "$T_DIR"
	exit $rc
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# t_done: the TAP plan; exit non-zero if anything failed. Under T_VALGRIND,
# stops a tandemd still running and checks every memcheck log first.
t_done() {
	local xml pid
	if [ -n "${T_VALGRIND:-}" ]; then
		[ -z "$T_DAEMON_PID" ] || daemon_stop
		for xml in "$T_DIR"/valgrind.*.xml; do
			[ -f "$xml" ] || continue
			pid=${xml##*/valgrind.}
			pid=${pid%.xml}
			case " $T_VG_DONE " in *" $pid "*) ;; *) vg_check "$pid" ;; esac
		done
	fi
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ]
}

# lsan_allow_libpri: for tests that run libpri (pstnsim, the call tests,
# tandemd with spans). libpri 1.6 has no destructor for its controller, so
# that allocation lives until exit: suppress it on top of the project's list.
lsan_allow_libpri() {
	cat "$TOP_SRCDIR/tests/lsan.supp" >"$T_DIR/lsan.supp"
	echo "leak:libpri.so" >>"$T_DIR/lsan.supp"
	export LSAN_OPTIONS="suppressions=$T_DIR/lsan.supp:print_suppressions=0"
}
