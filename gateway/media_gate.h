/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A cheap gate in front of SpanDSP's connect-tone detectors (CNG, CED or
 * the V.21 preamble, ANS/ANSam with or without phase reversals): three
 * band-pass resonators (1100 Hz, 2100 Hz, the V.21 channel 2 band around
 * 1750 Hz) and the block's power. A detector is fed a block only when
 * its band holds a fair share of the block's power above the detectors'
 * own level floor; otherwise the block cannot be part of its tone, and
 * the detector is reset once (what it concludes from such a block), so
 * two tones never join across a skipped gap. About 1 us a 20 ms block
 * against the detectors' 13 us (docs/media.md, "Benchmark"). */
#ifndef TANDEM_GATEWAY_MEDIA_GATE_H
#define TANDEM_GATEWAY_MEDIA_GATE_H

#include <stddef.h>
#include <stdint.h>

/* SpanDSP's detector, named without its header (whose names, noise()
 * among them, would reach every file that includes media_int.h). */
struct modem_connect_tones_rx_state_s;
typedef void (*media_tone_report)(void *user, int code, int level, int delay); /* tone_report_func_t */

enum {
	MEDIA_GATE_1100 = 1, /* CNG */
	MEDIA_GATE_2100 = 2, /* CED, ANS, ANSam (with or without phase reversals) */
	MEDIA_GATE_V21 = 4,  /* V.21 channel 2: HDLC flags of a fax answerer */
};

/* One direction of audio: the resonators run on across blocks. */
struct media_gate {
	float x1, x2;
	float y1[4] __attribute__((aligned(16))), y2[4] __attribute__((aligned(16)));
};

/* Which bands block lin[0..n) may carry a tone in (MEDIA_GATE_*). */
unsigned media_gate_block(struct media_gate *g, const int16_t *lin, size_t n);
/* The same for two blocks of n samples (the two directions of a bridge),
 * in about the time of one: *ma for la through ga, *mb for lb through gb. */
void media_gate_pair(struct media_gate *ga, const int16_t *la, struct media_gate *gb, const int16_t *lb, size_t n,
		     unsigned *ma, unsigned *mb);

/* A connect-tone detector behind the gate. */
struct media_tone_rx {
	struct modem_connect_tones_rx_state_s *s;
	int type;
	unsigned bands; /* the gate bands its tones live in */
	int idle;       /* reset since the last block it was fed */
	media_tone_report cb;
	void *user;
};

/* 0, or -ENOMEM. type: MODEM_CONNECT_TONES_FAX_CNG, _FAX_CED_OR_PREAMBLE or _ANS_PR. */
int media_tone_rx_init(struct media_tone_rx *t, int type, media_tone_report cb, void *user);
void media_tone_rx_free(struct media_tone_rx *t);
/* Feed the block if the gate's mask says its band may hold the tone. */
void media_tone_rx_block(struct media_tone_rx *t, const int16_t *lin, size_t n, unsigned mask);

#endif
