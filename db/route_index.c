/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lookups in the routing index (see db/route_index.h for the rules,
 * docs/routing.md for the layout): longest-prefix match through a small
 * first-level table that stays in cache and buckets of one cache line
 * that carry their routes inline, so a lookup usually waits for one line;
 * customer-scoped routes and DIDs in hash tables. db/route_build.c
 * builds the index. */
#include "config.h"

#include "db/route_int.h"

#include <errno.h>

int route_parse(const char *s, int number, uint64_t *key, unsigned *len)
{
	uint64_t k = 0;
	unsigned n = 0;

	if (!s || *s++ != '+')
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned)(unsigned char)*s - '0';

		if (d > 9 || n == ROUTE_MAX_DIGITS)
			return -EINVAL;
		k |= (uint64_t)(d + 1) << (60 - 4 * n);
		n++;
	}
	if (number && (n < 2 || ROUTE_NIBBLE(k, 0) == 1))
		return -EINVAL;
	*key = k;
	*len = n;
	return 0;
}

/* --- Lookups ----------------------------------------------------------- */

/* The global longest match of a number too short for the buckets' paths:
 * one bisection of the global prefixes per length (rare: a number of a few
 * digits). Returns the matched length or -1. */
static int route_global_short(const struct route_index *ix, unsigned n, uint64_t nk, struct route_match *m)
{
	for (int l = (int)n; l >= 0; l--) {
		uint64_t key = (nk & route_key_mask((unsigned)l)) | (unsigned)l;
		size_t lo = 0, hi = ix->ngp;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (ix->gp[mid].key < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < ix->ngp && ix->gp[lo].key == key) {
			m->targets = &ix->targets[ix->gp[lo].tgt];
			m->ntargets = ix->gp[lo].ntgt;
			m->prefix_len = (unsigned)l;
			m->customer_id = 0;
			return l;
		}
	}
	return -1;
}

/* The answer of a leaf bucket of depth d for the number nk: the last key
 * that matches is the longest (keys sort before their extensions), and
 * every key is longer than the fallback; unused keys never match. No
 * branches on the digits or on which key matched, which a predictor
 * cannot guess and which would stand between the bucket's arrival and the
 * answer. Returns the matched length or -1. */
static inline int route_leaf(const struct route_index *ix, const struct route_bucket *bk, unsigned d, uint64_t nk,
			     struct route_match *m)
{
	uint32_t rn = (uint32_t)((nk << (4 * d)) >> 32) & ~0xfu;
	const union route_val *v;
	unsigned best = 0, len = bk->fblen, inl;

	for (unsigned i = 0; i < ROUTE_KEYS; i++) {
		uint32_t k = bk->key[i];
		unsigned hit = 0u - (((k ^ rn) >> (32 - 4 * ROUTE_RLEN(k))) == 0);

		best = (best & ~hit) | ((i + 1) & hit);
		len = (len & ~hit) | ((d + ROUTE_RLEN(k)) & hit);
	}
	if (len == ROUTE_NOFB)
		return -1;
	v = &bk->val[best];
	inl = bk->inl >> best & 1;
	m->one.route_id = v->t.route_id;
	m->one.trunk_id = v->t.trunk_id;
	m->one.priority = v->t.priority;
	m->one.weight = v->t.weight;
	m->targets = inl ? &m->one : &ix->targets[v->ref.tgt];
	m->ntargets = inl ? 1 : v->ref.ntgt;
	m->prefix_len = len;
	m->customer_id = 0;
	return (int)len;
}

/* From bucket bk of depth *d down its nodes to a leaf; NULL when the
 * number (n digits) ends before the path does. */
static const struct route_bucket *route_descend(const struct route_index *ix, const struct route_bucket *bk,
						const char *digits, unsigned n, unsigned *d)
{
	while (bk->kind == ROUTE_NODE) {
		unsigned s = bk->n, x = 0;

		if (n < *d + s)
			return NULL;
		for (; s > 0; s--)
			x = x * 10 + (unsigned)(digits[(*d)++] - '0');
		bk = &ix->buckets[bk->child + x];
	}
	return bk;
}

/* The global longest match of digits[0, n) (key nk). Returns the matched
 * length or -1. */
static int route_global(const struct route_index *ix, const char *digits, unsigned n, uint64_t nk,
			struct route_match *m)
{
	const struct route_bucket *bk;
	unsigned d = ROUTE_L1_DIGITS, s, x = 0;
	uint32_t e;

	if (n < ROUTE_L1_DIGITS)
		return route_global_short(ix, n, nk, m);
	e = ix->l1[(unsigned)(digits[0] - '0') * 1000 + (unsigned)(digits[1] - '0') * 100 +
		   (unsigned)(digits[2] - '0') * 10 + (unsigned)(digits[3] - '0')];
	if (n < d + (e & 3))
		return route_global_short(ix, n, nk, m);
	for (s = e & 3; s > 0; s--)
		x = x * 10 + (unsigned)(digits[d++] - '0');
	bk = route_descend(ix, &ix->buckets[(e >> 2) + x], digits, n, &d);
	if (!bk)
		return route_global_short(ix, n, nk, m);
	return route_leaf(ix, bk, d, nk, m);
}

/* A customer's own route beats the global match lg (-1: none) when it is
 * at least as long. */
static int route_scoped(const struct route_index *ix, int64_t customer_id, unsigned n, uint64_t nk, int lg,
			struct route_match *m)
{
	const struct route_cust *c = NULL;
	size_t lo = 0, hi = ix->ncust;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->cust[mid].customer == customer_id) {
			c = &ix->cust[mid];
			break;
		}
		if (ix->cust[mid].customer < customer_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int l = (int)n; c && l >= (lg > 0 ? lg : 0); l--) {
		uint64_t key = (nk & route_key_mask((unsigned)l)) | (unsigned)l, h;

		if (!(c->lens >> l & 1))
			continue;
		for (h = route_shash(key, customer_id) & ix->smask; ix->sslots[h].customer; h = (h + 1) & ix->smask) {
			const struct route_sslot *s = &ix->sslots[h];

			if (s->key == key && s->customer == customer_id) {
				m->targets = &ix->targets[s->tgt];
				m->ntargets = s->ntgt;
				m->prefix_len = (unsigned)l;
				m->customer_id = customer_id;
				return 0;
			}
		}
	}
	return lg >= 0 ? 0 : -ENOENT;
}

/* The general path: any E.164 number, including ones too short for the
 * fast path of route_lookup(). */
static int route_lookup_any(const struct route_index *ix, int64_t customer_id, const char *number,
			    struct route_match *m)
{
	const char *digits;
	uint64_t nk = 0;
	unsigned n = 0;
	int lg;

	if (!number || number[0] != '+' || number[1] < '1' || number[1] > '9')
		return -EINVAL;
	digits = number + 1;
	for (; digits[n]; n++) {
		unsigned d = (unsigned)(unsigned char)digits[n] - '0';

		if (d > 9 || n == ROUTE_MAX_DIGITS)
			return -EINVAL;
		nk |= (uint64_t)(d + 1) << (60 - 4 * n);
	}
	if (n < 2)
		return -EINVAL;
	lg = route_global(ix, digits, n, nk, m);
	if (customer_id > 0 && ix->ncust)
		return route_scoped(ix, customer_id, n, nk, lg, m);
	return lg >= 0 ? 0 : -ENOENT;
}

/* Bits set in v, inline (a baseline x86-64 build has no popcnt
 * instruction; the library call would cost more than this). */
static inline uint32_t route_popcount(uint64_t v)
{
	v -= (v >> 1) & UINT64_C(0x5555555555555555);
	v = (v & UINT64_C(0x3333333333333333)) + ((v >> 2) & UINT64_C(0x3333333333333333));
	v = (v + (v >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (uint32_t)((v * UINT64_C(0x0101010101010101)) >> 56);
}

#define ROUTE_FAST_DIGITS (ROUTE_L1_DIGITS + 3)

/* A lookup's cost is the wait for its bucket (docs/routing.md), so the
 * common case (7 digits or more) computes the bucket's address from the
 * first 7 digits with no branch a predictor could miss, starts fetching
 * it, and parses and checks the whole number while it comes; after it
 * arrives, only a few instructions without branches on the data stand
 * between it and the answer. Everything else takes route_lookup_any(). */
int route_lookup(const struct route_index *ix, int64_t customer_id, const char *number, struct route_match *m)
{
	const unsigned char *dg;
	const struct route_bucket *bk;
	unsigned c0, c1, c2, c3, c4, c5, c6, n, s, x, d;
	uint64_t nk, w;
	uint32_t e, b;
	int lg;

	if (!number || number[0] != '+')
		return -EINVAL;
	dg = (const unsigned char *)number + 1;
	/* Each read only after the one before was a digit (not the end). */
	if ((c0 = dg[0] - '0') > 9 || (c1 = dg[1] - '0') > 9 || (c2 = dg[2] - '0') > 9 || (c3 = dg[3] - '0') > 9 ||
	    (c4 = dg[4] - '0') > 9 || (c5 = dg[5] - '0') > 9 || (c6 = dg[6] - '0') > 9 || c0 == 0)
		return route_lookup_any(ix, customer_id, number, m);
	e = ix->l1[c0 * 1000 + c1 * 100 + c2 * 10 + c3];
	s = e & 3;
	/* Without branches: blocks of several strides would mislead a
	 * predictor, and the fetch would wait for its recovery. */
	x = (c4 & (0u - (s == 1))) | ((c4 * 10 + c5) & (0u - (s == 2))) | ((c4 * 100 + c5 * 10 + c6) & (0u - (s == 3)));
	bk = &ix->buckets[(e >> 2) + x];
	__builtin_prefetch(bk);
	nk = (uint64_t)(c0 + 1) << 60 | (uint64_t)(c1 + 1) << 56 | (uint64_t)(c2 + 1) << 52 | (uint64_t)(c3 + 1) << 48 |
	     (uint64_t)(c4 + 1) << 44 | (uint64_t)(c5 + 1) << 40 | (uint64_t)(c6 + 1) << 36;
	for (n = ROUTE_FAST_DIGITS; dg[n]; n++) {
		unsigned c = (unsigned)dg[n] - '0';

		if (c > 9 || n == ROUTE_MAX_DIGITS)
			return -EINVAL;
		nk |= (uint64_t)(c + 1) << (60 - 4 * n);
	}
	/* A node (1 lookup in 18 in the benchmark) sends the lookup to its child:
	 * its address comes from arrays that stay in cache, so the lookup
	 * still waits for one line, not two. For a leaf the branch is
	 * predicted and nothing waits for it. */
	d = ROUTE_L1_DIGITS + s;
	b = (e >> 2) + x;
	w = ix->nbits[b >> 6];
	if (w >> (b & 63) & 1) {
		uint32_t ce = ix->nchild[ix->nrank[b >> 6] + route_popcount(w & ((UINT64_C(1) << (b & 63)) - 1))];

		if (n < d + (ce & 3)) {
			lg = route_global_short(ix, n, nk, m);
			goto scoped;
		}
		for (x = 0, s = ce & 3; s > 0; s--)
			x = x * 10 + (unsigned)(dg[d++] - '0');
		bk = &ix->buckets[(ce >> 2) + x];
		if (bk->kind != ROUTE_LEAF && !(bk = route_descend(ix, bk, (const char *)dg, n, &d))) {
			lg = route_global_short(ix, n, nk, m);
			goto scoped;
		}
	}
	lg = route_leaf(ix, bk, d, nk, m);
scoped:
	if (customer_id > 0 && ix->ncust)
		return route_scoped(ix, customer_id, n, nk, lg, m);
	return lg >= 0 ? 0 : -ENOENT;
}

int route_did_lookup(const struct route_index *ix, const char *number, struct route_did *d)
{
	uint64_t key, h;
	unsigned len;

	if (route_parse(number, 1, &key, &len) < 0)
		return -EINVAL;
	for (h = route_hash(key) & ix->dmask; ix->dslots[h].key; h = (h + 1) & ix->dmask) {
		const struct route_dslot *s = &ix->dslots[h];

		if (s->key == key) {
			d->customer_id = s->customer;
			d->target = s->target ? ix->pool + s->target : NULL;
			d->fallback = s->fallback ? ix->pool + s->fallback : NULL;
			return 0;
		}
	}
	return -ENOENT;
}

void route_index_stats(const struct route_index *ix, struct route_stats *st)
{
	st->routes = ix->nroutes;
	st->prefixes = ix->nprefixes;
	st->nodes = ix->nbuckets;
	st->dids = ix->ndids;
	st->bytes = sizeof(*ix) + ROUTE_L1_SIZE * sizeof(*ix->l1) + ix->nbuckets * sizeof(*ix->buckets) +
		    (ix->nbuckets + 63) / 64 * (sizeof(*ix->nbits) + sizeof(*ix->nrank)) +
		    ix->nnodes * sizeof(*ix->nchild) + ix->nroutes * sizeof(*ix->targets) + ix->ngp * sizeof(*ix->gp) +
		    (ix->smask ? ix->smask + 1 : 0) * sizeof(*ix->sslots) + ix->ncust * sizeof(*ix->cust) +
		    (ix->dmask + 1) * sizeof(*ix->dslots) + ix->npool;
}
