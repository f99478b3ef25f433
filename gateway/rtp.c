/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTP: the header codec, RFC 4733 events and receiver statistics (RFC 3550 A.1, A.8). */
#include "config.h"

#include "gateway/rtp.h"

#include <errno.h>
#include <string.h>

#define MAX_DROPOUT  3000 /* RFC 3550 A.1 */
#define MAX_MISORDER 100
#define SEQ_MOD      (1u << 16)

int rtp_pack(const struct rtp_header *h, const uint8_t *payload, size_t len, uint8_t *buf, size_t size, size_t *out_len)
{
	if (size < RTP_HDR_LEN || len > size - RTP_HDR_LEN)
		return -ENOSPC;
	buf[0] = RTP_VERSION << 6;
	buf[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->pt & 0x7F));
	buf[2] = (uint8_t)(h->seq >> 8);
	buf[3] = (uint8_t)h->seq;
	buf[4] = (uint8_t)(h->ts >> 24);
	buf[5] = (uint8_t)(h->ts >> 16);
	buf[6] = (uint8_t)(h->ts >> 8);
	buf[7] = (uint8_t)h->ts;
	buf[8] = (uint8_t)(h->ssrc >> 24);
	buf[9] = (uint8_t)(h->ssrc >> 16);
	buf[10] = (uint8_t)(h->ssrc >> 8);
	buf[11] = (uint8_t)h->ssrc;
	if (len)
		memcpy(buf + RTP_HDR_LEN, payload, len);
	*out_len = RTP_HDR_LEN + len;
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int rtp_parse(const uint8_t *buf, size_t len, struct rtp_header *h, const uint8_t **payload, size_t *plen)
{
	size_t off, end = len;
	unsigned cc;

	if (len < RTP_HDR_LEN || buf[0] >> 6 != RTP_VERSION)
		return -EBADMSG;
	cc = buf[0] & 0x0F;
	off = RTP_HDR_LEN + 4 * (size_t)cc;
	if (off > len)
		return -EBADMSG;
	if (buf[0] & 0x10) { /* 5.3.1 header extension: 16-bit profile, 16-bit length in words */
		size_t words;

		if (off + 4 > len)
			return -EBADMSG;
		words = (size_t)buf[off + 2] << 8 | buf[off + 3];
		off += 4 + 4 * words;
		if (off > len)
			return -EBADMSG;
	}
	if (buf[0] & 0x20) { /* 5.1 padding: the last octet counts itself */
		size_t pad = buf[len - 1];

		if (pad == 0 || pad > len - off)
			return -EBADMSG;
		end = len - pad;
	}
	h->marker = buf[1] >> 7;
	h->pt = buf[1] & 0x7F;
	h->seq = (uint16_t)(buf[2] << 8 | buf[3]);
	h->ts = get32(buf + 4);
	h->ssrc = get32(buf + 8);
	*payload = buf + off;
	*plen = end - off;
	return 0;
}

int rtp_event_parse(const uint8_t *p, size_t len, struct rtp_event *ev)
{
	if (len < 4)
		return -EBADMSG;
	ev->event = p[0];
	ev->end = p[1] >> 7;
	ev->volume = p[1] & 0x3F;
	ev->duration = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}

void rtp_event_pack(const struct rtp_event *ev, uint8_t out[4])
{
	out[0] = ev->event;
	out[1] = (uint8_t)((ev->end ? 0x80 : 0) | (ev->volume & 0x3F));
	out[2] = (uint8_t)(ev->duration >> 8);
	out[3] = (uint8_t)ev->duration;
}

static const char event_digits[] = "0123456789*#ABCD";

int rtp_event_from_digit(char digit)
{
	const char *p;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	if (digit == 0 || !(p = strchr(event_digits, digit)))
		return -1;
	return (int)(p - event_digits);
}

char rtp_event_digit(int event)
{
	return event >= 0 && event < 16 ? event_digits[event] : 0;
}

static void source_restart(struct rtp_source *s, uint16_t seq)
{
	/* Keep what the previous sequence lost. */
	s->lost_prior = (long)rtp_source_lost(s);
	s->received = 0;
	s->base_seq = seq;
	s->max_seq = seq;
	s->cycles = 0;
	s->bad_seq = SEQ_MOD + 1;
	s->window = 1;
	s->have_transit = 0;
}

static void source_jitter(struct rtp_source *s, const struct rtp_header *h, uint32_t arrival)
{
	int32_t transit = (int32_t)(arrival - h->ts), d;

	if (s->have_transit) {
		d = transit - s->transit;
		if (d < 0)
			d = -d;
		/* A.8: J += (|D| - J) / 16, in fixed point << 4 */
		s->jitter += (uint32_t)d - ((s->jitter + 8) >> 4);
	}
	s->transit = transit;
	s->have_transit = 1;
}

enum rtp_seq_verdict rtp_source_update(struct rtp_source *s, const struct rtp_header *h, uint32_t arrival)
{
	uint16_t udelta;

	if (!s->init || h->ssrc != s->ssrc) {
		if (s->init)
			s->ssrc_changes++;
		source_restart(s, h->seq);
		s->init = 1;
		s->ssrc = h->ssrc;
		s->received = 1;
		source_jitter(s, h, arrival);
		return RTP_SEQ_NEW_SSRC;
	}
	udelta = (uint16_t)(h->seq - s->max_seq);
	if (udelta == 0) {
		s->dups++;
		return RTP_SEQ_DUP;
	}
	if (udelta < MAX_DROPOUT) {
		/* In order, with a permissible gap. */
		if (h->seq < s->max_seq)
			s->cycles += SEQ_MOD;
		s->window = udelta >= 64 ? 1 : (s->window << udelta) | 1;
		s->max_seq = h->seq;
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		/* A very large jump: restart if the next packet follows it. */
		if (h->seq == s->bad_seq) {
			source_restart(s, h->seq);
			s->received = 1;
			source_jitter(s, h, arrival);
			return RTP_SEQ_OK;
		}
		s->bad_seq = (h->seq + 1) & (SEQ_MOD - 1);
		s->jumps++;
		return RTP_SEQ_JUMP;
	} else {
		/* Older than max_seq: a duplicate or reordered packet. */
		uint16_t back = (uint16_t)(s->max_seq - h->seq);

		if (back < 64 && (s->window >> back) & 1) {
			s->dups++;
			return RTP_SEQ_DUP;
		}
		if (back < 64)
			s->window |= (uint64_t)1 << back;
		s->received++;
		s->reordered++;
		return RTP_SEQ_REORDERED;
	}
	s->received++;
	source_jitter(s, h, arrival);
	return RTP_SEQ_OK;
}

unsigned long rtp_source_lost(const struct rtp_source *s)
{
	long expected, lost;

	if (!s->init)
		return 0;
	expected = (long)(s->cycles + s->max_seq) - (long)s->base_seq + 1;
	lost = expected - (long)s->received + s->lost_prior;
	return lost > 0 ? (unsigned long)lost : 0;
}

unsigned rtp_source_jitter(const struct rtp_source *s)
{
	return s->jitter >> 4;
}

/* --- Jitter buffer --------------------------------------------------- */

#define JB_MASK (RTP_JB_SIZE - 1)

void rtp_jb_init(struct rtp_jb *jb, unsigned delay, uint8_t silence)
{
	memset(jb, 0, sizeof(*jb));
	if (delay < 80)
		delay = 80;
	if (delay > RTP_JB_SIZE / 2)
		delay = RTP_JB_SIZE / 2;
	jb->delay = delay;
	jb->silence = silence;
}

void rtp_jb_reset(struct rtp_jb *jb)
{
	memset(jb->have, 0, sizeof(jb->have));
	jb->started = 0;
}

void rtp_jb_put(struct rtp_jb *jb, uint32_t ts, const uint8_t *samples, size_t len)
{
	int32_t off;

	if (len == 0 || len > RTP_JB_SIZE / 2)
		return;
	off = (int32_t)(ts - jb->play_ts);
	if (!jb->started || off + (int32_t)len > (int32_t)(RTP_JB_SIZE - RTP_FRAME) ||
	    off < -(int32_t)(2 * jb->delay)) {
		/* First packet, a jump ahead, or far behind: play this one
		 * `delay` from now. */
		if (jb->started)
			jb->resyncs++;
		memset(jb->have, 0, sizeof(jb->have));
		jb->started = 1;
		jb->play_ts = ts - jb->delay;
		off = (int32_t)jb->delay;
	}
	if (off < 0) {
		jb->late++; /* its first -off samples have been played */
		if ((size_t)-off >= len)
			return;
		samples += -off;
		len -= (size_t)-off;
		off = 0;
	}
	/* in at most two runs of the ring */
	for (size_t done = 0; done < len;) {
		uint32_t at = (jb->play_ts + (uint32_t)off + (uint32_t)done) & JB_MASK;
		size_t n = len - done < RTP_JB_SIZE - at ? len - done : RTP_JB_SIZE - at;

		memcpy(jb->buf + at, samples + done, n);
		memset(jb->have + at, 1, n);
		done += n;
	}
}

/* The playout of len samples from ring position at, not wrapping: whole runs
 * rather than a test per sample (this runs for every channel every block). */
static size_t jb_take(struct rtp_jb *jb, uint32_t at, uint8_t *out, uint8_t *missing, size_t len, int conceal)
{
	size_t nmiss = 0, i = 0;

	/* the usual case, every sample there: one copy (memchr scans by words) */
	if (!memchr(jb->have + at, 0, len)) {
		memcpy(out, jb->buf + at, len);
		if (missing)
			memset(missing, 0, len);
		jb->played += len;
		memset(jb->have + at, 0, len);
		return 0;
	}
	while (i < len) {
		size_t j = i;

		if (jb->have[at + i]) {
			while (j < len && jb->have[at + j])
				j++;
			memcpy(out + i, jb->buf + at + i, j - i);
			if (missing)
				memset(missing + i, 0, j - i);
			jb->played += j - i;
		} else {
			while (j < len && !jb->have[at + j])
				j++;
			memset(out + i, jb->silence, j - i);
			if (missing)
				memset(missing + i, conceal, j - i);
			nmiss += j - i;
		}
		i = j;
	}
	memset(jb->have + at, 0, len);
	return nmiss;
}

size_t rtp_jb_get_mask(struct rtp_jb *jb, uint8_t *out, uint8_t *missing, size_t len)
{
	int playing = jb->played > 0, conceal = playing && jb->started;
	size_t nmiss = 0, done = 0;

	/* in at most two runs of the ring */
	while (done < len) {
		uint32_t at = (jb->play_ts + (uint32_t)done) & JB_MASK;
		size_t n = len - done < RTP_JB_SIZE - at ? len - done : RTP_JB_SIZE - at;

		nmiss += jb_take(jb, at, out + done, missing ? missing + done : NULL, n, conceal);
		done += n;
	}
	if (jb->started) {
		jb->play_ts += (uint32_t)len;
		if (nmiss && playing)
			jb->underruns++; /* not the initial delay */
	}
	return conceal ? nmiss : 0;
}

void rtp_jb_get(struct rtp_jb *jb, uint8_t *out, size_t len)
{
	rtp_jb_get_mask(jb, out, NULL, len);
}
