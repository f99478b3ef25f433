/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load the routing index from PostgreSQL through db/session.h. */
#include "config.h"

#include "db/route_load.h"

#include "db/route_index.h"
#include "db/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Routes of disabled trunks are left out: the trunk manager would refuse
 * them anyway, and hunting skips straight to a usable target. */
static const char route_sql[] = "SELECT r.prefix, coalesce(r.customer_id, 0), r.id, r.trunk_id, r.priority, r.weight"
				" FROM routes r JOIN trunks t ON t.id = r.trunk_id"
				" WHERE t.enabled";
static const char route_did_sql[] = "SELECT number, customer_id, target, fallback FROM dids";

struct route_load_ctx {
	struct route_builder *b;
	char *err;
	size_t errlen;
	int rc;
};

static int route_load_row(void *arg, int ncols, const char *const *v)
{
	struct route_load_ctx *c = arg;
	int64_t cust, id, trunk, prio, weight;

	if (ncols != 6 || db_text_int64(v[1], &cust) < 0 || db_text_int64(v[2], &id) < 0 ||
	    db_text_int64(v[3], &trunk) < 0 || db_text_int64(v[4], &prio) < 0 || db_text_int64(v[5], &weight) < 0 ||
	    prio < 0 || weight < 0) {
		c->rc = -EINVAL;
		snprintf(c->err, c->errlen, "routes: unexpected row for prefix \"%s\"", v[0] ? v[0] : "(null)");
		return 1;
	}
	c->rc = route_builder_add_route(c->b, v[0], cust, id, trunk, (unsigned)prio, (unsigned)weight);
	if (c->rc < 0) {
		snprintf(c->err, c->errlen, "routes: id %s, prefix \"%s\": %s", v[2], v[0] ? v[0] : "(null)",
			 strerror(-c->rc));
		return 1;
	}
	return 0;
}

static int route_load_did(void *arg, int ncols, const char *const *v)
{
	struct route_load_ctx *c = arg;
	int64_t cust;

	if (ncols != 4 || db_text_int64(v[1], &cust) < 0) {
		c->rc = -EINVAL;
		snprintf(c->err, c->errlen, "dids: unexpected row for \"%s\"", v[0] ? v[0] : "(null)");
		return 1;
	}
	c->rc = route_builder_add_did(c->b, v[0], cust, v[2], v[3]);
	if (c->rc < 0) {
		snprintf(c->err, c->errlen, "dids: \"%s\": %s", v[0] ? v[0] : "(null)", strerror(-c->rc));
		return 1;
	}
	return 0;
}

int route_load_into(struct db_session *s, struct route_builder *b, char *err, size_t errlen)
{
	struct route_load_ctx c = {b, err, errlen, 0};
	int rc;

	rc = db_session_rows(s, route_sql, 0, NULL, route_load_row, &c, err, errlen);
	if (rc > 0)
		rc = c.rc;
	if (rc < 0)
		return rc;
	rc = db_session_rows(s, route_did_sql, 0, NULL, route_load_did, &c, err, errlen);
	if (rc > 0)
		rc = c.rc;
	return rc;
}

int route_load(struct db_session *s, struct route_index **out, char *err, size_t errlen)
{
	struct route_builder *b = NULL;
	char dummy[256];
	int rc, began = 0;

	*out = NULL;
	if ((rc = route_builder_new(&b)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = db_session_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err, errlen);
	if (rc < 0)
		goto out;
	began = 1;
	if ((rc = route_load_into(s, b, err, errlen)) < 0)
		goto out;
	if ((rc = db_session_exec(s, "COMMIT", 0, NULL, err, errlen)) < 0)
		goto out;
	began = 0;
	rc = route_builder_build(b, out, err, errlen);
out:
	if (began)
		db_session_exec(s, "ROLLBACK", 0, NULL, dummy, sizeof(dummy));
	route_builder_free(b);
	return rc;
}
