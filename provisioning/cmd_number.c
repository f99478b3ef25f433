/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl did add|set|del|list and route add|set|del|list: the numbers a
 * call decision reads. Values are checked here first, so the operator is
 * told which field is wrong and why; the database's own constraints
 * (db/migrations/001_core.sql) still refuse whatever slips past. Every
 * change fires the directory trigger (002_notify), so running daemons
 * route the next call by it without a restart. */
#include "config.h"

#include "db/session.h"
#include "gateway/numbers.h"
#include "provisioning/prov.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The options these commands take; each command allows some of them. */
enum {
	OPT_CUSTOMER = 1 << 0,
	OPT_TARGET = 1 << 1,
	OPT_FALLBACK = 1 << 2,
	OPT_TRUNK = 1 << 3,
	OPT_PRIORITY = 1 << 4,
	OPT_WEIGHT = 1 << 5,
	OPT_NO_TARGET = 1 << 6,
	OPT_NO_FALLBACK = 1 << 7,
};

struct num_opts {
	const char *what; /* "did add": for messages */
	const char *arg;  /* the one positional argument (number or prefix), or NULL */
	const char *customer, *target, *fallback, *trunk, *priority, *weight;
	bool no_target, no_fallback;
};

static int num_usage(const struct num_opts *o, const char *why, const char *arg)
{
	fprintf(stderr, "tandemctl: %s: %s%s%s%s (tandemctl %s --help)\n", o->what, why, arg ? " \"" : "",
		arg ? arg : "", arg ? "\"" : "", o->what);
	return PROV_USAGE;
}

/* Parse argv (argv[0] is the subcommand) into o: only the options in
 * allowed, and exactly npos positional arguments (0 or 1). */
static int num_parse(int argc, char **argv, unsigned allowed, int npos, struct num_opts *o)
{
	static const struct option opts[] = {
	    {"customer", required_argument, NULL, OPT_CUSTOMER},
	    {"target", required_argument, NULL, OPT_TARGET},
	    {"fallback", required_argument, NULL, OPT_FALLBACK},
	    {"trunk", required_argument, NULL, OPT_TRUNK},
	    {"priority", required_argument, NULL, OPT_PRIORITY},
	    {"weight", required_argument, NULL, OPT_WEIGHT},
	    {"no-target", no_argument, NULL, OPT_NO_TARGET},
	    {"no-fallback", no_argument, NULL, OPT_NO_FALLBACK},
	    {NULL, 0, NULL, 0},
	};
	int c;

	/* 0, not 1: glibc then starts afresh, permuting again (main()'s
	 * getopt stopped at the command with '+'). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?' || !((unsigned)c & allowed))
			return num_usage(o, "unknown option", argv[optind - 1]);
		switch (c) {
		case OPT_CUSTOMER:
			o->customer = optarg;
			break;
		case OPT_TARGET:
			o->target = optarg;
			break;
		case OPT_FALLBACK:
			o->fallback = optarg;
			break;
		case OPT_TRUNK:
			o->trunk = optarg;
			break;
		case OPT_PRIORITY:
			o->priority = optarg;
			break;
		case OPT_WEIGHT:
			o->weight = optarg;
			break;
		case OPT_NO_TARGET:
			o->no_target = true;
			break;
		case OPT_NO_FALLBACK:
			o->no_fallback = true;
			break;
		}
	}
	if (argc - optind < npos)
		return num_usage(o, "missing argument", NULL);
	if (npos)
		o->arg = argv[optind++];
	if (optind < argc)
		return num_usage(o, "unexpected argument", argv[optind]);
	return 0;
}

static int num_refuse(const struct num_opts *o, const char *field, const char *value, const char *why)
{
	fprintf(stderr, "tandemctl: %s: %s \"%s\" %s\n", o->what, field, value, why);
	return PROV_REFUSED;
}

static int num_check_number(const struct num_opts *o)
{
	if (!num_is_e164(o->arg))
		return num_refuse(o, "number", o->arg,
				  "is not E.164 ('+', a country code not starting with 0, 2 to 15 digits in all)");
	return 0;
}

/* '+' and at most 15 digits: '+' alone is the default route. */
static int num_check_prefix(const struct num_opts *o)
{
	size_t n = strspn(o->arg + (o->arg[0] == '+'), "0123456789");

	if (o->arg[0] != '+' || o->arg[1 + n] || n > 15)
		return num_refuse(o, "prefix", o->arg, "is not an E.164 prefix ('+' and up to 15 digits)");
	return 0;
}

/* A SIP or SIPS URI without spaces or control characters. */
static int num_check_uri(const struct num_opts *o, const char *field, const char *v)
{
	if (!v)
		return 0;
	if (strncmp(v, "sip:", 4) != 0 && strncmp(v, "sips:", 5) != 0)
		return num_refuse(o, field, v, "is not a SIP URI (sip:... or sips:...)");
	if (strlen(v) > 512)
		return num_refuse(o, field, v, "is longer than 512 characters");
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return num_refuse(o, field, v, "contains a space or a control character");
	return 0;
}

static int num_check_u16(const struct num_opts *o, const char *field, const char *v)
{
	char *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 0 || n > 65535)
		return num_refuse(o, field, v, "must be a whole number from 0 to 65535");
	return 0;
}

/* The id of the row of table (customers or trunks) named name into id;
 * PROV_REFUSED with a message when there is none. */
static int num_id(struct db_session *s, const struct num_opts *o, const char *field, const char *name, char *id,
		  size_t idlen)
{
	const char *params[] = {name};
	const char *sql = strcmp(field, "trunk") == 0 ? "SELECT id FROM trunks WHERE name = $1"
						      : "SELECT id FROM customers WHERE name = $1";
	char err[512];

	if (db_session_value(s, sql, 1, params, id, idlen, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: %s: %s\n", o->what, err);
		return PROV_REFUSED;
	}
	if (!id[0])
		return num_refuse(o, field, name, "does not exist");
	return 0;
}

/* Run one statement; a database refusal is reported with its message. */
static int num_exec(struct db_session *s, const struct num_opts *o, const char *sql, int n, const char *const *params,
		    char *val, size_t vallen)
{
	char err[512], dummy[8];

	if (db_session_value(s, sql, n, params, val ? val : dummy, val ? vallen : sizeof(dummy), err, sizeof(err)) <
	    0) {
		fprintf(stderr, "tandemctl: %s: the database refused it: %s\n", o->what, err);
		return PROV_REFUSED;
	}
	return 0;
}

/* Common start: parse, check, connect. */
static int num_begin(struct prov_ctx *ctx, const char *what, int argc, char **argv, unsigned allowed, int npos,
		     int (*check)(const struct num_opts *), struct num_opts *o, struct db_session **s)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->what = what;
	*s = NULL;
	rc = num_parse(argc, argv, allowed, npos, o);
	if (!rc && check)
		rc = check(o);
	if (!rc)
		rc = num_check_uri(o, "target", o->target);
	if (!rc)
		rc = num_check_uri(o, "fallback", o->fallback);
	if (!rc)
		rc = num_check_u16(o, "priority", o->priority);
	if (!rc)
		rc = num_check_u16(o, "weight", o->weight);
	if (!rc && prov_open(ctx, s) < 0)
		rc = PROV_REFUSED;
	return rc;
}

static int num_end(struct db_session *s, int rc)
{
	db_session_close(s);
	return rc;
}

int prov_did_add(struct prov_ctx *ctx, int argc, char **argv)
{
	struct num_opts o;
	struct db_session *s;
	char cid[32], owner[128];
	int rc = num_begin(ctx, "did add", argc, argv, OPT_CUSTOMER | OPT_TARGET | OPT_FALLBACK, 1, num_check_number,
			   &o, &s);

	if (rc)
		return num_end(s, rc);
	if (!o.customer) {
		fprintf(stderr, "tandemctl: did add: --customer is required\n");
		return num_end(s, PROV_USAGE);
	}
	if ((rc = num_id(s, &o, "customer", o.customer, cid, sizeof(cid))))
		return num_end(s, rc);
	const char *num[] = {o.arg};
	if ((rc = num_exec(s, &o,
			   "SELECT c.name FROM dids d JOIN customers c ON c.id = d.customer_id WHERE d.number = $1", 1,
			   num, owner, sizeof(owner))))
		return num_end(s, rc);
	if (owner[0]) {
		fprintf(stderr,
			"tandemctl: did add: number \"%s\" is already a DID (customer %s); did set changes it\n", o.arg,
			owner);
		return num_end(s, PROV_REFUSED);
	}
	const char *p[] = {o.arg, cid, o.target, o.fallback};
	rc = num_exec(s, &o, "INSERT INTO dids (number, customer_id, target, fallback) VALUES ($1, $2, $3, $4)", 4, p,
		      NULL, 0);
	if (!rc)
		printf("did %s added for customer %s\n", o.arg, o.customer);
	return num_end(s, rc);
}

int prov_did_set(struct prov_ctx *ctx, int argc, char **argv)
{
	struct num_opts o;
	struct db_session *s;
	char cid[32] = "", got[64];
	int rc = num_begin(ctx, "did set", argc, argv,
			   OPT_CUSTOMER | OPT_TARGET | OPT_FALLBACK | OPT_NO_TARGET | OPT_NO_FALLBACK, 1,
			   num_check_number, &o, &s);

	if (rc)
		return num_end(s, rc);
	if ((o.target && o.no_target) || (o.fallback && o.no_fallback)) {
		fprintf(stderr, "tandemctl: did set: --target/--fallback and their --no- forms exclude each other\n");
		return num_end(s, PROV_USAGE);
	}
	if (o.customer && (rc = num_id(s, &o, "customer", o.customer, cid, sizeof(cid))))
		return num_end(s, rc);
	/* NULL parameters leave a column as it is; the flags clear them. */
	const char *p[] = {o.arg,      cid[0] ? cid : NULL,      o.target, o.no_target ? "t" : "f",
			   o.fallback, o.no_fallback ? "t" : "f"};
	rc = num_exec(s, &o,
		      "UPDATE dids SET customer_id = coalesce($2::bigint, customer_id),"
		      " target = CASE WHEN $4::boolean THEN NULL ELSE coalesce($3, target) END,"
		      " fallback = CASE WHEN $6::boolean THEN NULL ELSE coalesce($5, fallback) END"
		      " WHERE number = $1 RETURNING number",
		      6, p, got, sizeof(got));
	if (!rc && !got[0])
		rc = num_refuse(&o, "number", o.arg, "is not a DID (did add creates it)");
	if (!rc)
		printf("did %s changed\n", o.arg);
	return num_end(s, rc);
}

int prov_did_del(struct prov_ctx *ctx, int argc, char **argv)
{
	struct num_opts o;
	struct db_session *s;
	char got[64];
	int rc = num_begin(ctx, "did del", argc, argv, 0, 1, num_check_number, &o, &s);

	if (rc)
		return num_end(s, rc);
	const char *p[] = {o.arg};
	rc = num_exec(s, &o, "DELETE FROM dids WHERE number = $1 RETURNING number", 1, p, got, sizeof(got));
	if (!rc && !got[0])
		rc = num_refuse(&o, "number", o.arg, "is not a DID");
	if (!rc)
		printf("did %s deleted\n", o.arg);
	return num_end(s, rc);
}

/* Rows of a listing, collected for prov_print_rows. */
struct num_rows {
	char **cells;
	size_t n, cap;
	int failed;
};

static int num_row(void *arg, int ncols, const char *const *vals)
{
	struct num_rows *r = arg;

	for (int i = 0; i < ncols; i++) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 64;
			char **c = realloc(r->cells, cap * sizeof(*c));
			if (!c)
				return -ENOMEM;
			r->cells = c;
			r->cap = cap;
		}
		r->cells[r->n] = strdup(vals[i] ? vals[i] : "");
		if (!r->cells[r->n])
			return -ENOMEM;
		r->n++;
	}
	return 0;
}

static int num_list(struct prov_ctx *ctx, struct db_session *s, const struct num_opts *o, const char *name,
		    const char *const *cols, size_t ncols, const char *sql, int n, const char *const *params)
{
	struct num_rows r = {0};
	char err[512];
	int rc = db_session_rows(s, sql, n, params, num_row, &r, err, sizeof(err));

	if (rc == 0)
		prov_print_rows(ctx, name, cols, ncols, r.cells, r.n / ncols);
	else
		fprintf(stderr, "tandemctl: %s: %s\n", o->what, rc == -ENOMEM ? "out of memory" : err);
	for (size_t i = 0; i < r.n; i++)
		free(r.cells[i]);
	free(r.cells);
	return rc ? PROV_REFUSED : PROV_OK;
}

int prov_did_list(struct prov_ctx *ctx, int argc, char **argv)
{
	static const char *const cols[] = {"number", "customer", "target", "fallback"};
	struct num_opts o;
	struct db_session *s;
	int rc = num_begin(ctx, "did list", argc, argv, OPT_CUSTOMER, 0, NULL, &o, &s);

	if (rc)
		return num_end(s, rc);
	const char *p[] = {o.customer};
	rc = num_list(
	    ctx, s, &o, "dids", cols, 4,
	    "SELECT d.number, c.name, d.target, d.fallback FROM dids d JOIN customers c ON c.id = d.customer_id"
	    " WHERE $1::text IS NULL OR c.name = $1 ORDER BY d.number",
	    1, p);
	return num_end(s, rc);
}

/* Resolve --trunk (required) and --customer (optional) for a route. */
static int num_route_ids(struct db_session *s, const struct num_opts *o, char *tid, char *cid, size_t len)
{
	int rc;

	cid[0] = 0;
	if (!o->trunk) {
		fprintf(stderr, "tandemctl: %s: --trunk is required\n", o->what);
		return PROV_USAGE;
	}
	if ((rc = num_id(s, o, "trunk", o->trunk, tid, len)))
		return rc;
	if (o->customer && (rc = num_id(s, o, "customer", o->customer, cid, len)))
		return rc;
	return 0;
}

int prov_route_add(struct prov_ctx *ctx, int argc, char **argv)
{
	struct num_opts o;
	struct db_session *s;
	char tid[32], cid[32], dup[8];
	int rc = num_begin(ctx, "route add", argc, argv, OPT_TRUNK | OPT_CUSTOMER | OPT_PRIORITY | OPT_WEIGHT, 1,
			   num_check_prefix, &o, &s);

	if (rc || (rc = num_route_ids(s, &o, tid, cid, sizeof(tid))))
		return num_end(s, rc);
	const char *key[] = {o.arg, cid[0] ? cid : NULL, tid};
	if ((rc = num_exec(
		 s, &o,
		 "SELECT 1 FROM routes WHERE prefix = $1 AND coalesce(customer_id, 0) = coalesce($2::bigint, 0)"
		 " AND trunk_id = $3",
		 3, key, dup, sizeof(dup))))
		return num_end(s, rc);
	if (dup[0]) {
		fprintf(stderr, "tandemctl: route add: prefix \"%s\" already routes to trunk %s%s%s; route del first\n",
			o.arg, o.trunk, o.customer ? " for customer " : "", o.customer ? o.customer : "");
		return num_end(s, PROV_REFUSED);
	}
	const char *p[] = {o.arg, cid[0] ? cid : NULL, tid, o.priority ? o.priority : "10",
			   o.weight ? o.weight : "100"};
	rc = num_exec(
	    s, &o, "INSERT INTO routes (prefix, customer_id, trunk_id, priority, weight) VALUES ($1, $2, $3, $4, $5)",
	    5, p, NULL, 0);
	if (!rc)
		printf("route %s -> trunk %s added%s%s\n", o.arg, o.trunk, o.customer ? " for customer " : "",
		       o.customer ? o.customer : "");
	return num_end(s, rc);
}

int prov_route_del(struct prov_ctx *ctx, int argc, char **argv)
{
	struct num_opts o;
	struct db_session *s;
	char tid[32], cid[32], got[8];
	int rc = num_begin(ctx, "route del", argc, argv, OPT_TRUNK | OPT_CUSTOMER, 1, num_check_prefix, &o, &s);

	if (rc || (rc = num_route_ids(s, &o, tid, cid, sizeof(tid))))
		return num_end(s, rc);
	const char *p[] = {o.arg, cid[0] ? cid : NULL, tid};
	rc = num_exec(s, &o,
		      "DELETE FROM routes WHERE prefix = $1 AND coalesce(customer_id, 0) = coalesce($2::bigint, 0)"
		      " AND trunk_id = $3 RETURNING 1",
		      3, p, got, sizeof(got));
	if (!rc && !got[0])
		rc = num_refuse(&o, "prefix", o.arg, "has no such route");
	if (!rc)
		printf("route %s -> trunk %s deleted\n", o.arg, o.trunk);
	return num_end(s, rc);
}

int prov_route_set(struct prov_ctx *ctx, int argc, char **argv)
{
	struct num_opts o;
	struct db_session *s;
	char tid[32], cid[32], got[8];
	int rc = num_begin(ctx, "route set", argc, argv, OPT_TRUNK | OPT_CUSTOMER | OPT_PRIORITY | OPT_WEIGHT, 1,
			   num_check_prefix, &o, &s);

	if (rc || (rc = num_route_ids(s, &o, tid, cid, sizeof(tid))))
		return num_end(s, rc);
	if (!o.priority && !o.weight) {
		fprintf(stderr, "tandemctl: route set: nothing to change (--priority, --weight)\n");
		return num_end(s, PROV_USAGE);
	}
	const char *p[] = {o.arg, cid[0] ? cid : NULL, tid, o.priority, o.weight};
	rc = num_exec(
	    s, &o,
	    "UPDATE routes SET priority = coalesce($4::integer, priority), weight = coalesce($5::integer, weight)"
	    " WHERE prefix = $1 AND coalesce(customer_id, 0) = coalesce($2::bigint, 0) AND trunk_id = $3"
	    " RETURNING 1",
	    5, p, got, sizeof(got));
	if (!rc && !got[0])
		rc = num_refuse(&o, "prefix", o.arg, "has no such route (route add creates it)");
	if (!rc)
		printf("route %s -> trunk %s changed\n", o.arg, o.trunk);
	return num_end(s, rc);
}

int prov_route_list(struct prov_ctx *ctx, int argc, char **argv)
{
	static const char *const cols[] = {"prefix", "customer", "trunk", "priority", "weight"};
	struct num_opts o;
	struct db_session *s;
	int rc = num_begin(ctx, "route list", argc, argv, OPT_CUSTOMER | OPT_TRUNK, 0, NULL, &o, &s);

	if (rc)
		return num_end(s, rc);
	/* A customer's listing shows the routes that apply to it: its own and the global ones. */
	const char *p[] = {o.customer, o.trunk};
	rc = num_list(ctx, s, &o, "routes", cols, 5,
		      "SELECT r.prefix, coalesce(c.name, '*'), t.name, r.priority, r.weight FROM routes r"
		      " JOIN trunks t ON t.id = r.trunk_id LEFT JOIN customers c ON c.id = r.customer_id"
		      " WHERE ($1::text IS NULL OR c.name = $1 OR r.customer_id IS NULL)"
		      " AND ($2::text IS NULL OR t.name = $2)"
		      " ORDER BY r.prefix, c.name NULLS FIRST, r.priority, t.name",
		      2, p);
	return num_end(s, rc);
}
