/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the routing index (longest prefix, customer scope, DIDs,
 * invalid numbers) and its holder (swaps under concurrent lookups). */
#include "config.h"

#include "db/route_index.h"
#include "tests/tap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct route_row rows[] = {
    {"+", 0, 1, 9, 10, 100},          {"+44", 0, 2, 1, 10, 100},
    {"+4420", 0, 3, 2, 10, 100},      {"+442071", 0, 4, 3, 10, 100},
    {"+33", 0, 5, 5, 20, 100},        {"+33", 0, 6, 7, 10, 50},
    {"+33", 0, 7, 6, 10, 100},        {"+44", 7, 8, 70, 10, 100},
    {"+4420", 7, 9, 71, 10, 100},     {"+999", 9, 10, 90, 10, 100},
    {"+999", 11, 11, 91, 10, 100},    {"+999", 3, 12, 92, 10, 100},
    {"+1234567890", 0, 13, 13, 0, 0}, {"+123456789012345", 0, 14, 14, 65535, 65535},
};

static const struct route_did_row dids[] = {
    {"+442071230000", 7, "sip:pbx@acme.example", NULL},
    {"+33123456789", 8, NULL, "sip:vm@example.net"},
};

static struct route_index *build(void)
{
	struct route_index *ix = NULL;
	char err[256] = "";

	is_int(route_index_build(rows, NELEM(rows), dids, NELEM(dids), &ix, err, sizeof(err)), 0,
	       "the sample index builds (%s)", err);
	return ix;
}

/* The trunk a lookup lands on, or the negative error. */
static long trunk(const struct route_index *ix, int64_t customer, const char *number, unsigned *len)
{
	struct route_match m;
	int rc = route_lookup(ix, customer, number, &m);

	if (rc < 0)
		return rc;
	if (len)
		*len = m.prefix_len;
	return (long)m.targets[0].trunk_id;
}

static void test_longest_prefix(const struct route_index *ix)
{
	unsigned len = 0;

	is_int(trunk(ix, 0, "+442071234567", &len), 3, "+442071... takes +442071");
	is_int(len, 6, "matched 6 digits");
	is_int(trunk(ix, 0, "+442081234567", &len), 2, "+442081... takes +4420");
	is_int(len, 4, "matched 4 digits");
	is_int(trunk(ix, 0, "+441611234567", NULL), 1, "+4416... takes +44");
	is_int(trunk(ix, 0, "+4420", NULL), 2, "a number equal to a prefix takes it");
	is_int(trunk(ix, 0, "+15551234567", &len), 9, "no prefix but the default route: '+'");
	is_int(len, 0, "default route matches 0 digits");
	is_int(trunk(ix, 0, "+123456789012345", &len), 14, "a 15-digit number takes a 15-digit prefix");
	is_int(len, 15, "matched 15 digits");
	is_int(trunk(ix, 0, "+12345678901234", &len), 13, "one digit short falls back to +1234567890");
}

static void test_targets(const struct route_index *ix)
{
	struct route_match m;

	is_int(route_lookup(ix, 0, "+33612345678", &m), 0, "+33 matches");
	is_int(m.ntargets, 3, "three targets for +33");
	ok(m.targets[0].trunk_id == 6 && m.targets[1].trunk_id == 7 && m.targets[2].trunk_id == 5,
	   "targets by priority, then trunk id (6, 7, 5)");
	ok(m.targets[1].route_id == 6 && m.targets[1].weight == 50 && m.targets[2].priority == 20,
	   "targets carry route id, weight and priority");
	is_int(m.customer_id, 0, "a global route has customer 0");
}

static void test_customer_scope(const struct route_index *ix)
{
	unsigned len = 0;
	struct route_match m;

	is_int(trunk(ix, 7, "+441611234567", &len), 70, "customer 7's +44 beats the global +44 (same length)");
	is_int(trunk(ix, 8, "+441611234567", NULL), 1, "another customer gets the global +44");
	is_int(trunk(ix, 0, "+441611234567", NULL), 1, "no customer: global only");
	is_int(trunk(ix, 7, "+442081234567", NULL), 71, "customer 7's +4420 beats the global +4420");
	is_int(trunk(ix, 7, "+442071234567", &len), 3, "a longer global +442071 beats customer 7's +4420");
	is_int(len, 6, "and matched 6 digits");
	is_int(trunk(ix, 9, "+9991234", NULL), 90, "customer 9's own +999");
	is_int(trunk(ix, 11, "+9991234", NULL), 91, "customer 11's own +999");
	is_int(trunk(ix, 3, "+9991234", NULL), 92, "customer 3's own +999 (first of three scopes)");
	is_int(trunk(ix, 10, "+9991234", NULL), 9, "customer 10 has no +999: default route");
	is_int(trunk(ix, 0, "+9991234", NULL), 9, "global lookup skips scoped-only +999");
	is_int(route_lookup(ix, 9, "+9991234", &m), 0, "scoped match");
	is_int(m.customer_id, 9, "the match names its customer");
}

static void test_dids(const struct route_index *ix)
{
	struct route_did d;

	is_int(route_did_lookup(ix, "+442071230000", &d), 0, "a DID matches exactly");
	is_int(d.customer_id, 7, "DID customer");
	is_str(d.target, "sip:pbx@acme.example", "DID target");
	ok(d.fallback == NULL, "no fallback is NULL");
	is_int(route_did_lookup(ix, "+33123456789", &d), 0, "second DID");
	ok(d.target == NULL, "no target is NULL");
	is_str(d.fallback, "sip:vm@example.net", "DID fallback");
	is_int(route_did_lookup(ix, "+44207123000", &d), -ENOENT, "a prefix of a DID is no match");
	is_int(route_did_lookup(ix, "+4420712300001", &d), -ENOENT, "a DID plus a digit is no match");
	is_int(route_did_lookup(ix, "+15551234567", &d), -ENOENT, "an unknown DID");
}

static void test_invalid(const struct route_index *ix)
{
	static const char *const bad[] = {
	    "", "+", "+4", "442071234567", "+0442071234567", "+4420a1234567", "+1234567890123456", "++44", "+44 20",
	};
	struct route_match m;
	struct route_did d;

	for (size_t i = 0; i < NELEM(bad); i++) {
		is_int(route_lookup(ix, 0, bad[i], &m), -EINVAL, "route lookup refuses \"%s\"", bad[i]);
		is_int(route_did_lookup(ix, bad[i], &d), -EINVAL, "DID lookup refuses \"%s\"", bad[i]);
	}
	is_int(route_lookup(ix, 0, NULL, &m), -EINVAL, "route lookup refuses NULL");
}

static void test_builder_refuses(void)
{
	struct route_builder *b = NULL;
	struct route_index *ix = NULL;
	char err[256] = "";

	is_int(route_builder_new(&b), 0, "builder");
	is_int(route_builder_add_route(b, "44", 0, 1, 1, 10, 10), -EINVAL, "prefix without '+' refused");
	is_int(route_builder_add_route(b, "+4a", 0, 1, 1, 10, 10), -EINVAL, "prefix with a letter refused");
	is_int(route_builder_add_route(b, "+1234567890123456", 0, 1, 1, 10, 10), -EINVAL, "16-digit prefix refused");
	is_int(route_builder_add_route(b, "+44", 0, 1, 1, 65536, 10), -EINVAL, "priority over 65535 refused");
	is_int(route_builder_add_route(b, "+44", -1, 1, 1, 10, 10), -EINVAL, "negative customer refused");
	is_int(route_builder_add_did(b, "+0123", 1, NULL, NULL), -EINVAL, "DID with leading 0 refused");
	is_int(route_builder_add_did(b, "+4420", 1, NULL, NULL), 0, "a DID");
	is_int(route_builder_add_did(b, "+4420", 2, NULL, NULL), 0, "the same DID again (refused at build)");
	is_int(route_builder_build(b, &ix, err, sizeof(err)), -EEXIST, "a duplicate DID fails the build");
	is_str(err, "DID +4420 is listed twice", "and names it");
	ok(ix == NULL, "no index on failure");
	route_builder_free(b);

	is_int(route_index_build(NULL, 0, NULL, 0, &ix, err, sizeof(err)), 0, "an empty index builds");
	is_int(trunk(ix, 0, "+442071234567", NULL), -ENOENT, "empty index: no route");
	route_index_free(ix);
	is_int(route_index_build(rows + 1, 3, NULL, 0, &ix, err, sizeof(err)), 0, "an index without '+' builds");
	is_int(trunk(ix, 0, "+15551234567", NULL), -ENOENT, "no default route: an unmatched number is -ENOENT");
	is_int(trunk(ix, 0, "+4420", NULL), 2, "but its prefixes match");
	route_index_free(ix);
}

/* The edges of the layout: numbers shorter than the first level's 4
 * digits, prefixes of exactly 4 digits, just beyond, and much longer; the
 * default route and a customer's own default; customer routes shadowing
 * global ones; several targets on a long prefix; a prefix no number can
 * reach. */
static const struct route_row edge_rows[] = {
    {"+", 0, 1, 1, 10, 10},
    {"+", 5, 2, 50, 10, 10},
    {"+1", 0, 3, 10, 10, 10},
    {"+12", 0, 4, 12, 10, 10},
    {"+123", 0, 5, 123, 10, 10},
    {"+1234", 0, 6, 1234, 10, 10},
    {"+12345", 0, 7, 12345, 10, 10},
    {"+123456", 0, 8, 123456, 10, 10},
    {"+1234567", 0, 9, 1234567, 10, 10},
    {"+12345678901", 0, 10, 11, 10, 10},
    {"+1234567890123", 0, 11, 21, 10, 10},
    {"+1234567890123", 0, 12, 20, 5, 10},
    {"+12", 5, 13, 512, 10, 10},
    {"+1234", 6, 14, 61234, 10, 10},
    {"+9", 7, 15, 79, 10, 10},
    {"+0123", 0, 16, 99, 10, 10},
    {"+4420", 0, 17, 4420, 10, 10},
    {"+44207", 0, 18, 44207, 10, 10},
    {"+442071", 0, 19, 442071, 10, 10},
    {"+4420712", 0, 20, 4420712, 10, 10},
    {"+44207123", 0, 21, 44207123, 10, 10},
    {"+442071234", 0, 22, 442071234, 10, 10},
};

static void test_edges(void)
{
	static const struct {
		int64_t customer;
		const char *number;
		long trunk;
		int len;
		int64_t scope;
	} q[] = {
	    {0, "+12", 12, 2, 0},
	    {0, "+13", 10, 1, 0},
	    {0, "+123", 123, 3, 0},
	    {0, "+1234", 1234, 4, 0},
	    {0, "+12349", 1234, 4, 0},
	    {0, "+12345", 12345, 5, 0},
	    {0, "+123459", 12345, 5, 0},
	    {0, "+1234567", 1234567, 7, 0},
	    {0, "+123456789", 1234567, 7, 0},
	    {0, "+12345678901", 11, 11, 0},
	    {0, "+123456789012", 11, 11, 0},
	    {0, "+1234567890123", 20, 13, 0},
	    {0, "+123456789012345", 20, 13, 0},
	    {0, "+21", 1, 0, 0},
	    {0, "+1023456", 10, 1, 0},
	    {0, "+4420", 4420, 4, 0},
	    {0, "+44201", 4420, 4, 0},
	    {0, "+442071", 442071, 6, 0},
	    {0, "+4420712", 4420712, 7, 0},
	    {0, "+442071239", 44207123, 8, 0},
	    {0, "+4420712345678", 442071234, 9, 0},
	    {0, "+4420812345678", 4420, 4, 0},
	    {5, "+12", 512, 2, 5},
	    {5, "+1299", 512, 2, 5},
	    {5, "+123", 123, 3, 0},
	    {5, "+21", 50, 0, 5},
	    {5, "+1023456", 10, 1, 0},
	    {6, "+12349999", 61234, 4, 6},
	    {6, "+1234", 61234, 4, 6},
	    {6, "+1234567", 1234567, 7, 0},
	    {7, "+91234", 79, 1, 7},
	    {7, "+91", 79, 1, 7},
	    {8, "+91234", 1, 0, 0},
	    {-1, "+91234", 1, 0, 0},
	};
	struct route_index *ix = NULL;
	struct route_match m;
	char err[256] = "";

	is_int(route_index_build(edge_rows, NELEM(edge_rows), NULL, 0, &ix, err, sizeof(err)), 0,
	       "the edge index builds (%s)", err);
	for (size_t i = 0; ix && i < NELEM(q); i++) {
		int rc = route_lookup(ix, q[i].customer, q[i].number, &m);

		ok(rc == 0 && m.targets[0].trunk_id == q[i].trunk && (int)m.prefix_len == q[i].len &&
		       m.customer_id == q[i].scope,
		   "customer %lld, %s: trunk %ld, %d digits, scope %lld (got %d: trunk %lld, %u digits, scope %lld)",
		   (long long)q[i].customer, q[i].number, q[i].trunk, q[i].len, (long long)q[i].scope, rc,
		   rc == 0 ? (long long)m.targets[0].trunk_id : -1LL, rc == 0 ? m.prefix_len : 0,
		   rc == 0 ? (long long)m.customer_id : -1LL);
	}
	is_int(route_lookup(ix, 0, "+1234567890123", &m), 0, "the prefix with two targets");
	ok(m.ntargets == 2 && m.targets[0].trunk_id == 20 && m.targets[1].trunk_id == 21 &&
	       m.targets[0].route_id == 12 && m.targets[1].priority == 10,
	   "both targets, by priority, with their route ids");
	is_int(route_lookup(ix, 0, "+12345678901", &m), 0, "a prefix with one target");
	ok(m.ntargets == 1 && m.targets[0].route_id == 10 && m.targets[0].priority == 10 && m.targets[0].weight == 10,
	   "its one target, whole");
	route_index_free(ix);

	/* Without a global default route, a customer's own one still counts. */
	is_int(route_index_build(edge_rows + 1, NELEM(edge_rows) - 1, NULL, 0, &ix, err, sizeof(err)), 0,
	       "the edge index without '+' builds (%s)", err);
	is_int(trunk(ix, 0, "+21", NULL), -ENOENT, "no global default: -ENOENT");
	is_int(trunk(ix, 5, "+21", NULL), 50, "customer 5's own default route");
	is_int(trunk(ix, 5, "+2", NULL), -EINVAL, "a 1-digit number is refused");
	is_int(trunk(ix, 7, "+81234567890", NULL), -ENOENT, "customer 7 has no default: -ENOENT");
	route_index_free(ix);

	/* Only the default route: every number of every length takes it. */
	is_int(route_index_build(edge_rows, 1, NULL, 0, &ix, err, sizeof(err)), 0, "a default-only index builds");
	is_int(trunk(ix, 0, "+12", NULL), 1, "2 digits: the default");
	is_int(trunk(ix, 0, "+12345", NULL), 1, "5 digits: the default");
	is_int(trunk(ix, 3, "+123456789012345", NULL), 1, "15 digits, any customer: the default");
	route_index_free(ix);
}

/* A route with one target is kept in its bucket with 32-bit ids and
 * widened by the lookup; ids beyond 32 bits stay in the targets array.
 * Both must come back whole, negative ids too, on every path (7 digits
 * or more, shorter numbers, a customer's lookup). */
static void test_wide_ids(void)
{
	static const struct route_row wr[] = {
	    {"+44", 0, INT64_C(5000000000), INT64_C(3000000000), 1, 2},
	    {"+4420", 0, -7, 42, 3, 4},
	    {"+442071", 0, INT32_MAX, INT32_MIN, 65535, 0},
	    {"+4420712", 0, (int64_t)INT32_MAX + 1, 9, 0, 0},
	    {"+4420713", 0, 11, (int64_t)INT32_MIN - 1, 0, 0},
	};
	static const struct {
		int64_t customer;
		const char *number;
		int64_t route, trunk;
		unsigned priority, weight;
	} q[] = {
	    {0, "+441611234567", INT64_C(5000000000), INT64_C(3000000000), 1, 2},
	    {0, "+441", INT64_C(5000000000), INT64_C(3000000000), 1, 2},
	    {3, "+441611234567", INT64_C(5000000000), INT64_C(3000000000), 1, 2},
	    {0, "+442081234567", -7, 42, 3, 4},
	    {0, "+44208", -7, 42, 3, 4},
	    {0, "+442071934567", INT32_MAX, INT32_MIN, 65535, 0},
	    {0, "+442071234567", (int64_t)INT32_MAX + 1, 9, 0, 0},
	    {0, "+442071334567", 11, (int64_t)INT32_MIN - 1, 0, 0},
	};
	struct route_index *ix = NULL;
	char err[256] = "";

	is_int(route_index_build(wr, NELEM(wr), NULL, 0, &ix, err, sizeof(err)), 0, "the wide-id index builds (%s)",
	       err);
	for (size_t i = 0; ix && i < NELEM(q); i++) {
		struct route_match m;
		int rc = route_lookup(ix, q[i].customer, q[i].number, &m);

		ok(rc == 0 && m.ntargets == 1 && m.targets[0].route_id == q[i].route &&
		       m.targets[0].trunk_id == q[i].trunk && m.targets[0].priority == q[i].priority &&
		       m.targets[0].weight == q[i].weight,
		   "%s: route %lld, trunk %lld, priority %u, weight %u (got %d: %lld, %lld, %u, %u)", q[i].number,
		   (long long)q[i].route, (long long)q[i].trunk, q[i].priority, q[i].weight, rc,
		   rc == 0 ? (long long)m.targets[0].route_id : 0, rc == 0 ? (long long)m.targets[0].trunk_id : 0,
		   rc == 0 ? m.targets[0].priority : 0, rc == 0 ? m.targets[0].weight : 0);
	}
	route_index_free(ix);
}

/* The index against a linear scan, on random prefixes and scopes. */
static int naive(const struct route_row *r, size_t n, int64_t cust, const char *num, long *trunk_id)
{
	size_t best_len = 0;
	int found = 0, best_cust = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(r[i].prefix);
		int mine = r[i].customer_id == cust && cust != 0;

		if ((r[i].customer_id && !mine) || strncmp(r[i].prefix, num, l) != 0)
			continue;
		if (!found || l > best_len || (l == best_len && mine && !best_cust)) {
			found = 1;
			best_len = l;
			best_cust = mine;
			*trunk_id = (long)r[i].trunk_id;
		}
	}
	return found ? (int)best_len - 1 : -1;
}

/* n prefixes of 1..maxlen digits from ndig digit values (few values: many
 * nested prefixes, crowded buckets that become nodes, blocks of 1000
 * buckets), a quarter customer-scoped; q numbers of 2..15 digits (short
 * ones take the bisection path, long ones the buckets). */
static void test_random(int n, int q, int maxlen, int ndig)
{
	char(*pfx)[18] = calloc((size_t)n, sizeof(*pfx)), num[18];
	struct route_row *r = calloc((size_t)n, sizeof(*r));
	struct route_index *ix = NULL;
	struct route_stats st = {0};
	char err[256] = "";
	int bad = 0;

	srand(7);
	for (int i = 0; i < n && pfx && r; i++) {
		int len = 1 + rand() % maxlen;

		pfx[i][0] = '+';
		for (int j = 1; j <= len; j++)
			pfx[i][j] = (char)('1' + rand() % ndig);
		pfx[i][len + 1] = '\0';
		r[i] = (struct route_row){pfx[i], rand() % 4 ? 0 : 1 + rand() % 3, i, i, 10, 10};
	}
	/* The first of equal (prefix, scope) rows wins in naive(); give them
	 * one trunk so both agree. */
	for (int i = 0; i < n && pfx && r; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(pfx[i], pfx[j]) == 0 && r[i].customer_id == r[j].customer_id)
				r[i].trunk_id = r[j].trunk_id;
	is_int(route_index_build(r, (size_t)n, NULL, 0, &ix, err, sizeof(err)), 0, "random index builds (%s)", err);
	if (ix)
		route_index_stats(ix, &st);
	printf("# %d prefixes, %zu buckets\n", n, st.nodes);
	for (int k = 0; k < q && ix; k++) {
		int64_t cust = rand() % 5;
		long want = -1, got;
		unsigned len = 99;
		int wlen, nlen = 2 + rand() % 14;

		num[0] = '+';
		for (int j = 1; j <= nlen; j++)
			num[j] = (char)('1' + rand() % ndig);
		num[nlen + 1] = '\0';
		wlen = naive(r, (size_t)n, cust, num, &want);
		got = trunk(ix, cust, num, &len);
		if ((wlen < 0 && got != -ENOENT) || (wlen >= 0 && (got != want || (int)len != wlen))) {
			if (bad++ < 5)
				printf("# %s cust %ld: got trunk %ld len %u, want %ld len %d\n", num, (long)cust, got,
				       len, want, wlen);
		}
	}
	is_int(bad, 0, "%d random lookups agree with a linear scan (%d prefixes)", q, n);
	route_index_free(ix);
	free(pfx);
	free(r);
}

/* Crowded blocks: 1000 prefixes under +4420 (a block of 1000 buckets) and
 * 2000 under +4422000 (one bucket of those that becomes a node over 1000
 * more), a few customer routes among them; numbers that extend, shorten
 * or wander off them, against the linear scan. */
static void test_dense(void)
{
	enum {
		NA = 1000,
		NB = 2000,
		N = NA + NB + 4
	};
	char(*pfx)[18] = calloc(N, sizeof(*pfx)), num[18];
	struct route_row *r = calloc(N, sizeof(*r));
	struct route_index *ix = NULL;
	char err[256] = "";
	int n = 0, bad = 0;

	for (int i = 0; pfx && r && i < NA; i++)
		snprintf(pfx[n++], sizeof(*pfx), "+4420%03d5", i);
	for (int i = 0; pfx && r && i < NB; i++)
		snprintf(pfx[n++], sizeof(*pfx), "+4422000%04d", i * 5);
	if (pfx && r) {
		strcpy(pfx[n++], "+4420");
		strcpy(pfx[n++], "+44220001");
		strcpy(pfx[n++], "+44");
		strcpy(pfx[n++], "+442200012");
	}
	for (int i = 0; i < n; i++)
		r[i] = (struct route_row){pfx[i], i % 7 == 3 ? 1 + i % 2 : 0, i, i, 10, 10};
	is_int(route_index_build(r, (size_t)n, NULL, 0, &ix, err, sizeof(err)), 0, "crowded index builds (%s)", err);
	srand(11);
	for (int k = 0; k < 5000 && ix; k++) {
		int64_t cust = rand() % 3;
		long want = -1, got;
		unsigned len = 99;
		int wlen, nlen = 2 + rand() % 14, plen;

		snprintf(num, sizeof(num), "%s", pfx[rand() % n]);
		plen = (int)strlen(num) - 1;
		for (int j = plen + 1; j <= nlen; j++)
			num[j] = (char)('0' + rand() % 10);
		num[nlen + 1] = '\0';
		wlen = naive(r, (size_t)n, cust, num, &want);
		got = trunk(ix, cust, num, &len);
		if ((wlen < 0 && got != -ENOENT) || (wlen >= 0 && (got != want || (int)len != wlen))) {
			if (bad++ < 5)
				printf("# %s cust %ld: got trunk %ld len %u, want %ld len %d\n", num, (long)cust, got,
				       len, want, wlen);
		}
	}
	is_int(bad, 0, "5000 lookups in crowded blocks agree with a linear scan");
	route_index_free(ix);
	free(pfx);
	free(r);
}

static struct route_index *build_gen(int gen)
{
	struct route_row r[64];
	char p[64][8];
	struct route_index *ix = NULL;
	char err[256];

	for (int i = 0; i < 64; i++) {
		snprintf(p[i], sizeof(p[i]), "+%d", 10 + i);
		r[i] = (struct route_row){p[i], 0, i, (int64_t)gen * 1000 + i, 10, 10};
	}
	if (route_index_build(r, 64, NULL, 0, &ix, err, sizeof(err)) < 0)
		printf("# build: %s\n", err);
	return ix;
}

static void test_table_basic(void)
{
	struct route_table *t = NULL;
	struct route_ref a, b, held[64];
	struct route_index *extra;
	int rc = 0, i;

	is_int(route_table_new(&t), 0, "table");
	route_table_acquire(t, &a);
	ok(a.ix == NULL, "an empty table lends no index");
	route_table_release(t, &a);
	is_int(route_table_swap(t, build_gen(1)), 0, "swap in generation 1");
	route_table_acquire(t, &a);
	is_int(trunk(a.ix, 0, "+1012345", NULL), 1000, "generation 1 answers");
	is_int(route_table_swap(t, build_gen(2)), 0, "swap in generation 2 while 1 is held");
	route_table_acquire(t, &b);
	is_int(trunk(b.ix, 0, "+1012345", NULL), 2000, "a new reader gets generation 2");
	is_int(trunk(a.ix, 0, "+1112345", NULL), 1001, "the old reader still reads generation 1");
	is_int(route_table_reclaim(t), 0, "nothing to reclaim while held");
	route_table_release(t, &a);
	is_int(route_table_reclaim(t), 1, "generation 1 reclaimed after its release");
	route_table_release(t, &b);

	/* Hold every older generation: the 64th swap has no slot left. */
	for (i = 0; i < 62 && rc == 0; i++) {
		route_table_acquire(t, &held[i]);
		rc = route_table_swap(t, build_gen(3 + i));
	}
	is_int(rc, 0, "62 more swaps while each old index is held");
	route_table_acquire(t, &held[i]);
	extra = build_gen(99);
	is_int(route_table_swap(t, extra), -EBUSY, "with 63 indexes held, swap says -EBUSY");
	route_table_release(t, &held[0]);
	is_int(route_table_swap(t, extra), 0, "after one release, the swap succeeds");
	for (int j = 1; j <= i; j++)
		route_table_release(t, &held[j]);
	is_int(route_table_reclaim(t), 62, "all the released ones are reclaimed");
	route_table_free(t);
}

struct reader {
	struct route_table *t;
	atomic_int *stop;
	atomic_long rounds;
	long torn, backwards, empty;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	long last = 0;
	char num[16];

	while (!atomic_load(r->stop)) {
		struct route_ref ref;
		long gen = -1;

		route_table_acquire(r->t, &ref);
		if (!ref.ix) {
			r->empty++;
			route_table_release(r->t, &ref);
			continue;
		}
		/* Every answer inside one acquire comes from one generation. */
		for (int i = 0; i < 64; i++) {
			long tr;

			snprintf(num, sizeof(num), "+%d123456", 10 + i);
			tr = trunk(ref.ix, 0, num, NULL);
			if (tr < 0 || tr % 1000 != i || (gen >= 0 && tr / 1000 != gen))
				r->torn++;
			gen = tr / 1000;
		}
		if (gen < last)
			r->backwards++;
		last = gen;
		route_table_release(r->t, &ref);
		atomic_fetch_add(&r->rounds, 1);
	}
	return NULL;
}

static void test_table_threads(void)
{
	enum {
		READERS = 2,
		SWAPS = 300
	};
	struct route_table *t = NULL;
	struct reader rd[READERS];
	pthread_t th[READERS];
	atomic_int stop;
	int fails = 0;

	atomic_init(&stop, 0);
	route_table_new(&t);
	route_table_swap(t, build_gen(1));
	for (int i = 0; i < READERS; i++) {
		rd[i] = (struct reader){.t = t, .stop = &stop};
		atomic_init(&rd[i].rounds, 0);
		pthread_create(&th[i], NULL, reader_main, &rd[i]);
	}
	/* Swap only once every reader is reading, however the scheduler runs
	 * them: the test is about overlap, not speed. */
	for (int i = 0; i < READERS; i++)
		while (atomic_load(&rd[i].rounds) == 0)
			sched_yield();
	for (int g = 2; g <= SWAPS; g++) {
		struct route_index *ix = build_gen(g);

		while (route_table_swap(t, ix) == -EBUSY)
			fails++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++) {
		pthread_join(th[i], NULL);
		ok(atomic_load(&rd[i].rounds) > 0, "reader %d made %ld rounds of 64 lookups during %d swaps", i,
		   atomic_load(&rd[i].rounds), SWAPS);
		is_int(rd[i].torn, 0, "reader %d saw no torn or mixed answers", i);
		is_int(rd[i].backwards, 0, "reader %d never went back to an older generation", i);
		is_int(rd[i].empty, 0, "reader %d never saw an empty table", i);
	}
	printf("# swaps that found every slot held: %d\n", fails);
	route_table_free(t); /* ASan's leak check: every generation freed */
}

int main(void)
{
	struct route_index *ix = build();

	if (ix) {
		test_longest_prefix(ix);
		test_targets(ix);
		test_customer_scope(ix);
		test_dids(ix);
		test_invalid(ix);
		route_index_free(ix);
	}
	test_builder_refuses();
	test_edges();
	test_wide_ids();
	test_random(600, 20000, 6, 3);
	test_random(6000, 3000, 8, 4);
	test_random(6000, 3000, 12, 2);
	test_random(20000, 2000, 15, 9);
	test_dense();
	test_table_basic();
	test_table_threads();
	return tap_done();
}
