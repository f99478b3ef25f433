/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A D-channel paced like a real one: 64 kbit/s each way, so a virtual
 * span carries no more signalling than a PRI's timeslot would (about 63
 * call setups a second) and post-dial delay under load is what a card
 * would show. Frames to send wait in a small queue for the line (a full
 * queue drops the frame, as a full HDLC buffer does: Q.921 retransmits);
 * frames received are taken no faster than the line delivers them. Used
 * by the PRI glue when its configuration asks (docs/spans.md). */
#ifndef TANDEM_GW_PRI_PACE_H
#define TANDEM_GW_PRI_PACE_H

#include "gateway/loop.h"
#include "gateway/tdm_span.h"

#include <stddef.h>
#include <stdint.h>

/* D-channel bit rate and the frames the transmit side holds. */
#define PRI_PACE_BPS   64000
#define PRI_PACE_QUEUE 16

struct pri_pace;

struct pri_pace_stats {
	uint64_t tx_frames, tx_octets, rx_frames, rx_octets;
	uint64_t tx_dropped; /* frames refused because the queue was full */
	unsigned tx_queue_max;
	uint64_t age_ms; /* since pri_pace_new */
};

/* Pace span's D-channel. resume(arg) runs on the loop when frames may be
 * received again after pri_pace_rx_ready() said no. 0 or -ENOMEM. */
int pri_pace_new(struct gw_loop *loop, struct tdm_span *span, void (*resume)(void *arg), void *arg,
		 struct pri_pace **out);
void pri_pace_free(struct pri_pace *p);

/* The time a frame of len octets (without FCS) holds a 64 kbit/s line:
 * the frame, its 2 FCS octets and one closing flag, in nanoseconds
 * (bit stuffing, at most 1 bit in 6, is not counted). */
uint64_t pri_pace_line_ns(size_t len);

/* Queue a frame for the line: 0, or -ENOBUFS (queue full, frame
 * dropped), -EMSGSIZE. The frame is written to the span when the line
 * has carried it. */
int pri_pace_write(struct pri_pace *p, const uint8_t *frame, size_t len);

/* Whether the next received frame may be taken now. When not, the caller
 * stops reading; resume() says when to start again. */
int pri_pace_rx_ready(struct pri_pace *p);
/* A frame of len octets was taken: the line is busy for its time. */
void pri_pace_rx_taken(struct pri_pace *p, size_t len);

void pri_pace_stats(const struct pri_pace *p, struct pri_pace_stats *st);

#endif
