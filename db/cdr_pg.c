/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CDR rows into PostgreSQL: one parameterised multi-row INSERT per batch,
 * idempotent on (call_uuid, leg). */
#include "config.h"

#include "db/cdr_pg.h"

#include "db/message.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CDR_PG_NCOLS 24

struct cdr_pg {
	PGconn *conn;
};

/* Column name and the type its text parameter is cast to. */
static const struct {
	const char *name, *type;
} cdr_pg_cols[CDR_PG_NCOLS] = {
    {"call_uuid", "uuid"},
    {"leg", "integer"},
    {"node", "text"},
    {"direction", "text"},
    {"customer", "text"},
    {"ingress", "text"},
    {"egress", "text"},
    {"span", "text"},
    {"channel", "integer"},
    {"caller", "text"},
    {"callee", "text"},
    {"dialed", "text"},
    {"start_time", "timestamptz"},
    {"answer_time", "timestamptz"},
    {"end_time", "timestamptz"},
    {"duration_ms", "bigint"},
    {"billable_ms", "bigint"},
    {"disposition", "text"},
    {"sip_status", "integer"},
    {"q850_cause", "integer"},
    {"hangup_side", "text"},
    {"codec", "text"},
    {"sip_call_id", "text"},
    {"route", "text"},
};

/* Text forms of one record's numbers, alive while the statement runs. */
struct cdr_pg_row {
	char leg[16], channel[16], start[40], answer[40], end[40], dur[24], bill[24], sip[16], q850[16];
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
	free(pg);
}

/* ms since the epoch as "YYYY-MM-DD HH:MM:SS.mmm+00". */
static const char *cdr_pg_time(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (ms == CDR_UNSET)
		return NULL;
	gmtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03d+00", (int)(ms % 1000));
	return buf;
}

static const char *cdr_pg_int(int v, char *buf, size_t len)
{
	if (v == CDR_UNSET)
		return NULL;
	snprintf(buf, len, "%d", v);
	return buf;
}

static const char *cdr_pg_text(const char *s)
{
	return *s ? s : NULL;
}

/* The 24 parameter values of one record (NULL for SQL NULL). */
static void cdr_pg_values(const struct cdr_record *r, struct cdr_pg_row *b, const char **v)
{
	snprintf(b->leg, sizeof(b->leg), "%d", r->leg);
	snprintf(b->dur, sizeof(b->dur), "%lld", (long long)r->duration_ms);
	snprintf(b->bill, sizeof(b->bill), "%lld", (long long)r->billable_ms);
	v[0] = r->call_uuid;
	v[1] = b->leg;
	v[2] = r->node;
	v[3] = cdr_direction_name(r->direction);
	v[4] = cdr_pg_text(r->customer);
	v[5] = cdr_pg_text(r->ingress);
	v[6] = cdr_pg_text(r->egress);
	v[7] = cdr_pg_text(r->span);
	v[8] = cdr_pg_int(r->channel, b->channel, sizeof(b->channel));
	v[9] = cdr_pg_text(r->caller);
	v[10] = cdr_pg_text(r->callee);
	v[11] = cdr_pg_text(r->dialed);
	v[12] = cdr_pg_time(r->start_ms, b->start, sizeof(b->start));
	v[13] = cdr_pg_time(r->answer_ms, b->answer, sizeof(b->answer));
	v[14] = cdr_pg_time(r->end_ms, b->end, sizeof(b->end));
	v[15] = b->dur;
	v[16] = b->bill;
	v[17] = cdr_disposition_name(r->disposition);
	v[18] = cdr_pg_int(r->sip_status, b->sip, sizeof(b->sip));
	v[19] = cdr_pg_int(r->q850_cause, b->q850, sizeof(b->q850));
	v[20] = cdr_hangup_side_name(r->hangup_side);
	v[21] = cdr_pg_text(r->codec);
	v[22] = cdr_pg_text(r->sip_call_id);
	v[23] = cdr_pg_text(r->route);
}

void cdr_pg_format(const struct cdr_record *r, char *line, size_t len)
{
	const char *v[CDR_PG_NCOLS];
	struct cdr_pg_row b;
	size_t pos = 0;

	cdr_pg_values(r, &b, v);
	line[0] = '\0';
	for (int c = 0; c < CDR_PG_NCOLS && pos < len; c++) {
		int n = snprintf(line + pos, len - pos, "%s%s", c ? "\t" : "", v[c] ? v[c] : "\\N");

		if (n < 0)
			break;
		pos += (size_t)n;
	}
}

/* INSERT INTO cdr (cols) VALUES ($1::uuid, ...), ... ON CONFLICT DO NOTHING */
static char *cdr_pg_sql(int n)
{
	size_t cap = 512 + (size_t)n * CDR_PG_NCOLS * 24, pos = 0;
	char *sql = malloc(cap);

	if (!sql)
		return NULL;
	pos += (size_t)snprintf(sql + pos, cap - pos, "INSERT INTO cdr (");
	for (int c = 0; c < CDR_PG_NCOLS; c++)
		pos += (size_t)snprintf(sql + pos, cap - pos, "%s%s", c ? ", " : "", cdr_pg_cols[c].name);
	pos += (size_t)snprintf(sql + pos, cap - pos, ") VALUES ");
	for (int i = 0; i < n; i++) {
		for (int c = 0; c < CDR_PG_NCOLS; c++)
			pos += (size_t)snprintf(sql + pos, cap - pos, "%s$%d::%s", c ? ", " : (i ? "), (" : "("),
						i * CDR_PG_NCOLS + c + 1, cdr_pg_cols[c].type);
	}
	snprintf(sql + pos, cap - pos, ") ON CONFLICT (call_uuid, leg) DO NOTHING");
	return sql;
}

int cdr_pg_insert(struct cdr_pg *pg, const struct cdr_record *recs, int n, int *inserted, char *err, size_t errlen)
{
	struct cdr_pg_row *rows = NULL;
	const char **vals = NULL;
	char *sql = NULL;
	PGresult *res = NULL;
	const char *state;
	int rc = 0;

	*inserted = 0;
	if (n <= 0)
		return 0;
	if (n > CDR_PG_BATCH_MAX) {
		snprintf(err, errlen, "batch of %d records exceeds %d", n, CDR_PG_BATCH_MAX);
		return -EINVAL;
	}
	rows = calloc((size_t)n, sizeof(*rows));
	vals = calloc((size_t)n * CDR_PG_NCOLS, sizeof(*vals));
	sql = cdr_pg_sql(n);
	if (!rows || !vals || !sql) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		cdr_pg_values(&recs[i], &rows[i], vals + (size_t)i * CDR_PG_NCOLS);
	res = PQexecParams(pg->conn, sql, n * CDR_PG_NCOLS, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		*inserted = atoi(PQcmdTuples(res));
		goto out;
	}
	db_message(err, errlen, NULL, res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* SQLSTATE class 22 (data exception), 23 (integrity constraint). */
	if (PQstatus(pg->conn) == CONNECTION_OK && state &&
	    (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0))
		rc = -EINVAL;
	else
		rc = -EIO;
out:
	PQclear(res);
	free(sql);
	free(vals);
	free(rows);
	return rc;
}
