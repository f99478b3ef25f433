/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDPTL (T.38 9.1) packets: ASN.1 aligned PER of
 *   UDPTLPacket ::= SEQUENCE { seq-number INTEGER (0..65535),
 *       primary-ifp-packet OPEN TYPE (IFPPacket),
 *       error-recovery CHOICE { secondary-ifp-packets SEQUENCE OF OPEN TYPE,
 *                               fec-info SEQUENCE { fec-npackets INTEGER, fec-data SEQUENCE OF OCTET STRING } } }
 * On the wire: two octets of seq; a length determinant and the primary;
 * one octet whose top bit is the CHOICE (0 redundancy, 1 FEC; the rest is
 * alignment padding); then the SEQUENCE OF count and its elements, each a
 * length determinant and its octets (FEC: fec-npackets as a length and
 * its octets before them). */
#include "config.h"

#include "gateway/udptl.h"

#include <errno.h>
#include <stdlib.h>
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

/* fec-info: fec-npackets, an unconstrained INTEGER (a length, then 1 to
 * 4 octets), then the fec-data SEQUENCE OF OCTET STRING. */
static int get_fec(const uint8_t *buf, size_t len, size_t *pos, struct udptl_packet *out)
{
	struct udptl_ifp x;
	size_t count;

	if (get_octets(buf, len, pos, &x) < 0 || x.len == 0 || x.len > 4)
		return -EBADMSG;
	for (size_t i = 0; i < x.len; i++)
		out->fec_span = out->fec_span << 8 | x.data[i];
	if (get_len(buf, len, pos, &count) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < count; i++) {
		if (get_octets(buf, len, pos, &x) < 0 || x.len > UDPTL_IFP_MAX)
			return -EBADMSG;
		if (i < UDPTL_FEC_MAX)
			out->fec_data[i] = x;
	}
	out->nfec = count <= UDPTL_FEC_MAX ? (int)count : 0;
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
		if (get_fec(buf, len, &pos, out) < 0)
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

/* seq-number and primary-ifp-packet, the start of every UDPTL packet. */
static int put_head(uint8_t *out, size_t size, size_t *pos, uint16_t seq, const struct udptl_ifp *primary)
{
	if (size < 2)
		return -ENOSPC;
	out[(*pos)++] = (uint8_t)(seq >> 8);
	out[(*pos)++] = (uint8_t)seq;
	return put_octets(out, size, pos, primary);
}

int udptl_build(uint16_t seq, const struct udptl_ifp *primary, const struct udptl_ifp *sec, int nsec, uint8_t *out,
		size_t size)
{
	size_t pos = 0;
	int rc;

	if (nsec < 0 || nsec > UDPTL_REDUNDANCY_MAX || (nsec && !sec))
		return -EINVAL;
	if ((rc = put_head(out, size, &pos, seq, primary)) < 0)
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

/* An fec-data entry may be empty (nothing to protect yet). */
static int put_entry(uint8_t *out, size_t size, size_t *pos, const struct udptl_ifp *x)
{
	int rc;

	if (x->len > UDPTL_IFP_MAX || (x->len && !x->data))
		return -EINVAL;
	if ((rc = put_len(out, size, pos, x->len)) < 0)
		return rc;
	if (x->len > size - *pos)
		return -ENOSPC;
	if (x->len)
		memcpy(out + *pos, x->data, x->len);
	*pos += x->len;
	return 0;
}

int udptl_build_fec(uint16_t seq, const struct udptl_ifp *primary, unsigned span, const struct udptl_ifp *fec, int nfec,
		    uint8_t *out, size_t size)
{
	size_t pos = 0;
	int rc;

	if (nfec < 0 || nfec > UDPTL_FEC_MAX || (nfec && !fec) || span >= UDPTL_FEC_HIST)
		return -EINVAL;
	if ((rc = put_head(out, size, &pos, seq, primary)) < 0)
		return rc;
	/* error-recovery: fec-info; fec-npackets an unconstrained INTEGER
	 * (a length, then the shortest two's complement: one octet below 128) */
	if (pos + 3 > size)
		return -ENOSPC;
	out[pos++] = 0x80;
	out[pos++] = 1;
	out[pos++] = (uint8_t)span;
	if ((rc = put_len(out, size, &pos, (size_t)nfec)) < 0)
		return rc;
	for (int i = 0; i < nfec; i++)
		if ((rc = put_entry(out, size, &pos, &fec[i])) < 0)
			return rc;
	return (int)pos;
}

void udptl_tx_init(struct udptl_tx *t, int redundancy, size_t max_datagram)
{
	memset(t, 0, sizeof(*t));
	t->redundancy = redundancy < 0 ? 0 : redundancy > UDPTL_REDUNDANCY_MAX ? UDPTL_REDUNDANCY_MAX : redundancy;
	t->max_datagram = max_datagram && max_datagram < UDPTL_DATAGRAM_MAX ? max_datagram : UDPTL_DATAGRAM_MAX;
}

int udptl_tx_fec(struct udptl_tx *t, unsigned span, int entries)
{
	if (span < 1 || entries < 1 || entries > UDPTL_FEC_MAX || span * (unsigned)entries >= UDPTL_FEC_HIST)
		return -EINVAL;
	t->fec_span = span;
	t->fec_entries = entries;
	t->redundancy = 0;
	return 0;
}

void udptl_tx_free(struct udptl_tx *t)
{
	free(t->fec_hist);
	t->fec_hist = NULL;
	t->fec_sent = 0;
}

/* The n entries over span IFPs each for packet t->seq, into x and fec. */
static void fec_compute(const struct udptl_tx *t, unsigned span, unsigned n, uint8_t (*x)[UDPTL_IFP_MAX],
			struct udptl_ifp *fec)
{
	for (unsigned m = 0; m < n; m++) {
		size_t longest = 0;

		for (unsigned j = 0; j < span; j++) {
			uint16_t k = (uint16_t)(t->seq + m - span * n + j * n);
			const struct udptl_rx_hist *h = &t->fec_hist[k & (UDPTL_FEC_HIST - 1)];

			/* fec_sent says it was sent and is still kept */
			for (size_t i = 0; i < h->len; i++)
				x[m][i] = (uint8_t)(i < longest ? x[m][i] ^ h->buf[i] : h->buf[i]);
			if (h->len > longest)
				longest = h->len;
		}
		fec[m].data = x[m];
		fec[m].len = longest;
	}
}

/* FEC: the packet for IFP t->seq (then kept; the sequence moves on).
 * Entry m is the XOR of the span IFPs t->seq + m - span * n + j * n
 * (j = 0 .. span - 1), padded with zeros to the longest and as long as
 * it (what udptl_rx_packet() repairs from). Sets reach back no further
 * than the IFPs sent (fewer entries, then a shorter span, at the start);
 * when the datagram is full, fewer entries (each packet says how many,
 * so the sets follow). */
static int tx_fec(struct udptl_tx *t, const struct udptl_ifp *primary, uint8_t *out, size_t limit)
{
	uint8_t x[UDPTL_FEC_MAX][UDPTL_IFP_MAX];
	struct udptl_ifp fec[UDPTL_FEC_MAX];
	unsigned span, n = (unsigned)t->fec_entries;
	int rc;

	if (!t->fec_hist && !(t->fec_hist = calloc(UDPTL_FEC_HIST, sizeof(*t->fec_hist))))
		n = 0; /* out of memory: the packets carry no entries, the primaries still go */
	else if (t->fec_sent &&
		 t->fec_hist[(uint16_t)(t->seq - 1) & (UDPTL_FEC_HIST - 1)].seq != (uint16_t)(t->seq - 1))
		t->fec_sent = 0; /* the sequence was moved: what is kept is not what came before */
	if (n > t->fec_sent)
		n = t->fec_sent;
	for (;; n--) {
		span = n && t->fec_span * n > t->fec_sent ? t->fec_sent / n : t->fec_span;
		fec_compute(t, span, n, x, fec);
		if ((rc = udptl_build_fec(t->seq, primary, span, fec, (int)n, out, limit)) != -ENOSPC || n == 0)
			break;
	}
	if (rc < 0)
		return rc;
	if (t->fec_hist) {
		struct udptl_rx_hist *h = &t->fec_hist[t->seq & (UDPTL_FEC_HIST - 1)];

		h->seq = t->seq;
		h->have = 1;
		h->len = primary->len;
		memcpy(h->buf, primary->data, primary->len);
		if (t->fec_sent < UDPTL_FEC_HIST - 1)
			t->fec_sent++;
	}
	t->seq++;
	return rc;
}

int udptl_tx_packet(struct udptl_tx *t, const uint8_t *ifp, size_t len, uint8_t *out, size_t size)
{
	struct udptl_ifp primary = {ifp, len}, sec[UDPTL_REDUNDANCY_MAX];
	size_t limit = size < t->max_datagram ? size : t->max_datagram;
	int nsec = t->nhist < t->redundancy ? t->nhist : t->redundancy, rc;

	if (!ifp || len == 0 || len > UDPTL_IFP_MAX)
		return -EINVAL;
	if (t->fec_entries)
		return tx_fec(t, &primary, out, limit);
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

void udptl_rx_free(struct udptl_rx *r)
{
	free(r->hist);
	r->hist = NULL;
}

/* --- IFP lengths (T.38 clause 7, the encoding t38_core reads) ---------- */

size_t udptl_ifp_len(const uint8_t *buf, size_t n, unsigned version)
{
	size_t ptr, count;
	int half = 0; /* version 0: in the middle of an octet */

	if (!buf || n < 1)
		return 0;
	if (!(buf[0] & 0x40)) /* an indicator: one octet, two with the extension bit */
		return buf[0] & 0x80 ? 0 : buf[0] & 0x20 ? (n >= 2 ? 2 : 0) : 1;
	ptr = buf[0] & 0x20 ? 2 : 1;
	if (!(buf[0] & 0x80)) /* data type without a data field */
		return ptr <= n ? ptr : 0;
	if (ptr >= n)
		return 0;
	count = buf[ptr++];
	for (size_t i = 0; i < count; i++) {
		int data;

		if (ptr >= n)
			return 0;
		if (version == 0) {
			/* T.38 (1998)'s field type: a half octet when no data follows */
			if (half) {
				data = buf[ptr] >> 3 & 1;
				ptr++;
				half = 0;
			} else {
				data = buf[ptr] >> 7 & 1;
				if (data)
					ptr++;
				else
					half = 1;
			}
		} else {
			data = buf[ptr] >> 7 & 1;
			ptr += buf[ptr] & 0x40 ? 2 : 1;
		}
		if (data) {
			if (ptr + 2 > n)
				return 0;
			ptr += 2 + ((size_t)buf[ptr] << 8 | buf[ptr + 1]) + 1;
		}
		if (ptr > n)
			return 0;
	}
	ptr += half;
	return ptr <= n ? ptr : 0;
}

/* --- Receiving ----------------------------------------------------------- */

static void keep(struct udptl_rx *r, uint16_t seq, const uint8_t *ifp, size_t len)
{
	struct udptl_rx_hist *h;

	if (!r->hist || len > UDPTL_IFP_MAX)
		return;
	h = &r->hist[seq & (UDPTL_FEC_HIST - 1)];
	h->seq = seq;
	h->have = 1;
	h->len = len;
	memcpy(h->buf, ifp, len);
}

static const struct udptl_rx_hist *kept(const struct udptl_rx *r, uint16_t seq)
{
	const struct udptl_rx_hist *h = &r->hist[seq & (UDPTL_FEC_HIST - 1)];

	return h->have && h->seq == seq ? h : NULL;
}

/* Repair IFP seq (lost) from p's FEC: the entry whose set holds seq, when
 * every other IFP of the set is kept. The repaired octets go to out; its
 * length is the entry's when it is longer than all the others (the lost
 * one was the longest), else what the IFP's encoding says (the entry is
 * padded to the longest; t38_core refuses trailing octets). 0 when it
 * cannot be repaired. */
static size_t fec_repair(const struct udptl_rx *r, const struct udptl_packet *p, uint16_t seq, uint8_t *out)
{
	unsigned span = p->fec_span, n = (unsigned)p->nfec, d = (uint16_t)(p->seq - seq), m, j;
	size_t len, longest = 0;
	uint16_t first;

	if (!r->hist || span == 0 || n == 0 || span >= UDPTL_FEC_HIST || span * n >= UDPTL_FEC_HIST || d == 0 ||
	    d > span * n)
		return 0;
	/* the members of entry m: seq + m - span * n + j * n; seq - d is one when m = -d mod n */
	m = (n - d % n) % n;
	first = (uint16_t)(p->seq + m - span * n);
	len = p->fec_data[m].len;
	if (len == 0)
		return 0;
	memcpy(out, p->fec_data[m].data, len);
	for (j = 0; j < span; j++) {
		uint16_t k = (uint16_t)(first + j * n);
		const struct udptl_rx_hist *h;

		if (k == seq)
			continue;
		if (!(h = kept(r, k)) || h->len > len)
			return 0; /* another of the set is missing too (or the entry does not cover it) */
		for (size_t i = 0; i < h->len; i++)
			out[i] ^= h->buf[i];
		if (h->len > longest)
			longest = h->len;
	}
	return len > longest ? len : udptl_ifp_len(out, len, r->version);
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
	r->fec += (unsigned long)p.fec;
	if (!r->hist)
		r->hist = calloc(UDPTL_FEC_HIST, sizeof(*r->hist)); /* NULL: no FEC repair, all else works */
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
		if (r->hist)
			memset(r->hist, 0, UDPTL_FEC_HIST * sizeof(*r->hist));
	}
	/* Gaps: sec[i] is seq - 1 - i; deliver the oldest we have first. A
	 * repaired IFP is kept: it may complete the set of a later gap. */
	for (int i = (int)ahead - 1; i >= 0; i--) {
		uint16_t seq = (uint16_t)(p.seq - 1 - (uint16_t)i);
		uint8_t fixed[UDPTL_IFP_MAX];
		size_t n = 0;

		if (i < p.nsec) {
			keep(r, seq, p.sec[i].data, p.sec[i].len);
			fn(arg, p.sec[i].data, p.sec[i].len, seq);
		} else if (p.fec && (n = fec_repair(r, &p, seq, fixed)) > 0) {
			keep(r, seq, fixed, n);
			fn(arg, fixed, n, seq);
		} else {
			r->lost++;
			continue;
		}
		r->recovered++;
		r->delivered++;
	}
	keep(r, p.seq, p.primary.data, p.primary.len);
	fn(arg, p.primary.data, p.primary.len, p.seq);
	r->delivered++;
	r->next = (uint16_t)(p.seq + 1);
	return 0;
}
