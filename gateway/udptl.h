/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDPTL (ITU-T T.38 clause 9.1): the UDP framing of T.38 IFP packets, with
 * redundancy error recovery (each packet repeats the last few IFP packets
 * as secondaries, so a lost packet is recovered from the next one) and FEC
 * error recovery (XOR parity over interleaved sets of earlier IFP
 * packets), each sent and received. The IFP packets themselves are
 * SpanDSP's (t38_core); this is only the ASN.1 PER (aligned) envelope
 * around them. Pure functions and plain
 * state structs: any thread, one state per direction per call. */
#ifndef TANDEM_GW_UDPTL_H
#define TANDEM_GW_UDPTL_H

#include <stddef.h>
#include <stdint.h>

#define UDPTL_IFP_MAX        512 /* an IFP packet we carry (T.38 IFPs are small) */
#define UDPTL_REDUNDANCY_MAX 8   /* secondaries per packet, sent or read */
#define UDPTL_DATAGRAM_MAX   1400
#define UDPTL_FEC_MAX        8  /* fec-data entries per packet we use */
#define UDPTL_FEC_HIST       32 /* received IFPs kept for FEC repair (a power of 2) */

/* One IFP packet in a UDPTL packet (points into the parsed buffer). */
struct udptl_ifp {
	const uint8_t *data;
	size_t len;
};

/* A parsed UDPTL packet. sec[0] is the IFP of seq - 1, sec[1] of seq - 2,
 * and so on (T.38 9.1: most recent first). */
struct udptl_packet {
	uint16_t seq;
	struct udptl_ifp primary;
	struct udptl_ifp sec[UDPTL_REDUNDANCY_MAX];
	int nsec; /* secondaries read (extra ones beyond the maximum are skipped, not kept) */
	int fec;  /* the packet used FEC error recovery */
	/* FEC: entry m is the XOR of the fec_span IFPs numbered
	 * seq + m - fec_span * nfec + j * nfec (j = 0 .. fec_span - 1), each
	 * padded with zeros to the longest; its length is the longest's. */
	unsigned fec_span;                        /* fec-npackets */
	struct udptl_ifp fec_data[UDPTL_FEC_MAX]; /* may be empty */
	int nfec; /* entries read; 0 when there were more than UDPTL_FEC_MAX (then not used) */
};

/* Parse buf[len]. 0 and *out, or -EBADMSG for anything malformed:
 * truncated, lengths past the end, an empty primary, fragmented (>= 16K)
 * lengths, trailing garbage; in FEC, fec-npackets not 1 to 4 octets or
 * an entry longer than UDPTL_IFP_MAX. */
int udptl_parse(const uint8_t *buf, size_t len, struct udptl_packet *out);

/* Build a packet with the redundancy scheme: seq, the primary, then
 * nsec secondaries (most recent first). The length written, or -EINVAL
 * (an empty or oversized IFP, nsec out of range), -ENOSPC. */
int udptl_build(uint16_t seq, const struct udptl_ifp *primary, const struct udptl_ifp *sec, int nsec, uint8_t *out,
		size_t size);
/* Build a packet with the FEC scheme: seq, the primary, fec-npackets
 * (span, 0..UDPTL_FEC_HIST - 1) and nfec fec-data entries as given (may
 * be empty; see struct udptl_packet for what they hold). The length
 * written, or -EINVAL, -ENOSPC. */
int udptl_build_fec(uint16_t seq, const struct udptl_ifp *primary, unsigned span, const struct udptl_ifp *fec, int nfec,
		    uint8_t *out, size_t size);

struct udptl_rx_hist;

/* The sending side: the sequence number and the last IFPs to repeat (or
 * to compute FEC from). */
struct udptl_tx {
	uint16_t seq;
	int redundancy;      /* secondaries per packet, 0..UDPTL_REDUNDANCY_MAX */
	size_t max_datagram; /* the peer's T38FaxMaxDatagram; 0: UDPTL_DATAGRAM_MAX */
	uint8_t hist[UDPTL_REDUNDANCY_MAX][UDPTL_IFP_MAX];
	size_t hist_len[UDPTL_REDUNDANCY_MAX];
	int nhist; /* hist[0] is the most recent */
	/* FEC (udptl_tx_fec()): span and entries per packet; 0: redundancy */
	unsigned fec_span;
	int fec_entries;
	struct udptl_rx_hist *fec_hist; /* UDPTL_FEC_HIST IFPs sent, by seq; allocated on the first packet */
	unsigned fec_sent;              /* IFPs kept (up to UDPTL_FEC_HIST - 1): sets never reach before them */
};

/* Redundancy (redundancy secondaries per packet; 0: none). Not on a
 * struct holding FEC history (udptl_tx_free() first). */
void udptl_tx_init(struct udptl_tx *t, int redundancy, size_t max_datagram);
/* Send FEC instead: each packet carries entries (1..UDPTL_FEC_MAX)
 * fec-data entries over span (1..) IFPs each, the span * entries IFPs
 * before it (span * entries < UDPTL_FEC_HIST): a loss of one IFP in a
 * set, or a burst of up to entries, is repaired from the next packet.
 * Before that many were sent, and when the datagram limit is reached,
 * packets carry fewer. 0 or -EINVAL. */
int udptl_tx_fec(struct udptl_tx *t, unsigned span, int entries);
/* Free the FEC history (udptl_tx_init() again to reuse). */
void udptl_tx_free(struct udptl_tx *t);
/* The next packet carrying ifp[len]; as many secondaries (or FEC
 * entries) as fit in the datagram limit. Length written, or -EINVAL,
 * -ENOSPC. */
int udptl_tx_packet(struct udptl_tx *t, const uint8_t *ifp, size_t len, uint8_t *out, size_t size);

/* An IFP kept for FEC (received, for repair; or sent, for the entries). */
struct udptl_rx_hist {
	uint16_t seq;
	int have;
	size_t len;
	uint8_t buf[UDPTL_IFP_MAX];
};

/* The receiving side: which sequence number comes next, and counters. */
struct udptl_rx {
	int started;
	uint16_t next;
	unsigned version;           /* T38FaxVersion: how a repaired IFP's own length is read */
	struct udptl_rx_hist *hist; /* UDPTL_FEC_HIST, by seq; allocated on the first packet */
	unsigned long packets;      /* well-formed packets */
	unsigned long delivered;    /* IFP packets handed on (primaries and recovered) */
	unsigned long recovered;    /* of those, taken from secondaries or repaired from FEC */
	unsigned long fec;          /* well-formed packets with FEC error recovery */
	unsigned long lost;         /* sequence numbers never delivered */
	unsigned long dups;         /* old or repeated packets, dropped */
	unsigned long bad;          /* malformed, dropped */
	unsigned long resyncs;      /* a jump too far: started over */
};

/* Called in sequence order for each IFP packet to deliver. */
typedef void (*udptl_deliver_fn)(void *arg, const uint8_t *ifp, size_t len, uint16_t seq);

void udptl_rx_init(struct udptl_rx *r);
/* Free the FEC history (udptl_rx_init() again to reuse). */
void udptl_rx_free(struct udptl_rx *r);
/* One received datagram: delivers what it brings that is new, oldest
 * first (recovered secondaries or IFPs repaired from its FEC, then the
 * primary). An FEC entry repairs a lost IFP of its set when every other
 * IFP of the set arrived (or was repaired); two lost in one set stay lost.
 * 0, or -EBADMSG (malformed: counted, nothing delivered). */
int udptl_rx_packet(struct udptl_rx *r, const uint8_t *buf, size_t len, udptl_deliver_fn fn, void *arg);
/* The length an IFP packet's own encoding says (T.38 clause 7: an
 * indicator, or data and its fields), read from buf[n] (at most n); 0
 * when it cannot be read. version: T38FaxVersion (0 packs field types
 * without data in half octets). */
size_t udptl_ifp_len(const uint8_t *buf, size_t n, unsigned version);

#endif
