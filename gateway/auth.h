/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Digest authentication of customers (RFC 3261 22, RFC 2617 with qop=auth)
 * over Sofia-SIP's digest code: stateless nonces (a time and a keyed MD5
 * of it), challenges that do not depend on the user name (no user
 * enumeration), responses checked against the HA1 in the directory. */
#ifndef TANDEM_GW_AUTH_H
#define TANDEM_GW_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct gw_auth;

enum gw_auth_result {
	GW_AUTH_NONE,  /* no credentials for our realm: challenge */
	GW_AUTH_OK,    /* *customer_id and the user name are set */
	GW_AUTH_STALE, /* right response, expired nonce: challenge with stale=true */
	GW_AUTH_BAD,   /* unknown user, wrong response, malformed, foreign nonce */
};

/* The HA1 and customer of user in realm, or -1 when unknown. */
typedef int (*gw_auth_lookup)(void *arg, const char *user, const char *realm, char ha1[33], int64_t *customer_id);

/* A new authenticator for realm, with a random key; nonces live
 * nonce_ttl seconds. NULL when out of memory. */
struct gw_auth *gw_auth_new(const char *realm, int nonce_ttl);
void gw_auth_free(struct gw_auth *a);
const char *gw_auth_realm(const struct gw_auth *a);

/* A challenge's header value ("Digest realm=..., nonce=..., ...") made at
 * now, into buf. */
void gw_auth_challenge(const struct gw_auth *a, int stale, time_t now, char *buf, size_t len);

/* Check credentials: params are the Authorization (or Proxy-Authorization)
 * header's parameters as Sofia parsed them (NULL: none), method the
 * request's. On GW_AUTH_OK, user (len bytes) and *customer_id are set. */
enum gw_auth_result gw_auth_check(const struct gw_auth *a, char const *const *params, const char *method, time_t now,
				  gw_auth_lookup lookup, void *arg, char *user, size_t len, int64_t *customer_id);

const char *gw_auth_result_name(enum gw_auth_result r);

#endif
