/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory cache: the rows of the last directory loaded from the
 * database, kept in a file, so that a node started while the database is
 * unreachable routes from what it last knew instead of refusing every call.
 * Written by the loader thread as it loads (a session tap), made durable
 * (fsync, rename) only when the load succeeded; read back through a
 * session whose rows come from the file, by the same dir_load(). */
#ifndef TANDEM_DB_DIR_CACHE_H
#define TANDEM_DB_DIR_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct db_session;
struct dir_snapshot;
struct dir_cache_writer;

/* Start recording s's rows for path (into path.tmp). 0 or -errno (err). */
int dir_cache_begin(const char *path, struct db_session *s, struct dir_cache_writer **out, char *err, size_t errlen);
/* The load succeeded: fsync and rename over path. 0 or -errno. Either way
 * the writer is freed and the session untapped. */
int dir_cache_commit(struct dir_cache_writer *w, char *err, size_t errlen);
/* The load failed: drop the temporary file. */
void dir_cache_abort(struct dir_cache_writer *w);

/* Build a snapshot from the file at path (dir_load() on its rows). 0,
 * -ENOENT (no cache), or -EINVAL / -EIO with err (unreadable, torn,
 * refused by the builder). */
int dir_cache_load(const char *path, uint64_t version, struct dir_snapshot **out, char *err, size_t errlen);

#endif
