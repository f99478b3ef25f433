/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load shedding (docs/calls.md, "Overload"): while the kernel's receive
 * queue of a SIP socket is fuller than [calls] shed_backlog percent of its
 * buffer, the signalling loop is behind, and a new INVITE is answered 503
 * with Retry-After before any routing work. */
#ifndef TANDEM_GW_OVERLOAD_H
#define TANDEM_GW_OVERLOAD_H

struct ctl_out;
struct tandem_settings;

/* Held by value in its owner (struct gw_sip): nothing to allocate. */
struct gw_overload {
	int threshold; /* percent of the receive buffer; 0: never shed */
	int unsupported;
	long logged; /* when the last "overloaded" line was written (s): one a second */
	unsigned long shed, logged_shed;
};

/* At start and on SIGHUP: [calls] shed_backlog. */
void gw_overload_configure(struct gw_overload *ov, const struct tandem_settings *s);
/* A new INVITE arrived; fds are the SIP sockets (gw_sec_sockets()). 1
 * when it is to be shed (counted), 0 when it may go on. */
int gw_overload_shed(struct gw_overload *ov, const int *fds, int nfds);
/* The fullest socket's receive queue, percent of its buffer; -1 unknown. */
int gw_overload_backlog(const int *fds, int nfds);
void gw_overload_status(const struct gw_overload *ov, struct ctl_out *out);

#endif
