/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's calls: PRI events handled by the called-number rules, and originating calls at a rate. */
#include "config.h"

#include "common/log.h"
#include "pstnsim/sim.h"

#include <errno.h>
#include <string.h>

#define LINGER_MS 200 /* let Q.921 acknowledge the last frames before we close */

/* --- Files to play: loaded once, before the first call --------------------- */

static int preload(struct sim *s, const struct sim_actions *a)
{
	char err[256];
	int rc;

	if (a->src != SIM_SRC_PLAY)
		return 0;
	for (int i = 0; i < s->nclips; i++)
		if (strcmp(s->clip_paths[i], a->play) == 0)
			return 0;
	if (s->nclips == SIM_MAX_CLIPS)
		return -E2BIG;
	rc = sim_clip_load(a->play, s->o.span.law == TDM_LAW_ALAW, &s->clips[s->nclips], err, sizeof(err));
	if (rc < 0) {
		LOG_E(SIM_TAG, "cannot play %s", err);
		return rc;
	}
	s->clip_paths[s->nclips++] = a->play;
	return 0;
}

static const struct sim_clip *clip_of(const struct sim *s, const struct sim_actions *a)
{
	for (int i = 0; a->src == SIM_SRC_PLAY && i < s->nclips; i++)
		if (strcmp(s->clip_paths[i], a->play) == 0)
			return s->clips[i];
	return NULL;
}

/* --- One call -------------------------------------------------------------- */

static void call_begin(struct sim_call *c, int outgoing, const char *called, const char *calling,
		       const struct sim_actions *act)
{
	struct sim *s = c->sp->sim;
	char path[SIM_PATH_MAX + 64];
	int rc;

	c->in_call = 1;
	c->active = c->alerted = c->cause = 0;
	c->fax_ended = 0;
	c->outgoing = outgoing;
	c->seq = ++s->seq;
	c->t_setup = sim_now_ms();
	c->t_active = 0;
	c->tx = c->rx = 0;
	c->act = act;
	snprintf(c->called, sizeof(c->called), "%s", called ? called : "");
	snprintf(c->calling, sizeof(c->calling), "%s", calling ? calling : "");
	if (act->disp == SIM_REJECT && !outgoing)
		return;
	if (act->record[0] && sim_expand(act->record, c->sp->opt->name, c->ch, c->seq, path, sizeof(path)) < 0) {
		LOG_E(SIM_TAG, "span %s ch %d: recording path too long", c->sp->opt->name, c->ch);
		path[0] = '\0';
	}
	rc = sim_media_new(act, clip_of(s, act), s->o.span.law == TDM_LAW_ALAW, act->record[0] && path[0] ? path : NULL,
			   &c->media);
	if (rc < 0)
		LOG_E(SIM_TAG, "span %s ch %d: cannot start the call's audio: %s", c->sp->opt->name, c->ch,
		      strerror(-rc));
}

static void maybe_done(struct sim *s)
{
	if (s->o.calls > 0 && s->released + s->setup_failed >= (unsigned long)s->o.calls && !s->stopping) {
		s->stopping = 1;
		gw_timer_start(s->linger, LINGER_MS);
	}
}

static void call_end(struct sim_call *c, int cause)
{
	struct sim *s = c->sp->sim;

	gw_timer_stop(c->answer_timer);
	gw_timer_stop(c->hangup_timer);
	if (!c->cause)
		c->cause = cause;
	sim_report_call(s, c);
	sim_media_free(c->media);
	c->media = NULL;
	if (c->outgoing)
		s->out_active--;
	c->in_call = c->active = 0;
	maybe_done(s);
	if (!s->stopping)
		sim_originate(s);
}

/* The answer timer serves three purposes, by the call's direction and rule. */
static void on_answer_timer(void *arg)
{
	struct sim_call *c = arg;
	struct gw_pri *pri = c->sp->pri;

	if (c->outgoing) {
		LOG_I(SIM_TAG, "span %s ch %d: not answered, giving up", c->sp->opt->name, c->ch);
		gw_pri_hangup(pri, c->ch, 16);
	} else if (c->act->disp == SIM_NOANSWER) {
		gw_pri_hangup(pri, c->ch, c->act->cause);
	} else {
		gw_pri_answer(pri, c->ch);
	}
}

static void on_hangup_timer(void *arg)
{
	struct sim_call *c = arg;

	if (c->fax_ended)
		LOG_I(SIM_TAG, "span %s ch %d: the fax is over: hanging up", c->sp->opt->name, c->ch);
	else
		LOG_I(SIM_TAG, "span %s ch %d: hanging up after %d ms", c->sp->opt->name, c->ch, c->act->hangup_ms);
	gw_pri_hangup(c->sp->pri, c->ch, 16);
}

/* After a link comes up, calls are offered this much later. */
#define SETTLE_MS 500

/* --- PRI events (arg: the span) ---------------------------------------------- */

static void ev_link(void *arg, int up)
{
	struct sim_span *sp = arg;
	struct sim *s = sp->sim;

	sp->link_up = up;
	s->link_ups += up;
	printf("pstnsim: link %s span=%s\n", up ? "up" : "down", sp->opt->name);
	fflush(stdout);
	if (!up)
		return;
	for (int i = 0; i < s->o.nservice; i++)
		gw_timer_start(s->o.service[i].timer, (unsigned)s->o.service[i].delay_ms);
	/* Let the far end's RESTARTs (Q.931 5.5, sent at link up) settle
	 * before offering calls, as a network does. */
	if (s->to_originate > 0)
		gw_timer_start(s->orig_timer, SETTLE_MS);
}

static void ev_closed(void *arg)
{
	struct sim_span *sp = arg;
	struct sim *s = sp->sim;
	int open = 0;

	LOG_N(SIM_TAG, "span %s: the far end closed the span", sp->opt->name);
	sp->closed = 1;
	for (int i = 0; i < s->o.nspans; i++)
		open += !s->spans[i].closed;
	if (!open)
		sim_stop(s);
}

/* A call with its whole number: the rules take it. */
/* The network rings the caller: ALERTING, or with the inband action
 * PROGRESS (in-band information: an announcement or ringback played by
 * the network, which a gateway passes on as early media). */
static void sim_ringing(struct sim_span *sp, int channel, const struct sim_actions *a)
{
	if (a->inband)
		gw_pri_progress(sp->pri, channel);
	else
		gw_pri_alerting(sp->pri, channel);
}

static void take_call(struct sim_span *sp, const struct gw_pri_setup *su, int info_msgs)
{
	struct sim *s = sp->sim;
	struct sim_call *c = &sp->calls[su->channel];
	const struct sim_actions *a = sim_rules_match(&s->o.rules, su->called);

	s->calls_in++;
	sp->calls_in++;
	call_begin(c, 0, su->called, su->calling, a);
	c->called_plan = su->called_party.plan;
	c->calling_plan = su->calling_party.plan;
	c->calling_pres = su->calling_party.pres;
	c->info_msgs = info_msgs;
	snprintf(c->redirecting, sizeof(c->redirecting), "%s", su->redirecting.digits);
	c->redirecting_reason = su->redirecting.digits[0] ? su->redirecting_reason : -1;
	switch (a->disp) {
	case SIM_REJECT:
		s->rejected++;
		gw_pri_hangup(sp->pri, su->channel, a->cause);
		return;
	case SIM_RING:
	case SIM_NOANSWER:
		gw_pri_proceeding(sp->pri, su->channel);
		sim_ringing(sp, su->channel, a);
		if (a->disp == SIM_NOANSWER)
			gw_timer_start(c->answer_timer, (unsigned)a->noanswer_ms);
		return;
	case SIM_ANSWER:
		gw_pri_proceeding(sp->pri, su->channel);
		sim_ringing(sp, su->channel, a);
		if (a->answer_ms > 0)
			gw_timer_start(c->answer_timer, (unsigned)a->answer_ms);
		else
			gw_pri_answer(sp->pri, su->channel);
		return;
	}
}

static void overlap_done(struct sim_call *c, const char *why)
{
	if (!c->collecting)
		return;
	c->collecting = 0;
	gw_timer_stop(c->digit_timer);
	LOG_I(SIM_TAG, "span %s ch %d: number '%s' complete (%s, %d INFORMATION messages)", c->sp->opt->name, c->ch,
	      c->setup.called, why, c->info_msgs);
	take_call(c->sp, &c->setup, c->info_msgs);
}

static void on_digit_timer(void *arg)
{
	overlap_done(arg, "inter-digit timer");
}

static int number_done(const struct sim *s, const char *called)
{
	return s->o.number_length > 0 && strlen(called) >= (size_t)s->o.number_length;
}

/* Overlap receiving (Q.931 5.2.4), as a network does: SETUP ACKNOWLEDGE,
 * then digits until Sending Complete, --number-length or --interdigit. */
static void ev_setup(void *arg, const struct gw_pri_setup *su)
{
	struct sim_span *sp = arg;
	struct sim_call *c = &sp->calls[su->channel];

	c->info_msgs = 0;
	if (su->complete || number_done(sp->sim, su->called) || gw_pri_need_more_info(sp->pri, su->channel) < 0) {
		take_call(sp, su, 0);
		return;
	}
	c->setup = *su;
	c->collecting = 1;
	gw_timer_start(c->digit_timer, (unsigned)sp->sim->o.interdigit_ms);
}

static void ev_info(void *arg, int ch, const char *digits, int complete)
{
	struct sim_span *sp = arg;
	struct sim_call *c = &sp->calls[ch];
	size_t n;

	if (!c->collecting)
		return;
	c->info_msgs++;
	n = strlen(c->setup.called);
	snprintf(c->setup.called + n, sizeof(c->setup.called) - n, "%s", digits);
	memcpy(c->setup.called_party.digits, c->setup.called, sizeof(c->setup.called));
	if (complete)
		overlap_done(c, "sending complete");
	else if (number_done(sp->sim, c->setup.called))
		overlap_done(c, "number length");
	else
		gw_timer_start(c->digit_timer, (unsigned)sp->sim->o.interdigit_ms);
}

static void ev_alerting(void *arg, int ch)
{
	struct sim_span *sp = arg;

	sp->calls[ch].alerted = 1;
	sp->sim->alerted++;
}

static void ev_connect(void *arg, int ch)
{
	struct sim_span *sp = arg;
	struct sim *s = sp->sim;
	struct sim_call *c = &sp->calls[ch];
	long long setup_ms;

	gw_timer_stop(c->answer_timer);
	c->active = 1;
	c->t_active = sim_now_ms();
	setup_ms = c->t_active - c->t_setup;
	if (setup_ms > s->setup_ms_max)
		s->setup_ms_max = setup_ms;
	s->answered++;
	sp->answered++;
	LOG_I(SIM_TAG, "span %s ch %d: active, %lld ms after SETUP", sp->opt->name, ch, setup_ms);
	if (c->act && c->act->hangup_ms > 0)
		gw_timer_start(c->hangup_timer, (unsigned)c->act->hangup_ms);
}

static void ev_disconnect(void *arg, int ch, int cause)
{
	struct sim_span *sp = arg;
	struct sim_call *c = &sp->calls[ch];

	c->collecting = 0;
	gw_timer_stop(c->digit_timer);
	c->active = 0;
	if (!c->cause)
		c->cause = cause;
	if (sp->sim->o.ignore_disconnect) {
		printf("pstnsim: ignoring DISCONNECT span=%s ch=%d cause=%d\n", sp->opt->name, ch, cause);
		fflush(stdout);
		return;
	}
	gw_pri_hangup(sp->pri, ch, cause);
}

static void ev_release(void *arg, int ch, int cause)
{
	struct sim_span *sp = arg;

	sp->calls[ch].collecting = 0;
	gw_timer_stop(sp->calls[ch].digit_timer);
	if (sp->calls[ch].in_call)
		call_end(&sp->calls[ch], cause);
}

static void ev_service(void *arg, int ch, int in)
{
	struct sim_span *sp = arg;

	printf("pstnsim: service span=%s ch=%d status=%s\n", sp->opt->name, ch, in ? "in" : "out");
	fflush(stdout);
}

/* --service: on every span with its link up. */
static void on_service_timer(void *arg)
{
	struct sim_service *sv = arg;
	struct sim *s = sv->sim;

	for (int i = 0; i < s->o.nspans; i++) {
		struct sim_span *sp = &s->spans[i];
		int rc;

		if (!sp->pri || !sp->link_up)
			continue;
		rc = gw_pri_service(sp->pri, sv->ch, sv->in);
		printf("pstnsim: service-sent span=%s ch=%d status=%s result=%s\n", sp->opt->name, sv->ch,
		       sv->in ? "in" : "out",
		       rc == 1   ? "sent"
		       : rc == 0 ? "local-only"
				 : strerror(-rc));
	}
	fflush(stdout);
}

static int place_on(struct sim *s, struct sim_span *sp, int ch);

/* The channel a SETUP frame (Q.921 I-frame, Q.931 SETUP) names, or -1. */
static int setup_channel(const uint8_t *f, size_t len)
{
	size_t i, crl;

	/* address (2), control (2: an I-frame has bit 1 of the first clear) */
	if (len < 4 + 3 || (f[2] & 1))
		return -1;
	f += 4, len -= 4;
	crl = f[1] & 0x0f;
	if (f[0] != 0x08 || len < 3 + crl || f[2 + crl] != 0x05)
		return -1;
	for (i = 3 + crl; i < len;) {
		if (f[i] & 0x80) { /* single-octet IE */
			i++;
			continue;
		}
		if (i + 1 >= len || i + 2 + f[i + 1] > len)
			return -1;
		if (f[i] == 0x18 && f[i + 1] >= 3) /* channel identification: the last octet is the channel */
			return f[i + 1 + f[i + 1]] & 0x7f;
		i += 2 + f[i + 1];
	}
	return -1;
}

/* --glare SPAN:CH: a SETUP for channel CH not yet taken by libpri; ours
 * goes out on CH first, so that both cross as on a busy line (Q.931
 * 5.2.3.1). Only there: the far end's call, placed again elsewhere, goes on. */
static void ev_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct sim_span *sp = arg;
	struct sim *s = sp->sim;
	int ch;

	if (!s->o.glare_span || strcmp(s->o.glare_span, sp->opt->name) != 0 || !sp->link_up ||
	    (ch = setup_channel(frame, len)) != s->o.glare_ch || !tdm_span_bchan_valid(sp->cfg.type, ch) ||
	    gw_pri_channel_state(sp->pri, ch) != GW_PRI_NULL)
		return;
	printf("pstnsim: glare span=%s ch=%d\n", sp->opt->name, ch);
	fflush(stdout);
	place_on(s, sp, ch);
}

const struct gw_pri_events sim_pri_events = {
    .link = ev_link,
    .closed = ev_closed,
    .setup = ev_setup,
    .info = ev_info,
    .frame = ev_frame,
    .alerting = ev_alerting,
    .connect = ev_connect,
    .disconnect = ev_disconnect,
    .release = ev_release,
    .service = ev_service,
};

/* Received audio for a call (the span's audio reader calls this). */
void sim_call_feed(struct sim_call *c, const uint8_t *buf, size_t len)
{
	struct sim *s = c->sp->sim;
	const char *d;
	size_t have, from;
	int n;

	c->rx += len;
	if (!c->media)
		return;
	if (sim_media_echoes(c->media) && tdm_span_audio_write(c->sp->span, c->ch, buf, len) == 0)
		c->tx += len;
	n = sim_media_feed(c->media, buf, len);
	if (!c->fax_ended) {
		int st, pages;
		const char *text;

		if (sim_media_fax(c->media, &st, &pages, &text) == 1) {
			/* T.30 phase E: clear the call (as a fax machine does after DCN) */
			c->fax_ended = 1;
			if (!s->o.quiet)
				printf("pstnsim: fax span=%s ch=%d status=%d pages=%d result=%s\n", c->sp->opt->name,
				       c->ch, st, pages, text);
			fflush(stdout);
			if (sim_media_fax_again(c->media)) {
				c->fax_ended = 0; /* fax-again: a second fax after a pause */
				LOG_I(SIM_TAG, "span %s ch %d: the fax is over: another in %d ms", c->sp->opt->name,
				      c->ch, c->act->fax_again_ms);
			} else {
				gw_timer_start(c->hangup_timer, 200);
			}
		}
	}
	if (n <= 0)
		return;
	/* Report each new digit as it is heard. */
	d = sim_media_digits(c->media);
	have = strlen(d);
	from = have >= (size_t)n ? have - (size_t)n : 0;
	for (size_t i = from; i < have; i++) {
		size_t k = strlen(s->dtmf);
		if (k + 1 < sizeof(s->dtmf)) {
			s->dtmf[k] = d[i];
			s->dtmf[k + 1] = '\0';
		}
		if (!s->o.quiet)
			printf("pstnsim: dtmf span=%s ch=%d digit=%c\n", c->sp->opt->name, c->ch, d[i]);
	}
	fflush(stdout);
}

/* --- Originating ------------------------------------------------------------- */

/* SETUP with the numbers' plans and the caller's presentation of the
 * options (--to-ton, --from-ton, --from-pres, --redirecting). */
static int sim_place(struct sim_span *sp, int ch, const char *to)
{
	const struct sim_opts *o = &sp->sim->o;
	struct sim_call *c = &sp->calls[ch];
	struct gw_pri_call_params p;

	memset(&p, 0, sizeof(p));
	p.redirecting_reason = -1;
	if (strlen(to) >= sizeof(p.called.digits) || (o->from && strlen(o->from) >= sizeof(p.calling.digits)))
		return -EINVAL;
	snprintf(p.called.digits, sizeof(p.called.digits), "%s", to);
	snprintf(p.calling.digits, sizeof(p.calling.digits), "%s", o->from ? o->from : "");
	p.called.plan = o->to_plan;
	p.calling.plan = o->from_plan;
	p.calling.pres = o->from_pres;
	if (o->redirecting) {
		snprintf(p.redirecting.digits, sizeof(p.redirecting.digits), "%s", o->redirecting);
		p.redirecting.plan = o->from_plan;
		p.redirecting.pres = GW_PRI_PRESENTATION(GW_PRI_PRES_ALLOWED, GW_PRI_SCREEN_NETWORK);
		p.redirecting_reason = o->redirecting_reason;
	}
	c->called_plan = p.called.plan;
	c->calling_plan = p.calling.plan;
	c->calling_pres = p.calling.pres;
	return gw_pri_call_ex(sp->pri, ch, &p);
}

/* Place one call on the next span (round robin) with its link up and an
 * idle channel, to the next number of --to. 0 (placed, or tried and
 * counted as failed), -EAGAIN (no channel or over --concurrency now), or
 * -ECANCELED (nothing left to place). */
static int place_one(struct sim *s)
{
	int ch = -EBUSY;
	struct sim_span *sp = NULL;

	if (s->to_originate <= 0 || s->stopping)
		return -ECANCELED;
	if (s->o.concurrency > 0 && s->out_active >= s->o.concurrency)
		return -EAGAIN;
	for (int i = 0; i < s->o.nspans && ch < 0; i++) {
		sp = &s->spans[(s->next_span + i) % s->o.nspans];
		if (sp->pri && sp->link_up)
			ch = gw_pri_idle_channel(sp->pri);
	}
	if (ch < 0)
		return -EAGAIN;
	s->next_span = (sp->idx + 1) % s->o.nspans;
	s->to_originate--;
	return place_on(s, sp, ch);
}

/* Place a call on channel ch of span sp to the next number of --to. */
static int place_on(struct sim *s, struct sim_span *sp, int ch)
{
	const char *to = s->o.to[s->next_to++ % s->o.nto];
	int rc;

	s->calls_out++;
	sp->calls_out++;
	call_begin(&sp->calls[ch], 1, to, s->o.from, &s->o.out);
	s->out_active++;
	if (s->o.out.cancel_ms > 0)
		gw_timer_start(sp->calls[ch].answer_timer, (unsigned)s->o.out.cancel_ms);
	rc = sim_place(sp, ch, to);
	if (rc < 0) {
		struct sim_call *c = &sp->calls[ch];

		LOG_E(SIM_TAG, "span %s ch %d: cannot place a call to %s: %s", sp->opt->name, ch, to, strerror(-rc));
		gw_timer_stop(c->answer_timer);
		sim_media_free(c->media);
		c->media = NULL;
		c->in_call = 0;
		s->out_active--;
		s->setup_failed++;
		s->failed++;
		maybe_done(s);
	}
	return 0;
}

void sim_originate(struct sim *s)
{
	if (s->o.rate > 0)
		return; /* the rate timer places them */
	while (place_one(s) == 0)
		;
}

static void on_orig_timer(void *arg)
{
	struct sim *s = arg;

	if (s->o.rate <= 0) {
		while (place_one(s) == 0)
			;
		return;
	}
	place_one(s);
	if (s->to_originate > 0 && !s->stopping)
		gw_timer_start(s->orig_timer, (unsigned)(1000.0 / s->o.rate + 0.5));
}

static void on_linger(void *arg)
{
	sim_stop(arg);
}

int sim_calls_setup(struct sim *s)
{
	int rc;

	s->to_originate = s->o.originate;
	if ((rc = preload(s, &s->o.base)) < 0 || (rc = preload(s, &s->o.rules.dflt)) < 0 ||
	    (rc = preload(s, &s->o.out)) < 0)
		return rc;
	for (size_t i = 0; i < s->o.rules.n; i++)
		if ((rc = preload(s, &s->o.rules.v[i].act)) < 0)
			return rc;
	if ((rc = gw_timer_new(s->loop, on_orig_timer, s, &s->orig_timer)) < 0 ||
	    (rc = gw_timer_new(s->loop, on_linger, s, &s->linger)) < 0)
		return rc;
	for (int i = 0; i < s->o.nservice; i++) {
		s->o.service[i].sim = s;
		if ((rc = gw_timer_new(s->loop, on_service_timer, &s->o.service[i], &s->o.service[i].timer)) < 0)
			return rc;
	}
	for (int i = 0; i < s->o.nspans; i++) {
		struct sim_span *sp = &s->spans[i];

		for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++) {
			struct sim_call *c = &sp->calls[ch];

			c->sp = sp;
			c->ch = ch;
			if ((rc = gw_timer_new(s->loop, on_answer_timer, c, &c->answer_timer)) < 0 ||
			    (rc = gw_timer_new(s->loop, on_hangup_timer, c, &c->hangup_timer)) < 0 ||
			    (rc = gw_timer_new(s->loop, on_digit_timer, c, &c->digit_timer)) < 0)
				return rc;
		}
	}
	return 0;
}

void sim_calls_teardown(struct sim *s)
{
	for (int i = 0; i < s->o.nspans; i++) {
		for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++) {
			struct sim_call *c = &s->spans[i].calls[ch];

			gw_timer_free(c->answer_timer);
			gw_timer_free(c->hangup_timer);
			gw_timer_free(c->digit_timer);
			sim_media_free(c->media);
			c->media = NULL;
		}
	}
	for (int i = 0; i < s->o.nservice; i++)
		gw_timer_free(s->o.service[i].timer);
	gw_timer_free(s->orig_timer);
	gw_timer_free(s->linger);
	for (int i = 0; i < s->nclips; i++)
		sim_clip_free(s->clips[i]);
}
