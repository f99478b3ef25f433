/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP-T / SIP-I message bodies (RFC 3204, RFC 3372): an ISUP message as an
 * application/ISUP part next to the SDP in a multipart/mixed body, built
 * and split here. libc only; no allocation. */
#ifndef TANDEM_SIPT_H
#define TANDEM_SIPT_H

#include "isup/tisup.h"

#include <stddef.h>
#include <stdint.h>

#define TSIPT_MAX_BOUNDARY 70 /* RFC 2046 5.1.1 */

/* The parts of a SIP-T body. For tsipt_build() the caller fills sdp (NULL:
 * no SDP part), isup, variant and required. tsipt_parse() fills all of it;
 * sdp and isup then point into the parsed body. */
struct tsipt_body {
	const char *sdp; /* application/sdp part, not NUL-terminated */
	size_t sdp_len;
	const uint8_t *isup; /* application/ISUP part, from the message type octet */
	size_t isup_len;
	int variant;      /* enum tisup_variant; -1 when the version is not one this codec knows */
	int required;     /* Content-Disposition handling=required (RFC 3261 20.11: the default) */
	char version[32]; /* the version parameter as received (empty if absent; cut at 31) */
	char base[32];    /* the base parameter, likewise */
};

/* Build a multipart/mixed body: the SDP part (if any), then the ISUP part
 * with "Content-Type: application/ISUP; version=itu-t92+" (ansi00 for
 * ANSI) and "Content-Disposition: signal; handling=optional" (or
 * required). The body goes into body[0..size), its length into *len; the
 * value for the message's Content-Type header (with the boundary) into
 * ctype[0..ctype_size). The boundary is chosen so that no part contains
 * it. Returns 0, -EINVAL (no ISUP part, bad variant) or -ENOSPC (a buffer
 * too small), with a message in err. */
int tsipt_build(const struct tsipt_body *in, uint8_t *body, size_t size, size_t *len, char *ctype, size_t ctype_size,
		char *err, size_t errlen);

/* Split a SIP message body whose Content-Type header value is ctype (NUL-
 * terminated) and whose Content-Disposition header value is cdisp (NULL if
 * none; used for a single-part application/ISUP body only).
 *
 * Accepts multipart/mixed (boundary quoted or not; CRLF or bare LF; the
 * preamble, the epilogue and parts of other types ignored; part headers
 * case-insensitive; no Content-Length needed), application/ISUP alone and
 * application/sdp alone. The first SDP and the first ISUP part win.
 *
 * Returns:
 *   0         *out filled; out->isup is NULL when there is no ISUP part.
 *             An ISUP part with handling=optional and an unknown version
 *             is returned with variant -1: the caller may ignore it.
 *   -ENOTSUP  the caller must answer 415 Unsupported Media Type (RFC
 *             3204 5, RFC 3261 20.11): an ISUP part or another part with
 *             handling=required whose version or type is not supported,
 *             or a top-level Content-Type other than the three above.
 *             *out is filled as far as it goes (version, isup).
 *   -EINVAL   malformed (no boundary, no delimiter, a part without the
 *             blank line after its headers, an empty ISUP part, ...)
 *   -EMSGSIZE truncated: the body ends inside a part (no closing delimiter)
 * with a message in err. Reads only ctype, cdisp and body[0..len). */
int tsipt_parse(const char *ctype, const char *cdisp, const uint8_t *body, size_t len, struct tsipt_body *out,
		char *err, size_t errlen);

/* The variant an application/ISUP version (or base) names, -1 if none:
 * itu-t88, itu-t92+, itu-t, etsi121, etsi356 -> TISUP_ITU; ansi88, ansi00,
 * ansi, gr317 -> TISUP_ANSI (case-insensitive). */
int tsipt_version_variant(const char *version);

#endif
