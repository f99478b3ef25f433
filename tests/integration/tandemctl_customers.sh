#!/bin/bash
# tandemctl customer against a real database: what it writes (HA1, never
# the password), what show and list print, every bad value refused with
# exit 1 naming the field and nothing written, del refused while DIDs
# remain.
. "$TOP_SRCDIR/tests/lib/harness.sh"

TC="$TANDEMCTL"
pg_start tandem && "$TC" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }

for cmd in "customer" "customer add" "customer set" "customer list" "customer show" "customer del"; do
	# shellcheck disable=SC2086
	t_run out rc "$TC" $cmd --help
	t_is "$rc" 0 "tandemctl $cmd --help exits 0"
done

t_run out rc "$TC" customer add acme --max-calls 30 --max-cps 2.5 --max-duration 7200 --user pbx1 \
	--password 's3cret' --realm voip.example --address 192.0.2.0/28 --address 2001:db8::1 --allow +44 \
	--deny +4490 --caller +44207946
t_is "$rc" 0 "customer add with every setting"
t_is "$(pg_sql "SELECT name, enabled, max_calls, max_cps, max_duration_s FROM customers")" "acme|t|30|2.50|7200" \
	"the customer's row"
t_is "$(pg_sql "SELECT username, realm, ha1 FROM customer_credentials")" \
	"pbx1|voip.example|$(printf 'pbx1:voip.example:s3cret' | md5sum | cut -d' ' -f1)" \
	"the credential is stored as HA1 = MD5(user:realm:password)"
t_is "$(pg_dump -h "$PGHOST" -U tandem --data-only tandem | grep -c s3cret)" 0 "the password is nowhere in the database"
t_is "$(pg_sql "SELECT string_agg(address::text, ' ' ORDER BY address) FROM customer_addresses")" \
	"192.0.2.0/28 2001:db8::1/128" "both addresses"
t_is "$(pg_sql "SELECT string_agg(prefix || '=' || action, ' ' ORDER BY prefix) FROM customer_destinations")" \
	"+44=allow +4490=deny" "allowed and denied destinations"
t_is "$(pg_sql "SELECT prefix FROM customer_callers")" "+44207946" "caller prefix"

t_ok "customer add with the defaults" "$TC" customer add globex
t_is "$(pg_sql "SELECT enabled, max_calls, max_cps, max_duration_s FROM customers WHERE name = 'globex'")" \
	"t|10|5.00|14400" "the schema's defaults"
t_ok "--password - reads stdin" sh -c "echo 'pw from stdin' | '$TC' customer set globex --user gx --password -"
t_is "$(pg_sql "SELECT realm || ' ' || ha1 FROM customer_credentials WHERE username = 'gx'")" \
	"tandem $(printf 'gx:tandem:pw from stdin' | md5sum | cut -d' ' -f1)" "in the default realm 'tandem'"
printf '[sip]\nrealm = sip.example\n' >"$T_DIR/realm.conf"
t_ok "without --realm, the settings' [sip] realm" sh -c "echo pw2 | '$TC' -c '$T_DIR/realm.conf' customer set globex --user gy --password -"
t_is "$(pg_sql "SELECT realm || ' ' || ha1 FROM customer_credentials WHERE username = 'gy'")" \
	"sip.example $(printf 'gy:sip.example:pw2' | md5sum | cut -d' ' -f1)" "the realm tandemd would challenge with"

refused() { # DESCRIPTION PATTERN COMMAND...
	local what=$1 pattern=$2
	shift 2
	t_run out rc "$TC" "$@"
	t_is "$rc" 1 "$what: exit 1"
	t_like "$out" "$pattern" "$what: says which field and why"
}
count() { pg_sql "SELECT (SELECT count(*) FROM customers) || ' ' || (SELECT count(*) FROM customer_credentials) || ' ' ||
	(SELECT count(*) FROM customer_addresses) || ' ' || (SELECT count(*) FROM customer_destinations) || ' ' ||
	(SELECT count(*) FROM customer_callers)"; }
before=$(count)
refused "a negative limit" 'customer add: --max-calls "-1" must be a whole number from 0 to 100000' \
	customer add neg --max-calls -1
refused "a limit too large" '--max-calls "100001" must be a whole number' customer add big --max-calls 100001
refused "calls per second not a number" '--max-cps "fast" must be a number from 0 to 10000' customer add x --max-cps fast
refused "calls per second with three decimals" '--max-cps "1.234"' customer add x --max-cps 1.234
refused "a zero duration" '--max-duration "0" must be a whole number from 1 to 604800' customer add x --max-duration 0
refused "a bad name" 'customer "Acme Corp" is not a name' customer add "Acme Corp"
refused "a duplicate customer" 'customer "acme" already exists' customer add acme
refused "a bad address" '--address "192.0.2.300" is not an IPv4 or IPv6 address' customer add x --address 192.0.2.300
refused "host bits right of the mask" '--address "192.0.2.1/24" has bits set right of the prefix length' \
	customer add x --address 192.0.2.1/24
refused "a prefix length too long" '--address "10.0.0.0/33" has a prefix length' customer add x --address 10.0.0.0/33
refused "an address another customer has" '--address "192.0.2.8/29" belongs to customer acme \(192.0.2.0/28\)' \
	customer set globex --address 192.0.2.8/29
refused "a destination that is not a prefix" '--allow "44" is not an E.164 prefix' customer add x --allow 44
refused "a prefix both allowed and denied" '--deny "\+33" is also given to --allow' customer add x --allow +33 --deny +33
refused "a caller that is not a prefix" '--caller "\+44abc" is not an E.164 prefix' customer add x --caller +44abc
refused "a user name with a space" '--user "a b" is not a SIP user name' customer add x --user "a b" --password p
refused "a user another customer has in the realm" '--user "pbx1" belongs to customer acme' \
	customer set globex --user pbx1 --password x --realm voip.example
refused "removing an address it does not have" '--del-address "198.51.100.0/24" is not set for this customer' \
	customer set acme --del-address 198.51.100.0/24
refused "set of a customer that does not exist" 'customer "nobody" does not exist' customer set nobody --enable
refused "a later bad value: the earlier ones are not written either" '--del-caller "\+1" is not set' \
	customer set acme --max-calls 99 --address 198.51.100.0/24 --del-caller +1
t_is "$(count)" "$before" "nothing written by the refused commands"
t_is "$(pg_sql "SELECT max_calls FROM customers WHERE name = 'acme'")" 30 "the refused set changed nothing"
t_run out rc "$TC" customer add x --user u
t_is "$rc" 2 "--user without --password: usage error, exit 2"
t_run out rc "$TC" customer add
t_is "$rc" 2 "customer add without a name: exit 2"
t_run out rc "$TC" customer set acme --enable --disable
t_is "$rc" 2 "--enable with --disable: exit 2"
t_run out rc "$TC" customer list --address 10.0.0.1
t_is "$rc" 2 "an option the command does not take: exit 2"

t_ok "customer set changes some and removes some" "$TC" customer set acme --disable --max-calls 40 \
	--del-address 2001:db8::1 --del-destination +4490 --caller +15550100 --deny +44 --del-user pbx1
t_is "$(pg_sql "SELECT enabled, max_calls, max_cps FROM customers WHERE name = 'acme'")" "f|40|2.50" \
	"only what was given changed"
t_is "$(pg_sql "SELECT string_agg(prefix || '=' || action, ' ' ORDER BY prefix) FROM customer_destinations")" \
	"+44=deny" "--deny replaces the prefix's allow; --del-destination removed one"
t_is "$(pg_sql "SELECT count(*) FROM customer_credentials WHERE username = 'pbx1'")" 0 "--del-user"
t_is "$(pg_sql "SELECT string_agg(address::text, ' ') FROM customer_addresses WHERE customer_id = 1")" \
	"192.0.2.0/28" "--del-address"

t_ok "customer set adds a credential" "$TC" customer set acme --user pbx2 --password pw2
t_run out rc "$TC" customer show acme
t_is "$rc" 0 "customer show"
t_like "$out" "^name +acme" "show: the name"
t_like "$out" "^enabled +no" "show: enabled"
t_like "$out" "^max_calls +40" "show: a limit"
t_like "$out" "pbx2 +tandem" "show: the credential's user and realm"
t_unlike "$out" "pw2|[0-9a-f]{32}" "show: no password and no HA1"
t_like "$out" "192.0.2.0/28" "show: the address"
t_like "$out" '\+15550100' "show: a caller prefix"
t_run out rc "$TC" --json customer show acme
t_is "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["customer"]["max_calls"], d["credentials"][0]["user"], d["destinations"][0]["action"], len(d["callers"]))')" \
	"40 pbx2 deny 2" "show --json: one object with the customer and its lists"

t_run out rc "$TC" customer list
t_like "$out" "^name +enabled +max_calls +max_cps +max_duration +users +addresses +dids" "list: a header"
t_like "$out" "^acme +no +40 +2.50 +7200 +1 +1 +0" "list: acme's row"
t_run out rc "$TC" --json customer list
t_is "$(echo "$out" | python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(sys.stdin)["customers"]))')" \
	"acme globex" "list --json"

pg_sql "INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri')" >/dev/null
"$TC" did add +442079460001 --customer acme >/dev/null
"$TC" route add +33 --trunk pstn --customer acme >/dev/null
refused "del of a customer with DIDs" 'customer "acme" still has 1 DID' customer del acme
t_is "$(pg_sql "SELECT count(*) FROM customers WHERE name = 'acme'")" 1 "still there"
"$TC" did del +442079460001 >/dev/null
t_run out rc "$TC" customer del acme
t_is "$rc" 0 "del once its DIDs are gone"
t_like "$out" "with its 1 own route" "says its own routes went with it"
t_is "$(pg_sql "SELECT count(*) FROM routes") $(pg_sql "SELECT count(*) FROM customer_addresses")" "0 0" \
	"its routes and addresses are gone"
refused "del of a customer that does not exist" 'customer "acme" does not exist' customer del acme
t_done
