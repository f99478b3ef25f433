/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The routing index's layout, shared by its builder (db/route_build.c) and
 * its lookups (db/route_index.c); docs/routing.md draws it. */
#ifndef TANDEM_DB_ROUTE_INT_H
#define TANDEM_DB_ROUTE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "db/route_index.h"

/* A number or prefix as a key: digit i as the nibble d + 1 in bits
 * 63-4i..60-4i, so keys compare in trie preorder (a prefix sorts before
 * its extensions). Stored keys add the length in the low nibble, which
 * digits never reach: "+" is 0, "+44" is 0x55...2. */
#define ROUTE_NIBBLE(key, i) ((unsigned)((key) >> (60 - 4 * (i))) & 0xfu)
#define ROUTE_KLEN(key)      ((unsigned)(key)&0xfu)

/* The first level: one entry per possible first ROUTE_L1_DIGITS digits,
 * 40 KB that stay in cache: the first bucket of that block << 2 | the
 * block's stride (0..3 more digits select one of 10^stride buckets). */
#define ROUTE_L1_DIGITS 4
#define ROUTE_L1_SIZE   10000u
#define ROUTE_MAX_BKTS  ((size_t)1 << 30)
#define ROUTE_NONE      UINT32_MAX

/* Routes whose prefix is longer than a bucket's depth, held in it. */
#define ROUTE_KEYS 3

enum {
	ROUTE_LEAF,
	ROUTE_NODE
};
#define ROUTE_NOFB 0xffu

/* A key in a bucket is relative to the bucket's depth D (the digits of its
 * path): digits D..D+6 as nibbles d + 1 in bits 31..4, and the prefix's
 * length minus D (1..ROUTE_REL_MAX) in bits 3..0. A longer prefix makes
 * its bucket a node. An unused key starts with the nibble 15, which no
 * number has. */
#define ROUTE_REL_MAX 7u
#define ROUTE_NOKEY   UINT32_C(0xf0000001)
#define ROUTE_RLEN(k) ((unsigned)(k)&0xfu)

/* The routes of a global prefix: its only target inline when its ids fit
 * in 32 bits (the lookup widens it into route_match.one), or where its
 * targets are in the index's array. 12 bytes. */
struct route_ctarget {
	int32_t route_id, trunk_id;
	uint16_t priority, weight;
};

union route_val {
	struct route_ctarget t;
	struct {
		uint32_t tgt, ntgt;
	} ref;
};

/* One bucket stands for the numbers that start with its path (the digits
 * that led to it). A leaf holds the best global route of the path or a
 * prefix of it (val[0], "leaf pushing"), and up to ROUTE_KEYS longer prefixes
 * that extend the path by at most ROUTE_REL_MAX digits, in key order; a
 * node, when more prefixes or longer ones extend the path, sends the
 * lookup on to a block of 10^n buckets selected by the next n digits. One
 * cache line, 64-byte aligned: a lookup waits for one line. */
struct route_bucket {
	uint8_t kind;  /* ROUTE_LEAF or ROUTE_NODE */
	uint8_t n;     /* leaf: keys used; node: the child block's stride */
	uint8_t fblen; /* leaf: digits of the fallback's prefix, or ROUTE_NOFB */
	uint8_t inl;   /* leaf: bit j: val[j] holds its target inline */
	union {
		uint32_t key[ROUTE_KEYS]; /* leaf: relative keys, ROUTE_NOKEY when unused */
		uint32_t child;           /* node: the child block's first bucket */
	};
	union route_val val[1 + ROUTE_KEYS]; /* leaf: [0] the fallback's, [1 + i] key i's */
};
_Static_assert(sizeof(struct route_bucket) == 64, "a bucket is one cache line");

/* A global prefix, for lookups of numbers shorter than a bucket's path. */
struct route_gp {
	uint64_t key; /* digits | length */
	uint32_t tgt, ntgt;
};

/* A customer-scoped route (open addressing; customer 0 = empty slot). */
struct route_sslot {
	uint64_t key; /* digits | length */
	int64_t customer;
	uint32_t tgt, ntgt;
};

/* A customer with scoped routes: bit l of lens for routes of l digits. */
struct route_cust {
	int64_t customer;
	uint32_t lens;
};

struct route_dslot {
	uint64_t key; /* 0 = empty */
	int64_t customer;
	uint32_t target, fallback; /* offsets into the pool; 0 = none */
};

struct route_index {
	uint32_t *l1;
	struct route_bucket *buckets;
	struct route_target *targets; /* every row, by prefix, scope, priority, trunk */
	struct route_gp *gp;          /* by key */
	struct route_sslot *sslots;
	struct route_cust *cust; /* by customer */
	struct route_dslot *dslots;
	char *pool;
	/* Which buckets are nodes, small enough to stay in cache (a bit per
	 * bucket, a count per 64), and each node's child block (an l1 entry),
	 * by bucket: a lookup finds a node's child without reading the node. */
	uint64_t *nbits;
	uint32_t *nrank, *nchild;
	size_t nbuckets, nnodes, nroutes, ngp, ncust, nprefixes, ndids, npool;
	uint64_t smask, dmask; /* table sizes - 1; smask 0: no scoped routes */
};

static inline uint64_t route_key_mask(unsigned len)
{
	return len ? ~UINT64_C(0) << (64 - 4 * len) : 0;
}

static inline uint64_t route_hash(uint64_t key)
{
	key ^= key >> 29;
	key *= UINT64_C(0x9e3779b97f4a7c15);
	return key ^ (key >> 32);
}

static inline uint64_t route_shash(uint64_t key, int64_t customer)
{
	return route_hash(key ^ (uint64_t)customer * UINT64_C(0xc2b2ae3d27d4eb4f));
}

/* Parse "+digits" into a key. A number needs a non-zero first digit and
 * 2..15 digits (E.164 section 6); a prefix 0..15 digits of any kind.
 * Returns 0 or -EINVAL. */
int route_parse(const char *s, int number, uint64_t *key, unsigned *len);

#endif
