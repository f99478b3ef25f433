/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the routing index (db/route_index.h, docs/routing.md): rows
 * collected, sorted and laid out as the first-level table, the buckets,
 * the global prefixes and the scoped and DID hash tables. */
#include "config.h"

#include "db/route_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

#define ROUTE_MAX_ROWS ((size_t)1 << 31)

static const uint32_t route_pow10[] = {1, 10, 100, 1000, 10000};

static void route_key_str(uint64_t key, char *buf)
{
	unsigned i = 0;

	*buf++ = '+';
	while (i < ROUTE_MAX_DIGITS && ROUTE_NIBBLE(key, i))
		*buf++ = (char)('0' + ROUTE_NIBBLE(key, i++) - 1);
	*buf = '\0';
}

/* Digits from..to-1 of a key (to <= its length) as a decimal number. */
static uint32_t route_digits(uint64_t key, unsigned from, unsigned to)
{
	uint32_t v = 0;

	for (unsigned i = from; i < to; i++)
		v = v * 10 + ROUTE_NIBBLE(key, i) - 1;
	return v;
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

static int route_cust_cmp(const void *pa, const void *pb)
{
	return route_cmp_i64(((const struct route_cust *)pa)->customer, ((const struct route_cust *)pb)->customer);
}

/* Zeroed memory aligned for buckets. Large arrays come straight from mmap:
 * zeroed by the kernel (a rebuild is bound by memory bandwidth, so no
 * second pass to clear them) and on transparent huge pages where the
 * kernel allows it (THP "madvise" mode): a lookup touches random cache
 * lines of a 100+ MB index, and a TLB miss on each would add a second
 * memory access to it. route_free_big() needs the same size. */
#define ROUTE_HUGE ((size_t)2 << 20)

static void *route_alloc(size_t size)
{
	size_t len = (size + ROUTE_HUGE - 1) & ~(ROUTE_HUGE - 1);
	char *m, *p;

	if (size < 2 * ROUTE_HUGE) {
		void *q = NULL;

		if (posix_memalign(&q, sizeof(struct route_bucket), size ? size : 1) != 0)
			return NULL;
		return memset(q, 0, size);
	}
	m = mmap(NULL, len + ROUTE_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)m + ROUTE_HUGE - 1) & ~(uintptr_t)(ROUTE_HUGE - 1));
	if (p > m)
		munmap(m, (size_t)(p - m));
	if (p < m + ROUTE_HUGE)
		munmap(p + len, (size_t)(m + ROUTE_HUGE - p));
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

static void route_free_big(void *p, size_t size)
{
	if (p && size < 2 * ROUTE_HUGE)
		free(p);
	else if (p)
		munmap(p, (size + ROUTE_HUGE - 1) & ~(ROUTE_HUGE - 1));
}

/* --- Buckets ------------------------------------------------------------ */

struct route_fill {
	struct route_index *ix;
	int write;             /* 0: only count the buckets */
	size_t next;           /* the next free bucket */
	uint32_t (*fbs)[1000]; /* per depth: the fallback of each bucket of a block */
};

/* The stride of a block of depth d for the prefixes gp[lo, hi) (all longer
 * than d), at least smin: the smallest that leaves at most ROUTE_KEYS of
 * them per bucket on average, so few buckets become nodes, and memory
 * stays bounded: a block takes stride s only for more than ROUTE_KEYS *
 * 10^(s-1) prefixes, so under 10 / ROUTE_KEYS buckets per prefix. */
static unsigned route_stride(const struct route_gp *g, size_t lo, size_t hi, unsigned d, unsigned smin)
{
	size_t hist[ROUTE_MAX_DIGITS + 1] = {0}, longer = hi - lo;
	unsigned s;

	for (size_t i = lo; i < hi; i++)
		hist[ROUTE_KLEN(g[i].key) - d]++;
	for (s = 0; s < smin; s++)
		longer -= hist[s + 1];
	for (; s < 3 && d + s < ROUTE_MAX_DIGITS; s++) {
		if (longer <= (size_t)ROUTE_KEYS * route_pow10[s])
			return s;
		longer -= hist[s + 1];
	}
	return s;
}

/* A route's value in a bucket: its target inline when it has one and its
 * ids fit in 32 bits (almost always), else where its targets are. */
static void route_set_val(const struct route_index *ix, union route_val *v, uint8_t *inl, unsigned bit,
			  const struct route_gp *g)
{
	const struct route_target *t = &ix->targets[g->tgt];

	if (g->ntgt == 1 && t->route_id >= INT32_MIN && t->route_id <= INT32_MAX && t->trunk_id >= INT32_MIN &&
	    t->trunk_id <= INT32_MAX) {
		v->t = (struct route_ctarget){(int32_t)t->route_id, (int32_t)t->trunk_id, t->priority, t->weight};
		*inl |= (uint8_t)(1u << bit);
	} else {
		v->ref.tgt = g->tgt;
		v->ref.ntgt = g->ntgt;
	}
}

/* A prefix's key relative to a bucket of depth d (route_int.h). */
static uint32_t route_rel_key(uint64_t key, unsigned d)
{
	return ((uint32_t)(((key & ~UINT64_C(0xf)) << (4 * d)) >> 32) & ~0xfu) | (ROUTE_KLEN(key) - d);
}

/* Lay out the block of 10^s buckets from base for the path of depth d that
 * the prefixes gp[lo, hi) extend; fb is the path's best route so far. */
static void route_block(struct route_fill *f, size_t lo, size_t hi, unsigned d, unsigned s, uint32_t fb, size_t base)
{
	const struct route_gp *g = f->ix->gp;
	struct route_bucket *bk = f->write ? &f->ix->buckets[base] : NULL;
	uint32_t nb = route_pow10[s], *fbs = f->fbs[d];
	size_t i, j;

	/* Leaf pushing: each prefix no longer than the buckets' depth is the
	 * fallback of the buckets it covers; in key order, a longer prefix
	 * comes after and overwrites the shorter ones it extends. */
	for (uint32_t x = 0; f->write && x < nb; x++)
		fbs[x] = fb;
	for (i = lo; i < hi && f->write; i++) {
		unsigned len = ROUTE_KLEN(g[i].key);
		uint32_t span, x0;

		if (len > d + s)
			continue;
		span = route_pow10[d + s - len];
		x0 = route_digits(g[i].key, d, len) * span;
		for (uint32_t x = x0; x < x0 + span; x++)
			fbs[x] = (uint32_t)i;
	}
	/* The longer prefixes, grouped by bucket (a group is contiguous in key
	 * order: only the path itself could sort inside it, and it sorts
	 * before its extensions). */
	for (i = lo; i < hi; i = j) {
		uint64_t mask = route_key_mask(d + s);
		unsigned maxlen = ROUTE_KLEN(g[i].key);
		uint32_t x;

		j = i + 1;
		if (maxlen <= d + s)
			continue;
		for (; j < hi && ((g[j].key ^ g[i].key) & mask) == 0; j++)
			maxlen = ROUTE_KLEN(g[j].key) > maxlen ? ROUTE_KLEN(g[j].key) : maxlen;
		x = route_digits(g[i].key, d, d + s);
		if (j - i <= ROUTE_KEYS && maxlen - (d + s) <= ROUTE_REL_MAX) {
			for (size_t k = i; bk && k < j; k++) {
				bk[x].key[k - i] = route_rel_key(g[k].key, d + s);
				route_set_val(f->ix, &bk[x].val[k - i + 1], &bk[x].inl, (unsigned)(k - i) + 1, &g[k]);
			}
			if (bk)
				bk[x].n = (uint8_t)(j - i);
		} else {
			unsigned cs = route_stride(g, i, j, d + s, 1);
			size_t child = f->next;

			f->next += route_pow10[cs];
			if (bk) {
				bk[x].kind = ROUTE_NODE;
				bk[x].n = (uint8_t)cs;
				bk[x].child = (uint32_t)child;
				f->ix->nbits[(base + x) >> 6] |= UINT64_C(1) << ((base + x) & 63);
			}
			route_block(f, i, j, d + s, cs, f->write ? fbs[x] : ROUTE_NONE, child);
		}
	}
	for (uint32_t x = 0; bk && x < nb; x++) {
		if (bk[x].kind != ROUTE_LEAF)
			continue;
		for (unsigned k = bk[x].n; k < ROUTE_KEYS; k++)
			bk[x].key[k] = ROUTE_NOKEY;
		bk[x].fblen = ROUTE_NOFB;
		if (fbs[x] != ROUTE_NONE) {
			bk[x].fblen = (uint8_t)ROUTE_KLEN(g[fbs[x]].key);
			route_set_val(f->ix, &bk[x].val[0], &bk[x].inl, 0, &g[fbs[x]]);
		}
	}
}

/* The nodes' ranks and children, from the bits route_block() set. */
static int route_build_nodes(struct route_index *ix)
{
	size_t words = (ix->nbuckets + 63) / 64, r = 0;

	ix->nrank = route_alloc(words * sizeof(*ix->nrank));
	if (!ix->nrank)
		return -ENOMEM;
	for (size_t w = 0; w < words; w++) {
		ix->nrank[w] = (uint32_t)r;
		r += (size_t)__builtin_popcountll(ix->nbits[w]);
	}
	ix->nnodes = r;
	ix->nchild = route_alloc(r * sizeof(*ix->nchild));
	if (!ix->nchild)
		return -ENOMEM;
	r = 0;
	for (size_t w = 0; w < words; w++)
		for (uint64_t bits = ix->nbits[w]; bits; bits &= bits - 1) {
			const struct route_bucket *bk = &ix->buckets[w * 64 + (size_t)__builtin_ctzll(bits)];

			ix->nchild[r++] = bk->child << 2 | bk->n;
		}
	return 0;
}

/* The first level and the blocks under it; twice: count, then write. */
static int route_build_buckets(struct route_index *ix, char *err, size_t errlen)
{
	struct route_fill f = {.ix = ix};
	uint32_t *rootfb = malloc(ROUTE_L1_SIZE * sizeof(*rootfb));
	const struct route_gp *g = ix->gp;
	int rc = -ENOMEM;

	f.fbs = malloc((ROUTE_MAX_DIGITS + 1) * sizeof(*f.fbs));
	ix->l1 = malloc(ROUTE_L1_SIZE * sizeof(*ix->l1));
	if (!rootfb || !f.fbs || !ix->l1)
		goto nomem;
	/* The best route of at most ROUTE_L1_DIGITS digits of each block. */
	for (uint32_t b = 0; b < ROUTE_L1_SIZE; b++)
		rootfb[b] = ROUTE_NONE;
	for (size_t i = 0; i < ix->ngp; i++) {
		unsigned len = ROUTE_KLEN(g[i].key);
		uint32_t span, x0;

		if (len > ROUTE_L1_DIGITS)
			continue;
		span = route_pow10[ROUTE_L1_DIGITS - len];
		x0 = route_digits(g[i].key, 0, len) * span;
		for (uint32_t x = x0; x < x0 + span; x++)
			rootfb[x] = (uint32_t)i;
	}
	for (f.write = 0; f.write < 2; f.write++) {
		uint32_t shared_fb = ROUTE_NONE;
		size_t i = 0, shared = 0;

		f.next = 0;
		for (uint32_t b = 0; b < ROUTE_L1_SIZE; b++) {
			size_t lo, base;
			unsigned s;

			while (i < ix->ngp && ROUTE_KLEN(g[i].key) <= ROUTE_L1_DIGITS)
				i++;
			/* This block's longer prefixes: only "+b" itself could
			 * sort among them, and it sorts first. */
			for (lo = i; i < ix->ngp && ROUTE_KLEN(g[i].key) > ROUTE_L1_DIGITS &&
				     route_digits(g[i].key, 0, ROUTE_L1_DIGITS) == b;
			     i++)
				;
			/* Blocks without longer prefixes share one bucket per
			 * fallback; blocks of a leading 0 no number reaches. */
			if (lo == i || b < ROUTE_L1_SIZE / 10) {
				if (f.next == 0 || rootfb[b] != shared_fb) {
					shared = f.next++;
					shared_fb = rootfb[b];
					if (f.write)
						route_block(&f, 0, 0, ROUTE_L1_DIGITS, 0, shared_fb, shared);
				}
				ix->l1[b] = (uint32_t)shared << 2;
				continue;
			}
			s = route_stride(g, lo, i, ROUTE_L1_DIGITS, 0);
			base = f.next;
			f.next += route_pow10[s];
			if (f.next <= ROUTE_MAX_BKTS)
				ix->l1[b] = (uint32_t)base << 2 | s;
			route_block(&f, lo, i, ROUTE_L1_DIGITS, s, rootfb[b], base);
		}
		if (f.next > ROUTE_MAX_BKTS) {
			rc = -E2BIG;
			snprintf(err, errlen, "too many routes: %zu buckets", f.next);
			goto out;
		}
		if (!f.write) {
			ix->nbuckets = f.next;
			ix->buckets = route_alloc(f.next * sizeof(*ix->buckets));
			ix->nbits = route_alloc((f.next + 63) / 64 * sizeof(*ix->nbits));
			if (!ix->buckets || !ix->nbits)
				goto nomem;
		}
	}
	if (route_build_nodes(ix) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory for %zu routes", ix->nroutes);
out:
	free(rootfb);
	free(f.fbs);
	return rc;
}

/* --- Building ---------------------------------------------------------- */

/* Sorting (key, row) pairs by key: MSD radix sort by digit (4 bits), in
 * place through tmp; short runs by insertion. */
struct route_skey {
	uint64_t key;
	const struct route_brow *row;
};

static int route_skey_cmp(const void *pa, const void *pb)
{
	return route_brow_cmp(((const struct route_skey *)pa)->row, ((const struct route_skey *)pb)->row);
}

static void route_sort_keys(struct route_skey *a, struct route_skey *tmp, size_t n, int shift)
{
	size_t cnt[16] = {0}, pos[16], i, d;

	while (n > 16 && shift >= 4) {
		for (i = 0; i < n; i++)
			cnt[(a[i].key >> shift) & 15]++;
		for (d = 0; d < 16 && cnt[d] < n; d++)
			;
		if (d == 16)
			break;
		cnt[d] = 0; /* all share this digit: on to the next */
		shift -= 4;
	}
	if (n <= 16 || shift < 4) {
		for (i = 1; i < n; i++) {
			struct route_skey x = a[i];
			size_t j = i;

			for (; j > 0 && a[j - 1].key > x.key; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	for (pos[0] = 0, d = 1; d < 16; d++)
		pos[d] = pos[d - 1] + cnt[d - 1];
	for (i = 0; i < n; i++)
		tmp[pos[(a[i].key >> shift) & 15]++] = a[i];
	memcpy(a, tmp, n * sizeof(*a));
	for (i = 0, d = 0; d < 16; i += cnt[d++])
		if (cnt[d] > 1)
			route_sort_keys(a + i, tmp, cnt[d], shift - 4);
}

/* The rows in order of key, scope, priority, trunk and route id, as n
 * (key, row) pairs (route_free_big(p, n * sizeof(*p)) them), or NULL.
 * A rebuild is bound by memory bandwidth (qsort of 1M rows of 48 bytes
 * took half of it): one counting-sort pass spreads the pairs by their
 * first 4 digits, each of those runs is sorted in cache, and runs of one
 * key (usually a single row) by the rest. The rows stay where they are. */
static struct route_skey *route_sort_rows(const struct route_builder *b)
{
	const size_t nb = (size_t)1 << 16;
	size_t n = b->nrows, *cnt = calloc(nb + 1, sizeof(*cnt)), i, j;
	struct route_skey *a = route_alloc(n * sizeof(*a)), *t = route_alloc(n * sizeof(*t));

	if (a && t && cnt) {
		for (i = 0; i < n; i++)
			cnt[(b->rows[i].key >> 48) + 1]++;
		for (j = 1; j <= nb; j++)
			cnt[j] += cnt[j - 1];
		for (i = 0; i < n; i++)
			a[cnt[b->rows[i].key >> 48]++] = (struct route_skey){b->rows[i].key, &b->rows[i]};
		/* cnt[j] is now where run j + 1 starts. */
		for (j = 0, i = 0; j < nb; i = cnt[j++])
			if (cnt[j] - i > 1)
				route_sort_keys(a + i, t, cnt[j] - i, 44);
		for (i = 0; i < n; i = j) {
			for (j = i + 1; j < n && a[j].key == a[i].key; j++)
				;
			if (j - i > 1)
				qsort(a + i, j - i, sizeof(*a), route_skey_cmp);
		}
	} else {
		route_free_big(a, n * sizeof(*a));
		a = NULL;
	}
	route_free_big(t, n * sizeof(*t));
	free(cnt);
	return a;
}

/* Group the sorted rows into targets, global prefixes and scoped routes. */
static int route_build_routes(struct route_builder *b, struct route_index *ix, char *err, size_t errlen)
{
	struct route_skey *a = route_sort_rows(b);
	struct route_cust *sc = NULL;
	size_t nk = 0, ngp = 0, nsc = 0, cap = 16, n = b->nrows, i, j;
	int rc = -ENOMEM;

	if (!a)
		goto nomem;
	for (i = 0; i < n; i++) {
		const struct route_brow *r = a[i].row, *p = i ? a[i - 1].row : NULL;

		if (!p || p->key != r->key) {
			nk++;
			ngp += r->customer == 0;
		}
		if (r->customer && (!p || p->key != r->key || p->customer != r->customer))
			nsc++;
	}
	while (cap < 2 * nsc)
		cap *= 2;
	/* Sizes first: route_index_free() needs them. */
	ix->nroutes = n;
	ix->ngp = ngp;
	ix->nprefixes = nk;
	ix->smask = nsc ? cap - 1 : 0;
	ix->targets = route_alloc(n * sizeof(*ix->targets));
	ix->gp = route_alloc(ngp * sizeof(*ix->gp));
	ix->sslots = nsc ? route_alloc(cap * sizeof(*ix->sslots)) : NULL;
	ix->cust = sc = malloc((nsc ? nsc : 1) * sizeof(*sc));
	if (!ix->targets || !ix->gp || (nsc && !ix->sslots) || !sc)
		goto nomem;
	ngp = nsc = 0;
	for (i = 0; i < n; i = j) {
		const struct route_brow *r = a[i].row;
		uint64_t key = r->key | r->len;

		for (j = i; j < n && a[j].row->key == r->key && a[j].row->customer == r->customer; j++) {
			ix->targets[j].route_id = a[j].row->route_id;
			ix->targets[j].trunk_id = a[j].row->trunk_id;
			ix->targets[j].priority = a[j].row->priority;
			ix->targets[j].weight = a[j].row->weight;
		}
		if (r->customer == 0) {
			ix->gp[ngp++] = (struct route_gp){key, (uint32_t)i, (uint32_t)(j - i)};
		} else {
			uint64_t h = route_shash(key, r->customer) & ix->smask;

			while (ix->sslots[h].customer)
				h = (h + 1) & ix->smask;
			ix->sslots[h] = (struct route_sslot){key, r->customer, (uint32_t)i, (uint32_t)(j - i)};
			sc[nsc++] = (struct route_cust){r->customer, 1u << r->len};
		}
	}
	/* One entry per customer, with every length it has routes of. */
	if (nsc)
		qsort(sc, nsc, sizeof(*sc), route_cust_cmp);
	for (i = 0; i < nsc; i++) {
		if (ix->ncust && sc[ix->ncust - 1].customer == sc[i].customer)
			sc[ix->ncust - 1].lens |= sc[i].lens;
		else
			sc[ix->ncust++] = sc[i];
	}
	route_free_big(a, n * sizeof(*a));
	return route_build_buckets(ix, err, errlen);
nomem:
	route_free_big(a, n * sizeof(*a));
	snprintf(err, errlen, "out of memory for %zu routes", n);
	return rc;
}

static int route_build_dids(struct route_builder *b, struct route_index *ix, char *err, size_t errlen)
{
	size_t cap = 16;

	while (cap < 2 * b->ndids)
		cap *= 2;
	ix->dmask = cap - 1;
	ix->dslots = route_alloc(cap * sizeof(*ix->dslots));
	ix->pool = malloc(b->npool ? b->npool : 1);
	if (!ix->dslots || !ix->pool) {
		snprintf(err, errlen, "out of memory for %zu DIDs", b->ndids);
		return -ENOMEM;
	}
	if (b->npool)
		memcpy(ix->pool, b->pool, b->npool);
	ix->npool = b->npool;
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
	free(ix->l1);
	route_free_big(ix->buckets, ix->nbuckets * sizeof(*ix->buckets));
	route_free_big(ix->nbits, (ix->nbuckets + 63) / 64 * sizeof(*ix->nbits));
	route_free_big(ix->nrank, (ix->nbuckets + 63) / 64 * sizeof(*ix->nrank));
	route_free_big(ix->nchild, ix->nnodes * sizeof(*ix->nchild));
	route_free_big(ix->targets, ix->nroutes * sizeof(*ix->targets));
	route_free_big(ix->gp, ix->ngp * sizeof(*ix->gp));
	route_free_big(ix->sslots, (ix->smask + 1) * sizeof(*ix->sslots));
	free(ix->cust);
	route_free_big(ix->dslots, (ix->dmask + 1) * sizeof(*ix->dslots));
	free(ix->pool);
	free(ix);
}
