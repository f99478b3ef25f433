/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hysteresis, backoff and refresh timing for the trunk manager. */
#include "config.h"

#include "trunk/trunk_calc.h"

const char *trunk_health_name(enum trunk_health h)
{
	switch (h) {
	case TRUNK_HEALTH_UNKNOWN:
		return "unknown";
	case TRUNK_HEALTH_UP:
		return "up";
	case TRUNK_HEALTH_DOWN:
		return "down";
	}
	return "?";
}

int trunk_hyst_feed(struct trunk_hyst *h, int alive, unsigned up_after, unsigned down_after)
{
	enum trunk_health old = h->state;

	if (alive) {
		h->failures = 0;
		if (h->answers < up_after)
			h->answers++;
		if (h->answers >= up_after)
			h->state = TRUNK_HEALTH_UP;
	} else {
		h->answers = 0;
		if (h->failures < down_after)
			h->failures++;
		if (h->failures >= down_after)
			h->state = TRUNK_HEALTH_DOWN;
	}
	return h->state != old;
}

unsigned trunk_backoff_ms(unsigned failures, unsigned min_ms, unsigned max_ms, uint32_t rnd)
{
	uint64_t cap = min_ms ? min_ms : 1;
	unsigned half, ms;

	if (max_ms < cap)
		max_ms = (unsigned)cap;
	for (unsigned i = 1; i < failures && cap < max_ms; i++)
		cap *= 2;
	if (cap > max_ms)
		cap = max_ms;
	half = (unsigned)(cap / 2);
	ms = half + (unsigned)(rnd % ((uint32_t)(cap - half) + 1));
	return ms ? ms : 1;
}

unsigned trunk_refresh_ms(unsigned granted_s)
{
	uint64_t half = granted_s / 2, margin = granted_s > 600 ? granted_s - 600 : 0;
	uint64_t s = half > margin ? half : margin;

	if (s < 1)
		s = 1;
	return s > 4000000 ? 4000000000u : (unsigned)(s * 1000);
}
