/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the customer, trunk, import and export commands share: refusals
 * that name the field, value checks, repeatable options, statements and
 * listings over db/session.h (every statement parameterised). */
#include "config.h"

#include "common/ctl.h"
#include "db/session.h"
#include "provisioning/prov.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int prov_refuse(const char *what, const char *field, const char *value, const char *why)
{
	fprintf(stderr, "tandemctl: %s: %s \"%s\" %s\n", what, field, value, why);
	return PROV_REFUSED;
}

int prov_usage(const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tandemctl: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (tandemctl %s --help)\n", what);
	return PROV_USAGE;
}

int prov_check_int(const char *what, const char *field, const char *v, long min, long max)
{
	char *end, why[96];
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max) {
		snprintf(why, sizeof(why), "must be a whole number from %ld to %ld", min, max);
		return prov_refuse(what, field, v, why);
	}
	return 0;
}

int prov_check_name(const char *what, const char *field, const char *v)
{
	size_t n = v ? strlen(v) : 0;

	if (!v)
		return 0;
	if (n < 1 || n > 63 || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", v[0]) || !v[0] ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		return prov_refuse(what, field, v,
				   "is not a name (1 to 63 of a-z 0-9 _ . -, starting with a letter or digit)");
	return 0;
}

int prov_check_prefix(const char *what, const char *field, const char *v)
{
	size_t n;

	if (!v)
		return 0;
	n = strspn(v + (v[0] == '+'), "0123456789");
	if (v[0] != '+' || v[1 + n] || n > 15)
		return prov_refuse(what, field, v, "is not an E.164 prefix ('+' and up to 15 digits)");
	return 0;
}

int prov_check_cidr(const char *what, const char *field, const char *v)
{
	unsigned char a[16];
	char host[64], *end;
	const char *slash;
	int v6, bits, max;
	long len;

	if (!v)
		return 0;
	slash = strchr(v, '/');
	if ((slash ? (size_t)(slash - v) : strlen(v)) >= sizeof(host))
		return prov_refuse(what, field, v, "is not an IPv4 or IPv6 address or network (CIDR)");
	snprintf(host, sizeof(host), "%.*s", slash ? (int)(slash - v) : (int)strlen(v), v);
	v6 = strchr(host, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, a) != 1)
		return prov_refuse(what, field, v, "is not an IPv4 or IPv6 address or network (CIDR)");
	max = v6 ? 128 : 32;
	len = max;
	if (slash) {
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || len < 0 || len > max || slash[1] == '+' || slash[1] == '-')
			return prov_refuse(what, field, v,
					   v6 ? "has a prefix length that is not 0 to 128"
					      : "has a prefix length that is not 0 to 32");
	}
	/* PostgreSQL's cidr refuses host bits right of the mask: say so here. */
	bits = (int)len;
	for (int i = bits; i < max; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return prov_refuse(what, field, v,
					   "has bits set right of the prefix length (a network address is expected)");
	return 0;
}

int prov_strv_push(struct prov_strv *sv, const char *s)
{
	const char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	sv->v = v;
	sv->v[sv->n++] = s;
	return 0;
}

void prov_strv_free(struct prov_strv *sv)
{
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

int prov_exec(struct db_session *s, const char *what, const char *sql, int n, const char *const *params, char *val,
	      size_t vallen)
{
	char err[512], dummy[8];

	if (db_session_value(s, sql, n, params, val ? val : dummy, val ? vallen : sizeof(dummy), err, sizeof(err)) <
	    0) {
		fprintf(stderr, "tandemctl: %s: the database refused it: %s\n", what, err);
		return PROV_REFUSED;
	}
	return 0;
}

int prov_id(struct db_session *s, const char *what, const char *field, const char *name, char *id, size_t idlen)
{
	const char *params[] = {name};
	const char *sql = strcmp(field, "trunk") == 0 ? "SELECT id FROM trunks WHERE name = $1"
						      : "SELECT id FROM customers WHERE name = $1";
	int rc = prov_exec(s, what, sql, 1, params, id, idlen);

	if (!rc && !id[0])
		rc = prov_refuse(what, field, name, "does not exist");
	return rc;
}

int prov_begin(struct db_session *s, const char *what)
{
	return prov_exec(s, what, "BEGIN", 0, NULL, NULL, 0);
}

int prov_finish(struct db_session *s, const char *what, int rc)
{
	if (rc == 0)
		return prov_exec(s, what, "COMMIT", 0, NULL, NULL, 0);
	prov_exec(s, what, "ROLLBACK", 0, NULL, NULL, 0);
	return rc;
}

static int prov_rows_add(void *arg, int ncols, const char *const *vals)
{
	struct prov_rows *r = arg;

	if (r->ncols == 0)
		r->ncols = (size_t)ncols;
	for (int i = 0; i < ncols; i++) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 64;
			char **c = realloc(r->cells, cap * sizeof(*c));
			if (!c)
				return -ENOMEM;
			r->cells = c;
			r->cap = cap;
		}
		r->cells[r->n] = strdup(vals[i] ? vals[i] : "");
		if (!r->cells[r->n])
			return -ENOMEM;
		r->n++;
	}
	return 0;
}

int prov_rows_query(struct db_session *s, const char *what, struct prov_rows *r, const char *sql, int n,
		    const char *const *params)
{
	char err[512];
	int rc = db_session_rows(s, sql, n, params, prov_rows_add, r, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "tandemctl: %s: %s\n", what, rc == -ENOMEM ? "out of memory" : err);
		return PROV_REFUSED;
	}
	return 0;
}

void prov_rows_free(struct prov_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

int prov_list(struct prov_ctx *ctx, struct db_session *s, const char *what, const char *name, const char *const *cols,
	      size_t ncols, const char *sql, int n, const char *const *params)
{
	struct prov_rows r = {0};
	int rc = prov_rows_query(s, what, &r, sql, n, params);

	if (!rc)
		prov_print_rows(ctx, name, cols, ncols, r.cells, r.n / ncols);
	prov_rows_free(&r);
	return rc;
}

void prov_print_tables(struct prov_ctx *ctx, struct ctl_table *t, size_t n)
{
	struct ctl_reply r = {1, NULL, n, t};

	if (ctx->json) {
		ctl_reply_print_json(stdout, &r);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			ctl_table_print(stdout, &t[i]);
			continue;
		}
		if (t[i].nrows == 0) {
			printf("\n%s: none\n", t[i].name);
			continue;
		}
		printf("\n%s:\n", t[i].name);
		ctl_table_print(stdout, &t[i]);
	}
}
