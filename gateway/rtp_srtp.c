/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SRTP with libsrtp2, keyed by SDES (RFC 4568): suites, keys, the a=crypto value, protect and unprotect. */
#include "config.h"

#include "gateway/rtp_srtp.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <srtp2/srtp.h>

struct rtp_srtp {
	srtp_t tx, rx;
};

static const struct {
	const char *name;
	int suite;
} suites[] = {
    {"AES_CM_128_HMAC_SHA1_80", RTP_SRTP_AES_CM_128_HMAC_SHA1_80},
    {"AES_CM_128_HMAC_SHA1_32", RTP_SRTP_AES_CM_128_HMAC_SHA1_32},
};

const char *rtp_srtp_suite_name(int suite)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].suite == suite)
			return suites[i].name;
	return "none";
}

int rtp_srtp_suite_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0)
			return suites[i].suite;
	return RTP_SRTP_NONE;
}

int rtp_srtp_key_new(uint8_t key[RTP_SRTP_KEY_LEN])
{
	size_t got = 0;

	/* Blocks only before the pool is initialised, long before calls. */
	while (got < RTP_SRTP_KEY_LEN) {
		ssize_t n = getrandom(key + got, RTP_SRTP_KEY_LEN - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

/* --- base64 (RFC 4648 4, with padding: a 30-octet key is 40 characters) --- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Decode exactly outlen octets from in[0..len); -EBADMSG otherwise. */
static int b64_decode(const char *in, size_t len, uint8_t *out, size_t outlen)
{
	uint32_t acc = 0;
	size_t bits = 0, o = 0, i;

	while (len && in[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		const char *p = in[i] ? strchr(b64, in[i]) : NULL;

		if (!p)
			return -EBADMSG;
		acc = (acc << 6) | (uint32_t)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outlen)
				return -EBADMSG;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o == outlen ? 0 : -EBADMSG;
}

/* --- a=crypto (RFC 4568 9.1) --------------------------------------------- */

int rtp_srtp_crypto_parse(const char *value, struct rtp_srtp_crypto *out)
{
	const char *p = value, *suite, *key, *end;
	char *num_end;
	unsigned long tag;
	size_t klen;

	memset(out, 0, sizeof(*out));
	if (!p || *p < '0' || *p > '9')
		return -EBADMSG;
	tag = strtoul(p, &num_end, 10);
	if (num_end - p > 9 || *num_end != ' ')
		return -EBADMSG;
	out->tag = (unsigned)tag;
	suite = num_end + 1;
	while (*suite == ' ')
		suite++;
	for (end = suite; *end && *end != ' '; end++)
		;
	if (end == suite || *end != ' ')
		return -EBADMSG;
	out->suite = rtp_srtp_suite_by_name(suite, (size_t)(end - suite));
	if (!out->suite)
		return -ENOTSUP;
	key = end;
	while (*key == ' ')
		key++;
	if (strncmp(key, "inline:", 7) != 0)
		return -EBADMSG;
	key += 7;
	for (end = key; *end && *end != ' ' && *end != '|' && *end != ';'; end++)
		;
	klen = (size_t)(end - key);
	if (b64_decode(key, klen, out->key, sizeof(out->key)) < 0)
		return -EBADMSG;
	if (*end == '|') {
		/* an optional lifetime ("2^31" or decimal), then no MKI: libsrtp
		 * takes a key's lifetime as its own limit (2^48 packets) */
		const char *life = end + 1;

		for (end = life; *end && *end != ' ' && *end != '|' && *end != ';'; end++)
			if (!((*end >= '0' && *end <= '9') || *end == '^'))
				return -EBADMSG;
		if (end == life)
			return -EBADMSG;
		if (*end == '|')
			return -ENOTSUP; /* an MKI */
	}
	if (*end == ';')
		return -ENOTSUP; /* several keys */
	while (*end == ' ')
		end++;
	/* Session parameters (KDR, UNENCRYPTED_SRTP, ...): RFC 4568 6.3 makes an
	 * attribute with one we do not apply unusable. */
	return *end ? -ENOTSUP : 0;
}

int rtp_srtp_crypto_format(const struct rtp_srtp_crypto *c, char *buf, size_t size)
{
	char key[RTP_SRTP_KEY_B64];
	int n;

	if (!c->suite || c->tag > 999999999u)
		return -EINVAL;
	b64_encode(c->key, sizeof(c->key), key);
	n = snprintf(buf, size, "%u %s inline:%s", c->tag, rtp_srtp_suite_name(c->suite), key);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

/* --- Sessions -------------------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void srtp_lib_init(void)
{
	init_rc = srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

static int make_session(int suite, const uint8_t *key, int inbound, srtp_t *out)
{
	srtp_policy_t pol;
	uint8_t k[RTP_SRTP_KEY_LEN];

	memset(&pol, 0, sizeof(pol));
	if (suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
	else
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	/* RFC 5764 and RFC 4568 keep RTCP at the 80-bit tag */
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	memcpy(k, key, sizeof(k));
	pol.key = k;
	pol.window_size = 128;
	pol.allow_repeat_tx = 0;
	return srtp_create(out, &pol) == srtp_err_status_ok ? 0 : -EIO;
}

int rtp_srtp_new(const struct rtp_srtp_keys *keys, struct rtp_srtp **out)
{
	struct rtp_srtp *s;
	int rc;

	*out = NULL;
	if (keys->suite != RTP_SRTP_AES_CM_128_HMAC_SHA1_80 && keys->suite != RTP_SRTP_AES_CM_128_HMAC_SHA1_32)
		return -EINVAL;
	pthread_once(&init_once, srtp_lib_init);
	if (init_rc < 0)
		return init_rc;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	if ((rc = make_session(keys->suite, keys->tx, 0, &s->tx)) < 0 ||
	    (rc = make_session(keys->suite, keys->rx, 1, &s->rx)) < 0) {
		rtp_srtp_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void rtp_srtp_free(struct rtp_srtp *s)
{
	if (!s)
		return;
	if (s->tx)
		srtp_dealloc(s->tx);
	if (s->rx)
		srtp_dealloc(s->rx);
	free(s);
}

int rtp_srtp_protect(struct rtp_srtp *s, uint8_t *pkt, size_t *len, size_t size)
{
	int n = (int)*len;

	if (*len + RTP_SRTP_OVERHEAD > size) /* our suites add a 10 or 4 octet tag, no MKI */
		return -EIO;
	if (srtp_protect(s->tx, pkt, &n) != srtp_err_status_ok)
		return -EIO;
	*len = (size_t)n;
	return 0;
}

int rtp_srtp_unprotect(struct rtp_srtp *s, uint8_t *pkt, size_t *len)
{
	int n = (int)*len;
	srtp_err_status_t st;

	if (*len < 12 || (pkt[0] >> 6) != 2)
		return -EBADMSG;
	st = srtp_unprotect(s->rx, pkt, &n);
	if (st == srtp_err_status_ok) {
		*len = (size_t)n;
		return 0;
	}
	if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old)
		return -EALREADY;
	if (st == srtp_err_status_auth_fail)
		return -EACCES;
	return -EBADMSG;
}

int rtp_srtp_protect_rtcp(struct rtp_srtp *s, uint8_t *pkt, size_t *len, size_t size)
{
	int n = (int)*len;

	if (*len + RTP_SRTP_OVERHEAD > size) /* E flag and index (4), the 80-bit tag */
		return -EIO;
	if (srtp_protect_rtcp(s->tx, pkt, &n) != srtp_err_status_ok)
		return -EIO;
	*len = (size_t)n;
	return 0;
}

int rtp_srtp_unprotect_rtcp(struct rtp_srtp *s, uint8_t *pkt, size_t *len)
{
	int n = (int)*len;
	srtp_err_status_t st;

	if (*len < 8 || (pkt[0] >> 6) != 2)
		return -EBADMSG;
	st = srtp_unprotect_rtcp(s->rx, pkt, &n);
	if (st == srtp_err_status_ok) {
		*len = (size_t)n;
		return 0;
	}
	if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old)
		return -EALREADY;
	return st == srtp_err_status_auth_fail ? -EACCES : -EBADMSG;
}
