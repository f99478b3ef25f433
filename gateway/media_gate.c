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

/* Four lanes a direction (GCC's vector extension: one SSE register):
 * lanes 0-2 the resonators, lane 3 the sample itself (b0 1, a1 = a2 = 0),
 * whose square summed is the block's power. Two directions run in one
 * loop: their recursions are independent, so they overlap and the pair
 * costs little more than one. */
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
	cb0[3] = 1.0f;
}

static unsigned gate_end(struct media_gate *g, v4f y1, v4f y2, float x1, float x2, v4f e, size_t n)
{
	unsigned mask = 0;

	/* denormals after long silence: let the resonators rest at zero */
	for (int k = 0; k < 4; k++)
		if (fabsf(y1[k]) < 1e-3f && fabsf(y2[k]) < 1e-3f)
			y1[k] = y2[k] = 0.0f;
	memcpy(g->y1, &y1, sizeof(y1));
	memcpy(g->y2, &y2, sizeof(y2));
	g->x1 = x1;
	g->x2 = x2;
	if (n == 0 || e[3] < GATE_FLOOR * (float)n)
		return 0;
	for (int k = 0; k < 3; k++)
		if (e[k] >= GATE_SHARE * e[3])
			mask |= bands[k].bit;
	return mask;
}

void media_gate_pair(struct media_gate *ga, const int16_t *la, struct media_gate *gb, const int16_t *lb, size_t n,
		     unsigned *ma, unsigned *mb)
{
	v4f ya1, ya2, yb1, yb2, ea = {0, 0, 0, 0}, eb = {0, 0, 0, 0};
	float a1 = ga->x1, a2 = ga->x2, b1 = gb->x1, b2 = gb->x2;

	pthread_once(&coefficients_once, coefficients);
	memcpy(&ya1, ga->y1, sizeof(ya1));
	memcpy(&ya2, ga->y2, sizeof(ya2));
	memcpy(&yb1, gb->y1, sizeof(yb1));
	memcpy(&yb2, gb->y2, sizeof(yb2));
	for (size_t i = 0; i < n; i++) {
		float xa = la[i], xb = lb[i];
		v4f da = {xa - a2, xa - a2, xa - a2, xa}, db = {xb - b2, xb - b2, xb - b2, xb};
		/* y1 last: the recursion waits for one multiply and one add */
		v4f ya = (cb0 * da - ca2 * ya2) - ca1 * ya1, yb = (cb0 * db - ca2 * yb2) - ca1 * yb1;

		ya2 = ya1;
		ya1 = ya;
		yb2 = yb1;
		yb1 = yb;
		ea += ya * ya;
		eb += yb * yb;
		a2 = a1;
		a1 = xa;
		b2 = b1;
		b1 = xb;
	}
	*ma = gate_end(ga, ya1, ya2, a1, a2, ea, n);
	*mb = gate_end(gb, yb1, yb2, b1, b2, eb, n);
}

unsigned media_gate_block(struct media_gate *g, const int16_t *lin, size_t n)
{
	struct media_gate spare = {0};
	unsigned mask, unused;

	media_gate_pair(g, lin, &spare, lin, n, &mask, &unused);
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
