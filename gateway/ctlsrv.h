/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket: a UNIX stream socket serving the ctl protocol
 * (common/ctl.h) to tandemctl. Loop thread only. */
#ifndef TANDEM_GW_CTLSRV_H
#define TANDEM_GW_CTLSRV_H

#include <stddef.h>

struct gw_loop;
struct ctl_out;
struct gw_ctlsrv;

/* handle(arg, request, out) builds the reply for one request line (no
 * newline). */
typedef void (*gw_ctl_handler)(void *arg, const char *request, struct ctl_out *out);

/* Bind path (creating its folder, refusing if a live daemon already
 * answers there, removing a stale socket). Returns 0 or a negative errno
 * with err. */
int gw_ctlsrv_new(struct gw_loop *loop, const char *path, gw_ctl_handler handle, void *arg, struct gw_ctlsrv **out,
		  char *err, size_t errlen);

/* Close every client and the socket, and unlink the path. */
void gw_ctlsrv_free(struct gw_ctlsrv *srv);

#endif
