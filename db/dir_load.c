/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load the directory from PostgreSQL through db/session.h. */
#include "config.h"

#include "db/dir_load.h"

#include "common/deadline.h"
#include "db/directory.h"
#include "db/route_load.h"
#include "db/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Disabled customers and trunks are loaded too: the call layer tells
 * "refused" from "unknown". Unlimited trunk limits read as -1. */
static const char dir_customer_sql[] =
    "SELECT id, name, enabled, max_calls, max_cps, max_duration_s, require_secure, dtmf_mode, t38 FROM customers";
static const char dir_address_sql[] = "SELECT address, customer_id FROM customer_addresses";
static const char dir_credential_sql[] = "SELECT username, realm, ha1, customer_id FROM customer_credentials";
/* Every column tandemd uses, in one pass: the trunk, its failover and
 * limits (call routing), its registration and pings (the trunk manager). */
static const char dir_trunk_sql[] =
    "SELECT id, name, kind, enabled, coalesce(max_calls, -1), coalesce(max_cps, -1),"
    " invite_timeout_ms, array_to_string(failover_codes, ','), limit_status, limit_cause,"
    " register, auth_user, auth_password, register_expires, ping_interval_s, ping_up, ping_down,"
    " sipt, require_secure, dtmf_mode, t38 FROM trunks";
static const char dir_member_sql[] =
    "SELECT id, trunk_id, host, coalesce(port, 0), transport, priority, weight FROM trunk_members";
static const char dir_destination_sql[] = "SELECT customer_id, prefix, action FROM customer_destinations";
static const char dir_caller_sql[] = "SELECT customer_id, prefix FROM customer_callers";
static const char dir_cause_sql[] = "SELECT trunk_id, direction, q850_cause, sip_status FROM cause_maps";

struct dir_load_ctx {
	struct dir_builder *b;
	const char *table;
	char *err;
	size_t errlen;
	int rc;
};

static int dir_num(const char *s, double *v)
{
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	return errno || *end ? -EINVAL : 0;
}

/* Record why a row was refused; stops the row callbacks. */
static int dir_refuse(struct dir_load_ctx *c, int rc, const char *what)
{
	c->rc = rc;
	snprintf(c->err, c->errlen, "%s: %s: %s", c->table, what ? what : "(null)",
		 rc == -EINVAL ? "unexpected value" : strerror(-rc));
	return 1;
}

static int dir_load_customer(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t id, calls, dur;
	double cps;

	if (ncols != 9 || db_text_int64(v[0], &id) < 0 || !v[2] || db_text_int64(v[3], &calls) < 0 || calls < 0 ||
	    calls > 100000 || dir_num(v[4], &cps) < 0 || db_text_int64(v[5], &dur) < 0 || dur < 1 || dur > 604800 ||
	    !v[6] || !v[7] || !v[8])
		return dir_refuse(c, -EINVAL, v[1]);
	c->rc = dir_builder_add_customer(c->b, id, v[1], v[2][0] == 't', (unsigned)calls, cps, (unsigned)dur);
	if (c->rc == 0)
		c->rc = dir_builder_set_customer_secure(c->b, id, v[6][0] == 't');
	if (c->rc == 0)
		c->rc = dir_builder_set_customer_dtmf(c->b, id, (enum dir_dtmf)dir_dtmf_parse(v[7]));
	if (c->rc == 0)
		c->rc = dir_builder_set_customer_t38(c->b, id, v[8][0] == 't');
	return c->rc < 0 ? dir_refuse(c, c->rc, v[1]) : 0;
}

static int dir_load_address(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t cust;

	if (ncols != 2 || db_text_int64(v[1], &cust) < 0)
		return dir_refuse(c, -EINVAL, v[0]);
	c->rc = dir_builder_add_address(c->b, v[0], cust);
	return c->rc < 0 ? dir_refuse(c, c->rc, v[0]) : 0;
}

static int dir_load_credential(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t cust;

	if (ncols != 4 || db_text_int64(v[3], &cust) < 0)
		return dir_refuse(c, -EINVAL, v[0]);
	c->rc = dir_builder_add_credential(c->b, v[0], v[1], v[2], cust);
	return c->rc < 0 ? dir_refuse(c, c->rc, v[0]) : 0;
}

/* v[6..9]: invite_timeout_ms, failover_codes as "408,500,503", limit
 * status and cause. */
static int dir_trunk_failover_cols(int64_t id, const char *const *v, struct dir_builder *b)
{
	struct dir_trunk_failover fo = {0};
	int64_t tmo, st, cause;

	if (db_text_int64(v[0], &tmo) < 0 || tmo < 1 || tmo > 300000 || !v[1] || db_text_int64(v[2], &st) < 0 ||
	    db_text_int64(v[3], &cause) < 0 || st < 0 || cause < 0)
		return -EINVAL;
	fo.invite_timeout_ms = (unsigned)tmo;
	fo.limit_status = (unsigned)st;
	fo.limit_cause = (unsigned)cause;
	for (const char *p = v[1]; *p;) {
		char *end;
		long code = strtol(p, &end, 10);

		if (end == p || fo.ncodes == DIR_FAILOVER_MAX || (*end && *end != ','))
			return -EINVAL;
		fo.codes[fo.ncodes++] = (unsigned)(code < 0 ? 0 : code);
		p = *end ? end + 1 : end;
	}
	return dir_builder_trunk_failover(b, id, &fo);
}

/* v[10..16]: register, auth_user, auth_password, register_expires,
 * ping_interval_s, ping_up, ping_down. */
static int dir_trunk_health_cols(int64_t id, const char *const *v, struct dir_builder *b)
{
	int64_t exp, ping, up, down;

	if (!v[0] || db_text_int64(v[3], &exp) < 0 || db_text_int64(v[4], &ping) < 0 || db_text_int64(v[5], &up) < 0 ||
	    db_text_int64(v[6], &down) < 0 || exp < 1 || exp > 86400 || ping < 0 || ping > 86400 || up < 1 ||
	    up > 1000 || down < 1 || down > 1000)
		return -EINVAL;
	return dir_builder_set_trunk_health(b, id, v[0][0] == 't', v[1], v[2], (unsigned)exp, (unsigned)ping,
					    (unsigned)up, (unsigned)down);
}

static int dir_load_trunk(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t id, calls;
	double cps;

	if (ncols != 21 || db_text_int64(v[0], &id) < 0 || !v[2] || !v[3] || db_text_int64(v[4], &calls) < 0 ||
	    calls < -1 || calls > 100000 || dir_num(v[5], &cps) < 0 || !v[18] || !v[19] || !v[20])
		return dir_refuse(c, -EINVAL, v[1]);
	c->rc = dir_builder_add_trunk(c->b, id, v[1], strcmp(v[2], "pri") == 0 ? DIR_TRUNK_PRI : DIR_TRUNK_SIP,
				      v[3][0] == 't', (int)calls, cps);
	if (c->rc == 0)
		c->rc = dir_trunk_failover_cols(id, v + 6, c->b);
	if (c->rc == 0)
		c->rc = dir_trunk_health_cols(id, v + 10, c->b);
	if (c->rc == 0)
		c->rc = dir_builder_set_trunk_sipt(c->b, id,
						   !v[17] || strcmp(v[17], "none") == 0 ? DIR_SIPT_NONE
						   : strcmp(v[17], "sip-t") == 0        ? DIR_SIPT_T
						   : strcmp(v[17], "sip-i") == 0        ? DIR_SIPT_I
											: (enum dir_sipt) - 1);
	if (c->rc == 0)
		c->rc = dir_builder_set_trunk_secure(c->b, id, v[18][0] == 't');
	if (c->rc == 0)
		c->rc = dir_builder_set_trunk_dtmf(c->b, id, (enum dir_dtmf)dir_dtmf_parse(v[19]));
	if (c->rc == 0)
		c->rc = dir_builder_set_trunk_t38(c->b, id, v[20][0] == 't');
	return c->rc < 0 ? dir_refuse(c, c->rc, v[1]) : 0;
}

static int dir_load_destination(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t cust;

	if (ncols != 3 || db_text_int64(v[0], &cust) < 0 || !v[2])
		return dir_refuse(c, -EINVAL, v[1]);
	c->rc = dir_builder_add_destination(c->b, cust, v[1], strcmp(v[2], "allow") == 0);
	return c->rc < 0 ? dir_refuse(c, c->rc, v[1]) : 0;
}

static int dir_load_caller(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t cust;

	if (ncols != 2 || db_text_int64(v[0], &cust) < 0)
		return dir_refuse(c, -EINVAL, v[1]);
	c->rc = dir_builder_add_caller(c->b, cust, v[1]);
	return c->rc < 0 ? dir_refuse(c, c->rc, v[1]) : 0;
}

static int dir_load_member(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t id, trunk, port, prio, weight;
	enum dir_transport tr = DIR_TRANSPORT_UDP;

	if (ncols != 7 || db_text_int64(v[0], &id) < 0 || db_text_int64(v[1], &trunk) < 0 ||
	    db_text_int64(v[3], &port) < 0 || !v[4] || db_text_int64(v[5], &prio) < 0 ||
	    db_text_int64(v[6], &weight) < 0 || port < 0 || prio < 0 || weight < 0)
		return dir_refuse(c, -EINVAL, v[2]);
	if (strcmp(v[4], "tcp") == 0)
		tr = DIR_TRANSPORT_TCP;
	else if (strcmp(v[4], "tls") == 0)
		tr = DIR_TRANSPORT_TLS;
	c->rc = dir_builder_add_member(c->b, id, trunk, v[2], (unsigned)port, tr, (unsigned)prio, (unsigned)weight);
	return c->rc < 0 ? dir_refuse(c, c->rc, v[2]) : 0;
}

static int dir_load_cause(void *arg, int ncols, const char *const *v)
{
	struct dir_load_ctx *c = arg;
	int64_t trunk, q850, sip;

	if (ncols != 4 || db_text_int64(v[0], &trunk) < 0 || !v[1] || db_text_int64(v[2], &q850) < 0 ||
	    db_text_int64(v[3], &sip) < 0 || q850 < 0 || sip < 0)
		return dir_refuse(c, -EINVAL, v[0]);
	c->rc = dir_builder_add_cause(c->b, trunk, strcmp(v[1], "sip_to_q850") == 0 ? DIR_SIP_TO_Q850 : DIR_Q850_TO_SIP,
				      (unsigned)q850, (unsigned)sip);
	return c->rc < 0 ? dir_refuse(c, c->rc, v[0]) : 0;
}

int dir_listen(struct db_session *s, char *err, size_t errlen)
{
	return db_session_exec(s, "LISTEN " DIR_CHANNEL, 0, NULL, err, errlen);
}

/* One query's rows into the builder. */
static int dir_load_table(struct db_session *s, struct dir_load_ctx *c, const char *table, const char *sql,
			  int (*row)(void *, int, const char *const *))
{
	int rc;

	c->table = table;
	c->rc = 0;
	rc = db_session_rows(s, sql, 0, NULL, row, c, c->err, c->errlen);
	return rc > 0 ? c->rc : rc;
}

int dir_load(struct db_session *s, uint64_t version, struct dir_snapshot **out, char *err, size_t errlen)
{
	struct dir_load_ctx c = {NULL, "", err, errlen, 0};
	struct timespec start;
	char dummy[256];
	int rc, began = 0;

	*out = NULL;
	deadline_in(&start, 0);
	if ((rc = dir_builder_new(&c.b)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = db_session_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err, errlen);
	if (rc < 0)
		goto out;
	began = 1;
	if ((rc = dir_load_table(s, &c, "customers", dir_customer_sql, dir_load_customer)) < 0 ||
	    (rc = dir_load_table(s, &c, "customer_addresses", dir_address_sql, dir_load_address)) < 0 ||
	    (rc = dir_load_table(s, &c, "customer_credentials", dir_credential_sql, dir_load_credential)) < 0 ||
	    (rc = dir_load_table(s, &c, "trunks", dir_trunk_sql, dir_load_trunk)) < 0 ||
	    (rc = dir_load_table(s, &c, "customer_destinations", dir_destination_sql, dir_load_destination)) < 0 ||
	    (rc = dir_load_table(s, &c, "customer_callers", dir_caller_sql, dir_load_caller)) < 0 ||
	    (rc = dir_load_table(s, &c, "trunk_members", dir_member_sql, dir_load_member)) < 0 ||
	    (rc = dir_load_table(s, &c, "cause_maps", dir_cause_sql, dir_load_cause)) < 0 ||
	    (rc = route_load_into(s, dir_builder_routes(c.b), err, errlen)) < 0)
		goto out;
	if ((rc = db_session_exec(s, "COMMIT", 0, NULL, err, errlen)) < 0)
		goto out;
	began = 0;
	if ((rc = dir_builder_build(c.b, version, out, err, errlen)) < 0)
		goto out;
	dir_snapshot_set_load_ms(*out, (unsigned)-deadline_left_ms(&start));
out:
	if (began)
		db_session_exec(s, "ROLLBACK", 0, NULL, dummy, sizeof(dummy));
	dir_builder_free(c.b);
	return rc;
}
