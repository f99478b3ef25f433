/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connect-tone gate (gateway/media_gate.c): for every signal, SpanDSP's detectors fed every block and the same
 * detectors behind the gate must report the same tones (none lost, none made up), within a block of each other:
 * CNG and CED at the edges of their frequency tolerance and at -40 dBm0, ANS with phase reversals, ANSam, the V.21
 * preamble (HDLC flags from SpanDSP's own FSK transmitter) clean and in noise at 10 dB SNR; speech-band tones,
 * noise, and short 2100 Hz bursts separated by noise or silence (which must not join into one tone). And the gate
 * lets white noise through rarely: that is what it is for. */
#include "config.h"

#include "gateway/media_gate.h"
#include "tests/tap.h"

#include <math.h>
#include <spandsp.h>
#include <stdio.h>
#include <string.h>

#define BLK         160
#define MAX_REPORTS 32

struct reports {
	int n;
	int code[MAX_REPORTS];
	long at[MAX_REPORTS]; /* block index */
	long blk;
};

static void on_tone(void *user, int code, int level, int delay)
{
	struct reports *r = user;

	(void)level;
	(void)delay;
	if (code == MODEM_CONNECT_TONES_NONE || r->n >= MAX_REPORTS)
		return;
	r->code[r->n] = code;
	r->at[r->n++] = r->blk;
}

static uint32_t rng = 12345;

static float noise1(void)
{
	rng = rng * 1664525u + 1013904223u;
	return ((float)(rng >> 8) / 16777216.0f - 0.5f) * 3.4641f; /* unit power */
}

/* A signal: generates n samples at sample offset t. */
struct sig {
	double f, amp, noise, am; /* tone (f 0: none), noise amplitude (rms), 15 Hz AM depth */
	int pr_ms;                /* phase reversal interval, 0: none */
	int on_ms, off_ms;        /* bursts (0: continuous) */
	int off_noise;            /* noise in the gaps too */
	fsk_tx_state_t *fsk;      /* V.21 flags instead of a tone */
	double phase;
};

static int flag_bits(void *user)
{
	int *k = user, bit = (0x7E >> (*k % 8)) & 1;

	(*k)++;
	return bit;
}

static void gen(struct sig *s, int16_t *out, long t0)
{
	int16_t fsk[BLK];

	if (s->fsk)
		fsk_tx(s->fsk, fsk, BLK);
	for (int i = 0; i < BLK; i++) {
		long t = t0 + i;
		double v = 0.0;
		int on = 1;

		if (s->on_ms) {
			long per = (long)(s->on_ms + s->off_ms) * 8;

			on = t % per < (long)s->on_ms * 8;
		}
		if (on && s->fsk) {
			v = fsk[i];
		} else if (on && s->f > 0) {
			double ph = 2.0 * M_PI * s->f * (double)t / 8000.0;

			if (s->pr_ms && (t / (s->pr_ms * 8)) % 2)
				ph += M_PI;
			v = s->amp * sin(ph) * (1.0 + s->am * sin(2.0 * M_PI * 15.0 * (double)t / 8000.0));
		}
		if (on || s->off_noise)
			v += s->noise * noise1();
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

static double dbm0(double level)
{
	/* a sine's peak for a level in dBm0 (SpanDSP's scale) */
	return 32767.0 * pow(10.0, (level - DBM0_MAX_POWER) / 20.0) * sqrt(2.0);
}

/* Run both, plain and gated, over ms of the signal; 1 when they agree. */
static int same(const char *what, struct sig *s, int type, int ms, int want_tone, unsigned *passed)
{
	struct reports plain = {0}, gated = {0};
	modem_connect_tones_rx_state_t *p = modem_connect_tones_rx_init(NULL, type, on_tone, &plain);
	struct media_tone_rx g;
	struct media_gate gate;
	int16_t blk[BLK];
	int ok1 = 1;
	int k = 0;

	memset(&gate, 0, sizeof(gate));
	media_tone_rx_init(&g, type, on_tone, &gated);
	if (s->fsk)
		s->fsk = fsk_tx_init(NULL, &preset_fsk_specs[FSK_V21CH2], flag_bits, &k);
	if (s->fsk)
		fsk_tx_power(s->fsk, (float)s->amp);
	*passed = 0;
	for (long b = 0; b < ms / 20; b++) {
		unsigned mask;

		gen(s, blk, b * BLK);
		plain.blk = gated.blk = b;
		modem_connect_tones_rx(p, blk, BLK);
		mask = media_gate_block(&gate, blk, BLK);
		if (mask & g.bands)
			(*passed)++;
		media_tone_rx_block(&g, blk, BLK, mask);
	}
	if (plain.n != gated.n) {
		ok1 = 0;
	} else {
		for (int i = 0; i < plain.n; i++)
			if (plain.code[i] != gated.code[i] || labs(plain.at[i] - gated.at[i]) > 1)
				ok1 = 0;
	}
	if (want_tone >= 0 && (plain.n > 0) != want_tone)
		ok1 = 0; /* the case itself is what it says: a tone is heard, or none */
	if (!ok1) {
		fprintf(stderr, "# %s: plain %d reports, gated %d\n", what, plain.n, gated.n);
		for (int i = 0; i < plain.n || i < gated.n; i++)
			fprintf(stderr, "#   plain %d@%ld  gated %d@%ld\n", i < plain.n ? plain.code[i] : -1,
				i < plain.n ? plain.at[i] : -1L, i < gated.n ? gated.code[i] : -1,
				i < gated.n ? gated.at[i] : -1L);
	}
	modem_connect_tones_rx_free(p);
	media_tone_rx_free(&g);
	if (s->fsk)
		fsk_tx_free(s->fsk);
	return ok1;
}

int main(void)
{
	unsigned passed;
	char what[128];

	/* CNG: 1100 +- 38 Hz, 0.5 s on, 3 s off; loud, quiet, in noise */
	for (int df = -38; df <= 38; df += 38)
		for (int lv = -40; lv <= -10; lv += 30) {
			struct sig s = {.f = 1100 + df, .amp = dbm0(lv), .on_ms = 500, .off_ms = 3000};

			snprintf(what, sizeof(what), "CNG %d Hz at %d dBm0: heard alike behind the gate", 1100 + df,
				 lv);
			ok(same(what, &s, MODEM_CONNECT_TONES_FAX_CNG, 8000, 1, &passed), "%s", what);
		}
	{
		struct sig s = {.f = 1100,
				.amp = dbm0(-20),
				.noise = dbm0(-30) / sqrt(2.0),
				.on_ms = 500,
				.off_ms = 3000,
				.off_noise = 1};

		ok(same("CNG at 10 dB SNR", &s, MODEM_CONNECT_TONES_FAX_CNG, 8000, -1, &passed),
		   "CNG in noise at 10 dB SNR: the same reports");
	}
	/* CED / ANS: 2100 +- 15 Hz, 3 s, with and without phase reversals, ANSam */
	for (int df = -15; df <= 15; df += 15)
		for (int lv = -40; lv <= -10; lv += 30) {
			struct sig s = {.f = 2100 + df, .amp = dbm0(lv), .on_ms = 3000, .off_ms = 2000};

			snprintf(what, sizeof(what), "CED %d Hz at %d dBm0: heard alike behind the gate", 2100 + df,
				 lv);
			ok(same(what, &s, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, 5000, 1, &passed), "%s", what);
			snprintf(what, sizeof(what), "ANS/PR %d Hz at %d dBm0: heard alike behind the gate", 2100 + df,
				 lv);
			s.pr_ms = 450;
			ok(same(what, &s, MODEM_CONNECT_TONES_ANS_PR, 5000, 1, &passed), "%s", what);
		}
	{
		struct sig s = {.f = 2100, .amp = dbm0(-15), .am = 0.2, .pr_ms = 450, .on_ms = 4000, .off_ms = 1000};

		ok(same("ANSam/PR", &s, MODEM_CONNECT_TONES_ANS_PR, 5000, 1, &passed),
		   "ANSam/PR (15 Hz AM, 20%%): heard alike behind the gate");
		s.noise = dbm0(-27) / sqrt(2.0);
		s.off_noise = 1;
		ok(same("ANSam/PR in noise", &s, MODEM_CONNECT_TONES_ANS_PR, 5000, -1, &passed),
		   "ANSam/PR in noise at 12 dB SNR: the same reports");
	}
	/* V.21 preamble: HDLC flags from SpanDSP's FSK transmitter */
	for (int lv = -40; lv <= -10; lv += 15) {
		struct sig s = {.fsk = (fsk_tx_state_t *)1, .amp = lv, .on_ms = 1000, .off_ms = 1000};

		snprintf(what, sizeof(what), "V.21 preamble at %d dBm0: heard alike behind the gate", lv);
		ok(same(what, &s, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, 2000, 1, &passed), "%s", what);
	}
	{
		struct sig s = {.fsk = (fsk_tx_state_t *)1,
				.amp = -20,
				.noise = dbm0(-30) / sqrt(2.0),
				.on_ms = 1000,
				.off_ms = 1000,
				.off_noise = 1};

		ok(same("V.21 in noise", &s, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, 2000, 1, &passed),
		   "V.21 preamble in noise at 10 dB SNR: heard alike behind the gate");
	}
	/* no tone: speech-band tones, noise, short bursts */
	{
		static const double f[] = {1004, 1800, 2600, 400};

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			struct sig s = {.f = f[i], .amp = dbm0(-10)};

			snprintf(what, sizeof(what), "%.0f Hz: no tone either way", f[i]);
			ok(same(what, &s, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, 3000, 0, &passed) &&
			       same(what, &s, MODEM_CONNECT_TONES_FAX_CNG, 3000, 0, &passed) &&
			       same(what, &s, MODEM_CONNECT_TONES_ANS_PR, 3000, 0, &passed),
			   "%s", what);
		}
	}
	{
		struct sig s = {.amp = 0, .noise = dbm0(-10) / sqrt(2.0)};

		ok(same("noise", &s, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, 10000, 0, &passed),
		   "white noise: no tone either way");
		ok(passed <= 25, "white noise at -10 dBm0: the gate passes %u of 500 blocks to the CED/V.21 detector",
		   passed);
		same("noise", &s, MODEM_CONNECT_TONES_FAX_CNG, 10000, 0, &passed);
		ok(passed <= 25, "white noise: %u of 500 blocks to the CNG detector", passed);
	}
	{
		struct sig s = {
		    .f = 2100, .amp = dbm0(-15), .on_ms = 300, .off_ms = 100, .noise = dbm0(-30), .off_noise = 1};

		s.amp = dbm0(-15);
		ok(same("bursts in noise", &s, MODEM_CONNECT_TONES_ANS_PR, 4000, -1, &passed),
		   "300 ms 2100 Hz bursts with 100 ms of noise between: the same reports (gaps never skipped into one "
		   "tone)");
		s.off_noise = 0;
		s.noise = 0;
		ok(same("bursts in silence", &s, MODEM_CONNECT_TONES_ANS_PR, 4000, -1, &passed),
		   "the same with silence between");
	}
	{
		struct media_gate g;
		int16_t z[BLK] = {0};

		memset(&g, 0, sizeof(g));
		is_int((int)media_gate_block(&g, z, BLK), 0, "silence: no band");
		is_int((int)media_gate_block(&g, z, 0), 0, "an empty block: no band");
	}
	{
		/* the pair (both directions of a bridge at once) is two single gates */
		struct sig a = {.f = 2100.0, .amp = dbm0(-20.0), .noise = dbm0(-40.0)};
		struct sig c = {
		    .f = 1100.0, .amp = dbm0(-30.0), .on_ms = 500, .off_ms = 500, .noise = dbm0(-35.0), .off_noise = 1};
		struct media_gate p1, p2, s1, s2;
		int16_t ba[BLK], bc[BLK];
		int differ = 0, bits = 0;

		memset(&p1, 0, sizeof(p1));
		p2 = s1 = s2 = p1;
		for (long b = 0; b < 200; b++) {
			unsigned ma, mc;

			gen(&a, ba, b * BLK);
			gen(&c, bc, b * BLK);
			media_gate_pair(&p1, ba, &p2, bc, BLK, &ma, &mc);
			differ += ma != media_gate_block(&s1, ba, BLK) || mc != media_gate_block(&s2, bc, BLK);
			bits |= (int)(ma | mc);
		}
		is_int(differ, 0, "a pair of gates gives each block the bands a single gate gives it");
		ok(memcmp(&p1, &s1, sizeof(p1)) == 0 && memcmp(&p2, &s2, sizeof(p2)) == 0,
		   "and leaves both resonators where single gates leave them");
		is_int(bits, MEDIA_GATE_1100 | MEDIA_GATE_2100, "(the signals open the 1100 and 2100 Hz bands)");
	}
	return tap_done();
}
