/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control protocol: reply building (daemon), parsing and printing (tandemctl). */
#include "config.h"

#include "common/ctl.h"

#include "common/deadline.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void ctl_put(struct ctl_out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		char *nb;
		while (cap < o->len + n + 1)
			cap *= 2;
		nb = realloc(o->buf, cap);
		if (!nb) {
			o->err = -ENOMEM;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void ctl_puts(struct ctl_out *o, const char *s)
{
	ctl_put(o, s, strlen(s));
}

static void ctl_put_escaped(struct ctl_out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			ctl_puts(o, "\\\\");
		else if (*s == '\t')
			ctl_puts(o, "\\t");
		else if (*s == '\n')
			ctl_puts(o, "\\n");
		else
			ctl_put(o, s, 1);
	}
}

void ctl_out_ok(struct ctl_out *o)
{
	ctl_puts(o, "ok\n");
}

void ctl_out_error(struct ctl_out *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_puts(o, "error ");
	ctl_put_escaped(o, msg);
	ctl_puts(o, "\n");
}

static void ctl_out_fields(struct ctl_out *o, const char *tag, const char *const *v, size_t n)
{
	ctl_puts(o, tag);
	for (size_t i = 0; i < n; i++) {
		ctl_puts(o, i ? "\t" : " ");
		ctl_put_escaped(o, v[i] ? v[i] : "");
	}
	ctl_puts(o, "\n");
}

void ctl_out_table(struct ctl_out *o, const char *name, const char *const *cols, size_t ncols)
{
	ctl_puts(o, "table ");
	ctl_put_escaped(o, name);
	ctl_puts(o, "\n");
	ctl_out_fields(o, "cols", cols, ncols);
}

void ctl_out_row(struct ctl_out *o, const char *const *vals, size_t nvals)
{
	ctl_out_fields(o, "row", vals, nvals);
}

void ctl_out_kv(struct ctl_out *o, const char *key, const char *fmt, ...)
{
	char value[512];
	const char *v[2] = {key, value};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	ctl_out_row(o, v, 2);
}

void ctl_out_end(struct ctl_out *o)
{
	ctl_puts(o, "end\n");
}

void ctl_out_free(struct ctl_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

/* Split an escaped, tab-separated field list into a malloc'd array. */
static int ctl_split(const char *s, size_t len, char ***out, size_t *n)
{
	char **v = NULL;
	size_t count = 0;
	const char *p = s, *end = s + len;
	int rc = -ENOMEM;

	for (;;) {
		char *field = malloc(len + 1), **nv;
		size_t fl = 0;
		if (!field)
			goto fail;
		while (p < end && *p != '\t') {
			if (*p == '\\') {
				if (p + 1 >= end) {
					free(field);
					rc = -EINVAL;
					goto fail;
				}
				p++;
				field[fl++] = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
			} else {
				field[fl++] = *p;
			}
			p++;
		}
		field[fl] = '\0';
		nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv) {
			free(field);
			goto fail;
		}
		v = nv;
		v[count++] = field;
		if (p >= end)
			break;
		p++; /* the tab */
	}
	*out = v;
	*n = count;
	return 0;
fail:
	for (size_t i = 0; i < count; i++)
		free(v[i]);
	free(v);
	return rc;
}

static void ctl_free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Keep the first of a split field list, free the rest and the array. */
static char *ctl_take_first(char **v, size_t n)
{
	char *first = v[0];

	for (size_t i = 1; i < n; i++)
		free(v[i]);
	free(v);
	return first;
}

void ctl_reply_free(struct ctl_reply *r)
{
	for (size_t i = 0; i < r->ntables; i++) {
		struct ctl_table *t = &r->tables[i];
		free(t->name);
		ctl_free_strings(t->cols, t->ncols);
		ctl_free_strings(t->cells, t->ncols * t->nrows);
	}
	free(r->tables);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static bool ctl_starts(const char *line, size_t len, const char *tag)
{
	size_t tl = strlen(tag);
	return len >= tl && memcmp(line, tag, tl) == 0;
}

static int ctl_parse_line(struct ctl_reply *r, const char *line, size_t len, struct ctl_table **cur)
{
	char **v = NULL;
	size_t n = 0;
	int rc;

	if (!*cur && ctl_starts(line, len, "table ")) {
		struct ctl_table *nt = realloc(r->tables, (r->ntables + 1) * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		r->tables = nt;
		*cur = &r->tables[r->ntables++];
		memset(*cur, 0, sizeof(**cur));
		rc = ctl_split(line + 6, len - 6, &v, &n);
		if (rc < 0)
			return rc;
		(*cur)->name = ctl_take_first(v, n);
		return 0;
	}
	if (!*cur)
		return -EINVAL;
	if (ctl_starts(line, len, "end") && len == 3) {
		if (!(*cur)->cols)
			return -EINVAL;
		*cur = NULL;
		return 0;
	}
	if (ctl_starts(line, len, "cols ") && !(*cur)->cols) {
		rc = ctl_split(line + 5, len - 5, &(*cur)->cols, &(*cur)->ncols);
		return rc;
	}
	if (ctl_starts(line, len, "row ") && (*cur)->cols) {
		struct ctl_table *t = *cur;
		char **cells;
		rc = ctl_split(line + 4, len - 4, &v, &n);
		if (rc < 0)
			return rc;
		if (n != t->ncols) {
			ctl_free_strings(v, n);
			return -EINVAL;
		}
		cells = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*cells));
		if (!cells) {
			ctl_free_strings(v, n);
			return -ENOMEM;
		}
		t->cells = cells;
		memcpy(cells + t->nrows * t->ncols, v, n * sizeof(*v));
		t->nrows++;
		free(v);
		return 0;
	}
	return -EINVAL;
}

int ctl_reply_parse(const char *text, size_t len, struct ctl_reply *out)
{
	const char *p = text, *end = text + len, *nl;
	struct ctl_table *cur = NULL;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		goto fail;
	if (ctl_starts(p, (size_t)(nl - p), "ok") && nl - p == 2) {
		out->ok = 1;
	} else if (ctl_starts(p, (size_t)(nl - p), "error ")) {
		char **v;
		size_t n;
		rc = ctl_split(p + 6, (size_t)(nl - p - 6), &v, &n);
		if (rc < 0)
			goto fail;
		out->error = ctl_take_first(v, n);
		return 0;
	} else {
		goto fail;
	}
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			rc = -EINVAL;
			goto fail;
		}
		rc = ctl_parse_line(out, p, (size_t)(nl - p), &cur);
		if (rc < 0)
			goto fail;
	}
	if (cur) {
		rc = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	ctl_reply_free(out);
	return rc;
}

const struct ctl_table *ctl_reply_table(const struct ctl_reply *r, const char *name)
{
	for (size_t i = 0; i < r->ntables; i++)
		if (strcmp(r->tables[i].name, name) == 0)
			return &r->tables[i];
	return NULL;
}

static int ctl_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	long left = deadline_left_ms(deadline);
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	n = poll(&pfd, 1, (int)left);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

int ctl_request(const char *path, const char *request, int timeout_ms, char **text, size_t *len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timespec deadline;
	char *buf = NULL;
	size_t used = 0, cap = 0, rlen = strlen(request), sent = 0;
	int fd, rc;

	*text = NULL;
	*len = 0;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	deadline_in(&deadline, timeout_ms);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		goto out;
	}
	while (sent < rlen) {
		ssize_t n = send(fd, request + sent, rlen - sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			rc = ctl_wait(fd, POLLOUT, &deadline);
			if (rc < 0)
				goto out;
			continue;
		}
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		sent += (size_t)n;
	}
	for (;;) {
		ssize_t n;
		if (cap - used < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 8192);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = recv(fd, buf + used, cap - used - 1, 0);
		if (n < 0 && errno == EAGAIN) {
			rc = ctl_wait(fd, POLLIN, &deadline);
			if (rc < 0)
				goto out;
			continue;
		}
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

static bool ctl_is_kv(const struct ctl_table *t)
{
	return t->ncols == 2 && strcmp(t->cols[0], "field") == 0 && strcmp(t->cols[1], "value") == 0;
}

/* One aligned cell; width -1 ends the line. */
static void ctl_print_cell(FILE *f, const char *v, int width)
{
	if (width < 0)
		fprintf(f, "%s\n", v);
	else
		fprintf(f, "%-*s  ", width, v);
}

void ctl_table_print(FILE *f, const struct ctl_table *t)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));

	if (!w)
		return;
	if (ctl_is_kv(t)) {
		for (size_t r = 0; r < t->nrows; r++)
			if (strlen(t->cells[r * 2]) > w[0])
				w[0] = strlen(t->cells[r * 2]);
		for (size_t r = 0; r < t->nrows; r++)
			fprintf(f, "%-*s  %s\n", (int)w[0] + 1, t->cells[r * 2], t->cells[r * 2 + 1]);
		free(w);
		return;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c]);
		for (size_t r = 0; r < t->nrows; r++)
			if (strlen(t->cells[r * t->ncols + c]) > w[c])
				w[c] = strlen(t->cells[r * t->ncols + c]);
	}
	for (size_t c = 0; c < t->ncols; c++)
		ctl_print_cell(f, t->cols[c], c + 1 < t->ncols ? (int)w[c] : -1);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			ctl_print_cell(f, t->cells[r * t->ncols + c], c + 1 < t->ncols ? (int)w[c] : -1);
	free(w);
}

static void ctl_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void ctl_reply_print_json(FILE *f, const struct ctl_reply *r)
{
	fputc('{', f);
	for (size_t i = 0; i < r->ntables; i++) {
		const struct ctl_table *t = &r->tables[i];
		if (i)
			fputs(", ", f);
		ctl_json_string(f, t->name);
		fputs(": ", f);
		if (ctl_is_kv(t)) {
			fputc('{', f);
			for (size_t row = 0; row < t->nrows; row++) {
				if (row)
					fputs(", ", f);
				ctl_json_string(f, t->cells[row * 2]);
				fputs(": ", f);
				ctl_json_string(f, t->cells[row * 2 + 1]);
			}
			fputc('}', f);
			continue;
		}
		fputc('[', f);
		for (size_t row = 0; row < t->nrows; row++) {
			fputs(row ? ", {" : "{", f);
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					fputs(", ", f);
				ctl_json_string(f, t->cols[c]);
				fputs(": ", f);
				ctl_json_string(f, t->cells[row * t->ncols + c]);
			}
			fputc('}', f);
		}
		fputc(']', f);
	}
	fputs("}\n", f);
}
