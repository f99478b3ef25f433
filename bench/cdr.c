/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark: CDR journal appends per second and records per fdatasync
 * (group commit) with 1, 8 and 64 appending threads.
 *
 *   bench/cdr [DIR] [SECONDS-PER-RUN]
 *
 * DIR (default: a new directory under $TMPDIR or /tmp) should be on the
 * disk the journal will live on: the figures are the disk's flush rate. */
#include "config.h"

#include "db/cdr_journal.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_bool bench_stop;

struct bench_thread {
	struct cdr_journal *j;
	unsigned id;
	uint64_t done;
};

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *bench_main(void *arg)
{
	struct bench_thread *t = arg;
	struct cdr_record r;
	char err[256];

	cdr_record_init(&r);
	snprintf(r.node, sizeof(r.node), "bench");
	r.direction = CDR_DIR_OUTBOUND;
	r.start_ms = 1700000000000;
	r.answer_ms = r.start_ms + 3000;
	r.end_ms = r.start_ms + 63000;
	r.duration_ms = 63000;
	r.billable_ms = 60000;
	r.disposition = CDR_DISP_ANSWERED;
	r.channel = 5;
	r.sip_status = 200;
	r.q850_cause = 16;
	snprintf(r.customer, sizeof(r.customer), "acme");
	snprintf(r.caller, sizeof(r.caller), "+442071234567");
	snprintf(r.callee, sizeof(r.callee), "+4930123456");
	snprintf(r.sip_call_id, sizeof(r.sip_call_id), "a84b4c76e66710@pc33.example.com");
	while (!atomic_load(&bench_stop)) {
		snprintf(r.call_uuid, sizeof(r.call_uuid), "00000000-0000-4000-%04x-%012" PRIx64, t->id, t->done);
		r.leg = 1;
		if (cdr_journal_append(t->j, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "append: %s\n", err);
			break;
		}
		t->done++;
	}
	return NULL;
}

static void bench_clean(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[8192];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

static int bench_run(const char *dir, unsigned nthreads, double seconds)
{
	struct bench_thread t[64];
	pthread_t tid[64];
	struct cdr_journal *j;
	struct cdr_journal_stats st;
	char err[256];
	double t0, t1;

	bench_clean(dir);
	if (cdr_journal_open(dir, NULL, &j, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	atomic_store(&bench_stop, false);
	t0 = bench_now();
	for (unsigned i = 0; i < nthreads; i++) {
		t[i] = (struct bench_thread){j, i, 0};
		pthread_create(&tid[i], NULL, bench_main, &t[i]);
	}
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&bench_stop, true);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	t1 = bench_now();
	cdr_journal_stats(j, &st);
	printf("%2u threads: %8.0f appends/s, %6.1f records per fdatasync, %5.0f fdatasyncs/s (%" PRIu64
	       " appends, %" PRIu64 " bytes)\n",
	       nthreads, (double)st.appends / (t1 - t0), (double)st.appends / (double)(st.syncs ? st.syncs : 1),
	       (double)st.syncs / (t1 - t0), st.appends, st.bytes);
	cdr_journal_close(j);
	bench_clean(dir);
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned runs[] = {1, 8, 64};
	char dir[4096];
	double seconds = argc > 2 ? atof(argv[2]) : 2.0;
	int rc = 0;

	if (argc > 1 && argv[1][0]) {
		snprintf(dir, sizeof(dir), "%s", argv[1]);
		mkdir(dir, 0700);
	} else {
		const char *base = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/tandem-cdr-bench-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]) && rc == 0; i++)
		rc = bench_run(dir, runs[i], seconds);
	if (argc <= 1)
		rmdir(dir);
	return rc;
}
