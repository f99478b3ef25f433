/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An SRTP peer for tests/integration/sip_srtp.sh, written against libsrtp2
 * directly (not gateway/rtp_srtp.c, so it checks tandemd's SRTP rather
 * than agreeing with it): from a local UDP port it sends A-law packets
 * of one octet value, protected with its key, to the far end, and
 * unprotects what comes back with the far end's key. First it sends
 * --tamper packets with one payload bit flipped after protection. Prints
 * "sent=N rx_ok=N rx_fail=N tone=N": rx_fail counts packets that did not
 * authenticate, tone those whose audio is a tone near 1004 Hz (pstnsim's
 * answer tone), judged by zero crossings.
 *
 * usage: srtp_peer LOCAL_PORT REMOTE_IP REMOTE_PORT SUITE(80|32) TX_KEY RX_KEY PACKETS OCTET TAMPER */
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

#include <srtp2/srtp.h>

static int b64_decode(const char *in, uint8_t *out, size_t outlen)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	size_t bits = 0, o = 0;

	for (; *in && *in != '='; in++) {
		const char *p = strchr(t, *in);

		if (!p)
			return -1;
		acc = (acc << 6) | (uint32_t)(p - t);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < outlen)
				out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o == outlen ? 0 : -1;
}

static int alaw_to_linear(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

static srtp_t session(int suite, const char *b64, int inbound)
{
	srtp_policy_t pol;
	uint8_t key[30];
	srtp_t s = NULL;

	if (b64_decode(b64, key, sizeof(key)) < 0) {
		fprintf(stderr, "srtp_peer: bad key %s\n", b64);
		exit(2);
	}
	memset(&pol, 0, sizeof(pol));
	if (suite == 32)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
	else
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol.key = key;
	pol.window_size = 128;
	if (srtp_create(&s, &pol) != srtp_err_status_ok) {
		fprintf(stderr, "srtp_peer: srtp_create failed\n");
		exit(2);
	}
	return s;
}

int main(int argc, char **argv)
{
	struct sockaddr_in local = {.sin_family = AF_INET}, remote = {.sin_family = AF_INET};
	uint8_t pkt[1500] __attribute__((aligned(8)));
	int fd, npackets, tamper, octet, suite;
	unsigned long sent = 0, rx_ok = 0, rx_fail = 0, tone = 0;
	uint16_t seq = 1000;
	uint32_t ts = 160000, ssrc = 0x5eed1234;
	srtp_t tx, rx;

	if (argc != 10) {
		fprintf(stderr, "usage: srtp_peer LOCAL_PORT REMOTE_IP REMOTE_PORT 80|32 TX_KEY RX_KEY PACKETS OCTET "
				"TAMPER\n");
		return 2;
	}
	srtp_init();
	suite = atoi(argv[4]);
	tx = session(suite, argv[5], 0);
	rx = session(suite, argv[6], 1);
	npackets = atoi(argv[7]);
	octet = (int)strtol(argv[8], NULL, 0);
	tamper = atoi(argv[9]);
	local.sin_port = htons((uint16_t)atoi(argv[1]));
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	remote.sin_port = htons((uint16_t)atoi(argv[3]));
	inet_pton(AF_INET, argv[2], &remote.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("srtp_peer: bind");
		return 2;
	}
	/* One packet each 20 ms; between them, read what arrives. */
	for (int i = 0; i < tamper + npackets + 25; i++) {
		struct timespec until;

		if (i < tamper + npackets) {
			int len = 12 + 160;

			pkt[0] = 0x80;
			pkt[1] = (uint8_t)(8 | (i == 0 ? 0x80 : 0));
			pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq;
			pkt[4] = (uint8_t)(ts >> 24), pkt[5] = (uint8_t)(ts >> 16), pkt[6] = (uint8_t)(ts >> 8),
			pkt[7] = (uint8_t)ts;
			pkt[8] = (uint8_t)(ssrc >> 24), pkt[9] = (uint8_t)(ssrc >> 16), pkt[10] = (uint8_t)(ssrc >> 8),
			pkt[11] = (uint8_t)ssrc;
			memset(pkt + 12, octet, 160);
			seq++;
			ts += 160;
			if (srtp_protect(tx, pkt, &len) != srtp_err_status_ok)
				return 2;
			if (i < tamper)
				pkt[12 + 40] ^= 0x10; /* after protection: must fail authentication */
			if (sendto(fd, pkt, (size_t)len, 0, (struct sockaddr *)&remote, sizeof(remote)) == len &&
			    i >= tamper)
				sent++;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 20000000;
		if (until.tv_nsec >= 1000000000)
			until.tv_sec++, until.tv_nsec -= 1000000000;
		for (;;) {
			struct timespec now;
			struct pollfd p = {.fd = fd, .events = POLLIN};
			long ms;
			int n;

			clock_gettime(CLOCK_MONOTONIC, &now);
			ms = (until.tv_sec - now.tv_sec) * 1000 + (until.tv_nsec - now.tv_nsec) / 1000000;
			if (ms <= 0 || poll(&p, 1, (int)ms) != 1)
				break;
			n = (int)recv(fd, pkt, sizeof(pkt), 0);
			if (n <= 0)
				continue;
			if (srtp_unprotect(rx, pkt, &n) != srtp_err_status_ok) {
				rx_fail++;
				continue;
			}
			rx_ok++;
			if (n == 12 + 160 && (pkt[1] & 0x7f) == 8) {
				int crossings = 0, prev = alaw_to_linear(pkt[12]);

				for (int k = 1; k < 160; k++) {
					int v = alaw_to_linear(pkt[12 + k]);

					crossings += (v >= 0) != (prev >= 0);
					prev = v;
				}
				/* 1004 Hz: about 40 crossings in 20 ms */
				tone += crossings >= 36 && crossings <= 44;
			}
		}
	}
	printf("sent=%lu rx_ok=%lu rx_fail=%lu tone=%lu\n", sent, rx_ok, rx_fail, tone);
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	close(fd);
	return 0;
}
