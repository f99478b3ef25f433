/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the directory snapshot (db/directory.h): address blocks by
 * longest match over IPv4 and IPv6, customers, trunks, members, cause maps,
 * the embedded routing index, and what a build refuses. No database. */
#include "config.h"

#include "db/directory.h"
#include "tests/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

/* The customer id for a textual address, 0 for none, -1 for a bad one. */
static long who(const struct dir_snapshot *s, const char *addr)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	const struct dir_customer *c;

	if (inet_pton(AF_INET, addr, &in.sin_addr) == 1)
		c = dir_customer_by_addr(s, (const struct sockaddr *)&in);
	else if (inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1)
		c = dir_customer_by_addr(s, (const struct sockaddr *)&in6);
	else
		return -1;
	return c ? (long)c->id : 0;
}

static struct dir_snapshot *sample(void)
{
	struct dir_builder *b = NULL;
	struct dir_snapshot *s = NULL;
	char err[256] = "";
	int rc = dir_builder_new(&b);

	rc = rc ?: dir_builder_add_customer(b, 3, "initech", true, 5, 1.5, 14400);
	rc = rc ?: dir_builder_add_customer(b, 1, "acme", true, 10, 5, 14400);
	rc = rc ?: dir_builder_add_customer(b, 2, "globex", false, 0, 0, 14400);
	rc = rc ?: dir_builder_add_customer(b, 4, "umbrella", true, 1, 1, 14400);
	rc = rc ?: dir_builder_add_address(b, "10.0.0.0/8", 1);
	rc = rc ?: dir_builder_add_address(b, "10.1.0.0/16", 2);
	rc = rc ?: dir_builder_add_address(b, "10.1.2.3/32", 3);
	rc = rc ?: dir_builder_add_address(b, "192.0.2.7", 4);
	rc = rc ?: dir_builder_add_address(b, "2001:db8::/32", 1);
	rc = rc ?: dir_builder_add_address(b, "2001:db8:1::/48", 2);
	rc = rc ?: dir_builder_add_address(b, "2001:db8:1:2::5/128", 3);
	rc = rc ?: dir_builder_add_credential(b, "pbx", "tandem", "0123456789abcdef0123456789abcdef", 2);
	rc = rc ?: dir_builder_add_credential(b, "pbx", "other", "fedcba9876543210fedcba9876543210", 3);
	rc = rc ?: dir_builder_add_credential(b, "alice", "tandem", "00000000000000000000000000000000", 1);
	rc = rc ?: dir_builder_add_trunk(b, 20, "pri-1", DIR_TRUNK_PRI, true, -1, -1);
	rc = rc ?: dir_builder_add_trunk(b, 10, "carrier-a", DIR_TRUNK_SIP, true, 100, 10);
	rc = rc ?: dir_builder_add_trunk(b, 30, "carrier-off", DIR_TRUNK_SIP, false, 5, 1);
	rc = rc ?: dir_builder_add_member(b, 7, 10, "gw2.example", 5060, DIR_TRANSPORT_TCP, 20, 100);
	rc = rc ?: dir_builder_add_member(b, 5, 10, "gw1.example", 0, DIR_TRANSPORT_UDP, 10, 50);
	rc = rc ?: dir_builder_add_member(b, 6, 10, "gw3.example", 5061, DIR_TRANSPORT_TLS, 10, 50);
	rc = rc ?: dir_builder_trunk_failover(b, 10, &(struct dir_trunk_failover){800, 2, {503, 486}, 486, 17});
	rc = rc ?: dir_builder_add_destination(b, 1, "+44", true);
	rc = rc ?: dir_builder_add_destination(b, 1, "+4490", false);
	rc = rc ?: dir_builder_add_destination(b, 1, "+449012", true);
	rc = rc ?: dir_builder_add_destination(b, 3, "+", false);
	rc = rc ?: dir_builder_add_destination(b, 3, "+1", true);
	rc = rc ?: dir_builder_add_caller(b, 1, "+4420");
	rc = rc ?: dir_builder_add_caller(b, 1, "+15551230000");
	rc = rc ?: dir_builder_set_customer_secure(b, 4, true);
	rc = rc ?: dir_builder_set_trunk_secure(b, 10, true);
	is_int(dir_builder_set_trunk_secure(b, 99, true), -ENOENT, "require_secure of an unknown trunk: -ENOENT");
	rc = rc ?: dir_builder_set_customer_dtmf(b, 3, DIR_DTMF_INFO);
	rc = rc ?: dir_builder_set_trunk_dtmf(b, 10, DIR_DTMF_INBAND);
	is_int(dir_builder_set_trunk_dtmf(b, 99, DIR_DTMF_INFO), -ENOENT, "dtmf_mode of an unknown trunk: -ENOENT");
	is_int(dir_builder_set_customer_dtmf(b, 1, (enum dir_dtmf)7), -EINVAL, "an unknown dtmf_mode: -EINVAL");
	is_int(dir_dtmf_parse("info"), DIR_DTMF_INFO, "dtmf_mode 'info' parses");
	is_int(dir_dtmf_parse("2833"), -1, "another word does not");
	rc = rc ?: dir_builder_set_customer_t38(b, 3, false);
	rc = rc ?: dir_builder_set_trunk_t38(b, 30, false);
	rc = rc ?: dir_builder_set_trunk_t38(b, 10, true);
	is_int(dir_builder_set_customer_t38(b, 99, false), -ENOENT, "t38 of an unknown customer: -ENOENT");
	rc = rc ?: dir_builder_add_cause(b, 10, DIR_SIP_TO_Q850, 17, 486);
	rc = rc ?: dir_builder_add_cause(b, 10, DIR_Q850_TO_SIP, 34, 503);
	rc = rc ?: dir_builder_add_cause(b, 30, DIR_Q850_TO_SIP, 1, 404);
	rc = rc ?: route_builder_add_route(dir_builder_routes(b), "+44", 0, 1, 10, 10, 100);
	rc = rc ?: route_builder_add_route(dir_builder_routes(b), "+4420", 1, 2, 20, 10, 100);
	rc = rc ?: route_builder_add_did(dir_builder_routes(b), "+442071230000", 1, "sip:pbx@acme.example", NULL);
	is_int(rc, 0, "rows added");
	is_int(dir_builder_build(b, 42, &s, err, sizeof(err)), 0, "snapshot builds (%s)", err);
	dir_builder_free(b);
	return s;
}

static void test_addresses(const struct dir_snapshot *s)
{
	struct sockaddr_in6 mapped = {.sin6_family = AF_INET6};
	struct sockaddr_un un = {.sun_family = AF_UNIX};

	is_int(who(s, "10.9.9.9"), 1, "10.9.9.9 -> acme by 10.0.0.0/8");
	is_int(who(s, "10.1.200.1"), 2, "10.1.200.1 -> globex by the longer 10.1.0.0/16");
	is_int(who(s, "10.1.2.3"), 3, "10.1.2.3 -> initech by its /32");
	is_int(who(s, "10.1.2.4"), 2, "10.1.2.4, next to the /32 -> the /16");
	is_int(who(s, "192.0.2.7"), 4, "a host address without /len");
	is_int(who(s, "192.0.2.8"), 0, "its neighbour is unknown");
	is_int(who(s, "11.0.0.1"), 0, "an unknown IPv4 address -> none");
	is_int(who(s, "2001:db8:ffff::1"), 1, "2001:db8:ffff::1 -> acme by the /32");
	is_int(who(s, "2001:db8:1:ffff::1"), 2, "2001:db8:1:ffff::1 -> globex by the /48");
	is_int(who(s, "2001:db8:1:2::5"), 3, "2001:db8:1:2::5 -> initech by the /128");
	is_int(who(s, "2001:db8:1:2::6"), 2, "2001:db8:1:2::6 -> the /48");
	is_int(who(s, "2001:db9::1"), 0, "an unknown IPv6 address -> none");
	is_int(who(s, "::a01:203"), 0, "an IPv4-compatible IPv6 address is IPv6: none");
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &mapped.sin6_addr);
	ok(dir_customer_by_addr(s, (const struct sockaddr *)&mapped) == dir_customer(s, 3),
	   "an IPv4-mapped IPv6 address matches the IPv4 /32");
	ok(dir_customer_by_addr(s, (const struct sockaddr *)&un) == NULL, "an AF_UNIX address -> none");
	ok(dir_customer_by_addr(s, NULL) == NULL, "NULL -> none");
	ok(!dir_customer(s, 2)->enabled, "a disabled customer is found, marked disabled");
	ok(dir_customer(s, 4)->require_secure && !dir_customer(s, 1)->require_secure,
	   "require_secure is kept per customer");
	ok(dir_trunk(s, 10)->require_secure && !dir_trunk(s, 30)->require_secure, "and per trunk");
	ok(dir_customer(s, 3)->dtmf_mode == DIR_DTMF_INFO && dir_customer(s, 1)->dtmf_mode == DIR_DTMF_RFC4733,
	   "dtmf_mode is kept per customer, rfc4733 by default");
	ok(dir_trunk(s, 10)->dtmf_mode == DIR_DTMF_INBAND && dir_trunk(s, 30)->dtmf_mode == DIR_DTMF_RFC4733,
	   "and per trunk");
	ok(dir_customer(s, 3)->no_t38 && !dir_customer(s, 1)->no_t38,
	   "t38 false is kept per customer (true by default)");
	ok(dir_trunk(s, 30)->no_t38 && !dir_trunk(s, 10)->no_t38, "and per trunk");
}

static void test_credentials(const struct dir_snapshot *s)
{
	const struct dir_credential *c = dir_credential(s, "pbx", "tandem");
	struct dir_stats st;

	ok(c && c->customer_id == 2 && strcmp(c->ha1, "0123456789abcdef0123456789abcdef") == 0,
	   "a user's credential in a realm: its HA1 and customer");
	c = dir_credential(s, "pbx", "other");
	ok(c && c->customer_id == 3, "the same user name in another realm is another credential");
	ok(!dir_credential(s, "PBX", "tandem"), "user names are case-sensitive");
	ok(!dir_credential(s, "nobody", "tandem") && !dir_credential(s, "alice", "other"), "unknown: NULL");
	dir_snapshot_stats(s, &st);
	is_int(st.credentials, 3, "stats count the credentials");
}

static void test_records(const struct dir_snapshot *s)
{
	const struct dir_member *m;
	const struct dir_cause_row *c;
	const struct dir_trunk *t;
	struct route_match rm;
	struct route_did did;
	struct dir_stats st;

	is_str(dir_customer(s, 1)->name, "acme", "customer 1 is acme");
	ok(dir_customer(s, 1)->max_calls == 10 && dir_customer(s, 3)->max_cps == 1.5, "customer limits");
	ok(dir_customer(s, 99) == NULL && dir_customer(s, 0) == NULL, "unknown customers -> NULL");
	t = dir_trunk(s, 20);
	ok(t && t->kind == DIR_TRUNK_PRI && t->max_calls == -1 && t->max_cps < 0, "trunk 20: PRI, no limits");
	t = dir_trunk_by_name(s, "carrier-off");
	ok(t && t->id == 30 && !t->enabled, "carrier-off by name: id 30, disabled");
	ok(dir_trunk_by_name(s, "carrier-b") == NULL && dir_trunk_by_name(s, NULL) == NULL && !dir_trunk(s, 11),
	   "unknown trunks -> NULL");
	is_int(dir_trunk_members(s, 10, &m), 3, "carrier-a has 3 members");
	ok(m[0].id == 5 && m[1].id == 6 && m[2].id == 7, "by priority, then id");
	ok(m[1].port == 5061 && m[1].transport == DIR_TRANSPORT_TLS && m[0].port == 0, "port and transport");
	is_str(m[2].host, "gw2.example", "host");
	is_int(dir_trunk_members(s, 20, &m), 0, "pri-1 has no members");
	is_int(dir_trunk_members(s, 99, &m), 0, "an unknown trunk has none");
	ok(dir_trunk_by_member_host(s, DIR_TRUNK_SIP, "gw3.example") == dir_trunk(s, 10),
	   "a member's host names its SIP trunk");
	ok(dir_trunk_by_member_host(s, DIR_TRUNK_PRI, "gw3.example") == NULL, "but not as a PRI trunk");
	ok(dir_trunk_by_member_host(s, DIR_TRUNK_SIP, "gw9.example") == NULL &&
	       dir_trunk_by_member_host(s, DIR_TRUNK_SIP, NULL) == NULL,
	   "an unknown host, or none, names no trunk");
	is_int(dir_cause_rows(s, 10, &c), 2, "carrier-a has 2 cause rows");
	ok(c[0].direction == DIR_Q850_TO_SIP && c[0].q850_cause == 34 && c[0].sip_status == 503 &&
	       c[1].direction == DIR_SIP_TO_Q850 && c[1].sip_status == 486,
	   "sorted by direction");
	is_int(dir_cause_rows(s, 30, &c), 1, "carrier-off has 1");
	is_int(dir_cause_rows(s, 20, &c), 0, "pri-1 has none");
	is_int(route_lookup(dir_routes(s), 1, "+442071234567", &rm), 0, "routes: acme's +4420");
	is_int(rm.targets[0].trunk_id, 20, "to pri-1");
	is_int(route_lookup(dir_routes(s), 0, "+442071234567", &rm), 0, "routes: global +44");
	is_int(rm.targets[0].trunk_id, 10, "to carrier-a");
	is_int(route_did_lookup(dir_routes(s), "+442071230000", &did), 0, "DID found");
	dir_snapshot_stats(s, &st);
	ok(st.version == 42 && st.customers == 4 && st.addresses == 7 && st.trunks == 3 && st.members == 3 &&
	       st.cause_rows == 3 && st.routes.routes == 2 && st.routes.dids == 1 && st.loaded_at > 0,
	   "stats count every table and carry the version");
}

/* Failover settings, destination rules and caller prefixes. */
static void test_policy(const struct dir_snapshot *s)
{
	const struct dir_trunk *a = dir_trunk(s, 10), *p = dir_trunk(s, 20);
	struct dir_stats st;

	ok(a && a->fo.invite_timeout_ms == 800 && a->fo.limit_status == 486 && a->fo.limit_cause == 17,
	   "carrier-a: its invite timeout and limit answer");
	ok(dir_trunk_fails_over(a, 503) && dir_trunk_fails_over(a, 486) && !dir_trunk_fails_over(a, 408),
	   "carrier-a fails over on its own codes only");
	ok(p && p->fo.invite_timeout_ms == 1000 && p->fo.limit_status == 503 && p->fo.limit_cause == 34,
	   "pri-1: the schema's defaults");
	ok(dir_trunk_fails_over(p, 408) && dir_trunk_fails_over(p, 504) && !dir_trunk_fails_over(p, 480) &&
	       !dir_trunk_fails_over(p, 404) && !dir_trunk_fails_over(NULL, 503),
	   "default codes: 408 and 5xx, never 480 or 404");
	ok(dir_customer(s, 1)->max_duration_s == 14400, "a customer's maximum duration");
	ok(dir_destination_allowed(s, 1, "+442071234567"), "acme: +44 allowed");
	ok(!dir_destination_allowed(s, 1, "+449011111111"), "acme: +4490 denied inside +44");
	ok(dir_destination_allowed(s, 1, "+449012345678"), "acme: +449012 allowed inside the +4490 denial");
	ok(dir_destination_allowed(s, 1, "+12125550100"), "acme: no rule matches: allowed");
	ok(dir_destination_allowed(s, 2, "+449011111111"), "globex has no rules: anything");
	ok(!dir_destination_allowed(s, 3, "+442071234567") && dir_destination_allowed(s, 3, "+12125550100"),
	   "initech: everything denied but +1");
	ok(dir_caller_allowed(s, 1, "+442079460000") && dir_caller_allowed(s, 1, "+15551230000"),
	   "acme's callers: a prefix, and a full number");
	ok(!dir_caller_allowed(s, 1, "+15551230001") && !dir_caller_allowed(s, 1, "") &&
	       !dir_caller_allowed(s, 1, NULL),
	   "acme: another number, or none, is refused");
	ok(dir_caller_allowed(s, 2, "+999") && dir_caller_allowed(s, 2, NULL), "globex has no caller rules");
	dir_snapshot_stats(s, &st);
	ok(st.destinations == 5 && st.callers == 2, "stats count rules and callers");
}

/* One failing build: returns its code, err holds the message. */
static int build_fails(int (*fill)(struct dir_builder *), char *err, size_t errlen)
{
	struct dir_builder *b = NULL;
	struct dir_snapshot *s = NULL;
	int rc = dir_builder_new(&b);

	if (rc == 0 && (rc = fill(b)) == 0)
		rc = dir_builder_build(b, 1, &s, err, errlen);
	dir_snapshot_free(s);
	dir_builder_free(b);
	return rc;
}

static int fill_dangling_addr(struct dir_builder *b)
{
	return dir_builder_add_address(b, "10.0.0.0/8", 7);
}

static int fill_dup_addr(struct dir_builder *b)
{
	return dir_builder_add_customer(b, 1, "a", true, 1, 1, 14400) ?: dir_builder_add_address(b, "10.0.0.0/8", 1)
									?: dir_builder_add_address(b, "10.0.0.0/8", 1);
}

static int fill_dup_trunk_name(struct dir_builder *b)
{
	return dir_builder_add_trunk(b, 1, "t", DIR_TRUNK_SIP, true, -1, -1)
		   ?: dir_builder_add_trunk(b, 2, "t", DIR_TRUNK_SIP, true, -1, -1);
}

static int fill_dangling_member(struct dir_builder *b)
{
	return dir_builder_add_member(b, 1, 5, "h", 0, DIR_TRANSPORT_UDP, 1, 1);
}

static int fill_bad_route(struct dir_builder *b)
{
	return route_builder_add_did(dir_builder_routes(b), "+4420", 1, NULL, NULL)
		   ?: route_builder_add_did(dir_builder_routes(b), "+4420", 1, NULL, NULL);
}

static int fill_dangling_cred(struct dir_builder *b)
{
	return dir_builder_add_credential(b, "u", "r", "0123456789abcdef0123456789abcdef", 9);
}

static int fill_dup_cred(struct dir_builder *b)
{
	return dir_builder_add_customer(b, 1, "a", true, 1, 1, 14400)
		   ?: dir_builder_add_credential(b, "u", "r", "0123456789abcdef0123456789abcdef", 1)
			  ?: dir_builder_add_credential(b, "u", "r", "fedcba9876543210fedcba9876543210", 1);
}

static int fill_dangling_rule(struct dir_builder *b)
{
	return dir_builder_add_destination(b, 4, "+44", false);
}

static int fill_dup_caller(struct dir_builder *b)
{
	return dir_builder_add_customer(b, 1, "a", true, 1, 1, 60) ?: dir_builder_add_caller(b, 1, "+44")
									  ?: dir_builder_add_caller(b, 1, "+44");
}

static void test_refused(void)
{
	struct dir_builder *b = NULL;
	char err[256] = "";

	dir_builder_new(&b);
	is_int(dir_builder_add_address(b, "10.0.0.1/8", 1), -EINVAL, "host bits set: refused");
	is_int(dir_builder_add_address(b, "10.0.0.0/33", 1), -EINVAL, "IPv4 /33: refused");
	is_int(dir_builder_add_address(b, "2001:db8::/129", 1), -EINVAL, "IPv6 /129: refused");
	is_int(dir_builder_add_address(b, "10.0.0.0/", 1), -EINVAL, "empty length: refused");
	is_int(dir_builder_add_address(b, "example.com/8", 1), -EINVAL, "a name: refused");
	is_int(dir_builder_add_address(b, "0.0.0.0/0", 0), -EINVAL, "customer 0: refused");
	is_int(dir_builder_add_member(b, 1, 1, "h", 65536, DIR_TRANSPORT_UDP, 1, 1), -EINVAL, "port 65536: refused");
	is_int(dir_builder_add_cause(b, 1, DIR_Q850_TO_SIP, 0, 500), -EINVAL, "cause 0: refused");
	is_int(dir_builder_add_cause(b, 1, DIR_Q850_TO_SIP, 16, 399), -EINVAL, "status 399: refused");
	is_int(dir_builder_add_customer(b, 1, NULL, true, 1, 1, 14400), -EINVAL, "a customer without a name: refused");
	is_int(dir_builder_add_credential(b, "u", "r", "0123456789ABCDEF0123456789abcdef", 1), -EINVAL,
	       "an HA1 in capitals: refused");
	is_int(dir_builder_add_credential(b, "u", "r", "0123", 1), -EINVAL, "a short HA1: refused");
	is_int(dir_builder_add_credential(b, "", "r", "0123456789abcdef0123456789abcdef", 1), -EINVAL,
	       "an empty user name: refused");
	is_int(dir_builder_add_customer(b, 1, "a", true, 1, 1, 0), -EINVAL, "a maximum duration of 0: refused");
	is_int(dir_builder_add_destination(b, 1, "44", true), -EINVAL, "a prefix without '+': refused");
	is_int(dir_builder_add_destination(b, 1, "+44a", true), -EINVAL, "a prefix with a letter: refused");
	is_int(dir_builder_add_caller(b, 1, "+12345678901234567"), -EINVAL, "a prefix of 16 digits: refused");
	is_int(dir_builder_add_trunk(b, 1, "t", DIR_TRUNK_SIP, true, -1, -1), 0, "a trunk");
	is_int(dir_builder_trunk_failover(b, 1, &(struct dir_trunk_failover){500, 1, {399}, 503, 34}), -EINVAL,
	       "a failover code of 399: refused");
	is_int(dir_builder_trunk_failover(b, 1, &(struct dir_trunk_failover){500, 0, {0}, 503, 128}), -EINVAL,
	       "a limit cause of 128: refused");
	is_int(dir_builder_trunk_failover(b, 2, &(struct dir_trunk_failover){500, 0, {0}, 503, 34}), -ENOENT,
	       "failover settings for a trunk not added: refused");
	is_int(dir_builder_set_trunk_sipt(b, 1, DIR_SIPT_I), 0, "a SIP trunk speaks SIP-I");
	is_int(dir_builder_set_trunk_sipt(b, 1, (enum dir_sipt)3), -EINVAL, "an unknown ISUP encapsulation: refused");
	is_int(dir_builder_set_trunk_sipt(b, 2, DIR_SIPT_T), -ENOENT, "SIP-T for a trunk not added: refused");
	is_int(dir_builder_add_trunk(b, 3, "p", DIR_TRUNK_PRI, true, -1, -1), 0, "a PRI trunk");
	is_int(dir_builder_set_trunk_sipt(b, 3, DIR_SIPT_T), -EINVAL, "SIP-T on a PRI trunk: refused");
	is_int(dir_builder_set_trunk_sipt(b, 3, DIR_SIPT_NONE), 0, "none on a PRI trunk: its default");
	dir_builder_free(b);
	is_int(build_fails(fill_dangling_rule, err, sizeof(err)), -EINVAL, "a destination of an unknown customer");
	is_str(err, "customer_destinations: +44 for unknown customer 4", "names the prefix");
	is_int(build_fails(fill_dup_caller, err, sizeof(err)), -EEXIST, "a caller prefix twice");
	is_int(build_fails(fill_dangling_addr, err, sizeof(err)), -EINVAL, "an address of an unknown customer");
	is_str(err, "customer_addresses: 10.0.0.0/8 for unknown customer 7", "names the address");
	is_int(build_fails(fill_dup_addr, err, sizeof(err)), -EEXIST, "the same block twice");
	is_int(build_fails(fill_dup_trunk_name, err, sizeof(err)), -EEXIST, "two trunks named alike");
	is_int(build_fails(fill_dangling_member, err, sizeof(err)), -EINVAL, "a member of an unknown trunk");
	is_int(build_fails(fill_bad_route, err, sizeof(err)), -EEXIST, "the route builder's refusal comes through");
	is_int(build_fails(fill_dangling_cred, err, sizeof(err)), -EINVAL, "a credential of an unknown customer");
	is_str(err, "customer_credentials: u for unknown customer 9", "names the user");
	is_int(build_fails(fill_dup_cred, err, sizeof(err)), -EEXIST, "a user twice in one realm");
}

/* Random blocks and addresses against a linear longest-match scan. */
static void test_random(void)
{
	enum {
		NBLOCKS = 400,
		NPROBES = 20000
	};
	static uint8_t net[NBLOCKS][4];
	static unsigned len[NBLOCKS];
	static int skip[NBLOCKS];
	struct dir_builder *b = NULL;
	struct dir_snapshot *s = NULL;
	char text[64], err[256] = "";
	int bad = 0, added = 0;

	srand(7);
	dir_builder_new(&b);
	for (int i = 0; i < NBLOCKS; i++) {
		uint32_t a = (uint32_t)rand() & 0x0a0f0f0f;

		len[i] = 4 + (unsigned)rand() % 29;
		a &= ~UINT32_C(0) << (32 - len[i]);
		for (int k = 0; k < 4; k++)
			net[i][k] = (uint8_t)(a >> (24 - 8 * k));
		for (int j = 0; j < i; j++)
			if (len[j] == len[i] && memcmp(net[j], net[i], 4) == 0)
				skip[i] = 1; /* drawn twice: keep the first */
		if (skip[i])
			continue;
		snprintf(text, sizeof(text), "%u.%u.%u.%u/%u", net[i][0], net[i][1], net[i][2], net[i][3], len[i]);
		/* The customer id is the block's index + 2, for the comparison. */
		dir_builder_add_customer(b, i + 2, "c", true, 1, 1, 14400);
		if (dir_builder_add_address(b, text, i + 2) == 0)
			added++;
	}
	is_int(dir_builder_build(b, 1, &s, err, sizeof(err)), 0, "%d random IPv4 blocks build (%s)", added, err);
	dir_builder_free(b);
	for (int p = 0; s && p < NPROBES; p++) {
		uint32_t a = (uint32_t)rand() & 0x0a0f0f0f;
		long want = 0;
		unsigned best = 0;

		for (int i = 0; i < NBLOCKS; i++) {
			if (skip[i])
				continue;
			uint32_t n = (uint32_t)net[i][0] << 24 | (uint32_t)net[i][1] << 16 | (uint32_t)net[i][2] << 8 |
				     net[i][3];
			uint32_t mask = ~UINT32_C(0) << (32 - len[i]);

			if ((a & mask) == n && len[i] >= best) {
				best = len[i];
				want = i + 2;
			}
		}
		snprintf(text, sizeof(text), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
		if (who(s, text) != want && bad++ < 5)
			printf("# %s: got %ld, want %ld\n", text, who(s, text), want);
	}
	is_int(bad, 0, "%d random addresses agree with a linear longest-match scan", NPROBES);
	dir_snapshot_free(s);
}

int main(void)
{
	struct dir_snapshot *s = sample();

	if (s) {
		test_addresses(s);
		test_records(s);
		test_credentials(s);
		test_policy(s);
	}
	dir_snapshot_free(s);
	test_refused();
	test_random();
	return tap_done();
}
