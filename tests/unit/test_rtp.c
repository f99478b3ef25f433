/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTP: header codec, malformed packets, sequence accounting, RFC 4733 events, the jitter buffer, and an endpoint
 * against a plain UDP socket on loopback. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gateway/rtp.h"
#include "tests/tap.h"

static void test_codec(void)
{
	struct rtp_header h = {.marker = 1, .pt = RTP_PT_PCMA, .seq = 0xBEEF, .ts = 0xDEADBEEF, .ssrc = 0x01020304}, g;
	uint8_t pl[RTP_FRAME], buf[RTP_MAX_PACKET];
	const uint8_t *p;
	size_t n, plen;

	for (int i = 0; i < RTP_FRAME; i++)
		pl[i] = (uint8_t)i;
	is_int(rtp_pack(&h, pl, sizeof(pl), buf, sizeof(buf), &n), 0, "pack");
	is_int(n, RTP_HDR_LEN + RTP_FRAME, "packed length");
	ok(buf[0] == 0x80 && buf[1] == (0x80 | 8) && buf[2] == 0xBE && buf[3] == 0xEF, "header octets");
	is_int(rtp_parse(buf, n, &g, &p, &plen), 0, "parse");
	ok(g.marker == 1 && g.pt == 8 && g.seq == 0xBEEF && g.ts == 0xDEADBEEF && g.ssrc == 0x01020304,
	   "round trip of every field");
	ok(plen == RTP_FRAME && memcmp(p, pl, plen) == 0, "payload round trip");
	is_int(rtp_pack(&h, pl, sizeof(pl), buf, RTP_HDR_LEN + 10, &n), -ENOSPC, "pack refuses a short buffer");

	/* Two CSRCs, a one-word extension, 3 octets of padding. */
	{
		uint8_t x[RTP_HDR_LEN + 8 + 8 + 4 + 3] = {0x80 | 0x20 | 0x10 | 2, 0, 0, 1};
		size_t xl = sizeof(x);

		x[RTP_HDR_LEN + 8 + 3] = 1; /* extension: 1 word */
		memcpy(x + RTP_HDR_LEN + 16, "abcd", 4);
		x[xl - 1] = 3;
		is_int(rtp_parse(x, xl, &g, &p, &plen), 0, "CSRCs, extension and padding parse");
		ok(plen == 4 && memcmp(p, "abcd", 4) == 0, "payload found past them");
		x[xl - 1] = 0;
		is_int(rtp_parse(x, xl, &g, &p, &plen), -EBADMSG, "padding count 0 refused");
		x[xl - 1] = 200;
		is_int(rtp_parse(x, xl, &g, &p, &plen), -EBADMSG, "padding beyond the payload refused");
		x[xl - 1] = 3;
		x[RTP_HDR_LEN + 8 + 3] = 9;
		is_int(rtp_parse(x, xl, &g, &p, &plen), -EBADMSG, "extension beyond the packet refused");
		x[RTP_HDR_LEN + 8 + 3] = 1;
		x[0] = 0x80 | 15;
		is_int(rtp_parse(x, RTP_HDR_LEN + 20, &g, &p, &plen), -EBADMSG, "CSRC count beyond the packet refused");
	}
	is_int(rtp_parse(buf, 11, &g, &p, &plen), -EBADMSG, "11 octets refused");
	buf[0] = 0x40;
	is_int(rtp_parse(buf, n, &g, &p, &plen), -EBADMSG, "version 1 refused");
}

static void test_events(void)
{
	struct rtp_event ev = {.event = 11, .end = 1, .volume = 10, .duration = 1234}, g;
	uint8_t b[4];

	rtp_event_pack(&ev, b);
	ok(b[0] == 11 && b[1] == (0x80 | 10) && b[2] == 0x04 && b[3] == 0xD2, "event octets (RFC 4733 2.3)");
	is_int(rtp_event_parse(b, 4, &g), 0, "event parse");
	ok(g.event == 11 && g.end && g.volume == 10 && g.duration == 1234, "event round trip");
	is_int(rtp_event_parse(b, 3, &g), -EBADMSG, "3-octet event refused");
	is_int(rtp_event_from_digit('#'), 11, "# is 11");
	is_int(rtp_event_from_digit('d'), 15, "d is 15");
	is_int(rtp_event_from_digit('x'), -1, "x is no digit");
	is_int(rtp_event_digit(10), '*', "10 is *");
	is_int(rtp_event_digit(16), 0, "16 is no digit");
}

/* Arrival in timestamp units; the packet's timestamp is arrival - 0 except
 * where a test delays it. */
static enum rtp_seq_verdict feed_late(struct rtp_source *s, uint32_t ssrc, uint16_t seq, uint32_t arrival,
				      uint32_t delay)
{
	struct rtp_header h = {.seq = seq, .ts = arrival - delay, .ssrc = ssrc};

	return rtp_source_update(s, &h, arrival);
}

static enum rtp_seq_verdict feed(struct rtp_source *s, uint32_t ssrc, uint16_t seq, uint32_t arrival)
{
	return feed_late(s, ssrc, seq, arrival, 0);
}

static void test_source(void)
{
	struct rtp_source s;

	memset(&s, 0, sizeof(s));
	is_int(feed(&s, 7, 65533, 0), RTP_SEQ_NEW_SSRC, "first packet starts the source");
	is_int(feed(&s, 7, 65534, 160), RTP_SEQ_OK, "65534");
	is_int(feed(&s, 7, 65535, 320), RTP_SEQ_OK, "65535");
	is_int(feed(&s, 7, 0, 480), RTP_SEQ_OK, "0 after 65535: a wrap");
	is_int(feed(&s, 7, 1, 640), RTP_SEQ_OK, "1");
	is_int(s.cycles, 65536, "one cycle counted");
	is_int(rtp_source_lost(&s), 0, "no loss across the wrap");
	is_int(rtp_source_jitter(&s), 0, "constant transit: no jitter");
	is_int(feed(&s, 7, 4, 1120), RTP_SEQ_OK, "a gap of two");
	is_int(rtp_source_lost(&s), 2, "two lost");
	is_int(feed(&s, 7, 2, 1200), RTP_SEQ_REORDERED, "a late one");
	is_int(rtp_source_lost(&s), 1, "one lost after it arrived");
	is_int(feed(&s, 7, 2, 1210), RTP_SEQ_DUP, "again: a duplicate");
	is_int(feed(&s, 7, 4, 1220), RTP_SEQ_DUP, "the newest again: a duplicate");
	is_int(s.dups, 2, "two duplicates");
	is_int(rtp_source_lost(&s), 1, "duplicates do not hide loss");
	is_int(feed_late(&s, 7, 5, 1680, 400), RTP_SEQ_OK, "late arrival");
	ok(rtp_source_jitter(&s) > 0, "jitter seen (%u)", rtp_source_jitter(&s));
	is_int(feed(&s, 7, 20000, 0), RTP_SEQ_JUMP, "a jump of 20000 is dropped");
	is_int(feed(&s, 7, 6, 0), RTP_SEQ_OK, "the old sequence goes on");
	is_int(feed(&s, 7, 30000, 0), RTP_SEQ_JUMP, "a jump again");
	is_int(feed(&s, 7, 30001, 0), RTP_SEQ_OK, "followed: the sequence restarts");
	is_int(rtp_source_lost(&s), 1, "the restart keeps earlier loss");
	is_int(feed(&s, 9, 100, 0), RTP_SEQ_NEW_SSRC, "a new SSRC restarts");
	is_int(s.ssrc_changes, 1, "SSRC change counted");
	is_int(feed(&s, 9, 101, 0), RTP_SEQ_OK, "in order on the new SSRC");
	is_int(rtp_source_lost(&s), 1, "loss carried over");
}

static void test_jb(void)
{
	struct rtp_jb jb;
	uint8_t in[RTP_FRAME], out[RTP_FRAME];
	int silent;

	rtp_jb_init(&jb, 320, 0xFF);
	rtp_jb_get(&jb, out, RTP_FRAME);
	ok(out[0] == 0xFF && out[159] == 0xFF, "silence before the first packet");
	memset(in, 1, sizeof(in));
	rtp_jb_put(&jb, 1000, in, RTP_FRAME);
	memset(in, 2, sizeof(in));
	rtp_jb_put(&jb, 1160, in, RTP_FRAME);
	rtp_jb_get(&jb, out, RTP_FRAME);
	rtp_jb_get(&jb, out, RTP_FRAME);
	ok(out[0] == 0xFF && out[159] == 0xFF, "40 ms of delay");
	rtp_jb_get(&jb, out, 100);
	ok(out[0] == 1 && out[99] == 1, "then the first packet");
	rtp_jb_get(&jb, out, RTP_FRAME);
	ok(out[59] == 1 && out[60] == 2 && out[159] == 2, "then the second, across blocks of other sizes");
	rtp_jb_get(&jb, out, 60);
	is_int(jb.underruns, 0, "no underrun yet");
	rtp_jb_get(&jb, out, RTP_FRAME);
	is_int(out[0], 0xFF, "nothing left: silence");
	is_int(jb.underruns, 1, "an underrun counted");
	memset(in, 3, sizeof(in));
	rtp_jb_put(&jb, 1320, in, RTP_FRAME); /* play_ts is 1480 now */
	is_int(jb.late, 1, "a packet behind playout is late");
	rtp_jb_put(&jb, 1480 + 1900, in, RTP_FRAME);
	is_int(jb.resyncs, 1, "a packet far ahead restarts the buffer");
	silent = 1;
	rtp_jb_get(&jb, out, RTP_FRAME);
	rtp_jb_get(&jb, out, RTP_FRAME);
	for (int i = 0; i < RTP_FRAME; i++)
		silent &= out[i] == 0xFF;
	rtp_jb_get(&jb, out, RTP_FRAME);
	ok(silent && out[0] == 3, "played after the delay again");
}

static int udp_peer(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static ssize_t recv_wait(int fd, uint8_t *buf, size_t size)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return recv(fd, buf, size, 0);
}

static void send_to(int fd, unsigned port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	sa.sin_port = htons((uint16_t)port);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		perror("sendto");
}

/* Receive with a deadline (the socket is non-blocking). */
static int recv_ep(struct rtp_endpoint *ep, struct rtp_rx *rx)
{
	struct pollfd p = {.fd = rtp_endpoint_fd(ep), .events = POLLIN};

	if (poll(&p, 1, 5000) != 1)
		return -ETIMEDOUT;
	return rtp_endpoint_recv(ep, 0, rx);
}

static void test_endpoint_send(void)
{
	struct rtp_bind bind = {.addr = "127.0.0.1", .port_min = 31001, .port_max = 31999};
	struct rtp_params p = {.remote_addr = "127.0.0.1", .pt = RTP_PT_PCMU, .event_pt = 101, .send = 1, .recv = 1};
	struct rtp_endpoint *ep, *ep2;
	struct rtp_header h[8];
	uint8_t pl[RTP_FRAME], buf[RTP_MAX_PACKET];
	const uint8_t *pp;
	struct rtp_event ev;
	size_t plen;
	unsigned port;
	int peer = udp_peer(&port), bad = 0;

	is_int(rtp_endpoint_open(&bind, 0, &ep), 0, "endpoint opens");
	ok(rtp_endpoint_port(ep) % 2 == 0 && rtp_endpoint_port(ep) >= 31002, "an even port in the range (%u)",
	   rtp_endpoint_port(ep));
	is_int(rtp_endpoint_open(&bind, 0, &ep2), 0, "a second one opens");
	ok(rtp_endpoint_port(ep2) != rtp_endpoint_port(ep) && rtp_endpoint_port(ep2) % 2 == 0, "on another even port");
	rtp_endpoint_free(ep2);
	is_int(rtp_endpoint_send(ep, pl, RTP_FRAME), -ENOTCONN, "no remote: nothing sent");
	p.remote_port = port;
	is_int(rtp_endpoint_set_params(ep, &p), 0, "params");
	p.pt = 18;
	is_int(rtp_endpoint_set_params(ep, &p), -EINVAL, "PT 18 refused");
	p.pt = RTP_PT_PCMU;
	p.event_pt = 95;
	is_int(rtp_endpoint_set_params(ep, &p), -EINVAL, "telephone-event PT 95 refused");
	p.event_pt = 101;
	memset(pl, 0x55, sizeof(pl));
	for (int i = 0; i < 3; i++) {
		ssize_t n;

		rtp_endpoint_send(ep, pl, RTP_FRAME);
		n = recv_wait(peer, buf, sizeof(buf));
		if (n < 0 || rtp_parse(buf, (size_t)n, &h[i], &pp, &plen) < 0 || plen != RTP_FRAME || pp[0] != 0x55)
			bad++;
	}
	is_int(bad, 0, "three audio packets arrive");
	ok(h[0].marker && !h[1].marker && !h[2].marker, "marker on the first only");
	ok((uint16_t)(h[0].seq + 1) == h[1].seq && (uint16_t)(h[1].seq + 1) == h[2].seq, "sequence +1");
	ok(h[1].ts - h[0].ts == RTP_FRAME && h[2].ts - h[1].ts == RTP_FRAME, "timestamp +160");
	ok(h[0].ssrc == h[2].ssrc && h[0].ssrc == rtp_endpoint_ssrc(ep) && h[0].pt == 0, "SSRC and PT");

	/* A 60 ms event: updates at 160, 320, then the end three times. */
	is_int(rtp_endpoint_dtmf_begin(ep, 'x', 480), -EINVAL, "x is no digit");
	is_int(rtp_endpoint_dtmf_begin(ep, '5', 480), 0, "event begins");
	is_int(rtp_endpoint_dtmf_begin(ep, '6', 480), -EBUSY, "one event at a time");
	bad = 0;
	for (int i = 0, k = 3; i < 3; i++) {
		rtp_endpoint_send(ep, pl, RTP_FRAME);
		for (int j = 0; j < (i == 2 ? 3 : 1); j++, k++) {
			ssize_t n = recv_wait(peer, buf, sizeof(buf));

			if (n < 0 || rtp_parse(buf, (size_t)n, &h[k], &pp, &plen) < 0 || h[k].pt != 101 ||
			    rtp_event_parse(pp, plen, &ev) < 0 || ev.event != 5 || ev.duration != (i + 1) * RTP_FRAME ||
			    ev.end != (i == 2) || h[k].ts != h[2].ts + RTP_FRAME)
				bad++;
		}
	}
	is_int(bad, 0, "event updates: same timestamp, growing duration, end x3");
	ok(h[3].marker && !h[4].marker && !h[5].marker, "marker on the event's first packet");
	ok((uint16_t)(h[7].seq - h[2].seq) == 5, "events take sequence numbers");
	is_int(rtp_endpoint_dtmf_busy(ep), 0, "event over");
	rtp_endpoint_send(ep, pl, RTP_FRAME);
	{
		ssize_t n = recv_wait(peer, buf, sizeof(buf));

		ok(n > 0 && rtp_parse(buf, (size_t)n, &h[0], &pp, &plen) == 0 && h[0].pt == 0 &&
		       h[0].ts == h[2].ts + 4 * RTP_FRAME,
		   "audio resumes with the clock advanced past the event");
	}
	is_int(rtp_endpoint_stats(ep)->tx_events, 5, "five event packets counted");
	p.event_pt = -1;
	rtp_endpoint_set_params(ep, &p);
	is_int(rtp_endpoint_dtmf_begin(ep, '5', 480), -ENOTSUP, "no telephone-event negotiated");
	rtp_endpoint_free(ep);
	close(peer);
}

static void test_endpoint_recv(void)
{
	struct rtp_bind bind = {.addr = "127.0.0.1", .port_min = 32000, .port_max = 32999};
	struct rtp_params p = {.pt = RTP_PT_PCMA, .event_pt = 96, .symmetric = 1, .send = 1, .recv = 1};
	struct rtp_header h = {.pt = RTP_PT_PCMA, .seq = 10, .ts = 1000, .ssrc = 42};
	struct rtp_endpoint *ep;
	struct rtp_rx rx;
	uint8_t pl[RTP_FRAME], buf[RTP_MAX_PACKET], ev[4] = {1, 0, 0, 160};
	unsigned port, port2;
	int peer = udp_peer(&port), other = udp_peer(&port2);
	size_t n;

	memset(pl, 0x2A, sizeof(pl));
	is_int(rtp_endpoint_open(&bind, 7, &ep), 0, "endpoint opens");
	rtp_endpoint_set_params(ep, &p);
	rtp_pack(&h, pl, sizeof(pl), buf, sizeof(buf), &n);
	send_to(peer, rtp_endpoint_port(ep), buf, n);
	is_int(recv_ep(ep, &rx), 0, "received");
	ok(rx.kind == RTP_RX_AUDIO && rx.len == RTP_FRAME && rx.payload[0] == 0x2A && rx.h.seq == 10, "audio");
	ok(rx.new_ssrc && rx.latched, "new SSRC, and latched");
	send_to(peer, rtp_endpoint_port(ep), buf, 8);
	recv_ep(ep, &rx);
	ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(ep)->rx_bad == 1, "a runt refused and counted");
	h.pt = 18;
	h.seq++;
	rtp_pack(&h, pl, sizeof(pl), buf, sizeof(buf), &n);
	send_to(peer, rtp_endpoint_port(ep), buf, n);
	recv_ep(ep, &rx);
	ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(ep)->rx_bad_pt == 1, "PT 18 refused and counted");
	h.pt = 96;
	rtp_pack(&h, ev, sizeof(ev), buf, sizeof(buf), &n);
	send_to(peer, rtp_endpoint_port(ep), buf, n);
	recv_ep(ep, &rx);
	ok(rx.kind == RTP_RX_EVENT && rx.ev.event == 1 && rx.ev.duration == 160, "telephone event on PT 96");
	send_to(peer, rtp_endpoint_port(ep), buf, n);
	recv_ep(ep, &rx);
	ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(ep)->rx_dropped == 1, "a duplicate dropped");
	h.seq++;
	rtp_pack(&h, ev, sizeof(ev), buf, sizeof(buf), &n);
	send_to(other, rtp_endpoint_port(ep), buf, n);
	recv_ep(ep, &rx);
	ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(ep)->rx_foreign == 1, "another source dropped after latching");
	/* Symmetric: we send where packets came from, though SDP gave no address. */
	rtp_endpoint_send(ep, pl, RTP_FRAME);
	ok(recv_wait(peer, buf, sizeof(buf)) == RTP_HDR_LEN + RTP_FRAME && (buf[1] & 0x7F) == RTP_PT_PCMA,
	   "sent to the latched source");
	/* RTCP on port + 1 is drained and does not disturb RTP. */
	send_to(peer, rtp_endpoint_port(ep) + 1, buf, 28);
	{
		struct pollfd pf = {.fd = rtp_endpoint_rtcp_fd(ep), .events = POLLIN};

		poll(&pf, 1, 5000);
	}
	rtp_endpoint_rtcp_drain(ep);
	is_int(rtp_endpoint_stats(ep)->rtcp, 1, "RTCP drained");
	is_int(rtp_endpoint_stats(ep)->rx_packets, 2, "two packets accepted in all");
	rtp_endpoint_free(ep);
	close(peer);
	close(other);
}

static void test_open_errors(void)
{
	struct rtp_bind bind = {.addr = "not-an-ip", .port_min = 30000, .port_max = 30010};
	struct rtp_endpoint *ep, *a;

	is_int(rtp_endpoint_open(&bind, 0, &ep), -EINVAL, "a host name is refused");
	bind.addr = "127.0.0.1";
	bind.port_min = bind.port_max = 30001;
	is_int(rtp_endpoint_open(&bind, 0, &ep), -EINVAL, "a range without an even/odd pair is refused");
	bind.port_min = 30000;
	bind.port_max = 30001;
	is_int(rtp_endpoint_open(&bind, 0, &a), 0, "the only pair");
	is_int(rtp_endpoint_open(&bind, 0, &ep), -EADDRINUSE, "range exhausted");
	rtp_endpoint_free(a);
}

/* Packets sent every 20 ms but read all at once at the end (as a reader
 * busy elsewhere would): with the kernel's receive times the jitter is the
 * sender's pacing (near 0); with the reader's clock it is not. */
static void test_endpoint_stamps(void)
{
	struct rtp_bind bind = {.addr = "127.0.0.1", .port_min = 33001, .port_max = 33999};
	struct rtp_params p = {.pt = RTP_PT_PCMU, .event_pt = -1, .symmetric = 1, .send = 1, .recv = 1};
	struct rtp_endpoint *ep[2];
	struct rtp_header h = {.pt = RTP_PT_PCMU, .seq = 1, .ts = 160, .ssrc = 77};
	uint8_t pl[RTP_FRAME], buf[RTP_MAX_PACKET];
	unsigned port, got[2] = {0, 0};
	int peer = udp_peer(&port);
	struct rtp_rx rx;
	double last = 0, paced = 0;
	size_t n;

	memset(pl, 0x33, sizeof(pl));
	for (int k = 0; k < 2; k++) {
		is_int(rtp_endpoint_open(&bind, 0, &ep[k]), 0, "stamps: endpoint %d opens", k);
		rtp_endpoint_set_params(ep[k], &p);
	}
	is_int(rtp_endpoint_stamp_arrivals(ep[0]), 0, "stamps: the kernel's receive times asked for");
	for (int i = 0; i < 16; i++, h.seq++, h.ts += RTP_FRAME) {
		struct timespec ts;
		double at;

		rtp_pack(&h, pl, sizeof(pl), buf, sizeof(buf), &n);
		clock_gettime(CLOCK_REALTIME, &ts);
		for (int k = 0; k < 2; k++)
			send_to(peer, rtp_endpoint_port(ep[k]), buf, n);
		/* RFC 3550 A.8 over the send times: the pacing as it really was
		 * (a loaded machine sleeps late), in samples */
		at = (double)ts.tv_sec * 8000.0 + (double)ts.tv_nsec / 125000.0;
		if (i > 0) {
			double d = at - last - RTP_FRAME;

			paced += ((d < 0 ? -d : d) - paced) / 16.0;
		}
		last = at;
		usleep(20000);
	}
	for (int k = 0; k < 2; k++)
		while (rtp_endpoint_recv(ep[k], 0, &rx) == 0)
			got[k] += rx.kind == RTP_RX_AUDIO;
	ok(got[0] == 16 && got[1] == 16, "stamps: 16 packets each (%u, %u)", got[0], got[1]);
	ok(fabs(rtp_source_jitter(rtp_endpoint_source(ep[0])) - paced) < 16.0,
	   "stamps: read late, the jitter is the sender's pacing (%u samples; the send times give %.0f)",
	   rtp_source_jitter(rtp_endpoint_source(ep[0])), paced);
	ok(rtp_source_jitter(rtp_endpoint_source(ep[1])) > 80,
	   "stamps: without them, the reader's clock makes it %u samples",
	   rtp_source_jitter(rtp_endpoint_source(ep[1])));
	for (int k = 0; k < 2; k++)
		rtp_endpoint_free(ep[k]);
	close(peer);
}

int main(void)
{
	test_codec();
	test_events();
	test_source();
	test_jb();
	test_endpoint_send();
	test_endpoint_recv();
	test_endpoint_stamps();
	test_open_errors();
	return tap_done();
}
