/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CDR writer thread: journal -> batches -> PostgreSQL -> checkpoint ->
 * trim, retrying with backoff while the database is away. One batch is in
 * the database's hands while the next is read. */
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
/* Under load the checkpoint is saved at most this often (two fsyncs each),
 * and at once whenever the writer catches up or stops: a crash replays
 * what was committed since, which the conflict clause makes harmless. */
#define CDR_CHECKPOINT_MS 200
/* A batch found short waits this long for more records before it goes:
 * while calls end faster than one at a time, fewer and larger transactions
 * carry them (each costs a statement and a commit fsync), and a record
 * reaches the table some tens of ms later. */
#define CDR_LINGER_MS 50

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
	struct cdr_record *batch; /* being read from the journal */
	int nbatch;
	struct cdr_pos batch_end;  /* after the last record read */
	struct cdr_record *flight; /* sent to the database, not yet committed */
	int nflight;
	bool in_flight; /* its outcome is still to be read */
	struct cdr_pos flight_end;
	struct cdr_pos committed; /* everything before it is in the database */
	struct cdr_pos saved;     /* the checkpoint file says this */
	struct timespec ckpt_due; /* save again from then on */
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

/* Unless a batch in flight holds older ones (then the age is known), the
 * batch just read holds the oldest pending records: publish when the oldest
 * of them was made, for the age in the status. */
static void cdr_writer_note_oldest(struct cdr_writer *w)
{
	int64_t oldest = INT64_MAX;
	bool known;

	pthread_mutex_lock(&w->lock);
	known = w->st.oldest_known;
	pthread_mutex_unlock(&w->lock);
	if (known)
		return;
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

/* Keep record r, which the database refused (why), in rejected.tsv, and
 * log it. */
static int cdr_writer_reject(struct cdr_writer *w, const struct cdr_record *r, const char *why)
{
	char path[4096], line[CDR_PG_LINE_MAX];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/" CDR_REJECTED, cdr_journal_dir(w->j));
	cdr_pg_format(r, line, sizeof(line));
	LOG_E("cdr", "call %s leg %d refused by the database (kept in %s): %s", r->call_uuid, r->leg, path, why);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || dprintf(fd, "%s\t# %s\n", line, why) < 0 || fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
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

/* The database refused records recs[0 .. n-1] as a whole (why says why):
 * insert the two halves apart, and so on down to single records, keeping
 * those it refuses in rejected.tsv rather than stall for ever. The good
 * records land in a few transactions per bad one. */
static int cdr_writer_split(struct cdr_writer *w, const struct cdr_record *recs, int n, int *inserted, int *rejected,
			    char *why, size_t whylen)
{
	int half = n / 2;

	if (n == 1) {
		int rc = cdr_writer_reject(w, recs, why);

		*rejected += rc == 0;
		return rc;
	}
	for (int part = 0; part < 2; part++) {
		const struct cdr_record *from = part ? recs + half : recs;
		int count = part ? n - half : half, one = 0;
		int rc = cdr_pg_insert(w->pg, from, count, &one, why, whylen);

		*inserted += one;
		if (rc == -EINVAL)
			rc = cdr_writer_split(w, from, count, inserted, rejected, why, whylen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Save the checkpoint at pos (everything before it is in the database),
 * then delete the segments wholly before it. */
static void cdr_writer_checkpoint(struct cdr_writer *w, const struct cdr_pos *pos)
{
	int rc = cdr_checkpoint_save(cdr_journal_dir(w->j), pos), trimmed;

	deadline_in(&w->ckpt_due, CDR_CHECKPOINT_MS);
	if (rc < 0) {
		LOG_W("cdr", "%s: saving the checkpoint: %s (a restart replays more)", cdr_journal_dir(w->j),
		      strerror(-rc));
		return;
	}
	w->saved = *pos;
	trimmed = cdr_journal_trim(cdr_journal_dir(w->j), pos);
	if (trimmed > 0)
		LOG_I("cdr", "%d drained journal segment(s) deleted", trimmed);
	pthread_mutex_lock(&w->lock);
	w->st.checkpoint = *pos;
	pthread_mutex_unlock(&w->lock);
}

static void cdr_writer_lost(struct cdr_writer *w, const char *why)
{
	cdr_writer_error(w, "inserting CDRs", why);
	cdr_pg_close(w->pg);
	w->pg = NULL;
	w->in_flight = false;
}

/* Send the batch in flight: its transaction starts, and the database works
 * on it while the writer reads the next batch. */
static int cdr_writer_send(struct cdr_writer *w)
{
	char why[512] = "";
	int rc;

	cdr_writer_busy(w);
	if (!w->pg) {
		rc = cdr_pg_connect(w->conninfo, &w->pg, why, sizeof(why));
		if (rc < 0) {
			cdr_writer_error(w, "cannot connect to the database", why);
			return rc;
		}
		LOG_I("cdr", "connected to the database");
	}
	rc = cdr_pg_send(w->pg, w->flight, w->nflight, why, sizeof(why));
	if (rc < 0) {
		cdr_writer_lost(w, why);
		return rc;
	}
	w->in_flight = true;
	return 0;
}

/* Wait for the batch in flight to commit (split if the database refuses
 * records of it), count it, and let the checkpoint pass it. On failure it
 * stays, to be sent again. */
static int cdr_writer_land(struct cdr_writer *w)
{
	char why[512] = "";
	int rc, inserted = 0, rejected = 0;

	w->in_flight = false;
	rc = cdr_pg_wait(w->pg, &inserted, why, sizeof(why));
	if (rc == -EINVAL)
		rc = cdr_writer_split(w, w->flight, w->nflight, &inserted, &rejected, why, sizeof(why));
	if (rc < 0) {
		cdr_writer_lost(w, why);
		return rc;
	}
	/* Committed: only now may the checkpoint pass these records. */
	w->committed = w->flight_end;
	pthread_mutex_lock(&w->lock);
	if (w->st.last_error[0])
		LOG_I("cdr", "writing CDRs again after: %s", w->st.last_error);
	w->st.written += (uint64_t)inserted;
	w->st.duplicates += (uint64_t)(w->nflight - inserted - rejected);
	w->st.rejected += (uint64_t)rejected;
	w->st.batches++;
	w->st.db_up = true;
	w->st.busy_since = 0;
	w->st.last_error[0] = '\0';
	w->st.oldest_known = false; /* the next fill learns the next oldest */
	pthread_mutex_unlock(&w->lock);
	w->nflight = 0;
	w->retry_ms = w->retry_min_ms;
	if (deadline_left_ms(&w->ckpt_due) <= 0)
		cdr_writer_checkpoint(w, &w->committed);
	return 0;
}

/* The writer caught up: save the checkpoint if it lags. And if the reader
 * went past the end of a whole segment without a record to commit (its
 * last ones were committed before), move the checkpoint to the next
 * segment so the drained one can go. */
static void cdr_writer_idle(struct cdr_writer *w)
{
	struct cdr_pos pos;

	cdr_reader_pos(w->reader, &pos);
	if (pos.seg > w->committed.seg) {
		w->batch_end = w->committed = pos;
		cdr_writer_checkpoint(w, &pos);
	} else if (cdr_pos_cmp(&w->saved, &w->committed) < 0) {
		cdr_writer_checkpoint(w, &w->committed);
	}
}

/* One step of the loop: the batch read last goes in flight once the one
 * before has landed. */
static void cdr_writer_step(struct cdr_writer *w)
{
	struct cdr_record *t;
	int n;

	/* A batch the database did not take (connection lost, server down)
	 * goes again first, on its own. */
	if (w->nflight && !w->in_flight) {
		if (cdr_writer_send(w) < 0 || cdr_writer_land(w) < 0)
			cdr_writer_backoff(w);
		return;
	}
	/* Read the next batch while the database works on the one in flight. */
	if (w->nbatch == 0) {
		n = cdr_writer_fill(w);
		if (n <= 0 && w->in_flight) {
			if (cdr_writer_land(w) < 0)
				cdr_writer_backoff(w);
			return;
		}
		if (n < 0) {
			cdr_writer_backoff(w);
			return;
		}
		if (n == 0) {
			struct cdr_journal_stats js;

			cdr_writer_idle(w);
			cdr_journal_stats(w->j, &js);
			if (cdr_pos_cmp(&js.durable, &w->batch_end) <= 0)
				cdr_journal_wait(w->j, &w->batch_end, CDR_IDLE_MS);
			return;
		}
		if (n < w->batch_max && cdr_writer_sleep(w, CDR_LINGER_MS))
			cdr_writer_fill(w);
	}
	if (w->in_flight && cdr_writer_land(w) < 0) {
		cdr_writer_backoff(w);
		return;
	}
	if (w->nbatch < w->batch_max) /* and what came meanwhile */
		cdr_writer_fill(w);
	t = w->flight;
	w->flight = w->batch;
	w->batch = t;
	w->nflight = w->nbatch;
	w->flight_end = w->batch_end;
	w->nbatch = 0;
	if (cdr_writer_send(w) < 0)
		cdr_writer_backoff(w);
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
		cdr_writer_step(w);
	}
	/* Stopping: the batch in flight finishes; the checkpoint is left at
	 * what was committed. */
	if (w->in_flight)
		cdr_writer_land(w);
	if (w->nbatch == 0 && w->nflight == 0)
		cdr_writer_idle(w);
	else if (cdr_pos_cmp(&w->saved, &w->committed) < 0)
		cdr_writer_checkpoint(w, &w->committed);
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
	w->flight = calloc((size_t)w->batch_max, sizeof(*w->flight));
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!w->conninfo || !w->batch || !w->flight) {
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
	w->batch_end = w->committed = w->saved = from;
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
	pthread_setname_np(w->thread, "tandem-cdr-db"); /* top -H, perf */
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
	free(w->flight);
	free(w->conninfo);
	free(w);
}
