/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The channel audit's rules: a B-channel's Q.931 state, libpri's call record and the call layer's owner reconciled. */
#include "config.h"

#include "gateway/span_audit.h"

#include <stdio.h>

const char *span_audit_check(const struct span_audit_chan *c, unsigned char *orphan, long long clearing_ms, char *buf,
			     size_t len)
{
	int was_orphan = *orphan;

	*orphan = 0;
	if (c->restarting)
		return NULL;
	if (c->state != GW_PRI_NULL && !c->has_call) {
		snprintf(buf, len, "state %s without a libpri call", gw_pri_state_name(c->state));
	} else if (c->state == GW_PRI_NULL && c->owned) {
		snprintf(buf, len, "held by a call but idle at Q.931");
	} else if (c->state != GW_PRI_NULL && !c->owned && !c->collecting) {
		/* It may be on its way out: stuck only if the next audit sees it too. */
		*orphan = !was_orphan;
		if (!was_orphan)
			return NULL;
		snprintf(buf, len, "a call in state %s that no call owns", gw_pri_state_name(c->state));
	} else if ((c->state == GW_PRI_DISCONNECT_REQUEST || c->state == GW_PRI_DISCONNECT_INDICATION ||
		    c->state == GW_PRI_RELEASE_REQUEST) &&
		   c->age_ms > clearing_ms) {
		snprintf(buf, len, "in state %s for %lld s (the far end does not answer)", gw_pri_state_name(c->state),
			 c->age_ms / 1000);
	} else {
		return NULL;
	}
	return buf;
}
