/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Schema migrations: validation, loading from a folder, applying. */
#include "config.h"

#include "db/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock key: "TNDM" */
#define DB_MIGRATE_LOCK "1414415437"

static const char db_sql_table[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
				   " version integer PRIMARY KEY CHECK (version > 0),"
				   " name text NOT NULL,"
				   " checksum text NOT NULL,"
				   " applied_at timestamptz NOT NULL DEFAULT now())";

int db_migrations_validate(const struct db_migration *m, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		char prefix[16];
		if (m[i].version != (int)i + 1) {
			snprintf(err, errlen, "%s: expected version %03zu (versions run 1, 2, 3... without gaps)",
				 m[i].name, i + 1);
			return -EINVAL;
		}
		snprintf(prefix, sizeof(prefix), "%03d_", m[i].version);
		if (strncmp(m[i].name, prefix, strlen(prefix)) != 0 || !m[i].name[strlen(prefix)]) {
			snprintf(err, errlen, "%s: name must be %sNAME", m[i].name, prefix);
			return -EINVAL;
		}
	}
	return 0;
}

uint64_t db_migration_checksum(const char *sql)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

void db_migrations_free(struct db_migration *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free((char *)m[i].name);
		free((char *)m[i].sql);
	}
	free(m);
}

static int db_cmp_migration(const void *a, const void *b)
{
	const struct db_migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

static char *db_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			buf[len] = '\0';
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

int db_migrations_from_dir(const char *dir, struct db_migration **out, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct db_migration *v = NULL;
	size_t count = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return rc;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char path[4096], *end;
		struct db_migration *nv;
		long version;

		if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		version = strtol(e->d_name, &end, 10);
		if (end == e->d_name || *end != '_' || version <= 0 || version > 99999) {
			snprintf(err, errlen, "%s/%s: a migration is named NNN_name.sql", dir, e->d_name);
			rc = -EINVAL;
			goto out;
		}
		nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		v = nv;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		v[count].version = (int)version;
		v[count].name = strndup(e->d_name, len - 4);
		v[count].sql = db_read_file(path);
		count++;
		if (!v[count - 1].name || !v[count - 1].sql) {
			rc = -EIO;
			snprintf(err, errlen, "%s: cannot read", path);
			goto out;
		}
	}
	qsort(v, count, sizeof(*v), db_cmp_migration);
	rc = db_migrations_validate(v, count, err, errlen);
out:
	closedir(d);
	if (rc < 0) {
		db_migrations_free(v, count);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

int db_schema_version(struct db_session *s, int *version, char *err, size_t errlen)
{
	char val[32];
	int rc;

	*version = 0;
	rc = db_session_value(s, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL, val, sizeof(val), err,
			      errlen);
	if (rc < 0 || strcmp(val, "t") != 0)
		return rc;
	rc = db_session_value(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, val, sizeof(val),
			      err, errlen);
	if (rc == 0)
		*version = atoi(val);
	return rc;
}

/* Apply one migration if it is not recorded yet; verify it if it is. */
static int db_apply_one(struct db_session *s, const struct db_migration *m, int *did, char *err, size_t errlen)
{
	char version[16], sum[32], have[32], why[512];
	const char *p[3] = {version, m->name, sum};
	int rc;

	*did = 0;
	snprintf(version, sizeof(version), "%d", m->version);
	snprintf(sum, sizeof(sum), "%016" PRIx64, db_migration_checksum(m->sql));
	rc = db_session_exec(s, "BEGIN", 0, NULL, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = db_session_exec(s, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", 0, NULL, err, errlen)) < 0 ||
	    (rc = db_session_exec(s, db_sql_table, 0, NULL, err, errlen)) < 0 ||
	    (rc = db_session_value(s, "SELECT checksum FROM schema_migrations WHERE version = $1", 1, p, have,
				   sizeof(have), err, errlen)) < 0)
		goto rollback;
	if (have[0]) {
		if (strcmp(have, sum) != 0) {
			snprintf(err, errlen,
				 "migration %s was changed after it was applied (checksum %s, recorded %s): "
				 "add a new migration instead",
				 m->name, sum, have);
			rc = -EINVAL;
		}
		goto rollback;
	}
	rc = db_session_script(s, m->sql, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "migration %s failed, nothing of it applied: %s", m->name, why);
		goto rollback;
	}
	rc = db_session_exec(s, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", 3, p,
			     err, errlen);
	if (rc < 0)
		goto rollback;
	rc = db_session_exec(s, "COMMIT", 0, NULL, err, errlen);
	if (rc == 0)
		*did = 1;
	return rc;
rollback:
	db_session_exec(s, "ROLLBACK", 0, NULL, why, sizeof(why));
	return rc;
}

int db_migrate(struct db_session *s, const struct db_migration *m, size_t n,
	       void (*applied)(void *arg, const struct db_migration *m), void *arg, int *before, int *after, char *err,
	       size_t errlen)
{
	int rc, did;

	*before = *after = 0;
	rc = db_migrations_validate(m, n, err, errlen);
	if (rc < 0)
		return rc;
	rc = db_schema_version(s, before, err, errlen);
	if (rc < 0)
		return rc;
	*after = *before;
	if ((size_t)*before > n) {
		snprintf(err, errlen, "the database is at schema version %d, newer than this build knows (%zu)",
			 *before, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		rc = db_apply_one(s, &m[i], &did, err, errlen);
		if (rc < 0)
			return rc;
		if (did && applied)
			applied(arg, &m[i]);
		if (did || m[i].version > *after)
			*after = m[i].version;
	}
	return 0;
}
