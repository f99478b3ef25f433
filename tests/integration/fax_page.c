/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fax pages for tests/integration/fax_t38.sh (tests/fax_tiff.c, libtiff):
 *   fax_page make FILE ROWS SEED   write a one-page TIFF-F test page
 *   fax_page compare SENT RECEIVED decode both, compare every row; prints
 *                                  "rows=N bad=N bytes=N: ..." and exits 0 only when they are the same */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fax_tiff.h"

int main(int argc, char **argv)
{
	char err[256];
	unsigned rows, bad;
	struct stat st;
	int rc;

	if (argc == 5 && strcmp(argv[1], "make") == 0) {
		if (fax_tiff_make(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), err, sizeof(err)) < 0) {
			fprintf(stderr, "fax_page: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "compare") == 0) {
		rc = fax_tiff_compare(argv[2], argv[3], &rows, &bad, err, sizeof(err));
		printf("rows=%u bad=%u bytes=%lld: %s\n", rows, bad,
		       stat(argv[3], &st) == 0 ? (long long)st.st_size : -1LL, err);
		return rc == 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: fax_page make FILE ROWS SEED | fax_page compare SENT RECEIVED\n");
	return 2;
}
