/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the D-channel capture: pcap header, records, direction and the learnt side. */
#include "config.h"

#include "gateway/tdm_span.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int pair(struct tdm_span **a, struct tdm_span **b)
{
	struct tdm_span_config cfg = {.id = 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ALAW};
	int d[2], au[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, au) < 0)
		return -errno;
	if (tdm_span_virtual_from_fds(&cfg, d[0], au[0], a) < 0 || tdm_span_virtual_from_fds(&cfg, d[1], au[1], b) < 0)
		return -EIO;
	return 0;
}

static size_t slurp(const char *path, uint8_t *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* We send SABME as the network (or user) side; the peer answers UA. */
static void run(const char *path, int network)
{
	/* Q.921 3.3.2 Table 1: a command from the network has C/R = 1; a
	 * response from the user has C/R = 1 too. */
	uint8_t sabme[3] = {network ? 0x02 : 0x00, 0x01, 0x7F}, ua[3] = {network ? 0x02 : 0x00, 0x01, 0x73};
	uint8_t buf[4096], frame[TDM_DFRAME_MAX];
	struct tdm_span *a = NULL, *b = NULL;
	size_t n, len;
	const uint8_t *r;

	ok(pair(&a, &b) == 0, "%s: span pair", network ? "network" : "cpe");
	is_int(tdm_span_pcap_open(a, path), 0, "capture opened");
	is_int(tdm_span_dchan_write(a, sabme, sizeof(sabme)), 0, "SABME sent");
	is_int(tdm_span_dchan_read(b, frame, sizeof(frame), &len), 0, "SABME received by the peer (not captured)");
	is_int(tdm_span_dchan_write(b, ua, sizeof(ua)), 0, "UA sent by the peer");
	is_int(tdm_span_dchan_read(a, frame, sizeof(frame), &len), 0, "UA received");
	n = slurp(path, buf, sizeof(buf));
	is_int(n, 24 + 2 * (16 + 16 + 3), "two records, flushed before close");
	is_int(u32(buf), 0xa1b2c3d4, "pcap magic");
	is_int(u32(buf + 20), 177, "LINKTYPE_LINUX_LAPD");
	r = buf + 24;
	is_int(u32(r + 8), 16 + 3, "record length: pseudo-header + frame");
	is_int(r[16] << 8 | r[17], 4, "first record: sent (PACKET_OUTGOING)");
	is_int(r[18] << 8 | r[19], 8445, "ARPHRD_LAPD");
	is_int(r[22], network, "we_network learnt from the SABME's C/R");
	is_int(r[30] << 8 | r[31], 0x0030, "ETH_P_LAPD");
	ok(memcmp(r + 32, sabme, 3) == 0, "the frame itself");
	r += 16 + 16 + 3;
	is_int(r[16] << 8 | r[17], 0, "second record: received (PACKET_HOST)");
	is_int(r[22], network, "same side for the UA");
	ok(memcmp(r + 32, ua, 3) == 0, "the UA");
	is_int(tdm_span_pcap_close(a), 0, "capture closed");
	is_int(tdm_span_dchan_write(a, sabme, sizeof(sabme)), 0, "a frame after closing");
	is_int(slurp(path, buf, sizeof(buf)), n, "is not captured");
	is_int(tdm_span_pcap_open(a, path), 0, "reopened");
	is_int(slurp(path, buf, sizeof(buf)), 24, "truncated to the header");
	tdm_span_free(a); /* closes the capture */
	tdm_span_free(b);
	unlink(path);
}

int main(void)
{
	char dir[] = "/tmp/test_tdm_pcap.XXXXXX", path[64];
	struct tdm_span *a = NULL, *b = NULL;

	ok(mkdtemp(dir) != NULL, "temporary folder");
	snprintf(path, sizeof(path), "%s/d.pcap", dir);
	run(path, 1);
	run(path, 0);
	ok(pair(&a, &b) == 0, "span pair");
	snprintf(path, sizeof(path), "%s/missing/d.pcap", dir);
	is_int(tdm_span_pcap_open(a, path), -ENOENT, "a capture in a missing folder: -ENOENT");
	is_int(tdm_span_pcap_close(a), 0, "closing when off is a no-op");
	tdm_span_free(a);
	tdm_span_free(b);
	rmdir(dir);
	return tap_done();
}
