#!/bin/bash
# SIP-T bodies checked by an independent decoder: isup/ builds an INVITE
# (SDP + IAM from Q.931 SETUP fields), a 180 (ACM), a 200 (ANM) and a BYE
# (REL) into a pcap (tests/integration/sipt_pcap); tshark must split the
# multipart bodies and decode the ISUP as we meant it. No daemon needed.
. "$TOP_SRCDIR/tests/lib/harness.sh"

if ! command -v tshark >/dev/null; then
	echo "1..0 # SKIP tshark is not installed"
	exit 0
fi
GEN="$TOP_BUILDDIR/tests/integration/sipt_pcap"

# fields FILE FIELD...: one line per frame, fields separated by '|'.
fields() {
	local f=$1 args=()
	shift
	for x in "$@"; do args+=(-e "$x"); done
	tshark -r "$f" -T fields -E separator='|' "${args[@]}" 2>/dev/null
}

for variant in itu ansi; do
	pcap="$T_DIR/sipt-$variant.pcap"
	t_ok "$variant: pcap written" "$GEN" "$pcap" "$variant"
	out=$(fields "$pcap" sip.Method sip.Status-Code mime_multipart.type sdp.media isup.message_type)
	t_is "$(printf '%s\n' "$out" | sed -n 1p)" "INVITE||multipart/mixed|audio 4000 RTP/AVP 8|1" \
		"$variant: INVITE, multipart split, SDP and ISUP IAM found"
	t_is "$(printf '%s\n' "$out" | sed -n 2p)" "|180|multipart/mixed||6" "$variant: 180 carries an ACM"
	t_is "$(printf '%s\n' "$out" | sed -n 3p)" "|200|multipart/mixed|audio 4000 RTP/AVP 8|9" "$variant: 200 carries an ANM"
	t_is "$(printf '%s\n' "$out" | sed -n 4p)" "BYE||multipart/mixed||12" "$variant: BYE carries a REL"

	iam=$(fields "$pcap" isup.called isup.called_party_nature_of_address_indicator isup.calling \
		isup.calling_party_nature_of_address_indicator isup.screening_indicator \
		isup.address_presentation_restricted_indicator isup.hop_counter isup.calling_partys_category | sed -n 1p)
	# Called 0612345678 of unknown type: national (3) without the prefix.
	t_is "$iam" "612345678|3|33123456789|4|1|0|17|0x0a" \
		"$variant: IAM called, NAI, calling, NAI, screening, presentation, hop counter, CPC"
	acm=$(fields "$pcap" isup.called_partys_status_indicator isup.charge_indicator | sed -n 2p)
	t_is "$acm" "0x0001|0x0002" "$variant: ACM from ALERTING: subscriber free, charge"
	rel=$(fields "$pcap" isup.cause_indicator | sed -n 4p)
	t_is "$rel" "17" "$variant: REL cause 17 (user busy)"
	# The location has a field of its own only in tshark's ITU path: read the tree.
	relv=$(tshark -r "$pcap" -V -Y frame.number==4 2>/dev/null)
	t_like "$relv" "0100 = Cause location: Public network serving the remote user \(RLN\) \(4\)" \
		"$variant: REL location 4"
done

tmr=$(fields "$T_DIR/sipt-itu.pcap" isup.transmission_medium_requirement | sed -n 1p)
t_is "$tmr" "0" "itu: TMR speech"
usi=$(tshark -r "$T_DIR/sipt-ansi.pcap" -V -Y frame.number==1 2>/dev/null | grep -c "Content-Type: application/ISUP; version=ansi00")
t_is "$usi" "1" "ansi: the part says version=ansi00"
t_done
