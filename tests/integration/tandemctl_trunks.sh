#!/bin/bash
# tandemctl trunk against a real database: SIP trunks with members,
# registration, pings, failover, number rules and cause maps; PRI trunks
# with spans; del refused while routes use a trunk; every bad value
# refused with exit 1 naming the field and nothing written.
. "$TOP_SRCDIR/tests/lib/harness.sh"

TC="$TANDEMCTL"
pg_start tandem && "$TC" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO spans (name, node, backend, framing, law, switchtype, side) VALUES
	('s1', 'n1', 'virtual', 'e1', 'alaw', 'euroisdn_e1', 'cpe'),
	('s2', 'n1', 'virtual', 'e1', 'alaw', 'euroisdn_e1', 'cpe'),
	('s3', 'n2', 'dahdi', 't1', 'ulaw', 'ni2', 'cpe')" || t_fail "spans"

for cmd in "trunk" "trunk add" "trunk set" "trunk member" "trunk cause" "trunk list" "trunk show" "trunk del"; do
	# shellcheck disable=SC2086
	t_run out rc "$TC" $cmd --help
	t_is "$rc" 0 "tandemctl $cmd --help exits 0"
done

t_run out rc "$TC" trunk add carrier --kind sip --member 192.0.2.1 --member gw.example.net:5080 \
	--member '[2001:db8::5]:5062' --transport tcp --max-calls 200 --max-cps 20 --register --auth-user acct1 \
	--auth-password pw1 --register-expires 600 --ping-interval 15 --ping-up 1 --ping-down 4 \
	--invite-timeout 4000 --failover-codes 408,480,503 --national-prefix 0 --international-prefix 00 \
	--strip-digits 1 --add-prefix '#31' --limit-status 486 --limit-cause 17 --sipt sip-i
t_is "$rc" 0 "trunk add (SIP) with every setting"
t_is "$(pg_sql "SELECT kind, enabled, max_calls, max_cps, sipt, register, auth_user, auth_password, register_expires,
	ping_interval_s, ping_up, ping_down, invite_timeout_ms, failover_codes, national_prefix, international_prefix,
	strip_digits, add_prefix, limit_status, limit_cause FROM trunks WHERE name = 'carrier'")" \
	"sip|t|200|20.00|sip-i|t|acct1|pw1|600|15|1|4|4000|{408,480,503}|0|00|1|#31|486|17" "the trunk's row"
t_is "$(pg_sql "SELECT string_agg(host || ' ' || coalesce(port::text, '-') || ' ' || transport || ' ' || priority
	|| ' ' || weight, ', ' ORDER BY id) FROM trunk_members")" \
	"192.0.2.1 - tcp 10 100, gw.example.net 5080 tcp 10 100, [2001:db8::5] 5062 tcp 10 100" "its three members"
t_ok "trunk add with the defaults" "$TC" trunk add backup --kind sip
t_is "$(pg_sql "SELECT max_calls IS NULL, sipt, register, register_expires, ping_interval_s, ping_up, ping_down,
	invite_timeout_ms, failover_codes, strip_digits, limit_status, limit_cause FROM trunks WHERE name = 'backup'")" \
	"t|none|f|3600|30|2|3|1000|{408,500,502,503,504}|0|503|34" "the schema's defaults"

t_ok "trunk member add with transport, priority and weight" "$TC" trunk member add backup 198.51.100.7:5061 \
	--transport tls --priority 5 --weight 30
t_is "$(pg_sql "SELECT host || ' ' || port || ' ' || transport || ' ' || priority || ' ' || weight FROM trunk_members m
	JOIN trunks t ON t.id = m.trunk_id WHERE t.name = 'backup'")" "198.51.100.7 5061 tls 5 30" "the member's row"

t_ok "trunk add (PRI) with two spans" "$TC" trunk add pstn --kind pri --span s1 --span s2 --max-calls 60
t_is "$(pg_sql "SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM spans s JOIN trunks t ON t.id = s.trunk_id
	WHERE t.name = 'pstn'")" "s1 s2" "the spans name the trunk"

t_ok "trunk cause q850_to_sip" "$TC" trunk cause carrier q850_to_sip 34 486
t_ok "trunk cause sip_to_q850" "$TC" trunk cause carrier sip_to_q850 404 1
t_ok "trunk cause replaces a cause's mapping" "$TC" trunk cause carrier q850_to_sip 34 480
t_is "$(pg_sql "SELECT string_agg(direction || ' ' || q850_cause || ' ' || sip_status, ', ' ORDER BY direction)
	FROM cause_maps")" "q850_to_sip 34 480, sip_to_q850 1 404" "one mapping per value"

refused() { # DESCRIPTION PATTERN COMMAND...
	local what=$1 pattern=$2
	shift 2
	t_run out rc "$TC" "$@"
	t_is "$rc" 1 "$what: exit 1"
	t_like "$out" "$pattern" "$what: says which field and why"
}
count() { pg_sql "SELECT (SELECT count(*) FROM trunks) || ' ' || (SELECT count(*) FROM trunk_members) || ' ' ||
	(SELECT count(*) FROM cause_maps) || ' ' || (SELECT count(trunk_id) FROM spans) || ' ' ||
	(SELECT string_agg(max_calls::text, ',' ORDER BY id) FROM trunks)"; }
before=$(count)
refused "a kind that is not sip or pri" '--kind "h323" is not sip or pri' trunk add x --kind h323
refused "a negative limit" 'trunk add: --max-calls "-5" must be a whole number from 0 to 100000' \
	trunk add x --kind sip --max-calls -5
refused "a failover code that is not a status" '--failover-codes "408,99" must be SIP statuses 400..699' \
	trunk add x --kind sip --failover-codes 408,99
refused "a ping interval too long" '--ping-interval "7200" must be a whole number from 0 to 3600' \
	trunk add x --kind sip --ping-interval 7200
refused "an INVITE timeout too short" '--invite-timeout "100" must be a whole number from 500' \
	trunk add x --kind sip --invite-timeout 100
refused "a national prefix with a letter" '--national-prefix "0a" must be 1 to 4 digits' \
	trunk add x --kind sip --national-prefix 0a
refused "a limit status that is not a failure" '--limit-status "200" must be a whole number from 400 to 699' \
	trunk add x --kind sip --limit-status 200
refused "a bad sipt mode" '--sipt "isup" is not none, sip-t or sip-i' trunk add x --kind sip --sipt isup
refused "a member port out of range" 'member port "70000"' trunk add x --kind sip --member 192.0.2.9:70000
refused "a member with a space" 'member "bad host" is not HOST' trunk add x --kind sip --member "bad host"
refused "a duplicate trunk" 'trunk "carrier" already exists' trunk add carrier --kind sip
refused "registration on a PRI trunk" 'trunk "x" is a PRI trunk: --register is for SIP trunks' \
	trunk add x --kind pri --register
refused "a member on a PRI trunk" 'trunk "pstn" is a PRI trunk' trunk member add pstn 192.0.2.9
refused "a span on a SIP trunk" 'trunk "carrier" is a SIP trunk: --span is for PRI trunks' trunk set carrier --span s3
refused "a span that does not exist" '--span "s9" does not exist' trunk set pstn --span s9
refused "a span another trunk has" '--span "s1" belongs to trunk pstn' trunk add pstn2 --kind pri --span s3 --span s1
refused "a duplicate member" 'member "192.0.2.1" is already a member' trunk member add carrier 192.0.2.1 --transport tcp
refused "deleting a member that is not there" 'member "192.0.2.99" is not a member' trunk member del carrier 192.0.2.99
refused "a cause out of range" 'cause "200" must be a whole number from 1 to 127' trunk cause carrier q850_to_sip 200 480
refused "a status out of range" 'status "700" must be a whole number from 400 to 699' trunk cause carrier q850_to_sip 34 700
refused "a direction that does not exist" 'direction "both" is not q850_to_sip or sip_to_q850' trunk cause carrier both 1 400
refused "set of a trunk that does not exist" 'trunk "nowhere" does not exist' trunk set nowhere --enable
t_is "$(count)" "$before" "nothing written by the refused commands"
t_run out rc "$TC" trunk add x
t_is "$rc" 2 "trunk add without --kind: usage error, exit 2"
t_run out rc "$TC" trunk add x --kind sip --auth-user u
t_is "$rc" 2 "--auth-user without --auth-password: exit 2"
t_run out rc "$TC" trunk member frob carrier 192.0.2.1
t_is "$rc" 2 "trunk member without add|del: exit 2"

t_ok "trunk set changes some and clears some" "$TC" trunk set carrier --disable --max-calls none --no-register \
	--no-auth --national-prefix none --failover-codes none
t_is "$(pg_sql "SELECT enabled, max_calls IS NULL, max_cps, register, auth_user IS NULL AND auth_password IS NULL,
	national_prefix IS NULL, international_prefix, failover_codes FROM trunks WHERE name = 'carrier'")" \
	"f|t|20.00|f|t|t|00|{}" "only what was given changed"
t_ok "trunk set moves spans" "$TC" trunk set pstn --del-span s2 --span s3
t_is "$(pg_sql "SELECT string_agg(name, ' ' ORDER BY name) FROM spans WHERE trunk_id IS NOT NULL")" "s1 s3" \
	"s2 off the trunk, s3 on"
t_ok "trunk member del" "$TC" trunk member del carrier gw.example.net:5080
t_ok "trunk cause --del" "$TC" trunk cause carrier sip_to_q850 404 --del

t_run out rc "$TC" trunk show carrier
t_is "$rc" 0 "trunk show"
t_like "$out" "^kind +sip" "show: kind"
t_like "$out" "^enabled +no" "show: enabled"
t_like "$out" "^invite_timeout +4000 ms" "show: INVITE timeout"
t_like "$out" "^add_prefix +#31" "show: number rules"
t_like "$out" "192.0.2.1 +- +tcp +10 +100" "show: a member"
t_unlike "$out" "gw.example.net" "show: not the deleted member"
t_like "$out" "q850_to_sip +34 +480" "show: a cause mapping"
t_unlike "$out" "pw1" "show: never the password"
t_run out rc "$TC" trunk show pstn
t_like "$out" "s3 +n2 +dahdi +t1 +ni2 +cpe" "show of a PRI trunk lists its spans"
t_run out rc "$TC" --json trunk show backup
t_is "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["trunk"]["failover_codes"], d["members"][0]["transport"], len(d["cause_maps"]))')" "408,500,502,503,504 tls 0" \
	"show --json"
t_run out rc "$TC" trunk list
t_like "$out" "^name +kind +enabled +members +max_calls +max_cps +register +sipt +routes" "list: a header"
t_like "$out" "^carrier +sip +no +2 +- +20.00 +no +sip-i +0" "list: the SIP trunk"
t_like "$out" "^pstn +pri +yes +2 +60 +- +no +none +0" "list: the PRI trunk, its spans as members"

"$TC" route add +44 --trunk pstn >/dev/null && "$TC" route add +33 --trunk pstn >/dev/null
refused "del of a trunk routes use" 'trunk "pstn" is used by 2 routes' trunk del pstn
t_is "$(pg_sql "SELECT count(*) FROM trunks WHERE name = 'pstn'")" 1 "still there"
t_run out rc pg_sql "DELETE FROM trunks WHERE name = 'pstn'"
t_like "$out" "violates foreign key constraint" "the database refuses it too (RESTRICT)"
"$TC" route del +44 --trunk pstn >/dev/null && "$TC" route del +33 --trunk pstn >/dev/null
t_ok "del once no route uses it" "$TC" trunk del pstn
t_is "$(pg_sql "SELECT count(*) FROM spans WHERE trunk_id IS NULL")" 3 "its spans stay, without a trunk"
t_ok "del of a SIP trunk" "$TC" trunk del carrier
t_is "$(pg_sql "SELECT count(*) FROM trunk_members") $(pg_sql "SELECT count(*) FROM cause_maps")" "1 0" \
	"its members and cause maps went with it"

# The schema's own checks (005_provisioning), for whoever writes SQL.
t_run out rc pg_sql "UPDATE trunks SET failover_codes = '{408,200}' WHERE name = 'backup'"
t_like "$out" "violates check constraint" "the schema refuses a failover code below 400"
t_run out rc pg_sql "UPDATE trunks SET auth_user = 'u' WHERE name = 'backup'"
t_like "$out" 'violates check constraint "trunks_auth_pair"' "the schema refuses a user without a password"
# route set and route test: the daemon's decision (the routing index), in order, and why.
"$TC" customer add acme >/dev/null
"$TC" trunk add uk1 --kind sip --member 192.0.2.11 --member 192.0.2.12:5070 >/dev/null
"$TC" trunk add uk2 --kind sip --member 192.0.2.21 >/dev/null
"$TC" trunk add off --kind sip --disable >/dev/null
"$TC" trunk add pri1 --kind pri --span s1 >/dev/null
t_run out rc "$TC" route test +442071234567
t_is "$rc" 1 "route test with no route: exit 1"
t_like "$out" "no route" "says so"
"$TC" route add +44 --trunk uk1 --weight 300 >/dev/null
"$TC" route add +44 --trunk uk2 >/dev/null
"$TC" route add +44 --trunk off --priority 1 >/dev/null
"$TC" route add + --trunk backup --priority 20 >/dev/null
"$TC" route add +4420 --trunk pri1 --customer acme >/dev/null
"$TC" route add +442079 --trunk uk2 >/dev/null
t_run out rc "$TC" route test +442071234567
t_is "$rc" 0 "route test exits 0"
t_like "$out" "^decision +longest match \\+44 \\(global route\\), 2 trunks in 1 priority" "the decision"
t_like "$out" "^1 +uk1 +\\+44 +global +10 +300 +75% +192.0.2.11/udp p10 w100 192.0.2.12:5070/udp" \
	"first try: uk1, its share by weight and its members"
t_like "$out" "^1 +uk2 +\\+44 +global +10 +100 +25%" "uk2 at the same priority, 25%"
t_like "$out" "^off +\\+44 +global +1 +trunk disabled" "the disabled trunk is not tried, and says why"
t_like "$out" "^backup +\\+ +global +20 +a longer prefix matched" "the default route: a longer prefix matched"
t_ok "route set changes a priority" "$TC" route set +44 --trunk uk2 --priority 5
t_is "$(pg_sql "SELECT priority || ' ' || weight FROM routes r JOIN trunks t ON t.id = r.trunk_id
	WHERE t.name = 'uk2' AND prefix = '+44'")" "5 100" "only the priority changed"
t_run out rc "$TC" --json route test +442071234567
t_is "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(" ".join(t["try"] + ":" + t["trunk"] for t in d["tries"]), len(d["not_used"]))')" "1:uk2 2:uk1 2" \
	"--json: uk2 first now, then uk1; two rows not used"
t_run out rc "$TC" route test +442071234567 --customer acme
t_like "$out" "^1 +pri1 +\\+4420 +acme +10 +100 +100% +spans: s1" "the customer's own longer route wins"
t_like "$out" "^uk1 +\\+44 +global +10 +a longer prefix matched" "the shorter global route is not used"
t_run out rc "$TC" route test +442079460000 --customer acme
t_like "$out" "^1 +uk2 +\\+442079 +global" "a longer global prefix beats the customer's shorter one"
t_run out rc "$TC" route test +33123456789
t_like "$out" "^1 +backup +\\+ +global +20" "anything else takes the default route"
"$TC" route add +4420 --trunk uk1 >/dev/null
t_run out rc "$TC" route test +442071234567 --customer acme
t_like "$out" "^uk1 +\\+4420 +global +10 +the customer's own route of this length wins" \
	"at equal length the customer's own route wins, and says so"
t_run out rc "$TC" route test 0207
t_is "$rc" 1 "route test of a number that is not E.164: exit 1"
t_like "$out" 'route test: number "0207" is not E.164' "names the field"
refused "route set of a route that is not there" 'prefix "\+49" has no such route' route set +49 --trunk uk1 --weight 1
refused "a route to a trunk that does not exist" 'route add: trunk "ghost" does not exist' route add +49 --trunk ghost
t_run out rc "$TC" route set +44 --trunk uk1
t_is "$rc" 2 "route set with nothing to change: exit 2"
t_done
