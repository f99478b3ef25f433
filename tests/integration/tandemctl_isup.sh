#!/bin/bash
# tandemctl isup decode / encode (no daemon, no database): a hand-made IAM
# decoded field by field, encode(decode(x)) == x for every message type,
# and refusals that name the field.
. "$TOP_SRCDIR/tests/lib/harness.sh"

TC="$TANDEMCTL"

# Q.763 table 32 by hand: NCI 00, FCI 20 01, CPC 0a, TMR 00, pointers 02 09;
# called 07: 83 (odd, national) 10 (E.164), 612345678; optional: calling
# 0a 08: 84 (odd, international) 11 (E.164, allowed, user verified and
# passed), 33123456789; USI 1d 03 80 90 a3; end.
IAM="01 00 20 01 0a 00 02 09 07 83 10 16 32 54 76 08 0a 08 84 11 33 21 43 65 87 09 1d 03 80 90 a3 00"
t_run out rc "$TC" isup decode "$IAM"
t_is "$rc" 0 "decode the hand-made IAM"
t_like "$out" '"type": "IAM"' "message type"
t_like "$out" '"called": \{"nai": 3, "inn": 0, "npi": 1, "pres": 0, "screen": 0, "digits": "612345678"\}' \
	"called party number: national, E.164, 612345678"
t_like "$out" '\{"param": "calling", "name": "Calling party number", "nai": 4, "ni": 0, "npi": 1, "pres": 0, "screen": 1, "digits": "33123456789"\}' \
	"calling party number: international, screened, 33123456789"
t_like "$out" '"cpc": \{"value": 10\}' "CPC ordinary subscriber"
t_like "$out" '"param": "usi", .*"hex": "8090a3", "coding_std": 0, "itc": 0, "mode": 0, "rate": 16, "layer1": 3' \
	"USI octets and their fields"
t_like "$out" '"fci": \{"international": 0, "e2e_method": 0, "interworking": 0, "e2e_info": 0, "isup_all_way": 1, "isup_pref": 0, "isdn_access": 1' \
	"forward call indicators"
# Unquoted octets work the same.
# shellcheck disable=SC2086
t_run out2 rc "$TC" isup decode $IAM
t_is "$out2" "$out" "octets as separate arguments"
# A REL: cause 17 (user busy), location 4, with its name.
t_run out rc "$TC" isup decode 0c0200028491
t_like "$out" '"cause": \{"coding_std": 0, "location": 4, "cause": 17, "diag": "", "text": "User busy"\}' "REL cause"

# encode(decode(x)) == x: every message type of the codec, both variants,
# with unknown parameters (the ISUP fuzzing seeds and a few more).
roundtrip() { # $1 = hex, $2 = --ansi or empty
	local json hex
	# shellcheck disable=SC2086
	json=$("$TC" isup decode $2 "$1") || return 1
	# shellcheck disable=SC2086
	hex=$(printf '%s' "$json" | "$TC" isup encode $2) || return 1
	[ "$hex" = "$1" ] || { echo "got $hex"; return 1; }
}
while read -r name hex; do
	[ -n "$name" ] || continue
	v=""
	case $name in *ansi*) v=--ansi ;; esac
	t_ok "encode(decode($name)) is byte for byte" roundtrip "$hex" "$v"
done <<'LIST'
iam-itu 011060010a0002070583102143050a070411145555214339030102033d0114fe02aabb00
iam-itu-redirect 010060010a00020806831021436507c0060683115555050b0403100170130203212804031002703f05049033010003037d01910105123456bc2a00
iam-ansi 010060010a03060d038090a20703101252552143eb07031012525521433d011f00
sam 02020003804305
inr 03010000
inf 040300010a0683115515320400
acm 0616140129010100
con 07161400
anm 09011102161400
cpg 2c010129010100
rel 0c0200028290
rel-diag 0c0200050284a20102
rlc 1000
sus 0d00010105000007010000
res 0e0100
hand-iam 010020010a00020907831016325476080a0884113321436587091d038090a300
ansi-acm 0616140129010100
ansi-rel 0c0200028290
ansi-cpg 2c010129010100
LIST

# Refusals: exit 1, the field named.
t_run out rc "$TC" isup decode "01 0g"
t_is "$rc" 1 "bad hex: exit 1"
t_like "$out" "isup decode: bad hex: not a hex digit" "says why"
t_run out rc "$TC" isup decode "010"
t_is "$rc" 1 "odd hex: exit 1"
t_run out rc "$TC" isup decode 01006001
t_is "$rc" 1 "truncated IAM: exit 1"
t_like "$out" "isup decode: IAM \(0x01, ITU\): truncated" "says truncated"
t_run out rc "$TC" isup decode 05
t_is "$rc" 1 "COT: exit 1"
t_like "$out" "COT \(0x05, ITU\): message type not supported" "says unsupported"
t_run out rc "$TC" isup encode '{"type": "REL", "cause": {"cause": 16,}}'
t_is "$rc" 1 "bad JSON: exit 1"
t_like "$out" "isup encode: bad JSON: line 1 column 39: expected a string key" "with line and column"
t_run out rc "$TC" isup encode '{"type": "IAM", "nci": {}, "fci": {}, "cpc": {"value": 10}, "tmr": {"value": 0}, "called": {"nai": 128, "digits": "1"}}'
t_is "$rc" 1 "NAI 128: exit 1"
t_like "$out" 'isup encode: field "called.nai": expected an integer 0..127' "names called.nai"
t_run out rc "$TC" isup encode '{"type": "IAM", "nci": {}, "fci": {}, "cpc": {"value": 10}, "tmr": {"value": 0}}'
t_like "$out" 'field "called": missing \(mandatory in IAM\)' "a missing mandatory parameter named"
t_run out rc "$TC" isup encode '{"type": "REL", "cause": {"cause": 16, "colour": 1}}'
t_like "$out" 'field "cause.colour": unknown field' "an unknown field named"
t_run out rc "$TC" isup encode '{"type": "ANM", "optional": [{"param": "calling", "digits": "12x"}]}'
t_like "$out" 'field "calling.digits": expected up to 64 address signals' "bad digits named"
t_run out rc "$TC" isup encode '{"type": "ANM", "optional": [{"param": "raw", "code": 57, "hex": "0"}]}'
t_like "$out" 'field "optional\[0\].hex": expected a hex string' "bad raw hex named"
t_run out rc "$TC" isup encode '{"type": "CON", "variant": "ansi", "bci": {}}'
t_like "$out" 'field "type": CON is not supported in ANSI' "CON refused in ANSI"
t_run out rc "$TC" isup encode --ansi '{"type": "ANM", "variant": "itu"}'
t_like "$out" 'field "variant": "itu" but --ansi given' "variant conflict named"
t_run out rc "$TC" isup encode '{"type": "REL", "cause": {"cause": 16}, "hop_counter": {"value": 32}}'
t_like "$out" 'field "hop_counter.value": expected an integer 0..31' "hop counter range"
t_run out rc "$TC" isup encode '{"type": "REL", "cause": {"cause": 16}, "optional": [{"param": "hop_counter", "value": 3}, {"param": "hop_counter", "value": 4}]}'
t_like "$out" 'field "hop_counter": given twice' "a repeated parameter named"

# Built by hand: encode works without decode's informative keys.
t_run out rc "$TC" isup encode '{"type": "REL", "cause": {"location": 2, "cause": 16}}'
t_is "$out" "0c0200028290" "a REL from minimal JSON"
t_run out rc "$TC" isup encode --ansi '{"type": "ACM", "bci": {"charge": 2, "called_status": 1, "called_cat": 1, "isup_all_way": 1, "isdn_access": 1}, "optional": [{"param": "obci", "inband": 1}]}'
t_is "$out" "0616140129010100" "an ANSI ACM with OBCI"

# Usage errors: exit 2.
t_run out rc "$TC" isup decode
t_is "$rc" 2 "decode without HEX: exit 2"
t_run out rc "$TC" isup encode a b
t_is "$rc" 2 "encode with two arguments: exit 2"
t_run out rc "$TC" isup decode --bogus 01
t_is "$rc" 2 "an unknown option: exit 2"
t_run out rc "$TC" isup --help
t_like "$out" "decode +decode an ISUP message to JSON" "isup --help lists decode"
t_like "$out" "encode +encode an ISUP message from JSON" "and encode"
t_done
