/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hunting and limits (docs/calls.md, "Failover and limits"): a route's
 * targets in order; within a SIP trunk its members (gateway/members.h),
 * each with the trunk's INVITE timeout; trunk and customer limits
 * (gateway/limits.h) taken before a channel is seized or an INVITE sent
 * and given back once; a customer's toll-fraud rules at admission. */
#include "config.h"

#include "gateway/call_int.h"

#include "gateway/call.h"

#include "common/ctl.h"
#include "common/settings.h"
#include "db/directory.h"
#include "gateway/cause.h"
#include "gateway/directory.h"
#include "gateway/limits.h"
#include "gateway/loop.h"
#include "gateway/members.h"
#include "gateway/sip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* A Retry-After longer than this is taken as this (a carrier's typo
 * should not take a gateway out for a day). */
#define RETRY_AFTER_MAX_S 3600

static const char *limit_name(const struct gw_calls *calls, enum gw_limit_kind kind, int64_t id, char *buf, size_t len)
{
	const struct dir_snapshot *snap = gw_directory_current(calls->dir);
	const struct dir_trunk *t = snap && kind == GW_LIMIT_TRUNK ? dir_trunk(snap, id) : NULL;
	const struct dir_customer *cu = snap && kind == GW_LIMIT_CUSTOMER ? dir_customer(snap, id) : NULL;

	if (t || cu)
		snprintf(buf, len, "%s", t ? t->name : cu->name);
	else
		snprintf(buf, len, "#%lld", (long long)id);
	return buf;
}

/* A trunk or customer starts or stops refusing calls: one log line per
 * change (not per call), and the hook that records trunk_events. */
static void hunt_limit_edge(void *arg, enum gw_limit_kind kind, int64_t id, int limited, const char *why)
{
	struct gw_calls *calls = arg;
	char name[CDR_NAME_MAX];

	log_msg(limited ? LOG_WARNING : LOG_NOTICE, TAG, "%s %s %s: %s", kind == GW_LIMIT_TRUNK ? "trunk" : "customer",
		limit_name(calls, kind, id, name, sizeof(name)), limited ? "limited" : "unlimited", why);
	if (calls->limit_event)
		calls->limit_event(calls->limit_event_arg, kind == GW_LIMIT_TRUNK, id, limited, why);
}

int call_hunt_init(struct gw_calls *calls)
{
	if (gw_limits_new(hunt_limit_edge, calls, &calls->limits) < 0 || gw_members_new(&calls->members) < 0) {
		call_hunt_free(calls);
		return -ENOMEM;
	}
	return 0;
}

void call_hunt_free(struct gw_calls *calls)
{
	gw_limits_free(calls->limits);
	gw_members_free(calls->members);
	calls->limits = NULL;
	calls->members = NULL;
}

void gw_calls_set_limit_events(struct gw_calls *calls,
			       void (*fn)(void *arg, int trunk, int64_t id, int limited, const char *why), void *arg)
{
	calls->limit_event = fn;
	calls->limit_event_arg = arg;
}

struct gw_members *gw_calls_members(struct gw_calls *calls)
{
	return calls->members;
}

/* --- Limits ------------------------------------------------------------- */

static void hunt_leave_trunk(struct call *c)
{
	if (c->trunk_hold)
		gw_limits_release(c->calls->limits, GW_LIMIT_TRUNK, c->trunk_hold);
	c->trunk_hold = 0;
	c->trunk_id = 0;
	c->nmembers = c->next_member = 0;
}

void call_release_limits(struct call *c)
{
	hunt_leave_trunk(c);
	if (c->cust_hold)
		gw_limits_release(c->calls->limits, GW_LIMIT_CUSTOMER, c->cust_hold);
	c->cust_hold = 0;
}

int call_admit_customer(struct call *c, const struct dir_customer *cust, const struct dir_snapshot *snap)
{
	struct gw_calls *calls = c->calls;
	const struct tandem_settings *s = calls->s;
	int rc;

	/* toll fraud: each of these is an alarm, once per call */
	if (!dir_destination_allowed(snap, cust->id, c->callee)) {
		calls->denied_destination++;
		CLOG(LOG_WARNING, c, "ALARM customer %s: destination %s denied (caller %s)", cust->name, c->callee,
		     c->caller.number[0] ? c->caller.number : "none");
		call_fail_a(c, s->limit_denied_cause, s->limit_denied_status);
		return -1;
	}
	if (!dir_caller_allowed(snap, cust->id, c->caller.number)) {
		calls->denied_caller++;
		CLOG(LOG_WARNING, c, "ALARM customer %s: caller number %s not allowed (to %s)", cust->name,
		     c->caller.number[0] ? c->caller.number : "none", c->callee);
		call_fail_a(c, s->limit_denied_cause, s->limit_denied_status);
		return -1;
	}
	rc = gw_limits_take(calls->limits, GW_LIMIT_CUSTOMER, cust->id, (int)cust->max_calls, cust->max_cps,
			    call_now_ms());
	if (rc < 0) {
		calls->limited_customer++;
		CLOG(LOG_INFO, c, "customer %s at its %s (%u calls, %.2f cps): refused", cust->name,
		     rc == -EBUSY    ? "max_calls"
		     : rc == -EAGAIN ? "max_cps"
				     : "limits (out of memory)",
		     cust->max_calls, cust->max_cps);
		call_fail_a(c, s->limit_customer_cause, s->limit_customer_status);
		return -1;
	}
	c->cust_hold = cust->id;
	c->max_duration_s = cust->max_duration_s;
	return 0;
}

/* --- Hunting -------------------------------------------------------------- */

static uint32_t hunt_rand(void *arg)
{
	uint32_t r;

	(void)arg;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)random();
	return r;
}

/* The trunk's members to try, in order, that may be used now; returns how
 * many the trunk has. */
static size_t hunt_members(struct call *c, const struct dir_snapshot *snap, const struct dir_trunk *tr)
{
	const struct dir_member *m;
	size_t n = dir_trunk_members(snap, tr->id, &m), order[MAX_MEMBERS];
	int64_t now = call_now_ms();

	if (n > MAX_MEMBERS) {
		CLOG(LOG_WARNING, c, "trunk %s: only its first %d members are tried", tr->name, MAX_MEMBERS);
		n = MAX_MEMBERS;
	}
	gw_members_order(m, n, hunt_rand, NULL, order);
	c->nmembers = c->next_member = 0;
	for (size_t i = 0; i < n; i++) {
		if (gw_member_usable(c->calls->members, m[order[i]].id, now))
			c->members[c->nmembers++] = m[order[i]].id;
		else
			CLOG(LOG_INFO, c, "trunk %s: member %s held back", tr->name, m[order[i]].host);
	}
	return n;
}

static const struct dir_member *hunt_member(const struct dir_snapshot *snap, int64_t trunk_id, int64_t member_id)
{
	const struct dir_member *m;
	size_t n = dir_trunk_members(snap, trunk_id, &m);

	for (size_t i = 0; i < n; i++)
		if (m[i].id == member_id)
			return &m[i];
	return NULL;
}

static int hunt_start_member(struct call *c, const struct dir_trunk *tr, const struct dir_member *m)
{
	call_attempt_reset(c);
	snprintf(c->egress, sizeof(c->egress), "%s", tr->name);
	snprintf(c->route, sizeof(c->route), "route %lld trunk %s", (long long)c->route_id, tr->name);
	c->member_id = m->id;
	c->b_srtp = tr->require_secure;
	c->b_dtmf = (int)tr->dtmf_mode;
	c->fax_no_t38 = tr->no_t38;
	if (call_start_sip(c, m, NULL, 0) < 0)
		return -1;
	gw_timer_start(c->invite_timer, tr->fo.invite_timeout_ms);
	gw_timer_start(c->ring_timer, (unsigned)c->calls->s->call_ring_timeout_ms);
	return 0;
}

/* Try the members and targets left, in order, until one takes the call. */
void call_try_next(struct call *c)
{
	struct gw_calls *calls = c->calls;
	const struct dir_snapshot *snap = gw_directory_current(calls->dir);

	for (;;) {
		const struct dir_trunk *tr = c->trunk_id && snap ? dir_trunk(snap, c->trunk_id) : NULL;
		const struct call_target *t;
		int rc;

		while (tr && c->next_member < c->nmembers) {
			const struct dir_member *m = hunt_member(snap, tr->id, c->members[c->next_member++]);

			if (m && hunt_start_member(c, tr, m) == 0)
				return;
		}
		hunt_leave_trunk(c);
		if (c->next_target >= c->ntargets)
			break;
		t = &c->targets[c->next_target++];
		tr = snap ? dir_trunk(snap, t->trunk_id) : NULL;
		if (!tr || !tr->enabled) {
			c->last_cause = CAUSE_NO_ROUTE_DESTINATION;
			c->last_status = 0;
			continue;
		}
		rc = gw_limits_take(calls->limits, GW_LIMIT_TRUNK, tr->id, tr->max_calls, tr->max_cps, call_now_ms());
		if (rc < 0) {
			calls->limited_trunk++;
			c->limit_status = (int)tr->fo.limit_status;
			c->limit_cause = (int)tr->fo.limit_cause;
			CLOG(LOG_INFO, c, "trunk %s skipped: at its %s", tr->name,
			     rc == -EBUSY    ? "max_calls"
			     : rc == -EAGAIN ? "max_cps"
					     : "limits (out of memory)");
			continue;
		}
		c->trunk_hold = c->trunk_id = tr->id;
		c->route_id = t->route_id;
		c->limit_status = c->limit_cause = 0;
		if (tr->kind == DIR_TRUNK_PRI) {
			call_attempt_reset(c);
			snprintf(c->egress, sizeof(c->egress), "%s", tr->name);
			snprintf(c->route, sizeof(c->route), "route %lld trunk %s", (long long)t->route_id, tr->name);
			if (call_start_pri(c, t) == 0) {
				gw_timer_start(c->ring_timer, (unsigned)calls->s->call_ring_timeout_ms);
				return;
			}
			c->last_status = 0;
			continue;
		}
		if (hunt_members(c, snap, tr) == 0) {
			c->last_cause = CAUSE_NO_ROUTE_DESTINATION;
			c->last_status = 0;
		} else if (c->nmembers == 0) {
			CLOG(LOG_INFO, c, "trunk %s: every member is held back", tr->name);
			c->last_cause = CAUSE_NO_CIRCUIT;
			c->last_status = 0;
		}
	}
	c->egress[0] = '\0';
	if (c->limit_status)
		call_fail_a(c, c->limit_cause, c->limit_status);
	else
		call_fail_a(c, c->last_cause, c->last_status);
}

/* Before answer, these causes mean "try elsewhere" (RFC 3398 and the
 * usual carrier practice: circuit, network and temporary failures). */
static int cause_fails_over(int cause)
{
	return cause == 34 || cause == 38 || cause == 41 || cause == 42 || cause == 44 || cause == 47 || cause == 63;
}

int call_fails_over(const struct call *c, int cause, int status)
{
	const struct dir_snapshot *snap = gw_directory_current(c->calls->dir);
	const struct dir_trunk *tr = snap && c->trunk_id ? dir_trunk(snap, c->trunk_id) : NULL;

	/* never once the caller has heard something (18x relayed) */
	if (c->state != CS_ROUTING || c->b.alerted || c->b.early || c->a.alerted || c->a.early)
		return 0;
	if (c->next_member >= c->nmembers && c->next_target >= c->ntargets)
		return 0;
	if (c->b_timed_out)
		return 1;
	if (c->b.kind == LEG_SIP) /* a carrier's status: the trunk's failover codes */
		return tr && dir_trunk_fails_over(tr, (unsigned)status);
	return cause_fails_over(cause);
}

void call_hunt_retry_after(struct call *c, int seconds)
{
	if (!c->member_id || seconds <= 0)
		return;
	if (seconds > RETRY_AFTER_MAX_S)
		seconds = RETRY_AFTER_MAX_S;
	if (gw_members_hold(c->calls->members, c->member_id, call_now_ms() + (int64_t)seconds * 1000) == 0)
		CLOG(LOG_NOTICE, c, "trunk %s: member %lld held back for %d s (503 Retry-After)", c->egress,
		     (long long)c->member_id, seconds);
}

/* The member sent nothing beyond 100 within the trunk's INVITE timeout:
 * CANCEL it and try the next one (a local timeout always fails over). */
void call_invite_timeout(void *arg)
{
	struct call *c = arg;
	char reason[160];

	if (c->state == CS_ANSWERED) {
		call_fax_timer(c); /* the timer's second use (gateway/call_fax.c) */
		return;
	}
	if (c->b.kind != LEG_SIP || !c->b.live || c->b.answered)
		return;
	c->calls->member_timeouts++;
	CLOG(LOG_NOTICE, c, "trunk %s: member %lld sent nothing within the INVITE timeout: CANCEL", c->egress,
	     (long long)c->member_id);
	call_reason(CAUSE_RECOVERY_ON_TIMER_EXPIRY, reason, sizeof(reason));
	gw_sip_hangup(c->b.sip, 487, reason);
	c->b.live = 0;
	c->b_timed_out = 1;
	call_b_failed(c, CAUSE_RECOVERY_ON_TIMER_EXPIRY, 408);
}

/* --- Status ----------------------------------------------------------------- */

void call_hunt_status(const struct gw_calls *calls, struct ctl_out *out)
{
	ctl_out_kv(out, "calls_failovers", "%lu", calls->failovers);
	ctl_out_kv(out, "calls_member_timeouts", "%lu", calls->member_timeouts);
	ctl_out_kv(out, "calls_limited_trunk", "%lu", calls->limited_trunk);
	ctl_out_kv(out, "calls_limited_customer", "%lu", calls->limited_customer);
	ctl_out_kv(out, "calls_denied_destination", "%lu", calls->denied_destination);
	ctl_out_kv(out, "calls_denied_caller", "%lu", calls->denied_caller);
	ctl_out_kv(out, "calls_duration_cut", "%lu", calls->duration_cut);
	ctl_out_kv(out, "calls_limit_holds", "%lu", gw_limits_total(calls->limits));
	ctl_out_kv(out, "trunk_members_held", "%zu", gw_members_held(calls->members, call_now_ms()));
}

struct hunt_table_ctx {
	const struct gw_calls *calls;
	struct ctl_out *out;
};

static void hunt_table_row(void *arg, enum gw_limit_kind kind, int64_t id, unsigned n, int limited)
{
	struct hunt_table_ctx *x = arg;
	char name[CDR_NAME_MAX], calls[16];
	const char *vals[4];

	snprintf(calls, sizeof(calls), "%u", n);
	vals[0] = kind == GW_LIMIT_TRUNK ? "trunk" : "customer";
	vals[1] = limit_name(x->calls, kind, id, name, sizeof(name));
	vals[2] = calls;
	vals[3] = limited ? "yes" : "no";
	ctl_out_row(x->out, vals, 4);
}

void call_hunt_table(const struct gw_calls *calls, struct ctl_out *out)
{
	static const char *const cols[] = {"limit", "name", "calls", "limited"};
	struct hunt_table_ctx x = {calls, out};

	ctl_out_table(out, "limits", cols, 4);
	gw_limits_foreach(calls->limits, hunt_table_row, &x);
	ctl_out_end(out);
}

unsigned gw_calls_on_trunk(const struct gw_calls *calls, int64_t trunk_id)
{
	return gw_limits_calls(calls->limits, GW_LIMIT_TRUNK, trunk_id);
}
