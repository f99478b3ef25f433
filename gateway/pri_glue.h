/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PRI call control over a span's D-channel: libpri behind a typed API.
 * gateway/pri_glue.c and pri_cmd.c (through pri_int.h) are the only files that include <libpri.h>. One call
 * per B-channel, so calls are named by their channel number (Q.931
 * numbering: the timeslot). Everything runs on the loop's thread. */
#ifndef TANDEM_GW_PRI_GLUE_H
#define TANDEM_GW_PRI_GLUE_H

#include "gateway/loop.h"
#include "gateway/tdm_span.h"

#include <stddef.h>
#include <stdint.h>

enum gw_pri_node {
	GW_PRI_CPE = 0,    /* the user side: what a gateway is to a carrier */
	GW_PRI_NETWORK = 1 /* the network side: the carrier (pstnsim) */
};

enum gw_pri_switch {
	GW_PRI_SW_NI2,
	GW_PRI_SW_DMS100,
	GW_PRI_SW_5ESS,
	GW_PRI_SW_4ESS,
	GW_PRI_SW_EUROISDN_E1,
	GW_PRI_SW_EUROISDN_T1,
	GW_PRI_SW_QSIG
};

/* Call states as Q.931 (05/98) 2.1.1 names the user side's; on the
 * network side they name the mirror states (an incoming SETUP is "Call
 * Present" on both sides). */
enum gw_pri_state {
	GW_PRI_NULL,                     /* U0 */
	GW_PRI_CALL_INITIATED,           /* U1: SETUP sent */
	GW_PRI_OUTGOING_CALL_PROCEEDING, /* U3: CALL PROCEEDING received */
	GW_PRI_CALL_DELIVERED,           /* U4: ALERTING received */
	GW_PRI_CALL_PRESENT,             /* U6: SETUP received */
	GW_PRI_CALL_RECEIVED,            /* U7: ALERTING sent */
	GW_PRI_CONNECT_REQUEST,          /* U8: CONNECT sent */
	GW_PRI_INCOMING_CALL_PROCEEDING, /* U9: CALL PROCEEDING sent */
	GW_PRI_ACTIVE,                   /* U10 */
	GW_PRI_DISCONNECT_REQUEST,       /* U11: DISCONNECT sent */
	GW_PRI_DISCONNECT_INDICATION,    /* U12: DISCONNECT received */
	GW_PRI_RELEASE_REQUEST,          /* U19: RELEASE sent */
	GW_PRI_OVERLAP_SENDING,          /* U2: SETUP ACKNOWLEDGE received */
	GW_PRI_OVERLAP_RECEIVING,        /* U25: SETUP ACKNOWLEDGE sent */
	GW_PRI_STATE_COUNT
};

/* What drives the per-channel machine: our commands and libpri's events. */
enum gw_pri_event {
	GW_PRI_EV_CMD_SETUP,
	GW_PRI_EV_CMD_PROCEEDING,
	GW_PRI_EV_CMD_ALERTING,
	GW_PRI_EV_CMD_ANSWER,
	GW_PRI_EV_CMD_HANGUP,
	GW_PRI_EV_SETUP, /* incoming SETUP */
	GW_PRI_EV_PROCEEDING,
	GW_PRI_EV_PROGRESS,
	GW_PRI_EV_ALERTING,
	GW_PRI_EV_CONNECT,
	GW_PRI_EV_CONNECT_ACK,
	GW_PRI_EV_DISCONNECT,
	GW_PRI_EV_RELEASE,       /* RELEASE / RELEASE COMPLETE: the call is gone */
	GW_PRI_EV_RESTART,       /* the channel was restarted */
	GW_PRI_EV_CMD_MORE_INFO, /* we send SETUP ACKNOWLEDGE */
	GW_PRI_EV_CMD_INFO,      /* we send INFORMATION (overlap sending) */
	GW_PRI_EV_SETUP_ACK,     /* SETUP ACKNOWLEDGE received */
	GW_PRI_EV_INFO,          /* INFORMATION with digits received */
	GW_PRI_EV_COUNT
};

/* "ni2", "dms100", "5ess", "4ess", "euroisdn_e1", "euroisdn_t1", "qsig";
 * "cpe", "network". 0, or -EINVAL for any other name (never a default). */
/* libpri's PRI_SWITCH_* for sw, or -1 (gateway/pri_names.c). */
int gw_pri_switch_libpri(enum gw_pri_switch sw);
int gw_pri_switch_parse(const char *name, enum gw_pri_switch *out);
/* Whether the switch type has SERVICE messages (maintenance, AT&T / Bellcore
 * PRI: 5ESS, 4ESS, NI2), which the glue then sends and takes. */
int gw_pri_switch_has_service(enum gw_pri_switch sw);
const char *gw_pri_switch_name(enum gw_pri_switch sw);
int gw_pri_node_parse(const char *name, enum gw_pri_node *out);
const char *gw_pri_node_name(enum gw_pri_node node);
const char *gw_pri_state_name(enum gw_pri_state s);
const char *gw_pri_event_name(enum gw_pri_event e);

/* The transition table: 0 and *next, or -EPROTO when event e is not
 * expected in state s. Pure; exposed for tests. */
int gw_pri_fsm_next(enum gw_pri_state s, enum gw_pri_event e, enum gw_pri_state *next);

/* Q.931 4.5.8/4.5.10 octet 3: type of number (bits 7-5) and numbering
 * plan (bits 4-1), as one "plan" value (ton << 4 | npi), as libpri has it. */
#define GW_PRI_TON_UNKNOWN       0
#define GW_PRI_TON_INTERNATIONAL 1
#define GW_PRI_TON_NATIONAL      2
#define GW_PRI_TON_NETWORK       3
#define GW_PRI_TON_SUBSCRIBER    4
#define GW_PRI_TON_ABBREVIATED   6
#define GW_PRI_NPI_UNKNOWN       0
#define GW_PRI_NPI_E164          1
#define GW_PRI_NPI_PRIVATE       9
#define GW_PRI_PLAN(ton, npi)    (((ton) << 4) | (npi))
#define GW_PRI_PLAN_TON(plan)    (((plan) >> 4) & 7)
#define GW_PRI_PLAN_NPI(plan)    ((plan)&15)

/* Q.931 4.5.10 octet 3a: presentation (bits 7-6) and screening (bits 2-1),
 * as one value (pres << 5 | screen), as libpri has it. */
#define GW_PRI_PRES_ALLOWED       0
#define GW_PRI_PRES_RESTRICTED    1
#define GW_PRI_PRES_UNAVAILABLE   2
#define GW_PRI_SCREEN_USER        0 /* user-provided, not screened */
#define GW_PRI_SCREEN_PASSED      1 /* user-provided, verified and passed */
#define GW_PRI_SCREEN_FAILED      2 /* user-provided, verified and failed */
#define GW_PRI_SCREEN_NETWORK     3 /* network provided */
#define GW_PRI_PRESENTATION(p, s) (((p) << 5) | (s))
#define GW_PRI_PRES_OF(v)         (((v) >> 5) & 3)
#define GW_PRI_SCREEN_OF(v)       ((v)&3)

/* A number with its plan (and, for the calling and redirecting numbers,
 * its presentation/screening). */
struct gw_pri_number {
	char digits[64];
	int plan;
	int pres;
};

/* An incoming call, lent to the setup callback (copy what you keep).
 * called/calling are the digits of called_party/calling_party. */
struct gw_pri_setup {
	int channel;
	char called[64];
	char calling[64];
	struct gw_pri_number called_party, calling_party, redirecting;
	int redirecting_reason; /* Q.931 4.5.21a codes (PRI_REDIR_*), -1 when absent */
	int complete;           /* Sending Complete seen (or en bloc switch) */
};

/* An outgoing call. */
struct gw_pri_call_params {
	struct gw_pri_number called, calling, redirecting;
	int redirecting_reason; /* -1 when there is no redirecting number */
	int overlap;            /* 1: the called number is not complete yet */
};

/* Callbacks, all optional, on the loop's thread. arg is gw_pri_new's.
 * A callback may call any gw_pri command, but not gw_pri_free. */
struct gw_pri_events {
	void (*link)(void *arg, int up);                        /* Q.921 link up / down */
	void (*closed)(void *arg);                              /* the span's peer went away */
	void (*setup)(void *arg, const struct gw_pri_setup *s); /* answer with alerting/answer/hangup */
	void (*proceeding)(void *arg, int channel);
	void (*progress)(void *arg, int channel);
	void (*alerting)(void *arg, int channel);
	void (*connect)(void *arg, int channel);               /* the call is active (both directions) */
	void (*disconnect)(void *arg, int channel, int cause); /* far end cleared: call gw_pri_hangup */
	void (*release)(void *arg, int channel, int cause);    /* the channel is idle again */
	void (*info)(void *arg, int channel, const char *digits, int complete); /* overlap digits */
	void (*restarted)(void *arg, int channel); /* RESTART ACKNOWLEDGE: the channel may be used */
	/* The far end's SERVICE took a channel out of service (in = 0) or put
	 * it back (in = 1). */
	void (*service)(void *arg, int channel, int in);
	/* Glare, on the user side: the network's SETUP named channel, where
	 * our SETUP waits for its first answer. The network keeps the channel
	 * (Q.931 5.2.3.1: it refuses ours with 44); our call is no longer on
	 * it. The callback places it again (gw_pri_call_ex with p on another
	 * channel) or gives it up; without it the call is released (44).
	 * The incoming call's setup callback follows. */
	void (*glare)(void *arg, int channel, const struct gw_pri_call_params *p);
	/* A D-channel frame (Q.921, without FCS) about to reach libpri: seen
	 * before libpri acts on it. For tests: pstnsim --glare places a call
	 * on the channel of a SETUP it has not yet taken, so that they cross. */
	void (*frame)(void *arg, const uint8_t *frame, size_t len);
};

struct gw_pri_config {
	enum gw_pri_node node;
	enum gw_pri_switch sw;
	int debug;         /* libpri debug bits (PRI_DEBUG_*), 0 for none */
	int overlap;       /* overlap receiving: SETUP without Sending Complete gets SETUP ACK */
	int restart_on_up; /* RESTART every B-channel when the link comes up (Q.931 5.5) */
	int pace;          /* the D-channel at 64 kbit/s, as on a card (gateway/pri_pace.h) */
	int service;       /* SERVICE messages, where the switch type has them (gw_pri_switch_has_service) */
	/* Overlap sending (Q.931 5.1.3): an outgoing SETUP carries only the
	 * first overlap_send_digits digits of the called number, without
	 * Sending Complete; the rest follow one INFORMATION message each after
	 * the far end's SETUP ACKNOWLEDGE. A number no longer than that goes
	 * en bloc. */
	int overlap_send;
	int overlap_send_digits;
};

struct gw_pri;

/* Start PRI on span's D-channel: libpri over pri_new_cb, the D-channel fd
 * watched on loop, libpri's timers on a gw_timer. The span stays the
 * caller's and must outlive the gw_pri. 0, -EINVAL, -ENOMEM. */
int gw_pri_new(struct gw_loop *loop, struct tdm_span *span, const struct gw_pri_config *cfg,
	       const struct gw_pri_events *ev, void *arg, struct gw_pri **out);
/* Stop watching and free. libpri 1.6 has no destructor for its
 * controller (see docs/spans.md): that allocation is released only at
 * exit. NULL is a no-op. */
void gw_pri_free(struct gw_pri *pri);

int gw_pri_link_up(const struct gw_pri *pri);
/* The span's layer-1 alarms (TDM_ALARM_*) as last reported; 0 in service. */
unsigned gw_pri_alarms(const struct gw_pri *pri);
struct pri_pace_stats;
/* The pacer's counters: 0, or -ENOENT when the span is not paced. */
int gw_pri_pace_stats(const struct gw_pri *pri, struct pri_pace_stats *st);
/* Whether a channel waits for its RESTART ACKNOWLEDGE (never hunted). */
int gw_pri_channel_restarting(const struct gw_pri *pri, int channel);
enum gw_pri_state gw_pri_channel_state(const struct gw_pri *pri, int channel);
/* Why a channel is out of service (never hunted, incoming calls on it
 * refused): taken out here (GW_PRI_OOS_LOCAL), by the far end's SERVICE
 * (GW_PRI_OOS_FAR), both, or 0 in service. */
#define GW_PRI_OOS_LOCAL 1u
#define GW_PRI_OOS_FAR   2u
unsigned gw_pri_channel_oos(const struct gw_pri *pri, int channel);
/* For the channel audit: whether libpri holds a call record for the
 * channel, and how long (ms) the channel has been in its state. */
int gw_pri_channel_has_call(const struct gw_pri *pri, int channel);
long long gw_pri_channel_age_ms(const struct gw_pri *pri, int channel);
/* Whether SERVICE messages are on for this span (configured and the switch
 * type has them). */
int gw_pri_service_enabled(const struct gw_pri *pri);
/* The first idle B-channel, or -EBUSY. */
int gw_pri_idle_channel(const struct gw_pri *pri);

/* Commands. 0, -EINVAL (bad channel/number), -EPROTO (not allowed in the
 * channel's state; logged), -ENOTCONN (link down), -EIO (libpri refused). */
int gw_pri_call(struct gw_pri *pri, int channel, const char *called, const char *calling);
int gw_pri_call_ex(struct gw_pri *pri, int channel, const struct gw_pri_call_params *p);
/* Overlap receiving: ask for more digits (SETUP ACKNOWLEDGE). */
int gw_pri_need_more_info(struct gw_pri *pri, int channel);
/* PROGRESS with "in-band information available" (Q.931 4.5.23 #8). */
int gw_pri_progress(struct gw_pri *pri, int channel);
/* Take a B-channel out of service (in = 0) or put it back (in = 1) on
 * this side; a call on it goes on (the channel is not hunted after it).
 * Sends SERVICE to the far end when gw_pri_service_enabled() and the link
 * is up. 1 when SERVICE was sent, 0 when the change is local only,
 * -EINVAL (no such channel), -EIO (libpri refused). */
int gw_pri_service(struct gw_pri *pri, int channel, int in);
/* RESTART one B-channel (Q.931 5.5): a call on it is released. */
int gw_pri_restart(struct gw_pri *pri, int channel);
int gw_pri_proceeding(struct gw_pri *pri, int channel);
int gw_pri_alerting(struct gw_pri *pri, int channel);
int gw_pri_answer(struct gw_pri *pri, int channel);
/* Clear the call with a Q.850 cause (DISCONNECT, or RELEASE [COMPLETE]
 * as the state requires); release follows. */
int gw_pri_hangup(struct gw_pri *pri, int channel, int cause);

#endif
