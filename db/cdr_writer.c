/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CDR writer thread: journal -> batches -> PostgreSQL -> checkpoint ->
 * trim, retrying with backoff while the database is away. */
#include "config.h"

#include "db/cdr_writer.h"

#include "common/deadline.h"

#include "common/log.h"
#include "db/cdr_pg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CDR_CHECKPOINT "checkpoint"
#define CDR_REJECTED   "rejected.tsv"
#define CDR_IDLE_MS    1000

struct cdr_writer {
	struct cdr_journal *j;
	char *conninfo;
	int batch_max, retry_min_ms, retry_max_ms;

	pthread_t thread;
	bool running;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cv;
	bool stopping;
	struct cdr_writer_status st;
	uint64_t backlog; /* records after the checkpoint when the writer was made */
	uint64_t journaled_base;

	/* The writer thread's own state. */
	struct cdr_pg *pg;
	struct cdr_reader *reader;
	struct cdr_record *batch;
	int nbatch;
	struct cdr_pos batch_end;
	int retry_ms;
};

/* --- checkpoint ---------------------------------------------------- */

/* "tandem-cdr-checkpoint 1 <segment hex> <offset> <crc32c hex>\n": the CRC
 * covers the text before it. */
int cdr_checkpoint_load(const char *dir, struct cdr_pos *pos)
{
	char path[4096], buf[256], body[128];
	unsigned version, crc;
	uint64_t seg, off;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/" CDR_CHECKPOINT, dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "tandem-cdr-checkpoint %u %" SCNx64 " %" SCNu64 " %x", &version, &seg, &off, &crc) != 4 ||
	    version != 1)
		return -EBADMSG;
	snprintf(body, sizeof(body), "tandem-cdr-checkpoint 1 %016" PRIx64 " %" PRIu64, seg, off);
	if (cdr_crc32c(0, body, strlen(body)) != crc)
		return -EBADMSG;
	pos->seg = seg;
	pos->off = off;
	return 0;
}

int cdr_checkpoint_save(const char *dir, const struct cdr_pos *pos)
{
	char path[4096], tmp[4096], buf[160];
	int fd, len, rc = 0;

	snprintf(path, sizeof(path), "%s/" CDR_CHECKPOINT, dir);
	snprintf(tmp, sizeof(tmp), "%s/" CDR_CHECKPOINT ".tmp", dir);
	len = snprintf(buf, sizeof(buf), "tandem-cdr-checkpoint 1 %016" PRIx64 " %" PRIu64, pos->seg, pos->off);
	len += snprintf(buf + len, sizeof(buf) - (size_t)len, " %08x\n", cdr_crc32c(0, buf, (size_t)len));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len || fsync(fd) < 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc == 0) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0)
			rc = -errno;
		if (fd >= 0)
			close(fd);
	}
	return rc;
}

/* --- status -------------------------------------------------------- */

static void cdr_writer_error(struct cdr_writer *w, const char *what, const char *why)
{
	pthread_mutex_lock(&w->lock);
	/* Log a change of error, not every retry. */
	if (strcmp(w->st.last_error, why) != 0)
		LOG_W("cdr", "%s: %s (records stay in the journal; retrying)", what, why);
	snprintf(w->st.last_error, sizeof(w->st.last_error), "%s", why);
	w->st.last_error_at = time(NULL);
	w->st.db_up = false;
	w->st.busy_since = 0;
	pthread_mutex_unlock(&w->lock);
}

void cdr_writer_status(struct cdr_writer *w, struct cdr_writer_status *st)
{
	struct cdr_journal_stats js;
	uint64_t done, total;

	cdr_journal_stats(w->j, &js);
	pthread_mutex_lock(&w->lock);
	*st = w->st;
	st->journaled = js.appends;
	done = st->written + st->duplicates + st->rejected;
	total = w->backlog + (js.appends - w->journaled_base);
	st->pending = total > done ? total - done : 0;
	pthread_mutex_unlock(&w->lock);
}

int64_t cdr_writer_age_ms(const struct cdr_writer_status *st, int64_t now_ms)
{
	if (st->pending == 0 || !st->oldest_known || now_ms <= st->oldest_ms)
		return 0;
	return now_ms - st->oldest_ms;
}

enum cdr_alarm_event cdr_alarm_step(struct cdr_alarm *a, int64_t age_ms, int64_t now_ms, int64_t after_ms,
				    int64_t repeat_ms)
{
	if (age_ms < after_ms) {
		if (!a->on)
			return CDR_ALARM_QUIET;
		a->on = false;
		return CDR_ALARM_CLEARED;
	}
	if (!a->on) {
		a->on = true;
		a->since_ms = a->logged_ms = now_ms;
		return CDR_ALARM_RAISED;
	}
	if (now_ms - a->logged_ms < repeat_ms)
		return CDR_ALARM_QUIET;
	a->logged_ms = now_ms;
	return CDR_ALARM_REPEATED;
}

int cdr_writer_flush(struct cdr_writer *w, int timeout_ms)
{
	struct cdr_writer_status st;

	for (int waited = 0;; waited += 10) {
		cdr_writer_status(w, &st);
		if (st.pending == 0)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(10000);
	}
}

/* --- the thread ---------------------------------------------------- */

/* Sleep up to ms unless stopped. Returns false when stopping. */
static bool cdr_writer_sleep(struct cdr_writer *w, int ms)
{
	struct timespec until;
	bool go;

	deadline_in(&until, ms);
	pthread_mutex_lock(&w->lock);
	while (!w->stopping)
		if (pthread_cond_timedwait(&w->cv, &w->lock, &until) == ETIMEDOUT)
			break;
	go = !w->stopping;
	pthread_mutex_unlock(&w->lock);
	return go;
}

static bool cdr_writer_backoff(struct cdr_writer *w)
{
	int ms = w->retry_ms;

	w->retry_ms = w->retry_ms * 2 > w->retry_max_ms ? w->retry_max_ms : w->retry_ms * 2;
	return cdr_writer_sleep(w, ms);
}

static int64_t cdr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The batch just read holds the oldest pending records: publish when the
 * oldest of them was made, for the age in the status. */
static void cdr_writer_note_oldest(struct cdr_writer *w)
{
	int64_t oldest = INT64_MAX;

	for (int i = 0; i < w->nbatch; i++) {
		const struct cdr_record *r = &w->batch[i];
		int64_t t = r->end_ms >= r->start_ms ? r->end_ms : r->start_ms;

		if (t < oldest)
			oldest = t;
	}
	pthread_mutex_lock(&w->lock);
	w->st.oldest_ms = oldest;
	w->st.oldest_known = true;
	pthread_mutex_unlock(&w->lock);
}

/* Fill the batch from the journal's durable part. Returns the number of
 * records, or a negative errno (corruption: the writer stalls there). */
static int cdr_writer_fill(struct cdr_writer *w)
{
	struct cdr_journal_stats js;
	char why[200] = "";
	int rc = 0;

	cdr_journal_stats(w->j, &js);
	cdr_reader_set_limit(w->reader, &js.durable);
	while (w->nbatch < w->batch_max) {
		rc = cdr_reader_next(w->reader, &w->batch[w->nbatch], &w->batch_end, why, sizeof(why));
		if (rc <= 0)
			break;
		w->nbatch++;
	}
	if (w->nbatch > 0)
		cdr_writer_note_oldest(w);
	if (rc < 0 && w->nbatch == 0) {
		char msg[sizeof(w->st.last_error)];

		snprintf(msg, sizeof(msg), "journal unreadable, draining stopped: %s",
			 rc == -EBADMSG ? why : strerror(-rc));
		pthread_mutex_lock(&w->lock);
		if (strcmp(w->st.last_error, msg) != 0)
			LOG_E("cdr", "%s (move the segment aside to go on)", msg);
		snprintf(w->st.last_error, sizeof(w->st.last_error), "%s", msg);
		w->st.last_error_at = time(NULL);
		/* The records behind the damage cannot be read: they have
		 * waited at least since draining stopped. */
		if (!w->st.oldest_known) {
			w->st.oldest_ms = cdr_now_ms();
			w->st.oldest_known = true;
		}
		pthread_mutex_unlock(&w->lock);
		return rc;
	}
	return w->nbatch;
}

/* The database refused the batch: insert one by one, and keep the records
 * it refuses in rejected.tsv (logged) rather than stall for ever. */
static int cdr_writer_one_by_one(struct cdr_writer *w, int *inserted, int *rejected, char *why, size_t whylen)
{
	char path[4096], line[2048];
	int rc = 0;

	*inserted = *rejected = 0;
	snprintf(path, sizeof(path), "%s/" CDR_REJECTED, cdr_journal_dir(w->j));
	for (int i = 0; i < w->nbatch; i++) {
		int one = 0, fd;

		rc = cdr_pg_insert(w->pg, &w->batch[i], 1, &one, why, whylen);
		*inserted += one;
		if (rc == 0)
			continue;
		if (rc != -EINVAL)
			return rc;
		cdr_pg_format(&w->batch[i], line, sizeof(line));
		LOG_E("cdr", "call %s leg %d refused by the database (kept in %s): %s", w->batch[i].call_uuid,
		      w->batch[i].leg, path, why);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0 || dprintf(fd, "%s\t# %s\n", line, why) < 0 || fsync(fd) < 0) {
			rc = -errno;
			if (fd >= 0)
				close(fd);
			return rc;
		}
		close(fd);
		(*rejected)++;
		rc = 0;
	}
	return rc;
}

/* A database operation begins (cdr_writer_error or the commit's success
 * ends it). */
static void cdr_writer_busy(struct cdr_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->st.busy_since = time(NULL);
	pthread_mutex_unlock(&w->lock);
}

/* Insert the batch, then move the checkpoint past it. */
static int cdr_writer_commit(struct cdr_writer *w)
{
	char why[512] = "";
	int rc, inserted = 0, rejected = 0, trimmed;

	cdr_writer_busy(w);
	if (!w->pg) {
		rc = cdr_pg_connect(w->conninfo, &w->pg, why, sizeof(why));
		if (rc < 0) {
			cdr_writer_error(w, "cannot connect to the database", why);
			return rc;
		}
		LOG_I("cdr", "connected to the database");
	}
	rc = cdr_pg_insert(w->pg, w->batch, w->nbatch, &inserted, why, sizeof(why));
	if (rc == -EINVAL)
		rc = cdr_writer_one_by_one(w, &inserted, &rejected, why, sizeof(why));
	if (rc < 0) {
		cdr_writer_error(w, "inserting CDRs", why);
		cdr_pg_close(w->pg);
		w->pg = NULL;
		return rc;
	}
	/* Committed. Losing the checkpoint now only means a harmless replay. */
	rc = cdr_checkpoint_save(cdr_journal_dir(w->j), &w->batch_end);
	if (rc < 0)
		LOG_W("cdr", "%s: saving the checkpoint: %s (a restart replays more)", cdr_journal_dir(w->j),
		      strerror(-rc));
	trimmed = cdr_journal_trim(cdr_journal_dir(w->j), &w->batch_end);
	if (trimmed > 0)
		LOG_I("cdr", "%d drained journal segment(s) deleted", trimmed);
	pthread_mutex_lock(&w->lock);
	if (w->st.last_error[0])
		LOG_I("cdr", "writing CDRs again after: %s", w->st.last_error);
	w->st.written += (uint64_t)inserted;
	w->st.duplicates += (uint64_t)(w->nbatch - inserted - rejected);
	w->st.rejected += (uint64_t)rejected;
	w->st.batches++;
	w->st.db_up = true;
	w->st.busy_since = 0;
	w->st.checkpoint = w->batch_end;
	w->st.last_error[0] = '\0';
	w->st.oldest_known = false; /* the next fill learns the next oldest */
	pthread_mutex_unlock(&w->lock);
	w->nbatch = 0;
	w->retry_ms = w->retry_min_ms;
	return 0;
}

/* The reader went past the end of a whole segment without a record to
 * commit (its last ones were committed before): move the checkpoint to
 * the next segment so the drained one can go. */
static void cdr_writer_skip_segment(struct cdr_writer *w)
{
	struct cdr_pos pos;

	cdr_reader_pos(w->reader, &pos);
	if (pos.seg <= w->batch_end.seg)
		return;
	if (cdr_checkpoint_save(cdr_journal_dir(w->j), &pos) < 0)
		return;
	w->batch_end = pos;
	cdr_journal_trim(cdr_journal_dir(w->j), &pos);
	pthread_mutex_lock(&w->lock);
	w->st.checkpoint = pos;
	pthread_mutex_unlock(&w->lock);
}

static void *cdr_writer_main(void *arg)
{
	struct cdr_writer *w = arg;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		bool stop = w->stopping;
		pthread_mutex_unlock(&w->lock);
		if (stop)
			break;
		if (w->nbatch == 0) {
			int n = cdr_writer_fill(w);

			if (n < 0) {
				cdr_writer_backoff(w);
				continue;
			}
			if (n == 0) {
				struct cdr_journal_stats js;

				cdr_writer_skip_segment(w);
				cdr_journal_stats(w->j, &js);
				if (cdr_pos_cmp(&js.durable, &w->batch_end) <= 0)
					cdr_journal_wait(w->j, &w->batch_end, CDR_IDLE_MS);
				continue;
			}
		}
		if (cdr_writer_commit(w) < 0)
			cdr_writer_backoff(w);
	}
	cdr_pg_close(w->pg);
	w->pg = NULL;
	return NULL;
}

/* --- lifecycle ----------------------------------------------------- */

/* Records between the checkpoint and the journal's durable end now. */
static void cdr_writer_count_backlog(struct cdr_writer *w, const struct cdr_pos *from)
{
	struct cdr_journal_stats js;
	struct cdr_reader *r;
	struct cdr_record rec;
	struct cdr_pos next;
	char why[256];

	cdr_journal_stats(w->j, &js);
	w->journaled_base = js.appends;
	if (cdr_reader_open(cdr_journal_dir(w->j), from, &r) < 0)
		return;
	cdr_reader_set_limit(r, &js.durable);
	while (cdr_reader_next(r, &rec, &next, why, sizeof(why)) == 1)
		w->backlog++;
	cdr_reader_free(r);
}

int cdr_writer_new(struct cdr_journal *j, const struct cdr_writer_opts *opts, struct cdr_writer **out, char *err,
		   size_t errlen)
{
	struct cdr_writer *w = calloc(1, sizeof(*w));
	struct cdr_pos from = {0, 0};
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->j = j;
	w->batch_max = opts && opts->batch_max > 0 ? opts->batch_max : 200;
	if (w->batch_max > CDR_PG_BATCH_MAX)
		w->batch_max = CDR_PG_BATCH_MAX;
	w->retry_min_ms = opts && opts->retry_min_ms > 0 ? opts->retry_min_ms : 200;
	w->retry_max_ms = opts && opts->retry_max_ms > 0 ? opts->retry_max_ms : 10000;
	if (w->retry_max_ms < w->retry_min_ms)
		w->retry_max_ms = w->retry_min_ms;
	w->retry_ms = w->retry_min_ms;
	w->conninfo = strdup(opts && opts->conninfo ? opts->conninfo : "");
	w->batch = calloc((size_t)w->batch_max, sizeof(*w->batch));
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!w->conninfo || !w->batch) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	rc = cdr_checkpoint_load(cdr_journal_dir(j), &from);
	if (rc == -EBADMSG)
		LOG_W("cdr", "%s/" CDR_CHECKPOINT " is malformed: replaying the whole journal (harmless)",
		      cdr_journal_dir(j));
	if (rc < 0)
		from = (struct cdr_pos){0, 0};
	rc = cdr_reader_open(cdr_journal_dir(j), &from, &w->reader);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", cdr_journal_dir(j), strerror(-rc));
		goto fail;
	}
	w->batch_end = from;
	w->st.checkpoint = from;
	cdr_writer_count_backlog(w, &from);
	if (w->backlog)
		LOG_I("cdr",
		      "%" PRIu64 " record(s) in the journal to replay from segment %016" PRIx64 " offset %" PRIu64,
		      w->backlog, from.seg, from.off);
	*out = w;
	return 0;
fail:
	cdr_writer_free(w);
	return rc;
}

int cdr_writer_start(struct cdr_writer *w)
{
	int rc;

	if (w->running)
		return -EALREADY;
	w->stopping = false;
	rc = pthread_create(&w->thread, NULL, cdr_writer_main, w);
	if (rc != 0)
		return -rc;
	w->running = true;
	return 0;
}

void cdr_writer_stop(struct cdr_writer *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->lock);
	cdr_journal_wake(w->j);
	pthread_join(w->thread, NULL);
	w->running = false;
}

void cdr_writer_free(struct cdr_writer *w)
{
	if (!w)
		return;
	cdr_writer_stop(w);
	cdr_reader_free(w->reader);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->lock);
	free(w->batch);
	free(w->conninfo);
	free(w);
}
