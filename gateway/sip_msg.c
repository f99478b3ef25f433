/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the call layer reads of a SIP request after Sofia-SIP has parsed
 * it: header values by name, the SDP body. Apart from sip.c so that the
 * SIP fuzz harness (tests/fuzz/fuzz_sip.c) runs the same code. */
#include "config.h"

#include "gateway/sip_msg.h"

#include <sofia-sip/sip_header.h>
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

const char *gw_sip_body_sdp(sip_t const *msg, char *buf, size_t len)
{
	buf[0] = '\0';
	if (msg && msg->sip_payload && msg->sip_payload->pl_data &&
	    (!msg->sip_content_type || !msg->sip_content_type->c_type ||
	     strcasecmp(msg->sip_content_type->c_type, "application/sdp") == 0)) {
		size_t n = msg->sip_payload->pl_len < len - 1 ? msg->sip_payload->pl_len : len - 1;
		memcpy(buf, msg->sip_payload->pl_data, n);
		buf[n] = '\0';
	}
	return buf;
}
