/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MD5 (RFC 1321), for SIP digest authentication (RFC 3261 22.4, whose HA1
 * is MD5(user:realm:password)). Not for anything that needs a secure hash:
 * digest authentication is where the protocol requires it. */
#ifndef TANDEM_COMMON_MD5_H
#define TANDEM_COMMON_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5_ctx {
	uint32_t state[4];
	uint64_t bytes; /* message length so far */
	unsigned char buf[64];
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t len);
void md5_final(struct md5_ctx *c, unsigned char digest[16]);

/* The digest of len bytes as 32 lower-case hex digits and a NUL. */
void md5_hex(const void *data, size_t len, char hex[33]);

#endif
