/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's CDR pipeline: journal + writer, started and stopped with it. */
#include "config.h"

#include "gateway/billing.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/settings.h"
#include "db/cdr_journal.h"
#include "db/cdr_writer.h"

#include "gateway/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* Two committers: one writes what queued while the other's flush runs. */
#define COMMITTERS 2
#define BILL_BATCH 64
/* The CDR alarm is checked this often and repeated at most this often. */
#define ALARM_TICK_MS   1000
#define ALARM_REPEAT_MS 60000

/* A record on its way to the journal, then back to the loop. */
struct bill_item {
	struct bill_item *next;
	struct cdr_record rec;
	void (*done)(void *arg, int rc);
	void *arg;
	int rc;
};

struct gw_billing {
	struct cdr_journal *journal;
	struct cdr_writer *writer;
	char dir[256];
	/* committers: several threads, so concurrent appends share fdatasyncs */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bill_item *inbox, **inbox_tail, *done;
	pthread_t thr[COMMITTERS];
	int nthr, stop, efd;
	struct gw_watch *watch;
	unsigned long failed;
	bool enabled; /* [cdr] enabled: no = nothing is journaled */
	int alarm_after_ms;
	struct cdr_alarm alarm;
	struct gw_timer *tick;
};

/* A committer takes everything queued (up to BILL_BATCH records) and
 * journals it with one write and one fdatasync: under load the records
 * of many calls share one flush, and one wake-up of the loop. */
static void *bill_committer(void *arg)
{
	struct gw_billing *b = arg;
	struct bill_item *batch[BILL_BATCH];
	const struct cdr_record *recs[BILL_BATCH];
	int rcs[BILL_BATCH];
	char err[256];
	uint64_t one = 1;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		int n = 0, i;

		while (!b->inbox && !b->stop)
			pthread_cond_wait(&b->cv, &b->mu);
		if (!b->inbox)
			break;
		while (b->inbox && n < BILL_BATCH) {
			batch[n] = b->inbox;
			recs[n] = &batch[n]->rec;
			n++;
			b->inbox = b->inbox->next;
		}
		if (!b->inbox)
			b->inbox_tail = &b->inbox;
		pthread_mutex_unlock(&b->mu);
		err[0] = 0;
		cdr_journal_append_many(b->journal, recs, n, rcs, err, sizeof(err));
		for (i = 0; i < n; i++) {
			struct bill_item *it = batch[i];
			char why[256];

			it->rc = rcs[i];
			if (it->rc >= 0)
				continue;
			/* The record's own fault, else the journal's. */
			if (it->rc != -EINVAL || cdr_record_check(&it->rec, why, sizeof(why)) == 0)
				snprintf(why, sizeof(why), "%s", err);
			LOG_E(
			    "cdr",
			    "CDR %s leg %d NOT journaled (%s): caller %s callee %s start %lld end %lld disposition %s",
			    it->rec.call_uuid, it->rec.leg, why, it->rec.caller, it->rec.callee,
			    (long long)it->rec.start_ms, (long long)it->rec.end_ms,
			    cdr_disposition_name(it->rec.disposition));
		}
		pthread_mutex_lock(&b->mu);
		for (i = 0; i < n; i++) {
			batch[i]->next = b->done;
			b->done = batch[i];
		}
		if (write(b->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			LOG_W("cdr", "eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* On the loop: run the done callbacks, oldest first. */
static void bill_drain(void *arg, int revents)
{
	struct gw_billing *b = arg;
	struct bill_item *list, *rev = NULL;
	uint64_t n;

	(void)revents;
	if (read(b->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&b->mu);
	list = b->done;
	b->done = NULL;
	pthread_mutex_unlock(&b->mu);
	while (list) {
		struct bill_item *next = list->next;
		list->next = rev;
		rev = list;
		list = next;
	}
	while (rev) {
		struct bill_item *next = rev->next;
		if (rev->rc < 0)
			b->failed++;
		if (rev->done)
			rev->done(rev->arg, rev->rc);
		free(rev);
		rev = next;
	}
}

static int64_t bill_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The database as the writer last saw it, for the alarm. */
static const char *bill_db_state(const struct cdr_writer_status *st, int64_t now_ms, char *buf, size_t len)
{
	long long wait = st->busy_since ? now_ms / 1000 - (long long)st->busy_since : 0;

	if (st->last_error[0])
		return st->last_error;
	if (wait >= 2) {
		snprintf(buf, len, "no answer for %lld s", wait);
		return buf;
	}
	return st->db_up ? "up" : "idle";
}

/* On the loop, once a second: records waiting too long for the database
 * raise one warning, repeated once a minute while it lasts, and a notice
 * when it ends. */
static void bill_tick(void *arg)
{
	struct gw_billing *b = arg;
	struct cdr_writer_status st;
	int64_t now = bill_now_ms(), age;
	char db[64];

	cdr_writer_status(b->writer, &st);
	age = cdr_writer_age_ms(&st, now);
	switch (cdr_alarm_step(&b->alarm, age, now, b->alarm_after_ms, ALARM_REPEAT_MS)) {
	case CDR_ALARM_RAISED:
	case CDR_ALARM_REPEATED:
		LOG_W("cdr", "CDR alarm: %llu records waiting, oldest %lld s, database: %s",
		      (unsigned long long)st.pending, (long long)(age / 1000), bill_db_state(&st, now, db, sizeof(db)));
		break;
	case CDR_ALARM_CLEARED:
		LOG_N("cdr", "CDR alarm cleared after %lld s: %llu records waiting, oldest %lld s",
		      (long long)((now - b->alarm.since_ms) / 1000), (unsigned long long)st.pending,
		      (long long)(age / 1000));
		break;
	case CDR_ALARM_QUIET:
		break;
	}
	gw_timer_start(b->tick, ALARM_TICK_MS);
}

int gw_billing_attach(struct gw_billing *b, struct gw_loop *loop)
{
	int rc = gw_watch_new(loop, b->efd, GW_READ, bill_drain, b, &b->watch);

	if (rc < 0 || !b->enabled)
		return rc;
	rc = gw_timer_new(loop, bill_tick, b, &b->tick);
	if (rc == 0)
		gw_timer_start(b->tick, ALARM_TICK_MS);
	return rc;
}

int gw_billing_submit(struct gw_billing *b, const struct cdr_record *rec, void (*done)(void *arg, int rc), void *arg)
{
	struct bill_item *it = calloc(1, sizeof(*it));

	if (!it)
		return -ENOMEM;
	it->rec = *rec;
	it->done = done;
	it->arg = arg;
	pthread_mutex_lock(&b->mu);
	if (!b->enabled) {
		/* Dropped; done still runs later on the loop, as it would. */
		uint64_t one = 1;

		it->next = b->done;
		b->done = it;
		if (write(b->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			LOG_W("cdr", "eventfd: %s", strerror(errno));
		pthread_mutex_unlock(&b->mu);
		return 0;
	}
	*b->inbox_tail = it;
	b->inbox_tail = &it->next;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	return 0;
}

int gw_billing_new(const struct tandem_settings *s, struct gw_billing **out, char *err, size_t errlen)
{
	struct gw_billing *b = calloc(1, sizeof(*b));
	struct cdr_writer_opts wo = {.conninfo = s->db_conninfo, .batch_max = s->cdr_batch};
	char why[512];
	int rc;

	*out = NULL;
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->inbox_tail = &b->inbox;
	b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->efd < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	b->enabled = s->cdr_enabled;
	b->alarm_after_ms = s->cdr_alarm_after_ms;
	settings_cdr_journal(s, b->dir, sizeof(b->dir));
	if (!b->enabled) {
		LOG_W("cdr",
		      "[cdr] enabled = no: NO CDRs WILL BE WRITTEN, calls go unbilled (for measurements only; "
		      "the journal %s is left alone)",
		      b->dir);
		*out = b;
		return 0;
	}
	rc = paths_mkdirs(b->dir, 0750, 0);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the CDR journal folder %s: %s", b->dir, strerror(-rc));
		goto fail;
	}
	rc = cdr_journal_open(b->dir, NULL, &b->journal, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "cannot open the CDR journal %s: %s", b->dir, why);
		goto fail;
	}
	rc = cdr_writer_new(b->journal, &wo, &b->writer, why, sizeof(why));
	if (rc == 0)
		rc = cdr_writer_start(b->writer);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the CDR writer: %s", rc == -ENOMEM ? "out of memory" : why);
		goto fail;
	}
	for (; b->nthr < COMMITTERS; b->nthr++) {
		if ((rc = -pthread_create(&b->thr[b->nthr], NULL, bill_committer, b)) < 0) {
			snprintf(err, errlen, "cannot start the CDR committers: %s", strerror(-rc));
			goto fail;
		}
		pthread_setname_np(b->thr[b->nthr], "tandem-cdr-sync"); /* top -H, perf */
	}
	LOG_I("cdr", "journal %s, draining into the database", b->dir);
	*out = b;
	return 0;
fail:
	gw_billing_free(b);
	return rc;
}

void gw_billing_free(struct gw_billing *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	for (int i = 0; i < b->nthr; i++)
		pthread_join(b->thr[i], NULL);
	/* Records journaled but not yet reported: their callbacks still run. */
	if (b->watch)
		bill_drain(b, 0);
	gw_watch_free(b->watch);
	gw_timer_free(b->tick);
	if (b->efd > 0)
		close(b->efd);
	cdr_writer_free(b->writer);
	cdr_journal_close(b->journal);
	free(b);
}

void gw_billing_status(struct gw_billing *b, struct ctl_out *out)
{
	struct cdr_writer_status st;
	struct cdr_journal_stats js;
	uint64_t bytes, segments;
	int64_t now = bill_now_ms();

	ctl_out_kv(out, "cdr_enabled", "%s", b->enabled ? "yes" : "no");
	if (!b->enabled) {
		ctl_out_kv(out, "cdr_db", "%s", "disabled");
		return;
	}
	cdr_writer_status(b->writer, &st);
	ctl_out_kv(out, "cdr_journal", "%s", b->dir);
	/* What the segments not yet trimmed take on disk ("" if unreadable). */
	if (cdr_journal_disk_usage(b->dir, &bytes, &segments) == 0)
		ctl_out_kv(out, "cdr_journal_bytes", "%llu", (unsigned long long)bytes);
	else
		ctl_out_kv(out, "cdr_journal_bytes", "%s", "");
	ctl_out_kv(out, "cdr_journaled", "%llu", (unsigned long long)st.journaled);
	/* Flushes against records: group commit at work (several per flush). */
	cdr_journal_stats(b->journal, &js);
	ctl_out_kv(out, "cdr_journal_syncs", "%llu", (unsigned long long)js.syncs);
	ctl_out_kv(out, "cdr_written", "%llu", (unsigned long long)st.written);
	ctl_out_kv(out, "cdr_batches", "%llu", (unsigned long long)st.batches);
	ctl_out_kv(out, "cdr_pending", "%llu", (unsigned long long)st.pending);
	ctl_out_kv(out, "cdr_pending_age_s", "%lld", (long long)(cdr_writer_age_ms(&st, now) / 1000));
	ctl_out_kv(out, "cdr_rejected", "%llu", (unsigned long long)st.rejected);
	/* The writer connects when it has something to write: "idle" until then. */
	ctl_out_kv(out, "cdr_db", "%s", st.db_up ? "up" : st.last_error[0] ? "down" : "idle");
	/* How long the statement in flight has waited: a stalled server. */
	ctl_out_kv(out, "cdr_db_wait_s", "%lld",
		   st.busy_since && now / 1000 > st.busy_since ? (long long)(now / 1000 - st.busy_since) : 0LL);
	ctl_out_kv(out, "cdr_last_error", "%s", st.last_error);
}
