/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fax through a bridge, end to end, in simulated time: a SpanDSP fax
 * terminal (T.30, sending a TIFF-F page) drives a virtual span's channel in
 * 20 ms blocks; on the IP side either a SpanDSP T.38 terminal over our
 * UDPTL (with packets dropped on purpose, recovered from redundancy) or a
 * fax terminal on G.711 RTP (passthrough). The bridge reports the sender's
 * CNG; the test then switches it, as the call layer would after its
 * re-INVITE. The received page must decode to the same rows as the sent
 * one. Also: a CED sent by the RTP peer is reported from the RTP side (and
 * turns the canceller off), and so is a CNG (a SIP fax sender); after T.38 and back to audio, DTMF and a
 * second fax's CNG are detected again and the canceller is back. Each
 * step waits for the bridge's answering block, never for time. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spandsp.h>

#include "gateway/media.h"
#include "gateway/media_fax.h"
#include "gateway/tdm_span.h"
#include "gateway/udptl.h"
#include "tests/fax_tiff.h"
#include "tests/tap.h"

#define TIMEOUT_MS 5000
#define MAX_STEPS  (150 * 50) /* 150 s of simulated time */

static struct media_event events[64];
static int nevents;

static void on_event(void *arg, const struct media_event *ev)
{
	(void)arg;
	if (nevents < (int)(sizeof(events) / sizeof(events[0])))
		events[nevents++] = *ev;
}

/* Stop a bridge and wait for its MEDIA_EV_STOPPED. */
static void stop_and_wait(struct media *m, struct media_bridge *b)
{
	media_bridge_stop(m, b);
	for (int i = 0; i < TIMEOUT_MS / 10; i++) {
		struct pollfd p = {.fd = media_event_fd(m), .events = POLLIN};
		int stopped = 0;

		poll(&p, 1, 10);
		media_dispatch_events(m);
		for (int k = 0; k < nevents; k++)
			stopped |= events[k].type == MEDIA_EV_STOPPED;
		if (stopped)
			break;
	}
}

static int seen_fax(int tone)
{
	for (int i = 0; i < nevents; i++)
		if (events[i].type == MEDIA_EV_FAX && events[i].fax == tone)
			return 1;
	return 0;
}

/* MEDIA_EV_FAX events of tone from side. */
static int count_fax(int tone, enum media_side from)
{
	int n = 0;

	for (int i = 0; i < nevents; i++)
		n += events[i].type == MEDIA_EV_FAX && events[i].fax == tone && events[i].from == from;
	return n;
}

struct far {
	struct tdm_span *span;
	int fd, dfd;
};

static int far_open(struct far *f)
{
	struct tdm_span_config cfg = {.id = 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ALAW};
	int a[2], d[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) < 0)
		return -errno;
	f->fd = a[1];
	f->dfd = d[1];
	return tdm_span_virtual_from_fds(&cfg, d[0], a[0], &f->span);
}

/* One 20 ms block out on channel 1, and the bridge's answer back within
 * ms. */
static int tdm_step_ms(struct far *f, const uint8_t *out, uint8_t *in, int ms)
{
	uint8_t msg[1 + RTP_FRAME];
	struct pollfd p = {.fd = f->fd, .events = POLLIN};

	msg[0] = 1;
	memcpy(msg + 1, out, RTP_FRAME);
	if (send(f->fd, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
		return -1;
	if (poll(&p, 1, ms) != 1 || recv(f->fd, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg) || msg[0] != 1)
		return -1;
	memcpy(in, msg + 1, RTP_FRAME);
	return 0;
}

/* The bridge starts on its worker after media_bridge_start() returns: a
 * first block sent before that is dropped unanswered, so the first block
 * is sent again until one is answered. */
static int tdm_step(struct far *f, const uint8_t *out, uint8_t *in, int first)
{
	for (int i = 0; first && i < TIMEOUT_MS / 100; i++)
		if (tdm_step_ms(f, out, in, 100) == 0)
			return 0;
	return first ? -1 : tdm_step_ms(f, out, in, TIMEOUT_MS);
}

static int udp_peer(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

/* --- The IP side's terminal ------------------------------------------- */

struct ip_side {
	int fd;
	unsigned bridge_port;
	int t38;
	t38_terminal_state_t *term;
	fax_state_t *fax;
	struct udptl_tx tx;
	struct udptl_rx rx;
	unsigned long sent, dropped, received, rx_dropped;
	int drop_every; /* drop one UDPTL packet in this many */
	int rx_drop;    /* FEC: also drop one in this many of the bridge's */
	uint16_t rtp_seq;
	uint32_t rtp_ts;
};

static void send_to_bridge(struct ip_side *s, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	sa.sin_port = htons((uint16_t)s->bridge_port);
	if (sendto(s->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		perror("sendto");
}

static int term_tx(t38_core_state_t *t, void *user, const uint8_t *buf, int len, int count)
{
	struct ip_side *s = user;
	uint8_t pkt[UDPTL_DATAGRAM_MAX];
	int n = udptl_tx_packet(&s->tx, buf, (size_t)len, pkt, sizeof(pkt));

	(void)t;
	if (n < 0)
		return 0;
	/* count copies of the datagram, as the gateway does */
	for (int i = 0; i < (count < 1 ? 1 : count > 3 ? 3 : count); i++) {
		s->sent++;
		if (s->drop_every && s->sent % (unsigned long)s->drop_every == 0) {
			s->dropped++; /* lost on the way: a copy, or the next packets' redundancy, brings it */
			continue;
		}
		send_to_bridge(s, pkt, (size_t)n);
	}
	return 0;
}

static void term_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct ip_side *s = arg;

	t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(s->term), ifp, (int)len, seq);
}

/* Whatever the bridge sent since the last step, then our 20 ms. */
static void ip_step(struct ip_side *s)
{
	uint8_t buf[2048], out[RTP_FRAME];
	int16_t pcm[RTP_FRAME];
	ssize_t n;

	while ((n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (s->t38) {
			if (s->rx_drop && udptl_parse(buf, (size_t)n, &(struct udptl_packet){0}) == 0 &&
			    ++s->received % (unsigned long)s->rx_drop == 0) {
				s->rx_dropped++; /* lost on the way: the next packet's FEC repairs it */
				continue;
			}
			udptl_rx_packet(&s->rx, buf, (size_t)n, term_ifp, s);
		} else {
			struct rtp_header h;
			const uint8_t *pl;
			size_t plen;

			if (rtp_parse(buf, (size_t)n, &h, &pl, &plen) < 0 || plen > RTP_FRAME)
				continue;
			for (size_t i = 0; i < plen; i++)
				pcm[i] = alaw_to_linear(pl[i]);
			fax_rx(s->fax, pcm, (int)plen);
		}
	}
	if (s->t38) {
		t38_terminal_send_timeout(s->term, RTP_FRAME);
	} else {
		struct rtp_header h = {.pt = RTP_PT_PCMA, .seq = s->rtp_seq++, .ts = s->rtp_ts, .ssrc = 0xFA7};
		size_t len;
		int got = fax_tx(s->fax, pcm, RTP_FRAME);

		for (int i = 0; i < RTP_FRAME; i++)
			out[i] = linear_to_alaw(i < got ? pcm[i] : 0);
		s->rtp_ts += RTP_FRAME;
		if (rtp_pack(&h, out, RTP_FRAME, buf, sizeof(buf), &len) == 0)
			send_to_bridge(s, buf, len);
	}
}

/* --- Phase E: the result of each terminal ---------------------------- */

struct result {
	int done, status, pages;
};

static void phase_e(t30_state_t *t, void *user, int completion)
{
	struct result *r = user;
	t30_stats_t st;

	t30_get_transfer_statistics(t, &st);
	r->done = 1;
	r->status = completion;
	r->pages = st.pages_rx > st.pages_tx ? st.pages_rx : st.pages_tx;
}

static void t30_setup(t30_state_t *t, const char *ident, struct result *r)
{
	t30_set_tx_ident(t, ident);
	t30_set_phase_e_handler(t, phase_e, r);
	t30_set_supported_modems(t, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t30_set_ecm_capability(t, 1);
	t30_set_supported_compressions(t, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION |
					      T30_SUPPORT_T6_COMPRESSION);
}

/* --- One fax ------------------------------------------------------------ */

static void one_fax(struct media *m, struct far *f, int t38, int drop_every, int fec, const char *page,
		    const char *what)
{
	struct media_bridge_config c = {.span = f->span, .channel = 1, .fax_detect = 1, .cookie = (void *)what};
	struct ip_side s = {.t38 = t38, .drop_every = drop_every, .rx_drop = fec ? drop_every : 0};
	struct result tx_r = {0}, rx_r = {0};
	char rxfile[64], err[200];
	struct media_bridge *b = NULL;
	struct media_stats st;
	fax_state_t *sender;
	unsigned peer_port = 0, rows, bad;
	int steps, switched = 0, blocks_ok = 1;

	snprintf(rxfile, sizeof(rxfile), "test_media_fax_%d.tif", t38);
	nevents = 0;
	s.fd = udp_peer(&peer_port);
	if (media_rtp_open(m, &c.rtp) < 0 || s.fd < 0) {
		ok(0, "%s: set up", what);
		return;
	}
	s.bridge_port = rtp_endpoint_port(c.rtp);
	strcpy(c.params.remote_addr, "127.0.0.1");
	c.params.remote_port = peer_port;
	c.params.pt = RTP_PT_PCMA;
	c.params.event_pt = 101;
	c.params.send = c.params.recv = 1;
	if (media_bridge_start(m, &c, &b) < 0) {
		rtp_endpoint_free(c.rtp);
		ok(0, "%s: bridge started", what);
		return;
	}
	/* The PSTN side sends; the IP side answers and receives. */
	sender = fax_init(NULL, 1);
	t30_setup(fax_get_t30_state(sender), "TANDEM PSTN", &tx_r);
	t30_set_tx_file(fax_get_t30_state(sender), page, -1, -1);
	if (t38) {
		udptl_tx_init(&s.tx, 3, 0);
		if (fec)
			udptl_tx_fec(&s.tx, 3, 3);
		udptl_rx_init(&s.rx);
		s.term = t38_terminal_init(NULL, 0, term_tx, &s);
		t30_setup(t38_terminal_get_t30_state(s.term), "TANDEM T38", &rx_r);
		t30_set_rx_file(t38_terminal_get_t30_state(s.term), rxfile, -1);
	} else {
		s.fax = fax_init(NULL, 0);
		t30_setup(fax_get_t30_state(s.fax), "TANDEM G711", &rx_r);
		t30_set_rx_file(fax_get_t30_state(s.fax), rxfile, -1);
	}
	for (steps = 0; steps < MAX_STEPS && !(tx_r.done && rx_r.done); steps++) {
		int16_t pcm[RTP_FRAME];
		uint8_t out[RTP_FRAME], in[RTP_FRAME];
		int got = fax_tx(sender, pcm, RTP_FRAME);

		for (int i = 0; i < RTP_FRAME; i++)
			out[i] = linear_to_alaw(i < got ? pcm[i] : 0);
		if (tdm_step(f, out, in, steps == 0) < 0) {
			blocks_ok = 0;
			break;
		}
		for (int i = 0; i < RTP_FRAME; i++)
			pcm[i] = alaw_to_linear(in[i]);
		fax_rx(sender, pcm, RTP_FRAME);
		media_dispatch_events(m);
		if (!switched && seen_fax(MEDIA_FAX_CNG)) {
			struct media_fax_t38 t = {.remote_port = peer_port, .symmetric = 1};

			/* What the call layer does once its re-INVITE is answered (200: T.38, 488: passthrough). */
			strcpy(t.remote_addr, "127.0.0.1");
			media_t38_defaults(&t.p);
			if (fec)
				t.p.ec = MEDIA_T38_EC_FEC; /* as agreed in SDP: t38UDPFEC */
			media_bridge_fax(m, b, t38 ? MEDIA_FAX_T38 : MEDIA_FAX_PASSTHROUGH, &t);
			switched = steps;
		}
		if (t38 && !switched)
			continue; /* the IP side waits for the switch (its re-INVITE) */
		ip_step(&s);
	}
	ok(blocks_ok, "%s: the bridge answered every block", what);
	ok(switched > 0, "%s: CNG reported (MEDIA_EV_FAX) after %d ms", what, switched * 20);
	ok(tx_r.done && tx_r.status == T30_ERR_OK && tx_r.pages == 1, "%s: the sender's T.30 ends OK, 1 page (%s)",
	   what, t30_completion_code_to_str(tx_r.status));
	ok(rx_r.done && rx_r.status == T30_ERR_OK && rx_r.pages == 1, "%s: the receiver's T.30 ends OK, 1 page (%s)",
	   what, t30_completion_code_to_str(rx_r.status));
	printf("# %s: %d ms of simulated time, %lu UDPTL packets from the terminal, %lu dropped; %lu of the bridge's "
	       "dropped\n",
	       what, steps * 20, s.sent, s.dropped, s.rx_dropped);
	is_int(fax_tiff_compare(page, rxfile, &rows, &bad, err, sizeof(err)), 0, "%s: page intact (%s)", what, err);
	media_bridge_stats(b, &st);
	if (t38) {
		ok(st.fax_mode == MEDIA_FAX_T38 && st.udptl_tx > 0 && st.udptl_rx > 0,
		   "%s: UDPTL both ways (%lu out, %lu in)", what, st.udptl_tx, st.udptl_rx);
		ok(st.fax_pages == 1, "%s: the gateway counts 1 page", what);
		if (drop_every)
			ok(st.udptl_recovered > 0 && st.udptl_lost == 0, "%s: IFPs recovered from %s (%lu), none lost",
			   what, fec ? "FEC" : "redundancy", st.udptl_recovered);
		if (fec)
			ok(s.rx.fec == s.rx.packets && s.rx_dropped > 0 && s.rx.recovered > 0,
			   "%s: the bridge sent FEC only (%lu packets); the terminal repaired %lu of its %lu lost",
			   what, s.rx.fec, s.rx.recovered, s.rx_dropped);
		ok(s.rx.bad > 0 && s.rx.lost == 0, "%s: RTP before the switch was not UDPTL (%lu); none lost after",
		   what, s.rx.bad);
	} else {
		ok(st.fax_mode == MEDIA_FAX_PASSTHROUGH && st.rtp_rx_packets > 100 && st.rtp_tx_packets > 100,
		   "%s: G.711 passthrough, RTP both ways", what);
	}
	stop_and_wait(m, b);
	fax_free(sender);
	if (s.term)
		t38_terminal_free(s.term);
	udptl_tx_free(&s.tx);
	udptl_rx_free(&s.rx);
	if (s.fax)
		fax_free(s.fax);
	close(s.fd);
	unlink(rxfile);
}

/* --- Detection from the RTP side; back to audio ------------------------- */

/* A tone block (hz 0: silence), continuing the phase. */
static void tone_block(uint8_t *out, double hz, double *phase)
{
	for (int i = 0; i < RTP_FRAME; i++) {
		out[i] = linear_to_alaw(hz > 0 ? (int16_t)(8000 * sin(*phase)) : 0);
		*phase += 2 * M_PI * hz / 8000;
	}
}

struct tbridge {
	struct media_bridge *b;
	int fd; /* the RTP peer */
	unsigned peer_port, bridge_port;
	uint16_t seq;
	uint32_t ts;
};

static int tbridge_start(struct media *m, struct far *f, struct tbridge *t, void *cookie)
{
	struct media_bridge_config c = {
	    .span = f->span, .channel = 1, .fax_detect = 1, .dtmf_from_tdm = 1, .echo_tail_ms = 64, .cookie = cookie};

	memset(t, 0, sizeof(*t));
	nevents = 0;
	if ((t->fd = udp_peer(&t->peer_port)) < 0 || media_rtp_open(m, &c.rtp) < 0)
		return -1;
	t->bridge_port = rtp_endpoint_port(c.rtp);
	strcpy(c.params.remote_addr, "127.0.0.1");
	c.params.remote_port = t->peer_port;
	c.params.pt = RTP_PT_PCMA;
	c.params.event_pt = 101;
	c.params.send = c.params.recv = 1;
	if (media_bridge_start(m, &c, &t->b) < 0) {
		rtp_endpoint_free(c.rtp);
		return -1;
	}
	return 0;
}

/* One 20 ms step: tdm toward the bridge on the B-channel, rtp (NULL:
 * nothing) from the RTP peer; what the bridge sent the peer is drained. */
static int tbridge_step(struct far *f, struct tbridge *t, const uint8_t *tdm, const uint8_t *rtp, int first)
{
	uint8_t in[RTP_FRAME], buf[2048];
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (rtp) {
		struct rtp_header h = {.pt = RTP_PT_PCMA, .seq = t->seq++, .ts = t->ts, .ssrc = 0xCED};
		size_t len;

		t->ts += RTP_FRAME;
		sa.sin_port = htons((uint16_t)t->bridge_port);
		if (rtp_pack(&h, rtp, RTP_FRAME, buf, sizeof(buf), &len) == 0)
			sendto(t->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (tdm_step(f, tdm, in, first) < 0)
		return -1;
	while (recv(t->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	return 0;
}

static void tbridge_stop(struct media *m, struct tbridge *t)
{
	stop_and_wait(m, t->b);
	close(t->fd);
}

/* Published counters lag the block by nothing (published before it is
 * written), so after a step they are the bridge's. */
static void test_ced_from_rtp(struct media *m, struct far *f)
{
	struct tbridge t;
	struct media_stats st;
	uint8_t quiet[RTP_FRAME], ced[RTP_FRAME];
	double ph = 0, q = 0;
	int steps, ok_steps = 1;

	if (tbridge_start(m, f, &t, "ced") < 0) {
		ok(0, "CED from RTP: bridge started");
		return;
	}
	media_bridge_stats(t.b, &st);
	tone_block(quiet, 0, &q);
	/* 4 s of CED (2100 Hz) from the RTP peer, silence on the B-channel */
	for (steps = 0; steps < 200 && count_fax(MEDIA_FAX_CED, MEDIA_SIDE_RTP) == 0; steps++) {
		tone_block(ced, 2100, &ph);
		if (tbridge_step(f, &t, quiet, ced, steps == 0) < 0) {
			ok_steps = 0;
			break;
		}
		media_dispatch_events(m);
	}
	ok(ok_steps, "CED from RTP: the bridge answered every block");
	is_int(count_fax(MEDIA_FAX_CED, MEDIA_SIDE_RTP), 1,
	       "CED from the RTP peer: MEDIA_EV_FAX CED from the RTP side (%d ms)", steps * 20);
	is_int(count_fax(MEDIA_FAX_CED, MEDIA_SIDE_TDM) + count_fax(MEDIA_FAX_CNG, MEDIA_SIDE_TDM), 0,
	       "and nothing from the B-channel");
	/* the canceller's own answer-tone detector hears it on the same blocks */
	for (int i = 0; i < 50; i++) {
		media_bridge_stats(t.b, &st);
		if (st.ec_disabled_by_tone)
			break;
		tone_block(ced, 2100, &ph);
		if (tbridge_step(f, &t, quiet, ced, 0) < 0)
			break;
	}
	ok(st.ec_disabled_by_tone == 1 && st.echo_canceller == MEDIA_EC_NONE,
	   "the CED turned the bridge's echo canceller off (by tone: %lu)", st.ec_disabled_by_tone);
	tbridge_stop(m, &t);
}

/* CNG: 0.5 s of 1100 Hz, then 3 s quiet (T.30). steps counts 20 ms. */
static double cng_hz(int step)
{
	return step % 175 < 25 ? 1100 : 0;
}

/* A SIP fax sender: its CNG (0.5 s of 1100 Hz, 3 s quiet) from the RTP
 * peer, silence on the B-channel. */
static void test_cng_from_rtp(struct media *m, struct far *f)
{
	struct tbridge t;
	struct media_stats st;
	uint8_t quiet[RTP_FRAME], cng[RTP_FRAME];
	double ph = 0, q = 0;
	int steps, ok_steps = 1;

	if (tbridge_start(m, f, &t, "cng") < 0) {
		ok(0, "CNG from RTP: bridge started");
		return;
	}
	tone_block(quiet, 0, &q);
	for (steps = 0; steps < 250 && count_fax(MEDIA_FAX_CNG, MEDIA_SIDE_RTP) == 0; steps++) {
		tone_block(cng, cng_hz(steps), &ph);
		if (tbridge_step(f, &t, quiet, cng, steps == 0) < 0) {
			ok_steps = 0;
			break;
		}
		media_dispatch_events(m);
	}
	/* the rest of the burst and the next: reported once */
	for (int i = 0; ok_steps && i < 200; i++, steps++) {
		tone_block(cng, cng_hz(steps), &ph);
		ok_steps = tbridge_step(f, &t, quiet, cng, 0) == 0;
		media_dispatch_events(m);
	}
	ok(ok_steps, "CNG from RTP: the bridge answered every block");
	is_int(count_fax(MEDIA_FAX_CNG, MEDIA_SIDE_RTP), 1,
	       "CNG from the RTP peer: MEDIA_EV_FAX CNG from the RTP side, once over two bursts");
	is_int(count_fax(MEDIA_FAX_CNG, MEDIA_SIDE_TDM) + count_fax(MEDIA_FAX_CED, MEDIA_SIDE_TDM) +
		   count_fax(MEDIA_FAX_CED, MEDIA_SIDE_RTP),
	       0, "and nothing else, from either side");
	media_bridge_stats(t.b, &st);
	ok(st.echo_canceller == MEDIA_EC_OURS && st.ec_disabled_by_tone == 0,
	   "CNG leaves the canceller on (the call layer's switch turns it off)");
	tbridge_stop(m, &t);
}

static void test_back_to_audio(struct media *m, struct far *f)
{
	struct tbridge t;
	struct media_stats st;
	uint8_t tdm[RTP_FRAME], quiet[RTP_FRAME];
	double ph = 0, q = 0;
	int steps, dtmf_tdm = 0, alive = 1;
	dtmf_tx_state_t *dt;

	if (tbridge_start(m, f, &t, "again") < 0) {
		ok(0, "back to audio: bridge started");
		return;
	}
	tone_block(quiet, 0, &q);
	for (steps = 0; steps < 250 && alive && !seen_fax(MEDIA_FAX_CNG); steps++) {
		tone_block(tdm, cng_hz(steps), &ph);
		alive = tbridge_step(f, &t, tdm, quiet, steps == 0) == 0;
		media_dispatch_events(m);
	}
	is_int(count_fax(MEDIA_FAX_CNG, MEDIA_SIDE_TDM), 1, "the first fax's CNG, from the B-channel");
	media_bridge_stats(t.b, &st);
	is_int(st.echo_canceller, MEDIA_EC_OURS, "the canceller runs (voice call)");
	{
		struct media_fax_t38 t38 = {.remote_port = t.peer_port};

		strcpy(t38.remote_addr, "127.0.0.1");
		media_t38_defaults(&t38.p);
		is_int(media_bridge_fax(m, t.b, MEDIA_FAX_T38, &t38), 0, "to T.38");
	}
	for (int i = 0; i < 25 && alive; i++) /* 0.5 s of T.38: CNG goes on, no new report */
		alive = tbridge_step(f, &t, quiet, NULL, 0) == 0;
	media_bridge_stats(t.b, &st);
	ok(st.fax_mode == MEDIA_FAX_T38 && st.echo_canceller == MEDIA_EC_NONE, "T.38: the canceller off");
	is_int(media_bridge_fax(m, t.b, MEDIA_FAX_AUDIO, NULL), 0, "back to audio");
	for (int i = 0; i < 5 && alive; i++)
		alive = tbridge_step(f, &t, quiet, quiet, 0) == 0;
	media_bridge_stats(t.b, &st);
	ok(st.fax_mode == MEDIA_FAX_AUDIO && st.echo_canceller == MEDIA_EC_OURS,
	   "audio again: the canceller is back as configured (%d)", st.echo_canceller);
	/* DTMF on the B-channel: detected again */
	dt = dtmf_tx_init(NULL);
	dtmf_tx_put(dt, "42", 2);
	for (int i = 0; i < 40 && alive; i++) {
		int16_t pcm[RTP_FRAME];
		int n = dtmf_tx(dt, pcm, RTP_FRAME);

		for (int k = 0; k < RTP_FRAME; k++)
			tdm[k] = linear_to_alaw(k < n ? pcm[k] : 0);
		alive = tbridge_step(f, &t, tdm, quiet, 0) == 0;
		media_dispatch_events(m);
	}
	dtmf_tx_free(dt);
	for (int i = 0; i < nevents; i++)
		if (events[i].type == MEDIA_EV_DTMF && events[i].from == MEDIA_SIDE_TDM)
			dtmf_tdm = dtmf_tdm * 256 + events[i].digit;
	is_int(dtmf_tdm, '4' * 256 + '2', "after T.38 and back: in-band DTMF 4, 2 detected again");
	/* a second fax: its CNG is reported again */
	for (steps = 0; steps < 250 && alive && count_fax(MEDIA_FAX_CNG, MEDIA_SIDE_TDM) < 2; steps++) {
		tone_block(tdm, cng_hz(steps), &ph);
		alive = tbridge_step(f, &t, tdm, quiet, 0) == 0;
		media_dispatch_events(m);
	}
	ok(alive, "back to audio: the bridge answered every block");
	is_int(count_fax(MEDIA_FAX_CNG, MEDIA_SIDE_TDM), 2, "a second fax's CNG detected (%d ms)", steps * 20);
	tbridge_stop(m, &t);
}

int main(void)
{
	struct media_config mc = {.nworkers = 1, .rtp = {.addr = "127.0.0.1", .port_min = 36000, .port_max = 36999}};
	struct media *m = NULL;
	struct far f;
	char err[200];
	const char *page = "test_media_fax_page.tif";

	mc.on_event = on_event;
	if (media_new(&mc, &m) < 0 || far_open(&f) < 0 || media_add_span(m, f.span) < 0) {
		ok(0, "media and span");
		return tap_done();
	}
	is_int(fax_tiff_make(page, 400, 7, err, sizeof(err)), 0, "a test page (1728 x 400, fine)");
	one_fax(m, &f, 1, 0, 0, page, "T.38");
	one_fax(m, &f, 1, 5, 0, page, "T.38, one UDPTL packet in 5 lost");
	one_fax(m, &f, 1, 5, 1, page, "T.38 FEC, one UDPTL packet in 5 lost each way");
	one_fax(m, &f, 0, 0, 0, page, "G.711 passthrough");
	test_ced_from_rtp(m, &f);
	test_cng_from_rtp(m, &f);
	test_back_to_audio(m, &f);
	media_remove_span(m, f.span);
	media_free(m);
	tdm_span_free(f.span);
	close(f.fd);
	close(f.dfd);
	unlink(page);
	return tap_done();
}
