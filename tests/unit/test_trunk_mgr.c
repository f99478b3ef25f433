/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trunk manager's arithmetic: health hysteresis, REGISTER backoff
 * with jitter, refresh timing, and the status lists of [trunks]
 * alive_codes. */
#include "config.h"

#include "common/codes.h"
#include "tests/tap.h"
#include "trunk/trunk_calc.h"

#include <stdint.h>

static void test_hysteresis(void)
{
	struct trunk_hyst h = {0};
	int changed;

	is_int(h.state, TRUNK_HEALTH_UNKNOWN, "a new member's health is unknown");
	changed = trunk_hyst_feed(&h, 1, 2, 3);
	ok(!changed && h.state == TRUNK_HEALTH_UNKNOWN, "one answer of two needed: still unknown");
	changed = trunk_hyst_feed(&h, 1, 2, 3);
	ok(changed && h.state == TRUNK_HEALTH_UP, "the second answer in a row: up, reported as a change");
	ok(!trunk_hyst_feed(&h, 1, 2, 3) && h.state == TRUNK_HEALTH_UP, "more answers: up, no change");
	trunk_hyst_feed(&h, 0, 2, 3);
	trunk_hyst_feed(&h, 0, 2, 3);
	is_int(h.state, TRUNK_HEALTH_UP, "two failures of three needed: still up");
	trunk_hyst_feed(&h, 1, 2, 3);
	trunk_hyst_feed(&h, 0, 2, 3);
	trunk_hyst_feed(&h, 0, 2, 3);
	is_int(h.state, TRUNK_HEALTH_UP, "an answer in between starts the failure count again");
	changed = trunk_hyst_feed(&h, 0, 2, 3);
	ok(changed && h.state == TRUNK_HEALTH_DOWN, "the third failure in a row: down");
	trunk_hyst_feed(&h, 1, 2, 3);
	trunk_hyst_feed(&h, 0, 2, 3);
	trunk_hyst_feed(&h, 1, 2, 3);
	is_int(h.state, TRUNK_HEALTH_DOWN, "answers not in a row do not bring it up");
	changed = trunk_hyst_feed(&h, 1, 2, 3);
	ok(changed && h.state == TRUNK_HEALTH_UP, "two answers in a row: up again");

	h = (struct trunk_hyst){0};
	ok(trunk_hyst_feed(&h, 0, 1, 1) && h.state == TRUNK_HEALTH_DOWN, "thresholds of 1: one failure is down");
	ok(trunk_hyst_feed(&h, 1, 1, 1) && h.state == TRUNK_HEALTH_UP, "thresholds of 1: one answer is up");
	h = (struct trunk_hyst){0};
	for (int i = 0; i < 1000; i++)
		trunk_hyst_feed(&h, 0, 2, 3);
	is_int(h.failures, 3, "the failure count stops at the threshold (no overflow)");
}

static void test_backoff(void)
{
	unsigned lo, hi, prev_cap = 0;
	int in_range = 1, grows = 1, capped = 1, varies = 0;

	/* rnd 0 gives the lower bound (cap/2), rnd UINT32_MAX some value up to cap */
	for (unsigned f = 1; f <= 12; f++) {
		unsigned cap = 1000u << (f - 1 < 20 ? f - 1 : 20);

		if (cap > 60000)
			cap = 60000;
		lo = trunk_backoff_ms(f, 1000, 60000, 0);
		hi = lo;
		for (uint32_t r = 1; r < 5000; r += 7) {
			unsigned ms = trunk_backoff_ms(f, 1000, 60000, r * 2654435761u);

			if (ms < cap / 2 || ms > cap)
				in_range = 0;
			if (ms != lo)
				varies = 1;
			if (ms > hi)
				hi = ms;
		}
		if (lo != cap / 2)
			in_range = 0;
		if (cap < prev_cap)
			grows = 0;
		if (hi > 60000)
			capped = 0;
		prev_cap = cap;
	}
	ok(in_range, "every wait is in [cap/2, cap], cap = min(1 s * 2^(n-1), 60 s)");
	ok(grows, "the cap doubles per failure");
	ok(capped, "never above retry_max");
	ok(varies, "jitter: different random values give different waits");
	is_int(trunk_backoff_ms(1, 1000, 60000, 0), 500, "first retry, lowest jitter: 500 ms");
	is_int(trunk_backoff_ms(1, 1000, 60000, 500), 1000, "first retry, highest jitter: 1000 ms");
	is_int(trunk_backoff_ms(3, 1000, 60000, 0), 2000, "third retry: cap 4 s, at least 2 s");
	is_int(trunk_backoff_ms(40, 1000, 60000, 0), 30000, "many failures: cap 60 s, at least 30 s");
	is_int(trunk_backoff_ms(4000000000u, 5000, 300000, 0), 150000, "no overflow with a huge failure count");
	ok(trunk_backoff_ms(1, 1, 1, 0) >= 1, "never 0 ms");
	is_int(trunk_backoff_ms(2, 5000, 1000, 0), 2500, "retry_max below retry_min: retry_min wins");
}

static void test_refresh(void)
{
	is_int(trunk_refresh_ms(60), 30000, "60 s granted: refresh at half, 30 s");
	is_int(trunk_refresh_ms(1200), 600000, "1200 s: half and expiry-10 min agree");
	is_int(trunk_refresh_ms(3600), 3000000, "3600 s: ten minutes before expiry");
	is_int(trunk_refresh_ms(1), 1000, "1 s granted: at least 1 s");
	is_int(trunk_refresh_ms(0), 1000, "0 s: at least 1 s");
}

static void test_codes(void)
{
	struct sip_codes set;
	char why[160];

	ok(sip_codes_parse("2xx,3xx,4xx,5xx,6xx,!408,!503", &set, why, sizeof(why)) == 0, "the default parses");
	ok(sip_codes_has(&set, 200) && sip_codes_has(&set, 404) && sip_codes_has(&set, 486) &&
	       sip_codes_has(&set, 500) && sip_codes_has(&set, 603),
	   "default: 200, 404, 486, 500, 603 are alive");
	ok(!sip_codes_has(&set, 408) && !sip_codes_has(&set, 503), "default: 408 and 503 are not");
	ok(!sip_codes_has(&set, 100) && !sip_codes_has(&set, 180) && !sip_codes_has(&set, 700),
	   "provisional and out-of-range statuses are not");
	ok(sip_codes_parse("!200, 200-299 ,486", &set, why, sizeof(why)) == 0, "spaces, exclusion first");
	ok(!sip_codes_has(&set, 200) && sip_codes_has(&set, 202) && sip_codes_has(&set, 486) &&
	       !sip_codes_has(&set, 404),
	   "exclusions apply after inclusions wherever they stand");
	ok(sip_codes_parse("200,abc", &set, why, sizeof(why)) < 0 && strstr(why, "\"abc\""), "a bad item is named");
	ok(sip_codes_parse("700", &set, why, sizeof(why)) < 0, "700 is refused");
	ok(sip_codes_parse("499-400", &set, why, sizeof(why)) < 0, "a backward range is refused");
	ok(sip_codes_parse("", &set, why, sizeof(why)) < 0, "an empty list is refused");
	ok(sip_codes_parse("2000", &set, why, sizeof(why)) < 0, "four digits are refused");
}

int main(void)
{
	test_hysteresis();
	test_backoff();
	test_refresh();
	test_codes();
	return tap_done();
}
