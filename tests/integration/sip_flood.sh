#!/bin/bash
# Flood defence: a burst of requests from 127.0.0.2 gets that address banned
# (its requests get no answer at all: the kernel filter drops them), while
# 127.0.0.1 is still served; the ban ends by itself; the ban line matches
# the fail2ban filter shipped in contrib/. Refusals (403) ban too.
. "$TOP_SRCDIR/tests/lib/harness.sh"

SEND="python3 $TOP_SRCDIR/tests/lib/sip_send.py"
pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
# 127.0.0.1 is a customer (trusted: never banned); 127.0.0.2 and .3 are strangers.
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');" || t_fail "provisioning"
daemon_start "[security]
flood_requests = 16
flood_window = 2s
auth_failures = 3
auth_window = 60s
ban_time = 8s" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"
t_is "$(status_field security_filtered_sockets)" 2 "the UDP socket and the TCP listener are filtered"

# OPTIONS FROM-ADDRESS: one request; @N@ numbers each repetition.
options() {
	printf 'OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s-@N@\r\nFrom: <sip:a@%s>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: %s-@N@@%s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n' \
		"$1" "$2" "$1" "$2" "$1" >"$T_DIR/$2.sip"
	echo "$T_DIR/$2.sip"
}
# Each request waits up to 0.5 s for its answer: a loaded machine that
# holds tandemd longer queues the next ones before the ban, and queued
# OPTIONS are answered by Sofia itself (a full suite once saw 24 of 24).
# 8 unanswered requests (4 s) stay within the 8 s ban.
burst=$($SEND --target "127.0.0.1:$T_SIP_PORT" --bind 127.0.0.2 --any --wait 0.5 --repeat 24 "$(options 127.0.0.2 flood)" | awk '{ print $2 }' | tr '\n' ' ')
t_like "$burst" "^(200 ){16}" "the first 16 requests from 127.0.0.2 are answered"
# nua answers an OPTIONS before the glue counts it: one to three more may
# be answered while the ban is applied (docs/security.md), then none.
t_like "$burst" "^(200 ){16,20}(none ){4,8}$" "then nothing: 127.0.0.2 is banned (the kernel drops its requests)"
t_is "$(status_field security_banned)" 1 "status: one banned address"
t_like "$(cat "$T_DIR/tandemd.log")" "\[security\] banned 127\.0\.0\.2 for 8 s: 17 requests in 2 s" "one log line says who, for how long and why"
t_is "$($SEND --target "127.0.0.1:$T_SIP_PORT" --bind 127.0.0.1 --any --wait 2 --repeat 20 "$(options 127.0.0.1 trusted)" | grep -c ' 200$')" 20 \
	"127.0.0.1 (a customer: trusted) is served, 20 requests in a row"
t_is "$(grep -c "banned 127.0.0.1" "$T_DIR/tandemd.log")" 0 "the trusted address is never banned"
t_ok "the ban ends by itself" t_eventually 15 sh -c "$SEND --target 127.0.0.1:$T_SIP_PORT --bind 127.0.0.2 --any --wait 0.3 $T_DIR/flood.sip | grep -q ' 200$'"
t_like "$(cat "$T_DIR/tandemd.log")" "\[security\] unbanned 127\.0\.0\.2" "the unban is logged"
t_is "$(status_field security_banned)" 0 "status: nothing banned"

# Refusals: an unknown source's INVITEs with wrong credentials get 403
# (without any they get 407, which does not count); the fourth within the
# window bans it.
printf 'INVITE sip:+442071230016@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.3;branch=z9hG4bK-inv-@N@\r\nFrom: <sip:a@127.0.0.3>;tag=1\r\nTo: <sip:+442071230016@127.0.0.1>\r\nCall-ID: inv-@N@@127.0.0.3\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.3>\r\nMax-Forwards: 70\r\nProxy-Authorization: Digest username="a", realm="tandem", nonce="00000000000000000000000000000000000000ff", uri="sip:+442071230016@127.0.0.1", response="00000000000000000000000000000000", qop=auth, nc=00000001, cnonce="1"\r\nContent-Length: 0\r\n\r\n' >"$T_DIR/inv.sip"
refused=$($SEND --target "127.0.0.1:$T_SIP_PORT" --bind 127.0.0.3 --any --wait 0.3 --repeat 5 "$T_DIR/inv.sip" | awk '{ print $2 }' | tr '\n' ' ')
t_like "$refused" "^403 403 403 403 none $" "four 403s, then 127.0.0.3 is banned"
t_like "$(cat "$T_DIR/tandemd.log")" "banned 127\.0\.0\.3 for 8 s: 4 refusals \(403\) in 60 s" "the refusal ban's log line"

# fail2ban's own tool finds both ban lines with the shipped filter.
grep "\[security\] banned" "$T_DIR/tandemd.log" >"$T_DIR/bans.log"
if command -v fail2ban-regex >/dev/null; then
	t_run out rc fail2ban-regex "$T_DIR/bans.log" "$TOP_SRCDIR/contrib/fail2ban/tandem.conf"
	t_is "$rc" 0 "fail2ban-regex runs"
	t_like "$out" "Lines: 2 lines, 0 ignored, 2 matched" "fail2ban-regex matches both ban lines"
else
	t_fail "fail2ban-regex is installed (apt-get install fail2ban)"
fi
t_ok "tandemd is still running" kill -0 "$T_DAEMON_PID"
t_done
