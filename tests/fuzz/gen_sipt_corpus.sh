#!/bin/sh
# Writes the SIP-T body seed corpus (tests/fuzz/corpus/sipt/): each file is
# the Content-Type value, a LF, then the body (the format of
# tests/fuzz/fuzz_sipt.c). Written by hand after RFC 3204 / RFC 3372, in
# the shapes other implementations send. Run from the top of the tree.
set -e
dir=tests/fuzz/corpus/sipt
mkdir -p "$dir"

# SDP and an ITU REL, CRLF, the shape tsipt_build() writes.
printf 'multipart/mixed; boundary=unique-boundary-1\n--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 4000 RTP/AVP 8\r\n\r\n--unique-boundary-1\r\nContent-Type: application/ISUP; version=itu-t92+\r\nContent-Disposition: signal; handling=optional\r\n\r\n\014\002\000\002\202\220\r\n--unique-boundary-1--\r\n' >"$dir/itu-sdp-rel"
# An ITU IAM alone, required.
printf 'multipart/mixed; boundary=b\n--b\r\nContent-Type: application/ISUP; version=itu-t92+\r\nContent-Disposition: signal; handling=required\r\n\r\n\001\000\140\001\012\000\002\007\005\203\020\041\103\005\000\r\n--b--' >"$dir/itu-iam-required"
# ANSI ACM, quoted boundary, preamble and epilogue, odd header case.
printf 'Multipart/Mixed; boundary="a b:c"\npreamble\r\n--a b:c\r\ncontent-type: APPLICATION/isup; version=ansi00\r\n\r\n\006\026\024\000\r\n--a b:c--\r\nepilogue\r\n' >"$dir/ansi-acm-quoted"
# Bare LF, a folded header, an unknown part before.
printf 'multipart/mixed;boundary=XX\n--XX\nContent-Type: text/plain\n\nhello\n--XX\nContent-Type:\n application/ISUP;\n  version=ansi88\n\n\011\001\000\n--XX--\n' >"$dir/lf-folded"
# Single-part bodies.
printf 'application/ISUP; version=itu-t92+\n\020\000' >"$dir/single-rlc"
printf 'application/sdp\nv=0\r\n' >"$dir/single-sdp"
# Unsupported: required with an unknown version; an unknown required part.
printf 'multipart/mixed; boundary=b\n--b\r\nContent-Type: application/ISUP; version=ttc93+\r\nContent-Disposition: signal; handling=required\r\n\r\nXY\r\n--b--\r\n' >"$dir/unknown-version"
printf 'multipart/mixed; boundary=b\n--b\r\nContent-Type: application/QSIG\r\nContent-Disposition: signal; handling=required\r\n\r\nXY\r\n--b--\r\n' >"$dir/qsig-required"
# An unknown version with a known base; a truncated body.
printf 'multipart/mixed; boundary=q\n--q\r\nContent-Type: application/ISUP; version=nxv3; base=etsi356\r\n\r\n\011\000\r\n--q--' >"$dir/base-etsi"
printf 'multipart/mixed; boundary=q\n--q\r\nContent-Type: application/ISUP; version=itu-t92+\r\n\r\n\011\000\r\n--' >"$dir/truncated"
