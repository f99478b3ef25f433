/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The routing index: longest-prefix match of outbound routes and exact
 * match of DIDs over E.164 digits, built aside from database rows and
 * swapped atomically under the lookups of every thread.
 *
 * Matching rules (docs/routing.md):
 * - A route prefix is "+" and 0..15 digits; "+" alone is the default route.
 * - A number is E.164: "+", a non-zero digit, 2..15 digits in all.
 * - The longest prefix that matches wins. A route scoped to a customer
 *   counts only for that customer's calls; at equal length the customer's
 *   own route beats the global one, but a longer global prefix beats a
 *   shorter customer-scoped one (the most specific destination wins, as in
 *   IP routing; a customer who wants all of "+44" must say so per prefix).
 * - Several rows for the same prefix and scope are the targets of one
 *   route, ordered by priority (lower first), then trunk id: the caller
 *   hunts through them and balances equal priorities by weight.
 *
 * Threads: an index is immutable once built; any number of threads may look
 * up in it at once. A route_table holds the current index: one writer
 * thread at a time swaps in a new one while readers on any thread acquire
 * and release it wait-free (one atomic add each); the old index is freed on
 * the writer's side once its last reader has released it. */
#ifndef TANDEM_DB_ROUTE_INDEX_H
#define TANDEM_DB_ROUTE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define ROUTE_MAX_DIGITS 15

/* One place a route sends calls. */
struct route_target {
	int64_t route_id; /* routes.id, for the CDR */
	int64_t trunk_id;
	uint16_t priority; /* lower is tried first */
	uint16_t weight;   /* share among equal priorities */
};

/* The result of route_lookup(): targets points into the index, valid while
 * the caller holds it (route_table_release() ends that), or, for a route
 * with one target, at one below, valid while *m is (copy the targets, not
 * the struct). */
struct route_match {
	const struct route_target *targets; /* by priority, then trunk id */
	size_t ntargets;
	unsigned prefix_len;     /* digits of the matched prefix; 0 = default route */
	int64_t customer_id;     /* 0 when a global route matched */
	struct route_target one; /* a single target, widened from the index's compact form */
};

/* The result of route_did_lookup(), lent by the index like route_match. */
struct route_did {
	int64_t customer_id;
	const char *target;   /* SIP URI or NULL */
	const char *fallback; /* SIP URI or NULL */
};

/* Rows for route_index_build(): the caller owns them; they are copied. */
struct route_row {
	const char *prefix;  /* "+" and 0..15 digits */
	int64_t customer_id; /* 0 = global */
	int64_t route_id;
	int64_t trunk_id;
	unsigned priority, weight; /* 0..65535 */
};

struct route_did_row {
	const char *number; /* E.164 */
	int64_t customer_id;
	const char *target, *fallback; /* may be NULL */
};

struct route_stats {
	size_t routes;   /* rows */
	size_t prefixes; /* distinct prefixes */
	size_t nodes;    /* buckets of the lookup structure, 64 bytes each */
	size_t dids;
	size_t bytes; /* memory held by the index */
};

struct route_builder;
struct route_index;

/* A builder collects rows on one thread, then makes an index. *out is
 * owned by the caller (route_builder_free). Returns 0 or -ENOMEM. */
int route_builder_new(struct route_builder **out);
void route_builder_free(struct route_builder *b);

/* Add one route row; strings are copied. Returns 0, -EINVAL for a bad
 * prefix, priority or weight, -ENOMEM or -E2BIG (more than 2^31 rows). */
int route_builder_add_route(struct route_builder *b, const char *prefix, int64_t customer_id, int64_t route_id,
			    int64_t trunk_id, unsigned priority, unsigned weight);

/* Add one DID; strings are copied. Returns 0, -EINVAL for a number that is
 * not E.164 or a negative customer, -ENOMEM or -E2BIG. A duplicate number
 * is refused by route_builder_build(). */
int route_builder_add_did(struct route_builder *b, const char *number, int64_t customer_id, const char *target,
			  const char *fallback);

/* Build an index from the rows added so far (the builder keeps them and may
 * be freed or reused). On success *out is owned by the caller
 * (route_index_free, or hand it to route_table_swap). Returns 0, -ENOMEM,
 * -EEXIST (a DID twice) or -E2BIG (more buckets than 2^30), with a message
 * in err. */
int route_builder_build(struct route_builder *b, struct route_index **out, char *err, size_t errlen);

/* The same in one call from arrays of rows. */
int route_index_build(const struct route_row *rows, size_t nrows, const struct route_did_row *dids, size_t ndids,
		      struct route_index **out, char *err, size_t errlen);

/* Free an index nobody looks up in any more (not one held by a table). */
void route_index_free(struct route_index *ix);

/* Longest-prefix match of an E.164 number for a customer (0 = global
 * routes only). Any thread. Returns 0 with *m filled, -ENOENT when no
 * route matches, -EINVAL when the number is not E.164. */
int route_lookup(const struct route_index *ix, int64_t customer_id, const char *number, struct route_match *m);

/* Exact match of a DID. Any thread. Returns 0, -ENOENT or -EINVAL. */
int route_did_lookup(const struct route_index *ix, const char *number, struct route_did *d);

void route_index_stats(const struct route_index *ix, struct route_stats *st);

/* --- The holder ------------------------------------------------------- */

struct route_table;

/* What a reader holds between acquire and release: copy it, never share it
 * between threads. ix is NULL while the table is empty. */
struct route_ref {
	const struct route_index *ix;
	unsigned slot;
};

/* A table starts empty. *out is owned by the caller (route_table_free).
 * Returns 0 or -ENOMEM. */
int route_table_new(struct route_table **out);

/* Free the table and the indexes it holds. Only once every reader has
 * released and no thread will acquire again. */
void route_table_free(struct route_table *t);

/* Make ix current. The writer (one thread at a time; a mutex serialises
 * writers, never readers) keeps running readers on the old index; the old
 * index is freed here or by a later swap or reclaim once its last reader
 * has released it. On success the table owns ix; returns -EBUSY (the
 * caller still owns ix) when 63 older indexes are all still held. */
int route_table_swap(struct route_table *t, struct route_index *ix);

/* Free the old indexes whose readers have all released (the writer's
 * thread, e.g. on a timer). Returns how many were freed. */
int route_table_reclaim(struct route_table *t);

/* Hold the current index: any thread, wait-free, never blocks on a swap.
 * Keep it briefly (one call decision) and release it on the same table. */
void route_table_acquire(struct route_table *t, struct route_ref *ref);
void route_table_release(struct route_table *t, struct route_ref *ref);

#endif
