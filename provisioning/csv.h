/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An RFC 4180 CSV record reader for tandemctl did import (csv.c). */
#ifndef TANDEM_PROV_CSV_H
#define TANDEM_PROV_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PROV_CSV_FIELD_MAX 1024 /* longer fields are refused, not read whole */

/* One CSV record: up to 5 fields (a fifth means too many). */
struct prov_csv_rec {
	char f[5][PROV_CSV_FIELD_MAX + 2];
	size_t len[5];
	int n;
	bool too_long;
	unsigned long line; /* where the record starts */
};

/* Read one record from f, counting lines in *line. Returns 1, 0 at the
 * end of the file, or -EINVAL for a quote out of place (with the record's
 * fields so far). */
int prov_csv_read(FILE *f, unsigned long *line, struct prov_csv_rec *r);

#endif
