/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDPTL (T.38 9.1) packets: ASN.1 aligned PER of
 *   UDPTLPacket ::= SEQUENCE { seq-number INTEGER (0..65535),
 *       primary-ifp-packet OPEN TYPE (IFPPacket),
 *       error-recovery CHOICE { secondary-ifp-packets SEQUENCE OF OPEN TYPE,
 *                               fec-info SEQUENCE { fec-npackets INTEGER, fec-data SEQUENCE OF OCTET STRING } } }
 * On the wire: two octets of seq; a length determinant and the primary;
 * one octet whose top bit is the CHOICE (0 redundancy, 1 FEC; the rest is
 * alignment padding); then the SEQUENCE OF count and its elements, each a
 * length determinant and its octets. */
#include "config.h"

#include "gateway/udptl.h"

#include <errno.h>
#include <string.h>

/* A PER length determinant (X.691 10.9, unconstrained): 0..127 in one
 * octet, 128..16383 in two; fragmented forms (11xxxxxx) are refused, as
 * nothing in UDPTL needs 16K. 0 and *out, or -EBADMSG. */
static int get_len(const uint8_t *buf, size_t len, size_t *pos, size_t *out)
{
	if (*pos >= len)
		return -EBADMSG;
	if (!(buf[*pos] & 0x80)) {
		*out = buf[(*pos)++];
		return 0;
	}
	if ((buf[*pos] & 0xc0) == 0x80 && *pos + 1 < len) {
		*out = (size_t)(buf[*pos] & 0x3f) << 8 | buf[*pos + 1];
		*pos += 2;
		return 0;
	}
	return -EBADMSG;
}

/* A length determinant then that many octets, inside the buffer. */
static int get_octets(const uint8_t *buf, size_t len, size_t *pos, struct udptl_ifp *out)
{
	size_t n;

	if (get_len(buf, len, pos, &n) < 0 || n > len - *pos)
		return -EBADMSG;
	out->data = buf + *pos;
	out->len = n;
	*pos += n;
	return 0;
}

static int get_fec(const uint8_t *buf, size_t len, size_t *pos)
{
	struct udptl_ifp x;
	size_t count;

	/* fec-npackets: an unconstrained INTEGER (length, octets) */
	if (get_octets(buf, len, pos, &x) < 0 || x.len == 0)
		return -EBADMSG;
	if (get_len(buf, len, pos, &count) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < count; i++)
		if (get_octets(buf, len, pos, &x) < 0)
			return -EBADMSG;
	return 0;
}

int udptl_parse(const uint8_t *buf, size_t len, struct udptl_packet *out)
{
	size_t pos = 2, count;

	memset(out, 0, sizeof(*out));
	if (!buf || len < 4)
		return -EBADMSG;
	out->seq = (uint16_t)(buf[0] << 8 | buf[1]);
	if (get_octets(buf, len, &pos, &out->primary) < 0 || out->primary.len == 0)
		return -EBADMSG;
	if (pos >= len)
		return -EBADMSG;
	if (buf[pos++] & 0x80) {
		out->fec = 1;
		if (get_fec(buf, len, &pos) < 0)
			return -EBADMSG;
	} else {
		if (get_len(buf, len, &pos, &count) < 0)
			return -EBADMSG;
		for (size_t i = 0; i < count; i++) {
			struct udptl_ifp s;

			if (get_octets(buf, len, &pos, &s) < 0 || s.len == 0)
				return -EBADMSG;
			if (out->nsec < UDPTL_REDUNDANCY_MAX)
				out->sec[out->nsec++] = s;
		}
	}
	return pos == len ? 0 : -EBADMSG;
}

static int put_len(uint8_t *out, size_t size, size_t *pos, size_t n)
{
	if (n < 128) {
		if (*pos + 1 > size)
			return -ENOSPC;
		out[(*pos)++] = (uint8_t)n;
		return 0;
	}
	if (n >= 16384)
		return -EINVAL;
	if (*pos + 2 > size)
		return -ENOSPC;
	out[(*pos)++] = (uint8_t)(0x80 | n >> 8);
	out[(*pos)++] = (uint8_t)n;
	return 0;
}

static int put_octets(uint8_t *out, size_t size, size_t *pos, const struct udptl_ifp *x)
{
	int rc;

	if (!x->data || x->len == 0 || x->len > UDPTL_IFP_MAX)
		return -EINVAL;
	if ((rc = put_len(out, size, pos, x->len)) < 0)
		return rc;
	if (x->len > size - *pos)
		return -ENOSPC;
	memcpy(out + *pos, x->data, x->len);
	*pos += x->len;
	return 0;
}

int udptl_build(uint16_t seq, const struct udptl_ifp *primary, const struct udptl_ifp *sec, int nsec, uint8_t *out,
		size_t size)
{
	size_t pos = 0;
	int rc;

	if (nsec < 0 || nsec > UDPTL_REDUNDANCY_MAX || (nsec && !sec))
		return -EINVAL;
	if (size < 2)
		return -ENOSPC;
	out[pos++] = (uint8_t)(seq >> 8);
	out[pos++] = (uint8_t)seq;
	if ((rc = put_octets(out, size, &pos, primary)) < 0)
		return rc;
	if (pos + 1 > size)
		return -ENOSPC;
	out[pos++] = 0x00; /* error-recovery: secondary-ifp-packets */
	if ((rc = put_len(out, size, &pos, (size_t)nsec)) < 0)
		return rc;
	for (int i = 0; i < nsec; i++)
		if ((rc = put_octets(out, size, &pos, &sec[i])) < 0)
			return rc;
	return (int)pos;
}

void udptl_tx_init(struct udptl_tx *t, int redundancy, size_t max_datagram)
{
	memset(t, 0, sizeof(*t));
	t->redundancy = redundancy < 0 ? 0 : redundancy > UDPTL_REDUNDANCY_MAX ? UDPTL_REDUNDANCY_MAX : redundancy;
	t->max_datagram = max_datagram && max_datagram < UDPTL_DATAGRAM_MAX ? max_datagram : UDPTL_DATAGRAM_MAX;
}

int udptl_tx_packet(struct udptl_tx *t, const uint8_t *ifp, size_t len, uint8_t *out, size_t size)
{
	struct udptl_ifp primary = {ifp, len}, sec[UDPTL_REDUNDANCY_MAX];
	size_t limit = size < t->max_datagram ? size : t->max_datagram;
	int nsec = t->nhist < t->redundancy ? t->nhist : t->redundancy, rc;

	if (!ifp || len == 0 || len > UDPTL_IFP_MAX)
		return -EINVAL;
	for (int i = 0; i < nsec; i++) {
		sec[i].data = t->hist[i];
		sec[i].len = t->hist_len[i];
	}
	/* The oldest secondaries give way first when the datagram is full. */
	while ((rc = udptl_build(t->seq, &primary, sec, nsec, out, limit)) == -ENOSPC && nsec > 0)
		nsec--;
	if (rc < 0)
		return rc;
	t->seq++;
	if (t->redundancy > 0) {
		memmove(t->hist[1], t->hist[0], sizeof(t->hist[0]) * (UDPTL_REDUNDANCY_MAX - 1));
		memmove(t->hist_len + 1, t->hist_len, sizeof(t->hist_len[0]) * (UDPTL_REDUNDANCY_MAX - 1));
		memcpy(t->hist[0], ifp, len);
		t->hist_len[0] = len;
		if (t->nhist < UDPTL_REDUNDANCY_MAX)
			t->nhist++;
	}
	return rc;
}

void udptl_rx_init(struct udptl_rx *r)
{
	memset(r, 0, sizeof(*r));
}

/* How far ahead a packet may be before we take it as a restart rather
 * than a gap (T.38 over UDP has no packet rate high enough to lose this
 * many in a row and still work). */
#define UDPTL_JUMP_MAX 1000

int udptl_rx_packet(struct udptl_rx *r, const uint8_t *buf, size_t len, udptl_deliver_fn fn, void *arg)
{
	struct udptl_packet p;
	uint16_t ahead;

	if (udptl_parse(buf, len, &p) < 0) {
		r->bad++;
		return -EBADMSG;
	}
	r->packets++;
	if (!r->started) {
		r->started = 1;
		r->next = p.seq;
	}
	ahead = (uint16_t)(p.seq - r->next);
	if (ahead >= 0x8000) {
		r->dups++; /* behind: already delivered, or given up on */
		return 0;
	}
	if (ahead > UDPTL_JUMP_MAX) {
		r->resyncs++;
		ahead = 0;
		r->next = p.seq;
	}
	/* Gaps: sec[i] is seq - 1 - i; deliver the oldest we have first. */
	for (int i = (int)ahead - 1; i >= 0; i--) {
		uint16_t seq = (uint16_t)(p.seq - 1 - (uint16_t)i);

		if (i < p.nsec) {
			fn(arg, p.sec[i].data, p.sec[i].len, seq);
			r->recovered++;
			r->delivered++;
		} else {
			r->lost++;
		}
	}
	fn(arg, p.primary.data, p.primary.len, p.seq);
	r->delivered++;
	r->next = (uint16_t)(p.seq + 1);
	return 0;
}
