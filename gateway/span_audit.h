/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The channel audit's rules (gateway/spans.c runs them every [span] audit):
 * one B-channel's facts in, why it is stuck out. Pure; exposed for tests. */
#ifndef TANDEM_GW_SPAN_AUDIT_H
#define TANDEM_GW_SPAN_AUDIT_H

#include "gateway/pri_glue.h"

#include <stddef.h>

/* What the audit knows of one B-channel. */
struct span_audit_chan {
	enum gw_pri_state state; /* the glue's Q.931 state */
	int has_call;            /* libpri holds a call record for it */
	int owned;               /* the call layer owns it */
	int collecting;          /* overlap receiving: digits still expected */
	int restarting;          /* RESTART sent, not yet acknowledged */
	long long age_ms;        /* how long it has been in its state */
};

/* Why the channel is stuck (written into buf), or NULL when it is not.
 * The rules, in order: a call state without a libpri call record; idle at
 * Q.931 but owned by a call; a call no call owns (and not collecting
 * digits) at two audits in a row (*orphan carries "seen last time", and is
 * updated); clearing (Disconnect Request / Indication, Release Request)
 * for longer than clearing_ms. A restarting channel is never stuck. */
const char *span_audit_check(const struct span_audit_chan *c, unsigned char *orphan, long long clearing_ms, char *buf,
			     size_t len);

#endif
