/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl customer add|set|list|show|del: who may send calls, how many,
 * and from where. Digest credentials are stored as HA1 =
 * MD5(user:realm:password) (RFC 3261 22.4), never the password. Every
 * change of one command is one transaction: all of it or nothing. */
#include "config.h"

#include "common/ctl.h"
#include "db/session.h"
#include "provisioning/prov.h"

#include <errno.h>
#include <sofia-sip/auth_digest.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	CO_ENABLE = 1 << 0,
	CO_DISABLE = 1 << 1,
	CO_MAX_CALLS = 1 << 2,
	CO_MAX_CPS = 1 << 3,
	CO_MAX_DURATION = 1 << 4,
	CO_USER = 1 << 5,
	CO_PASSWORD = 1 << 6,
	CO_REALM = 1 << 7,
	CO_DEL_USER = 1 << 8,
	CO_ADDRESS = 1 << 9,
	CO_DEL_ADDRESS = 1 << 10,
	CO_ALLOW = 1 << 11,
	CO_DENY = 1 << 12,
	CO_DEL_DEST = 1 << 13,
	CO_CALLER = 1 << 14,
	CO_DEL_CALLER = 1 << 15,
	CO_SECURE = 1 << 16,
	CO_NO_SECURE = 1 << 17,
	CO_DTMF = 1 << 18,
	CO_T38 = 1 << 19,
};

#define CO_SETTINGS                                                                                                \
	(CO_ENABLE | CO_DISABLE | CO_MAX_CALLS | CO_MAX_CPS | CO_MAX_DURATION | CO_USER | CO_PASSWORD | CO_REALM | \
	 CO_ADDRESS | CO_ALLOW | CO_DENY | CO_CALLER | CO_SECURE | CO_DTMF | CO_T38)
#define CO_REMOVALS (CO_DEL_USER | CO_DEL_ADDRESS | CO_DEL_DEST | CO_DEL_CALLER | CO_NO_SECURE)

struct cust_opts {
	const char *what, *name;
	bool enable, disable, secure, no_secure;
	const char *max_calls, *max_cps, *max_duration, *user, *password, *realm, *del_user;
	const char *dtmf_mode; /* --dtmf-mode */
	const char *t38;       /* --t38 yes|no */
	/* Without --realm: the gateway's [sip] realm from the same settings
	 * file, since that is the realm its challenges name. */
	const char *default_realm;
	char pwbuf[256]; /* --password - : read from stdin */
	struct prov_strv address, del_address, allow, deny, del_dest, caller, del_caller;
};

static void cust_free(struct cust_opts *o)
{
	prov_strv_free(&o->address);
	prov_strv_free(&o->del_address);
	prov_strv_free(&o->allow);
	prov_strv_free(&o->deny);
	prov_strv_free(&o->del_dest);
	prov_strv_free(&o->caller);
	prov_strv_free(&o->del_caller);
}

/* Parse argv (argv[0] the subcommand): the options in allowed and, when
 * named, exactly one positional NAME. */
static int cust_parse(int argc, char **argv, unsigned allowed, bool named, struct cust_opts *o)
{
	static const struct option opts[] = {
	    {"enable", no_argument, NULL, CO_ENABLE},
	    {"disable", no_argument, NULL, CO_DISABLE},
	    {"max-calls", required_argument, NULL, CO_MAX_CALLS},
	    {"max-cps", required_argument, NULL, CO_MAX_CPS},
	    {"max-duration", required_argument, NULL, CO_MAX_DURATION},
	    {"user", required_argument, NULL, CO_USER},
	    {"password", required_argument, NULL, CO_PASSWORD},
	    {"realm", required_argument, NULL, CO_REALM},
	    {"del-user", required_argument, NULL, CO_DEL_USER},
	    {"address", required_argument, NULL, CO_ADDRESS},
	    {"del-address", required_argument, NULL, CO_DEL_ADDRESS},
	    {"allow", required_argument, NULL, CO_ALLOW},
	    {"deny", required_argument, NULL, CO_DENY},
	    {"del-destination", required_argument, NULL, CO_DEL_DEST},
	    {"caller", required_argument, NULL, CO_CALLER},
	    {"del-caller", required_argument, NULL, CO_DEL_CALLER},
	    {"require-secure", no_argument, NULL, CO_SECURE},
	    {"no-require-secure", no_argument, NULL, CO_NO_SECURE},
	    {"dtmf-mode", required_argument, NULL, CO_DTMF},
	    {"t38", required_argument, NULL, CO_T38},
	    {NULL, 0, NULL, 0},
	};
	int c, rc = 0;

	optind = 0; /* glibc starts afresh (see cmd_number.c) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1 && !rc) {
		if (c == '?' || !((unsigned)c & allowed))
			return prov_usage(o->what, "unknown option \"%s\"", argv[optind - 1]);
		switch (c) {
		case CO_ENABLE:
			o->enable = true;
			break;
		case CO_DISABLE:
			o->disable = true;
			break;
		case CO_SECURE:
			o->secure = true;
			break;
		case CO_NO_SECURE:
			o->no_secure = true;
			break;
		case CO_DTMF:
			o->dtmf_mode = optarg;
			break;
		case CO_T38:
			o->t38 = optarg;
			break;
		case CO_MAX_CALLS:
			o->max_calls = optarg;
			break;
		case CO_MAX_CPS:
			o->max_cps = optarg;
			break;
		case CO_MAX_DURATION:
			o->max_duration = optarg;
			break;
		case CO_USER:
			o->user = optarg;
			break;
		case CO_PASSWORD:
			o->password = optarg;
			break;
		case CO_REALM:
			o->realm = optarg;
			break;
		case CO_DEL_USER:
			o->del_user = optarg;
			break;
		case CO_ADDRESS:
			rc = prov_strv_push(&o->address, optarg);
			break;
		case CO_DEL_ADDRESS:
			rc = prov_strv_push(&o->del_address, optarg);
			break;
		case CO_ALLOW:
			rc = prov_strv_push(&o->allow, optarg);
			break;
		case CO_DENY:
			rc = prov_strv_push(&o->deny, optarg);
			break;
		case CO_DEL_DEST:
			rc = prov_strv_push(&o->del_dest, optarg);
			break;
		case CO_CALLER:
			rc = prov_strv_push(&o->caller, optarg);
			break;
		case CO_DEL_CALLER:
			rc = prov_strv_push(&o->del_caller, optarg);
			break;
		}
	}
	if (rc) {
		fprintf(stderr, "tandemctl: %s: out of memory\n", o->what);
		return PROV_REFUSED;
	}
	if (named && optind >= argc)
		return prov_usage(o->what, "missing the customer's name");
	if (named)
		o->name = argv[optind++];
	if (optind < argc)
		return prov_usage(o->what, "unexpected argument \"%s\"", argv[optind]);
	if (o->secure && o->no_secure)
		return prov_usage(o->what, "--require-secure and --no-require-secure exclude each other");
	if (o->enable && o->disable)
		return prov_usage(o->what, "--enable and --disable exclude each other");
	if (o->t38 && strcmp(o->t38, "yes") != 0 && strcmp(o->t38, "no") != 0)
		return prov_refuse(o->what, "--t38", o->t38, "is not yes or no");
	if ((o->user != NULL) != (o->password != NULL))
		return prov_usage(o->what, "--user and --password go together");
	if (o->realm && !o->user && !o->del_user)
		return prov_usage(o->what, "--realm goes with --user or --del-user");
	return 0;
}

/* "--password -": one line from stdin, so the secret stays out of ps. */
static int cust_read_password(struct cust_opts *o)
{
	size_t n;

	if (!o->password || strcmp(o->password, "-") != 0)
		return 0;
	if (!fgets(o->pwbuf, sizeof(o->pwbuf), stdin)) {
		fprintf(stderr, "tandemctl: %s: --password -: nothing on standard input\n", o->what);
		return PROV_REFUSED;
	}
	n = strcspn(o->pwbuf, "\r\n");
	o->pwbuf[n] = 0;
	o->password = o->pwbuf;
	return 0;
}

/* numeric(8,2) from 0 to 10000: digits, and at most two decimals. */
static int cust_check_cps(const char *what, const char *v)
{
	size_t n;

	if (!v)
		return 0;
	n = strspn(v, "0123456789");
	if (n == 0 || n > 5 ||
	    (v[n] && (v[n] != '.' || strspn(v + n + 1, "0123456789") != strlen(v + n + 1) || strlen(v + n + 1) < 1 ||
		      strlen(v + n + 1) > 2)) ||
	    strtod(v, NULL) > 10000)
		return prov_refuse(what, "--max-cps", v, "must be a number from 0 to 10000 (two decimals at most)");
	return 0;
}

/* The username characters the schema allows (RFC 3261 25.1 "user"). */
static int cust_check_user(const char *what, const char *field, const char *v)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.!~*'()&=+$,;?/-";

	if (v && (!*v || strlen(v) > 64 || strspn(v, ok) != strlen(v)))
		return prov_refuse(what, field, v, "is not a SIP user name (1 to 64 of A-Z a-z 0-9 _.!~*'()&=+$,;?/-)");
	return 0;
}

static int cust_check(struct cust_opts *o)
{
	int rc = 0;

	if (!rc)
		rc = prov_check_name(o->what, "customer", o->name);
	if (!rc)
		rc = prov_check_int(o->what, "--max-calls", o->max_calls, 0, 100000);
	if (!rc && o->dtmf_mode && strcmp(o->dtmf_mode, "rfc4733") != 0 && strcmp(o->dtmf_mode, "info") != 0 &&
	    strcmp(o->dtmf_mode, "inband") != 0)
		rc = prov_refuse(o->what, "--dtmf-mode", o->dtmf_mode, "is not rfc4733, info or inband");
	if (!rc)
		rc = cust_check_cps(o->what, o->max_cps);
	if (!rc)
		rc = prov_check_int(o->what, "--max-duration", o->max_duration, 1, 604800);
	if (!rc)
		rc = cust_check_user(o->what, "--user", o->user);
	if (!rc)
		rc = cust_check_user(o->what, "--del-user", o->del_user);
	if (!rc)
		rc = cust_read_password(o);
	if (!rc && o->password && (!*o->password || strlen(o->password) > 128))
		rc = prov_refuse(o->what, "--password", "...", "must be 1 to 128 characters");
	if (!rc && o->realm && (!*o->realm || strlen(o->realm) > 253 || strchr(o->realm, ':') || strchr(o->realm, '"')))
		rc = prov_refuse(o->what, "--realm", o->realm, "must be 1 to 253 characters without ':' or '\"'");
	for (size_t i = 0; !rc && i < o->address.n; i++)
		rc = prov_check_cidr(o->what, "--address", o->address.v[i]);
	for (size_t i = 0; !rc && i < o->del_address.n; i++)
		rc = prov_check_cidr(o->what, "--del-address", o->del_address.v[i]);
	for (size_t i = 0; !rc && i < o->allow.n; i++)
		rc = prov_check_prefix(o->what, "--allow", o->allow.v[i]);
	for (size_t i = 0; !rc && i < o->deny.n; i++)
		rc = prov_check_prefix(o->what, "--deny", o->deny.v[i]);
	for (size_t i = 0; !rc && i < o->del_dest.n; i++)
		rc = prov_check_prefix(o->what, "--del-destination", o->del_dest.v[i]);
	for (size_t i = 0; !rc && i < o->caller.n; i++)
		rc = prov_check_prefix(o->what, "--caller", o->caller.v[i]);
	for (size_t i = 0; !rc && i < o->del_caller.n; i++)
		rc = prov_check_prefix(o->what, "--del-caller", o->del_caller.v[i]);
	/* A prefix both allowed and denied in one command is a mistake. */
	for (size_t i = 0; !rc && i < o->allow.n; i++)
		for (size_t j = 0; !rc && j < o->deny.n; j++)
			if (strcmp(o->allow.v[i], o->deny.v[j]) == 0)
				rc = prov_refuse(o->what, "--deny", o->deny.v[j], "is also given to --allow");
	return rc;
}

static int cust_begin(struct prov_ctx *ctx, const char *what, int argc, char **argv, unsigned allowed, bool named,
		      struct cust_opts *o, struct db_session **s)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->what = what;
	o->default_realm = ctx->settings.sip_realm;
	*s = NULL;
	rc = cust_parse(argc, argv, allowed, named, o);
	if (!rc)
		rc = cust_check(o);
	if (!rc && prov_open(ctx, s) < 0)
		rc = PROV_REFUSED;
	return rc;
}

static int cust_end(struct cust_opts *o, struct db_session *s, int rc)
{
	cust_free(o);
	db_session_close(s);
	return rc;
}

/* Another customer's row for a unique value is refused by name, not by the
 * database's key error. sql: $1 the value, $2 this customer's id; returns
 * the other customer's name. */
static int cust_not_others(struct db_session *s, const struct cust_opts *o, const char *field, const char *value,
			   const char *sql, int n, const char *const *p)
{
	char other[128];
	int rc = prov_exec(s, o->what, sql, n, p, other, sizeof(other));

	if (!rc && other[0]) {
		char why[200];
		snprintf(why, sizeof(why), "belongs to customer %s", other);
		rc = prov_refuse(o->what, field, value, why);
	}
	return rc;
}

/* Delete one row; refuse when there was none. */
static int cust_del_row(struct db_session *s, const struct cust_opts *o, const char *field, const char *value,
			const char *sql, const char *const *p, int n)
{
	char got[8];
	int rc = prov_exec(s, o->what, sql, n, p, got, sizeof(got));

	if (!rc && !got[0])
		rc = prov_refuse(o->what, field, value, "is not set for this customer");
	return rc;
}

/* Apply every setting and removal of o to customer id (inside the
 * caller's transaction). */
static int cust_apply(struct db_session *s, const struct cust_opts *o, const char *id)
{
	const char *en = o->enable ? "t" : o->disable ? "f" : NULL;
	const char *sec = o->secure ? "t" : o->no_secure ? "f" : NULL;
	const char *t38 = o->t38 ? (strcmp(o->t38, "yes") == 0 ? "t" : "f") : NULL;
	const char *p[] = {id, en, o->max_calls, o->max_cps, o->max_duration, sec, o->dtmf_mode, t38};
	int rc = prov_exec(s, o->what,
			   "UPDATE customers SET enabled = coalesce($2::boolean, enabled),"
			   " max_calls = coalesce($3::integer, max_calls), max_cps = coalesce($4::numeric, max_cps),"
			   " max_duration_s = coalesce($5::integer, max_duration_s),"
			   " require_secure = coalesce($6::boolean, require_secure),"
			   " dtmf_mode = coalesce($7, dtmf_mode), t38 = coalesce($8::boolean, t38) WHERE id = $1",
			   8, p, NULL, 0);
	const char *realm = o->realm ? o->realm : o->default_realm;

	if (!rc && o->del_user) {
		const char *d[] = {id, o->del_user, o->realm};
		rc = cust_del_row(s, o, "--del-user", o->del_user,
				  "DELETE FROM customer_credentials WHERE customer_id = $1 AND username = $2"
				  " AND ($3::text IS NULL OR realm = $3) RETURNING 1",
				  d, 3);
	}
	if (!rc && o->user) {
		auth_hexmd5_t ha1;
		const char *k[] = {o->user, realm, id};

		/* HA1 = MD5(user:realm:password), RFC 2617 3.2.2.2 */
		auth_digest_ha1(ha1, o->user, realm, o->password);
		rc = cust_not_others(
		    s, o, "--user", o->user,
		    "SELECT c.name FROM customer_credentials cc JOIN customers c ON c.id = cc.customer_id"
		    " WHERE cc.username = $1 AND cc.realm = $2 AND cc.customer_id <> $3",
		    3, k);
		const char *q[] = {id, o->user, realm, ha1};
		if (!rc)
			rc = prov_exec(s, o->what,
				       "INSERT INTO customer_credentials (customer_id, username, realm, ha1)"
				       " VALUES ($1, $2, $3, $4) ON CONFLICT (username, realm) DO UPDATE SET ha1 = $4",
				       4, q, NULL, 0);
	}
	for (size_t i = 0; !rc && i < o->del_address.n; i++) {
		const char *d[] = {id, o->del_address.v[i]};
		rc = cust_del_row(
		    s, o, "--del-address", o->del_address.v[i],
		    "DELETE FROM customer_addresses WHERE customer_id = $1 AND address = $2::cidr RETURNING 1", d, 2);
	}
	for (size_t i = 0; !rc && i < o->address.n; i++) {
		const char *k[] = {o->address.v[i], id};
		/* Overlapping networks of two customers would make the caller
		 * ambiguous: refuse them too, not only the same network. */
		rc = cust_not_others(s, o, "--address", o->address.v[i],
				     "SELECT c.name || ' (' || a.address || ')' FROM customer_addresses a"
				     " JOIN customers c ON c.id = a.customer_id"
				     " WHERE a.address && $1::cidr AND a.customer_id <> $2 LIMIT 1",
				     2, k);
		const char *q[] = {id, o->address.v[i]};
		if (!rc)
			rc = prov_exec(s, o->what,
				       "INSERT INTO customer_addresses (customer_id, address) VALUES ($1, $2::cidr)"
				       " ON CONFLICT DO NOTHING",
				       2, q, NULL, 0);
	}
	for (size_t i = 0; !rc && i < o->del_dest.n; i++) {
		const char *d[] = {id, o->del_dest.v[i]};
		rc = cust_del_row(
		    s, o, "--del-destination", o->del_dest.v[i],
		    "DELETE FROM customer_destinations WHERE customer_id = $1 AND prefix = $2 RETURNING 1", d, 2);
	}
	for (int deny = 0; deny < 2; deny++) {
		const struct prov_strv *sv = deny ? &o->deny : &o->allow;
		for (size_t i = 0; !rc && i < sv->n; i++) {
			const char *q[] = {id, sv->v[i], deny ? "deny" : "allow"};
			rc = prov_exec(
			    s, o->what,
			    "INSERT INTO customer_destinations (customer_id, prefix, action) VALUES ($1, $2, $3)"
			    " ON CONFLICT (customer_id, prefix) DO UPDATE SET action = $3",
			    3, q, NULL, 0);
		}
	}
	for (size_t i = 0; !rc && i < o->del_caller.n; i++) {
		const char *d[] = {id, o->del_caller.v[i]};
		rc = cust_del_row(s, o, "--del-caller", o->del_caller.v[i],
				  "DELETE FROM customer_callers WHERE customer_id = $1 AND prefix = $2 RETURNING 1", d,
				  2);
	}
	for (size_t i = 0; !rc && i < o->caller.n; i++) {
		const char *q[] = {id, o->caller.v[i]};
		rc = prov_exec(
		    s, o->what,
		    "INSERT INTO customer_callers (customer_id, prefix) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, q,
		    NULL, 0);
	}
	return rc;
}

int prov_customer_add(struct prov_ctx *ctx, int argc, char **argv)
{
	struct cust_opts o;
	struct db_session *s;
	char id[32];
	int rc = cust_begin(ctx, "customer add", argc, argv, CO_SETTINGS, true, &o, &s);

	if (rc || (rc = prov_begin(s, o.what)))
		return cust_end(&o, s, rc);
	const char *p[] = {o.name};
	rc = prov_exec(s, o.what, "SELECT id FROM customers WHERE name = $1", 1, p, id, sizeof(id));
	if (!rc && id[0])
		rc = prov_refuse(o.what, "customer", o.name, "already exists (customer set changes it)");
	if (!rc)
		rc =
		    prov_exec(s, o.what, "INSERT INTO customers (name) VALUES ($1) RETURNING id", 1, p, id, sizeof(id));
	if (!rc)
		rc = cust_apply(s, &o, id);
	rc = prov_finish(s, o.what, rc);
	if (!rc)
		printf("customer %s added\n", o.name);
	return cust_end(&o, s, rc);
}

int prov_customer_set(struct prov_ctx *ctx, int argc, char **argv)
{
	struct cust_opts o;
	struct db_session *s;
	char id[32];
	int rc = cust_begin(ctx, "customer set", argc, argv, CO_SETTINGS | CO_REMOVALS, true, &o, &s);

	if (rc || (rc = prov_begin(s, o.what)))
		return cust_end(&o, s, rc);
	rc = prov_id(s, o.what, "customer", o.name, id, sizeof(id));
	if (!rc)
		rc = cust_apply(s, &o, id);
	rc = prov_finish(s, o.what, rc);
	if (!rc)
		printf("customer %s changed\n", o.name);
	return cust_end(&o, s, rc);
}

int prov_customer_list(struct prov_ctx *ctx, int argc, char **argv)
{
	static const char *const cols[] = {"name",         "enabled", "max_calls", "max_cps",
					   "max_duration", "users",   "addresses", "dids"};
	struct cust_opts o;
	struct db_session *s;
	int rc = cust_begin(ctx, "customer list", argc, argv, 0, false, &o, &s);

	if (!rc)
		rc = prov_list(ctx, s, o.what, "customers", cols, 8,
			       "SELECT c.name, CASE WHEN c.enabled THEN 'yes' ELSE 'no' END, c.max_calls, c.max_cps,"
			       " c.max_duration_s,"
			       " (SELECT count(*) FROM customer_credentials x WHERE x.customer_id = c.id),"
			       " (SELECT count(*) FROM customer_addresses x WHERE x.customer_id = c.id),"
			       " (SELECT count(*) FROM dids x WHERE x.customer_id = c.id)"
			       " FROM customers c ORDER BY c.name",
			       0, NULL);
	return cust_end(&o, s, rc);
}

/* One query's rows as a named table of t (cells owned by rows). */
static int cust_table(struct db_session *s, const char *what, struct prov_rows *rows, struct ctl_table *t,
		      const char *name, const char *const *cols, size_t ncols, const char *sql, const char *id)
{
	const char *p[] = {id};
	int rc = prov_rows_query(s, what, rows, sql, 1, p);

	t->name = (char *)name;
	t->ncols = ncols;
	t->cols = (char **)cols;
	t->cells = rows->cells;
	t->nrows = rows->n / ncols;
	return rc;
}

int prov_customer_show(struct prov_ctx *ctx, int argc, char **argv)
{
	static const char *const kv[] = {"field", "value"};
	static const char *const fields[] = {"name",           "enabled",   "max_calls",  "max_cps",
					     "max_duration",   "dids",      "own_routes", "created",
					     "require_secure", "dtmf_mode", "t38"};
	static const char *const cred[] = {"user", "realm"}, *const addr[] = {"address"},
				 *const dest[] = {"prefix", "action"}, *const callers[] = {"prefix"};
	struct cust_opts o;
	struct db_session *s;
	struct prov_rows r[5] = {{0}};
	struct ctl_table t[5];
	char id[32], *cells[22];
	int rc = cust_begin(ctx, "customer show", argc, argv, 0, true, &o, &s);

	if (!rc)
		rc = prov_id(s, o.what, "customer", o.name, id, sizeof(id));
	if (!rc)
		rc = cust_table(s, o.what, &r[0], &t[0], "customer", fields, 11,
				"SELECT name, CASE WHEN enabled THEN 'yes' ELSE 'no' END, max_calls, max_cps,"
				" max_duration_s || ' s', (SELECT count(*) FROM dids WHERE customer_id = c.id),"
				" (SELECT count(*) FROM routes WHERE customer_id = c.id),"
				" to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
				" CASE WHEN require_secure THEN 'yes' ELSE 'no' END, dtmf_mode,"
				" CASE WHEN t38 THEN 'yes' ELSE 'no' END FROM customers c WHERE id = $1",
				id);
	if (!rc)
		rc = cust_table(s, o.what, &r[1], &t[1], "credentials", cred, 2,
				"SELECT username, realm FROM customer_credentials WHERE customer_id = $1"
				" ORDER BY username, realm",
				id);
	if (!rc)
		rc = cust_table(s, o.what, &r[2], &t[2], "addresses", addr, 1,
				"SELECT address FROM customer_addresses WHERE customer_id = $1 ORDER BY address", id);
	if (!rc)
		rc = cust_table(
		    s, o.what, &r[3], &t[3], "destinations", dest, 2,
		    "SELECT prefix, action FROM customer_destinations WHERE customer_id = $1 ORDER BY prefix", id);
	if (!rc)
		rc = cust_table(s, o.what, &r[4], &t[4], "callers", callers, 1,
				"SELECT prefix FROM customer_callers WHERE customer_id = $1 ORDER BY prefix", id);
	if (!rc && r[0].n == 11) {
		/* The customer's one row as field/value pairs. */
		for (size_t i = 0; i < 11; i++) {
			cells[2 * i] = (char *)fields[i];
			cells[2 * i + 1] = r[0].cells[i];
		}
		t[0] = (struct ctl_table){"customer", 2, 11, (char **)kv, cells};
		prov_print_tables(ctx, t, 5);
	}
	for (size_t i = 0; i < 5; i++)
		prov_rows_free(&r[i]);
	return cust_end(&o, s, rc);
}

int prov_customer_del(struct prov_ctx *ctx, int argc, char **argv)
{
	struct cust_opts o;
	struct db_session *s;
	char id[32], n[32], routes[32];
	int rc = cust_begin(ctx, "customer del", argc, argv, 0, true, &o, &s);

	if (rc || (rc = prov_begin(s, o.what)))
		return cust_end(&o, s, rc);
	rc = prov_id(s, o.what, "customer", o.name, id, sizeof(id));
	const char *p[] = {id};
	/* DIDs are RESTRICT: a number must not lose its owner by accident. */
	if (!rc)
		rc = prov_exec(s, o.what, "SELECT count(*) FROM dids WHERE customer_id = $1", 1, p, n, sizeof(n));
	if (!rc && strcmp(n, "0") != 0) {
		fprintf(stderr,
			"tandemctl: customer del: customer \"%s\" still has %s DID%s (did del, or did set --customer,"
			" them first)\n",
			o.name, n, strcmp(n, "1") == 0 ? "" : "s");
		rc = PROV_REFUSED;
	}
	if (!rc)
		rc = prov_exec(s, o.what, "SELECT count(*) FROM routes WHERE customer_id = $1", 1, p, routes,
			       sizeof(routes));
	if (!rc)
		rc = prov_exec(s, o.what, "DELETE FROM customers WHERE id = $1", 1, p, NULL, 0);
	rc = prov_finish(s, o.what, rc);
	if (!rc)
		printf("customer %s deleted, with its %s own route%s\n", o.name, routes,
		       strcmp(routes, "1") ? "s" : "");
	return cust_end(&o, s, rc);
}
