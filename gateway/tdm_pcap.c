/* SPDX-License-Identifier: GPL-2.0-or-later */
/* D-channel capture: a span's Q.921 frames into a pcap file (LINKTYPE_LINUX_LAPD), one write per frame. */
#include "config.h"

#include "gateway/tdm_span.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* https://www.tcpdump.org/linktypes.html: LINKTYPE_LINUX_LAPD, "LAPD
 * frames with a Linux cooked-mode-like pseudo-header". */
#define LINKTYPE_LINUX_LAPD 177
#define SLL_LEN             16
#define SLL_PACKET_HOST     0 /* received */
#define SLL_PACKET_OUTGOING 4 /* sent */
#define ARPHRD_LAPD         8445
#define ETH_P_LAPD          0x0030

struct tdm_pcap {
	int fd;
	int err;        /* first write error, 0 if none */
	int we_network; /* learnt from the frames, see frame_kind() */
};

static void put16be(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One writev: a reader never sees half a record unless the disk is full. */
static int write_all(int fd, const struct iovec *iov, int n)
{
	size_t want = 0;
	ssize_t got;

	for (int i = 0; i < n; i++)
		want += iov[i].iov_len;
	got = writev(fd, iov, n);
	if (got < 0)
		return -errno;
	return (size_t)got == want ? 0 : -EIO;
}

int tdm_span_pcap_open(struct tdm_span *span, const char *path)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr = {0xa1b2c3d4, /* in our byte order, as the magic tells readers */
		 2,          4, 0, 0, 65535, LINKTYPE_LINUX_LAPD};
	struct iovec iov = {&hdr, sizeof(hdr)};
	struct tdm_pcap *p;
	int rc;

	tdm_span_pcap_close(span);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (p->fd < 0) {
		rc = -errno;
		free(p);
		return rc;
	}
	if ((rc = write_all(p->fd, &iov, 1)) < 0) {
		close(p->fd);
		free(p);
		return rc;
	}
	span->pcap = p;
	return 0;
}

int tdm_span_pcap_close(struct tdm_span *span)
{
	struct tdm_pcap *p = span->pcap;
	int rc;

	if (!p)
		return 0;
	rc = p->err;
	if (close(p->fd) < 0 && rc == 0)
		rc = -errno;
	free(p);
	span->pcap = NULL;
	return rc;
}

/* Whether a frame is a command (1), a response (0) or either (-1), by its
 * control field (Q.921 3.6, Table 5): I frames and SABME, DISC, UI are
 * commands; UA, DM, FRMR are responses; S frames and XID may be both. */
static int frame_kind(const uint8_t *f)
{
	uint8_t c = f[2];

	if ((c & 0x01) == 0)
		return 1;
	if ((c & 0x03) == 0x01)
		return -1;
	switch (c & 0xEF) { /* U format, P/F bit masked */
	case 0x6F:          /* SABME */
	case 0x43:          /* DISC */
	case 0x03:          /* UI */
		return 1;
	case 0x63: /* UA */
	case 0x0F: /* DM */
	case 0x87: /* FRMR */
		return 0;
	default:
		return -1;
	}
}

/* Q.921 3.3.2 Table 1: C/R is 1 in commands the network sends and in
 * responses the user sends. */
static void learn_side(struct tdm_pcap *p, int sent, const uint8_t *f)
{
	int kind = frame_kind(f), cr = (f[0] & 0x02) != 0, from_network;

	if (kind < 0)
		return;
	from_network = kind ? cr : !cr;
	p->we_network = sent ? from_network : !from_network;
}

void tdm_span_pcap_frame(struct tdm_span *span, int sent, const uint8_t *frame, size_t len)
{
	struct tdm_pcap *p = span->pcap;
	struct timespec ts;
	uint32_t rec[4];
	uint8_t sll[SLL_LEN] = {0};
	struct iovec iov[3];
	int rc;

	if (!p || p->err || len < TDM_DFRAME_MIN)
		return;
	learn_side(p, sent, frame);
	clock_gettime(CLOCK_REALTIME, &ts);
	rec[0] = (uint32_t)ts.tv_sec;
	rec[1] = (uint32_t)(ts.tv_nsec / 1000);
	rec[2] = rec[3] = (uint32_t)(SLL_LEN + len);
	put16be(sll + 0, sent ? SLL_PACKET_OUTGOING : SLL_PACKET_HOST);
	put16be(sll + 2, ARPHRD_LAPD);
	put16be(sll + 4, 1);
	sll[6] = (uint8_t)p->we_network;
	put16be(sll + 14, ETH_P_LAPD);
	iov[0] = (struct iovec){rec, sizeof(rec)};
	iov[1] = (struct iovec){sll, sizeof(sll)};
	iov[2] = (struct iovec){(void *)frame, len};
	if ((rc = write_all(p->fd, iov, 3)) < 0)
		p->err = rc;
}
