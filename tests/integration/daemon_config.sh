#!/bin/bash
# tandemd start-up: a bad configuration is refused with file:line and exit
# status 2; --check-config; one daemon per control socket.
. "$TOP_SRCDIR/tests/lib/harness.sh"

t_run out rc "$TANDEMD" -c "$T_DIR/missing.conf"
t_is "$rc" 2 "a missing configuration file: exit 2"
t_like "$out" "missing.conf: No such file or directory" "names the file"

printf '[general]\nnode = ok\n[sip]\nlisten = 127.0.0.1:70000\n' >"$T_DIR/bad.conf"
t_run out rc "$TANDEMD" -c "$T_DIR/bad.conf"
t_is "$rc" 2 "a bad value: exit 2"
t_like "$out" "^tandemd: $T_DIR/bad.conf:4: listen: \"127.0.0.1:70000\" is not ADDRESS:PORT" "file:line: what is wrong"

printf '[general]\nnode = ok\n[sipp]\n' >"$T_DIR/bad2.conf"
t_run out rc "$TANDEMD" -c "$T_DIR/bad2.conf"
t_is "$rc" 2 "an unknown section: exit 2"
t_like "$out" "bad2.conf:3: unknown section \[sipp\]" "names the section"

printf '[sip]\nmax_message = 100\n' >"$T_DIR/badsize.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/badsize.conf"
t_like "$rc $out" "^2 .*badsize.conf:2: max_message: 100 is out of range \(1024\.\.1048576\)" "[sip] max_message out of range: refused, field named"
printf '[sip]\nmax_uri = big\n' >"$T_DIR/baduri.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/baduri.conf"
t_like "$rc $out" "^2 .*baduri.conf:2: max_uri:" "[sip] max_uri not a number: refused, field named"
printf '[security]\nflood_requests = 0\nban_time = soon\n' >"$T_DIR/badsec.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/badsec.conf"
t_like "$rc $out" "^2 .*badsec.conf:3: ban_time: \"soon\" is not a duration" "[security] ban_time: refused, field named"
printf '[security]\nflood_requests = 0\nauth_failures = 0\nban_time = 0\n[sip]\nmax_uri = 1024\n' >"$T_DIR/oksec.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/oksec.conf"
t_is "$rc" 0 "[security] limits set to 0 (off) check good"
t_run out rc "$TANDEMD" --check-config -c "$TOP_SRCDIR/etc/tandem.conf.example"
t_is "$rc" 0 "the example configuration checks good"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/bad.conf"
t_is "$rc" 2 "--check-config refuses a bad file with exit 2"
printf '[span pstn1]\nnumbers = cc=44,format=sideways\n' >"$T_DIR/badspan.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/badspan.conf"
t_is "$rc" 2 "a span's number rules that do not parse: exit 2"
t_like "$out" "badspan.conf: \[span pstn1\] numbers: format" "names the span, the key and the field"
printf '[span card1]\nbackend = dahdi\n' >"$T_DIR/dahdi.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/dahdi.conf"
t_is "$rc" 2 "a DAHDI span without its DAHDI span number is refused"
t_like "$out" "\[span card1\] dahdi_span: a dahdi span needs DAHDI's span number" "names the span and the key"
printf '[span card1]\nbackend = dahdi\ndahdi_span = 1\n[span card2]\nbackend = dahdi\ndahdi_span = 1\n' >"$T_DIR/dahdi2.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/dahdi2.conf"
t_like "$rc $out" "^2 .*\[span card2\] dahdi_span: DAHDI span 1 is span card1's already" "one DAHDI span, one tandem span"
printf '[span card1]\nbackend = dahdi\ndahdi_span = 2\n' >"$T_DIR/dahdi3.conf"
t_run out rc "$TANDEMD" --check-config -c "$T_DIR/dahdi3.conf"
t_is "$rc" 0 "a DAHDI span with its number checks good"
t_run out rc "$TANDEMD" --no-such-option
t_is "$rc" 2 "an unknown option: exit 2"
t_run out rc "$TANDEMD" --show-config
t_like "$out" "^listen = 127.0.0.1:5060$" "--show-config prints the embedded defaults"

# One daemon per control socket (no database needed to start).
export PGDATABASE=nodb
daemon_start || { t_fail "tandemd starts without a database"; t_done; exit 1; }
t_pass "tandemd starts without a database"
t_like "$(status_field db_state)" "^(down|connecting)$" "and reports the database down"
first=$T_DAEMON_PID
sed "s/^listen = .*/listen = 127.0.0.1:$((T_SIP_PORT + 1))/" "$T_DIR/tandem.conf" >"$T_DIR/second.conf"
t_run out rc "$TANDEMD" -c "$T_DIR/second.conf"
t_is "$rc" 1 "a second daemon on the same control socket fails to start"
t_like "$out" "another tandemd is running on control socket" "and says why"
t_is "$(status_field pid)" "$first" "the first daemon keeps its socket"

# The SIP port in use: refused with a clear message.
sed "s|^socket = .*|socket = $T_DIR/third.sock|; s|^journal = .*|journal = $T_DIR/cdr3|" "$T_DIR/tandem.conf" >"$T_DIR/third.conf"
t_run out rc "$TANDEMD" -c "$T_DIR/third.conf"
t_is "$rc" 1 "a second daemon on the same SIP port fails to start"
t_like "$out" "cannot listen for SIP on sip:127.0.0.1:$T_SIP_PORT" "and names the address"
t_ok "its control socket is not left behind" test ! -e "$T_DIR/third.sock"

# The CDR journal is locked: a second daemon on it is refused.
sed "s|^socket = .*|socket = $T_DIR/fourth.sock|; s|^listen = .*|listen = 127.0.0.1:$((T_SIP_PORT + 2))|" \
	"$T_DIR/tandem.conf" >"$T_DIR/fourth.conf"
t_run out rc "$TANDEMD" -c "$T_DIR/fourth.conf"
t_is "$rc" 1 "a second daemon on the same CDR journal fails to start"
t_like "$out" "cannot open the CDR journal $T_DIR/spool/cdr: " "and names the journal"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
