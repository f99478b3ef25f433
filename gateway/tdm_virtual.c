/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The virtual span backend: D-channel frames and B-channel audio over AF_UNIX SOCK_SEQPACKET. */
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

static int vaudio_write(struct tdm_span *span, int ch, const uint8_t *buf, size_t len)
{
	uint8_t msg[1 + TDM_AUDIO_MAX];

	msg[0] = (uint8_t)ch;
	memcpy(msg + 1, buf, len);
	if (send(span->audio_fd, msg, len + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return sock_err();
	return 0;
}

static int vaudio_read(struct tdm_span *span, int *ch, uint8_t *buf, size_t size, size_t *len)
{
	uint8_t msg[1 + TDM_AUDIO_MAX];
	ssize_t n;

	n = recv(span->audio_fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return sock_err();
	if (n == 0)
		return -EPIPE;
	if (n < 2 || (size_t)n > sizeof(msg) || (size_t)n - 1 > size)
		return -EBADMSG;
	*ch = msg[0];
	memcpy(buf, msg + 1, (size_t)n - 1);
	*len = (size_t)n - 1;
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
	span = calloc(1, sizeof(*span));
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
