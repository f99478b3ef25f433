/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the call layer reads of a SIP request after Sofia-SIP has parsed
 * it: header values by name, the SDP body. Apart from sip.c so that the
 * SIP fuzz harness (tests/fuzz/fuzz_sip.c) runs the same code. */
#include "config.h"

#include "gateway/sip_msg.h"

#include "isup/sipt.h"

#include <sofia-sip/sip_header.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The value of the first header called name (case-insensitive), among
 * the headers Sofia does not parse itself; all of them, comma-joined, in
 * buf. "" if none. */
const char *gw_sip_header_values(sip_t const *msg, const char *name, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (sip_unknown_t const *u = msg ? msg->sip_unknown : NULL; u; u = u->un_next) {
		if (!u->un_name || strcasecmp(u->un_name, name) != 0 || !u->un_value)
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "", u->un_value);
		if (n >= len)
			break;
	}
	return buf;
}

/* Privacy (RFC 3323): Sofia parses it into sip_privacy, never into the
 * unknown headers, so its values are joined here as "id;user". */
const char *gw_sip_privacy_values(sip_t const *msg, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (msg_param_t const *v = msg && msg->sip_privacy ? msg->sip_privacy->priv_values : NULL; v && *v; v++) {
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ";" : "", *v);
		if (n >= len)
			break;
	}
	return buf;
}

static const char *header_value(msg_header_t const *h, char *buf, size_t len)
{
	issize_t n;

	if (!h)
		return NULL;
	n = msg_header_field_e(buf, (isize_t)len, h, 0);
	if (n < 0 || (size_t)n >= len)
		return NULL;
	buf[n] = '\0';
	return buf;
}

const char *gw_sip_content_type(sip_t const *msg, char *buf, size_t len)
{
	return msg ? header_value((msg_header_t const *)msg->sip_content_type, buf, len) : NULL;
}

const char *gw_sip_content_disposition(sip_t const *msg, char *buf, size_t len)
{
	return msg ? header_value((msg_header_t const *)msg->sip_content_disposition, buf, len) : NULL;
}

const char *gw_sip_body_sdp(sip_t const *msg, char *buf, size_t len)
{
	const char *sdp = NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (!msg || !msg->sip_payload || !msg->sip_payload->pl_data)
		return buf;
	if (!msg->sip_content_type || !msg->sip_content_type->c_type ||
	    strcasecmp(msg->sip_content_type->c_type, "application/sdp") == 0) {
		sdp = msg->sip_payload->pl_data;
		n = msg->sip_payload->pl_len;
	} else if (strcasecmp(msg->sip_content_type->c_type, "multipart/mixed") == 0) {
		/* SIP-T / SIP-I: the SDP part; the ISUP part is the call
		 * layer's (gateway/call_sipt.c). A body that does not parse has
		 * no SDP. */
		char ctype[512], err[8];
		struct tsipt_body b;
		int rc = -EINVAL;

		if (gw_sip_content_type(msg, ctype, sizeof(ctype)))
			rc = tsipt_parse(ctype, NULL, (const uint8_t *)msg->sip_payload->pl_data,
					 msg->sip_payload->pl_len, &b, err, sizeof(err));
		if ((rc == 0 || rc == -ENOTSUP) && b.sdp) {
			sdp = b.sdp;
			n = b.sdp_len;
		}
	}
	if (sdp) {
		n = n < len - 1 ? n : len - 1;
		memcpy(buf, sdp, n);
		buf[n] = '\0';
	}
	return buf;
}
