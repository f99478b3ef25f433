/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load shedding. The signal is the work waiting for the signalling loop:
 * the bytes the kernel holds in a SIP socket's receive queue (SO_MEMINFO),
 * against the buffer's size. The loop takes one datagram per turn, so a
 * timer's lateness stays small while the queue grows; the queue itself is
 * what overflows into lost requests and retransmissions. Read once per
 * new INVITE (one getsockopt per socket), no timer, no state to tune. */
#include "config.h"

#include "gateway/overload.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"

#include <errno.h>
#include <linux/sock_diag.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO 55 /* Linux 4.12 */
#endif

void gw_overload_configure(struct gw_overload *ov, const struct tandem_settings *s)
{
	ov->threshold = s->call_shed_backlog;
	ov->unsupported = 0;
}

int gw_overload_backlog(const int *fds, int nfds)
{
	int worst = -1;

	for (int i = 0; i < nfds; i++) {
		uint32_t mi[SK_MEMINFO_VARS];
		socklen_t len = sizeof(mi);
		int pct;

		if (getsockopt(fds[i], SOL_SOCKET, SO_MEMINFO, mi, &len) < 0 || len <= SK_MEMINFO_RCVBUF * 4 ||
		    !mi[SK_MEMINFO_RCVBUF])
			continue;
		pct = (int)((uint64_t)mi[SK_MEMINFO_RMEM_ALLOC] * 100 / mi[SK_MEMINFO_RCVBUF]);
		if (pct > worst)
			worst = pct;
	}
	return worst;
}

int gw_overload_shed(struct gw_overload *ov, const int *fds, int nfds)
{
	int pct;

	if (!ov->threshold || ov->unsupported)
		return 0;
	pct = gw_overload_backlog(fds, nfds);
	if (pct < 0) {
		if (nfds > 0) {
			ov->unsupported = 1; /* a kernel before 4.12: said once, then never asked again */
			LOG_W("calls", "cannot read the SIP sockets' receive queues (SO_MEMINFO): no load shedding");
		}
		return 0;
	}
	if (pct < ov->threshold)
		return 0;
	ov->shed++;
	/* Logged at most once a second: a line per INVITE would be more work
	 * at the moment the loop has least time for it. */
	if ((long)time(NULL) != ov->logged) {
		ov->logged = (long)time(NULL);
		LOG_N("calls",
		      "overloaded (SIP receive queue %d%% of its buffer, limit %d%%): new calls get 503, %lu "
		      "shed in the last second",
		      pct, ov->threshold, ov->shed - ov->logged_shed);
		ov->logged_shed = ov->shed;
	}
	return 1;
}

void gw_overload_status(const struct gw_overload *ov, struct ctl_out *out)
{
	ctl_out_kv(out, "calls_shed", "%lu", ov->shed);
}
