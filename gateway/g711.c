/* SPDX-License-Identifier: GPL-2.0-or-later */
/* G.711 tables (g711.h). A-law depends on the top 13 bits of a sample, so
 * its table has 8192 entries indexed by them. mu-law codes a sign and the
 * top 13 bits of the magnitude (SpanDSP biases the magnitude, not the
 * sample): its table is indexed by those bits, and a negative sample's
 * code is its magnitude's with the sign bit cleared. */
#include "config.h"

#include "gateway/g711.h"

#include <spandsp.h>

static int16_t from_alaw[256], from_ulaw[256];
static uint8_t to_alaw[8192], to_ulaw[8192], alaw_ulaw[256], ulaw_alaw[256];

/* Before main(): no thread can read a table half made. */
__attribute__((constructor)) static void g711_tables(void)
{
	for (int c = 0; c < 256; c++) {
		from_alaw[c] = alaw_to_linear((uint8_t)c);
		from_ulaw[c] = ulaw_to_linear((uint8_t)c);
		alaw_ulaw[c] = alaw_to_ulaw((uint8_t)c);
		ulaw_alaw[c] = ulaw_to_alaw((uint8_t)c);
	}
	for (int i = 0; i < 8192; i++) {
		to_alaw[i] = linear_to_alaw((int16_t)(i << 3));
		to_ulaw[i] = linear_to_ulaw(i << 2);
	}
}

void law_decode(enum tdm_span_law law, const uint8_t *in, int16_t *out, size_t len)
{
	const int16_t *t = law == TDM_LAW_ALAW ? from_alaw : from_ulaw;

	for (size_t i = 0; i < len; i++)
		out[i] = t[in[i]];
}

void law_encode(enum tdm_span_law law, const int16_t *in, uint8_t *out, size_t len)
{
	if (law == TDM_LAW_ALAW) {
		for (size_t i = 0; i < len; i++)
			out[i] = to_alaw[(uint16_t)in[i] >> 3];
		return;
	}
	for (size_t i = 0; i < len; i++) {
		int x = in[i], neg = x >> 15, m = ((x ^ neg) - neg) >> 2; /* neg: 0 or -1; m: |x| / 4 */

		out[i] = (uint8_t)(to_ulaw[m - (m >> 13)] ^ (neg & 0x80)); /* |-32768| clips as 32767 does */
	}
}

void law_transcode(enum tdm_span_law from, const uint8_t *in, uint8_t *out, size_t len)
{
	const uint8_t *t = from == TDM_LAW_ALAW ? alaw_ulaw : ulaw_alaw;

	for (size_t i = 0; i < len; i++)
		out[i] = t[in[i]];
}
