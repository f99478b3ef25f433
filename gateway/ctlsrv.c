/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control socket server: one request line in, one reply out, then close.
 * Non-blocking throughout, so a stuck client never stalls the loop. */
#include "config.h"

#include "gateway/ctlsrv.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/paths.h"
#include "gateway/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_CLIENT_TIMEOUT_MS 5000
#define CTL_MAX_CLIENTS       64

struct gw_ctl_client {
	struct gw_ctlsrv *srv;
	struct gw_ctl_client *next;
	int fd;
	struct gw_watch *watch;
	struct gw_timer *timer;
	char req[CTL_REQUEST_MAX];
	size_t reqlen;
	struct ctl_out out;
	size_t sent;
};

struct gw_ctlsrv {
	struct gw_loop *loop;
	char path[108];
	int fd;
	struct gw_watch *watch;
	gw_ctl_handler handle;
	void *arg;
	struct gw_ctl_client *clients;
	int nclients;
};

static void gw_ctl_client_free(struct gw_ctl_client *c)
{
	struct gw_ctl_client **pp;

	for (pp = &c->srv->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	c->srv->nclients--;
	gw_watch_free(c->watch);
	gw_timer_free(c->timer);
	close(c->fd);
	ctl_out_free(&c->out);
	free(c);
}

static void gw_ctl_client_timeout(void *arg)
{
	struct gw_ctl_client *c = arg;

	LOG_W("ctl", "client gave no request within %d ms: closed", CTL_CLIENT_TIMEOUT_MS);
	gw_ctl_client_free(c);
}

/* Returns 1 when the whole reply is out (or the client went away). */
static int gw_ctl_client_flush(struct gw_ctl_client *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.buf + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return 1;
		c->sent += (size_t)n;
	}
	return 1;
}

static void gw_ctl_client_request(struct gw_ctl_client *c)
{
	char *nl = memchr(c->req, '\n', c->reqlen);

	*nl = '\0';
	if (nl > c->req && nl[-1] == '\r')
		nl[-1] = '\0';
	c->srv->handle(c->srv->arg, c->req, &c->out);
	if (c->out.err) {
		ctl_out_free(&c->out);
		ctl_out_error(&c->out, "out of memory");
	}
	gw_watch_set(c->watch, GW_WRITE);
}

static void gw_ctl_client_io(void *arg, int revents)
{
	struct gw_ctl_client *c = arg;

	if (c->out.len) {
		if (gw_ctl_client_flush(c))
			gw_ctl_client_free(c);
		return;
	}
	if (!(revents & GW_READ))
		return;
	for (;;) {
		ssize_t n = recv(c->fd, c->req + c->reqlen, sizeof(c->req) - c->reqlen, 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			gw_ctl_client_free(c);
			return;
		}
		c->reqlen += (size_t)n;
		if (memchr(c->req, '\n', c->reqlen)) {
			gw_ctl_client_request(c);
			if (gw_ctl_client_flush(c))
				gw_ctl_client_free(c);
			return;
		}
		if (c->reqlen == sizeof(c->req)) {
			ctl_out_error(&c->out, "request longer than %d bytes", CTL_REQUEST_MAX);
			gw_watch_set(c->watch, GW_WRITE);
			if (gw_ctl_client_flush(c))
				gw_ctl_client_free(c);
			return;
		}
	}
}

static void gw_ctlsrv_accept(void *arg, int revents)
{
	struct gw_ctlsrv *srv = arg;
	struct gw_ctl_client *c;
	int fd;

	(void)revents;
	while ((fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (srv->nclients >= CTL_MAX_CLIENTS) {
			LOG_W("ctl", "more than %d clients: refused", CTL_MAX_CLIENTS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		if (gw_watch_new(srv->loop, fd, GW_READ, gw_ctl_client_io, c, &c->watch) < 0 ||
		    gw_timer_new(srv->loop, gw_ctl_client_timeout, c, &c->timer) < 0) {
			gw_watch_free(c->watch);
			close(fd);
			free(c);
			continue;
		}
		gw_timer_start(c->timer, CTL_CLIENT_TIMEOUT_MS);
		c->next = srv->clients;
		srv->clients = c;
		srv->nclients++;
	}
}

int gw_ctlsrv_new(struct gw_loop *loop, const char *path, gw_ctl_handler handle, void *arg, struct gw_ctlsrv **out,
		  char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct gw_ctlsrv *srv;
	char *reply = NULL;
	size_t rlen;
	int rc;

	*out = NULL;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	srv->loop = loop;
	srv->handle = handle;
	srv->arg = arg;
	srv->fd = -1;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	strcpy(sun.sun_path, path);
	rc = paths_mkdirs(path, 0755, 1);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the folder of %s: %s", path, strerror(-rc));
		goto fail;
	}
	/* A daemon that answers there is alive: never steal its socket. */
	if (ctl_request(path, "ping\n", 1000, &reply, &rlen) == 0) {
		free(reply);
		snprintf(err, errlen, "another tandemd is running on control socket %s", path);
		rc = -EADDRINUSE;
		goto fail;
	}
	unlink(path);
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0660) < 0 ||
	    listen(srv->fd, 16) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on control socket %s: %s", path, strerror(errno));
		goto fail;
	}
	rc = gw_watch_new(loop, srv->fd, GW_READ, gw_ctlsrv_accept, srv, &srv->watch);
	if (rc < 0) {
		snprintf(err, errlen, "cannot watch the control socket");
		goto fail;
	}
	LOG_I("ctl", "control socket %s", path);
	*out = srv;
	return 0;
fail:
	if (srv->fd >= 0) {
		close(srv->fd);
		if (rc != -EADDRINUSE)
			unlink(path);
	}
	free(srv);
	return rc;
}

void gw_ctlsrv_free(struct gw_ctlsrv *srv)
{
	if (!srv)
		return;
	while (srv->clients)
		gw_ctl_client_free(srv->clients);
	gw_watch_free(srv->watch);
	close(srv->fd);
	unlink(srv->path);
	free(srv);
}
