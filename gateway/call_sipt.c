/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP-T (RFC 3372) and SIP-I (ITU-T Q.1912.5) on the call's SIP legs: the
 * IAM a SIP-T peer's INVITE carries is read into the call (category,
 * original called number, redirection), a call toward a SIP-T peer sends
 * one (Q.699 from the call's numbers, or the ingress IAM forwarded with
 * its hop counter decremented), and the backward messages and the REL go
 * with the 18x, 200, BYE, CANCEL and final responses. See docs/isup.md. */
#include "config.h"

#include "gateway/call_int.h"

#include "db/directory.h"
#include "gateway/cause.h"
#include "gateway/directory.h"
#include "gateway/sip.h"
#include "isup/q699.h"
#include "isup/sipt.h"
#include "isup/tisup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Q.850 location of the causes we relay from the other network. */
#define SIPT_LOCATION_BI 10 /* network beyond interworking point */

const char *call_sipt_name(int mode)
{
	return mode == DIR_SIPT_T ? "SIP-T" : mode == DIR_SIPT_I ? "SIP-I" : "SIP";
}

int call_sipt_of_host(struct call *c, const char *host)
{
	const struct dir_snapshot *snap = gw_directory_current(c->calls->dir);
	const struct dir_trunk *t = snap && host ? dir_trunk_by_member_host(snap, DIR_TRUNK_SIP, host) : NULL;

	return t ? (int)t->sipt : DIR_SIPT_NONE;
}

/* A DID's target URI ("sip:+44...@host:port;transport=udp"): its host's. */
int call_sipt_of_uri(struct call *c, const char *uri)
{
	char host[128];
	const char *p = strchr(uri, ':'), *at;
	size_t n;

	if (!p)
		return DIR_SIPT_NONE;
	p++;
	at = strchr(p, '@');
	if (at && at < p + strcspn(p, ";>?"))
		p = at + 1;
	n = *p == '[' ? strcspn(p + 1, "]") : strcspn(p, ":;>?");
	if (*p == '[')
		p++;
	if (n == 0 || n >= sizeof(host))
		return DIR_SIPT_NONE;
	memcpy(host, p, n);
	host[n] = '\0';
	return call_sipt_of_host(c, host);
}

int call_sipt_of_trunk(struct call *c, int64_t trunk_id)
{
	const struct dir_snapshot *snap = gw_directory_current(c->calls->dir);
	const struct dir_trunk *t = snap ? dir_trunk(snap, trunk_id) : NULL;

	return t ? (int)t->sipt : DIR_SIPT_NONE;
}

/* An ISUP number as the call keeps numbers: E.164 with '+' when
 * international, else the digits as they came. */
static void isup_number(const struct q699_number *n, char *out, size_t size)
{
	const char *plus = n->ton == Q699_TON_INTERNATIONAL ? "+" : "";

	/* longer than the call keeps (E.164: 15 digits): none */
	if (strlen(plus) + strlen(n->digits) >= size)
		out[0] = '\0';
	else
		memcpy(out, plus, strlen(plus)), memcpy(out + strlen(plus), n->digits, strlen(n->digits) + 1);
}

/* The call's E.164 number as a Q.931-side number for q699_iam_from_setup(). */
static void q699_e164(struct q699_number *n, const char *e164)
{
	n->present = 1;
	n->ton = e164[0] == '+' ? Q699_TON_INTERNATIONAL : Q699_TON_UNKNOWN;
	n->npi = 1;
	snprintf(n->digits, sizeof(n->digits), "%s", e164[0] == '+' ? e164 + 1 : e164);
}

int call_sipt_ingress(struct call *c, const struct gw_sip_invite *inv)
{
	struct tsipt_body b;
	struct tisup_msg *m;
	struct q699_call q;
	char err[160];
	int rc;

	if (!inv->body.data || !inv->body.ctype ||
	    (strncasecmp(inv->body.ctype, "multipart/", 10) != 0 &&
	     strncasecmp(inv->body.ctype, "application/isup", 16) != 0))
		return 0;
	rc = tsipt_parse(inv->body.ctype, inv->body.cdisp, inv->body.data, inv->body.len, &b, err, sizeof(err));
	/* RFC 3204 5, RFC 3261 20.11: a required part we cannot read is
	 * refused with 415; so is an ISUP part that must be understood, from
	 * a peer whose trunk does not speak SIP-T. */
	if (rc == -ENOTSUP || (rc == 0 && b.isup && b.required && !c->a_sipt)) {
		CLOG(LOG_INFO, c, "INVITE body refused (415): %s", rc ? err : "ISUP from a trunk without SIP-T");
		call_fail_a(c, CAUSE_SERVICE_NOT_IMPLEMENTED, 415);
		return -1;
	}
	if (rc < 0) {
		CLOG(LOG_INFO, c, "INVITE body refused (400): %s", err);
		call_fail_a(c, CAUSE_INVALID_MESSAGE, 400);
		return -1;
	}
	if (!b.isup || !c->a_sipt || b.variant < 0)
		return 0; /* plain SDP, or an optional part we may ignore */
	m = malloc(sizeof(*m));
	if (!m)
		return 0;
	rc = tisup_decode(m, (enum tisup_variant)b.variant, b.isup, b.isup_len);
	if (rc == 0 && m->type == TISUP_IAM)
		rc = q699_setup_from_iam(m, &q, err, sizeof(err));
	else if (rc == 0)
		rc = -EINVAL, snprintf(err, sizeof(err), "an ISUP %s, not an IAM", tisup_msg_name(m->type));
	else
		snprintf(err, sizeof(err), "the ISUP part does not decode (%s)", strerror(-rc));
	free(m);
	if (rc < 0) {
		CLOG(LOG_INFO, c, "%s INVITE: %s%s", call_sipt_name(c->a_sipt), err,
		     b.required ? ": refused (488)" : ": ignored");
		if (b.required) {
			call_fail_a(c, CAUSE_INVALID_MESSAGE, 488);
			return -1;
		}
		return 0;
	}
	c->isup_variant = b.variant;
	c->iam = malloc(b.isup_len);
	if (c->iam) {
		memcpy(c->iam, b.isup, b.isup_len);
		c->iam_len = b.isup_len;
	}
	c->cpc = q.cpc;
	if (q.orig_called.present && q.orig_called.digits[0])
		isup_number(&q.orig_called, c->orig_called, sizeof(c->orig_called));
	/* The IAM's redirection (Q.763 3.45) is the network's own account:
	 * it goes before a Diversion header's. */
	if (q.redirecting.present && q.redirecting.digits[0]) {
		isup_number(&q.redirecting, c->redirect.number, sizeof(c->redirect.number));
		c->redirect.pres = (enum ident_pres)q.redirecting.pres;
		c->redirect.reason = ident_redir_reason_from_q931(q.redirect_reason);
		c->redirect.counter = q.redirect_counter ? q.redirect_counter : 1;
		c->redirected = 1;
		c->redirect_isup_reason = q699_isup_redir_reason(q.redirect_reason);
		c->redirected = c->redirect.number[0] != '\0';
	} else if (c->orig_called[0] && !c->redirected) {
		/* only the original called number: it is the diverting party */
		if (strlen(c->orig_called) < sizeof(c->redirect.number))
			memcpy(c->redirect.number, c->orig_called, strlen(c->orig_called) + 1);
		c->redirect.reason = ident_redir_reason_from_q931(q.orig_redirect_reason);
		c->redirect.counter = q.redirect_counter ? q.redirect_counter : 1;
		c->redirected = 1;
		c->redirect_isup_reason = q699_isup_redir_reason(q.orig_redirect_reason);
		c->redirected = c->redirect.number[0] != '\0';
	}
	if (!c->caller.number[0] && q.calling.present && q.calling.digits[0]) {
		isup_number(&q.calling, c->caller.number, sizeof(c->caller.number));
		c->caller.pres = (enum ident_pres)q.calling.pres;
		c->caller.screen = (enum ident_screen)q.calling.screen;
	}
	CLOG(LOG_INFO, c, "%s IAM (%s): category %u%s%s%s%s, hop counter %d", call_sipt_name(c->a_sipt),
	     b.variant == TISUP_ANSI ? "ANSI" : "ITU", q.cpc, c->orig_called[0] ? ", original called " : "",
	     c->orig_called, c->redirected ? ", redirected by " : "", c->redirected ? c->redirect.number : "",
	     q.hop_counter ? (int)q.hop_counter : -1);
	return 0;
}

/* The multipart body of out: the SDP (if any) and the ISUP message. */
static int sipt_body(struct call_sipt_out *out, const char *sdp, const uint8_t *isup, size_t isup_len, int variant,
		     int mode)
{
	struct tsipt_body in;
	char err[160];
	int rc;

	memset(&in, 0, sizeof(in));
	in.sdp = sdp && *sdp ? sdp : NULL;
	in.sdp_len = in.sdp ? strlen(sdp) : 0;
	in.isup = isup;
	in.isup_len = isup_len;
	in.variant = variant;
	/* SIP-I (Q.1912.5) peers must understand the ISUP; SIP-T (RFC 3372)
	 * bodies may be ignored by a plain SIP hop on the way. */
	in.required = mode == DIR_SIPT_I;
	rc = tsipt_build(&in, out->buf, sizeof(out->buf), &out->body.len, out->ctype, sizeof(out->ctype), err,
			 sizeof(err));
	if (rc < 0) {
		LOG_W(TAG, "SIP-T body not built: %s", err);
		return rc;
	}
	out->body.ctype = out->ctype;
	out->body.cdisp = NULL;
	out->body.data = out->buf;
	return 0;
}

static int sipt_encode_body(struct call_sipt_out *out, const struct tisup_msg *m, const char *sdp, int mode)
{
	uint8_t isup[TISUP_MAX_MSG];
	size_t n;

	if (tisup_encode(m, isup, sizeof(isup), &n) < 0)
		return -EINVAL;
	return sipt_body(out, sdp, isup, n, m->variant, mode);
}

int call_sipt_invite_body(struct call *c, const char *sdp, struct call_sipt_out *out)
{
	char err[160];
	int rc, hop = -1;

	if (!c->b_sipt)
		return 0;
	c->b_variant = TISUP_ITU; /* what we originate; a forwarded IAM keeps its own */
	if (c->iam) {
		/* Transit (Q.764 2.1.12): the IAM as received, every
		 * parameter intact, the hop counter one less. */
		uint8_t fwd[TISUP_MAX_MSG];
		size_t n;

		rc = q699_hop_decrement((enum tisup_variant)c->isup_variant, c->iam, c->iam_len, fwd, sizeof(fwd), &n,
					&hop, err, sizeof(err));
		if (rc == Q699_HOP_EXHAUSTED) {
			CLOG(LOG_NOTICE, c, "IAM hop counter exhausted: not forwarded (cause 25)");
			/* RFC 3398: 483 Too Many Hops; no other member or
			 * target either, the counter is the call's */
			c->last_cause = Q699_CAUSE_HOP;
			c->last_status = 483;
			c->next_member = c->nmembers;
			c->next_target = c->ntargets;
			return -ELOOP;
		}
		if (rc == 0) {
			c->b_variant = c->isup_variant;
			CLOG(LOG_INFO, c, "%s: the IAM forwarded, hop counter %d", call_sipt_name(c->b_sipt), hop);
			return sipt_body(out, sdp, fwd, n, c->isup_variant, c->b_sipt) < 0 ? -EINVAL : 1;
		}
		CLOG(LOG_INFO, c, "the ingress IAM cannot be forwarded (%s): a new one", err);
	}
	{
		struct q699_call q;
		struct tisup_msg *m = malloc(sizeof(*m));

		if (!m)
			return -ENOMEM;
		q699_call_init(&q);
		q699_e164(&q.called, c->callee);
		if (c->caller.number[0])
			q699_e164(&q.calling, c->caller.number);
		q.calling.present = 1;
		q.calling.pres = (uint8_t)c->caller.pres;
		q.calling.screen = (uint8_t)c->caller.screen;
		if (c->redirected) {
			q699_e164(&q.redirecting, c->redirect.number);
			q.redirecting.pres = (uint8_t)c->redirect.pres;
			q.redirect_reason = (uint8_t)ident_redir_reason_to_q931(c->redirect.reason);
			q.redirect_counter =
			    (uint8_t)(c->redirect.counter > 0 && c->redirect.counter <= 7 ? c->redirect.counter : 1);
		}
		if (c->orig_called[0])
			q699_e164(&q.orig_called, c->orig_called);
		if (c->cpc >= 0)
			q.cpc = (uint8_t)c->cpc;
		rc = q699_iam_from_setup(&q, TISUP_ITU, m, err, sizeof(err));
		if (rc == 0)
			rc = sipt_encode_body(out, m, sdp, c->b_sipt);
		free(m);
	}
	if (rc < 0) {
		CLOG(LOG_WARNING, c, "no IAM for the %s INVITE: %s", call_sipt_name(c->b_sipt), err);
		c->last_cause = CAUSE_TEMPORARY_FAILURE;
		return rc;
	}
	return 1;
}

int call_sipt_respond(struct call *c, int status, const char *sdp)
{
	struct call_sipt_out *out;
	struct tisup_msg *m;
	enum q699_event ev = status >= 200 ? Q699_EV_CONNECT : status == 183 ? Q699_EV_PROGRESS : Q699_EV_ALERTING;
	int rc;

	if (!c->a_sipt || !c->iam)
		return gw_sip_respond(c->a.sip, status, sdp, NULL, NULL);
	out = malloc(sizeof(*out));
	m = malloc(sizeof(*m));
	c->a_bw.inband = ev == Q699_EV_PROGRESS;
	rc = out && m ? q699_backward_build(m, (enum tisup_variant)c->isup_variant, ev, &c->a_bw) : -ENOMEM;
	if (rc == 0)
		rc = sipt_encode_body(out, m, sdp, c->a_sipt);
	if (rc == 0) {
		CLOG(LOG_DEBUG, c, "%d with an ISUP %s", status, tisup_msg_name(m->type));
		if (m->type == TISUP_ACM)
			c->a_bw.acm_sent = 1;
		rc = gw_sip_respond_body(c->a.sip, status, &out->body, NULL, NULL);
	} else {
		rc = gw_sip_respond(c->a.sip, status, sdp, NULL, NULL);
	}
	free(out);
	free(m);
	return rc;
}

int call_sipt_hangup(struct call *c, int a_side, int status, const char *reason, int cause)
{
	struct leg *l = a_side ? &c->a : &c->b;
	int mode = a_side ? c->a_sipt : c->b_sipt;
	int variant = a_side ? c->isup_variant : c->b_variant;
	struct call_sipt_out *out;
	struct tisup_msg m;
	int rc;

	/* toward the ingress only when it spoke ISUP itself */
	if (!mode || (a_side && !c->iam) || cause < 1 || cause > 127)
		return gw_sip_hangup(l->sip, status, reason);
	out = malloc(sizeof(*out));
	rc = out ? q699_rel_build(&m, (enum tisup_variant)variant, (uint8_t)cause, SIPT_LOCATION_BI) : -ENOMEM;
	if (rc == 0)
		rc = sipt_encode_body(out, &m, NULL, mode);
	rc = rc == 0 ? gw_sip_hangup_body(l->sip, status, reason, &out->body) : gw_sip_hangup(l->sip, status, reason);
	free(out);
	return rc;
}

int call_sipt_cause(struct call *c, struct gw_sip_leg *leg, int cause)
{
	struct gw_sip_body body;
	struct tsipt_body b;
	struct tisup_msg *m;
	uint8_t isup_cause, loc;
	char err[16];

	if (!c->b_sipt || leg != c->b.sip || gw_sip_leg_body(leg, &body) < 0 || !body.ctype ||
	    tsipt_parse(body.ctype, body.cdisp, body.data, body.len, &b, err, sizeof(err)) < 0 || !b.isup ||
	    b.variant < 0)
		return cause;
	m = malloc(sizeof(*m));
	if (!m)
		return cause;
	/* RFC 3398 / Q.1912.5: the REL's cause, not the SIP status, is what
	 * the PSTN side hears. */
	if (tisup_decode(m, (enum tisup_variant)b.variant, b.isup, b.isup_len) == 0 &&
	    q699_rel_cause(m, &isup_cause, &loc) == 0 && isup_cause >= 1 && isup_cause <= 127) {
		CLOG(LOG_INFO, c, "the %s egress's REL: cause %u (location %u) over %d", call_sipt_name(c->b_sipt),
		     isup_cause, loc, cause);
		cause = isup_cause;
	}
	free(m);
	return cause;
}
