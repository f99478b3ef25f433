/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's database connection on the event loop: connects, notices a
 * lost server, reconnects on a timer. Loop thread only. */
#ifndef TANDEM_GW_STORE_H
#define TANDEM_GW_STORE_H

struct gw_loop;
struct ctl_out;
struct tandem_settings;
struct gw_store;

/* Start connecting with s's [database] settings (copied). */
int gw_store_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_store **out);
void gw_store_free(struct gw_store *st);

/* Apply new settings after a reload: a changed conninfo reconnects. */
int gw_store_reconfigure(struct gw_store *st, const struct tandem_settings *s);

/* Queue a write (INSERT/UPDATE; no rows wanted) for the database: sent
 * in order, one at a time, whenever the connection is up; the loop never
 * waits for it. sql must outlive the queue (a string constant); the
 * nparams (at most GW_STORE_MAX_PARAMS) text parameters, NULL for SQL
 * NULL, are copied. While the database is away statements wait, up to
 * GW_STORE_MAX_QUEUED; beyond that the oldest is dropped (counted, logged
 * once per outage). A statement the server refuses is logged and
 * dropped. Returns 0, -EINVAL or -ENOMEM. */
#define GW_STORE_MAX_PARAMS 12
#define GW_STORE_MAX_QUEUED 10000
int gw_store_exec(struct gw_store *st, const char *sql, int nparams, const char *const *params);

/* A read, queued with the writes (so it sees them): fn(arg, rows) once it
 * completed, rows NULL when the server refused it or the queue dropped it.
 * Nothing is called after gw_store_free(). Rows are lent for the call. */
struct gw_rows;
int gw_store_query(struct gw_store *st, const char *sql, int nparams, const char *const *params,
		   void (*fn)(void *arg, const struct gw_rows *rows), void *arg);
int gw_rows_count(const struct gw_rows *rows);
/* Row r's column c as text ("" for NULL). */
const char *gw_rows_get(const struct gw_rows *rows, int r, int c);

/* Add the database rows to a status reply. */
void gw_store_status(const struct gw_store *st, struct ctl_out *out);

#endif
