/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The media half of the SIP side's fax machine for tests/integration/fax_t38.sh (tests/lib/fax_peer.py does
 * the SIP): an answering SpanDSP fax terminal that receives into a TIFF file, either
 *   t38:    a T.38 terminal (t38_terminal) over our UDPTL (gateway/udptl.c), clocked every 20 ms, or
 *   g711:   a fax terminal (fax_state) on A-law RTP, answering each 20 ms packet that arrives with one;
 *   g711tx: the same, but the calling party (CNG first) sending the TIFF file FILE.
 * Options after the arguments: "fec" (t38: send UDPTL FEC, 3 entries over 3 IFPs, rather than redundancy),
 * "drop=N" (t38: one UDPTL datagram in N lost each way, on purpose).
 * Runs until T.30 ends (then 500 ms more, for its last packets) or the timeout, and prints
 * "result=TEXT status=N pages=N elapsed_ms=N udptl_rx=N udptl_tx=N recovered=N lost=N bad=N fec_rx=N
 * dropped=N rtp_rx=N" (fec_rx: FEC packets received; dropped: datagrams lost on purpose, both ways).
 *
 * usage: t38_peer t38|g711|g711tx LOCAL_IP LOCAL_PORT REMOTE_IP REMOTE_PORT FILE TIMEOUT_S [fec] [drop=N] */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spandsp.h>

#include "gateway/rtp.h"
#include "gateway/udptl.h"

struct peer {
	int fd, t38;
	struct sockaddr_in remote;
	t38_terminal_state_t *term;
	fax_state_t *fax;
	struct udptl_tx tx;
	struct udptl_rx rx;
	unsigned long udptl_tx, rtp_rx, sent, received, dropped;
	int drop; /* one datagram in drop lost each way (0: none) */
	uint16_t seq;
	uint32_t ts;
	int done, status, pages;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_ifp(t38_core_state_t *s, void *user, const uint8_t *buf, int len, int count)
{
	struct peer *p = user;
	uint8_t pkt[UDPTL_DATAGRAM_MAX];
	int n = udptl_tx_packet(&p->tx, buf, (size_t)len, pkt, sizeof(pkt));

	(void)s;
	for (int i = 0; n > 0 && i < (count < 1 ? 1 : count > 3 ? 3 : count); i++) {
		if (p->drop && ++p->sent % (unsigned long)p->drop == 0) {
			p->dropped++;
			continue;
		}
		if (sendto(p->fd, pkt, (size_t)n, 0, (struct sockaddr *)&p->remote, sizeof(p->remote)) == n)
			p->udptl_tx++;
	}
	return 0;
}

static void on_rx_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct peer *p = arg;

	t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(p->term), ifp, (int)len, seq);
}

static void phase_e(t30_state_t *t, void *user, int completion)
{
	struct peer *p = user;
	t30_stats_t st;

	t30_get_transfer_statistics(t, &st);
	p->done = 1;
	p->status = completion;
	p->pages = st.pages_rx > st.pages_tx ? st.pages_rx : st.pages_tx;
}

static void rtp_in(struct peer *p, const uint8_t *buf, size_t n)
{
	struct rtp_header h;
	const uint8_t *pl;
	size_t plen;
	int16_t pcm[RTP_FRAME];
	uint8_t out[RTP_FRAME], pkt[RTP_MAX_PACKET];
	int got;

	if (rtp_parse(buf, n, &h, &pl, &plen) < 0 || plen > RTP_FRAME || (h.pt != RTP_PT_PCMA && h.pt != RTP_PT_PCMU))
		return;
	p->rtp_rx++;
	for (size_t i = 0; i < plen; i++)
		pcm[i] = h.pt == RTP_PT_PCMA ? alaw_to_linear(pl[i]) : ulaw_to_linear(pl[i]);
	fax_rx(p->fax, pcm, (int)plen);
	/* one packet back for each one in: the far end's clock is ours */
	got = fax_tx(p->fax, pcm, RTP_FRAME);
	for (int i = 0; i < RTP_FRAME; i++)
		out[i] = linear_to_alaw(i < got ? pcm[i] : 0);
	{
		struct rtp_header o = {.pt = RTP_PT_PCMA, .seq = p->seq++, .ts = p->ts, .ssrc = 0x7438};
		size_t len;

		p->ts += RTP_FRAME;
		if (rtp_pack(&o, out, RTP_FRAME, pkt, sizeof(pkt), &len) == 0 &&
		    sendto(p->fd, pkt, len, 0, (struct sockaddr *)&p->remote, sizeof(p->remote)) < 0)
			perror("t38_peer: sendto");
	}
}

int main(int argc, char **argv)
{
	struct peer p = {0};
	struct sockaddr_in local = {.sin_family = AF_INET};
	t30_state_t *t30;
	long long start, next, end_at = 0, deadline, last_rx = 0;
	uint8_t buf[2048];

	int fec = 0, sender = 0;

	if (argc < 8 ||
	    (strcmp(argv[1], "t38") != 0 && strcmp(argv[1], "g711") != 0 && strcmp(argv[1], "g711tx") != 0)) {
		fprintf(stderr,
			"usage: t38_peer t38|g711|g711tx LOCAL_IP LOCAL_PORT REMOTE_IP REMOTE_PORT FILE TIMEOUT_S "
			"[fec] [drop=N]\n");
		return 2;
	}
	for (int i = 8; i < argc; i++) {
		if (strcmp(argv[i], "fec") == 0)
			fec = 1;
		else if (strncmp(argv[i], "drop=", 5) == 0 && atoi(argv[i] + 5) > 1)
			p.drop = atoi(argv[i] + 5);
		else {
			fprintf(stderr, "t38_peer: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	p.t38 = strcmp(argv[1], "t38") == 0;
	sender = strcmp(argv[1], "g711tx") == 0;
	p.remote.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[2], &local.sin_addr) != 1 || inet_pton(AF_INET, argv[4], &p.remote.sin_addr) != 1) {
		fprintf(stderr, "t38_peer: bad address\n");
		return 2;
	}
	local.sin_port = htons((uint16_t)atoi(argv[3]));
	p.remote.sin_port = htons((uint16_t)atoi(argv[5]));
	p.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (p.fd < 0 || bind(p.fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("t38_peer: bind");
		return 1;
	}
	if (p.t38) {
		udptl_tx_init(&p.tx, 3, 0);
		if (fec)
			udptl_tx_fec(&p.tx, 3, 3);
		udptl_rx_init(&p.rx);
		p.term = t38_terminal_init(NULL, 0, on_ifp, &p);
		t30 = t38_terminal_get_t30_state(p.term);
	} else {
		p.fax = fax_init(NULL, sender);
		t30 = fax_get_t30_state(p.fax);
	}
	t30_set_tx_ident(t30, p.t38 ? "T38 PEER" : sender ? "G711 SENDER" : "G711 PEER");
	t30_set_supported_modems(t30, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t30_set_ecm_capability(t30, 1);
	t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION |
						T30_SUPPORT_T6_COMPRESSION);
	if (sender)
		t30_set_tx_file(t30, argv[6], -1, -1);
	else
		t30_set_rx_file(t30, argv[6], -1);
	t30_set_phase_e_handler(t30, phase_e, &p);
	start = next = now_ms();
	deadline = start + atoi(argv[7]) * 1000LL;
	while (now_ms() < deadline && !(end_at && now_ms() >= end_at)) {
		struct pollfd pf = {.fd = p.fd, .events = POLLIN};
		long long wait = p.t38 ? next - now_ms() : 20;

		if (poll(&pf, 1, wait < 0 ? 0 : (int)wait) == 1) {
			ssize_t n = recv(p.fd, buf, sizeof(buf), 0);

			last_rx = now_ms();

			if (n > 0 && p.t38 && p.drop && ++p.received % (unsigned long)p.drop == 0)
				p.dropped++; /* lost on the way */
			else if (n > 0 && p.t38)
				udptl_rx_packet(&p.rx, buf, (size_t)n, on_rx_ifp, &p);
			else if (n > 0)
				rtp_in(&p, buf, (size_t)n);
		}
		while (p.t38 && now_ms() >= next) {
			t38_terminal_send_timeout(p.term, RTP_FRAME);
			next += 20;
		}
		if (p.done && !end_at)
			end_at = now_ms() + 500;
		/* The far end has gone quiet: the call is over. RTP flows all
		 * along; T.38 is silent while only this side talks (its CED
		 * and DIS take 4 s, and DIS is repeated every 3 s until T1). */
		if (last_rx && now_ms() - last_rx > (p.t38 ? 40000 : 5000))
			break;
	}
	printf("result=%s status=%d pages=%d elapsed_ms=%lld udptl_rx=%lu udptl_tx=%lu recovered=%lu lost=%lu bad=%lu "
	       "fec_rx=%lu dropped=%lu rtp_rx=%lu\n",
	       p.done ? (p.status == T30_ERR_OK ? "OK" : "FAILED") : "TIMEOUT", p.status, p.pages, now_ms() - start,
	       p.rx.packets, p.udptl_tx, p.rx.recovered, p.rx.lost, p.rx.bad, p.rx.fec, p.dropped, p.rtp_rx);
	if (p.term)
		t38_terminal_free(p.term);
	udptl_tx_free(&p.tx);
	udptl_rx_free(&p.rx);
	if (p.fax)
		fax_free(p.fax);
	close(p.fd);
	return p.done && p.status == T30_ERR_OK ? 0 : 1;
}
