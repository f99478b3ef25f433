/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registrations in the database (the registrations table), so that any
 * node can reach a customer's registered PBX and a restart forgets none:
 * every binding a REGISTER makes or removes is written through the
 * store's queue (never waited for), and the whole table is read back every
 * [sip] registration_sync seconds and at start: other nodes' bindings
 * replace the ones read before, this node's own come back after a
 * restart. Loop thread only. */
#include "config.h"

#include "gateway/reg_store.h"

#include "common/log.h"
#include "gateway/loop.h"
#include "gateway/registrar.h"
#include "gateway/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gw_reg_store {
	struct gw_store *store;
	struct gw_registrar *reg;
	struct gw_timer *timer;
	char node[64];
	unsigned sync_ms;
	int reading; /* a read is queued: the next waits for it */
	unsigned long reads, loaded, writes;
};

static const char sql_upsert[] =
    "INSERT INTO registrations (customer_id, aor, contact, source, node, expires_at, target, transport, call_id, "
    "nat, registered_at) VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint), $7, $8, $9, $10, "
    "to_timestamp($11::bigint / 1000.0)) ON CONFLICT (aor, contact) DO UPDATE SET customer_id = EXCLUDED.customer_id, "
    "source = EXCLUDED.source, node = EXCLUDED.node, expires_at = EXCLUDED.expires_at, target = EXCLUDED.target, "
    "transport = EXCLUDED.transport, call_id = EXCLUDED.call_id, nat = EXCLUDED.nat, "
    "registered_at = EXCLUDED.registered_at";
static const char sql_delete[] = "DELETE FROM registrations WHERE aor = $1 AND contact = $2";
/* Expired rows go a day after (any node may; the index makes it cheap). */
static const char sql_read[] =
    "WITH gone AS (DELETE FROM registrations WHERE expires_at < now() - interval '1 day') "
    "SELECT customer_id, aor, contact, source, node, extract(epoch FROM expires_at)::bigint, target, transport, "
    "coalesce(call_id, ''), nat, (extract(epoch FROM registered_at) * 1000)::bigint FROM registrations "
    "WHERE expires_at > now() AND target IS NOT NULL";

static void rs_changed(void *arg, const struct gw_reg_binding *b, int removed)
{
	struct gw_reg_store *rs = arg;
	char cust[24], exp[24], at[24];

	rs->writes++;
	if (removed) {
		const char *p[2] = {b->aor, b->contact};

		gw_store_exec(rs->store, sql_delete, 2, p);
		return;
	}
	snprintf(cust, sizeof(cust), "%" PRId64, b->customer_id);
	snprintf(exp, sizeof(exp), "%lld", (long long)b->expires_at);
	snprintf(at, sizeof(at), "%" PRId64, b->registered_ms);
	const char *p[11] = {cust, b->aor,    b->contact,   b->source,  rs->node,
			     exp,  b->target, b->transport, b->call_id, b->nat ? "true" : "false",
			     at};
	gw_store_exec(rs->store, sql_upsert, 11, p);
}

static void rs_rows(void *arg, const struct gw_rows *rows)
{
	struct gw_reg_store *rs = arg;
	struct gw_reg_binding *list;
	int n;

	rs->reading = 0;
	if (!rows)
		return; /* refused or dropped: the next tick reads again */
	n = gw_rows_count(rows);
	list = calloc(n > 0 ? (size_t)n : 1, sizeof(*list));
	if (!list)
		return;
	for (int i = 0; i < n; i++) {
		struct gw_reg_binding *b = &list[i];
		const char *node = gw_rows_get(rows, i, 4);

		b->customer_id = strtoll(gw_rows_get(rows, i, 0), NULL, 10);
		snprintf(b->aor, sizeof(b->aor), "%s", gw_rows_get(rows, i, 1));
		snprintf(b->contact, sizeof(b->contact), "%s", gw_rows_get(rows, i, 2));
		snprintf(b->source, sizeof(b->source), "%s", gw_rows_get(rows, i, 3));
		snprintf(b->node, sizeof(b->node), "%s", strcmp(node, rs->node) == 0 ? "" : node);
		b->expires_at = (time_t)strtoll(gw_rows_get(rows, i, 5), NULL, 10);
		snprintf(b->target, sizeof(b->target), "%s", gw_rows_get(rows, i, 6));
		snprintf(b->transport, sizeof(b->transport), "%s", gw_rows_get(rows, i, 7));
		snprintf(b->call_id, sizeof(b->call_id), "%s", gw_rows_get(rows, i, 8));
		b->nat = strcmp(gw_rows_get(rows, i, 9), "t") == 0;
		b->registered_ms = strtoll(gw_rows_get(rows, i, 10), NULL, 10);
	}
	rs->reads++;
	rs->loaded += gw_reg_load(rs->reg, list, (size_t)n);
	free(list);
}

static void rs_tick(void *arg)
{
	struct gw_reg_store *rs = arg;

	if (!rs->reading && gw_store_query(rs->store, sql_read, 0, NULL, rs_rows, rs) == 0)
		rs->reading = 1;
	if (rs->sync_ms)
		gw_timer_start(rs->timer, rs->sync_ms);
}

int gw_reg_store_new(struct gw_loop *loop, struct gw_store *store, struct gw_registrar *reg, const char *node,
		     unsigned sync_s, struct gw_reg_store **out)
{
	struct gw_reg_store *rs = calloc(1, sizeof(*rs));
	int rc;

	*out = NULL;
	if (!rs)
		return -ENOMEM;
	rs->store = store;
	rs->reg = reg;
	rs->sync_ms = sync_s * 1000u;
	snprintf(rs->node, sizeof(rs->node), "%s", node);
	if ((rc = gw_timer_new(loop, rs_tick, rs, &rs->timer)) < 0) {
		free(rs);
		return rc;
	}
	gw_reg_set_hook(reg, rs_changed, rs);
	/* the first read waits in the store's queue until the database is up:
	 * this node's bindings from before a restart come back */
	rs_tick(rs);
	*out = rs;
	return 0;
}

void gw_reg_store_free(struct gw_reg_store *rs)
{
	if (!rs)
		return;
	gw_reg_set_hook(rs->reg, NULL, NULL);
	gw_timer_free(rs->timer);
	free(rs);
}

void gw_reg_store_stats(const struct gw_reg_store *rs, unsigned long *reads, unsigned long *loaded,
			unsigned long *writes)
{
	*reads = rs ? rs->reads : 0;
	*loaded = rs ? rs->loaded : 0;
	*writes = rs ? rs->writes : 0;
}
