#!/bin/bash
# tandemctl did import (RFC 4180 CSV, every bad row reported by line,
# all rows or none) and cdr export (CSV and JSON, streamed: the process's
# memory does not grow with the number of rows).
. "$TOP_SRCDIR/tests/lib/harness.sh"

TC="$TANDEMCTL"
pg_start tandem && "$TC" db migrate >/dev/null || { t_fail "database ready"; t_done; exit 1; }
"$TC" customer add acme >/dev/null && "$TC" customer add globex >/dev/null || t_fail "customers"
"$TC" did add +442070000009 --customer acme >/dev/null

for cmd in "did import" "cdr" "cdr export"; do
	# shellcheck disable=SC2086
	t_run out rc "$TC" $cmd --help
	t_is "$rc" 0 "tandemctl $cmd --help exits 0"
done

# --- did import --------------------------------------------------------
csv="$T_DIR/dids.csv"
printf '%s\r\n' 'number,customer,target,fallback' '+442070000001,acme,sip:pbx@192.0.2.10,' \
	'+442070000002,globex,"sip:a@192.0.2.1;transport=tcp",sip:b@192.0.2.2' \
	'"+442070000003","acme","",""' '+442070000004,acme,"sip:""odd""@192.0.2.1"' >"$csv"
t_run out rc "$TC" did import "$csv"
t_is "$rc" 0 "did import of a good file"
t_like "$out" "^4 DIDs imported" "says how many"
t_is "$(pg_sql "SELECT string_agg(number || ' ' || customer_id || ' ' || coalesce(target, '-') || ' ' ||
	coalesce(fallback, '-'), '; ' ORDER BY number) FROM dids WHERE number <> '+442070000009'")" \
	'+442070000001 1 sip:pbx@192.0.2.10 -; +442070000002 2 sip:a@192.0.2.1;transport=tcp sip:b@192.0.2.2; +442070000003 1 - -; +442070000004 1 sip:"odd"@192.0.2.1 -' \
	"the rows as given: quoted fields, doubled quotes, empty fields as none"

bad="$T_DIR/bad.csv"
{
	echo '+442070000101,acme,sip:x@192.0.2.1'
	echo '+442070000102,acme,"sip:multi'
	echo 'line@192.0.2.1"'
	echo '+1abc,acme,sip:x@192.0.2.1'
	echo '+442070000103,nobody,sip:x@192.0.2.1'
	echo '+442070000001,acme,sip:x@192.0.2.1'
	echo '+442070000104,acme,http://x'
	echo '+442070000105,acme'
	echo '+442070000106,acme,sip:x@"192.0.2.1"'
	echo '+442070000101,globex,'
	echo '+442070000107,acme,sip:x@192.0.2.1,sip:y@192.0.2.2,extra'
} >"$bad"
t_run out rc "$TC" did import "$bad"
t_is "$rc" 1 "did import of a file with bad rows: exit 1"
t_like "$out" '^line 2: target "sip:multi$' "a quoted line break is read as part of the field (and refused in a URI)"
t_like "$out" '^line 4: number "\+1abc": not E.164$' "a number that is not E.164, by line (after a quoted line break)"
t_like "$out" '^line 5: customer "nobody": does not exist$' "a customer that does not exist"
t_like "$out" '^line 6: number "\+442070000001": is already a DID \(customer acme\)$' "a duplicate DID"
t_like "$out" '^line 7: target "http://x": not a SIP URI' "a target that is not a SIP URI"
t_like "$out" '^line 8: row "\+442070000105": has fewer than 3 fields' "a row with too few fields"
t_like "$out" '^line 9: row "\+442070000106": a quote out of place' "a malformed CSV row"
t_like "$out" '^line 10: number "\+442070000101": is also on line 1$' "a number twice in the file"
t_like "$out" '^line 11: row "\+442070000107": has more than 4 fields' "a row with too many fields"
t_like "$out" "9 of 10 rows refused; nothing imported" "the summary"
t_unlike "$out" '^line 1:' "the good row is not reported"
t_is "$(pg_sql "SELECT count(*) FROM dids")" 5 "nothing imported from the bad file"
t_run out rc "$TC" did import "$T_DIR/none.csv"
t_is "$rc" 1 "a file that does not exist: exit 1"
t_like "$out" "none.csv: No such file" "says so"

# Streamed: 50,000 rows in batches, one transaction.
big="$T_DIR/big.csv"
awk 'BEGIN { for (i = 0; i < 50000; i++) printf "+4420%08d,globex,sip:pbx@192.0.2.%d\n", i + 10000000, i % 250 + 1 }' >"$big"
t_run out rc "$TC" did import "$big"
t_like "$out" "^50000 DIDs imported" "50,000 rows imported"
t_is "$(pg_sql "SELECT count(*) FROM dids WHERE customer_id = 2")" 50001 "all of them"

# --- cdr export ----------------------------------------------------------
gen() { # FIRST LAST: CDRs with ids FIRST..LAST
	pg_sql "INSERT INTO cdr (id, call_uuid, leg, node, direction, customer, caller, callee, start_time, answer_time,
		end_time, duration_ms, billable_ms, disposition, sip_status, q850_cause, codec, sip_call_id)
	SELECT i, gen_random_uuid(), 1, 'n1', 'outbound', 'acme', '+44207000' || i, '+3312345' || i,
		timestamptz '2024-05-01 00:00:00Z' + i * interval '1 second',
		CASE WHEN i % 3 = 0 THEN NULL ELSE timestamptz '2024-05-01 00:00:02Z' + i * interval '1 second' END,
		timestamptz '2024-05-01 00:01:00Z' + i * interval '1 second', 60000,
		CASE WHEN i % 3 = 0 THEN 0 ELSE 58000 END,
		CASE WHEN i % 3 = 0 THEN 'busy' ELSE 'answered' END, CASE WHEN i % 3 = 0 THEN 486 ELSE 200 END,
		CASE WHEN i % 3 = 0 THEN 17 ELSE 16 END, 'PCMA', 'call-' || i || '@x, \"q\"'
	FROM generate_series($1, $2) i" >/dev/null
}
gen 1 200000
t_run out rc "$TC" cdr export --after-id 199998
t_is "$rc" 0 "cdr export --after-id"
t_is "$(printf '%s\n' "$out" | head -1 | tr -d '\r')" \
	"id,call_uuid,leg,node,direction,customer,ingress,egress,span,channel,caller,callee,dialed,start_time,answer_time,end_time,duration_ms,billable_ms,disposition,sip_status,q850_cause,hangup_side,codec,sip_call_id,route" \
	"a header line"
t_like "$out" $'^199999,[0-9a-f-]{36},1,n1,outbound,acme,,,,,\\+44207000199999,\\+33123451999999?,,2024-05-03T07:33:19.000Z,2024-05-03T07:33:21.000Z,2024-05-03T07:34:19.000Z,60000,58000,answered,200,16,,PCMA,"call-199999@x, ""q""",\r$' \
	"a row: times in UTC, NULLs empty, a field with a comma and quotes quoted (RFC 4180), CRLF"
t_is "$(printf '%s\n' "$out" | python3 -c 'import csv,sys; r=list(csv.reader(sys.stdin)); print(len(r), r[2][0], r[2][23], r[2][14] == "")')" \
	'3 200000 call-200000@x, "q" False' "Python's csv module reads it back"
t_run out rc "$TC" cdr export --since 2024-05-03T07:33:18Z --until 2024-05-03T07:33:21Z --format json
t_is "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(len(d), d[0]["id"], d[0]["answer_time"], d[0]["sip_status"], d[-1]["id"], d[-1]["disposition"], d[0]["span"])')" \
	"3 199998 None 486 200000 answered None" "--since/--until --format json: one array, numbers as numbers, null"
t_run out rc "$TC" cdr export --after-id 300000 --format json
t_is "$out" "[]" "json with no rows: an empty array"
t_run out rc "$TC" cdr export --since yesterdayish
t_is "$rc" 1 "a time that is not a time: exit 1"
t_like "$out" '--since "yesterdayish" is not a time' "names the option"
t_run out rc "$TC" cdr export --after-id -3
t_like "$out" '--after-id "-3" must be a whole number' "a negative id: names the option"
t_run out rc "$TC" cdr export --after-id 1 --format xml
t_like "$out" '--format "xml" is not csv or json' "an unknown format"
t_run out rc "$TC" cdr export
t_is "$rc" 2 "neither --after-id nor --since: exit 2"

# Memory does not grow with rows: 20,000 rows against 200,000. ASan's
# quarantine would hold freed rows, so it is kept small for these runs.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1"
stats() { "$TC" cdr export --stats "$@" 2>&1 >"$T_DIR/export.out" | awk '/^rows/ { print $2, $8, $6 }'; }
read -r n20 rss20 rate20 <<<"$(stats --after-id 180000)"
read -r n200 rss200 rate200 <<<"$(stats --after-id 0)"
t_is "$n20 $n200" "20000 200000" "both exports counted their rows"
t_is "$(wc -l <"$T_DIR/export.out") $(sed -n '2s/,.*//p' "$T_DIR/export.out") $(tail -1 "$T_DIR/export.out" | cut -d, -f1)" \
	"200001 1 200000" "200,000 rows and a header, ids 1 to 200000"
echo "max RSS: ${rss20} kB for 20,000 rows (${rate20} rows/s), ${rss200} kB for 200,000 rows (${rate200} rows/s)" | t_diag
if [ -n "$rss20" ] && [ -n "$rss200" ] && [ $((rss200 - rss20)) -lt 4096 ]; then
	t_pass "max RSS grows less than 4 MB from 20,000 to 200,000 rows ($rss20 -> $rss200 kB)"
else
	t_fail "max RSS grows less than 4 MB from 20,000 to 200,000 rows ($rss20 -> $rss200 kB)"
fi
read -r nj rssj ratej <<<"$(stats --after-id 0 --format json)"
t_is "$nj" 200000 "json: 200,000 rows"
t_is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), d[0]["id"], d[-1]["id"])' "$T_DIR/export.out")" \
	"200000 1 200000" "json: one array, ids 1 to 200000"
if [ -n "$rssj" ] && [ $((rssj - rss20)) -lt 4096 ]; then t_pass "json: max RSS as small ($rssj kB)"; else
	t_fail "json: max RSS as small ($rssj kB against $rss20)"; fi
t_done
