/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Filesystem helpers shared by the daemon's modules. */
#ifndef TANDEM_PATHS_H
#define TANDEM_PATHS_H

#include <sys/types.h>

/* mkdir -p: create path and every missing parent with mode. With
 * parent_only set, stop before the last component (for a file's folder).
 * Returns 0 or a negative errno. */
int paths_mkdirs(const char *path, mode_t mode, int parent_only);

#endif
