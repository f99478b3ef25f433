#!/bin/bash
# A trunk member given as a domain, found per RFC 3263 through Sofia-SIP's
# resolver (docs/trunks.md): a DNS server of the test's own on loopback
# (tests/lib/dns_serve.py), named by [sip] resolv_conf, serves NAPTR, SRV
# and A records for carrier.test. A call to the trunk goes to the SRV
# record of highest priority; with that gateway gone, to the next one. The
# queries are checked in the DNS server's log, the calls at the SIPp
# gateways and in the CDRs. An unreadable resolv_conf stops tandemd,
# naming the key.
. "$TOP_SRCDIR/tests/lib/harness.sh"

BASE=$((40000 + (RANDOM % 10000)))
DNS_PORT=$BASE P_GW1=$((BASE + 1)) P_GW2=$((BASE + 2))

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind, ping_interval_s) VALUES (2, 'dns', 'sip', 0);
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, 'carrier.test', NULL);
	INSERT INTO routes (prefix, trunk_id) VALUES ('+1', 2);" || t_fail "provisioning"

cat >"$T_DIR/zone" <<ZONE
carrier.test NAPTR 10 10 s SIP+D2U "" _sip._udp.carrier.test
_sip._udp.carrier.test SRV 10 1 $P_GW1 gw1.carrier.test
_sip._udp.carrier.test SRV 20 1 $P_GW2 gw2.carrier.test
gw1.carrier.test A 127.0.0.21
gw2.carrier.test A 127.0.0.22
ZONE
printf 'nameserver 127.0.0.1\nport %s\noptions timeout:1 attempts:2\n' "$DNS_PORT" >"$T_DIR/resolv.conf"
python3 "$TOP_SRCDIR/tests/lib/dns_serve.py" 127.0.0.1 "$DNS_PORT" "$T_DIR/zone" "$T_DIR/dns.log" &
T_KILL_PIDS="$T_KILL_PIDS $!"

sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.21 -p "$P_GW1" -nostdin -trace_msg \
	-message_file "$T_DIR/gw1.log" >/dev/null 2>&1 &
GW1_PID=$!
sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.22 -p "$P_GW2" -nostdin -trace_msg \
	-message_file "$T_DIR/gw2.log" >/dev/null 2>&1 &
T_KILL_PIDS="$T_KILL_PIDS $GW1_PID $!"

# An unreadable resolv_conf: refused at start, naming the key.
daemon_start "[sip]
resolv_conf = $T_DIR/missing.conf" 2>/dev/null && t_fail "tandemd starts with a missing resolv_conf" ||
	t_like "$(cat "$T_DIR/tandemd.log")" "\[sip\] resolv_conf: cannot read $T_DIR/missing.conf" \
		"a missing resolv_conf stops tandemd, naming the key"

daemon_start "[sip]
resolv_conf = $T_DIR/resolv.conf" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the routing directory is loaded" t_eventually 10 eval '[ "$(status_field dir_state)" = ready ]'

short="$T_DIR/uac_short.xml"
sed 's/<pause milliseconds="1000"\/>/<pause milliseconds="100"\/>/' "$SIPP_DIR/uac_call.xml" >"$short"

t_ok "a call to the domain member is answered" run_sipp "$short" u1 -s +12125550101
t_ok "by gw1, the SRV target of highest priority" t_eventually 5 grep -q '^INVITE sip:+12125550101@carrier.test' "$T_DIR/gw1.log"
t_like "$(cat "$T_DIR/dns.log")" "NAPTR carrier.test" "NAPTR asked for the domain"
t_like "$(cat "$T_DIR/dns.log")" "SRV _sip._udp.carrier.test" "then SRV for the NAPTR's replacement"
t_like "$(cat "$T_DIR/dns.log")" "A gw1.carrier.test" "then the A record of the SRV target"

kill "$GW1_PID"
wait "$GW1_PID" 2>/dev/null
t_ok "gw1 gone: the next call is answered" run_sipp "$short" u1 -s +12125550102
t_ok "by gw2, the next SRV target" t_eventually 5 grep -q '^INVITE sip:+12125550102@carrier.test' "$T_DIR/gw2.log"
t_ok "the CDRs reach the database" t_eventually 20 sh -c "[ \"\$(cd / && '$(pg_bindir)/psql' -X -q -A -t -c \"SELECT count(*) FROM cdr WHERE disposition = 'answered'\")\" = 2 ]"
t_is "$(pg_sql "SELECT string_agg(callee || ':' || egress || ':' || disposition, ' ' ORDER BY callee) FROM cdr")" \
	"+12125550101:dns:answered +12125550102:dns:answered" "both calls answered through trunk dns, one CDR each"

daemon_stop
t_is "$T_DAEMON_RC" 0 "tandemd stops cleanly"
t_done
