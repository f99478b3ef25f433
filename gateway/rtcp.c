/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTCP (RFC 3550 6 and A.2): compound packets built and checked, and a report session per endpoint clocked by TDM
 * samples (so the interval needs no timer and tests no wall clock). */
#include "config.h"

#include "gateway/rtcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "gateway/rtp.h"

#define TMIN_SAMPLES  (5 * RTP_CLOCK) /* 6.2: the 5 s minimum interval */
#define SDES_CNAME    1
#define NTP_UNIX_DIFF 2208988800u /* 1900 -> 1970 */

struct rtcp_session {
	uint64_t next;    /* TDM samples until the next report */
	uint64_t elapsed; /* TDM samples since the last */
	uint32_t rng;
	int initial;
	char cname[24];
	/* A.3: the interval's expected/received, for the fraction lost. */
	uint32_t src_ssrc;
	long expected_prior, received_prior;
	/* The far sender's last SR: LSR and when it arrived (DLSR). */
	uint32_t lsr;
	uint64_t lsr_at;
	/* Were we a sender in the last two intervals (6.4: SR or RR)? */
	unsigned long tx_at_report[2];
	struct rtcp_stats st;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* --- Codec ----------------------------------------------------------------- */

static void read_blocks(const uint8_t *p, int n, struct rtcp_compound *out)
{
	for (int i = 0; i < n; i++, p += 24) {
		struct rtcp_block *b = &out->blocks[i];
		uint32_t lost = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];

		b->ssrc = get32(p);
		b->fraction = p[4];
		b->cum_lost = (int32_t)(lost & 0x800000 ? lost | 0xFF000000u : lost);
		b->ext_seq = get32(p + 8);
		b->jitter = get32(p + 12);
		b->lsr = get32(p + 16);
		b->dlsr = get32(p + 20);
	}
	out->nblocks = n;
}

/* The first chunk's CNAME (6.5: items until a null octet, the chunk padded to 32 bits). */
static int read_sdes(const uint8_t *p, size_t len, int count, struct rtcp_compound *out)
{
	size_t i = 8; /* the header, the chunk's SSRC */

	if (count == 0 || out->cname[0])
		return 0;
	while (i < len && p[i] != 0) {
		size_t n;

		if (i + 2 > len || i + 2 + (n = p[i + 1]) > len)
			return -EBADMSG;
		if (p[i] == SDES_CNAME) {
			memcpy(out->cname, p + i + 2, n);
			out->cname[n] = 0;
		}
		i += 2 + n;
	}
	return i < len ? 0 : -EBADMSG; /* no terminating null item */
}

int rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_compound *out)
{
	size_t off = 0;
	int first = 1;

	memset(out, 0, sizeof(*out));
	if (len < 8 || len % 4)
		return -EBADMSG;
	while (off < len) {
		const uint8_t *p = buf + off;
		size_t plen;
		int count, pt, pad;

		if (len - off < 4)
			return -EBADMSG;
		plen = ((size_t)p[2] << 8 | p[3]) * 4 + 4;
		count = p[0] & 0x1F;
		pt = p[1];
		pad = (p[0] >> 5) & 1;
		if ((p[0] >> 6) != 2 || plen > len - off)
			return -EBADMSG;
		if (pad) {
			/* Only the last packet may be padded, by 1..plen-4 octets. */
			if (off + plen != len || p[plen - 1] == 0 || p[plen - 1] > plen - 4)
				return -EBADMSG;
			plen -= p[plen - 1];
		}
		if (first && ((pt != RTCP_SR && pt != RTCP_RR) || pad))
			return -EBADMSG;
		switch (pt) {
		case RTCP_SR:
			if (plen < 28 + (size_t)count * 24)
				return -EBADMSG;
			if (first) {
				out->ssrc = get32(p + 4);
				out->sr = 1;
				out->ntp = (uint64_t)get32(p + 8) << 32 | get32(p + 12);
				out->rtp_ts = get32(p + 16);
				out->packets = get32(p + 20);
				out->octets = get32(p + 24);
				read_blocks(p + 28, count, out);
			}
			break;
		case RTCP_RR:
			if (plen < 8 + (size_t)count * 24)
				return -EBADMSG;
			if (first) {
				out->ssrc = get32(p + 4);
				read_blocks(p + 8, count, out);
			}
			break;
		case RTCP_SDES:
			if (read_sdes(p, plen, count, out) < 0)
				return -EBADMSG;
			break;
		case RTCP_BYE:
			if (plen < 4 + (size_t)count * 4)
				return -EBADMSG;
			out->bye = 1;
			break;
		default: /* APP, XR, feedback: not ours to read */
			break;
		}
		first = 0;
		off += ((size_t)p[2] << 8 | p[3]) * 4 + 4;
	}
	return 0;
}

static void header(uint8_t *p, int count, int pt, size_t len)
{
	p[0] = (uint8_t)(0x80 | count);
	p[1] = (uint8_t)pt;
	put16(p + 2, (unsigned)(len / 4 - 1));
}

int rtcp_build(const struct rtcp_compound *c, uint8_t *buf, size_t size, size_t *out_len)
{
	size_t n = c->sr ? 28 : 8, cl = strlen(c->cname), sdes;

	if (c->nblocks < 0 || c->nblocks > RTCP_MAX_BLOCKS || cl > RTCP_CNAME_MAX)
		return -EINVAL;
	sdes = (4 + 4 + 2 + cl + 1 + 3) & ~(size_t)3; /* header, SSRC, item, null, padded */
	if (n + (size_t)c->nblocks * 24 + sdes + (c->bye ? 8 : 0) > size)
		return -ENOSPC;
	put32(buf + 4, c->ssrc);
	if (c->sr) {
		put32(buf + 8, (uint32_t)(c->ntp >> 32));
		put32(buf + 12, (uint32_t)c->ntp);
		put32(buf + 16, c->rtp_ts);
		put32(buf + 20, c->packets);
		put32(buf + 24, c->octets);
	}
	for (int i = 0; i < c->nblocks; i++, n += 24) {
		const struct rtcp_block *b = &c->blocks[i];

		put32(buf + n, b->ssrc);
		put32(buf + n + 4, (uint32_t)b->fraction << 24 | ((uint32_t)b->cum_lost & 0xFFFFFF));
		put32(buf + n + 8, b->ext_seq);
		put32(buf + n + 12, b->jitter);
		put32(buf + n + 16, b->lsr);
		put32(buf + n + 20, b->dlsr);
	}
	header(buf, c->nblocks, c->sr ? RTCP_SR : RTCP_RR, n);
	/* SDES: one chunk, CNAME, then nulls to the 32-bit boundary. */
	memset(buf + n, 0, sdes);
	header(buf + n, 1, RTCP_SDES, sdes);
	put32(buf + n + 4, c->ssrc);
	buf[n + 8] = SDES_CNAME;
	buf[n + 9] = (uint8_t)cl;
	memcpy(buf + n + 10, c->cname, cl);
	n += sdes;
	if (c->bye) {
		header(buf + n, 1, RTCP_BYE, 8);
		put32(buf + n + 4, c->ssrc);
		n += 8;
	}
	*out_len = n;
	return 0;
}

uint64_t rtcp_ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)((uint32_t)ts.tv_sec + NTP_UNIX_DIFF) << 32 |
	       (uint64_t)(((unsigned __int128)ts.tv_nsec << 32) / 1000000000u);
}

/* --- Session ----------------------------------------------------------------- */

static uint32_t next_rand(struct rtcp_session *s)
{
	/* xorshift32: the interval only needs to be spread, not secret */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 17;
	s->rng ^= s->rng << 5;
	return s->rng;
}

/* 6.3.1: Td (the minimum, halved before the first report) times a random
 * factor in [0.5, 1.5], divided by e - 3/2 (1.21828). */
static void schedule(struct rtcp_session *s)
{
	uint64_t td = s->initial ? TMIN_SAMPLES / 2 : TMIN_SAMPLES;
	uint64_t f = 32768 + next_rand(s) % 65536; /* 0.5..1.5 in 1/65536 */

	s->next = td * f * 100000 / 121828 / 65536;
	s->elapsed = 0;
}

struct rtcp_session *rtcp_session_new(void)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct rtcp_session *s = calloc(1, sizeof(*s));
	uint8_t r[16];

	if (!s)
		return NULL;
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (uint8_t)rand();
	/* RFC 7022 4.2: a random CNAME of 96 bits, per session */
	for (int i = 0; i < 16; i++)
		s->cname[i] = b64[r[i] & 0x3F];
	s->cname[16] = 0;
	s->rng = (uint32_t)r[0] << 24 | (uint32_t)r[5] << 16 | (uint32_t)r[10] << 8 | r[15];
	s->rng |= 1;
	s->initial = 1;
	s->st.rtt_us = s->st.rtt_max_us = -1;
	schedule(s);
	return s;
}

void rtcp_session_free(struct rtcp_session *s)
{
	free(s);
}

int rtcp_session_tick(struct rtcp_session *s, unsigned samples)
{
	s->elapsed += samples;
	return s->elapsed >= s->next;
}

/* The report block about the far sender (A.3), if we received from it. */
static int report_block(struct rtcp_session *s, const struct rtp_source *src, uint64_t now, struct rtcp_block *b)
{
	long expected, lost, exp_int, rec_int, lost_int;

	if (!src->init || !src->received)
		return 0;
	if (src->ssrc != s->src_ssrc) { /* a new sender: its own history */
		s->src_ssrc = src->ssrc;
		s->expected_prior = s->received_prior = 0;
		s->lsr = 0;
	}
	expected = (long)(src->cycles + src->max_seq) - (long)src->base_seq + 1;
	lost = expected - (long)src->received;
	exp_int = expected - s->expected_prior;
	rec_int = (long)src->received - s->received_prior;
	lost_int = exp_int - rec_int;
	s->expected_prior = expected;
	s->received_prior = (long)src->received;
	b->ssrc = src->ssrc;
	b->fraction = exp_int > 0 && lost_int > 0 ? (uint8_t)((lost_int << 8) / exp_int) : 0;
	if (lost > 0x7FFFFF)
		lost = 0x7FFFFF;
	if (lost < -0x800000)
		lost = -0x800000;
	b->cum_lost = (int32_t)lost;
	b->ext_seq = src->cycles + src->max_seq;
	b->jitter = src->jitter >> 4;
	b->lsr = s->lsr;
	b->dlsr = s->lsr ? (uint32_t)((now - s->lsr_at) >> 16) : 0;
	return 1;
}

int rtcp_session_send(struct rtcp_session *s, struct rtp_endpoint *ep, uint64_t now, int bye)
{
	const struct rtp_endpoint_stats *es = rtp_endpoint_stats(ep);
	struct rtcp_compound c;
	uint8_t pkt[RTCP_MAX_PACKET + RTP_SRTP_OVERHEAD];
	size_t len;
	int rc;

	memset(&c, 0, sizeof(c));
	c.ssrc = rtp_endpoint_ssrc(ep);
	/* 6.4: SR if we sent RTP since the report before last */
	c.sr = es->tx_packets != s->tx_at_report[0];
	s->tx_at_report[0] = s->tx_at_report[1];
	s->tx_at_report[1] = es->tx_packets;
	if (c.sr) {
		c.ntp = now;
		c.rtp_ts = rtp_endpoint_ts(ep);
		c.packets = (uint32_t)es->tx_packets;
		c.octets = (uint32_t)es->tx_bytes;
	}
	c.nblocks = report_block(s, rtp_endpoint_source(ep), now, &c.blocks[0]);
	memcpy(c.cname, s->cname, sizeof(s->cname));
	c.bye = bye;
	s->initial = 0;
	schedule(s);
	if ((rc = rtcp_build(&c, pkt, RTCP_MAX_PACKET, &len)) < 0)
		return rc;
	if ((rc = rtp_endpoint_rtcp_send(ep, pkt, len, sizeof(pkt))) == 0)
		s->st.tx_packets++;
	return rc;
}

void rtcp_session_input(struct rtcp_session *s, struct rtp_endpoint *ep, const struct rtcp_compound *c, uint64_t now)
{
	uint32_t ours = rtp_endpoint_ssrc(ep);

	s->st.rx_packets++;
	s->st.rx_bye += c->bye ? 1 : 0;
	if (c->sr) {
		s->lsr = (uint32_t)(c->ntp >> 16);
		s->lsr_at = now;
		if (c->ssrc != s->src_ssrc) { /* the SR may come before its RTP */
			s->src_ssrc = c->ssrc;
			s->expected_prior = s->received_prior = 0;
		}
	}
	for (int i = 0; i < c->nblocks; i++) {
		const struct rtcp_block *b = &c->blocks[i];

		if (b->ssrc != ours)
			continue;
		s->st.have_report = 1;
		s->st.fraction = b->fraction;
		s->st.cum_lost = b->cum_lost;
		s->st.jitter = b->jitter;
		if (b->lsr) {
			/* 6.4.1: A - LSR - DLSR, all in 1/65536 s, modulo 2^32 */
			uint32_t rtt = (uint32_t)(now >> 16) - b->lsr - b->dlsr;

			if (rtt < 0x80000000u) { /* not negative: a clock or a far end gone wrong */
				s->st.rtt_us = (long)(((uint64_t)rtt * 1000000) >> 16);
				if (s->st.rtt_us > s->st.rtt_max_us)
					s->st.rtt_max_us = s->st.rtt_us;
			}
		}
	}
}

int rtcp_session_recv(struct rtcp_session *s, struct rtp_endpoint *ep, uint64_t now)
{
	struct rtcp_compound c;
	int rc, n = 0;

	for (int i = 0; i < 64; i++) {
		rc = rtp_endpoint_rtcp_recv(ep, &c);
		if (rc == -EAGAIN)
			break;
		if (rc == -EPERM) /* from elsewhere than the latched peer */
			continue;
		if (rc < 0) {
			s->st.rx_bad++;
			continue;
		}
		rtcp_session_input(s, ep, &c, now);
		n++;
	}
	return n;
}

const struct rtcp_stats *rtcp_session_stats(const struct rtcp_session *s)
{
	return &s->st;
}
