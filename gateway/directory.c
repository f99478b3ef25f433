/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory's loader thread and its hand-over to the event loop.
 *
 * Loader -> loop: the loader publishes a new generation by exchanging the
 * one-element mailbox `pending` (an unclaimed older one is its own again,
 * and freed) and writes the ready eventfd; the loop's watch takes the
 * mailbox and makes it current.
 * Loop -> loader: a generation nobody holds any more goes onto the
 * `graveyard` stack (push-only; the loader takes the whole stack at once,
 * so there is no ABA) and the wake eventfd; the loader frees it, so a
 * 100 MB free never runs on the loop.
 * The mutex guards settings and status only; nobody holds it across I/O. */
#include "config.h"

#include "gateway/directory.h"

#include "common/ctl.h"
#include "common/deadline.h"
#include "common/log.h"
#include "common/settings.h"
#include "db/dir_load.h"
#include "db/directory.h"
#include "db/session.h"
#include "gateway/loop.h"

#include "db/dir_cache.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Coalescing: a reload starts once notifications have been quiet for
 * SETTLE ms, and at most SETTLE_MAX ms after the first of a burst. */
#define GW_DIR_SETTLE_MS     50
#define GW_DIR_SETTLE_MAX_MS 500

/* One snapshot and the loop's hold count on it. */
struct gw_dir_gen {
	struct dir_snapshot *snap;
	unsigned refs;
	struct gw_dir_gen *next;
};

struct gw_directory {
	struct gw_loop *loop;
	struct gw_watch *watch;
	int ready_fd, wake_fd;
	pthread_t thread;
	bool started;
	struct gw_dir_gen *_Atomic pending;
	struct gw_dir_gen *_Atomic graveyard;
	atomic_bool stop, reload, reconnect;

	/* The loop thread's. */
	struct gw_dir_gen *cur, *retired;
	unsigned long swaps;
	void (*on_swap)(void *arg, const struct dir_snapshot *now);
	void *on_swap_arg;

	/* Under lock. */
	pthread_mutex_t lock;
	char conninfo[1024];
	char cache[512]; /* the directory cache file ("": none) */
	int reconnect_ms, connect_timeout_ms;
	enum gw_dir_state state;
	bool from_cache; /* the snapshot in use came from the cache */
	char error[256];
	unsigned long notifies, loads, load_failures, connects;

	/* The loader thread's. */
	struct db_session *sess;
	uint64_t version;
	bool have_snapshot;
	bool tried_cache;
	char last_logged[256];
};

static void gw_dir_gen_free(struct gw_dir_gen *g)
{
	if (!g)
		return;
	dir_snapshot_free(g->snap);
	free(g);
}

static void gw_dir_kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG_E("directory", "cannot write an eventfd: %s", strerror(errno));
}

static void gw_dir_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		LOG_E("directory", "cannot read an eventfd: %s", strerror(errno));
}

/* --- Loader thread ------------------------------------------------------- */

/* Free what the loop has let go of. */
static void gw_dir_bury(struct gw_directory *d)
{
	struct gw_dir_gen *g = atomic_exchange(&d->graveyard, NULL);

	while (g) {
		struct gw_dir_gen *next = g->next;

		gw_dir_gen_free(g);
		g = next;
	}
}

/* Record a failure for status; log each distinct reason once. */
static void gw_dir_fail(struct gw_directory *d, const char *what, const char *why)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	pthread_mutex_lock(&d->lock);
	d->state = d->have_snapshot ? GW_DIR_STALE : GW_DIR_LOADING;
	snprintf(d->error, sizeof(d->error), "%s", msg);
	pthread_mutex_unlock(&d->lock);
	if (strcmp(msg, d->last_logged) != 0) {
		LOG_W("directory", "%s; %s", msg,
		      d->have_snapshot ? "routing from the last snapshot" : "no snapshot to route with yet");
		snprintf(d->last_logged, sizeof(d->last_logged), "%s", msg);
	}
}

static void gw_dir_disconnect(struct gw_directory *d, const char *why)
{
	db_session_close(d->sess);
	d->sess = NULL;
	gw_dir_fail(d, "database lost", why);
}

static int gw_dir_connect(struct gw_directory *d)
{
	char conninfo[1024], err[512];
	int timeout_ms;

	pthread_mutex_lock(&d->lock);
	snprintf(conninfo, sizeof(conninfo), "%s", d->conninfo);
	timeout_ms = d->connect_timeout_ms;
	pthread_mutex_unlock(&d->lock);
	if (db_session_open_timeout(conninfo, timeout_ms, &d->sess, err, sizeof(err)) < 0) {
		gw_dir_fail(d, "cannot connect", err);
		return -1;
	}
	/* LISTEN before loading: a change committed after the load's
	 * snapshot is then always followed by a notification. */
	if (dir_listen(d->sess, err, sizeof(err)) < 0) {
		db_session_close(d->sess);
		d->sess = NULL;
		gw_dir_fail(d, "cannot listen", err);
		return -1;
	}
	pthread_mutex_lock(&d->lock);
	d->connects++;
	pthread_mutex_unlock(&d->lock);
	LOG_I("directory", "connected, listening on " DIR_CHANNEL);
	return 0;
}

static void gw_dir_publish(struct gw_directory *d, struct dir_snapshot *snap)
{
	struct gw_dir_gen *g = calloc(1, sizeof(*g)), *old;

	if (!g) {
		dir_snapshot_free(snap);
		gw_dir_fail(d, "cannot load", "out of memory");
		return;
	}
	g->snap = snap;
	old = atomic_exchange(&d->pending, g);
	gw_dir_gen_free(old); /* the loop never took it: superseded */
	gw_dir_kick(d->ready_fd);
	d->have_snapshot = true;
	d->last_logged[0] = '\0';
	pthread_mutex_lock(&d->lock);
	d->state = GW_DIR_READY;
	d->loads++;
	pthread_mutex_unlock(&d->lock);
}

/* Load and publish. Returns 0, or -1 when the load failed. */
static int gw_dir_load(struct gw_directory *d)
{
	struct dir_snapshot *snap;
	struct dir_cache_writer *w = NULL;
	char err[512], cache[512], cerr[512];

	pthread_mutex_lock(&d->lock);
	snprintf(cache, sizeof(cache), "%s", d->cache);
	pthread_mutex_unlock(&d->lock);
	/* the rows go to the cache file as they are read (made durable only
	 * if the load succeeds) */
	if (cache[0] && dir_cache_begin(cache, d->sess, &w, cerr, sizeof(cerr)) < 0)
		LOG_W("directory", "cannot write the directory cache: %s", cerr);
	if (dir_load(d->sess, d->version + 1, &snap, err, sizeof(err)) < 0) {
		dir_cache_abort(w);
		pthread_mutex_lock(&d->lock);
		d->load_failures++;
		pthread_mutex_unlock(&d->lock);
		if (!db_session_alive(d->sess))
			gw_dir_disconnect(d, err);
		else
			gw_dir_fail(d, "cannot load", err);
		return -1;
	}
	if (w && dir_cache_commit(w, cerr, sizeof(cerr)) < 0)
		LOG_W("directory", "cannot write the directory cache: %s", cerr);
	d->version++;
	gw_dir_publish(d, snap);
	pthread_mutex_lock(&d->lock);
	d->from_cache = false;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* No database at start and nothing to route with: the last directory
 * loaded, from the cache file, once. */
static void gw_dir_from_cache(struct gw_directory *d)
{
	struct dir_snapshot *snap;
	char cache[512], err[512];

	pthread_mutex_lock(&d->lock);
	snprintf(cache, sizeof(cache), "%s", d->cache);
	pthread_mutex_unlock(&d->lock);
	if (d->have_snapshot || d->tried_cache || !cache[0])
		return;
	d->tried_cache = true;
	if (dir_cache_load(cache, d->version + 1, &snap, err, sizeof(err)) < 0) {
		LOG_W("directory", "no directory cache to route with: %s", err);
		return;
	}
	LOG_N("directory", "database unreachable: routing from the directory cache %s until it answers", cache);
	d->version++;
	gw_dir_publish(d, snap);
	pthread_mutex_lock(&d->lock);
	d->from_cache = true;
	d->state = GW_DIR_STALE;
	pthread_mutex_unlock(&d->lock);
}

/* Collect notifications; schedule a coalesced reload. Returns -1 when the
 * connection is lost. */
static int gw_dir_collect(struct gw_directory *d, bool *dirty, struct timespec *first, struct timespec *due)
{
	char err[512];
	unsigned n;

	if (db_session_notifies(d->sess, DIR_CHANNEL, &n, err, sizeof(err)) < 0) {
		gw_dir_disconnect(d, err);
		return -1;
	}
	if (!n)
		return 0;
	pthread_mutex_lock(&d->lock);
	d->notifies += n;
	pthread_mutex_unlock(&d->lock);
	if (!*dirty) {
		*dirty = true;
		deadline_in(first, GW_DIR_SETTLE_MAX_MS);
	}
	deadline_in(due, GW_DIR_SETTLE_MS);
	if (deadline_left_ms(due) > deadline_left_ms(first))
		*due = *first;
	return 0;
}

static int gw_dir_reconnect_ms(struct gw_directory *d)
{
	int ms;

	pthread_mutex_lock(&d->lock);
	ms = d->reconnect_ms;
	pthread_mutex_unlock(&d->lock);
	return ms > 0 ? ms : 1000;
}

static void *gw_dir_main(void *arg)
{
	struct gw_directory *d = arg;
	struct timespec first, due, retry;
	bool dirty = false;

	deadline_in(&retry, 0);
	while (!atomic_load(&d->stop)) {
		struct pollfd pfd[2] = {{d->wake_fd, POLLIN, 0}, {-1, POLLIN, 0}};
		long timeout = -1;

		gw_dir_bury(d);
		if (!d->sess && deadline_left_ms(&retry) <= 0) {
			if (gw_dir_connect(d) == 0) {
				dirty = true; /* catch up on what changed while away */
				deadline_in(&due, 0);
				first = due;
			} else {
				gw_dir_from_cache(d);
				deadline_in(&retry, gw_dir_reconnect_ms(d));
			}
		}
		if (d->sess && dirty && deadline_left_ms(&due) <= 0) {
			dirty = false;
			if (gw_dir_load(d) < 0) {
				deadline_in(&retry, gw_dir_reconnect_ms(d));
				if (d->sess) { /* refused, not lost: retry later */
					dirty = true;
					due = first = retry;
				}
			} else if (gw_dir_collect(d, &dirty, &first, &due) < 0) {
				/* notifications read during the load: one more reload */
				deadline_in(&retry, gw_dir_reconnect_ms(d));
			}
			continue;
		}
		if (d->sess) {
			pfd[1].fd = db_session_fd(d->sess);
			if (dirty)
				timeout = deadline_left_ms(&due);
		} else {
			timeout = deadline_left_ms(&retry);
		}
		if (poll(pfd, 2, timeout < 0 && (dirty || !d->sess) ? 0 : (int)timeout) < 0 && errno != EINTR) {
			LOG_E("directory", "poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			gw_dir_drain(d->wake_fd);
		if (atomic_exchange(&d->reconnect, false) && d->sess) {
			gw_dir_disconnect(d, "settings changed");
			deadline_in(&retry, 0);
			continue;
		}
		if (atomic_exchange(&d->reload, false)) {
			dirty = true;
			deadline_in(&due, 0);
			first = due;
		}
		if (d->sess && pfd[1].revents && gw_dir_collect(d, &dirty, &first, &due) < 0)
			deadline_in(&retry, gw_dir_reconnect_ms(d));
	}
	db_session_close(d->sess);
	d->sess = NULL;
	gw_dir_bury(d);
	return NULL;
}

/* --- Loop thread --------------------------------------------------------- */

/* Hand a generation nobody holds to the loader to free. */
static void gw_dir_bury_later(struct gw_directory *d, struct gw_dir_gen *g)
{
	g->next = atomic_load(&d->graveyard);
	while (!atomic_compare_exchange_weak(&d->graveyard, &g->next, g))
		;
	gw_dir_kick(d->wake_fd);
}

static void gw_dir_ready(void *arg, int revents)
{
	struct gw_directory *d = arg;
	struct gw_dir_gen *g, *old;
	struct dir_stats st;

	(void)revents;
	gw_dir_drain(d->ready_fd);
	g = atomic_exchange(&d->pending, NULL);
	if (!g)
		return;
	old = d->cur;
	d->cur = g;
	d->swaps++;
	dir_snapshot_stats(g->snap, &st);
	LOG_I("directory", "version %llu: %zu routes, %zu DIDs, %zu customers, %zu trunks, loaded in %u ms",
	      (unsigned long long)st.version, st.routes.routes, st.routes.dids, st.customers, st.trunks, st.load_ms);
	if (d->on_swap)
		d->on_swap(d->on_swap_arg, g->snap);
	if (!old)
		return;
	if (old->refs == 0) {
		gw_dir_bury_later(d, old);
	} else {
		old->next = d->retired;
		d->retired = old;
	}
}

static void gw_dir_copy_settings(struct gw_directory *d, const struct tandem_settings *s)
{
	snprintf(d->conninfo, sizeof(d->conninfo), "%s", s->db_conninfo);
	settings_directory_cache(s, d->cache, sizeof(d->cache));
	d->reconnect_ms = s->db_reconnect_ms;
	d->connect_timeout_ms = s->db_connect_timeout_ms;
}

int gw_directory_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_directory **out)
{
	struct gw_directory *d = calloc(1, sizeof(*d));
	int rc;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->loop = loop;
	d->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	atomic_init(&d->pending, NULL);
	atomic_init(&d->graveyard, NULL);
	atomic_init(&d->stop, false);
	atomic_init(&d->reload, false);
	atomic_init(&d->reconnect, false);
	pthread_mutex_init(&d->lock, NULL);
	gw_dir_copy_settings(d, s);
	d->state = GW_DIR_LOADING;
	if (d->ready_fd < 0 || d->wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = gw_watch_new(loop, d->ready_fd, GW_READ, gw_dir_ready, d, &d->watch)) < 0)
		goto fail;
	if ((rc = -pthread_create(&d->thread, NULL, gw_dir_main, d)) < 0)
		goto fail;
	pthread_setname_np(d->thread, "tandem-dir"); /* top -H, perf */
	d->started = true;
	*out = d;
	return 0;
fail:
	gw_directory_free(d);
	return rc;
}

void gw_directory_free(struct gw_directory *d)
{
	if (!d)
		return;
	if (d->started) {
		atomic_store(&d->stop, true);
		gw_dir_kick(d->wake_fd);
		pthread_join(d->thread, NULL);
	}
	gw_watch_free(d->watch);
	gw_dir_gen_free(atomic_exchange(&d->pending, NULL));
	gw_dir_bury(d);
	gw_dir_gen_free(d->cur);
	while (d->retired) {
		struct gw_dir_gen *next = d->retired->next;

		LOG_E("directory", "a snapshot still held (%u) at exit", d->retired->refs);
		gw_dir_gen_free(d->retired);
		d->retired = next;
	}
	if (d->ready_fd >= 0)
		close(d->ready_fd);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int gw_directory_reconfigure(struct gw_directory *d, const struct tandem_settings *s)
{
	bool changed;

	pthread_mutex_lock(&d->lock);
	changed = strcmp(d->conninfo, s->db_conninfo) != 0;
	gw_dir_copy_settings(d, s);
	pthread_mutex_unlock(&d->lock);
	if (changed) {
		LOG_N("directory", "database settings changed: reconnecting");
		atomic_store(&d->reconnect, true);
		gw_dir_kick(d->wake_fd);
	}
	return 0;
}

void gw_directory_on_swap(struct gw_directory *d, void (*cb)(void *arg, const struct dir_snapshot *now), void *arg)
{
	d->on_swap = cb;
	d->on_swap_arg = arg;
}

const struct dir_snapshot *gw_directory_current(const struct gw_directory *d)
{
	return d->cur ? d->cur->snap : NULL;
}

const struct dir_snapshot *gw_directory_acquire(struct gw_directory *d)
{
	if (!d->cur)
		return NULL;
	d->cur->refs++;
	return d->cur->snap;
}

void gw_directory_release(struct gw_directory *d, const struct dir_snapshot *snap)
{
	struct gw_dir_gen **pp;

	if (!snap)
		return;
	if (d->cur && d->cur->snap == snap && d->cur->refs > 0) {
		d->cur->refs--;
		return;
	}
	for (pp = &d->retired; *pp; pp = &(*pp)->next) {
		struct gw_dir_gen *g = *pp;

		if (g->snap != snap)
			continue;
		if (--g->refs == 0) {
			*pp = g->next;
			gw_dir_bury_later(d, g);
		}
		return;
	}
	LOG_E("directory", "release of a snapshot not held");
}

void gw_directory_reload(struct gw_directory *d)
{
	atomic_store(&d->reload, true);
	gw_dir_kick(d->wake_fd);
}

enum gw_dir_state gw_directory_state(struct gw_directory *d)
{
	enum gw_dir_state s;

	pthread_mutex_lock(&d->lock);
	s = d->state;
	pthread_mutex_unlock(&d->lock);
	return s;
}

const char *gw_dir_state_name(enum gw_dir_state s)
{
	switch (s) {
	case GW_DIR_LOADING:
		return "loading";
	case GW_DIR_READY:
		return "ready";
	case GW_DIR_STALE:
		return "stale";
	}
	return "?";
}

void gw_directory_status(struct gw_directory *d, struct ctl_out *out)
{
	unsigned long notifies, loads, failures, connects;
	enum gw_dir_state state;
	bool from_cache;
	struct dir_stats st = {0};
	char error[256], at[32] = "";
	struct tm tm;

	pthread_mutex_lock(&d->lock);
	state = d->state;
	snprintf(error, sizeof(error), "%s", d->error);
	notifies = d->notifies, loads = d->loads, failures = d->load_failures, connects = d->connects;
	from_cache = d->from_cache;
	pthread_mutex_unlock(&d->lock);
	if (d->cur) {
		dir_snapshot_stats(d->cur->snap, &st);
		gmtime_r(&st.loaded_at, &tm);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	ctl_out_kv(out, "dir_state", "%s", gw_dir_state_name(state));
	ctl_out_kv(out, "dir_version", "%llu", (unsigned long long)st.version);
	ctl_out_kv(out, "dir_routes", "%zu", st.routes.routes);
	ctl_out_kv(out, "dir_dids", "%zu", st.routes.dids);
	ctl_out_kv(out, "dir_customers", "%zu", st.customers);
	ctl_out_kv(out, "dir_trunks", "%zu", st.trunks);
	ctl_out_kv(out, "dir_loaded_at", "%s", at);
	ctl_out_kv(out, "dir_load_ms", "%u", st.load_ms);
	ctl_out_kv(out, "dir_source", "%s", !d->cur ? "" : from_cache ? "cache" : "database");
	ctl_out_kv(out, "dir_error", "%s", error);
	ctl_out_kv(out, "dir_notifies", "%lu", notifies);
	ctl_out_kv(out, "dir_loads", "%lu", loads);
	ctl_out_kv(out, "dir_load_failures", "%lu", failures);
	ctl_out_kv(out, "dir_connects", "%lu", connects);
	ctl_out_kv(out, "dir_swaps", "%lu", d->swaps);
}
