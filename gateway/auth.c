/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Digest authentication over Sofia-SIP's auth_digest and su_md5: see
 * gateway/auth.h. The nonce is "TTTTTTTTHHHH...": the time it was made (8
 * hex digits) and MD5(key:time:realm) in hex, so any nonce we made can be
 * checked without keeping it, and one we did not make cannot pass. */
#include "config.h"

#include "gateway/auth.h"

#include <errno.h>
#include <sofia-sip/auth_digest.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/su_md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define NONCE_LEN (8 + 32)

struct gw_auth {
	char realm[128];
	char key[33];
	int ttl;
};

struct gw_auth *gw_auth_new(const char *realm, int nonce_ttl)
{
	struct gw_auth *a = calloc(1, sizeof(*a));
	unsigned char raw[16];

	if (!a)
		return NULL;
	snprintf(a->realm, sizeof(a->realm), "%s", realm);
	a->ttl = nonce_ttl > 0 ? nonce_ttl : 300;
	/* A key per start: nonces from before a restart are stale, which
	 * only costs the client one more challenge. */
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(raw, &ts, sizeof(ts) < sizeof(raw) ? sizeof(ts) : sizeof(raw));
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(a->key + 2 * i, 3, "%02x", raw[i]);
	return a;
}

void gw_auth_free(struct gw_auth *a)
{
	free(a);
}

const char *gw_auth_realm(const struct gw_auth *a)
{
	return a->realm;
}

static void nonce_make(const struct gw_auth *a, unsigned long t, char out[NONCE_LEN + 1])
{
	su_md5_t md5;
	char stamp[9];

	snprintf(stamp, sizeof(stamp), "%08lx", t & 0xffffffffUL);
	su_md5_init(&md5);
	su_md5_strupdate(&md5, a->key);
	su_md5_strupdate(&md5, ":");
	su_md5_strupdate(&md5, stamp);
	su_md5_strupdate(&md5, ":");
	su_md5_strupdate(&md5, a->realm);
	memcpy(out, stamp, 8);
	su_md5_hexdigest(&md5, out + 8);
	out[NONCE_LEN] = '\0';
}

void gw_auth_challenge(const struct gw_auth *a, int stale, time_t now, char *buf, size_t len)
{
	char nonce[NONCE_LEN + 1];

	nonce_make(a, (unsigned long)now, nonce);
	snprintf(buf, len, "Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"%s", a->realm, nonce,
		 stale ? ", stale=true" : "");
}

/* 0: ours and fresh; -ESTALE: ours but expired; -EINVAL: not ours. */
static int nonce_check(const struct gw_auth *a, const char *nonce, time_t now)
{
	char want[NONCE_LEN + 1], stamp[9], *end;
	unsigned long t;

	if (!nonce || strlen(nonce) != NONCE_LEN)
		return -EINVAL;
	memcpy(stamp, nonce, 8);
	stamp[8] = '\0';
	t = strtoul(stamp, &end, 16);
	if (*end)
		return -EINVAL;
	nonce_make(a, t, want);
	if (strcmp(want, nonce) != 0)
		return -EINVAL;
	/* Compare in 32 bits, as the stamp is kept. */
	if ((unsigned long)(((unsigned long)now - t) & 0xffffffffUL) > (unsigned long)a->ttl)
		return -ESTALE;
	return 0;
}

enum gw_auth_result gw_auth_check(const struct gw_auth *a, char const *const *params, const char *method, time_t now,
				  gw_auth_lookup lookup, void *arg, char *user, size_t len, int64_t *customer_id)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	auth_response_t ar = {.ar_size = sizeof(ar)};
	auth_hexmd5_t ha1, want;
	enum gw_auth_result r = GW_AUTH_BAD;
	int nc;

	if (!params)
		return GW_AUTH_NONE;
	if (auth_digest_response_get(home, &ar, params) < 0)
		goto out;
	/* Credentials for another realm are not for us: challenge. */
	if (!ar.ar_realm || strcmp(ar.ar_realm, a->realm) != 0) {
		r = GW_AUTH_NONE;
		goto out;
	}
	if (!ar.ar_username || !ar.ar_response || !ar.ar_nonce || !ar.ar_uri || (ar.ar_algorithm && !ar.ar_md5) ||
	    ar.ar_auth_int || (ar.ar_qop && (!ar.ar_auth || !ar.ar_cnonce || !ar.ar_nc)))
		goto out;
	nc = nonce_check(a, ar.ar_nonce, now);
	if (nc == -EINVAL)
		goto out;
	/* Unknown users go through the same steps as known ones, against a
	 * HA1 nobody has: the answer is the same. */
	if (lookup(arg, ar.ar_username, a->realm, ha1, customer_id) < 0) {
		memset(ha1, 'x', 32);
		ha1[32] = '\0';
		*customer_id = 0;
	}
	if (auth_digest_response(&ar, want, ha1, method, NULL, 0) < 0 || strcasecmp(want, ar.ar_response) != 0 ||
	    *customer_id <= 0)
		goto out;
	if (nc == -ESTALE) {
		r = GW_AUTH_STALE;
		goto out;
	}
	snprintf(user, len, "%s", ar.ar_username);
	r = GW_AUTH_OK;
out:
	su_home_deinit(home);
	return r;
}

const char *gw_auth_result_name(enum gw_auth_result r)
{
	switch (r) {
	case GW_AUTH_NONE:
		return "none";
	case GW_AUTH_OK:
		return "ok";
	case GW_AUTH_STALE:
		return "stale";
	case GW_AUTH_BAD:
		return "bad";
	}
	return "?";
}
