/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fax over our UDPTL with FEC, written to a pcap for udptl_tshark.sh
 * (tshark decodes it independently): two SpanDSP T.38 terminals, one
 * sending PAGE, one receiving into RXFILE, in simulated time (20 ms
 * steps), each sending its IFPs with gateway/udptl.c's FEC (3 entries over
 * 3 IFPs) and receiving with our receiver; one datagram in 9 is lost on
 * the way (it is in the pcap, not delivered). Every datagram is a raw
 * IPv4/UDP frame, 192.0.2.1:4000 (sender) <-> 192.0.2.2:5000 (receiver).
 * Prints "result=OK pages=N packets=N fec=N dropped=N recovered=N lost=N"
 * and exits 0 when both ends' T.30 ended OK.
 *
 * usage: udptl_pcap OUT.pcap PAGE.tif RXFILE */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "gateway/udptl.h"

#define STEPS (150 * 50) /* 150 s */
#define QMAX  64
#define DROP  9

struct end {
	t38_terminal_state_t *term;
	struct udptl_tx tx;
	struct udptl_rx rx;
	int back; /* the receiver's end: its packets go 5000 -> 4000 */
	int done, status, pages;
};

/* Datagrams sent in a step, delivered after it (t38_core must not be
 * re-entered from its own send callback). */
static struct {
	int to_back;
	size_t len;
	uint8_t buf[UDPTL_DATAGRAM_MAX];
} q[QMAX];
static int nq;
static FILE *out;
static unsigned long step, npackets, nfec, ndropped;

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* pcap headers are in the writer's byte order */
}

static void put16be(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void pcap_packet(const uint8_t *udp, size_t len, int back)
{
	uint8_t pkt[28 + UDPTL_DATAGRAM_MAX], rec[16];
	size_t n = 28 + len;
	uint32_t sum = 0, us = (uint32_t)(step * 20000 + npackets % 1000);

	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	put16be(pkt + 2, (unsigned)n);
	put16be(pkt + 4, (unsigned)npackets);
	pkt[8] = 64;
	pkt[9] = 17;
	memcpy(pkt + 12, back ? "\xc0\x00\x02\x02" : "\xc0\x00\x02\x01", 4);
	memcpy(pkt + 16, back ? "\xc0\x00\x02\x01" : "\xc0\x00\x02\x02", 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16be(pkt + 10, ~sum & 0xffff);
	put16be(pkt + 20, back ? 5000 : 4000);
	put16be(pkt + 22, back ? 4000 : 5000);
	put16be(pkt + 24, (unsigned)(n - 20)); /* UDP checksum 0: none (IPv4) */
	memcpy(pkt + 28, udp, len);
	put32(rec, 1700000000u + us / 1000000);
	put32(rec + 4, us % 1000000);
	put32(rec + 8, (uint32_t)n);
	put32(rec + 12, (uint32_t)n);
	fwrite(rec, 1, 16, out);
	fwrite(pkt, 1, n, out);
}

static int on_ifp(t38_core_state_t *s, void *user, const uint8_t *buf, int len, int count)
{
	struct end *e = user;
	int n;

	(void)s;
	(void)count; /* one copy: the repeats would only hide the losses */
	if (nq == QMAX || (n = udptl_tx_packet(&e->tx, buf, (size_t)len, q[nq].buf, sizeof(q[nq].buf))) < 0)
		return 0;
	q[nq].to_back = !e->back;
	q[nq].len = (size_t)n;
	nq++;
	return 0;
}

static void on_rx_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct end *e = arg;

	t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(e->term), ifp, (int)len, seq);
}

static void phase_e(t30_state_t *t, void *user, int completion)
{
	struct end *e = user;
	t30_stats_t st;

	t30_get_transfer_statistics(t, &st);
	e->done = 1;
	e->status = completion;
	e->pages = st.pages_rx > st.pages_tx ? st.pages_rx : st.pages_tx;
}

static int end_init(struct end *e, int calling, const char *file)
{
	t30_state_t *t;

	udptl_tx_init(&e->tx, 0, 0);
	if (udptl_tx_fec(&e->tx, 3, 3) < 0)
		return -1;
	udptl_rx_init(&e->rx);
	if (!(e->term = t38_terminal_init(NULL, calling, on_ifp, e)))
		return -1;
	t = t38_terminal_get_t30_state(e->term);
	t30_set_tx_ident(t, calling ? "UDPTL SEND" : "UDPTL RECV");
	t30_set_supported_modems(t, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t30_set_ecm_capability(t, 1);
	t30_set_supported_compressions(t, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION |
					      T30_SUPPORT_T6_COMPRESSION);
	t30_set_phase_e_handler(t, phase_e, e);
	if (calling)
		t30_set_tx_file(t, file, -1, -1);
	else
		t30_set_rx_file(t, file, -1);
	return 0;
}

int main(int argc, char **argv)
{
	struct end a = {0}, b = {.back = 1};
	uint8_t hdr[24];
	unsigned long after = 0;

	if (argc != 4 || !(out = fopen(argv[1], "wb"))) {
		fprintf(stderr, "usage: udptl_pcap OUT.pcap PAGE.tif RXFILE\n");
		return 2;
	}
	put32(hdr, 0xa1b2c3d4);
	memcpy(hdr + 4, (const uint16_t[]){2, 4}, 4);
	put32(hdr + 8, 0);
	put32(hdr + 12, 0);
	put32(hdr + 16, 65535);
	put32(hdr + 20, 101); /* LINKTYPE_RAW: IPv4 */
	fwrite(hdr, 1, 24, out);
	if (end_init(&a, 1, argv[2]) < 0 || end_init(&b, 0, argv[3]) < 0) {
		fprintf(stderr, "udptl_pcap: cannot set up the terminals\n");
		return 1;
	}
	for (step = 0; step < STEPS && !(a.done && b.done && ++after > 25); step++) {
		t38_terminal_send_timeout(a.term, 160);
		t38_terminal_send_timeout(b.term, 160);
		for (int i = 0; i < nq; i++) {
			struct udptl_packet p;
			struct end *to = q[i].to_back ? &b : &a;

			if (udptl_parse(q[i].buf, q[i].len, &p) == 0 && p.fec)
				nfec++;
			pcap_packet(q[i].buf, q[i].len, !q[i].to_back);
			if (++npackets % DROP == 0) {
				ndropped++; /* lost on the way */
				continue;
			}
			udptl_rx_packet(&to->rx, q[i].buf, q[i].len, on_rx_ifp, to);
		}
		nq = 0;
	}
	fclose(out);
	printf("result=%s pages=%d packets=%lu fec=%lu dropped=%lu recovered=%lu lost=%lu\n",
	       a.done && b.done && a.status == T30_ERR_OK && b.status == T30_ERR_OK ? "OK" : "FAILED", b.pages,
	       npackets, nfec, ndropped, a.rx.recovered + b.rx.recovered, a.rx.lost + b.rx.lost);
	t38_terminal_free(a.term);
	t38_terminal_free(b.term);
	udptl_tx_free(&a.tx);
	udptl_tx_free(&b.tx);
	udptl_rx_free(&a.rx);
	udptl_rx_free(&b.rx);
	return a.done && b.done && a.status == T30_ERR_OK && b.status == T30_ERR_OK ? 0 : 1;
}
