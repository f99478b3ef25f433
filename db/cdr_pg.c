/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CDR rows into PostgreSQL, one transaction per batch, idempotent on
 * (call_uuid, leg): a COPY straight into cdr, or, for a batch with legs
 * already there, a COPY into a session-local staging table and INSERT ...
 * SELECT ... ON CONFLICT DO NOTHING from it. */
#include "config.h"

#include "db/cdr_pg.h"

#include "db/message.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CDR_PG_NCOLS 29

struct cdr_pg {
	PGconn *conn;
	bool staged;    /* the session's staging table exists */
	bool replaying; /* the last batch met rows already in cdr */
	char *buf;      /* the batch sent, as COPY text */
	size_t cap, len;
	int sent;      /* records in it; 0: none sent */
	bool copying;  /* its COPY is on its way: the outcome is to be read */
	int done_rc;   /* else its outcome, known already: */
	int done_rows; /* rows inserted */
	char done_err[512];
};

/* The columns of table cdr a record fills, in cdr_pg_values() order. */
#define CDR_PG_COLUMNS                                                                                             \
	"call_uuid, leg, node, direction, customer, ingress, egress, span, channel, caller, callee, dialed, "      \
	"start_time, answer_time, end_time, duration_ms, billable_ms, disposition, sip_status, q850_cause, "       \
	"hangup_side, codec, sip_call_id, route, calling_category, redirecting, redirect_reason, redirect_count, " \
	"original_called"

const char *cdr_pg_columns(void)
{
	return CDR_PG_COLUMNS;
}

/* Text forms of one record's numbers, alive while its line is built. */
struct cdr_pg_row {
	char leg[24], channel[24], start[40], answer[40], end[40], dur[24], bill[24], sip[24], q850[24], cpc[24],
	    rreason[24], rcount[24];
};

int cdr_pg_connect(const char *conninfo, struct cdr_pg **out, char *err, size_t errlen)
{
	struct cdr_pg *pg = calloc(1, sizeof(*pg));
	PGresult *res;

	*out = NULL;
	if (!pg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pg->conn = PQconnectdb(conninfo ? conninfo : "");
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		db_message(err, errlen, NULL, PQerrorMessage(pg->conn));
		cdr_pg_close(pg);
		return -ECONNREFUSED;
	}
	/* Times go over as UTC text; the session zone does not matter, but a
	 * fixed one keeps the rejected-records file and logs unambiguous. */
	res = PQexec(pg->conn, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	PQclear(res);
	*out = pg;
	return 0;
}

void cdr_pg_close(struct cdr_pg *pg)
{
	if (!pg)
		return;
	PQfinish(pg->conn);
	free(pg->buf);
	free(pg);
}

/* v in decimal into buf (at least 21 bytes). The writer formats every
 * number of every record: this is cheaper than snprintf. */
static const char *cdr_pg_dec(int64_t v, char *buf)
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char tmp[20], *p = buf;
	int n = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	*p = '\0';
	return buf;
}

static void cdr_pg_digits(char *p, int v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* ms since the epoch as "YYYY-MM-DD HH:MM:SS.mmm+00" (buf: 40 bytes). */
static const char *cdr_pg_time(int64_t ms, char *buf)
{
	int64_t sec = ms / 1000, frac = ms % 1000;
	struct tm tm;
	time_t t;

	if (ms == CDR_UNSET)
		return NULL;
	if (frac < 0) {
		frac += 1000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		snprintf(buf, 40, "%lld", (long long)ms); /* not a time: the database says so */
		return buf;
	}
	memcpy(buf, "0000-00-00 00:00:00.000+00", 27);
	cdr_pg_digits(buf, tm.tm_year + 1900, 4);
	cdr_pg_digits(buf + 5, tm.tm_mon + 1, 2);
	cdr_pg_digits(buf + 8, tm.tm_mday, 2);
	cdr_pg_digits(buf + 11, tm.tm_hour, 2);
	cdr_pg_digits(buf + 14, tm.tm_min, 2);
	cdr_pg_digits(buf + 17, tm.tm_sec, 2);
	cdr_pg_digits(buf + 20, (int)frac, 3);
	return buf;
}

static const char *cdr_pg_int(int v, char *buf)
{
	return v == CDR_UNSET ? NULL : cdr_pg_dec(v, buf);
}

static const char *cdr_pg_text(const char *s)
{
	return *s ? s : NULL;
}

/* The 29 column values of one record as text (NULL for SQL NULL). */
static void cdr_pg_values(const struct cdr_record *r, struct cdr_pg_row *b, const char **v)
{
	cdr_pg_dec(r->leg, b->leg);
	cdr_pg_dec(r->duration_ms, b->dur);
	cdr_pg_dec(r->billable_ms, b->bill);
	v[0] = r->call_uuid;
	v[1] = b->leg;
	v[2] = r->node;
	v[3] = cdr_direction_name(r->direction);
	v[4] = cdr_pg_text(r->customer);
	v[5] = cdr_pg_text(r->ingress);
	v[6] = cdr_pg_text(r->egress);
	v[7] = cdr_pg_text(r->span);
	v[8] = cdr_pg_int(r->channel, b->channel);
	v[9] = cdr_pg_text(r->caller);
	v[10] = cdr_pg_text(r->callee);
	v[11] = cdr_pg_text(r->dialed);
	v[12] = cdr_pg_time(r->start_ms, b->start);
	v[13] = cdr_pg_time(r->answer_ms, b->answer);
	v[14] = cdr_pg_time(r->end_ms, b->end);
	v[15] = b->dur;
	v[16] = b->bill;
	v[17] = cdr_disposition_name(r->disposition);
	v[18] = cdr_pg_int(r->sip_status, b->sip);
	v[19] = cdr_pg_int(r->q850_cause, b->q850);
	v[20] = cdr_hangup_side_name(r->hangup_side);
	v[21] = cdr_pg_text(r->codec);
	v[22] = cdr_pg_text(r->sip_call_id);
	v[23] = cdr_pg_text(r->route);
	v[24] = cdr_pg_int(r->calling_category, b->cpc);
	v[25] = cdr_pg_text(r->redirecting);
	v[26] = cdr_pg_int(r->redirect_reason, b->rreason);
	v[27] = cdr_pg_int(r->redirect_count, b->rcount);
	v[28] = cdr_pg_text(r->original_called);
}

/* Append s to buf (len bytes) at pos; escaped in COPY text form (backslash,
 * tab, newline, carriage return) when escape. Returns the new position,
 * which passes len when it did not fit. */
static size_t cdr_pg_put(char *buf, size_t len, size_t pos, const char *s, bool escape)
{
	for (; *s; s++) {
		char esc = !escape ? 0 : *s == '\\' ? '\\' : *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : 0;

		if (esc && pos + 1 < len) {
			buf[pos] = '\\';
			buf[pos + 1] = esc;
		} else if (!esc && pos < len) {
			buf[pos] = *s;
		}
		pos += esc ? 2 : 1;
	}
	return pos;
}

size_t cdr_pg_copy_line(const struct cdr_record *r, char *line, size_t len)
{
	const char *v[CDR_PG_NCOLS];
	struct cdr_pg_row b;
	size_t pos = 0;

	cdr_pg_values(r, &b, v);
	for (int c = 0; c < CDR_PG_NCOLS; c++) {
		if (c)
			pos = cdr_pg_put(line, len, pos, "\t", false);
		pos = v[c] ? cdr_pg_put(line, len, pos, v[c], true) : cdr_pg_put(line, len, pos, "\\N", false);
	}
	pos = cdr_pg_put(line, len, pos, "\n", false);
	if (len)
		line[pos < len ? pos : len - 1] = '\0';
	return pos;
}

void cdr_pg_format(const struct cdr_record *r, char *line, size_t len)
{
	size_t n = cdr_pg_copy_line(r, line, len);

	/* Without the newline: the caller adds the reason after the columns. */
	if (n < len && n > 0)
		line[n - 1] = '\0';
}

/* A step that failed (res, which is cleared): its message in err, the
 * transaction rolled back. -EEXIST for a unique violation (SQLSTATE
 * 23505); -EINVAL when the database refused the data otherwise (class 22,
 * data exception, or 23, integrity constraint); else -EIO. */
static int cdr_pg_fail(struct cdr_pg *pg, PGresult *res, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int rc = -EIO;

	db_message(err, errlen, NULL, res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
	if (PQstatus(pg->conn) == CONNECTION_OK && state && strcmp(state, "23505") == 0)
		rc = -EEXIST;
	else if (PQstatus(pg->conn) == CONNECTION_OK && state &&
		 (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0))
		rc = -EINVAL;
	PQclear(res);
	/* Whatever the batch did is undone; a failed rollback means a lost
	 * connection, which the caller's -EIO or its next statement finds. */
	if (PQstatus(pg->conn) == CONNECTION_OK && PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	return rc;
}

/* Run sql, which must end with status want. Returns 0 (the result in *out
 * if out, else cleared) or cdr_pg_fail()'s code. */
static int cdr_pg_exec(struct cdr_pg *pg, const char *sql, ExecStatusType want, PGresult **out, char *err,
		       size_t errlen)
{
	PGresult *res = PQexec(pg->conn, sql);

	if (PQresultStatus(res) != want)
		return cdr_pg_fail(pg, res, err, errlen);
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* The batch as COPY text in pg->buf. Returns its length, or 0 when out of
 * memory. */
static size_t cdr_pg_copy_text(struct cdr_pg *pg, const struct cdr_record *recs, int n)
{
	size_t len = 0, n_line;

	for (int i = 0; i < n; i++) {
		if (pg->cap - len < CDR_PG_LINE_MAX) {
			size_t cap = pg->cap ? pg->cap * 2 : (size_t)64 * 1024;
			char *buf = realloc(pg->buf, cap);

			if (!buf)
				return 0;
			pg->buf = buf;
			pg->cap = cap;
		}
		n_line = cdr_pg_copy_line(&recs[i], pg->buf + len, pg->cap - len);
		if (n_line >= pg->cap - len) /* cannot happen: fields are bounded */
			return 0;
		len += n_line;
	}
	return len;
}

/* Send the text of the batch (pg->buf, pg->len) to COPY sql (... FROM
 * STDIN), without waiting for the outcome. Returns 0 or cdr_pg_fail()'s
 * code. */
static int cdr_pg_copy_send(struct cdr_pg *pg, const char *sql, char *err, size_t errlen)
{
	int rc = cdr_pg_exec(pg, sql, PGRES_COPY_IN, NULL, err, errlen);

	if (rc < 0)
		return rc;
	if (PQputCopyData(pg->conn, pg->buf, (int)pg->len) != 1 || PQputCopyEnd(pg->conn, NULL) != 1) {
		db_message(err, errlen, NULL, PQerrorMessage(pg->conn));
		return -EIO;
	}
	return 0;
}

/* The outcome of the COPY sent: 0 and *rows, or cdr_pg_fail()'s code. */
static int cdr_pg_copy_result(struct cdr_pg *pg, int *rows, char *err, size_t errlen)
{
	PGresult *res, *more;

	/* The COPY's result, then until NULL (the server ready again): in
	 * autocommit the commit comes after the COPY's own result, so an error
	 * or a lost connection there counts too. */
	res = PQgetResult(pg->conn);
	while ((more = PQgetResult(pg->conn))) {
		if (PQresultStatus(res) == PGRES_COMMAND_OK && PQresultStatus(more) != PGRES_COMMAND_OK) {
			PQclear(res);
			res = more;
		} else {
			PQclear(more);
		}
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return cdr_pg_fail(pg, res, err, errlen);
	*rows = atoi(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

/* The batch sent, in one transaction through the staging table, skipping
 * the legs already in cdr. */
static int cdr_pg_staged(struct cdr_pg *pg, int *inserted, char *err, size_t errlen)
{
	PGresult *res = NULL;
	int rc, rows;

	/* A temporary table: no WAL, gone with the session, and emptied by
	 * each commit. Made on first use, not at connect, so that a missing
	 * table cdr is an insert error (retried) like any other. */
	if (!pg->staged) {
		rc = cdr_pg_exec(pg,
				 "CREATE TEMP TABLE cdr_stage ON COMMIT DELETE ROWS AS SELECT " CDR_PG_COLUMNS
				 " FROM cdr WITH NO DATA",
				 PGRES_COMMAND_OK, NULL, err, errlen);
		if (rc < 0)
			return -EIO; /* schema or connection: retry later */
		pg->staged = true;
	}
	rc = cdr_pg_exec(pg, "BEGIN", PGRES_COMMAND_OK, NULL, err, errlen);
	if (rc == 0)
		rc = cdr_pg_copy_send(pg, "COPY cdr_stage (" CDR_PG_COLUMNS ") FROM STDIN", err, errlen);
	if (rc == 0)
		rc = cdr_pg_copy_result(pg, &rows, err, errlen);
	if (rc == 0)
		rc = cdr_pg_exec(pg,
				 "INSERT INTO cdr (" CDR_PG_COLUMNS ") SELECT " CDR_PG_COLUMNS
				 " FROM cdr_stage ON CONFLICT (call_uuid, leg) DO NOTHING",
				 PGRES_COMMAND_OK, &res, err, errlen);
	if (rc < 0) {
		if (PQstatus(pg->conn) == CONNECTION_OK && PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
			PQclear(PQexec(pg->conn, "ROLLBACK"));
		return rc == -EEXIST ? -EINVAL : rc;
	}
	rows = atoi(PQcmdTuples(res));
	PQclear(res);
	/* An aborted transaction "commits" as ROLLBACK: only COMMIT counts. */
	rc = cdr_pg_exec(pg, "COMMIT", PGRES_COMMAND_OK, &res, err, errlen);
	if (rc < 0)
		return rc == -EEXIST ? -EINVAL : rc;
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		snprintf(err, errlen, "the transaction ended with %s", PQcmdStatus(res));
		PQclear(res);
		return -EIO;
	}
	PQclear(res);
	*inserted = rows;
	return 0;
}

int cdr_pg_send(struct cdr_pg *pg, const struct cdr_record *recs, int n, char *err, size_t errlen)
{
	int rc;

	if (pg->sent) {
		snprintf(err, errlen, "a batch is in flight already");
		return -EBUSY;
	}
	if (n <= 0)
		return 0;
	if (n > CDR_PG_BATCH_MAX) {
		snprintf(err, errlen, "batch of %d records exceeds %d", n, CDR_PG_BATCH_MAX);
		return -EINVAL;
	}
	pg->len = cdr_pg_copy_text(pg, recs, n);
	if (!pg->len) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pg->sent = n;
	/* Straight into cdr with one COPY, a transaction of its own, unless
	 * the last batches met rows already there: the unique index on
	 * (call_uuid, leg) refuses the whole COPY if any leg is there, and
	 * nothing is written. Such a batch (a replay, or a leg twice in a
	 * batch) goes through the staging table, at once. */
	if (!pg->replaying) {
		rc = cdr_pg_copy_send(pg, "COPY cdr (" CDR_PG_COLUMNS ") FROM STDIN", err, errlen);
		if (rc < 0) {
			pg->sent = 0;
			return -EIO; /* not the data: nothing of it was sent */
		}
		pg->copying = true;
		return 0;
	}
	pg->copying = false;
	pg->done_rows = 0;
	pg->done_rc = cdr_pg_staged(pg, &pg->done_rows, pg->done_err, sizeof(pg->done_err));
	if (pg->done_rc == 0)
		pg->replaying = pg->done_rows < n;
	return 0;
}

int cdr_pg_wait(struct cdr_pg *pg, int *inserted, char *err, size_t errlen)
{
	int n = pg->sent, rc, rows = 0;

	*inserted = 0;
	pg->sent = 0;
	if (!n)
		return 0;
	if (!pg->copying) {
		if (pg->done_rc < 0)
			snprintf(err, errlen, "%s", pg->done_err);
		*inserted = pg->done_rows;
		return pg->done_rc;
	}
	pg->copying = false;
	rc = cdr_pg_copy_result(pg, &rows, err, errlen);
	if (rc == 0 && rows != n) {
		snprintf(err, errlen, "COPY of %d records reported %d rows", n, rows);
		return -EIO;
	}
	if (rc != -EEXIST) {
		*inserted = rc == 0 ? rows : 0;
		return rc;
	}
	/* Some leg is there already: nothing was written. Again, skipping
	 * those (the text is still in pg->buf). */
	pg->replaying = true;
	rc = cdr_pg_staged(pg, &rows, err, errlen);
	if (rc == 0) {
		*inserted = rows;
		pg->replaying = rows < n;
	}
	return rc;
}

int cdr_pg_insert(struct cdr_pg *pg, const struct cdr_record *recs, int n, int *inserted, char *err, size_t errlen)
{
	int rc = cdr_pg_send(pg, recs, n, err, errlen);

	*inserted = 0;
	return rc < 0 ? rc : cdr_pg_wait(pg, inserted, err, errlen);
}
