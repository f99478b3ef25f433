/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark of the CDR pipeline (docs/cdr.md):
 *
 * 1. journal appends per second and records per fdatasync (group commit)
 *    with 1, 8 and 64 appending threads;
 * 2. against PostgreSQL: N records appended by T threads to an
 *    fdatasynced journal while the writer drains it into table cdr, timed
 *    from the first append to the last row committed (end to end); the
 *    writer alone draining the same N records as a backlog; and, as the
 *    peer, psql's COPY of the same rows into the same table. It prints
 *    the rates and the ratios writer / COPY against the target (at least
 *    0.5), medians over R rounds.
 *
 *   bench/cdr [--dir DIR] [--seconds S] [--records N] [--threads T]
 *             [--batch B] [--rounds R] [--appends-only | --pipeline-only]
 *
 * Defaults: S 2 (per append run), N 200,000, T 8, B 200 (the writer's),
 * R 3. `bench/cdr DIR SECONDS` still works.
 *
 * DIR (default: a new directory under $TMPDIR or /tmp) should be on the
 * disk the journal will live on: the append figures are its flush rate.
 * The pipeline uses the libpq environment (PGHOST, PGDATABASE...) and
 * psql ($PSQL, else from $PATH); it wants a migrated database whose table
 * cdr is empty, and truncates that table between runs (bench/cdr.sh
 * starts a throwaway cluster). */
#include "config.h"

#include "common/log.h"
#include "db/cdr_journal.h"
#include "db/cdr_pg.h"
#include "db/cdr_writer.h"
#include "db/session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_RATIO 0.5
#define MAX_THREADS  64
#define DRAIN_MS     (600 * 1000)

struct bench_opts {
	char dir[4096];
	double seconds;
	unsigned records, threads, rounds;
	int batch;
	bool appends, pipeline;
	const char *psql;
};

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* splitmix64's finaliser: a bijection, so distinct i give distinct uuids. */
static uint64_t bench_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Record i: a random-looking v4 uuid (as tandemd makes them, so the unique
 * index sees scattered keys); three in four answered with every field set,
 * the rest failed with only what a failed call has. */
static void bench_record(struct cdr_record *r, uint64_t i)
{
	uint64_t h = bench_mix(i), g = bench_mix(h);

	cdr_record_init(r);
	snprintf(r->call_uuid, sizeof(r->call_uuid), "%08" PRIx32 "-%04x-4%03x-%04x-%012" PRIx64, (uint32_t)(h >> 32),
		 (unsigned)(h >> 16) & 0xffff, (unsigned)h & 0xfff, 0x8000 | ((unsigned)(g >> 48) & 0x3fff),
		 g & (uint64_t)0xffffffffffff);
	r->leg = 1;
	snprintf(r->node, sizeof(r->node), "gw-bench-1");
	snprintf(r->customer, sizeof(r->customer), "customer-%u", (unsigned)(i % 97));
	snprintf(r->ingress, sizeof(r->ingress), "pbx-%u", (unsigned)(i % 97));
	snprintf(r->caller, sizeof(r->caller), "+44207%07u", (unsigned)(i % 10000000));
	snprintf(r->callee, sizeof(r->callee), "+4930%08u", (unsigned)(g % 100000000));
	snprintf(r->dialed, sizeof(r->dialed), "030%08u", (unsigned)(g % 100000000));
	snprintf(r->sip_call_id, sizeof(r->sip_call_id), "%016" PRIx64 "@pbx-%u.example.com", g, (unsigned)(i % 97));
	r->start_ms = 1700000000000 + (int64_t)i * 37;
	if (i % 4 == 3) {
		r->direction = CDR_DIR_INBOUND;
		r->end_ms = r->start_ms + 1500;
		r->duration_ms = 1500;
		r->disposition = CDR_DISP_FAILED;
		r->sip_status = 503;
		r->q850_cause = 34;
		r->hangup_side = CDR_HANGUP_GATEWAY;
		return;
	}
	r->direction = CDR_DIR_OUTBOUND;
	snprintf(r->egress, sizeof(r->egress), "pri-%u", (unsigned)(i % 4));
	snprintf(r->span, sizeof(r->span), "span%u", (unsigned)(i % 4) + 1);
	r->channel = 1 + (int)(i % 30);
	r->answer_ms = r->start_ms + 2000 + (int64_t)(g % 8000);
	r->end_ms = r->answer_ms + (int64_t)(h % 600000);
	r->duration_ms = r->end_ms - r->start_ms;
	r->billable_ms = r->end_ms - r->answer_ms;
	r->disposition = CDR_DISP_ANSWERED;
	r->sip_status = 200;
	r->q850_cause = 16;
	r->hangup_side = i % 2 ? CDR_HANGUP_CALLER : CDR_HANGUP_CALLEE;
	snprintf(r->codec, sizeof(r->codec), "PCMA");
	snprintf(r->route, sizeof(r->route), "+4930 -> pri-%u", (unsigned)(i % 4));
}

/* --- 1. appends per second ------------------------------------------ */

static atomic_bool bench_stop;

struct bench_thread {
	struct cdr_journal *j;
	unsigned id, step;
	uint64_t done, count; /* appended; to append (0 = until bench_stop) */
	int failed;
};

static void *bench_append_main(void *arg)
{
	struct bench_thread *t = arg;
	struct cdr_record r;
	char err[256];

	for (uint64_t i = t->id; t->count ? i < t->count : !atomic_load(&bench_stop); i += t->step) {
		bench_record(&r, i);
		if (cdr_journal_append(t->j, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "append: %s\n", err);
			t->failed = 1;
			break;
		}
		t->done++;
	}
	return NULL;
}

/* nthreads threads append to j: count records in all, or until
 * bench_stop when count is 0. Returns 0 or -1 if an append failed. */
static int bench_appenders(struct cdr_journal *j, unsigned nthreads, uint64_t count, double seconds)
{
	struct bench_thread t[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	int failed = 0;

	atomic_store(&bench_stop, false);
	for (unsigned i = 0; i < nthreads; i++) {
		t[i] = (struct bench_thread){.j = j, .id = i, .step = nthreads, .count = count};
		pthread_create(&tid[i], NULL, bench_append_main, &t[i]);
	}
	if (!count) {
		usleep((useconds_t)(seconds * 1e6));
		atomic_store(&bench_stop, true);
	}
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(tid[i], NULL);
		failed |= t[i].failed;
	}
	return failed ? -1 : 0;
}

static int bench_appends(const char *dir, unsigned nthreads, double seconds)
{
	struct cdr_journal *j;
	struct cdr_journal_stats st;
	char err[256];
	double t0, t1;
	int rc;

	bench_clean(dir);
	if (cdr_journal_open(dir, NULL, &j, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	t0 = bench_now();
	rc = bench_appenders(j, nthreads, 0, seconds);
	t1 = bench_now();
	cdr_journal_stats(j, &st);
	printf("%2u threads: %8.0f appends/s, %6.1f records per fdatasync, %5.0f fdatasyncs/s (%" PRIu64
	       " appends, %" PRIu64 " bytes)\n",
	       nthreads, (double)st.appends / (t1 - t0), (double)st.appends / (double)(st.syncs ? st.syncs : 1),
	       (double)st.syncs / (t1 - t0), st.appends, st.bytes);
	cdr_journal_close(j);
	bench_clean(dir);
	return rc;
}

/* --- 2. end to end ---------------------------------------------------- */

struct bench_round {
	double live, backlog, append, copy; /* records per second */
	double ratio, backlog_ratio;        /* live / copy, backlog / copy */
	double live_batch, backlog_batch;   /* records per transaction */
};

/* Run sql, its one value (if any) into val. Returns 0, or -1 having said why. */
static int bench_sql(struct db_session *s, const char *sql, char *val, size_t len)
{
	char err[512], dummy[8];

	if (db_session_value(s, sql, 0, NULL, val ? val : dummy, val ? len : sizeof(dummy), err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", sql, err);
		return -1;
	}
	return 0;
}

/* An empty table cdr, its dirty pages written out, so that no phase pays
 * for a checkpoint of the one before. */
static int bench_empty_table(struct db_session *s)
{
	return bench_sql(s, "TRUNCATE cdr", NULL, 0) < 0 || bench_sql(s, "CHECKPOINT", NULL, 0) < 0 ? -1 : 0;
}

/* "<rows> <md5 of every row>": the same for two loads of the same rows. */
static int bench_digest(struct db_session *s, char *val, size_t len)
{
	char sql[1024];

	snprintf(
	    sql, sizeof(sql),
	    "SELECT count(*) || ' ' || coalesce(md5(string_agg(row(%s)::text, E'\\n' ORDER BY call_uuid, leg)), '') "
	    "FROM cdr",
	    cdr_pg_columns());
	return bench_sql(s, sql, val, len);
}

/* The writer, draining as the records are appended (live) or a journal
 * filled beforehand (backlog). Sets *rate (records per second from the
 * first append, or from the writer's start for a backlog, to the last
 * commit) and, for a backlog, *append_rate. */
static int bench_writer(const struct bench_opts *o, const char *dir, bool live, double *rate, double *append_rate,
			double *per_batch)
{
	struct cdr_writer_opts wo = {.conninfo = "", .batch_max = o->batch};
	struct cdr_writer_status st;
	struct cdr_journal *j = NULL;
	struct cdr_writer *w = NULL;
	double t0, t1, tw = 0;
	char err[256];
	int rc = -1;

	bench_clean(dir);
	if (cdr_journal_open(dir, NULL, &j, err, sizeof(err)) < 0) {
		fprintf(stderr, "journal: %s\n", err);
		return -1;
	}
	t0 = bench_now();
	if (!live && bench_appenders(j, o->threads, o->records, 0) < 0)
		goto out;
	tw = bench_now();
	if (cdr_writer_new(j, &wo, &w, err, sizeof(err)) < 0 || cdr_writer_start(w) < 0) {
		fprintf(stderr, "writer: %s\n", err);
		goto out;
	}
	if (live && bench_appenders(j, o->threads, o->records, 0) < 0)
		goto out;
	if (cdr_writer_flush(w, DRAIN_MS) < 0) {
		fprintf(stderr, "the writer did not drain in %d s\n", DRAIN_MS / 1000);
		goto out;
	}
	t1 = bench_now();
	cdr_writer_status(w, &st);
	if (st.written != o->records || st.duplicates || st.rejected) {
		fprintf(stderr,
			"writer: %" PRIu64 " written, %" PRIu64 " duplicates, %" PRIu64 " rejected of %u (%s)\n",
			st.written, st.duplicates, st.rejected, o->records, st.last_error);
		goto out;
	}
	*rate = (double)o->records / (live ? t1 - t0 : t1 - tw);
	*per_batch = (double)o->records / (double)(st.batches ? st.batches : 1);
	if (append_rate)
		*append_rate = (double)o->records / (tw - t0);
	rc = 0;
out:
	cdr_writer_free(w);
	cdr_journal_close(j);
	bench_clean(dir);
	return rc;
}

/* The rows as COPY text in path (not timed). */
static int bench_copy_file(const struct bench_opts *o, const char *path)
{
	FILE *f = fopen(path, "w");
	struct cdr_record r;
	char line[CDR_PG_LINE_MAX];

	if (!f) {
		perror(path);
		return -1;
	}
	for (uint64_t i = 0; i < o->records; i++) {
		bench_record(&r, i);
		cdr_pg_copy_line(&r, line, sizeof(line));
		fputs(line, f);
	}
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

/* psql -c "COPY cdr (...) FROM STDIN" < path, timed from the start of
 * psql to its exit (its connection included, as the writer's is). */
static int bench_copy(const struct bench_opts *o, const char *path, double *rate)
{
	char sql[1024];
	double t0, t1;
	int status, fd;
	pid_t pid;

	snprintf(sql, sizeof(sql), "COPY cdr (%s) FROM STDIN", cdr_pg_columns());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	t0 = bench_now();
	pid = fork();
	if (pid == 0) {
		dup2(fd, STDIN_FILENO);
		execlp(o->psql, o->psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, (char *)NULL);
		perror(o->psql);
		_exit(127);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		perror("psql");
		return -1;
	}
	t1 = bench_now();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s failed (status %d)\n", o->psql, status);
		return -1;
	}
	*rate = (double)o->records / (t1 - t0);
	return 0;
}

/* One round: writer live, writer on a backlog, COPY; each into an empty
 * table, each leaving the same rows. */
static int bench_round(const struct bench_opts *o, struct db_session *s, const char *jdir, const char *copy_path,
		       struct bench_round *r)
{
	char live[80], backlog[80], copy[80];

	if (bench_empty_table(s) < 0 || bench_writer(o, jdir, true, &r->live, NULL, &r->live_batch) < 0 ||
	    bench_digest(s, live, sizeof(live)) < 0)
		return -1;
	if (bench_empty_table(s) < 0 || bench_writer(o, jdir, false, &r->backlog, &r->append, &r->backlog_batch) < 0 ||
	    bench_digest(s, backlog, sizeof(backlog)) < 0)
		return -1;
	if (bench_empty_table(s) < 0 || bench_copy(o, copy_path, &r->copy) < 0 ||
	    bench_digest(s, copy, sizeof(copy)) < 0)
		return -1;
	if (strcmp(live, copy) != 0 || strcmp(backlog, copy) != 0) {
		fprintf(stderr, "the loads differ: writer live %s, backlog %s, COPY %s\n", live, backlog, copy);
		return -1;
	}
	if (strtoul(copy, NULL, 10) != o->records) {
		fprintf(stderr, "COPY left %s rows, not %u\n", copy, o->records);
		return -1;
	}
	return 0;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bench_median(struct bench_round *rs, unsigned n, size_t field)
{
	double v[64];

	for (unsigned i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&rs[i] + field);
	qsort(v, n, sizeof(v[0]), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int bench_pipeline(const struct bench_opts *o)
{
	struct bench_round rs[64];
	struct db_session *s = NULL;
	char err[512], val[64], jdir[4200], copy_path[4200];
	double ratio, backlog_ratio;
	int rc = -1;

	if (db_session_open("", &s, err, sizeof(err)) < 0) {
		fprintf(stderr,
			"pipeline: cannot connect (libpq environment): %s\n(make bench-cdr starts a cluster; "
			"--appends-only skips this part)\n",
			err);
		return -1;
	}
	if (bench_sql(s, "SELECT count(*) FROM cdr", val, sizeof(val)) < 0)
		goto out;
	if (strcmp(val, "0") != 0) {
		fprintf(stderr,
			"pipeline: table cdr has %s rows; this run truncates it, so it wants an empty one "
			"(a throwaway database: bench/cdr.sh)\n",
			val);
		goto out;
	}
	snprintf(jdir, sizeof(jdir), "%s/journal", o->dir);
	snprintf(copy_path, sizeof(copy_path), "%s/cdr.copy", o->dir);
	mkdir(jdir, 0700);
	if (bench_copy_file(o, copy_path) < 0)
		goto out;
	printf("\nCDR pipeline: %u records, %u appending threads, writer batch %d, %u round(s)\n", o->records,
	       o->threads, o->batch ? o->batch : 200, o->rounds);
	for (unsigned i = 0; i < o->rounds; i++) {
		struct bench_round *r = &rs[i];

		if (bench_round(o, s, jdir, copy_path, r) < 0)
			goto out;
		r->ratio = r->live / r->copy;
		r->backlog_ratio = r->backlog / r->copy;
		printf(
		    "  round %u: writer live %6.0f/s (%3.0f per batch), on a backlog %6.0f/s (appends alone %6.0f/s), "
		    "COPY %6.0f/s, live / COPY %.2f\n",
		    i + 1, r->live, r->live_batch, r->backlog, r->append, r->copy, r->ratio);
		fflush(stdout);
	}
	/* Each round's phases run close together, so a round's ratio is less
	 * exposed to the machine's other load than a ratio of medians. */
	ratio = bench_median(rs, o->rounds, offsetof(struct bench_round, ratio));
	printf("  medians of %u round(s):\n", o->rounds);
	printf("  %-58s %7.0f records/s\n", "writer, first append to last row committed (fsynced):",
	       bench_median(rs, o->rounds, offsetof(struct bench_round, live)));
	printf("  %-58s %7.0f records/s\n", "writer alone, draining the same records as a backlog:",
	       bench_median(rs, o->rounds, offsetof(struct bench_round, backlog)));
	printf("  %-58s %7.0f records/s\n", "journal appends alone (filling that backlog):",
	       bench_median(rs, o->rounds, offsetof(struct bench_round, append)));
	printf("  %-58s %7.0f records/s\n", "psql COPY of the same rows into the same table:",
	       bench_median(rs, o->rounds, offsetof(struct bench_round, copy)));
	backlog_ratio = bench_median(rs, o->rounds, offsetof(struct bench_round, backlog_ratio));
	printf("  writer alone / COPY = %.2f (target >= %.2f: %s)\n", backlog_ratio, TARGET_RATIO,
	       backlog_ratio >= TARGET_RATIO ? "met" : "NOT met");
	printf("  end to end / COPY = %.2f (target >= %.2f: %s)\n", ratio, TARGET_RATIO,
	       ratio >= TARGET_RATIO ? "met" : "NOT met");
	rc = 0;
out:
	if (s)
		bench_sql(s, "TRUNCATE cdr", NULL, 0);
	unlink(copy_path);
	rmdir(jdir);
	db_session_close(s);
	return rc;
}

/* --- main --------------------------------------------------------------- */

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: bench/cdr [--dir DIR] [--seconds S] [--records N] [--threads 1..%d] [--batch B]\n"
		"                 [--rounds 1..64] [--appends-only | --pipeline-only] [DIR [SECONDS]]\n",
		MAX_THREADS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},     {"seconds", required_argument, NULL, 's'},
	    {"records", required_argument, NULL, 'n'}, {"threads", required_argument, NULL, 't'},
	    {"batch", required_argument, NULL, 'b'},   {"rounds", required_argument, NULL, 'r'},
	    {"appends-only", no_argument, NULL, 'A'},  {"pipeline-only", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	static const unsigned runs[] = {1, 8, 64};
	struct bench_opts o = {.seconds = 2.0, .records = 200000, .threads = 8, .rounds = 3};
	bool made_dir = false;
	int c, rc = 0;

	o.appends = o.pipeline = true;
	o.psql = getenv("PSQL") && *getenv("PSQL") ? getenv("PSQL") : "psql";
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			snprintf(o.dir, sizeof(o.dir), "%s", optarg);
			break;
		case 's':
			o.seconds = atof(optarg);
			break;
		case 'n':
			o.records = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			o.threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			o.batch = atoi(optarg);
			break;
		case 'r':
			o.rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'A':
			o.pipeline = false;
			break;
		case 'P':
			o.appends = false;
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
	}
	/* The old positional form: DIR [SECONDS]. */
	if (optind < argc)
		snprintf(o.dir, sizeof(o.dir), "%s", argv[optind++]);
	if (optind < argc)
		o.seconds = atof(argv[optind++]);
	if (optind < argc || o.threads < 1 || o.threads > MAX_THREADS || o.rounds < 1 || o.rounds > 64 ||
	    o.records < 1 || o.seconds <= 0 || o.batch < 0 || (!o.appends && !o.pipeline)) {
		bench_usage(stderr);
		return 2;
	}
	log_setup("bench-cdr", LOG_TARGET_STDERR, LOG_WARNING, 0);
	if (o.dir[0]) {
		mkdir(o.dir, 0700);
	} else {
		const char *base = getenv("TMPDIR");

		snprintf(o.dir, sizeof(o.dir), "%s/tandem-cdr-bench-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(o.dir)) {
			perror("mkdtemp");
			return 1;
		}
		made_dir = true;
	}
	if (o.appends) {
		printf("CDR journal appends (each durable: fdatasync, group commit), %.1f s per run\n", o.seconds);
		for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]) && rc == 0; i++)
			rc = bench_appends(o.dir, runs[i], o.seconds);
	}
	if (rc == 0 && o.pipeline)
		rc = bench_pipeline(&o);
	if (made_dir)
		rmdir(o.dir);
	return rc < 0 ? 1 : 0;
}
