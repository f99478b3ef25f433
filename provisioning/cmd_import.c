/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl did import FILE.csv: number,customer,target[,fallback] rows
 * (RFC 4180: quoted fields may hold commas, doubled quotes and line
 * breaks; an optional header line starting "number"). Every row is
 * checked and every bad one reported with its line; then all rows go in
 * one transaction or none do. The file is streamed: rows go in batches
 * into a temporary table (parameterised, as arrays), the checks that need
 * the database (customers, DIDs already there, numbers twice in the file)
 * run there, and one INSERT ... SELECT applies them. */
#include "config.h"

#include "db/session.h"
#include "gateway/numbers.h"
#include "provisioning/csv.h"
#include "provisioning/prov.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMP_BATCH 1000

/* A batch of good rows as PostgreSQL array literals (data, not SQL). */
struct imp_batch {
	char *a[5]; /* line, number, customer, target, fallback */
	size_t len[5], cap[5];
	size_t n;
};

static int imp_append(struct imp_batch *b, int col, const char *v)
{
	size_t need = 2 * strlen(v) + 8;

	if (b->len[col] + need + 2 > b->cap[col]) {
		size_t cap = (b->cap[col] + need) * 2;
		char *a = realloc(b->a[col], cap);
		if (!a)
			return -ENOMEM;
		b->a[col] = a;
		b->cap[col] = cap;
	}
	char *p = b->a[col] + b->len[col];
	*p++ = b->n ? ',' : '{';
	if (!*v && col >= 3) {
		memcpy(p, "NULL", 4);
		p += 4;
	} else {
		*p++ = '"';
		for (; *v; v++) {
			if (*v == '"' || *v == '\\')
				*p++ = '\\';
			*p++ = *v;
		}
		*p++ = '"';
	}
	b->len[col] = (size_t)(p - b->a[col]);
	return 0;
}

static int imp_flush(struct db_session *s, struct imp_batch *b)
{
	int rc = 0;

	if (!b->n)
		return 0;
	for (int i = 0; i < 5; i++)
		strcpy(b->a[i] + b->len[i], "}");
	const char *p[] = {b->a[0], b->a[1], b->a[2], b->a[3], b->a[4]};
	rc = prov_exec(s, "did import",
		       "INSERT INTO did_import SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[],"
		       " $5::text[])",
		       5, p, NULL, 0);
	memset(b->len, 0, sizeof(b->len));
	b->n = 0;
	return rc;
}

static int imp_bad(unsigned long line, const char *field, const char *value, const char *why)
{
	fprintf(stderr, "line %lu: %s \"%s\": %s\n", line, field, value, why);
	return 1;
}

/* The checks that need no database; returns 1 when the row is bad. */
static int imp_check(const struct prov_csv_rec *r)
{
	static const char *const names[] = {"number", "customer", "target", "fallback"};

	if (r->too_long || r->n > 4)
		return imp_bad(r->line, "row", r->f[0], "has more than 4 fields or a field over 1024 characters");
	if (r->n < 3)
		return imp_bad(r->line, "row", r->f[0], "has fewer than 3 fields (number,customer,target[,fallback])");
	if (!num_is_e164(r->f[0]))
		return imp_bad(r->line, "number", r->f[0], "not E.164");
	if (!r->f[1][0] || strlen(r->f[1]) > 63 || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", r->f[1][0]) ||
	    strspn(r->f[1], "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(r->f[1]))
		return imp_bad(r->line, "customer", r->f[1], "not a customer name");
	for (int i = 2; i < r->n; i++) {
		const char *v = r->f[i];
		if (!*v)
			continue;
		if (strncmp(v, "sip:", 4) != 0 && strncmp(v, "sips:", 5) != 0)
			return imp_bad(r->line, names[i], v, "not a SIP URI (sip:... or sips:...)");
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				return imp_bad(r->line, names[i], v, "contains a space or a control character");
	}
	return 0;
}

/* Report rows the database finds bad: (line, field, value, why). */
static int imp_report(void *arg, int ncols, const char *const *v)
{
	unsigned long *bad = arg;

	if (ncols == 4) {
		fprintf(stderr, "line %s: %s \"%s\": %s\n", v[0], v[1], v[2] ? v[2] : "", v[3]);
		(*bad)++;
	}
	return 0;
}

int prov_did_import(struct prov_ctx *ctx, int argc, char **argv)
{
	const char *what = "did import", *path;
	struct imp_batch b = {0};
	struct prov_csv_rec *r = NULL;
	struct db_session *s = NULL;
	unsigned long line = 1, bad = 0, rows = 0;
	char err[512], n[32];
	FILE *f;
	int rc;

	optind = 0; /* glibc starts afresh (see cmd_number.c) */
	opterr = 0;
	if (getopt_long(argc, argv, "", (const struct option[]){{NULL, 0, NULL, 0}}, NULL) != -1)
		return prov_usage(what, "unknown option \"%s\"", argv[optind - 1]);
	if (argc - optind != 1)
		return prov_usage(what, "one FILE.csv ('-' for standard input)");
	path = argv[optind];
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "tandemctl: %s: %s: %s\n", what, path, strerror(errno));
		return PROV_REFUSED;
	}
	r = malloc(sizeof(*r));
	if (!r || prov_open(ctx, &s) < 0) {
		rc = PROV_REFUSED;
		goto out;
	}
	rc = prov_begin(s, what);
	if (!rc)
		rc = prov_exec(
		    s, what,
		    "CREATE TEMPORARY TABLE did_import (line integer, number text, customer text, target text,"
		    " fallback text) ON COMMIT DROP",
		    0, NULL, NULL, 0);
	while (!rc) {
		int got = prov_csv_read(f, &line, r);
		if (got == 0)
			break;
		if (r->line == 1 && r->n >= 1 && strcasecmp(r->f[0], "number") == 0)
			continue; /* the header */
		if (r->n == 1 && r->len[0] == 0)
			continue; /* an empty line */
		rows++;
		if (got < 0) {
			bad += (unsigned long)imp_bad(r->line, "row", r->f[0], "a quote out of place (RFC 4180)");
			continue;
		}
		if (imp_check(r)) {
			bad++;
			continue;
		}
		char ln[24];
		snprintf(ln, sizeof(ln), "%lu", r->line);
		if (imp_append(&b, 0, ln) || imp_append(&b, 1, r->f[0]) || imp_append(&b, 2, r->f[1]) ||
		    imp_append(&b, 3, r->f[2]) || imp_append(&b, 4, r->n > 3 ? r->f[3] : "")) {
			fprintf(stderr, "tandemctl: %s: out of memory\n", what);
			rc = PROV_REFUSED;
			break;
		}
		if (++b.n == IMP_BATCH)
			rc = imp_flush(s, &b);
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "tandemctl: %s: %s: read error\n", what, path);
		rc = PROV_REFUSED;
	}
	if (!rc)
		rc = imp_flush(s, &b);
	/* What only the database knows, by line. */
	if (!rc && db_session_rows(
		       s,
		       "SELECT i.line, 'customer', i.customer, 'does not exist' FROM did_import i"
		       " WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.name = i.customer)"
		       " UNION ALL SELECT i.line, 'number', i.number, 'is already a DID (customer ' || c.name || ')'"
		       " FROM did_import i JOIN dids d ON d.number = i.number JOIN customers c ON c.id = d.customer_id"
		       " UNION ALL SELECT line, 'number', number, 'is also on line ' || first FROM"
		       " (SELECT line, number, min(line) OVER (PARTITION BY number) AS first FROM did_import) x"
		       " WHERE line <> first ORDER BY 1",
		       0, NULL, imp_report, &bad, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: %s: %s\n", what, err);
		rc = PROV_REFUSED;
	}
	if (!rc && bad) {
		fprintf(stderr, "tandemctl: %s: %lu of %lu rows refused; nothing imported\n", what, bad, rows);
		rc = PROV_REFUSED;
	}
	if (!rc)
		rc = prov_exec(s, what,
			       "WITH ins AS (INSERT INTO dids (number, customer_id, target, fallback)"
			       " SELECT i.number, c.id, i.target, i.fallback FROM did_import i"
			       " JOIN customers c ON c.name = i.customer ORDER BY i.line RETURNING 1)"
			       " SELECT count(*) FROM ins",
			       0, NULL, n, sizeof(n));
	if (s)
		rc = prov_finish(s, what, rc);
	if (!rc)
		printf("%s DIDs imported from %s\n", n, path);
out:
	for (int i = 0; i < 5; i++)
		free(b.a[i]);
	free(r);
	db_session_close(s);
	if (f != stdin)
		fclose(f);
	return rc;
}
