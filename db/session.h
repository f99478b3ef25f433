/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A blocking PostgreSQL session, for tandemctl and tests (never the
 * daemon's event loop: that uses db/link.h). */
#ifndef TANDEM_DB_SESSION_H
#define TANDEM_DB_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct db_session;

/* Connect with a libpq connection string ("" = the libpq environment).
 * On success *out is owned by the caller (db_session_close). On failure
 * returns -ECONNREFUSED with libpq's message in err. */
int db_session_open(const char *conninfo, struct db_session **out, char *err, size_t errlen);
void db_session_close(struct db_session *s);

/* The same, giving up on a server that does not answer within timeout_ms
 * (libpq's connect_timeout, whole seconds, at least 2; it overrides one in
 * conninfo). For threads that must stop in bounded time. */
int db_session_open_timeout(const char *conninfo, int timeout_ms, struct db_session **out, char *err, size_t errlen);

/* The connection's socket, for poll() between statements (LISTEN). */
int db_session_fd(const struct db_session *s);

/* Whether the connection is still usable (false once the server is gone). */
int db_session_alive(const struct db_session *s);

/* Read what the server sent without blocking (call when db_session_fd()
 * is readable) and count the NOTIFYs received on channel into *count
 * (others are dropped). Returns 0, or -EIO with err when the connection
 * is lost. */
int db_session_notifies(struct db_session *s, const char *channel, unsigned *count, char *err, size_t errlen);

/* Run one parameterised statement that returns at most one value: the
 * first column of the first row goes to val (empty if no row or NULL).
 * Returns 0, or -EIO with the server's message in err. */
int db_session_value(struct db_session *s, const char *sql, int nparams, const char *const *params, char *val,
		     size_t vallen, char *err, size_t errlen);

/* Run a parameterised statement that returns no rows. Returns 0 or -EIO. */
int db_session_exec(struct db_session *s, const char *sql, int nparams, const char *const *params, char *err,
		    size_t errlen);

/* Run a script of several statements with no parameters (migrations only:
 * their text comes from files in the tree, never from user input). */
int db_session_script(struct db_session *s, const char *sql, char *err, size_t errlen);

/* Run a parameterised query and call row() for each row, with its values
 * (NULL for SQL NULL). row() returns 0 to go on, non-zero to stop (and that
 * value is returned). Returns 0, -EIO with err, or row()'s value. */
int db_session_rows(struct db_session *s, const char *sql, int nparams, const char *const *params,
		    int (*row)(void *arg, int ncols, const char *const *vals), void *arg, char *err, size_t errlen);

/* A tap sees every row db_session_rows() and db_session_stream() hand
 * out: tap(arg, sql, -1, NULL) when a query's rows begin, then one call
 * per row. NULL removes it. (gateway/directory.c records the directory's
 * rows with it: db/dir_cache.h.) */
typedef void db_session_tap_fn(void *arg, const char *sql, int ncols, const char *const *vals);
void db_session_set_tap(struct db_session *s, db_session_tap_fn *tap, void *arg);
/* A session without a server, whose rows come from source: rows(arg,
 * sql, row, rowarg, err, errlen) answers db_session_rows()/_stream() as
 * they would (0, -EIO, or row()'s value); db_session_exec() succeeds
 * (BEGIN, COMMIT); it is never alive and has no fd. */
typedef int db_session_source_fn(void *arg, const char *sql, int (*row)(void *, int, const char *const *), void *rowarg,
				 char *err, size_t errlen);
int db_session_open_source(db_session_source_fn *source, void *arg, struct db_session **out);

/* The same, for results of any size in constant memory: libpq's
 * single-row mode hands over one row at a time (at most 64 columns).
 * row() returning non-zero cancels the query; that value is returned. */
int db_session_stream(struct db_session *s, const char *sql, int nparams, const char *const *params,
		      int (*row)(void *arg, int ncols, const char *const *vals), void *arg, char *err, size_t errlen);

/* A bigint column's text (db_session_rows hands out text): 0 and *v, or
 * -EINVAL for NULL, empty or not a whole number. */
int db_text_int64(const char *text, int64_t *v);

#endif
