/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Calls: the one state machine that joins an ingress leg (SIP or PRI) to
 * an egress leg (PRI or SIP), hunting through a route's trunks, mapping
 * numbers, identity and causes, and leaving one CDR per egress attempt.
 * Loop thread only. See docs/calls.md. */
#ifndef TANDEM_GW_CALL_H
#define TANDEM_GW_CALL_H

#include <stdint.h>

struct ctl_out;
struct gw_billing;
struct gw_directory;
struct gw_loop;
struct call_media;
struct gw_sip;
struct gw_spans;
struct gw_span_events;
struct tandem_settings;

struct gw_calls;

struct gw_calls_deps {
	struct gw_loop *loop;
	struct gw_sip *sip;
	struct gw_directory *dir;
	struct gw_billing *billing;
	struct call_media *media; /* may be NULL: no RTP (signalling only) */
};

/* The call manager. It registers itself for the SIP glue's events;
 * the span events it wants are gw_calls_span_events (pass them to
 * gw_spans_new with the manager as arg), then gw_calls_set_spans. s must
 * stay valid until the next gw_calls_reconfigure. */
int gw_calls_new(const struct gw_calls_deps *deps, const struct tandem_settings *s, struct gw_calls **out);
extern const struct gw_span_events gw_calls_span_events;
void gw_calls_set_spans(struct gw_calls *calls, struct gw_spans *spans);
void gw_calls_reconfigure(struct gw_calls *calls, const struct tandem_settings *s);

/* Clear every call (cause 16 toward the PSTN, BYE/487 on SIP) and take no
 * new ones; their CDRs are submitted. */
void gw_calls_shutdown(struct gw_calls *calls);
/* Free after gw_billing_free (which runs the last CDR callbacks). */
void gw_calls_free(struct gw_calls *calls);

/* 1 when sa is a configured peer: an enabled customer's address or a SIP
 * trunk's member (the flood defence never bans those; gw_sip_set_trusted). */
struct sockaddr;
int gw_calls_trusted(void *arg, const struct sockaddr *sa);

/* Failover and limits (docs/calls.md): the hook that records a trunk's or
 * customer's limited/unlimited edges (trunk 1 for a trunk, 0 for a
 * customer; why names the limit), e.g. as trunk_events rows. */
void gw_calls_set_limit_events(struct gw_calls *calls,
			       void (*fn)(void *arg, int trunk, int64_t id, int limited, const char *why), void *arg);
/* The members' state (Retry-After holds), for gw_members_set_health: the
 * hook through which OPTIONS health rules members out. */
struct gw_members;
struct gw_members *gw_calls_members(struct gw_calls *calls);
/* How many calls in progress hold a place on the trunk (the count its
 * max_calls limit is checked against; the trunk manager's status table). */
unsigned gw_calls_on_trunk(const struct gw_calls *calls, int64_t trunk_id);

/* The counters in the status table, and the calls table. */
void gw_calls_status(const struct gw_calls *calls, struct ctl_out *out);
void gw_calls_table(const struct gw_calls *calls, struct ctl_out *out);

#endif
