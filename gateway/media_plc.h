/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packet loss concealment toward the B-channel: where the jitter buffer
 * has a gap after playout started, SpanDSP's plc fills it in from the
 * last pitch period (fading out over 50 ms) instead of silence. The
 * media worker's; see docs/media.md. */
#ifndef TANDEM_GW_MEDIA_PLC_H
#define TANDEM_GW_MEDIA_PLC_H

#include <stddef.h>
#include <stdint.h>

struct media_bridge;
struct rtp_jb;

/* Start concealment on a bridge whose config asked for it. 0 or -ENOMEM. */
int media_plc_start(struct media_bridge *b);
/* The next len samples toward TDM from the bridge's jitter buffer, in the
 * span's law, gaps concealed (counted in media_stats.plc_samples). */
void media_plc_get(struct media_bridge *b, uint8_t *out, size_t len);
void media_plc_release(struct media_bridge *b);

/* The same on a bare jitter buffer (tests, the benchmark): law_alaw 1 for
 * A-law. plc is a plc_state_t (SpanDSP), or NULL (no concealment). Returns the samples concealed. */
size_t media_plc_fill(void *plc, struct rtp_jb *jb, int law_alaw, uint8_t *out, size_t len);

#endif
