/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for SIP-T bodies (isup/sipt.c). Input: the Content-Type
 * value up to the first LF, then the body. Whatever parses must point inside
 * the body, decode as ISUP without harm, and build into a body that parses
 * back to the same SDP and ISUP octets. */
#include "config.h"

#include "isup/sipt.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const void *p, size_t n, const uint8_t *body, size_t len)
{
	const uint8_t *q = p;

	return !p || (q >= body && n <= len && (size_t)(q - body) <= len - n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t built[8192];
	static struct tisup_msg m;
	const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
	char ctype[257], ct2[128], err[256];
	const uint8_t *body;
	struct tsipt_body b, b2;
	size_t len, blen = 0;
	int rc;

	if (!nl)
		return 0;
	memcpy(ctype, data, (size_t)(nl - data));
	ctype[nl - data] = '\0';
	body = nl + 1;
	len = size - (size_t)(body - data);
	rc = tsipt_parse(ctype, "signal;handling=optional", body, len, &b, err, sizeof(err));
	if (rc != 0 && rc != -ENOTSUP && rc != -EINVAL && rc != -EMSGSIZE)
		abort(); /* only the documented codes */
	if (rc != 0 && rc != -ENOTSUP)
		return 0;
	if (!inside(b.sdp, b.sdp_len, body, len) || !inside(b.isup, b.isup_len, body, len))
		abort();
	if (rc != 0 || !b.isup)
		return 0;
	if (b.variant >= 0)
		tisup_decode(&m, (enum tisup_variant)b.variant, b.isup, b.isup_len);
	b.variant = b.variant >= 0 ? b.variant : TISUP_ITU;
	if (tsipt_build(&b, built, sizeof(built), &blen, ct2, sizeof(ct2), err, sizeof(err)) != 0)
		return 0; /* too big for the buffer */
	if (tsipt_parse(ct2, NULL, built, blen, &b2, err, sizeof(err)) != 0)
		abort(); /* what we build parses */
	if (b2.isup_len != b.isup_len || memcmp(b2.isup, b.isup, b.isup_len) != 0 || (!b.sdp) != (!b2.sdp) ||
	    b2.sdp_len != b.sdp_len || (b.sdp_len && memcmp(b2.sdp, b.sdp, b.sdp_len) != 0) ||
	    b2.required != b.required)
		abort(); /* to the same parts */
	return 0;
}
