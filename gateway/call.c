/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The call state machine (docs/calls.md): an ingress leg (SIP or PRI)
 * joined to one egress leg at a time (PRI or SIP), hunting through the
 * route's trunks; numbers, identity and causes mapped at the edges; one
 * CDR per egress attempt. Every log line names the call. */
#include "config.h"

#include "gateway/call.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"
#include "db/cdr.h"
#include "db/directory.h"
#include "gateway/billing.h"
#include "gateway/cause.h"
#include "gateway/directory.h"
#include "gateway/identity.h"
#include "gateway/loop.h"
#include "gateway/call_media.h"
#include "gateway/numbers.h"
#include "gateway/sip.h"
#include "gateway/spans.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "gateway/call_int.h"

static void call_end_b(struct call *c, int cause);
static void call_maybe_finish(struct call *c);

/* --- Helpers ------------------------------------------------------------ */

int64_t call_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void make_uuid(char *out)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, CDR_UUID_LEN + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static const char *host_of(const struct gw_calls *calls, char *buf, size_t len)
{
	const char *colon;

	snprintf(buf, len, "%s", calls->s->sip_listen);
	if (buf[0] != '[' && (colon = strrchr(buf, ':')))
		buf[colon - buf] = '\0';
	return buf;
}

void call_reason(int cause, char *buf, size_t len)
{
	if (cause_reason_header(cause, buf, len) < 0)
		snprintf(buf, len, "Q.850;cause=%d", cause);
}

/* --- Life cycle --------------------------------------------------------- */

static void call_ring_timeout(void *arg);

struct call *call_new(struct gw_calls *calls, enum cdr_direction dir)
{
	struct call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->a_sdp = calloc(1, SDP_MAX);
	c->b_sdp = calloc(1, SDP_MAX);
	if (!c->a_sdp || !c->b_sdp || gw_timer_new(calls->loop, call_ring_timeout, c, &c->ring_timer) < 0 ||
	    gw_timer_new(calls->loop, call_invite_timeout, c, &c->invite_timer) < 0) {
		gw_timer_free(c->ring_timer);
		free(c->a_sdp);
		free(c->b_sdp);
		free(c);
		return NULL;
	}
	c->calls = calls;
	c->direction = dir;
	c->channel = CDR_UNSET;
	c->start_ms = call_now_ms();
	c->last_cause = CAUSE_NO_ROUTE_DESTINATION;
	c->cpc = c->redirect_isup_reason = -1;
	make_uuid(c->uuid);
	c->next = calls->list;
	if (calls->list)
		calls->list->prev = c;
	calls->list = c;
	calls->live++;
	calls->total++;
	return c;
}

static void call_free(struct call *c)
{
	struct gw_calls *calls = c->calls;

	if (c->prev)
		c->prev->next = c->next;
	else
		calls->list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	calls->live--;
	call_release_limits(c);
	gw_timer_free(c->ring_timer);
	gw_timer_free(c->invite_timer);
	free(c->a_sdp);
	free(c->b_sdp);
	free(c->iam);
	free(c->reinv_sdp);
	free(c);
}

static void call_cdr_done(void *arg, int rc)
{
	struct call *c = arg;

	c->cdr_pending--;
	if (rc < 0)
		c->calls->cdr_errors++;
	call_maybe_finish(c);
}

static enum cdr_disposition disposition_of(const struct call *c)
{
	if (c->b.answered)
		return CDR_DISP_ANSWERED;
	if (c->hangup_side == CDR_HANGUP_CALLER)
		return CDR_DISP_CANCELLED;
	return cause_disposition(c->final_cause > 0 ? c->final_cause : c->final_status, false);
}

/* Clearing begins (BYE, CANCEL, DISCONNECT sent or received): the CDR
 * ends here, not when a slow or stuck release frees the channel. */
static void call_mark_end(struct call *c)
{
	if (!c->end_ms)
		c->end_ms = call_now_ms();
}

/* One CDR for the egress attempt that just ended (or for the call, when
 * it never reached an egress). */
static void call_write_cdr(struct call *c)
{
	struct cdr_record r;
	char err[256];
	int64_t end = c->end_ms ? c->end_ms : call_now_ms();

	cdr_record_init(&r);
	memcpy(r.call_uuid, c->uuid, sizeof(r.call_uuid));
	r.leg = ++c->cdr_leg;
	snprintf(r.node, sizeof(r.node), "%s", c->calls->s->node);
	r.direction = c->direction;
	snprintf(r.customer, sizeof(r.customer), "%s", c->customer);
	snprintf(r.ingress, sizeof(r.ingress), "%s", c->ingress);
	snprintf(r.egress, sizeof(r.egress), "%s", c->egress);
	snprintf(r.span, sizeof(r.span), "%s", c->span);
	r.channel = c->channel;
	snprintf(r.caller, sizeof(r.caller), "%s", c->caller.number);
	snprintf(r.callee, sizeof(r.callee), "%s", c->callee);
	snprintf(r.dialed, sizeof(r.dialed), "%s", c->dialed);
	r.start_ms = c->b_start_ms ? c->b_start_ms : c->start_ms;
	r.end_ms = end < r.start_ms ? r.start_ms : end;
	r.duration_ms = r.end_ms - r.start_ms;
	r.disposition = disposition_of(c);
	if (r.disposition == CDR_DISP_ANSWERED) {
		r.answer_ms = c->answer_ms < r.start_ms ? r.start_ms : c->answer_ms;
		r.billable_ms = r.end_ms - r.answer_ms;
	}
	r.sip_status = c->final_status >= 100 && c->final_status <= 699 ? c->final_status : CDR_UNSET;
	r.q850_cause = c->final_cause > 0 && c->final_cause <= 127 ? c->final_cause : CDR_UNSET;
	r.hangup_side = c->hangup_side;
	snprintf(r.codec, sizeof(r.codec), "%s", c->a.kind == LEG_PRI || c->b.kind == LEG_PRI ? "G711" : "");
	snprintf(r.sip_call_id, sizeof(r.sip_call_id), "%s", c->call_id);
	snprintf(r.route, sizeof(r.route), "%s", c->route);
	/* the caller's category and the redirection (007_cdr_isup) */
	r.calling_category = c->cpc >= 0 && c->cpc <= 255 ? c->cpc : CDR_UNSET;
	if (c->redirected) {
		snprintf(r.redirecting, sizeof(r.redirecting), "%s", c->redirect.number);
		r.redirect_reason =
		    c->redirect_isup_reason >= 0
			? c->redirect_isup_reason
			: q699_isup_redir_reason((uint8_t)ident_redir_reason_to_q931(c->redirect.reason));
		r.redirect_count = c->redirect.counter >= 0 && c->redirect.counter <= 7 ? c->redirect.counter : 7;
	}
	snprintf(r.original_called, sizeof(r.original_called), "%s", c->orig_called);
	if (cdr_record_check(&r, err, sizeof(err)) < 0) {
		CLOG(LOG_ERR, c, "CDR leg %d refused before journaling: %s", r.leg, err);
		c->calls->cdr_errors++;
		return;
	}
	c->cdr_pending++;
	c->calls->cdrs++;
	CLOG(LOG_INFO, c, "CDR leg %d: %s, egress %s, status %d, cause %d, billable %lld ms", r.leg,
	     cdr_disposition_name(r.disposition), r.egress[0] ? r.egress : "-", r.sip_status, r.q850_cause,
	     (long long)r.billable_ms);
	if (gw_billing_submit(c->calls->billing, &r, call_cdr_done, c) < 0) {
		c->cdr_pending--;
		c->calls->cdr_errors++;
		CLOG(LOG_ERR, c, "CDR leg %d: out of memory", r.leg);
	}
}

/* Free the call once both legs have let go and its CDRs are durable. */
static void call_maybe_finish(struct call *c)
{
	if (c->a.live || c->b.live)
		return;
	/* both legs are gone: the call no longer counts against any limit */
	call_release_limits(c);
	if (!c->finished) {
		c->finished = 1;
		if (!c->cdr_written) {
			c->cdr_written = 1;
			call_write_cdr(c);
		}
	}
	if (c->cdr_pending == 0)
		call_free(c);
}

/* --- The ingress side ---------------------------------------------------- */

/* Tell the ingress that the call failed with cause (SIP: a final status
 * and Reason; PRI: DISCONNECT). */
void call_fail_a(struct call *c, int cause, int status)
{
	char reason[160];

	call_mark_end(c);
	c->final_cause = cause;
	if (!status)
		status = call_cause_status(c, cause);
	c->final_status = status;
	c->calls->failed++;
	CLOG(LOG_INFO, c, "failed: cause %d (%s), SIP %d", cause, cause_name(cause), status);
	call_reason(cause, reason, sizeof(reason));
	if (c->a.kind == LEG_SIP && c->a.live) {
		call_sipt_hangup(c, 1, status, reason, cause);
		c->a.live = 0;
	} else if (c->a.kind == LEG_PRI && c->a.live) {
		gw_pri_hangup(gw_span_pri(c->a.span), c->a.ch, cause);
		/* a.live drops at the channel's release */
	}
	c->state = CS_CLEARING;
	call_maybe_finish(c);
}

/* --- Media and SDP -------------------------------------------------------- */

static void call_media_stop(struct call *c)
{
	call_media_end(c->calls->media, c->uuid);
}

/* --- Egress: starting an attempt --------------------------------------- */

int call_start_pri(struct call *c, const struct call_target *t)
{
	struct gw_calls *calls = c->calls;
	struct gw_pri_call_params p;
	struct num_q931 q;
	const struct number_rules *rules;
	struct gw_span *sp;
	int ch, rc;

	/* RFC 3398: an offer without G.711 cannot reach a B-channel (cause 65,
	 * 488); another target of the route may still take it. */
	if (c->a.kind == LEG_SIP && c->a_sdp[0] && !call_media_offer_ok(c->a_sdp)) {
		c->last_cause = CAUSE_BEARER_NOT_IMPLEMENTED;
		CLOG(LOG_INFO, c, "trunk %s: the offer has no G.711 audio", t->trunk);
		return -ENOTSUP;
	}
	rc = gw_spans_hunt(calls->spans, t->trunk, c, &sp, &ch);
	if (rc < 0) {
		c->last_cause = rc == -ENOENT     ? CAUSE_NO_ROUTE_DESTINATION
				: rc == -ENETDOWN ? CAUSE_NETWORK_OUT_OF_ORDER
						  : CAUSE_NO_CIRCUIT;
		CLOG(LOG_INFO, c, "trunk %s: %s", t->trunk,
		     rc == -ENOENT     ? "no span"
		     : rc == -ENETDOWN ? "every span is down"
				       : "no free B-channel");
		return rc;
	}
	rules = gw_span_rules(sp);
	memset(&p, 0, sizeof(p));
	p.redirecting_reason = -1;
	if (num_to_pri(rules, c->callee, &q) < 0) {
		gw_span_set_owner(sp, ch, NULL);
		c->last_cause = CAUSE_INVALID_NUMBER_FORMAT;
		return -EINVAL;
	}
	snprintf(p.called.digits, sizeof(p.called.digits), "%s", q.digits);
	p.called.plan = GW_PRI_PLAN(q.ton, q.npi);
	if (c->caller.number[0] && num_to_pri(rules, c->caller.number, &q) == 0) {
		snprintf(p.calling.digits, sizeof(p.calling.digits), "%s", q.digits);
		p.calling.plan = GW_PRI_PLAN(q.ton, q.npi);
	}
	p.calling.pres = GW_PRI_PRESENTATION((int)c->caller.pres, (int)c->caller.screen);
	if (c->redirected && num_to_pri(rules, c->redirect.number, &q) == 0) {
		snprintf(p.redirecting.digits, sizeof(p.redirecting.digits), "%s", q.digits);
		p.redirecting.plan = GW_PRI_PLAN(q.ton, q.npi);
		p.redirecting.pres = GW_PRI_PRESENTATION((int)c->redirect.pres, GW_PRI_SCREEN_NETWORK);
		p.redirecting_reason = ident_redir_reason_to_q931(c->redirect.reason);
	}
	rc = gw_pri_call_ex(gw_span_pri(sp), ch, &p);
	if (rc < 0) {
		gw_span_set_owner(sp, ch, NULL);
		c->last_cause = CAUSE_TEMPORARY_FAILURE;
		return rc;
	}
	c->b.kind = LEG_PRI;
	c->b.span = sp;
	c->b.ch = ch;
	c->b.live = 1;
	snprintf(c->span, sizeof(c->span), "%s", gw_span_name(sp));
	c->channel = ch;
	CLOG(LOG_INFO, c, "SETUP on span %s channel %d to %s", gw_span_name(sp), ch, p.called.digits);
	return 0;
}

int call_start_sip(struct call *c, const struct dir_member *m, const char *uri, int to_did)
{
	struct gw_calls *calls = c->calls;
	struct gw_sip_call sc;
	struct call_sipt_out *body = NULL;
	struct ident_sip id;
	char ruri[320], host[128], port[16] = "", extra[1400] = "", div[600], local[SDP_MAX], to[200];
	const char *offer;
	int rc;

	host_of(calls, host, sizeof(host));
	if (uri) {
		snprintf(ruri, sizeof(ruri), "%s", uri);
	} else if (m) {
		if (m->port)
			snprintf(port, sizeof(port), ":%u", m->port);
		/* a TLS member: sips: (RFC 3261 26.2; Sofia verifies its certificate) */
		snprintf(ruri, sizeof(ruri), "%s:%s@%s%s%s", m->transport == DIR_TRANSPORT_TLS ? "sips" : "sip",
			 c->callee, m->host, port, m->transport == DIR_TRANSPORT_TCP ? ";transport=tcp" : "");
		snprintf(c->route + strlen(c->route), sizeof(c->route) - strlen(c->route), " via %s", m->host);
	} else {
		c->last_cause = CAUSE_NO_ROUTE_DESTINATION;
		return -ENOENT;
	}
	if (call_secure_egress(c, ruri) < 0)
		return -EPERM;
	if (ident_to_sip(&c->caller, host, &id) < 0)
		snprintf(id.from, sizeof(id.from), "%s", IDENT_ANONYMOUS_FROM), id.pai[0] = id.privacy[0] = '\0';
	if (id.pai[0])
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "P-Asserted-Identity: %s\r\n", id.pai);
	if (id.privacy[0])
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "Privacy: %s\r\n", id.privacy);
	if (c->redirected) {
		struct ident_diversion d;
		ident_redirect_to_diversion(&c->redirect, &d);
		if (ident_diversion_build(&d, 1, host, div, sizeof(div)) == 0)
			snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "Diversion: %s\r\n", div);
	}
	if (c->a.kind == LEG_PRI)
		offer = call_pri_sdp(c, &c->a, NULL, local, sizeof(local));
	else
		offer = c->a_sdp;
	/* a SIP-T / SIP-I peer: the offer goes with an IAM */
	c->b_sipt = m ? call_sipt_of_trunk(c, m->trunk_id) : call_sipt_of_uri(c, ruri);
	if (c->b_sipt) {
		body = malloc(sizeof(*body));
		rc = body ? call_sipt_invite_body(c, offer, body) : -ENOMEM;
		if (rc < 0) {
			free(body);
			return rc;
		}
	}
	memset(&sc, 0, sizeof(sc));
	sc.uri = ruri;
	sc.body = body ? &body->body : NULL;
	if (to_did) { /* a registered contact: the DID goes in To */
		snprintf(to, sizeof(to), "<sip:%s@%s>", c->callee, host);
		sc.to = to;
	}
	sc.from = id.from;
	sc.extra = extra;
	sc.sdp = offer;
	rc = gw_sip_invite(calls->sip, &sc, c, &c->b.sip);
	free(body);
	if (rc < 0) {
		c->last_cause = CAUSE_TEMPORARY_FAILURE;
		return rc;
	}
	c->b.kind = LEG_SIP;
	c->b.live = 1;
	CLOG(LOG_INFO, c, "INVITE %s", ruri);
	return 0;
}

void call_attempt_reset(struct call *c)
{
	memset(&c->b, 0, sizeof(c->b));
	c->b_sdp[0] = '\0';
	c->egress[0] = c->route[0] = '\0';
	/* the CDR's span and channel: the egress's, or the ingress's for a
	 * call from the PSTN */
	if (c->a.kind == LEG_PRI) {
		snprintf(c->span, sizeof(c->span), "%s", gw_span_name(c->a.span));
		c->channel = c->a.ch;
	} else {
		c->span[0] = '\0';
		c->channel = CDR_UNSET;
	}
	c->final_status = c->final_cause = 0;
	c->hangup_side = CDR_HANGUP_UNSET;
	c->b_start_ms = call_now_ms();
	c->end_ms = 0;
	gw_timer_stop(c->invite_timer);
	c->b_timed_out = 0;
	c->last_status = 0;
	c->member_id = 0;
}

int call_did_fallback(struct call *c)
{
	char uri[sizeof(c->fallback)];

	if (!c->fallback[0] || c->state != CS_ROUTING || c->b.early)
		return 0;
	snprintf(uri, sizeof(uri), "%s", c->fallback);
	c->fallback[0] = '\0';
	call_attempt_reset(c);
	snprintf(c->egress, sizeof(c->egress), "%s", c->customer);
	snprintf(c->route, sizeof(c->route), "did %s fallback", c->callee);
	CLOG(LOG_INFO, c, "DID %s: the target failed, fallback %s", c->callee, uri);
	if (call_start_sip(c, NULL, uri, 0) < 0)
		return 0;
	gw_timer_start(c->ring_timer, (unsigned)c->calls->s->call_ring_timeout_ms);
	return 1;
}

/* --- Egress events -------------------------------------------------------- */

/* The egress attempt ended before answer with cause/status. */
void call_b_failed(struct call *c, int cause, int status)
{
	gw_timer_stop(c->ring_timer);
	gw_timer_stop(c->invite_timer);
	c->final_cause = cause;
	/* the status the caller gets: a SIP egress's own, else the table's */
	if (c->a.kind == LEG_SIP)
		status = c->b.kind == LEG_SIP && status >= 300 ? status : call_cause_status(c, cause);
	c->final_status = status;
	c->hangup_side = CDR_HANGUP_CALLEE;
	call_write_cdr(c);
	c->last_cause = cause;
	if (call_did_fallback(c))
		return;
	c->last_status = c->b.kind == LEG_SIP && status >= 300 ? status : 0;
	if (call_fails_over(c, cause, status)) {
		c->calls->failovers++;
		CLOG(LOG_INFO, c, "attempt failed (cause %d, SIP %d): next %s", cause, status,
		     c->next_member < c->nmembers ? "member" : "target");
		call_try_next(c);
		return;
	}
	c->cdr_written = 1;
	call_fail_a(c, cause, status);
}

/* The egress answered: answer the ingress. */
static void call_b_answered(struct call *c)
{
	char local[SDP_MAX];

	gw_timer_stop(c->ring_timer);
	gw_timer_stop(c->invite_timer);
	c->b.answered = 1;
	c->answer_ms = call_now_ms();
	/* the customer's maximum duration (toll fraud): the ring timer again */
	if (c->max_duration_s)
		gw_timer_start(c->ring_timer, c->max_duration_s * 1000u);
	c->final_status = 200;
	c->state = CS_ANSWERED;
	c->calls->answered++;
	CLOG(LOG_INFO, c, "answered");
	if (c->a.kind == LEG_SIP) {
		const char *sdp =
		    c->b.kind == LEG_PRI ? call_pri_sdp(c, &c->b, c->a_sdp, local, sizeof(local)) : c->b_sdp;
		call_sipt_respond(c, 200, sdp);
	} else {
		call_media_remote(c->calls->media, c->uuid, c->b_sdp);
		gw_pri_answer(gw_span_pri(c->a.span), c->a.ch);
	}
	c->a.answered = 1;
}

/* The egress rings (early = in-band information / 183 with SDP). */
static void call_b_ringing(struct call *c, int early)
{
	char local[SDP_MAX];

	if (early && !c->a.early) {
		c->a.early = 1;
		if (c->a.kind == LEG_SIP) {
			const char *sdp =
			    c->b.kind == LEG_PRI ? call_pri_sdp(c, &c->b, c->a_sdp, local, sizeof(local)) : c->b_sdp;
			call_sipt_respond(c, 183, sdp);
		} else {
			call_media_remote(c->calls->media, c->uuid, c->b_sdp);
			gw_pri_progress(gw_span_pri(c->a.span), c->a.ch);
		}
	} else if (!early && !c->a.alerted) {
		c->a.alerted = 1;
		if (c->a.kind == LEG_SIP)
			call_sipt_respond(c, 180, NULL);
		else
			gw_pri_alerting(gw_span_pri(c->a.span), c->a.ch);
	}
}

/* The ingress ends an established or early call: end the egress. */
static void call_a_ended(struct call *c, int cause)
{
	call_mark_end(c);
	gw_timer_stop(c->ring_timer);
	gw_timer_stop(c->invite_timer);
	if (c->hangup_side == CDR_HANGUP_UNSET)
		c->hangup_side = CDR_HANGUP_CALLER;
	if (!c->final_cause)
		c->final_cause = cause > 0 ? cause : CAUSE_NORMAL_CLEARING;
	c->state = CS_CLEARING;
	call_end_b(c, c->final_cause);
	call_maybe_finish(c);
}

/* End the egress leg from our side with cause. */
static void call_end_b(struct call *c, int cause)
{
	char reason[160];

	gw_timer_stop(c->invite_timer);
	if (!c->b.live)
		return;
	call_reason(cause, reason, sizeof(reason));
	call_media_stop(c);
	if (c->b.kind == LEG_SIP) {
		call_sipt_hangup(c, 0, 487, reason, cause);
		c->b.live = 0;
	} else if (c->b.kind == LEG_PRI) {
		gw_pri_hangup(gw_span_pri(c->b.span), c->b.ch, cause);
	}
}

/* End the ingress leg after an answered call, from the egress side. */
static void call_end_a(struct call *c, int cause)
{
	char reason[160];

	if (!c->a.live)
		return;
	call_reason(cause, reason, sizeof(reason));
	call_media_stop(c);
	if (c->a.kind == LEG_SIP) {
		call_sipt_hangup(c, 1, call_cause_status(c, cause), reason, cause);
		c->a.live = 0;
	} else {
		gw_pri_hangup(gw_span_pri(c->a.span), c->a.ch, cause);
	}
}

/* The egress (answered) was cleared by the far end. */
static void call_b_ended(struct call *c, int cause, int status)
{
	if (!c->b.answered) {
		call_b_failed(c, cause, status);
		return;
	}
	call_mark_end(c);
	if (c->hangup_side == CDR_HANGUP_UNSET)
		c->hangup_side = CDR_HANGUP_CALLEE;
	if (!c->final_cause)
		c->final_cause = cause;
	c->state = CS_CLEARING;
	call_end_a(c, cause);
	call_maybe_finish(c);
}

/* An answered call of a customer reached its maximum duration: both
 * sides are cleared by the gateway with cause 102, which the CDR keeps. */
static void call_duration_exceeded(struct call *c)
{
	CLOG(LOG_WARNING, c, "ALARM customer %s: call to %s cleared at its maximum duration of %u s", c->customer,
	     c->callee, c->max_duration_s);
	c->calls->duration_cut++;
	call_mark_end(c);
	c->hangup_side = CDR_HANGUP_GATEWAY;
	c->final_cause = CAUSE_RECOVERY_ON_TIMER_EXPIRY;
	c->state = CS_CLEARING;
	call_end_a(c, CAUSE_RECOVERY_ON_TIMER_EXPIRY);
	call_end_b(c, CAUSE_RECOVERY_ON_TIMER_EXPIRY);
	call_maybe_finish(c);
}

static void call_ring_timeout(void *arg)
{
	struct call *c = arg;

	if (c->state == CS_ANSWERED) {
		call_duration_exceeded(c);
		return;
	}
	CLOG(LOG_INFO, c, "no answer within %d ms", c->calls->s->call_ring_timeout_ms);
	c->next_target = c->ntargets; /* no failover for an unanswered call */
	c->fallback[0] = '\0';
	call_mark_end(c);
	call_end_b(c, CAUSE_NO_ANSWER);
	if (c->b.kind == LEG_SIP)
		call_b_failed(c, CAUSE_NO_ANSWER, 480);
	/* PRI: the release of the channel finishes the attempt */
	else
		c->final_cause = CAUSE_NO_ANSWER;
}

/* --- SIP events ------------------------------------------------------------ */

static void calls_on_progress(void *arg, struct gw_sip_leg *leg, void *owner, int status, const char *sdp)
{
	struct call *c = owner;

	(void)arg;
	(void)leg;
	if (!c || c->b.sip != leg)
		return;
	/* any response, 100 Trying included: the member is alive, and how long
	 * the far network takes to ring is the caller's ring timer's business */
	gw_timer_stop(c->invite_timer);
	if (status == 100)
		return;
	if (sdp && *sdp)
		snprintf(c->b_sdp, SDP_MAX, "%s", sdp);
	if (status == 180 || status == 181 || status == 182) {
		c->b.alerted = 1;
		call_b_ringing(c, sdp && *sdp && c->a.kind == LEG_SIP);
	} else if (status == 183 && sdp && *sdp) {
		c->b.early = 1;
		call_b_ringing(c, 1);
	}
}

static void calls_on_answered(void *arg, struct gw_sip_leg *leg, void *owner, const char *sdp)
{
	struct call *c = owner;

	(void)arg;
	if (!c || c->b.sip != leg)
		return;
	if (sdp && *sdp)
		snprintf(c->b_sdp, SDP_MAX, "%s", sdp);
	call_b_answered(c);
}

static void calls_on_failed(void *arg, struct gw_sip_leg *leg, void *owner, int status, int cause)
{
	struct call *c = owner;

	(void)arg;
	if (!c || c->b.sip != leg)
		return;
	c->b.live = 0;
	if (cause <= 0)
		cause = call_cause_of(c, status);
	cause = call_sipt_cause(c, leg, cause);
	CLOG(LOG_INFO, c, "egress answered %d (cause %d)", status, cause);
	if (status == 503)
		call_hunt_retry_after(c, gw_sip_leg_retry_after(leg));
	call_b_failed(c, cause, status);
}

static void calls_on_ended(void *arg, struct gw_sip_leg *leg, void *owner, int by_bye, int cause)
{
	struct call *c = owner;

	if (!arg || !c)
		return;
	if (cause == CAUSE_RECOVERY_ON_TIMER_EXPIRY && c->hangup_side == CDR_HANGUP_UNSET)
		c->hangup_side = CDR_HANGUP_GATEWAY; /* its session timer ran out: our BYE */
	if (c->a.kind == LEG_SIP && c->a.sip == leg) {
		c->a.live = 0;
		CLOG(LOG_INFO, c, "caller %s", by_bye ? "hung up (BYE)" : "cancelled");
		call_a_ended(c, cause > 0 ? cause : by_bye ? CAUSE_NORMAL_CLEARING : 0);
	} else if (c->b.kind == LEG_SIP && c->b.sip == leg) {
		c->b.live = 0;
		CLOG(LOG_INFO, c, "callee hung up (%s)", by_bye ? "BYE" : "dialog ended");
		call_b_ended(c, call_sipt_cause(c, leg, cause > 0 ? cause : CAUSE_NORMAL_CLEARING), 0);
	}
}

static const struct gw_sip_events calls_sip_events = {
    .invite = calls_on_invite,
    .progress = calls_on_progress,
    .answered = calls_on_answered,
    .failed = calls_on_failed,
    .ended = calls_on_ended,
    .reinvite = calls_on_reinvite,
    .reinvited = calls_on_reinvited,
    .credential = calls_credential,
};

/* --- Span events ------------------------------------------------------------ */

static struct call *pri_call(struct gw_span *sp, int ch, void *owner, int *is_a)
{
	struct call *c = owner;

	if (!c)
		return NULL;
	if (c->a.kind == LEG_PRI && c->a.span == sp && c->a.ch == ch)
		*is_a = 1;
	else if (c->b.kind == LEG_PRI && c->b.span == sp && c->b.ch == ch)
		*is_a = 0;
	else
		return NULL;
	return c;
}

static void calls_on_alerting(void *arg, struct gw_span *sp, int ch, void *owner)
{
	int is_a;
	struct call *c = pri_call(sp, ch, owner, &is_a);

	(void)arg;
	if (!c || is_a)
		return;
	c->b.alerted = 1;
	/* ALERTING -> 180; in-band information comes with PROGRESS -> 183 */
	call_b_ringing(c, 0);
}

static void calls_on_progress_pri(void *arg, struct gw_span *sp, int ch, void *owner)
{
	int is_a;
	struct call *c = pri_call(sp, ch, owner, &is_a);

	(void)arg;
	if (!c || is_a)
		return;
	c->b.early = 1;
	call_b_ringing(c, 1);
}

static void calls_on_connect(void *arg, struct gw_span *sp, int ch, void *owner)
{
	int is_a;
	struct call *c = pri_call(sp, ch, owner, &is_a);

	(void)arg;
	if (!c || is_a || c->b.answered)
		return;
	call_b_answered(c);
}

static void calls_on_disconnect(void *arg, struct gw_span *sp, int ch, void *owner, int cause)
{
	int is_a;
	struct call *c = pri_call(sp, ch, owner, &is_a);

	(void)arg;
	gw_pri_hangup(gw_span_pri(sp), ch, cause);
	if (!c)
		return;
	if (is_a) {
		CLOG(LOG_INFO, c, "caller cleared, cause %d", cause);
		call_a_ended(c, cause);
	} else {
		CLOG(LOG_INFO, c, "callee cleared, cause %d", cause);
		if (c->b.answered) {
			call_b_ended(c, cause, 0);
		} else {
			c->final_cause = cause; /* the release finishes the attempt */
			call_mark_end(c);
		}
	}
}

static void calls_on_release(void *arg, struct gw_span *sp, int ch, void *owner, int cause)
{
	int is_a;
	struct call *c = pri_call(sp, ch, owner, &is_a);

	(void)arg;
	if (!c)
		return;
	if (is_a) {
		c->a.live = 0;
		if (c->state != CS_CLEARING) {
			CLOG(LOG_INFO, c, "caller's channel released, cause %d", cause);
			call_a_ended(c, cause);
			return;
		}
		call_maybe_finish(c);
		return;
	}
	c->b.live = 0;
	if (c->state == CS_CLEARING) {
		call_maybe_finish(c);
		return;
	}
	if (c->b.answered)
		call_b_ended(c, cause, 0);
	else
		call_b_failed(c, c->final_cause ? c->final_cause : cause, 0);
}

static void calls_on_attached(void *arg, struct gw_span *sp, int attached)
{
	struct gw_calls *calls = arg;

	call_media_span(calls->media, sp, attached);
}

/* Glare (gateway/spans.c): the network took our B-channel; our SETUP went
 * out again on another one of the span, or of its trunk. */
static void calls_on_moved(void *arg, struct gw_span *sp, int from, struct gw_span *to_sp, int to, void *owner)
{
	int is_a;
	struct call *c = pri_call(sp, from, owner, &is_a);

	(void)arg;
	if (!c || is_a)
		return;
	c->b.span = to_sp;
	c->b.ch = to;
	c->channel = to;
	snprintf(c->span, sizeof(c->span), "%s", gw_span_name(to_sp));
	CLOG(LOG_INFO, c, "glare on span %s: channel %d is the network's, SETUP again on span %s channel %d",
	     gw_span_name(sp), from, gw_span_name(to_sp), to);
}

const struct gw_span_events gw_calls_span_events = {
    .setup = calls_on_setup,
    .proceeding = NULL,
    .progress = calls_on_progress_pri,
    .alerting = calls_on_alerting,
    .connect = calls_on_connect,
    .disconnect = calls_on_disconnect,
    .release = calls_on_release,
    .moved = calls_on_moved,
    .link = NULL,
    .attached = calls_on_attached,
};

/* --- The manager -------------------------------------------------------------- */

int gw_calls_new(const struct gw_calls_deps *deps, const struct tandem_settings *s, struct gw_calls **out)
{
	struct gw_calls *calls = calloc(1, sizeof(*calls));

	if (!calls)
		return -ENOMEM;
	calls->loop = deps->loop;
	calls->sip = deps->sip;
	calls->dir = deps->dir;
	calls->billing = deps->billing;
	calls->media = deps->media;
	calls->s = s;
	if (call_hunt_init(calls) < 0 || call_fax_init(calls) < 0) {
		free(calls);
		return -ENOMEM;
	}
	gw_sip_set_events(calls->sip, &calls_sip_events, calls);
	call_dtmf_init(calls);
	*out = calls;
	return 0;
}

void gw_calls_set_spans(struct gw_calls *calls, struct gw_spans *spans)
{
	calls->spans = spans;
}

void gw_calls_reconfigure(struct gw_calls *calls, const struct tandem_settings *s)
{
	calls->s = s;
}

void gw_calls_shutdown(struct gw_calls *calls)
{
	struct call *c, *next;

	calls->shutting_down = 1;
	for (c = calls->list; c; c = next) {
		next = c->next;
		if (c->state == CS_CLEARING)
			continue;
		CLOG(LOG_NOTICE, c, "cleared: the gateway is stopping");
		call_mark_end(c);
		c->hangup_side = CDR_HANGUP_GATEWAY;
		c->state = CS_CLEARING;
		c->final_cause = CAUSE_NORMAL_CLEARING;
		if (c->b.answered) {
			call_end_a(c, CAUSE_NORMAL_CLEARING);
			call_end_b(c, CAUSE_NORMAL_CLEARING);
		} else {
			call_end_b(c, CAUSE_NORMAL_CLEARING);
			if (c->a.kind == LEG_SIP && c->a.live) {
				gw_sip_hangup(c->a.sip, 503, "Q.850;cause=41");
				c->a.live = 0;
			} else if (c->a.live) {
				gw_pri_hangup(gw_span_pri(c->a.span), c->a.ch, CAUSE_TEMPORARY_FAILURE);
			}
		}
		/* PRI legs end with their release, or with the span's freeing */
		call_maybe_finish(c);
	}
}

void gw_calls_free(struct gw_calls *calls)
{
	if (!calls)
		return;
	while (calls->list) {
		struct call *c = calls->list;
		c->cdr_pending = 0;
		c->a.live = c->b.live = 0;
		if (!c->cdr_written)
			CLOG(LOG_WARNING, c, "freed at exit before its CDR was written");
		call_free(c);
	}
	call_hunt_free(calls);
	free(calls);
}

void gw_calls_status(const struct gw_calls *calls, struct ctl_out *out)
{
	ctl_out_kv(out, "calls_live", "%u", calls->live);
	ctl_out_kv(out, "calls_total", "%lu", calls->total);
	ctl_out_kv(out, "calls_answered", "%lu", calls->answered);
	ctl_out_kv(out, "calls_failed", "%lu", calls->failed);
	ctl_out_kv(out, "calls_refused", "%lu", calls->refused);
	ctl_out_kv(out, "calls_cdrs", "%lu", calls->cdrs);
	ctl_out_kv(out, "calls_cdr_errors", "%lu", calls->cdr_errors);
	call_hunt_status(calls, out);
}

void gw_calls_table(const struct gw_calls *calls, struct ctl_out *out)
{
	static const char *const cols[] = {"call",   "direction", "state", "customer", "caller",
					   "callee", "egress",    "span",  "channel",  "age_s"};
	int64_t now = call_now_ms();

	ctl_out_table(out, "calls", cols, sizeof(cols) / sizeof(cols[0]));
	for (const struct call *c = calls->list; c; c = c->next) {
		char ch[12], age[24];
		const char *vals[10];

		snprintf(ch, sizeof(ch), "%d", c->channel > 0 ? c->channel : 0);
		snprintf(age, sizeof(age), "%lld", (long long)((now - c->start_ms) / 1000));
		vals[0] = c->uuid;
		vals[1] = cdr_direction_name(c->direction);
		vals[2] = c->state == CS_ANSWERED ? "answered" : c->state == CS_CLEARING ? "clearing" : "setup";
		vals[3] = c->customer;
		vals[4] = c->caller.number;
		vals[5] = c->callee;
		vals[6] = c->egress;
		vals[7] = c->span;
		vals[8] = c->channel > 0 ? ch : "";
		vals[9] = age;
		ctl_out_row(out, vals, 10);
	}
	ctl_out_end(out);
	call_hunt_table(calls, out);
}
