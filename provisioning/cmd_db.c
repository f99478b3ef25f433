/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl db migrate|status. */
#include "config.h"

#include "db/migrate.h"
#include "provisioning/prov.h"
#include "db/session.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built-in migrations, or those of --migrations DIR. */
struct prov_migrations {
	struct db_migration *owned;
	const struct db_migration *list;
	size_t n;
};

static int prov_load_migrations(const char *dir, struct prov_migrations *m)
{
	char err[512];

	memset(m, 0, sizeof(*m));
	if (!dir) {
		m->list = db_migrations_builtin;
		m->n = db_migrations_builtin_count;
		return 0;
	}
	if (db_migrations_from_dir(dir, &m->owned, &m->n, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: --migrations: %s\n", err);
		return -1;
	}
	m->list = m->owned;
	return 0;
}

int prov_open(struct prov_ctx *ctx, struct db_session **s)
{
	char err[512];

	if (db_session_open(ctx->conninfo, s, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: cannot connect to the database: %s\n", err);
		return -1;
	}
	return 0;
}

/* Parse "--migrations DIR" (the only option of both db commands). */
static int prov_db_options(int argc, char **argv, const char **dir)
{
	static const struct option opts[] = {{"migrations", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
	int c;

	*dir = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'm')
			return -1;
		*dir = optarg;
	}
	if (optind < argc) {
		fprintf(stderr, "tandemctl: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Common start of both db commands: options, migrations, connection. On
 * PROV_OK the caller owns *m; *s is NULL if the connection failed (already
 * reported). */
static int prov_db_begin(struct prov_ctx *ctx, int argc, char **argv, struct prov_migrations *m, struct db_session **s)
{
	const char *dir;

	*s = NULL;
	if (prov_db_options(argc, argv, &dir) < 0)
		return PROV_USAGE;
	if (prov_load_migrations(dir, m) < 0)
		return PROV_REFUSED;
	if (prov_open(ctx, s) < 0)
		*s = NULL;
	return PROV_OK;
}

static void prov_applied(void *arg, const struct db_migration *m)
{
	struct prov_ctx *ctx = arg;

	if (!ctx->json)
		printf("applied %s\n", m->name);
}

int prov_db_migrate(struct prov_ctx *ctx, int argc, char **argv)
{
	struct prov_migrations m;
	struct db_session *s = NULL;
	char err[1024];
	int before, after, rc = PROV_REFUSED;

	rc = prov_db_begin(ctx, argc, argv, &m, &s);
	if (rc != PROV_OK)
		return rc;
	rc = PROV_REFUSED;
	if (!s)
		goto out;
	if (db_migrate(s, m.list, m.n, prov_applied, ctx, &before, &after, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: db migrate: %s\n", err);
		if (!ctx->json && after != before)
			fprintf(stderr, "tandemctl: schema version is now %d\n", after);
		goto out;
	}
	if (ctx->json)
		printf("{\"before\": %d, \"after\": %d, \"latest\": %zu}\n", before, after, m.n);
	else if (before == after)
		printf("schema is up to date at version %d\n", after);
	else
		printf("schema version %d -> %d\n", before, after);
	rc = PROV_OK;
out:
	db_session_close(s);
	db_migrations_free(m.owned, m.n);
	return rc;
}

struct prov_status_rows {
	struct prov_ctx *ctx;
	const struct prov_migrations *m;
	int n;
};

static int prov_status_row(void *arg, int ncols, const char *const *v)
{
	struct prov_status_rows *r = arg;
	int version = atoi(v[0]);
	const char *state = "unknown to this build";
	char sum[32];

	(void)ncols;
	if (version >= 1 && (size_t)version <= r->m->n) {
		snprintf(sum, sizeof(sum), "%016" PRIx64, db_migration_checksum(r->m->list[version - 1].sql));
		state = strcmp(sum, v[2]) == 0 ? "applied" : "changed since applied";
	}
	if (r->ctx->json)
		printf("%s{\"version\": %d, \"name\": \"%s\", \"applied_at\": \"%s\", \"state\": \"%s\"}",
		       r->n ? ", " : "", version, v[1], v[3], state);
	else
		printf("%-7d  %-30s  %-25s  %s\n", version, v[1], v[3], state);
	r->n++;
	return 0;
}

int prov_db_status(struct prov_ctx *ctx, int argc, char **argv)
{
	struct prov_migrations m;
	struct prov_status_rows rows = {.ctx = ctx, .m = &m};
	struct db_session *s = NULL;
	char err[1024];
	int version, rc = PROV_REFUSED;

	rc = prov_db_begin(ctx, argc, argv, &m, &s);
	if (rc != PROV_OK)
		return rc;
	rc = PROV_REFUSED;
	if (!s)
		goto out;
	if (db_schema_version(s, &version, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: db status: %s\n", err);
		goto out;
	}
	if (ctx->json)
		printf("{\"version\": %d, \"latest\": %zu, \"pending\": %zu, \"migrations\": [", version, m.n,
		       (size_t)version < m.n ? m.n - (size_t)version : 0);
	else
		printf("VERSION  NAME                            APPLIED AT                 STATE\n");
	if (version > 0 && db_session_rows(s,
					   "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', "
					   "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations ORDER BY version",
					   0, NULL, prov_status_row, &rows, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: db status: %s\n", err);
		goto out;
	}
	for (size_t i = (size_t)version; i < m.n; i++) {
		if (ctx->json)
			printf("%s{\"version\": %d, \"name\": \"%s\", \"applied_at\": null, \"state\": \"pending\"}",
			       rows.n++ ? ", " : "", m.list[i].version, m.list[i].name);
		else
			printf("%-7d  %-30s  %-25s  %s\n", m.list[i].version, m.list[i].name, "-", "pending");
	}
	if (ctx->json)
		printf("]}\n");
	else
		printf("schema version %d of %zu: %s\n", version, m.n,
		       (size_t)version == m.n  ? "up to date"
		       : (size_t)version < m.n ? "migrations pending (run tandemctl db migrate)"
					       : "newer than this build");
	rc = PROV_OK;
out:
	db_session_close(s);
	db_migrations_free(m.owned, m.n);
	return rc;
}
