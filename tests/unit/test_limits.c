/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the token bucket and call limits (gateway/limits.h), member
 * order and Retry-After holds (gateway/members.h). Time is passed in, so
 * nothing here depends on the clock. */
#include "config.h"

#include "db/directory.h"
#include "gateway/limits.h"
#include "gateway/members.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_bucket(void)
{
	struct gw_bucket b = {0};
	int n = 0;

	for (int i = 0; i < 10; i++)
		n += gw_bucket_take(&b, 3, 1000);
	is_int(n, 3, "rate 3: a burst of 3 at one instant");
	is_int(gw_bucket_take(&b, 3, 1200), 0, "200 ms later: 0.6 of a token, none");
	is_int(gw_bucket_take(&b, 3, 1334), 1, "334 ms later: one token back");
	is_int(gw_bucket_take(&b, 3, 1334), 0, "and only one");
	memset(&b, 0, sizeof(b));
	is_int(gw_bucket_take(&b, 0.5, 5000), 1, "rate 0.5: a burst of one");
	is_int(gw_bucket_take(&b, 0.5, 6000), 0, "1 s later: half a token");
	is_int(gw_bucket_take(&b, 0.5, 7000), 1, "2 s later: a token");
	memset(&b, 0, sizeof(b));
	is_int(gw_bucket_take(&b, 0, 1000), 0, "rate 0: nothing passes");
	is_int(gw_bucket_take(&b, 0, 900000), 0, "ever");
	n = 0;
	for (int i = 0; i < 1000; i++)
		n += gw_bucket_take(&b, -1, 1000);
	is_int(n, 1000, "rate < 0: no limit");
	memset(&b, 0, sizeof(b));
	gw_bucket_take(&b, 1, 10000);
	is_int(gw_bucket_take(&b, 1, 5000), 0, "a clock going back refills nothing");
	is_int(gw_bucket_take(&b, 1, 11000), 1, "and the next second does");
	/* a steady rate over a long run: rate 10 for 60 s at 1 ms steps */
	memset(&b, 0, sizeof(b));
	n = 0;
	for (int64_t t = 1; t <= 60000; t++)
		n += gw_bucket_take(&b, 10, t);
	ok(n >= 600 && n <= 610, "rate 10 over 60 s passes 600 + the burst (%d)", n);
	memset(&b, 0, sizeof(b));
	for (int i = 0; i < 20; i++)
		gw_bucket_take(&b, 20, 1000);
	is_int(gw_bucket_take(&b, 1, 100000), 1, "the rate lowered: the bucket holds at most the new burst");
	is_int(gw_bucket_take(&b, 1, 100000), 0, "(one)");
}

struct edges {
	int n, last_limited;
	enum gw_limit_kind kind;
	int64_t id;
	char why[64];
};

static void on_edge(void *arg, enum gw_limit_kind kind, int64_t id, int limited, const char *why)
{
	struct edges *e = arg;

	e->n++;
	e->kind = kind;
	e->id = id;
	e->last_limited = limited;
	snprintf(e->why, sizeof(e->why), "%s", why);
}

static void count_calls(void *arg, enum gw_limit_kind kind, int64_t id, unsigned calls, int limited)
{
	(void)kind, (void)id, (void)limited;
	*(unsigned *)arg += calls;
}

static void test_limits(void)
{
	struct gw_limits *l = NULL;
	struct edges e = {0};
	unsigned sum = 0;

	is_int(gw_limits_new(on_edge, &e, &l), 0, "limits table");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 7, 2, -1, 1000), 0, "trunk 7: call 1 of 2");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 7, 2, -1, 1000), 0, "call 2 of 2");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 7, 2, -1, 1000), -EBUSY, "call 3: -EBUSY");
	ok(e.n == 1 && e.last_limited && e.kind == GW_LIMIT_TRUNK && e.id == 7 && strcmp(e.why, "max_calls 2") == 0,
	   "one 'limited' edge naming max_calls");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 7, 2, -1, 1000), -EBUSY, "call 4: -EBUSY");
	is_int(e.n, 1, "no second edge while it stays limited");
	is_int(gw_limits_take(l, GW_LIMIT_CUSTOMER, 7, 1, -1, 1000), 0, "customer 7 is another entry");
	is_int(gw_limits_calls(l, GW_LIMIT_TRUNK, 7), 2, "trunk 7 has 2 calls");
	is_int((int)gw_limits_total(l), 3, "3 calls held in all");
	gw_limits_release(l, GW_LIMIT_TRUNK, 7);
	ok(e.n == 2 && !e.last_limited, "a call ended below max_calls: 'unlimited'");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 7, 2, -1, 1000), 0, "a call again");
	is_int(e.n, 2, "no edge for a call taken while not limited");
	gw_limits_release(l, GW_LIMIT_TRUNK, 7);
	gw_limits_release(l, GW_LIMIT_TRUNK, 7);
	gw_limits_release(l, GW_LIMIT_TRUNK, 7);
	gw_limits_release(l, GW_LIMIT_TRUNK, 99);
	is_int(gw_limits_calls(l, GW_LIMIT_TRUNK, 7), 0, "released more than taken: stays at 0");
	/* calls per second: -EAGAIN, no concurrency taken */
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 8, -1, 1, 5000), 0, "trunk 8, 1 cps: the burst of one");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 8, -1, 1, 5100), -EAGAIN, "100 ms later: -EAGAIN");
	ok(e.last_limited && e.id == 8 && strcmp(e.why, "max_cps 1.00") == 0, "'limited' by max_cps");
	gw_limits_release(l, GW_LIMIT_TRUNK, 8);
	ok(e.last_limited, "a call ending does not lift a cps limit");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 8, -1, 1, 6100), 0, "a second later: a call");
	ok(!e.last_limited && e.id == 8, "'unlimited' at the next call taken");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 9, 0, -1, 1000), -EBUSY, "max_calls 0: nothing passes");
	is_int(gw_limits_take(l, GW_LIMIT_TRUNK, 10, 1, 0, 1000), -EAGAIN, "max_cps 0: nothing passes");
	is_int(gw_limits_calls(l, GW_LIMIT_TRUNK, 10), 0, "a refused call holds nothing");
	gw_limits_release(l, GW_LIMIT_CUSTOMER, 7);
	gw_limits_release(l, GW_LIMIT_TRUNK, 8);
	gw_limits_foreach(l, count_calls, &sum);
	ok(sum == 0 && gw_limits_total(l) == 0, "every counter back at 0");
	/* many ids, to go through the hash's chains */
	for (int64_t id = 1; id <= 2000; id++)
		gw_limits_take(l, GW_LIMIT_CUSTOMER, id, 5, -1, 1000);
	is_int((int)gw_limits_total(l), 2000, "2000 customers, a call each");
	for (int64_t id = 2000; id >= 1; id--)
		gw_limits_release(l, GW_LIMIT_CUSTOMER, id);
	is_int((int)gw_limits_total(l), 0, "all given back");
	gw_limits_free(l);
}

/* A fixed sequence of "random" numbers, then a linear generator. */
static uint32_t seq_rand(void *arg)
{
	uint32_t *state = arg;

	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

static uint32_t zero_rand(void *arg)
{
	(void)arg;
	return 0;
}

static void test_order(void)
{
	/* sorted by priority, as the directory keeps them */
	const struct dir_member m[] = {
	    {1, 1, "a", 0, DIR_TRANSPORT_UDP, 10, 300}, {2, 1, "b", 0, DIR_TRANSPORT_UDP, 10, 100},
	    {3, 1, "c", 0, DIR_TRANSPORT_UDP, 10, 0},   {4, 1, "d", 0, DIR_TRANSPORT_UDP, 20, 50},
	    {5, 1, "e", 0, DIR_TRANSPORT_UDP, 20, 50},
	};
	size_t order[5];
	int first[5] = {0}, second_prio[5] = {0}, bad = 0;
	uint32_t st = 1;

	gw_members_order(m, 5, zero_rand, NULL, order);
	ok(order[0] == 0 && order[1] == 1 && order[2] == 2 && order[3] == 3 && order[4] == 4,
	   "draws of 0: the first of each priority, weight 0 last");
	for (int i = 0; i < 4000; i++) {
		int seen[5] = {0};

		gw_members_order(m, 5, seq_rand, &st, order);
		first[order[0]]++;
		second_prio[order[3]]++;
		for (int k = 0; k < 5; k++)
			seen[order[k]]++;
		for (int k = 0; k < 5; k++)
			bad += seen[k] != 1;
		/* priority 10 always before 20; weight 0 last of its priority */
		bad += order[2] != 2 || (order[3] != 3 && order[3] != 4);
	}
	is_int(bad, 0, "4000 orders: each a permutation, priorities kept, weight 0 last");
	ok(first[0] > 2700 && first[0] < 3300 && first[1] > 700 && first[1] < 1300 && first[2] == 0,
	   "weights 300:100: about 3000 and 1000 first (%d, %d)", first[0], first[1]);
	ok(second_prio[3] > 1700 && second_prio[4] > 1700, "equal weights share the lower priority (%d, %d)",
	   second_prio[3], second_prio[4]);
}

static int down_hook(void *arg, int64_t member_id)
{
	return member_id == *(int64_t *)arg;
}

static void test_holds(void)
{
	struct gw_members *ms = NULL;
	int64_t down = 0;

	is_int(gw_members_new(&ms), 0, "member state");
	is_int(gw_member_usable(ms, 1, 1000), 1, "a member with no history is usable");
	is_int(gw_members_hold(ms, 1, 4000), 0, "a 503 with Retry-After 3 s at 1000");
	is_int(gw_member_usable(ms, 1, 3999), 0, "held until 4000");
	is_int(gw_member_usable(ms, 2, 3999), 1, "another member is not");
	is_int((int)gw_members_held(ms, 3999), 1, "one held");
	is_int(gw_member_usable(ms, 1, 4000), 1, "usable again at 4000");
	is_int((int)gw_members_held(ms, 4000), 0, "the hold is gone");
	for (int64_t id = 1; id <= 100; id++)
		gw_members_hold(ms, id, 10000 + id);
	gw_members_hold(ms, 50, 20000);
	is_int((int)gw_members_held(ms, 5000), 100, "100 holds, a repeated one replaced");
	ok(gw_member_usable(ms, 49, 10050) && !gw_member_usable(ms, 50, 10050) && !gw_member_usable(ms, 51, 10050),
	   "each expires at its own time");
	gw_members_set_health(ms, down_hook, &down);
	down = 200;
	ok(!gw_member_usable(ms, 200, 30000) && gw_member_usable(ms, 201, 30000), "the health hook rules a member out");
	gw_members_set_health(ms, NULL, NULL);
	ok(gw_member_usable(ms, 200, 30000), "without it, usable");
	gw_members_free(ms);
}

int main(void)
{
	test_bucket();
	test_limits();
	test_order();
	test_holds();
	return tap_done();
}
