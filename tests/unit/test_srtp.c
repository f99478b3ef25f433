/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SRTP with SDES (gateway/rtp_srtp.c, the endpoint's use of it, and the
 * SDP side in gateway/media_sdp.c): a=crypto values, fresh keys, RTP/SAVP
 * offers and answers, and two endpoints talking SRTP, with tampered,
 * replayed, plain and wrongly keyed packets dropped and counted. */
#include "config.h"

#include "gateway/media_sdp.h"
#include "gateway/rtp.h"
#include "gateway/rtp_srtp.h"
#include "tests/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* RFC 4568 9.1's example key. */
#define EXAMPLE_KEY "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

static void test_crypto_values(void)
{
	struct rtp_srtp_crypto c, back;
	char buf[128];

	is_int(rtp_srtp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" EXAMPLE_KEY "|2^20", &c), 0,
	       "RFC 4568's example parses (with a lifetime)");
	ok(c.tag == 1 && c.suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_80 && c.key[0] == 'Y' && c.key[29] == 's',
	   "tag, suite and the 30-octet key");
	is_int(rtp_srtp_crypto_format(&c, buf, sizeof(buf)), 0, "formats");
	is_str(buf, "1 AES_CM_128_HMAC_SHA1_80 inline:" EXAMPLE_KEY, "as RFC 4568 writes it");
	is_int(rtp_srtp_crypto_parse(buf, &back), 0, "and parses back");
	ok(memcmp(&back, &c, sizeof(c)) == 0, "to the same");
	is_int(rtp_srtp_crypto_parse("7 AES_CM_128_HMAC_SHA1_32 inline:" EXAMPLE_KEY, &c), 0, "the 32-bit tag suite");
	ok(c.tag == 7 && c.suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_32, "its tag and suite");
	is_int(rtp_srtp_crypto_parse("1 AES_256_CM_HMAC_SHA1_80 inline:" EXAMPLE_KEY, &c), -ENOTSUP,
	       "a suite we do not support: -ENOTSUP");
	is_int(rtp_srtp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" EXAMPLE_KEY "|2^20|1:4", &c), -ENOTSUP,
	       "an MKI: -ENOTSUP");
	is_int(rtp_srtp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" EXAMPLE_KEY " UNENCRYPTED_SRTP", &c), -ENOTSUP,
	       "a session parameter: -ENOTSUP");
	is_int(rtp_srtp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" EXAMPLE_KEY ";inline:" EXAMPLE_KEY, &c),
	       -ENOTSUP, "several keys: -ENOTSUP");
	is_int(rtp_srtp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7", &c), -EBADMSG,
	       "a short key: -EBADMSG");
	is_int(rtp_srtp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubG!z", &c),
	       -EBADMSG, "not base64: -EBADMSG");
	is_int(rtp_srtp_crypto_parse("x AES_CM_128_HMAC_SHA1_80 inline:" EXAMPLE_KEY, &c), -EBADMSG,
	       "no tag: -EBADMSG");
	is_int(rtp_srtp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 key:" EXAMPLE_KEY, &c), -EBADMSG,
	       "no inline key: -EBADMSG");
}

static void test_keys(void)
{
	uint8_t a[RTP_SRTP_KEY_LEN], b[RTP_SRTP_KEY_LEN], zero[RTP_SRTP_KEY_LEN] = {0};

	is_int(rtp_srtp_key_new(a), 0, "a key");
	is_int(rtp_srtp_key_new(b), 0, "another");
	ok(memcmp(a, b, sizeof(a)) != 0 && memcmp(a, zero, sizeof(a)) != 0, "they differ (and are not zero)");
}

static const char savp_offer[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
				 "m=audio 40000 RTP/SAVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
				 "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" EXAMPLE_KEY EXAMPLE_KEY "\r\n"
				 "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" EXAMPLE_KEY "\r\n"
				 "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" EXAMPLE_KEY "\r\n";

static void test_sdp(void)
{
	struct rtp_srtp_crypto ours = {5, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, {0}};
	struct media_sdp_local local = {.addr = "192.0.2.1",
					.port = 20000,
					.sess_id = 1,
					.sess_version = 1,
					.first_pt = RTP_PT_PCMA,
					.event_pt = RTP_PT_EVENT_DEF,
					.dir = MEDIA_DIR_SENDRECV};
	struct media_sdp_info in, back;
	char buf[2048], *no_crypto;

	rtp_srtp_key_new(ours.key);
	is_int(media_sdp_parse(savp_offer, strlen(savp_offer), MEDIA_CODEC_PCMA, &in), 0, "an RTP/SAVP offer parses");
	ok(in.savp && in.crypto.tag == 2 && in.crypto.suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_32,
	   "RTP/SAVP; the first a=crypto we support is chosen (tag 2, the 32-bit tag)");
	is_int(media_sdp_answer(&local, &in, buf, sizeof(buf)), -EINVAL, "answering it needs our key");
	local.crypto = &ours;
	is_int(media_sdp_answer(&local, &in, buf, sizeof(buf)), 0, "the answer");
	ok(strstr(buf, "m=audio 20000 RTP/SAVP 8 101\r\n") != NULL, "is RTP/SAVP");
	is_int(media_sdp_parse(buf, strlen(buf), MEDIA_CODEC_PCMA, &back), 0, "parses");
	ok(back.savp && back.crypto.tag == 2 && back.crypto.suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_32 &&
	       memcmp(back.crypto.key, ours.key, sizeof(ours.key)) == 0,
	   "the offer's tag and suite with our own key");
	is_int(media_sdp_offer(&local, buf, sizeof(buf)), 0, "an offer with crypto");
	ok(strstr(buf, "RTP/SAVP 8 0 101\r\n") && strstr(buf, "a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:"),
	   "is RTP/SAVP with our a=crypto");
	local.crypto = NULL;
	is_int(media_sdp_offer(&local, buf, sizeof(buf)), 0, "an offer without");
	ok(strstr(buf, "RTP/AVP 8 0 101\r\n") && !strstr(buf, "a=crypto"), "is RTP/AVP");
	is_int(media_sdp_parse(buf, strlen(buf), MEDIA_CODEC_PCMA, &back), 0, "parses");
	ok(!back.savp, "as plain RTP");
	/* only suites we do not support */
	snprintf(buf, sizeof(buf), "%s", savp_offer);
	no_crypto = strstr(buf, "a=crypto:2");
	*no_crypto = '\0';
	is_int(media_sdp_parse(buf, strlen(buf), MEDIA_CODEC_PCMA, &in), -EPROTONOSUPPORT,
	       "RTP/SAVP whose only a=crypto we do not support: -EPROTONOSUPPORT (488)");
	ok(in.savp, "still reported as RTP/SAVP");
}

/* Two endpoints on loopback, keyed for each other. */
static int recv_wait(struct rtp_endpoint *ep, struct rtp_rx *rx)
{
	struct pollfd p = {.fd = rtp_endpoint_fd(ep), .events = POLLIN};

	if (poll(&p, 1, 5000) != 1)
		return -ETIMEDOUT;
	return rtp_endpoint_recv(ep, 0, rx);
}

static void test_endpoints(void)
{
	struct rtp_bind rb = {.addr = "127.0.0.1", .port_min = 33000, .port_max = 33999};
	struct rtp_params pa = {.remote_addr = "127.0.0.1", .pt = RTP_PT_PCMA, .event_pt = -1, .send = 1, .recv = 1};
	struct rtp_params pb;
	struct rtp_endpoint *a, *b;
	struct rtp_rx rx;
	uint8_t pl[RTP_FRAME], pkt[RTP_MAX_PACKET];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int raw = socket(AF_INET, SOCK_DGRAM, 0), sniff = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sn = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t snlen = sizeof(sn);
	ssize_t n;

	is_int(rtp_endpoint_open(&rb, 0, &a), 0, "endpoint a");
	is_int(rtp_endpoint_open(&rb, 5, &b), 0, "endpoint b");
	pb = pa;
	pa.remote_port = rtp_endpoint_port(b);
	pb.remote_port = rtp_endpoint_port(a);
	pa.srtp.suite = pb.srtp.suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_80;
	rtp_srtp_key_new(pa.srtp.tx);
	rtp_srtp_key_new(pa.srtp.rx);
	memcpy(pb.srtp.tx, pa.srtp.rx, RTP_SRTP_KEY_LEN);
	memcpy(pb.srtp.rx, pa.srtp.tx, RTP_SRTP_KEY_LEN);
	is_int(rtp_endpoint_set_params(a, &pa), 0, "a keyed");
	is_int(rtp_endpoint_set_params(b, &pb), 0, "b keyed");
	memset(pl, 0x5A, sizeof(pl));

	/* What goes on the wire is not the payload. */
	bind(sniff, (struct sockaddr *)&sn, sizeof(sn));
	getsockname(sniff, (struct sockaddr *)&sn, &snlen);
	pa.remote_port = ntohs(sn.sin_port);
	rtp_endpoint_set_params(a, &pa);
	rtp_endpoint_send(a, pl, RTP_FRAME);
	n = recv(sniff, pkt, sizeof(pkt), 0);
	is_int((int)n, RTP_HDR_LEN + RTP_FRAME + 10, "a protected packet: header, payload and a 10-octet tag");
	ok(n > RTP_HDR_LEN && memchr(pkt + RTP_HDR_LEN, 0x5A, RTP_FRAME) != pkt + RTP_HDR_LEN, "encrypted on the wire");
	/* Forward it: b decrypts it. */
	to.sin_port = htons((uint16_t)rtp_endpoint_port(b));
	sendto(raw, pkt, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
	is_int(recv_wait(b, &rx), 0, "b receives");
	ok(rx.kind == RTP_RX_AUDIO && rx.len == RTP_FRAME && rx.payload[0] == 0x5A && rx.payload[RTP_FRAME - 1] == 0x5A,
	   "the audio, decrypted");
	/* Replayed: dropped. */
	sendto(raw, pkt, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
	is_int(recv_wait(b, &rx), 0, "the same packet again");
	ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(b)->rx_replay == 1, "a replay: dropped and counted");
	/* Tampered: one payload bit flipped. */
	rtp_endpoint_send(a, pl, RTP_FRAME);
	n = recv(sniff, pkt, sizeof(pkt), 0);
	pkt[RTP_HDR_LEN + 3] ^= 0x01;
	sendto(raw, pkt, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
	is_int(recv_wait(b, &rx), 0, "a tampered packet");
	ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(b)->rx_auth_fail == 1,
	   "fails authentication: dropped, counted");
	/* Plain RTP to an SRTP endpoint. */
	{
		struct rtp_header h = {.pt = RTP_PT_PCMA, .seq = 1, .ts = 1, .ssrc = 9};
		size_t len;

		rtp_pack(&h, pl, RTP_FRAME, pkt, sizeof(pkt), &len);
		sendto(raw, pkt, len, 0, (struct sockaddr *)&to, sizeof(to));
		is_int(recv_wait(b, &rx), 0, "plain RTP");
		ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(b)->rx_auth_fail == 2, "is refused too");
	}
	is_int((int)rtp_endpoint_stats(b)->rx_packets, 1, "only the genuine packet was accepted");
	/* The real path, both ways. */
	pa.remote_port = rtp_endpoint_port(b);
	rtp_endpoint_set_params(a, &pa);
	rtp_endpoint_send(a, pl, RTP_FRAME);
	is_int(recv_wait(b, &rx), 0, "a -> b");
	ok(rx.kind == RTP_RX_AUDIO && rx.payload[0] == 0x5A, "audio");
	memset(pl, 0x33, sizeof(pl));
	rtp_endpoint_send(b, pl, RTP_FRAME);
	is_int(recv_wait(a, &rx), 0, "b -> a");
	ok(rx.kind == RTP_RX_AUDIO && rx.payload[0] == 0x33, "audio");
	/* The same keys again (a re-INVITE) keep the session: no replay
	 * state lost, so the next packet is fine. */
	is_int(rtp_endpoint_set_params(b, &pb), 0, "the same keys again");
	rtp_endpoint_send(a, pl, RTP_FRAME);
	is_int(recv_wait(b, &rx), 0, "still received");
	ok(rx.kind == RTP_RX_AUDIO, "and accepted");
	/* Wrong keys: nothing gets through. */
	rtp_srtp_key_new(pb.srtp.rx);
	is_int(rtp_endpoint_set_params(b, &pb), 0, "b rekeyed with a key a does not use");
	rtp_endpoint_send(a, pl, RTP_FRAME);
	is_int(recv_wait(b, &rx), 0, "a packet");
	ok(rx.kind == RTP_RX_NONE && rtp_endpoint_stats(b)->rx_auth_fail == 3, "fails authentication");
	pb.srtp.suite = 9;
	is_int(rtp_endpoint_set_params(b, &pb), -EINVAL, "an unknown suite is refused");
	rtp_endpoint_free(a);
	rtp_endpoint_free(b);
	close(raw);
	close(sniff);
}

int main(void)
{
	test_crypto_values();
	test_keys();
	test_sdp();
	test_endpoints();
	return tap_done();
}
