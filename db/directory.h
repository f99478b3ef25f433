/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory: everything a call decision reads from the database, as
 * one immutable snapshot (docs/routing.md, "The directory"): the routing
 * index, customers and the source addresses they are recognised by, trunks
 * with their members, and per-trunk cause maps. Pure data and lookups; the
 * loader that fills a builder from PostgreSQL is db/dir_load.h.
 *
 * Threads: a builder belongs to one thread. A snapshot is immutable once
 * built: any number of threads may look up in it at once. Pointers the
 * lookups return are lent by the snapshot and valid until it is freed. */
#ifndef TANDEM_DB_DIRECTORY_H
#define TANDEM_DB_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/route_index.h"

struct sockaddr;

enum dir_trunk_kind {
	DIR_TRUNK_SIP,
	DIR_TRUNK_PRI,
};

enum dir_transport {
	DIR_TRANSPORT_UDP,
	DIR_TRANSPORT_TCP,
	DIR_TRANSPORT_TLS,
};

enum dir_cause_direction {
	DIR_Q850_TO_SIP, /* cause_maps.direction 'q850_to_sip' */
	DIR_SIP_TO_Q850, /* 'sip_to_q850' */
};

/* How DTMF goes to and comes from a SIP peer (customers.dtmf_mode and
 * trunks.dtmf_mode, 010_dtmf; gateway/call_dtmf.c). */
enum dir_dtmf {
	DIR_DTMF_RFC4733 = 0, /* telephone-event in RTP (RFC 4733) */
	DIR_DTMF_INFO = 1,    /* SIP INFO, application/dtmf-relay */
	DIR_DTMF_INBAND = 2,  /* tones in the audio only */
};

struct dir_customer {
	int64_t id;
	const char *name;
	bool enabled; /* a disabled customer is known but refused */
	unsigned max_calls;
	double max_cps;
	unsigned max_duration_s; /* an answered call is cut after this */
	bool require_secure;     /* its calls only over TLS with SRTP (008_security) */
	enum dir_dtmf dtmf_mode; /* how DTMF reaches its PBX (010_dtmf) */
	bool no_t38;             /* t38 false: its faxes G.711 passthrough, no T.38 re-INVITE (011_fax) */
};

/* A SIP trunk's ISUP encapsulation (trunks.sipt, 005_provisioning; gateway/
 * call_sipt.c): none, SIP-T (RFC 3372) or SIP-I (ITU-T Q.1912.5). */
enum dir_sipt {
	DIR_SIPT_NONE = 0,
	DIR_SIPT_T = 1,
	DIR_SIPT_I = 2,
};

/* Failover and limit settings of a trunk (005_provisioning). */
#define DIR_FAILOVER_MAX 32
struct dir_trunk_failover {
	unsigned invite_timeout_ms; /* per member: no 18x or final within this: next member */
	unsigned ncodes;
	unsigned codes[DIR_FAILOVER_MAX]; /* final statuses that send the call on */
	unsigned limit_status;            /* what a call over max_calls/max_cps gets */
	unsigned limit_cause;
};

struct dir_trunk {
	int64_t id;
	const char *name;
	enum dir_trunk_kind kind;
	bool enabled;
	int max_calls;  /* -1: no limit */
	double max_cps; /* < 0: no limit */
	/* --- failover and limits (dir_builder_trunk_failover; the schema's
	 * defaults until it is called) --- */
	struct dir_trunk_failover fo;

	/* Registration and health (the trunk manager; 005_provisioning.sql):
	 * set by dir_builder_set_trunk_health(), defaults otherwise. */
	bool reg;                    /* register with the carrier */
	const char *auth_user;       /* digest credentials, NULL if none */
	const char *auth_password;   /* in clear: needed to answer challenges */
	unsigned register_expires;   /* seconds asked for */
	unsigned ping_interval_s;    /* OPTIONS every this many seconds; 0 = off */
	unsigned ping_up, ping_down; /* answers / failures in a row that change a member's health */
	enum dir_sipt sipt;          /* dir_builder_set_trunk_sipt(); DIR_SIPT_NONE by default */
	bool require_secure;         /* calls toward it only over TLS with SRTP (008_security) */
	enum dir_dtmf dtmf_mode;     /* how DTMF reaches it (010_dtmf) */
	bool no_t38;                 /* t38 false: faxes toward it G.711 passthrough (011_fax) */
};

/* One gateway of a SIP trunk. */
struct dir_member {
	int64_t id;
	int64_t trunk_id;
	const char *host;
	unsigned port; /* 0: the transport's default (RFC 3263) */
	enum dir_transport transport;
	unsigned priority, weight; /* lower priority first; weight among equals */
};

struct dir_cause_row {
	int64_t trunk_id;
	enum dir_cause_direction direction;
	unsigned q850_cause; /* 1..127 */
	unsigned sip_status; /* 400..699 */
};

/* Digest credentials (customer_credentials): HA1 = MD5(user:realm:secret). */
struct dir_credential {
	const char *username, *realm;
	char ha1[33]; /* 32 lowercase hex digits */
	int64_t customer_id;
};

struct dir_stats {
	uint64_t version; /* the loader's generation counter */
	size_t customers, addresses, credentials, trunks, members, cause_rows, destinations, callers;
	struct route_stats routes;
	time_t loaded_at; /* CLOCK_REALTIME seconds when built */
	unsigned load_ms; /* read + build time */
};

struct dir_builder;
struct dir_snapshot;

/* A builder collects rows, then makes one snapshot. *out belongs to the
 * caller (dir_builder_free). Returns 0 or -ENOMEM. */
int dir_builder_new(struct dir_builder **out);
void dir_builder_free(struct dir_builder *b);

/* The builder's route builder, for route_builder_add_route/_add_did (or
 * route_load_into); owned by the directory builder. */
struct route_builder *dir_builder_routes(struct dir_builder *b);

/* Add rows; strings are copied. Each returns 0, -EINVAL for a value out of
 * range (a name NULL, a CIDR that does not parse or has host bits set, a
 * port over 65535...), or -ENOMEM. Rows referring to a customer or trunk
 * not added by build time, and duplicate ids, names or CIDRs, are refused
 * by dir_builder_build(). cidr is PostgreSQL's text form: "10.0.0.0/8",
 * "2001:db8::/32"; without "/len" it is a host address. */
int dir_builder_add_customer(struct dir_builder *b, int64_t id, const char *name, bool enabled, unsigned max_calls,
			     double max_cps, unsigned max_duration_s);
int dir_builder_add_address(struct dir_builder *b, const char *cidr, int64_t customer_id);
int dir_builder_add_credential(struct dir_builder *b, const char *username, const char *realm, const char *ha1,
			       int64_t customer_id);
int dir_builder_add_trunk(struct dir_builder *b, int64_t id, const char *name, enum dir_trunk_kind kind, bool enabled,
			  int max_calls, double max_cps);
/* The registration and health columns of trunk id, which must have been
 * added (replacing what dir_builder_add_trunk gave it: reg false, no
 * credentials, register_expires 3600, ping_interval_s 0, ping_up 2,
 * ping_down 3). auth_user and auth_password are both NULL or both set.
 * 0, -ENOENT, -EINVAL or -ENOMEM. */
int dir_builder_set_trunk_health(struct dir_builder *b, int64_t id, bool reg, const char *auth_user,
				 const char *auth_password, unsigned register_expires, unsigned ping_interval_s,
				 unsigned ping_up, unsigned ping_down);
/* "TLS/SRTP required" (008_security.sql) of a customer or trunk already
 * added (false until then). 0 or -ENOENT. */
int dir_builder_set_customer_secure(struct dir_builder *b, int64_t id, bool require_secure);
int dir_builder_set_trunk_secure(struct dir_builder *b, int64_t id, bool require_secure);
/* The DTMF mode of a customer or trunk just added: 0, -ENOENT or -EINVAL. */
int dir_builder_set_customer_dtmf(struct dir_builder *b, int64_t id, enum dir_dtmf mode);
int dir_builder_set_trunk_dtmf(struct dir_builder *b, int64_t id, enum dir_dtmf mode);
/* "rfc4733", "info", "inband" -> the mode, or -1. */
int dir_dtmf_parse(const char *s);
/* customers.t38, trunks.t38 (011_fax; true until set). 0 or -ENOENT. */
int dir_builder_set_customer_t38(struct dir_builder *b, int64_t id, bool t38);
int dir_builder_set_trunk_t38(struct dir_builder *b, int64_t id, bool t38);
int dir_builder_add_member(struct dir_builder *b, int64_t id, int64_t trunk_id, const char *host, unsigned port,
			   enum dir_transport transport, unsigned priority, unsigned weight);
/* A trunk's failover and limit settings (replacing the defaults
 * dir_builder_add_trunk gave it): the trunk must have been added; codes
 * 400..699, limit_status 400..699, limit_cause 1..127, invite timeout
 * 1..300000 ms. 0, -ENOENT or -EINVAL. */
int dir_builder_trunk_failover(struct dir_builder *b, int64_t trunk_id, const struct dir_trunk_failover *fo);
/* A SIP trunk's ISUP encapsulation (a PRI trunk's is always none). 0,
 * -ENOENT or -EINVAL. */
int dir_builder_set_trunk_sipt(struct dir_builder *b, int64_t trunk_id, enum dir_sipt sipt);
/* A customer's destination rule (customer_destinations) and caller
 * prefix (customer_callers): prefix is '+' and up to 15 digits. */
int dir_builder_add_destination(struct dir_builder *b, int64_t customer_id, const char *prefix, bool allow);
int dir_builder_add_caller(struct dir_builder *b, int64_t customer_id, const char *prefix);
int dir_builder_add_cause(struct dir_builder *b, int64_t trunk_id, enum dir_cause_direction direction,
			  unsigned q850_cause, unsigned sip_status);

/* Build a snapshot from everything added. The rows move into the snapshot
 * (or are freed on failure): free the builder afterwards either way, it
 * builds once. version is recorded in the stats. On success
 * *out belongs to the caller (dir_snapshot_free). Returns 0, -ENOMEM,
 * -EEXIST (a duplicate), -EINVAL (a dangling reference) or the route
 * builder's codes, with a message in err. */
int dir_builder_build(struct dir_builder *b, uint64_t version, struct dir_snapshot **out, char *err, size_t errlen);

/* Record how long the load took (the loader, before publishing). */
void dir_snapshot_set_load_ms(struct dir_snapshot *snap, unsigned load_ms);

void dir_snapshot_free(struct dir_snapshot *snap);

/* --- Lookups: any thread, never block; NULL / 0 when not found --------- */

/* The customer whose address block holds sa's address, longest prefix
 * first (AF_INET or AF_INET6; an IPv4-mapped IPv6 address matches IPv4
 * blocks). Disabled customers are returned too: check ->enabled. */
const struct dir_customer *dir_customer_by_addr(const struct dir_snapshot *snap, const struct sockaddr *sa);
const struct dir_customer *dir_customer(const struct dir_snapshot *snap, int64_t id);
/* The credential of a user name in a realm (exact, case-sensitive). */
const struct dir_credential *dir_credential(const struct dir_snapshot *snap, const char *username, const char *realm);

const struct dir_trunk *dir_trunk(const struct dir_snapshot *snap, int64_t id);
const struct dir_trunk *dir_trunk_by_name(const struct dir_snapshot *snap, const char *name);

/* Every trunk, by id: i in 0 .. dir_snapshot_trunk_count() - 1. */
size_t dir_snapshot_trunk_count(const struct dir_snapshot *snap);
const struct dir_trunk *dir_snapshot_trunk_at(const struct dir_snapshot *snap, size_t i);

/* A trunk's members by priority, then id: *members points into the
 * snapshot; returns how many (0 for an unknown trunk). */
size_t dir_trunk_members(const struct dir_snapshot *snap, int64_t trunk_id, const struct dir_member **members);

/* The first trunk of kind with a member whose host is exactly host (a
 * numeric address, as a request's source is compared), or NULL. Linear in
 * the number of members: a carrier has a handful of gateways. */
const struct dir_trunk *dir_trunk_by_member_host(const struct dir_snapshot *snap, enum dir_trunk_kind kind,
						 const char *host);

/* 1 when status is one of the trunk's failover codes. */
bool dir_trunk_fails_over(const struct dir_trunk *t, unsigned status);

/* 1 when the customer may call number (E.164 with '+'): the longest of
 * its destination prefixes that number starts with decides; no rule
 * matching (or none at all) allows. */
bool dir_destination_allowed(const struct dir_snapshot *snap, int64_t customer_id, const char *number);
/* 1 when the customer may present caller number: it has no caller
 * prefixes, or number starts with one of them. */
bool dir_caller_allowed(const struct dir_snapshot *snap, int64_t customer_id, const char *number);

/* A trunk's cause-map rows, sorted by direction, cause, status. */
size_t dir_cause_rows(const struct dir_snapshot *snap, int64_t trunk_id, const struct dir_cause_row **rows);

/* The routing index inside the snapshot, for route_lookup() and
 * route_did_lookup(); lent, like everything else. Never NULL. */
const struct route_index *dir_routes(const struct dir_snapshot *snap);

void dir_snapshot_stats(const struct dir_snapshot *snap, struct dir_stats *st);

#endif
