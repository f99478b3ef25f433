/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Driver for tests/integration/route_load.sh: load the routing index from
 * the database in the libpq environment and check lookups (TAP). */
#include "config.h"

#include "db/route_index.h"
#include "db/route_load.h"
#include "db/session.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>

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

static void check_initial(const struct route_index *ix)
{
	struct route_stats st;
	struct route_match m;
	struct route_did d;
	unsigned len = 0;

	route_index_stats(ix, &st);
	is_int(st.routes, 6, "6 routes loaded (the 2 on a disabled trunk left out)");
	is_int(st.dids, 2, "2 DIDs loaded");
	is_int(trunk(ix, 0, "+442071234567", &len), 3, "+442071... -> pri-1 by +4420");
	is_int(len, 4, "4 digits matched");
	is_int(route_lookup(ix, 0, "+441611234567", &m), 0, "+4416... matches +44");
	ok(m.ntargets == 2 && m.targets[0].trunk_id == 2 && m.targets[1].trunk_id == 1,
	   "+44 has two targets, priority 10 (carrier-b) before 20 (carrier-a)");
	is_int(m.targets[0].route_id, 2, "targets carry routes.id");
	is_int(trunk(ix, 1, "+442071234567", NULL), 2, "acme's own +4420 wins for acme");
	is_int(trunk(ix, 2, "+442071234567", NULL), 3, "globex gets the global +4420");
	is_int(trunk(ix, 0, "+33123456789", &len), 1, "+33 on a disabled trunk: the default route");
	is_int(len, 0, "default route");
	is_int(route_lookup(ix, 2, "+4930123456", &m), 0, "globex's +49");
	ok(m.targets[0].trunk_id == 3 && m.targets[0].priority == 5 && m.targets[0].weight == 10 && m.customer_id == 2,
	   "globex's +49: trunk 3, priority 5, weight 10, scoped");
	is_int(trunk(ix, 1, "+4930123456", NULL), 1, "acme has no +49: default route");
	is_int(route_did_lookup(ix, "+442071230000", &d), 0, "DID +442071230000");
	ok(d.customer_id == 1 && d.target && strcmp(d.target, "sip:pbx@acme.example") == 0 && !d.fallback,
	   "belongs to acme, target sip:pbx@acme.example, no fallback");
	is_int(route_did_lookup(ix, "+4930123456", &d), 0, "DID +4930123456");
	ok(d.customer_id == 2 && !d.target && d.fallback && strcmp(d.fallback, "sip:vm@globex.example") == 0,
	   "belongs to globex, fallback only");
	is_int(route_did_lookup(ix, "+15551234567", &d), -ENOENT, "an unknown DID");
	is_int(route_lookup(ix, 0, "4420", &m), -EINVAL, "a number that is not E.164");
}

static void check_changed(const struct route_index *ix)
{
	struct route_did d;
	unsigned len = 0;

	is_int(trunk(ix, 0, "+33123456789", &len), 4, "the enabled trunk's +331 now routes");
	is_int(len, 3, "3 digits matched");
	is_int(trunk(ix, 1, "+442071234567", NULL), 3, "acme's deleted +4420: the global one");
	is_int(route_did_lookup(ix, "+4930123456", &d), -ENOENT, "the deleted DID is gone");
	is_int(route_did_lookup(ix, "+442071230000", &d), 0, "the other DID stays");
}

int main(int argc, char **argv)
{
	struct db_session *s = NULL;
	struct route_table *t = NULL;
	struct route_index *ix = NULL, *old = NULL;
	struct route_ref ref;
	char err[512] = "";
	int changed = argc > 1 && strcmp(argv[1], "changed") == 0;

	if (db_session_open("", &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "route_load_check: cannot connect: %s\n", err);
		return 1;
	}
	is_int(route_table_new(&t), 0, "a route table");
	if (changed) {
		/* What the daemon does on NOTIFY: an old index is current, the
		 * new one is loaded aside and swapped in. */
		is_int(route_index_build(NULL, 0, NULL, 0, &old, err, sizeof(err)), 0, "an old (empty) index");
		is_int(route_table_swap(t, old), 0, "is current");
	}
	is_int(route_load(s, &ix, err, sizeof(err)), 0, "route_load (%s)", err);
	if (ix) {
		is_int(route_table_swap(t, ix), 0, "the loaded index is swapped in");
		route_table_acquire(t, &ref);
		ok(ref.ix == ix, "and is what readers get");
		if (changed)
			check_changed(ref.ix);
		else
			check_initial(ref.ix);
		route_table_release(t, &ref);
	}
	route_table_free(t);
	db_session_close(s);
	return tap_done();
}
