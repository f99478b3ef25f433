/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PRI glue commands: calls placed, answered and cleared, RESTART and SERVICE per channel, and the queries. */
#include "config.h"

#include "gateway/pri_glue.h"
#include "gateway/pri_int.h"
#include "gateway/pri_pace.h"

#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* --- Queries and commands ---------------------------------------------- */

int gw_pri_link_up(const struct gw_pri *gp)
{
	return gp->up;
}

unsigned gw_pri_alarms(const struct gw_pri *gp)
{
	return gp->alarms;
}

int gw_pri_pace_stats(const struct gw_pri *gp, struct pri_pace_stats *st)
{
	if (!gp->pace)
		return -ENOENT;
	pri_pace_stats(gp->pace, st);
	return 0;
}

int gw_pri_channel_restarting(const struct gw_pri *gp, int channel)
{
	return tdm_span_bchan_valid(gp->span->cfg.type, channel) && gp->ch[channel].restarting;
}

enum gw_pri_state gw_pri_channel_state(const struct gw_pri *gp, int channel)
{
	if (!tdm_span_bchan_valid(gp->span->cfg.type, channel))
		return GW_PRI_NULL;
	return gp->ch[channel].state;
}

unsigned gw_pri_channel_oos(const struct gw_pri *gp, int channel)
{
	return tdm_span_bchan_valid(gp->span->cfg.type, channel) ? gp->ch[channel].oos : 0;
}

int gw_pri_channel_has_call(const struct gw_pri *gp, int channel)
{
	return tdm_span_bchan_valid(gp->span->cfg.type, channel) && gp->ch[channel].call != NULL;
}

long long gw_pri_channel_age_ms(const struct gw_pri *gp, int channel)
{
	if (!tdm_span_bchan_valid(gp->span->cfg.type, channel))
		return 0;
	return gw_pri_now_ms() - gp->ch[channel].since_ms;
}

int gw_pri_service_enabled(const struct gw_pri *gp)
{
	return gp->cfg.service && gw_pri_switch_has_service(gp->cfg.sw);
}

int gw_pri_idle_channel(const struct gw_pri *gp)
{
	enum tdm_span_type type = gp->span->cfg.type;

	for (int n = 0; n < tdm_span_bchannels(type); n++) {
		int ch = tdm_span_bchan_nth(type, n);
		if (gp->ch[ch].state == GW_PRI_NULL && !gp->ch[ch].restarting && !gp->ch[ch].oos)
			return ch;
	}
	return -EBUSY;
}

/* Common checks; then the transition is made before libpri is asked,
 * because libpri may answer (and call back) at once. */
static int command(struct gw_pri *gp, int channel, enum gw_pri_event e)
{
	if (!tdm_span_bchan_valid(gp->span->cfg.type, channel))
		return -EINVAL;
	if (!gp->up && e == GW_PRI_EV_CMD_SETUP)
		return -ENOTCONN;
	return gw_pri_set_state(gp, channel, e);
}

int gw_pri_call(struct gw_pri *gp, int channel, const char *called, const char *calling)
{
	struct gw_pri_call_params p;

	memset(&p, 0, sizeof(p));
	if (!called || strlen(called) >= sizeof(p.called.digits) || (calling && strlen(calling) >= 64))
		return -EINVAL;
	snprintf(p.called.digits, sizeof(p.called.digits), "%s", called);
	snprintf(p.calling.digits, sizeof(p.calling.digits), "%s", calling ? calling : "");
	p.redirecting_reason = -1;
	return gw_pri_call_ex(gp, channel, &p);
}

int gw_pri_call_ex(struct gw_pri *gp, int channel, const struct gw_pri_call_params *p)
{
	char called[64], calling[64], redir[64];
	struct pri_sr *sr = NULL;
	q931_call *call;
	size_t n = strlen(p->called.digits), first = n;
	int rc;

	if (!p->called.digits[0] && !p->overlap)
		return -EINVAL;
	if ((rc = command(gp, channel, GW_PRI_EV_CMD_SETUP)) < 0)
		return rc;
	/* libpri takes char *, not const */
	snprintf(called, sizeof(called), "%s", p->called.digits);
	/* Overlap sending: the SETUP takes the first digits, INFORMATION the
	 * rest (gw_pri_send_rest, after SETUP ACKNOWLEDGE). */
	if (gp->cfg.overlap_send && !p->overlap && n > (size_t)gp->cfg.overlap_send_digits)
		first = (size_t)gp->cfg.overlap_send_digits;
	called[first] = '\0';
	snprintf(calling, sizeof(calling), "%s", p->calling.digits);
	snprintf(redir, sizeof(redir), "%s", p->redirecting.digits);
	call = pri_new_call(gp->pri);
	sr = pri_sr_new();
	rc = -EIO;
	if (!call || !sr)
		goto out;
	pri_sr_set_channel(sr, channel, 1 /* exclusive */, 0);
	pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH,
			  gp->span->cfg.law == TDM_LAW_ALAW ? PRI_LAYER_1_ALAW : PRI_LAYER_1_ULAW);
	/* No digits at all: an empty called party number IE (libpri refuses a SETUP without one). */
	pri_sr_set_called(sr, called, p->called.plan, p->overlap || first < n ? 0 : 1);
	if (*calling)
		pri_sr_set_caller(sr, calling, NULL, p->calling.plan, p->calling.pres);
	else if (GW_PRI_PRES_OF(p->calling.pres) != GW_PRI_PRES_ALLOWED)
		pri_sr_set_caller(sr, calling, NULL, p->calling.plan, PRES_NUMBER_NOT_AVAILABLE);
	if (*redir)
		pri_sr_set_redirecting(sr, redir, p->redirecting.plan, p->redirecting.pres,
				       p->redirecting_reason < 0 ? PRI_REDIR_UNKNOWN : p->redirecting_reason);
	gp->ch[channel].call = call;
	gp->ch[channel].params = *p;
	gp->ch[channel].info_sent = first;
	if (pri_setup(gp->pri, call, sr) != 0)
		goto out;
	LOG_I(TAG, "span %d ch %d: SETUP to '%s' (plan 0x%02x) from '%s' (plan 0x%02x pres 0x%02x)%s%s%s", gp->span_id,
	      channel, called, p->called.plan, calling, p->calling.plan, p->calling.pres,
	      *redir ? ", redirected by " : "", redir, first < n ? " (overlap sending)" : "");
	rc = 0;
out:
	if (sr)
		pri_sr_free(sr);
	if (rc < 0) {
		LOG_W(TAG, "span %d ch %d: libpri refused the SETUP", gp->span_id, channel);
		if (call)
			pri_destroycall(gp->pri, call);
		gp->ch[channel].call = NULL;
		gp->ch[channel].state = GW_PRI_NULL;
	}
	gw_pri_reschedule(gp);
	return rc;
}

void gw_pri_send_rest(struct gw_pri *gp, int channel)
{
	struct gw_pri_chan *c = &gp->ch[channel];
	const char *d = c->params.called.digits;
	size_t n = strlen(d), from = c->info_sent;

	/* libpri 1.6 sends one digit per INFORMATION, without a Sending
	 * Complete IE: the far end completes the number by its own rules
	 * (length, inter-digit timer), as a network does for a telephone. */
	while (c->info_sent < n && c->state == GW_PRI_OVERLAP_SENDING) {
		if (gw_pri_set_state(gp, channel, GW_PRI_EV_CMD_INFO) < 0 ||
		    pri_information(gp->pri, c->call, d[c->info_sent]) != 0) {
			LOG_W(TAG, "span %d ch %d: INFORMATION not sent", gp->span_id, channel);
			break;
		}
		c->info_sent++;
	}
	if (c->info_sent > from)
		LOG_I(TAG, "span %d ch %d: overlap sending: '%s' in %zu INFORMATION messages", gp->span_id, channel,
		      d + from, c->info_sent - from);
	gw_pri_reschedule(gp);
}

static int call_of(struct gw_pri *gp, int channel, enum gw_pri_event e, q931_call **call)
{
	int rc = command(gp, channel, e);

	*call = rc == 0 ? gp->ch[channel].call : NULL;
	return rc;
}

int gw_pri_proceeding(struct gw_pri *gp, int channel)
{
	q931_call *call;
	int rc = call_of(gp, channel, GW_PRI_EV_CMD_PROCEEDING, &call);

	if (rc == 0 && pri_proceeding(gp->pri, call, channel, 0) != 0)
		rc = -EIO;
	gw_pri_reschedule(gp);
	return rc;
}

int gw_pri_alerting(struct gw_pri *gp, int channel)
{
	q931_call *call;
	int rc = call_of(gp, channel, GW_PRI_EV_CMD_ALERTING, &call);

	/* info = 1: progress indicator 8, in-band ringback follows. */
	if (rc == 0 && pri_acknowledge(gp->pri, call, channel, 1) != 0)
		rc = -EIO;
	gw_pri_reschedule(gp);
	return rc;
}

int gw_pri_answer(struct gw_pri *gp, int channel)
{
	q931_call *call;
	int rc = call_of(gp, channel, GW_PRI_EV_CMD_ANSWER, &call);

	if (rc == 0 && pri_answer(gp->pri, call, channel, 0) != 0)
		rc = -EIO;
	gw_pri_reschedule(gp);
	return rc;
}

/* Causes libpri (with the hangup fix on) clears with, instead of
 * DISCONNECT: RELEASE for 6, 7 and 26, RELEASE COMPLETE for 81 (Q.931
 * 5.3.2 exceptions, 5.8). libpri then never reports the end: RELEASE
 * COMPLETE (sent, or received for an incoming call) frees its record
 * without an event. */
static int clears_without_disconnect(int cause)
{
	return cause == PRI_CAUSE_CHANNEL_UNACCEPTABLE || cause == PRI_CAUSE_CALL_AWARDED_DELIVERED ||
	       cause == PRI_CAUSE_NONSELECTED_USER_CLEARING || cause == PRI_CAUSE_INVALID_CALL_REFERENCE;
}

int gw_pri_hangup(struct gw_pri *gp, int channel, int cause)
{
	enum gw_pri_state was;
	q931_call *call;
	int rc;

	if (cause <= 0 || cause > 127)
		return -EINVAL;
	was = gw_pri_channel_state(gp, channel);
	rc = call_of(gp, channel, GW_PRI_EV_CMD_HANGUP, &call);
	/* libpri 1.6 puts nothing on the wire when asked to clear an incoming
	 * call it has not acknowledged yet, so a rejection in Call Present goes
	 * out as CALL PROCEEDING, then DISCONNECT with the cause (5.3.2). */
	if (rc == 0 && was == GW_PRI_CALL_PRESENT)
		pri_proceeding(gp->pri, call, channel, 0);
	if (rc == 0 && pri_hangup(gp->pri, call, cause) != 0)
		rc = -EIO;
	/* Cleared with RELEASE or RELEASE COMPLETE (not answering a
	 * DISCONNECT, which libpri does report): the channel is free once
	 * that is sent, so the release is reported from the glue's timer
	 * (never from inside the caller's command). The record is forgotten
	 * now: libpri may free it before then, and reuse its address. */
	if (rc == 0 && was != GW_PRI_DISCONNECT_INDICATION && clears_without_disconnect(cause)) {
		LOG_I(TAG, "span %d ch %d: cleared with %s (cause %d): the channel is free", gp->span_id, channel,
		      cause == PRI_CAUSE_INVALID_CALL_REFERENCE ? "RELEASE COMPLETE" : "RELEASE", cause);
		gp->ch[channel].call = NULL;
		gp->ch[channel].local_release = cause;
	}
	gw_pri_reschedule(gp);
	return rc;
}

int gw_pri_need_more_info(struct gw_pri *gp, int channel)
{
	q931_call *call;
	int rc = call_of(gp, channel, GW_PRI_EV_CMD_MORE_INFO, &call);

	if (rc == 0 && pri_need_more_info(gp->pri, call, channel, 0) != 0)
		rc = -EIO;
	gw_pri_reschedule(gp);
	return rc;
}

int gw_pri_progress(struct gw_pri *gp, int channel)
{
	enum gw_pri_state st;

	if (!tdm_span_bchan_valid(gp->span->cfg.type, channel))
		return -EINVAL;
	st = gp->ch[channel].state;
	if (!((GW_PRI_S_IN_EARLY | GW_PRI_S(CALL_RECEIVED)) & (1u << st)))
		return -EPROTO;
	if (pri_progress(gp->pri, gp->ch[channel].call, channel, 1) != 0)
		return -EIO;
	gw_pri_reschedule(gp);
	return 0;
}

int gw_pri_restart(struct gw_pri *gp, int channel)
{
	if (!tdm_span_bchan_valid(gp->span->cfg.type, channel))
		return -EINVAL;
	if (!gp->up)
		return -ENOTCONN;
	if (gp->ch[channel].state != GW_PRI_NULL) {
		if (gp->ch[channel].call)
			pri_destroycall(gp->pri, gp->ch[channel].call);
		gp->ch[channel].call = NULL;
		gw_pri_set_state(gp, channel, GW_PRI_EV_RESTART);
		if (gp->ev.release)
			gp->ev.release(gp->arg, channel, PRI_CAUSE_NORMAL_UNSPECIFIED);
	}
	if (pri_reset(gp->pri, channel) != 0)
		return -EIO;
	gp->ch[channel].restarting = 1;
	LOG_D(TAG, "span %d ch %d: RESTART sent", gp->span_id, channel);
	gw_pri_reschedule(gp);
	return 0;
}

/* SERVICE change status values (AT&T TR 41459, Bellcore TR-1268). */
#define SERVICE_IN  0
#define SERVICE_OUT 2

int gw_pri_service(struct gw_pri *gp, int channel, int in)
{
	if (!tdm_span_bchan_valid(gp->span->cfg.type, channel))
		return -EINVAL;
	if (in)
		gp->ch[channel].oos &= ~GW_PRI_OOS_LOCAL;
	else
		gp->ch[channel].oos |= GW_PRI_OOS_LOCAL;
	LOG_N(TAG, "span %d ch %d: taken %s here", gp->span_id, channel, in ? "into service" : "out of service");
	if (!gw_pri_service_enabled(gp) || !gp->up)
		return 0;
	/* One channel per message: libpri's "whole interface" SERVICE is
	 * taken by the far end as its D-channel going down. */
	if (pri_maintenance_service(gp->pri, 0, channel, in ? SERVICE_IN : SERVICE_OUT) != 0)
		return -EIO;
	gw_pri_reschedule(gp);
	return 1;
}
