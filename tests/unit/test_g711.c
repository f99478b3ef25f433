/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The G.711 tables (gateway/g711.c) against SpanDSP's functions, for every input: all 65,536 linear samples to
 * each law, all 256 codes of each law to linear and to the other law; blocks of odd lengths and at odd offsets. */
#include "config.h"

#include "gateway/g711.h"
#include "tests/tap.h"

#include <spandsp.h>

static int16_t lin[65536];
static uint8_t codes[65536];

static void to_law(enum tdm_span_law law, const char *name)
{
	long bad = 0, first = -1;

	law_encode(law, lin, codes, 65536);
	for (long i = 0; i < 65536; i++) {
		uint8_t want = law == TDM_LAW_ALAW ? linear_to_alaw(lin[i]) : linear_to_ulaw(lin[i]);

		if (codes[i] != want && bad++ == 0)
			first = lin[i];
	}
	ok(bad == 0, "%s: every linear sample encodes as SpanDSP encodes it (%ld differ, first at %ld)", name, bad,
	   first);
}

static void from_law(enum tdm_span_law law, const char *name)
{
	uint8_t c[256], other[256];
	int16_t out[256];
	int bad = 0, bad_t = 0;

	for (int i = 0; i < 256; i++)
		c[i] = (uint8_t)i;
	law_decode(law, c, out, 256);
	law_transcode(law, c, other, 256);
	for (int i = 0; i < 256; i++) {
		bad += out[i] != (law == TDM_LAW_ALAW ? alaw_to_linear(c[i]) : ulaw_to_linear(c[i]));
		bad_t += other[i] != (law == TDM_LAW_ALAW ? alaw_to_ulaw(c[i]) : ulaw_to_alaw(c[i]));
	}
	is_int(bad, 0, "%s: every code decodes as SpanDSP decodes it", name);
	is_int(bad_t, 0, "%s: every code transcodes to the other law as SpanDSP does", name);
}

int main(void)
{
	uint8_t small[7];

	for (long i = 0; i < 65536; i++)
		lin[i] = (int16_t)(i - 32768);
	to_law(TDM_LAW_ALAW, "A-law");
	to_law(TDM_LAW_ULAW, "mu-law");
	from_law(TDM_LAW_ALAW, "A-law");
	from_law(TDM_LAW_ULAW, "mu-law");
	/* a short block from an odd offset touches nothing past its end */
	memset(small, 0xAA, sizeof(small));
	law_encode(TDM_LAW_ULAW, lin + 32768 - 3, small + 1, 5);
	ok(small[0] == 0xAA && small[6] == 0xAA, "a 5-sample block at an odd offset writes 5 codes, no more");
	is_int(small[4], linear_to_ulaw(0), "and sample 0 in it is mu-law's zero");
	law_encode(TDM_LAW_ULAW, lin, small, 0);
	is_int(small[0], 0xAA, "an empty block writes nothing");
	return tap_done();
}
