/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The settings tandemd and tandemctl share, read from tandem.conf. One
 * immutable snapshot per load; a reload builds a new one and swaps it. */
#ifndef TANDEM_SETTINGS_H
#define TANDEM_SETTINGS_H

#include "common/conf.h"

#include <stdbool.h>

/* The configuration file read when none is named, if it exists. */
#define SETTINGS_DEFAULT_PATH "/etc/tandem/tandem.conf"

#define SETTINGS_MAX_SPANS 32

enum settings_backend {
	SETTINGS_BACKEND_VIRTUAL = 0,
	SETTINGS_BACKEND_DAHDI = 1
};
enum settings_hunt {
	SETTINGS_HUNT_ASCENDING = 0,
	SETTINGS_HUNT_DESCENDING = 1,
	SETTINGS_HUNT_ROUND_ROBIN = 2
};

/* [span NAME]: one PRI span of this node. The enum values of type, law,
 * switchtype and side are those of enum tdm_span_type, enum tdm_span_law,
 * enum gw_pri_switch and enum gw_pri_node (gateway/ checks that). */
struct span_settings {
	char name[CONF_NAME_MAX];
	int backend;                 /* enum settings_backend */
	int type;                    /* e1, t1 */
	int law;                     /* alaw, ulaw */
	int switchtype;              /* ni2 ... qsig */
	int side;                    /* cpe, network */
	char dchan[108], audio[108]; /* virtual: the far end's sockets; "" = settings_span_path() */
	int dahdi_span;              /* dahdi: DAHDI's span number */
	char trunk[CONF_NAME_MAX];   /* the PRI trunk (trunks.name) whose routes use this span */
	int hunt;                    /* enum settings_hunt */
	bool overlap;                /* overlap receiving */
	int number_length;           /* overlap: digits that complete a number, 0 = no length rule */
	int interdigit_ms;           /* overlap: inter-digit timer */
	bool overlap_send;           /* overlap sending: the SETUP carries overlap_send_digits digits */
	int overlap_send_digits;     /* overlap sending: called digits in the SETUP; the rest in INFORMATION */
	bool restart;                /* RESTART every B-channel when the link comes up */
	bool service;                /* SERVICE messages where the switch type has them (5ess, 4ess, ni2) */
	int audit_ms;                /* channel audit period, 0 = off */
	int audit_clearing_ms;       /* audit: a call clearing this long is stuck */
	bool pace;                   /* virtual: the D-channel at 64 kbit/s, like a card's */
	char pcap[256];              /* write the D-channel to this pcap file; "" = off */
	bool echo_cancel;            /* cancel line echo on this span's B-channels (DAHDI's canceller on dahdi) */
	int echo_tail_ms;            /* the echo tail covered, 16..256 ms */
	char numbers[256];           /* the carrier's number format (docs/mapping.md); "" = E.164 as is */
};

struct tandem_settings {
	char node[64];           /* [general] node: this node's name in CDRs and status */
	int log_target;          /* [log] target: enum log_target */
	int log_level;           /* [log] level: syslog level */
	int log_facility;        /* [log] facility: syslog facility */
	int log_sip_level;       /* [log] sip_level: Sofia's own log level, 0..9 */
	char sip_listen[128];    /* [sip] listen: host:port */
	char sip_transports[32]; /* [sip] transports: "udp,tcp", "udp" or "tcp" */
	char sip_user_agent[64];
	char sip_realm[128];       /* [sip] realm: digest realm */
	int sip_reg_min;           /* [sip] register_min_expires, seconds */
	int sip_reg_max;           /* [sip] register_max_expires, seconds */
	int sip_max_message;       /* [sip] max_message: bytes; larger requests get 413 */
	int sip_max_uri;           /* [sip] max_uri: bytes; a longer Request-URI gets 414 */
	char sip_tls_listen[128];  /* [sip] tls_listen: host:port for SIP over TLS; "" = none */
	char sip_tls_cert[512];    /* [sip] tls_certificate: PEM certificate (and chain) */
	char sip_tls_key[512];     /* [sip] tls_key: PEM private key */
	char sip_resolv_conf[512]; /* [sip] resolv_conf: DNS servers for RFC 3263 lookups; "" = /etc/resolv.conf */
	char sip_tls_ca[512];      /* [sip] tls_ca: PEM CAs for peers' certificates; "" = none */
	int sip_sdes_require_tls;  /* [sip] sdes_require_tls: SDES offers only over TLS (else 488) */
	int sip_session_expires;   /* [sip] session_expires: RFC 4028 interval, seconds; 0 = none */
	int sip_min_se;            /* [sip] min_se: shortest session interval taken, seconds */
	int sip_registration_sync; /* [sip] registration_sync: seconds between reads of the table; 0 = start only */
	int sec_flood_requests;    /* [security] flood_requests: per source and window; 0 = off */
	int sec_flood_window_ms;
	int sec_auth_failures; /* [security] auth_failures: 403s per source and window; 0 = off */
	int sec_auth_window_ms;
	int sec_ban_time_ms;    /* [security] ban_time: 0 = never ban */
	char db_conninfo[1024]; /* [database] conninfo: libpq string; "" = libpq environment */
	int db_reconnect_ms;    /* [database] reconnect_interval */
	int db_connect_timeout_ms;
	char ctl_socket[108];   /* [control] socket: "" = settings_ctl_socket_default() */
	char cdr_journal[256];  /* [cdr] journal: "" = settings_cdr_journal() default */
	char db_dir_cache[256]; /* [database] directory_cache: "" = beside the journal; "off" = none */
	int cdr_batch;          /* [cdr] batch: records per INSERT */
	int cdr_alarm_after_ms; /* [cdr] alarm_after: warn when a record waits this long for the database */
	bool cdr_enabled;       /* [cdr] enabled: no = write no CDRs at all (measurements only) */
	char rtp_address[64];   /* [media] address: where RTP is bound and what SDP says */
	int rtp_port_min, rtp_port_max;
	int media_workers;
	int call_max;                 /* [calls] max: concurrent calls this node takes */
	int call_ring_timeout_ms;     /* [calls] ring_timeout: no answer after this = 19 / 480 */
	int call_shed_backlog;        /* [calls] shed_backlog: % of a SIP socket's receive buffer; 0 = never shed */
	int limit_customer_status;    /* [limits] customer_status: a customer over max_calls/max_cps */
	int limit_customer_cause;     /* [limits] customer_cause */
	int limit_denied_status;      /* [limits] denied_status: a denied destination or caller number */
	int limit_denied_cause;       /* [limits] denied_cause */
	char trunk_alive_codes[128];  /* [trunks] alive_codes: answers to OPTIONS that mean alive (common/codes.h) */
	int trunk_reject_limit;       /* [trunks] reject_limit: 401/403s in a row that stop registering */
	int trunk_retry_min_ms;       /* [trunks] retry_min: first backoff after a failed REGISTER */
	int trunk_retry_max_ms;       /* [trunks] retry_max: the backoff's cap */
	int trunk_register_jitter_ms; /* [trunks] register_jitter: the first REGISTER waits up to this */
	struct span_settings spans[SETTINGS_MAX_SPANS];
	int nspans;
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
/* The directory cache's file ("" when off). */
const char *settings_directory_cache(const struct tandem_settings *s, char *buf, size_t len);

/* The runtime folder for sockets: $TANDEM_RUN_DIR, else /run/tandem for
 * root, else /tmp/tandem-UID. Returns buf. */
const char *settings_run_dir(char *buf, size_t len);

/* A virtual span's socket path in effect: the configured one, else
 * RUNDIR/span-NAME.dchan or .audio (which = "dchan" or "audio"). pstnsim
 * uses the same default. Returns buf. */
const char *settings_span_path(const struct span_settings *sp, const char *which, char *buf, size_t len);

/* The span named name, or NULL. */
const struct span_settings *settings_span(const struct tandem_settings *s, const char *name);

/* Parse "udp,tcp" style transport lists into flags. Returns 0 or -EINVAL. */
int settings_transports(const char *list, bool *udp, bool *tcp);

#endif
