/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replays fuzzing inputs through a libFuzzer harness without libFuzzer, so
 * that `make check` runs the corpus even without clang. Arguments are files
 * or directories (not recursive); prints TAP, one line per input. A crash
 * (abort, sanitizer report) stops the run before the plan line. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_tests, n_failed;

static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		printf("not ok %d - %s: %s\n", ++n_tests, path, strerror(errno));
		n_failed++;
		return;
	}
	do {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap ? cap * 2 : 4096);

			if (!nb)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 4096;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
	printf("ok %d - %s (%zu octets)\n", ++n_tests, path, len);
	free(buf);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d) {
		printf("not ok %d - %s: %s\n", ++n_tests, dir, strerror(errno));
		n_failed++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char **nn;

		if (e->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name); /* a stable test order */
	for (i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	if (n_tests == 0) {
		printf("1..0 # SKIP no inputs\n");
		return 0;
	}
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
