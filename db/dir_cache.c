/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory cache file (db/dir_cache.h). Text framing, binary-safe:
 *   TANDEM-DIRCACHE 1\n
 *   Q <sql bytes>\n<sql>\n          a query's rows begin
 *   R <n> <len|-1> ...\n<bytes>\n    a row: n values, their bytes in order
 *   END <rows>\n                     the whole file was written
 * A file without its END line (torn) is refused. */
#include "config.h"

#include "db/dir_cache.h"

#include "common/paths.h"

#include "db/dir_load.h"
#include "db/directory.h"
#include "db/session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC    "TANDEM-DIRCACHE 1\n"
#define MAX_COLS 64

struct dir_cache_writer {
	struct db_session *s;
	FILE *f;
	char path[512], tmp[520];
	unsigned long rows;
	int failed;
};

static void dc_tap(void *arg, const char *sql, int ncols, const char *const *vals)
{
	struct dir_cache_writer *w = arg;

	if (w->failed)
		return;
	if (ncols < 0) {
		if (fprintf(w->f, "Q %zu\n%s\n", strlen(sql), sql) < 0)
			w->failed = errno ? errno : EIO;
		return;
	}
	if (ncols > MAX_COLS) {
		w->failed = EINVAL;
		return;
	}
	fprintf(w->f, "R %d", ncols);
	for (int i = 0; i < ncols; i++)
		fprintf(w->f, vals[i] ? " %zu" : " -1", vals[i] ? strlen(vals[i]) : 0);
	fputc('\n', w->f);
	for (int i = 0; i < ncols; i++)
		if (vals[i])
			fputs(vals[i], w->f);
	if (fputc('\n', w->f) == EOF)
		w->failed = errno ? errno : EIO;
	w->rows++;
}

int dir_cache_begin(const char *path, struct db_session *s, struct dir_cache_writer **out, char *err, size_t errlen)
{
	struct dir_cache_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->tmp, sizeof(w->tmp), "%s.tmp", path);
	/* Its folder may not exist yet: the default is beside the CDR
	 * journal, which is made after the first load (or never, CDRs off). */
	(void)paths_mkdirs(w->tmp, 0750, 1);
	if (!(w->f = fopen(w->tmp, "w"))) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", w->tmp, strerror(-rc));
		free(w);
		return rc;
	}
	fputs(MAGIC, w->f);
	w->s = s;
	db_session_set_tap(s, dc_tap, w);
	*out = w;
	return 0;
}

int dir_cache_commit(struct dir_cache_writer *w, char *err, size_t errlen)
{
	int rc = 0;

	db_session_set_tap(w->s, NULL, NULL);
	fprintf(w->f, "END %lu\n", w->rows);
	if (w->failed)
		rc = -w->failed;
	else if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
		rc = -errno;
	if (fclose(w->f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(w->tmp, w->path) != 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", w->path, strerror(-rc));
		unlink(w->tmp);
	}
	free(w);
	return rc;
}

void dir_cache_abort(struct dir_cache_writer *w)
{
	if (!w)
		return;
	db_session_set_tap(w->s, NULL, NULL);
	fclose(w->f);
	unlink(w->tmp);
	free(w);
}

/* --- Reading --------------------------------------------------------------- */

struct dc_file {
	char *buf;
	size_t len;
};

/* The next line of buf from *pos (its end excluded); NULL at the end. */
static const char *dc_line(const struct dc_file *f, size_t *pos, size_t *n)
{
	const char *start = f->buf + *pos, *nl;

	if (*pos >= f->len || !(nl = memchr(start, '\n', f->len - *pos)))
		return NULL;
	*n = (size_t)(nl - start);
	*pos += *n + 1;
	return start;
}

/* Answer one query: the rows recorded after its Q line. The file was
 * checked whole when read, so a short line here is a bug, not damage. */
static int dc_source(void *arg, const char *sql, int (*row)(void *, int, const char *const *), void *rowarg, char *err,
		     size_t errlen)
{
	const struct dc_file *f = arg;
	size_t pos = strlen(MAGIC), n;
	const char *line;
	int found = 0;

	while ((line = dc_line(f, &pos, &n))) {
		if (n > 2 && line[0] == 'Q' && line[1] == ' ') {
			size_t qlen = strtoul(line + 2, NULL, 10);

			if (found)
				return 0; /* the next query: ours is done */
			if (pos + qlen + 1 > f->len)
				break;
			found = qlen == strlen(sql) && memcmp(f->buf + pos, sql, qlen) == 0;
			pos += qlen + 1;
		} else if (n > 2 && line[0] == 'R' && line[1] == ' ') {
			char *p = (char *)line + 2, *cursor;
			long lens[MAX_COLS];
			const char *vals[MAX_COLS];
			int ncols = (int)strtol(p, &p, 10), rc;
			size_t row_len;

			if (ncols < 0 || ncols > MAX_COLS)
				break;
			for (int i = 0; i < ncols; i++)
				if ((lens[i] = strtol(p, &p, 10)) < -1 || lens[i] > (long)f->len)
					lens[i] = 0, ncols = -1;
			if (ncols < 0)
				break;
			cursor = f->buf + pos;
			row_len = 0;
			for (int i = 0; i < ncols; i++) {
				if (lens[i] < 0) {
					vals[i] = NULL;
					continue;
				}
				vals[i] = cursor;
				cursor += lens[i];
				row_len += (size_t)lens[i];
			}
			if (cursor >= f->buf + f->len)
				break;
			pos = (size_t)(cursor - f->buf) + 1;
			if (!found)
				continue;
			{
				/* each value NUL-terminated in a copy (in the file
				 * they run on one after another) */
				size_t at = 0;
				char *copy = malloc(row_len + (size_t)ncols + 1);

				if (!copy) {
					snprintf(err, errlen, "out of memory");
					return -ENOMEM;
				}
				for (int i = 0; i < ncols; i++) {
					if (!vals[i])
						continue;
					memcpy(copy + at, vals[i], (size_t)lens[i]);
					copy[at + (size_t)lens[i]] = '\0';
					vals[i] = copy + at;
					at += (size_t)lens[i] + 1;
				}
				rc = row(rowarg, ncols, vals);
				free(copy);
				if (rc)
					return rc;
			}
		} else if (n > 4 && memcmp(line, "END ", 4) == 0) {
			return 0;
		} else {
			break;
		}
	}
	if (!line)
		return 0;
	snprintf(err, errlen, "directory cache: damaged near byte %zu", pos);
	return -EIO;
}

int dir_cache_load(const char *path, uint64_t version, struct dir_snapshot **out, char *err, size_t errlen)
{
	struct dc_file f = {NULL, 0};
	struct db_session *s = NULL;
	struct stat st;
	int fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0 || !(f.buf = malloc((size_t)st.st_size + 1))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: cannot read", path);
		close(fd);
		return rc;
	}
	for (size_t got = 0; got < (size_t)st.st_size;) {
		ssize_t r = read(fd, f.buf + got, (size_t)st.st_size - got);

		if (r <= 0) {
			snprintf(err, errlen, "%s: short read", path);
			close(fd);
			free(f.buf);
			return -EIO;
		}
		got += (size_t)r;
	}
	close(fd);
	f.len = (size_t)st.st_size;
	f.buf[f.len] = '\0';
	/* whole or nothing: the magic first, the END line last */
	if (f.len < strlen(MAGIC) + 5 || memcmp(f.buf, MAGIC, strlen(MAGIC)) != 0 || f.buf[f.len - 1] != '\n') {
		snprintf(err, errlen, "%s: not a directory cache, or torn", path);
		free(f.buf);
		return -EINVAL;
	}
	{
		const char *last = f.buf + f.len - 1;

		while (last > f.buf && last[-1] != '\n')
			last--;
		if (strncmp(last, "END ", 4) != 0) {
			snprintf(err, errlen, "%s: torn (no END line)", path);
			free(f.buf);
			return -EINVAL;
		}
	}
	if ((rc = db_session_open_source(dc_source, &f, &s)) < 0) {
		snprintf(err, errlen, "out of memory");
		free(f.buf);
		return rc;
	}
	rc = dir_load(s, version, out, err, errlen);
	db_session_close(s);
	free(f.buf);
	return rc;
}
