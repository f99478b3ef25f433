/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trunk manager: members and their OPTIONS pings, following the
 * directory, and the records of every change. Registration is in
 * trunk_reg.c.
 *
 * A ping goes every interval; an answer is judged when it comes, and a
 * ping still unanswered when the next one is due counts as a failure (a
 * Sofia transaction would wait 32 s, far longer than the intervals a
 * carrier's health check uses). */
#include "config.h"

#include "trunk/trunk_mgr.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"
#include "db/directory.h"
#include "gateway/loop.h"
#include "gateway/sip_client.h"
#include "gateway/store.h"
#include "trunk/trunk_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char tm_sql_health[] =
    "INSERT INTO trunk_state (member_id, node, health, reason, since) VALUES ($1, $2, $3, $4, $5::timestamptz)"
    " ON CONFLICT (member_id, node) DO UPDATE SET health = excluded.health, reason = excluded.reason,"
    " since = excluded.since";
static const char tm_sql_reg[] = "INSERT INTO trunk_state (member_id, node, registration, reason, since)"
				 " VALUES ($1, $2, $3, $4, $5::timestamptz)"
				 " ON CONFLICT (member_id, node) DO UPDATE SET registration = excluded.registration,"
				 " reason = excluded.reason, since = excluded.since";
static const char tm_sql_event[] = "INSERT INTO trunk_events (trunk_id, member_id, node, at, what, detail)"
				   " VALUES ($1, $2, $3, $4::timestamptz, $5, $6)";

uint32_t tm_random(struct trunk_mgr *m)
{
	/* xorshift64*: jitter only, not secrets */
	m->rnd ^= m->rnd >> 12;
	m->rnd ^= m->rnd << 25;
	m->rnd ^= m->rnd >> 27;
	return (uint32_t)((m->rnd * UINT64_C(2685821657736338717)) >> 32);
}

int64_t tm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *tm_reg_state_name(enum tm_reg_state s)
{
	switch (s) {
	case TM_REG_NONE:
		return "none";
	case TM_REG_REGISTERING:
		return "registering";
	case TM_REG_REGISTERED:
		return "registered";
	case TM_REG_FAILED:
		return "failed";
	case TM_REG_REJECTED:
		return "rejected";
	}
	return "?";
}

static void tm_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One event row and one trunk_state upsert (sql: health or registration). */
static void tm_record(struct trunk_mgr *m, int64_t trunk_id, int64_t member_id, const char *sql, const char *state,
		      const char *what, const char *why, time_t at)
{
	char tid[24], mid[24], when[32], detail[257];
	const char *ev[6], *st[5];

	if (!m->store)
		return;
	snprintf(tid, sizeof(tid), "%lld", (long long)trunk_id);
	snprintf(mid, sizeof(mid), "%lld", (long long)member_id);
	snprintf(detail, sizeof(detail), "%s", why && *why ? why : "-");
	tm_time(at, when, sizeof(when));
	ev[0] = tid, ev[1] = member_id > 0 ? mid : NULL, ev[2] = m->node, ev[3] = when, ev[4] = what, ev[5] = detail;
	if (what) /* NULL: a state without an event of its own (registering, failed) */
		gw_store_exec(m->store, tm_sql_event, 6, ev);
	if (member_id <= 0)
		return;
	st[0] = mid, st[1] = m->node, st[2] = state, st[3] = detail, st[4] = when;
	gw_store_exec(m->store, sql, 5, st);
}

void tm_record_health(struct trunk_mgr *m, const struct tm_member *mb, const char *what)
{
	tm_record(m, mb->trunk->id, mb->id, tm_sql_health, trunk_health_name(mb->hyst.state), what, mb->why, mb->since);
}

void trunk_mgr_record_limit(struct trunk_mgr *m, int64_t trunk_id, int limited, const char *why)
{
	tm_record(m, trunk_id, 0, NULL, NULL, limited ? "limited" : "unlimited", why, time(NULL));
}

void tm_record_reg(struct trunk_mgr *m, const struct tm_trunk *t, const char *what)
{
	tm_record(m, t->id, t->reg_member, tm_sql_reg, tm_reg_state_name(t->state), what, t->why, t->since);
}

struct tm_member *tm_member_find(struct trunk_mgr *m, int64_t id)
{
	for (struct tm_member *mb = m->members; mb; mb = mb->next)
		if (mb->id == id)
			return mb;
	return NULL;
}

static struct tm_trunk *tm_trunk_find(struct trunk_mgr *m, int64_t id)
{
	for (struct tm_trunk *t = m->trunks; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

/* --- Pings ---------------------------------------------------------------- */

static void tm_ping_send(void *arg);

/* One ping's verdict. */
static void tm_ping_result(struct tm_member *mb, int alive, const char *why)
{
	enum trunk_health old = mb->hyst.state;

	if (!trunk_hyst_feed(&mb->hyst, alive, mb->up_after, mb->down_after)) {
		if (!alive)
			LOG_D(TM_TAG, "%s member %s: %s (%u failure(s) in a row)", mb->trunk->name, mb->label, why,
			      mb->hyst.failures);
		return;
	}
	snprintf(mb->why, sizeof(mb->why), "%s", why);
	mb->since = time(NULL);
	if (mb->hyst.state == TRUNK_HEALTH_UP)
		LOG_N(TM_TAG, "%s member %s is up (was %s): %s, %u answer(s) in a row", mb->trunk->name, mb->label,
		      trunk_health_name(old), why, mb->up_after);
	else
		LOG_W(TM_TAG, "%s member %s is down (was %s): %s, %u failure(s) in a row", mb->trunk->name, mb->label,
		      trunk_health_name(old), why, mb->down_after);
	tm_record_health(mb->mgr, mb, trunk_health_name(mb->hyst.state));
}

static void tm_ping_reply(void *arg, struct gw_sip_req *req, const struct gw_sip_reply *r)
{
	struct tm_member *mb = arg;
	char why[160];
	int alive;

	(void)req;
	mb->req = NULL;
	if (r->local) {
		snprintf(why, sizeof(why), "no answer to OPTIONS (%d %s)", r->status, r->phrase);
		alive = 0;
	} else {
		mb->rtt_ms = (int)(tm_now_ms() - mb->sent_ms);
		alive = sip_codes_has(&mb->mgr->alive, r->status);
		snprintf(why, sizeof(why), "%d %s to OPTIONS", r->status, r->phrase);
	}
	tm_ping_result(mb, alive, why);
}

static void tm_ping_send(void *arg)
{
	struct tm_member *mb = arg;

	if (mb->req) {
		char why[96];

		gw_sip_req_cancel(mb->req);
		mb->req = NULL;
		snprintf(why, sizeof(why), "no answer to OPTIONS within %u s", mb->interval_s);
		tm_ping_result(mb, 0, why);
	}
	if (!mb->interval_s)
		return;
	gw_timer_start(mb->timer, mb->interval_s * 1000);
	mb->sent_ms = tm_now_ms();
	if (gw_sip_options(mb->mgr->sip, mb->uri, tm_ping_reply, mb, &mb->req) < 0)
		LOG_E(TM_TAG, "%s member %s: cannot send OPTIONS (out of memory)", mb->trunk->name, mb->label);
}

/* --- Following the directory ---------------------------------------------- */

static const char *tm_transport_name(int tr)
{
	return tr == DIR_TRANSPORT_TCP ? "tcp" : tr == DIR_TRANSPORT_TLS ? "tls" : "udp";
}

static void tm_member_free(struct tm_member *mb)
{
	gw_sip_req_cancel(mb->req);
	gw_timer_free(mb->timer);
	free(mb);
}

/* (Re)start a member's pings: the first one soon, spread over a second. */
static void tm_member_start(struct tm_member *mb)
{
	gw_sip_req_cancel(mb->req);
	mb->req = NULL;
	gw_timer_stop(mb->timer);
	if (mb->interval_s)
		gw_timer_start(mb->timer, 50 + tm_random(mb->mgr) % 1000);
}

static void tm_member_sync(struct trunk_mgr *m, struct tm_trunk *t, const struct dir_trunk *dt,
			   const struct dir_member *dm, unsigned rank)
{
	struct tm_member *mb = tm_member_find(m, dm->id);
	char uri[320], label[300];
	const char *tr = tm_transport_name(dm->transport);
	int v6 = strchr(dm->host, ':') && dm->host[0] != '[';

	if (dm->port)
		snprintf(uri, sizeof(uri), "sip:%s%s%s:%u;transport=%s", v6 ? "[" : "", dm->host, v6 ? "]" : "",
			 dm->port, tr);
	else if (dm->transport == DIR_TRANSPORT_UDP)
		/* a domain's NAPTR records choose, as for calls (RFC 3263 4.1) */
		snprintf(uri, sizeof(uri), "sip:%s%s%s", v6 ? "[" : "", dm->host, v6 ? "]" : "");
	else
		snprintf(uri, sizeof(uri), "sip:%s%s%s;transport=%s", v6 ? "[" : "", dm->host, v6 ? "]" : "", tr);
	snprintf(label, sizeof(label), "%s%s%s:%u/%s", v6 ? "[" : "", dm->host, v6 ? "]" : "",
		 dm->port ? dm->port : (dm->transport == DIR_TRANSPORT_TLS ? 5061 : 5060), tr);
	if (!mb) {
		mb = calloc(1, sizeof(*mb));
		if (!mb || gw_timer_new(m->loop, tm_ping_send, mb, &mb->timer) < 0) {
			free(mb);
			LOG_E(TM_TAG, "%s member %s: out of memory", dt->name, label);
			return;
		}
		mb->mgr = m;
		mb->id = dm->id;
		mb->rtt_ms = -1;
		mb->since = time(NULL);
		mb->interval_s = ~0u; /* set below */
		mb->next = m->members;
		m->members = mb;
		LOG_I(TM_TAG, "%s member %s: pings every %u s", dt->name, label, dt->ping_interval_s);
	} else if (strcmp(mb->uri, uri) != 0) {
		LOG_I(TM_TAG, "%s member %s is now %s: health unknown until it answers", dt->name, mb->label, label);
		mb->hyst = (struct trunk_hyst){0};
		mb->rtt_ms = -1;
		mb->since = time(NULL);
		mb->why[0] = '\0';
		mb->interval_s = 0; /* restarted below */
	}
	mb->trunk = t;
	mb->seen = true;
	mb->rank = rank;
	mb->port = dm->port;
	mb->transport = (int)dm->transport;
	snprintf(mb->host, sizeof(mb->host), "%s", dm->host);
	snprintf(mb->uri, sizeof(mb->uri), "%s", uri);
	snprintf(mb->label, sizeof(mb->label), "%s", label);
	mb->up_after = dt->ping_up;
	mb->down_after = dt->ping_down;
	if (mb->interval_s != dt->ping_interval_s) {
		mb->interval_s = dt->ping_interval_s;
		if (!mb->interval_s) {
			/* pings off: no verdict, calls may use it */
			mb->hyst = (struct trunk_hyst){0};
			snprintf(mb->why, sizeof(mb->why), "pings off");
			mb->since = time(NULL);
		}
		tm_member_start(mb);
	}
}

/* The trunk's registration settings as they stand, and whether they
 * changed since the last snapshot. */
static bool tm_trunk_settings(struct tm_trunk *t, const struct dir_trunk *dt)
{
	bool changed =
	    t->reg != dt->reg || t->expires != dt->register_expires || t->has_auth != (dt->auth_user != NULL) ||
	    (dt->auth_user && (strcmp(t->user, dt->auth_user) != 0 || strcmp(t->password, dt->auth_password) != 0));

	t->reg = dt->reg;
	t->expires = dt->register_expires;
	t->has_auth = dt->auth_user != NULL;
	snprintf(t->user, sizeof(t->user), "%s", dt->auth_user ? dt->auth_user : dt->name);
	snprintf(t->password, sizeof(t->password), "%s", dt->auth_password ? dt->auth_password : "");
	snprintf(t->name, sizeof(t->name), "%s", dt->name);
	return changed;
}

static void tm_trunk_free(struct tm_trunk *t)
{
	gw_sip_req_cancel(t->req);
	gw_timer_free(t->timer);
	free(t);
}

void trunk_mgr_sync(struct trunk_mgr *m, const struct dir_snapshot *snap)
{
	struct tm_trunk **tp;
	struct tm_member **mp;

	if (m->stopped || !snap)
		return;
	for (struct tm_trunk *t = m->trunks; t; t = t->next)
		t->seen = false;
	for (struct tm_member *mb = m->members; mb; mb = mb->next)
		mb->seen = false;
	for (size_t i = 0; i < dir_snapshot_trunk_count(snap); i++) {
		const struct dir_trunk *dt = dir_snapshot_trunk_at(snap, i);
		const struct dir_member *dm;
		struct tm_trunk *t;
		size_t n;
		bool changed, is_new = false;

		if (dt->kind != DIR_TRUNK_SIP || !dt->enabled)
			continue;
		t = tm_trunk_find(m, dt->id);
		if (!t) {
			t = calloc(1, sizeof(*t));
			if (!t || gw_timer_new(m->loop, tm_reg_timer, t, &t->timer) < 0) {
				free(t);
				LOG_E(TM_TAG, "%s: out of memory", dt->name);
				continue;
			}
			t->mgr = m;
			t->id = dt->id;
			t->since = time(NULL);
			t->next = m->trunks;
			m->trunks = t;
			is_new = true;
		}
		t->seen = true;
		changed = tm_trunk_settings(t, dt) || is_new;
		n = dir_trunk_members(snap, dt->id, &dm);
		for (size_t k = 0; k < n; k++)
			tm_member_sync(m, t, dt, &dm[k], (unsigned)k);
		/* the member registered with is gone: register again elsewhere */
		if (t->reg_member && (!tm_member_find(m, t->reg_member) || !tm_member_find(m, t->reg_member)->seen))
			changed = true;
		if (changed) {
			if (t->reg)
				tm_reg_restart(t);
			else if (t->state != TM_REG_NONE)
				tm_reg_stop(t, true, "registration turned off");
		}
	}
	for (tp = &m->trunks; *tp;) {
		struct tm_trunk *t = *tp;

		if (t->seen) {
			tp = &t->next;
			continue;
		}
		LOG_I(TM_TAG, "%s removed or disabled: no longer managed", t->name);
		if (t->state != TM_REG_NONE)
			tm_reg_stop(t, true, "trunk removed or disabled");
		*tp = t->next;
		tm_trunk_free(t);
	}
	for (mp = &m->members; *mp;) {
		struct tm_member *mb = *mp;

		if (mb->seen) {
			mp = &mb->next;
			continue;
		}
		LOG_I(TM_TAG, "member %s removed (or its trunk disabled): no more pings", mb->label);
		*mp = mb->next;
		tm_member_free(mb);
	}
}

/* --- The rest ------------------------------------------------------------- */

int trunk_mgr_member_usable(struct trunk_mgr *m, int64_t member_id)
{
	const struct tm_member *mb = m ? tm_member_find(m, member_id) : NULL;

	return !mb || mb->hyst.state != TRUNK_HEALTH_DOWN;
}

static void tm_settings(struct trunk_mgr *m, const struct tandem_settings *s)
{
	char why[160];

	snprintf(m->node, sizeof(m->node), "%s", s->node);
	/* checked when the settings were loaded */
	if (sip_codes_parse(s->trunk_alive_codes, &m->alive, why, sizeof(why)) < 0)
		LOG_E(TM_TAG, "[trunks] alive_codes: %s", why);
	m->reject_limit = (unsigned)s->trunk_reject_limit;
	m->retry_min_ms = (unsigned)s->trunk_retry_min_ms;
	m->retry_max_ms = (unsigned)s->trunk_retry_max_ms;
	m->jitter_ms = (unsigned)s->trunk_register_jitter_ms;
}

int trunk_mgr_new(const struct trunk_mgr_deps *deps, const struct tandem_settings *s, struct trunk_mgr **out)
{
	struct trunk_mgr *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->loop = deps->loop;
	m->sip = deps->sip;
	m->store = deps->store;
	m->rnd = (uint64_t)tm_now_ms() ^ ((uint64_t)getpid() << 32) ^ UINT64_C(0x9e3779b97f4a7c15);
	tm_settings(m, s);
	*out = m;
	return 0;
}

void trunk_mgr_reconfigure(struct trunk_mgr *m, const struct tandem_settings *s)
{
	tm_settings(m, s);
}

void trunk_mgr_stop(struct trunk_mgr *m)
{
	if (!m || m->stopped)
		return;
	m->stopped = true;
	for (struct tm_member *mb = m->members; mb; mb = mb->next) {
		gw_sip_req_cancel(mb->req);
		mb->req = NULL;
		gw_timer_stop(mb->timer);
	}
	for (struct tm_trunk *t = m->trunks; t; t = t->next) {
		gw_sip_req_cancel(t->req);
		t->req = NULL;
		gw_timer_stop(t->timer);
	}
	for (size_t i = 0; i < TM_MAX_UNREG; i++) {
		gw_sip_req_cancel(m->unreg[i]);
		m->unreg[i] = NULL;
	}
}

void trunk_mgr_free(struct trunk_mgr *m)
{
	if (!m)
		return;
	trunk_mgr_stop(m);
	while (m->members) {
		struct tm_member *mb = m->members;

		m->members = mb->next;
		tm_member_free(mb);
	}
	while (m->trunks) {
		struct tm_trunk *t = m->trunks;

		m->trunks = t->next;
		tm_trunk_free(t);
	}
	free(m);
}

static void tm_status_trunks(struct trunk_mgr *m, const struct dir_snapshot *snap,
			     unsigned (*calls_on)(void *arg, int64_t trunk_id), void *arg, struct ctl_out *out)
{
	static const char *const cols[] = {"trunk",        "kind",  "enabled",   "members_up", "members",
					   "registration", "calls", "max_calls", "max_cps"};

	ctl_out_table(out, "trunks", cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; snap && i < dir_snapshot_trunk_count(snap); i++) {
		const struct dir_trunk *dt = dir_snapshot_trunk_at(snap, i);
		const struct dir_member *dm;
		const struct tm_trunk *t = tm_trunk_find(m, dt->id);
		size_t n = dir_trunk_members(snap, dt->id, &dm), up = 0;
		char nup[16], nall[16], calls[16], maxc[16], maxcps[24];
		const char *vals[9];

		for (size_t k = 0; k < n; k++) {
			const struct tm_member *mb = tm_member_find(m, dm[k].id);

			up += mb && mb->hyst.state == TRUNK_HEALTH_UP;
		}
		snprintf(nup, sizeof(nup), "%zu", up);
		snprintf(nall, sizeof(nall), "%zu", n);
		snprintf(calls, sizeof(calls), "%u", calls_on ? calls_on(arg, dt->id) : 0);
		if (dt->max_calls < 0)
			snprintf(maxc, sizeof(maxc), "none");
		else
			snprintf(maxc, sizeof(maxc), "%d", dt->max_calls);
		if (dt->max_cps < 0)
			snprintf(maxcps, sizeof(maxcps), "none");
		else
			snprintf(maxcps, sizeof(maxcps), "%.2f", dt->max_cps);
		vals[0] = dt->name;
		vals[1] = dt->kind == DIR_TRUNK_PRI ? "pri" : "sip";
		vals[2] = dt->enabled ? "yes" : "no";
		vals[3] = nup;
		vals[4] = nall;
		vals[5] = t ? tm_reg_state_name(t->state) : "none";
		vals[6] = calls;
		vals[7] = maxc;
		vals[8] = maxcps;
		ctl_out_row(out, vals, 9);
	}
	ctl_out_end(out);
}

static void tm_status_members(struct trunk_mgr *m, const struct dir_snapshot *snap, struct ctl_out *out)
{
	static const char *const cols[] = {"trunk", "member", "health", "why", "since", "rtt_ms", "registration"};

	ctl_out_table(out, "trunk_members", cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; snap && i < dir_snapshot_trunk_count(snap); i++) {
		const struct dir_trunk *dt = dir_snapshot_trunk_at(snap, i);
		const struct dir_member *dm;
		size_t n = dir_trunk_members(snap, dt->id, &dm);

		for (size_t k = 0; k < n; k++) {
			const struct tm_member *mb = tm_member_find(m, dm[k].id);
			const struct tm_trunk *t = mb ? mb->trunk : NULL;
			char since[32] = "", rtt[16] = "", label[300];
			const char *vals[7];

			if (mb) {
				tm_time(mb->since, since, sizeof(since));
				if (mb->rtt_ms >= 0)
					snprintf(rtt, sizeof(rtt), "%d", mb->rtt_ms);
			}
			snprintf(label, sizeof(label), "%s:%u/%s", dm[k].host, dm[k].port ? dm[k].port : 5060,
				 tm_transport_name(dm[k].transport));
			vals[0] = dt->name;
			vals[1] = mb ? mb->label : label;
			vals[2] = mb ? trunk_health_name(mb->hyst.state) : "unknown";
			vals[3] = mb ? mb->why : dt->enabled ? "" : "trunk disabled";
			vals[4] = since;
			vals[5] = rtt;
			vals[6] = t && t->reg_member == dm[k].id ? tm_reg_state_name(t->state) : "none";
			ctl_out_row(out, vals, 7);
		}
	}
	ctl_out_end(out);
}

void trunk_mgr_status(struct trunk_mgr *m, const struct dir_snapshot *snap,
		      unsigned (*calls_on)(void *arg, int64_t trunk_id), void *arg, struct ctl_out *out)
{
	tm_status_trunks(m, snap, calls_on, arg, out);
	tm_status_members(m, snap, out);
}
