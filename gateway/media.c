/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Media, the loop's side: workers' lifecycle, span placement, bridge handles, command and event queues. */
#include "config.h"

#include "gateway/media.h"
#include "gateway/media_int.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "gateway/loop.h"

/* The loop's record of a span: its worker and its busy channels. */
struct media_span_rec {
	struct tdm_span *span;
	struct media_worker *w;
	struct media_wspan *ws;
	struct media_bridge *busy[TDM_SPAN_MAX_CHANNELS + 1];
};

void media_wake(int fd)
{
	uint64_t one = 1;

	/* An eventfd only fails to count when it would overflow: it is
	 * readable then anyway. */
	if (write(fd, &one, sizeof(one)) < 0) {
	}
}

static void post(struct media_worker *w, struct media_cmd *c)
{
	c->next = NULL;
	pthread_mutex_lock(&w->lock);
	*w->tail = c;
	w->tail = &c->next;
	pthread_mutex_unlock(&w->lock);
	media_wake(w->cmd_fd);
}

void media_post_cmd(struct media_worker *w, struct media_cmd *c)
{
	post(w, c);
}

static struct media_cmd *cmd_new(enum media_cmd_type type)
{
	struct media_cmd *c = calloc(1, sizeof(*c));

	if (c)
		c->type = type;
	return c;
}

void media_post_event(struct media *m, const struct media_event *ev)
{
	struct media_ev_node *n = malloc(sizeof(*n));

	if (!n) {
		LOG_E(MEDIA_TAG, "out of memory: event %d lost", ev->type);
		return;
	}
	n->next = NULL;
	n->ev = *ev;
	pthread_mutex_lock(&m->ev_lock);
	*m->ev_tail = n;
	m->ev_tail = &n->next;
	pthread_mutex_unlock(&m->ev_lock);
	media_wake(m->ev_fd);
}

static void bridge_free(struct media *m, struct media_bridge *b)
{
	if (b->all_prev)
		b->all_prev->all_next = b->all_next;
	else
		m->all = b->all_next;
	if (b->all_next)
		b->all_next->all_prev = b->all_prev;
	media_bridge_release(b);
	pthread_mutex_destroy(&b->stats_lock);
	free(b);
}

void media_dispatch_events(struct media *m)
{
	struct media_ev_node *n, *next;
	uint64_t cnt;

	if (read(m->ev_fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing counted; the list may still hold events. */
	}
	pthread_mutex_lock(&m->ev_lock);
	n = m->ev_head;
	m->ev_head = NULL;
	m->ev_tail = &m->ev_head;
	pthread_mutex_unlock(&m->ev_lock);
	for (; n; n = next) {
		struct media_bridge *b = n->ev.bridge;

		next = n->next;
		/* After media_bridge_stop() only MEDIA_EV_STOPPED is told. */
		if (!b || !b->stop_requested || n->ev.type == MEDIA_EV_STOPPED)
			m->cfg.on_event(m->cfg.arg, &n->ev);
		if (b && n->ev.type == MEDIA_EV_STOPPED)
			bridge_free(m, b);
		free(n);
	}
}

static void on_events(void *arg, int revents)
{
	(void)revents;
	media_dispatch_events(arg);
}

unsigned long media_shared_blocks(const struct media *m)
{
	unsigned long n = 0;

	for (int i = 0; i < m->nworkers; i++)
		n += atomic_load(&m->workers[i].share.helped);
	return n;
}

int media_event_fd(const struct media *m)
{
	return m->ev_fd;
}

static int worker_init(struct media *m, struct media_worker *w, int index)
{
	struct epoll_event ee = {.events = EPOLLIN};

	w->m = m;
	w->index = index;
	w->tail = &w->head;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->cmd_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->help_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (w->epfd < 0 || w->cmd_fd < 0 || w->help_fd < 0)
		return -errno;
	w->cmd_tag.kind = TAG_CMD;
	w->cmd_tag.ptr = w;
	ee.data.ptr = &w->cmd_tag;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->cmd_fd, &ee) < 0)
		return -errno;
	/* Edge-triggered: each wake is an event, and the count is never read
	 * (it would take 2^64 ticks to fill). */
	w->help_tag.kind = TAG_HELP;
	w->help_tag.ptr = &m->workers[(index + m->cfg.nworkers - 1) % m->cfg.nworkers];
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->help_fd,
		      &(struct epoll_event){.events = EPOLLIN | EPOLLET, .data.ptr = &w->help_tag}) < 0)
		return -errno;
	if (pthread_create(&w->thread, NULL, media_worker_main, w) != 0)
		return -EAGAIN;
	pthread_setname_np(w->thread, "tandem-media"); /* top -H, perf */
	w->running = 1;
	return 0;
}

int media_new(const struct media_config *cfg, struct media **out)
{
	struct media *m;
	int rc = -ENOMEM;

	*out = NULL;
	if (cfg->nworkers < 1 || cfg->nworkers > 64 || !cfg->on_event || !cfg->rtp.addr ||
	    (cfg->jitter_ms && (cfg->jitter_ms < 10 || cfg->jitter_ms > 128)))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->ev_tail = &m->ev_head;
	pthread_mutex_init(&m->ev_lock, NULL);
	m->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	m->rtp_addr = strdup(cfg->rtp.addr);
	m->workers = calloc((size_t)cfg->nworkers, sizeof(*m->workers));
	if (m->ev_fd < 0 || !m->rtp_addr || !m->workers)
		goto fail;
	m->cfg.rtp.addr = m->rtp_addr;
	m->timeout_samples = cfg->rtp_timeout_ms * (RTP_CLOCK / 1000);
	m->jitter_samples = (cfg->jitter_ms ? cfg->jitter_ms : 40) * (RTP_CLOCK / 1000);
	/* Ticks are shared between workers only where they can run at once:
	 * on one CPU a helper would only take turns with the span's worker. */
	{
		cpu_set_t cpus;

		m->share = cfg->nworkers > 1 && sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) > 1;
	}
	for (int i = 0; i < cfg->nworkers; i++) {
		m->nworkers = i + 1;
		m->workers[i].epfd = m->workers[i].cmd_fd = m->workers[i].help_fd = -1;
		if ((rc = worker_init(m, &m->workers[i], i)) < 0)
			goto fail;
	}
	if (cfg->loop && (rc = gw_watch_new(cfg->loop, m->ev_fd, GW_READ, on_events, m, &m->watch)) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	media_free(m);
	return rc;
}

void media_free(struct media *m)
{
	if (!m)
		return;
	if (m->watch)
		gw_watch_free(m->watch);
	for (int i = 0; i < m->nworkers; i++) {
		struct media_worker *w = &m->workers[i];
		struct media_cmd *q = cmd_new(CMD_QUIT);

		if (!w->running)
			continue;
		if (q)
			post(w, q);
		else
			pthread_cancel(w->thread); /* out of memory: last resort */
		pthread_join(w->thread, NULL);
	}
	/* The workers are gone: everything is ours. */
	for (int i = 0; i < m->nworkers; i++) {
		struct media_worker *w = &m->workers[i];

		for (struct media_cmd *c = w->head, *next; c; c = next) {
			next = c->next;
			if (c->type == CMD_ADD_SPAN)
				free(c->ws);
			free(c->fax);
			free(c);
		}
		for (struct media_wspan *ws = w->spans, *next; ws; ws = next) {
			next = ws->next;
			free(ws);
		}
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->cmd_fd >= 0)
			close(w->cmd_fd);
		if (w->help_fd >= 0)
			close(w->help_fd);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
	}
	for (struct media_ev_node *n = m->ev_head, *next; n; n = next) {
		next = n->next;
		free(n);
	}
	while (m->all)
		bridge_free(m, m->all);
	free(m->spans);
	free(m->workers);
	free(m->rtp_addr);
	if (m->ev_fd >= 0)
		close(m->ev_fd);
	pthread_mutex_destroy(&m->ev_lock);
	free(m);
}

static struct media_span_rec *find_span(struct media *m, const struct tdm_span *span)
{
	for (size_t i = 0; i < m->nspans; i++)
		if (m->spans[i].span == span)
			return &m->spans[i];
	return NULL;
}

int media_add_span(struct media *m, struct tdm_span *span)
{
	struct media_span_rec *recs, *r;
	struct media_worker *w = &m->workers[0];
	struct media_cmd *c;

	if (find_span(m, span))
		return -EEXIST;
	for (int i = 1; i < m->nworkers; i++)
		if (m->workers[i].nspans < w->nspans)
			w = &m->workers[i];
	recs = realloc(m->spans, (m->nspans + 1) * sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	m->spans = recs;
	c = cmd_new(CMD_ADD_SPAN);
	if (!c || !(c->ws = calloc(1, sizeof(*c->ws)))) {
		free(c);
		return -ENOMEM;
	}
	c->ws->span = span;
	c->ws->tag.kind = TAG_SPAN;
	c->ws->tag.ptr = c->ws;
	r = &m->spans[m->nspans++];
	memset(r, 0, sizeof(*r));
	r->span = span;
	r->w = w;
	r->ws = c->ws;
	w->nspans++;
	post(w, c);
	LOG_I(MEDIA_TAG, "span %d: audio on worker %d", tdm_span_config(span)->id, w->index);
	return 0;
}

int media_remove_span(struct media *m, struct tdm_span *span)
{
	struct media_span_rec *r = find_span(m, span);
	struct media_worker *w;
	struct media_cmd *c;

	if (!r)
		return -ENOENT;
	w = r->w;
	for (int ch = 0; ch <= TDM_SPAN_MAX_CHANNELS; ch++)
		if (r->busy[ch])
			r->busy[ch]->stop_requested = 1; /* the worker stops them */
	/* This one may not fail: wait for memory rather than leave the
	 * worker reading a span the caller is about to free. */
	while (!(c = cmd_new(CMD_REMOVE_SPAN)))
		usleep(1000);
	c->ws = r->ws;
	post(w, c);
	pthread_mutex_lock(&w->lock);
	while (!c->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	free(c);
	w->nspans--;
	*r = m->spans[--m->nspans];
	return 0;
}

int media_rtp_open(struct media *m, struct rtp_endpoint **out)
{
	/* Successive calls start at successive pairs, so a port just freed
	 * is not reused at once (late packets of the old call). */
	return rtp_endpoint_open(&m->cfg.rtp, m->port_hint++, out);
}

int media_bridge_start(struct media *m, const struct media_bridge_config *cfg, struct media_bridge **out)
{
	struct media_span_rec *r = find_span(m, cfg->span);
	struct media_bridge *b;
	struct media_cmd *c;
	int rc;

	*out = NULL;
	if (!r)
		return -ENOENT;
	if (!cfg->rtp || !tdm_span_bchan_valid(tdm_span_config(cfg->span)->type, cfg->channel))
		return -EINVAL;
	if (r->busy[cfg->channel])
		return -EBUSY;
	if ((rc = rtp_endpoint_set_params(cfg->rtp, &cfg->params)) < 0)
		return rc;
	b = calloc(1, sizeof(*b));
	c = cmd_new(CMD_START);
	if (!b || !c) {
		free(b);
		free(c);
		return -ENOMEM;
	}
	b->m = m;
	b->w = r->w;
	b->ws = r->ws;
	b->span = cfg->span;
	b->channel = cfg->channel;
	b->law = tdm_span_config(cfg->span)->law;
	b->dtmf_to_tdm = cfg->dtmf_to_tdm;
	b->dtmf_from_tdm = cfg->dtmf_from_tdm;
	b->echo_tail_ms = cfg->echo_tail_ms;
	b->want_plc = cfg->plc;
	b->fax_detect = cfg->fax_detect;
	b->cookie = cfg->cookie;
	b->ep = cfg->rtp;
	b->params = cfg->params;
	pthread_mutex_init(&b->stats_lock, NULL);
	b->all_next = m->all;
	if (m->all)
		m->all->all_prev = b;
	m->all = b;
	r->busy[cfg->channel] = b;
	c->b = b;
	post(b->w, c);
	*out = b;
	return 0;
}

int media_bridge_update(struct media *m, struct media_bridge *b, const struct rtp_params *p)
{
	struct media_cmd *c;

	(void)m;
	if (b->stop_requested || rtp_params_check(p) < 0)
		return -EINVAL;
	if (!(c = cmd_new(CMD_UPDATE)))
		return -ENOMEM;
	c->b = b;
	c->params = *p;
	post(b->w, c);
	return 0;
}

int media_bridge_send_dtmf(struct media *m, struct media_bridge *b, char digit, enum media_side to)
{
	struct media_cmd *c;

	(void)m;
	if (b->stop_requested || rtp_event_from_digit(digit) < 0 || (to != MEDIA_SIDE_RTP && to != MEDIA_SIDE_TDM))
		return -EINVAL;
	if (!(c = cmd_new(CMD_DTMF)))
		return -ENOMEM;
	c->b = b;
	c->digit = digit;
	c->to = to;
	post(b->w, c);
	return 0;
}

void media_bridge_stats(const struct media_bridge *b, struct media_stats *out)
{
	struct media_bridge *mb = (struct media_bridge *)b; /* the lock only */

	pthread_mutex_lock(&mb->stats_lock);
	*out = mb->pub;
	pthread_mutex_unlock(&mb->stats_lock);
}

void media_bridge_stop(struct media *m, struct media_bridge *b)
{
	struct media_span_rec *r;
	struct media_cmd *c;

	if (!b || b->stop_requested)
		return;
	b->stop_requested = 1;
	if ((r = find_span(m, b->span)) && r->busy[b->channel] == b)
		r->busy[b->channel] = NULL;
	while (!(c = cmd_new(CMD_STOP)))
		usleep(1000); /* a bridge must not outlive its call */
	c->b = b;
	post(b->w, c);
}
