/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Non-blocking libpq connection for the daemon's event loop. */
#include "config.h"

#include "db/link.h"

#include "db/message.h"

#include "common/log.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Setup after connecting: is there a schema, which version, record the node. */
enum db_setup_step {
	DB_STEP_HAS_SCHEMA,
	DB_STEP_VERSION,
	DB_STEP_NODE,
	DB_STEP_DONE
};

struct db_link {
	char *conninfo, *node, *version;
	char started[40];
	PGconn *conn;
	enum db_link_state state;
	PostgresPollingStatusType poll;
	enum db_setup_step step;
	int flushing;
	int schema_version;
	char error[256];
	time_t since;
	void (*on_change)(void *arg, enum db_link_state old, enum db_link_state now);
	void *arg;
	/* the owner's statement in flight (UP only) */
	int busy, query_ok;
	char query_error[256];
	void (*done)(void *arg, int ok, const char *why);
	void *done_arg;
	void (*rows)(void *arg, const struct pg_result *res);
	void *rows_arg;
};

static const char db_sql_has_schema[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";
static const char db_sql_version[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
static const char db_sql_node[] = "INSERT INTO nodes (name, version, started_at) VALUES ($1, $2, $3)"
				  " ON CONFLICT (name) DO UPDATE SET version = excluded.version,"
				  " started_at = excluded.started_at, seen_at = now()";

const char *db_link_state_name(enum db_link_state s)
{
	switch (s) {
	case DB_LINK_DOWN:
		return "down";
	case DB_LINK_CONNECTING:
		return "connecting";
	case DB_LINK_SETUP:
		return "setup";
	case DB_LINK_UP:
		return "up";
	}
	return "unknown";
}

static void db_link_set_state(struct db_link *l, enum db_link_state s)
{
	enum db_link_state old = l->state;

	if (old == s)
		return;
	l->state = s;
	l->since = time(NULL);
	LOG_D("db", "state %s -> %s", db_link_state_name(old), db_link_state_name(s));
	if (l->on_change)
		l->on_change(l->arg, old, s);
}

/* Close the connection and go DOWN, keeping l->error. */
static void db_link_drop(struct db_link *l)
{
	l->busy = 0;
	if (l->conn) {
		PQfinish(l->conn);
		l->conn = NULL;
	}
	db_link_set_state(l, DB_LINK_DOWN);
}

/* Record what failed, with libpq's explanation, and drop. */
static void db_link_fail(struct db_link *l, const char *what)
{
	const char *msg = l->conn ? PQerrorMessage(l->conn) : "";

	if (*msg)
		db_message(l->error, sizeof(l->error), what, msg);
	else
		snprintf(l->error, sizeof(l->error), "%s", what);
	db_link_drop(l);
}

int db_link_new(const char *conninfo, const char *node, const char *version,
		void (*on_change)(void *arg, enum db_link_state old, enum db_link_state now), void *arg,
		struct db_link **out)
{
	struct db_link *l = calloc(1, sizeof(*l));
	struct tm tm;
	time_t now = time(NULL);

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->conninfo = strdup(conninfo);
	l->node = strdup(node);
	l->version = strdup(version);
	if (!l->conninfo || !l->node || !l->version) {
		db_link_free(l);
		return -ENOMEM;
	}
	gmtime_r(&now, &tm);
	strftime(l->started, sizeof(l->started), "%Y-%m-%d %H:%M:%S+00", &tm);
	l->schema_version = -1;
	l->since = now;
	l->on_change = on_change;
	l->arg = arg;
	*out = l;
	return 0;
}

void db_link_free(struct db_link *l)
{
	if (!l)
		return;
	if (l->conn)
		PQfinish(l->conn);
	free(l->conninfo);
	free(l->node);
	free(l->version);
	free(l);
}

int db_link_connect(struct db_link *l)
{
	if (l->state != DB_LINK_DOWN)
		return -EALREADY;
	l->conn = PQconnectStart(l->conninfo);
	if (!l->conn || PQstatus(l->conn) == CONNECTION_BAD || PQsetnonblocking(l->conn, 1) < 0) {
		db_link_fail(l, "cannot start a connection");
		return -ECONNREFUSED;
	}
	l->poll = PGRES_POLLING_WRITING;
	l->error[0] = '\0';
	db_link_set_state(l, DB_LINK_CONNECTING);
	return 0;
}

void db_link_reset(struct db_link *l, const char *why)
{
	if (l->state == DB_LINK_DOWN)
		return;
	db_link_fail(l, why);
}

int db_link_fd(const struct db_link *l)
{
	return l->conn ? PQsocket(l->conn) : -1;
}

int db_link_want(const struct db_link *l)
{
	switch (l->state) {
	case DB_LINK_DOWN:
		return 0;
	case DB_LINK_CONNECTING:
		return l->poll == PGRES_POLLING_READING ? DB_WANT_READ : DB_WANT_WRITE;
	case DB_LINK_SETUP:
	case DB_LINK_UP:
		return DB_WANT_READ | (l->flushing ? DB_WANT_WRITE : 0);
	}
	return 0;
}

static int db_link_send(struct db_link *l)
{
	const char *p[3] = {l->node, l->version, l->started};
	int ok;

	if (l->step == DB_STEP_HAS_SCHEMA)
		ok = PQsendQueryParams(l->conn, db_sql_has_schema, 0, NULL, NULL, NULL, NULL, 0);
	else if (l->step == DB_STEP_VERSION)
		ok = PQsendQueryParams(l->conn, db_sql_version, 0, NULL, NULL, NULL, NULL, 0);
	else
		ok = PQsendQueryParams(l->conn, db_sql_node, 3, NULL, p, NULL, NULL, 0);
	if (!ok)
		return -EIO;
	l->flushing = PQflush(l->conn) == 1;
	return 0;
}

/* A result of the setup query in flight. Returns 0, or -EIO. */
static int db_link_result(struct db_link *l, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		db_message(l->error, sizeof(l->error), "setup query failed", PQresultErrorMessage(res));
		return -EIO;
	}
	if (l->step == DB_STEP_HAS_SCHEMA && PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		l->schema_version = 0;
	if (l->step == DB_STEP_VERSION)
		l->schema_version = PQntuples(res) > 0 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	return 0;
}

static void db_link_setup_io(struct db_link *l)
{
	PGresult *res;

	if (l->flushing)
		l->flushing = PQflush(l->conn) == 1;
	if (!PQconsumeInput(l->conn)) {
		db_link_fail(l, "connection lost");
		return;
	}
	while (l->state == DB_LINK_SETUP && !PQisBusy(l->conn)) {
		res = PQgetResult(l->conn);
		if (res) {
			int rc = db_link_result(l, res);
			PQclear(res);
			if (rc < 0) {
				db_link_drop(l);
				return;
			}
			continue;
		}
		/* The statement is complete: next step. A database without the
		 * schema is reachable but unusable; say so and stay up (status
		 * shows it; tandemctl db migrate fixes it). */
		if (l->step == DB_STEP_HAS_SCHEMA && l->schema_version == 0) {
			snprintf(l->error, sizeof(l->error), "schema not migrated: run tandemctl db migrate");
			LOG_W("db", "%s", l->error);
			l->step = DB_STEP_DONE;
		} else {
			l->step++;
		}
		if (l->step == DB_STEP_DONE) {
			db_link_set_state(l, DB_LINK_UP);
			return;
		}
		if (db_link_send(l) < 0) {
			db_link_fail(l, "cannot send setup query");
			return;
		}
	}
}

/* Collect the results of the owner's statement; tell the owner once the
 * last one is in (it may send the next from its callback). */
static void db_link_results(struct db_link *l)
{
	while (l->busy && l->conn && !PQisBusy(l->conn)) {
		PGresult *res = PQgetResult(l->conn);

		if (res) {
			ExecStatusType st = PQresultStatus(res);

			if (st == PGRES_TUPLES_OK && l->rows)
				l->rows(l->rows_arg, res);
			if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
				l->query_ok = 0;
				db_message(l->query_error, sizeof(l->query_error), "statement refused",
					   PQresultErrorMessage(res));
			}
			PQclear(res);
			continue;
		}
		l->busy = 0;
		if (l->done)
			l->done(l->done_arg, l->query_ok, l->query_ok ? "" : l->query_error);
	}
}

int db_link_query(struct db_link *l, const char *sql, int nparams, const char *const *params)
{
	if (l->state != DB_LINK_UP)
		return -ENOTCONN;
	if (l->busy)
		return -EBUSY;
	if (!PQsendQueryParams(l->conn, sql, nparams, NULL, params, NULL, NULL, 0))
		return -EIO;
	l->busy = 1;
	l->query_ok = 1;
	l->query_error[0] = '\0';
	l->flushing = PQflush(l->conn) == 1;
	return 0;
}

int db_link_busy(const struct db_link *l)
{
	return l->busy;
}

int db_result_rows(const struct pg_result *res)
{
	return PQntuples(res);
}

const char *db_result_get(const struct pg_result *res, int r, int c)
{
	if (r < 0 || r >= PQntuples(res) || c < 0 || c >= PQnfields(res))
		return "";
	return PQgetvalue(res, r, c);
}

void db_link_on_rows(struct db_link *l, void (*rows)(void *arg, const struct pg_result *res), void *arg)
{
	l->rows = rows;
	l->rows_arg = arg;
}

void db_link_on_done(struct db_link *l, void (*done)(void *arg, int ok, const char *why), void *arg)
{
	l->done = done;
	l->done_arg = arg;
}

void db_link_io(struct db_link *l)
{
	switch (l->state) {
	case DB_LINK_DOWN:
		return;
	case DB_LINK_CONNECTING:
		l->poll = PQconnectPoll(l->conn);
		if (l->poll == PGRES_POLLING_FAILED) {
			db_link_fail(l, "connection failed");
		} else if (l->poll == PGRES_POLLING_OK) {
			l->step = DB_STEP_HAS_SCHEMA;
			l->schema_version = -1;
			db_link_set_state(l, DB_LINK_SETUP);
			if (db_link_send(l) < 0)
				db_link_fail(l, "cannot send setup query");
		}
		return;
	case DB_LINK_SETUP:
		db_link_setup_io(l);
		return;
	case DB_LINK_UP:
		if (l->flushing)
			l->flushing = PQflush(l->conn) == 1;
		if (!PQconsumeInput(l->conn) || PQstatus(l->conn) == CONNECTION_BAD) {
			db_link_fail(l, "connection lost");
			return;
		}
		db_link_results(l);
		for (PGnotify *n = PQnotifies(l->conn); l->conn && n; n = PQnotifies(l->conn))
			PQfreemem(n);
		return;
	}
}

enum db_link_state db_link_state(const struct db_link *l)
{
	return l->state;
}

const char *db_link_error(const struct db_link *l)
{
	return l->error;
}

int db_link_schema_version(const struct db_link *l)
{
	return l->schema_version;
}

time_t db_link_since(const struct db_link *l)
{
	return l->since;
}
