#!/bin/bash
# A call each way for every switch type, through tandemd: one tandemd with
# seven virtual spans (one per switch type, T1 or E1 as the switch is used),
# each toward its own pstnsim (the network side, same switch type). Each
# pstnsim places one call to a DID (the PBX, a SIPp UAS, answers; pstnsim
# clears after 1 s) and takes one SIP customer's call (answered; the SIP
# caller clears). The numbers, their type of number and the caller's
# presentation are checked where the other side sees them: in the INVITE
# the PBX got, and in what pstnsim's libpri decoded from our SETUP.
. "$TOP_SRCDIR/tests/lib/harness.sh"

PSTNSIM="$TOP_BUILDDIR/pstnsim/pstnsim"
UAS_PORT=$((40000 + (RANDOM % 10000)))
SWITCHES="ni2 dms100 5ess 4ess euroisdn_e1 euroisdn_t1 qsig"
SIM_PIDS=

lsan_allow_libpri

sw_cleanup() {
	local rc=$?
	for p in $SIM_PIDS; do kill -TERM "$p" 2>/dev/null; done
	(exit "$rc")
	t_cleanup
}
trap sw_cleanup EXIT

pg_start tandem && "$TANDEMCTL" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }

# Switch i (1..7): trunk sw-NAME with route +4420712i to it, DID
# +4420700001i to the PBX.
spans_ini=
sql="INSERT INTO customers (id, name) VALUES (1, 'acme');
	INSERT INTO customer_addresses VALUES (1, '127.0.0.1/32');"
i=0
for sw in $SWITCHES; do
	i=$((i + 1))
	case $sw in euroisdn_e1 | qsig) type=e1 law=alaw ;; *) type=t1 law=ulaw ;; esac
	sql="$sql
	INSERT INTO trunks (id, name, kind) VALUES ($i, 'sw-$sw', 'pri');
	INSERT INTO routes (prefix, trunk_id) VALUES ('+4420712$i', $i);
	INSERT INTO dids VALUES ('+4420700001$i', 1, 'sip:+4420700001$i@127.0.0.1:$UAS_PORT');"
	# The carrier's format: national numbers in the UK without the 0, others
	# international.
	spans_ini="$spans_ini
[span $sw]
type = $type
law = $law
switchtype = $sw
trunk = sw-$sw
numbers = cc=44,natpfx=0,intlpfx=00,format=national
dchan = $T_DIR/$sw.d
audio = $T_DIR/$sw.b"
	# The network side: calls the DID (national number, caller international
	# and restricted), takes our call, exits after both.
	"$PSTNSIM" --dchan "$T_DIR/$sw.d" --audio "$T_DIR/$sw.b" --type "$type" --law "$law" --switch "$sw" \
		--originate 1 --to "20700001$i" --to-ton national --from 442079460000 --from-ton international \
		--from-pres restricted --out-actions hangup:1s --on-call answer:200 --calls 2 --timeout 60 \
		--json "$T_DIR/$sw.json" >"$T_DIR/$sw.sim" 2>&1 &
	SIM_PIDS="$SIM_PIDS $!"
done
pg_sql "$sql" >/dev/null || t_fail "provisioning"
for sw in $SWITCHES; do t_eventually 10 test -S "$T_DIR/$sw.d" || t_fail "pstnsim $sw listens"; done

# The PBX takes the seven DID calls (one per switch type).
sipp -sf "$SIPP_DIR/uas_answer.xml" -t u1 -i 127.0.0.1 -p "$UAS_PORT" -m 7 -timeout 60s -timeout_error \
	-nostdin -trace_msg -message_file "$T_DIR/sipp-uas.log" >"$T_DIR/sipp-uas.out" 2>&1 &
UAS_PID=$!
T_KILL_PIDS="$T_KILL_PIDS $UAS_PID"

T_LOG_LEVEL=info daemon_start "$spans_ini
[media]
port_min = $((UAS_PORT + 2000))
port_max = $((UAS_PORT + 2400))" || { t_fail "tandemd starts"; t_done; exit 1; }
t_pass "tandemd starts with one span per switch type"
for sw in $SWITCHES; do
	t_ok "$sw: the D-channel comes up" t_eventually 20 sh -c "'$TANDEMCTL' --socket '$T_CTL_SOCKET' spans | grep -Eq '^$sw .* $sw .* up '"
done

# PSTN -> SIP: each pstnsim's call reaches the PBX.
wait "$UAS_PID"
t_is "$?" 0 "the PBX answered the seven DID calls and got their BYEs"
# One INVITE per DID: the request line, From, P-Asserted-Identity, Privacy.
invites=$(python3 - "$T_DIR/sipp-uas.log" <<'EOF'
import re, sys
text = open(sys.argv[1], errors="replace").read()
for m in re.finditer(r"^INVITE (\S+) SIP/2.0\r?\n(.*?)\r?\n\r?\n", text, re.S | re.M):
    h = {}
    for line in m.group(2).splitlines():
        k, _, v = line.partition(":")
        h[k.strip().lower()] = v.strip()
    print(m.group(1), "from=" + h.get("from", "-").split(";tag")[0], "pai=" + h.get("p-asserted-identity", "-"),
          "privacy=" + h.get("privacy", "-"))
EOF
)
i=0
for sw in $SWITCHES; do
	i=$((i + 1))
	line=$(printf '%s\n' "$invites" | grep -E "^sip:\\+4420700001$i@" | head -n 1)
	t_like "$line" "^sip:\\+4420700001$i@127.0.0.1:$UAS_PORT " "$sw: the national called number arrives as +4420700001$i"
	t_like "$line" "pai=<sip:\\+442079460000@" "$sw: the international caller arrives as +442079460000 (P-Asserted-Identity)"
	t_like "$line" "from=.*<sip:anonymous@anonymous.invalid> .* privacy=id$" "$sw: restricted presentation arrives (anonymous From, Privacy: id)"
done

# SIP -> PSTN: a customer's call per switch type, the caller restricted.
sed -e 's|^\( *\)From: \(.*\)$|\1From: \2\n\1Privacy: id|' "$SIPP_DIR/uac_call.xml" >"$T_DIR/uac_private.xml"
i=0
for sw in $SWITCHES; do
	i=$((i + 1))
	t_ok "$sw: a customer's call to +4420712${i}0016 is answered and cleared" \
		run_sipp "$T_DIR/uac_private.xml" u1 -s "+4420712${i}0016"
done

# Each pstnsim exits after its two calls; its JSON has both.
i=0
for p in $SIM_PIDS; do
	i=$((i + 1))
	wait "$p"
	echo "$?" >"$T_DIR/rc.$i"
done
SIM_PIDS=
i=0
for sw in $SWITCHES; do
	i=$((i + 1))
	t_is "$(cat "$T_DIR/rc.$i")" 0 "$sw: pstnsim saw its two calls end"
	json() { python3 -c "import json; d=json.load(open('$T_DIR/$sw.json')); c=[x for x in d['calls'] if x['dir']=='$1']; print($2 if c else 'none')"; }
	t_is "$(json out "c[0]['answered'], c[0]['cause']")" "True 16" "$sw: pstnsim's call to the DID was answered, cleared with 16"
	t_is "$(json in "c[0]['called'], hex(c[0]['called_plan'])")" "20712${i}0016 0x21" \
		"$sw: our SETUP's called number: national 20712${i}0016 (TON national, E.164)"
	t_is "$(json in "c[0]['calling'], hex(c[0]['calling_plan'])")" "15551230000 0x11" \
		"$sw: our SETUP's calling number: international 15551230000 (TON international, E.164)"
	t_is "$(json in "(c[0]['calling_pres'] >> 5) & 3")" 1 "$sw: our SETUP's presentation: restricted"
	t_is "$(json in "c[0]['answered'], c[0]['cause']")" "True 16" "$sw: our call answered, cleared with 16"
done

# Every call left its CDR with both numbers in E.164.
t_ok "the 14 CDRs reach the database" t_eventually 20 sh -c "[ \$(cd /; '$(pg_bindir)/psql' -X -q -A -t -c 'SELECT count(*) FROM cdr') -ge 14 ]"
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE direction = 'inbound' AND caller = '+442079460000' AND callee LIKE '+4420700001_' AND disposition = 'answered'")" 7 \
	"7 inbound CDRs: caller +442079460000, callee the DID, answered"
t_is "$(pg_sql "SELECT count(*) FROM cdr WHERE direction = 'outbound' AND caller = '+15551230000' AND callee LIKE '+4420712_0016' AND disposition = 'answered'")" 7 \
	"7 outbound CDRs: caller +15551230000, callee as dialled, answered"

daemon_stop
t_is "$T_DAEMON_RC" 0 "SIGTERM: clean exit 0"
t_done
