#!/bin/bash
# SIP over TLS ([sip] tls_listen, tls_certificate, tls_key): a bad setting
# stops tandemd with the setting named; with good ones it serves sips: on
# its own port with the configured certificate (checked by openssl and by
# a client that verifies the chain), answers OPTIONS, challenges strangers
# and routes a customer's INVITE to the PSTN over TLS.
. "$TOP_SRCDIR/tests/lib/harness.sh"

SEND="python3 $TOP_SRCDIR/tests/lib/sip_send.py"
SRC=127.0.0.45
lsan_allow_libpri
cd "$T_DIR" || exit 1
# The daemon's run directory, where the TLS files Sofia reads are made.
T_RUN_DIR="$T_DIR/run"
T_DAEMON_ENV="TANDEM_RUN_DIR=$T_RUN_DIR"

# A certificate and its key; another key that does not fit it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tandem.test -keyout key.pem -out cert.pem \
	>/dev/null 2>&1 || t_fail "openssl makes a certificate"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem >/dev/null 2>&1 || t_fail "openssl makes a key"

# Bad settings: refused at start (exit 2 for the file, 1 for what it
# names), the setting named.
TLS_PORT=$((20000 + (RANDOM % 20000)))
bad_start() { # DESCRIPTION WANT-REGEX EXTRA-INI
	daemon_config "$T_DIR/bad.conf" "[sip]
tls_listen = 127.0.0.1:$TLS_PORT
$3"
	sed -i "s|^listen = 127.0.0.1:.*|listen = 127.0.0.1:$((TLS_PORT + 1))|" "$T_DIR/bad.conf"
	t_run out rc env "$T_DAEMON_ENV" timeout 20 "$TANDEMD" -c "$T_DIR/bad.conf"
	t_like "$rc" "^[12]$" "$1: tandemd exits"
	t_like "$out" "$2" "$1"
}
bad_start "tls_listen without a certificate: exit 2, named" "tls_listen needs tls_certificate and tls_key" ""
bad_start "a certificate file that is missing: named" "\[sip\] tls_certificate: $T_DIR/none.pem: No such file or directory" \
	"tls_certificate = $T_DIR/none.pem
tls_key = $T_DIR/key.pem"
bad_start "a key file with no key in it: named" "\[sip\] tls_key: $T_DIR/cert.pem: no PEM private key in it" \
	"tls_certificate = $T_DIR/cert.pem
tls_key = $T_DIR/cert.pem"
bad_start "a key that does not fit the certificate: named" \
	"\[sip\] tls_key: $T_DIR/other.pem: not the key of tls_certificate $T_DIR/cert.pem" \
	"tls_certificate = $T_DIR/cert.pem
tls_key = $T_DIR/other.pem"

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '$SRC/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+44', 1);" || t_fail "provisioning"
"$TOP_BUILDDIR/pstnsim/pstnsim" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule '442071230099=busy' --json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"
daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[sip]
tls_listen = 127.0.0.1:$TLS_PORT
tls_certificate = $T_DIR/cert.pem
tls_key = $T_DIR/key.pem" || { t_fail "tandemd starts with TLS"; t_done; exit 1; }
t_is "$(status_field sip_tls_listen)" "127.0.0.1:$TLS_PORT" "status shows the TLS listener"
t_like "$(cat "$T_DIR/tandemd.log")" "listening on 127.0.0.1:$TLS_PORT \(tls\)" "and the log says so"
t_is "$(ls "$T_RUN_DIR" 2>/dev/null | grep -c '^tls-')" 0 "no copy of the key is left in the run directory"
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"

# The certificate served is ours.
served=$(openssl s_client -connect "127.0.0.1:$TLS_PORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)
t_is "$served" "$(openssl x509 -in cert.pem -noout -fingerprint -sha256)" "openssl s_client gets the configured certificate"

msg() { # METHOD RURI NAME: a request over TLS from $SRC
	printf '%s %s SIP/2.0\r\nVia: SIP/2.0/TLS %s:5061;branch=z9hG4bK-%s\r\nFrom: <sip:pbx@%s>;tag=1\r\nTo: <%s>\r\nCall-ID: %s@%s\r\nCSeq: 1 %s\r\nContact: <sips:pbx@%s:5061>\r\nMax-Forwards: 70\r\n%b' \
		"$1" "$2" "$SRC" "$3" "$SRC" "$2" "$3" "$SRC" "$1" "$SRC" "$4" >"$T_DIR/$3.sip"
	echo "$T_DIR/$3.sip"
}
sdp=$(printf 'v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n' "$SRC" "$SRC")
body="Content-Type: application/sdp\r\nContent-Length: ${#sdp}\r\n\r\n$sdp"
tls() { $SEND --transport tls --ca "$T_DIR/cert.pem" --target "127.0.0.1:$TLS_PORT" --bind "$1" --wait 5 "$2" | cut -d' ' -f2-; }
t_is "$(tls $SRC "$(msg OPTIONS "sip:127.0.0.1" opt 'Content-Length: 0\r\n\r\n')")" 200 \
	"OPTIONS over TLS, the chain verified by the client: 200"
t_is "$(tls 127.0.0.46 "$(msg INVITE "sip:+442071230099@127.0.0.1" stranger "$body")")" 407 \
	"an INVITE over TLS from an unknown address: 407, as over UDP"
t_is "$(tls $SRC "$(msg INVITE "sips:+442071230099@127.0.0.1" call "$body")")" 486 \
	"a customer's INVITE over TLS reaches the PSTN: pstnsim's busy comes back as 486"
t_like "$($SEND --transport tls --ca "$T_DIR/other.pem" --target "127.0.0.1:$TLS_PORT" --bind $SRC --wait 5 \
	"$T_DIR/opt.sip" | cut -d' ' -f2)" "^tls-refused" "a client that trusts another CA refuses the handshake"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
kill -TERM "$SIM_PID" 2>/dev/null
wait "$SIM_PID"
t_is "$(python3 -c "import json; print(json.load(open('$T_DIR/sim.json'))['calls_in'])")" 1 \
	"pstnsim saw exactly one SETUP: the TLS customer's"
t_done
