/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 64 kbit/s D-channel pacing (gateway/pri_pace.h). */
#include "config.h"

#include "gateway/pri_pace.h"

#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TAG "pri"

struct pace_frame {
	uint16_t len;
	uint8_t buf[TDM_DFRAME_MAX];
};

struct pri_pace {
	struct tdm_span *span;
	struct gw_timer *timer;
	void (*resume)(void *arg);
	void *arg;
	struct pace_frame q[PRI_PACE_QUEUE];
	unsigned head, count;
	uint64_t head_done; /* when the head frame has crossed the line; 0: not started */
	uint64_t tx_free;   /* when the line is free for the next frame out */
	uint64_t rx_free;   /* when the line has delivered the last frame in */
	int rx_held;        /* the caller stopped reading: resume() is due */
	uint64_t born;
	struct pri_pace_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t pri_pace_line_ns(size_t len)
{
	uint64_t bits = ((uint64_t)len + 2 + 1) * 8;

	return bits * 1000000000u / PRI_PACE_BPS;
}

/* Arm the timer for the nearest deadline: the head frame out, or the end
 * of a held reception. */
static void pace_arm(struct pri_pace *p, uint64_t now)
{
	uint64_t at = 0;

	if (p->count)
		at = p->head_done;
	if (p->rx_held && (!at || p->rx_free < at))
		at = p->rx_free;
	if (!at) {
		gw_timer_stop(p->timer);
		return;
	}
	/* Whole milliseconds, rounded up: never early. */
	gw_timer_start(p->timer, at > now ? (unsigned)((at - now + 999999) / 1000000) : 0);
}

/* Send every queued frame the line has carried by now. */
static void pace_send(struct pri_pace *p, uint64_t now)
{
	while (p->count) {
		struct pace_frame *f = &p->q[p->head];
		int rc;

		if (!p->head_done)
			p->head_done = max_u64(p->tx_free, now) + pri_pace_line_ns(f->len);
		if (p->head_done > now)
			break;
		rc = tdm_span_dchan_write(p->span, f->buf, f->len);
		if (rc < 0)
			LOG_W(TAG, "span %d: D-channel write failed: %s", p->span->cfg.id, strerror(-rc));
		p->tx_free = p->head_done;
		p->head_done = 0;
		p->head = (p->head + 1) % PRI_PACE_QUEUE;
		p->count--;
		p->st.tx_frames++;
		p->st.tx_octets += f->len;
	}
}

static void on_pace_timer(void *arg)
{
	struct pri_pace *p = arg;
	uint64_t now = now_ns();

	pace_send(p, now);
	if (p->rx_held && p->rx_free <= now) {
		p->rx_held = 0;
		p->resume(p->arg);
		now = now_ns();
	}
	pace_arm(p, now);
}

int pri_pace_new(struct gw_loop *loop, struct tdm_span *span, void (*resume)(void *arg), void *arg,
		 struct pri_pace **out)
{
	struct pri_pace *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->span = span;
	p->resume = resume;
	p->arg = arg;
	p->born = now_ns();
	if (gw_timer_new(loop, on_pace_timer, p, &p->timer) < 0) {
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void pri_pace_free(struct pri_pace *p)
{
	if (!p)
		return;
	gw_timer_free(p->timer);
	free(p);
}

int pri_pace_write(struct pri_pace *p, const uint8_t *frame, size_t len)
{
	struct pace_frame *f;
	uint64_t now = now_ns();

	if (len > TDM_DFRAME_MAX)
		return -EMSGSIZE;
	if (p->count == PRI_PACE_QUEUE) {
		p->st.tx_dropped++;
		return -ENOBUFS;
	}
	f = &p->q[(p->head + p->count) % PRI_PACE_QUEUE];
	memcpy(f->buf, frame, len);
	f->len = (uint16_t)len;
	p->count++;
	if (p->count > p->st.tx_queue_max)
		p->st.tx_queue_max = p->count;
	pace_send(p, now);
	pace_arm(p, now);
	return 0;
}

int pri_pace_rx_ready(struct pri_pace *p)
{
	uint64_t now = now_ns();

	if (p->rx_free <= now)
		return 1;
	if (!p->rx_held) {
		p->rx_held = 1;
		pace_arm(p, now);
	}
	return 0;
}

void pri_pace_rx_taken(struct pri_pace *p, size_t len)
{
	p->rx_free = max_u64(p->rx_free, now_ns()) + pri_pace_line_ns(len);
	p->st.rx_frames++;
	p->st.rx_octets += len;
}

void pri_pace_stats(const struct pri_pace *p, struct pri_pace_stats *st)
{
	*st = p->st;
	st->age_ms = (now_ns() - p->born) / 1000000u;
}
