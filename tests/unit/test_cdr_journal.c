/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the CDR record codec, the journal (framing, rotation, torn
 * tails, corruption, concurrent appenders, group commit), the COPY text of
 * a record, the checkpoint file, and the writer's bookkeeping with no
 * database reachable. */
#include "config.h"

#include "db/cdr.h"
#include "db/cdr_journal.h"
#include "db/cdr_pg.h"
#include "db/cdr_writer.h"
#include "tests/tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmp_root[2048];

/* A fresh empty directory under the test's temporary root. */
static const char *tdir(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmp_root, name);
	mkdir(path, 0700);
	return path;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[8192];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* A record with every field set; n makes the call_uuid and leg unique. */
static void full_record(struct cdr_record *r, unsigned n)
{
	cdr_record_init(r);
	snprintf(r->call_uuid, sizeof(r->call_uuid), "6f1c1d8e-7a43-4a37-9b1f-%012x", n);
	r->leg = 1 + (int)(n % 3);
	snprintf(r->node, sizeof(r->node), "edge-1");
	r->direction = CDR_DIR_OUTBOUND;
	snprintf(r->customer, sizeof(r->customer), "acme");
	snprintf(r->ingress, sizeof(r->ingress), "acme-pbx");
	snprintf(r->egress, sizeof(r->egress), "carrier-a");
	snprintf(r->span, sizeof(r->span), "span1");
	r->channel = 17;
	snprintf(r->caller, sizeof(r->caller), "+442071234567");
	snprintf(r->callee, sizeof(r->callee), "+4930123456");
	snprintf(r->dialed, sizeof(r->dialed), "0049 30 123456\t\"quoted\" \\ é");
	r->start_ms = 1700000000123;
	r->answer_ms = 1700000004567;
	r->end_ms = 1700000064567;
	r->duration_ms = 64444;
	r->billable_ms = 60000;
	r->disposition = CDR_DISP_ANSWERED;
	r->sip_status = 200;
	r->q850_cause = 16;
	r->hangup_side = CDR_HANGUP_CALLEE;
	snprintf(r->codec, sizeof(r->codec), "PCMA");
	snprintf(r->sip_call_id, sizeof(r->sip_call_id), "a84b4c76e66710@pc33.example.com");
	snprintf(r->route, sizeof(r->route), "route 12 via carrier-a/gw2");
	r->calling_category = 10;
	snprintf(r->redirecting, sizeof(r->redirecting), "+442079460001");
	r->redirect_reason = 1;
	r->redirect_count = 2;
	snprintf(r->original_called, sizeof(r->original_called), "+442079460002");
}

/* Only the required fields. */
static void bare_record(struct cdr_record *r, unsigned n)
{
	cdr_record_init(r);
	snprintf(r->call_uuid, sizeof(r->call_uuid), "00000000-0000-4000-8000-%012x", n);
	r->leg = 1;
	snprintf(r->node, sizeof(r->node), "n1");
	r->direction = CDR_DIR_INBOUND;
	r->start_ms = 0;
	r->end_ms = 0;
	r->disposition = CDR_DISP_FAILED;
}

static void test_codec(void)
{
	struct cdr_record a, b;
	uint8_t buf[CDR_PAYLOAD_MAX];
	char err[256] = "";
	int len;

	full_record(&a, 1);
	is_int(cdr_record_check(&a, err, sizeof(err)), 0, "a full record is valid (%s)", err);
	len = cdr_encode(&a, buf, sizeof(buf));
	ok(len > 0, "full record encodes (%d bytes)", len);
	is_int(cdr_decode(buf, (size_t)len, &b), 0, "and decodes");
	ok(memcmp(&a, &b, sizeof(a)) == 0, "every field survives the round trip");

	bare_record(&a, 2);
	is_int(cdr_record_check(&a, err, sizeof(err)), 0, "a bare record is valid (%s)", err);
	len = cdr_encode(&a, buf, sizeof(buf));
	is_int(cdr_decode(buf, (size_t)len, &b), 0, "bare record decodes");
	ok(memcmp(&a, &b, sizeof(a)) == 0, "unset fields stay unset");
	ok(b.channel == CDR_UNSET && b.answer_ms == CDR_UNSET && b.sip_status == CDR_UNSET &&
	       b.q850_cause == CDR_UNSET && b.hangup_side == CDR_HANGUP_UNSET && b.customer[0] == '\0',
	   "unset ints are CDR_UNSET, unset text is empty");
	ok(b.calling_category == CDR_UNSET && b.redirect_reason == CDR_UNSET && b.redirect_count == CDR_UNSET &&
	       b.redirecting[0] == '\0' && b.original_called[0] == '\0',
	   "a payload without the 007 fields (an older journal's) decodes with them unset");
	is_int(cdr_decode(buf, (size_t)len - 1, &b), -EBADMSG, "a cut payload is refused");
	is_int(cdr_decode(buf, 3, &b), -EBADMSG, "a payload missing required fields is refused");
	is_int(cdr_encode(&a, buf, 10), -ENOSPC, "encoding into a short buffer: -ENOSPC");
}

static void test_check(void)
{
	struct cdr_record r;
	char err[256];

	full_record(&r, 3);
	r.call_uuid[8] = 'x';
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "bad uuid refused: %s", err);
	full_record(&r, 3);
	r.leg = 0;
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "leg 0 refused: %s", err);
	full_record(&r, 3);
	r.channel = 32;
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "channel 32 refused: %s", err);
	full_record(&r, 3);
	r.answer_ms = CDR_UNSET;
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "answered without answer time refused: %s", err);
	full_record(&r, 3);
	r.billable_ms = r.duration_ms + 1;
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "billable > duration refused: %s", err);
	full_record(&r, 3);
	snprintf(r.node, sizeof(r.node), "Edge 1");
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "node not a name refused: %s", err);
	full_record(&r, 3);
	snprintf(r.caller, sizeof(r.caller), "\xc3\x28");
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "invalid UTF-8 refused: %s", err);
	full_record(&r, 3);
	r.sip_status = 99;
	is_int(cdr_record_check(&r, err, sizeof(err)), -EINVAL, "sip_status 99 refused: %s", err);
}

/* Read every record of dir from the start. Returns the reader's final
 * code; *n records were read, their uuids' last field in ids (if given),
 * positions after each in ends (if given). */
static int read_all(const char *dir, unsigned *ids, struct cdr_pos *ends, size_t max, size_t *n, uint64_t *torn,
		    char *err, size_t errlen)
{
	struct cdr_pos from = {0, 0}, next;
	struct cdr_reader *r;
	struct cdr_record rec;
	int rc;

	*n = 0;
	if (cdr_reader_open(dir, &from, &r) < 0)
		return -ENOMEM;
	while ((rc = cdr_reader_next(r, &rec, &next, err, errlen)) == 1) {
		if (*n < max) {
			if (ids)
				ids[*n] = (unsigned)strtoul(rec.call_uuid + 24, NULL, 16);
			if (ends)
				ends[*n] = next;
		}
		(*n)++;
	}
	if (torn)
		*torn = cdr_reader_torn(r);
	cdr_reader_free(r);
	return rc;
}

static int count_segments(const char *dir, char *last, size_t lastlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (last)
		last[0] = '\0';
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "cdr-", 4) != 0)
			continue;
		n++;
		if (last && (!last[0] || strcmp(e->d_name, strrchr(last, '/') + 1) > 0))
			snprintf(last, lastlen, "%s/%s", dir, e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static struct cdr_journal *open_journal(const char *dir, size_t segment_bytes, int (*sync)(int fd))
{
	struct cdr_journal_opts o = {segment_bytes, sync};
	struct cdr_journal *j = NULL;
	char err[256] = "";
	int rc = cdr_journal_open(dir, &o, &j, err, sizeof(err));

	if (rc < 0)
		printf("# cdr_journal_open %s: %s\n", dir, err);
	return j;
}

static int append_n(struct cdr_journal *j, unsigned first, unsigned n)
{
	struct cdr_record r;
	char err[256];

	for (unsigned i = first; i < first + n; i++) {
		int rc;

		if (i % 2)
			bare_record(&r, i);
		else
			full_record(&r, i);
		rc = cdr_journal_append(j, &r, err, sizeof(err));
		if (rc < 0) {
			printf("# append %u: %s\n", i, err);
			return rc;
		}
	}
	return 0;
}

static void test_round_trip(void)
{
	const char *dir = tdir("roundtrip");
	struct cdr_journal *j = open_journal(dir, 0, NULL);
	struct cdr_record in[2], out;
	struct cdr_pos from = {0, 0}, next;
	struct cdr_reader *r = NULL;
	struct cdr_journal_stats st;
	char err[256] = "";

	ok(j != NULL, "journal opens in a new directory");
	if (!j)
		return;
	full_record(&in[0], 10);
	bare_record(&in[1], 11);
	is_int(cdr_journal_append(j, &in[0], err, sizeof(err)), 0, "full record appended (%s)", err);
	is_int(cdr_journal_append(j, &in[1], err, sizeof(err)), 0, "bare record appended (%s)", err);
	in[1].leg = 0;
	is_int(cdr_journal_append(j, &in[1], err, sizeof(err)), -EINVAL, "an invalid record is refused: %s", err);
	in[1].leg = 1;
	{
		struct cdr_journal *j2 = NULL;

		is_int(cdr_journal_open(dir, NULL, &j2, err, sizeof(err)), -EBUSY, "a second opener is refused: %s",
		       err);
	}
	cdr_journal_stats(j, &st);
	is_int(st.appends, 2, "two appends counted");
	ok(st.syncs >= 1 && st.syncs <= 2, "and made durable (%" PRIu64 " syncs)", st.syncs);
	cdr_journal_close(j);

	cdr_reader_open(dir, &from, &r);
	is_int(cdr_reader_next(r, &out, &next, err, sizeof(err)), 1, "first record read back");
	ok(memcmp(&in[0], &out, sizeof(out)) == 0, "every field set: identical");
	is_int(cdr_reader_next(r, &out, &next, err, sizeof(err)), 1, "second record read back");
	ok(memcmp(&in[1], &out, sizeof(out)) == 0, "every field unset: identical");
	is_int(cdr_reader_next(r, &out, &next, err, sizeof(err)), 0, "then the end");
	is_int(cdr_reader_torn(r), 0, "a clean end");
	cdr_reader_free(r);
}

static void test_rotation(void)
{
	const char *dir = tdir("rotation");
	struct cdr_journal *j = open_journal(dir, 1024, NULL);
	struct cdr_journal_stats st;
	struct cdr_pos ends[200];
	unsigned ids[200];
	size_t n = 0;
	char err[256] = "", last[8192];
	int order = 1, segs, rc;

	if (!j)
		return;
	is_int(append_n(j, 0, 100), 0, "100 records appended with 1 KiB segments");
	cdr_journal_stats(j, &st);
	segs = count_segments(dir, last, sizeof(last));
	ok(segs > 5 && (uint64_t)segs == st.segments, "rotated into %d segments", segs);
	ok(file_size(last) <= 1024, "no segment past its size once it holds a record");
	cdr_journal_close(j);

	rc = read_all(dir, ids, ends, 200, &n, NULL, err, sizeof(err));
	is_int(rc, 0, "all segments read to a clean end (%s)", err);
	is_int(n, 100, "100 records across segments");
	for (size_t i = 0; i < n && i < 100; i++)
		order &= ids[i] == i;
	ok(order, "in append order");

	/* A reopened journal starts a new segment and keeps the old records. */
	j = open_journal(dir, 1024, NULL);
	append_n(j, 100, 1);
	cdr_journal_close(j);
	read_all(dir, NULL, NULL, 0, &n, NULL, err, sizeof(err));
	is_int(n, 101, "reopen and append: 101 records");

	/* Trimming drops wholly drained segments; reading from there works. */
	rc = cdr_journal_trim(dir, &ends[49]);
	ok(rc > 0, "trim deletes %d drained segments", rc);
	{
		struct cdr_reader *r;
		struct cdr_record rec;
		struct cdr_pos next;
		unsigned got = 0;

		cdr_reader_open(dir, &ends[49], &r);
		while (cdr_reader_next(r, &rec, &next, err, sizeof(err)) == 1)
			got++;
		cdr_reader_free(r);
		is_int(got, 51, "reading from record 50 after the trim: 51 left");
	}
}

/* Truncate the last record at every byte offset: the reader returns the
 * records before it and reports a torn tail, never an error. */
static void test_torn_tail(void)
{
	const char *dir = tdir("torn");
	struct cdr_journal *j = open_journal(dir, 0, NULL);
	struct cdr_pos ends[8];
	char err[256] = "", seg[8192];
	uint64_t torn = 0, start, size;
	size_t n = 0;
	int all_ok = 1, rc;

	if (!j)
		return;
	append_n(j, 0, 6); /* record 5 is bare, 4 is full */
	append_n(j, 4, 1); /* end on a full record: the longest */
	cdr_journal_close(j);
	count_segments(dir, seg, sizeof(seg));
	read_all(dir, NULL, ends, 8, &n, NULL, err, sizeof(err));
	is_int(n, 7, "7 records before the cuts");
	start = ends[5].off;
	size = (uint64_t)file_size(seg);
	is_int(size, ends[6].off, "the last record ends the file");
	for (uint64_t cut = size - 1; cut >= start; cut--) {
		if (truncate(seg, (off_t)cut) < 0)
			break;
		rc = read_all(dir, NULL, NULL, 0, &n, &torn, err, sizeof(err));
		if (rc != 0 || n != 6 || torn != cut - start) {
			all_ok = 0;
			printf("# cut at %" PRIu64 ": rc %d, %zu records, torn %" PRIu64 " (%s)\n", cut, rc, n, torn,
			       err);
		}
		if (cut == 0)
			break;
	}
	ok(all_ok, "a cut at each of the %" PRIu64 " offsets of the last record: 6 records, torn tail reported",
	   size - start);

	/* A crash can also leave a zero-filled tail. Reopening recovers: the
	 * torn bytes go, new records follow cleanly. */
	truncate(seg, (off_t)(start + 7));
	j = open_journal(dir, 0, NULL);
	ok(j != NULL, "a journal with a torn tail reopens");
	is_int(file_size(seg), start, "the torn tail was cut off");
	append_n(j, 20, 2);
	cdr_journal_close(j);
	rc = read_all(dir, NULL, NULL, 0, &n, &torn, err, sizeof(err));
	ok(rc == 0 && n == 8 && torn == 0, "after recovery: 8 records, clean end (rc %d, n %zu, %s)", rc, n, err);

	/* A bad CRC on the last record of the last segment: a torn tail too. */
	{
		char last[8192];
		int fd;
		uint8_t b;
		uint64_t end;

		count_segments(dir, last, sizeof(last));
		end = (uint64_t)file_size(last);
		fd = open(last, O_RDWR);
		pread(fd, &b, 1, (off_t)end - 3);
		b ^= 0x40;
		pwrite(fd, &b, 1, (off_t)end - 3);
		close(fd);
		rc = read_all(dir, NULL, NULL, 0, &n, &torn, err, sizeof(err));
		ok(rc == 0 && n == 7 && torn > 0, "a bad CRC on the very last record: ignored as a torn tail");
	}
}

/* Flip a bit in every byte of a record in the middle: always detected as
 * corruption (never skipped, never mistaken for a torn tail). */
static void test_corruption(void)
{
	const char *dir = tdir("corrupt");
	struct cdr_journal *j = open_journal(dir, 0, NULL);
	struct cdr_pos ends[16];
	char err[256] = "", seg[8192], first_err[256] = "";
	size_t n = 0;
	int all_ok = 1, fd, rc;

	if (!j)
		return;
	append_n(j, 0, 10);
	cdr_journal_close(j);
	count_segments(dir, seg, sizeof(seg));
	read_all(dir, NULL, ends, 16, &n, NULL, err, sizeof(err));
	fd = open(seg, O_RDWR);
	for (uint64_t off = ends[3].off; off < ends[4].off; off++) {
		uint8_t b;

		pread(fd, &b, 1, (off_t)off);
		b ^= 0x10;
		pwrite(fd, &b, 1, (off_t)off);
		rc = read_all(dir, NULL, NULL, 0, &n, NULL, err, sizeof(err));
		if (rc != -EBADMSG || n != 4) {
			all_ok = 0;
			printf("# flip at %" PRIu64 ": rc %d after %zu records\n", off, rc, n);
		}
		if (!first_err[0])
			snprintf(first_err, sizeof(first_err), "%s", err);
		b ^= 0x10;
		pwrite(fd, &b, 1, (off_t)off);
	}
	close(fd);
	ok(all_ok, "a flipped bit in any of the %" PRIu64 " bytes of record 5 of 10: -EBADMSG after 4 records",
	   ends[4].off - ends[3].off);
	ok(strstr(first_err, "offset ") && strstr(first_err, "a valid record follows"), "the error says where: %s",
	   first_err);
	rc = read_all(dir, NULL, NULL, 0, &n, NULL, err, sizeof(err));
	ok(rc == 0 && n == 10, "restored, all 10 read again");
}

/* --- concurrency and group commit ------------------------------------ */

#define THREADS    8
#define PER_THREAD 250

struct appender {
	struct cdr_journal *j;
	unsigned base, count;
	int failures;
};

static void *appender_main(void *arg)
{
	struct appender *a = arg;
	struct cdr_record r;
	char err[256];

	for (unsigned i = 0; i < a->count; i++) {
		full_record(&r, a->base + i);
		if (cdr_journal_append(a->j, &r, err, sizeof(err)) < 0)
			a->failures++;
	}
	return NULL;
}

static int run_appenders(struct cdr_journal *j, int nthreads, unsigned per)
{
	pthread_t t[64];
	struct appender a[64];
	int failures = 0;

	for (int i = 0; i < nthreads; i++) {
		a[i] = (struct appender){j, (unsigned)i * 100000u, per, 0};
		pthread_create(&t[i], NULL, appender_main, &a[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		failures += a[i].failures;
	}
	return failures;
}

static void test_concurrent(void)
{
	const char *dir = tdir("concurrent");
	struct cdr_journal *j = open_journal(dir, 64 * 1024, NULL);
	static unsigned ids[THREADS * PER_THREAD + 10];
	static unsigned char seen[THREADS][PER_THREAD];
	char err[256] = "";
	size_t n = 0;
	int once = 1, rc;

	if (!j)
		return;
	is_int(run_appenders(j, THREADS, PER_THREAD), 0, "%d threads append %d records each", THREADS, PER_THREAD);
	cdr_journal_close(j);
	rc = read_all(dir, ids, NULL, THREADS * PER_THREAD + 10, &n, NULL, err, sizeof(err));
	is_int(rc, 0, "read back to a clean end (%s)", err);
	is_int(n, THREADS * PER_THREAD, "as many records as appended");
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < n && i < THREADS * PER_THREAD; i++) {
		unsigned t = ids[i] / 100000u, k = ids[i] % 100000u;

		if (t >= THREADS || k >= PER_THREAD || seen[t][k]++)
			once = 0;
	}
	ok(once, "every record exactly once");
}

static atomic_int slow_syncs;

/* A disk that takes 2 ms per flush, like a real one under load. */
static int slow_sync(int fd)
{
	struct timespec ts = {0, 2000000};

	atomic_fetch_add(&slow_syncs, 1);
	nanosleep(&ts, NULL);
	return fdatasync(fd);
}

static int failing_sync(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

static void test_group_commit(void)
{
	struct cdr_journal *j = open_journal(tdir("group"), 0, slow_sync);
	struct cdr_journal_stats st;
	struct cdr_record r;
	char err[256] = "";

	if (!j)
		return;
	is_int(run_appenders(j, 8, 100), 0, "8 threads x 100 appends with a 2 ms flush");
	cdr_journal_stats(j, &st);
	is_int(st.appends, 800, "800 durable appends");
	is_int(st.syncs, atomic_load(&slow_syncs), "the counter counts every flush");
	ok(st.syncs * 3 <= st.appends, "group commit: %" PRIu64 " flushes for %" PRIu64 " appends (%.1f per flush)",
	   st.syncs, st.appends, (double)st.appends / (double)st.syncs);
	cdr_journal_close(j);

	j = open_journal(tdir("group-real"), 0, NULL);
	if (j) {
		run_appenders(j, 8, 100);
		cdr_journal_stats(j, &st);
		printf("# real fdatasync, 8 threads: %" PRIu64 " appends, %" PRIu64 " syncs (%.1f per sync)\n",
		       st.appends, st.syncs, (double)st.appends / (double)(st.syncs ? st.syncs : 1));
		cdr_journal_close(j);
	}

	j = open_journal(tdir("failing"), 0, failing_sync);
	if (!j)
		return;
	full_record(&r, 1);
	is_int(cdr_journal_append(j, &r, err, sizeof(err)), -EIO, "a failed flush fails the append: %s", err);
	is_int(cdr_journal_append(j, &r, err, sizeof(err)), -EIO, "and every later one (no silent loss)");
	cdr_journal_close(j);
}

/* A committer's batch: one write and one flush for all its records, a bad
 * record refused alone, a batch split across segments in order. */
static void test_batch(void)
{
	const char *dir = tdir("batch");
	struct cdr_journal *j = open_journal(dir, 0, NULL);
	struct cdr_record recs[40];
	const struct cdr_record *ptrs[40];
	struct cdr_journal_stats st;
	unsigned ids[80];
	int rcs[40], order = 1, zeros = 1;
	size_t n = 0;
	char err[256] = "";

	if (!j)
		return;
	for (int i = 0; i < 40; i++) {
		full_record(&recs[i], (unsigned)i);
		ptrs[i] = &recs[i];
	}
	recs[7].sip_status = 99; /* breaks a constraint of table cdr */
	is_int(cdr_journal_append_many(j, ptrs, 40, rcs, err, sizeof(err)), 39, "39 of 40 durable in one batch");
	is_int(rcs[7], -EINVAL, "the bad record refused alone: %s", err);
	for (int i = 0; i < 40; i++)
		zeros &= i == 7 || rcs[i] == 0;
	ok(zeros, "every other record's result is 0");
	cdr_journal_stats(j, &st);
	is_int(st.syncs, 1, "one fdatasync for the batch");
	is_int(st.appends, 39, "39 appends counted");
	cdr_journal_close(j);
	is_int(read_all(dir, ids, NULL, 80, &n, NULL, err, sizeof(err)), 0, "read back to a clean end");
	is_int(n, 39, "39 records read");
	for (size_t i = 0; i < n && i < 39; i++)
		order &= ids[i] == (i < 7 ? i : i + 1);
	ok(order, "in batch order, without the refused one");

	/* 1 KiB segments: the batch goes out in runs, rotating between them. */
	dir = tdir("batch-rotate");
	j = open_journal(dir, 1024, NULL);
	if (!j)
		return;
	recs[7].sip_status = 200;
	is_int(cdr_journal_append_many(j, ptrs, 40, rcs, err, sizeof(err)), 40, "40 durable across 1 KiB segments");
	cdr_journal_stats(j, &st);
	ok(st.segments > 5, "split over %" PRIu64 " segments", st.segments);
	cdr_journal_close(j);
	is_int(read_all(dir, ids, NULL, 80, &n, NULL, err, sizeof(err)), 0, "read back to a clean end (%s)", err);
	is_int(n, 40, "40 records read");
	order = 1;
	for (size_t i = 0; i < n && i < 40; i++)
		order &= ids[i] == i;
	ok(order, "in batch order across segments");

	/* A failing flush fails the whole batch, no record counted durable. */
	j = open_journal(tdir("batch-fail"), 0, failing_sync);
	if (!j)
		return;
	is_int(cdr_journal_append_many(j, ptrs, 5, rcs, err, sizeof(err)), 0, "failed flush: none durable");
	ok(rcs[0] == -EIO && rcs[4] == -EIO, "each record fails with EIO: %s", err);
	cdr_journal_close(j);
}

/* --- checkpoint and writer ------------------------------------------- */

static void test_checkpoint(void)
{
	const char *dir = tdir("checkpoint");
	struct cdr_pos p = {0x1f, 123456}, q = {0, 0};
	char path[8192];
	FILE *f;

	is_int(cdr_checkpoint_load(dir, &q), -ENOENT, "no checkpoint: -ENOENT");
	is_int(cdr_checkpoint_save(dir, &p), 0, "checkpoint saved");
	is_int(cdr_checkpoint_load(dir, &q), 0, "and loaded");
	ok(q.seg == 0x1f && q.off == 123456, "same position");
	snprintf(path, sizeof(path), "%s/checkpoint", dir);
	f = fopen(path, "w");
	fputs("tandem-cdr-checkpoint 1 000000000000001f 123457 00000000\n", f);
	fclose(f);
	is_int(cdr_checkpoint_load(dir, &q), -EBADMSG, "a damaged checkpoint: -EBADMSG");
}

/* No database: records wait in the journal, the error is visible. */
static void test_writer_no_db(void)
{
	const char *dir = tdir("writer");
	struct cdr_journal *j = open_journal(dir, 0, NULL);
	struct cdr_writer_opts o = {"host=/nonexistent-tandem-test connect_timeout=1", 50, 20, 50};
	struct cdr_writer *w = NULL;
	struct cdr_writer_status st;
	char err[256] = "";

	if (!j)
		return;
	append_n(j, 0, 3);
	is_int(cdr_writer_new(j, &o, &w, err, sizeof(err)), 0, "writer made (%s)", err);
	if (!w) {
		cdr_journal_close(j);
		return;
	}
	cdr_writer_status(w, &st);
	is_int(st.pending, 3, "3 records already pending before start");
	is_int(cdr_writer_start(w), 0, "writer starts");
	append_n(j, 3, 2);
	is_int(cdr_writer_flush(w, 300), -ETIMEDOUT, "flush times out with no database");
	cdr_writer_status(w, &st);
	is_int(st.journaled, 5, "journaled 5 since open");
	is_int(st.pending, 5, "5 pending");
	is_int(st.written, 0, "none written");
	ok(!st.db_up && st.last_error[0], "db down, last error: %s", st.last_error);
	cdr_writer_free(w);
	cdr_journal_close(j);
}

/* The age of the oldest pending record comes from the records themselves
 * (the call's end), learned when the writer reads them, whatever order
 * they were appended in. */
static void test_writer_age(void)
{
	const char *dir = tdir("age");
	struct cdr_journal *j = open_journal(dir, 0, NULL);
	struct cdr_writer_opts o = {"host=/nonexistent-tandem-test connect_timeout=1", 50, 20, 50};
	const int64_t t0 = 1700000000000, ends[3] = {t0 + 5000, t0 + 2000, t0 + 9000};
	struct cdr_writer *w = NULL;
	struct cdr_writer_status st;
	struct cdr_record r;
	char err[256] = "";

	if (!j)
		return;
	is_int(cdr_writer_new(j, &o, &w, err, sizeof(err)), 0, "writer made (%s)", err);
	if (!w) {
		cdr_journal_close(j);
		return;
	}
	cdr_writer_status(w, &st);
	is_int(cdr_writer_age_ms(&st, t0 + 60000), 0, "nothing pending: age 0");
	for (int i = 0; i < 3; i++) {
		full_record(&r, 100 + (unsigned)i);
		r.start_ms = ends[i] - 1000;
		r.answer_ms = CDR_UNSET;
		r.end_ms = ends[i];
		r.duration_ms = 1000;
		r.billable_ms = 0;
		r.disposition = CDR_DISP_BUSY;
		is_int(cdr_journal_append(j, &r, err, sizeof(err)), 0, "record %d appended (%s)", i, err);
	}
	is_int(cdr_writer_start(w), 0, "writer starts (no database)");
	for (int waited = 0; waited < 5000; waited += 10) {
		cdr_writer_status(w, &st);
		if (st.oldest_known)
			break;
		usleep(10000);
	}
	ok(st.oldest_known, "the writer learned the oldest pending record's time");
	is_int(st.pending, 3, "3 pending");
	ok(st.oldest_ms == t0 + 2000, "the oldest is the record that ended first, not the first appended");
	is_int(cdr_writer_age_ms(&st, t0 + 32000), 30000, "its age: 30 s at t0 + 32 s");
	is_int(cdr_writer_age_ms(&st, t0), 0, "a clock before it: age 0, never negative");
	st.pending = 0;
	is_int(cdr_writer_age_ms(&st, t0 + 32000), 0, "nothing pending: age 0 whatever was known");
	cdr_writer_free(w);
	cdr_journal_close(j);
}

/* Raised once at the threshold, repeated at most once per repeat
 * interval, cleared once below it, raised afresh after that. */
static void test_alarm(void)
{
	struct cdr_alarm a = {0};
	const int64_t after = 60000, rep = 60000;

	is_int(cdr_alarm_step(&a, 59999, 0, after, rep), CDR_ALARM_QUIET, "below the threshold: quiet");
	is_int(cdr_alarm_step(&a, 60000, 1000, after, rep), CDR_ALARM_RAISED, "at the threshold: raised");
	ok(a.on && a.since_ms == 1000, "on since the step that raised it");
	is_int(cdr_alarm_step(&a, 61000, 2000, after, rep), CDR_ALARM_QUIET, "a second later: not repeated");
	is_int(cdr_alarm_step(&a, 119999, 60999, after, rep), CDR_ALARM_QUIET, "just under a minute: not repeated");
	is_int(cdr_alarm_step(&a, 120000, 61000, after, rep), CDR_ALARM_REPEATED, "a minute later: repeated");
	is_int(cdr_alarm_step(&a, 121000, 62000, after, rep), CDR_ALARM_QUIET, "then quiet again");
	is_int(cdr_alarm_step(&a, 0, 63000, after, rep), CDR_ALARM_CLEARED, "drained: cleared");
	ok(!a.on, "off");
	is_int(cdr_alarm_step(&a, 0, 64000, after, rep), CDR_ALARM_QUIET, "cleared once only");
	is_int(cdr_alarm_step(&a, 70000, 65000, after, rep), CDR_ALARM_RAISED, "a new outage: raised at once");
}

/* The disk usage is the segments' size, across rotations and trims. */
static void test_disk_usage(void)
{
	const char *dir = tdir("usage");
	struct cdr_journal *j = open_journal(dir, 4096, NULL);
	struct cdr_journal_stats js;
	uint64_t bytes = 1, segs = 1;
	char last[8192] = "";

	if (!j)
		return;
	is_int(cdr_journal_disk_usage(dir, &bytes, &segs), 0, "usage of an empty journal");
	ok(bytes == 0 && segs <= 1, "an empty journal takes 0 bytes (%llu in %llu segments)", (unsigned long long)bytes,
	   (unsigned long long)segs);
	append_n(j, 0, 40);
	cdr_journal_stats(j, &js);
	is_int(cdr_journal_disk_usage(dir, &bytes, &segs), 0, "usage after 40 records");
	ok(bytes == js.bytes && bytes > 0, "the segments hold every byte appended (%llu, appended %llu)",
	   (unsigned long long)bytes, (unsigned long long)js.bytes);
	is_int((long)segs, count_segments(dir, last, sizeof(last)), "every segment counted (rotated at 4 KiB)");
	ok(segs > 1, "several segments (%llu)", (unsigned long long)segs);
	is_int(cdr_journal_trim(dir, &js.durable), (long)segs - 1, "all but the last segment trimmed");
	is_int(cdr_journal_disk_usage(dir, &bytes, &segs), 0, "usage after the trim");
	ok(segs == 1 && (off_t)bytes == file_size(last), "only the last segment is left (%llu bytes)",
	   (unsigned long long)bytes);
	ok(cdr_journal_disk_usage("/nonexistent-tandem-test", &bytes, &segs) < 0, "no journal folder: an error");
	cdr_journal_close(j);
}

/* The COPY text the writer sends (and rejected.tsv keeps). */
static void test_copy_line(void)
{
	struct cdr_record r;
	char line[CDR_PG_LINE_MAX], small[40];
	size_t n;

	full_record(&r, 5);
	n = cdr_pg_copy_line(&r, line, sizeof(line));
	is_str(line,
	       "6f1c1d8e-7a43-4a37-9b1f-000000000005\t3\tedge-1\toutbound\tacme\tacme-pbx\tcarrier-a\tspan1\t17\t"
	       "+442071234567\t+4930123456\t0049 30 123456\\t\"quoted\" \\\\ \xc3\xa9\t2023-11-14 22:13:20.123+00\t"
	       "2023-11-14 22:13:24.567+00\t2023-11-14 22:14:24.567+00\t64444\t60000\tanswered\t200\t16\tcallee\tPCMA\t"
	       "a84b4c76e66710@pc33.example.com\troute 12 via carrier-a/gw2\t10\t+442079460001\t1\t2\t+442079460002\n",
	       "a full record: every column, tab and backslash escaped, ms times in UTC");
	is_int(n, strlen(line), "its length returned");
	bare_record(&r, 2);
	r.start_ms = 951782399999;
	r.end_ms = 951782400001;
	r.duration_ms = 2;
	cdr_pg_copy_line(&r, line, sizeof(line));
	is_str(line,
	       "00000000-0000-4000-8000-000000000002\t1\tn1\tinbound\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t"
	       "2000-02-28 23:59:59.999+00\t\\N\t2000-02-29 00:00:00.001+00\t2\t0\tfailed\t\\N\t\\N\t\\N\t\\N\t"
	       "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n",
	       "a bare record: \\N for each unset column; a leap day");
	r.start_ms = -1500;
	cdr_pg_copy_line(&r, line, sizeof(line));
	ok(strstr(line, "\t1969-12-31 23:59:58.500+00\t") != NULL, "a time before 1970 rounds down to the second");
	cdr_pg_format(&r, line, sizeof(line));
	ok(line[0] && line[strlen(line) - 1] != '\n', "the rejected-records form has no newline");
	n = cdr_pg_copy_line(&r, small, sizeof(small));
	ok(n >= sizeof(small) && strlen(small) == sizeof(small) - 1, "a short buffer: cut, NUL-terminated, length %zu",
	   n);
	is_str(
	    cdr_pg_columns(),
	    "call_uuid, leg, node, direction, customer, ingress, egress, span, channel, caller, callee, dialed, "
	    "start_time, answer_time, end_time, duration_ms, billable_ms, disposition, sip_status, q850_cause, "
	    "hangup_side, codec, sip_call_id, route, calling_category, redirecting, redirect_reason, redirect_count, "
	    "original_called",
	    "the columns, in the order of the line");
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmp_root, sizeof(tmp_root), "%s/tandem-cdr-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 1;
	}
	test_codec();
	test_check();
	test_round_trip();
	test_rotation();
	test_torn_tail();
	test_corruption();
	test_concurrent();
	test_group_commit();
	test_batch();
	test_copy_line();
	test_checkpoint();
	test_writer_no_db();
	test_writer_age();
	test_alarm();
	test_disk_usage();
	rm_tree(tmp_root);
	return tap_done();
}
