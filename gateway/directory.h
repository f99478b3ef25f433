/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's directory (docs/routing.md, "The directory"): a loader
 * thread with its own PostgreSQL connection LISTENs on tandem_directory,
 * loads a snapshot (db/directory.h) at start, again after each burst of
 * notifications and after each reconnect, and hands it to the event loop,
 * which swaps it in between two callbacks. While the database is away the
 * last snapshot keeps serving. The loop never waits on the loader.
 *
 * Threads: everything here is for the loop thread, except that the loader
 * runs on its own. Snapshots change only between loop callbacks, in the
 * loop's own watch on the loader's eventfd. */
#ifndef TANDEM_GW_DIRECTORY_H
#define TANDEM_GW_DIRECTORY_H

struct ctl_out;
struct dir_snapshot;
struct gw_loop;
struct tandem_settings;
struct gw_directory;

enum gw_dir_state {
	GW_DIR_LOADING, /* no snapshot yet: nothing to route with */
	GW_DIR_READY,   /* connected, listening, the last load succeeded */
	GW_DIR_STALE,   /* serving an older snapshot: database away or a load failed */
};

/* Start the loader thread with s's [database] settings (copied): conninfo,
 * reconnect_interval (between connect attempts, and before retrying a
 * failed load) and connect_timeout. Returns at once; the first snapshot
 * arrives later (gw_directory_current() is NULL until then). *out belongs
 * to the caller (gw_directory_free). Returns 0 or a negative errno. */
int gw_directory_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_directory **out);

/* Stop the loader (waits for a load in flight: bounded by the connect
 * timeout and one load) and free every snapshot. Every acquire must have
 * been released. */
void gw_directory_free(struct gw_directory *d);

/* New settings after a reload: a changed conninfo reconnects (the current
 * snapshot keeps serving meanwhile). Returns 0. */
int gw_directory_reconfigure(struct gw_directory *d, const struct tandem_settings *s);

/* cb(arg, now) runs on the loop thread each time a new snapshot becomes
 * current (now is lent, as gw_directory_current's). NULL to remove. */
void gw_directory_on_swap(struct gw_directory *d, void (*cb)(void *arg, const struct dir_snapshot *now), void *arg);

/* The current snapshot, or NULL before the first load. Lent: valid until
 * the calling loop callback returns (a swap happens only in the loader's
 * own callback). Use it for a decision made within one callback. */
const struct dir_snapshot *gw_directory_current(const struct gw_directory *d);

/* The same, held across callbacks (a call hunting through targets over
 * several SIP responses keeps its route_target pointers valid): the
 * snapshot stays alive until gw_directory_release(d, snap). NULL before
 * the first load (release(NULL) is a no-op). Loop thread only; an old
 * snapshot's memory is freed on the loader thread, never the loop's. */
const struct dir_snapshot *gw_directory_acquire(struct gw_directory *d);
void gw_directory_release(struct gw_directory *d, const struct dir_snapshot *snap);

/* Ask for a reload now (an operator's command, a test), without waiting
 * for a notification. Any thread. */
void gw_directory_reload(struct gw_directory *d);

enum gw_dir_state gw_directory_state(struct gw_directory *d);
const char *gw_dir_state_name(enum gw_dir_state s);

/* Add the directory rows to a status reply: dir_state, dir_version,
 * dir_routes, dir_dids, dir_customers, dir_trunks, dir_loaded_at,
 * dir_load_ms, dir_error, and counters (dir_notifies, dir_loads,
 * dir_load_failures, dir_connects, dir_swaps). */
void gw_directory_status(struct gw_directory *d, struct ctl_out *out);

#endif
