/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for the CDR journal reader (db/cdr_journal.c) and the
 * record decoder (db/cdr.c): what a crash, a full disk or a bad disk can
 * leave in a segment file. The input is the first segment. The reader
 * ends cleanly, at a torn tail or at a reported corrupt record, moving
 * forward only; every record it returns encodes and decodes to itself. */
#include "config.h"

#include "db/cdr.h"
#include "db/cdr_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct cdr_record *rec)
{
	static uint8_t a[CDR_PAYLOAD_MAX], b[CDR_PAYLOAD_MAX];
	static struct cdr_record back;
	int na = cdr_encode(rec, a, sizeof(a)), nb;

	if (na < 0)
		abort(); /* what we read back always fits again */
	if (cdr_decode(a, (size_t)na, &back) != 0)
		abort();
	nb = cdr_encode(&back, b, sizeof(b));
	if (nb != na || memcmp(a, b, (size_t)na) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64], path[256];
	static struct cdr_record rec;
	struct cdr_pos pos = {1, 0}, next, at;
	struct cdr_reader *r;
	char err[256];
	int fd, rc;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_journal.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		cdr_segment_path(dir, 1, path, sizeof(path));
	}
	/* The decoder alone, on the raw bytes. */
	if (cdr_decode(data, size, &rec) == 0) {
		if (cdr_record_check(&rec, err, sizeof(err)) == 0)
			round_trip(&rec);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	if (cdr_reader_open(dir, &pos, &r) != 0)
		abort();
	for (int i = 0; i < 100000; i++) {
		cdr_reader_pos(r, &at);
		rc = cdr_reader_next(r, &rec, &next, err, sizeof(err));
		if (rc == 0 || rc == -EBADMSG)
			break;
		if (rc != 1 || cdr_pos_cmp(&next, &at) <= 0 || next.seg != 1 || next.off > size)
			abort();
		round_trip(&rec);
	}
	cdr_reader_free(r);
	return 0;
}
