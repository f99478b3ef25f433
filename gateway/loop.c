/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Event loop: thin wrappers over su_root registrations and su_timer. */
#include "config.h"

#define SU_ROOT_MAGIC_T struct gw_loop
#define SU_WAKEUP_ARG_T struct gw_watch
#define SU_TIMER_ARG_T  struct gw_timer

#include "gateway/loop.h"

#include <errno.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <stdlib.h>

struct gw_loop {
	su_root_t *root;
};

struct gw_watch {
	struct gw_loop *loop;
	int fd, index;
	void (*cb)(void *arg, int revents);
	void *arg;
};

struct gw_timer {
	su_timer_t *timer;
	void (*cb)(void *arg);
	void *arg;
};

int gw_loop_new(struct gw_loop **out)
{
	struct gw_loop *loop;

	*out = NULL;
	if (su_init() != 0)
		return -EIO;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		goto fail;
	loop->root = su_root_create(loop);
	if (!loop->root)
		goto fail;
	*out = loop;
	return 0;
fail:
	free(loop);
	su_deinit();
	return -ENOMEM;
}

void gw_loop_free(struct gw_loop *loop)
{
	if (!loop)
		return;
	su_root_destroy(loop->root);
	free(loop);
	su_deinit();
}

void gw_loop_run(struct gw_loop *loop)
{
	su_root_run(loop->root);
}

void gw_loop_stop(struct gw_loop *loop)
{
	su_root_break(loop->root);
}

void *gw_loop_su_root(struct gw_loop *loop)
{
	return loop->root;
}

static int gw_su_events(int events)
{
	return ((events & GW_READ) ? SU_WAIT_IN : 0) | ((events & GW_WRITE) ? SU_WAIT_OUT : 0);
}

static int gw_watch_fire(struct gw_loop *loop, su_wait_t *wait, struct gw_watch *w)
{
	int ev = su_wait_events(wait, w->fd), revents = 0;

	(void)loop;
	if (ev & (SU_WAIT_IN | SU_WAIT_HUP | SU_WAIT_ERR))
		revents |= GW_READ;
	if (ev & SU_WAIT_OUT)
		revents |= GW_WRITE;
	w->cb(w->arg, revents);
	return 0;
}

int gw_watch_new(struct gw_loop *loop, int fd, int events, void (*cb)(void *arg, int revents), void *arg,
		 struct gw_watch **out)
{
	struct gw_watch *w = calloc(1, sizeof(*w));
	su_wait_t wait[1] = {SU_WAIT_INIT};

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->loop = loop;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	if (su_wait_create(wait, fd, gw_su_events(events)) < 0) {
		free(w);
		return -EIO;
	}
	w->index = su_root_register(loop->root, wait, gw_watch_fire, w, 0);
	if (w->index <= 0) {
		su_wait_destroy(wait);
		free(w);
		return -EIO;
	}
	*out = w;
	return 0;
}

int gw_watch_set(struct gw_watch *w, int events)
{
	return su_root_eventmask(w->loop->root, w->index, w->fd, gw_su_events(events)) < 0 ? -EIO : 0;
}

void gw_watch_free(struct gw_watch *w)
{
	if (!w)
		return;
	su_root_deregister(w->loop->root, w->index);
	free(w);
}

static void gw_timer_fire(struct gw_loop *loop, su_timer_t *timer, struct gw_timer *t)
{
	(void)loop;
	(void)timer;
	t->cb(t->arg);
}

int gw_timer_new(struct gw_loop *loop, void (*cb)(void *arg), void *arg, struct gw_timer **out)
{
	struct gw_timer *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->timer = su_timer_create(su_root_task(loop->root), 1000);
	if (!t->timer) {
		free(t);
		return -ENOMEM;
	}
	t->cb = cb;
	t->arg = arg;
	*out = t;
	return 0;
}

void gw_timer_start(struct gw_timer *t, unsigned ms)
{
	su_timer_reset(t->timer);
	su_timer_set_interval(t->timer, gw_timer_fire, t, ms);
}

void gw_timer_stop(struct gw_timer *t)
{
	su_timer_reset(t->timer);
}

void gw_timer_free(struct gw_timer *t)
{
	if (!t)
		return;
	su_timer_destroy(t->timer);
	free(t);
}
