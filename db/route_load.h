/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load the routing index from PostgreSQL (blocking: tandemctl, tests, the
 * benchmark, or a loader thread of the daemon, never its event loop). */
#ifndef TANDEM_DB_ROUTE_LOAD_H
#define TANDEM_DB_ROUTE_LOAD_H

#include <stddef.h>

struct db_session;
struct route_builder;
struct route_index;

/* Read the routes whose trunk is enabled (JOIN trunks) and every DID, in
 * one read-only REPEATABLE READ transaction so both come from the same
 * snapshot, and build an index. On success *out is owned by the caller
 * (route_index_free or route_table_swap). Returns 0, -EIO with the
 * server's message, -EINVAL naming a row the index refuses, or
 * route_builder_build()'s codes; err says why. */
int route_load(struct db_session *s, struct route_index **out, char *err, size_t errlen);

/* Add the same rows (routes of enabled trunks, every DID) to b inside the
 * caller's transaction: the directory loader (db/dir_load.h) reads them in
 * the snapshot it reads everything else in. Returns 0, -EIO or -EINVAL
 * (or the builder's -ENOMEM / -E2BIG) with err. */
int route_load_into(struct db_session *s, struct route_builder *b, char *err, size_t errlen);

#endif
