/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The registrar's bindings: where each customer's registered PBXs can be
 * reached (RFC 3261 10.3), NAT-aware: a Contact with a private address is
 * reached at the address and port its REGISTER came from. Plain data, loop
 * thread only; the SIP glue parses, authenticates and answers. */
#ifndef TANDEM_GW_REGISTRAR_H
#define TANDEM_GW_REGISTRAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ctl_out;

struct gw_reg_binding {
	int64_t customer_id;
	char aor[160];     /* user@host of the To header */
	char contact[256]; /* the Contact URI as registered */
	char target[256];  /* the URI calls go to (NAT: the source address) */
	char source[64];   /* ip:port the REGISTER came from */
	char transport[4]; /* "udp", "tcp" or "tls" */
	char call_id[128];
	time_t expires_at;
	int nat;               /* target rewritten to the source */
	int64_t registered_ms; /* when (wall clock, ms; made unique per registrar): newest first */
	char node[64];         /* "" (this node's), else the node it registered with (from the database) */
};

struct gw_registrar;

struct gw_registrar *gw_reg_new(void);
void gw_reg_free(struct gw_registrar *r);

/* A Contact of an authenticated REGISTER (contact: its URI; user, host,
 * port: its parts, port 0 if none), from source_ip:source_port over
 * transport. expires 0 removes the binding. Returns 0, -EINVAL for a
 * control character in a string (nothing is stored), or -ENOMEM. */
int gw_reg_update(struct gw_registrar *r, int64_t customer_id, const char *aor, const char *contact, const char *user,
		  const char *host, unsigned port, const char *source_ip, unsigned source_port, const char *transport,
		  const char *call_id, int expires, time_t now);
/* "Contact: *" with Expires 0: every binding of the AOR goes. */
void gw_reg_remove_aor(struct gw_registrar *r, int64_t customer_id, const char *aor);

/* The live bindings of a customer (aor NULL) or of one AOR, newest first,
 * at most max into out (lent until the next update). Returns the count. */
size_t gw_reg_lookup(struct gw_registrar *r, int64_t customer_id, const char *aor, time_t now,
		     const struct gw_reg_binding **out, size_t max);

/* Every change a REGISTER makes to a binding (removed 0: made or
 * refreshed; 1: gone), for the database (gateway/reg_store.c). Not
 * called for expiry, nor for what gw_reg_load() brings in. */
void gw_reg_set_hook(struct gw_registrar *r, void (*fn)(void *arg, const struct gw_reg_binding *b, int removed),
		     void *arg);
/* Bindings read from the database: b->node "" for this node's own (from
 * before a restart: taken unless a newer one is here), else another
 * node's. Every other node's binding not in the list goes (the list is
 * the whole table); one of ours that is older than another node's for the
 * same contact gives way to it. Returns how many were taken. */
size_t gw_reg_load(struct gw_registrar *r, const struct gw_reg_binding *list, size_t n);

/* Drop bindings expired at now; returns how many went. */
size_t gw_reg_expire(struct gw_registrar *r, time_t now);
size_t gw_reg_count(const struct gw_registrar *r);

/* Whether an address literal is private (RFC 1918, RFC 6598 shared,
 * link-local, IPv6 unique local and link-local): such a Contact cannot be
 * reached from outside its NAT. Host names are not. */
int gw_reg_is_private(const char *host);

/* The status rows: reg_bindings and a "registrations" table. */
void gw_reg_status(struct gw_registrar *r, time_t now, struct ctl_out *out);

#endif
