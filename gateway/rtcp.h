/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTCP (RFC 3550 6) for a bridge's RTP endpoint: the compound packet
 * codec (SR, RR, SDES CNAME, BYE; others skipped), its validity check
 * (A.2), and a session that sends a report every few seconds of TDM time
 * (6.2, 6.3.1 for two parties: 5 s minimum, randomised 0.5..1.5 and
 * divided by e - 3/2), reads the far end's reports about our stream and
 * derives the round-trip time from LSR and DLSR (6.4.1). The session is
 * used by one thread at a time, like the endpoint it works on. */
#ifndef TANDEM_GW_RTCP_H
#define TANDEM_GW_RTCP_H

#include <stddef.h>
#include <stdint.h>

struct rtp_endpoint;

#define RTCP_SR   200
#define RTCP_RR   201
#define RTCP_SDES 202
#define RTCP_BYE  203

#define RTCP_MAX_BLOCKS 31 /* report blocks in one SR or RR (5 bits) */
#define RTCP_CNAME_MAX  255
#define RTCP_MAX_PACKET 1500

/* A report block (6.4.1): what a receiver saw of one sender. */
struct rtcp_block {
	uint32_t ssrc;    /* the sender reported on */
	uint8_t fraction; /* lost since the last report, of 256 */
	int32_t cum_lost; /* 24 bits, signed (duplicates can make it negative) */
	uint32_t ext_seq; /* extended highest sequence received */
	uint32_t jitter;  /* interarrival jitter, timestamp units */
	uint32_t lsr;     /* middle 32 bits of that sender's last SR's NTP time; 0: none */
	uint32_t dlsr;    /* since that SR, 1/65536 s; 0 when lsr is 0 */
};

/* What one compound carries (what we read of it). */
struct rtcp_compound {
	uint32_t ssrc; /* the first packet's (SR or RR) sender */
	int sr;        /* 1: it is an SR (the fields below are set) */
	uint64_t ntp;  /* SR: NTP time, 32.32 fixed point */
	uint32_t rtp_ts, packets, octets;
	int nblocks; /* report blocks of the first packet */
	struct rtcp_block blocks[RTCP_MAX_BLOCKS];
	char cname[RTCP_CNAME_MAX + 1]; /* the first SDES chunk's CNAME; "" if none */
	int bye;                        /* a BYE is in it */
};

/* Validate (A.2: version 2 everywhere, the first packet an SR or RR
 * without padding, padding only on the last, lengths adding up to len)
 * and read a compound. 0, or -EBADMSG (refused as a whole). */
int rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_compound *out);

/* Write a compound: an SR (c->sr) or RR with c->nblocks (0 or more)
 * report blocks, an SDES with c->cname, and a BYE for c->ssrc if c->bye.
 * 0 and *out_len, -EINVAL, -ENOSPC. */
int rtcp_build(const struct rtcp_compound *c, uint8_t *buf, size_t size, size_t *out_len);

/* NTP time (32.32) of the realtime clock, for SR and RTT. */
uint64_t rtcp_ntp_now(void);

/* --- A session ----------------------------------------------------------- */

struct rtcp_stats {
	unsigned long tx_packets, rx_packets; /* compounds sent, accepted */
	unsigned long rx_bad;                 /* refused: malformed (A.2) or failed SRTCP authentication */
	unsigned long rx_bye;
	int have_report;  /* the far end reported on our stream (the fields below) */
	uint8_t fraction; /* its last report: lost of 256 */
	int32_t cum_lost; /* its last report: cumulative */
	uint32_t jitter;  /* its last report: samples */
	long rtt_us;      /* last round trip from LSR/DLSR, microseconds; -1: none yet */
	long rtt_max_us;  /* the largest; -1: none */
};

struct rtcp_session;

/* A session for an endpoint (random CNAME, first report within 1..3 s of
 * TDM time). NULL on out of memory. */
struct rtcp_session *rtcp_session_new(void);
void rtcp_session_free(struct rtcp_session *s);
/* Clock samples of TDM time; 1 when a report is due (then call
 * rtcp_session_send). Cheap: the hot path calls it every block. */
int rtcp_session_tick(struct rtcp_session *s, unsigned samples);
/* Send a compound on ep's RTCP socket now (SR if we sent RTP in the last
 * two intervals, else RR; a report block about the far sender if we
 * received from it; SDES CNAME; BYE if bye) and schedule the next. now:
 * rtcp_ntp_now() or a test's clock. 0, -ENOTCONN (nowhere to send yet),
 * or what rtp_endpoint_rtcp_send() returns. */
int rtcp_session_send(struct rtcp_session *s, struct rtp_endpoint *ep, uint64_t now, int bye);
/* Read everything pending on ep's RTCP socket, now being the arrival
 * time. Returns the number of compounds accepted. */
int rtcp_session_recv(struct rtcp_session *s, struct rtp_endpoint *ep, uint64_t now);
/* Feed one received compound (what rtcp_session_recv does per packet). */
void rtcp_session_input(struct rtcp_session *s, struct rtp_endpoint *ep, const struct rtcp_compound *c, uint64_t now);
const struct rtcp_stats *rtcp_session_stats(const struct rtcp_session *s);

#endif
