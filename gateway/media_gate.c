/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connect-tone detectors' gate (media_gate.h). The resonators are
 * RBJ band-pass biquads (0 dB at the centre). A tone the detectors accept
 * is one that holds nearly all of the signal: SpanDSP's notch test wants
 * what is left outside the tone below a sixth of the level, and its FSK
 * receiver wants the V.21 band clear enough to read back-to-back HDLC
 * flags. Such a block puts 60% or more of its power in the band (a tone at
 * the edge of its tolerance, 1100 +- 38 Hz or 2100 +- 15 Hz, still gives
 * over 75% through a 160 Hz wide resonator); the gate asks for a quarter
 * (GATE_SHARE), white noise gives about 6%. Blocks quieter than the
 * detectors' floor (-46 dBm0) pass nothing. */
#include "config.h"

#include "gateway/media_gate.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include <spandsp.h>

#define GATE_RATE 8000.0
/* A quarter of the block's power in the band. */
#define GATE_SHARE 0.25f
/* Mean square of a sine 52 dB below full scale: under SpanDSP's -46 dBm0. */
#define GATE_FLOOR (60.0f * 60.0f / 2.0f)

struct band {
	double f0, bw;
	unsigned bit;
};

static const struct band bands[3] = {
    {1100.0, 160.0, MEDIA_GATE_1100},
    {2100.0, 160.0, MEDIA_GATE_2100},
    {1750.0, 500.0, MEDIA_GATE_V21},
};

/* Four lanes, one resonator each (lane 3 unused), in one vector register
 * (GCC's vector extension: SSE on x86-64, plain code elsewhere). */
typedef float v4f __attribute__((vector_size(16)));

/* b0 (= -b2) and a1, a2 of each resonator, normalised: set once, before
 * any worker thread reads them. */
static v4f cb0, ca1, ca2;
static pthread_once_t coefficients_once = PTHREAD_ONCE_INIT;

static void coefficients(void)
{
	for (int k = 0; k < 3; k++) {
		double w0 = 2.0 * M_PI * bands[k].f0 / GATE_RATE, q = bands[k].f0 / bands[k].bw;
		double alpha = sin(w0) / (2.0 * q), a0 = 1.0 + alpha;

		cb0[k] = (float)(alpha / a0);
		ca1[k] = (float)(-2.0 * cos(w0) / a0);
		ca2[k] = (float)((1.0 - alpha) / a0);
	}
}

unsigned media_gate_block(struct media_gate *g, const int16_t *lin, size_t n)
{
	v4f y1, y2, e = {0, 0, 0, 0};
	float total = 0.0f, x1 = g->x1, x2 = g->x2;
	unsigned mask = 0;

	pthread_once(&coefficients_once, coefficients);
	memcpy(&y1, g->y1, sizeof(y1));
	memcpy(&y2, g->y2, sizeof(y2));
	for (size_t i = 0; i < n; i++) {
		float x = lin[i];
		v4f d = {x - x2, x - x2, x - x2, x - x2}, y = cb0 * d - ca1 * y1 - ca2 * y2;

		y2 = y1;
		y1 = y;
		e += y * y;
		total += x * x;
		x2 = x1;
		x1 = x;
	}
	/* denormals after long silence: let the resonators rest at zero */
	for (int k = 0; k < 4; k++)
		if (fabsf(y1[k]) < 1e-3f && fabsf(y2[k]) < 1e-3f)
			y1[k] = y2[k] = 0.0f;
	memcpy(g->y1, &y1, sizeof(y1));
	memcpy(g->y2, &y2, sizeof(y2));
	g->x1 = x1;
	g->x2 = x2;
	if (n == 0 || total < GATE_FLOOR * (float)n)
		return 0;
	for (int k = 0; k < 3; k++)
		if (e[k] >= GATE_SHARE * total)
			mask |= bands[k].bit;
	return mask;
}

int media_tone_rx_init(struct media_tone_rx *t, int type, media_tone_report cb, void *user)
{
	t->type = type;
	t->cb = cb;
	t->user = user;
	t->idle = 0;
	switch (type) {
	case MODEM_CONNECT_TONES_FAX_CNG:
		t->bands = MEDIA_GATE_1100;
		break;
	case MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE:
		t->bands = MEDIA_GATE_2100 | MEDIA_GATE_V21;
		break;
	default:
		t->bands = MEDIA_GATE_2100;
		break;
	}
	t->s = modem_connect_tones_rx_init(NULL, type, cb, user);
	return t->s ? 0 : -ENOMEM;
}

void media_tone_rx_free(struct media_tone_rx *t)
{
	if (t->s)
		modem_connect_tones_rx_free(t->s);
	t->s = NULL;
}

void media_tone_rx_block(struct media_tone_rx *t, const int16_t *lin, size_t n, unsigned mask)
{
	if (!t->s)
		return;
	if (mask & t->bands) {
		t->idle = 0;
		modem_connect_tones_rx(t->s, lin, (int)n);
	} else if (!t->idle) {
		/* what the detector makes of a block without its tone: no tone,
		 * its counts restarted (a report already made stands) */
		t->idle = 1;
		modem_connect_tones_rx_init(t->s, t->type, t->cb, t->user);
	}
}
