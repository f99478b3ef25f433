/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the CDR writer: inserting CDRs with libpq (only db/ sees
 * libpq). One connection, used by one thread (the writer's). The COPY
 * text form is shared with bench/cdr. */
#ifndef TANDEM_DB_CDR_PG_H
#define TANDEM_DB_CDR_PG_H

#include "db/cdr.h"

#include <stddef.h>

struct cdr_pg;

/* Connect (conninfo "" = the libpq environment). *out belongs to the
 * caller (cdr_pg_close). Returns 0 or -ECONNREFUSED with libpq's reason. */
int cdr_pg_connect(const char *conninfo, struct cdr_pg **out, char *err, size_t errlen);
void cdr_pg_close(struct cdr_pg *pg);

/* Insert n records in one transaction (COPY into a temporary staging
 * table, then INSERT INTO cdr SELECT ... from it), skipping legs already
 * there (ON CONFLICT (call_uuid, leg) DO NOTHING), so replays are
 * harmless; all or nothing. *inserted is the number of new rows. Returns 0;
 * -EINVAL when the database refused the data (SQLSTATE class 22 or 23:
 * retrying it will not help, but a part without the bad record may pass);
 * -EIO for anything else (connection lost, server shutting down, schema
 * missing: retry later with a new connection). */
#define CDR_PG_BATCH_MAX 5000
int cdr_pg_insert(struct cdr_pg *pg, const struct cdr_record *recs, int n, int *inserted, char *err, size_t errlen);

/* The same in two halves, so that the caller can work while the database
 * does. cdr_pg_send() starts the batch's transaction (recs is copied) and
 * returns without waiting for its outcome: 0, or -EIO / -ENOMEM when it
 * could not be sent (nothing was written). cdr_pg_wait() then waits for
 * that outcome and returns it as cdr_pg_insert() would. One batch at a
 * time: nothing else may use the connection in between. */
int cdr_pg_send(struct cdr_pg *pg, const struct cdr_record *recs, int n, char *err, size_t errlen);
int cdr_pg_wait(struct cdr_pg *pg, int *inserted, char *err, size_t errlen);

/* One record as a line of COPY text (column values in cdr_pg_columns()
 * order, tab-separated, \N for NULL, backslash, tab, newline and carriage
 * return escaped) ending with a newline. Writes at most len bytes with a
 * NUL; returns the line's length, which is >= len when it did not fit. */
#define CDR_PG_LINE_MAX 4096 /* enough for any valid record, escaped */
size_t cdr_pg_copy_line(const struct cdr_record *r, char *line, size_t len);

/* The column list of those lines: "call_uuid, leg, ..., route". */
const char *cdr_pg_columns(void);

/* The same line without its newline, for the rejected-records file. */
void cdr_pg_format(const struct cdr_record *r, char *line, size_t len);

#endif
