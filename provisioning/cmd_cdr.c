/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl cdr export: CDRs after an id (the billing system's cursor) or
 * in a time range, as CSV (RFC 4180, a header line, CRLF) or JSON (one
 * array of objects), in id order. Rows stream through libpq's single-row
 * mode (db_session_stream), so memory stays the same for any number of
 * rows. */
#include "config.h"

#include "db/session.h"
#include "provisioning/prov.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *const cdr_cols[] = {
    "id",          "call_uuid", "leg",         "node",        "direction",   "customer",   "ingress",
    "egress",      "span",      "channel",     "caller",      "callee",      "dialed",     "start_time",
    "answer_time", "end_time",  "duration_ms", "billable_ms", "disposition", "sip_status", "q850_cause",
    "hangup_side", "codec",     "sip_call_id", "route",
};
#define CDR_NCOLS (sizeof(cdr_cols) / sizeof(cdr_cols[0]))

/* Columns JSON writes as numbers. */
static const bool cdr_numeric[CDR_NCOLS] = {
    [0] = true, [2] = true, [9] = true, [16] = true, [17] = true, [19] = true, [20] = true};

/* Times in UTC with milliseconds, whatever the session's TimeZone. */
#define CDR_TIME(c) "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define CDR_SELECT                                                                                              \
	"SELECT id, call_uuid, leg, node, direction, customer, ingress, egress, span, channel, caller, callee," \
	" dialed, " CDR_TIME("start_time") ", " CDR_TIME("answer_time") ", " CDR_TIME(                          \
	    "end_time") ","                                                                                     \
			" duration_ms, billable_ms, disposition, sip_status, q850_cause, hangup_side, codec, "  \
			"sip_call_id, route"                                                                    \
			" FROM cdr "

struct cdr_out {
	bool json;
	unsigned long long rows;
	FILE *f;
};

static void cdr_csv_field(FILE *f, const char *v)
{
	if (!v)
		return;
	if (!v[strcspn(v, ",\"\r\n")]) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static void cdr_json_string(FILE *f, const char *v)
{
	fputc('"', f);
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static int cdr_row(void *arg, int ncols, const char *const *v)
{
	struct cdr_out *o = arg;

	if (o->json) {
		fputs(o->rows ? ",\n{" : "\n{", o->f);
		for (int c = 0; c < ncols && c < (int)CDR_NCOLS; c++) {
			fprintf(o->f, "%s\"%s\": ", c ? ", " : "", cdr_cols[c]);
			if (!v[c])
				fputs("null", o->f);
			else if (cdr_numeric[c])
				fputs(v[c], o->f);
			else
				cdr_json_string(o->f, v[c]);
		}
		fputc('}', o->f);
	} else {
		for (int c = 0; c < ncols; c++) {
			if (c)
				fputc(',', o->f);
			cdr_csv_field(o->f, v[c]);
		}
		fputs("\r\n", o->f);
	}
	o->rows++;
	return ferror(o->f) ? 1 : 0;
}

/* A time the server accepts, checked before the export starts so the
 * refusal names the option. */
static int cdr_check_time(struct db_session *s, const char *field, const char *v)
{
	char err[256], got[64];
	const char *p[] = {v};

	if (!v)
		return 0;
	if (db_session_value(s, "SELECT $1::timestamptz", 1, p, got, sizeof(got), err, sizeof(err)) < 0)
		return prov_refuse("cdr export", field, v, "is not a time (e.g. 2024-05-01, 2024-05-01T12:00:00Z)");
	return 0;
}

int prov_cdr_export(struct prov_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"after-id", required_argument, NULL, 'a'}, {"since", required_argument, NULL, 's'},
	    {"until", required_argument, NULL, 'u'},    {"format", required_argument, NULL, 'f'},
	    {"stats", no_argument, NULL, 'S'},          {NULL, 0, NULL, 0},
	};
	const char *what = "cdr export", *after = NULL, *since = NULL, *until = NULL, *format = "csv";
	struct cdr_out o = {.f = stdout};
	struct db_session *s;
	struct timespec t0, t1;
	bool stats = false;
	char err[512];
	int c, rc;

	optind = 0; /* glibc starts afresh (see cmd_number.c) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			after = optarg;
			break;
		case 's':
			since = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'S':
			stats = true;
			break;
		default:
			return prov_usage(what, "unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return prov_usage(what, "unexpected argument \"%s\"", argv[optind]);
	if (!after == !since)
		return prov_usage(what, "one of --after-id or --since is required");
	if (until && !since)
		return prov_usage(what, "--until goes with --since");
	if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		return prov_refuse(what, "--format", format, "is not csv or json");
	o.json = format[0] == 'j';
	if ((rc = prov_check_int(what, "--after-id", after, 0, 0x7fffffffffffffffL)))
		return rc;
	if (prov_open(ctx, &s) < 0)
		return PROV_REFUSED;
	if ((rc = cdr_check_time(s, "--since", since)) || (rc = cdr_check_time(s, "--until", until))) {
		db_session_close(s);
		return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o.json) {
		fputs("[", o.f);
	} else {
		for (size_t i = 0; i < CDR_NCOLS; i++)
			fprintf(o.f, "%s%s", i ? "," : "", cdr_cols[i]);
		fputs("\r\n", o.f);
	}
	if (after) {
		const char *p[] = {after};
		rc = db_session_stream(s, CDR_SELECT "WHERE id > $1::bigint ORDER BY id", 1, p, cdr_row, &o, err,
				       sizeof(err));
	} else {
		const char *p[] = {since, until};
		rc = db_session_stream(s,
				       CDR_SELECT
				       "WHERE start_time >= $1::timestamptz"
				       " AND ($2::timestamptz IS NULL OR start_time < $2::timestamptz) ORDER BY id",
				       2, p, cdr_row, &o, err, sizeof(err));
	}
	if (o.json)
		fputs(o.rows ? "\n]\n" : "]\n", o.f);
	if (fflush(o.f) != 0 || rc > 0) {
		fprintf(stderr, "tandemctl: %s: cannot write the output\n", what);
		rc = PROV_REFUSED;
	} else if (rc < 0) {
		fprintf(stderr, "tandemctl: %s: %s\n", what, err);
		rc = PROV_REFUSED;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stats) {
		struct rusage ru;
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "rows %llu seconds %.3f rows_per_s %.0f max_rss_kb %ld\n", o.rows, secs,
			secs > 0 ? (double)o.rows / secs : 0.0, ru.ru_maxrss);
	}
	db_session_close(s);
	return rc;
}
