/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for the configuration parser (common/conf.c through
 * settings_load(), the daemon's and tandemctl's own entry). The input is
 * the file. A file is either loaded or refused with -EINVAL and a message
 * that starts with its path; loading it twice gives the same result. */
#include "config.h"

#include "common/settings.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static struct tandem_settings a, b;
	char err[512], err2[512];
	int rc, rc2;

	if (fd < 0) {
		fd = memfd_create("fuzz_conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = err2[0] = '\0';
	rc = settings_load(path, &a, err, sizeof(err));
	if (rc != 0 && rc != -EINVAL)
		abort(); /* the file is readable: only "bad content" */
	if (rc != 0 && strncmp(err, path, strlen(path)) != 0)
		abort(); /* the message names the file (and line) */
	rc2 = settings_load(path, &b, err2, sizeof(err2));
	if (rc2 != rc || strcmp(err, err2) != 0)
		abort();
	return 0;
}
