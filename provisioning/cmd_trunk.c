/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl trunk add|set|list|show|del, trunk member add|del and trunk
 * cause: where calls leave. A SIP trunk's members are its gateways
 * (trunk_members); a PRI trunk's are the spans whose trunk_id names it.
 * Each command is one transaction; values are checked here for the
 * message, and by 001_core/004_provisioning's constraints again. */
#include "config.h"

#include "common/ctl.h"
#include "db/session.h"
#include "provisioning/prov.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options; the single-valued ones index trunk_opts.v. */
enum {
	TO_KIND = 1,
	TO_MAX_CALLS,
	TO_MAX_CPS,
	TO_SIPT,
	TO_AUTH_USER,
	TO_AUTH_PASSWORD,
	TO_REGISTER_EXPIRES,
	TO_PING_INTERVAL,
	TO_PING_UP,
	TO_PING_DOWN,
	TO_INVITE_TIMEOUT,
	TO_FAILOVER,
	TO_NATIONAL,
	TO_INTERNATIONAL,
	TO_STRIP,
	TO_ADD_PREFIX,
	TO_LIMIT_STATUS,
	TO_LIMIT_CAUSE,
	TO_TRANSPORT,
	TO_PRIORITY,
	TO_WEIGHT,
	TO_DTMF,
	TO_T38,
	TO_NV, /* the flags and repeatables below have no slot */
	TO_ENABLE = TO_NV,
	TO_DISABLE,
	TO_REGISTER,
	TO_NO_REGISTER,
	TO_NO_AUTH,
	TO_REQUIRE_SECURE,
	TO_NO_REQUIRE_SECURE,
	TO_MEMBER,
	TO_SPAN,
	TO_DEL_SPAN,
	TO_DEL,
};

static const struct option trunk_longopts[] = {
    {"kind", required_argument, NULL, TO_KIND},
    {"max-calls", required_argument, NULL, TO_MAX_CALLS},
    {"max-cps", required_argument, NULL, TO_MAX_CPS},
    {"sipt", required_argument, NULL, TO_SIPT},
    {"auth-user", required_argument, NULL, TO_AUTH_USER},
    {"auth-password", required_argument, NULL, TO_AUTH_PASSWORD},
    {"register-expires", required_argument, NULL, TO_REGISTER_EXPIRES},
    {"ping-interval", required_argument, NULL, TO_PING_INTERVAL},
    {"ping-up", required_argument, NULL, TO_PING_UP},
    {"ping-down", required_argument, NULL, TO_PING_DOWN},
    {"invite-timeout", required_argument, NULL, TO_INVITE_TIMEOUT},
    {"failover-codes", required_argument, NULL, TO_FAILOVER},
    {"national-prefix", required_argument, NULL, TO_NATIONAL},
    {"international-prefix", required_argument, NULL, TO_INTERNATIONAL},
    {"strip-digits", required_argument, NULL, TO_STRIP},
    {"add-prefix", required_argument, NULL, TO_ADD_PREFIX},
    {"limit-status", required_argument, NULL, TO_LIMIT_STATUS},
    {"limit-cause", required_argument, NULL, TO_LIMIT_CAUSE},
    {"transport", required_argument, NULL, TO_TRANSPORT},
    {"priority", required_argument, NULL, TO_PRIORITY},
    {"weight", required_argument, NULL, TO_WEIGHT},
    {"dtmf-mode", required_argument, NULL, TO_DTMF},
    {"t38", required_argument, NULL, TO_T38},
    {"enable", no_argument, NULL, TO_ENABLE},
    {"disable", no_argument, NULL, TO_DISABLE},
    {"register", no_argument, NULL, TO_REGISTER},
    {"no-register", no_argument, NULL, TO_NO_REGISTER},
    {"no-auth", no_argument, NULL, TO_NO_AUTH},
    {"require-secure", no_argument, NULL, TO_REQUIRE_SECURE},
    {"no-require-secure", no_argument, NULL, TO_NO_REQUIRE_SECURE},
    {"member", required_argument, NULL, TO_MEMBER},
    {"span", required_argument, NULL, TO_SPAN},
    {"del-span", required_argument, NULL, TO_DEL_SPAN},
    {"del", no_argument, NULL, TO_DEL},
    {NULL, 0, NULL, 0},
};

#define TB(x) (1ull << (x))
/* What trunk add and set take (add also --kind; set also the removals). */
#define TO_SETTINGS                                                                                                   \
	(TB(TO_MAX_CALLS) | TB(TO_MAX_CPS) | TB(TO_SIPT) | TB(TO_AUTH_USER) | TB(TO_AUTH_PASSWORD) |                  \
	 TB(TO_REGISTER_EXPIRES) | TB(TO_PING_INTERVAL) | TB(TO_PING_UP) | TB(TO_PING_DOWN) | TB(TO_INVITE_TIMEOUT) | \
	 TB(TO_FAILOVER) | TB(TO_NATIONAL) | TB(TO_INTERNATIONAL) | TB(TO_STRIP) | TB(TO_ADD_PREFIX) |                \
	 TB(TO_LIMIT_STATUS) | TB(TO_LIMIT_CAUSE) | TB(TO_ENABLE) | TB(TO_DISABLE) | TB(TO_REGISTER) |                \
	 TB(TO_NO_REGISTER) | TB(TO_REQUIRE_SECURE) | TB(TO_NO_REQUIRE_SECURE) | TB(TO_MEMBER) | TB(TO_SPAN) |        \
	 TB(TO_DTMF) | TB(TO_T38))

struct trunk_opts {
	const char *what;
	const char *pos[4]; /* positional arguments */
	int npos;
	const char *v[TO_NV];
	bool enable, disable, reg, no_reg, no_auth, del, secure, no_secure;
	struct prov_strv member, span, del_span;
	char failover[200]; /* --failover-codes as an array literal */
	char pwbuf[256];
};

static int trunk_parse(int argc, char **argv, unsigned long long allowed, int minpos, int maxpos, struct trunk_opts *o)
{
	int c, rc = 0;

	optind = 0; /* glibc starts afresh (see cmd_number.c) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", trunk_longopts, NULL)) != -1 && !rc) {
		if (c == '?' || !(TB(c) & allowed))
			return prov_usage(o->what, "unknown option \"%s\"", argv[optind - 1]);
		if (c < TO_NV) {
			o->v[c] = optarg;
			continue;
		}
		switch (c) {
		case TO_ENABLE:
			o->enable = true;
			break;
		case TO_DISABLE:
			o->disable = true;
			break;
		case TO_REGISTER:
			o->reg = true;
			break;
		case TO_NO_REGISTER:
			o->no_reg = true;
			break;
		case TO_NO_AUTH:
			o->no_auth = true;
			break;
		case TO_REQUIRE_SECURE:
			o->secure = true;
			break;
		case TO_NO_REQUIRE_SECURE:
			o->no_secure = true;
			break;
		case TO_DEL:
			o->del = true;
			break;
		case TO_MEMBER:
			rc = prov_strv_push(&o->member, optarg);
			break;
		case TO_SPAN:
			rc = prov_strv_push(&o->span, optarg);
			break;
		case TO_DEL_SPAN:
			rc = prov_strv_push(&o->del_span, optarg);
			break;
		}
	}
	if (rc) {
		fprintf(stderr, "tandemctl: %s: out of memory\n", o->what);
		return PROV_REFUSED;
	}
	while (optind < argc && o->npos < maxpos)
		o->pos[o->npos++] = argv[optind++];
	if (o->npos < minpos)
		return prov_usage(o->what, "missing argument");
	if (optind < argc)
		return prov_usage(o->what, "unexpected argument \"%s\"", argv[optind]);
	if ((o->enable && o->disable) || (o->reg && o->no_reg) || (o->secure && o->no_secure))
		return prov_usage(o->what, "--enable/--disable, --register/--no-register and --require-secure/"
					   "--no-require-secure exclude each other");
	if ((o->v[TO_AUTH_USER] != NULL) != (o->v[TO_AUTH_PASSWORD] != NULL))
		return prov_usage(o->what, "--auth-user and --auth-password go together");
	if (o->no_auth && o->v[TO_AUTH_USER])
		return prov_usage(o->what, "--no-auth and --auth-user exclude each other");
	return 0;
}

/* One of a fixed set of words. */
static int trunk_check_word(const char *what, const char *field, const char *v, const char *const *words,
			    const char *why)
{
	if (!v)
		return 0;
	for (; *words; words++)
		if (strcmp(v, *words) == 0)
			return 0;
	return prov_refuse(what, field, v, why);
}

/* A whole number in range, or "none" when the column may be NULL. */
static int trunk_check_opt_int(const char *what, const char *field, const char *v, long min, long max)
{
	return v && strcmp(v, "none") == 0 ? 0 : prov_check_int(what, field, v, min, max);
}

/* Digits (and for --add-prefix '+' first, '*' and '#'), or "none". */
static int trunk_check_digits(const char *what, const char *field, const char *v, size_t maxlen, bool dial)
{
	size_t n;

	if (!v || strcmp(v, "none") == 0)
		return 0;
	n = strspn(v + (dial && v[0] == '+'), dial ? "0123456789*#" : "0123456789") + (dial && v[0] == '+');
	if (n != strlen(v) || n == 0 || n - (v[0] == '+') == 0 || n - (v[0] == '+') > maxlen) {
		char why[96];
		snprintf(why, sizeof(why), "must be 1 to %zu %s, or none", maxlen,
			 dial ? "digits (0-9 * #, after an optional +)" : "digits");
		return prov_refuse(what, field, v, why);
	}
	return 0;
}

/* "408,503,..." (or "none") into an array literal of checked numbers. */
static int trunk_check_failover(struct trunk_opts *o)
{
	const char *v = o->v[TO_FAILOVER], *p;
	size_t len = 1;
	int n = 0;

	if (!v)
		return 0;
	strcpy(o->failover, "{");
	for (p = v; strcmp(v, "none") != 0 && *p;) {
		char *end;
		long code = strtol(p, &end, 10);
		if (end == p || end - p != 3 || code < 400 || code > 699 || (*end && *end != ',') || ++n > 32)
			return prov_refuse(o->what, "--failover-codes", v,
					   "must be SIP statuses 400..699 separated by commas (at most 32), or none");
		len += (size_t)snprintf(o->failover + len, sizeof(o->failover) - len, "%s%ld", n > 1 ? "," : "", code);
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return prov_refuse(o->what, "--failover-codes", v, "ends with a comma");
	}
	snprintf(o->failover + len, sizeof(o->failover) - len, "}");
	return 0;
}

static int trunk_read_password(struct trunk_opts *o)
{
	const char *pw = o->v[TO_AUTH_PASSWORD];

	if (pw && strcmp(pw, "-") == 0) {
		if (!fgets(o->pwbuf, sizeof(o->pwbuf), stdin)) {
			fprintf(stderr, "tandemctl: %s: --auth-password -: nothing on standard input\n", o->what);
			return PROV_REFUSED;
		}
		o->pwbuf[strcspn(o->pwbuf, "\r\n")] = 0;
		o->v[TO_AUTH_PASSWORD] = pw = o->pwbuf;
	}
	if (pw && (!*pw || strlen(pw) > 128))
		return prov_refuse(o->what, "--auth-password", "...", "must be 1 to 128 characters");
	return 0;
}

/* HOST[:PORT], [IPV6][:PORT] or a bare IPv6 address, into host and port
 * (port "" when not given). */
static int trunk_split_member(const char *what, const char *v, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon, *end = NULL;

	port[0] = 0;
	if (v[0] == '[') {
		end = strchr(v, ']');
		if (!end || (end[1] && end[1] != ':'))
			return prov_refuse(what, "member", v, "is not HOST[:PORT] ([IPv6 address]:PORT)");
		colon = end[1] ? end + 1 : NULL;
		end++;
	} else {
		colon = strchr(v, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		end = colon ? colon : v + strlen(v);
	}
	if ((size_t)(end - v) >= hostlen || end == v ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:[]-") < (size_t)(end - v))
		return prov_refuse(what, "member", v,
				   "is not HOST[:PORT] (a host name or address, 1 to 253 characters)");
	snprintf(host, hostlen, "%.*s", (int)(end - v), v);
	if (colon) {
		if (prov_check_int(what, "member port", colon + 1, 1, 65535))
			return PROV_REFUSED;
		snprintf(port, portlen, "%s", colon + 1);
	}
	return 0;
}

static int trunk_check(struct trunk_opts *o)
{
	static const char *const dtmf[] = {"rfc4733", "info", "inband", NULL};
	static const char *const kinds[] = {"sip", "pri", NULL}, *const sipt[] = {"none", "sip-t", "sip-i", NULL},
				 *const transports[] = {"udp", "tcp", "tls", NULL},
				 *const yesno[] = {"yes", "no", NULL};
	const char *const *v = o->v;
	int rc = 0;

	if (o->npos > 0)
		rc = prov_check_name(o->what, "trunk", o->pos[0]);
	if (!rc)
		rc = trunk_check_word(o->what, "--kind", v[TO_KIND], kinds, "is not sip or pri");
	if (!rc)
		rc = trunk_check_opt_int(o->what, "--max-calls", v[TO_MAX_CALLS], 0, 100000);
	if (!rc)
		rc = trunk_check_opt_int(o->what, "--max-cps", v[TO_MAX_CPS], 0, 10000);
	if (!rc)
		rc = trunk_check_word(o->what, "--sipt", v[TO_SIPT], sipt, "is not none, sip-t or sip-i");
	if (!rc)
		rc = trunk_check_word(o->what, "--dtmf-mode", v[TO_DTMF], dtmf, "is not rfc4733, info or inband");
	if (!rc)
		rc = trunk_check_word(o->what, "--t38", v[TO_T38], yesno, "is not yes or no");
	if (!rc && v[TO_AUTH_USER] &&
	    (strlen(v[TO_AUTH_USER]) > 64 ||
	     strspn(v[TO_AUTH_USER],
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.!~*'()&=+$,;?/-") !=
		 strlen(v[TO_AUTH_USER]) ||
	     !*v[TO_AUTH_USER]))
		rc =
		    prov_refuse(o->what, "--auth-user", v[TO_AUTH_USER], "is not a SIP user name (1 to 64 characters)");
	if (!rc)
		rc = trunk_read_password(o);
	if (!rc)
		rc = prov_check_int(o->what, "--register-expires", v[TO_REGISTER_EXPIRES], 60, 86400);
	if (!rc)
		rc = prov_check_int(o->what, "--ping-interval", v[TO_PING_INTERVAL], 0, 3600);
	if (!rc)
		rc = prov_check_int(o->what, "--ping-up", v[TO_PING_UP], 1, 100);
	if (!rc)
		rc = prov_check_int(o->what, "--ping-down", v[TO_PING_DOWN], 1, 100);
	if (!rc)
		rc = prov_check_int(o->what, "--invite-timeout", v[TO_INVITE_TIMEOUT], 500, 300000);
	if (!rc)
		rc = trunk_check_failover(o);
	if (!rc)
		rc = trunk_check_digits(o->what, "--national-prefix", v[TO_NATIONAL], 4, false);
	if (!rc)
		rc = trunk_check_digits(o->what, "--international-prefix", v[TO_INTERNATIONAL], 4, false);
	if (!rc)
		rc = prov_check_int(o->what, "--strip-digits", v[TO_STRIP], 0, 15);
	if (!rc)
		rc = trunk_check_digits(o->what, "--add-prefix", v[TO_ADD_PREFIX], 16, true);
	if (!rc)
		rc = prov_check_int(o->what, "--limit-status", v[TO_LIMIT_STATUS], 400, 699);
	if (!rc)
		rc = prov_check_int(o->what, "--limit-cause", v[TO_LIMIT_CAUSE], 1, 127);
	if (!rc)
		rc = trunk_check_word(o->what, "--transport", v[TO_TRANSPORT], transports, "is not udp, tcp or tls");
	if (!rc)
		rc = prov_check_int(o->what, "--priority", v[TO_PRIORITY], 0, 65535);
	if (!rc)
		rc = prov_check_int(o->what, "--weight", v[TO_WEIGHT], 0, 65535);
	for (size_t i = 0; !rc && i < o->span.n; i++)
		rc = prov_check_name(o->what, "--span", o->span.v[i]);
	return rc;
}

static int trunk_begin(struct prov_ctx *ctx, const char *what, int argc, char **argv, unsigned long long allowed,
		       int minpos, int maxpos, struct trunk_opts *o, struct db_session **s)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->what = what;
	*s = NULL;
	rc = trunk_parse(argc, argv, allowed, minpos, maxpos, o);
	if (!rc)
		rc = trunk_check(o);
	if (!rc && prov_open(ctx, s) < 0)
		rc = PROV_REFUSED;
	return rc;
}

static int trunk_end(struct trunk_opts *o, struct db_session *s, int rc)
{
	prov_strv_free(&o->member);
	prov_strv_free(&o->span);
	prov_strv_free(&o->del_span);
	db_session_close(s);
	return rc;
}

/* The trunk's id and kind; a refusal when there is no such trunk. */
static int trunk_find(struct db_session *s, const char *what, const char *name, char *id, size_t idlen, bool *pri)
{
	char kind[8];
	const char *p[] = {name};
	int rc = prov_id(s, what, "trunk", name, id, idlen);

	if (!rc)
		rc = prov_exec(s, what, "SELECT kind FROM trunks WHERE name = $1", 1, p, kind, sizeof(kind));
	*pri = strcmp(kind, "pri") == 0;
	return rc;
}

/* Options that only make sense for one kind, refused by name. */
static int trunk_check_kind(const struct trunk_opts *o, const char *name, bool pri)
{
	if (pri) {
		static const int sip_only[] = {TO_AUTH_USER, TO_REGISTER_EXPIRES, TO_PING_INTERVAL,
					       TO_PING_UP,   TO_PING_DOWN,        TO_INVITE_TIMEOUT};
		if (o->reg)
			return prov_refuse(o->what, "trunk", name, "is a PRI trunk: --register is for SIP trunks");
		if (o->secure)
			return prov_refuse(o->what, "trunk", name,
					   "is a PRI trunk: --require-secure (TLS and SRTP) is for SIP trunks");
		if (o->v[TO_SIPT] && strcmp(o->v[TO_SIPT], "none") != 0)
			return prov_refuse(o->what, "trunk", name, "is a PRI trunk: --sipt is for SIP trunks");
		if (o->v[TO_DTMF] && strcmp(o->v[TO_DTMF], "rfc4733") != 0)
			return prov_refuse(o->what, "trunk", name,
					   "is a PRI trunk: --dtmf-mode is for SIP trunks (its digits are tones)");
		if (o->member.n)
			return prov_refuse(o->what, "trunk", name,
					   "is a PRI trunk: its spans are its members (--span), not --member");
		for (size_t i = 0; i < sizeof(sip_only) / sizeof(sip_only[0]); i++)
			if (o->v[sip_only[i]])
				return prov_refuse(
				    o->what, "trunk", name,
				    "is a PRI trunk: registration, pings and INVITE timeouts are for SIP trunks");
	} else if (o->span.n) {
		return prov_refuse(o->what, "trunk", name, "is a SIP trunk: --span is for PRI trunks");
	}
	return 0;
}

/* Add one member (inside the caller's transaction). */
static int trunk_member_insert(struct db_session *s, const struct trunk_opts *o, const char *id, const char *member)
{
	char host[256], port[8], dup[8];
	int rc = trunk_split_member(o->what, member, host, sizeof(host), port, sizeof(port));
	const char *transport = o->v[TO_TRANSPORT] ? o->v[TO_TRANSPORT] : "udp";
	const char *k[] = {id, host, port[0] ? port : NULL, transport};

	if (!rc)
		rc = prov_exec(s, o->what,
			       "SELECT 1 FROM trunk_members WHERE trunk_id = $1 AND host = $2"
			       " AND port IS NOT DISTINCT FROM $3::integer AND transport = $4",
			       4, k, dup, sizeof(dup));
	if (!rc && dup[0])
		rc = prov_refuse(o->what, "member", member, "is already a member of this trunk (with this transport)");
	const char *p[] = {id,
			   host,
			   port[0] ? port : NULL,
			   transport,
			   o->v[TO_PRIORITY] ? o->v[TO_PRIORITY] : "10",
			   o->v[TO_WEIGHT] ? o->v[TO_WEIGHT] : "100"};
	if (!rc)
		rc = prov_exec(s, o->what,
			       "INSERT INTO trunk_members (trunk_id, host, port, transport, priority, weight)"
			       " VALUES ($1, $2, $3, $4, $5, $6)",
			       6, p, NULL, 0);
	return rc;
}

/* Attach (or with del detach) a span: it must exist; attaching one that
 * another trunk has is refused by name rather than silently moved. */
static int trunk_span(struct db_session *s, const struct trunk_opts *o, const char *id, const char *span, bool del)
{
	char cur[160];
	const char *p[] = {span};
	int rc = prov_exec(s, o->what,
			   "SELECT coalesce(t.id::text || ' ' || t.name, '-') FROM spans sp LEFT JOIN trunks t"
			   " ON t.id = sp.trunk_id WHERE sp.name = $1",
			   1, p, cur, sizeof(cur));
	size_t idlen = strlen(id);

	if (rc)
		return rc;
	if (!cur[0])
		return prov_refuse(o->what, del ? "--del-span" : "--span", span,
				   "does not exist (spans are recorded by the daemon that has them)");
	bool ours = strncmp(cur, id, idlen) == 0 && cur[idlen] == ' ';
	if (del && !ours)
		return prov_refuse(o->what, "--del-span", span, "is not a span of this trunk");
	if (!del && !ours && strcmp(cur, "-") != 0) {
		char why[200];
		snprintf(why, sizeof(why), "belongs to trunk %s (--del-span it there first)", strchr(cur, ' ') + 1);
		return prov_refuse(o->what, "--span", span, why);
	}
	const char *q[] = {span, del ? NULL : id};
	return prov_exec(s, o->what, "UPDATE spans SET trunk_id = $2 WHERE name = $1", 2, q, NULL, 0);
}

/* Apply every setting of o to trunk id, inside the caller's transaction.
 * Nullable columns take "none" to clear them. */
static int trunk_apply(struct db_session *s, const struct trunk_opts *o, const char *id)
{
	const char *const *v = o->v;
	const char *p[] = {id,
			   o->enable    ? "t"
			   : o->disable ? "f"
					: NULL,
			   v[TO_MAX_CALLS],
			   v[TO_MAX_CPS],
			   v[TO_SIPT],
			   o->reg      ? "t"
			   : o->no_reg ? "f"
				       : NULL,
			   v[TO_AUTH_USER],
			   v[TO_AUTH_PASSWORD],
			   o->no_auth ? "t" : "f",
			   v[TO_REGISTER_EXPIRES],
			   v[TO_PING_INTERVAL],
			   v[TO_PING_UP],
			   v[TO_PING_DOWN],
			   v[TO_INVITE_TIMEOUT],
			   v[TO_FAILOVER] ? o->failover : NULL,
			   v[TO_NATIONAL],
			   v[TO_INTERNATIONAL],
			   v[TO_STRIP],
			   v[TO_ADD_PREFIX],
			   v[TO_LIMIT_STATUS],
			   v[TO_LIMIT_CAUSE]};
	int rc = prov_exec(
	    s, o->what,
	    "UPDATE trunks SET enabled = coalesce($2::boolean, enabled),"
	    " max_calls = CASE WHEN $3::text IS NULL THEN max_calls WHEN $3 = 'none' THEN NULL ELSE $3::integer END,"
	    " max_cps = CASE WHEN $4::text IS NULL THEN max_cps WHEN $4 = 'none' THEN NULL ELSE $4::numeric END,"
	    " sipt = coalesce($5, sipt), register = coalesce($6::boolean, register),"
	    " auth_user = CASE WHEN $9::boolean THEN NULL ELSE coalesce($7, auth_user) END,"
	    " auth_password = CASE WHEN $9::boolean THEN NULL ELSE coalesce($8, auth_password) END,"
	    " register_expires = coalesce($10::integer, register_expires),"
	    " ping_interval_s = coalesce($11::integer, ping_interval_s), ping_up = coalesce($12::integer, ping_up),"
	    " ping_down = coalesce($13::integer, ping_down),"
	    " invite_timeout_ms = coalesce($14::integer, invite_timeout_ms),"
	    " failover_codes = coalesce($15::integer[], failover_codes),"
	    " national_prefix = CASE WHEN $16::text IS NULL THEN national_prefix WHEN $16 = 'none' THEN NULL"
	    " ELSE $16 END,"
	    " international_prefix = CASE WHEN $17::text IS NULL THEN international_prefix WHEN $17 = 'none'"
	    " THEN NULL ELSE $17 END,"
	    " strip_digits = coalesce($18::integer, strip_digits),"
	    " add_prefix = CASE WHEN $19::text IS NULL THEN add_prefix WHEN $19 = 'none' THEN NULL ELSE $19 END,"
	    " limit_status = coalesce($20::integer, limit_status), limit_cause = coalesce($21::integer, limit_cause)"
	    " WHERE id = $1",
	    21, p, NULL, 0);

	if (!rc && (o->secure || o->no_secure)) {
		const char *q[] = {id, o->secure ? "t" : "f"};
		rc = prov_exec(s, o->what, "UPDATE trunks SET require_secure = $2::boolean WHERE id = $1", 2, q, NULL,
			       0);
	}
	if (!rc && v[TO_DTMF]) {
		const char *q[] = {id, v[TO_DTMF]};
		rc = prov_exec(s, o->what, "UPDATE trunks SET dtmf_mode = $2 WHERE id = $1", 2, q, NULL, 0);
	}
	if (!rc && o->v[TO_T38]) {
		const char *q[] = {id, strcmp(o->v[TO_T38], "yes") == 0 ? "t" : "f"};
		rc = prov_exec(s, o->what, "UPDATE trunks SET t38 = $2::boolean WHERE id = $1", 2, q, NULL, 0);
	}
	for (size_t i = 0; !rc && i < o->del_span.n; i++)
		rc = trunk_span(s, o, id, o->del_span.v[i], true);
	for (size_t i = 0; !rc && i < o->span.n; i++)
		rc = trunk_span(s, o, id, o->span.v[i], false);
	for (size_t i = 0; !rc && i < o->member.n; i++)
		rc = trunk_member_insert(s, o, id, o->member.v[i]);
	return rc;
}

int prov_trunk_add(struct prov_ctx *ctx, int argc, char **argv)
{
	struct trunk_opts o;
	struct db_session *s;
	char id[32];
	int rc = trunk_begin(ctx, "trunk add", argc, argv, TO_SETTINGS | TB(TO_KIND) | TB(TO_TRANSPORT), 1, 1, &o, &s);

	if (!rc && !o.v[TO_KIND])
		rc = prov_usage(o.what, "--kind sip|pri is required");
	if (!rc)
		rc = trunk_check_kind(&o, o.pos[0], strcmp(o.v[TO_KIND], "pri") == 0);
	if (rc || (rc = prov_begin(s, o.what)))
		return trunk_end(&o, s, rc);
	const char *p[] = {o.pos[0], o.v[TO_KIND]};
	rc = prov_exec(s, o.what, "SELECT id FROM trunks WHERE name = $1", 1, p, id, sizeof(id));
	if (!rc && id[0])
		rc = prov_refuse(o.what, "trunk", o.pos[0], "already exists (trunk set changes it)");
	if (!rc)
		rc = prov_exec(s, o.what, "INSERT INTO trunks (name, kind) VALUES ($1, $2) RETURNING id", 2, p, id,
			       sizeof(id));
	if (!rc)
		rc = trunk_apply(s, &o, id);
	rc = prov_finish(s, o.what, rc);
	if (!rc)
		printf("trunk %s added (%s)\n", o.pos[0], o.v[TO_KIND]);
	return trunk_end(&o, s, rc);
}

int prov_trunk_set(struct prov_ctx *ctx, int argc, char **argv)
{
	struct trunk_opts o;
	struct db_session *s;
	char id[32];
	bool pri;
	int rc = trunk_begin(ctx, "trunk set", argc, argv,
			     (TO_SETTINGS & ~TB(TO_MEMBER)) | TB(TO_NO_AUTH) | TB(TO_DEL_SPAN), 1, 1, &o, &s);

	if (rc || (rc = prov_begin(s, o.what)))
		return trunk_end(&o, s, rc);
	rc = trunk_find(s, o.what, o.pos[0], id, sizeof(id), &pri);
	if (!rc)
		rc = trunk_check_kind(&o, o.pos[0], pri);
	if (!rc)
		rc = trunk_apply(s, &o, id);
	rc = prov_finish(s, o.what, rc);
	if (!rc)
		printf("trunk %s changed\n", o.pos[0]);
	return trunk_end(&o, s, rc);
}

int prov_trunk_member(struct prov_ctx *ctx, int argc, char **argv)
{
	struct trunk_opts o;
	struct db_session *s;
	char id[32], host[256], port[8], got[16];
	bool pri, del;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0))
		return prov_usage("trunk member", "add or del?");
	del = argv[1][0] == 'd';
	rc = trunk_begin(ctx, del ? "trunk member del" : "trunk member add", argc - 1, argv + 1,
			 TB(TO_TRANSPORT) | (del ? 0 : TB(TO_PRIORITY) | TB(TO_WEIGHT)), 2, 2, &o, &s);
	if (rc || (rc = prov_begin(s, o.what)))
		return trunk_end(&o, s, rc);
	rc = trunk_find(s, o.what, o.pos[0], id, sizeof(id), &pri);
	if (!rc && pri)
		rc = prov_refuse(o.what, "trunk", o.pos[0],
				 "is a PRI trunk: its spans are its members (trunk set --span)");
	if (!rc && !del)
		rc = trunk_member_insert(s, &o, id, o.pos[1]);
	if (!rc && del)
		rc = trunk_split_member(o.what, o.pos[1], host, sizeof(host), port, sizeof(port));
	const char *p[] = {id, host, port[0] ? port : NULL, o.v[TO_TRANSPORT]};
	if (!rc && del)
		rc = prov_exec(s, o.what,
			       "WITH d AS (DELETE FROM trunk_members WHERE trunk_id = $1 AND host = $2"
			       " AND port IS NOT DISTINCT FROM $3::integer AND ($4::text IS NULL OR transport = $4)"
			       " RETURNING 1) SELECT count(*) FROM d",
			       4, p, got, sizeof(got));
	if (!rc && del && strcmp(got, "0") == 0)
		rc = prov_refuse(o.what, "member", o.pos[1], "is not a member of this trunk");
	rc = prov_finish(s, o.what, rc);
	if (!rc)
		printf("trunk %s: member %s %s\n", o.pos[0], o.pos[1], del ? "deleted" : "added");
	return trunk_end(&o, s, rc);
}

int prov_trunk_cause(struct prov_ctx *ctx, int argc, char **argv)
{
	static const char *const dirs[] = {"q850_to_sip", "sip_to_q850", NULL};
	struct trunk_opts o;
	struct db_session *s;
	char id[32], got[16];
	bool pri, q2s;
	int rc = trunk_begin(ctx, "trunk cause", argc, argv, TB(TO_DEL), 3, 4, &o, &s);

	if (!rc)
		rc = trunk_check_word(o.what, "direction", o.pos[1], dirs, "is not q850_to_sip or sip_to_q850");
	if (rc)
		return trunk_end(&o, s, rc);
	q2s = strcmp(o.pos[1], "q850_to_sip") == 0;
	if (o.del != (o.npos == 3))
		rc = prov_usage(o.what, o.del ? "--del takes no target value" : "missing the value to map to");
	if (!rc)
		rc = prov_check_int(o.what, q2s ? "cause" : "status", o.pos[2], q2s ? 1 : 400, q2s ? 127 : 699);
	if (!rc && !o.del)
		rc = prov_check_int(o.what, q2s ? "status" : "cause", o.pos[3], q2s ? 400 : 1, q2s ? 699 : 127);
	if (!rc)
		rc = prov_begin(s, o.what);
	if (rc)
		return trunk_end(&o, s, rc);
	rc = trunk_find(s, o.what, o.pos[0], id, sizeof(id), &pri);
	/* One mapping per source value: replace the old one. */
	const char *p[] = {id, o.pos[1], o.pos[2]};
	if (!rc)
		rc = prov_exec(s, o.what,
			       "WITH d AS (DELETE FROM cause_maps WHERE trunk_id = $1 AND direction = $2 AND"
			       " CASE WHEN $2 = 'q850_to_sip' THEN q850_cause ELSE sip_status END = $3::integer"
			       " RETURNING 1) SELECT count(*) FROM d",
			       3, p, got, sizeof(got));
	if (!rc && o.del && strcmp(got, "0") == 0)
		rc = prov_refuse(o.what, q2s ? "cause" : "status", o.pos[2], "has no mapping on this trunk");
	const char *q[] = {id, o.pos[1], q2s ? o.pos[2] : o.pos[3], q2s ? o.pos[3] : o.pos[2]};
	if (!rc && !o.del)
		rc = prov_exec(s, o.what,
			       "INSERT INTO cause_maps (trunk_id, direction, q850_cause, sip_status)"
			       " VALUES ($1, $2, $3, $4)",
			       4, q, NULL, 0);
	rc = prov_finish(s, o.what, rc);
	if (!rc && o.del)
		printf("trunk %s: %s %s mapping deleted\n", o.pos[0], o.pos[1], o.pos[2]);
	else if (!rc)
		printf("trunk %s: %s %s -> %s\n", o.pos[0], o.pos[1], o.pos[2], o.pos[3]);
	return trunk_end(&o, s, rc);
}

int prov_trunk_list(struct prov_ctx *ctx, int argc, char **argv)
{
	static const char *const cols[] = {"name",    "kind",     "enabled", "members", "max_calls",
					   "max_cps", "register", "sipt",    "routes"};
	struct trunk_opts o;
	struct db_session *s;
	int rc = trunk_begin(ctx, "trunk list", argc, argv, 0, 0, 0, &o, &s);

	if (!rc)
		rc = prov_list(ctx, s, o.what, "trunks", cols, 9,
			       "SELECT t.name, t.kind, CASE WHEN t.enabled THEN 'yes' ELSE 'no' END,"
			       " CASE WHEN t.kind = 'pri' THEN (SELECT count(*) FROM spans x WHERE x.trunk_id = t.id)"
			       " ELSE (SELECT count(*) FROM trunk_members x WHERE x.trunk_id = t.id) END,"
			       " coalesce(t.max_calls::text, '-'), coalesce(t.max_cps::text, '-'),"
			       " CASE WHEN t.register THEN 'yes' ELSE 'no' END, t.sipt,"
			       " (SELECT count(*) FROM routes x WHERE x.trunk_id = t.id)"
			       " FROM trunks t ORDER BY t.name",
			       0, NULL);
	return trunk_end(&o, s, rc);
}

int prov_trunk_show(struct prov_ctx *ctx, int argc, char **argv)
{
	static const char *const kv[] = {"field", "value"};
	static const char *const fields[] = {"name",
					     "kind",
					     "enabled",
					     "max_calls",
					     "max_cps",
					     "sipt",
					     "register",
					     "auth_user",
					     "register_expires",
					     "ping_interval",
					     "ping_up",
					     "ping_down",
					     "invite_timeout",
					     "failover_codes",
					     "national_prefix",
					     "international_prefix",
					     "strip_digits",
					     "add_prefix",
					     "limit_status",
					     "limit_cause",
					     "require_secure",
					     "dtmf_mode",
					     "t38",
					     "routes"};
	enum {
		NF = sizeof(fields) / sizeof(fields[0])
	};
	static const char *const members[] = {"host", "port", "transport", "priority", "weight"},
				 *const spans[] = {"span", "node", "backend", "framing", "switchtype", "side"},
				 *const causes[] = {"direction", "from", "to"};
	struct trunk_opts o;
	struct db_session *s;
	struct prov_rows r[4] = {{0}};
	struct ctl_table t[3];
	char id[32], *cells[2 * NF];
	bool pri;
	int rc = trunk_begin(ctx, "trunk show", argc, argv, 0, 1, 1, &o, &s);

	if (!rc)
		rc = trunk_find(s, o.what, o.pos[0], id, sizeof(id), &pri);
	const char *p[] = {id};
	if (!rc)
		rc = prov_rows_query(
		    s, o.what, &r[0],
		    "SELECT name, kind, CASE WHEN enabled THEN 'yes' ELSE 'no' END, coalesce(max_calls::text, 'none'),"
		    " coalesce(max_cps::text, 'none'), sipt, CASE WHEN register THEN 'yes' ELSE 'no' END,"
		    " coalesce(auth_user, '-'), register_expires || ' s', ping_interval_s || ' s', ping_up, ping_down,"
		    " invite_timeout_ms || ' ms', coalesce(nullif(array_to_string(failover_codes, ','), ''), 'none'),"
		    " coalesce(national_prefix, 'none'), coalesce(international_prefix, 'none'), strip_digits,"
		    " coalesce(add_prefix, 'none'), limit_status, limit_cause,"
		    " CASE WHEN require_secure THEN 'yes' ELSE 'no' END, dtmf_mode, CASE WHEN t38 THEN 'yes' ELSE 'no' "
		    "END,"
		    " (SELECT count(*) FROM routes WHERE trunk_id = t.id) FROM trunks t WHERE id = $1",
		    1, p);
	if (!rc)
		rc = prov_rows_query(
		    s, o.what, &r[1],
		    "SELECT host, coalesce(port::text, '-'), transport, priority, weight FROM trunk_members"
		    " WHERE trunk_id = $1 ORDER BY priority, host, port",
		    1, p);
	if (!rc)
		rc = prov_rows_query(
		    s, o.what, &r[2],
		    "SELECT name, node, backend, framing, switchtype, side FROM spans WHERE trunk_id = $1"
		    " ORDER BY name",
		    1, p);
	if (!rc)
		rc = prov_rows_query(
		    s, o.what, &r[3],
		    "SELECT direction, CASE WHEN direction = 'q850_to_sip' THEN q850_cause ELSE sip_status"
		    " END, CASE WHEN direction = 'q850_to_sip' THEN sip_status ELSE q850_cause END"
		    " FROM cause_maps WHERE trunk_id = $1 ORDER BY 1, 2",
		    1, p);
	if (!rc && r[0].n == NF) {
		for (size_t i = 0; i < NF; i++) {
			cells[2 * i] = (char *)fields[i];
			cells[2 * i + 1] = r[0].cells[i];
		}
		t[0] = (struct ctl_table){"trunk", 2, NF, (char **)kv, cells};
		/* A PRI trunk's members are its spans, a SIP trunk's its gateways. */
		if (pri)
			t[1] = (struct ctl_table){"spans", 6, r[2].n / 6, (char **)spans, r[2].cells};
		else
			t[1] = (struct ctl_table){"members", 5, r[1].n / 5, (char **)members, r[1].cells};
		t[2] = (struct ctl_table){"cause_maps", 3, r[3].n / 3, (char **)causes, r[3].cells};
		prov_print_tables(ctx, t, 3);
	}
	for (size_t i = 0; i < 4; i++)
		prov_rows_free(&r[i]);
	return trunk_end(&o, s, rc);
}

int prov_trunk_del(struct prov_ctx *ctx, int argc, char **argv)
{
	struct trunk_opts o;
	struct db_session *s;
	char id[32], n[32];
	bool pri;
	int rc = trunk_begin(ctx, "trunk del", argc, argv, 0, 1, 1, &o, &s);

	if (rc || (rc = prov_begin(s, o.what)))
		return trunk_end(&o, s, rc);
	rc = trunk_find(s, o.what, o.pos[0], id, sizeof(id), &pri);
	const char *p[] = {id};
	/* routes.trunk_id is RESTRICT: say how many routes hold the trunk. */
	if (!rc)
		rc = prov_exec(s, o.what, "SELECT count(*) FROM routes WHERE trunk_id = $1", 1, p, n, sizeof(n));
	if (!rc && strcmp(n, "0") != 0) {
		fprintf(stderr,
			"tandemctl: trunk del: trunk \"%s\" is used by %s route%s (route list --trunk %s; route del "
			"them first)\n",
			o.pos[0], n, strcmp(n, "1") == 0 ? "" : "s", o.pos[0]);
		rc = PROV_REFUSED;
	}
	if (!rc)
		rc = prov_exec(s, o.what, "DELETE FROM trunks WHERE id = $1", 1, p, NULL, 0);
	rc = prov_finish(s, o.what, rc);
	if (!rc)
		printf("trunk %s deleted\n", o.pos[0]);
	return trunk_end(&o, s, rc);
}
