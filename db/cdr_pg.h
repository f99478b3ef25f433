/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the CDR writer: inserting CDRs with libpq (only db/ sees
 * libpq). One connection, used by one thread (the writer's). */
#ifndef TANDEM_DB_CDR_PG_H
#define TANDEM_DB_CDR_PG_H

#include "db/cdr.h"

#include <stddef.h>

struct cdr_pg;

/* Connect (conninfo "" = the libpq environment). *out belongs to the
 * caller (cdr_pg_close). Returns 0 or -ECONNREFUSED with libpq's reason. */
int cdr_pg_connect(const char *conninfo, struct cdr_pg **out, char *err, size_t errlen);
void cdr_pg_close(struct cdr_pg *pg);

/* Insert n records in one statement, skipping legs already there (ON
 * CONFLICT (call_uuid, leg) DO NOTHING), so replays are harmless.
 * *inserted is the number of new rows. Returns 0; -EINVAL when the
 * database refused the data (SQLSTATE class 22 or 23: retrying it will not
 * help); -EIO for anything else (connection lost, server shutting down,
 * schema missing: retry later with a new connection). */
#define CDR_PG_BATCH_MAX 500
int cdr_pg_insert(struct cdr_pg *pg, const struct cdr_record *recs, int n, int *inserted, char *err, size_t errlen);

/* One record as a tab-separated line of its column values (\N for NULL),
 * for the rejected-records file. */
void cdr_pg_format(const struct cdr_record *r, char *line, size_t len);

#endif
