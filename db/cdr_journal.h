/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CDR journal: an append-only, crash-safe local log of call detail
 * records in a directory of segment files (docs/cdr.md). Appends are
 * durable (fdatasync) before they return, and concurrent appenders share
 * one fdatasync (group commit). A reader walks the records from a
 * position; the CDR writer (db/cdr_writer.h) drains them to PostgreSQL. */
#ifndef TANDEM_DB_CDR_JOURNAL_H
#define TANDEM_DB_CDR_JOURNAL_H

#include "db/cdr.h"

#include <stddef.h>
#include <stdint.h>

/* A position: a segment number and a byte offset in it. Positions order
 * first by segment, then by offset. */
struct cdr_pos {
	uint64_t seg;
	uint64_t off;
};

int cdr_pos_cmp(const struct cdr_pos *a, const struct cdr_pos *b);

/* Frame header (little-endian): magic "TCDR", payload length (u32),
 * version (u16), flags (u16, 0), CRC32C (u32) of bytes 4..11 and the
 * payload; then the payload (db/cdr.h cdr_encode). */
#define CDR_FRAME_HDR       16
#define CDR_FRAME_VERSION   1
#define CDR_SEGMENT_DEFAULT (16u << 20)

struct cdr_journal_opts {
	size_t segment_bytes; /* rotate to a new segment past this size; 0 = 16 MiB */
	/* Make fd's data durable; NULL = fdatasync(). Tests slow it down to
	 * show group commit; it is called without the journal's lock. */
	int (*sync)(int fd);
};

struct cdr_journal;

struct cdr_journal_stats {
	uint64_t appends;       /* records made durable since open */
	uint64_t syncs;         /* fdatasync calls covering them */
	uint64_t bytes;         /* bytes appended since open */
	uint64_t segments;      /* segments created since open */
	struct cdr_pos durable; /* everything before this is durable */
	int error;              /* sticky I/O error (negative errno) or 0 */
};

/* Open (creating the directory if needed) the journal in dir, locking it
 * (flock on dir/lock) against a second opener. Recovers a torn tail left by
 * a crash in the last segment (truncates it, logging how many bytes were
 * dropped), then starts appending in a fresh segment (or the last one if it
 * is empty). opts may be NULL. On success *out belongs to the caller
 * (cdr_journal_close). Returns 0, -EBUSY (open elsewhere), or another
 * negative errno, with the reason in err. */
int cdr_journal_open(const char *dir, const struct cdr_journal_opts *opts, struct cdr_journal **out, char *err,
		     size_t errlen);
void cdr_journal_close(struct cdr_journal *j);

/* Append one record and return once it is durable on disk. Any thread;
 * concurrent callers share fdatasyncs. Returns 0, -EINVAL (the record
 * breaks a constraint of table cdr; err says which), or a negative errno
 * for an I/O error. A failed fdatasync poisons the journal: every later
 * append fails with that error (the kernel may have dropped the data). */
int cdr_journal_append(struct cdr_journal *j, const struct cdr_record *rec, char *err, size_t errlen);
/* Append n records with one write and one group commit (group commit by
 * the caller: a committer hands over everything queued at once). rcs[i]
 * is each record's result, as cdr_journal_append's; err holds the last
 * failure. Returns how many records are durable. */
int cdr_journal_append_many(struct cdr_journal *j, const struct cdr_record *const *recs, int n, int *rcs, char *err,
			    size_t errlen);

void cdr_journal_stats(struct cdr_journal *j, struct cdr_journal_stats *st);

/* Wait until the durable end passes *after, up to timeout_ms. Returns 1 if
 * it did, 0 on timeout or after cdr_journal_wake(). Any thread. */
int cdr_journal_wait(struct cdr_journal *j, const struct cdr_pos *after, int timeout_ms);
void cdr_journal_wake(struct cdr_journal *j);

const char *cdr_journal_dir(const struct cdr_journal *j);

/* Delete the segments wholly before pos (already drained). Returns the
 * number deleted or a negative errno. */
int cdr_journal_trim(const char *dir, const struct cdr_pos *pos);

/* What the segment files in dir take on disk: their total size in bytes
 * and their number (drained segments not yet trimmed included). Any
 * thread; works on a journal open elsewhere. Returns 0 or a negative
 * errno. */
int cdr_journal_disk_usage(const char *dir, uint64_t *bytes, uint64_t *segments);

/* --- reading ------------------------------------------------------- */

struct cdr_reader;

/* Read the journal in dir from pos (a missing segment means it was drained:
 * reading goes on at the next one). limit, if not NULL, is a position not
 * to read past (a live journal's durable end): bytes beyond it may be half
 * written. *out belongs to the caller (cdr_reader_free). */
int cdr_reader_open(const char *dir, const struct cdr_pos *pos, struct cdr_reader **out);
void cdr_reader_free(struct cdr_reader *r);
void cdr_reader_set_limit(struct cdr_reader *r, const struct cdr_pos *limit);

/* Next record. Returns 1 with *rec filled and *next the position after it;
 * 0 at the end (clean, at the limit, or a torn tail: see
 * cdr_reader_torn()); -EBADMSG for a corrupt record with more records after
 * it (err says which segment and offset); another negative errno for an
 * I/O error. After an error the reader stays at the bad record. */
int cdr_reader_next(struct cdr_reader *r, struct cdr_record *rec, struct cdr_pos *next, char *err, size_t errlen);

/* Where the next record would be read from. */
void cdr_reader_pos(const struct cdr_reader *r, struct cdr_pos *pos);

/* Bytes of a torn tail met at the end (0 if the end was clean). */
uint64_t cdr_reader_torn(const struct cdr_reader *r);

/* --- helpers shared with the writer and tests ------------------------ */

uint32_t cdr_crc32c(uint32_t crc, const void *buf, size_t len);

/* The path of segment seg in dir. */
void cdr_segment_path(const char *dir, uint64_t seg, char *path, size_t len);

#endif
