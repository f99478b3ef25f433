#!/bin/bash
# Caller identity and redirection through tandemd, pstnsim and SIPp
# (docs/mapping.md "Identity"): a withheld caller ID each way (Q.931
# presentation <-> From anonymous, P-Asserted-Identity, Privacy: id) and
# a redirected call's Diversion each way (Q.931 redirecting number).
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
SIM_PID=

lsan_allow_libpri

id_cleanup() {
	local rc=$?
	[ -n "$SIM_PID" ] && kill -TERM "$SIM_PID" 2>/dev/null
	(exit "$rc")
	t_cleanup
}
trap id_cleanup EXIT

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name, max_cps) VALUES (1, 'acme', 10000);
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+', 1);
	INSERT INTO dids VALUES ('+442070000001', 1, 'sip:+442070000001@127.0.0.1:$UAS_PORT');" ||
	t_fail "provisioning"

# pstnsim refuses every call busy: what matters is the SETUP it decoded.
"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet --on-call busy \
	--json "$T_DIR/sim.json" >"$T_DIR/pstnsim.log" 2>&1 &
SIM_PID=$!
t_eventually 10 test -S "$T_DIR/span.dchan" || t_fail "pstnsim listens"
daemon_start "[span pstn1]
dchan = $T_DIR/span.dchan
audio = $T_DIR/span.audio
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_ok "the span's D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^pstn1 .* up '"
t_ok "the routing directory is loaded" t_eventually 10 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' status | grep -Eq '^dir_state +ready'"

# --- SIP -> PSTN -------------------------------------------------------

# sip_call NUMBER FROM-USER EXTRA-HEADERS: the customer's call (refused
# busy by pstnsim) with that From user and headers ('|' between headers).
sip_call() {
	local extra=${3//|/\\n      }
	sed -e "s/@STATUS@/486/" -e "s/@CAUSE@/17/" -e "s/sip:+15551230000@\[local_ip\]:\[local_port\]/sip:$2@[local_ip]:[local_port]/" \
		-e "s/^      Max-Forwards: 70$/      Max-Forwards: 70\n      $extra/" "$SIPP_DIR/uac_fail.xml" >"$T_DIR/id-$1.xml"
	run_sipp "$T_DIR/id-$1.xml" u1 -s "$1"
}
t_ok "a normal call" sip_call +442071230001 +15551230000 "Subject: normal"
t_ok "PAI with Privacy: id" sip_call +442071230002 +15551230000 \
	"P-Asserted-Identity: <sip:+15551239999@127.0.0.1;user=phone>|Privacy: id"
t_ok "From anonymous with PAI" sip_call +442071230003 anonymous \
	"P-Asserted-Identity: <sip:+15551239999@127.0.0.1;user=phone>"
t_ok "From anonymous without PAI" sip_call +442071230004 anonymous "Subject: anonymous"
t_ok "a call with Diversion" sip_call +442071230005 +15551230000 \
	"Diversion: <sip:+442079460001@127.0.0.1;user=phone>;reason=unconditional;counter=1"
t_ok "a call with Diversion reason user-busy" sip_call +442071230006 +15551230000 \
	"Diversion: <sip:+442079460002@127.0.0.1;user=phone>;reason=user-busy;counter=1"

kill -TERM "$SIM_PID"
wait "$SIM_PID"
SIM_PID=
# call NUMBER FIELD: what pstnsim decoded from the SETUP to NUMBER
call() { python3 -c "import json; d=json.load(open('$T_DIR/sim.json')); print([c['$2'] for c in d['calls'] if c['called'] == '$1'])"; }
# presentation (bits 6-5 of octet 3a: 0 allowed, 1 restricted) and screening
pres() { python3 -c "import json; d=json.load(open('$T_DIR/sim.json')); print([(c['calling_pres'] >> 5 & 3, c['calling_pres'] & 3) for c in d['calls'] if c['called'] == '$1'])"; }
t_is "$(call 442071230001 calling) $(pres 442071230001)" "['15551230000'] [(0, 0)]" \
	"a normal call: the number from From, presentation allowed, user provided not screened"
t_is "$(call 442071230002 calling) $(pres 442071230002)" "['15551239999'] [(1, 1)]" \
	"PAI with Privacy: id: the asserted number, presentation restricted, verified and passed"
t_is "$(call 442071230003 calling) $(pres 442071230003)" "['15551239999'] [(1, 1)]" \
	"From anonymous with PAI: the asserted number, presentation restricted"
# no number at all: libpri codes the IE as "number not available" (2),
# network provided (3), as Q.931 4.5.10 has it for an absent number
t_is "$(call 442071230004 calling) $(pres 442071230004)" "[''] [(2, 3)]" \
	"From anonymous without PAI: no number, presentation not available"
t_is "$(call 442071230005 redirecting) $(call 442071230005 redirecting_reason)" "['442079460001'] [15]" \
	"Diversion reason=unconditional: the redirecting number with reason 15 (unconditional)"
t_is "$(call 442071230006 redirecting) $(call 442071230006 redirecting_reason)" "['442079460002'] [1]" \
	"Diversion reason=user-busy: reason 1 (busy)"
t_is "$(call 442071230001 redirecting)" "['']" "a call without Diversion has no redirecting number"

# --- PSTN -> SIP -------------------------------------------------------

# pstn_call NAME PSTNSIM-ARGS...: pstnsim calls the DID; the PBX (SIPp)
# refuses it busy and logs the INVITE to $T_DIR/uas-NAME.log.
pstn_call() {
	local name=$1
	shift
	sed -e "s/@STATUS@/486/" -e "s/@EXTRA@/Server: pbx/" "$SIPP_DIR/uas_refuse.xml" >"$T_DIR/uas.xml"
	sipp -sf "$T_DIR/uas.xml" -t u1 -i 127.0.0.1 -p "$UAS_PORT" -m 1 -timeout 30s -timeout_error -nostdin \
		-trace_msg -message_file "$T_DIR/uas-$name.log" >/dev/null 2>&1 &
	local uas=$!
	"$PSTNSIM" --dchan "$T_DIR/span.dchan" --audio "$T_DIR/span.audio" --quiet --originate 1 \
		--to 00442070000001 --calls 1 --timeout 30 "$@" >"$T_DIR/pstnsim-$name.log" 2>&1 || return 1
	wait "$uas"
}
invite() { sed -n '/^INVITE /,/^$/p' "$T_DIR/uas-$1.log"; }
t_ok "a normal call from the PSTN reaches the PBX" pstn_call normal --from 00442079460000
t_like "$(invite normal)" $'\nFrom: <sip:\\+442079460000@' "a normal call: the number in From"
t_unlike() { if echo "$1" | grep -Eq "$2"; then t_fail "$3"; else t_pass "$3"; fi; }
t_unlike "$(invite normal)" "^Privacy:" "a normal call: no Privacy"

t_ok "a withheld call from the PSTN reaches the PBX" pstn_call withheld --from 00442079460000 --from-pres restricted
t_like "$(invite withheld)" $'\nFrom: "Anonymous" <sip:anonymous@anonymous.invalid>' \
	"withheld: From is anonymous (RFC 3323)"
t_like "$(invite withheld)" $'\nP-Asserted-Identity: <sip:\\+442079460000@' \
	"withheld: the network-provided number in P-Asserted-Identity (RFC 3325)"
t_like "$(invite withheld)" $'\nPrivacy: id' "withheld: Privacy: id"
t_unlike "$(invite withheld)" "^From:.*442079460000" "withheld: the number is not in From"

t_ok "a redirected call from the PSTN reaches the PBX" pstn_call redirected --from 00442079460000 \
	--redirecting 00442079460001:busy
t_like "$(invite redirected)" $'\nDiversion: <sip:\\+442079460001@[^>]*>;reason=user-busy' \
	"redirected: Diversion with the redirecting number and reason=user-busy (RFC 5806)"
t_ok "an unconditionally forwarded call from the PSTN" pstn_call forwarded --from 00442079460000 \
	--redirecting 00442079460003:unconditional
t_like "$(invite forwarded)" $'\nDiversion: <sip:\\+442079460003@[^>]*>;reason=unconditional' \
	"forwarded: Diversion reason=unconditional"
t_unlike "$(invite normal)" "^Diversion:" "a call that was not redirected has no Diversion"

t_done
