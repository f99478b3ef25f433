/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for the ISUP codec: whatever decodes must encode, and
 * decode again to the same message (both variants tried on every input). */
#include "config.h"

#include "isup/tisup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(enum tisup_variant v, const uint8_t *data, size_t size)
{
	static struct tisup_msg m1, m2;
	static uint8_t e1[TISUP_MAX_MSG], e2[TISUP_MAX_MSG];
	static char text[8192];
	size_t l1 = 0, l2 = 0;

	if (tisup_decode(&m1, v, data, size) != 0)
		return;
	tisup_print(&m1, text, sizeof(text));
	if (tisup_encode(&m1, e1, sizeof(e1), &l1) != 0)
		abort(); /* a decoded message always encodes */
	if (tisup_decode(&m2, v, e1, l1) != 0)
		abort(); /* and what we encode decodes */
	if (memcmp(&m1, &m2, sizeof(m1)) != 0)
		abort(); /* to the same message */
	if (tisup_encode(&m2, e2, sizeof(e2), &l2) != 0 || l1 != l2 || memcmp(e1, e2, l1) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(TISUP_ITU, data, size);
	check(TISUP_ANSI, data, size);
	return 0;
}
