/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The media bridge end to end: virtual spans (socketpairs) whose far end this test drives in 20 ms blocks, bridged
 * to RTP endpoints whose far end is a plain UDP socket. Audio both ways (same law and converted), RFC 4733 -> in-band
 * DTMF, in-band -> RFC 4733, events, stop and span removal. Every step waits for the previous one's effect (counters,
 * the block coming back), never for time. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spandsp.h>

#include "gateway/media.h"
#include "gateway/rtcp.h"
#include "gateway/tdm_span.h"
#include "tests/tap.h"

#define TIMEOUT_MS 5000
#define NFRAMES    12

static struct media_event events[512];
static int nevents;

static void on_event(void *arg, const struct media_event *ev)
{
	(void)arg;
	if (nevents < (int)(sizeof(events) / sizeof(events[0])))
		events[nevents++] = *ev;
}

static int count_events(enum media_event_type type, void *cookie)
{
	int n = 0;

	for (int i = 0; i < nevents; i++)
		n += events[i].type == type && events[i].cookie == cookie;
	return n;
}

/* Dispatch until n events of type for cookie have arrived. */
static int wait_events(struct media *m, enum media_event_type type, void *cookie, int n)
{
	struct pollfd p = {.fd = media_event_fd(m), .events = POLLIN};

	for (int i = 0; i < TIMEOUT_MS / 10 && count_events(type, cookie) < n; i++) {
		poll(&p, 1, 10);
		media_dispatch_events(m);
	}
	return count_events(type, cookie) >= n;
}

static int wait_rx(struct media_bridge *b, unsigned long packets)
{
	struct media_stats s;

	for (int i = 0; i < TIMEOUT_MS; i++) {
		media_bridge_stats(b, &s);
		if (s.running && s.rtp_rx_packets >= packets)
			return 1;
		usleep(1000);
	}
	return 0;
}

/* --- The TDM far end ------------------------------------------------- */

struct far {
	struct tdm_span *span;
	int fd; /* our end of the audio socketpair */
	int dfd;
};

static int far_open(struct far *f, int id, enum tdm_span_law law)
{
	struct tdm_span_config cfg = {.id = id, .type = TDM_SPAN_E1, .law = law};
	int a[2], d[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) < 0)
		return -errno;
	f->fd = a[1];
	f->dfd = d[1];
	return tdm_span_virtual_from_fds(&cfg, d[0], a[0], &f->span);
}

static void far_close(struct far *f)
{
	tdm_span_free(f->span);
	close(f->fd);
	close(f->dfd);
}

static int tdm_send(struct far *f, int ch, const uint8_t *buf, size_t len)
{
	uint8_t msg[1 + TDM_AUDIO_MAX];

	msg[0] = (uint8_t)ch;
	memcpy(msg + 1, buf, len);
	return send(f->fd, msg, len + 1, 0) == (ssize_t)(len + 1) ? 0 : -1;
}

/* The next block for ch (blocks for other channels are skipped). */
static int tdm_recv(struct far *f, int ch, uint8_t *out, size_t size)
{
	uint8_t msg[1 + TDM_AUDIO_MAX];
	struct pollfd p = {.fd = f->fd, .events = POLLIN};

	for (;;) {
		ssize_t n;

		if (poll(&p, 1, TIMEOUT_MS) != 1)
			return -1;
		n = recv(f->fd, msg, sizeof(msg), 0);
		if (n < 2)
			return -1;
		if (msg[0] != ch || (size_t)n - 1 > size)
			continue;
		memcpy(out, msg + 1, (size_t)n - 1);
		return (int)n - 1;
	}
}

/* --- The RTP far end ------------------------------------------------- */

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

static void rtp_send(int fd, unsigned port, const struct rtp_header *h, const uint8_t *pl, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	uint8_t buf[RTP_MAX_PACKET];
	size_t n;

	sa.sin_port = htons((uint16_t)port);
	rtp_pack(h, pl, len, buf, sizeof(buf), &n);
	if (sendto(fd, buf, n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		perror("sendto");
}

struct rtp_pkt {
	struct rtp_header h;
	uint8_t pl[RTP_FRAME];
	size_t len;
};

/* Everything the peer has received so far. The packet made from a TDM
 * block may leave after the block that answered it (the worker answers
 * a tick's blocks first): rtp_collect waits for the rest. */
static int rtp_drain(int fd, struct rtp_pkt *pkts, int max)
{
	uint8_t buf[RTP_MAX_PACKET];
	const uint8_t *pl;
	int n = 0;
	ssize_t len;

	while ((len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 && n < max) {
		if (rtp_parse(buf, (size_t)len, &pkts[n].h, &pl, &pkts[n].len) < 0 || pkts[n].len > RTP_FRAME)
			continue;
		memcpy(pkts[n].pl, pl, pkts[n].len);
		n++;
	}
	return n;
}

static int rtp_collect(int fd, struct rtp_pkt *pkts, int max, int want)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = rtp_drain(fd, pkts, max);

	for (int i = 0; i < TIMEOUT_MS / 10 && n < want && n < max; i++) {
		poll(&p, 1, 10);
		n += rtp_drain(fd, pkts + n, max - n);
	}
	return n;
}

static int wait_tx(struct media_bridge *b, unsigned long packets)
{
	struct media_stats s;

	for (int i = 0; i < TIMEOUT_MS; i++) {
		media_bridge_stats(b, &s);
		if (s.rtp_tx_packets >= packets)
			return 1;
		usleep(1000);
	}
	return 0;
}

static void pattern(uint8_t *buf, int seed)
{
	for (int i = 0; i < RTP_FRAME; i++)
		buf[i] = (uint8_t)(0x10 + (seed * 31 + i * 7) % 0x60);
}

/* --- Tests ------------------------------------------------------------ */

struct env {
	struct media *m;
	struct far mu, a; /* a mu-law span and an A-law span */
	int peer;
	unsigned peer_port;
};

static struct media_bridge *bridge(struct env *e, struct far *f, int ch, int pt, int symmetric, int dtmf, void *cookie,
				   unsigned *port)
{
	struct media_bridge_config c = {.span = f->span, .channel = ch, .cookie = cookie};
	struct media_bridge *b = NULL;
	int rc;

	if (media_rtp_open(e->m, &c.rtp) < 0)
		return NULL;
	*port = rtp_endpoint_port(c.rtp);
	if (!symmetric) {
		strcpy(c.params.remote_addr, "127.0.0.1");
		c.params.remote_port = e->peer_port;
	}
	c.params.pt = pt;
	c.params.event_pt = 101;
	c.params.symmetric = symmetric;
	c.params.send = c.params.recv = 1;
	c.dtmf_to_tdm = c.dtmf_from_tdm = dtmf;
	if ((rc = media_bridge_start(e->m, &c, &b)) < 0) {
		printf("# media_bridge_start: %s\n", strerror(-rc));
		rtp_endpoint_free(c.rtp);
	}
	return b;
}

static uint8_t convert(int from_alaw, int to_alaw, uint8_t v)
{
	if (from_alaw && !to_alaw)
		return alaw_to_ulaw(v);
	if (!from_alaw && to_alaw)
		return ulaw_to_alaw(v);
	return v;
}

/* RTP packet i, then TDM block i, NFRAMES times; checks what comes out of
 * each side. */
static void audio_both_ways(struct env *e, struct far *f, int ch, int pt, int symmetric, const char *what)
{
	static int cookie;
	struct rtp_header h = {.pt = (unsigned)pt, .seq = 65530, .ts = 5000, .ssrc = 0xCAFE};
	uint8_t sent_rtp[NFRAMES][RTP_FRAME], sent_tdm[NFRAMES][RTP_FRAME], got_tdm[NFRAMES][RTP_FRAME];
	struct rtp_pkt pkts[NFRAMES + 4];
	int npkts = 0, bad_rtp = 0, bad_tdm = 0, silent = 1, alaw_span = f == &e->a, alaw_rtp = pt == RTP_PT_PCMA;
	unsigned port;
	struct media_stats s;
	struct media_bridge *b = bridge(e, f, ch, pt, symmetric, 0, &cookie, &port);

	ok(b != NULL, "%s: bridge started", what);
	if (!b)
		return;
	memset(got_tdm, 0, sizeof(got_tdm));
	for (int i = 0; i < NFRAMES; i++) {
		pattern(sent_rtp[i], i);
		pattern(sent_tdm[i], 100 + i);
	}
	for (int i = 0; i < NFRAMES; i++) {
		h.marker = i == 0;
		rtp_send(e->peer, port, &h, sent_rtp[i], RTP_FRAME);
		h.seq++; /* wraps on the way */
		h.ts += RTP_FRAME;
		if (!wait_rx(b, (unsigned long)i + 1))
			break;
		tdm_send(f, ch, sent_tdm[i], RTP_FRAME);
		if (tdm_recv(f, ch, got_tdm[i], RTP_FRAME) != RTP_FRAME)
			break;
		npkts += rtp_drain(e->peer, pkts + npkts, NFRAMES + 4 - npkts);
	}
	npkts += rtp_collect(e->peer, pkts + npkts, NFRAMES + 4 - npkts, NFRAMES - npkts);
	is_int(npkts, NFRAMES, "%s: one RTP packet per 20 ms block", what);
	for (int i = 0; i < npkts && i < NFRAMES; i++) {
		for (int j = 0; j < RTP_FRAME; j++)
			bad_rtp += pkts[i].pl[j] != convert(alaw_span, alaw_rtp, sent_tdm[i][j]);
		bad_rtp += pkts[i].h.pt != (unsigned)pt || pkts[i].len != RTP_FRAME || pkts[i].h.marker != (i == 0);
		if (i)
			bad_rtp += pkts[i].h.seq != (uint16_t)(pkts[i - 1].h.seq + 1) ||
				   pkts[i].h.ts != pkts[i - 1].h.ts + RTP_FRAME || pkts[i].h.ssrc != pkts[0].h.ssrc;
	}
	is_int(bad_rtp, 0, "%s: B-channel bytes arrive as RTP payload%s, in sequence", what,
	       alaw_span != alaw_rtp ? " (converted)" : "");
	/* 40 ms of playout delay, then the payloads back to back. */
	for (int j = 0; j < 2 * RTP_FRAME; j++)
		silent &= got_tdm[j / RTP_FRAME][j % RTP_FRAME] == (alaw_span ? 0xD5 : 0xFF);
	ok(silent, "%s: 40 ms of silence first", what);
	for (int i = 2; i < NFRAMES; i++)
		for (int j = 0; j < RTP_FRAME; j++)
			bad_tdm += got_tdm[i][j] != convert(alaw_rtp, alaw_span, sent_rtp[i - 2][j]);
	is_int(bad_tdm, 0, "%s: RTP payloads arrive on the B-channel%s", what,
	       alaw_span != alaw_rtp ? " (converted)" : "");
	wait_tx(b, NFRAMES);
	media_bridge_stats(b, &s);
	ok(s.rtp_rx_packets == NFRAMES && s.rtp_tx_packets == NFRAMES && s.tdm_rx_bytes == NFRAMES * RTP_FRAME &&
	       s.tdm_tx_bytes == NFRAMES * RTP_FRAME && s.rtp_rx_lost == 0 && s.jb_underruns == 0,
	   "%s: counters (rx %lu tx %lu lost %lu underruns %lu)", what, s.rtp_rx_packets, s.rtp_tx_packets,
	   s.rtp_rx_lost, s.jb_underruns);
	ok(wait_events(e->m, MEDIA_EV_FIRST_PACKET, &cookie, 1), "%s: first-packet event", what);
	is_int(count_events(MEDIA_EV_RTP_TIMEOUT, &cookie), 0, "%s: no timeout while RTP flows", what);
	media_bridge_stop(e->m, b);
	ok(wait_events(e->m, MEDIA_EV_STOPPED, &cookie, 1), "%s: stopped", what);
	for (int i = 0; i < nevents; i++)
		if (events[i].type == MEDIA_EV_STOPPED)
			ok(events[i].stats.rtp_tx_packets == NFRAMES && events[i].stats.rtp_rx_packets == NFRAMES,
			   "%s: final counters in the stop event", what);
	nevents = 0;
}

static void send_event(struct env *e, unsigned port, struct rtp_header *h, int code, uint16_t duration, int end)
{
	struct rtp_event ev = {.event = (uint8_t)code, .end = (uint8_t)end, .volume = 10, .duration = duration};
	uint8_t pl[4];

	rtp_event_pack(&ev, pl);
	rtp_send(e->peer, port, h, pl, sizeof(pl));
	h->seq++;
	h->marker = 0;
}

/* The far end's DTMF receiver on what the gateway writes to the B-channel. */
static void tick_and_detect(struct env *e, struct far *f, int ch, dtmf_rx_state_t *rx)
{
	uint8_t silence[RTP_FRAME], out[RTP_FRAME];
	int16_t lin[RTP_FRAME];

	memset(silence, 0xFF, sizeof(silence));
	tdm_send(f, ch, silence, RTP_FRAME);
	if (tdm_recv(f, ch, out, RTP_FRAME) != RTP_FRAME)
		return;
	for (int i = 0; i < RTP_FRAME; i++)
		lin[i] = ulaw_to_linear(out[i]);
	dtmf_rx(rx, lin, RTP_FRAME);
	(void)e;
}

static void rfc4733_to_inband(struct env *e)
{
	static int cookie;
	struct rtp_header h = {.pt = 101, .seq = 10, .ts = 80000, .ssrc = 0xD7F, .marker = 1};
	unsigned port;
	struct media_bridge *b = bridge(e, &e->mu, 3, RTP_PT_PCMU, 0, 1, &cookie, &port);
	dtmf_rx_state_t *rx = dtmf_rx_init(NULL, NULL, NULL);
	const char *digits = "7#";
	unsigned long sent = 0;
	char got[16] = "";
	struct media_stats s;
	int n, from_rtp = 0;

	ok(b && rx, "rfc4733->inband: bridge started");
	if (!b || !rx)
		return;
	for (const char *d = digits; *d; d++) {
		/* 80 ms: updates at 20, 40, 60 ms, the end at 80 ms three times. */
		for (int k = 1; k <= 4; k++) {
			for (int r = 0; r < (k == 4 ? 3 : 1); r++) {
				send_event(e, port, &h, rtp_event_from_digit(*d), (uint16_t)(k * RTP_FRAME), k == 4);
				sent++;
			}
			wait_rx(b, sent);
			tick_and_detect(e, &e->mu, 3, rx);
		}
		h.ts += 4 * RTP_FRAME;
		h.marker = 1;
		for (int i = 0; i < 8; i++)
			tick_and_detect(e, &e->mu, 3, rx);
	}
	n = (int)dtmf_rx_get(rx, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = 0;
	is_str(got, digits, "rfc4733->inband: regenerated tones detected on the B-channel");
	media_bridge_stats(b, &s);
	ok(s.dtmf_from_rtp == 2 && s.dtmf_to_tdm == 2 && s.rtp_rx_packets == sent,
	   "rfc4733->inband: two digits from %lu event packets (%lu %lu %lu)", sent, s.dtmf_from_rtp, s.dtmf_to_tdm,
	   s.rtp_rx_packets);
	wait_events(e->m, MEDIA_EV_DTMF, &cookie, 2);
	for (int i = 0; i < nevents; i++)
		if (events[i].type == MEDIA_EV_DTMF && events[i].cookie == &cookie && events[i].from == MEDIA_SIDE_RTP)
			from_rtp = from_rtp * 256 + events[i].digit;
	is_int(from_rtp, '7' * 256 + '#', "rfc4733->inband: DTMF events 7, # reported to the loop");
	media_bridge_stop(e->m, b);
	wait_events(e->m, MEDIA_EV_STOPPED, &cookie, 1);
	dtmf_rx_free(rx);
	nevents = 0;
}

static void inband_to_rfc4733(struct env *e)
{
	static int cookie;
	unsigned port;
	struct media_bridge *b = bridge(e, &e->a, 5, RTP_PT_PCMU, 0, 1, &cookie, &port);
	dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
	struct rtp_pkt pkts[64];
	int npkts = 0, ends[2] = {0, 0}, marks = 0, bad = 0, audio = 0, nev = 0;
	uint32_t ev_ts[2] = {0, 0};
	char digits[3] = "";
	int from_tdm = 0;

	ok(b && tx, "inband->rfc4733: bridge started");
	if (!b || !tx)
		return;
	wait_rx(b, 0); /* the worker runs the bridge: blocks are not dropped */
	dtmf_tx_put(tx, "59", -1);
	for (int i = 0; i < 30; i++) {
		int16_t lin[RTP_FRAME];
		uint8_t blk[RTP_FRAME], out[RTP_FRAME];
		int n = dtmf_tx(tx, lin, RTP_FRAME);

		for (int j = n; j < RTP_FRAME; j++)
			lin[j] = 0;
		for (int j = 0; j < RTP_FRAME; j++)
			blk[j] = linear_to_alaw(lin[j]);
		tdm_send(&e->a, 5, blk, RTP_FRAME);
		if (tdm_recv(&e->a, 5, out, RTP_FRAME) != RTP_FRAME)
			break;
		npkts += rtp_drain(e->peer, pkts + npkts, 64 - npkts);
	}
	for (int i = 0; i < npkts; i++) {
		struct rtp_event ev;

		if (pkts[i].h.pt == RTP_PT_PCMU) {
			audio++;
			continue;
		}
		if (pkts[i].h.pt != 101 || rtp_event_parse(pkts[i].pl, pkts[i].len, &ev) < 0) {
			bad++;
			continue;
		}
		if (nev == 0 || pkts[i].h.ts != ev_ts[nev - 1]) {
			if (nev == 2) {
				bad++;
				continue;
			}
			ev_ts[nev] = pkts[i].h.ts;
			digits[nev++] = rtp_event_digit(ev.event);
			marks += pkts[i].h.marker;
		} else if (pkts[i].h.marker) {
			bad++;
		}
		ends[nev - 1] += ev.end;
		if (i && pkts[i].h.seq != (uint16_t)(pkts[i - 1].h.seq + 1))
			bad++;
	}
	is_str(digits, "59", "inband->rfc4733: tones sent as events 5, 9");
	ok(ends[0] == 3 && ends[1] == 3 && marks == 2, "inband->rfc4733: marker on each, end sent three times");
	ok(bad == 0 && audio > 0, "inband->rfc4733: well-formed, audio around them (%d audio, %d bad)", audio, bad);
	wait_events(e->m, MEDIA_EV_DTMF, &cookie, 2);
	for (int i = 0; i < nevents; i++)
		if (events[i].type == MEDIA_EV_DTMF && events[i].cookie == &cookie && events[i].from == MEDIA_SIDE_TDM)
			from_tdm = from_tdm * 256 + events[i].digit;
	is_int(from_tdm, '5' * 256 + '9', "inband->rfc4733: DTMF events 5, 9 reported to the loop");
	/* 30 blocks without RTP: more than the 200 ms timeout. */
	ok(wait_events(e->m, MEDIA_EV_RTP_TIMEOUT, &cookie, 1), "RTP timeout reported, in TDM time");
	is_int(count_events(MEDIA_EV_RTP_TIMEOUT, &cookie), 1, "once");
	media_bridge_stop(e->m, b);
	wait_events(e->m, MEDIA_EV_STOPPED, &cookie, 1);
	dtmf_tx_free(tx);
	nevents = 0;
}

static void api_checks(struct env *e)
{
	static int c1, c2;
	unsigned port;
	struct media_bridge *b = bridge(e, &e->mu, 7, RTP_PT_PCMU, 0, 0, &c1, &port), *b2;
	struct media_bridge_config c = {.span = e->mu.span, .channel = 7};
	struct rtp_params p = {.pt = 18};

	ok(b != NULL, "api: bridge on channel 7");
	media_rtp_open(e->m, &c.rtp);
	c.params.pt = RTP_PT_PCMU;
	c.params.event_pt = -1;
	is_int(media_bridge_start(e->m, &c, &b2), -EBUSY, "api: channel 7 is busy");
	c.channel = 16;
	is_int(media_bridge_start(e->m, &c, &b2), -EINVAL, "api: E1 timeslot 16 is no B-channel");
	c.span = (struct tdm_span *)&c; /* not a span */
	is_int(media_bridge_start(e->m, &c, &b2), -ENOENT, "api: an unknown span");
	c.span = e->mu.span;
	is_int(media_add_span(e->m, e->mu.span), -EEXIST, "api: a span is added once");
	is_int(media_bridge_update(e->m, b, &p), -EINVAL, "api: PT 18 refused");
	is_int(media_bridge_send_dtmf(e->m, b, 'x', MEDIA_SIDE_RTP), -EINVAL, "api: x is no digit");
	media_bridge_stop(e->m, b);
	c.channel = 7;
	c.cookie = &c2;
	is_int(media_bridge_start(e->m, &c, &b2), 0, "api: the channel is free again at once after stop");
	is_int(media_bridge_update(e->m, b, &c.params), -EINVAL, "api: a stopped bridge takes no update");
	/* Removing the span stops its bridges. */
	is_int(media_remove_span(e->m, e->mu.span), 0, "api: span removed");
	ok(wait_events(e->m, MEDIA_EV_STOPPED, &c2, 1) && wait_events(e->m, MEDIA_EV_STOPPED, &c1, 1),
	   "api: both bridges stopped");
	is_int(media_remove_span(e->m, e->mu.span), -ENOENT, "api: removed once");
	nevents = 0;
}

/* RTCP: the bridge's reports reach the far end's RTCP socket (given as a=rtcp would) and tell the loss the test
 * made; the far end's report comes back into the stats with a round trip; malformed RTCP is counted; BYE on stop. */
static void rtcp_reports(struct env *e)
{
	static int cookie;
	struct media_bridge_config c = {.span = e->mu.span, .channel = 11, .cookie = &cookie};
	struct rtp_header h = {.pt = RTP_PT_PCMU, .seq = 100, .ts = 1000, .ssrc = 0xFACE};
	struct rtcp_compound sr, rr, bye;
	uint8_t blk[RTP_FRAME], out[RTP_FRAME], buf[RTCP_MAX_PACKET];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct media_bridge *b = NULL;
	unsigned rtcp_port, port;
	int rtcp_fd = udp_peer(&rtcp_port), have_sr = 0, ticks = 0, sent = 0, got_rtp = 0;
	struct rtp_pkt pkt[4];
	uint64_t t_before = 0, t_sr = 0, t_after;
	struct media_stats st;
	ssize_t n;
	size_t len;

	media_rtp_open(e->m, &c.rtp);
	port = rtp_endpoint_port(c.rtp);
	strcpy(c.params.remote_addr, "127.0.0.1");
	c.params.remote_port = e->peer_port;
	c.params.remote_rtcp_port = rtcp_port;
	c.params.pt = RTP_PT_PCMU;
	c.params.event_pt = -1;
	c.params.send = c.params.recv = 1;
	ok(rtcp_fd >= 0 && media_bridge_start(e->m, &c, &b) == 0, "rtcp: bridge started");
	if (!b)
		return;
	memset(blk, 0xFF, sizeof(blk));
	/* 20 ms a tick, RTP in and out, until the first report: sequence numbers 103..105 never sent. */
	while (!have_sr && ticks++ < 250) {
		if (h.seq == 103)
			h.seq += 3, h.ts += 3 * RTP_FRAME;
		rtp_send(e->peer, port, &h, blk, RTP_FRAME);
		h.seq++;
		h.ts += RTP_FRAME;
		wait_rx(b, (unsigned long)++sent);
		t_before = rtcp_ntp_now();
		rtp_drain(e->peer, pkt, 4); /* whatever came before: the next is this block's */
		tdm_send(&e->mu, 11, blk, RTP_FRAME);
		tdm_recv(&e->mu, 11, out, RTP_FRAME);
		/* the block's RTP packet (a report due is sent just before it) */
		got_rtp += rtp_collect(e->peer, pkt, 4, 1) > 0;
		while ((n = recv(rtcp_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			have_sr = rtcp_parse(buf, (size_t)n, &sr) == 0;
	}
	t_sr = rtcp_ntp_now();
	ok(have_sr && ticks >= 50 && ticks <= 155, "rtcp: the first report after %d ticks of 20 ms (1..3 s)", ticks);
	ok(sr.sr && sr.packets == (uint32_t)ticks - 1 && sr.octets == (uint32_t)(ticks - 1) * RTP_FRAME && sr.cname[0],
	   "rtcp: an SR (%u packets, %u octets) with a CNAME", sr.packets, sr.octets);
	ok(sr.nblocks == 1 && sr.blocks[0].ssrc == 0xFACE && sr.blocks[0].cum_lost == 3 &&
	       sr.blocks[0].ext_seq == (uint32_t)h.seq - 1 && sr.blocks[0].fraction == 3 * 256 / (sent + 3) &&
	       sr.blocks[0].lsr == 0,
	   "rtcp: its report block tells the 3 packets lost (cum %d, fraction %u/256)", sr.blocks[0].cum_lost,
	   sr.blocks[0].fraction);
	/* The far end's RR: a report about the bridge's stream; DLSR 1 ms short of the truth, so the round trip is
	 * over 0 and at most the time from before the tick that sent the SR until now. */
	memset(&rr, 0, sizeof(rr));
	rr.ssrc = 0xFACE;
	rr.nblocks = 1;
	rr.blocks[0] = (struct rtcp_block){.ssrc = sr.ssrc, .fraction = 64, .cum_lost = 7, .jitter = 80};
	rr.blocks[0].lsr = (uint32_t)(sr.ntp >> 16);
	strcpy(rr.cname, "far");
	rr.blocks[0].dlsr = (uint32_t)((rtcp_ntp_now() - t_sr) >> 16);
	rr.blocks[0].dlsr = rr.blocks[0].dlsr > 66 ? rr.blocks[0].dlsr - 66 : 0;
	rtcp_build(&rr, buf, sizeof(buf), &len);
	to.sin_port = htons((uint16_t)(port + 1));
	sendto(rtcp_fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
	for (int i = 0; i < 5000; i++) {
		media_bridge_stats(b, &st);
		if (st.rtcp_rx_packets)
			break;
		usleep(1000);
	}
	t_after = rtcp_ntp_now();
	ok(st.rtcp_rx_packets == 1 && st.rtcp_have_report && st.rtcp_fraction_lost == 64 && st.rtcp_cum_lost == 7 &&
	       st.rtcp_jitter == 80,
	   "rtcp: the far end's report in the stats (lost 7, fraction 64, jitter 80)");
	ok(st.rtcp_rtt_us > 0 && (uint64_t)st.rtcp_rtt_us <= (((t_after - t_before) * 1000000) >> 32) + 1100,
	   "rtcp: a round trip from LSR/DLSR (%ld us)", st.rtcp_rtt_us);
	is_int((int)st.rtcp_tx_packets, 1, "rtcp: one compound sent");
	/* Malformed: refused, counted. */
	buf[0] = 0x40;
	sendto(rtcp_fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
	for (int i = 0; i < 5000 && st.rtcp_rx_bad == 0; i++) {
		usleep(1000);
		media_bridge_stats(b, &st);
	}
	ok(st.rtcp_rx_bad == 1 && st.rtcp_rx_packets == 1, "rtcp: a version 1 compound refused and counted");
	media_bridge_stop(e->m, b);
	ok(wait_events(e->m, MEDIA_EV_STOPPED, &cookie, 1), "rtcp: stopped");
	{
		struct pollfd p = {.fd = rtcp_fd, .events = POLLIN};

		n = poll(&p, 1, TIMEOUT_MS) == 1 ? recv(rtcp_fd, buf, sizeof(buf), 0) : -1;
	}
	ok(n > 0 && rtcp_parse(buf, (size_t)n, &bye) == 0 && bye.bye && bye.ssrc == sr.ssrc, "rtcp: BYE on stop");
	close(rtcp_fd);
	nevents = 0;
}

/* A bridge left running is freed by media_free. */
/* While the B-channel brings blocks, the bridge reads RTP at each block (no
 * wake-up per packet): a packet sent just before its block, with no wait,
 * is in the jitter buffer when the block is answered, every time. When the
 * blocks stop, RTP is taken in as it comes again: an RFC 4733 event is
 * reported with no TDM. */
static void tick_read(struct env *e)
{
	static int cookie;
	struct rtp_header h = {.pt = RTP_PT_PCMU, .seq = 100, .ts = 8000, .ssrc = 0xBEEF};
	uint8_t sent[NFRAMES][RTP_FRAME], tdm[RTP_FRAME], got[NFRAMES][RTP_FRAME];
	unsigned port;
	int bad = 0, blocks = 0;
	struct media_bridge *b = bridge(e, &e->mu, 5, RTP_PT_PCMU, 0, 0, &cookie, &port);

	ok(b != NULL && wait_rx(b, 0), "tick read: bridge started");
	if (!b)
		return;
	pattern(tdm, 7);
	for (int i = 0; i < NFRAMES; i++) {
		pattern(sent[i], 200 + i);
		h.marker = i == 0;
		rtp_send(e->peer, port, &h, sent[i], RTP_FRAME);
		h.seq++;
		h.ts += RTP_FRAME;
		tdm_send(&e->mu, 5, tdm, RTP_FRAME);
		blocks += tdm_recv(&e->mu, 5, got[i], RTP_FRAME) == RTP_FRAME;
	}
	is_int(blocks, NFRAMES, "tick read: every block answered");
	for (int i = 2; i < NFRAMES; i++)
		bad += memcmp(got[i], sent[i - 2], RTP_FRAME) != 0;
	is_int(bad, 0, "tick read: each packet, sent just before its block, played in its slot (40 ms later)");
	h.marker = 1;
	h.pt = 101;
	send_event(e, port, &h, 3, 160, 0);
	ok(wait_events(e->m, MEDIA_EV_DTMF, &cookie, 1),
	   "tick read: with no blocks, an RFC 4733 event is still taken in");
	media_bridge_stop(e->m, b);
	ok(wait_events(e->m, MEDIA_EV_STOPPED, &cookie, 1), "tick read: stopped");
}

/* --- A tick shared by two workers ------------------------------------ */

#define SHARE_CH    30 /* a whole E1 */
#define SHARE_TICKS 40

/* SHARE_TICKS ticks of a whole E1 span with an echo canceller on every
 * channel, through a media module of nworkers: out gets every RTP payload
 * each channel sent, in order; *helped, the blocks the second worker
 * cancelled and sent. Each tick's RTP is in its socket before the tick's
 * frame (read at the block: tick_read), and the tick's packets are all
 * back before the next, so each channel sees the same blocks whoever
 * works on them. 0 or -1. */
static int share_run(int nworkers, unsigned port_min, uint8_t (*out)[SHARE_TICKS][RTP_FRAME], unsigned long *helped)
{
	struct media_config cfg = {.nworkers = nworkers,
				   .rtp = {.addr = "127.0.0.1", .port_min = port_min, .port_max = port_min + 999},
				   .on_event = on_event};
	struct rtp_header h = {.pt = RTP_PT_PCMU, .seq = 1, .ts = 160, .ssrc = 0xF00D};
	struct media_bridge *b[SHARE_CH] = {0};
	int peer[SHARE_CH], npeers = 0, rc = -1, t = 0;
	unsigned peer_port[SHARE_CH], port[SHARE_CH];
	struct media *m = NULL;
	struct far f = {0};

	if (far_open(&f, 3, TDM_LAW_ULAW) < 0 || media_new(&cfg, &m) < 0 || media_add_span(m, f.span) < 0)
		goto out;
	for (int c = 0; c < SHARE_CH; c++) {
		struct media_bridge_config bc = {
		    .span = f.span, .channel = tdm_span_bchan_nth(TDM_SPAN_E1, c), .echo_tail_ms = 64};

		if ((peer[c] = udp_peer(&peer_port[c])) < 0)
			goto out;
		npeers++;
		if (media_rtp_open(m, &bc.rtp) < 0)
			goto out;
		port[c] = rtp_endpoint_port(bc.rtp);
		strcpy(bc.params.remote_addr, "127.0.0.1");
		bc.params.remote_port = peer_port[c];
		bc.params.pt = RTP_PT_PCMU;
		bc.params.event_pt = 101;
		bc.params.send = bc.params.recv = 1;
		if ((rc = media_bridge_start(m, &bc, &b[c])) < 0) {
			printf("# channel %d: media_bridge_start: %s\n", bc.channel, strerror(-rc));
			rc = -1;
			goto out;
		}
	}
	for (int c = 0; c < SHARE_CH; c++)
		if (!wait_rx(b[c], 0))
			goto out;
	for (t = 0; t < SHARE_TICKS; t++) {
		uint8_t frame[3 + SHARE_CH * (1 + RTP_FRAME)], *e = frame + 3, pl[RTP_FRAME];

		for (int c = 0; c < SHARE_CH; c++) {
			pattern(pl, t * SHARE_CH + c);
			rtp_send(peer[c], port[c], &h, pl, RTP_FRAME);
		}
		h.seq++;
		h.ts += RTP_FRAME;
		frame[0] = 0; /* a frame: one block per channel */
		frame[1] = RTP_FRAME & 0xFF;
		frame[2] = RTP_FRAME >> 8;
		for (int c = 0; c < SHARE_CH; c++, e += 1 + RTP_FRAME) {
			e[0] = (uint8_t)tdm_span_bchan_nth(TDM_SPAN_E1, c);
			for (int j = 0; j < RTP_FRAME; j++) /* a different sound on each channel, each tick */
				e[1 + j] = (uint8_t)((t * 131 + c * 17 + j * j * 7) % 0x50 + 0x10);
		}
		if (send(f.fd, frame, (size_t)(e - frame), 0) < 0)
			goto out;
		for (int c = 0; c < SHARE_CH; c++) {
			struct rtp_pkt pkt;

			if (rtp_collect(peer[c], &pkt, 1, 1) != 1 || pkt.len != RTP_FRAME)
				goto out;
			memcpy(out[c][t], pkt.pl, RTP_FRAME);
		}
		while (recv(f.fd, frame, sizeof(frame), MSG_DONTWAIT) > 0) /* the blocks toward the line */
			;
	}
	rc = 0;
out:
	if (rc < 0)
		printf("# %d workers: stopped at tick %d\n", nworkers, t);
	*helped = m ? media_shared_blocks(m) : 0;
	media_free(m);
	if (f.span)
		far_close(&f);
	for (int c = 0; c < npeers; c++)
		close(peer[c]);
	nevents = 0;
	return rc;
}

/* With two workers, the second cancels and sends some of each tick's
 * blocks while the span's worker does the rest: the packets are the ones
 * one worker alone sends, byte for byte. */
static void shared_tick(void)
{
	static uint8_t one[SHARE_CH][SHARE_TICKS][RTP_FRAME], two[SHARE_CH][SHARE_TICKS][RTP_FRAME];
	unsigned long helped1 = 0, helped2 = 0;
	int diff = 0;

	is_int(share_run(1, 36000, one, &helped1), 0, "shared tick: %d channels with cancellers, one worker", SHARE_CH);
	is_int(share_run(2, 37000, two, &helped2), 0, "shared tick: the same, two workers");
	for (int c = 0; c < SHARE_CH; c++)
		for (int t = 0; t < SHARE_TICKS; t++)
			diff += memcmp(one[c][t], two[c][t], RTP_FRAME) != 0;
	is_int(diff, 0, "shared tick: every packet the same with two workers as with one");
	is_int((int)helped1, 0, "shared tick: one worker shares nothing");
	ok(helped2 > 0 && helped2 < SHARE_CH * SHARE_TICKS,
	   "shared tick: the second worker took part of the ticks (%lu of %d blocks)", helped2, SHARE_CH * SHARE_TICKS);
}

static void leftover(struct env *e)
{
	static int cookie;
	unsigned port;

	ok(bridge(e, &e->a, 9, RTP_PT_PCMA, 0, 1, &cookie, &port) != NULL, "a bridge left for media_free");
}

int main(void)
{
	struct media_config cfg = {.nworkers = 2,
				   .rtp = {.addr = "127.0.0.1", .port_min = 34000, .port_max = 34999},
				   .rtp_timeout_ms = 200,
				   .on_event = on_event};
	struct env e;

	memset(&e, 0, sizeof(e));
	e.peer = udp_peer(&e.peer_port);
	ok(e.peer >= 0, "UDP peer");
	is_int(far_open(&e.mu, 1, TDM_LAW_ULAW), 0, "mu-law span");
	is_int(far_open(&e.a, 2, TDM_LAW_ALAW), 0, "A-law span");
	is_int(media_new(&cfg, &e.m), 0, "media with two workers");
	is_int(media_add_span(e.m, e.mu.span), 0, "mu-law span added");
	is_int(media_add_span(e.m, e.a.span), 0, "A-law span added");

	audio_both_ways(&e, &e.mu, 1, RTP_PT_PCMU, 0, "ulaw/PCMU");
	audio_both_ways(&e, &e.mu, 2, RTP_PT_PCMA, 0, "ulaw/PCMA");
	audio_both_ways(&e, &e.a, 1, RTP_PT_PCMA, 1, "alaw/PCMA symmetric");
	audio_both_ways(&e, &e.a, 17, RTP_PT_PCMU, 1, "alaw/PCMU symmetric");
	rfc4733_to_inband(&e);
	inband_to_rfc4733(&e);
	rtcp_reports(&e);
	tick_read(&e);
	shared_tick();
	api_checks(&e);
	leftover(&e);

	media_free(e.m);
	far_close(&e.mu);
	far_close(&e.a);
	close(e.peer);
	return tap_done();
}
