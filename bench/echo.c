/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The echo canceller candidates on one signal: speexdsp's MDF canceller,
 * SpanDSP's modem_echo_can, and a G.168-style NLMS of our own (below).
 * SpanDSP 0.0.6's voice echo_can_update() is not a candidate: Debian's
 * build prints two lines per sample. Each runs on the same far-end signal
 * (speech-like: shaped noise in syllable bursts, or white noise), the echo
 * path being a bulk delay, an attenuation and a short dispersive FIR, with
 * near-end noise, all through G.711 mu-law as on a B-channel. Prints, per
 * candidate, the ERLE over the last seconds (after convergence), the time
 * to reach 10 dB and 20 dB, and the CPU cost in ns per sample; then the
 * canceller of gateway/media_echo.c (which wraps the chosen one) on the
 * same signal.
 *   bench/echo [--seconds S] [--delay-ms D] [--level-db L] [--tail-ms T] [--noise white|speech]
 *              [--far-rms R]
 * (defaults: 20 s, 32 ms, -9 dB, 128 ms, speech, 2500: the linear RMS of
 * the far end's bursts before shaping). docs/media.md holds the
 * figures and the choice. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spandsp.h>
#include <speex/speex_echo.h>

#include "gateway/media_echo.h"

#define RATE  8000
#define FRAME 80 /* speexdsp's frame: 10 ms */

/* --- A G.168-style NLMS canceller ---------------------------------------
 * Normalised LMS over the whole tail, Geigel double-talk detection (freeze
 * adaptation while the near end is louder than half the far end's peak in
 * the tail, with a hangover), no non-linear processor (the ERLE measured is
 * the linear canceller's, like the others'). */
struct nlms {
	int taps, pos;
	float *h, *x; /* x: history twice over, so x + pos is contiguous */
	float power;  /* sum of x^2 over the tail */
	int hang;
	float peak;
	int peak_age;
};

static struct nlms *nlms_new(int taps)
{
	struct nlms *s = calloc(1, sizeof(*s));

	s->taps = taps;
	s->h = calloc((size_t)taps, sizeof(float));
	s->x = calloc((size_t)taps * 2, sizeof(float));
	return s;
}

static void nlms_free(struct nlms *s)
{
	free(s->h);
	free(s->x);
	free(s);
}

static int16_t nlms_update(struct nlms *s, int16_t tx, int16_t rx)
{
	float xin = tx, y = 0, e, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	const float *x;
	int n = s->taps;

	s->pos = s->pos == 0 ? n - 1 : s->pos - 1;
	s->power += xin * xin - s->x[s->pos + n] * s->x[s->pos + n];
	if (s->power < 0)
		s->power = 0;
	s->x[s->pos] = s->x[s->pos + n] = xin;
	x = s->x + s->pos;
	for (int i = 0; i < n; i += 4) {
		a0 += s->h[i] * x[i];
		a1 += s->h[i + 1] * x[i + 1];
		a2 += s->h[i + 2] * x[i + 2];
		a3 += s->h[i + 3] * x[i + 3];
	}
	y = a0 + a1 + a2 + a3;
	e = (float)rx - y;
	/* Geigel: the far end's peak over the last 'taps' samples (approximate: decays when older). */
	if (fabsf(xin) >= s->peak || ++s->peak_age > n) {
		s->peak = fabsf(xin);
		s->peak_age = 0;
	}
	if (fabsf((float)rx) > 0.5f * s->peak)
		s->hang = 240;
	if (s->hang > 0) {
		s->hang--;
	} else if (s->power > n * 100.0f) {
		float g = 0.5f * e / (s->power + 1.0f);

		for (int i = 0; i < n; i++)
			s->h[i] += g * x[i];
	}
	if (e > 32767)
		e = 32767;
	if (e < -32768)
		e = -32768;
	return (int16_t)lrintf(e);
}

/* --- The signal ------------------------------------------------------- */

static uint32_t rng = 12345;
static double far_rms = 2500; /* the far end's level: about -20 dBm0 */

static double urand(void)
{
	rng = rng * 1664525u + 1013904223u;
	return (rng >> 8) / 16777216.0;
}

static double grand(void)
{
	double u = urand() + 1e-12, v = urand();

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Far end: white noise, or speech-like (noise through a 2-pole resonance,
 * in bursts of 150..400 ms with 50..250 ms pauses). Near-end noise at
 * about -60 dBm0; the echo path: delay, gain, a short FIR (G.168's
 * hybrid models are a few ms of dispersion). */
static void make_signal(int n, int speech, int delay, double level_db, int16_t *far, int16_t *near_in, int16_t *echo)
{
	static const double fir[8] = {0.1, 0.5, 1.0, 0.6, -0.3, -0.25, 0.1, 0.05};
	double g = pow(10, level_db / 20) / 1.5, y1 = 0, y2 = 0;
	int burst = 0, on = 1;

	for (int i = 0; i < n; i++) {
		double v = grand();

		if (speech) {
			if (burst-- <= 0) {
				on = !on;
				burst = (int)((on ? 0.15 + 0.25 * urand() : 0.05 + 0.2 * urand()) * RATE);
			}
			v = v + 1.6 * y1 - 0.8 * y2;
			y2 = y1;
			y1 = v;
			v = on ? v * 0.45 : v * 0.003;
		}
		far[i] = (int16_t)ulaw_to_linear(linear_to_ulaw((int)lrint(v * far_rms)));
	}
	for (int i = 0; i < n; i++) {
		double e = 0;

		for (int k = 0; k < 8; k++)
			if (i - delay - k >= 0)
				e += fir[k] * far[i - delay - k];
		e *= g;
		echo[i] = (int16_t)lrint(e);
		/* What the B-channel brings: echo plus near-end noise, in mu-law. */
		near_in[i] = (int16_t)ulaw_to_linear(linear_to_ulaw((int)lrint(e + grand() * 3)));
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

enum cand {
	C_SPEEX,
	C_MODEM,
	C_NLMS,
	C_MODULE
};
static const char *const cand_name[] = {"speexdsp MDF", "SpanDSP modem_echo_can", "own NLMS (G.168-style)",
					"gateway/media_echo.c"};

/* Run one candidate over the signal; out gets the residual. ns/sample. */
static double run(enum cand c, int taps, int n, const int16_t *far, const int16_t *near_in, int16_t *out)
{
	double t0, t1;

	switch (c) {
	case C_SPEEX: {
		SpeexEchoState *st = speex_echo_state_init(FRAME, taps);
		int rate = RATE;

		speex_echo_ctl(st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
		t0 = now_ns();
		for (int i = 0; i + FRAME <= n; i += FRAME)
			speex_echo_cancellation(st, near_in + i, far + i, out + i);
		t1 = now_ns();
		speex_echo_state_destroy(st);
		break;
	}
	case C_MODEM: {
		modem_echo_can_state_t *ec = modem_echo_can_init(taps);

		modem_echo_can_adaption_mode(ec, 1);
		t0 = now_ns();
		for (int i = 0; i < n; i++)
			out[i] = modem_echo_can_update(ec, far[i], near_in[i]);
		t1 = now_ns();
		modem_echo_can_free(ec);
		break;
	}
	case C_NLMS: {
		struct nlms *s = nlms_new(taps);

		t0 = now_ns();
		for (int i = 0; i < n; i++)
			out[i] = nlms_update(s, far[i], near_in[i]);
		t1 = now_ns();
		nlms_free(s);
		break;
	}
	default: {
		struct media_echo *ec = media_echo_new((unsigned)taps / 8);

		t0 = now_ns();
		for (int i = 0; i + 160 <= n; i += 160) {
			memcpy(out + i, near_in + i, 160 * sizeof(int16_t));
			media_echo_process(ec, far + i, out + i, 160);
		}
		t1 = now_ns();
		media_echo_free(ec);
		break;
	}
	}
	return (t1 - t0) / n;
}

static double sig_power(const int16_t *s, int from, int to)
{
	double p = 0;

	for (int i = from; i < to; i++)
		p += (double)s[i] * s[i];
	return p / (to - from) + 1e-9;
}

/* The first time (s) the ERLE over a 0.5 s window reaches db, -1 if never. */
static double time_to(const int16_t *in, const int16_t *out, int n, double db)
{
	for (int i = 0; i + RATE / 2 <= n; i += RATE / 10)
		if (10 * log10(sig_power(in, i, i + RATE / 2) / sig_power(out, i, i + RATE / 2)) >= db)
			return (double)i / RATE;
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int sweep = 0, seconds = 20, delay_ms = 32, tail_ms = 128, speech = 1, n, taps;
	double level = -9;
	int16_t *far, *near_in, *echo, *out;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--delay-ms"))
			delay_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--level-db"))
			level = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--tail-ms"))
			tail_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--sweep"))
			sweep = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--far-rms"))
			far_rms = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--noise"))
			speech = strcmp(argv[i + 1], "white") != 0;
		else {
			fprintf(stderr,
				"usage: %s [--seconds S] [--delay-ms D] [--level-db L] [--tail-ms T] [--noise "
				"white|speech] [--far-rms R]\n",
				argv[0]);
			return 2;
		}
	}
	if (seconds < 4)
		seconds = 4;
	n = seconds * RATE;
	taps = tail_ms * 8;
	far = malloc(n * sizeof(*far));
	near_in = malloc(n * sizeof(*near_in));
	echo = malloc(n * sizeof(*echo));
	out = calloc(n, sizeof(*out));
	printf("echo path: %.1f dB, 8-tap FIR; far end %s; near-end noise ~-60 dBm0; G.711 mu-law\n", level,
	       speech ? "speech-like bursts" : "white noise");
	printf("tail %d ms (%d taps), %d s per run; ERLE over the last %d s\n", tail_ms, taps, seconds, seconds / 2);
	if (sweep) {
		/* Bulk delays from 20 to 40 ms in 0.5 ms steps: block-based cancellers have partition edges (every 10
		 * ms for speexdsp's 80-sample frames) and the real delay falls anywhere. */
		enum {
			ND = 41
		};
		double erle[C_MODULE + 1][ND], ns[C_MODULE + 1] = {0};

		for (int d = 0; d < ND; d++) {
			rng = 12345 + (uint32_t)d;
			make_signal(n, speech, 160 + d * 4, level, far, near_in, echo);
			for (int c = C_SPEEX; c <= C_MODULE; c++) {
				ns[c] += run((enum cand)c, taps, n, far, near_in, out) / ND;
				erle[c][d] = 10 * log10(sig_power(near_in, n / 2, n) / sig_power(out, n / 2, n));
			}
		}
		printf("delay swept 20..40 ms in 0.5 ms steps (%d runs)\n", ND);
		printf("%-26s %9s %9s %9s %9s %10s\n", "canceller", "min dB", "10% dB", "median", "max dB",
		       "ns/sample");
		for (int c = C_SPEEX; c <= C_MODULE; c++) {
			qsort(erle[c], ND, sizeof(double), cmp_double);
			printf("%-26s %9.1f %9.1f %9.1f %9.1f %10.1f\n", cand_name[c], erle[c][0], erle[c][ND / 10],
			       erle[c][ND / 2], erle[c][ND - 1], ns[c]);
		}
	} else {
		make_signal(n, speech, delay_ms * 8, level, far, near_in, echo);
		printf("delay %d ms\n", delay_ms);
		printf("%-26s %9s %9s %9s %10s\n", "canceller", "ERLE dB", "t(10dB)", "t(20dB)", "ns/sample");
		for (int c = C_SPEEX; c <= C_MODULE; c++) {
			double ns = run((enum cand)c, taps, n, far, near_in, out);
			double erle = 10 * log10(sig_power(near_in, n / 2, n) / sig_power(out, n / 2, n));

			printf("%-26s %9.1f %8.1fs %8.1fs %10.1f\n", cand_name[c], erle, time_to(near_in, out, n, 10),
			       time_to(near_in, out, n, 20), ns);
		}
	}
	free(far);
	free(near_in);
	free(echo);
	free(out);
	return 0;
}
