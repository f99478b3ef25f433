/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl route test NUMBER [--customer NAME]: which trunks a call to
 * NUMBER would try, in order, and why. The decision is the daemon's own:
 * the routes whose prefix starts NUMBER (only those are read) go into the
 * routing index library (db/route_index.h) exactly as route_load() puts
 * them there, and route_lookup() picks. The rows it did not pick are
 * listed with the reason. */
#include "config.h"

#include "common/ctl.h"
#include "db/route_index.h"
#include "db/session.h"
#include "gateway/numbers.h"
#include "provisioning/prov.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns of the route query. */
enum {
	RT_ID,
	RT_PREFIX,
	RT_CUST,
	RT_TRUNK_ID,
	RT_TRUNK,
	RT_PRIO,
	RT_WEIGHT,
	RT_ENABLED,
	RT_MEMBERS,
	RT_NCOLS
};

/* Every route whose prefix starts the number, for the customer or global,
 * with its trunk's state and members (a PRI trunk's spans). $1 is the
 * number's prefixes as an array, longest first. */
static const char rt_sql[] =
    "SELECT r.id, r.prefix, coalesce(r.customer_id, 0), r.trunk_id, t.name, r.priority, r.weight,"
    " t.enabled, CASE WHEN t.kind = 'pri' THEN 'spans: ' || coalesce((SELECT string_agg(s.name, ' ' ORDER BY"
    " s.name) FROM spans s WHERE s.trunk_id = t.id), 'none') ELSE coalesce((SELECT string_agg(m.host ||"
    " coalesce(':' || m.port, '') || '/' || m.transport || ' p' || m.priority || ' w' || m.weight, ' '"
    " ORDER BY m.priority, m.id) FROM trunk_members m WHERE m.trunk_id = t.id), 'no members') END"
    " FROM routes r JOIN trunks t ON t.id = r.trunk_id"
    " WHERE r.prefix = ANY ($1::text[]) AND (r.customer_id IS NULL OR r.customer_id = $2::bigint)"
    " ORDER BY length(r.prefix) DESC, r.customer_id NULLS LAST, r.priority, r.trunk_id";

int prov_route_test(struct prov_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"customer", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	static const char *const
	    tcols[] = {"try", "trunk", "prefix", "scope", "priority", "weight", "share", "members"},
	    *const ucols[] = {"trunk", "prefix", "scope", "priority", "why not"}, *const kv[] = {"field", "value"};
	const char *what = "route test", *number, *customer = NULL;
	char cid[32] = "0", arr[300], err[256];
	struct prov_rows r = {0};
	struct db_session *s = NULL;
	struct route_builder *b = NULL;
	struct route_index *ix = NULL;
	struct route_match m;
	int c, rc = 0, lrc;

	optind = 0; /* glibc starts afresh (see cmd_number.c) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c')
			return prov_usage(what, "unknown option \"%s\"", argv[optind - 1]);
		customer = optarg;
	}
	if (argc - optind != 1)
		return prov_usage(what, argc - optind < 1 ? "missing the number" : "one number only");
	number = argv[optind];
	if (!num_is_e164(number))
		return prov_refuse(what, "number", number,
				   "is not E.164 ('+', a country code not starting with 0, 2 to 15 digits in all)");
	if (prov_open(ctx, &s) < 0)
		return PROV_REFUSED;
	if (customer)
		rc = prov_id(s, what, "customer", customer, cid, sizeof(cid));

	/* {"+4420794","+442079",...,"+"}: the only prefixes that can match. */
	size_t len = strlen(number), n = 0;
	n += (size_t)snprintf(arr + n, sizeof(arr) - n, "{");
	for (size_t l = len; l >= 1; l--)
		n += (size_t)snprintf(arr + n, sizeof(arr) - n, "%s\"%.*s\"", l == len ? "" : ",", (int)l, number);
	snprintf(arr + n, sizeof(arr) - n, "}");
	const char *p[] = {arr, cid};
	if (!rc)
		rc = prov_rows_query(s, what, &r, rt_sql, 2, p);
	if (!rc && route_builder_new(&b) < 0)
		rc = PROV_REFUSED;
	/* The daemon's loader leaves disabled trunks out (db/route_load.c). */
	for (size_t i = 0; !rc && i < r.n / RT_NCOLS; i++) {
		char **v = r.cells + i * RT_NCOLS;
		if (strcmp(v[RT_ENABLED], "t") != 0)
			continue;
		if (route_builder_add_route(b, v[RT_PREFIX], strtoll(v[RT_CUST], NULL, 10), strtoll(v[RT_ID], NULL, 10),
					    strtoll(v[RT_TRUNK_ID], NULL, 10), (unsigned)atoi(v[RT_PRIO]),
					    (unsigned)atoi(v[RT_WEIGHT])) < 0)
			rc = PROV_REFUSED;
	}
	if (!rc && route_builder_build(b, &ix, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: %s: %s\n", what, err);
		rc = PROV_REFUSED;
	}
	if (rc) {
		route_builder_free(b);
		prov_rows_free(&r);
		db_session_close(s);
		return rc == PROV_USAGE ? rc : PROV_REFUSED;
	}
	lrc = route_lookup(ix, strtoll(cid, NULL, 10), number, &m);

	/* The tries in the index's order, then every other row and why. */
	size_t nrows = r.n / RT_NCOLS, ntry = 0, nun = 0;
	char **tcells = calloc(nrows * 8 + 1, sizeof(char *)), **ucells = calloc(nrows * 5 + 1, sizeof(char *));
	char(*num)[2][24] = calloc(nrows + 1, sizeof(*num));
	bool *used = calloc(nrows + 1, sizeof(bool));
	char decision[256];

	if (!tcells || !ucells || !num || !used) {
		fprintf(stderr, "tandemctl: %s: out of memory\n", what);
		rc = PROV_REFUSED;
		goto out;
	}
	if (lrc == 0) {
		const char *matched = NULL, *scope = m.customer_id ? customer : "global";
		unsigned group = 0, prev = 0;
		for (size_t t = 0; t < m.ntargets; t++) {
			const struct route_target *rt = &m.targets[t];
			unsigned sum = 0;
			for (size_t k = 0; k < m.ntargets; k++)
				if (m.targets[k].priority == rt->priority)
					sum += m.targets[k].weight;
			if (t == 0 || rt->priority != prev)
				group++;
			prev = rt->priority;
			for (size_t i = 0; i < nrows; i++) {
				char **v = r.cells + i * RT_NCOLS;
				if (strtoll(v[RT_ID], NULL, 10) != rt->route_id)
					continue;
				used[i] = true;
				matched = v[RT_PREFIX];
				snprintf(num[i][0], sizeof(num[i][0]), "%u", group);
				snprintf(num[i][1], sizeof(num[i][1]), "%u%%",
					 sum ? (unsigned)((rt->weight * 100u + sum / 2) / sum) : 100u);
				char **tc = tcells + ntry++ * 8;
				tc[0] = num[i][0];
				tc[1] = v[RT_TRUNK];
				tc[2] = v[RT_PREFIX];
				tc[3] = (char *)scope;
				tc[4] = v[RT_PRIO];
				tc[5] = v[RT_WEIGHT];
				tc[6] = num[i][1];
				tc[7] = v[RT_MEMBERS];
			}
		}
		snprintf(decision, sizeof(decision), "longest match %s (%s%s), %zu trunk%s in %u priorit%s",
			 matched ? matched : "?", m.customer_id ? "customer " : "",
			 m.customer_id ? customer : "global route", m.ntargets, m.ntargets == 1 ? "" : "s", group,
			 group == 1 ? "y" : "ies");
	} else {
		snprintf(decision, sizeof(decision), "no route: the call is refused (404, cause 3)");
	}
	for (size_t i = 0; i < nrows; i++) {
		char **v = r.cells + i * RT_NCOLS;
		bool scoped = strcmp(v[RT_CUST], "0") != 0;
		if (used[i])
			continue;
		char **uc = ucells + nun++ * 5;
		uc[0] = v[RT_TRUNK];
		uc[1] = v[RT_PREFIX];
		uc[2] = scoped ? (char *)customer : "global";
		uc[3] = v[RT_PRIO];
		uc[4] = strcmp(v[RT_ENABLED], "t") != 0 ? "trunk disabled"
			: lrc == 0 && strlen(v[RT_PREFIX]) < m.prefix_len + 1u
			    ? "a longer prefix matched"
			    : "the customer's own route of this length wins";
	}
	char *kvcells[] = {"number",   (char *)number,
			   "customer", customer ? (char *)customer : "(none: global routes only)",
			   "decision", decision};
	struct ctl_table t[3] = {
	    {"route", 2, 3, (char **)kv, kvcells},
	    {"tries", 8, ntry, (char **)tcols, tcells},
	    {"not_used", 5, nun, (char **)ucols, ucells},
	};
	prov_print_tables(ctx, t, 3);
	rc = lrc == 0 ? PROV_OK : PROV_REFUSED;
out:
	free(tcells);
	free(ucells);
	free(num);
	free(used);
	route_index_free(ix);
	route_builder_free(b);
	prov_rows_free(&r);
	db_session_close(s);
	return rc;
}
