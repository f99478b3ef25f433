#!/bin/bash
# Limits and toll-fraud rules (docs/calls.md, "Failover and limits"):
# a trunk at max_calls passes the call to the next trunk, or refuses it
# with its limit_status/limit_cause when none is left; a trunk's and a
# customer's calls per second; a customer at max_calls; a denied
# destination and a caller number a customer may not present (403, cause
# 21, an alarm); a call cut at the customer's maximum duration. Every
# counter is back at 0 once the calls have ended.
. "$TOP_SRCDIR/tests/lib/harness.sh"

BASE=$((40000 + (RANDOM % 10000)))
P_SMALL=$BASE P_BIG=$((BASE + 1)) P_SOLO=$((BASE + 2)) P_SLOW=$((BASE + 3))

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name, max_calls, max_cps) VALUES (1, 'acme', 100, 100);
	INSERT INTO customers (id, name, max_calls, max_cps) VALUES (2, 'tiny', 1, 100), (3, 'trickle', 100, 0.01);
	INSERT INTO customers (id, name, max_calls, max_cps, max_duration_s) VALUES (4, 'shorty', 10, 10, 1);
	INSERT INTO customers (id, name, max_calls, max_cps) VALUES (5, 'spoofy', 10, 10);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32'), (2, '127.0.0.12/32'), (3, '127.0.0.13/32'),
		(4, '127.0.0.11/32'), (5, '127.0.0.14/32');
	INSERT INTO customer_destinations VALUES (1, '+1', 'allow'), (1, '+1900', 'deny');
	INSERT INTO customer_callers VALUES (1, '+1555'), (5, '+4420');
	-- +1: 'small' takes one call at a time, 'big' the rest
	INSERT INTO trunks (id, name, kind, max_calls) VALUES (2, 'small', 'sip', 1), (3, 'big', 'sip', NULL);
	-- +33: one trunk of one call, refusing the next with 486 / cause 17
	INSERT INTO trunks (id, name, kind, max_calls, limit_status, limit_cause) VALUES (4, 'solo', 'sip', 1, 486, 17);
	-- +49: one call per 100 s
	INSERT INTO trunks (id, name, kind, max_cps) VALUES (5, 'slow', 'sip', 0.01);
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, '127.0.0.2', $P_SMALL), (3, '127.0.0.3', $P_BIG),
		(4, '127.0.0.4', $P_SOLO), (5, '127.0.0.5', $P_SLOW);
	INSERT INTO routes (prefix, trunk_id, priority) VALUES ('+1', 2, 10), ('+1', 3, 20), ('+33', 4, 10), ('+49', 5, 10);
	UPDATE trunks SET ping_interval_s = 0 WHERE kind = 'sip'; -- SIPp members play INVITE scenarios: no OPTIONS" ||
	t_fail "provisioning"

uas() { # IP PORT LOG
	sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i "$1" -p "$2" -nostdin -trace_msg -message_file "$3" >/dev/null 2>&1 &
	T_KILL_PIDS="$T_KILL_PIDS $!"
}
uas 127.0.0.2 "$P_SMALL" "$T_DIR/small.log"
uas 127.0.0.3 "$P_BIG" "$T_DIR/big.log"
uas 127.0.0.4 "$P_SOLO" "$T_DIR/solo.log"
uas 127.0.0.5 "$P_SLOW" "$T_DIR/slow.log"
invites() { grep -c "^INVITE sip:$2" "$1" 2>/dev/null || true; }

daemon_start "[limits]
customer_status = 503
customer_cause = 42" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_trunks +4$'"

# sipp_from IP SCENARIO ARGS...: one call from a customer's address.
sipp_from() {
	local ip=$1 sf=$2
	shift 2
	sipp -sf "$sf" -t u1 -i "$ip" -p $((T_SIP_PORT + 1000 + (RANDOM % 1000))) -m 1 -timeout 20s -timeout_error \
		-nostdin "$@" "127.0.0.1:$T_SIP_PORT"
}
# A call held for 4 s, in the background; waits until it is answered.
hold_call() { # IP NUMBER
	local want=$(($(status_field calls_answered) + 1))
	sed 's/<pause milliseconds="1000"\/>/<pause milliseconds="4000"\/>/' "$SIPP_DIR/uac_call.xml" >"$T_DIR/uac_hold.xml"
	sipp_from "$1" "$T_DIR/uac_hold.xml" -s "$2" >"$T_DIR/hold.out" 2>&1 &
	HOLD_PID=$!
	t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^calls_answered +$want$'"
}
fail_case() { # IP NUMBER STATUS CAUSE
	sed -e "s/@STATUS@/$3/" -e "s/@CAUSE@/$4/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/fail-$3-$4.xml"
	sipp_from "$1" "$T_DIR/fail-$3-$4.xml" -s "$2"
}
short="$T_DIR/uac_short.xml"
sed 's/<pause milliseconds="1000"\/>/<pause milliseconds="100"\/>/' "$SIPP_DIR/uac_call.xml" >"$short"

# A trunk at max_calls: the next trunk of the route takes the call.
t_ok "a call held on trunk small" hold_call 127.0.0.1 +12125550001
t_like "$(ctl status)" "trunk +small +1 +no" "status: small has its one call"
t_like "$(ctl trunks)" "^small +sip +yes +[0-9]+ +[0-9]+ +[a-z]+ +1 +1 " "tandemctl trunks: small has 1 call in progress (of max_calls 1)"
t_ok "the next call goes through" sipp_from 127.0.0.1 "$short" -s +12125550002
t_ok "to trunk big" t_eventually 5 grep -q '^INVITE sip:+12125550002' "$T_DIR/big.log"
t_is "$(invites "$T_DIR/small.log" +12125550002)" 0 "not to small, at its limit"
t_like "$(ctl status)" "trunk +small +1 +yes" "status: small is limited"
wait "$HOLD_PID"
t_is "$?" 0 "the held call ends normally"
t_ok "small is free again" t_eventually 5 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^trunk +small +0 +no'"
t_ok "and takes the next call" sipp_from 127.0.0.1 "$short" -s +12125550003
events_of() { pg_sql "SELECT string_agg(what || ':' || detail, ',' ORDER BY e.id) FROM trunk_events e JOIN trunks t ON t.id = e.trunk_id WHERE t.name = '$1'"; }
events_are() { [ "$(events_of "$1")" = "$2" ]; }
t_ok "trunk_events: small limited at its 1 call, unlimited when it ended" t_eventually 5 events_are small \
	"limited:max_calls 1,unlimited:below max_calls"
t_ok "small got it" t_eventually 5 grep -q '^INVITE sip:+12125550003' "$T_DIR/small.log"

# The only trunk at max_calls: its limit_status and limit_cause.
t_ok "a call held on trunk solo" hold_call 127.0.0.1 +33100000001
t_ok "the next is refused with solo's 486, cause 17" fail_case 127.0.0.1 +33100000002 486 17
t_is "$(invites "$T_DIR/solo.log" +33100000002)" 0 "solo never saw it"
wait "$HOLD_PID"

# A trunk's calls per second (0.01: one, then none for 100 s).
t_ok "slow takes a call" sipp_from 127.0.0.1 "$short" -s +4930000001
t_ok "the next, over its cps, is refused with the default 503, cause 34" fail_case 127.0.0.1 +4930000002 503 34
t_is "$(invites "$T_DIR/slow.log" +4930000002)" 0 "slow never saw it"
t_ok "trunk_events: slow limited by its cps" t_eventually 5 events_are slow "limited:max_cps 0.01"

# A customer's max_calls and max_cps: [limits] customer_status/cause.
t_ok "tiny holds a call" hold_call 127.0.0.12 +12125550010
t_ok "tiny's second call: 503, cause 42" fail_case 127.0.0.12 +12125550011 503 42
wait "$HOLD_PID"
t_ok "trickle's first call" sipp_from 127.0.0.13 "$short" -s +12125550020
t_ok "trickle's second, over its cps: 503, cause 42" fail_case 127.0.0.13 +12125550021 503 42

# Toll fraud: a denied destination, a caller number not allowed.
t_ok "acme to a denied +1900 number: 403, cause 21" fail_case 127.0.0.1 +19005550100 403 21
t_ok "spoofy presenting +1555...: 403, cause 21" fail_case 127.0.0.14 +12125550030 403 21
t_like "$(grep 'ALARM' "$T_DIR/tandemd.log")" "customer acme: destination \\+19005550100 denied" "an alarm line for the destination"
t_like "$(grep 'ALARM' "$T_DIR/tandemd.log")" "customer spoofy: caller number \\+15551230000 not allowed" "an alarm line for the caller"
t_is "$(grep -c '^INVITE sip:+1900' "$T_DIR/big.log" "$T_DIR/small.log" | awk -F: '{s += $2} END {print s}')" 0 \
	"the denied call reached no carrier"

# The maximum duration: the gateway hangs up after 1 s (BYE, cause 102).
sed 's/cause=16/cause=102/' "$SIPP_DIR/uac_far_bye.xml" >"$T_DIR/uac_cut.xml"
t_ok "shorty's call is cut at 1 s: BYE with Reason cause 102" sipp_from 127.0.0.11 "$T_DIR/uac_cut.xml" -s +12125550040
t_like "$(grep 'ALARM' "$T_DIR/tandemd.log")" "customer shorty: call to \\+12125550040 cleared at its maximum duration of 1 s" \
	"an alarm line for the duration"

# The counters, and every hold given back.
t_is "$(status_field calls_limited_trunk)" 3 "status: 3 calls met a trunk's limits (small, solo, slow)"
t_is "$(status_field calls_limited_customer)" 2 "status: 2 met a customer's (tiny, trickle)"
t_is "$(status_field calls_denied_destination)" 1 "status: 1 denied destination"
t_is "$(status_field calls_denied_caller)" 1 "status: 1 caller refused"
t_is "$(status_field calls_duration_cut)" 1 "status: 1 call cut at its maximum duration"
t_ok "no call left" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^calls_live +0$'"
t_is "$(status_field calls_limit_holds)" 0 "status: no limit held"
t_is "$(ctl status | awk '$1 == "trunk" || $1 == "customer" { s += $3 } END { print s + 0 }')" 0 \
	"status: every trunk and customer at 0 calls"
t_like "$(ctl status)" "customer +tiny +0 " "tiny's counter is back at 0"

t_ok "the CDRs reach the database" t_eventually 20 sh -c "[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c \"SELECT count(*) FROM cdr WHERE callee = '+12125550040'\") = 1 ]"
t_is "$(pg_sql "SELECT disposition || ' ' || hangup_side || ' ' || q850_cause FROM cdr WHERE callee = '+12125550040'")" \
	"answered gateway 102" "the cut call's CDR: answered, hung up by the gateway, cause 102"
t_is "$(pg_sql "SELECT disposition || ' ' || sip_status || ' ' || q850_cause FROM cdr WHERE callee = '+19005550100'")" \
	"rejected 403 21" "the denied call's CDR: rejected, 403, cause 21"
daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
