/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Echo control of a bridge: speexdsp's canceller on the B-channel's audio
 * (or the span's own, on DAHDI), turned off when a 2100 Hz answer tone is
 * heard either way or when asked (fax). Why speexdsp: docs/media.md. */
#include "config.h"

#include "gateway/media_echo.h"
#include "gateway/g711.h"
#include "gateway/media_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>
#include <speex/speex_echo.h>

#include "common/log.h"

/* speexdsp's frame: 20 ms when the blocks are whole 20 ms (its filter
 * costs about a fifth less per sample than with 10 ms frames, for the same
 * ERLE: bench/echo), else 10 ms; a frame longer than the block would delay
 * the cleaned audio. Chosen at the first block. */
#define FRAME_LONG  160
#define FRAME_SHORT 80
#define FIFO_N      (TDM_AUDIO_MAX + 2 * FRAME_LONG)

struct media_echo {
	SpeexEchoState *st; /* NULL until the first block */
	unsigned taps;
	size_t frame;
	/* Samples waiting for a whole frame (rx, ref), cleaned ones waiting
	 * to be handed back (out). */
	int16_t rx[FIFO_N], ref[FIFO_N], out[FIFO_N];
	size_t nin, nout;
};

struct media_echo *media_echo_new(unsigned tail_ms)
{
	struct media_echo *ec = calloc(1, sizeof(*ec));

	if (!ec)
		return NULL;
	if (tail_ms < MEDIA_ECHO_TAIL_MIN)
		tail_ms = MEDIA_ECHO_TAIL_MIN;
	if (tail_ms > MEDIA_ECHO_TAIL_MAX)
		tail_ms = MEDIA_ECHO_TAIL_MAX;
	ec->taps = tail_ms * 8;
	return ec;
}

/* The canceller itself, sized for blocks of len samples; 0 or -ENOMEM. */
static int echo_init(struct media_echo *ec, size_t len)
{
	int rate = 8000;

	ec->frame = len % FRAME_LONG == 0 ? FRAME_LONG : FRAME_SHORT;
	if (!(ec->st = speex_echo_state_init((int)ec->frame, (int)ec->taps)))
		return -ENOMEM;
	speex_echo_ctl(ec->st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
	return 0;
}

void media_echo_free(struct media_echo *ec)
{
	if (!ec)
		return;
	if (ec->st)
		speex_echo_state_destroy(ec->st);
	free(ec);
}

void media_echo_process(struct media_echo *ec, const int16_t *ref, int16_t *io, size_t len)
{
	size_t done = 0, k = 0;

	if (!ec->st && echo_init(ec, len) < 0)
		return; /* out of memory: the block goes on as it came */
	while (done < len) {
		size_t n = len - done < FIFO_N - ec->frame - ec->nin ? len - done : FIFO_N - ec->frame - ec->nin;

		memcpy(ec->rx + ec->nin, io + done, n * sizeof(int16_t));
		memcpy(ec->ref + ec->nin, ref + done, n * sizeof(int16_t));
		ec->nin += n;
		done += n;
		for (k = 0; k + ec->frame <= ec->nin && ec->nout + ec->frame <= FIFO_N; k += ec->frame) {
			speex_echo_cancellation(ec->st, ec->rx + k, ec->ref + k, ec->out + ec->nout);
			ec->nout += ec->frame;
		}
		memmove(ec->rx, ec->rx + k, (ec->nin - k) * sizeof(int16_t));
		memmove(ec->ref, ec->ref + k, (ec->nin - k) * sizeof(int16_t));
		ec->nin -= k;
		/* Hand back what is cleaned; when short (a block length that is
		 * not whole frames), start later: silence once, then the delay
		 * stays (under one frame). */
		{
			size_t want = n, from = done - n;

			if (ec->nout < want) {
				size_t pad = want - ec->nout;

				memmove(ec->out + pad, ec->out, ec->nout * sizeof(int16_t));
				memset(ec->out, 0, pad * sizeof(int16_t));
				ec->nout = want;
			}
			memcpy(io + from, ec->out, want * sizeof(int16_t));
			memmove(ec->out, ec->out + want, (ec->nout - want) * sizeof(int16_t));
			ec->nout -= want;
		}
	}
}

/* --- Per bridge --------------------------------------------------------- */

struct media_echo_bridge {
	struct media_echo *ec;        /* ours, NULL when the span cancels or when off */
	int hw;                       /* the span's canceller is on */
	struct media_tone_rx tone[2]; /* [0]: from the B-channel, [1]: toward it */
	int heard;                    /* a detector reported an answer tone */
	int16_t prev[TDM_AUDIO_MAX];  /* the last block sent toward the line */
	size_t prev_len;
};

static void on_answer_tone(void *user, int code, int level, int delay)
{
	struct media_echo_bridge *e = user;

	(void)level;
	(void)delay;
	if (code == MODEM_CONNECT_TONES_ANS || code == MODEM_CONNECT_TONES_ANS_PR ||
	    code == MODEM_CONNECT_TONES_ANSAM || code == MODEM_CONNECT_TONES_ANSAM_PR)
		e->heard = code;
}

int media_echo_bridge_start(struct media_bridge *b)
{
	struct media_echo_bridge *e;
	int id = tdm_span_config(b->span)->id;

	b->st.echo_canceller = MEDIA_EC_NONE;
	if (!b->echo_tail_ms)
		return 0;
	if (!(e = calloc(1, sizeof(*e))))
		return -ENOMEM;
	if (tdm_span_echo_cancel(b->span, b->channel, b->echo_tail_ms) == 0) {
		e->hw = 1;
		b->st.echo_canceller = MEDIA_EC_SPAN;
	} else if ((e->ec = media_echo_new(b->echo_tail_ms))) {
		b->st.echo_canceller = MEDIA_EC_OURS;
	} else {
		free(e);
		return -ENOMEM;
	}
	for (int i = 0; i < 2; i++)
		if (media_tone_rx_init(&e->tone[i], MODEM_CONNECT_TONES_ANS_PR, on_answer_tone, e) < 0) {
			b->echo = e;
			media_echo_bridge_release(b);
			b->st.echo_canceller = MEDIA_EC_NONE;
			return -ENOMEM;
		}
	b->echo = e;
	LOG_D(MEDIA_TAG, "span %d ch %d: echo canceller: %s, tail %u ms", id, b->channel,
	      e->hw ? "the span's" : "speexdsp", b->echo_tail_ms);
	return 0;
}

static void echo_off(struct media_bridge *b, const char *why)
{
	struct media_echo_bridge *e = b->echo;

	if (e->hw)
		tdm_span_echo_cancel(b->span, b->channel, 0);
	LOG_I(MEDIA_TAG, "span %d ch %d: echo canceller off: %s", tdm_span_config(b->span)->id, b->channel, why);
	media_echo_bridge_release(b);
	b->st.echo_canceller = MEDIA_EC_NONE;
}

void media_echo_bridge_detect(struct media_bridge *b, const int16_t *lin, size_t len, unsigned gate)
{
	struct media_echo_bridge *e = b->echo;

	if (!e)
		return;
	media_tone_rx_block(&e->tone[0], lin, len, gate);
	if (e->heard) {
		b->st.ec_disabled_by_tone++;
		echo_off(b, modem_connect_tone_to_str(e->heard));
	}
}

void media_echo_bridge_cancel(struct media_bridge *b, uint8_t *in, const int16_t *lin, size_t len)
{
	struct media_echo_bridge *e = b->echo;
	int16_t clean[TDM_AUDIO_MAX], prev[TDM_AUDIO_MAX];

	if (!e)
		return;
	if (atomic_load(&b->echo_off_req)) {
		b->st.ec_disabled_by_request++;
		echo_off(b, "requested");
		return;
	}
	if (!e->ec)
		return;
	/* The reference: what went toward the line the block before (its
	 * echo is in this one and the next few). */
	memcpy(clean, lin, len * sizeof(int16_t));
	memset(prev, 0, len * sizeof(int16_t));
	memcpy(prev, e->prev, (e->prev_len < len ? e->prev_len : len) * sizeof(int16_t));
	media_echo_process(e->ec, prev, clean, len);
	law_encode(b->law, clean, in, len);
}

void media_echo_bridge_rx(struct media_bridge *b, uint8_t *in, size_t len)
{
	int16_t lin[TDM_AUDIO_MAX];

	law_decode(b->law, in, lin, len);
	if (b->echo && !atomic_load(&b->echo_off_req))
		media_echo_bridge_detect(b, lin, len, media_gate_block(&b->gate_in, lin, len));
	media_echo_bridge_cancel(b, in, lin, len);
}

void media_echo_bridge_ref(struct media_bridge *b, const int16_t *lout, size_t len, unsigned gate)
{
	struct media_echo_bridge *e = b->echo;

	if (!e)
		return;
	memcpy(e->prev, lout, len * sizeof(int16_t));
	e->prev_len = len;
	media_tone_rx_block(&e->tone[1], e->prev, len, gate);
	if (e->heard) {
		b->st.ec_disabled_by_tone++;
		echo_off(b, modem_connect_tone_to_str(e->heard));
	}
}

void media_echo_bridge_tx(struct media_bridge *b, const uint8_t *out, size_t len)
{
	int16_t lout[TDM_AUDIO_MAX];

	if (!b->echo)
		return;
	law_decode(b->law, out, lout, len);
	media_echo_bridge_ref(b, lout, len, media_gate_block(&b->gate_out, lout, len));
}

void media_echo_bridge_release(struct media_bridge *b)
{
	struct media_echo_bridge *e = b->echo;

	if (!e)
		return;
	for (int i = 0; i < 2; i++)
		media_tone_rx_free(&e->tone[i]);
	media_echo_free(e->ec);
	free(e);
	b->echo = NULL;
}

void media_echo_bridge_off(struct media_bridge *b, const char *why)
{
	if (!b->echo)
		return;
	b->st.ec_disabled_by_request++;
	echo_off(b, why);
}

void media_bridge_echo_disable(struct media_bridge *b)
{
	atomic_store(&b->echo_off_req, 1);
}
