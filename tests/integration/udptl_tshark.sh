#!/bin/bash
# Our UDPTL FEC checked by an independent decoder: tests/integration/udptl_pcap
# runs a fax between two SpanDSP T.38 terminals over gateway/udptl.c with FEC
# (3 entries over 3 IFPs), one datagram in 9 lost and repaired, and writes
# every datagram to a pcap; tshark must decode each as T.38 UDPTL with
# fec-info, without a malformed packet, and the fec-data entries it reads
# must be the XOR of the primaries it reads (T.38 9.1). No daemon needed.
. "$TOP_SRCDIR/tests/lib/harness.sh"

if ! command -v tshark >/dev/null; then
	echo "1..0 # SKIP tshark is not installed"
	exit 0
fi
GEN="$TOP_BUILDDIR/tests/integration/udptl_pcap"
PAGE="$TOP_BUILDDIR/tests/integration/fax_page"
pcap="$T_DIR/udptl-fec.pcap"

"$PAGE" make "$T_DIR/page.tif" 400 5 || t_fail "a test page"
t_run out rc "$GEN" "$pcap" "$T_DIR/page.tif" "$T_DIR/rx.tif"
t_is "$rc" 0 "the fax over our UDPTL FEC ends OK at both ends ($out)"
t_like "$out" "pages=1 .* dropped=[1-9][0-9]* recovered=[1-9][0-9]* lost=0" "its losses were all repaired from FEC"
cmp=$("$PAGE" compare "$T_DIR/page.tif" "$T_DIR/rx.tif")
t_is "$?" 0 "the page arrived intact ($cmp)"
frames=$(sed -nE 's/.* packets=([0-9]+) .*/\1/p' <<<"$out")

# fields: one line per frame, fields separated by '|'.
fields() {
	local args=()
	for x in "$@"; do args+=(-e "$x"); done
	tshark -r "$pcap" -d udp.port==4000,t38 -T fields -E separator='|' "${args[@]}" 2>/dev/null
}
dec=$(fields frame.number t38.seq_number t38.error_recovery t38.fec_npackets t38.fec_data)
t_is "$(grep -c . <<<"$dec")" "${frames:-?}" "tshark reads every frame ($frames)"
t_is "$(awk -F'|' '$2 != "" && $3 == 1' <<<"$dec" | grep -c .)" "$frames" \
	"each decoded as UDPTL with error-recovery fec-info (1)"
full=$(awk -F'|' '$4 == 3 && $5 == 3' <<<"$dec" | grep -c .)
t_ok "most carry fec-npackets 3 and 3 fec-data entries ($full of $frames; the first ones fewer)" \
	test "$full" -gt $((frames - 20))
t_is "$(tshark -r "$pcap" -d udp.port==4000,t38 -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>/dev/null |
	grep -c .)" 0 "no malformed packet, no expert error"

# The entries tshark reads against the primaries it reads: entry m of the
# packet seq is the XOR of the primaries seq + m - S*E + j*E (j < S),
# padded with zeros to the longest (T.38 9.1), in each direction.
# (PER's internal fields on: the primary's open type length is tshark's.)
tshark -r "$pcap" -d udp.port==4000,t38 -o per.display_internal_per_fields:TRUE -T pdml 2>/dev/null >"$T_DIR/fec.pdml"
t_run res rc python3 - "$T_DIR/fec.pdml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

prim, pkts = {}, []
for _, pk in ET.iterparse(sys.argv[1]):
    if pk.tag != "packet":
        continue
    f = {}
    items = []
    open_len = None
    for e in pk.iter("field"):
        n = e.get("name")
        if n == "frame":
            continue
        if n == "udp.srcport":
            f["src"] = e.get("show")
        elif n == "udp.payload":
            f["payload"] = bytes.fromhex(e.get("value"))
        elif n == "t38.seq_number":
            f["seq"] = int(e.get("show"))
        elif n == "per.open_type_length" and "ppos" not in f:
            open_len = int(e.get("show"))
        elif n == "t38.primary_ifp_packet_element" and open_len is not None:
            f["ppos"], f["plen"] = int(e.get("pos")), open_len
        elif n == "t38.fec_npackets":
            f["span"] = int(e.get("show"))
        elif n == "t38.fec_data_item":
            items.append(bytes.fromhex(e.get("value")))
    pk.clear()
    if "payload" not in f or "ppos" not in f:
        continue
    p = f["payload"][f["ppos"] - 28:f["ppos"] - 28 + f["plen"]]
    prim[(f["src"], f["seq"])] = p
    pkts.append((f["src"], f["seq"], f.get("span", 0), items))
checked = bad = 0
for src, seq, span, items in pkts:
    n = len(items)
    for m, item in enumerate(items):
        members = [prim.get((src, seq + m - span * n + j * n)) for j in range(span)]
        if any(x is None for x in members):
            bad += 1
            continue
        longest = max(len(x) for x in members)
        want = bytearray(longest)
        for x in members:
            for i, b in enumerate(x):
                want[i] ^= b
        checked += 1
        bad += bytes(want) != item
print(f"entries={checked} wrong={bad}")
sys.exit(1 if bad or checked == 0 else 0)
EOF
t_is "$rc" 0 "every fec-data entry tshark reads is the XOR of the primaries it reads ($res)"
t_like "$res" "entries=[1-9][0-9]{3,} wrong=0" "thousands of entries checked"
t_done
