#!/bin/bash
# tandemctl did and route against a real database: what they write, what
# they list (aligned and --json), and every bad value refused with exit 1
# and a message naming the field, with nothing written.
. "$TOP_SRCDIR/tests/lib/harness.sh"

TC="$TANDEMCTL"
pg_start tandem && "$TC" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
pg_sql "INSERT INTO customers (id, name) VALUES (1, 'acme'), (2, 'globex');
	INSERT INTO trunks (id, name, kind) VALUES (1, 'pstn', 'pri'), (2, 'carrier', 'sip');" ||
	t_fail "customers and trunks"

for cmd in "did" "did add" "did set" "did del" "did list" "route" "route add" "route del" "route list"; do
	# shellcheck disable=SC2086
	t_run out rc "$TC" $cmd --help
	t_is "$rc" 0 "tandemctl $cmd --help exits 0"
done

# DIDs.
t_run out rc "$TC" did add +442070000001 --customer acme --target sip:pbx@192.0.2.10
t_is "$rc" 0 "did add"
t_is "$(pg_sql "SELECT number, customer_id, target, fallback IS NULL FROM dids")" "+442070000001|1|sip:pbx@192.0.2.10|t" \
	"the row as given"
refused() { # DESCRIPTION PATTERN COMMAND...
	local what=$1 pattern=$2
	shift 2
	t_run out rc "$TC" "$@"
	t_is "$rc" 1 "$what: exit 1"
	t_like "$out" "$pattern" "$what: says which field and why"
}
refused "a number that is not E.164" 'did add: number "0123" is not E.164' did add 0123 --customer acme
refused "a number with a leading zero country code" 'number "\+0441" is not E.164' did add +0441 --customer acme
refused "a number of 16 digits" 'is not E.164' did add +4420700000011234 --customer acme
refused "a duplicate DID" 'number "\+442070000001" is already a DID \(customer acme\)' \
	did add +442070000001 --customer globex
refused "a missing customer" 'customer "nobody" does not exist' did add +442070000002 --customer nobody
refused "a target that is not a SIP URI" 'target "http://x" is not a SIP URI' \
	did add +442070000002 --customer acme --target http://x
refused "a target with a space" 'target "sip:a b" contains a space' did add +442070000002 --customer acme \
	--target "sip:a b"
refused "did set of a number that is not a DID" 'number "\+442070000009" is not a DID' did set +442070000009 \
	--target sip:x@y
t_is "$(pg_sql "SELECT count(*) FROM dids")" 1 "nothing written by the refused commands"
t_run out rc "$TC" did add
t_is "$rc" 2 "did add without a number: usage error, exit 2"
t_run out rc "$TC" did add +442070000002
t_is "$rc" 2 "did add without --customer: exit 2"
t_like "$out" "\-\-customer is required" "says so"
t_run out rc "$TC" did add +442070000002 --customer acme --trunk pstn
t_is "$rc" 2 "an option the command does not take: exit 2"

t_ok "did add with a fallback" "$TC" did add +442070000002 --customer globex --target sip:a@192.0.2.1 \
	--fallback sip:b@192.0.2.2
t_ok "did set moves a DID to another customer and clears its fallback" "$TC" did set +442070000002 \
	--customer acme --no-fallback
t_is "$(pg_sql "SELECT customer_id || ' ' || target || ' ' || (fallback IS NULL) FROM dids WHERE number = '+442070000002'")" \
	"1 sip:a@192.0.2.1 true" "did set changed only what was given"
t_run out rc "$TC" did list
t_is "$rc" 0 "did list"
t_like "$out" "^number +customer +target +fallback" "an aligned table with a header"
t_like "$out" "\+442070000001 +acme +sip:pbx@192.0.2.10" "each DID a row"
t_run out rc "$TC" --json did list --customer acme
t_is "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["dids"]; print(len(d), d[0]["number"], d[1]["target"])')" \
	"2 +442070000001 sip:a@192.0.2.1" "--json: an array of objects"
t_ok "did del" "$TC" did del +442070000002
refused "did del of a number that is not a DID" 'number "\+442070000002" is not a DID' did del +442070000002
t_is "$(pg_sql "SELECT count(*) FROM dids")" 1 "one DID left"

# Routes.
t_ok "route add, global" "$TC" route add +44 --trunk pstn
t_ok "route add, a customer's own, with priority and weight" "$TC" route add +4420 --trunk carrier --customer acme \
	--priority 5 --weight 50
t_ok "route add, the default route '+'" "$TC" route add + --trunk carrier --priority 20
t_is "$(pg_sql "SELECT prefix || ' ' || coalesce(customer_id, 0) || ' ' || trunk_id || ' ' || priority || ' ' || weight
	FROM routes ORDER BY prefix")" "+ 0 2 20 100
+44 0 1 10 100
+4420 1 2 5 50" "the rows as given, with the default priority and weight"
refused "a route to a trunk that does not exist" 'trunk "nowhere" does not exist' route add +33 --trunk nowhere
refused "a prefix that is not E.164" 'prefix "44" is not an E.164 prefix' route add 44 --trunk pstn
refused "a prefix too long" 'prefix "\+1234567890123456" is not an E.164 prefix' route add +1234567890123456 \
	--trunk pstn
refused "a negative priority" 'priority "-1" must be a whole number from 0 to 65535' route add +33 --trunk pstn \
	--priority -1
refused "a weight out of range" 'weight "70000" must be a whole number' route add +33 --trunk pstn --weight 70000
refused "a duplicate route" 'prefix "\+44" already routes to trunk pstn' route add +44 --trunk pstn
refused "a route for a missing customer" 'customer "nobody" does not exist' route add +33 --trunk pstn \
	--customer nobody
t_is "$(pg_sql "SELECT count(*) FROM routes")" 3 "nothing written by the refused commands"
t_run out rc "$TC" route add +33
t_is "$rc" 2 "route add without --trunk: exit 2"

t_run out rc "$TC" route list
t_like "$out" "^prefix +customer +trunk +priority +weight" "route list: a header"
t_like "$out" "\+4420 +acme +carrier +5 +50" "a customer's route names the customer"
t_like "$out" "\+44 +\* +pstn +10 +100" "a global route shows '*'"
t_run out rc "$TC" --json route list --customer globex
t_is "$(echo "$out" | python3 -c 'import json,sys; print(" ".join(r["prefix"] for r in json.load(sys.stdin)["routes"]))')" \
	"+ +44" "a customer's listing: the global routes and none of another customer's"
t_ok "route del" "$TC" route del +4420 --trunk carrier --customer acme
refused "route del of a route that is not there" 'prefix "\+4420" has no such route' route del +4420 --trunk carrier
t_is "$(pg_sql "SELECT count(*) FROM routes")" 2 "two routes left"

t_run out rc "$TC" --db "host=$T_DIR/nowhere dbname=x" did list
t_is "$rc" 1 "no database: exit 1"
t_like "$out" "cannot connect to the database" "says so"
t_done
