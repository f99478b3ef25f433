/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: MD5 against the RFC 1321 (A.5) test suite, across block
 * boundaries, and a SIP digest HA1 (RFC 3261 22.4). */
#include "config.h"

#include "common/md5.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
	static const char *const suite[][2] = {
	    {"", "d41d8cd98f00b204e9800998ecf8427e"},
	    {"a", "0cc175b9c0f1b6a831c399e269772661"},
	    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
	    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
	    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"},
	    {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	     "57edf4a22be3c955ac49da2e2107b67a"},
	};
	char hex[33];

	for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
		md5_hex(suite[i][0], strlen(suite[i][0]), hex);
		is_str(hex, suite[i][1], "RFC 1321 A.5: MD5(\"%s\")", suite[i][0]);
	}

	/* The same 80 bytes fed in pieces of every size 1..80 (a piece ending
	 * inside, at and across the 64-byte block and the 56-byte pad mark). */
	const char *m = suite[6][0];
	int same = 1;
	for (size_t step = 1; step <= 80; step++) {
		struct md5_ctx c;
		unsigned char d[16], want[16] = {0x57, 0xed, 0xf4, 0xa2, 0x2b, 0xe3, 0xc9, 0x55,
						 0xac, 0x49, 0xda, 0x2e, 0x21, 0x07, 0xb6, 0x7a};
		md5_init(&c);
		for (size_t off = 0; off < 80; off += step)
			md5_update(&c, m + off, off + step > 80 ? 80 - off : step);
		md5_final(&c, d);
		same &= memcmp(d, want, 16) == 0;
	}
	ok(same, "the 80-byte vector in pieces of 1..80 bytes gives the same digest");

	/* Lengths 55, 56, 63, 64, 65: padding needs one block or two. */
	static const char *const edges[][2] = {
	    {"55", "ef1772b6dff9a122358552954ad0df65"}, {"56", "3b0c8ac703f828b04c6c197006d17218"},
	    {"63", "b06521f39153d618550606be297466d5"}, {"64", "014842d480b571495a4a0363793f7367"},
	    {"65", "c743a45e0d2e6a95cb859adae0248435"},
	};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		char buf[80];
		size_t n = (size_t)atoi(edges[i][0]);
		memset(buf, 'a', n);
		md5_hex(buf, n, hex);
		is_str(hex, edges[i][1], "%zu times 'a'", n);
	}

	/* HA1 for user "bob", realm "biloxi.com", password "zanzibar" (the
	 * credentials of RFC 3261's examples; value from coreutils md5sum). */
	const char *ha1in = "bob:biloxi.com:zanzibar";
	md5_hex(ha1in, strlen(ha1in), hex);
	is_str(hex, "12af60467a33e8518da5c68bbff12b11", "digest HA1 of bob:biloxi.com:zanzibar");
	return tap_done();
}
