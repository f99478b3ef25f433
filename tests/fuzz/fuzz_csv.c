/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for the CSV reader of tandemctl did import
 * (provisioning/csv.c). The input is the file. Every record has 1..5
 * fields within their bounds, NUL-terminated; records start on
 * non-decreasing lines and the reader always reaches the end. */
#include "config.h"

#include "provisioning/csv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prov_csv_rec r;
	unsigned long line = 1, last = 1;
	size_t records = 0;
	FILE *f;
	int rc;

	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	while ((rc = prov_csv_read(f, &line, &r)) != 0) {
		if (rc != 1 && rc != -EINVAL)
			abort();
		if (r.n < 1 || r.n > 5 || r.line < last || line < r.line)
			abort();
		for (int i = 0; i < r.n; i++)
			if (r.len[i] > PROV_CSV_FIELD_MAX || strlen(r.f[i]) > r.len[i])
				abort();
		last = r.line;
		if (++records > size + 1)
			abort(); /* each record consumes at least one byte */
	}
	fclose(f);
	return 0;
}
