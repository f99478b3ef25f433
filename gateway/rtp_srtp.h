/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SRTP (RFC 3711) for RTP endpoints, keyed by SDES (RFC 4568): the
 * crypto suites we take, fresh master keys, the a=crypto attribute's
 * value, and a pair of libsrtp2 sessions (ours to send, the far end's to
 * receive). libsrtp2 is seen by gateway/rtp_srtp.c only. A context is
 * used by one thread at a time, like the endpoint that holds it. */
#ifndef TANDEM_GW_RTP_SRTP_H
#define TANDEM_GW_RTP_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* The suites (RFC 4568 6.2); 0 is plain RTP. */
enum rtp_srtp_suite {
	RTP_SRTP_NONE = 0,
	RTP_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
	RTP_SRTP_AES_CM_128_HMAC_SHA1_32 = 2,
};

#define RTP_SRTP_KEY_LEN  30 /* master key (16) and salt (14) */
#define RTP_SRTP_KEY_B64  41 /* base64 of the above, with the NUL */
#define RTP_SRTP_OVERHEAD 16 /* room a protected packet needs beyond the RTP packet (libsrtp's trailer) */

/* The keys of an SRTP stream pair, as negotiated by SDES. */
struct rtp_srtp_keys {
	int suite;                    /* enum rtp_srtp_suite; RTP_SRTP_NONE: plain RTP */
	uint8_t tx[RTP_SRTP_KEY_LEN]; /* ours (in our a=crypto) */
	uint8_t rx[RTP_SRTP_KEY_LEN]; /* the far end's (in its a=crypto) */
};

/* One a=crypto attribute (RFC 4568 9.1). */
struct rtp_srtp_crypto {
	unsigned tag; /* 1..999999999 */
	int suite;
	uint8_t key[RTP_SRTP_KEY_LEN];
};

const char *rtp_srtp_suite_name(int suite);
/* The suite named (case-sensitive, as RFC 4568 registers them), or 0. */
int rtp_srtp_suite_by_name(const char *name, size_t len);

/* A fresh master key and salt from the kernel's CSPRNG (getrandom). 0 or
 * -errno (-EAGAIN only if the pool is not initialised yet). */
int rtp_srtp_key_new(uint8_t key[RTP_SRTP_KEY_LEN]);

/* Parse an a=crypto value ("1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^31").
 * 0 and *out; -ENOTSUP for a suite, an MKI, several keys or a session
 * parameter we do not support (the offerer's next attribute may do);
 * -EBADMSG when malformed. */
int rtp_srtp_crypto_parse(const char *value, struct rtp_srtp_crypto *out);
/* Write the value of an a=crypto line (without "a=crypto:"). 0, -EINVAL,
 * -ENOSPC. */
int rtp_srtp_crypto_format(const struct rtp_srtp_crypto *c, char *buf, size_t size);

/* The libsrtp2 sessions for keys (suite not NONE). 0, -EINVAL, -ENOMEM,
 * -EIO (libsrtp2 refused). */
struct rtp_srtp;
int rtp_srtp_new(const struct rtp_srtp_keys *keys, struct rtp_srtp **out);
void rtp_srtp_free(struct rtp_srtp *s);
/* Protect an RTP packet of *len bytes in place; size is the buffer's
 * (at least *len + RTP_SRTP_OVERHEAD). 0 and the new *len, or -EIO. */
int rtp_srtp_protect(struct rtp_srtp *s, uint8_t *pkt, size_t *len, size_t size);
/* Check and decrypt a received SRTP packet in place. 0 and the RTP
 * packet's *len; -EACCES (authentication failed: a forged or tampered
 * packet, or the wrong key), -EALREADY (a replay), -EBADMSG (too short or
 * not RTP). */
int rtp_srtp_unprotect(struct rtp_srtp *s, uint8_t *pkt, size_t *len);
/* The same for RTCP compounds (SRTCP, RFC 3711 3.4: the same sessions,
 * the 80-bit tag). */
int rtp_srtp_protect_rtcp(struct rtp_srtp *s, uint8_t *pkt, size_t *len, size_t size);
int rtp_srtp_unprotect_rtcp(struct rtp_srtp *s, uint8_t *pkt, size_t *len);

#endif
