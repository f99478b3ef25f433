/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDPTL (T.38 9.1): packets built and parsed, redundancy recovering lost
 * packets, FEC repairing them (hand-built FEC packets, and ours: built,
 * checked against the T.38 formula, and repaired by our receiver through
 * random losses), sequence wrap,
 * duplicates, jumps, and malformed packets refused without reading past
 * the end (the suite runs this under ASan). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/udptl.h"
#include "tests/tap.h"

/* What the receiver delivered, in order. */
struct got {
	int n;
	uint16_t seq[64];
	uint8_t first[64]; /* the IFP's first octet: the test's marker */
	size_t len[64];
};

static void deliver(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct got *g = arg;

	if (g->n < 64) {
		g->seq[g->n] = seq;
		g->first[g->n] = ifp[0];
		g->len[g->n] = len;
	}
	g->n++;
}

static void test_wire(void)
{
	/* A hand-made packet: seq 0x0102, primary 3 octets, 2 secondaries. */
	static const uint8_t pkt[] = {0x01, 0x02, 0x03, 0xaa, 0xbb, 0xcc, 0x00, 0x02, 0x01, 0x11, 0x02, 0x22, 0x23};
	struct udptl_ifp prim = {(const uint8_t *)"\xaa\xbb\xcc", 3};
	struct udptl_ifp sec[2] = {{(const uint8_t *)"\x11", 1}, {(const uint8_t *)"\x22\x23", 2}};
	uint8_t buf[64], big[300];
	struct udptl_packet p;
	int n;

	is_int(udptl_parse(pkt, sizeof(pkt), &p), 0, "a redundancy packet parses");
	is_int(p.seq, 0x0102, "its sequence number");
	ok(p.primary.len == 3 && memcmp(p.primary.data, "\xaa\xbb\xcc", 3) == 0, "its primary IFP");
	is_int(p.nsec, 2, "two secondaries");
	ok(p.sec[0].len == 1 && p.sec[0].data[0] == 0x11 && p.sec[1].len == 2 && p.sec[1].data[1] == 0x23,
	   "the secondaries, most recent first");
	is_int(p.fec, 0, "not FEC");
	n = udptl_build(0x0102, &prim, sec, 2, buf, sizeof(buf));
	ok(n == (int)sizeof(pkt) && memcmp(buf, pkt, sizeof(pkt)) == 0, "building gives the same octets");
	is_int(udptl_build(0x0102, &prim, sec, 2, buf, 12), -ENOSPC, "one octet short: -ENOSPC");
	is_int(udptl_build(1, &(struct udptl_ifp){buf, 0}, NULL, 0, buf, sizeof(buf)), -EINVAL,
	       "an empty IFP: -EINVAL");
	is_int(udptl_build(1, &prim, sec, UDPTL_REDUNDANCY_MAX + 1, buf, sizeof(buf)), -EINVAL, "too many secondaries");
	/* A primary of 300 octets needs the two-octet length form. */
	memset(big, 0x5a, sizeof(big));
	{
		uint8_t out[400];
		struct udptl_ifp b = {big, sizeof(big)};

		n = udptl_build(7, &b, NULL, 0, out, sizeof(out));
		is_int(n, 2 + 2 + 300 + 2, "a 300-octet IFP: two-octet length");
		ok(out[2] == (0x80 | (300 >> 8)) && out[3] == (300 & 0xff), "length 10xxxxxx xxxxxxxx");
		ok(udptl_parse(out, (size_t)n, &p) == 0 && p.primary.len == 300 && p.nsec == 0, "and it parses back");
	}
	/* FEC: accepted (primary used), the FEC part checked. */
	{
		static const uint8_t fec[] = {0x00, 0x05, 0x01, 0x42, 0x80, 0x01, 0x03, 0x01, 0x02, 0x99, 0x98};

		is_int(udptl_parse(fec, sizeof(fec), &p), 0, "an FEC packet parses");
		ok(p.fec && p.primary.len == 1 && p.primary.data[0] == 0x42, "FEC flagged, its primary read");
		is_int(udptl_parse(fec, sizeof(fec) - 1, &p), -EBADMSG, "FEC data cut short: refused");
	}
}

static int within(const uint8_t *b, size_t len, const struct udptl_ifp *x)
{
	return x->data >= b && x->len <= len && x->data + x->len <= b + len;
}

static int random_fails; /* parsed packets whose IFPs point outside the buffer */

static void ok_ifp_in(const uint8_t *b, size_t len, const struct udptl_packet *p)
{
	if (!within(b, len, &p->primary) || p->primary.len == 0)
		random_fails++;
	for (int i = 0; i < p->nsec; i++)
		if (!within(b, len, &p->sec[i]))
			random_fails++;
}

static void test_malformed(void)
{
	static const struct {
		const char *what;
		uint8_t b[16];
		size_t len;
	} bad[] = {
	    {"empty", {0}, 0},
	    {"seq only", {0x00, 0x01}, 2},
	    {"primary length past the end", {0x00, 0x01, 0x05, 0x01, 0x02, 0x00, 0x00}, 7},
	    {"empty primary", {0x00, 0x01, 0x00, 0x00, 0x00}, 5},
	    {"no error-recovery octet", {0x00, 0x01, 0x01, 0x42}, 4},
	    {"no secondary count", {0x00, 0x01, 0x01, 0x42, 0x00}, 5},
	    {"secondary count past the end", {0x00, 0x01, 0x01, 0x42, 0x00, 0x03, 0x01, 0x11}, 8},
	    {"secondary length past the end", {0x00, 0x01, 0x01, 0x42, 0x00, 0x01, 0x09, 0x11}, 8},
	    {"empty secondary", {0x00, 0x01, 0x01, 0x42, 0x00, 0x01, 0x00}, 7},
	    {"fragmented length (11xxxxxx)", {0x00, 0x01, 0xc1, 0x42, 0x00, 0x00}, 6},
	    {"two-octet length cut", {0x00, 0x01, 0x81}, 3},
	    {"trailing octets", {0x00, 0x01, 0x01, 0x42, 0x00, 0x00, 0x77}, 7},
	    {"FEC without fec-npackets", {0x00, 0x01, 0x01, 0x42, 0x80}, 5},
	    {"FEC with empty fec-npackets", {0x00, 0x01, 0x01, 0x42, 0x80, 0x00, 0x00}, 7},
	    {"FEC: fec-npackets past the end", {0x00, 0x01, 0x01, 0x42, 0x80, 0x02, 0x03}, 7},
	    {"FEC: fec-npackets of 5 octets", {0x00, 0x01, 0x01, 0x42, 0x80, 0x05, 1, 2, 3, 4, 5, 0x00}, 12},
	    {"FEC: no entry count", {0x00, 0x01, 0x01, 0x42, 0x80, 0x01, 0x03}, 7},
	    {"FEC: entry count past the end", {0x00, 0x01, 0x01, 0x42, 0x80, 0x01, 0x03, 0x02, 0x01, 0x11}, 10},
	    {"FEC: entry length past the end", {0x00, 0x01, 0x01, 0x42, 0x80, 0x01, 0x03, 0x01, 0x05, 0x11, 0x12}, 11},
	    {"FEC: entry length cut (two-octet form)", {0x00, 0x01, 0x01, 0x42, 0x80, 0x01, 0x03, 0x01, 0x81}, 9},
	    {"FEC: trailing octets", {0x00, 0x01, 0x01, 0x42, 0x80, 0x01, 0x03, 0x01, 0x01, 0x11, 0x00}, 11},
	};
	struct udptl_packet p;
	struct udptl_rx rx;
	struct got g = {0};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* A heap copy of exactly len octets: ASan sees any overread. */
		uint8_t *copy = malloc(bad[i].len ? bad[i].len : 1);

		memcpy(copy, bad[i].b, bad[i].len);
		is_int(udptl_parse(copy, bad[i].len, &p), -EBADMSG, "malformed: %s", bad[i].what);
		free(copy);
	}
	udptl_rx_init(&rx);
	is_int(udptl_rx_packet(&rx, bad[2].b, bad[2].len, deliver, &g), -EBADMSG, "the receiver refuses one too");
	ok(rx.bad == 1 && g.n == 0 && !rx.started, "counted as bad, nothing delivered, no state taken from it");
	/* Random octets: never a crash, never a read past the end. */
	srand(1);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % 40);
		uint8_t *b = malloc(len ? len : 1);

		for (size_t k = 0; k < len; k++)
			b[k] = (uint8_t)(rand() % 4 == 0 ? rand() % 4 : rand());
		if (udptl_parse(b, len, &p) == 0)
			ok_ifp_in(b, len, &p);
		free(b);
	}
	is_int(random_fails, 0, "20000 random packets: every one parsed within its bounds or refused");
	/* An FEC entry longer than an IFP we carry: refused (repair works in IFP-sized buffers). */
	{
		size_t len = 10 + UDPTL_IFP_MAX + 1;
		uint8_t *b = calloc(1, len);
		static const uint8_t head[] = {0x00, 0x01, 0x01, 0x42, 0x80, 0x01, 0x03, 0x01};

		memcpy(b, head, sizeof(head));
		b[8] = (uint8_t)(0x80 | (UDPTL_IFP_MAX + 1) >> 8);
		b[9] = (uint8_t)(UDPTL_IFP_MAX + 1);
		is_int(udptl_parse(b, len, &p), -EBADMSG, "FEC: an entry of %d octets refused", UDPTL_IFP_MAX + 1);
		free(b);
	}
	/* Random FEC packets through a receiver: whatever they say, no
	 * overread (ASan), and every delivered IFP is within bounds. */
	udptl_rx_init(&rx);
	for (int i = 0; i < 5000; i++) {
		uint8_t *b = malloc(40);
		size_t len = 8 + (size_t)(rand() % 32);
		uint16_t seq = (uint16_t)(i + i / 3); /* a gap every third packet */

		b[0] = (uint8_t)(seq >> 8);
		b[1] = (uint8_t)seq;
		b[2] = 1;
		b[3] = (uint8_t)(rand() % 2 ? 0x06 : 0xc0);
		b[4] = 0x80;
		b[5] = 1;
		b[6] = (uint8_t)(rand() % 5);
		b[7] = (uint8_t)(rand() % 4);
		for (size_t k = 8; k < len; k++)
			b[k] = (uint8_t)(rand() % 3 == 0 ? rand() % 8 : rand());
		udptl_rx_packet(&rx, b, len, deliver, &g);
		free(b);
	}
	ok(rx.packets > 0, "5000 random FEC packets: no overread (%lu well-formed, %lu bad)", rx.packets, rx.bad);
	udptl_rx_free(&rx);
}

static void test_redundancy(void)
{
	struct udptl_tx tx;
	struct udptl_rx rx;
	struct got g = {0};
	uint8_t pkts[10][128];
	int lens[10];

	udptl_tx_init(&tx, 3, 0);
	for (int i = 0; i < 10; i++) {
		uint8_t ifp[4] = {(uint8_t)(0x10 + i), 1, 2, 3};

		lens[i] = udptl_tx_packet(&tx, ifp, 1 + (size_t)(i % 4), pkts[i], sizeof(pkts[i]));
	}
	ok(lens[0] > 0 && lens[9] > 0, "ten packets built");
	{
		struct udptl_packet p;

		is_int(udptl_parse(pkts[0], (size_t)lens[0], &p), 0, "the first parses");
		is_int(p.nsec, 0, "the first has no secondaries (nothing sent before)");
		is_int(udptl_parse(pkts[5], (size_t)lens[5], &p), 0, "the sixth parses");
		ok(p.seq == 5 && p.nsec == 3 && p.sec[0].data[0] == 0x14 && p.sec[2].data[0] == 0x12,
		   "the sixth repeats the 5th, 4th and 3rd");
	}
	udptl_rx_init(&rx);
	/* 0, 1 arrive; 2 and 3 are lost; 4 recovers them; 5 lost; 6 .. 9 lost but 9 (3 back: 8, 7, 6). */
	udptl_rx_packet(&rx, pkts[0], (size_t)lens[0], deliver, &g);
	udptl_rx_packet(&rx, pkts[1], (size_t)lens[1], deliver, &g);
	udptl_rx_packet(&rx, pkts[4], (size_t)lens[4], deliver, &g);
	udptl_rx_packet(&rx, pkts[3], (size_t)lens[3], deliver, &g); /* late: already recovered */
	udptl_rx_packet(&rx, pkts[9], (size_t)lens[9], deliver, &g);
	is_int(g.n, 9, "nine IFPs delivered: 0 1 (2 3) 4 (6 7 8) 9");
	{
		static const uint16_t want[] = {0, 1, 2, 3, 4, 6, 7, 8, 9};
		int same = g.n == 9;

		for (int i = 0; same && i < 9; i++)
			same = g.seq[i] == want[i] && g.first[i] == 0x10 + want[i] &&
			       g.len[i] == 1 + (size_t)(want[i] % 4);
		ok(same, "in order, each the IFP that was sent with that number");
	}
	ok(rx.recovered == 5 && rx.lost == 1 && rx.dups == 1, "5 recovered, 1 lost (5), 1 late duplicate dropped");
	is_int(udptl_rx_packet(&rx, pkts[9], (size_t)lens[9], deliver, &g), 0, "a repeat of the last");
	is_int(g.n, 9, "delivers nothing");

	/* Datagram limit: secondaries give way. */
	udptl_tx_init(&tx, 4, 24);
	for (int i = 0; i < 5; i++) {
		uint8_t ifp[8];

		memset(ifp, i, sizeof(ifp));
		lens[i] = udptl_tx_packet(&tx, ifp, sizeof(ifp), pkts[i], sizeof(pkts[i]));
	}
	ok(lens[4] > 0 && lens[4] <= 24, "with T38FaxMaxDatagram 24 the packet stays within 24 octets (%d)", lens[4]);
	{
		struct udptl_packet p;

		ok(udptl_parse(pkts[4], (size_t)lens[4], &p) == 0 && p.nsec == 1, "one secondary fits, not four");
	}
	udptl_rx_free(&rx);
}

/* --- FEC ---------------------------------------------------------------- */

/* IFPs by sequence number (the test's sender's history). */
static struct udptl_ifp sent[128];

/* A hand-built FEC packet: seq, its primary sent[seq], fec-npackets span
 * (one octet), n entries, entry m the XOR of sent[seq + m - span * n +
 * j * n] padded to the longest (T.38 9.1). One-octet lengths only. */
static size_t fec_pkt(uint8_t *out, uint16_t seq, unsigned span, int n)
{
	size_t pos = 0;

	out[pos++] = (uint8_t)(seq >> 8);
	out[pos++] = (uint8_t)seq;
	out[pos++] = (uint8_t)sent[seq].len;
	memcpy(out + pos, sent[seq].data, sent[seq].len);
	pos += sent[seq].len;
	out[pos++] = 0x80; /* error-recovery: fec-info */
	out[pos++] = 1;    /* fec-npackets: one octet */
	out[pos++] = (uint8_t)span;
	out[pos++] = (uint8_t)n;
	for (int m = 0; m < n; m++) {
		uint8_t x[128] = {0};
		size_t longest = 0;

		for (unsigned j = 0; j < span; j++) {
			const struct udptl_ifp *k = &sent[seq + m - span * (unsigned)n + j * (unsigned)n];

			for (size_t i = 0; i < k->len; i++)
				x[i] ^= k->data[i];
			if (k->len > longest)
				longest = k->len;
		}
		out[pos++] = (uint8_t)longest;
		memcpy(out + pos, x, longest);
		pos += longest;
	}
	return pos;
}

static void rx_fec(struct udptl_rx *rx, uint16_t seq, unsigned span, int n, struct got *g)
{
	uint8_t pkt[600];
	size_t len = fec_pkt(pkt, seq, span, n);
	uint8_t *copy = malloc(len); /* exactly len octets: ASan sees an overread */

	memcpy(copy, pkt, len);
	is_int(udptl_rx_packet(rx, copy, len, deliver, g), 0, "FEC packet %u accepted", seq);
	free(copy);
}

static int got_ifp(const struct got *g, int i, uint16_t seq)
{
	return g->n > i && g->seq[i] == seq && g->len[i] == sent[seq].len && g->first[i] == sent[seq].data[0];
}

/* Real IFP shapes (T.38 clause 7), so a repaired one's length is read
 * from its encoding: version 0 data (V.21 HDLC, 1 field of 3 octets), an
 * indicator (1 octet), data with two fields. */
static const uint8_t ifp_hdlc[] = {0xc0, 0x01, 0x80, 0x00, 0x02, 0xaa, 0xbb, 0xcc};
static const uint8_t ifp_ind[] = {0x06};
static const uint8_t ifp_two[] = {0xc0, 0x02, 0x80, 0x00, 0x00, 0x55, 0x80, 0x00, 0x01, 0x66, 0x77};
static const uint8_t ifp_fcs[] = {0xc0, 0x02, 0x90, 0x00, 0x00, 0x11, 0x20};

static void test_ifp_len(void)
{
	/* version 0: a field without data is half an octet */
	static const uint8_t v0_halves[] = {0xc0, 0x03, 0x28, 0x00, 0x00, 0x42, 0x30};
	static const uint8_t v3_fields[] = {0xc0, 0x02, 0x80, 0x00, 0x00, 0x42, 0x18};
	uint8_t padded[16] = {0};

	is_int((int)udptl_ifp_len(ifp_ind, sizeof(ifp_ind), 0), 1, "IFP length: an indicator, 1");
	is_int((int)udptl_ifp_len((const uint8_t *)"\x20\x40", 2, 3), 2, "an extended indicator, 2");
	is_int((int)udptl_ifp_len(ifp_hdlc, sizeof(ifp_hdlc), 0), 8, "data, one field of 3 octets: 8");
	is_int((int)udptl_ifp_len(ifp_two, sizeof(ifp_two), 0), 11, "two fields: 11");
	is_int((int)udptl_ifp_len(ifp_fcs, sizeof(ifp_fcs), 0), 7, "a field, then a half-octet one (version 0): 7");
	is_int((int)udptl_ifp_len(v0_halves, sizeof(v0_halves), 0), 7, "half, half with data, half (version 0): 7");
	is_int((int)udptl_ifp_len(v3_fields, sizeof(v3_fields), 3), 7, "version 3: whole octets: 7");
	memcpy(padded, ifp_hdlc, sizeof(ifp_hdlc));
	is_int((int)udptl_ifp_len(padded, sizeof(padded), 0), 8, "padded with zeros: still 8");
	is_int((int)udptl_ifp_len(ifp_hdlc, 6, 0), 0, "cut short: 0");
	is_int((int)udptl_ifp_len(ifp_two, 3, 0), 0, "a field's length cut: 0");
	is_int((int)udptl_ifp_len((const uint8_t *)"\x20", 1, 3), 0, "an extended indicator cut: 0");
}

static void test_fec(void)
{
	struct udptl_rx rx;
	struct got g = {0};

	/* 10, 11, 13: 12 lost; 13's entry (span 3, 1 entry) is 10 ^ 11 ^ 12. */
	sent[10] = (struct udptl_ifp){ifp_two, sizeof(ifp_two)};
	sent[11] = (struct udptl_ifp){ifp_ind, sizeof(ifp_ind)};
	sent[12] = (struct udptl_ifp){ifp_hdlc, sizeof(ifp_hdlc)}; /* shorter than 10: its length from its encoding */
	sent[13] = (struct udptl_ifp){ifp_ind, sizeof(ifp_ind)};
	udptl_rx_init(&rx);
	rx_fec(&rx, 10, 3, 1, &g); /* its entry covers 7 .. 9, never received: nothing to do */
	rx_fec(&rx, 11, 3, 1, &g);
	rx_fec(&rx, 13, 3, 1, &g);
	is_int(g.n, 4, "FEC: 4 IFPs delivered (10, 11, 12 repaired, 13)");
	ok(got_ifp(&g, 0, 10) && got_ifp(&g, 1, 11) && got_ifp(&g, 2, 12) && got_ifp(&g, 3, 13),
	   "in order, each with its own sequence number and length (12: %zu octets)", g.len[2]);
	ok(rx.recovered == 1 && rx.lost == 0, "counted recovered (%lu), none lost", rx.recovered);

	/* The lost one is the longest of its set: the entry's length is its. */
	sent[14] = (struct udptl_ifp){ifp_ind, sizeof(ifp_ind)};
	sent[15] = (struct udptl_ifp){ifp_two, sizeof(ifp_two)};
	sent[16] = (struct udptl_ifp){ifp_fcs, sizeof(ifp_fcs)};
	g.n = 0;
	rx_fec(&rx, 14, 3, 1, &g);
	rx_fec(&rx, 16, 3, 1, &g); /* 13, 14, 15 */
	ok(g.n == 3 && got_ifp(&g, 1, 15), "the longest of its set repaired");
	is_int((int)g.len[1], (int)sizeof(ifp_two), "with the entry's length");

	/* Two lost in one set: neither repaired, both counted lost. */
	for (int s = 20; s < 24; s++)
		sent[s] = (struct udptl_ifp){ifp_hdlc, sizeof(ifp_hdlc)};
	udptl_rx_free(&rx);
	udptl_rx_init(&rx);
	g.n = 0;
	rx_fec(&rx, 20, 3, 1, &g);
	rx_fec(&rx, 23, 3, 1, &g); /* 21 and 22 lost: 23's entry is 20 ^ 21 ^ 22 */
	ok(g.n == 2 && g.seq[0] == 20 && g.seq[1] == 23, "two lost in one set: only 20 and 23 delivered");
	ok(rx.lost == 2 && rx.recovered == 0, "both counted lost (%lu), none recovered", rx.lost);
	udptl_rx_free(&rx);

	/* Interleaved: span 2, 2 entries; 35's entries are 31 ^ 33 and 32 ^ 34.
	 * 33 and 34 lost, each in its own set: both repaired. */
	for (int s = 30; s < 36; s++)
		sent[s] = (struct udptl_ifp){s % 2 ? ifp_two : ifp_hdlc, s % 2 ? sizeof(ifp_two) : sizeof(ifp_hdlc)};
	sent[33] = (struct udptl_ifp){ifp_ind, sizeof(ifp_ind)};
	udptl_rx_init(&rx);
	g.n = 0;
	for (int s = 30; s < 33; s++)
		rx_fec(&rx, (uint16_t)s, 2, 2, &g);
	rx_fec(&rx, 35, 2, 2, &g);
	ok(g.n == 6 && got_ifp(&g, 3, 33) && got_ifp(&g, 4, 34) && got_ifp(&g, 5, 35),
	   "interleaved sets: 33 and 34 repaired from 35's two entries");
	ok(rx.recovered == 2 && rx.lost == 0, "2 recovered, none lost");
	udptl_rx_free(&rx);

	/* An entry that lies (shorter than a member it claims): not used. */
	{
		static const uint8_t lie[] = {0x00, 0x03, 0x01, 0x06, 0x80, 0x01, 0x02, 0x01, 0x01, 0x99};
		static const uint8_t p0[] = {0x00, 0x00, 0x08, 0xc0, 0x01, 0x80, 0x00,
					     0x02, 0xaa, 0xbb, 0xcc, 0x00, 0x00};
		static const uint8_t p1[] = {0x00, 0x01, 0x08, 0xc0, 0x01, 0x80, 0x00,
					     0x02, 0xaa, 0xbb, 0xcc, 0x00, 0x00};

		udptl_rx_init(&rx);
		g.n = 0;
		udptl_rx_packet(&rx, p0, sizeof(p0), deliver, &g);
		udptl_rx_packet(&rx, p1, sizeof(p1), deliver, &g);
		is_int(udptl_rx_packet(&rx, lie, sizeof(lie), deliver, &g), 0, "an FEC entry shorter than its set");
		ok(g.n == 3 && rx.lost == 1 && rx.recovered == 0,
		   "an entry shorter than a member of its set: 2 not repaired, counted lost");
		udptl_rx_free(&rx);
	}
	/* A huge fec-npackets (4 octets): read, not used; no overflow. */
	{
		static const uint8_t huge[] = {0x00, 0x09, 0x01, 0x06, 0x80, 0x04, 0xff,
					       0xff, 0xff, 0xff, 0x01, 0x01, 0x06};
		struct udptl_packet p;

		ok(udptl_parse(huge, sizeof(huge), &p) == 0 && p.fec_span == 0xffffffffu && p.nfec == 1,
		   "fec-npackets of 4 octets read");
		udptl_rx_init(&rx);
		g.n = 0;
		udptl_rx_packet(&rx, (const uint8_t *)"\x00\x05\x01\x06\x00\x00", 6, deliver, &g);
		udptl_rx_packet(&rx, huge, sizeof(huge), deliver, &g);
		ok(g.n == 2 && rx.lost == 3, "a span beyond what is kept repairs nothing (3 lost)");
		udptl_rx_free(&rx);
	}
}

/* --- FEC sent ------------------------------------------------------------ */

/* A random IFP of a real shape (T.38 clause 7, version 0): an indicator,
 * or data with one field of 1 to 120 octets (so a repaired IFP's length
 * is read from its encoding when it is not the longest of its set). */
static size_t random_ifp(uint8_t *b)
{
	size_t n;

	if (rand() % 4 == 0) {
		b[0] = (uint8_t)(2 * (rand() % 8)); /* an indicator */
		return 1;
	}
	n = 1 + (size_t)(rand() % 120);
	b[0] = 0xc0;
	b[1] = 0x01;
	b[2] = 0x80;
	b[3] = (uint8_t)((n - 1) >> 8);
	b[4] = (uint8_t)(n - 1);
	for (size_t i = 0; i < n; i++)
		b[5 + i] = (uint8_t)rand();
	return 5 + n;
}

#define NFEC 4000

static uint8_t fifp[NFEC][128];
static size_t fifp_len[NFEC];

/* What the receiver delivered, checked against what was sent. */
struct fgot {
	int n, wrong, order;
	long last;
	uint8_t got[NFEC];
};

static void fdeliver(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct fgot *g = arg;

	g->n++;
	if ((long)seq <= g->last)
		g->order++;
	g->last = seq;
	if (seq >= NFEC || len != fifp_len[seq] || memcmp(ifp, fifp[seq], len) != 0)
		g->wrong++;
	else
		g->got[seq] = 1;
}

/* The entries of a packet we built, against T.38 9.1's formula worked
 * out here from what was sent: 0 when every entry matches. */
static int entries_wrong(const struct udptl_packet *p)
{
	for (int m = 0; m < p->nfec; m++) {
		uint8_t x[128] = {0};
		size_t longest = 0;

		for (unsigned j = 0; j < p->fec_span; j++) {
			long k = (long)p->seq + m - (long)p->fec_span * p->nfec + (long)j * p->nfec;

			if (k < 0)
				return 1; /* a set reaching before the first IFP */
			for (size_t i = 0; i < fifp_len[k]; i++)
				x[i] ^= fifp[k][i];
			if (fifp_len[k] > longest)
				longest = fifp_len[k];
		}
		if (p->fec_data[m].len != longest || memcmp(p->fec_data[m].data, x, longest) != 0)
			return 1;
	}
	return 0;
}

/* NFEC IFPs through our FEC sender (span 3, 3 entries; max_datagram) and
 * our receiver; lose[k]: packet k is lost. Returns the receiver's counts
 * in *rx (freed). */
static void fec_round(const uint8_t *lose, size_t max_datagram, struct fgot *g, struct udptl_rx *rx, int *bad_entries,
		      int *shapes)
{
	struct udptl_tx tx;
	uint8_t pkt[UDPTL_DATAGRAM_MAX];

	udptl_tx_init(&tx, 3, max_datagram);
	udptl_tx_fec(&tx, 3, 3);
	udptl_rx_init(rx);
	memset(g, 0, sizeof(*g));
	g->last = -1;
	*bad_entries = 0;
	for (int k = 0; k < NFEC; k++) {
		int n = udptl_tx_packet(&tx, fifp[k], fifp_len[k], pkt, sizeof(pkt));
		struct udptl_packet p;

		if (n < 0 || udptl_parse(pkt, (size_t)n, &p) < 0 || !p.fec || p.seq != k || entries_wrong(&p)) {
			(*bad_entries)++;
			continue;
		}
		if (k < 10)
			shapes[k] = (int)p.fec_span * 10 + p.nfec;
		if (!lose[k]) {
			uint8_t *copy = malloc((size_t)n); /* exactly n octets: ASan sees an overread */

			memcpy(copy, pkt, (size_t)n);
			udptl_rx_packet(rx, copy, (size_t)n, fdeliver, g);
			free(copy);
		}
	}
	udptl_tx_free(&tx);
	udptl_rx_free(rx);
}

static void test_fec_tx(void)
{
	static uint8_t lose[NFEC];
	struct udptl_rx rx;
	struct fgot g;
	int bad, shapes[10], isolated = 0, isolated_ok = 0, lost = 0;

	srand(7);
	for (int k = 0; k < NFEC; k++)
		fifp_len[k] = random_ifp(fifp[k]);
	/* No loss: every packet's entries are the formula's; the first ones
	 * reach no further back than the first IFP. */
	fec_round(lose, 0, &g, &rx, &bad, shapes);
	is_int(bad, 0, "FEC sent: %d packets built, each parses as FEC with the entries T.38 9.1 says", NFEC);
	ok(shapes[0] == 30 && shapes[1] == 11 && shapes[2] == 12 && shapes[3] == 13 && shapes[5] == 13 &&
	       shapes[6] == 23 && shapes[9] == 33,
	   "the first packets' sets grow with what was sent: (span, entries) (3,0) (1,1) (1,2) (1,3) .. (2,3) .. "
	   "(3,3)");
	ok(g.n == NFEC && g.wrong == 0 && rx.fec == NFEC && rx.lost == 0, "all delivered, none lost, %lu FEC packets",
	   rx.fec);

	/* Random losses (1 in 12): every IFP delivered is the one sent, in
	 * order; every loss alone in its sets (no other within 9 before, and
	 * the next packet arrives) is repaired. */
	for (int k = 0; k < NFEC; k++)
		lose[k] = k > 0 && rand() % 12 == 0;
	fec_round(lose, 0, &g, &rx, &bad, shapes);
	for (int k = 0; k < NFEC; k++) {
		int alone = lose[k] && k + 1 < NFEC && !lose[k + 1];

		lost += lose[k];
		for (int d = 1; alone && d <= 9 && k - d >= 0; d++)
			alone = !lose[k - d];
		isolated += alone;
		isolated_ok += alone && g.got[k];
	}
	ok(bad == 0 && g.wrong == 0 && g.order == 0, "random losses: every IFP delivered is the one sent, in order");
	ok(isolated > 50 && isolated_ok == isolated, "every lone loss repaired from FEC: %d of %d (of %d lost)",
	   isolated_ok, isolated, lost);
	is_int((int)(rx.recovered + rx.lost), lost, "each loss counted recovered (%lu) or lost (%lu)", rx.recovered,
	       rx.lost);
	is_int(g.n, NFEC - (int)rx.lost, "and delivered once");

	/* Bursts of 3 (as many as the entries): repaired; of 4: the first
	 * and last share a set, and go. */
	memset(lose, 0, sizeof(lose));
	for (int k = 100; k + 4 < NFEC; k += 20)
		lose[k] = lose[k + 1] = lose[k + 2] = 1;
	fec_round(lose, 0, &g, &rx, &bad, shapes);
	ok(g.wrong == 0 && rx.lost == 0 && g.n == NFEC, "bursts of 3 lost: all repaired (%lu)", rx.recovered);
	memset(lose, 0, sizeof(lose));
	lose[200] = lose[201] = lose[202] = lose[203] = 1;
	fec_round(lose, 0, &g, &rx, &bad, shapes);
	ok(g.wrong == 0 && rx.lost == 2 && rx.recovered == 2 && !g.got[200] && g.got[201] && g.got[202] && !g.got[203],
	   "a burst of 4: 201 and 202 repaired, 200 and 203 (one set) lost");

	/* A small datagram limit: fewer entries, still right, still repairing. */
	memset(lose, 0, sizeof(lose));
	for (int k = 50; k < NFEC; k += 10)
		lose[k] = 1;
	fec_round(lose, 160, &g, &rx, &bad, shapes);
	ok(bad == 0 && g.wrong == 0, "T38FaxMaxDatagram 160: every packet within it has the formula's entries");
	ok(rx.recovered > 0 && g.order == 0, "and losses are still repaired (%lu of %d; %lu lost)", rx.recovered,
	   (NFEC - 50) / 10, rx.lost);
	{
		struct udptl_tx tx;
		uint8_t pkt[UDPTL_DATAGRAM_MAX];
		int n = 0, most = 0;

		udptl_tx_init(&tx, 0, 160);
		udptl_tx_fec(&tx, 3, 3);
		for (int k = 0; k < 200 && n >= 0; k++)
			if ((n = udptl_tx_packet(&tx, fifp[k], fifp_len[k], pkt, sizeof(pkt))) > most)
				most = n;
		ok(n > 0 && most <= 160, "the largest packet is %d octets", most);
		udptl_tx_free(&tx);
	}
	/* Parameters out of range refused. */
	{
		struct udptl_tx tx;

		udptl_tx_init(&tx, 3, 0);
		ok(udptl_tx_fec(&tx, 0, 3) == -EINVAL && udptl_tx_fec(&tx, 3, 0) == -EINVAL &&
		       udptl_tx_fec(&tx, 3, UDPTL_FEC_MAX + 1) == -EINVAL && udptl_tx_fec(&tx, 8, 4) == -EINVAL,
		   "FEC: a span or entry count of 0, more than %d entries, 32 IFPs in the sets: refused",
		   UDPTL_FEC_MAX);
		is_int(udptl_tx_fec(&tx, 1, 1), 0, "span 1, 1 entry (a copy of the last IFP) taken");
	}
	/* The wire form, by hand: seq 5, primary 0x42, fec-npackets 3, two entries. */
	{
		static const uint8_t want[] = {0x00, 0x05, 0x01, 0x42, 0x80, 0x01, 0x03, 0x02, 0x02, 0x11, 0x22, 0x00};
		struct udptl_ifp e[2] = {{(const uint8_t *)"\x11\x22", 2}, {NULL, 0}};
		uint8_t out[32];
		int n = udptl_build_fec(5, &(struct udptl_ifp){(const uint8_t *)"\x42", 1}, 3, e, 2, out, sizeof(out));

		ok(n == (int)sizeof(want) && memcmp(out, want, sizeof(want)) == 0,
		   "fec-info: CHOICE bit, fec-npackets (length 1, 3), 2 entries, the second empty");
		is_int(udptl_build_fec(5, &(struct udptl_ifp){(const uint8_t *)"\x42", 1}, 3, e, 2, out, 11), -ENOSPC,
		       "one octet short: -ENOSPC");
	}
}

static void test_seq(void)
{
	struct udptl_tx tx;
	struct udptl_rx rx;
	struct got g = {0};
	uint8_t pkt[64];
	int n;

	udptl_tx_init(&tx, 2, 0);
	tx.seq = 65534;
	udptl_rx_init(&rx);
	for (int i = 0; i < 4; i++) {
		uint8_t ifp = (uint8_t)i;

		n = udptl_tx_packet(&tx, &ifp, 1, pkt, sizeof(pkt));
		if (i != 1) /* 65535 is lost, recovered across the wrap */
			udptl_rx_packet(&rx, pkt, (size_t)n, deliver, &g);
	}
	ok(g.n == 4 && g.seq[0] == 65534 && g.seq[1] == 65535 && g.seq[2] == 0 && g.seq[3] == 1,
	   "the sequence wraps 65534, 65535 (recovered), 0, 1");
	/* A jump far ahead: the far end restarted; take it, count it. */
	tx.seq = 30000;
	n = udptl_tx_packet(&tx, (const uint8_t *)"\x09", 1, pkt, sizeof(pkt));
	udptl_rx_packet(&rx, pkt, (size_t)n, deliver, &g);
	ok(g.n == 5 && g.seq[4] == 30000 && rx.resyncs == 1 && rx.lost == 0, "a jump: resync, no phantom losses");
	udptl_rx_free(&rx);
}

int main(void)
{
	test_wire();
	test_malformed();
	test_redundancy();
	test_ifp_len();
	test_fec();
	test_fec_tx();
	test_seq();
	return tap_done();
}
