#!/bin/bash
# SIP-T / SIP-I through the real daemon (docs/isup.md): pstnsim as the
# telephone network on a virtual E1, tests/lib/sipt_peer.py as the SIP-T
# carriers (SIPp cannot send binary ISUP octets). A PRI call to a SIP-T
# trunk carries an IAM and hears the REL's cause; a SIP-T call to the PRI
# span brings its category and redirection to the SETUP and the CDR; a
# SIP-T -> SIP-I transit forwards the IAM with the hop counter one less;
# tshark, on a capture of lo, decodes what the daemon sent.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
PEER="$TOP_SRCDIR/tests/lib/sipt_peer.py"
A_PORT=$((40000 + (RANDOM % 10000))) # carrier A (SIP-T) at 127.0.0.2
B_PORT=$((A_PORT + 10))              # carrier B (SIP-I) at 127.0.0.3
isup() { "$TANDEMCTL" isup encode "$1"; }
decode() { "$TANDEMCTL" isup decode "$(python3 "$PEER" isup "$1")"; }
# jq-free JSON: python3 -c over a file or stdin
jf() { python3 -c "import json,sys; d=json.load(open('$1') if '$1' != '-' else sys.stdin); print($2)"; }
opt() { # JSON (stdin) PARAM FIELD: the optional parameter's field
	python3 -c "import json,sys; d=json.load(sys.stdin); print([o for o in d['optional'] if o['param'] == '$1'][0]['$2'])"
}

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
# Carrier A is also a customer (its calls may reach the PSTN and other
# carriers, as an interconnect partner's do); +44 goes to the PRI, +1 to
# carrier B; DID +442070000001 to carrier A.
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'partner');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.2/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO trunks (id, name, kind, sipt, ping_interval_s) VALUES (2, 'carrier-a', 'sip', 'sip-t', 0);
	INSERT INTO trunks (id, name, kind, sipt, ping_interval_s) VALUES (3, 'carrier-b', 'sip', 'none', 0);
	INSERT INTO trunk_members (trunk_id, host, port) VALUES (2, '127.0.0.2', $A_PORT), (3, '127.0.0.3', $B_PORT);
	INSERT INTO routes (prefix, trunk_id) VALUES ('+44', 1), ('+1', 3);
	INSERT INTO dids VALUES ('+442070000001', 1, 'sip:+442070000001@127.0.0.2:$A_PORT');" ||
	t_fail "provisioning"

"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--rule '442071230016=answer:200,hangup:1s' --rule '442071230017=busy' \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"
daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[media]
port_min = $((A_PORT + 2000))
port_max = $((A_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_trunks +3$'"

# Everything on lo from here on, for tshark at the end.
# dumpcap drops its privileges: it writes into a folder of its user's
# (root's under make check as root; T_DIR is then postgres's).
CAPTURE=0
mkdir -p "$T_DIR/cap" && chmod 1777 "$T_DIR/cap"
if command -v tshark >/dev/null && command -v dumpcap >/dev/null &&
	dumpcap -i lo -a duration:1 -w "$T_DIR/cap/probe.pcapng" -q >/dev/null 2>&1; then
	dumpcap -i lo -f "udp" -w "$T_DIR/cap/lo.pcapng" -q >"$T_DIR/dumpcap.log" 2>&1 &
	CAP_PID=$!
	CAPTURE=1
	sleep 1
fi

# --- (2) SIP-T -> PRI: the IAM's category, redirection and original called number.
iam_to() { isup '{"type":"IAM","nci":{},"fci":{"isdn_access":1},"cpc":{"value":15},"tmr":{"value":0},
	"called":{"nai":4,"npi":1,"digits":"'"$1"'"},"optional":[
	{"param":"calling","nai":4,"npi":1,"screen":3,"digits":"15551230000"},
	{"param":"redirecting","nai":4,"npi":1,"digits":"442079460001"},
	{"param":"redir_info","len":2,"indicator":3,"orig_reason":1,"counter":2,"reason":2},
	{"param":"orig_called","nai":4,"npi":1,"digits":"442079460002"}]}'
}
IAM=$(iam_to 442071230016)
t_ok "IAM encoded" test -n "$IAM"
mkdir -p "$T_DIR/m-in" "$T_DIR/m-busy" "$T_DIR/m-out" "$T_DIR/m-transit" "$T_DIR/m-hop" "$T_DIR/m-req"
t_run out rc timeout 30 python3 "$PEER" uac --bind 127.0.0.2 --port "$A_PORT" --target "127.0.0.1:$T_SIP_PORT" \
	--to +442071230016 --iam "$IAM" --save "$T_DIR/m-in"
t_is "$rc" 0 "SIP-T -> PRI: answered, then the PSTN's BYE"
t_like "$out" "recv 180 INVITE" "a 180 came back"
f=$(ls "$T_DIR"/m-in/*-180-INVITE.sip 2>/dev/null | head -1)
t_is "$(decode "$f" | jf - "d['type']")" "ACM" "the 180 carries an ACM"
f=$(ls "$T_DIR"/m-in/*-200-INVITE.sip 2>/dev/null | head -1)
t_is "$(decode "$f" | jf - "d['type']")" "ANM" "the 200 carries an ANM"
f=$(ls "$T_DIR"/m-in/*-BYE-BYE.sip 2>/dev/null | head -1)
t_is "$(decode "$f" | jf - "d['type'] + ' ' + str(d['cause']['cause'])")" \
	"REL 16" "the PSTN's clearing: a BYE with a REL of cause 16"
t_like "$(tr -d "\000" <"$f" 2>/dev/null)" "Reason: Q.850;cause=16" "and the Reason header"

# A busy PRI answer: 486 with a REL of cause 17.
t_run out rc timeout 30 python3 "$PEER" uac --bind 127.0.0.2 --port "$A_PORT" --target "127.0.0.1:$T_SIP_PORT" \
	--to +442071230017 --iam "$(iam_to 442071230017)" \
	--save "$T_DIR/m-busy" --expect 486
t_is "$rc" 0 "SIP-T -> PRI busy: 486"
f=$(ls "$T_DIR"/m-busy/*-486-INVITE.sip 2>/dev/null | head -1)
t_is "$(decode "$f" | jf - "d['cause']['cause']" 2>/dev/null)" "17" "the 486 carries a REL of cause 17"

# An ISUP part that must be understood, in a version we do not know: 415.
t_run out rc timeout 30 python3 "$PEER" uac --bind 127.0.0.2 --port "$A_PORT" --target "127.0.0.1:$T_SIP_PORT" \
	--to +442071230016 --iam "$IAM" --version "itu-t99-unknown" --handling required --expect 415 --save "$T_DIR/m-req"
t_is "$rc" 0 "handling=required with an unknown ISUP version: 415 (RFC 3204)"

# --- (3) transit SIP-T -> plain SIP carrier B: as SIP-I.
v=$(status_field dir_version)
pg_sql "UPDATE trunks SET sipt = 'sip-i' WHERE id = 3" || t_fail "carrier B speaks SIP-I"
t_ok "the trunk change reaches the daemon without a restart (NOTIFY)" t_eventually 10 sh -c \
	"[ \"\$('$TANDEMCTL' --socket '$T_CTL_SOCKET' status | awk '\$1 == \"dir_version\" { print \$2 }')\" != '$v' ]"
TIAM=$(isup '{"type":"IAM","nci":{},"fci":{"isdn_access":1},"cpc":{"value":10},"tmr":{"value":0},
	"called":{"nai":4,"npi":1,"digits":"12125550100"},"optional":[
	{"param":"calling","nai":4,"npi":1,"screen":3,"digits":"442079460000"},
	{"param":"raw","code":57,"hex":"c0ffee"},{"param":"hop_counter","value":5}]}')
python3 "$PEER" uas --bind 127.0.0.3 --port "$B_PORT" --save "$T_DIR/m-transit" --timeout 20 >"$T_DIR/uas-b.out" 2>&1 &
UAS=$!
sleep 0.3
t_run out rc timeout 30 python3 "$PEER" uac --bind 127.0.0.2 --port "$A_PORT" --target "127.0.0.1:$T_SIP_PORT" \
	--to +12125550100 --iam "$TIAM" --bye-after 0.5 --rel "$(isup '{"type":"REL","cause":{"location":1,"cause":16}}')"
t_is "$rc" 0 "transit: answered by carrier B, the caller's BYE relayed"
wait "$UAS"
t_is "$?" 0 "carrier B got the INVITE, answered and got the BYE"
f=$(ls "$T_DIR"/m-transit/*-INVITE-INVITE.sip 2>/dev/null | head -1)
t_like "$(tr -d "\000" <"$f" 2>/dev/null)" "Content-Disposition: signal; ?handling=required" "SIP-I: handling=required"
got=$(python3 "$PEER" isup "$f")
want=$(printf '%s' "$TIAM" | sed 's/3d0105/3d0104/')
t_is "$got" "$want" "the IAM forwarded byte for byte, the hop counter 5 -> 4, the unknown parameter intact"
t_is "$(decode "$f" | opt raw hex)" "c0ffee" "parameter 57 (not typed by the codec) unchanged"

# Hop counter 1: released with cause 25, 483, nothing reaches carrier B.
HIAM=$(printf '%s' "$TIAM" | sed 's/3d0105/3d0101/')
t_run out rc timeout 30 python3 "$PEER" uac --bind 127.0.0.2 --port "$A_PORT" --target "127.0.0.1:$T_SIP_PORT" \
	--to +12125550100 --iam "$HIAM" --expect 483 --save "$T_DIR/m-hop"
t_is "$rc" 0 "hop counter exhausted: 483"
f=$(ls "$T_DIR"/m-hop/*-483-INVITE.sip 2>/dev/null | head -1)
t_like "$(tr -d "\000" <"$f" 2>/dev/null)" "Reason: Q.850;cause=25" "with Reason cause 25"
t_is "$(decode "$f" | jf - "d['cause']['cause']" 2>/dev/null)" "25" "and a REL of cause 25"

kill -TERM "$SIM_PID"
wait "$SIM_PID"
t_is "$(jf "$T_DIR/sim.json" "[c['redirecting'] for c in d['calls'] if c['called'] == '442071230016'][0]")" \
	"442079460001" "the SETUP carries the IAM's redirecting number"
t_is "$(jf "$T_DIR/sim.json" "[c['redirecting_reason'] for c in d['calls'] if c['called'] == '442071230016'][0]")" \
	"2" "and its reason (no reply, Q.931 2)"
t_is "$(jf "$T_DIR/sim.json" "[c['calling'] for c in d['calls'] if c['called'] == '442071230016'][0]")" \
	"15551230000" "and the calling number"

# --- (1) PRI -> SIP-T: an IAM in the INVITE; carrier A's REL cause wins over its Reason.
python3 "$PEER" uas --bind 127.0.0.2 --port "$A_PORT" --save "$T_DIR/m-out" --timeout 30 \
	--acm "$(isup '{"type":"ACM","bci":{"called_status":1}}')" --anm "$(isup '{"type":"ANM"}')" \
	--bye-after 1 --rel "$(isup '{"type":"REL","cause":{"location":4,"cause":27}}')" --reason "Q.850;cause=16" \
	>"$T_DIR/uas-a.out" 2>&1 &
UAS=$!
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet \
	--originate 1 --to 442070000001 --to-ton international --from 442079460000 --from-ton international \
	--calls 1 --timeout 40 --json "$T_DIR/sim2.json" >"$T_DIR/pstnsim2.log" 2>&1
t_is "$?" 0 "PRI -> SIP-T: pstnsim's call completed"
wait "$UAS"
t_is "$?" 0 "carrier A answered with ACM/ANM and hung up with a REL"
t_is "$(jf "$T_DIR/sim2.json" "d['answered']")" 1 "pstnsim saw the call answered"
t_is "$(jf "$T_DIR/sim2.json" "d['calls'][0]['cause']")" 27 "the PSTN hears the REL's cause 27, not the Reason's 16"
f=$(ls "$T_DIR"/m-out/*-INVITE-INVITE.sip 2>/dev/null | head -1)
t_like "$(tr -d "\000" <"$f" 2>/dev/null)" "Content-Type: multipart/mixed" "the INVITE to carrier A is multipart"
iam=$(decode "$f")
t_is "$(printf '%s' "$iam" | jf - "d['type'] + ' ' + d['called']['digits'] + ' ' + str(d['called']['nai'])")" \
	"IAM 442070000001 4" "IAM: the called number, international"
t_is "$(printf '%s' "$iam" | opt calling digits)" "442079460000" "IAM: the calling number"
t_is "$(printf '%s' "$iam" | jf - "d['cpc']['value']")" "10" "IAM: ordinary subscriber"

if [ "$CAPTURE" = 1 ]; then
	sleep 1
	kill -INT "$CAP_PID"
	wait "$CAP_PID"
	# What the daemon sent, decoded by tshark: one line per ISUP message.
	tsh() {
		tshark -r "$T_DIR/cap/lo.pcapng" -d "udp.port==$T_SIP_PORT,sip" -Y "udp.srcport == $T_SIP_PORT && isup" \
			-T fields -E separator='|' "$@" 2>/dev/null
	}
	lines=$(tsh -e sip.Method -e sip.Status-Code -e isup.message_type -e isup.called \
		-e isup.called_party_nature_of_address_indicator -e isup.calling \
		-e isup.calling_party_nature_of_address_indicator -e isup.cause_indicator)
	printf '%s\n' "$lines" | t_diag
	t_like "$lines" "\|180\|6\|" "tshark: the daemon's 180 carries an ACM (6)"
	t_like "$lines" "\|200\|9\|" "tshark: the daemon's 200 carries an ANM (9)"
	t_like "$lines" "BYE\|\|12\|\|\|\|\|16" "tshark: the daemon's BYE carries a REL (12) of cause 16, as pstnsim cleared"
	t_like "$lines" "\|486\|12\|\|\|\|\|17" "tshark: the daemon's 486 carries a REL of cause 17, pstnsim's busy"
	t_like "$lines" "INVITE\|\|1\|442070000001\|4\|442079460000\|4\|" \
		"tshark: the daemon's INVITE carries an IAM: called, NAI 4, calling, NAI 4, as pstnsim sent them"
	t_like "$lines" "\|483\|12\|\|\|\|\|25" "tshark: the 483 carries a REL of cause 25"
else
	t_pass "# SKIP no capture on lo (tshark/dumpcap missing or not permitted)"
fi

# The CDRs: the category and the redirection of the SIP-T call.
t_ok "the CDRs reach the database" t_eventually 20 sh -c \
	"[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr') -ge 6 ]"
t_is "$(pg_sql "SELECT calling_category || ' ' || redirecting || ' ' || redirect_reason || ' ' || redirect_count || ' ' ||
	original_called FROM cdr WHERE callee = '+442071230016'")" "15 +442079460001 2 2 +442079460002" \
	"the SIP-T call's CDR: category 15, redirecting number, reason, counter, original called number"
t_is "$(pg_sql "SELECT disposition || ' ' || q850_cause FROM cdr WHERE callee = '+12125550100' AND sip_status = 483")" \
	"failed 25" "the exhausted hop counter's CDR: cause 25"
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE callee = '+442070000001' AND calling_category IS NULL")" "1" \
	"a PRI call has no category"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
