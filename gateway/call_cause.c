/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Causes <-> statuses for one call, with the per-trunk overrides of
 * RFC 3398's tables (cause_maps, docs/mapping.md). The trunk whose map
 * applies is the egress trunk in hand (the PRI carrier whose DISCONNECT
 * is mapped, or the SIP carrier whose status is), else the PRI trunk the
 * call came in on (its DID target's status mapped to a DISCONNECT). */
#include "config.h"

#include "gateway/call_int.h"

#include "db/directory.h"
#include "gateway/cause.h"
#include "gateway/directory.h"
#include "gateway/spans.h"

#include <stddef.h>

static int64_t map_trunk(const struct call *c, const struct dir_snapshot *snap)
{
	const struct dir_trunk *tr;

	if (c->trunk_id)
		return c->trunk_id;
	if (c->a.kind == LEG_PRI && c->ingress[0] && (tr = dir_trunk_by_name(snap, c->ingress)))
		return tr->id;
	return 0;
}

/* The trunk's map for one direction; NULL (the defaults) when it has no
 * rows or memory is short. The caller frees it. */
static struct cause_map *call_map(const struct call *c, enum dir_cause_direction dir)
{
	const struct dir_snapshot *snap = gw_directory_current(c->calls->dir);
	const struct dir_cause_row *rows;
	struct cause_map *m = NULL;
	int64_t trunk = snap ? map_trunk(c, snap) : 0;
	size_t n = trunk ? dir_cause_rows(snap, trunk, &rows) : 0;

	for (size_t i = 0; i < n; i++) {
		if (rows[i].direction != dir)
			continue;
		if (!m && cause_map_new(&m) < 0)
			return NULL;
		/* the loader refused conflicting rows already */
		(void)cause_map_add(m, dir == DIR_Q850_TO_SIP ? CAUSE_Q850_TO_SIP : CAUSE_SIP_TO_Q850,
				    (int)rows[i].q850_cause, (int)rows[i].sip_status);
	}
	return m;
}

int call_cause_status(const struct call *c, int cause)
{
	struct cause_map *m = call_map(c, DIR_Q850_TO_SIP);
	int status = cause_to_sip_final(m, cause);

	cause_map_free(m);
	return status;
}

int call_cause_of(const struct call *c, int status)
{
	struct cause_map *m = call_map(c, DIR_SIP_TO_Q850);
	int cause = cause_from_sip(m, status);

	cause_map_free(m);
	return cause;
}
