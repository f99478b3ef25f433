/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Media internals shared by media.c (the loop's side) and media_worker.c
 * (the workers). Each field says which thread may touch it. */
#ifndef TANDEM_GW_MEDIA_INT_H
#define TANDEM_GW_MEDIA_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "gateway/media.h"
#include "gateway/media_gate.h"
#include "gateway/rtp.h"
#include "gateway/tdm_span.h"

#define MEDIA_TAG "media"

struct dtmf_rx_state_s; /* SpanDSP's, seen by media_worker.c only */
struct dtmf_tx_state_s;
struct media_echo_bridge; /* gateway/media_echo.c */
struct media_fax;         /* gateway/media_fax.c: the bridge's fax state, the worker's */
struct media_fax_cmd;     /* gateway/media_fax.c: a CMD_FAX's arguments */
struct rtcp_session;      /* gateway/rtcp.c */

/* What an epoll registration points at. */
enum media_tag_kind {
	TAG_CMD = 1,
	TAG_SPAN,
	TAG_RTP,
	TAG_RTCP,
	TAG_HELP /* the previous worker shares a tick (struct media_share) */
};
struct media_tag {
	enum media_tag_kind kind;
	void *ptr;
};

/* A span on a worker. Allocated by the loop, then the worker's alone. */
struct media_wspan {
	struct media_wspan *next;
	struct media_tag tag;
	struct tdm_span *span;
	int dead; /* its audio fd failed; no longer watched */
	struct media_bridge *bridges[TDM_SPAN_MAX_CHANNELS + 1];
	/* When the span, and each channel, last brought a block (CLOCK_MONOTONIC, ns): a bridge that gets blocks
	 * reads its RTP at each one, not when it comes (media_worker.c). */
	long last_ns, ch_ns[TDM_SPAN_MAX_CHANNELS + 1];
};

enum media_cmd_type {
	CMD_ADD_SPAN = 1,
	CMD_REMOVE_SPAN, /* synchronous: the loop waits for done */
	CMD_START,
	CMD_UPDATE,
	CMD_DTMF,
	CMD_STOP,
	CMD_QUIT,
	CMD_FAX /* gateway/media_fax.c */
};

struct media_cmd {
	struct media_cmd *next;
	enum media_cmd_type type;
	struct media_wspan *ws;
	struct media_bridge *b;
	struct rtp_params params; /* CMD_UPDATE */
	char digit;               /* CMD_DTMF */
	enum media_side to;
	struct media_fax_cmd *fax; /* CMD_FAX; freed with the command */
	int done;                  /* CMD_REMOVE_SPAN: set under the worker's lock */
};

/* One block of a span's tick on a worker (media_worker.c). */
struct media_tick {
	struct media_bridge *b;
	size_t len;
	uint8_t in[TDM_AUDIO_MAX], out[TDM_AUDIO_MAX];
	int16_t lin[TDM_AUDIO_MAX]; /* in, decoded before the canceller: for the detectors */
};

/* A tick's second pass (each block in: echo cancelled, sent as RTP) shared
 * with the next worker, so that the last channel's packet does not wait
 * for every other channel's canceller on one core. The owner publishes
 * the tick and wakes the next worker; both take blocks until none is
 * left; the owner waits for the last one out before its third pass. A
 * helper busy with its own spans comes too late and finds nothing. */
struct media_share {
	_Atomic uint64_t next;   /* generation << 32 | blocks << 16 | next block */
	atomic_int done;         /* blocks of this generation finished, by either */
	struct media_tick *tick; /* the owner's, read-only to helpers while shared */
	uint32_t gen;            /* the owner's */
	atomic_ulong helped;     /* blocks the next worker did: media_shared_blocks() */
};

/* Count one on an eventfd (a worker's commands, the loop's events, a
 * shared tick). */
void media_wake(int fd);

struct media_worker {
	struct media *m;
	int index;
	pthread_t thread;
	int running;
	int epfd, cmd_fd;
	struct media_tag cmd_tag;
	/* The command queue: any thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled when a synchronous command is done */
	struct media_cmd *head, **tail;
	/* The loop's: placement. */
	unsigned nspans;
	/* The worker's. */
	struct media_wspan *spans;
	struct media_tick tick[TDM_SPAN_MAX_CHANNELS + 1]; /* one tick of the span being read */
	int rtp_unwatched;                                 /* running bridges whose RTP fd epoll does not report */
	struct media_share share;                          /* the tick being shared, when it is */
	int help_fd;                                       /* eventfd: the previous worker shares a tick */
	struct media_tag help_tag;                         /* TAG_HELP, ptr: that worker */
	long idle_check_ns;                                /* when they were last looked at */
};

struct media_bridge {
	/* Set by the loop before CMD_START, read-only after. */
	struct media *m;
	struct media_worker *w;
	struct media_wspan *ws;
	struct tdm_span *span;
	int channel;
	enum tdm_span_law law;
	int dtmf_to_tdm, dtmf_from_tdm;
	unsigned echo_tail_ms; /* 0: no echo canceller */
	int want_plc;
	int fax_detect;
	void *cookie;
	atomic_int echo_off_req; /* any thread: media_bridge_echo_disable() */
	/* The loop's. */
	struct media_bridge *all_prev, *all_next;
	int stop_requested;
	/* The worker's (the loop's before CMD_START and after join). */
	int running;
	struct media_tag rtp_tag, rtcp_tag;
	int rtp_watched; /* epoll reports its RTP fd (else it is read at each TDM block) */
	struct rtp_endpoint *ep;
	struct rtp_params params;
	struct rtp_jb jb;
	uint8_t acc[RTP_FRAME];
	size_t acc_len;
	struct dtmf_rx_state_s *drx;
	struct dtmf_tx_state_s *dtx;
	struct media_echo_bridge *echo;      /* media_echo.c: NULL when off */
	struct media_gate gate_in, gate_out; /* the connect-tone detectors' gate, each way */
	void *plc; /* plc_state_t (an anonymous struct in SpanDSP): concealment toward TDM, NULL when off */
	struct rtcp_session *rtcp; /* NULL: no RTCP (out of memory) */
	int got_first, timed_out, have_ev;
	uint32_t ev_ts;
	unsigned long quiet;   /* TDM samples since the last RTP packet */
	struct media_stats st; /* the counters media.c does not derive */
	struct media_fax *fax; /* fax detection, T.38 gateway (NULL: neither) */
	int fax_passthrough;   /* G.711 fax passthrough: no echo canceller, no PLC, no DTMF detection */
	/* Published by the worker, read by anyone: under stats_lock. */
	pthread_mutex_t stats_lock;
	struct media_stats pub;
};

/* One queued event; the loop frees it. */
struct media_ev_node {
	struct media_ev_node *next;
	struct media_event ev;
};

struct media {
	struct media_config cfg; /* cfg.rtp.addr points at rtp_addr */
	char *rtp_addr;
	unsigned timeout_samples, jitter_samples;
	struct media_worker *workers;
	int nworkers;
	int share; /* workers share ticks (media_worker.c): more than one, and more than one CPU to run them */
	/* The loop's. */
	struct media_span_rec *spans;
	size_t nspans;
	unsigned port_hint;
	struct media_bridge *all; /* every live handle */
	struct gw_watch *watch;
	/* The event queue: any thread, under ev_lock. */
	int ev_fd;
	pthread_mutex_t ev_lock;
	struct media_ev_node *ev_head, **ev_tail;
};

/* media_worker.c */
void *media_worker_main(void *arg);
/* Queue an event for the loop (any worker). */
void media_post_event(struct media *m, const struct media_event *ev);
/* Publish the bridge's counters (its worker). */
void media_bridge_publish(struct media_bridge *b);
/* media.c: queue a command for a worker (the loop). */
void media_post_cmd(struct media_worker *w, struct media_cmd *c);

/* Start in-band DTMF detection (its worker): cmd_start, and back to
 * audio after a fax. 0 or -ENOMEM. */
int media_bridge_dtmf_detect_start(struct media_bridge *b);

/* media_fax.c, on the worker: start detection (cmd_start, fax_detect set;
 * again after a fax); detection on a tick's blocks, decoded, with their
 * gate masks (in: from the B-channel, out: toward it, i.e. from RTP); a
 * TDM block, 1 when it was
 * handled whole (T.38 mode, else 0); the socket readable, 1 when handled (T.38
 * mode); a CMD_FAX; counters; release. */
int media_fax_start(struct media_bridge *b);
void media_fax_detect(struct media_bridge *b, const int16_t *in, unsigned gate_in, const int16_t *out,
		      unsigned gate_out, size_t len);
int media_fax_tdm(struct media_bridge *b, const uint8_t *in, size_t len);
int media_fax_t38(const struct media_bridge *b); /* 1: the T.38 gateway has the channel */
int media_fax_rtp(struct media_bridge *b);
void media_fax_cmd(struct media_bridge *b, const struct media_fax_cmd *fc);
void media_fax_collect(const struct media_bridge *b, struct media_stats *s);
void media_fax_release(struct media_bridge *b);
/* Free what a bridge holds besides itself (endpoint, DSP); idempotent. */
void media_bridge_release(struct media_bridge *b);

#endif
