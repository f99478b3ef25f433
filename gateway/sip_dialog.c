/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP glue, requests within an established dialog: re-INVITE both ways
 * (hold and resume, a new media address, session refreshes with an offer,
 * T.38). nua keeps the dialog and the session timer (RFC 4028); the call
 * layer writes and reads the SDP, as for the initial INVITE. One offer at
 * a time per leg (RFC 3261 14.1, 14.2): a crossing re-INVITE gets 491. */
#include "config.h"

#define NUA_MAGIC_T  struct gw_sip
#define NUA_HMAGIC_T struct gw_sip_leg

#include "gateway/sip.h"

#include "common/log.h"
#include "gateway/sip_msg.h"

#include <errno.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/sip_leg.h"

#define SDP_BUF 8192

void gw_sip_reinvite_in(struct gw_sip *sip, struct gw_sip_leg *leg, sip_t const *msg)
{
	char *sdp;

	if (leg->hung || leg->done || !leg->owner) {
		/* we are ending this dialog; the BYE is on its way */
		nua_respond(leg->nh, SIP_481_NO_TRANSACTION, TAG_END());
		return;
	}
	if (!leg->answered || leg->reinv_in || leg->reinv_out) {
		LOG_I("sip", "[%s] re-INVITE while an offer is pending: 491", leg->call_id);
		nua_respond(leg->nh, SIP_491_REQUEST_PENDING, TAG_END());
		return;
	}
	if (!sip->ev.reinvite) {
		nua_respond(leg->nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
		return;
	}
	sdp = malloc(SDP_BUF);
	if (!sdp) {
		nua_respond(leg->nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		return;
	}
	gw_sip_body_sdp(msg, sdp, SDP_BUF);
	leg->reinv_in = 1;
	leg->reinvites_in++;
	leg->cur = msg;
	sip->ev.reinvite(sip->ev_arg, leg, leg->owner, sdp);
	leg->cur = NULL;
	free(sdp);
}

int gw_sip_reinvite_respond(struct gw_sip_leg *leg, int status, const struct gw_sip_body *body, const char *reason,
			    const char *extra)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	struct gw_sip_body_tags bt;

	gw_sip_body_tags(home, body, &bt);
	nua_respond(leg->nh, status, sip_status_phrase(status) ? sip_status_phrase(status) : "Unknown",
		    TAG_IF(bt.pl, SIPTAG_CONTENT_TYPE_STR(bt.ctype)), TAG_IF(bt.pl, SIPTAG_PAYLOAD(bt.pl)),
		    TAG_IF(bt.mime, SIPTAG_MIME_VERSION_STR("1.0")),
		    TAG_IF(reason && *reason, SIPTAG_REASON_STR(reason)),
		    TAG_IF(extra && *extra, SIPTAG_HEADER_STR(extra)), TAG_END());
	su_home_deinit(home);
	if (status >= 200)
		leg->reinv_in = 0;
	return 0;
}

int gw_sip_reinvite(struct gw_sip_leg *leg, const char *sdp)
{
	if (leg->hung || leg->done || !leg->answered)
		return -EPROTO;
	if (leg->reinv_in || leg->reinv_out)
		return -EBUSY;
	leg->reinv_out = 1;
	leg->reinvites_out++;
	nua_invite(leg->nh, TAG_IF(sdp && *sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		   TAG_IF(sdp && *sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
	return 0;
}

int gw_sip_leg_reinvite_pending(const struct gw_sip_leg *leg)
{
	return leg->reinv_in || leg->reinv_out;
}

void gw_sip_reinvite_answered(struct gw_sip *sip, int status, struct gw_sip_leg *leg, sip_t const *msg)
{
	char *sdp;

	if (status < 200)
		return;
	leg->reinv_out = 0;
	if (leg->hung || leg->done || !leg->owner || !sip->ev.reinvited)
		return;
	sdp = malloc(SDP_BUF);
	if (!sdp)
		return;
	gw_sip_body_sdp(msg, sdp, SDP_BUF);
	leg->cur = msg;
	sip->ev.reinvited(sip->ev_arg, leg, leg->owner, status, sdp);
	leg->cur = NULL;
	free(sdp);
}
