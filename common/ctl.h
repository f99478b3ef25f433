/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol between tandemd and tandemctl, over a UNIX stream
 * socket. The client sends one request line ("status\n") and reads until
 * the daemon closes. The reply:
 *
 *   ok                      or   error <message>
 *   table <name>
 *   cols <col>\t<col>...
 *   row <val>\t<val>...     (zero or more)
 *   end
 *   ...more tables...
 *
 * Values escape '\\', tab and newline as "\\\\", "\\t", "\\n". */
#ifndef TANDEM_CTL_H
#define TANDEM_CTL_H

#include <stddef.h>
#include <stdio.h>

#define CTL_REQUEST_MAX 1024

/* A reply being built. Zero-initialise; any allocation failure is sticky
 * (err < 0) and reported by ctl_out_finish. */
struct ctl_out {
	char *buf;
	size_t len, cap;
	int err;
};

void ctl_out_ok(struct ctl_out *o);
void ctl_out_error(struct ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_out_table(struct ctl_out *o, const char *name, const char *const *cols, size_t ncols);
void ctl_out_row(struct ctl_out *o, const char *const *vals, size_t nvals);
/* A two-column row, the second formatted. */
void ctl_out_kv(struct ctl_out *o, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ctl_out_end(struct ctl_out *o);
void ctl_out_free(struct ctl_out *o);

/* A parsed reply. Owned by the caller; free with ctl_reply_free. */
struct ctl_table {
	char *name;
	size_t ncols, nrows;
	char **cols;
	char **cells; /* nrows * ncols, row-major */
};

struct ctl_reply {
	int ok;      /* 1 for "ok", 0 for "error" */
	char *error; /* the daemon's message when !ok */
	size_t ntables;
	struct ctl_table *tables;
};

/* Parse a whole reply. Returns 0, -EINVAL (malformed) or -ENOMEM. */
int ctl_reply_parse(const char *text, size_t len, struct ctl_reply *out);
void ctl_reply_free(struct ctl_reply *r);

/* Find a table by name, or NULL. */
const struct ctl_table *ctl_reply_table(const struct ctl_reply *r, const char *name);

/* Send request to the daemon at path and read the whole reply into a
 * malloc'd buffer (*text, *len; the caller frees). timeout_ms bounds the
 * whole exchange. Returns 0 or a negative errno. */
int ctl_request(const char *path, const char *request, int timeout_ms, char **text, size_t *len);

/* Print a table for people: key/value tables as "key: value" lines,
 * others as aligned columns with a header. */
void ctl_table_print(FILE *f, const struct ctl_table *t);

/* Print the reply's tables as one JSON object: {"name": [...rows as
 * objects...]} (a field/value table becomes one object). */
void ctl_reply_print_json(FILE *f, const struct ctl_reply *r);

#endif
