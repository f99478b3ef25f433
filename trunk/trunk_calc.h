/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trunk manager's arithmetic, apart from any I/O so that it can be
 * tested on its own: a member's health with hysteresis, the backoff
 * between REGISTER retries, and when a registration is refreshed. */
#ifndef TANDEM_TRUNK_CALC_H
#define TANDEM_TRUNK_CALC_H

#include <stdint.h>

enum trunk_health {
	TRUNK_HEALTH_UNKNOWN, /* no verdict yet (or pings off): calls may use it */
	TRUNK_HEALTH_UP,
	TRUNK_HEALTH_DOWN,
};

const char *trunk_health_name(enum trunk_health h);

/* Answers and failures in a row. A member becomes up after up_after
 * answers in a row and down after down_after failures in a row, from any
 * other state (unknown included); one result of the other kind starts the
 * count again. */
struct trunk_hyst {
	enum trunk_health state;
	unsigned answers, failures;
};

/* Count one ping result (alive 1 or 0). Returns 1 when the state changed. */
int trunk_hyst_feed(struct trunk_hyst *h, int alive, unsigned up_after, unsigned down_after);

/* The wait before retry number `failures` (1 for the first retry): min_ms
 * doubled per earlier failure, at most max_ms, then "equal jitter": half
 * of it fixed, the other half rnd-random (rnd: any 32-bit random value).
 * So the result is in [cap/2, cap] where cap = min(min_ms * 2^(failures-1),
 * max_ms); never 0. */
unsigned trunk_backoff_ms(unsigned failures, unsigned min_ms, unsigned max_ms, uint32_t rnd);

/* When to refresh a registration the registrar granted for granted_s
 * seconds: after half of it, or ten minutes before it runs out if that is
 * later (a long registration is not refreshed needlessly often), in ms;
 * at least 1 s. */
unsigned trunk_refresh_ms(unsigned granted_s);

#endif
