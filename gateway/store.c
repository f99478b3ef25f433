/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Database glue: drives db_link from the loop, with connect timeout and
 * reconnect timers. */
#include "config.h"

#include "gateway/store.h"

#include "common/ctl.h"
#include "db/link.h"
#include "common/log.h"
#include "gateway/loop.h"
#include "db/migrate.h"
#include "common/settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A queued write. */
struct gw_store_stmt {
	struct gw_store_stmt *next;
	const char *sql;
	int nparams;
	char *params[GW_STORE_MAX_PARAMS];
	void (*fn)(void *arg, const struct gw_rows *rows); /* a read: its rows go here */
	void *arg;
	int answered; /* fn had its rows */
};

/* A read's rows: libpq's result, lent. */
struct gw_rows {
	const struct pg_result *res;
};

struct gw_store {
	struct gw_loop *loop;
	struct db_link *link;
	struct gw_watch *watch;
	int watch_fd;
	struct gw_timer *retry, *timeout;
	char conninfo[1024];
	char node[64];
	int reconnect_ms, connect_timeout_ms;
	unsigned long connects;
	char last_failure[256]; /* the last reason logged, to log each once */
	struct gw_store_stmt *head, *tail;
	size_t queued;
	int inflight; /* head was sent and has not completed */
	unsigned long written, refused, dropped;
	int dropping; /* dropped since the last connect: logged once */
};

static void gw_store_stmt_free(struct gw_store_stmt *q)
{
	if (q->fn && !q->answered)
		q->fn(q->arg, NULL);
	for (int i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q);
}

static void gw_store_pop(struct gw_store *st)
{
	struct gw_store_stmt *q = st->head;

	st->head = q->next;
	if (!st->head)
		st->tail = NULL;
	st->queued--;
	gw_store_stmt_free(q);
}

/* Send the head of the queue when the connection is up and idle. */
static void gw_store_kick(struct gw_store *st)
{
	int rc;

	if (!st->head || st->inflight || db_link_state(st->link) != DB_LINK_UP || db_link_busy(st->link))
		return;
	rc = db_link_query(st->link, st->head->sql, st->head->nparams, (const char *const *)st->head->params);
	if (rc == 0)
		st->inflight = 1;
	else if (rc == -EIO)
		db_link_reset(st->link, "cannot send a statement");
}

static void gw_store_rows(void *arg, const struct pg_result *res)
{
	struct gw_store *st = arg;
	struct gw_rows rows = {res};

	if (!st->inflight || !st->head || !st->head->fn || st->head->answered)
		return;
	st->head->answered = 1;
	st->head->fn(st->head->arg, &rows);
}

int gw_rows_count(const struct gw_rows *rows)
{
	return db_result_rows(rows->res);
}

const char *gw_rows_get(const struct gw_rows *rows, int r, int c)
{
	return db_result_get(rows->res, r, c);
}

static void gw_store_done(void *arg, int ok, const char *why)
{
	struct gw_store *st = arg;

	st->inflight = 0;
	if (!st->head)
		return;
	if (ok) {
		st->written++;
	} else {
		st->refused++;
		LOG_W("db", "%s; dropped", why);
	}
	gw_store_pop(st);
	gw_store_kick(st);
}

static void gw_store_sync(struct gw_store *st);

int gw_store_exec(struct gw_store *st, const char *sql, int nparams, const char *const *params)
{
	return gw_store_query(st, sql, nparams, params, NULL, NULL);
}

int gw_store_query(struct gw_store *st, const char *sql, int nparams, const char *const *params,
		   void (*fn)(void *arg, const struct gw_rows *rows), void *arg)
{
	struct gw_store_stmt *q;

	if (!sql || nparams < 0 || nparams > GW_STORE_MAX_PARAMS)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->sql = sql;
	for (int i = 0; i < nparams; i++) {
		if (params[i] && !(q->params[i] = strdup(params[i]))) {
			q->nparams = i;
			gw_store_stmt_free(q);
			return -ENOMEM;
		}
	}
	q->nparams = nparams;
	q->fn = fn;
	q->arg = arg;
	/* Full: the oldest not in flight goes (the database has been away long). */
	if (st->queued >= GW_STORE_MAX_QUEUED) {
		struct gw_store_stmt **pp = st->inflight ? &st->head->next : &st->head, *old = *pp;

		if (old) {
			*pp = old->next;
			if (st->tail == old)
				st->tail = st->inflight ? st->head : NULL;
			st->queued--;
			gw_store_stmt_free(old);
			st->dropped++;
			if (!st->dropping++)
				LOG_W("db", "more than %d writes waiting for the database: dropping the oldest",
				      GW_STORE_MAX_QUEUED);
		}
	}
	if (st->tail)
		st->tail->next = q;
	else
		st->head = q;
	st->tail = q;
	st->queued++;
	gw_store_kick(st);
	gw_store_sync(st);
	return 0;
}

static void gw_store_io(void *arg, int revents)
{
	struct gw_store *st = arg;

	(void)revents;
	db_link_io(st->link);
	gw_store_sync(st);
}

/* Make the loop watch what the link wants now. */
static void gw_store_sync(struct gw_store *st)
{
	int fd = db_link_fd(st->link), want = db_link_want(st->link), ev = 0;

	if (want & DB_WANT_READ)
		ev |= GW_READ;
	if (want & DB_WANT_WRITE)
		ev |= GW_WRITE;
	if (st->watch && (fd != st->watch_fd || !want)) {
		gw_watch_free(st->watch);
		st->watch = NULL;
	}
	if (fd < 0 || !want)
		return;
	if (!st->watch) {
		if (gw_watch_new(st->loop, fd, ev, gw_store_io, st, &st->watch) < 0) {
			db_link_reset(st->link, "cannot watch the database socket");
			gw_timer_start(st->retry, (unsigned)st->reconnect_ms);
			return;
		}
		st->watch_fd = fd;
	} else {
		gw_watch_set(st->watch, ev);
	}
}

/* Log a failed attempt once per distinct reason, not every retry. */
static void gw_store_log_failure(struct gw_store *st, const char *what)
{
	const char *why = db_link_error(st->link);

	if (strcmp(why, st->last_failure) == 0) {
		LOG_D("db", "%s: %s; retrying in %d ms", what, why, st->reconnect_ms);
		return;
	}
	snprintf(st->last_failure, sizeof(st->last_failure), "%s", why);
	LOG_W("db", "%s: %s; retrying every %d ms", what, why, st->reconnect_ms);
}

static void gw_store_connect(void *arg)
{
	struct gw_store *st = arg;

	if (db_link_connect(st->link) == 0) {
		gw_timer_start(st->timeout, (unsigned)st->connect_timeout_ms);
	} else {
		/* Refused before any I/O (no socket there): still DOWN, so no
		 * state change will restart the timer; do it here. */
		gw_store_log_failure(st, "cannot connect");
		gw_timer_start(st->retry, (unsigned)st->reconnect_ms);
	}
	gw_store_sync(st);
}

static void gw_store_timeout(void *arg)
{
	struct gw_store *st = arg;

	if (db_link_state(st->link) == DB_LINK_UP || db_link_state(st->link) == DB_LINK_DOWN)
		return;
	db_link_reset(st->link, "connection attempt timed out");
	gw_store_sync(st);
}

static void gw_store_changed(void *arg, enum db_link_state old, enum db_link_state now)
{
	struct gw_store *st = arg;

	if (now == DB_LINK_UP) {
		gw_timer_stop(st->timeout);
		st->last_failure[0] = '\0';
		st->connects++;
		if (db_link_schema_version(st->link) < (int)db_migrations_builtin_count)
			LOG_W("db", "connected; schema version %d, this build expects %zu: run tandemctl db migrate",
			      db_link_schema_version(st->link), db_migrations_builtin_count);
		else
			LOG_N("db", "connected; schema version %d", db_link_schema_version(st->link));
		st->dropping = 0;
		gw_store_kick(st);
	} else if (now == DB_LINK_DOWN) {
		gw_timer_stop(st->timeout);
		st->inflight = 0; /* the head is sent again after the reconnect */
		if (old == DB_LINK_UP || old == DB_LINK_SETUP) {
			LOG_E("db", "database lost: %s; retrying every %d ms", db_link_error(st->link),
			      st->reconnect_ms);
			snprintf(st->last_failure, sizeof(st->last_failure), "%s", db_link_error(st->link));
		} else {
			gw_store_log_failure(st, "cannot connect");
		}
		gw_timer_start(st->retry, (unsigned)st->reconnect_ms);
	}
}

static int gw_store_link(struct gw_store *st)
{
	int rc = db_link_new(st->conninfo, st->node, PACKAGE_VERSION, gw_store_changed, st, &st->link);

	if (rc == 0) {
		db_link_on_done(st->link, gw_store_done, st);
		db_link_on_rows(st->link, gw_store_rows, st);
	}
	return rc;
}

int gw_store_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_store **out)
{
	struct gw_store *st = calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	st->loop = loop;
	st->watch_fd = -1;
	snprintf(st->conninfo, sizeof(st->conninfo), "%s", s->db_conninfo);
	snprintf(st->node, sizeof(st->node), "%s", s->node);
	st->reconnect_ms = s->db_reconnect_ms;
	st->connect_timeout_ms = s->db_connect_timeout_ms;
	if ((rc = gw_timer_new(loop, gw_store_connect, st, &st->retry)) < 0 ||
	    (rc = gw_timer_new(loop, gw_store_timeout, st, &st->timeout)) < 0 || (rc = gw_store_link(st)) < 0) {
		gw_store_free(st);
		return rc;
	}
	gw_store_connect(st);
	*out = st;
	return 0;
}

void gw_store_free(struct gw_store *st)
{
	if (!st)
		return;
	gw_watch_free(st->watch);
	gw_timer_free(st->retry);
	gw_timer_free(st->timeout);
	db_link_free(st->link);
	while (st->head) {
		st->head->answered = 1; /* no callbacks any more */
		gw_store_pop(st);
	}
	free(st);
}

int gw_store_reconfigure(struct gw_store *st, const struct tandem_settings *s)
{
	st->reconnect_ms = s->db_reconnect_ms;
	st->connect_timeout_ms = s->db_connect_timeout_ms;
	if (strcmp(st->conninfo, s->db_conninfo) == 0 && strcmp(st->node, s->node) == 0)
		return 0;
	LOG_N("db", "database settings changed: reconnecting");
	snprintf(st->conninfo, sizeof(st->conninfo), "%s", s->db_conninfo);
	snprintf(st->node, sizeof(st->node), "%s", s->node);
	gw_watch_free(st->watch);
	st->watch = NULL;
	gw_timer_stop(st->retry);
	gw_timer_stop(st->timeout);
	db_link_free(st->link);
	st->link = NULL;
	st->inflight = 0;
	if (gw_store_link(st) < 0)
		return -ENOMEM;
	gw_store_connect(st);
	return 0;
}

void gw_store_status(const struct gw_store *st, struct ctl_out *out)
{
	char since[32];
	time_t t = db_link_since(st->link);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ctl_out_kv(out, "db_state", "%s", db_link_state_name(db_link_state(st->link)));
	ctl_out_kv(out, "db_since", "%s", since);
	ctl_out_kv(out, "db_error", "%s", db_link_error(st->link));
	ctl_out_kv(out, "db_connects", "%lu", st->connects);
	ctl_out_kv(out, "schema_version", "%d", db_link_schema_version(st->link));
	ctl_out_kv(out, "schema_expected", "%zu", db_migrations_builtin_count);
	ctl_out_kv(out, "db_writes_queued", "%zu", st->queued);
	ctl_out_kv(out, "db_writes", "%lu", st->written);
	ctl_out_kv(out, "db_writes_refused", "%lu", st->refused);
	ctl_out_kv(out, "db_writes_dropped", "%lu", st->dropped);
}
