/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Call limits: a small chained hash of (kind, id) -> calls in progress,
 * a token bucket and whether it is refusing now. Entries live as long as
 * the table (one per trunk or customer ever seen: a handful of
 * thousands at most). */
#include "config.h"

#include "gateway/limits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define LIMITS_BUCKETS 256

struct limit_entry {
	struct limit_entry *next;
	enum gw_limit_kind kind;
	int64_t id;
	unsigned calls;
	int max_calls;         /* as of the last take, for the "unlimited" edge on release */
	int limited, by_calls; /* refusing now; because of max_calls */
	struct gw_bucket bucket;
};

struct gw_limits {
	struct limit_entry *hash[LIMITS_BUCKETS];
	unsigned long total;
	gw_limits_edge_fn edge;
	void *arg;
};

int gw_bucket_take(struct gw_bucket *b, double rate, int64_t now_ms)
{
	double burst = rate > 1 ? rate : 1;

	if (rate < 0)
		return 1;
	if (rate == 0) /* a limit of zero: not even a burst */
		return 0;
	if (!b->primed) {
		b->primed = 1;
		b->tokens = burst;
		b->last_ms = now_ms;
	} else if (now_ms > b->last_ms) {
		b->tokens += rate * (double)(now_ms - b->last_ms) / 1000.0;
		b->last_ms = now_ms;
	}
	if (b->tokens > burst) /* also when the rate was lowered */
		b->tokens = burst;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

int gw_limits_new(gw_limits_edge_fn edge, void *arg, struct gw_limits **out)
{
	struct gw_limits *l = calloc(1, sizeof(*l));

	*out = l;
	if (!l)
		return -ENOMEM;
	l->edge = edge;
	l->arg = arg;
	return 0;
}

void gw_limits_free(struct gw_limits *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < LIMITS_BUCKETS; i++)
		while (l->hash[i]) {
			struct limit_entry *e = l->hash[i];

			l->hash[i] = e->next;
			free(e);
		}
	free(l);
}

static size_t limits_slot(enum gw_limit_kind kind, int64_t id)
{
	uint64_t h = (uint64_t)id * UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)kind;

	return (size_t)(h >> 56) % LIMITS_BUCKETS;
}

static struct limit_entry *limits_find(const struct gw_limits *l, enum gw_limit_kind kind, int64_t id)
{
	for (struct limit_entry *e = l->hash[limits_slot(kind, id)]; e; e = e->next)
		if (e->kind == kind && e->id == id)
			return e;
	return NULL;
}

static void limits_edge(struct gw_limits *l, struct limit_entry *e, int limited, const char *why)
{
	if (e->limited == limited)
		return;
	e->limited = limited;
	if (l->edge)
		l->edge(l->arg, e->kind, e->id, limited, why);
}

int gw_limits_take(struct gw_limits *l, enum gw_limit_kind kind, int64_t id, int max_calls, double max_cps,
		   int64_t now_ms)
{
	struct limit_entry *e = limits_find(l, kind, id);
	char why[64];

	if (!e) {
		size_t slot = limits_slot(kind, id);

		if (!(e = calloc(1, sizeof(*e))))
			return -ENOMEM;
		e->kind = kind;
		e->id = id;
		e->next = l->hash[slot];
		l->hash[slot] = e;
	}
	e->max_calls = max_calls;
	/* concurrency first: a call refused for it costs no token */
	if (max_calls >= 0 && e->calls >= (unsigned)max_calls) {
		snprintf(why, sizeof(why), "max_calls %d", max_calls);
		e->by_calls = 1;
		limits_edge(l, e, 1, why);
		return -EBUSY;
	}
	if (!gw_bucket_take(&e->bucket, max_cps, now_ms)) {
		snprintf(why, sizeof(why), "max_cps %.2f", max_cps);
		e->by_calls = 0;
		limits_edge(l, e, 1, why);
		return -EAGAIN;
	}
	e->calls++;
	l->total++;
	limits_edge(l, e, 0, "a call admitted");
	return 0;
}

void gw_limits_release(struct gw_limits *l, enum gw_limit_kind kind, int64_t id)
{
	struct limit_entry *e = limits_find(l, kind, id);

	if (!e || e->calls == 0)
		return;
	e->calls--;
	l->total--;
	if (e->by_calls && (e->max_calls < 0 || e->calls < (unsigned)e->max_calls))
		limits_edge(l, e, 0, "below max_calls");
}

unsigned gw_limits_calls(const struct gw_limits *l, enum gw_limit_kind kind, int64_t id)
{
	const struct limit_entry *e = limits_find(l, kind, id);

	return e ? e->calls : 0;
}

unsigned long gw_limits_total(const struct gw_limits *l)
{
	return l->total;
}

void gw_limits_foreach(const struct gw_limits *l,
		       void (*fn)(void *arg, enum gw_limit_kind kind, int64_t id, unsigned calls, int limited),
		       void *arg)
{
	for (size_t i = 0; i < LIMITS_BUCKETS; i++)
		for (const struct limit_entry *e = l->hash[i]; e; e = e->next)
			fn(arg, e->kind, e->id, e->calls, e->limited);
}
