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
#include "tests/pcap_raw.h"

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

static void pcap_packet(const uint8_t *udp, size_t len, int back)
{
	/* the receiver's end is 5000, the sender's 4000 */
	pcap_raw_udp(out, udp, len, NULL, 0, back, back ? 5000 : 4000, back ? 4000 : 5000, (unsigned)npackets,
		     (uint64_t)step * 20000 + npackets % 1000);
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
	unsigned long after = 0;

	if (argc != 4 || !(out = pcap_raw_open(argv[1]))) {
		fprintf(stderr, "usage: udptl_pcap OUT.pcap PAGE.tif RXFILE\n");
		return 2;
	}
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
