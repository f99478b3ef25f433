/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A media worker: one thread, one epoll; it owns whole spans and the bridges on them (and lends a tick's second pass
 * to the next worker, struct media_share). The TDM side is the clock:
 * each block read from a B-channel is sent on as RTP (in 20 ms packets) and answered with as many samples from the
 * jitter buffer (or from the DTMF generator). The only file that sees SpanDSP. */
#include "config.h"

#include "gateway/media_int.h"
#include "gateway/media_fax.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <spandsp.h>

#include "common/log.h"
#include "gateway/g711.h"
#include "gateway/media_echo.h"
#include "gateway/media_plc.h"
#include "gateway/rtcp.h"

#define SPAN_READS_PER_WAKE 256 /* fairness between spans and RTP */
#define DTMF_RTP_DURATION   800 /* samples: 100 ms events we originate */
#define DTMF_ON_MS          80  /* regenerated tones: long enough for any Q.24 receiver */
#define DTMF_OFF_MS         60
/* A bridge whose channel brings a block reads its RTP then, just before the
 * block it answers (one read for the tick, no wake-up per packet); one
 * without a block for this long reads RTP as it comes again. */
#define RTP_IDLE_NS 40000000L

static uint8_t law_silence(enum tdm_span_law law)
{
	return law == TDM_LAW_ALAW ? 0xD5 : 0xFF;
}

static int law_is_pt(enum tdm_span_law law, int pt)
{
	return (law == TDM_LAW_ALAW) == (pt == RTP_PT_PCMA);
}

/* G.711 transcoding between the span's law and an RTP payload type. */
static void to_rtp(enum tdm_span_law law, int pt, const uint8_t *in, uint8_t *out, size_t len)
{
	if (law_is_pt(law, pt))
		memcpy(out, in, len);
	else
		law_transcode(law, in, out, len);
}

static void from_rtp(enum tdm_span_law law, int pt, const uint8_t *in, uint8_t *out, size_t len)
{
	if (law_is_pt(law, pt))
		memcpy(out, in, len);
	else
		law_transcode(law == TDM_LAW_ALAW ? TDM_LAW_ULAW : TDM_LAW_ALAW, in, out, len);
}

static long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* The local clock for RTP interarrival jitter, in 8 kHz units. */
static uint32_t arrival_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * RTP_CLOCK + (uint64_t)ts.tv_nsec / (1000000000 / RTP_CLOCK));
}

static void bridge_event(struct media_bridge *b, enum media_event_type type, char digit, enum media_side from)
{
	struct media_event ev = {
	    .type = type, .bridge = b, .cookie = b->cookie, .span = b->span, .channel = b->channel};

	ev.digit = digit;
	ev.from = from;
	media_post_event(b->m, &ev);
}

static void media_rtcp_collect(const struct media_bridge *b, struct media_stats *s)
{
	const struct rtcp_stats *r;

	s->rtcp_rtt_us = s->rtcp_rtt_max_us = -1;
	if (!b->rtcp)
		return;
	r = rtcp_session_stats(b->rtcp);
	s->rtcp_tx_packets = r->tx_packets;
	s->rtcp_rx_packets = r->rx_packets;
	s->rtcp_rx_bad = r->rx_bad;
	s->rtcp_have_report = r->have_report;
	s->rtcp_fraction_lost = r->fraction;
	s->rtcp_cum_lost = r->cum_lost;
	s->rtcp_jitter = r->jitter;
	s->rtcp_rtt_us = r->rtt_us;
	s->rtcp_rtt_max_us = r->rtt_max_us;
}

static void collect(struct media_bridge *b, struct media_stats *s)
{
	const struct rtp_endpoint_stats *es = rtp_endpoint_stats(b->ep);
	const struct rtp_source *src = rtp_endpoint_source(b->ep);

	*s = b->st;
	s->running = b->running;
	s->rtp_tx_packets = es->tx_packets;
	s->rtp_tx_bytes = es->tx_bytes;
	s->rtp_rx_packets = es->rx_packets;
	s->rtp_rx_bytes = es->rx_bytes;
	s->rtp_rx_bad = es->rx_bad + es->rx_bad_pt;
	s->srtp_rx_auth_fail = es->rx_auth_fail;
	s->srtp_rx_replay = es->rx_replay;
	s->rtp_rx_lost = rtp_source_lost(src);
	s->rtp_rx_dups = src->dups;
	s->rtp_rx_reordered = src->reordered;
	s->ssrc_changes = src->ssrc_changes;
	s->rtp_rx_jitter = rtp_source_jitter(src);
	s->jb_late = b->jb.late;
	s->jb_resyncs = b->jb.resyncs;
	s->jb_underruns = b->jb.underruns;
	media_fax_collect(b, s);
	media_rtcp_collect(b, s);
}

static void publish(struct media_bridge *b);

/* Read what RTCP came in (or drain it when the bridge has no session). */
static void media_rtcp_readable(struct media_bridge *b)
{
	if (b->rtcp)
		rtcp_session_recv(b->rtcp, b->ep, rtcp_ntp_now());
	else
		rtp_endpoint_rtcp_drain(b->ep);
	publish(b);
}

static void publish(struct media_bridge *b)
{
	pthread_mutex_lock(&b->stats_lock);
	collect(b, &b->pub);
	pthread_mutex_unlock(&b->stats_lock);
}

void media_bridge_publish(struct media_bridge *b)
{
	publish(b);
}

/* SpanDSP's realtime report: a digit starts (code) or ends (0). */
static void on_tone(void *user, int code, int level, int delay)
{
	struct media_bridge *b = user;

	(void)level;
	(void)delay;
	if (code) {
		b->st.dtmf_from_tdm++;
		bridge_event(b, MEDIA_EV_DTMF, (char)code, MEDIA_SIDE_TDM);
		if (b->params.event_pt >= 0 && b->params.send) {
			if (rtp_endpoint_dtmf_begin(b->ep, (char)code, 0) == 0)
				b->st.dtmf_to_rtp++;
		}
	} else {
		rtp_endpoint_dtmf_end(b->ep);
	}
}

/* A block toward the B-channel, as long as the one that came in: from the
 * jitter buffer (concealed), or the DTMF generator while it plays. It
 * depends only on what RTP brought, so it is made (and sent) before the
 * block that came in is worked on. */
static void bridge_tdm_out(struct media_bridge *b, uint8_t *out, size_t len)
{
	int16_t lin[TDM_AUDIO_MAX];
	int rc;

	b->st.tdm_rx_bytes += len;
	media_plc_get(b, out, len);
	if (b->dtx) {
		int n = dtmf_tx(b->dtx, lin, (int)len);

		if (n > 0)
			law_encode(b->law, lin, out, (size_t)n);
	}
	/* RTP timeout, counted in TDM time. */
	if (b->m->timeout_samples && b->params.recv && !b->timed_out) {
		b->quiet += len;
		if (b->quiet >= b->m->timeout_samples) {
			b->timed_out = 1;
			bridge_event(b, MEDIA_EV_RTP_TIMEOUT, 0, MEDIA_SIDE_RTP);
		}
	}
	/* Published with the tick's RTP packet (bridge_tdm_in or _detect:
	 * once a tick, each costs a lock and a copy of every counter). */
	rc = tdm_span_audio_write(b->span, b->channel, out, len);
	if (rc < 0)
		b->st.tdm_dropped++;
	else
		b->st.tdm_tx_bytes += len;
}

/* The block that came in, first half: echo cancelled in place (lin: the
 * block as it came, decoded, kept for the detectors), sent on as RTP in
 * 20 ms packets, and RTCP when a report is due. Nothing heavier runs
 * before the packet leaves. */
static void bridge_tdm_in(struct media_bridge *b, uint8_t *in, int16_t *lin, size_t len)
{
	uint8_t pkt[RTP_FRAME];

	if (b->fax || b->echo)
		law_decode(b->law, in, lin, len);
	media_echo_bridge_cancel(b, in, lin, len);
	/* A report due leaves before the tick's packet (it counts those
	 * before): whoever has the packet has the report too. */
	if (b->rtcp && rtcp_session_tick(b->rtcp, (unsigned)len))
		rtcp_session_send(b->rtcp, b->ep, rtcp_ntp_now(), 0);
	for (size_t i = 0; i < len;) {
		size_t n = len - i < RTP_FRAME - b->acc_len ? len - i : RTP_FRAME - b->acc_len;

		memcpy(b->acc + b->acc_len, in + i, n);
		b->acc_len += n;
		i += n;
		if (b->acc_len == RTP_FRAME) {
			to_rtp(b->law, b->params.pt, b->acc, pkt, RTP_FRAME);
			rtp_endpoint_send(b->ep, pkt, RTP_FRAME);
			b->acc_len = 0;
		}
	}
	if (!(b->fax || b->echo || b->drx))
		publish(b); /* no detectors: nothing else this tick */
}

/* Second half, once the tick's packets are out: the fax and answer-tone
 * detectors on the blocks as they came each way (behind the gates,
 * media_gate.h), the canceller's reference (out, the block sent in
 * answer), DTMF on the cleaned block (it must not hear the echo of our
 * own tones). */
static void bridge_tdm_detect(struct media_bridge *b, const uint8_t *in, const int16_t *lin, const uint8_t *out,
			      size_t len)
{
	int16_t clean[TDM_AUDIO_MAX], lout[TDM_AUDIO_MAX];
	int detectors = b->fax || b->echo || b->drx; /* as bridge_tdm_in saw them */

	if (b->fax || b->echo) {
		unsigned gate_in, gate_out;

		law_decode(b->law, out, lout, len);
		media_gate_pair(&b->gate_in, lin, &b->gate_out, lout, len, &gate_in, &gate_out);
		if (b->fax) /* fax tones both ways (T.38 took the whole block before) */
			media_fax_detect(b, lin, gate_in, lout, gate_out, len);
		media_echo_bridge_detect(b, lin, len, gate_in);
		media_echo_bridge_ref(b, lout, len, gate_out);
	}
	if (b->drx) {
		law_decode(b->law, in, clean, len);
		dtmf_rx(b->drx, clean, (int)len);
	}
	if (detectors)
		publish(b); /* else bridge_tdm_in did */
}

/* Queue a digit for in-band generation. SpanDSP 0.0.6 returns 0 when
 * queued and -1 when its queue is full (its header says otherwise). */
static void tone_put(struct media_bridge *b, char digit)
{
	if (dtmf_tx_put(b->dtx, &digit, 1) >= 0)
		b->st.dtmf_to_tdm++;
	else
		LOG_W(MEDIA_TAG, "span %d ch %d: digit %c not played", tdm_span_config(b->span)->id, b->channel, digit);
}

static void rx_event(struct media_bridge *b, const struct rtp_rx *rx)
{
	char digit;

	/* RFC 4733 2.5.1.2: one event is all packets with its timestamp. */
	if (b->have_ev && rx->h.ts == b->ev_ts)
		return;
	b->have_ev = 1;
	b->ev_ts = rx->h.ts;
	digit = rtp_event_digit(rx->ev.event);
	b->st.dtmf_from_rtp++;
	bridge_event(b, MEDIA_EV_DTMF, digit, MEDIA_SIDE_RTP);
	if (b->dtmf_to_tdm)
		tone_put(b, digit);
}

/* Take in what RTP came; pub: publish the counters (not when the block
 * this tick answers publishes them next). */
static void bridge_rtp(struct media_bridge *b, int pub)
{
	uint8_t conv[RTP_MAX_PACKET];
	struct rtp_rx rx;
	int n = 0;

	if (b->fax && media_fax_rtp(b))
		return; /* T.38: the socket carries UDPTL */
	for (int more = 1; more && n++ < 64 && rtp_endpoint_recv(b->ep, arrival_now(), &rx) == 0;) {
		more = !rtp_endpoint_rx_drained(b->ep);
		if (rx.kind == RTP_RX_NONE || !b->params.recv)
			continue;
		b->quiet = 0;
		b->timed_out = 0;
		if (!b->got_first) {
			b->got_first = 1;
			bridge_event(b, MEDIA_EV_FIRST_PACKET, 0, MEDIA_SIDE_RTP);
		}
		if (rx.new_ssrc)
			rtp_jb_reset(&b->jb);
		if (rx.kind == RTP_RX_EVENT) {
			rx_event(b, &rx);
		} else {
			from_rtp(b->law, rx.h.pt, rx.payload, conv, rx.len);
			rtp_jb_put(&b->jb, rx.h.ts, conv, rx.len);
		}
	}
	if (pub)
		publish(b);
}

static int watch(struct media_worker *w, int fd, struct media_tag *tag)
{
	struct epoll_event ee = {.events = EPOLLIN, .data.ptr = tag};

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ee) < 0 ? -errno : 0;
}

static void unwatch(struct media_worker *w, int fd)
{
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* Whether epoll reports b's RTP fd (it stays registered either way). */
static void rtp_watch(struct media_worker *w, struct media_bridge *b, int on)
{
	struct epoll_event ee = {.events = on ? EPOLLIN : 0, .data.ptr = &b->rtp_tag};

	if (b->rtp_watched == on || epoll_ctl(w->epfd, EPOLL_CTL_MOD, rtp_endpoint_fd(b->ep), &ee) < 0)
		return;
	b->rtp_watched = on;
	w->rtp_unwatched += on ? -1 : 1;
}

/* Bridges left without blocks (the span or the channel went quiet) read
 * RTP as it comes again: its events, first packet and counters do not
 * wait for TDM. */
static void rtp_rewatch_idle(struct media_worker *w, struct media_wspan *ws, long now)
{
	for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS && w->rtp_unwatched; ch++) {
		struct media_bridge *b = ws->bridges[ch];

		if (b && now - ws->ch_ns[ch] > RTP_IDLE_NS && !b->rtp_watched)
			rtp_watch(w, b, 1);
	}
}

void media_bridge_release(struct media_bridge *b)
{
	media_fax_release(b);
	if (b->drx)
		dtmf_rx_free(b->drx);
	if (b->dtx)
		dtmf_tx_free(b->dtx);
	media_echo_bridge_release(b);
	media_plc_release(b);
	rtcp_session_free(b->rtcp);
	b->rtcp = NULL;
	rtp_endpoint_free(b->ep);
	b->drx = NULL;
	b->dtx = NULL;
	b->ep = NULL;
}

static void bridge_stopped(struct media_worker *w, struct media_bridge *b)
{
	struct media_event ev = {.type = MEDIA_EV_STOPPED, .bridge = b, .cookie = b->cookie};

	if (b->running) {
		if (b->rtcp) /* 6.3.7: BYE when we leave the session */
			rtcp_session_send(b->rtcp, b->ep, rtcp_ntp_now(), 1);
		if (!b->rtp_watched)
			w->rtp_unwatched--;
		unwatch(w, rtp_endpoint_fd(b->ep));
		unwatch(w, rtp_endpoint_rtcp_fd(b->ep));
		if (b->ws->bridges[b->channel] == b)
			b->ws->bridges[b->channel] = NULL;
		b->running = 0;
	}
	collect(b, &ev.stats);
	ev.span = b->span;
	ev.channel = b->channel;
	LOG_I(MEDIA_TAG, "span %d ch %d: stopped: rtp tx %lu rx %lu lost %lu%s", tdm_span_config(b->span)->id,
	      b->channel, ev.stats.rtp_tx_packets, ev.stats.rtp_rx_packets, ev.stats.rtp_rx_lost,
	      ev.stats.fax_mode ? " (fax)" : "");
	if (ev.stats.fax_mode)
		LOG_I(MEDIA_TAG, "span %d ch %d: fax %s: udptl tx %lu rx %lu recovered %lu lost %lu bad %lu pages %lu",
		      tdm_span_config(b->span)->id, b->channel, media_fax_mode_name(ev.stats.fax_mode),
		      ev.stats.udptl_tx, ev.stats.udptl_rx, ev.stats.udptl_recovered, ev.stats.udptl_lost,
		      ev.stats.udptl_bad, ev.stats.fax_pages);
	media_bridge_release(b);
	/* The last the worker does with b: the loop frees it. */
	media_post_event(w->m, &ev);
}

int media_bridge_dtmf_detect_start(struct media_bridge *b)
{
	if (!(b->drx = dtmf_rx_init(NULL, NULL, NULL)))
		return -ENOMEM;
	dtmf_rx_set_realtime_callback(b->drx, on_tone, b);
	return 0;
}

static void cmd_start(struct media_worker *w, struct media_bridge *b)
{
	int id = tdm_span_config(b->span)->id;

	rtp_jb_init(&b->jb, w->m->jitter_samples, law_silence(b->law));
	b->dtx = dtmf_tx_init(NULL);
	if (b->dtx)
		dtmf_tx_set_timing(b->dtx, DTMF_ON_MS, DTMF_OFF_MS);
	if (b->dtmf_from_tdm)
		media_bridge_dtmf_detect_start(b);
	if (b->fax_detect && media_fax_start(b) < 0)
		LOG_W(MEDIA_TAG, "span %d ch %d: no fax detection", id, b->channel);
	b->rtp_tag.kind = TAG_RTP;
	b->rtp_tag.ptr = b;
	b->rtcp_tag.kind = TAG_RTCP;
	b->rtcp_tag.ptr = b;
	if (!b->dtx || (b->dtmf_from_tdm && !b->drx) || b->ws->bridges[b->channel] ||
	    watch(w, rtp_endpoint_fd(b->ep), &b->rtp_tag) < 0) {
		LOG_E(MEDIA_TAG, "span %d ch %d: cannot start the bridge", id, b->channel);
		bridge_stopped(w, b);
		return;
	}
	b->rtp_watched = 1;
	if (rtp_endpoint_stamp_arrivals(b->ep) < 0)
		LOG_W(MEDIA_TAG, "span %d ch %d: no receive timestamps: the jitter includes the worker's", id,
		      b->channel);
	if (watch(w, rtp_endpoint_rtcp_fd(b->ep), &b->rtcp_tag) < 0)
		LOG_W(MEDIA_TAG, "span %d ch %d: RTCP not drained", id, b->channel);
	if (!(b->rtcp = rtcp_session_new()))
		LOG_W(MEDIA_TAG, "span %d ch %d: no RTCP (out of memory)", id, b->channel);
	if (media_echo_bridge_start(b) < 0 || media_plc_start(b) < 0)
		LOG_W(MEDIA_TAG, "span %d ch %d: no echo canceller or concealment (out of memory)", id, b->channel);
	b->ws->bridges[b->channel] = b;
	b->running = 1;
	LOG_I(MEDIA_TAG, "span %d ch %d: bridged to RTP port %u, pt %d", id, b->channel, rtp_endpoint_port(b->ep),
	      b->params.pt);
	publish(b);
}

static void cmd_update(struct media_bridge *b, const struct rtp_params *p)
{
	if (rtp_endpoint_set_params(b->ep, p) < 0) {
		LOG_W(MEDIA_TAG, "span %d ch %d: new RTP parameters refused", tdm_span_config(b->span)->id, b->channel);
		return;
	}
	b->params = *p;
	b->quiet = 0;
	b->timed_out = 0;
}

static void cmd_dtmf(struct media_bridge *b, char digit, enum media_side to)
{
	if (to == MEDIA_SIDE_TDM) {
		tone_put(b, digit);
	} else if (rtp_endpoint_dtmf_begin(b->ep, digit, DTMF_RTP_DURATION) == 0) {
		b->st.dtmf_to_rtp++;
	} else {
		LOG_W(MEDIA_TAG, "span %d ch %d: digit %c not sent", tdm_span_config(b->span)->id, b->channel, digit);
	}
}

static void cmd_remove_span(struct media_worker *w, struct media_wspan *ws)
{
	struct media_wspan **pp;

	for (int ch = 0; ch <= TDM_SPAN_MAX_CHANNELS; ch++)
		if (ws->bridges[ch])
			bridge_stopped(w, ws->bridges[ch]);
	if (!ws->dead)
		unwatch(w, tdm_span_audio_fd(ws->span));
	for (pp = &w->spans; *pp; pp = &(*pp)->next)
		if (*pp == ws) {
			*pp = ws->next;
			break;
		}
	free(ws);
}

/* Run every queued command; 1 if told to quit. */
static int run_commands(struct media_worker *w)
{
	struct media_cmd *c, *next;
	uint64_t cnt;
	int quit = 0;

	if (read(w->cmd_fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: the list may hold commands all the same. */
	}
	pthread_mutex_lock(&w->lock);
	c = w->head;
	w->head = NULL;
	w->tail = &w->head;
	pthread_mutex_unlock(&w->lock);
	for (; c; c = next) {
		next = c->next;
		switch (c->type) {
		case CMD_ADD_SPAN:
			c->ws->next = w->spans;
			w->spans = c->ws;
			if (watch(w, tdm_span_audio_fd(c->ws->span), &c->ws->tag) < 0) {
				LOG_E(MEDIA_TAG, "span %d: cannot watch audio", tdm_span_config(c->ws->span)->id);
				c->ws->dead = 1;
			}
			break;
		case CMD_REMOVE_SPAN:
			cmd_remove_span(w, c->ws);
			pthread_mutex_lock(&w->lock);
			c->done = 1;
			pthread_cond_broadcast(&w->cond);
			pthread_mutex_unlock(&w->lock);
			continue; /* the loop frees it */
		case CMD_START:
			cmd_start(w, c->b);
			break;
		case CMD_UPDATE:
			if (c->b->running)
				cmd_update(c->b, &c->params);
			break;
		case CMD_DTMF:
			if (c->b->running)
				cmd_dtmf(c->b, c->digit, c->to);
			break;
		case CMD_STOP:
			if (c->b->ep) /* not yet stopped by CMD_REMOVE_SPAN */
				bridge_stopped(w, c->b);
			break;
		case CMD_QUIT:
			quit = 1;
			break;
		case CMD_FAX:
			if (c->b->running)
				media_fax_cmd(c->b, c->fax);
			break;
		}
		free(c->fax);
		free(c);
		if (quit) {
			/* Put back what is left: media_free() frees it. */
			struct media_cmd *last = next;

			if (!next)
				break;
			while (last->next)
				last = last->next;
			pthread_mutex_lock(&w->lock);
			last->next = w->head;
			if (!w->head)
				w->tail = &last->next;
			w->head = next;
			pthread_mutex_unlock(&w->lock);
			break;
		}
	}
	return quit;
}

/* One tick of a span, in three passes: every channel's block toward the
 * B-channels, sent together (one frame on the virtual backend); then every
 * block that came in, echo cancelled and sent as RTP; then the detectors.
 * Neither direction waits for work it does not need: the last channel's
 * packet leaves after the others' cancellers, not their detectors. */
static void prefetch_range(const void *p, size_t n)
{
	for (size_t off = 0; off < n; off += 64)
		__builtin_prefetch((const char *)p + off, 1);
}

/* A tick walks many bridges, each cold since the last tick (20 ms ago):
 * what the next ones touch is asked for while this one waits on its
 * system calls. Stage 0: the bridge itself; stage 1 (its pointers are in
 * by then): its endpoint and jitter buffer. */
static void bridge_prefetch(const struct media_bridge *b, int stage)
{
	if (stage == 0) {
		prefetch_range(&b->running, offsetof(struct media_bridge, jb) - offsetof(struct media_bridge, running));
		prefetch_range(&b->jb.started, sizeof(b->jb) - offsetof(struct rtp_jb, started));
		prefetch_range(&b->acc_len,
			       offsetof(struct media_bridge, gate_in) - offsetof(struct media_bridge, acc_len));
		prefetch_range(&b->rtcp, offsetof(struct media_bridge, pub) - offsetof(struct media_bridge, rtcp));
		prefetch_range(&b->pub, sizeof(b->pub));
		return;
	}
	if (b->ep)
		rtp_endpoint_prefetch(b->ep);
	prefetch_range(&b->jb.buf[b->jb.play_ts % RTP_JB_SIZE], RTP_FRAME);
	prefetch_range(&b->jb.have[b->jb.play_ts % RTP_JB_SIZE], RTP_FRAME);
}

/* Second pass, one block: unless T.38 has the channel (first pass). */
static void tick_in(struct media_tick *t)
{
	if (!(t->b->fax && media_fax_t38(t->b)))
		bridge_tdm_in(t->b, t->in, t->lin, t->len);
}

#define SHARE_PENDING 0xffffu  /* blocks: the owner is still on its first pass */
#define SHARE_WAIT_NS 2000000L /* how long a helper waits for the pass to open */

/* The next block of generation gen to work on: its index, -1 when none is
 * left, -2 while the pass has not opened yet. */
static int share_take(struct media_share *s, uint32_t gen)
{
	uint64_t v = atomic_load_explicit(&s->next, memory_order_acquire);

	for (;;) {
		unsigned n = (unsigned)(v >> 16) & 0xffff, k = (unsigned)v & 0xffff;

		if ((uint32_t)(v >> 32) != gen)
			return -1;
		if (n == SHARE_PENDING)
			return -2;
		if (k >= n)
			return -1;
		if (atomic_compare_exchange_weak_explicit(&s->next, &v, v + 1, memory_order_acq_rel,
							  memory_order_acquire))
			return (int)k;
	}
}

/* TAG_HELP: work on the previous worker's shared tick while it lasts. It
 * woke us as its tick began: its first pass is short, so wait for it. */
static void help(struct media_worker *owner)
{
	struct media_share *s = &owner->share;
	uint32_t gen = (uint32_t)(atomic_load_explicit(&s->next, memory_order_acquire) >> 32);
	unsigned long helped = 0;
	long t0 = 0;
	int k;

	while ((k = share_take(s, gen)) != -1) {
		if (k == -2) {
			if (!t0)
				t0 = mono_ns();
			else if (mono_ns() - t0 > SHARE_WAIT_NS)
				break;
			sched_yield(); /* to the span's worker, should it be on this CPU */
			continue;
		}
		tick_in(&s->tick[k]);
		helped++;
		atomic_fetch_add_explicit(&s->done, 1, memory_order_release);
	}
	if (helped)
		atomic_fetch_add_explicit(&s->helped, helped, memory_order_relaxed);
}

/* Whether to share this tick's second pass: with a next worker, and
 * at least two cancellers to run (worth a wake-up). If so, the next
 * worker is woken now, to be up by the time the first pass is done. */
static int share_begin(struct media_worker *w, struct media_tick *tick, int n)
{
	struct media_share *s = &w->share;
	int heavy = 0;

	if (!w->m->share)
		return 0;
	for (int k = 0; k < n; k++)
		heavy += tick[k].b->echo != NULL;
	if (heavy < 2)
		return 0;
	s->tick = tick;
	s->gen++;
	atomic_store_explicit(&s->done, 0, memory_order_relaxed);
	atomic_store_explicit(&s->next, (uint64_t)s->gen << 32 | (uint64_t)SHARE_PENDING << 16, memory_order_release);
	media_wake(w->m->workers[(w->index + 1) % w->m->nworkers].help_fd);
	return 1;
}

/* The second pass over n blocks (shared: share_begin() said so). */
static void run_in(struct media_worker *w, struct media_tick *tick, int n, int shared)
{
	struct media_share *s = &w->share;
	int k;

	if (!shared) {
		for (k = 0; k < n; k++) {
			if (k + 2 < n)
				bridge_prefetch(tick[k + 2].b, 0);
			if (k + 1 < n)
				bridge_prefetch(tick[k + 1].b, 1);
			tick_in(&tick[k]);
		}
		return;
	}
	atomic_store_explicit(&s->next, (uint64_t)s->gen << 32 | (uint64_t)n << 16, memory_order_release);
	while ((k = share_take(s, s->gen)) >= 0) {
		tick_in(&tick[k]);
		atomic_fetch_add_explicit(&s->done, 1, memory_order_relaxed);
	}
	/* the helper's last block (its bridge's state is ours again after) */
	while (atomic_load_explicit(&s->done, memory_order_acquire) < n)
		sched_yield(); /* to the helper, should it be on this CPU */
}

static void run_tick(struct media_worker *w, struct media_wspan *ws, struct media_tick *tick, int n)
{
	int shared = share_begin(w, tick, n);

	for (int k = 0; k < n; k++) {
		struct media_bridge *b = tick[k].b;

		if (k + 2 < n)
			bridge_prefetch(tick[k + 2].b, 0);
		if (k + 1 < n)
			bridge_prefetch(tick[k + 1].b, 1);
		if (b->fax && media_fax_t38(b)) {
			rtp_watch(b->w, b, 1); /* UDPTL as it comes: the T.38 gateway keeps its own time */
			media_fax_tdm(b, tick[k].in, tick[k].len); /* the T.38 gateway has the channel */
		} else {
			bridge_rtp(b, 0);
			rtp_watch(b->w, b, 0);
			bridge_tdm_out(b, tick[k].out, tick[k].len);
		}
	}
	tdm_span_audio_flush(ws->span);
	run_in(w, tick, n, shared);
	for (int k = 0; k < n; k++) {
		if (k + 2 < n)
			bridge_prefetch(tick[k + 2].b, 0);
		if (!(tick[k].b->fax && media_fax_t38(tick[k].b)))
			bridge_tdm_detect(tick[k].b, tick[k].in, tick[k].lin, tick[k].out, tick[k].len);
	}
}

static void span_readable(struct media_worker *w, struct media_wspan *ws)
{
	struct media_tick *tick = w->tick;
	uint32_t seen = 0; /* the channels in tick[0..n) */
	int n = 0, ch, rc = 0;
	long now = mono_ns();

	tdm_span_audio_cork(ws->span, 1);
	for (int i = 0; i < SPAN_READS_PER_WAKE; i++) {
		rc = tdm_span_audio_read(ws->span, &ch, tick[n].in, sizeof(tick[n].in), &tick[n].len);
		if (rc == -EBADMSG)
			continue;
		if (rc < 0)
			break;
		if (!ws->bridges[ch])
			continue;
		/* a second block for a channel: the next tick (the far end ran ahead) */
		if (seen & (1u << ch)) {
			run_tick(w, ws, tick, n);
			memcpy(&tick[0], &tick[n], sizeof(tick[0]));
			n = 0;
			seen = 0;
		}
		seen |= 1u << ch;
		ws->ch_ns[ch] = now;
		tick[n++].b = ws->bridges[ch];
	}
	ws->last_ns = now;
	run_tick(w, ws, tick, n);
	tdm_span_audio_cork(ws->span, 0);
	if (w->rtp_unwatched)
		rtp_rewatch_idle(w, ws, now);
	if (rc < 0 && rc != -EAGAIN) {
		LOG_W(MEDIA_TAG, "span %d: audio: %s", tdm_span_config(ws->span)->id, strerror(-rc));
		unwatch(w, tdm_span_audio_fd(ws->span));
		ws->dead = 1;
		media_post_event(w->m, &(struct media_event){.type = MEDIA_EV_SPAN_DOWN, .span = ws->span});
	}
}

void *media_worker_main(void *arg)
{
	struct media_worker *w = arg;
	struct epoll_event evs[64];
	int quit = 0;

	while (!quit) {
		/* While bridges read RTP at their blocks only, look every 20 ms
		 * for spans that stopped bringing them. */
		int n = epoll_wait(w->epfd, evs, 64, w->rtp_unwatched ? 20 : -1), cmds = 0;

		if (n < 0 && errno != EINTR) {
			LOG_E(MEDIA_TAG, "worker %d: epoll_wait: %s", w->index, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct media_tag *t = evs[i].data.ptr;

			switch (t->kind) {
			case TAG_CMD:
				cmds = 1; /* after the batch: commands free what others point at */
				break;
			case TAG_SPAN:
				if (!((struct media_wspan *)t->ptr)->dead)
					span_readable(w, t->ptr);
				break;
			case TAG_RTP:
				bridge_rtp(t->ptr, 1);
				break;
			case TAG_RTCP:
				media_rtcp_readable(t->ptr);
				break;
			case TAG_HELP:
				help(t->ptr);
				break;
			}
		}
		if (cmds)
			quit = run_commands(w);
		if (w->rtp_unwatched) {
			long now = mono_ns();

			if (now - w->idle_check_ns >= RTP_IDLE_NS / 2) {
				w->idle_check_ns = now;
				for (struct media_wspan *ws = w->spans; ws && w->rtp_unwatched; ws = ws->next)
					if (now - ws->last_ns > RTP_IDLE_NS)
						rtp_rewatch_idle(w, ws, now);
			}
		}
	}
	return NULL;
}
