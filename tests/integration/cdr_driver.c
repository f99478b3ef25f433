/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Integration test driver for the CDR pipeline: appends numbered records
 * from several threads through the journal, logs each acknowledged
 * (durable) one, and lets the writer drain them into the database named
 * by the libpq environment.
 *
 *   cdr_driver --dir DIR [--first N] [--count N] [--threads T]
 *              [--ack FILE] [--slow-us US] [--drain SECONDS]
 *
 * Record i has call_uuid 00000000-0000-4000-8000-<i as 12 hex digits>,
 * leg 1; even ones are answered with every field set, odd ones failed
 * with only the required fields. --drain waits until the writer has
 * nothing pending (exit 1 on timeout). The last line printed is the
 * writer's counters. */
#include "config.h"

#include "db/cdr_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct drv {
	struct cdr_journal *j;
	unsigned first, count, threads;
	int ack_fd;
	long slow_us;
	int failures;
	pthread_mutex_t lock;
};

struct drv_thread {
	struct drv *d;
	unsigned index;
};

static void drv_record(struct cdr_record *r, unsigned i)
{
	cdr_record_init(r);
	snprintf(r->call_uuid, sizeof(r->call_uuid), "00000000-0000-4000-8000-%012x", i);
	r->leg = 1;
	snprintf(r->node, sizeof(r->node), "test-node");
	r->start_ms = 1700000000000 + (int64_t)i * 1000;
	if (i % 2) {
		r->direction = CDR_DIR_INBOUND;
		r->end_ms = r->start_ms + 1500;
		r->duration_ms = 1500;
		r->disposition = CDR_DISP_FAILED;
		return;
	}
	r->direction = CDR_DIR_OUTBOUND;
	snprintf(r->customer, sizeof(r->customer), "acme");
	snprintf(r->ingress, sizeof(r->ingress), "acme-pbx");
	snprintf(r->egress, sizeof(r->egress), "pri-a");
	snprintf(r->span, sizeof(r->span), "span1");
	r->channel = 1 + (int)(i % 30);
	snprintf(r->caller, sizeof(r->caller), "+442071234567");
	snprintf(r->callee, sizeof(r->callee), "+4930%06u", i % 1000000);
	snprintf(r->dialed, sizeof(r->dialed), "0049 30 %u 'x' \"y\" \\ \t", i);
	r->answer_ms = r->start_ms + 2345;
	r->end_ms = r->start_ms + 62345;
	r->duration_ms = 62345;
	r->billable_ms = 60000;
	r->disposition = CDR_DISP_ANSWERED;
	r->sip_status = 200;
	r->q850_cause = 16;
	r->hangup_side = CDR_HANGUP_CALLER;
	snprintf(r->codec, sizeof(r->codec), "PCMA");
	snprintf(r->sip_call_id, sizeof(r->sip_call_id), "call-%u@pbx.example.com", i);
	snprintf(r->route, sizeof(r->route), "+4930 -> pri-a");
}

static void *drv_main(void *arg)
{
	struct drv_thread *t = arg;
	struct drv *d = t->d;
	struct cdr_record r;
	char err[256], line[32];

	for (unsigned k = t->index; k < d->count; k += d->threads) {
		unsigned i = d->first + k;
		int len;

		drv_record(&r, i);
		if (cdr_journal_append(d->j, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "append %u: %s\n", i, err);
			pthread_mutex_lock(&d->lock);
			d->failures++;
			pthread_mutex_unlock(&d->lock);
			continue;
		}
		/* Acknowledged: durable. One write() per line, so a SIGKILL
		 * leaves whole lines only. */
		len = snprintf(line, sizeof(line), "%u\n", i);
		if (d->ack_fd >= 0 && write(d->ack_fd, line, (size_t)len) != len)
			perror("ack");
		if (d->slow_us > 0)
			usleep((useconds_t)d->slow_us);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},   {"first", required_argument, NULL, 'f'},
	    {"count", required_argument, NULL, 'n'}, {"threads", required_argument, NULL, 't'},
	    {"ack", required_argument, NULL, 'a'},   {"slow-us", required_argument, NULL, 's'},
	    {"drain", required_argument, NULL, 'w'}, {NULL, 0, NULL, 0},
	};
	struct drv d = {.threads = 4, .ack_fd = -1};
	struct cdr_writer_opts wo = {"", 100, 100, 1000};
	struct cdr_writer *w = NULL;
	struct cdr_writer_status st;
	struct drv_thread *ts = NULL;
	pthread_t *tids = NULL;
	const char *dir = NULL;
	char err[256] = "";
	int c, drain = -1, rc = 1;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'f':
			d.first = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			d.count = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			d.threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			d.slow_us = strtol(optarg, NULL, 10);
			break;
		case 'w':
			drain = atoi(optarg);
			break;
		case 'a':
			d.ack_fd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (d.ack_fd < 0) {
				perror(optarg);
				return 1;
			}
			break;
		default:
			fprintf(stderr, "usage: cdr_driver --dir DIR [options]\n");
			return 2;
		}
	}
	if (!dir || d.threads < 1 || d.threads > 64) {
		fprintf(stderr, "usage: cdr_driver --dir DIR [--threads 1..64] [options]\n");
		return 2;
	}
	pthread_mutex_init(&d.lock, NULL);
	if (cdr_journal_open(dir, NULL, &d.j, err, sizeof(err)) < 0) {
		fprintf(stderr, "journal: %s\n", err);
		goto out;
	}
	if (cdr_writer_new(d.j, &wo, &w, err, sizeof(err)) < 0 || cdr_writer_start(w) < 0) {
		fprintf(stderr, "writer: %s\n", err);
		goto out;
	}
	ts = calloc(d.threads, sizeof(*ts));
	tids = calloc(d.threads, sizeof(*tids));
	if (!ts || !tids)
		goto out;
	for (unsigned i = 0; i < d.threads; i++) {
		ts[i] = (struct drv_thread){&d, i};
		pthread_create(&tids[i], NULL, drv_main, &ts[i]);
	}
	for (unsigned i = 0; i < d.threads; i++)
		pthread_join(tids[i], NULL);
	rc = d.failures ? 1 : 0;
	if (drain >= 0 && cdr_writer_flush(w, drain * 1000) < 0) {
		fprintf(stderr, "not drained after %d s\n", drain);
		rc = 1;
	}
	cdr_writer_status(w, &st);
	printf("journaled %" PRIu64 " written %" PRIu64 " duplicates %" PRIu64 " rejected %" PRIu64 " pending %" PRIu64
	       " batches %" PRIu64 " last_error \"%s\"\n",
	       st.journaled, st.written, st.duplicates, st.rejected, st.pending, st.batches, st.last_error);
out:
	cdr_writer_free(w);
	cdr_journal_close(d.j);
	free(ts);
	free(tids);
	if (d.ack_fd >= 0)
		close(d.ack_fd);
	pthread_mutex_destroy(&d.lock);
	return rc;
}
