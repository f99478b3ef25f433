/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 4180 CSV records, streamed: quoted fields may hold commas, doubled
 * quotes and line breaks. Apart from cmd_import.c so that the CSV fuzz
 * harness (tests/fuzz/fuzz_csv.c) runs the same code. */
#include "config.h"

#include "provisioning/csv.h"

#include <errno.h>
#include <string.h>

/* Read one record from f, counting lines in *line. Returns 1, 0 at the
 * end of the file, or -EINVAL for a quote out of place (with the record's
 * fields so far). */
int prov_csv_read(FILE *f, unsigned long *line, struct prov_csv_rec *r)
{
	bool quoted = false, after_quote = false, bad = false;
	int c;

	memset(r->len, 0, sizeof(r->len));
	r->n = 1;
	r->too_long = false;
	r->line = *line;
	c = getc(f);
	if (c == EOF)
		return 0;
	for (;; c = getc(f)) {
		if (c == EOF) {
			if (quoted)
				bad = true;
			break;
		}
		if (quoted) {
			if (c == '"') {
				int d = getc(f);
				if (d != '"') {
					ungetc(d, f);
					quoted = false;
					after_quote = true;
					continue;
				}
			} else if (c == '\n') {
				(*line)++;
			}
		} else if (c == '"') {
			if (r->len[r->n - 1] || after_quote)
				bad = true; /* a quote inside an unquoted field */
			quoted = true;
			continue;
		} else if (c == ',') {
			if (r->n < 5)
				r->n++;
			else
				r->too_long = true;
			after_quote = false;
			continue;
		} else if (c == '\r' || c == '\n') {
			if (c == '\r' && (c = getc(f)) != '\n')
				ungetc(c, f);
			(*line)++;
			break;
		} else if (after_quote) {
			bad = true; /* text after a closing quote */
		}
		size_t *l = &r->len[r->n - 1];
		if (*l < PROV_CSV_FIELD_MAX)
			r->f[r->n - 1][(*l)++] = (char)c;
		else
			r->too_long = true;
	}
	for (int i = 0; i < r->n; i++)
		r->f[i][r->len[i]] = 0;
	return bad ? -EINVAL : 1;
}
