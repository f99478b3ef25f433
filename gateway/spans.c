/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's PRI spans: connect, run libpri, collect overlap digits,
 * hunt B-channels, report call events by (span, channel), and status. */
#include "config.h"

#include "gateway/spans.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"
#include "gateway/loop.h"
#include "gateway/numbers.h"
#include "gateway/span_audit.h"
#include "gateway/tdm_span.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG          "span"
#define RETRY_MS     1000
#define RETRY_MAX_MS 10000

/* Digits collected on an incoming call in overlap receiving. */
struct overlap {
	struct gw_pri_setup setup;
	struct gw_timer *timer;
	struct gw_span *sp;
	int active;
};

struct gw_span {
	struct gw_spans *spans;
	struct span_settings cfg;
	struct number_rules rules;
	int id;
	struct tdm_span *tdm;
	struct gw_pri *pri;
	struct gw_timer *retry, *audit;
	unsigned retry_ms;
	unsigned long repairs;                           /* channels the audit restarted */
	unsigned char orphan[TDM_SPAN_MAX_CHANNELS + 1]; /* audit: a call without an owner last time */
	int link_up, next_rr;
	unsigned long long taken; /* the hunt that last took a channel here */
	unsigned long connects, link_ups, calls_in, calls_out;
	char last_error[160];
	void *owner[TDM_SPAN_MAX_CHANNELS + 1];
	struct overlap ov[TDM_SPAN_MAX_CHANNELS + 1];
};

struct gw_spans {
	struct gw_loop *loop;
	struct gw_span_events ev;
	void *arg;
	int n;
	unsigned long long hunts; /* channels taken by gw_spans_hunt */
	struct gw_span *span[SETTINGS_MAX_SPANS];
};

static void span_connect(void *arg);

/* --- Events from the PRI glue ------------------------------------------ */

static void span_deliver_setup(struct gw_span *sp, const struct gw_pri_setup *s)
{
	struct gw_spans *spans = sp->spans;

	sp->calls_in++;
	if (spans->ev.setup)
		spans->ev.setup(spans->arg, sp, s);
	else
		gw_pri_hangup(sp->pri, s->channel, 21 /* call rejected */);
}

static void span_overlap_done(struct gw_span *sp, int ch, const char *why)
{
	struct overlap *ov = &sp->ov[ch];

	if (!ov->active)
		return;
	ov->active = 0;
	gw_timer_stop(ov->timer);
	ov->setup.complete = 1;
	LOG_I(TAG, "%s ch %d: number '%s' complete (%s)", sp->cfg.name, ch, ov->setup.called, why);
	span_deliver_setup(sp, &ov->setup);
}

static void span_overlap_timeout(void *arg)
{
	struct overlap *ov = arg;

	span_overlap_done(ov->sp, ov->setup.channel, "inter-digit timer");
}

static void span_on_setup(void *arg, const struct gw_pri_setup *s)
{
	struct gw_span *sp = arg;
	struct overlap *ov = &sp->ov[s->channel];
	size_t n = strlen(s->called);

	sp->owner[s->channel] = NULL;
	if (s->complete || (sp->cfg.number_length > 0 && n >= (size_t)sp->cfg.number_length)) {
		span_deliver_setup(sp, s);
		return;
	}
	/* Overlap receiving (Q.931 5.2.4): SETUP ACKNOWLEDGE, then digits. */
	if (gw_pri_need_more_info(sp->pri, s->channel) < 0) {
		span_deliver_setup(sp, s);
		return;
	}
	ov->setup = *s;
	ov->active = 1;
	gw_timer_start(ov->timer, (unsigned)sp->cfg.interdigit_ms);
}

static void span_on_info(void *arg, int ch, const char *digits, int complete)
{
	struct gw_span *sp = arg;
	struct overlap *ov = &sp->ov[ch];
	size_t n;

	if (!ov->active)
		return;
	n = strlen(ov->setup.called);
	strncat(ov->setup.called, digits, sizeof(ov->setup.called) - n - 1);
	memcpy(ov->setup.called_party.digits, ov->setup.called, sizeof(ov->setup.called));
	if (complete)
		span_overlap_done(sp, ch, "sending complete");
	else if (sp->cfg.number_length > 0 && strlen(ov->setup.called) >= (size_t)sp->cfg.number_length)
		span_overlap_done(sp, ch, "number length");
	else
		gw_timer_start(ov->timer, (unsigned)sp->cfg.interdigit_ms);
}

#define SPAN_EVENT(name)                                                           \
	static void span_on_##name(void *arg, int ch)                              \
	{                                                                          \
		struct gw_span *sp = arg;                                          \
		if (sp->spans->ev.name)                                            \
			sp->spans->ev.name(sp->spans->arg, sp, ch, sp->owner[ch]); \
	}
SPAN_EVENT(proceeding)
SPAN_EVENT(progress)
SPAN_EVENT(alerting)
SPAN_EVENT(connect)

static void span_on_disconnect(void *arg, int ch, int cause)
{
	struct gw_span *sp = arg;

	if (sp->ov[ch].active) {
		sp->ov[ch].active = 0;
		gw_timer_stop(sp->ov[ch].timer);
	}
	if (sp->owner[ch] && sp->spans->ev.disconnect)
		sp->spans->ev.disconnect(sp->spans->arg, sp, ch, sp->owner[ch], cause);
	else
		gw_pri_hangup(sp->pri, ch, cause);
}

static void span_on_release(void *arg, int ch, int cause)
{
	struct gw_span *sp = arg;
	void *owner = sp->owner[ch];

	if (sp->ov[ch].active) {
		sp->ov[ch].active = 0;
		gw_timer_stop(sp->ov[ch].timer);
	}
	sp->owner[ch] = NULL;
	if (owner && sp->spans->ev.release)
		sp->spans->ev.release(sp->spans->arg, sp, ch, owner, cause);
}

static void span_on_link(void *arg, int up)
{
	struct gw_span *sp = arg;

	sp->link_up = up;
	if (up)
		sp->link_ups++;
	if (sp->spans->ev.link)
		sp->spans->ev.link(sp->spans->arg, sp, up);
}

/* The far end went away: drop the span and connect again. */
static void span_on_closed(void *arg)
{
	struct gw_span *sp = arg;

	snprintf(sp->last_error, sizeof(sp->last_error), "far end closed the span");
	LOG_W(TAG, "%s: far end closed; reconnecting", sp->cfg.name);
	/* Not from inside the PRI glue's callback: on the next timer. */
	sp->retry_ms = RETRY_MS;
	gw_timer_start(sp->retry, 0);
}

static int span_hunt(struct gw_span *sp);

/* Glare: the network keeps channel ch (Q.931); our call goes out again on
 * the span's next channel by its hunt order, else on another span of its
 * trunk (the span group), before the caller hears anything; or fails with 44. */
static void span_on_glare(void *arg, int ch, const struct gw_pri_call_params *p)
{
	struct gw_span *sp = arg, *to;
	struct gw_spans *spans = sp->spans;
	void *owner = sp->owner[ch];

	sp->owner[ch] = NULL;
	if (!owner)
		return;
	for (int i = -1; i < spans->n; i++) {
		int nc;

		to = i < 0 ? sp : spans->span[i];
		if ((i >= 0 && to == sp) || strcmp(to->cfg.trunk, sp->cfg.trunk) != 0 || !to->pri || !to->link_up ||
		    (nc = span_hunt(to)) < 0)
			continue;
		to->owner[nc] = owner;
		if (gw_pri_call_ex(to->pri, nc, p) == 0) {
			LOG_N(TAG, "%s: glare on ch %d: our call moves to %s ch %d", sp->cfg.name, ch, to->cfg.name,
			      nc);
			if (to != sp)
				to->calls_out++;
			if (spans->ev.moved)
				spans->ev.moved(spans->arg, sp, ch, to, nc, owner);
			return;
		}
		to->owner[nc] = NULL;
	}
	LOG_W(TAG, "%s: glare on ch %d and no other channel in trunk %s: the call fails (44)", sp->cfg.name, ch,
	      sp->cfg.trunk);
	if (sp->spans->ev.release)
		sp->spans->ev.release(sp->spans->arg, sp, ch, owner, 44 /* requested channel not available */);
}

static void span_on_service(void *arg, int ch, int in)
{
	struct gw_span *sp = arg;

	LOG_N(TAG, "%s ch %d: %s by the far end (SERVICE)", sp->cfg.name, ch, in ? "in service" : "out of service");
}

static const struct gw_pri_events span_pri_events = {
    .link = span_on_link,
    .closed = span_on_closed,
    .setup = span_on_setup,
    .proceeding = span_on_proceeding,
    .progress = span_on_progress,
    .alerting = span_on_alerting,
    .connect = span_on_connect,
    .disconnect = span_on_disconnect,
    .release = span_on_release,
    .info = span_on_info,
    .service = span_on_service,
    .glare = span_on_glare,
};

/* --- The channel audit --------------------------------------------------- */

/* Why channel ch is stuck, or NULL (gateway/span_audit.c has the rules). */
static const char *span_audit_why(struct gw_span *sp, int ch, char *buf, size_t len)
{
	struct span_audit_chan c = {.state = gw_pri_channel_state(sp->pri, ch),
				    .has_call = gw_pri_channel_has_call(sp->pri, ch),
				    .owned = sp->owner[ch] != NULL,
				    .collecting = sp->ov[ch].active,
				    .restarting = gw_pri_channel_restarting(sp->pri, ch),
				    .age_ms = gw_pri_channel_age_ms(sp->pri, ch)};

	return span_audit_check(&c, &sp->orphan[ch], sp->cfg.audit_clearing_ms, buf, len);
}

/* Reconcile each B-channel's state with libpri's call and the call
 * layer's owner; a stuck channel is restarted (its owner released). */
static void span_audit(void *arg)
{
	struct gw_span *sp = arg;
	enum tdm_span_type type = (enum tdm_span_type)sp->cfg.type;
	char why[128];

	if (sp->pri && sp->link_up) {
		for (int k = 0; k < tdm_span_bchannels(type); k++) {
			int ch = tdm_span_bchan_nth(type, k);

			if (!span_audit_why(sp, ch, why, sizeof(why)))
				continue;
			sp->repairs++;
			LOG_W(TAG, "%s ch %d: audit: %s; restarting the channel (repair %lu)", sp->cfg.name, ch, why,
			      sp->repairs);
			/* An owner on an idle channel hears nothing from the restart. */
			if (gw_pri_channel_state(sp->pri, ch) == GW_PRI_NULL && sp->owner[ch])
				span_on_release(sp, ch, 41 /* temporary failure */);
			if (gw_pri_restart(sp->pri, ch) < 0)
				LOG_W(TAG, "%s ch %d: audit: RESTART not sent", sp->cfg.name, ch);
		}
	}
	gw_timer_start(sp->audit, (unsigned)sp->cfg.audit_ms);
}

/* --- Connecting -------------------------------------------------------- */

static void span_detach(struct gw_span *sp)
{
	if (!sp->tdm)
		return;
	if (sp->link_up)
		span_on_link(sp, 0);
	/* Calls the glue did not end (the link was never up): end them here. */
	for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++)
		if (sp->owner[ch])
			span_on_release(sp, ch, 38 /* network out of order */);
	if (sp->spans->ev.attached)
		sp->spans->ev.attached(sp->spans->arg, sp, 0);
	gw_pri_free(sp->pri);
	sp->pri = NULL;
	tdm_span_free(sp->tdm);
	sp->tdm = NULL;
	sp->link_up = 0;
}

static int span_open(struct gw_span *sp, struct tdm_span **out)
{
	struct tdm_span_config tc = {
	    .id = sp->id, .type = (enum tdm_span_type)sp->cfg.type, .law = (enum tdm_span_law)sp->cfg.law};
	char dchan[256], audio[256];

	if (sp->cfg.backend == SETTINGS_BACKEND_DAHDI) {
		/* The card's span, as dahdi_cfg configured it; a missing device or
		 * span is retried like an absent pstnsim. */
		struct tdm_dahdi_config dc = {.span = sp->cfg.dahdi_span};
		return tdm_span_dahdi_open(&tc, &dc, out);
	}
	settings_span_path(&sp->cfg, "dchan", dchan, sizeof(dchan));
	settings_span_path(&sp->cfg, "audio", audio, sizeof(audio));
	return tdm_span_virtual_connect(&tc, dchan, audio, out);
}

static void span_connect(void *arg)
{
	struct gw_span *sp = arg;
	struct gw_pri_config pc = {.node = (enum gw_pri_node)sp->cfg.side,
				   .sw = (enum gw_pri_switch)sp->cfg.switchtype,
				   .overlap = sp->cfg.overlap,
				   .overlap_send = sp->cfg.overlap_send,
				   .overlap_send_digits = sp->cfg.overlap_send_digits,
				   .restart_on_up = sp->cfg.restart,
				   .service = sp->cfg.service,
				   .pace = sp->cfg.pace};
	int rc;

	span_detach(sp);
	rc = span_open(sp, &sp->tdm);
	if (rc == 0)
		rc = gw_pri_new(sp->spans->loop, sp->tdm, &pc, &span_pri_events, sp, &sp->pri);
	if (rc < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "cannot connect: %s", strerror(-rc));
		if (strcmp(msg, sp->last_error) != 0)
			LOG_W(TAG, "%s: %s; retrying every %u ms", sp->cfg.name, msg, sp->retry_ms);
		snprintf(sp->last_error, sizeof(sp->last_error), "%s", msg);
		tdm_span_free(sp->tdm);
		sp->tdm = NULL;
		gw_timer_start(sp->retry, sp->retry_ms);
		if (sp->retry_ms < RETRY_MAX_MS)
			sp->retry_ms *= 2;
		return;
	}
	sp->connects++;
	sp->retry_ms = RETRY_MS;
	sp->last_error[0] = '\0';
	LOG_N(TAG, "%s: connected (%s %s %s, %s side, trunk %s)", sp->cfg.name, tdm_span_type_name(sp->cfg.type),
	      tdm_span_law_name(sp->cfg.law), gw_pri_switch_name(sp->cfg.switchtype), gw_pri_node_name(sp->cfg.side),
	      sp->cfg.trunk);
	if (sp->spans->ev.attached)
		sp->spans->ev.attached(sp->spans->arg, sp, 1);
}

/* --- Life cycle -------------------------------------------------------- */

static void span_free(struct gw_span *sp)
{
	if (!sp)
		return;
	span_detach(sp);
	gw_timer_free(sp->retry);
	gw_timer_free(sp->audit);
	for (int i = 0; i <= TDM_SPAN_MAX_CHANNELS; i++)
		gw_timer_free(sp->ov[i].timer);
	free(sp);
}

static int span_new(struct gw_spans *spans, const struct span_settings *cfg, int id, struct gw_span **out)
{
	struct gw_span *sp = calloc(1, sizeof(*sp));
	int rc;

	if (!sp)
		return -ENOMEM;
	sp->spans = spans;
	sp->cfg = *cfg;
	sp->id = id;
	num_rules_init(&sp->rules);
	if (cfg->numbers[0] && num_rules_parse(cfg->numbers, &sp->rules, NULL, 0) < 0) {
		rc = -EINVAL; /* gw_spans_check said why */
		goto fail;
	}
	sp->retry_ms = RETRY_MS;
	if ((rc = gw_timer_new(spans->loop, span_connect, sp, &sp->retry)) < 0 ||
	    (rc = gw_timer_new(spans->loop, span_audit, sp, &sp->audit)) < 0)
		goto fail;
	if (cfg->audit_ms > 0)
		gw_timer_start(sp->audit, (unsigned)cfg->audit_ms);
	for (int i = 0; i <= TDM_SPAN_MAX_CHANNELS; i++) {
		sp->ov[i].sp = sp;
		if ((rc = gw_timer_new(spans->loop, span_overlap_timeout, &sp->ov[i], &sp->ov[i].timer)) < 0)
			goto fail;
	}
	*out = sp;
	return 0;
fail:
	span_free(sp);
	return rc;
}

int gw_spans_check(const struct tandem_settings *s, char *err, size_t errlen)
{
	for (int i = 0; i < s->nspans; i++) {
		const struct span_settings *cfg = &s->spans[i];
		struct number_rules r;
		char why[200];

		if (cfg->backend == SETTINGS_BACKEND_DAHDI && cfg->dahdi_span < 1) {
			snprintf(err, errlen, "[span %s] dahdi_span: a dahdi span needs DAHDI's span number (1..256)",
				 cfg->name);
			return -EINVAL;
		}
		for (int j = 0; j < i && cfg->backend == SETTINGS_BACKEND_DAHDI; j++) {
			if (s->spans[j].backend == SETTINGS_BACKEND_DAHDI &&
			    s->spans[j].dahdi_span == cfg->dahdi_span) {
				snprintf(err, errlen, "[span %s] dahdi_span: DAHDI span %d is span %s's already",
					 cfg->name, cfg->dahdi_span, s->spans[j].name);
				return -EINVAL;
			}
		}
		num_rules_init(&r);
		if (cfg->numbers[0] && num_rules_parse(cfg->numbers, &r, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "[span %s] numbers: %s", cfg->name, why);
			return -EINVAL;
		}
	}
	return 0;
}

int gw_spans_new(struct gw_loop *loop, const struct tandem_settings *s, const struct gw_span_events *ev, void *arg,
		 struct gw_spans **out, char *err, size_t errlen)
{
	struct gw_spans *spans = calloc(1, sizeof(*spans));
	int rc;

	*out = NULL;
	if ((rc = gw_spans_check(s, err, errlen)) < 0) {
		free(spans);
		return rc;
	}
	if (!spans) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	spans->loop = loop;
	if (ev)
		spans->ev = *ev;
	spans->arg = arg;
	for (int i = 0; i < s->nspans; i++) {
		const struct span_settings *cfg = &s->spans[i];

		if ((rc = span_new(spans, cfg, i + 1, &spans->span[i])) < 0) {
			snprintf(err, errlen, "[span %s]: %s", cfg->name, strerror(-rc));
			gw_spans_free(spans);
			return rc;
		}
		spans->n++;
	}
	for (int i = 0; i < spans->n; i++)
		gw_timer_start(spans->span[i]->retry, 0);
	*out = spans;
	return 0;
}

void gw_spans_free(struct gw_spans *spans)
{
	if (!spans)
		return;
	for (int i = 0; i < spans->n; i++)
		span_free(spans->span[i]);
	free(spans);
}

/* --- Hunting ------------------------------------------------------------ */

/* The span's next free B-channel by its hunt order; take: this is the
 * one (a round-robin span moves past it). */
static int span_pick(struct gw_span *sp, bool take)
{
	enum tdm_span_type type = (enum tdm_span_type)sp->cfg.type;
	int n = tdm_span_bchannels(type);

	for (int i = 0; i < n; i++) {
		int k = sp->cfg.hunt == SETTINGS_HUNT_DESCENDING    ? n - 1 - i
			: sp->cfg.hunt == SETTINGS_HUNT_ROUND_ROBIN ? (sp->next_rr + i) % n
								    : i;
		int ch = tdm_span_bchan_nth(type, k);

		if (gw_pri_channel_state(sp->pri, ch) == GW_PRI_NULL && !gw_pri_channel_restarting(sp->pri, ch) &&
		    !gw_pri_channel_oos(sp->pri, ch) && !sp->owner[ch]) {
			if (take && sp->cfg.hunt == SETTINGS_HUNT_ROUND_ROBIN)
				sp->next_rr = (k + 1) % n;
			return ch;
		}
	}
	return -EBUSY;
}

static int span_hunt(struct gw_span *sp)
{
	return span_pick(sp, true);
}

/* A trunk's spans in their configured order, the first with a free
 * channel taking the call; except that spans with hunt = round_robin
 * share the trunk's calls (and their D-channels' signalling): the one
 * that took a call longest ago, among those with a free channel, takes
 * it. Spans hunted in order go before them. */
int gw_spans_hunt(struct gw_spans *spans, const char *trunk, void *owner, struct gw_span **out, int *ch)
{
	struct gw_span *sp = NULL, *rr = NULL;
	int found = 0, up = 0, c = -EBUSY;

	for (int i = 0; i < spans->n && c < 0; i++) {
		sp = spans->span[i];
		if (strcmp(sp->cfg.trunk, trunk) != 0)
			continue;
		found = 1;
		if (!sp->pri || !sp->link_up)
			continue;
		up = 1;
		if (sp->cfg.hunt != SETTINGS_HUNT_ROUND_ROBIN)
			c = span_hunt(sp);
		else if ((!rr || sp->taken < rr->taken) && span_pick(sp, false) >= 0)
			rr = sp;
	}
	if (c < 0 && rr) {
		sp = rr;
		c = span_hunt(sp);
	}
	if (c < 0)
		return !found ? -ENOENT : !up ? -ENETDOWN : -EBUSY;
	sp->owner[c] = owner;
	sp->calls_out++;
	sp->taken = ++spans->hunts;
	*out = sp;
	*ch = c;
	return 0;
}

/* --- Accessors ---------------------------------------------------------- */

struct gw_pri *gw_span_pri(struct gw_span *sp)
{
	return sp->pri;
}

struct tdm_span *gw_span_tdm(struct gw_span *sp)
{
	return sp->tdm;
}

const struct span_settings *gw_span_settings(const struct gw_span *sp)
{
	return &sp->cfg;
}

const char *gw_span_name(const struct gw_span *sp)
{
	return sp->cfg.name;
}

const struct number_rules *gw_span_rules(const struct gw_span *sp)
{
	return &sp->rules;
}

void gw_span_set_owner(struct gw_span *sp, int ch, void *owner)
{
	if (ch > 0 && ch <= TDM_SPAN_MAX_CHANNELS)
		sp->owner[ch] = owner;
}

/* --- Status ------------------------------------------------------------- */

static const char *span_dchan_state(const struct gw_span *sp)
{
	return !sp->tdm ? "connecting" : sp->link_up ? "up" : sp->pri && gw_pri_alarms(sp->pri) ? "alarm" : "down";
}

/* One letter per state, for the spans table's map of B-channels. */
static char span_chan_letter(const struct gw_span *sp, int ch)
{
	enum gw_pri_state st;

	if (!sp->pri)
		return '-';
	if (gw_pri_channel_restarting(sp->pri, ch))
		return 'r';
	st = gw_pri_channel_state(sp->pri, ch);
	if (st == GW_PRI_NULL && gw_pri_channel_oos(sp->pri, ch))
		return 'o';
	switch (st) {
	case GW_PRI_NULL:
		return sp->link_up ? '.' : '-';
	case GW_PRI_ACTIVE:
		return 'C';
	case GW_PRI_CALL_DELIVERED:
	case GW_PRI_CALL_RECEIVED:
		return 'A';
	case GW_PRI_DISCONNECT_REQUEST:
	case GW_PRI_DISCONNECT_INDICATION:
	case GW_PRI_RELEASE_REQUEST:
		return 'D';
	default:
		return 'P';
	}
}

static const char *span_chan_state(const struct gw_span *sp, int ch)
{
	if (!sp->pri || !sp->link_up)
		return "out of service";
	if (gw_pri_channel_restarting(sp->pri, ch))
		return "restarting";
	if (gw_pri_channel_state(sp->pri, ch) == GW_PRI_NULL && gw_pri_channel_oos(sp->pri, ch))
		return "out of service";
	return gw_pri_state_name(gw_pri_channel_state(sp->pri, ch));
}

void gw_spans_status(const struct gw_spans *spans, struct ctl_out *out)
{
	static const char *const scols[] = {"span",     "backend",   "type",    "law",      "switch",
					    "side",     "trunk",     "dchan",   "busy",     "idle",
					    "calls_in", "calls_out", "repairs", "channels", "error"};
	static const char *const ccols[] = {"span", "channel", "state"};

	ctl_out_table(out, "spans", scols, sizeof(scols) / sizeof(scols[0]));
	for (int i = 0; i < spans->n; i++) {
		const struct gw_span *sp = spans->span[i];
		enum tdm_span_type type = (enum tdm_span_type)sp->cfg.type;
		char map[TDM_SPAN_MAX_CHANNELS + 1], busy[12], idle[12], in[24], outc[24], rep[24];
		int nb = 0, ni = 0, n = tdm_span_bchannels(type);
		const char *vals[15];

		for (int k = 0; k < n; k++) {
			map[k] = span_chan_letter(sp, tdm_span_bchan_nth(type, k));
			nb += map[k] != '.' && map[k] != '-' && map[k] != 'r' && map[k] != 'o';
			ni += map[k] == '.';
		}
		map[n] = '\0';
		snprintf(busy, sizeof(busy), "%d", nb);
		snprintf(idle, sizeof(idle), "%d", ni);
		snprintf(in, sizeof(in), "%lu", sp->calls_in);
		snprintf(outc, sizeof(outc), "%lu", sp->calls_out);
		snprintf(rep, sizeof(rep), "%lu", sp->repairs);
		vals[0] = sp->cfg.name;
		vals[1] = sp->cfg.backend == SETTINGS_BACKEND_DAHDI ? "dahdi" : "virtual";
		vals[2] = tdm_span_type_name(type);
		vals[3] = tdm_span_law_name((enum tdm_span_law)sp->cfg.law);
		vals[4] = gw_pri_switch_name((enum gw_pri_switch)sp->cfg.switchtype);
		vals[5] = gw_pri_node_name((enum gw_pri_node)sp->cfg.side);
		vals[6] = sp->cfg.trunk;
		vals[7] = span_dchan_state(sp);
		vals[8] = busy;
		vals[9] = idle;
		vals[10] = in;
		vals[11] = outc;
		vals[12] = rep;
		vals[13] = map;
		vals[14] = sp->last_error;
		ctl_out_row(out, vals, 15);
	}
	ctl_out_end(out);
	ctl_out_table(out, "channels", ccols, 3);
	for (int i = 0; i < spans->n; i++) {
		const struct gw_span *sp = spans->span[i];
		enum tdm_span_type type = (enum tdm_span_type)sp->cfg.type;

		for (int k = 0; k < tdm_span_bchannels(type); k++) {
			int ch = tdm_span_bchan_nth(type, k);
			char chs[8];
			const char *vals[3] = {sp->cfg.name, chs, span_chan_state(sp, ch)};

			snprintf(chs, sizeof(chs), "%d", ch);
			ctl_out_row(out, vals, 3);
		}
	}
	ctl_out_end(out);
}

void gw_spans_counts(const struct gw_spans *spans, int *total, int *up)
{
	*total = spans->n;
	*up = 0;
	for (int i = 0; i < spans->n; i++)
		*up += spans->span[i]->link_up;
}

/* --- Maintenance -------------------------------------------------------- */

int gw_spans_service(struct gw_spans *spans, const char *name, int ch, int in, struct gw_span_service_result *res,
		     char *err, size_t errlen)
{
	struct gw_span *sp = NULL;
	enum tdm_span_type type;

	memset(res, 0, sizeof(*res));
	for (int i = 0; i < spans->n && !sp; i++)
		if (strcmp(spans->span[i]->cfg.name, name) == 0)
			sp = spans->span[i];
	if (!sp) {
		snprintf(err, errlen, "no span \"%s\"", name);
		return -ENOENT;
	}
	type = (enum tdm_span_type)sp->cfg.type;
	if (ch != 0 && !tdm_span_bchan_valid(type, ch)) {
		snprintf(err, errlen, "span %s has no B-channel %d (%s: %d B-channels)", name, ch,
			 tdm_span_type_name(type), tdm_span_bchannels(type));
		return -EINVAL;
	}
	if (!sp->pri) {
		snprintf(err, errlen, "span %s is not connected", name);
		return -ENOTCONN;
	}
	res->sent_supported = gw_pri_service_enabled(sp->pri);
	for (int k = 0; k < tdm_span_bchannels(type); k++) {
		int c = tdm_span_bchan_nth(type, k), rc;

		if (ch != 0 && c != ch)
			continue;
		rc = gw_pri_service(sp->pri, c, in);
		if (rc < 0) {
			snprintf(err, errlen, "span %s ch %d: libpri refused the SERVICE message", name, c);
			return rc;
		}
		res->channels++;
		res->sent += rc;
	}
	return 0;
}
