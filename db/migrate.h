/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Versioned schema migrations: db/migrations/NNN_name.sql, each applied in
 * its own transaction and recorded in schema_migrations with a checksum. */
#ifndef TANDEM_DB_MIGRATE_H
#define TANDEM_DB_MIGRATE_H

#include "db/session.h"

#include <stddef.h>
#include <stdint.h>

struct db_migration {
	int version;      /* NNN */
	const char *name; /* "NNN_name" */
	const char *sql;
};

/* The migrations built into the binaries (generated from db/migrations/). */
extern const struct db_migration db_migrations_builtin[];
extern const size_t db_migrations_builtin_count;

/* Versions must run 1, 2, 3... without gaps or repeats, and each name must
 * start with its zero-padded version. Returns 0 or -EINVAL with err. */
int db_migrations_validate(const struct db_migration *m, size_t n, char *err, size_t errlen);

/* Read NNN_name.sql files from dir, sorted by version. The caller frees
 * *out with db_migrations_free. Returns 0, -EINVAL or a negative errno,
 * with err. */
int db_migrations_from_dir(const char *dir, struct db_migration **out, size_t *n, char *err, size_t errlen);
void db_migrations_free(struct db_migration *m, size_t n);

/* FNV-1a 64 over the SQL text: detects a migration edited after it ran. */
uint64_t db_migration_checksum(const char *sql);

/* Apply the pending migrations in order, each in its own transaction under
 * an advisory lock (two migrators never interleave). applied() is called
 * after each commit (may be NULL). A migration already recorded with
 * another checksum, or a database newer than the list, stops with an error
 * and changes nothing. *before and *after receive the schema version.
 * Returns 0, or -EIO / -EINVAL with err. */
int db_migrate(struct db_session *s, const struct db_migration *m, size_t n,
	       void (*applied)(void *arg, const struct db_migration *m), void *arg, int *before, int *after, char *err,
	       size_t errlen);

/* The schema version recorded in the database (0 when none). */
int db_schema_version(struct db_session *s, int *version, char *err, size_t errlen);

#endif
