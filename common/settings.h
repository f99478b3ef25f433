/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The settings tandemd and tandemctl share, read from tandem.conf. One
 * immutable snapshot per load; a reload builds a new one and swaps it. */
#ifndef TANDEM_SETTINGS_H
#define TANDEM_SETTINGS_H

#include "common/conf.h"

#include <stdbool.h>

/* The configuration file read when none is named, if it exists. */
#define SETTINGS_DEFAULT_PATH "/etc/tandem/tandem.conf"

struct tandem_settings {
	char node[64];           /* [general] node: this node's name in CDRs and status */
	int log_target;          /* [log] target: enum log_target */
	int log_level;           /* [log] level: syslog level */
	int log_facility;        /* [log] facility: syslog facility */
	int log_sip_level;       /* [log] sip_level: Sofia's own log level, 0..9 */
	char sip_listen[128];    /* [sip] listen: host:port */
	char sip_transports[32]; /* [sip] transports: "udp,tcp", "udp" or "tcp" */
	char sip_user_agent[64];
	char db_conninfo[1024]; /* [database] conninfo: libpq string; "" = libpq environment */
	int db_reconnect_ms;    /* [database] reconnect_interval */
	int db_connect_timeout_ms;
	char ctl_socket[108];  /* [control] socket: "" = settings_ctl_socket_default() */
	char cdr_journal[256]; /* [cdr] journal: "" = settings_cdr_journal() default */
	int cdr_batch;         /* [cdr] batch: records per INSERT */
};

/* The directive table (ends with a row whose key is NULL). */
extern const struct conf_directive settings_directives[];

/* Load path into *out (defaults first). path NULL: the embedded defaults
 * only. Returns 0, or as conf_load_file with err set. */
int settings_load(const char *path, struct tandem_settings *out, char *err, size_t errlen);

/* The control socket path in effect: s->ctl_socket, else $TANDEM_CTL_SOCKET,
 * else /run/tandem/tandemd.sock for root, else /tmp/tandem-UID/tandemd.sock.
 * Writes into buf; returns buf. */
const char *settings_ctl_socket(const struct tandem_settings *s, char *buf, size_t len);

/* The CDR journal folder in effect: s->cdr_journal, else
 * /var/spool/tandem/cdr for root, else /tmp/tandem-UID/cdr. Returns buf. */
const char *settings_cdr_journal(const struct tandem_settings *s, char *buf, size_t len);

/* Parse "udp,tcp" style transport lists into flags. Returns 0 or -EINVAL. */
int settings_transports(const char *list, bool *udp, bool *tcp);

#endif
