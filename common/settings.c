/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shared directive table for tandem.conf. */
#include "config.h"

#include "common/settings.h"

#include "common/codes.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct conf_enum log_targets[] = {
    {"stderr", LOG_TARGET_STDERR},
    {"syslog", LOG_TARGET_SYSLOG},
    {NULL, 0},
};

static const struct conf_enum log_levels[] = {
    {"err", LOG_ERR},     {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE}, {"info", LOG_INFO},
    {"debug", LOG_DEBUG}, {NULL, 0},
};

static const struct conf_enum log_facilities[] = {
    {"daemon", LOG_DAEMON},
    {"user", LOG_USER},
    {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
    {NULL, 0},
};

static int check_node(const char *v, char *why, size_t len)
{
	if (!*v) {
		snprintf(why, len, "must not be empty");
		return -EINVAL;
	}
	for (const char *p = v; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.')) {
			snprintf(why, len, "\"%s\" may hold only letters, digits, '-', '_' and '.'", v);
			return -EINVAL;
		}
	}
	return 0;
}

/* host:port, [v6]:port, or host alone (port 5060). */
static int check_hostport(const char *v, char *why, size_t len)
{
	char host[128];
	const char *colon;
	unsigned char addr[16];
	long port = 5060;

	if (*v == '[') {
		const char *close = strchr(v, ']');
		if (!close || (size_t)(close - v - 1) >= sizeof(host))
			goto bad;
		memcpy(host, v + 1, (size_t)(close - v - 1));
		host[close - v - 1] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			goto bad;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			goto bad;
	} else {
		colon = strrchr(v, ':');
		size_t hl = colon ? (size_t)(colon - v) : strlen(v);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, v, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, addr) != 1)
			goto bad;
	}
	if (colon) {
		char *end;
		port = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end || port < 1 || port > 65535)
			goto bad;
	}
	return 0;
bad:
	snprintf(why, len, "\"%s\" is not ADDRESS:PORT (an IPv4 address, or [IPv6], and a port 1..65535)", v);
	return -EINVAL;
}

static int check_hostport_or_none(const char *v, char *why, size_t len)
{
	return *v ? check_hostport(v, why, len) : 0;
}

int settings_transports(const char *list, bool *udp, bool *tcp)
{
	char buf[32];
	char *tok, *save = NULL;

	*udp = *tcp = false;
	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (strcmp(tok, "udp") == 0)
			*udp = true;
		else if (strcmp(tok, "tcp") == 0)
			*tcp = true;
		else
			return -EINVAL;
	}
	return (*udp || *tcp) ? 0 : -EINVAL;
}

static int check_codes(const char *v, char *why, size_t len)
{
	struct sip_codes set;

	return sip_codes_parse(v, &set, why, len);
}

static int check_transports(const char *v, char *why, size_t len)
{
	bool udp, tcp;

	if (settings_transports(v, &udp, &tcp) < 0) {
		snprintf(why, len, "\"%s\" is not a list of udp and tcp", v);
		return -EINVAL;
	}
	return 0;
}

/* A digest realm: printable, no quote or backslash (it goes in a quoted
 * string), not empty. */
static int check_realm(const char *v, char *why, size_t len)
{
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == '"' || *p == '\\' || *p == 0x7f) {
			snprintf(why, len, "\"%s\": a realm is printable, without spaces, quotes or backslashes", v);
			return -EINVAL;
		}
	if (!*v) {
		snprintf(why, len, "empty");
		return -EINVAL;
	}
	return 0;
}

/* An absolute path, or empty for the default. */
static int check_abspath(const char *v, char *why, size_t len)
{
	if (*v && *v != '/') {
		snprintf(why, len, "\"%s\" is not an absolute path", v);
		return -EINVAL;
	}
	return 0;
}

static const struct conf_enum span_backends[] = {
    {"virtual", SETTINGS_BACKEND_VIRTUAL}, {"dahdi", SETTINGS_BACKEND_DAHDI}, {NULL, 0}};
static const struct conf_enum span_types[] = {{"e1", 0}, {"t1", 1}, {NULL, 0}};
static const struct conf_enum span_laws[] = {{"alaw", 0}, {"ulaw", 1}, {"mulaw", 1}, {NULL, 0}};
/* The order of enum gw_pri_switch. */
static const struct conf_enum span_switches[] = {{"ni2", 0},         {"dms100", 1},      {"5ess", 2}, {"4ess", 3},
						 {"euroisdn_e1", 4}, {"euroisdn_t1", 5}, {"qsig", 6}, {NULL, 0}};
static const struct conf_enum span_sides[] = {{"cpe", 0}, {"network", 1}, {NULL, 0}};
static const struct conf_enum span_hunts[] = {{"ascending", SETTINGS_HUNT_ASCENDING},
					      {"descending", SETTINGS_HUNT_DESCENDING},
					      {"round_robin", SETTINGS_HUNT_ROUND_ROBIN},
					      {NULL, 0}};

static int check_name(const char *v, char *why, size_t len)
{
	for (const char *p = v; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.')) {
			snprintf(why, len, "\"%s\" may hold only a-z, 0-9, '-', '_' and '.'", v);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_ipaddr(const char *v, char *why, size_t len)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1) {
		snprintf(why, len, "\"%s\" is not an IPv4 or IPv6 address", v);
		return -EINVAL;
	}
	return 0;
}

#define SP(f)  offsetof(struct span_settings, f), sizeof(((struct span_settings *)0)->f)
#define SPI(f) offsetof(struct span_settings, f), 0
#define S(f)   offsetof(struct tandem_settings, f), sizeof(((struct tandem_settings *)0)->f)
#define I(f)   offsetof(struct tandem_settings, f), 0

const struct conf_directive settings_directives[] = {
    {"general", "node", CONF_STR, S(node), 0, 0, NULL, check_node, "tandem1",
     "this node's name, recorded in every CDR and shown by tandemctl status"},
    {"log", "target", CONF_ENUM, I(log_target), 0, 0, log_targets, NULL, "stderr", "stderr or syslog"},
    {"log", "level", CONF_ENUM, I(log_level), 0, 0, log_levels, NULL, "info", "err, warning, notice, info or debug"},
    {"log", "facility", CONF_ENUM, I(log_facility), 0, 0, log_facilities, NULL, "daemon",
     "syslog facility: daemon, user, local0..local7"},
    {"log", "sip_level", CONF_INT, I(log_sip_level), 0, 9, NULL, NULL, "0",
     "Sofia-SIP's own log detail, 0 (off) to 9 (every message)"},
    {"sip", "listen", CONF_STR, S(sip_listen), 0, 0, NULL, check_hostport, "127.0.0.1:5060",
     "address and port for SIP (UDP and TCP)"},
    {"sip", "transports", CONF_STR, S(sip_transports), 0, 0, NULL, check_transports, "udp,tcp",
     "which of udp and tcp to listen on"},
    {"sip", "user_agent", CONF_STR, S(sip_user_agent), 0, 0, NULL, NULL, "Tandem/" PACKAGE_VERSION,
     "User-Agent and Server header value"},
    {"sip", "realm", CONF_STR, S(sip_realm), 0, 0, NULL, check_realm, "tandem",
     "digest realm of the challenges to customers (customer_credentials.realm)"},
    {"sip", "register_min_expires", CONF_INT, I(sip_reg_min), 10, 86400, NULL, NULL, "60",
     "shortest registration accepted, in seconds (shorter: 423 with Min-Expires)"},
    {"sip", "register_max_expires", CONF_INT, I(sip_reg_max), 10, 86400, NULL, NULL, "3600",
     "longest registration granted, in seconds (longer requests are cut to it)"},
    {"sip", "max_message", CONF_INT, I(sip_max_message), 1024, 1048576, NULL, NULL, "16384",
     "largest SIP message taken, in bytes; a larger request gets 413 (TCP: and the connection is closed)"},
    {"sip", "max_uri", CONF_INT, I(sip_max_uri), 32, 8192, NULL, NULL, "512",
     "longest Request-URI taken, in bytes; a longer one gets 414"},
    {"sip", "resolv_conf", CONF_STR, S(sip_resolv_conf), 0, 0, NULL, NULL, "",
     "resolv.conf-style file naming the DNS servers for trunk members given as domains (empty: /etc/resolv.conf)"},
    {"sip", "tls_listen", CONF_STR, S(sip_tls_listen), 0, 0, NULL, check_hostport_or_none, "",
     "address and port for SIP over TLS (sips:, usually port 5061); empty: no TLS"},
    {"sip", "tls_certificate", CONF_STR, S(sip_tls_cert), 0, 0, NULL, NULL, "",
     "PEM file with this node's certificate (and its chain) for TLS"},
    {"sip", "tls_key", CONF_STR, S(sip_tls_key), 0, 0, NULL, NULL, "", "PEM file with the certificate's private key"},
    {"sip", "tls_ca", CONF_STR, S(sip_tls_ca), 0, 0, NULL, NULL, "",
     "PEM file of the CAs that sign peers' certificates (empty: the certificate's own file)"},
    {"sip", "sdes_require_tls", CONF_BOOL, I(sip_sdes_require_tls), 0, 0, NULL, NULL, "yes",
     "SRTP keys (SDES, a=crypto) only over TLS: an SDES offer over UDP or TCP gets 488 (RFC 4568 8.3)"},
    {"sip", "session_expires", CONF_INT, I(sip_session_expires), 0, 86400, NULL, NULL, "1800",
     "session timer (RFC 4028) asked for and granted, in seconds; 0: none unless the peer asks"},
    {"sip", "min_se", CONF_INT, I(sip_min_se), 90, 86400, NULL, NULL, "90",
     "shortest session interval accepted (Min-SE), in seconds; a shorter one gets 422"},
    {"sip", "registration_sync", CONF_INT, I(sip_registration_sync), 0, 3600, NULL, NULL, "10",
     "how often (seconds) other nodes' registrations are read from the database (0: at start only)"},
    {"security", "flood_requests", CONF_INT, I(sec_flood_requests), 0, 1000000, NULL, NULL, "16",
     "more requests than this from one untrusted address within flood_window bans it (0: no flood limit)"},
    {"security", "flood_window", CONF_MSEC, I(sec_flood_window_ms), 100, 3600000, NULL, NULL, "2s",
     "the window flood_requests counts in"},
    {"security", "auth_failures", CONF_INT, I(sec_auth_failures), 0, 1000000, NULL, NULL, "10",
     "more 403 answers (wrong credentials) than this to one untrusted address within auth_window ban it (0: no limit)"},
    {"security", "auth_window", CONF_MSEC, I(sec_auth_window_ms), 1000, 86400000, NULL, NULL, "60s",
     "the window auth_failures counts in"},
    {"security", "ban_time", CONF_MSEC, I(sec_ban_time_ms), 0, 604800000, NULL, NULL, "300s",
     "how long a banned address is ignored (0: never ban)"},
    {"database", "conninfo", CONF_STR, S(db_conninfo), 0, 0, NULL, NULL, "",
     "libpq connection string; empty means the libpq environment (PGHOST, PGDATABASE, ...)"},
    {"database", "reconnect_interval", CONF_MSEC, I(db_reconnect_ms), 100, 3600000, NULL, NULL, "2s",
     "how long to wait before reconnecting after the database is lost"},
    {"database", "connect_timeout", CONF_MSEC, I(db_connect_timeout_ms), 100, 600000, NULL, NULL, "5s",
     "give up a connection attempt after this long"},
    {"control", "socket", CONF_STR, S(ctl_socket), 0, 0, NULL, check_abspath, "",
     "UNIX socket tandemctl talks to; empty means /run/tandem/tandemd.sock (root) or "
     "/tmp/tandem-UID/tandemd.sock"},
    {"database", "directory_cache", CONF_STR, S(db_dir_cache), 0, 0, NULL, NULL, "",
     "file keeping the last routing data loaded, to route from when the database is unreachable at start; "
     "empty means directory.cache beside the CDR journal's folder, \"off\" none"},
    {"cdr", "journal", CONF_STR, S(cdr_journal), 0, 0, NULL, check_abspath, "",
     "folder of the durable CDR journal; empty means /var/spool/tandem/cdr (root) or /tmp/tandem-UID/cdr"},
    {"cdr", "batch", CONF_INT, I(cdr_batch), 1, 5000, NULL, NULL, "200",
     "CDRs per COPY transaction when draining the journal"},
    {"cdr", "alarm_after", CONF_MSEC, I(cdr_alarm_after_ms), 1000, 86400000, NULL, NULL, "60s",
     "log a warning when the oldest CDR not yet in the database has waited this long (1s..24h)"},
    {"cdr", "enabled", CONF_BOOL, I(cdr_enabled), 0, 0, NULL, NULL, "yes",
     "no: write no CDRs at all (for measurements only; calls go unbilled)"},
    {"media", "address", CONF_STR, S(rtp_address), 0, 0, NULL, check_ipaddr, "127.0.0.1",
     "the address RTP is bound to and SDP announces"},
    {"media", "port_min", CONF_INT, I(rtp_port_min), 1024, 65534, NULL, NULL, "16384", "the lowest RTP port"},
    {"media", "port_max", CONF_INT, I(rtp_port_max), 1025, 65535, NULL, NULL, "32767", "the highest RTP port"},
    {"media", "workers", CONF_INT, I(media_workers), 1, 64, NULL, NULL, "2", "media worker threads"},
    {"calls", "max", CONF_INT, I(call_max), 0, 1000000, NULL, NULL, "10000",
     "concurrent calls this node takes; more get 503 with Retry-After"},
    {"calls", "ring_timeout", CONF_MSEC, I(call_ring_timeout_ms), 1000, 3600000, NULL, NULL, "120s",
     "an unanswered call is cleared after this (cause 19, SIP 480)"},
    {"calls", "shed_backlog", CONF_INT, I(call_shed_backlog), 0, 100, NULL, NULL, "50",
     "new INVITEs get 503 with Retry-After while a SIP socket's receive queue is fuller than this percentage "
     "of its buffer (overload); 0: never shed"},
    {"limits", "customer_status", CONF_INT, I(limit_customer_status), 400, 699, NULL, NULL, "503",
     "SIP status of a call refused because its customer is at max_calls or max_cps"},
    {"limits", "customer_cause", CONF_INT, I(limit_customer_cause), 1, 127, NULL, NULL, "34",
     "Q.850 cause of that refusal (its Reason header; a PRI caller's DISCONNECT)"},
    {"limits", "denied_status", CONF_INT, I(limit_denied_status), 400, 699, NULL, NULL, "403",
     "SIP status of a call to a destination the customer is denied, or from a caller number it may not present"},
    {"limits", "denied_cause", CONF_INT, I(limit_denied_cause), 1, 127, NULL, NULL, "21",
     "Q.850 cause of that refusal (21: call rejected)"},
    {"trunks", "alive_codes", CONF_STR, S(trunk_alive_codes), 0, 0, NULL, check_codes, "2xx,3xx,4xx,5xx,6xx,!408,!503",
     "answers to a member's OPTIONS that count as alive: statuses, ranges (400-499), classes (5xx), !excluded"},
    {"trunks", "reject_limit", CONF_INT, I(trunk_reject_limit), 1, 100, NULL, NULL, "3",
     "REGISTERs refused in a row (401/407 to our credentials, 403) before a trunk stops registering"},
    {"trunks", "retry_min", CONF_MSEC, I(trunk_retry_min_ms), 100, 3600000, NULL, NULL, "5s",
     "wait before retrying a failed REGISTER; doubled at each failure (with jitter)"},
    {"trunks", "retry_max", CONF_MSEC, I(trunk_retry_max_ms), 100, 86400000, NULL, NULL, "300s",
     "the longest wait between REGISTER retries"},
    {"trunks", "register_jitter", CONF_MSEC, I(trunk_register_jitter_ms), 0, 600000, NULL, NULL, "2s",
     "a trunk's first REGISTER waits a random time up to this (many trunks do not register at once)"},
    {"span", "*", CONF_SECTION, offsetof(struct tandem_settings, spans), sizeof(struct span_settings),
     offsetof(struct tandem_settings, nspans), SETTINGS_MAX_SPANS, NULL, NULL, NULL,
     "[span NAME]: one PRI span of this node (repeat for more)"},
    {"span", "backend", CONF_ENUM, SPI(backend), 0, 0, span_backends, NULL, "virtual",
     "virtual (sockets to pstnsim) or dahdi (a card)"},
    {"span", "type", CONF_ENUM, SPI(type), 0, 0, span_types, NULL, "e1", "e1 (30 B-channels) or t1 (23)"},
    {"span", "law", CONF_ENUM, SPI(law), 0, 0, span_laws, NULL, "alaw", "alaw or ulaw"},
    {"span", "switchtype", CONF_ENUM, SPI(switchtype), 0, 0, span_switches, NULL, "euroisdn_e1",
     "ni2, dms100, 5ess, 4ess, euroisdn_e1, euroisdn_t1 or qsig"},
    {"span", "side", CONF_ENUM, SPI(side), 0, 0, span_sides, NULL, "cpe", "cpe (user side) or network"},
    {"span", "dchan", CONF_STR, SP(dchan), 0, 0, NULL, check_abspath, "",
     "virtual: the far end's D-channel socket (default RUNDIR/span-NAME.dchan)"},
    {"span", "audio", CONF_STR, SP(audio), 0, 0, NULL, check_abspath, "",
     "virtual: the far end's audio socket (default RUNDIR/span-NAME.audio)"},
    {"span", "dahdi_span", CONF_INT, SPI(dahdi_span), 0, 256, NULL, NULL, "0", "dahdi: DAHDI's span number"},
    {"span", "trunk", CONF_STR, SP(trunk), 0, 0, NULL, check_name, "pstn",
     "the PRI trunk (tandemctl trunk name) whose routes use this span"},
    {"span", "hunt", CONF_ENUM, SPI(hunt), 0, 0, span_hunts, NULL, "ascending",
     "B-channel order for outgoing calls: ascending, descending or round_robin"},
    {"span", "overlap", CONF_BOOL, SPI(overlap), 0, 0, NULL, NULL, "no",
     "overlap receiving: collect digits after SETUP"},
    {"span", "number_length", CONF_INT, SPI(number_length), 0, 20, NULL, NULL, "0",
     "overlap: this many digits complete a number (0: no length rule)"},
    {"span", "interdigit", CONF_MSEC, SPI(interdigit_ms), 500, 60000, NULL, NULL, "5s",
     "overlap: the number is complete after this long without a digit"},
    {"span", "overlap_send", CONF_BOOL, SPI(overlap_send), 0, 0, NULL, NULL, "no",
     "overlap sending: the SETUP carries the first overlap_send_digits digits, INFORMATION the rest"},
    {"span", "overlap_send_digits", CONF_INT, SPI(overlap_send_digits), 0, 31, NULL, NULL, "0",
     "overlap sending: called digits in the SETUP (0: none, all in INFORMATION)"},
    {"span", "restart", CONF_BOOL, SPI(restart), 0, 0, NULL, NULL, "yes",
     "send RESTART for every B-channel when the D-channel comes up"},
    {"span", "service", CONF_BOOL, SPI(service), 0, 0, NULL, NULL, "yes",
     "SERVICE messages (channels in/out of service) where the switch type has them: 5ess, 4ess, ni2"},
    {"span", "audit", CONF_MSEC, SPI(audit_ms), 0, 3600000, NULL, NULL, "30s",
     "how often each B-channel's state is checked against libpri's call and the call layer's (0: never)"},
    {"span", "audit_clearing", CONF_MSEC, SPI(audit_clearing_ms), 1000, 3600000, NULL, NULL, "90s",
     "audit: a call still clearing after this long is stuck (the far end does not answer) and is restarted"},
    {"span", "pace", CONF_BOOL, SPI(pace), 0, 0, NULL, NULL, "no",
     "the D-channel at 64 kbit/s like a card's (virtual spans: realistic delay under load)"},
    {"span", "pcap", CONF_STR, SP(pcap), 0, 0, NULL, check_abspath, "",
     "write the D-channel to this pcap file (Wireshark: LAPD/Q.931)"},
    {"span", "echo_cancel", CONF_BOOL, SPI(echo_cancel), 0, 0, NULL, NULL, "yes",
     "cancel line echo on the B-channels (off by itself on a 2100 Hz fax/modem answer tone)"},
    {"span", "echo_tail_ms", CONF_INT, SPI(echo_tail_ms), 16, 256, NULL, NULL, "128",
     "the longest echo delay cancelled, in ms (DAHDI: at most 128)"},
    {"span", "numbers", CONF_STR, SP(numbers), 0, 0, NULL, NULL, "",
     "the carrier's number format, e.g. cc=44,natpfx=0,intlpfx=00,format=national"},
    {NULL, NULL, CONF_STR, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};

/* What tandemd runs when no file is named: one virtual E1 span toward
 * pstnsim's default sockets (the demo). */
static const char settings_embedded[] = "[span pstn1]\n";

int settings_load(const char *path, struct tandem_settings *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!path)
		rc = conf_load_string("embedded default", settings_embedded, settings_directives, out, err, errlen);
	else
		rc = conf_load_file(path, settings_directives, out, err, errlen);
	if (rc == 0 && out->sip_tls_listen[0] && (!out->sip_tls_cert[0] || !out->sip_tls_key[0])) {
		snprintf(err, errlen, "%s: [sip] tls_listen needs tls_certificate and tls_key",
			 path ? path : "embedded default");
		return -EINVAL;
	}
	return rc;
}

const char *settings_ctl_socket(const struct tandem_settings *s, char *buf, size_t len)
{
	const char *env = getenv("TANDEM_CTL_SOCKET");

	if (s && s->ctl_socket[0])
		snprintf(buf, len, "%s", s->ctl_socket);
	else if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, len, "/run/tandem/tandemd.sock");
	else
		snprintf(buf, len, "/tmp/tandem-%u/tandemd.sock", (unsigned)geteuid());
	return buf;
}

const char *settings_cdr_journal(const struct tandem_settings *s, char *buf, size_t len)
{
	if (s && s->cdr_journal[0])
		snprintf(buf, len, "%s", s->cdr_journal);
	else if (geteuid() == 0)
		snprintf(buf, len, "/var/spool/tandem/cdr");
	else
		snprintf(buf, len, "/tmp/tandem-%u/cdr", (unsigned)geteuid());
	return buf;
}

const char *settings_directory_cache(const struct tandem_settings *s, char *buf, size_t len)
{
	char journal[256], *slash;

	if (s && strcmp(s->db_dir_cache, "off") == 0)
		snprintf(buf, len, "%s", "");
	else if (s && s->db_dir_cache[0])
		snprintf(buf, len, "%s", s->db_dir_cache);
	else {
		settings_cdr_journal(s, journal, sizeof(journal));
		if ((slash = strrchr(journal, '/')) && slash != journal)
			*slash = '\0';
		snprintf(buf, len, "%s/directory.cache", journal);
	}
	return buf;
}

const char *settings_run_dir(char *buf, size_t len)
{
	const char *env = getenv("TANDEM_RUN_DIR");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, len, "/run/tandem");
	else
		snprintf(buf, len, "/tmp/tandem-%u", (unsigned)geteuid());
	return buf;
}

const char *settings_span_path(const struct span_settings *sp, const char *which, char *buf, size_t len)
{
	const char *set = strcmp(which, "dchan") == 0 ? sp->dchan : sp->audio;
	char dir[200];

	if (*set)
		snprintf(buf, len, "%s", set);
	else
		snprintf(buf, len, "%s/span-%s.%s", settings_run_dir(dir, sizeof(dir)), sp->name, which);
	return buf;
}

const struct span_settings *settings_span(const struct tandem_settings *s, const char *name)
{
	for (int i = 0; i < s->nspans; i++)
		if (strcmp(s->spans[i].name, name) == 0)
			return &s->spans[i];
	return NULL;
}
