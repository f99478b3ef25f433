/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CDR journal: framed records appended to segment files, made durable
 * by group commit, and read back with torn-tail recovery (docs/cdr.md). */
#include "config.h"

#include "db/cdr_journal.h"

#include "common/deadline.h"
#include "common/errbuf.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CDR_MAGIC 0x52444354u /* "TCDR" little-endian */

struct cdr_journal {
	char *dir;
	struct cdr_journal_opts opts;
	pthread_mutex_t lock;
	pthread_cond_t cv;  /* a sync finished, or cdr_journal_wake() */
	int fd;             /* the segment being appended to */
	int lock_fd;        /* flock()ed "lock": one process per journal */
	struct cdr_pos end; /* where the next record goes */
	uint64_t written;   /* records written (maybe not yet durable) */
	uint64_t durable;   /* records covered by a finished sync */
	struct cdr_pos durable_pos;
	bool syncing; /* a leader is in sync() without the lock */
	uint64_t syncs, bytes, segments, wakes;
	int error; /* sticky: a failed sync or rotation */
};

int cdr_pos_cmp(const struct cdr_pos *a, const struct cdr_pos *b)
{
	if (a->seg != b->seg)
		return a->seg < b->seg ? -1 : 1;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return 0;
}

/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as in RFC 3720
 * appendix B.4. */
static uint32_t cdr_crc_table[256];
static pthread_once_t cdr_crc_once = PTHREAD_ONCE_INIT;

static void cdr_crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		cdr_crc_table[i] = c;
	}
}

uint32_t cdr_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&cdr_crc_once, cdr_crc_init);
	crc = ~crc;
	while (len--)
		crc = cdr_crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void cdr_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t cdr_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Is there a whole, valid frame at p (avail bytes)? Returns its total
 * length, or 0. */
static size_t cdr_frame_valid(const uint8_t *p, size_t avail)
{
	uint32_t len, crc;

	if (avail < CDR_FRAME_HDR || cdr_get32(p) != CDR_MAGIC)
		return 0;
	len = cdr_get32(p + 4);
	if (len > CDR_PAYLOAD_MAX || p[8] != CDR_FRAME_VERSION || p[9] != 0 || avail - CDR_FRAME_HDR < len)
		return 0;
	crc = cdr_crc32c(0, p + 4, 8);
	crc = cdr_crc32c(crc, p + CDR_FRAME_HDR, len);
	return crc == cdr_get32(p + 12) ? CDR_FRAME_HDR + len : 0;
}

void cdr_segment_path(const char *dir, uint64_t seg, char *path, size_t len)
{
	snprintf(path, len, "%s/cdr-%016" PRIx64 ".log", dir, seg);
}

/* The segment numbers in dir, sorted. *out is malloc'd (may be NULL when
 * *n is 0). */
static int cdr_segments(const char *dir, uint64_t **out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t *v = NULL;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		uint64_t seg;
		char tail[8];

		if (strlen(e->d_name) != 24 || sscanf(e->d_name, "cdr-%16" SCNx64 "%7s", &seg, tail) != 2 ||
		    strcmp(tail, ".log") != 0)
			continue;
		if (*n == cap) {
			uint64_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		/* Insertion keeps the (short) list sorted. */
		size_t i = (*n)++;
		for (; i > 0 && v[i - 1] > seg; i--)
			v[i] = v[i - 1];
		v[i] = seg;
	}
	closedir(d);
	if (rc < 0) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}

/* The first segment after seg, if any. */
static bool cdr_segment_after(const char *dir, uint64_t seg, uint64_t *next)
{
	uint64_t *v;
	size_t n;
	bool found = false;

	if (cdr_segments(dir, &v, &n) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++) {
		if (v[i] > seg) {
			*next = v[i];
			found = true;
		}
	}
	free(v);
	return found;
}

static int cdr_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int cdr_journal_trim(const char *dir, const struct cdr_pos *pos)
{
	uint64_t *v;
	size_t n;
	int rc, deleted = 0;

	rc = cdr_segments(dir, &v, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && v[i] < pos->seg; i++) {
		char path[4096];

		cdr_segment_path(dir, v[i], path, sizeof(path));
		if (unlink(path) == 0)
			deleted++;
		else if (errno != ENOENT)
			rc = -errno;
	}
	free(v);
	if (deleted > 0)
		cdr_fsync_dir(dir);
	return rc < 0 ? rc : deleted;
}

int cdr_journal_disk_usage(const char *dir, uint64_t *bytes, uint64_t *segments)
{
	uint64_t *v;
	size_t n;
	int rc;

	*bytes = *segments = 0;
	rc = cdr_segments(dir, &v, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		cdr_segment_path(dir, v[i], path, sizeof(path));
		/* A segment trimmed meanwhile is simply gone. */
		if (stat(path, &st) == 0) {
			*bytes += (uint64_t)st.st_size;
			(*segments)++;
		}
	}
	free(v);
	return 0;
}

/* --- reading ------------------------------------------------------- */

struct cdr_reader {
	char *dir;
	struct cdr_pos pos;
	int fd;
	uint64_t fd_seg;
	bool has_limit;
	struct cdr_pos limit;
	uint64_t torn;
};

int cdr_reader_open(const char *dir, const struct cdr_pos *pos, struct cdr_reader **out)
{
	struct cdr_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r || !(r->dir = strdup(dir))) {
		free(r);
		return -ENOMEM;
	}
	r->pos = *pos;
	r->fd = -1;
	*out = r;
	return 0;
}

void cdr_reader_free(struct cdr_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->dir);
	free(r);
}

void cdr_reader_set_limit(struct cdr_reader *r, const struct cdr_pos *limit)
{
	r->has_limit = limit != NULL;
	if (limit)
		r->limit = *limit;
}

void cdr_reader_pos(const struct cdr_reader *r, struct cdr_pos *pos)
{
	*pos = r->pos;
}

uint64_t cdr_reader_torn(const struct cdr_reader *r)
{
	return r->torn;
}

static ssize_t cdr_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Open the segment of r->pos, skipping to the next segment when it is
 * gone (drained and trimmed). Returns 1 when open, 0 when there is none. */
static int cdr_reader_seek(struct cdr_reader *r)
{
	char path[4096];

	while (r->fd < 0 || r->fd_seg != r->pos.seg) {
		uint64_t next;

		if (r->fd >= 0)
			close(r->fd);
		cdr_segment_path(r->dir, r->pos.seg, path, sizeof(path));
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		r->fd_seg = r->pos.seg;
		if (r->fd >= 0)
			break;
		if (errno != ENOENT)
			return -errno;
		if (!cdr_segment_after(r->dir, r->pos.seg, &next))
			return 0;
		r->pos.seg = next;
		r->pos.off = 0;
	}
	return 1;
}

/* A bad frame at r->pos: a torn tail (the end of the last segment, beyond
 * any durable limit, with no valid frame after it) or corruption. */
static int cdr_reader_bad(struct cdr_reader *r, const char *what, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	uint64_t next, rest;
	int rc = -EBADMSG;

	if (r->has_limit && cdr_pos_cmp(&r->pos, &r->limit) < 0) {
		errbuf_set(err, errlen, "cdr-%016" PRIx64 ".log offset %" PRIu64 ": %s before the durable end",
			   r->pos.seg, r->pos.off, what);
		return -EBADMSG;
	}
	if (cdr_segment_after(r->dir, r->pos.seg, &next)) {
		errbuf_set(err, errlen,
			   "cdr-%016" PRIx64 ".log offset %" PRIu64 ": %s, and segment %016" PRIx64 " follows",
			   r->pos.seg, r->pos.off, what, next);
		return -EBADMSG;
	}
	if (fstat(r->fd, &st) < 0)
		return -errno;
	rest = (uint64_t)st.st_size > r->pos.off ? (uint64_t)st.st_size - r->pos.off : 0;
	if (rest > 0 && !(buf = malloc(rest)))
		return -ENOMEM;
	if (rest > 0 && cdr_pread_full(r->fd, buf, rest, r->pos.off) != (ssize_t)rest) {
		free(buf);
		return -EIO;
	}
	for (uint64_t i = 1; i < rest; i++) {
		if (cdr_frame_valid(buf + i, rest - i)) {
			errbuf_set(err, errlen,
				   "cdr-%016" PRIx64 ".log offset %" PRIu64
				   ": %s, and a valid record follows at offset %" PRIu64,
				   r->pos.seg, r->pos.off, what, r->pos.off + i);
			goto out;
		}
	}
	/* Nothing valid after it: the write a crash interrupted. */
	r->torn = rest;
	rc = 0;
out:
	free(buf);
	return rc;
}

int cdr_reader_next(struct cdr_reader *r, struct cdr_record *rec, struct cdr_pos *next, char *err, size_t errlen)
{
	uint8_t frame[CDR_FRAME_HDR + CDR_PAYLOAD_MAX];
	ssize_t n;
	uint32_t len;
	uint64_t after;
	size_t flen;
	int rc;

	r->torn = 0;
	for (;;) {
		if (r->has_limit && cdr_pos_cmp(&r->pos, &r->limit) >= 0)
			return 0;
		rc = cdr_reader_seek(r);
		if (rc <= 0)
			return rc;
		n = cdr_pread_full(r->fd, frame, CDR_FRAME_HDR, r->pos.off);
		if (n < 0)
			return (int)n;
		if (n > 0)
			break;
		/* The clean end of this segment: on to the next, if any. */
		if (!cdr_segment_after(r->dir, r->pos.seg, &after))
			return 0;
		r->pos.seg = after;
		r->pos.off = 0;
	}
	if (n < CDR_FRAME_HDR)
		return cdr_reader_bad(r, "truncated frame header", err, errlen);
	if (cdr_get32(frame) != CDR_MAGIC)
		return cdr_reader_bad(r, "bad frame magic", err, errlen);
	len = cdr_get32(frame + 4);
	if (len > CDR_PAYLOAD_MAX)
		return cdr_reader_bad(r, "frame length out of range", err, errlen);
	n = cdr_pread_full(r->fd, frame + CDR_FRAME_HDR, len, r->pos.off + CDR_FRAME_HDR);
	if (n < 0)
		return (int)n;
	if ((size_t)n < len)
		return cdr_reader_bad(r, "truncated payload", err, errlen);
	flen = cdr_frame_valid(frame, CDR_FRAME_HDR + len);
	if (!flen)
		return cdr_reader_bad(r, "bad CRC or version", err, errlen);
	if (cdr_decode(frame + CDR_FRAME_HDR, len, rec) < 0) {
		/* The CRC matched: a writer wrote it this way. */
		errbuf_set(err, errlen, "cdr-%016" PRIx64 ".log offset %" PRIu64 ": undecodable payload", r->pos.seg,
			   r->pos.off);
		return -EBADMSG;
	}
	r->pos.off += flen;
	*next = r->pos;
	return 1;
}

/* --- appending ----------------------------------------------------- */

static int cdr_default_sync(int fd)
{
	return fdatasync(fd);
}

static int cdr_segment_create(struct cdr_journal *j, uint64_t seg, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	cdr_segment_path(j->dir, seg, path, sizeof(path));
	j->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (j->fd < 0) {
		rc = -errno;
		errbuf_set(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	/* The new name must survive a crash before any record in it does. */
	rc = cdr_fsync_dir(j->dir);
	if (rc < 0) {
		errbuf_set(err, errlen, "%s: fsync: %s", j->dir, strerror(-rc));
		return rc;
	}
	j->end.seg = seg;
	j->end.off = 0;
	j->durable_pos = j->end;
	j->segments++;
	return 0;
}

/* Cut path to len and make that durable: the torn bytes must not come back
 * after another crash, when this segment is no longer the last. */
static int cdr_truncate_durably(const char *path, uint64_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0 || fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Find the last segment's valid end and cut off a torn tail there. */
static int cdr_journal_recover(struct cdr_journal *j, uint64_t last, uint64_t *next_seg, char *err, size_t errlen)
{
	struct cdr_pos pos = {last, 0}, end = pos;
	struct cdr_reader *r;
	struct cdr_record rec;
	char path[4096], why[256] = "";
	uint64_t count = 0;
	int rc;

	rc = cdr_reader_open(j->dir, &pos, &r);
	if (rc < 0)
		return rc;
	while ((rc = cdr_reader_next(r, &rec, &end, why, sizeof(why))) == 1)
		count++;
	cdr_segment_path(j->dir, last, path, sizeof(path));
	if (rc == 0 && cdr_reader_torn(r) > 0) {
		LOG_W("cdr",
		      "%s: torn tail of %" PRIu64 " bytes after %" PRIu64 " records (a crash mid-write): dropped", path,
		      cdr_reader_torn(r), count);
		rc = cdr_truncate_durably(path, end.off);
		if (rc < 0)
			errbuf_set(err, errlen, "%s: truncate: %s", path, strerror(-rc));
	} else if (rc == -EBADMSG) {
		LOG_E("cdr", "journal corrupt: %s; new records go to a new segment", why);
		rc = 0;
	} else if (rc < 0) {
		errbuf_set(err, errlen, "%s: %s", path, strerror(-rc));
	}
	cdr_reader_free(r);
	/* An empty last segment is reused; otherwise start a new one. */
	*next_seg = end.off == 0 && count == 0 && rc == 0 ? last : last + 1;
	return rc;
}

/* Two processes appending to one journal would interleave records. */
static int cdr_journal_lock(struct cdr_journal *j, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/lock", j->dir);
	j->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (j->lock_fd < 0) {
		rc = -errno;
		errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		errbuf_set(err, errlen, "%s: the journal is in use by another process", j->dir);
		return rc;
	}
	return 0;
}

int cdr_journal_open(const char *dir, const struct cdr_journal_opts *opts, struct cdr_journal **out, char *err,
		     size_t errlen)
{
	struct cdr_journal *j = calloc(1, sizeof(*j));
	pthread_condattr_t ca;
	uint64_t *segs = NULL, seg = 1;
	size_t nseg = 0;
	int rc;

	*out = NULL;
	if (!j || !(j->dir = strdup(dir))) {
		free(j);
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	j->fd = -1;
	j->lock_fd = -1;
	if (opts)
		j->opts = *opts;
	if (!j->opts.segment_bytes)
		j->opts.segment_bytes = CDR_SEGMENT_DEFAULT;
	if (!j->opts.sync)
		j->opts.sync = cdr_default_sync;
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);

	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		rc = -errno;
		errbuf_set(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	rc = cdr_journal_lock(j, err, errlen);
	if (rc < 0)
		goto fail;
	rc = cdr_segments(dir, &segs, &nseg);
	if (rc < 0) {
		errbuf_set(err, errlen, "%s: %s", dir, strerror(-rc));
		goto fail;
	}
	if (nseg > 0) {
		rc = cdr_journal_recover(j, segs[nseg - 1], &seg, err, errlen);
		if (rc < 0)
			goto fail;
	}
	rc = cdr_segment_create(j, seg, err, errlen);
	if (rc < 0)
		goto fail;
	free(segs);
	LOG_I("cdr", "journal %s: appending to segment %016" PRIx64 " (%zu older)", dir, seg, nseg);
	*out = j;
	return 0;
fail:
	free(segs);
	cdr_journal_close(j);
	return rc;
}

void cdr_journal_close(struct cdr_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->lock);
	free(j->dir);
	free(j);
}

const char *cdr_journal_dir(const struct cdr_journal *j)
{
	return j->dir;
}

static void cdr_journal_poison(struct cdr_journal *j, int rc, const char *what)
{
	if (!j->error)
		LOG_E("cdr", "journal %s: %s: %s; refusing further appends", j->dir, what, strerror(-rc));
	j->error = rc;
	pthread_cond_broadcast(&j->cv);
}

/* Called with the lock and no sync in flight: make the current segment
 * durable and start the next one. */
static int cdr_journal_rotate(struct cdr_journal *j)
{
	char why[256];
	int rc;

	if (j->opts.sync(j->fd) < 0) {
		rc = -errno;
		cdr_journal_poison(j, rc, "sync before rotation");
		return rc;
	}
	j->syncs++;
	j->durable = j->written;
	close(j->fd);
	j->fd = -1;
	rc = cdr_segment_create(j, j->end.seg + 1, why, sizeof(why));
	if (rc < 0) {
		cdr_journal_poison(j, rc, why);
		return rc;
	}
	pthread_cond_broadcast(&j->cv);
	return 0;
}

static int cdr_write_full(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Group commit: wait until record number seq is durable. The first waiter
 * to find no sync in flight leads one for everything written so far; the
 * others sleep and are covered by it (or by the next one). */
static int cdr_journal_commit(struct cdr_journal *j, uint64_t seq)
{
	while (j->durable < seq && !j->error) {
		if (j->syncing) {
			pthread_cond_wait(&j->cv, &j->lock);
			continue;
		}
		uint64_t target = j->written;
		struct cdr_pos target_pos = j->end;
		int fd = j->fd, rc, e = 0;

		j->syncing = true;
		pthread_mutex_unlock(&j->lock);
		rc = j->opts.sync(fd);
		if (rc < 0)
			e = errno;
		pthread_mutex_lock(&j->lock);
		j->syncing = false;
		if (rc < 0) {
			cdr_journal_poison(j, -e, "fdatasync");
			break;
		}
		j->syncs++;
		j->durable = target;
		j->durable_pos = target_pos;
		pthread_cond_broadcast(&j->cv);
	}
	return j->durable >= seq ? 0 : j->error;
}

/* One record as a frame: header (magic, length, version, CRC32C over
 * both) then payload. Returns the frame's length, or -EINVAL. */
static int cdr_frame_encode(const struct cdr_record *rec, uint8_t *frame, char *err, size_t errlen)
{
	uint32_t crc;
	int len, rc;

	rc = cdr_record_check(rec, err, errlen);
	if (rc < 0)
		return rc;
	len = cdr_encode(rec, frame + CDR_FRAME_HDR, CDR_PAYLOAD_MAX);
	if (len < 0) {
		errbuf_set(err, errlen, "record too long");
		return -EINVAL;
	}
	cdr_put32(frame, CDR_MAGIC);
	cdr_put32(frame + 4, (uint32_t)len);
	frame[8] = CDR_FRAME_VERSION;
	frame[9] = frame[10] = frame[11] = 0;
	crc = cdr_crc32c(0, frame + 4, 8);
	cdr_put32(frame + 12, cdr_crc32c(crc, frame + CDR_FRAME_HDR, (size_t)len));
	return len + CDR_FRAME_HDR;
}

/* Called with the lock: write len bytes of whole frames (count of them)
 * at the end of the segment. A failed write is taken back so the next
 * record starts clean. */
static int cdr_journal_put(struct cdr_journal *j, const uint8_t *buf, size_t len, int count, char *err, size_t errlen)
{
	int rc = cdr_write_full(j->fd, buf, len, j->end.off);

	if (rc < 0) {
		if (ftruncate(j->fd, (off_t)j->end.off) < 0)
			cdr_journal_poison(j, -errno, "truncating a failed write");
		errbuf_set(err, errlen, "journal write: %s", strerror(-rc));
		return rc;
	}
	j->end.off += (uint64_t)len;
	j->bytes += (uint64_t)len;
	j->written += (uint64_t)count;
	return 0;
}

/* Called with the lock: room for len more bytes in the segment, rotating
 * (after any sync in flight) when it is full. A record larger than a
 * segment goes alone into a fresh one. */
static int cdr_journal_room(struct cdr_journal *j, size_t len)
{
	if (j->end.off == 0 || j->end.off + (uint64_t)len <= j->opts.segment_bytes)
		return 0;
	while (j->syncing)
		pthread_cond_wait(&j->cv, &j->lock);
	if (j->error)
		return j->error;
	if (j->end.off > 0 && j->end.off + (uint64_t)len > j->opts.segment_bytes)
		return cdr_journal_rotate(j);
	return 0;
}

int cdr_journal_append(struct cdr_journal *j, const struct cdr_record *rec, char *err, size_t errlen)
{
	int rc = -EIO;

	cdr_journal_append_many(j, &rec, 1, &rc, err, errlen);
	return rc;
}

int cdr_journal_append_many(struct cdr_journal *j, const struct cdr_record *const *recs, int n, int *rcs, char *err,
			    size_t errlen)
{
	enum {
		PENDING = 1,
		WRITTEN = 2
	};
	uint8_t *buf;
	size_t *lens, pos = 0;
	int i, werr = 0, jerr, durable = 0;
	bool wrote = false;
	char why[256];

	if (n <= 0)
		return 0;
	buf = malloc((size_t)n * (CDR_FRAME_HDR + CDR_PAYLOAD_MAX));
	lens = calloc((size_t)n, sizeof(*lens));
	if (!buf || !lens) {
		free(buf);
		free(lens);
		for (i = 0; i < n; i++)
			rcs[i] = -ENOMEM;
		errbuf_set(err, errlen, "out of memory");
		return 0;
	}
	/* Encode outside the lock, the frames back to back in buf; a refused
	 * record takes no room and is reported alone. */
	for (i = 0; i < n; i++) {
		int len = cdr_frame_encode(recs[i], buf + pos, why, sizeof(why));

		if (len < 0) {
			rcs[i] = len;
			errbuf_set(err, errlen, "%s", why);
			continue;
		}
		rcs[i] = PENDING;
		lens[i] = (size_t)len;
		pos += (size_t)len;
	}

	pthread_mutex_lock(&j->lock);
	/* Runs of frames that fit the segment, one write each (almost always
	 * a single run); the segment rotates between runs. */
	pos = 0;
	for (i = 0; i < n && !j->error && !werr;) {
		size_t run;
		int k, count = 1;

		if (rcs[i] != PENDING) {
			i++;
			continue;
		}
		if ((werr = cdr_journal_room(j, lens[i])) < 0)
			break;
		run = lens[i];
		for (k = i + 1; k < n; k++) {
			if (rcs[k] != PENDING)
				continue;
			if (j->end.off + run + lens[k] > j->opts.segment_bytes)
				break;
			run += lens[k];
			count++;
		}
		werr = cdr_journal_put(j, buf + pos, run, count, why, sizeof(why));
		if (werr < 0) {
			errbuf_set(err, errlen, "%s", why);
			break;
		}
		wrote = true;
		for (; i < k; i++)
			if (rcs[i] == PENDING)
				rcs[i] = WRITTEN;
		pos += run;
	}
	/* One group commit covers every record written (and whatever other
	 * threads wrote before them). */
	if (wrote)
		cdr_journal_commit(j, j->written);
	jerr = j->error;
	pthread_mutex_unlock(&j->lock);
	for (i = 0; i < n; i++) {
		if (rcs[i] == WRITTEN && !jerr) {
			rcs[i] = 0;
			durable++;
		} else if (rcs[i] > 0) {
			rcs[i] = jerr ? jerr : werr ? werr : -EIO;
		}
	}
	if (jerr)
		errbuf_set(err, errlen, "journal unusable after an I/O error: %s", strerror(-jerr));
	free(buf);
	free(lens);
	return durable;
}

void cdr_journal_stats(struct cdr_journal *j, struct cdr_journal_stats *st)
{
	pthread_mutex_lock(&j->lock);
	st->appends = j->durable;
	st->syncs = j->syncs;
	st->bytes = j->bytes;
	st->segments = j->segments;
	st->durable = j->durable_pos;
	st->error = j->error;
	pthread_mutex_unlock(&j->lock);
}

int cdr_journal_wait(struct cdr_journal *j, const struct cdr_pos *after, int timeout_ms)
{
	struct timespec until;
	uint64_t wakes;
	int moved;

	deadline_in(&until, timeout_ms);
	pthread_mutex_lock(&j->lock);
	wakes = j->wakes;
	while (cdr_pos_cmp(&j->durable_pos, after) <= 0 && wakes == j->wakes)
		if (pthread_cond_timedwait(&j->cv, &j->lock, &until) == ETIMEDOUT)
			break;
	moved = cdr_pos_cmp(&j->durable_pos, after) > 0;
	pthread_mutex_unlock(&j->lock);
	return moved;
}

void cdr_journal_wake(struct cdr_journal *j)
{
	pthread_mutex_lock(&j->lock);
	j->wakes++;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->lock);
}
