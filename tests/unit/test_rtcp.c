/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTCP (gateway/rtcp.h): compounds built and read back, malformed ones refused (RFC 3550 A.2), the report interval
 * in TDM samples, and two endpoints on loopback exchanging reports on synthetic clocks: the loss the test caused,
 * reported back, and the round trip from LSR/DLSR; SRTCP between keyed endpoints. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/rtcp.h"
#include "gateway/rtp.h"
#include "tests/tap.h"

#define SEC(s) ((uint64_t)(s) << 32)

static void test_codec(void)
{
	struct rtcp_compound c, p;
	uint8_t buf[RTCP_MAX_PACKET];
	size_t len;

	memset(&c, 0, sizeof(c));
	c.ssrc = 0x11223344;
	c.sr = 1;
	c.ntp = SEC(3900000000u) | 0x80000000u;
	c.rtp_ts = 123456;
	c.packets = 250;
	c.octets = 40000;
	c.nblocks = 1;
	c.blocks[0] = (struct rtcp_block){.ssrc = 0xCAFE,
					  .fraction = 25,
					  .cum_lost = -3,
					  .ext_seq = 0x10005,
					  .jitter = 77,
					  .lsr = 0xABCD1234,
					  .dlsr = 65536};
	strcpy(c.cname, "a1b2c3d4e5f6g7h8");
	is_int(rtcp_build(&c, buf, sizeof(buf), &len), 0, "SR + SDES built");
	is_int((int)len, 28 + 24 + 28, "SR with one block (52) and SDES (28): 80 octets");
	is_int(rtcp_parse(buf, len, &p), 0, "SR + SDES parsed");
	ok(p.sr && p.ssrc == c.ssrc && p.ntp == c.ntp && p.rtp_ts == 123456 && p.packets == 250 && p.octets == 40000,
	   "sender info read back");
	ok(p.nblocks == 1 && p.blocks[0].ssrc == 0xCAFE && p.blocks[0].fraction == 25 && p.blocks[0].cum_lost == -3 &&
	       p.blocks[0].ext_seq == 0x10005 && p.blocks[0].jitter == 77 && p.blocks[0].lsr == 0xABCD1234 &&
	       p.blocks[0].dlsr == 65536,
	   "report block read back (negative 24-bit loss too)");
	is_str(p.cname, "a1b2c3d4e5f6g7h8", "CNAME read back");
	ok(!p.bye, "no BYE");

	c.sr = 0;
	c.nblocks = 0;
	c.bye = 1;
	is_int(rtcp_build(&c, buf, sizeof(buf), &len), 0, "RR + SDES + BYE built");
	is_int(rtcp_parse(buf, len, &p), 0, "parsed");
	ok(!p.sr && p.nblocks == 0 && p.bye && p.ssrc == c.ssrc && buf[1] == RTCP_RR, "an empty RR, then BYE");
	is_int(rtcp_build(&c, buf, 40, &len), -ENOSPC, "no room");

	/* Malformed (A.2). */
	c.bye = 0;
	c.sr = 1;
	c.nblocks = 1;
	rtcp_build(&c, buf, sizeof(buf), &len);
	{
		uint8_t bad[RTCP_MAX_PACKET];

		memcpy(bad, buf, len);
		bad[0] = (uint8_t)((bad[0] & 0x3F) | 0x40);
		is_int(rtcp_parse(bad, len, &p), -EBADMSG, "version 1 refused");
		memcpy(bad, buf, len);
		bad[52 + 0] = (uint8_t)((bad[52] & 0x3F) | 0xC0);
		is_int(rtcp_parse(bad, len, &p), -EBADMSG, "version 3 in the second packet refused");
		is_int(rtcp_parse(buf + 52, len - 52, &p), -EBADMSG, "SDES first refused");
		memcpy(bad, buf, len);
		bad[0] |= 0x20;
		is_int(rtcp_parse(bad, len, &p), -EBADMSG, "padding on the first packet refused");
		is_int(rtcp_parse(buf, len - 4, &p), -EBADMSG, "lengths not adding up (truncated) refused");
		is_int(rtcp_parse(buf, len - 1, &p), -EBADMSG, "not a multiple of 4 refused");
		memcpy(bad, buf, len);
		bad[0] = (uint8_t)(bad[0] + 1); /* RC 2: the blocks overrun the SR's length */
		is_int(rtcp_parse(bad, len, &p), -EBADMSG, "report count beyond the length refused");
		memcpy(bad, buf, len);
		bad[52 + 9] = 40; /* CNAME length past the chunk */
		is_int(rtcp_parse(bad, len, &p), -EBADMSG, "SDES item overrunning refused");
		memcpy(bad, buf, len);
		memset(bad + len, 0, 8);
		bad[len] = 0xA0 | 0; /* a padded last packet: APP-like PT 204 with 4 octets of padding */
		bad[len + 1] = 204;
		bad[len + 3] = 1;
		bad[len + 7] = 4;
		is_int(rtcp_parse(bad, len + 8, &p), 0, "padding on the last packet accepted");
		bad[len + 7] = 0;
		is_int(rtcp_parse(bad, len + 8, &p), -EBADMSG, "a padding count of 0 refused");
		bad[len + 7] = 9;
		is_int(rtcp_parse(bad, len + 8, &p), -EBADMSG, "padding longer than the packet refused");
	}
}

static void test_interval(void)
{
	struct rtcp_session *s = rtcp_session_new();
	unsigned long t = 0, min = ~0ul, max = 0, sum = 0;
	int n = 0, first_ok;
	struct rtp_bind bind = {.addr = "127.0.0.1", .port_min = 36000, .port_max = 36999};
	struct rtp_endpoint *ep;

	ok(s != NULL, "session");
	rtp_endpoint_open(&bind, 0, &ep);
	while (!rtcp_session_tick(s, 160))
		t += 160;
	t += 160;
	/* 2.5 s * 0.5..1.5 / 1.21828 */
	first_ok = t >= 8200 && t <= 24800;
	ok(first_ok, "first report after %lu samples (1.03..3.08 s)", t);
	for (int i = 0; i < 200; i++) {
		rtcp_session_send(s, ep, SEC(1), 0); /* nowhere to send: reschedules all the same */
		t = 160;
		while (!rtcp_session_tick(s, 160))
			t += 160;
		min = t < min ? t : min;
		max = t > max ? t : max;
		sum += t;
		n++;
	}
	ok(min >= 16400 && max <= 49400, "intervals within 2.05..6.16 s (%lu..%lu samples)", min, max);
	ok(sum / (unsigned long)n > 29000 && sum / (unsigned long)n < 37000, "randomised around 4.1 s (mean %lu)",
	   sum / (unsigned long)n);
	ok(max - min > 16000, "spread over the range");
	rtp_endpoint_free(ep);
	rtcp_session_free(s);
}

static struct rtp_endpoint *endpoint(unsigned base, unsigned peer_port, const struct rtp_srtp_keys *keys)
{
	struct rtp_bind bind = {.addr = "127.0.0.1", .port_min = base, .port_max = base + 99};
	struct rtp_params p = {.remote_addr = "127.0.0.1", .remote_port = peer_port, .pt = RTP_PT_PCMU, .event_pt = -1};
	struct rtp_endpoint *ep = NULL;

	if (rtp_endpoint_open(&bind, 0, &ep) < 0)
		return NULL;
	p.send = p.recv = 1;
	if (keys)
		p.srtp = *keys;
	if (peer_port && rtp_endpoint_set_params(ep, &p) < 0) {
		rtp_endpoint_free(ep);
		return NULL;
	}
	return ep;
}

static int wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 2000) == 1;
}

static void test_exchange(void)
{
	struct rtp_endpoint *a = endpoint(36100, 0, NULL), *b = endpoint(36200, 0, NULL);
	struct rtcp_session *sa = rtcp_session_new(), *sb = rtcp_session_new();
	struct rtp_params p = {.pt = RTP_PT_PCMU, .event_pt = -1, .send = 1, .recv = 1};
	uint8_t audio[RTP_FRAME], junk[RTP_MAX_PACKET];
	const struct rtcp_stats *st;
	struct rtcp_compound c;
	struct rtp_rx rx;
	int got = 0;

	ok(a && b && sa && sb, "two endpoints and sessions");
	if (!a || !b || !sa || !sb)
		return;
	strcpy(p.remote_addr, "127.0.0.1");
	p.remote_port = rtp_endpoint_port(b);
	rtp_endpoint_set_params(a, &p);
	p.remote_port = rtp_endpoint_port(a);
	rtp_endpoint_set_params(b, &p);
	memset(audio, 0xFF, sizeof(audio));
	/* 20 packets a -> b, the 6th and 7th lost on the way. */
	for (int i = 0; i < 20; i++) {
		rtp_endpoint_send(a, audio, RTP_FRAME);
		wait_readable(rtp_endpoint_fd(b));
		if (i == 5 || i == 6)
			got += recv(rtp_endpoint_fd(b), junk, sizeof(junk), 0) > 0 ? 0 : 100;
		else
			got += rtp_endpoint_recv(b, (uint32_t)(i * 160), &rx) == 0 && rx.kind == RTP_RX_AUDIO;
	}
	is_int(got, 18, "18 of 20 packets received");
	/* a's SR at its 1000.0 s; b reads it at its 5000.0 s and answers at 5000.5 s; a reads that at 1000.7 s. */
	is_int(rtcp_session_send(sa, a, SEC(1000), 0), 0, "a sends its report");
	wait_readable(rtp_endpoint_rtcp_fd(b));
	is_int(rtcp_session_recv(sb, b, SEC(5000)), 1, "b reads one compound");
	is_int(rtcp_session_send(sb, b, SEC(5000) + SEC(1) / 2, 0), 0, "b reports");
	wait_readable(rtp_endpoint_rtcp_fd(a));
	is_int(rtp_endpoint_rtcp_recv(a, &c), 0, "a receives b's compound");
	ok(!c.sr && c.ssrc == rtp_endpoint_ssrc(b) && c.cname[0], "b sent an RR (it sent no RTP) with a CNAME");
	ok(c.nblocks == 1 && c.blocks[0].ssrc == rtp_endpoint_ssrc(a), "one block, about a");
	is_int(c.blocks[0].cum_lost, 2, "b reports the 2 packets lost");
	is_int(c.blocks[0].fraction, 2 * 256 / 20, "fraction lost: 2 of 20, of 256");
	is_int((int)c.blocks[0].ext_seq, (int)(rtp_endpoint_source(b)->cycles + rtp_endpoint_source(b)->max_seq),
	       "extended highest sequence");
	is_int((int)c.blocks[0].lsr, (int)(uint32_t)(SEC(1000) >> 16), "LSR: the middle of a's SR time");
	is_int((int)c.blocks[0].dlsr, 32768, "DLSR: 0.5 s in 1/65536 s");
	rtcp_session_input(sa, a, &c, SEC(1000) + SEC(7) / 10);
	st = rtcp_session_stats(sa);
	ok(st->have_report && st->cum_lost == 2 && st->fraction == 25, "a holds b's report");
	ok(st->rtt_us >= 199980 && st->rtt_us <= 200020, "round trip 1000.7 - 1000.0 - 0.5 = 200 ms (%ld us)",
	   st->rtt_us);
	is_int((int)st->rtt_max_us, (int)st->rtt_us, "worst round trip");
	is_int((int)rtcp_session_stats(sb)->rx_packets, 1, "b counted one compound");
	/* b sends RTP now: its next report is an SR; a's next has a block about b's stream. */
	rtp_endpoint_send(b, audio, RTP_FRAME);
	rtcp_session_send(sb, b, SEC(5001), 1);
	wait_readable(rtp_endpoint_rtcp_fd(a));
	is_int(rtp_endpoint_rtcp_recv(a, &c), 0, "a receives b's next compound");
	ok(c.sr && c.packets == 1 && c.octets == RTP_FRAME && c.bye, "an SR (1 packet, 160 octets) with a BYE");
	/* Garbage and a wrong version on the RTCP socket are counted, not read. */
	{
		struct sockaddr_in sa_in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		uint8_t bad[8] = {0x40, RTCP_RR, 0, 1, 1, 2, 3, 4};

		sa_in.sin_port = htons((uint16_t)(rtp_endpoint_port(a) + 1));
		sendto(fd, bad, sizeof(bad), 0, (struct sockaddr *)&sa_in, sizeof(sa_in));
		sendto(fd, bad, 5, 0, (struct sockaddr *)&sa_in, sizeof(sa_in));
		wait_readable(rtp_endpoint_rtcp_fd(a));
		usleep(10000);
		is_int(rtcp_session_recv(sa, a, SEC(1001)), 0, "no valid compound");
		is_int((int)rtcp_session_stats(sa)->rx_bad, 2, "two refused and counted");
		close(fd);
	}
	rtcp_session_free(sa);
	rtcp_session_free(sb);
	rtp_endpoint_free(a);
	rtp_endpoint_free(b);
}

static void test_srtcp(void)
{
	struct rtp_srtp_keys ka = {.suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_32}, kb;
	struct rtp_endpoint *a, *b, *plain;
	struct rtcp_session *sa = rtcp_session_new(), *sb = rtcp_session_new(), *sp = rtcp_session_new();
	uint8_t wire[RTCP_MAX_PACKET];
	struct rtp_params p = {.pt = RTP_PT_PCMU, .event_pt = -1, .send = 1, .recv = 1, .remote_addr = "127.0.0.1"};
	ssize_t n;
	int fd;

	rtp_srtp_key_new(ka.tx);
	rtp_srtp_key_new(ka.rx);
	kb = ka;
	memcpy(kb.tx, ka.rx, RTP_SRTP_KEY_LEN);
	memcpy(kb.rx, ka.tx, RTP_SRTP_KEY_LEN);
	a = endpoint(36300, 0, NULL);
	b = endpoint(36400, 0, NULL);
	plain = endpoint(36500, 0, NULL);
	ok(a && b && plain && sa && sb && sp, "keyed endpoints");
	if (!a || !b || !plain)
		return;
	p.remote_port = rtp_endpoint_port(b);
	p.srtp = ka;
	is_int(rtp_endpoint_set_params(a, &p), 0, "a keyed");
	p.remote_port = rtp_endpoint_port(a);
	p.srtp = kb;
	is_int(rtp_endpoint_set_params(b, &p), 0, "b keyed");
	p.srtp.suite = RTP_SRTP_NONE;
	p.remote_port = rtp_endpoint_port(b);
	rtp_endpoint_set_params(plain, &p);
	is_int(rtcp_session_send(sa, a, SEC(10), 0), 0, "a sends SRTCP");
	wait_readable(rtp_endpoint_rtcp_fd(b));
	/* What is on the wire is not plain RTCP. */
	n = recv(rtp_endpoint_rtcp_fd(b), wire, sizeof(wire), MSG_PEEK);
	{
		struct rtcp_compound c;

		ok(n > 0 && rtcp_parse(wire, (size_t)n, &c) < 0,
		   "the wire is SRTCP (%zd octets: not a valid RTCP compound)", n);
	}
	is_int(rtcp_session_recv(sb, b, SEC(20)), 1, "b authenticates and reads it");
	/* Tampered: flip a bit of a copy and send it to b from elsewhere. */
	rtcp_session_send(sa, a, SEC(11), 0);
	wait_readable(rtp_endpoint_rtcp_fd(b));
	n = recv(rtp_endpoint_rtcp_fd(b), wire, sizeof(wire), 0);
	wire[10] ^= 1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	{
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

		to.sin_port = htons((uint16_t)(rtp_endpoint_port(b) + 1));
		sendto(fd, wire, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
	}
	rtcp_session_send(sp, plain, SEC(12), 0); /* plain RTCP to a keyed endpoint */
	wait_readable(rtp_endpoint_rtcp_fd(b));
	usleep(10000);
	is_int(rtcp_session_recv(sb, b, SEC(21)), 0, "tampered and plain compounds not accepted");
	is_int((int)rtcp_session_stats(sb)->rx_bad, 2, "both counted as bad");
	close(fd);
	rtcp_session_free(sa);
	rtcp_session_free(sb);
	rtcp_session_free(sp);
	rtp_endpoint_free(a);
	rtp_endpoint_free(b);
	rtp_endpoint_free(plain);
}

int main(void)
{
	test_codec();
	test_interval();
	test_exchange();
	test_srtcp();
	return tap_done();
}
