/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the call layer reads of a parsed SIP request (sip_msg.c). */
#ifndef TANDEM_GW_SIP_MSG_H
#define TANDEM_GW_SIP_MSG_H

#include <sofia-sip/sip.h>
#include <stddef.h>

/* Every value of the headers called name (those Sofia keeps as unknown:
 * P-Asserted-Identity, Diversion, History-Info), joined by ", "
 * into buf (cut at len). Returns buf, "" when there is none. */
const char *gw_sip_header_values(sip_t const *msg, const char *name, char *buf, size_t len);

/* The Privacy header's values (Sofia parses it: not an unknown header)
 * joined as "id;user" into buf. Returns buf, "" when there is none. */
const char *gw_sip_privacy_values(sip_t const *msg, char *buf, size_t len);

/* The body when it is SDP (or untyped), or the SDP part of a
 * multipart/mixed body (SIP-T, RFC 3372), NUL-terminated in buf (cut at
 * len - 1). Returns buf, "" when there is none. */
const char *gw_sip_body_sdp(sip_t const *msg, char *buf, size_t len);

/* The Content-Type / Content-Disposition header's value with its
 * parameters ("multipart/mixed; boundary=b1") in buf. Returns buf, NULL
 * when there is no such header. */
const char *gw_sip_content_type(sip_t const *msg, char *buf, size_t len);
const char *gw_sip_content_disposition(sip_t const *msg, char *buf, size_t len);

#endif
