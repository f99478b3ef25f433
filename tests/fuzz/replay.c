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

/* Without arguments: $TOP_SRCDIR/tests/fuzz/corpus/NAME for a program
 * called replay_NAME (how make check runs it). */
static void replay_own_corpus(const char *argv0)
{
	const char *top = getenv("TOP_SRCDIR"), *base = strrchr(argv0, '/');
	char dir[4096];

	base = base ? base + 1 : argv0;
	if (strncmp(base, "replay_", 7) != 0 || !top) {
		printf("not ok %d - no inputs: run as replay_NAME with TOP_SRCDIR set, or name files\n", ++n_tests);
		n_failed++;
		return;
	}
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top, base + 7);
	replay_dir(dir);
}

int main(int argc, char **argv)
{
	int i;

	if (argc == 1)
		replay_own_corpus(argv[0]);
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	if (n_tests == 0) { /* an empty corpus tests nothing: a failure */
		printf("not ok 1 - no inputs\n1..1\n");
		return 1;
	}
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
