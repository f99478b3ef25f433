/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registration of a trunk with its carrier (RFC 3261 10.2): to the first
 * member that is not down, with the trunk's digest credentials; refreshed
 * well before the registrar's expiry; retried with capped, jittered
 * exponential backoff after timeouts, 5xx and other failures, for ever;
 * stopped with an alarm after reject_limit refusals of our credentials
 * (401/407 to a request that carried them, or 403) until the credentials
 * change. */
#include "config.h"

#include "common/log.h"
#include "gateway/loop.h"
#include "gateway/sip_client.h"
#include "trunk/trunk_int.h"

#include <stdio.h>
#include <string.h>

static void tm_reg_set(struct tm_trunk *t, enum tm_reg_state s, const char *why, const char *event)
{
	bool changed = t->state != s;

	t->state = s;
	snprintf(t->why, sizeof(t->why), "%s", why);
	if (changed || event) {
		t->since = time(NULL);
		if (t->reg_member)
			tm_record_reg(t->mgr, t, event);
	}
}

/* The first member, by the trunk's order, that pings do not call down;
 * else the first member. NULL when the trunk has none. */
static struct tm_member *tm_reg_pick(struct tm_trunk *t)
{
	struct tm_member *best = NULL, *first = NULL;

	for (struct tm_member *mb = t->mgr->members; mb; mb = mb->next) {
		if (mb->trunk != t)
			continue;
		if (!first || mb->rank < first->rank)
			first = mb;
		if (mb->hyst.state != TRUNK_HEALTH_DOWN && (!best || mb->rank < best->rank))
			best = mb;
	}
	return best ? best : first;
}

static void tm_reg_reply(void *arg, struct gw_sip_req *req, const struct gw_sip_reply *r);

static void tm_reg_retry(struct tm_trunk *t, unsigned ms)
{
	gw_timer_start(t->timer, ms);
}

static void tm_reg_send(struct tm_trunk *t)
{
	struct tm_member *mb = tm_reg_pick(t);
	char aor[400];
	struct gw_sip_register r;
	int v6;

	if (!mb) {
		tm_reg_set(t, TM_REG_FAILED, "the trunk has no member to register with", NULL);
		t->failures++;
		tm_reg_retry(
		    t, trunk_backoff_ms(t->failures, t->mgr->retry_min_ms, t->mgr->retry_max_ms, tm_random(t->mgr)));
		return;
	}
	if (t->reg_member != mb->id && t->reg_member)
		LOG_I(TM_TAG, "%s: registering with member %s", t->name, mb->label);
	if (t->reg_member != mb->id || !t->call_id[0]) {
		/* a new registrar: a new Call-ID, counted from 1 */
		snprintf(t->call_id, sizeof(t->call_id), "%08x%08x-reg@tandem", tm_random(t->mgr), tm_random(t->mgr));
		t->cseq = 0;
	}
	t->reg_member = mb->id;
	v6 = strchr(mb->host, ':') && mb->host[0] != '[';
	snprintf(aor, sizeof(aor), "sip:%s@%s%s%s", t->user, v6 ? "[" : "", mb->host, v6 ? "]" : "");
	snprintf(t->registrar, sizeof(t->registrar), "%s", mb->uri);
	r = (struct gw_sip_register){mb->uri, aor, t->user, t->expires, t->call_id, ++t->cseq};
	if (gw_sip_register(t->mgr->sip, &r, tm_reg_reply, t, &t->req) < 0) {
		LOG_E(TM_TAG, "%s: cannot send REGISTER (out of memory)", t->name);
		tm_reg_retry(t, t->mgr->retry_min_ms);
	}
}

void tm_reg_timer(void *arg)
{
	struct tm_trunk *t = arg;

	if (t->req) {
		gw_sip_req_cancel(t->req);
		t->req = NULL;
	}
	tm_reg_send(t);
}

static void tm_reg_ok(struct tm_trunk *t, const struct gw_sip_reply *r)
{
	const struct tm_member *mb = tm_member_find(t->mgr, t->reg_member);
	int granted = r->expires >= 0 ? r->expires : (int)t->expires;
	unsigned refresh = trunk_refresh_ms((unsigned)granted);
	char why[700];

	t->failures = t->rejections = 0;
	t->granted_s = granted;
	t->expires_at = time(NULL) + granted;
	snprintf(why, sizeof(why), "%d %s from %s, for %d s", r->status, r->phrase, mb ? mb->label : t->registrar,
		 granted);
	if (t->state != TM_REG_REGISTERED)
		LOG_N(TM_TAG, "%s registered with %s for %d s (asked %u); refreshing in %u s", t->name,
		      mb ? mb->label : t->registrar, granted, t->expires, refresh / 1000);
	else
		LOG_I(TM_TAG, "%s registration refreshed for %d s; next refresh in %u s", t->name, granted,
		      refresh / 1000);
	tm_reg_set(t, TM_REG_REGISTERED, why, t->state != TM_REG_REGISTERED ? "registered" : NULL);
	tm_reg_retry(t, refresh);
}

static void tm_reg_reply(void *arg, struct gw_sip_req *req, const struct gw_sip_reply *r)
{
	struct tm_trunk *t = arg;
	const struct tm_member *mb = tm_member_find(t->mgr, t->reg_member);
	struct trunk_mgr *m = t->mgr;
	char why[700];
	unsigned ms;
	int rejected;
	time_t now = time(NULL);

	t->req = NULL;
	if (r->cseq > t->cseq)
		t->cseq = r->cseq; /* nua's challenge answer went out one higher */
	if (r->status < 300 && r->expires != 0) {
		tm_reg_ok(t, r);
		return;
	}
	if (r->challenged && !r->with_credentials && t->has_auth &&
	    gw_sip_req_authenticate(req, r->realm, t->user, t->password) == 0) {
		t->req = req;
		return;
	}
	if (r->local)
		snprintf(why, sizeof(why), "no answer from %s (%d %s)", mb ? mb->label : t->registrar, r->status,
			 r->phrase);
	else if (r->status < 300)
		snprintf(why, sizeof(why), "%s granted no time (expires=0)", mb ? mb->label : t->registrar);
	else
		snprintf(why, sizeof(why), "%d %s from %s", r->status, r->phrase, mb ? mb->label : t->registrar);
	rejected = !r->local && (r->status == 403 || r->status == 401 || r->status == 407);
	if (rejected && ++t->rejections >= m->reject_limit) {
		LOG_E(TM_TAG,
		      "ALARM: %s: registration refused %u times in a row (last: %s): stopped until its "
		      "credentials change",
		      t->name, t->rejections, why);
		tm_reg_set(t, TM_REG_REJECTED, why, "rejected");
		gw_timer_stop(t->timer);
		return;
	}
	t->failures++;
	ms = trunk_backoff_ms(t->failures, m->retry_min_ms, m->retry_max_ms, tm_random(m));
	if (r->retry_after > 0 && (unsigned)r->retry_after * 1000u > ms)
		ms = (unsigned)r->retry_after * 1000u; /* the registrar asked for longer */
	if (t->state == TM_REG_REGISTERED && now < t->expires_at) {
		/* still registered until expiry: retry within that time */
		if ((time_t)(ms / 1000) >= t->expires_at - now)
			ms = (unsigned)(t->expires_at - now) * 1000u;
		LOG_W(TM_TAG, "%s: refreshing the registration failed (%s); retrying in %u ms, %lld s left", t->name,
		      why, ms, (long long)(t->expires_at - now));
		tm_reg_retry(t, ms);
		return;
	}
	if (t->state != TM_REG_FAILED)
		LOG_W(TM_TAG, "%s: registration failed: %s; retrying in %u ms (then backing off up to %u ms)", t->name,
		      why, ms, m->retry_max_ms);
	else
		LOG_I(TM_TAG, "%s: registration failed again (%u): %s; retrying in %u ms", t->name, t->failures, why,
		      ms);
	tm_reg_set(t, TM_REG_FAILED, why, t->state == TM_REG_REGISTERED ? "unregistered" : NULL);
	tm_reg_retry(t, ms);
}

void tm_reg_restart(struct tm_trunk *t)
{
	unsigned ms = t->mgr->jitter_ms ? tm_random(t->mgr) % (t->mgr->jitter_ms + 1) : 0;

	gw_sip_req_cancel(t->req);
	t->req = NULL;
	t->failures = t->rejections = 0;
	if (t->state == TM_REG_REJECTED)
		LOG_N(TM_TAG, "%s: registration settings changed: registering again", t->name);
	tm_reg_set(t, TM_REG_REGISTERING, "first attempt", NULL);
	tm_reg_retry(t, ms ? ms : 1);
}

/* An un-REGISTER's answer: nothing waits for it but the list of those in
 * flight (given up at shutdown). */
static void tm_unreg_reply(void *arg, struct gw_sip_req *req, const struct gw_sip_reply *r)
{
	struct trunk_mgr *m = arg;

	for (size_t i = 0; i < TM_MAX_UNREG; i++)
		if (m->unreg[i] == req)
			m->unreg[i] = NULL;
	LOG_D(TM_TAG, "un-REGISTER answered %d %s", r->status, r->phrase);
}

void tm_reg_stop(struct tm_trunk *t, bool unreg, const char *why)
{
	struct tm_member *mb = tm_member_find(t->mgr, t->reg_member);

	gw_sip_req_cancel(t->req);
	t->req = NULL;
	gw_timer_stop(t->timer);
	if (unreg && t->state == TM_REG_REGISTERED && mb) {
		char aor[400];
		struct gw_sip_register r;
		struct trunk_mgr *m = t->mgr;
		int v6 = strchr(mb->host, ':') && mb->host[0] != '[';
		size_t i;

		snprintf(aor, sizeof(aor), "sip:%s@%s%s%s", t->user, v6 ? "[" : "", mb->host, v6 ? "]" : "");
		r = (struct gw_sip_register){mb->uri, aor, t->user, 0, t->call_id, ++t->cseq};
		for (i = 0; i < TM_MAX_UNREG && m->unreg[i]; i++)
			;
		if (i < TM_MAX_UNREG) /* best effort: the binding expires anyway */
			gw_sip_register(m->sip, &r, tm_unreg_reply, m, &m->unreg[i]);
		LOG_N(TM_TAG, "%s unregistered from %s: %s", t->name, mb->label, why);
		tm_reg_set(t, TM_REG_NONE, why, "unregistered");
		return;
	}
	tm_reg_set(t, TM_REG_NONE, why, t->state == TM_REG_REGISTERED ? "unregistered" : NULL);
}
