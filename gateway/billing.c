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
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define COMMITTERS 4

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
};

static void *bill_committer(void *arg)
{
	struct gw_billing *b = arg;
	char err[256];
	uint64_t one = 1;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		struct bill_item *it;

		while (!b->inbox && !b->stop)
			pthread_cond_wait(&b->cv, &b->mu);
		if (!b->inbox)
			break;
		it = b->inbox;
		b->inbox = it->next;
		if (!b->inbox)
			b->inbox_tail = &b->inbox;
		pthread_mutex_unlock(&b->mu);
		it->rc = cdr_journal_append(b->journal, &it->rec, err, sizeof(err));
		if (it->rc < 0)
			LOG_E(
			    "cdr",
			    "CDR %s leg %d NOT journaled (%s): caller %s callee %s start %lld end %lld disposition %s",
			    it->rec.call_uuid, it->rec.leg, err, it->rec.caller, it->rec.callee,
			    (long long)it->rec.start_ms, (long long)it->rec.end_ms,
			    cdr_disposition_name(it->rec.disposition));
		pthread_mutex_lock(&b->mu);
		it->next = b->done;
		b->done = it;
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

int gw_billing_attach(struct gw_billing *b, struct gw_loop *loop)
{
	return gw_watch_new(loop, b->efd, GW_READ, bill_drain, b, &b->watch);
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
	settings_cdr_journal(s, b->dir, sizeof(b->dir));
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
	if (b->efd > 0)
		close(b->efd);
	cdr_writer_free(b->writer);
	cdr_journal_close(b->journal);
	free(b);
}

void gw_billing_status(struct gw_billing *b, struct ctl_out *out)
{
	struct cdr_writer_status st;

	cdr_writer_status(b->writer, &st);
	ctl_out_kv(out, "cdr_journal", "%s", b->dir);
	ctl_out_kv(out, "cdr_journaled", "%llu", (unsigned long long)st.journaled);
	ctl_out_kv(out, "cdr_written", "%llu", (unsigned long long)st.written);
	ctl_out_kv(out, "cdr_pending", "%llu", (unsigned long long)st.pending);
	ctl_out_kv(out, "cdr_rejected", "%llu", (unsigned long long)st.rejected);
	/* The writer connects when it has something to write: "idle" until then. */
	ctl_out_kv(out, "cdr_db", "%s", st.db_up ? "up" : st.last_error[0] ? "down" : "idle");
	ctl_out_kv(out, "cdr_last_error", "%s", st.last_error);
}
