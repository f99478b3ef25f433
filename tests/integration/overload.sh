#!/bin/bash
# Load shedding ([calls] shed_backlog, docs/calls.md "Overload"): tandemd
# is stopped (SIGSTOP) while a burst of new INVITEs arrives, so that they
# wait in its SIP socket's receive queue; once it runs again, the INVITEs
# it reads while the queue is over the threshold get 503 with Retry-After
# (and no routing), the others are routed (404 here: no route), and a
# call after the burst is routed again. With
# shed_backlog = 0 the same burst is all routed. No timing is asserted: the
# queue is filled while the daemon cannot read it.
. "$TOP_SRCDIR/tests/lib/harness.sh"

BURST="python3 $TOP_SRCDIR/tests/lib/sip_burst.py"
N=100
pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
# 127.0.0.1 is a customer (trusted: a burst does not ban it); it has no
# route to +1999, so a call that is not shed ends 404 after routing.
pg_sql "INSERT INTO customers (id, name, max_calls, max_cps) VALUES (1, 'acme', 1000, 1000);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');" >/dev/null || t_fail "provisioning"

# burst TAG: SIGSTOP, the burst (sent while stopped), SIGCONT; the answers
# go to $T_DIR/TAG.
burst() {
	kill -STOP "$T_DAEMON_PID"
	$BURST --target "127.0.0.1:$T_SIP_PORT" --count $N --tag "$1" --wait $((20 * T_SLOW)) \
		--sent "$T_DIR/$1.sent" >"$T_DIR/$1" 2>&1 &
	local pid=$!
	# The burst is in the kernel's queue once the sender says it has sent
	# it all (on loopback a datagram is queued before sendto returns): the
	# daemon's receive queue then holds N datagrams. A slow start of the
	# sender (a loaded machine) is waited for, never raced.
	t_eventually 120 test -e "$T_DIR/$1.sent"
	t_ok "$1: the burst waits in the stopped daemon's receive queue" \
		t_eventually 10 sh -c "[ \$(ss -Hunl 'sport = :$T_SIP_PORT' | awk '{ print \$2 }' | head -n 1) -gt $((N * 600)) ]"
	kill -CONT "$T_DAEMON_PID"
	wait "$pid"
}

# 1%: about two datagrams' worth of a 208 KiB buffer: a test-only setting.
daemon_start "[calls]
shed_backlog = 1" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"
t_is "$(status_field calls_shed)" 0 "status: nothing shed yet"
t_is "$($BURST --target "127.0.0.1:$T_SIP_PORT" --count 1 --tag before | cut -d' ' -f2)" 404 \
	"an INVITE to an idle node is routed (404: no route), not shed"

burst shed
shed=$(grep -c ' 503 2$' "$T_DIR/shed")
routed=$(grep -c ' 404 -$' "$T_DIR/shed")
t_is "$(grep -c ' none$' "$T_DIR/shed")" 0 "every INVITE of the burst is answered"
t_is "$((shed + routed))" $N "each one with 503 + Retry-After: 2 or routed (404); nothing else"
t_ok "INVITEs read while the queue was full are shed ($shed of $N; how many depends on when the kernel
	releases the queue's memory: in steps of a quarter of the buffer)" test "$shed" -ge 1
t_is "$(status_field calls_shed)" "$shed" "status: calls_shed counts them"
t_is "$(grep -Ec 'INVITE from 127\.0\.0\.1:[0-9]+ \(customer acme\) to \+19995550100' "$T_DIR/tandemd.log")" $((routed + 1)) \
	"shed INVITEs never reach routing (only the routed ones are logged by it)"
t_like "$(cat "$T_DIR/tandemd.log")" "\[calls\] overloaded \(SIP receive queue [0-9]+% of its buffer, limit 1%\): new calls get 503" \
	"the overload is logged"
t_is "$($BURST --target "127.0.0.1:$T_SIP_PORT" --count 1 --tag after | cut -d' ' -f2)" 404 \
	"after the burst the node routes calls again"

# Off: the same burst is all routed.
daemon_stop
daemon_start "[calls]
shed_backlog = 0" || { t_fail "tandemd starts again"; t_done; exit 1; }
t_ok "the routing directory is loaded again" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"
burst off
t_is "$(grep -c ' 404 -$' "$T_DIR/off")" $N "shed_backlog = 0: the whole burst is routed"
t_is "$(status_field calls_shed)" 0 "status: nothing shed"
t_ok "tandemd is still running" kill -0 "$T_DAEMON_PID"
t_done
