/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The routing index: a digit trie in one array for longest-prefix match,
 * a hash table for DIDs (see db/route_index.h for the rules). */
#include "config.h"

#include "db/route_index.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A number or prefix as a key: digit i as the nibble d + 1 in bits
 * 63-4i..60-4i, so keys compare in trie preorder (a prefix sorts before
 * its extensions) and a key is never 0. */
#define ROUTE_NIBBLE(key, i) ((unsigned)((key) >> (60 - 4 * (i))) & 0xfu)

/* One trie node: children are the set bits of map, stored together from
 * index child on; a node with routes has nent > 0 entries from ent on. */
struct route_node {
	uint32_t child;
	uint32_t ent;
	uint16_t map;
	uint16_t nent;
};

/* The routes of one prefix for one scope, sorted by customer (0, the
 * global scope, first). */
struct route_ent {
	int64_t customer;
	uint32_t tgt; /* slot of its first target */
	uint32_t ntgt;
};

/* The values of one prefix sit together in one array: its nent entry
 * headers, then their targets, so resolving a match costs one cache miss
 * rather than two. */
union route_slot {
	struct route_ent h;
	struct route_target t;
};

struct route_dslot {
	uint64_t key; /* 0 = empty */
	int64_t customer;
	uint32_t target, fallback; /* offsets into the pool; 0 = none */
};

/* The top table: for each possible first ROUTE_TOP_DIGITS digits, the trie
 * node at that depth (if any) and the deepest node with routes above or at
 * it, so a lookup skips the first levels, each a likely cache miss. */
#define ROUTE_TOP_DIGITS  6
#define ROUTE_TOP_SIZE    1000000u
#define ROUTE_TOP_MIN     4096 /* nodes: smaller tries are walked from the root */
#define ROUTE_NONE        UINT32_MAX
#define ROUTE_DEPTH_SHIFT 28

struct route_top {
	uint32_t node;  /* at depth ROUTE_TOP_DIGITS, or ROUTE_NONE */
	uint32_t vnode; /* index | depth << ROUTE_DEPTH_SHIFT, or ROUTE_NONE */
};

struct route_index {
	struct route_top *top; /* NULL for small tries */
	struct route_node *nodes;
	union route_slot *slots;
	struct route_dslot *dslots;
	char *pool;
	size_t nnodes, nslots, nroutes, nprefixes, ndids, npool;
	uint64_t dmask;
};

/* Builder rows: parsed, not yet sorted. */
struct route_brow {
	uint64_t key;
	int64_t customer, route_id, trunk_id;
	uint16_t priority, weight;
	uint8_t len;
};

struct route_bdid {
	uint64_t key;
	int64_t customer;
	uint32_t target, fallback;
};

struct route_builder {
	struct route_brow *rows;
	struct route_bdid *dids;
	char *pool;
	size_t nrows, caprows, ndids, capdids, npool, cappool;
};

/* A distinct prefix while building the trie. */
struct route_kinfo {
	uint64_t key;
	uint32_t ent;
	uint16_t nent;
	uint8_t len;
};

#define ROUTE_MAX_ROWS ((size_t)1 << 31)

/* Bits set in each 10-bit child map: the rank of a child among its
 * siblings, without relying on a popcount instruction. */
#define ROUTE_B2(n)  n, n + 1, n + 1, n + 2
#define ROUTE_B4(n)  ROUTE_B2(n), ROUTE_B2(n + 1), ROUTE_B2(n + 1), ROUTE_B2(n + 2)
#define ROUTE_B6(n)  ROUTE_B4(n), ROUTE_B4(n + 1), ROUTE_B4(n + 1), ROUTE_B4(n + 2)
#define ROUTE_B8(n)  ROUTE_B6(n), ROUTE_B6(n + 1), ROUTE_B6(n + 1), ROUTE_B6(n + 2)
#define ROUTE_B10(n) ROUTE_B8(n), ROUTE_B8(n + 1), ROUTE_B8(n + 1), ROUTE_B8(n + 2)
static const uint8_t route_rank[1024] = {ROUTE_B10(0)};

/* Parse "+digits" into a key. A number needs a non-zero first digit and
 * 2..15 digits (E.164 section 6); a prefix 0..15 digits of any kind. */
static int route_parse(const char *s, int number, uint64_t *key, unsigned *len)
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

static void route_key_str(uint64_t key, char *buf)
{
	unsigned i = 0;

	*buf++ = '+';
	while (i < ROUTE_MAX_DIGITS && ROUTE_NIBBLE(key, i))
		*buf++ = (char)('0' + ROUTE_NIBBLE(key, i++) - 1);
	*buf = '\0';
}

static int route_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

int route_builder_new(struct route_builder **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void route_builder_free(struct route_builder *b)
{
	if (!b)
		return;
	free(b->rows);
	free(b->dids);
	free(b->pool);
	free(b);
}

int route_builder_add_route(struct route_builder *b, const char *prefix, int64_t customer_id, int64_t route_id,
			    int64_t trunk_id, unsigned priority, unsigned weight)
{
	struct route_brow *r;
	uint64_t key;
	unsigned len;

	if (route_parse(prefix, 0, &key, &len) < 0 || customer_id < 0 || priority > 65535 || weight > 65535)
		return -EINVAL;
	if (b->nrows >= ROUTE_MAX_ROWS)
		return -E2BIG;
	if (route_grow((void **)&b->rows, &b->caprows, b->nrows + 1, sizeof(*b->rows)) < 0)
		return -ENOMEM;
	r = &b->rows[b->nrows++];
	r->key = key;
	r->len = (uint8_t)len;
	r->customer = customer_id;
	r->route_id = route_id;
	r->trunk_id = trunk_id;
	r->priority = (uint16_t)priority;
	r->weight = (uint16_t)weight;
	return 0;
}

/* Copy a string into the pool; offset 0 means NULL. */
static int route_pool_add(struct route_builder *b, const char *s, uint32_t *off)
{
	size_t n;

	*off = 0;
	if (!s)
		return 0;
	n = strlen(s) + 1;
	if (b->npool == 0)
		b->npool = 1; /* offset 0 is "none" */
	if (b->npool + n > UINT32_MAX)
		return -E2BIG;
	if (route_grow((void **)&b->pool, &b->cappool, b->npool + n, 1) < 0)
		return -ENOMEM;
	b->pool[0] = '\0';
	memcpy(b->pool + b->npool, s, n);
	*off = (uint32_t)b->npool;
	b->npool += n;
	return 0;
}

int route_builder_add_did(struct route_builder *b, const char *number, int64_t customer_id, const char *target,
			  const char *fallback)
{
	struct route_bdid d;
	unsigned len;
	int rc;

	if (route_parse(number, 1, &d.key, &len) < 0 || customer_id < 0)
		return -EINVAL;
	if (b->ndids >= ROUTE_MAX_ROWS)
		return -E2BIG;
	d.customer = customer_id;
	if ((rc = route_pool_add(b, target, &d.target)) < 0 || (rc = route_pool_add(b, fallback, &d.fallback)) < 0)
		return rc;
	if (route_grow((void **)&b->dids, &b->capdids, b->ndids + 1, sizeof(*b->dids)) < 0)
		return -ENOMEM;
	b->dids[b->ndids++] = d;
	return 0;
}

static int route_cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int route_brow_cmp(const void *pa, const void *pb)
{
	const struct route_brow *a = pa, *b = pb;
	int c;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if ((c = route_cmp_i64(a->customer, b->customer)))
		return c;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	if ((c = route_cmp_i64(a->trunk_id, b->trunk_id)))
		return c;
	return route_cmp_i64(a->route_id, b->route_id);
}

/* Common leading digits of two keys of lengths la and lb. */
static unsigned route_lcp(uint64_t a, unsigned la, uint64_t b, unsigned lb)
{
	uint64_t x = a ^ b;
	unsigned n = x ? (unsigned)__builtin_clzll(x) / 4 : ROUTE_MAX_DIGITS;

	if (n > la)
		n = la;
	return n < lb ? n : lb;
}

/* Lay out the subtrie of the keys k[lo, hi) that share their first depth
 * digits at nodes[node]: the children of a node are one group, allocated
 * just before the subtrie of its first child, so a chain of single
 * children (the common case below the branching top) is contiguous. */
static void route_fill(struct route_index *ix, const struct route_kinfo *k, uint32_t *next, uint32_t node, size_t lo,
		       size_t hi, unsigned depth)
{
	struct route_node *n = &ix->nodes[node];
	uint32_t c;
	size_t i, j;

	if (lo < hi && k[lo].len == depth) {
		n->ent = k[lo].ent;
		n->nent = k[lo].nent;
		lo++;
	}
	for (i = lo; i < hi; i = j) {
		unsigned d = ROUTE_NIBBLE(k[i].key, depth) - 1;

		n->map |= (uint16_t)(1u << d);
		for (j = i + 1; j < hi && ROUTE_NIBBLE(k[j].key, depth) - 1 == d; j++)
			;
	}
	n->child = *next;
	*next += route_rank[n->map];
	c = n->child;
	for (i = lo; i < hi; i = j) {
		unsigned d = ROUTE_NIBBLE(k[i].key, depth);

		for (j = i + 1; j < hi && ROUTE_NIBBLE(k[j].key, depth) == d; j++)
			;
		route_fill(ix, k, next, c++, i, j, depth + 1);
	}
}

/* Large arrays on transparent huge pages where the kernel allows it
 * (THP "madvise" mode): a lookup touches a few random cache lines of a
 * 50-100 MB index, and a TLB miss on each would double its cost. */
static void *route_big_alloc(size_t size)
{
	const size_t huge = (size_t)2 << 20;
	void *p = NULL;

	if (size < 2 * huge)
		return calloc(1, size ? size : 1);
	size = (size + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, size) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);
#endif
	memset(p, 0, size);
	return p;
}

/* Write the entries and targets of the rows r[0, n) (one prefix) from
 * slot *pos on. */
static int route_put_values(struct route_index *ix, const struct route_brow *r, size_t n, size_t *pos,
			    struct route_kinfo *k, char *err, size_t errlen)
{
	size_t groups = 1, h, t;

	for (size_t i = 1; i < n; i++)
		groups += r[i].customer != r[i - 1].customer;
	if (groups >= UINT16_MAX) {
		char s[ROUTE_MAX_DIGITS + 2];

		route_key_str(r->key, s);
		snprintf(err, errlen, "prefix %s has routes for more than %u customers", s, UINT16_MAX - 1);
		return -E2BIG;
	}
	k->ent = (uint32_t)*pos;
	k->nent = (uint16_t)groups;
	h = *pos;
	t = *pos + groups;
	for (size_t i = 0; i < n; i++) {
		struct route_target *tg = &ix->slots[t].t;

		if (i == 0 || r[i].customer != r[i - 1].customer) {
			ix->slots[h].h.customer = r[i].customer;
			ix->slots[h].h.tgt = (uint32_t)t;
			ix->slots[h++].h.ntgt = 0;
		}
		ix->slots[h - 1].h.ntgt++;
		tg->route_id = r[i].route_id;
		tg->trunk_id = r[i].trunk_id;
		tg->priority = r[i].priority;
		tg->weight = r[i].weight;
		t++;
	}
	*pos = t;
	return 0;
}

static void route_top_fill(struct route_index *ix, uint32_t node, unsigned depth, uint32_t base, uint32_t vnode)
{
	static const uint32_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	const struct route_node *n = &ix->nodes[node];
	uint32_t span, c = n->child;

	if (n->nent)
		vnode = node | (uint32_t)depth << ROUTE_DEPTH_SHIFT;
	if (depth == ROUTE_TOP_DIGITS) {
		ix->top[base] = (struct route_top){node, vnode};
		return;
	}
	span = pow10[ROUTE_TOP_DIGITS - depth - 1];
	for (unsigned d = 0; d < 10; d++) {
		uint32_t b = base + d * span;

		if (n->map & (1u << d))
			route_top_fill(ix, c++, depth + 1, b, vnode);
		else
			for (uint32_t i = 0; i < span; i++)
				ix->top[b + i] = (struct route_top){ROUTE_NONE, vnode};
	}
}

/* Group the sorted rows into prefixes, entries and targets; lay out the
 * trie. */
static int route_build_routes(struct route_builder *b, struct route_index *ix, char *err, size_t errlen)
{
	struct route_kinfo *k = NULL;
	size_t nk = 0, ne = 0, nn = 1, i, j, pos = 0;
	uint32_t next = 1;
	int rc = -ENOMEM;

	if (b->nrows)
		qsort(b->rows, b->nrows, sizeof(*b->rows), route_brow_cmp);
	for (i = 0; i < b->nrows; i++) {
		const struct route_brow *r = &b->rows[i], *p = i ? r - 1 : NULL;

		if (!p || p->key != r->key) {
			nk++;
			nn += r->len - (p ? route_lcp(p->key, p->len, r->key, r->len) : 0);
		}
		if (!p || p->key != r->key || p->customer != r->customer)
			ne++;
	}
	if (ne + b->nrows > UINT32_MAX || nn >= (size_t)1 << ROUTE_DEPTH_SHIFT) {
		rc = -E2BIG;
		snprintf(err, errlen, "too many routes: %zu", b->nrows);
		goto out;
	}
	k = malloc((nk ? nk : 1) * sizeof(*k));
	ix->nodes = route_big_alloc(nn * sizeof(*ix->nodes));
	ix->slots = route_big_alloc((ne + b->nrows) * sizeof(*ix->slots));
	if (!k || !ix->nodes || !ix->slots) {
		snprintf(err, errlen, "out of memory for %zu routes", b->nrows);
		goto out;
	}
	ix->nnodes = nn;
	ix->nprefixes = nk;
	ix->nroutes = b->nrows;
	ix->nslots = ne + b->nrows;
	nk = 0;
	for (i = 0; i < b->nrows; i = j) {
		for (j = i + 1; j < b->nrows && b->rows[j].key == b->rows[i].key; j++)
			;
		k[nk].key = b->rows[i].key;
		k[nk].len = b->rows[i].len;
		if ((rc = route_put_values(ix, &b->rows[i], j - i, &pos, &k[nk++], err, errlen)) < 0)
			goto out;
	}
	route_fill(ix, k, &next, 0, 0, nk, 0);
	rc = next == nn ? 0 : -EFAULT; /* the node count above is exact */
	if (rc < 0) {
		snprintf(err, errlen, "internal error: %u trie nodes laid out, %zu counted", next, nn);
		goto out;
	}
	if (nn >= ROUTE_TOP_MIN) {
		ix->top = route_big_alloc(ROUTE_TOP_SIZE * sizeof(*ix->top));
		if (!ix->top) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory for %zu routes", b->nrows);
			goto out;
		}
		route_top_fill(ix, 0, 0, 0, ROUTE_NONE);
	}
out:
	free(k);
	return rc;
}

static uint64_t route_hash(uint64_t key)
{
	key ^= key >> 29;
	key *= UINT64_C(0x9e3779b97f4a7c15);
	return key ^ (key >> 32);
}

static int route_build_dids(struct route_builder *b, struct route_index *ix, char *err, size_t errlen)
{
	size_t cap = 16;

	while (cap < 2 * b->ndids)
		cap *= 2;
	ix->dslots = route_big_alloc(cap * sizeof(*ix->dslots));
	ix->pool = malloc(b->npool ? b->npool : 1);
	if (!ix->dslots || !ix->pool) {
		snprintf(err, errlen, "out of memory for %zu DIDs", b->ndids);
		return -ENOMEM;
	}
	if (b->npool)
		memcpy(ix->pool, b->pool, b->npool);
	ix->npool = b->npool;
	ix->dmask = cap - 1;
	for (size_t i = 0; i < b->ndids; i++) {
		const struct route_bdid *d = &b->dids[i];
		uint64_t h = route_hash(d->key) & ix->dmask;

		while (ix->dslots[h].key && ix->dslots[h].key != d->key)
			h = (h + 1) & ix->dmask;
		if (ix->dslots[h].key) {
			char s[ROUTE_MAX_DIGITS + 2];

			route_key_str(d->key, s);
			snprintf(err, errlen, "DID %s is listed twice", s);
			return -EEXIST;
		}
		ix->dslots[h].key = d->key;
		ix->dslots[h].customer = d->customer;
		ix->dslots[h].target = d->target;
		ix->dslots[h].fallback = d->fallback;
	}
	ix->ndids = b->ndids;
	return 0;
}

int route_builder_build(struct route_builder *b, struct route_index **out, char *err, size_t errlen)
{
	struct route_index *ix = calloc(1, sizeof(*ix));
	int rc = -ENOMEM;

	*out = NULL;
	if (!ix) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((rc = route_build_routes(b, ix, err, errlen)) < 0 || (rc = route_build_dids(b, ix, err, errlen)) < 0)
		goto out;
	*out = ix;
	ix = NULL;
out:
	route_index_free(ix);
	return rc;
}

int route_index_build(const struct route_row *rows, size_t nrows, const struct route_did_row *dids, size_t ndids,
		      struct route_index **out, char *err, size_t errlen)
{
	struct route_builder *b = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = route_builder_new(&b)) < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	if (route_grow((void **)&b->rows, &b->caprows, nrows, sizeof(*b->rows)) < 0) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory for %zu routes", nrows);
		goto out;
	}
	for (i = 0; i < nrows; i++) {
		const struct route_row *r = &rows[i];

		rc = route_builder_add_route(b, r->prefix, r->customer_id, r->route_id, r->trunk_id, r->priority,
					     r->weight);
		if (rc < 0) {
			snprintf(err, errlen, "route %zu (prefix \"%s\"): %s", i, r->prefix ? r->prefix : "(null)",
				 strerror(-rc));
			goto out;
		}
	}
	for (i = 0; i < ndids; i++) {
		const struct route_did_row *d = &dids[i];

		rc = route_builder_add_did(b, d->number, d->customer_id, d->target, d->fallback);
		if (rc < 0) {
			snprintf(err, errlen, "DID %zu (\"%s\"): %s", i, d->number ? d->number : "(null)",
				 strerror(-rc));
			goto out;
		}
	}
	rc = route_builder_build(b, out, err, errlen);
out:
	route_builder_free(b);
	return rc;
}

void route_index_free(struct route_index *ix)
{
	if (!ix)
		return;
	free(ix->top);
	free(ix->nodes);
	free(ix->slots);
	free(ix->dslots);
	free(ix->pool);
	free(ix);
}

/* The entry of customer c (c > 0) among the n sorted headers from s on,
 * or NULL. */
static const struct route_ent *route_find_customer(const union route_slot *s, size_t n, int64_t c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid].h.customer == c)
			return &s[mid].h;
		if (s[mid].h.customer < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The match at node h (len digits) for a customer, if any. */
static int route_resolve(const struct route_index *ix, const struct route_node *h, unsigned len, int64_t customer_id,
			 struct route_match *m)
{
	const struct route_ent *e = &ix->slots[h->ent].h, *found = NULL;

	/* At one length the customer's own entry, then the global one. */
	if (customer_id > 0 && (h->nent > 1 || e->customer != 0))
		found = route_find_customer(&ix->slots[h->ent], h->nent, customer_id);
	if (!found && e->customer == 0)
		found = e;
	if (!found)
		return -ENOENT;
	m->targets = &ix->slots[found->tgt].t;
	m->ntargets = found->ntgt;
	m->prefix_len = len;
	m->customer_id = found->customer;
	return 0;
}

/* Walk digits[from, len) down from node n; return the longest match among
 * the nodes with routes passed on the way. */
static int route_walk(const struct route_index *ix, const struct route_node *n, const char *digits, unsigned from,
		      unsigned len, int64_t customer_id, struct route_match *m)
{
	const struct route_node *hit[ROUTE_MAX_DIGITS + 1];
	uint8_t hitlen[ROUTE_MAX_DIGITS + 1];
	unsigned nh = 0;

	if (from == 0 && n->nent) {
		hit[nh] = n;
		hitlen[nh++] = 0;
	}
	for (unsigned i = from; i < len; i++) {
		unsigned d = (unsigned)digits[i] - '0';

		if (!(n->map & (1u << d)))
			break;
		n = &ix->nodes[n->child + route_rank[n->map & ((1u << d) - 1)]];
		if (n->nent) {
			hit[nh] = n;
			hitlen[nh++] = (uint8_t)(i + 1);
		}
	}
	while (nh > 0) {
		nh--;
		if (route_resolve(ix, hit[nh], hitlen[nh], customer_id, m) == 0)
			return 0;
	}
	return -ENOENT;
}

int route_lookup(const struct route_index *ix, int64_t customer_id, const char *number, struct route_match *m)
{
	const struct route_top *t;
	const char *digits;
	uint32_t top = 0;
	unsigned len = 0;

	if (!number || number[0] != '+' || number[1] < '1' || number[1] > '9')
		return -EINVAL;
	digits = number + 1;
	for (; digits[len]; len++) {
		unsigned d = (unsigned)(unsigned char)digits[len] - '0';

		if (d > 9 || len == ROUTE_MAX_DIGITS)
			return -EINVAL;
		if (len < ROUTE_TOP_DIGITS)
			top = top * 10 + d;
	}
	if (len < 2)
		return -EINVAL;
	if (!ix->top || len < ROUTE_TOP_DIGITS)
		return route_walk(ix, ix->nodes, digits, 0, len, customer_id, m);
	t = &ix->top[top];
	if (t->node != ROUTE_NONE &&
	    route_walk(ix, &ix->nodes[t->node], digits, ROUTE_TOP_DIGITS, len, customer_id, m) == 0)
		return 0;
	if (t->vnode == ROUTE_NONE)
		return -ENOENT;
	if (route_resolve(ix, &ix->nodes[t->vnode & ((1u << ROUTE_DEPTH_SHIFT) - 1)], t->vnode >> ROUTE_DEPTH_SHIFT,
			  customer_id, m) == 0)
		return 0;
	/* Not for this customer at the deepest route above the table's depth:
	 * a shorter one may be; walk from the root (rare). */
	return route_walk(ix, ix->nodes, digits, 0, len, customer_id, m);
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
	st->nodes = ix->nnodes;
	st->dids = ix->ndids;
	st->bytes = sizeof(*ix) + (ix->top ? ROUTE_TOP_SIZE * sizeof(*ix->top) : 0) + ix->nnodes * sizeof(*ix->nodes) +
		    ix->nslots * sizeof(*ix->slots) + (ix->dmask + 1) * sizeof(*ix->dslots) + ix->npool;
}
