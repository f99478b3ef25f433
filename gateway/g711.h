/* SPDX-License-Identifier: GPL-2.0-or-later */
/* G.711 on blocks, by table: the same codes and values as SpanDSP's
 * linear_to_alaw() / linear_to_ulaw() / alaw_to_linear() / ulaw_to_linear()
 * / alaw_to_ulaw() / ulaw_to_alaw() (tests/unit/test_g711.c checks every
 * input), without their per-sample branches on the sign and segment, which
 * noise and speech mispredict half the time. The tables (8 KB a law toward
 * G.711, 512 bytes from it, 256 each way between the laws) are made from
 * SpanDSP's own functions when the program starts. */
#ifndef TANDEM_GATEWAY_G711_H
#define TANDEM_GATEWAY_G711_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/tdm_span.h"

void law_decode(enum tdm_span_law law, const uint8_t *in, int16_t *out, size_t len);
void law_encode(enum tdm_span_law law, const int16_t *in, uint8_t *out, size_t len);
/* From law `from` to the other law (A-law <-> mu-law). */
void law_transcode(enum tdm_span_law from, const uint8_t *in, uint8_t *out, size_t len);

#endif
