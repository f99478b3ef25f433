/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Digest authentication (gateway/auth.c) against responses computed the
 * way a client computes them (Sofia's own digest code), and the
 * registrar's bindings (gateway/registrar.c): NAT rewriting, order,
 * expiry, removal. */
#include "config.h"

#include "gateway/auth.h"
#include "gateway/registrar.h"
#include "tests/tap.h"

#include <sofia-sip/auth_digest.h>
#include <stdio.h>
#include <string.h>

static const char *const test_user = "remote-pbx";
static const char *const test_pass = "s3cret";

/* The directory: one user in realm "tandem", customer 7. */
static int lookup(void *arg, const char *user, const char *realm, char ha1[33], int64_t *customer_id)
{
	(void)arg;
	if (strcmp(user, test_user) != 0 || strcmp(realm, "tandem") != 0)
		return -1;
	auth_digest_ha1(ha1, user, realm, test_pass);
	*customer_id = 7;
	return 0;
}

/* The nonce of a challenge header value. */
static void nonce_of(const char *chal, char *nonce, size_t len)
{
	const char *p = strstr(chal, "nonce=\"");

	nonce[0] = '\0';
	if (p)
		snprintf(nonce, len, "%.*s", (int)strcspn(p + 7, "\""), p + 7);
}

/* Check a response made by a client with user/password for nonce. */
static enum gw_auth_result answer(const struct gw_auth *a, const char *user, const char *pass, const char *realm,
				  const char *nonce, const char *method, time_t now, int64_t *cust)
{
	auth_response_t ar = {.ar_size = sizeof(ar)};
	auth_hexmd5_t ha1, resp;
	char p[9][200], who[64];
	const char *params[10];

	ar.ar_username = user;
	ar.ar_realm = realm;
	ar.ar_nonce = nonce;
	ar.ar_uri = "sip:+442071230016@127.0.0.1";
	ar.ar_qop = "auth";
	ar.ar_auth = 1;
	ar.ar_nc = "00000001";
	ar.ar_cnonce = "0a4f113b";
	ar.ar_md5 = 1;
	auth_digest_ha1(ha1, user, realm, pass);
	auth_digest_response(&ar, resp, ha1, method, NULL, 0);
	snprintf(p[0], 200, "username=\"%s\"", user);
	snprintf(p[1], 200, "realm=\"%s\"", realm);
	snprintf(p[2], 200, "nonce=\"%s\"", nonce);
	snprintf(p[3], 200, "uri=\"%s\"", ar.ar_uri);
	snprintf(p[4], 200, "response=\"%s\"", resp);
	snprintf(p[5], 200, "algorithm=MD5");
	snprintf(p[6], 200, "qop=auth");
	snprintf(p[7], 200, "nc=%s", ar.ar_nc);
	snprintf(p[8], 200, "cnonce=\"%s\"", ar.ar_cnonce);
	for (int i = 0; i < 9; i++)
		params[i] = p[i];
	params[9] = NULL;
	*cust = -1;
	return gw_auth_check(a, params, method, now, lookup, NULL, who, sizeof(who), cust);
}

static void test_auth(void)
{
	struct gw_auth *a = gw_auth_new("tandem", 300), *other = gw_auth_new("tandem", 300);
	const time_t t0 = 1700000000;
	char chal[300], chal2[300], nonce[64], user[64], tampered[64];
	const char *none[] = {NULL};
	int64_t cust;

	if (!a || !other) {
		ok(0, "authenticators made");
		return;
	}
	gw_auth_challenge(a, 0, t0, chal, sizeof(chal));
	nonce_of(chal, nonce, sizeof(nonce));
	ok(strncmp(chal, "Digest realm=\"tandem\", nonce=\"", 30) == 0 && strstr(chal, "algorithm=MD5, qop=\"auth\"") &&
	       !strstr(chal, "stale"),
	   "challenge: realm, nonce, MD5, qop=auth (%s)", chal);
	is_int(strlen(nonce), 40, "the nonce: a time and a keyed MD5");
	gw_auth_challenge(a, 1, t0, chal2, sizeof(chal2));
	ok(strstr(chal2, ", stale=true") != NULL, "a stale challenge says so");

	is_int(answer(a, test_user, test_pass, "tandem", nonce, "INVITE", t0 + 10, &cust), GW_AUTH_OK,
	       "the right password: ok");
	is_int(cust, 7, "the credential's customer");
	is_int(answer(a, test_user, test_pass, "tandem", nonce, "REGISTER", t0 + 10, &cust), GW_AUTH_OK,
	       "the same for REGISTER");
	is_int(answer(a, test_user, "wrong", "tandem", nonce, "INVITE", t0 + 10, &cust), GW_AUTH_BAD,
	       "a wrong password: bad");
	is_int(answer(a, "nobody", test_pass, "tandem", nonce, "INVITE", t0 + 10, &cust), GW_AUTH_BAD,
	       "an unknown user: the same answer");
	is_int(answer(a, test_user, test_pass, "elsewhere", nonce, "INVITE", t0 + 10, &cust), GW_AUTH_NONE,
	       "credentials for another realm: none (challenge)");
	is_int(answer(a, test_user, test_pass, "tandem", nonce, "INVITE", t0 + 301, &cust), GW_AUTH_STALE,
	       "the right password on an expired nonce: stale");
	is_int(answer(a, test_user, "wrong", "tandem", nonce, "INVITE", t0 + 301, &cust), GW_AUTH_BAD,
	       "a wrong password on an expired nonce: bad, not stale");
	snprintf(tampered, sizeof(tampered), "%s", nonce);
	tampered[7] = tampered[7] == '0' ? '1' : '0'; /* an older time, keyed MD5 unchanged */
	is_int(answer(a, test_user, test_pass, "tandem", tampered, "INVITE", t0 + 10, &cust), GW_AUTH_BAD,
	       "a nonce whose time was changed: bad");
	is_int(answer(other, test_user, test_pass, "tandem", nonce, "INVITE", t0 + 10, &cust), GW_AUTH_BAD,
	       "a nonce another authenticator (another start) made: bad");
	is_int(gw_auth_check(a, NULL, "INVITE", t0, lookup, NULL, user, sizeof(user), &cust), GW_AUTH_NONE,
	       "no header: none");
	is_int(gw_auth_check(a, none, "INVITE", t0, lookup, NULL, user, sizeof(user), &cust), GW_AUTH_NONE,
	       "no parameters: none");
	is_str(gw_auth_result_name(GW_AUTH_STALE), "stale", "result names");
	gw_auth_free(a);
	gw_auth_free(other);
}

static void test_private(void)
{
	ok(gw_reg_is_private("10.0.0.5"), "10/8 is private");
	ok(gw_reg_is_private("172.16.0.1") && gw_reg_is_private("172.31.255.255"), "172.16/12 is private");
	ok(!gw_reg_is_private("172.32.0.1"), "172.32 is not");
	ok(gw_reg_is_private("192.168.1.1"), "192.168/16 is private");
	ok(gw_reg_is_private("100.64.0.1") && !gw_reg_is_private("100.128.0.1"), "100.64/10 (shared) is private");
	ok(gw_reg_is_private("169.254.1.1"), "link-local is private");
	ok(gw_reg_is_private("[fd00::1]") && gw_reg_is_private("fe80::1"), "IPv6 ULA and link-local are private");
	ok(!gw_reg_is_private("2001:db8::1") && !gw_reg_is_private("192.0.2.7"), "public addresses are not");
	ok(!gw_reg_is_private("pbx.example.com") && !gw_reg_is_private(NULL), "host names are not");
}

static void test_bindings(void)
{
	struct gw_registrar *r = gw_reg_new();
	const struct gw_reg_binding *b[4];
	const time_t t0 = 1700000000;

	if (!r) {
		ok(0, "registrar made");
		return;
	}
	is_int(gw_reg_update(r, 7, "pbx@gw", "sip:pbx@10.0.0.5:5060", "pbx", "10.0.0.5", 5060, "192.0.2.7", 40123,
			     "udp", "c1", 300, t0),
	       0, "a binding behind a NAT");
	is_int(gw_reg_lookup(r, 7, NULL, t0, b, 4), 1, "found by customer");
	is_str(b[0]->target, "sip:pbx@192.0.2.7:40123", "reached at the REGISTER's source address and port");
	ok(b[0]->nat, "marked NAT");
	is_int(gw_reg_update(r, 7, "pbx@gw", "sip:pbx@198.51.100.9", "pbx", "198.51.100.9", 0, "198.51.100.9", 5060,
			     "tcp", "c2", 600, t0 + 1),
	       0, "a second, public, over TCP");
	is_int(gw_reg_lookup(r, 7, "pbx@gw", t0 + 2, b, 4), 2, "two bindings for the AOR");
	is_str(b[0]->target, "sip:pbx@198.51.100.9;transport=tcp", "the newest first, as registered, over TCP");
	ok(!b[0]->nat, "a public contact is not rewritten");
	is_int(gw_reg_lookup(r, 7, NULL, t0 + 2, b, 1), 1, "max 1: one");
	is_str(b[0]->contact, "sip:pbx@198.51.100.9", "the newest kept");
	is_int(gw_reg_lookup(r, 8, NULL, t0 + 2, b, 4), 0, "another customer sees none");
	is_int(gw_reg_update(r, 7, "pbx@gw", "sip:pbx@10.0.0.5:5060", "pbx", "10.0.0.5", 5060, "192.0.2.7", 40999,
			     "udp", "c1", 300, t0 + 3),
	       0, "the first refreshed from a new port");
	is_int(gw_reg_count(r), 2, "a refresh does not add a binding");
	gw_reg_lookup(r, 7, NULL, t0 + 4, b, 4);
	is_str(b[0]->target, "sip:pbx@192.0.2.7:40999", "the refresh is newest and follows the new port");
	is_int(gw_reg_lookup(r, 7, NULL, t0 + 304, b, 4), 1, "after 300 s only the 600 s binding is live");
	is_int(gw_reg_expire(r, t0 + 304), 1, "expiry drops one");
	is_int(gw_reg_update(r, 7, "pbx@gw", "sip:pbx@198.51.100.9", "pbx", "198.51.100.9", 0, "198.51.100.9", 5060,
			     "tcp", "c2", 0, t0 + 5),
	       0, "Expires 0 removes");
	is_int(gw_reg_count(r), 0, "none left");
	gw_reg_update(r, 7, "a@gw", "sip:a@10.0.0.1", "a", "10.0.0.1", 0, "10.0.0.1", 5060, "udp", "c3", 60, t0);
	gw_reg_update(r, 7, "a@gw", "sip:a@10.0.0.2", "a", "10.0.0.2", 0, "192.0.2.1", 5060, "udp", "c3", 60, t0);
	gw_reg_update(r, 7, "b@gw", "sip:b@10.0.0.3", "b", "10.0.0.3", 0, "192.0.2.1", 5060, "udp", "c4", 60, t0);
	gw_reg_lookup(r, 7, "a@gw", t0, b, 4);
	is_str(b[1]->target, "sip:a@10.0.0.1", "a private contact equal to its source is not rewritten");
	gw_reg_remove_aor(r, 7, "a@gw");
	is_int(gw_reg_count(r), 1, "Contact: * removes every binding of the AOR, not others");
	gw_reg_free(r);
}

int main(void)
{
	test_auth();
	test_private();
	test_bindings();
	return tap_done();
}
