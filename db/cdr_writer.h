/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CDR writer: a thread that drains the CDR journal (db/cdr_journal.h)
 * into table cdr in batches, idempotently, and records how far it got in a
 * checkpoint file next to the segments. While the database is down it
 * retries with backoff and the journal keeps accepting records; after a
 * restart it replays from the checkpoint (docs/cdr.md). */
#ifndef TANDEM_DB_CDR_WRITER_H
#define TANDEM_DB_CDR_WRITER_H

#include "db/cdr_journal.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct cdr_writer_opts {
	const char *conninfo; /* libpq connection string ("" or NULL = environment); copied */
	int batch_max;        /* records per transaction; 0 = 200 (at most CDR_PG_BATCH_MAX = 5000) */
	int retry_min_ms;     /* first retry after a database error; 0 = 200 ms */
	int retry_max_ms;     /* backoff doubles up to this; 0 = 10 s */
};

struct cdr_writer_status {
	uint64_t journaled;  /* records the journal made durable since it was opened */
	uint64_t written;    /* rows this writer inserted */
	uint64_t duplicates; /* records already in the table (replays after a crash) */
	uint64_t rejected;   /* records the database refused, kept in <dir>/rejected.tsv */
	uint64_t pending;    /* records in the journal not yet in the database */
	uint64_t batches;    /* transactions committed */
	bool db_up;          /* the last database operation succeeded */
	struct cdr_pos checkpoint;
	char last_error[256]; /* "" when the last attempt succeeded */
	time_t last_error_at; /* CLOCK_REALTIME seconds, 0 if never */
	/* When the oldest record not yet in the database was made (its end_ms,
	 * or its start_ms if it has no end: the call's end is when billing
	 * appends it), ms since the epoch; while draining is stopped by a
	 * damaged segment, when it stopped. Valid when oldest_known. */
	int64_t oldest_ms;
	bool oldest_known;
	/* When the database operation in flight (connect or INSERT) began,
	 * CLOCK_REALTIME seconds; 0 when none: a stalled server shows here
	 * before it shows as an error. */
	time_t busy_since;
};

struct cdr_writer;

/* A writer for journal j (borrowed: it must outlive the writer). Reads the
 * checkpoint file (a missing one means "from the oldest segment"; an
 * unreadable one is logged and treated the same: replay is harmless).
 * *out belongs to the caller (cdr_writer_free). Returns 0 or a negative
 * errno with err. */
int cdr_writer_new(struct cdr_journal *j, const struct cdr_writer_opts *opts, struct cdr_writer **out, char *err,
		   size_t errlen);

/* Start / stop the draining thread. Stop returns once the thread has
 * exited (it finishes the statement in flight). Any thread but the
 * writer's own. */
int cdr_writer_start(struct cdr_writer *w);
void cdr_writer_stop(struct cdr_writer *w);
/* Stops the thread if it runs, then frees. */
void cdr_writer_free(struct cdr_writer *w);

/* A snapshot of the counters. Any thread. */
void cdr_writer_status(struct cdr_writer *w, struct cdr_writer_status *st);

/* How long the oldest pending record has waited at now_ms (ms since the
 * epoch): 0 when nothing is pending or its time is not known yet (the
 * writer learns it when it reads the record, at once unless it is stalled
 * on a batch ahead of it, which is older anyway). */
int64_t cdr_writer_age_ms(const struct cdr_writer_status *st, int64_t now_ms);

/* The "records wait too long" alarm, stepped by its owner (say once a
 * second) with the age of the oldest pending record: raised when the age
 * reaches after_ms, repeated every repeat_ms while it lasts, cleared once
 * the age is below after_ms again. Pure: the caller logs. */
struct cdr_alarm {
	bool on;
	int64_t since_ms;  /* when it was raised */
	int64_t logged_ms; /* when it was last raised or repeated */
};
enum cdr_alarm_event {
	CDR_ALARM_QUIET,
	CDR_ALARM_RAISED,
	CDR_ALARM_REPEATED,
	CDR_ALARM_CLEARED
};
enum cdr_alarm_event cdr_alarm_step(struct cdr_alarm *a, int64_t age_ms, int64_t now_ms, int64_t after_ms,
				    int64_t repeat_ms);

/* Wait until nothing is pending, up to timeout_ms. Returns 0 or -ETIMEDOUT. */
int cdr_writer_flush(struct cdr_writer *w, int timeout_ms);

/* The checkpoint file of a journal directory: read (0; -ENOENT when there
 * is none; -EBADMSG when malformed) and write durably (write, fsync,
 * rename, fsync the directory). */
int cdr_checkpoint_load(const char *dir, struct cdr_pos *pos);
int cdr_checkpoint_save(const char *dir, const struct cdr_pos *pos);

#endif
