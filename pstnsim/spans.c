/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's spans: listen (carrier side) or connect (gateway side) per span, read audio, clock it out. */
#include "config.h"

#include "common/log.h"
#include "pstnsim/sim.h"

#include <errno.h>
#include <string.h>

#define RETRY_MS 100 /* --connect: the listener may not be there yet */

/* --- Audio: we are the clock ------------------------------------------------ */

static void clock_span(struct sim_span *sp)
{
	uint8_t frame[SIM_FRAME];

	/* one message a tick for all the span's channels, as a TDM span delivers them */
	tdm_span_audio_cork(sp->span, 1);
	for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++) {
		struct sim_call *c = &sp->calls[ch];

		if (!c->active || !c->media || sim_media_echoes(c->media))
			continue;
		sim_media_fill(c->media, frame, SIM_FRAME);
		if (tdm_span_audio_write(sp->span, ch, frame, SIM_FRAME) == 0)
			c->tx += SIM_FRAME;
	}
	tdm_span_audio_cork(sp->span, 0);
}

static void on_clock(void *arg)
{
	struct sim *s = arg;
	long long now = sim_now_ms();
	int late = 0;

	/* Send every frame that is due; after a long stall (> 5 frames), skip
	 * ahead rather than burst. */
	while (s->next_tick <= now) {
		if (late++ < 5)
			for (int i = 0; i < s->o.nspans; i++)
				if (s->spans[i].span && !s->spans[i].closed)
					clock_span(&s->spans[i]);
		s->next_tick += SIM_FRAME_MS;
	}
	gw_timer_start(s->clock, (unsigned)(s->next_tick - now));
}

static void on_audio(void *arg, int revents)
{
	struct sim_span *sp = arg;
	uint8_t buf[TDM_AUDIO_MAX];
	size_t len;
	int ch, rc;

	(void)revents;
	tdm_span_audio_cork(sp->span, 1); /* echoed blocks go back together */
	for (int i = 0; i < 256; i++) {
		rc = tdm_span_audio_read(sp->span, &ch, buf, sizeof(buf), &len);
		if (rc == -EBADMSG)
			continue;
		if (rc == -EPIPE)
			gw_watch_set(sp->audio_w, 0);
		if (rc < 0)
			break;
		if (sp->calls[ch].in_call)
			sim_call_feed(&sp->calls[ch], buf, len);
	}
	tdm_span_audio_cork(sp->span, 0);
}

/* --- Bringing a span up -------------------------------------------------------- */

static void start_span(struct sim_span *sp)
{
	struct sim *s = sp->sim;
	char path[SIM_PATH_MAX + 64];
	int rc;

	LOG_N(SIM_TAG, "span %s: connected: %s %s, %s side", sp->opt->name, tdm_span_type_name(sp->cfg.type),
	      tdm_span_law_name(sp->cfg.law), gw_pri_node_name(s->o.pri.node));
	gw_watch_free(sp->lw_d);
	gw_watch_free(sp->lw_a);
	sp->lw_d = sp->lw_a = NULL;
	tdm_virtual_listener_free(sp->lst);
	sp->lst = NULL;
	tdm_span_virtual_set_framed(sp->span); /* we clock the audio: a frame a tick */
	if (s->o.pcap) {
		if (sim_expand(s->o.pcap, sp->opt->name, 0, 0, path, sizeof(path)) < 0 ||
		    (rc = tdm_span_pcap_open(sp->span, path)) < 0)
			LOG_E(SIM_TAG, "span %s: cannot capture into %s", sp->opt->name, s->o.pcap);
	}
	if ((rc = gw_pri_new(s->loop, sp->span, &s->o.pri, &sim_pri_events, sp, &sp->pri)) < 0 ||
	    (rc = gw_watch_new(s->loop, tdm_span_audio_fd(sp->span), GW_READ, on_audio, sp, &sp->audio_w)) < 0) {
		LOG_E(SIM_TAG, "span %s: cannot start PRI: %s", sp->opt->name, strerror(-rc));
		sim_stop(s);
	}
}

static void on_listen(void *arg, int revents)
{
	struct sim_span *sp = arg;
	int rc;

	(void)revents;
	if (sp->span)
		return;
	rc = tdm_virtual_accept(sp->lst, &sp->cfg, &sp->span);
	if (rc == -EAGAIN)
		return;
	if (rc < 0) {
		LOG_E(SIM_TAG, "span %s: accept: %s", sp->opt->name, strerror(-rc));
		sim_stop(sp->sim);
		return;
	}
	start_span(sp);
}

static void on_retry(void *arg)
{
	struct sim_span *sp = arg;
	int rc = tdm_span_virtual_connect(&sp->cfg, sp->opt->dchan, sp->opt->audio, &sp->span);

	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		gw_timer_start(sp->retry, RETRY_MS);
		return;
	}
	if (rc < 0) {
		LOG_E(SIM_TAG, "span %s: cannot connect to %s and %s: %s", sp->opt->name, sp->opt->dchan,
		      sp->opt->audio, strerror(-rc));
		sim_stop(sp->sim);
		return;
	}
	start_span(sp);
}

static int setup_span(struct sim *s, int i)
{
	struct sim_span *sp = &s->spans[i];
	int rc, dfd, afd;

	sp->sim = s;
	sp->idx = i;
	sp->opt = &s->o.spans[i];
	sp->cfg = s->o.span;
	sp->cfg.id = i + 1;
	if (s->o.connect) {
		if ((rc = gw_timer_new(s->loop, on_retry, sp, &sp->retry)) < 0)
			return rc;
		gw_timer_start(sp->retry, 0);
		printf("pstnsim: connecting span=%s dchan=%s audio=%s\n", sp->opt->name, sp->opt->dchan,
		       sp->opt->audio);
		return 0;
	}
	if ((rc = tdm_virtual_listen(sp->opt->dchan, sp->opt->audio, &sp->lst)) < 0) {
		LOG_E(SIM_TAG, "span %s: cannot listen on %s and %s: %s", sp->opt->name, sp->opt->dchan, sp->opt->audio,
		      strerror(-rc));
		return rc;
	}
	tdm_virtual_listen_fds(sp->lst, &dfd, &afd);
	if ((rc = gw_watch_new(s->loop, dfd, GW_READ, on_listen, sp, &sp->lw_d)) < 0 ||
	    (rc = gw_watch_new(s->loop, afd, GW_READ, on_listen, sp, &sp->lw_a)) < 0)
		return rc;
	printf("pstnsim: listening span=%s dchan=%s audio=%s\n", sp->opt->name, sp->opt->dchan, sp->opt->audio);
	return 0;
}

int sim_spans_setup(struct sim *s)
{
	int rc;

	if ((rc = gw_timer_new(s->loop, on_clock, s, &s->clock)) < 0)
		return rc;
	for (int i = 0; i < s->o.nspans; i++)
		if ((rc = setup_span(s, i)) < 0)
			return rc;
	fflush(stdout);
	s->next_tick = sim_now_ms() + SIM_FRAME_MS;
	gw_timer_start(s->clock, SIM_FRAME_MS);
	return 0;
}

void sim_spans_teardown(struct sim *s)
{
	for (int i = 0; i < s->o.nspans; i++) {
		struct sim_span *sp = &s->spans[i];
		int rc;

		gw_pri_free(sp->pri);
		gw_watch_free(sp->audio_w);
		gw_watch_free(sp->lw_d);
		gw_watch_free(sp->lw_a);
		gw_timer_free(sp->retry);
		tdm_virtual_listener_free(sp->lst);
		if (sp->span && (rc = tdm_span_pcap_close(sp->span)) < 0)
			LOG_E(SIM_TAG, "span %s: the capture is incomplete: %s", sp->opt->name, strerror(-rc));
		tdm_span_free(sp->span);
		sp->pri = NULL;
		sp->span = NULL;
	}
	gw_timer_free(s->clock);
}
