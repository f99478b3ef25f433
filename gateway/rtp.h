/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTP (RFC 3550) for G.711 voice: the wire codec, RFC 4733 telephone
 * events, receiver statistics (RFC 3550 A.1, A.8), a fixed-delay jitter
 * buffer, and an endpoint (a bound UDP socket pair with its send and
 * receive state). Nothing here is thread-safe: an endpoint is used by one
 * thread at a time (the loop until media_bridge_start() hands it to a
 * media worker). */
#ifndef TANDEM_GW_RTP_H
#define TANDEM_GW_RTP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/rtp_srtp.h"

#define RTP_VERSION      2
#define RTP_HDR_LEN      12 /* fixed header, without CSRCs */
#define RTP_PT_PCMU      0  /* RFC 3551 table 4 */
#define RTP_PT_PCMA      8
#define RTP_PT_CN        13
#define RTP_PT_EVENT_DEF 101 /* our telephone-event PT when we offer */
#define RTP_CLOCK        8000
#define RTP_FRAME        160 /* samples (= G.711 bytes) in 20 ms */
#define RTP_MAX_PACKET   1500

/* --- Wire codec ------------------------------------------------------ */

/* A parsed fixed header (RFC 3550 5.1). */
struct rtp_header {
	unsigned marker : 1;
	unsigned pt : 7;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
};

/* Write a version 2 header without CSRC, extension or padding, then the
 * payload, into buf. 0 and *out_len, or -ENOSPC. */
int rtp_pack(const struct rtp_header *h, const uint8_t *payload, size_t len, uint8_t *buf, size_t size,
	     size_t *out_len);
/* Parse a datagram: version 2, CSRCs, header extension and padding
 * skipped and bounds-checked. *payload points into buf. 0, or -EBADMSG
 * (too short, wrong version, bad padding or extension length). */
int rtp_parse(const uint8_t *buf, size_t len, struct rtp_header *h, const uint8_t **payload, size_t *plen);

/* An RFC 4733 2.3 named-event payload (4 octets). */
struct rtp_event {
	uint8_t event;     /* 0-9, 10 '*', 11 '#', 12-15 A-D */
	uint8_t end;       /* E bit */
	uint8_t volume;    /* 0..63, -dBm0 */
	uint16_t duration; /* in timestamp units */
};
/* 0, or -EBADMSG (shorter than 4 octets). Extra octets are ignored
 * (RFC 4733 2.5.2.2 redundancy is not used by G.711 senders). */
int rtp_event_parse(const uint8_t *p, size_t len, struct rtp_event *ev);
void rtp_event_pack(const struct rtp_event *ev, uint8_t out[4]);
/* '0'-'9', '*', '#', 'A'-'D' <-> event codes 0..15; -1 / 0 if not DTMF. */
int rtp_event_from_digit(char digit);
char rtp_event_digit(int event);

/* --- Receiver statistics (RFC 3550 A.1 and A.8) ---------------------- */

enum rtp_seq_verdict {
	RTP_SEQ_OK = 0,    /* in order (maybe after a gap: loss) */
	RTP_SEQ_NEW_SSRC,  /* first packet, or a new SSRC: state restarted */
	RTP_SEQ_REORDERED, /* older than the newest, not seen before */
	RTP_SEQ_DUP,       /* seen before: drop */
	RTP_SEQ_JUMP,      /* a jump beyond MAX_DROPOUT: drop, unless the next
			    * one follows it (then the sequence restarts) */
};

struct rtp_source {
	int init;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;   /* sequence wraps, << 16 */
	uint32_t base_seq; /* first sequence number, extended */
	uint32_t bad_seq;  /* RFC 3550 A.1: the sequence after a big jump */
	uint64_t window;   /* bit i: max_seq - i received (duplicate check) */
	unsigned long received;
	long lost_prior; /* loss of earlier SSRCs / sequence restarts */
	unsigned long dups, reordered, jumps, ssrc_changes;
	int have_transit;
	int32_t transit;
	uint32_t jitter; /* RFC 3550 A.8, in timestamp units, << 4 */
};

/* Account one packet. arrival is the local clock in timestamp units (8 kHz
 * here), for the interarrival jitter; tests pass synthetic values. */
enum rtp_seq_verdict rtp_source_update(struct rtp_source *s, const struct rtp_header *h, uint32_t arrival);
/* Packets expected minus received, over all SSRCs; never negative. */
unsigned long rtp_source_lost(const struct rtp_source *s);
/* Interarrival jitter in timestamp units. */
unsigned rtp_source_jitter(const struct rtp_source *s);

/* --- Jitter buffer ---------------------------------------------------
 * Playout by timestamp into the TDM clock: a packet is written where its
 * timestamp says; the TDM side reads as many samples as it sends, a
 * fixed delay behind the first packet. Missing samples play as silence.
 * A packet too late is dropped; one too far ahead (the far clock runs
 * fast, or a timestamp jump) restarts the buffer on it. */
#define RTP_JB_SIZE 2048 /* samples (256 ms), a power of two */

struct rtp_jb {
	uint8_t buf[RTP_JB_SIZE];
	uint8_t have[RTP_JB_SIZE]; /* 1: buf[i] holds a sample to play */
	uint8_t silence;           /* the law's silence octet */
	int started;
	uint32_t delay;   /* samples */
	uint32_t play_ts; /* timestamp of the next sample to play */
	unsigned long late, resyncs, underruns, played;
};

/* delay in samples (clamped to 80..RTP_JB_SIZE/2); silence = 0xFF for
 * mu-law, 0xD5 for A-law. */
void rtp_jb_init(struct rtp_jb *jb, unsigned delay, uint8_t silence);
/* Restart on the next packet (new SSRC, new remote). */
void rtp_jb_reset(struct rtp_jb *jb);
void rtp_jb_put(struct rtp_jb *jb, uint32_t ts, const uint8_t *samples, size_t len);
/* Fill out[len] with the next samples (silence before the first packet). */
void rtp_jb_get(struct rtp_jb *jb, uint8_t *out, size_t len);
/* The same, and missing[i] = 1 where out[i] is silence standing for a
 * sample that did not arrive after playout started (a gap to conceal);
 * missing may be NULL. Returns how many such samples. */
size_t rtp_jb_get_mask(struct rtp_jb *jb, uint8_t *out, uint8_t *missing, size_t len);

/* --- Endpoint ------------------------------------------------------- */

struct rtp_endpoint;

/* Where to bind: a numeric IPv4 or IPv6 address, and the port range; RTP
 * takes an even port, the odd one above it is bound too for RTCP
 * (gateway/rtcp.h). */
struct rtp_bind {
	const char *addr;
	unsigned port_min, port_max;
};

/* The negotiated far end (media_sdp_to_rtp() fills it from SDP). */
struct rtp_params {
	char remote_addr[INET6_ADDRSTRLEN]; /* numeric; "" = none yet */
	unsigned remote_port;               /* 0 = none */
	unsigned remote_rtcp_port;          /* a=rtcp (RFC 3605); 0 = remote_port + 1 */
	int pt;                             /* RTP_PT_PCMU or RTP_PT_PCMA: what we send */
	int event_pt;                       /* telephone-event PT, or -1: not negotiated */
	int symmetric;                      /* send to where packets come from (NAT) */
	int send, recv;                     /* what the negotiated direction allows us */
	struct rtp_srtp_keys srtp;          /* SDES keys; suite RTP_SRTP_NONE: plain RTP */
};

struct rtp_endpoint_stats {
	unsigned long tx_packets, tx_bytes; /* bytes: payload octets */
	unsigned long tx_events;            /* RFC 4733 packets among tx_packets */
	unsigned long tx_errors;            /* sendto failed */
	unsigned long rx_packets, rx_bytes; /* accepted */
	unsigned long rx_events;            /* RFC 4733 packets among rx_packets */
	unsigned long rx_bad;               /* malformed */
	unsigned long rx_bad_pt;            /* a payload type not negotiated */
	unsigned long rx_foreign;           /* from an address we did not latch */
	unsigned long rx_dropped;           /* duplicates, sequence jumps */
	unsigned long rtcp;                 /* RTCP packets drained */
	unsigned long rx_auth_fail;         /* SRTP: failed authentication (dropped) */
	unsigned long rx_replay;            /* SRTP: replays (dropped; also in rx_dropped) */
};

/* Bind a pair of UDP ports in the range, starting the search at an even
 * port derived from hint (so successive calls spread over the range).
 * 0, -EINVAL (bad address or range), -EADDRINUSE (range exhausted), or
 * -errno. The caller owns *out (rtp_endpoint_free). */
int rtp_endpoint_open(const struct rtp_bind *bind, unsigned hint, struct rtp_endpoint **out);
void rtp_endpoint_free(struct rtp_endpoint *ep);
unsigned rtp_endpoint_port(const struct rtp_endpoint *ep);
int rtp_endpoint_fd(const struct rtp_endpoint *ep);
int rtp_endpoint_rtcp_fd(const struct rtp_endpoint *ep);
/* Read and count everything pending on the RTCP socket. */
void rtp_endpoint_rtcp_drain(struct rtp_endpoint *ep);
struct rtcp_compound;
/* Send an RTCP compound (SRTCP-protected when keyed; size is pkt's room)
 * to the far end's RTCP address: where valid RTCP last came from if
 * symmetric, else a=rtcp or the RTP port + 1 of the negotiated address,
 * else the latched RTP address's port + 1. 0, -ENOTCONN, -EIO, -errno. */
int rtp_endpoint_rtcp_send(struct rtp_endpoint *ep, uint8_t *pkt, size_t len, size_t size);
/* Receive one RTCP compound: SRTCP-checked when keyed, then validated
 * and read (rtcp_parse); the first valid one latches a symmetric
 * endpoint's RTCP address. 0 and *out, -EAGAIN (nothing pending),
 * -EBADMSG (malformed, or failed authentication), -EPERM (from another
 * address than the latched one), -errno. */
int rtp_endpoint_rtcp_recv(struct rtp_endpoint *ep, struct rtcp_compound *out);
/* The RTP timestamp of the next sample we send (for an SR). */
uint32_t rtp_endpoint_ts(const struct rtp_endpoint *ep);

/* Whether p is acceptable to rtp_endpoint_set_params() (an endpoint
 * also needs the remote's address family to match its own). 0/-EINVAL. */
int rtp_params_check(const struct rtp_params *p);
/* Apply negotiated parameters (copied). A changed remote address undoes
 * a symmetric latch. New SRTP keys start new SRTP sessions (the same keys
 * again keep them: a re-INVITE must not reset replay protection); from
 * then on every packet is protected and every packet received must
 * authenticate. 0, or -EINVAL (bad address, PT, suite), -ENOMEM, -EIO. */
int rtp_endpoint_set_params(struct rtp_endpoint *ep, const struct rtp_params *p);
const struct rtp_endpoint_stats *rtp_endpoint_stats(const struct rtp_endpoint *ep);
const struct rtp_source *rtp_endpoint_source(const struct rtp_endpoint *ep);
uint32_t rtp_endpoint_ssrc(const struct rtp_endpoint *ep);

/* Send len samples (already in the negotiated law) as one packet, or,
 * while an RFC 4733 event is in progress, an event update covering them.
 * The timestamp advances by len either way; the first packet carries the
 * marker. 0, -ENOTCONN (no remote or not allowed to send: nothing sent,
 * the clock still advances), -EAGAIN or -errno from sendto (counted). */
int rtp_endpoint_send(struct rtp_endpoint *ep, const uint8_t *samples, size_t len);
/* Start an RFC 4733 event for digit: from the next rtp_endpoint_send()
 * on, events replace audio until rtp_endpoint_dtmf_end() (or until
 * duration samples have been sent, if duration > 0); the end packet is
 * sent three times (RFC 4733 2.5.1.4). -EINVAL (not a DTMF digit),
 * -ENOTSUP (telephone-event not negotiated), -EBUSY (an event is in
 * progress). */
int rtp_endpoint_dtmf_begin(struct rtp_endpoint *ep, char digit, unsigned duration);
void rtp_endpoint_dtmf_end(struct rtp_endpoint *ep);
int rtp_endpoint_dtmf_busy(const struct rtp_endpoint *ep);

/* One received packet, as rtp_endpoint_recv() classifies it. */
enum rtp_rx_kind {
	RTP_RX_NONE = 0, /* refused or ignored (counted); read again */
	RTP_RX_AUDIO,    /* G.711 audio: payload, pt */
	RTP_RX_EVENT,    /* a telephone event: ev */
};
struct rtp_rx {
	enum rtp_rx_kind kind;
	struct rtp_header h;
	const uint8_t *payload; /* into the endpoint's buffer, valid until the next recv */
	size_t len;
	struct rtp_event ev;
	int new_ssrc; /* the stream restarted: reset playout */
	int latched;  /* this packet set the symmetric remote */
};
/* Take each datagram's arrival (for the jitter) from the kernel's receive
 * time (SO_TIMESTAMPNS) rather than the caller's arrival argument: for a
 * caller that reads at its own pace (the media worker reads at each TDM
 * tick), the jitter is then the network's, not the reader's. 0 or -errno. */
int rtp_endpoint_stamp_arrivals(struct rtp_endpoint *ep);
/* Start loading what a receive and a send touch into the cache (a caller
 * about to serve many endpoints in turn asks for the next one's). */
void rtp_endpoint_prefetch(const struct rtp_endpoint *ep);
/* Receive one datagram. 0 with *rx filled, or -EAGAIN (nothing pending),
 * or -errno. arrival: the local clock in timestamp units (jitter). */
int rtp_endpoint_recv(struct rtp_endpoint *ep, uint32_t arrival, struct rtp_rx *rx);
/* 1 when the datagram rtp_endpoint_recv() last returned was the last one
 * waiting (it reads two at a time): a reader that drains the socket on
 * readiness need not make one more call just to hear -EAGAIN. */
int rtp_endpoint_rx_drained(const struct rtp_endpoint *ep);

#endif
