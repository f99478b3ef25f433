/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Call limits per trunk and per customer (docs/calls.md, "Failover and
 * limits"): concurrent calls and calls per second (a token bucket), taken
 * before a channel is seized or an INVITE sent, given back once when the
 * call ends. Edge-triggered "limited"/"unlimited" events for the log and
 * trunk_events. Pure: no loop, no I/O; loop thread only. */
#ifndef TANDEM_GW_LIMITS_H
#define TANDEM_GW_LIMITS_H

#include <stdint.h>

/* A token bucket: rate tokens per second, holding at most
 * max(1, rate) (a burst of one second's worth). */
struct gw_bucket {
	double tokens;
	int64_t last_ms;
	int primed; /* 0: never used (full) */
};

/* Take one token at now_ms: 1 taken, 0 empty. rate < 0: no limit (always
 * 1); rate 0: nothing ever passes. A clock going back refills nothing. */
int gw_bucket_take(struct gw_bucket *b, double rate, int64_t now_ms);

enum gw_limit_kind {
	GW_LIMIT_TRUNK,
	GW_LIMIT_CUSTOMER,
};

struct gw_limits;

/* The edge hook: limited 1 when (kind, id) starts refusing calls, 0 when
 * it takes one again (or a call ends below max_calls). why says which
 * limit ("max_calls 3", "max_cps 1.00"). */
typedef void (*gw_limits_edge_fn)(void *arg, enum gw_limit_kind kind, int64_t id, int limited, const char *why);

int gw_limits_new(gw_limits_edge_fn edge, void *arg, struct gw_limits **out);
void gw_limits_free(struct gw_limits *l);

/* Take one call on (kind, id): 0; -EBUSY at max_calls concurrent calls
 * (max_calls < 0: no limit); -EAGAIN over max_cps (< 0: no limit);
 * -ENOMEM. Nothing is taken on failure. */
int gw_limits_take(struct gw_limits *l, enum gw_limit_kind kind, int64_t id, int max_calls, double max_cps,
		   int64_t now_ms);
/* Give one call back (once per successful take). */
void gw_limits_release(struct gw_limits *l, enum gw_limit_kind kind, int64_t id);

/* Calls in progress on (kind, id); the sum over everything. */
unsigned gw_limits_calls(const struct gw_limits *l, enum gw_limit_kind kind, int64_t id);
unsigned long gw_limits_total(const struct gw_limits *l);

/* Every (kind, id) ever limited or used, for the status view. */
void gw_limits_foreach(const struct gw_limits *l,
		       void (*fn)(void *arg, enum gw_limit_kind kind, int64_t id, unsigned calls, int limited),
		       void *arg);

#endif
