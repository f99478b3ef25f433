/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's one event loop (Sofia's su_root), behind a small typed API
 * so that only loop.c and the SIP glue see Sofia's headers. Everything
 * here runs on the loop's thread. */
#ifndef TANDEM_GW_LOOP_H
#define TANDEM_GW_LOOP_H

#define GW_READ  1
#define GW_WRITE 2

struct gw_loop;
struct gw_watch;
struct gw_timer;

/* su_init() and a new su_root. Returns 0 or -ENOMEM. */
int gw_loop_new(struct gw_loop **out);
/* Free the loop; every watch and timer must be freed first. */
void gw_loop_free(struct gw_loop *loop);
/* Run until gw_loop_stop(). */
void gw_loop_run(struct gw_loop *loop);
void gw_loop_stop(struct gw_loop *loop);
/* The su_root_t, for the SIP glue only (gateway/sip.c). */
void *gw_loop_su_root(struct gw_loop *loop);

/* Call cb(arg, revents) when fd is ready for events (GW_READ|GW_WRITE).
 * The caller owns the fd and the watch (gw_watch_free). */
int gw_watch_new(struct gw_loop *loop, int fd, int events, void (*cb)(void *arg, int revents), void *arg,
		 struct gw_watch **out);
int gw_watch_set(struct gw_watch *w, int events);
void gw_watch_free(struct gw_watch *w);

/* A one-shot timer: cb(arg) runs once, ms after gw_timer_start (which
 * restarts a running timer). */
int gw_timer_new(struct gw_loop *loop, void (*cb)(void *arg), void *arg, struct gw_timer **out);
void gw_timer_start(struct gw_timer *t, unsigned ms);
void gw_timer_stop(struct gw_timer *t);
void gw_timer_free(struct gw_timer *t);

#endif
