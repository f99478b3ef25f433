/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Media: bridges between B-channels and RTP endpoints, run by worker
 * threads. A worker owns whole spans: it reads their audio fd, and runs
 * every bridge on them (RTP socket, jitter buffer, A-law/mu-law
 * conversion, DTMF both ways). The loop commands workers through queues
 * and hears from them through one event queue it watches; no call state
 * is shared. Every function here is for the loop's thread unless it says
 * otherwise. See docs/media.md. */
#ifndef TANDEM_GW_MEDIA_H
#define TANDEM_GW_MEDIA_H

#include "gateway/rtp.h"

struct gw_loop;
struct tdm_span;
struct media;
struct media_bridge;

/* Counters of one bridge (a snapshot). */
struct media_stats {
	int running;                                /* the worker has started the bridge (and not stopped it) */
	unsigned long rtp_tx_packets, rtp_tx_bytes; /* toward the IP side, events included */
	unsigned long rtp_rx_packets, rtp_rx_bytes; /* accepted from the IP side */
	unsigned long rtp_rx_lost;                  /* RFC 3550 A.3: expected - received */
	unsigned long rtp_rx_dups, rtp_rx_reordered, rtp_rx_bad, ssrc_changes;
	unsigned rtp_rx_jitter;                          /* RFC 3550 A.8, in samples (1/8 ms) */
	unsigned long jb_late, jb_resyncs, jb_underruns; /* playout */
	unsigned long tdm_tx_bytes, tdm_rx_bytes;        /* toward / from the B-channel */
	unsigned long tdm_dropped;                       /* blocks not written (socket full) */
	unsigned long dtmf_from_rtp, dtmf_from_tdm;      /* digits received each way */
	unsigned long dtmf_to_rtp, dtmf_to_tdm;          /* digits sent each way */
	unsigned long srtp_rx_auth_fail, srtp_rx_replay; /* SRTP packets dropped: forged or tampered, replayed */
	/* Echo control (gateway/media_echo.h) and concealment. */
	int echo_canceller;                   /* enum media_ec: the one running now */
	unsigned long ec_disabled_by_tone;    /* a 2100 Hz answer tone (ANS, ANSam, with or without reversals) */
	unsigned long ec_disabled_by_request; /* media_bridge_echo_disable() */
	unsigned long plc_samples;            /* samples concealed toward TDM (lost RTP after playout started) */
	/* Fax (gateway/media_fax.h) */
	int fax_mode;                     /* enum media_fax_mode */
	unsigned long udptl_tx, udptl_rx; /* UDPTL packets sent, received (well-formed) */
	unsigned long udptl_recovered,
	    udptl_lost;          /* IFPs taken from redundancy or repaired from FEC; sequence numbers lost */
	unsigned long udptl_bad; /* malformed datagrams dropped */
	unsigned long fax_pages; /* T.38 gateway: pages transferred */
	/* RTCP (gateway/rtcp.h): compounds each way, and the far end's last report about our stream. */
	unsigned long rtcp_tx_packets, rtcp_rx_packets, rtcp_rx_bad;
	int rtcp_have_report;              /* the three below are set */
	unsigned rtcp_fraction_lost;       /* of 256, since its previous report */
	long rtcp_cum_lost;                /* cumulative */
	unsigned rtcp_jitter;              /* samples */
	long rtcp_rtt_us, rtcp_rtt_max_us; /* round trip from LSR/DLSR: the last, the largest; -1: none */
};

enum media_ec {
	MEDIA_EC_NONE = 0, /* off: not configured, or turned off (tone, request) */
	MEDIA_EC_OURS = 1, /* speexdsp in the worker */
	MEDIA_EC_SPAN = 2  /* the span's own (DAHDI's, set per channel) */
};

enum media_event_type {
	MEDIA_EV_FIRST_PACKET = 1, /* the first RTP packet arrived (latched, if symmetric) */
	MEDIA_EV_DTMF,             /* a digit: ev->digit, ev->from */
	MEDIA_EV_RTP_TIMEOUT,      /* no RTP for rtp_timeout_ms of TDM time (once; again after RTP resumes) */
	MEDIA_EV_STOPPED,          /* the bridge is gone: ev->stats are final; the handle is freed after the callback */
	MEDIA_EV_SPAN_DOWN, /* the span's audio fd failed (peer gone): ev->span; its bridges stay until stopped */
	MEDIA_EV_FAX,       /* a fax tone: ev->fax (enum media_fax_tone), ev->from; once per kind and side (again after
			     * the bridge went back to audio) */
};

enum media_side {
	MEDIA_SIDE_RTP = 0, /* DTMF: an RFC 4733 event; fax: in the audio from RTP */
	MEDIA_SIDE_TDM = 1  /* in-band tones on the B-channel */
};

struct media_event {
	enum media_event_type type;
	struct media_bridge *bridge; /* NULL for MEDIA_EV_SPAN_DOWN */
	void *cookie;                /* the bridge's media_bridge_config.cookie */
	struct tdm_span *span;
	int channel;
	char digit;               /* MEDIA_EV_DTMF: '0'-'9', '*', '#', 'A'-'D' */
	enum media_side from;     /* MEDIA_EV_DTMF, MEDIA_EV_FAX: where it came from */
	struct media_stats stats; /* MEDIA_EV_STOPPED */
	int fax;                  /* MEDIA_EV_FAX: enum media_fax_tone (gateway/media_fax.h) */
};

/* Called on the loop's thread (or the thread calling
 * media_dispatch_events) with an event valid during the call only. */
typedef void (*media_event_fn)(void *arg, const struct media_event *ev);

struct media_config {
	int nworkers;            /* worker threads, >= 1 */
	struct rtp_bind rtp;     /* where media_rtp_open() binds (addr copied) */
	unsigned rtp_timeout_ms; /* 0: no MEDIA_EV_RTP_TIMEOUT */
	unsigned jitter_ms;      /* playout delay, 10..128; 0 = 40 */
	media_event_fn on_event; /* required */
	void *arg;
	struct gw_loop *loop; /* if set, the event queue is watched on it;
			       * else call media_dispatch_events() yourself */
};

/* Start the workers. 0, -EINVAL, -ENOMEM or -errno. The caller owns *out. */
int media_new(const struct media_config *cfg, struct media **out);
/* Stop and join the workers, then free every bridge (no events are
 * delivered any more; handles become invalid) and the module. The spans
 * stay the caller's. NULL is a no-op. */
void media_free(struct media *m);
/* How many blocks in, all workers together, a worker cancelled and sent
 * for the one before it (a tick shared, media_int.h struct media_share). */
unsigned long media_shared_blocks(const struct media *m);

/* The event queue: readable when events are pending. For callers without
 * a gw_loop (tests); media_dispatch_events() delivers what is pending. */
int media_event_fd(const struct media *m);
void media_dispatch_events(struct media *m);

/* Hand a span's audio to the media module: from now on a worker reads
 * its audio fd and writes its B-channels; the loop must not. The span
 * stays the caller's: media_remove_span() before tdm_span_free().
 * 0, -EEXIST, -ENOMEM. */
int media_add_span(struct media *m, struct tdm_span *span);
/* Take it back: its bridges are stopped (MEDIA_EV_STOPPED for each), and
 * when this returns the worker no longer touches the span (waits for the
 * worker). 0 or -ENOENT. */
int media_remove_span(struct media *m, struct tdm_span *span);

/* Open an RTP endpoint on the configured address and range (for the SDP
 * before the bridge exists). The caller owns it until media_bridge_start
 * succeeds; rtp_endpoint_free() otherwise. */
int media_rtp_open(struct media *m, struct rtp_endpoint **out);

struct media_bridge_config {
	struct tdm_span *span;    /* added with media_add_span() */
	int channel;              /* a B-channel of it */
	struct rtp_endpoint *rtp; /* taken over on success */
	struct rtp_params params; /* media_sdp_to_rtp(); may have no remote yet */
	int dtmf_to_tdm;          /* regenerate RFC 4733 events as in-band tones */
	int dtmf_from_tdm;        /* detect in-band tones, send them as RFC 4733 */
	unsigned echo_tail_ms;    /* cancel line echo up to this tail (16..256 ms); 0: no canceller */
	int plc;                  /* conceal lost RTP toward TDM (SpanDSP plc) */
	int fax_detect; /* detect CNG, CED and V.21 preamble on the B-channel, CED and V.21 from RTP (MEDIA_EV_FAX) */
	void *cookie;   /* returned in events (the call) */
};

/* Bridge a B-channel to an RTP endpoint. 0 and *out, a handle the loop
 * keeps until media_bridge_stop(); -ENOENT (span not added), -EINVAL
 * (channel, params), -EBUSY (channel already bridged), -ENOMEM. */
int media_bridge_start(struct media *m, const struct media_bridge_config *cfg, struct media_bridge **out);
/* New negotiated parameters (re-INVITE, hold, the answer after an
 * early offer). 0 or -EINVAL (checked here, applied by the worker). */
int media_bridge_update(struct media *m, struct media_bridge *b, const struct rtp_params *p);
/* Send a digit toward one side: MEDIA_SIDE_RTP as an RFC 4733 event of
 * 100 ms, MEDIA_SIDE_TDM as in-band tones. 0, -EINVAL, -ENOMEM. */
int media_bridge_send_dtmf(struct media *m, struct media_bridge *b, char digit, enum media_side to);
/* A snapshot of the counters, as the worker last published them
 * (after every TDM block and RTP burst). Any thread. */
void media_bridge_stats(const struct media_bridge *b, struct media_stats *out);
/* Stop: the channel is free for a new bridge at once; the worker closes
 * the endpoint and MEDIA_EV_STOPPED follows, after which the handle is
 * freed. Do not use b after this call except to match the event. */
void media_bridge_stop(struct media *m, struct media_bridge *b);

#endif
