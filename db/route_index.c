/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lookups in the routing index (see db/route_index.h for the rules,
 * docs/routing.md for the layout): longest-prefix match through a small
 * first-level table that stays in cache and 128-byte buckets that carry
 * their routes inline, so a lookup usually costs one memory access;
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

static void route_set_match(const struct route_index *ix, const union route_val *v, int inl, unsigned len,
			    struct route_match *m)
{
	if (inl) {
		m->targets = &v->t;
		m->ntargets = 1;
	} else {
		m->targets = &ix->targets[v->ref.tgt];
		m->ntargets = v->ref.ntgt;
	}
	m->prefix_len = len;
	m->customer_id = 0;
}

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

/* The global longest match of digits[0, n) (key nk). Returns the matched
 * length or -1. */
static int route_global(const struct route_index *ix, const char *digits, unsigned n, uint64_t nk,
			struct route_match *m)
{
	const struct route_bucket *bk;
	unsigned d = ROUTE_L1_DIGITS, s, best = 0, blen;
	uint32_t e, x;

	if (n < ROUTE_L1_DIGITS)
		return route_global_short(ix, n, nk, m);
	e = ix->l1[(unsigned)(digits[0] - '0') * 1000 + (unsigned)(digits[1] - '0') * 100 +
		   (unsigned)(digits[2] - '0') * 10 + (unsigned)(digits[3] - '0')];
	s = e & 3;
	for (;;) {
		if (n < d + s)
			return route_global_short(ix, n, nk, m);
		for (x = 0; s > 0; s--)
			x = x * 10 + (unsigned)(digits[d++] - '0');
		bk = &ix->buckets[(e >> 2) + x];
		if (bk->kind == ROUTE_LEAF)
			break;
		e = bk->child << 2;
		s = bk->n;
	}
	/* The longest key that matches, else the fallback (slot 0); without
	 * branches on the digits or the number of keys, which a predictor
	 * cannot guess. Keys are longer than the path, so at least 1 digit,
	 * and than the fallback; unused ones never match. */
	blen = bk->fblen;
	for (unsigned i = 0; i < ROUTE_KEYS; i++) {
		uint64_t k = bk->k[i].key;
		unsigned len = ROUTE_KLEN(k);
		int hit = ((k ^ nk) >> (64 - 4 * len)) == 0 && (blen == ROUTE_NOFB || len > blen);

		best = hit ? i + 1 : best;
		blen = hit ? len : blen;
	}
	if (blen == ROUTE_NOFB)
		return -1;
	route_set_match(ix, best ? &bk->k[best - 1].v : &bk->fb, bk->inl & (1u << best), blen, m);
	return (int)blen;
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

/* Start fetching the bucket a number leads to before checking its digits:
 * the fetch is most of a lookup's cost, and checking 15 digits meanwhile
 * is free. Reads no further than the string's end; a prefetch never
 * faults, so an invalid number costs only a wasted fetch. */
static void route_prefetch(const struct route_index *ix, const char *digits)
{
	unsigned i, x = 0, s;
	const char *p;
	uint32_t e;

	for (i = 0; i < ROUTE_L1_DIGITS; i++)
		if ((unsigned)(digits[i] - '0') > 9)
			return;
	e = ix->l1[(unsigned)(digits[0] - '0') * 1000 + (unsigned)(digits[1] - '0') * 100 +
		   (unsigned)(digits[2] - '0') * 10 + (unsigned)(digits[3] - '0')];
	for (s = e & 3; i < ROUTE_L1_DIGITS + s; i++) {
		if ((unsigned)(digits[i] - '0') > 9)
			return;
		x = x * 10 + (unsigned)(digits[i] - '0');
	}
	p = (const char *)&ix->buckets[(e >> 2) + x];
	__builtin_prefetch(p);
	__builtin_prefetch(p + 64);
}

int route_lookup(const struct route_index *ix, int64_t customer_id, const char *number, struct route_match *m)
{
	const char *digits;
	uint64_t nk = 0;
	unsigned n = 0;
	int lg;

	if (!number || number[0] != '+' || number[1] < '1' || number[1] > '9')
		return -EINVAL;
	digits = number + 1;
	route_prefetch(ix, digits);
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
		    ix->nroutes * sizeof(*ix->targets) + ix->ngp * sizeof(*ix->gp) +
		    (ix->smask ? ix->smask + 1 : 0) * sizeof(*ix->sslots) + ix->ncust * sizeof(*ix->cust) +
		    (ix->dmask + 1) * sizeof(*ix->dslots) + ix->npool;
}
