/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may call and where to: a new INVITE or SETUP is recognised (customer
 * by source address, carrier trunk, PRI span), its numbers read, its route
 * or DID found, and handed to the state machine in gateway/call.c. */
#include "config.h"

#include "gateway/call_int.h"

#include "gateway/call.h"

#include "common/settings.h"
#include "db/directory.h"
#include "gateway/auth.h"
#include "gateway/cause.h"
#include "gateway/directory.h"
#include "gateway/registrar.h"
#include "gateway/loop.h"
#include "gateway/sip.h"
#include "gateway/spans.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* --- SIP events ------------------------------------------------------------ */

static void sip_refuse(struct gw_calls *calls, const struct gw_sip_invite *inv, int status, int cause, const char *why)
{
	char reason[160];

	calls->refused++;
	LOG_N(TAG, "INVITE %s from %s:%d refused with %d: %s", inv->ruri_user, inv->source_ip, inv->source_port, status,
	      why);
	call_reason(cause, reason, sizeof(reason));
	gw_sip_respond(inv->leg, status, NULL, cause ? reason : NULL, status == 503 ? "Retry-After: 5\r\n" : NULL);
}

static void sip_source_addr(const char *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1)
		in4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1)
		in6->sin6_family = AF_INET6;
}

int calls_credential(void *arg, const char *user, const char *realm, char ha1[33], int64_t *customer_id)
{
	struct gw_calls *calls = arg;
	const struct dir_snapshot *snap = gw_directory_current(calls->dir);
	const struct dir_credential *cr = snap ? dir_credential(snap, user, realm) : NULL;

	if (!cr)
		return -1;
	memcpy(ha1, cr->ha1, 33);
	*customer_id = cr->customer_id;
	return 0;
}

/* A DID with no target goes to the customer's registered PBX: the newest
 * binding. NULL when none is registered. */
static const char *did_registered_target(struct gw_calls *calls, int64_t customer_id)
{
	const struct gw_reg_binding *b[1];

	if (gw_reg_lookup(gw_sip_registrar(calls->sip), customer_id, NULL, time(NULL), b, 1) == 0)
		return NULL;
	return b[0]->target;
}

/* Send a DID's call to its target: the DID's URI, else the customer's
 * newest registered PBX (the DID in To), else the DID's fallback. The
 * fallback is kept for call_did_fallback() when the target fails. */
static void call_route_did(struct call *c, const struct route_did *did, const char *callee)
{
	const char *target = did->target;

	snprintf(c->fallback, sizeof(c->fallback), "%s", did->fallback ? did->fallback : "");
	if (!target && !(target = did_registered_target(c->calls, did->customer_id))) {
		int fallback = c->fallback[0] != '\0';

		CLOG(LOG_INFO, c, "DID %s: no target and no registered PBX%s", callee, fallback ? ": fallback" : "");
		if (call_did_fallback(c))
			return;
		if (!fallback && c->a.kind == LEG_SIP)
			c->final_status = 480;
		call_fail_a(c, fallback ? c->last_cause : CAUSE_SUBSCRIBER_ABSENT, fallback ? 0 : 480);
		return;
	}
	call_attempt_reset(c);
	snprintf(c->egress, sizeof(c->egress), "%s", c->customer);
	snprintf(c->route, sizeof(c->route), "did %s", callee);
	{
		const struct dir_snapshot *snap = gw_directory_current(c->calls->dir);
		const struct dir_customer *cust = snap ? dir_customer(snap, did->customer_id) : NULL;

		c->b_srtp = cust && cust->require_secure; /* its PBX: over TLS, offered SRTP */
		c->b_dtmf = cust ? (int)cust->dtmf_mode : 0;
		c->fax_no_t38 = cust && cust->no_t38;
	}
	if (call_start_sip(c, NULL, target, !did->target) < 0) {
		if (!call_did_fallback(c))
			call_fail_a(c, c->last_cause, 0);
		return;
	}
	gw_timer_start(c->ring_timer, (unsigned)c->calls->s->call_ring_timeout_ms);
}

int gw_calls_trusted(void *arg, const struct sockaddr *sa)
{
	struct gw_calls *calls = arg;
	const struct dir_snapshot *snap = gw_directory_current(calls->dir);
	const struct dir_customer *cust;
	char ip[INET6_ADDRSTRLEN] = "";

	if (!snap)
		return 0;
	cust = dir_customer_by_addr(snap, sa);
	if (cust && cust->enabled)
		return 1;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
	return ip[0] && dir_trunk_by_member_host(snap, DIR_TRUNK_SIP, ip) != NULL;
}

void calls_on_invite(void *arg, const struct gw_sip_invite *inv)
{
	struct gw_calls *calls = arg;
	const struct dir_snapshot *snap = gw_directory_current(calls->dir);
	const struct dir_customer *cust;
	const struct dir_trunk *carrier = NULL;
	struct sockaddr_storage ss;
	struct route_match m;
	struct route_did did;
	char callee[NUM_E164_SIZE];
	struct call *c;

	if (calls->shutting_down) {
		sip_refuse(calls, inv, 503, CAUSE_NO_CIRCUIT, "shutting down");
		return;
	}
	if (!snap) {
		sip_refuse(calls, inv, 503, CAUSE_TEMPORARY_FAILURE, "routing data not loaded yet");
		return;
	}
	if (calls->live >= (unsigned)calls->s->call_max) {
		sip_refuse(calls, inv, 503, CAUSE_NO_CIRCUIT, "at the node's call limit");
		return;
	}
	sip_source_addr(inv->source_ip, &ss);
	cust = dir_customer_by_addr(snap, (struct sockaddr *)&ss);
	if (!cust)
		carrier = dir_trunk_by_member_host(snap, DIR_TRUNK_SIP, inv->source_ip);
	/* Not known by address: a customer proves who it is by digest
	 * (RFC 3261 22.3); a challenge first, 403 for wrong credentials. */
	if (!cust && !carrier) {
		if (inv->auth == GW_AUTH_NONE || inv->auth == GW_AUTH_STALE) {
			calls->refused++;
			LOG_I(TAG, "INVITE %s from %s:%d challenged (407)", inv->ruri_user, inv->source_ip,
			      inv->source_port);
			gw_sip_challenge(inv->leg, inv->auth == GW_AUTH_STALE);
			return;
		}
		if (inv->auth != GW_AUTH_OK) {
			sip_refuse(calls, inv, 403, 0, "authentication failed");
			return;
		}
		cust = dir_customer(snap, inv->auth_customer);
	}
	if ((!cust || !cust->enabled) && !carrier) {
		sip_refuse(calls, inv, 403, 0, cust ? "customer disabled" : "unknown customer");
		return;
	}
	{
		const char *phrase = NULL, *why = NULL;
		int st = call_secure_ingress(calls, inv, carrier ? carrier->require_secure : cust->require_secure,
					     &phrase, &why);

		if (st) {
			calls->refused++;
			LOG_N(TAG, "INVITE %s from %s:%d (%s) refused with %d: %s", inv->ruri_user, inv->source_ip,
			      inv->source_port, carrier ? carrier->name : cust->name, st, why);
			gw_sip_refuse_phrase(inv->leg, st, phrase, NULL);
			return;
		}
	}
	if (num_from_uri(inv->ruri_user, NULL, callee, sizeof(callee)) < 0) {
		sip_refuse(calls, inv, 484, CAUSE_INVALID_NUMBER_FORMAT, "called number is not E.164");
		return;
	}
	c = call_new(calls, carrier ? CDR_DIR_INBOUND : CDR_DIR_OUTBOUND);
	if (!c) {
		sip_refuse(calls, inv, 500, 0, "out of memory");
		return;
	}
	c->a.kind = LEG_SIP;
	c->a.sip = inv->leg;
	c->a.live = 1;
	c->a_srtp = carrier ? carrier->require_secure : cust->require_secure;
	c->a_dtmf = (int)(carrier ? carrier->dtmf_mode : cust->dtmf_mode);
	c->fax_no_t38 = carrier ? carrier->no_t38 : cust->no_t38;
	gw_sip_leg_set_owner(inv->leg, c);
	snprintf(c->call_id, sizeof(c->call_id), "%s", inv->call_id);
	snprintf(c->dialed, sizeof(c->dialed), "%s", inv->ruri_user);
	snprintf(c->callee, sizeof(c->callee), "%s", callee);
	snprintf(c->a_sdp, SDP_MAX, "%s", inv->sdp);
	{
		char from[300];
		/* Sofia keeps a quoted display name with its quotes and escapes:
		 * quoting it again gave "Alice\"\"" to the next hop. */
		bool quoted = inv->from_display[0] == '"';

		snprintf(from, sizeof(from), "%s%s%s <sip:%s@%s>", quoted ? "" : "\"", inv->from_display,
			 quoted ? "" : "\"", inv->from_user, inv->source_ip);
		ident_from_sip(from, inv->pai[0] ? inv->pai : NULL, inv->privacy[0] ? inv->privacy : NULL,
			       carrier != NULL || cust != NULL, NULL, &c->caller);
	}
	if (inv->diversion[0]) {
		struct ident_diversion d[4];
		size_t n = 0;
		if (ident_diversion_parse(inv->diversion, NULL, d, 4, &n) == 0 && n > 0 &&
		    ident_redirect_from_diversion(d, n, &c->redirect) == 0)
			c->redirected = 1;
	}
	/* a member of a SIP-T / SIP-I trunk: its INVITE carries an IAM */
	c->a_sipt = call_sipt_of_host(c, inv->source_ip);
	if (call_sipt_ingress(c, inv) < 0)
		return;
	CLOG(LOG_INFO, c, "INVITE from %s:%d (%s %s) to %s, caller %s%s", inv->source_ip, inv->source_port,
	     carrier ? "trunk" : "customer", carrier ? carrier->name : cust->name, callee,
	     c->caller.number[0] ? c->caller.number : "(none)", c->caller.pres ? " (restricted)" : "");
	if (carrier) {
		snprintf(c->ingress, sizeof(c->ingress), "%s", carrier->name);
		if (route_did_lookup(dir_routes(snap), callee, &did) < 0) {
			c->final_status = 404;
			call_fail_a(c, CAUSE_UNALLOCATED, 404);
			return;
		}
		cust = dir_customer(snap, did.customer_id);
		snprintf(c->customer, sizeof(c->customer), "%s", cust ? cust->name : "");
		call_route_did(c, &did, callee);
		return;
	}
	snprintf(c->customer, sizeof(c->customer), "%s", cust->name);
	snprintf(c->ingress, sizeof(c->ingress), "%s", cust->name);
	c->customer_id = cust->id;
	if (call_admit_customer(c, cust, snap) < 0)
		return;
	if (route_lookup(dir_routes(snap), cust->id, callee, &m) < 0) {
		call_fail_a(c, CAUSE_NO_ROUTE_DESTINATION, 404);
		return;
	}
	for (size_t i = 0; i < m.ntargets && c->ntargets < MAX_TARGETS; i++) {
		const struct dir_trunk *t = dir_trunk(snap, m.targets[i].trunk_id);
		struct call_target *ct = &c->targets[c->ntargets++];
		ct->trunk_id = m.targets[i].trunk_id;
		ct->route_id = m.targets[i].route_id;
		snprintf(ct->trunk, sizeof(ct->trunk), "%s", t ? t->name : "?");
	}
	call_try_next(c);
}

/* --- Span events ------------------------------------------------------------ */

static void pri_refuse(struct gw_calls *calls, struct gw_span *sp, int ch, int cause, const char *why)
{
	calls->refused++;
	LOG_N(TAG, "span %s ch %d: call refused with cause %d: %s", gw_span_name(sp), ch, cause, why);
	gw_pri_hangup(gw_span_pri(sp), ch, cause);
}

void calls_on_setup(void *arg, struct gw_span *sp, const struct gw_pri_setup *s)
{
	struct gw_calls *calls = arg;
	const struct dir_snapshot *snap = gw_directory_current(calls->dir);
	const struct dir_customer *cust;
	const struct number_rules *rules = gw_span_rules(sp);
	char callee[NUM_E164_SIZE], calling[NUM_E164_SIZE];
	struct route_did did;
	struct call *c;

	if (calls->shutting_down || calls->live >= (unsigned)calls->s->call_max) {
		pri_refuse(calls, sp, s->channel, CAUSE_NO_CIRCUIT, "at the call limit or stopping");
		return;
	}
	if (!snap) {
		pri_refuse(calls, sp, s->channel, CAUSE_TEMPORARY_FAILURE, "routing data not loaded yet");
		return;
	}
	if (num_from_pri(rules, s->called_party.digits, (enum num_ton)GW_PRI_PLAN_TON(s->called_party.plan),
			 (enum num_npi)GW_PRI_PLAN_NPI(s->called_party.plan), callee, sizeof(callee)) < 0) {
		pri_refuse(calls, sp, s->channel, CAUSE_INVALID_NUMBER_FORMAT, "called number has no E.164 form");
		return;
	}
	c = call_new(calls, CDR_DIR_INBOUND);
	if (!c) {
		pri_refuse(calls, sp, s->channel, CAUSE_TEMPORARY_FAILURE, "out of memory");
		return;
	}
	c->a.kind = LEG_PRI;
	c->a.span = sp;
	c->a.ch = s->channel;
	c->a.live = 1;
	gw_span_set_owner(sp, s->channel, c);
	snprintf(c->ingress, sizeof(c->ingress), "%s", gw_span_settings(sp)->trunk);
	snprintf(c->dialed, sizeof(c->dialed), "%s", s->called);
	snprintf(c->callee, sizeof(c->callee), "%s", callee);
	c->caller.pres = (enum ident_pres)GW_PRI_PRES_OF(s->calling_party.pres);
	c->caller.screen = (enum ident_screen)GW_PRI_SCREEN_OF(s->calling_party.pres);
	if (s->calling_party.digits[0] &&
	    num_from_pri(rules, s->calling_party.digits, (enum num_ton)GW_PRI_PLAN_TON(s->calling_party.plan),
			 (enum num_npi)GW_PRI_PLAN_NPI(s->calling_party.plan), calling, sizeof(calling)) == 0)
		snprintf(c->caller.number, sizeof(c->caller.number), "%s", calling);
	if (s->redirecting.digits[0] &&
	    num_from_pri(rules, s->redirecting.digits, (enum num_ton)GW_PRI_PLAN_TON(s->redirecting.plan),
			 (enum num_npi)GW_PRI_PLAN_NPI(s->redirecting.plan), calling, sizeof(calling)) == 0) {
		snprintf(c->redirect.number, sizeof(c->redirect.number), "%s", calling);
		c->redirect.reason = ident_redir_reason_from_q931(s->redirecting_reason);
		c->redirect.counter = 1;
		c->redirected = 1;
	}
	CLOG(LOG_INFO, c, "SETUP on span %s channel %d to %s from %s%s", gw_span_name(sp), s->channel, callee,
	     c->caller.number[0] ? c->caller.number : "(none)", c->caller.pres ? " (restricted)" : "");
	if (route_did_lookup(dir_routes(snap), callee, &did) < 0) {
		call_fail_a(c, CAUSE_UNALLOCATED, 404);
		return;
	}
	cust = dir_customer(snap, did.customer_id);
	snprintf(c->customer, sizeof(c->customer), "%s", cust ? cust->name : "");
	if (cust && !cust->enabled) {
		call_fail_a(c, CAUSE_NO_ROUTE_DESTINATION, 404);
		return;
	}
	gw_pri_proceeding(gw_span_pri(sp), s->channel);
	call_route_did(c, &did, callee);
}
