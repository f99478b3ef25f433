/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Line echo cancellation on the TDM side of a bridge, and the answer-tone
 * detector that turns it off. The canceller is speexdsp's (chosen by
 * measurement, bench/echo and docs/media.md); the detector is SpanDSP's
 * modem_connect_tones_rx (2100 Hz, with or without phase reversals: V.25
 * ANS/ANSam, fax CED). Everything here runs on the bridge's worker thread
 * except media_bridge_echo_disable(), which any thread may call. */
#ifndef TANDEM_GW_MEDIA_ECHO_H
#define TANDEM_GW_MEDIA_ECHO_H

#include <stddef.h>
#include <stdint.h>

struct media_bridge;

#define MEDIA_ECHO_TAIL_MIN 16  /* ms */
#define MEDIA_ECHO_TAIL_MAX 256 /* ms */
#define MEDIA_ECHO_TAIL_DEF 128 /* ms */

/* --- The canceller alone (linear samples) ------------------------------ */
struct media_echo;

/* A canceller for an echo tail of tail_ms (clamped to 16..256). NULL on
 * out of memory; speexdsp's state is made at the first block (its frame
 * depends on the block length). */
struct media_echo *media_echo_new(unsigned tail_ms);
void media_echo_free(struct media_echo *ec);
/* Cancel: ref holds the len samples sent toward the line just before io's
 * len samples were received from it (the far end's speech, whose echo io
 * carries); io is cleaned in place. Any block length: the canceller works
 * on 20 ms frames when the first block is a multiple of 160 samples, else
 * on 10 ms frames, so a length that is not a multiple of the frame delays
 * io by less than a frame (once). Out of memory at the first block: io is
 * left as it came. */
void media_echo_process(struct media_echo *ec, const int16_t *ref, int16_t *io, size_t len);

/* --- Per bridge (media_worker.c's hooks) ------------------------------- */

/* Start echo control on a running bridge, from its media_bridge_config
 * (echo_tail_ms 0: none). On a span whose backend cancels echo itself
 * (DAHDI), the channel's canceller is set instead of ours. 0 or -ENOMEM. */
int media_echo_bridge_start(struct media_bridge *b);
/* One TDM block each way, in the span's law: in are the len samples just
 * read from the B-channel (cleaned of echo in place, before anything else
 * sees them: the DTMF detector must not hear the echo of our own tones);
 * out the len samples about to be written to it (the next block's
 * reference). Both run an answer-tone detector. */
void media_echo_bridge_rx(struct media_bridge *b, uint8_t *in, size_t len);
void media_echo_bridge_tx(struct media_bridge *b, const uint8_t *out, size_t len);
/* media_echo_bridge_rx in two halves, for the worker's order of work (a
 * block's RTP packet leaves before the detectors run): _cancel cleans in
 * of echo in place (lin: in decoded, left as it is); _detect runs the
 * answer-tone detector on lin behind the gate's mask (media_gate.h) and
 * turns the canceller off from the next block when it hears a tone. */
void media_echo_bridge_cancel(struct media_bridge *b, uint8_t *in, const int16_t *lin, size_t len);
void media_echo_bridge_detect(struct media_bridge *b, const int16_t *lin, size_t len, unsigned gate);
/* media_echo_bridge_tx with the block already decoded (lout) and its gate mask. */
void media_echo_bridge_ref(struct media_bridge *b, const int16_t *lout, size_t len, unsigned gate);
/* Turn the canceller off now (its worker: a fax), counted as a request
 * (ec_disabled_by_request). */
void media_echo_bridge_off(struct media_bridge *b, const char *why);
/* Free what the bridge's echo control holds; idempotent. */
void media_echo_bridge_release(struct media_bridge *b);

/* Turn the bridge's echo canceller off for the rest of the call (fax or
 * modem passthrough, T.38). Any thread; the worker applies it before its
 * next block. Counted in media_stats.ec_disabled_by_request. */
void media_bridge_echo_disable(struct media_bridge *b);

#endif
