/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP glue, requests within a dialog: re-INVITE and UPDATE both ways
 * (hold and resume, a new media address, session refreshes with an offer,
 * T.38), and INFO (DTMF). nua keeps the dialog and the session timer (RFC 4028); the call
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

/* The far end's offer in a re-INVITE or an UPDATE, to the owner, who
 * answers it (now or later) with gw_sip_reinvite_respond(). Frees sdp. */
static void offer_in(struct gw_sip *sip, struct gw_sip_leg *leg, sip_t const *msg, char *sdp)
{
	leg->reinv_in = 1;
	leg->reinvites_in++;
	leg->cur = msg;
	sip->ev.reinvite(sip->ev_arg, leg, leg->owner, sdp);
	leg->cur = NULL;
	free(sdp);
}

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
	offer_in(sip, leg, msg, sdp);
}

int gw_sip_reinvite_respond(struct gw_sip_leg *leg, int status, const struct gw_sip_body *body, const char *reason,
			    const char *extra)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	struct gw_sip_body_tags bt;

	gw_sip_body_tags(home, body, &bt);
	/* an UPDATE is named (nua_respond finds an INVITE by itself) */
	nua_respond(leg->nh, status, sip_status_phrase(status) ? sip_status_phrase(status) : "Unknown",
		    TAG_IF(leg->upd_req, NUTAG_WITH(leg->upd_req)), TAG_IF(bt.pl, SIPTAG_CONTENT_TYPE_STR(bt.ctype)),
		    TAG_IF(bt.pl, SIPTAG_PAYLOAD(bt.pl)), TAG_IF(bt.mime, SIPTAG_MIME_VERSION_STR("1.0")),
		    TAG_IF(reason && *reason, SIPTAG_REASON_STR(reason)),
		    TAG_IF(extra && *extra, SIPTAG_HEADER_STR(extra)), TAG_END());
	su_home_deinit(home);
	if (status >= 200) {
		leg->reinv_in = 0;
		if (leg->upd_req)
			msg_destroy(leg->upd_req);
		leg->upd_req = NULL;
	}
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

/* UPDATE (RFC 3311), early or established. Without an offer (a session
 * refresh) it is answered 200 here, nua adding the session timer's
 * headers. An offer goes to the owner as a re-INVITE's does, answered
 * with gw_sip_respond(); RFC 3311 5.2: 491 while our offer is out, 500
 * with Retry-After while one of the far end's waits for our answer. */
void gw_sip_update_in(struct gw_sip *sip, nua_handle_t *nh, struct gw_sip_leg *leg, sip_t const *msg)
{
	char *sdp = malloc(SDP_BUF);
	int st = 0;

	sip->requests++;
	if (sdp)
		gw_sip_body_sdp(msg, sdp, SDP_BUF);
	if (!sdp)
		st = 500;
	else if (!leg || !leg->owner || leg->hung || leg->done)
		st = 481;
	else if (!*sdp)
		st = 200;
	else if (leg->reinv_out)
		st = 491;
	else if (leg->reinv_in)
		st = 500;
	else if (!sip->ev.reinvite)
		st = 488;
	if (st) {
		if (st == 491 || (st == 500 && sdp))
			LOG_I("sip", "[%s] UPDATE while an offer is pending: %d", leg->call_id, st);
		nua_respond(nh, st, sip_status_phrase(st), NUTAG_WITH_THIS(sip->nua),
			    TAG_IF(st == 500 && sdp, SIPTAG_RETRY_AFTER_STR("1")), TAG_END());
		free(sdp);
		return;
	}
	leg->upd_req = msg_ref_create(nua_current_request(sip->nua));
	offer_in(sip, leg, msg, sdp);
}

int gw_sip_update(struct gw_sip_leg *leg, const char *sdp)
{
	if (leg->hung || leg->done || !leg->answered || !sdp || !*sdp)
		return -EPROTO;
	if (!leg->allows_update)
		return -EOPNOTSUPP;
	if (leg->reinv_in || leg->reinv_out)
		return -EBUSY;
	leg->reinv_out = 1;
	leg->upd_out = 1;
	leg->reinvites_out++;
	nua_update(leg->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	return 0;
}

void gw_sip_update_answered(struct gw_sip *sip, int status, struct gw_sip_leg *leg, sip_t const *msg)
{
	/* nua's own refreshes (NUTAG_UPDATE_REFRESH) are not ours to report */
	if (!leg || !leg->upd_out || status < 200)
		return;
	leg->upd_out = 0;
	gw_sip_reinvite_answered(sip, status, leg, msg);
}

int gw_sip_leg_offer_by_update(const struct gw_sip_leg *leg)
{
	return leg->reinv_in && leg->upd_req;
}

int gw_sip_leg_allows_update(const struct gw_sip_leg *leg)
{
	return leg->allows_update;
}

/* INFO (NUTAG_APPL_METHOD): info_fn answers one in a call's dialog; 481 outside one. */
void gw_sip_info_in(struct gw_sip *sip, nua_handle_t *nh, struct gw_sip_leg *leg, sip_t const *msg)
{
	struct gw_sip_body b;
	int st = 481;

	sip->requests++;
	if (leg && leg->owner && !leg->hung && leg->info_req) {
		st = 500; /* the last one is still being relayed */
	} else if (leg && leg->owner && !leg->hung && sip->info_fn) {
		leg->cur = msg;
		gw_sip_leg_body(leg, &b);
		st = sip->info_fn(sip->info_arg, leg, leg->owner, &b);
		leg->cur = NULL;
		if (st == 0) { /* relayed: answered with the other leg's answer */
			leg->info_req = msg_ref_create(nua_current_request(sip->nua));
			return;
		}
	}
	nua_respond(nh, st, sip_status_phrase(st), NUTAG_WITH_THIS(sip->nua),
		    TAG_IF(st == 415, SIPTAG_ACCEPT_STR("application/dtmf-relay, application/dtmf")),
		    TAG_IF(st == 500, SIPTAG_RETRY_AFTER_STR("1")), TAG_END());
	if (!leg)
		nua_handle_destroy(nh);
}

int gw_sip_info_respond(struct gw_sip_leg *leg, int status)
{
	if (!leg->info_req || status < 200 || status > 699)
		return -ENOENT;
	nua_respond(leg->nh, status, sip_status_phrase(status) ? sip_status_phrase(status) : "Unknown",
		    NUTAG_WITH(leg->info_req), TAG_END());
	msg_destroy(leg->info_req);
	leg->info_req = NULL;
	return 0;
}

int gw_sip_info_relay(struct gw_sip_leg *leg, const struct gw_sip_body *body)
{
	int rc;

	if (leg->info_relay)
		return -EBUSY;
	if ((rc = gw_sip_info(leg, body)) == 0)
		leg->info_relay = 1;
	return rc;
}

/* nua_r_info: only a relayed INFO's answer is passed on (the digits we
 * send ourselves, gateway/call_dtmf.c, are not relayed). */
void gw_sip_info_answered(struct gw_sip *sip, int status, struct gw_sip_leg *leg)
{
	if (!leg || !leg->info_relay || status < 200)
		return;
	leg->info_relay = 0;
	if (leg->owner && !leg->done && !leg->hung && sip->info_answered)
		sip->info_answered(sip->info_arg, leg, leg->owner, status);
}

void gw_sip_set_info_answered(struct gw_sip *sip, gw_sip_info_answered_fn *fn)
{
	sip->info_answered = fn;
}

void gw_sip_set_info(struct gw_sip *sip, gw_sip_info_fn *fn, void *arg)
{
	sip->info_fn = fn;
	sip->info_arg = arg;
}

int gw_sip_info(struct gw_sip_leg *leg, const struct gw_sip_body *body)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	struct gw_sip_body_tags bt;

	if (!leg || leg->hung || !leg->answered)
		return -EINVAL;
	gw_sip_body_tags(home, body, &bt);
	if (bt.pl) /* nua copies the tags */
		nua_info(leg->nh, SIPTAG_CONTENT_TYPE_STR(bt.ctype), SIPTAG_PAYLOAD(bt.pl), TAG_END());
	su_home_deinit(home);
	return bt.pl ? 0 : -EINVAL;
}
