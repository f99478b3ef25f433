/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load the directory (db/directory.h) from PostgreSQL, and the channel its
 * triggers (db/migrations/002_notify.sql) notify. Blocking: a loader
 * thread, tandemctl or tests, never an event loop. */
#ifndef TANDEM_DB_DIR_LOAD_H
#define TANDEM_DB_DIR_LOAD_H

#include <stddef.h>
#include <stdint.h>

/* The NOTIFY channel; the payload is the changed table's name. */
#define DIR_CHANNEL "tandem_directory"

struct db_session;
struct dir_snapshot;

/* LISTEN on DIR_CHANNEL (before the first load, so no change committed
 * after the load's snapshot goes unnoticed). Returns 0 or -EIO with err. */
int dir_listen(struct db_session *s, char *err, size_t errlen);

/* Read customers, their addresses, trunks, members, cause maps, routes of
 * enabled trunks and DIDs in one read-only REPEATABLE READ transaction (one
 * snapshot of the database), and build a directory snapshot stamped with
 * version and the time the load took. On success *out belongs to the
 * caller (dir_snapshot_free). Returns 0, -EIO with the server's message,
 * -EINVAL naming a row the directory refuses, or dir_builder_build()'s
 * codes; err says why. */
int dir_load(struct db_session *s, uint64_t version, struct dir_snapshot **out, char *err, size_t errlen);

#endif
