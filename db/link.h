/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's PostgreSQL connection, non-blocking: it never waits on the
 * network. The owner (gateway/store.c) watches db_link_fd() for
 * db_link_want() in its event loop, calls db_link_io() when it is ready,
 * and decides when to (re)connect. One thread: the event loop's. */
#ifndef TANDEM_DB_LINK_H
#define TANDEM_DB_LINK_H

#include <time.h>

enum db_link_state {
	DB_LINK_DOWN,       /* no connection; db_link_connect() starts one */
	DB_LINK_CONNECTING, /* libpq handshake in progress */
	DB_LINK_SETUP,      /* connected, reading the schema version, recording the node */
	DB_LINK_UP,         /* ready */
};

#define DB_WANT_READ  1
#define DB_WANT_WRITE 2

struct db_link;

/* node and version are recorded in table nodes on every connect. The
 * strings are copied. on_change(arg) runs after every state change. */
int db_link_new(const char *conninfo, const char *node, const char *version,
		void (*on_change)(void *arg, enum db_link_state old, enum db_link_state now), void *arg,
		struct db_link **out);
void db_link_free(struct db_link *l);

/* Start connecting (from DOWN). Returns 0 when the attempt is under way,
 * or a negative errno (state stays DOWN, db_link_error() says why). */
int db_link_connect(struct db_link *l);

/* Drop the connection (to DOWN), recording why. */
void db_link_reset(struct db_link *l, const char *why);

/* The socket to watch and what for; -1 / 0 when DOWN. Both may change after
 * any call into the link: the owner re-reads them each time. */
int db_link_fd(const struct db_link *l);
int db_link_want(const struct db_link *l);

/* The socket is ready: advance the connection. */
void db_link_io(struct db_link *l);

/* Writes while UP, one statement at a time (the owner queues the rest):
 * db_link_query() sends sql with its text parameters (both copied by
 * libpq); done(arg, ok, why) runs from db_link_io() once it completed
 * (ok 1) or the server refused it (ok 0, why: the server's message). A
 * statement in flight when the connection drops gets no callback: the
 * owner sees the state change and decides. Returns 0, -ENOTCONN (not UP),
 * -EBUSY (one is in flight) or -EIO (libpq would not send it). */
int db_link_query(struct db_link *l, const char *sql, int nparams, const char *const *params);
int db_link_busy(const struct db_link *l);
void db_link_on_done(struct db_link *l, void (*done)(void *arg, int ok, const char *why), void *arg);
/* Rows: rows(arg, res) runs for each result with rows of a statement (a
 * libpq PGresult, valid during the call), before its done. */
struct pg_result;
void db_link_on_rows(struct db_link *l, void (*rows)(void *arg, const struct pg_result *res), void *arg);
/* A result's row count, and row r's column c as text ("" for NULL or
 * out of range). */
int db_result_rows(const struct pg_result *res);
const char *db_result_get(const struct pg_result *res, int r, int c);

enum db_link_state db_link_state(const struct db_link *l);
const char *db_link_state_name(enum db_link_state s);
/* The last error ("" if none), the schema version read at connect (-1 if
 * unknown), and when the state last changed (CLOCK_REALTIME seconds). */
const char *db_link_error(const struct db_link *l);
int db_link_schema_version(const struct db_link *l);
time_t db_link_since(const struct db_link *l);

#endif
