/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Filesystem helpers: mkdir -p. */
#include "config.h"

#include "common/paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int paths_mkdirs(const char *path, mode_t mode, int parent_only)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (!parent_only && mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
