/* SPDX-License-Identifier: GPL-2.0-or-later */
/* re-INVITE within an answered call (RFC 3261 14, RFC 3264 8), and an
 * UPDATE with an offer (RFC 3311), taken the same way. On a call
 * with a PRI leg the offer is ours to answer: the media bridge follows it
 * (hold, resume, a new address or codec) and the PRI call is not touched
 * (RFC 3398: Q.931 has no hold for a gateway to map it to). On a SIP <->
 * SIP call the offer goes to the other leg as a re-INVITE and its answer
 * comes back (a B2BUA carrying SDP end to end); an offer that repeats the
 * leg's last one (a session refresh, RFC 4028) is answered here with what
 * the leg had last, and does not reach the other side. */
#include "config.h"

#include "gateway/call_int.h"
#include "gateway/call_media.h"
#include "gateway/sip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct leg *leg_of(struct call *c, const struct gw_sip_leg *leg)
{
	if (c->a.kind == LEG_SIP && c->a.sip == leg)
		return &c->a;
	if (c->b.kind == LEG_SIP && c->b.sip == leg)
		return &c->b;
	return NULL;
}

/* The offer of a call with a PRI leg: ours to answer. */
static void reoffer_local(struct call *c, struct gw_sip_leg *leg, const char *sdp)
{
	const char *what = gw_sip_leg_offer_by_update(leg) ? "UPDATE" : "re-INVITE";
	char local[SDP_MAX];
	int rc;

	if (!*sdp) {
		/* no offer (RFC 3261 14.2): ours goes in the 2xx, as it was */
		struct leg *pri = c->a.kind == LEG_PRI ? &c->a : &c->b;
		const char *offer = call_pri_sdp(c, pri, NULL, local, sizeof(local));

		gw_sip_respond(leg, offer[0] ? 200 : 500, offer[0] ? offer : NULL, NULL, NULL);
		return;
	}
	rc = call_media_reoffer(c->calls->media, c->uuid, sdp, local, sizeof(local));
	if (rc < 0) {
		CLOG(LOG_NOTICE, c, "%s refused (488): %s", what,
		     rc == -EPROTO ? "RTP <-> SRTP switch" : "no audio we can carry");
		gw_sip_respond(leg, rc == -ENOENT ? 500 : 488, NULL, NULL, NULL);
		return;
	}
	if (rc != c->held)
		CLOG(LOG_INFO, c, "%s: %s", what, rc ? "held" : "resumed");
	c->held = rc;
	gw_sip_respond(leg, 200, local, NULL, NULL);
}

void calls_on_reinvite(void *arg, struct gw_sip_leg *leg, void *owner, const char *sdp)
{
	struct call *c = owner;
	struct leg *x, *y;
	char **last, **sent, fax[SDP_MAX];
	int rc;

	(void)arg;
	if (!c || !(x = leg_of(c, leg))) {
		gw_sip_respond(leg, 481, NULL, NULL, NULL);
		return;
	}
	y = x == &c->a ? &c->b : &c->a;
	if (c->state == CS_ROUTING && gw_sip_leg_offer_by_update(leg) && *sdp && y->kind == LEG_PRI && y->live &&
	    !c->reinv_done) {
		/* an UPDATE in the early dialog of a call with a PRI leg: the
		 * early media bridge follows it (answered at once, so never
		 * mistaken for the INVITE's answer) */
		c->reinvites++;
		reoffer_local(c, leg, sdp);
		return;
	}
	if (c->state != CS_ANSWERED) {
		gw_sip_respond(leg, c->state == CS_CLEARING ? 481 : 491, NULL, NULL, NULL);
		return;
	}
	if (c->reinv_from || c->reinv_done) {
		/* an offer is already on its way through the call: RFC 3261 14.2 */
		gw_sip_respond(leg, 491, NULL, NULL, NULL);
		return;
	}
	c->reinvites++;
	if (y->kind == LEG_PRI) {
		/* T.38 in or out of fax mode is the fax's (gateway/call_fax.c) */
		if ((rc = call_fax_reinvite_in(c, sdp, fax, sizeof(fax))) > 0)
			gw_sip_respond(leg, rc, rc == 200 ? fax : NULL, NULL, NULL);
		else
			reoffer_local(c, leg, sdp);
		return;
	}
	last = x == &c->a ? &c->a_sdp : &c->b_sdp;
	sent = x == &c->a ? &c->b_sdp : &c->a_sdp;
	if (!*sdp || strcmp(sdp, *last) == 0) {
		/* a refresh: the session as it is */
		gw_sip_respond(leg, 200, *sent, NULL, NULL);
		return;
	}
	if (!(c->reinv_sdp = strdup(sdp))) {
		gw_sip_respond(leg, 500, NULL, NULL, NULL);
		return;
	}
	/* an UPDATE goes on as one where the other side allows it (RFC
	 * 3311 5.1), else as a re-INVITE: its answer comes back either way */
	if (gw_sip_leg_offer_by_update(leg) && gw_sip_leg_allows_update(y->sip))
		rc = gw_sip_update(y->sip, sdp);
	else
		rc = gw_sip_reinvite(y->sip, sdp);
	if (rc < 0) {
		free(c->reinv_sdp);
		c->reinv_sdp = NULL;
		gw_sip_respond(leg, rc == -EBUSY ? 491 : 500, NULL, NULL, NULL);
		return;
	}
	c->reinv_from = x == &c->a ? 1 : 2;
	CLOG(LOG_INFO, c, "%s from the %s relayed", gw_sip_leg_offer_by_update(leg) ? "UPDATE" : "re-INVITE",
	     x == &c->a ? "caller" : "callee");
}

void calls_on_reinvited(void *arg, struct gw_sip_leg *leg, void *owner, int status, const char *sdp)
{
	struct call *c = owner;
	struct leg *y, *x;
	void (*done)(struct call *, int, const char *);

	(void)arg;
	if (!c || !(y = leg_of(c, leg)))
		return;
	if (c->reinv_done) {
		done = c->reinv_done;
		c->reinv_done = NULL;
		done(c, status, sdp);
		return;
	}
	if (!c->reinv_from)
		return;
	x = c->reinv_from == 1 ? &c->a : &c->b;
	c->reinv_from = 0;
	if (status >= 200 && status < 300 && *sdp) {
		/* both legs now have the new session */
		snprintf(x == &c->a ? c->a_sdp : c->b_sdp, SDP_MAX, "%s", c->reinv_sdp);
		snprintf(y == &c->a ? c->a_sdp : c->b_sdp, SDP_MAX, "%s", sdp);
		if (x->live)
			gw_sip_respond(x->sip, 200, sdp, NULL, NULL);
	} else if (x->live) {
		/* 488 and 491 mean the same to the offerer; what concerns only
		 * the other dialog (its authentication, its loss) is ours */
		int st = status == 488 || status == 491 || (status >= 600 && status < 700) ? status : 500;

		CLOG(LOG_INFO, c, "relayed re-INVITE answered %d", status);
		gw_sip_respond(x->sip, status >= 200 && status < 300 ? 500 : st, NULL, NULL, NULL);
	}
	free(c->reinv_sdp);
	c->reinv_sdp = NULL;
}
