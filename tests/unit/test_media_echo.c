/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Echo control and concealment (gateway/media_echo.c, media_plc.c) on their own: the canceller on a simulated hybrid
 * echo (ERLE after convergence, any block length); a bridge's echo control turned off by a 2100 Hz answer tone with
 * phase reversals (V.25 ANS/PR) and without (fax CED) either way, not by speech-band tones, and on request; packet loss
 * concealment filling a gap in a tone where the jitter buffer alone plays silence. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spandsp.h>

#include "gateway/media_echo.h"
#include "gateway/media_int.h"
#include "gateway/media_plc.h"
#include "gateway/tdm_span.h"
#include "tests/tap.h"

static uint32_t seed = 1;

static double rnd(void)
{
	seed = seed * 1664525u + 1013904223u;
	return ((double)(seed >> 8) / 16777216.0 - 0.5) * 2;
}

static double energy(const int16_t *s, size_t n)
{
	double e = 1e-9;

	for (size_t i = 0; i < n; i++)
		e += (double)s[i] * s[i];
	return e;
}

/* ERLE (dB) over the last 2 of 6 seconds: speech-like far end, echo 32 ms late and about 9 dB down through a short
 * dispersive path (a hybrid's) and G.711, near-end noise around -60 dBm0, cancelled in blocks of blk samples. */
static double erle_run(size_t blk)
{
	enum {
		N = 6 * 8000,
		D = 256
	};
	int16_t *far = calloc(N, sizeof(int16_t)), *in = calloc(N, sizeof(int16_t)), *out = calloc(N, sizeof(int16_t));
	struct media_echo *ec = media_echo_new(128);
	double e_in = 0, e_out = 0;

	double y1 = 0, y2 = 0;
	int burst = 0, on = 0;

	/* Speech-like: noise through a resonance, in bursts of 150..400 ms (the canceller's real input; speexdsp is
	 * weaker on stationary white noise at some delays, see docs/media.md). */
	for (int i = 0; i < N; i++) {
		double v = rnd() * 1.7 + 1.6 * y1 - 0.8 * y2;

		y2 = y1;
		y1 = v;
		if (burst-- <= 0) {
			on = !on;
			burst = (int)((on ? 0.15 + 0.25 * (rnd() + 1) / 2 : 0.05 + 0.2 * (rnd() + 1) / 2) * 8000);
		}
		far[i] = ulaw_to_linear(linear_to_ulaw((int)(v * (on ? 1100 : 8))));
	}
	for (int i = 0; i < N; i++)
		in[i] = ulaw_to_linear(linear_to_ulaw(
		    (int)((i >= D + 3 ? 0.355 * (0.3 * far[i - D] + 1.0 * far[i - D - 1] - 0.4 * far[i - D - 3]) : 0) +
			  rnd() * 5)));
	memcpy(out, in, N * sizeof(int16_t));
	/* The reference of a block is the far end's block before it, as in the bridge. */
	for (size_t i = blk; i < N; i += blk)
		media_echo_process(ec, far + i - blk, out + i, i + blk <= N ? blk : N - i);
	/* Blocks of partial frames delay the output by under a frame: compare powers over a long window. */
	for (size_t i = N - 2 * 8000; i < N - 1000; i++) {
		e_in += (double)in[i] * in[i];
		e_out += (double)out[i] * out[i];
	}
	media_echo_free(ec);
	free(far);
	free(in);
	free(out);
	return 10 * log10(e_in / (e_out + 1e-9));
}

static void test_canceller(void)
{
	double e160 = erle_run(160), e100 = erle_run(100);

	ok(e160 >= 25, "160-sample blocks: ERLE %.1f dB after 4 s (>= 25)", e160);
	ok(e100 >= 25, "100-sample blocks (not whole frames): ERLE %.1f dB (>= 25)", e100);
}

/* --- A bridge's echo control, on a virtual span (its backend has no canceller of its own). --- */

static struct tdm_span *span;
static int far_fd;

static void bridge_init(struct media_bridge *b, unsigned tail)
{
	memset(b, 0, sizeof(*b));
	b->span = span;
	b->channel = 1;
	b->law = TDM_LAW_ALAW;
	b->echo_tail_ms = tail;
}

/* Run seconds of a tone (modem_connect_tones_tx of type, or a sine at hz) through the bridge's hooks, the tone going
 * toward TDM (dir 1) or coming from it (dir 0). Returns when the canceller went off, or after seconds. */
static void run_tone(struct media_bridge *b, int type, int hz, int dir, double seconds)
{
	modem_connect_tones_tx_state_t *tx = type ? modem_connect_tones_tx_init(NULL, type) : NULL;
	int16_t lin[160];
	uint8_t blk[160], quiet[160];
	double ph = 0;

	for (int i = 0; i < 160; i++)
		quiet[i] = linear_to_alaw((int)(rnd() * 20));
	for (int t = 0; t < (int)(seconds * 50) && b->echo; t++) {
		if (tx) {
			modem_connect_tones_tx(tx, lin, 160);
		} else {
			for (int i = 0; i < 160; i++, ph += 2 * M_PI * hz / 8000)
				lin[i] = (int16_t)(8000 * sin(ph));
		}
		for (int i = 0; i < 160; i++)
			blk[i] = linear_to_alaw(lin[i]);
		if (dir) {
			media_echo_bridge_rx(b, quiet, 160);
			media_echo_bridge_tx(b, blk, 160);
		} else {
			media_echo_bridge_rx(b, blk, 160);
			media_echo_bridge_tx(b, quiet, 160);
		}
	}
	if (tx)
		modem_connect_tones_tx_free(tx);
}

static void test_tones(void)
{
	static const struct {
		const char *name;
		int type, hz, dir;
	} cases[] = {
	    {"ANS/PR (V.25, reversals) from the line", MODEM_CONNECT_TONES_ANS_PR, 0, 0},
	    {"ANS/PR toward the line", MODEM_CONNECT_TONES_ANS_PR, 0, 1},
	    {"fax CED (2100 Hz, no reversals) from the line", MODEM_CONNECT_TONES_ANS, 0, 0},
	    {"ANSam/PR (V.8) toward the line", MODEM_CONNECT_TONES_ANSAM_PR, 0, 1},
	};
	struct media_bridge b;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		ok(0, "socketpair");
		return;
	}
	{
		int d[2];
		struct tdm_span_config cfg = {.id = 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ALAW};

		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) < 0 ||
		    tdm_span_virtual_from_fds(&cfg, d[0], sv[0], &span) < 0) {
			ok(0, "virtual span");
			return;
		}
		close(d[1]);
		far_fd = sv[1];
	}
	is_int(tdm_span_echo_cancel(span, 1, 128), -EOPNOTSUPP, "a virtual span has no canceller of its own");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bridge_init(&b, 128);
		is_int(media_echo_bridge_start(&b), 0, "%s: started", cases[i].name);
		is_int(b.st.echo_canceller, MEDIA_EC_OURS, "%s: ours (speexdsp)", cases[i].name);
		run_tone(&b, cases[i].type, 0, cases[i].dir, 4);
		ok(!b.echo && b.st.echo_canceller == MEDIA_EC_NONE && b.st.ec_disabled_by_tone == 1,
		   "%s: the canceller is turned off and counted", cases[i].name);
		media_echo_bridge_release(&b);
	}
	/* Speech-band tones (a test tone, DTMF-like, 1800 Hz) leave it on; so does 2100 Hz for too short a time. */
	{
		static const int hz[] = {1004, 1800, 2600};

		for (size_t i = 0; i < 3; i++) {
			bridge_init(&b, 64);
			media_echo_bridge_start(&b);
			run_tone(&b, 0, hz[i], i & 1, 4);
			ok(b.echo && b.st.echo_canceller == MEDIA_EC_OURS && b.st.ec_disabled_by_tone == 0,
			   "a %d Hz tone for 4 s leaves it on", hz[i]);
			media_echo_bridge_release(&b);
		}
		bridge_init(&b, 64);
		media_echo_bridge_start(&b);
		run_tone(&b, 0, 2100, 0, 0.1);
		ok(b.echo && b.st.ec_disabled_by_tone == 0, "2100 Hz for 100 ms leaves it on");
		media_bridge_echo_disable(&b);
		run_tone(&b, 0, 1004, 0, 0.04);
		ok(!b.echo && b.st.ec_disabled_by_request == 1 && b.st.echo_canceller == MEDIA_EC_NONE,
		   "media_bridge_echo_disable(): off at the next block, counted");
		media_echo_bridge_release(&b);
	}
	bridge_init(&b, 0);
	is_int(media_echo_bridge_start(&b), 0, "echo_tail_ms 0: no canceller");
	ok(!b.echo && b.st.echo_canceller == MEDIA_EC_NONE, "and none runs");
	tdm_span_free(span);
	close(far_fd);
}

/* --- Concealment ------------------------------------------------------ */

static void test_plc(void)
{
	struct rtp_jb jb;
	plc_state_t *plc = plc_init(NULL);
	uint8_t pkt[160], out[160];
	int16_t lin[160], ref[160];
	double ph = 0;
	size_t concealed = 0;
	int with = 0;

	for (int pass = 0; pass < 2; pass++) {
		double e_gap = 0, e_err = 0;

		rtp_jb_init(&jb, 320, 0xD5);
		ph = 0;
		concealed = 0;
		/* 1 kHz tone packets 0..19, 10 and 11 lost; the TDM clock pulls a block per packet. */
		for (int k = 0; k < 24; k++) {
			for (int i = 0; i < 160; i++, ph += 2 * M_PI * 1000 / 8000)
				ref[i] = (int16_t)(6000 * sin(ph)), pkt[i] = linear_to_alaw(ref[i]);
			if (k < 20 && k != 10 && k != 11)
				rtp_jb_put(&jb, (uint32_t)k * 160, pkt, 160);
			concealed += media_plc_fill(pass ? NULL : plc, &jb, 1, out, 160);
			/* Playout is 320 samples late: block k plays packet k - 2. */
			if (k == 12) {
				for (int i = 0; i < 160; i++)
					lin[i] = alaw_to_linear(out[i]);
				e_gap = energy(lin, 160);
				/* The tone continued: compare with what packet 10 held (two blocks ago in phase). */
				for (int i = 0; i < 160; i++) {
					double want = 6000 * sin(2 * M_PI * 1000 * (10 * 160 + i) / 8000.0);

					e_err += (lin[i] - want) * (lin[i] - want);
				}
			}
		}
		if (!pass) {
			ok(e_gap > 0.5 * 160 * 6000.0 * 6000 / 2,
			   "PLC: the lost packet's block is not silence (%.0f dB)", 10 * log10(e_gap / 160));
			ok(e_err < 0.25 * 160 * 6000.0 * 6000 / 2,
			   "PLC: and it is close to the tone (error %.1f dB below)",
			   10 * log10((160 * 6000.0 * 6000 / 2) / e_err));
			ok(concealed >= 320, "PLC: the two lost packets concealed (%zu samples)", concealed);
			with = 1;
		} else {
			ok(e_gap < 160 * 100.0, "without PLC the gap is silence");
			is_int((int)concealed, 0, "and nothing is counted as concealed");
		}
	}
	ok(with, "ran with PLC");
	plc_free(plc);
}

int main(void)
{
	test_canceller();
	test_tones();
	test_plc();
	return tap_done();
}
