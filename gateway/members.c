/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Member selection and Retry-After holds. The holds are a small array
 * (a carrier sends Retry-After from a few gateways at a time); expired
 * holds are dropped as they are met. */
#include "config.h"

#include "gateway/members.h"

#include "db/directory.h"

#include <errno.h>
#include <stdlib.h>

struct member_hold {
	int64_t member_id, until_ms;
};

struct gw_members {
	struct member_hold *hold;
	size_t nhold, chold;
	int (*down)(void *arg, int64_t member_id);
	void *down_arg;
};

int gw_members_new(struct gw_members **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void gw_members_free(struct gw_members *ms)
{
	if (!ms)
		return;
	free(ms->hold);
	free(ms);
}

void gw_members_set_health(struct gw_members *ms, int (*down)(void *arg, int64_t member_id), void *arg)
{
	ms->down = down;
	ms->down_arg = arg;
}

/* Drop the holds that have run out. */
static void members_expire(struct gw_members *ms, int64_t now_ms)
{
	size_t j = 0;

	for (size_t i = 0; i < ms->nhold; i++)
		if (ms->hold[i].until_ms > now_ms)
			ms->hold[j++] = ms->hold[i];
	ms->nhold = j;
}

int gw_members_hold(struct gw_members *ms, int64_t member_id, int64_t until_ms)
{
	for (size_t i = 0; i < ms->nhold; i++)
		if (ms->hold[i].member_id == member_id) {
			ms->hold[i].until_ms = until_ms;
			return 0;
		}
	if (ms->nhold == ms->chold) {
		size_t c = ms->chold ? ms->chold * 2 : 8;
		struct member_hold *h = reallocarray(ms->hold, c, sizeof(*h));

		if (!h)
			return -ENOMEM;
		ms->hold = h;
		ms->chold = c;
	}
	ms->hold[ms->nhold++] = (struct member_hold){member_id, until_ms};
	return 0;
}

int gw_member_usable(struct gw_members *ms, int64_t member_id, int64_t now_ms)
{
	members_expire(ms, now_ms);
	for (size_t i = 0; i < ms->nhold; i++)
		if (ms->hold[i].member_id == member_id)
			return 0;
	return !(ms->down && ms->down(ms->down_arg, member_id));
}

size_t gw_members_held(struct gw_members *ms, int64_t now_ms)
{
	members_expire(ms, now_ms);
	return ms->nhold;
}

void gw_members_order(const struct dir_member *m, size_t n, uint32_t (*rnd)(void *arg), void *arg, size_t *order)
{
	size_t out = 0;

	for (size_t first = 0; first < n;) {
		size_t end = first, left;
		uint64_t sum = 0;

		while (end < n && m[end].priority == m[first].priority)
			end++;
		/* this priority's weighted members are the pool order[out .. out+left) */
		left = 0;
		for (size_t i = first; i < end; i++)
			if (m[i].weight > 0) {
				order[out + left++] = i;
				sum += m[i].weight;
			}
		/* draw without replacement: each draw swaps its pick to the front */
		for (size_t k = 0; k < left; k++) {
			uint64_t r = sum ? (uint64_t)rnd(arg) % sum : 0, acc = 0;
			size_t pick = out + k;

			for (size_t j = out + k; j < out + left; j++) {
				acc += m[order[j]].weight;
				if (r < acc) {
					pick = j;
					break;
				}
			}
			size_t tmp = order[out + k];
			order[out + k] = order[pick];
			order[pick] = tmp;
			sum -= m[order[out + k]].weight;
		}
		out += left;
		for (size_t i = first; i < end; i++)
			if (m[i].weight == 0)
				order[out++] = i;
		first = end;
	}
}
