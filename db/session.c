/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Blocking libpq session: every statement parameterised (PQexecParams). */
#include "config.h"

#include "db/session.h"

#include "db/message.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db_session {
	PGconn *conn; /* NULL: rows come from source */
	db_session_tap_fn *tap;
	void *tap_arg;
	db_session_source_fn *source;
	void *source_arg;
};

void db_session_set_tap(struct db_session *s, db_session_tap_fn *tap, void *arg)
{
	s->tap = tap;
	s->tap_arg = arg;
}

int db_session_open_source(db_session_source_fn *source, void *arg, struct db_session **out)
{
	struct db_session *s = calloc(1, sizeof(*s));

	*out = s;
	if (!s)
		return -ENOMEM;
	s->source = source;
	s->source_arg = arg;
	return 0;
}

/* timeout_ms <= 0: libpq's default (none, or conninfo's). */
static int db_session_connect(const char *conninfo, int timeout_ms, struct db_session **out, char *err, size_t errlen)
{
	struct db_session *s = calloc(1, sizeof(*s));
	const char *keys[] = {"dbname", "connect_timeout", NULL};
	const char *vals[] = {conninfo ? conninfo : "", NULL, NULL};
	char secs[16];
	PGresult *res;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* conninfo expands in place of dbname; the later keyword wins. */
	snprintf(secs, sizeof(secs), "%d", timeout_ms < 2000 ? 2 : (timeout_ms + 999) / 1000);
	vals[1] = secs;
	if (timeout_ms <= 0)
		keys[1] = NULL;
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		db_message(err, errlen, NULL, PQerrorMessage(s->conn));
		db_session_close(s);
		return -ECONNREFUSED;
	}
	/* Quiet NOTICEs ("relation already exists, skipping") on stderr. */
	res = PQexec(s->conn, "SET client_min_messages = warning");
	PQclear(res);
	*out = s;
	return 0;
}

int db_session_open(const char *conninfo, struct db_session **out, char *err, size_t errlen)
{
	return db_session_connect(conninfo, 0, out, err, errlen);
}

int db_session_open_timeout(const char *conninfo, int timeout_ms, struct db_session **out, char *err, size_t errlen)
{
	return db_session_connect(conninfo, timeout_ms > 0 ? timeout_ms : 1, out, err, errlen);
}

int db_session_fd(const struct db_session *s)
{
	return PQsocket(s->conn);
}

int db_session_alive(const struct db_session *s)
{
	return PQstatus(s->conn) == CONNECTION_OK;
}

int db_session_notifies(struct db_session *s, const char *channel, unsigned *count, char *err, size_t errlen)
{
	PGnotify *n;

	*count = 0;
	if (!PQconsumeInput(s->conn) || PQstatus(s->conn) != CONNECTION_OK) {
		db_message(err, errlen, NULL, PQerrorMessage(s->conn));
		return -EIO;
	}
	while ((n = PQnotifies(s->conn))) {
		if (strcmp(n->relname, channel) == 0)
			(*count)++;
		PQfreemem(n);
	}
	return 0;
}

void db_session_close(struct db_session *s)
{
	if (!s)
		return;
	PQfinish(s->conn);
	free(s);
}

static PGresult *db_run(struct db_session *s, const char *sql, int nparams, const char *const *params, char *err,
			size_t errlen)
{
	PGresult *res = PQexecParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	db_message(err, errlen, NULL, res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn));
	PQclear(res);
	return NULL;
}

int db_session_value(struct db_session *s, const char *sql, int nparams, const char *const *params, char *val,
		     size_t vallen, char *err, size_t errlen)
{
	PGresult *res = db_run(s, sql, nparams, params, err, errlen);

	if (!res)
		return -EIO;
	if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
		snprintf(val, vallen, "%s", PQgetvalue(res, 0, 0));
	else if (vallen)
		val[0] = '\0';
	PQclear(res);
	return 0;
}

int db_session_exec(struct db_session *s, const char *sql, int nparams, const char *const *params, char *err,
		    size_t errlen)
{
	PGresult *res;

	if (s->source)
		return 0; /* BEGIN, COMMIT: the recording is one snapshot already */
	if (!(res = db_run(s, sql, nparams, params, err, errlen)))
		return -EIO;
	PQclear(res);
	return 0;
}

int db_session_script(struct db_session *s, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		db_message(err, errlen, NULL, res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn));
		rc = -EIO;
	}
	PQclear(res);
	return rc;
}

int db_session_rows(struct db_session *s, const char *sql, int nparams, const char *const *params,
		    int (*row)(void *arg, int ncols, const char *const *vals), void *arg, char *err, size_t errlen)
{
	PGresult *res;
	const char **vals = NULL;
	int rc = 0, nf;

	if (s->source)
		return s->source(s->source_arg, sql, row, arg, err, errlen);
	if (!(res = db_run(s, sql, nparams, params, err, errlen)))
		return -EIO;
	if (s->tap)
		s->tap(s->tap_arg, sql, -1, NULL);
	nf = PQnfields(res);
	vals = calloc((size_t)nf + 1, sizeof(*vals));
	if (!vals) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int r = 0; r < PQntuples(res) && rc == 0; r++) {
		for (int c = 0; c < nf; c++)
			vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		if (s->tap)
			s->tap(s->tap_arg, sql, nf, vals);
		rc = row(arg, nf, vals);
	}
out:
	free(vals);
	PQclear(res);
	return rc;
}

int db_session_stream(struct db_session *s, const char *sql, int nparams, const char *const *params,
		      int (*row)(void *arg, int ncols, const char *const *vals), void *arg, char *err, size_t errlen)
{
	const char *vals[64];
	PGresult *res;
	int rc = 0, failed = 0;

	if (s->source)
		return s->source(s->source_arg, sql, row, arg, err, errlen);
	if (s->tap)
		s->tap(s->tap_arg, sql, -1, NULL);
	if (!PQsendQueryParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(s->conn)) {
		db_message(err, errlen, NULL, PQerrorMessage(s->conn));
		while ((res = PQgetResult(s->conn)))
			PQclear(res);
		return -EIO;
	}
	/* One PGresult per row, then an empty PGRES_TUPLES_OK; read them all
	 * even after row() stops, so the connection stays usable. */
	while ((res = PQgetResult(s->conn))) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE && rc == 0 && !failed) {
			int nf = PQnfields(res) < 64 ? PQnfields(res) : 64;
			for (int c = 0; c < nf; c++)
				vals[c] = PQgetisnull(res, 0, c) ? NULL : PQgetvalue(res, 0, c);
			if (s->tap)
				s->tap(s->tap_arg, sql, nf, vals);
			rc = row(arg, nf, vals);
			if (rc)
				PQrequestCancel(s->conn);
		} else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && rc == 0 &&
			   !failed) {
			db_message(err, errlen, NULL, PQresultErrorMessage(res));
			failed = 1;
		}
		PQclear(res);
	}
	return rc ? rc : failed ? -EIO : 0;
}

int db_text_int64(const char *text, int64_t *v)
{
	char *end;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	*v = strtoll(text, &end, 10);
	return errno || *end ? -EINVAL : 0;
}
