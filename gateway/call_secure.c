/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "TLS/SRTP required" and where SRTP keys may travel (docs/security.md,
 * "TLS and SRTP for calls"): the checks on a new INVITE and on each SIP
 * egress attempt. SDES keys (RFC 4568) are in the SDP in clear, so they
 * are only taken and sent over TLS unless [sip] sdes_require_tls is off
 * (RFC 4568 8.3). */
#include "config.h"

#include "gateway/call_int.h"

#include "common/settings.h"
#include "db/directory.h"
#include "gateway/call_media.h"
#include "gateway/cause.h"
#include "gateway/sip.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int call_secure_uri(const char *uri)
{
	const char *p;

	if (!uri)
		return 0;
	if (strncasecmp(uri, "sips:", 5) == 0)
		return 1;
	for (p = strchr(uri, ';'); p; p = strchr(p + 1, ';'))
		if (strncasecmp(p, ";transport=tls", 14) == 0 && (p[14] == '\0' || p[14] == ';' || p[14] == '>'))
			return 1;
	return 0;
}

int call_secure_ingress(const struct gw_calls *calls, const struct gw_sip_invite *inv, int require_secure,
			const char **phrase, const char **why)
{
	int tls = strcmp(inv->transport, "tls") == 0, srtp = call_media_offer_srtp(inv->sdp);

	if (require_secure && !tls) {
		*phrase = "TLS Required";
		*why = "TLS/SRTP required: the INVITE came over UDP or TCP";
		return 403;
	}
	if (srtp && !tls && calls->s->sip_sdes_require_tls) {
		*phrase = "SRTP Keys Need TLS";
		*why = "an SDES offer (a=crypto) over UDP or TCP: its keys were readable on the way";
		return 488;
	}
	if (require_secure && inv->sdp[0] && !srtp) {
		*phrase = "SRTP Required";
		*why = "TLS/SRTP required: the offer is RTP/AVP, not RTP/SAVP";
		return 488;
	}
	return 0;
}

int call_secure_egress(struct call *c, const char *ruri)
{
	int tls = call_secure_uri(ruri);
	int sdes = c->a.kind == LEG_SIP && call_media_offer_srtp(c->a_sdp);

	if (c->b_srtp && !tls) {
		/* a secure trunk's member without TLS, or a PBX reached in clear */
		c->last_cause = CAUSE_BEARER_NOT_IMPLEMENTED;
		CLOG(LOG_NOTICE, c, "%s requires TLS/SRTP: %s is not reached over TLS, skipped", c->egress, ruri);
		return -EPERM;
	}
	if (c->b_srtp && c->a.kind == LEG_SIP && !sdes) {
		/* the offer is passed on as it is: we cannot make it SRTP */
		c->last_cause = CAUSE_BEARER_NOT_IMPLEMENTED;
		CLOG(LOG_INFO, c, "%s requires TLS/SRTP: the caller's offer is not RTP/SAVP", c->egress);
		return -EPERM;
	}
	if (sdes && !tls && c->calls->s->sip_sdes_require_tls) {
		c->last_cause = CAUSE_BEARER_NOT_IMPLEMENTED;
		CLOG(LOG_INFO, c, "%s: the offer's SRTP keys would go over UDP or TCP: skipped", ruri);
		return -EPERM;
	}
	return 0;
}
