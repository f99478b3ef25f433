/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PRI glue's private parts, shared by gateway/pri_glue.c (libpri's
 * events, life cycle) and gateway/pri_cmd.c (commands, maintenance): the
 * only files that include <libpri.h>. */
#ifndef TANDEM_GW_PRI_INT_H
#define TANDEM_GW_PRI_INT_H

#include "gateway/pri_glue.h"

#include <libpri.h>

#define TAG "pri"
/* libpri's channel encoding: (explicit << 16) | (span << 8) | channel. */
#define PRI_CHAN_NUM(c) ((c) < 0 ? -1 : ((c)&0xff))
/* How many frames / timer events one wake-up handles before yielding. */
#define BATCH 64

struct gw_pri_chan {
	q931_call *call; /* libpri's record, NULL when idle */
	enum gw_pri_state state;
	int restarting;                   /* RESTART sent, waiting for its acknowledgement */
	unsigned oos;                     /* GW_PRI_OOS_* */
	long long since_ms;               /* when the state was entered (CLOCK_MONOTONIC) */
	struct gw_pri_call_params params; /* our outgoing call's, for glare */
	size_t info_sent;                 /* overlap sending: called digits sent so far */
	int local_release;                /* cleared without DISCONNECT: the cause to report, 0 if none */
};

struct gw_pri {
	struct gw_loop *loop;
	struct tdm_span *span;
	struct gw_pri_config cfg;
	struct gw_pri_events ev;
	void *arg;
	struct pri *pri;
	struct gw_watch *dwatch;
	struct gw_timer *timer;
	int span_id, up, closed, got_frame;
	/* up = q921_up && !alarms: libpri may not notice a short layer-1
	 * alarm, so the glue keeps both and serves calls only when both say so. */
	int q921_up;
	unsigned alarms;
	struct pri_pace *pace; /* cfg.pace: the D-channel at 64 kbit/s */
	struct gw_pri_chan ch[TDM_SPAN_MAX_CHANNELS + 1];
	/* One received frame taken early for the frame hook, handed to libpri
	 * by the next read: rx_rc is what the span's read returned. */
	int rx_pending, rx_rc;
	size_t rx_len;
	uint8_t rx[TDM_DFRAME_MAX];
	char logbuf[512];
	size_t loglen;
};

/* State sets: an incoming call not answered yet (PROGRESS may be sent). */
#define GW_PRI_S(x)       (1u << GW_PRI_##x)
#define GW_PRI_S_IN_EARLY (GW_PRI_S(CALL_PRESENT) | GW_PRI_S(OVERLAP_RECEIVING) | GW_PRI_S(INCOMING_CALL_PROCEEDING))

/* Move channel's state by event e (logged); -EPROTO when the table has no
 * such transition. Clears the libpri record when the state becomes Null. */
int gw_pri_set_state(struct gw_pri *gp, int channel, enum gw_pri_event e);
long long gw_pri_now_ms(void);
/* Arm the glue's timer for libpri's next deadline (at once while a
 * channel has a local release to report). */
void gw_pri_reschedule(struct gw_pri *gp);
/* Overlap sending: after SETUP ACKNOWLEDGE, the called digits not sent yet,
 * one INFORMATION message each. */
void gw_pri_send_rest(struct gw_pri *gp, int channel);

#endif
