/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemd's top level: owns the loop, the settings snapshot and every
 * subsystem; handles signals and control requests. */
#ifndef TANDEM_GW_DAEMON_H
#define TANDEM_GW_DAEMON_H

struct tandem_settings;

/* Run the daemon until SIGTERM/SIGINT. config_path is the file to re-read
 * on SIGHUP (NULL: embedded defaults, nothing to re-read); s is the
 * snapshot already loaded from it (copied). Returns the process exit
 * status: 0 after a clean shutdown, 1 if start-up failed. */
int gw_daemon_run(const char *config_path, const struct tandem_settings *s);

#endif
