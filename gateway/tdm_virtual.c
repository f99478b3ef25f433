/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The virtual span backend: D-channel frames and B-channel audio over AF_UNIX SOCK_SEQPACKET (one message per block,
 * or one frame per tick with every channel's block). */
#include "config.h"

#include "gateway/tdm_span.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define FCS_LEN 2

struct tdm_virtual_listener {
	int dfd, afd;     /* listen sockets */
	int dconn, aconn; /* accepted connections, -1 until they arrive */
	char *dpath, *apath;
};

/* The HDLC frame check sequence: CRC-16/X.25 (ISO 3309, RFC 1662 C.2),
 * reflected polynomial 0x8408, initial 0xFFFF, complemented, sent low
 * octet first. Over a frame plus its FCS it leaves 0xF0B8. */
static uint16_t fcs16(const uint8_t *p, size_t len)
{
	uint16_t fcs = 0xFFFF;

	while (len--) {
		fcs ^= *p++;
		for (int i = 0; i < 8; i++)
			fcs = (fcs & 1) ? (uint16_t)((fcs >> 1) ^ 0x8408) : (uint16_t)(fcs >> 1);
	}
	return fcs;
}

static int sock_err(void)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -EAGAIN;
	if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
		return -EPIPE;
	return -errno;
}

static int vdchan_write(struct tdm_span *span, const uint8_t *frame, size_t len)
{
	uint8_t msg[TDM_DFRAME_MAX + FCS_LEN];
	uint16_t fcs;

	memcpy(msg, frame, len);
	fcs = (uint16_t)~fcs16(frame, len);
	msg[len] = (uint8_t)(fcs & 0xFF);
	msg[len + 1] = (uint8_t)(fcs >> 8);
	if (send(span->dchan_fd, msg, len + FCS_LEN, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return sock_err();
	return 0;
}

static int vdchan_read(struct tdm_span *span, uint8_t *buf, size_t size, size_t *len)
{
	uint8_t msg[TDM_DFRAME_MAX + FCS_LEN];
	ssize_t n;

	/* MSG_TRUNC: n is the real length, so an over-long frame is seen. */
	n = recv(span->dchan_fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return sock_err();
	if (n == 0)
		return -EPIPE; /* SEQPACKET: end of stream */
	if ((size_t)n < TDM_DFRAME_MIN + FCS_LEN || (size_t)n > sizeof(msg))
		return -EBADMSG;
	if (fcs16(msg, (size_t)n) != 0xF0B8)
		return -EBADMSG;
	/* Q.921 3.3.1: the address field is two octets, EA = 0 then 1. */
	if ((msg[0] & 1) != 0 || (msg[1] & 1) != 1)
		return -EBADMSG;
	if ((size_t)n - FCS_LEN > size)
		return -EBADMSG;
	memcpy(buf, msg, (size_t)n - FCS_LEN);
	*len = (size_t)n - FCS_LEN;
	return 0;
}

/* A span's audio state. A frame (docs/spans.md) is [0][N: 2 octets, low first] and then, per channel,
 * [channel][N octets]: what one tick of a TDM span carries. */
#define FRAME_HDR 3
#define FRAME_MAX (FRAME_HDR + TDM_SPAN_MAX_CHANNELS * (1 + TDM_AUDIO_MAX))

struct vspan {
	struct tdm_span base;
	/* Received: the last message, handed out one block at a time. */
	uint8_t rx[FRAME_MAX];
	size_t rx_len, rx_off, rx_blk;
	/* To send: blocks queued while corked, as [channel][block] entries. */
	uint8_t tx[FRAME_MAX];
	size_t tx_len, tx_blk;
	uint32_t tx_chans; /* the channels queued (bit ch) */
	int corked;
	int framed; /* send frames: set, or learnt from the first frame received */
};

static int send_msg(struct tdm_span *span, const uint8_t *msg, size_t len)
{
	if (send(span->audio_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return sock_err();
	return 0;
}

/* Send what is queued: one frame, or one message per block to a peer that
 * has not spoken frames. A block not sent is counted as dropped. */
static int vaudio_flush(struct tdm_span *span)
{
	struct vspan *v = (struct vspan *)span;
	size_t entry = 1 + v->tx_blk, n = v->tx_len / entry;
	int rc = 0;

	if (!v->tx_len)
		return 0;
	if (v->framed) {
		v->tx[0] = 0;
		v->tx[1] = (uint8_t)(v->tx_blk & 0xFF);
		v->tx[2] = (uint8_t)(v->tx_blk >> 8);
		rc = send_msg(span, v->tx, FRAME_HDR + v->tx_len);
		if (rc < 0) {
			span->stats.b_dropped += n;
			span->stats.b_tx -= n * v->tx_blk;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			int r = send_msg(span, v->tx + FRAME_HDR + i * entry, entry);

			if (r < 0) {
				span->stats.b_dropped++;
				span->stats.b_tx -= v->tx_blk;
				rc = rc < 0 ? rc : r;
			}
		}
	}
	v->tx_len = 0;
	v->tx_chans = 0;
	return rc;
}

static int vaudio_write(struct tdm_span *span, int ch, const uint8_t *buf, size_t len)
{
	struct vspan *v = (struct vspan *)span;
	uint8_t msg[1 + TDM_AUDIO_MAX];
	uint8_t *e;

	if (!v->corked) {
		msg[0] = (uint8_t)ch;
		memcpy(msg + 1, buf, len);
		return send_msg(span, msg, len + 1);
	}
	/* A frame holds one block per channel, all of one length: a second
	 * block for a channel (or another length) starts the next frame. */
	if (v->tx_len && (len != v->tx_blk || (v->tx_chans & (1u << ch))))
		vaudio_flush(span);
	v->tx_blk = len;
	v->tx_chans |= 1u << ch;
	e = v->tx + FRAME_HDR + v->tx_len;
	e[0] = (uint8_t)ch;
	memcpy(e + 1, buf, len);
	v->tx_len += 1 + len;
	return 0;
}

static void vaudio_cork(struct tdm_span *span, int on)
{
	struct vspan *v = (struct vspan *)span;

	if (!on)
		vaudio_flush(span);
	v->corked = on;
}

static int vaudio_read(struct tdm_span *span, int *ch, uint8_t *buf, size_t size, size_t *len)
{
	struct vspan *v = (struct vspan *)span;
	ssize_t n;

	if (v->rx_off >= v->rx_len) {
		v->rx_off = v->rx_len = 0;
		n = recv(span->audio_fd, v->rx, sizeof(v->rx), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			return sock_err();
		if (n == 0)
			return -EPIPE;
		if ((size_t)n > sizeof(v->rx))
			return -EBADMSG;
		if (v->rx[0] != 0) { /* one block: [channel][audio] */
			if (n < 2 || (size_t)n - 1 > size)
				return -EBADMSG;
			*ch = v->rx[0];
			memcpy(buf, v->rx + 1, (size_t)n - 1);
			*len = (size_t)n - 1;
			return 0;
		}
		/* a frame: its length must be whole blocks */
		if (n < FRAME_HDR)
			return -EBADMSG;
		v->rx_blk = v->rx[1] | (size_t)v->rx[2] << 8;
		if (v->rx_blk < 1 || v->rx_blk > TDM_AUDIO_MAX || (size_t)n == FRAME_HDR ||
		    ((size_t)n - FRAME_HDR) % (1 + v->rx_blk))
			return -EBADMSG;
		v->framed = 1;
		v->rx_len = (size_t)n;
		v->rx_off = FRAME_HDR;
	}
	/* the next block of the frame (tdm_span_audio_read checks the channel) */
	*ch = v->rx[v->rx_off];
	v->rx_off += 1 + v->rx_blk;
	if (v->rx_blk > size)
		return -EBADMSG;
	memcpy(buf, v->rx + v->rx_off - v->rx_blk, v->rx_blk);
	*len = v->rx_blk;
	return 0;
}

static void vfree(struct tdm_span *span)
{
	if (span->dchan_fd >= 0)
		close(span->dchan_fd);
	if (span->audio_fd >= 0)
		close(span->audio_fd);
	free(span);
}

static const struct tdm_span_ops virtual_ops = {
    .name = "virtual",
    .dchan_write = vdchan_write,
    .dchan_read = vdchan_read,
    .audio_write = vaudio_write,
    .audio_read = vaudio_read,
    .free = vfree,
    .audio_cork = vaudio_cork,
    .audio_flush = vaudio_flush,
};

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int tdm_span_virtual_from_fds(const struct tdm_span_config *cfg, int dchan_fd, int audio_fd, struct tdm_span **out)
{
	struct tdm_span *span;
	int rc;

	*out = NULL;
	span = calloc(1, sizeof(struct vspan));
	if (!span) {
		close(dchan_fd);
		close(audio_fd);
		return -ENOMEM;
	}
	span->ops = &virtual_ops;
	span->cfg = *cfg;
	span->dchan_fd = dchan_fd;
	span->audio_fd = audio_fd;
	if (cfg->type != TDM_SPAN_E1 && cfg->type != TDM_SPAN_T1) {
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = set_nonblock(dchan_fd)) < 0 || (rc = set_nonblock(audio_fd)) < 0)
		goto fail;
	*out = span;
	return 0;
fail:
	vfree(span);
	return rc;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static int connect_one(const char *path, int *fd)
{
	struct sockaddr_un sa;
	int rc, s;

	*fd = -1;
	if ((rc = unix_addr(path, &sa)) < 0)
		return rc;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}

void tdm_span_virtual_set_framed(struct tdm_span *span)
{
	if (span->ops == &virtual_ops)
		((struct vspan *)span)->framed = 1;
}

int tdm_span_virtual_connect(const struct tdm_span_config *cfg, const char *dchan_path, const char *audio_path,
			     struct tdm_span **out)
{
	int rc, dfd = -1, afd = -1;

	*out = NULL;
	if ((rc = connect_one(dchan_path, &dfd)) < 0)
		goto out;
	if ((rc = connect_one(audio_path, &afd)) < 0)
		goto out;
	rc = tdm_span_virtual_from_fds(cfg, dfd, afd, out);
	dfd = afd = -1; /* owned by the span (or closed) now */
out:
	if (dfd >= 0)
		close(dfd);
	if (afd >= 0)
		close(afd);
	return rc;
}

static int listen_one(const char *path, int *fd)
{
	struct sockaddr_un sa;
	struct stat st;
	int rc, s;

	*fd = -1;
	if ((rc = unix_addr(path, &sa)) < 0)
		return rc;
	/* Replace a stale socket, never another kind of file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 4) < 0) {
		rc = -errno;
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}

int tdm_virtual_listen(const char *dchan_path, const char *audio_path, struct tdm_virtual_listener **out)
{
	struct tdm_virtual_listener *l;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->dfd = l->afd = l->dconn = l->aconn = -1;
	l->dpath = strdup(dchan_path);
	l->apath = strdup(audio_path);
	if (!l->dpath || !l->apath) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = listen_one(dchan_path, &l->dfd)) < 0)
		goto fail;
	if ((rc = listen_one(audio_path, &l->afd)) < 0)
		goto fail;
	*out = l;
	return 0;
fail:
	tdm_virtual_listener_free(l);
	return rc;
}

void tdm_virtual_listen_fds(const struct tdm_virtual_listener *l, int *dchan_fd, int *audio_fd)
{
	*dchan_fd = l->dfd;
	*audio_fd = l->afd;
}

/* Accept what is pending on one listen socket. The newest connection
 * wins: a connecting side that failed half-way closes and retries, so an
 * older one is dead. */
static int accept_one(int lfd, int *conn)
{
	int s;

	for (;;) {
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (s < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
		if (*conn >= 0)
			close(*conn);
		*conn = s;
	}
}

int tdm_virtual_accept(struct tdm_virtual_listener *l, const struct tdm_span_config *cfg, struct tdm_span **out)
{
	int rc;

	*out = NULL;
	/* Audio first: the connecting side connects the D-channel first, so
	 * by the time its audio connection is queued, its D-channel one is. */
	if ((rc = accept_one(l->afd, &l->aconn)) < 0 || (rc = accept_one(l->dfd, &l->dconn)) < 0)
		return rc;
	if (l->dconn < 0 || l->aconn < 0)
		return -EAGAIN;
	rc = tdm_span_virtual_from_fds(cfg, l->dconn, l->aconn, out);
	l->dconn = l->aconn = -1;
	return rc;
}

void tdm_virtual_listener_free(struct tdm_virtual_listener *l)
{
	if (!l)
		return;
	if (l->dfd >= 0) {
		close(l->dfd);
		unlink(l->dpath);
	}
	if (l->afd >= 0) {
		close(l->afd);
		unlink(l->apath);
	}
	if (l->dconn >= 0)
		close(l->dconn);
	if (l->aconn >= 0)
		close(l->aconn);
	free(l->dpath);
	free(l->apath);
	free(l);
}
