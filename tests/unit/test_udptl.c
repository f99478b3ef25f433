/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDPTL (T.38 9.1): packets built and parsed, redundancy recovering lost
 * packets, sequence wrap, duplicates, jumps, and malformed packets refused
 * without reading past the end (the suite runs this under ASan). */
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
}

int main(void)
{
	test_wire();
	test_malformed();
	test_redundancy();
	test_seq();
	return tap_done();
}
