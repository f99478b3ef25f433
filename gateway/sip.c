/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP glue: nua events dispatched to small handlers; call legs (one nua
 * handle each) handed to the call layer through gw_sip_events. nua's own
 * offer/answer engine is off: the call layer writes and reads SDP. */
#include "config.h"

#define NUA_MAGIC_T  struct gw_sip
#define NUA_HMAGIC_T struct gw_sip_leg

#include "gateway/sip.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"
#include "gateway/auth.h"
#include "gateway/loop.h"
#include "gateway/registrar.h"
#include "gateway/security.h"
#include "gateway/sip_msg.h"
#include "gateway/sip_tls.h"
#include "gateway/sip_int.h"
#include "gateway/sip_leg.h"

#include <errno.h>
#include <netdb.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sresolv.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/tport_tag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void gw_sip_logger(void *stream, char const *fmt, va_list ap)
{
	(void)stream;
	log_vmsg(LOG_DEBUG, "sofia", fmt, ap);
}

void gw_sip_log_setup(int level)
{
	su_log_redirect(NULL, gw_sip_logger, NULL);
	su_log_set_level(NULL, (unsigned)level);
}

static struct gw_sip_leg *leg_new(struct gw_sip *sip, nua_handle_t *nh, int incoming)
{
	struct gw_sip_leg *leg = calloc(1, sizeof(*leg));

	if (!leg)
		return NULL;
	leg->sip = sip;
	leg->nh = nh;
	leg->incoming = incoming;
	leg->next = sip->legs;
	if (sip->legs)
		sip->legs->prev = leg;
	sip->legs = leg;
	sip->legs_live++;
	nua_handle_bind(nh, leg);
	return leg;
}

static void leg_free(struct gw_sip_leg *leg)
{
	if (leg->prev)
		leg->prev->next = leg->next;
	else
		leg->sip->legs = leg->next;
	if (leg->next)
		leg->next->prev = leg->prev;
	leg->sip->legs_live--;
	if (leg->upd_req)
		msg_destroy(leg->upd_req);
	if (leg->info_req)
		msg_destroy(leg->info_req);
	free(leg);
}

/* Q.850 cause from a Reason header (RFC 3326), or -1. */
static int reason_cause(sip_t const *msg)
{
	for (sip_reason_t const *r = msg ? msg->sip_reason : NULL; r; r = r->re_next) {
		if (r->re_protocol && strcasecmp(r->re_protocol, "Q.850") == 0 && r->re_cause)
			return atoi(r->re_cause);
	}
	return -1;
}

/* The source address of the request being delivered; 0 or -ENOENT. */
static int request_source(struct gw_sip *sip, struct sockaddr_storage *ss)
{
	msg_t *m = nua_current_request(sip->nua);
	su_addrinfo_t *ai = m ? msg_addrinfo(m) : NULL;

	memset(ss, 0, sizeof(*ss));
	if (!ai || !ai->ai_addr || ai->ai_addrlen > sizeof(*ss))
		return -ENOENT;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	return 0;
}

/* The transport a request came over, from its top Via: nta has already
 * dropped any request whose top Via names another transport than the one
 * that carried it (agent_check_request_via), so "TLS" here is TLS. */
static const char *request_transport(sip_t const *msg)
{
	const char *via = msg->sip_via && msg->sip_via->v_protocol ? msg->sip_via->v_protocol : "";

	if (strcasestr(via, "TLS"))
		return "tls";
	return strcasestr(via, "TCP") ? "tcp" : "udp";
}

static void leg_source(const struct sockaddr_storage *ss, char *ip, size_t iplen, int *port)
{
	char serv[16] = "0";

	snprintf(ip, iplen, "0.0.0.0");
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6)
		getnameinfo((const struct sockaddr *)ss,
			    ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6), ip,
			    (socklen_t)iplen, serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV);
	*port = atoi(serv);
}

/* The first credentials of ours among auth (Authorization or
 * Proxy-Authorization headers): GW_AUTH_NONE when there are none. */
static int sip_authenticate(struct gw_sip *sip, sip_authorization_t const *auth, const char *method, char *user,
			    size_t len, int64_t *customer_id)
{
	enum gw_auth_result r = GW_AUTH_NONE;

	*customer_id = 0;
	user[0] = '\0';
	if (!sip->ev.credential)
		return GW_AUTH_NONE;
	for (; auth && r == GW_AUTH_NONE; auth = auth->au_next)
		if (auth->au_scheme && strcasecmp(auth->au_scheme, "Digest") == 0)
			r = gw_auth_check(sip->auth, auth->au_params, method, time(NULL), sip->ev.credential,
					  sip->ev_arg, user, len, customer_id);
	return (int)r;
}

/* RFC 3261 10.3: a REGISTER from a customer's PBX, authenticated by
 * digest; its Contacts become bindings (NAT-aware). */
static void on_i_register(struct gw_sip *sip, nua_handle_t *nh, sip_t const *msg)
{
	char user[128], ip[64], chal[300], aor[160], contacts[2048] = "", hdr[64];
	const struct gw_reg_binding *now_b[16];
	sip_contact_t const *m;
	int64_t cust;
	int port, r, hdr_exp, rc;
	size_t n, len = 0;
	time_t now = time(NULL);
	const char *transport = request_transport(msg);

	struct sockaddr_storage src;

	sip->registers++;
	request_source(sip, &src);
	leg_source(&src, ip, sizeof(ip), &port);
	/* The AOR must be a SIP or SIPS URI (RFC 3261 10.3 step 3), checked
	 * before anything costs a digest. */
	if (!msg->sip_to || (msg->sip_to->a_url->url_type != url_sip && msg->sip_to->a_url->url_type != url_sips) ||
	    !msg->sip_to->a_url->url_host) {
		nua_respond(nh, 400, "To is not a SIP URI", NUTAG_WITH_THIS(sip->nua), TAG_END());
		goto done;
	}
	r = sip_authenticate(sip, msg->sip_authorization, "REGISTER", user, sizeof(user), &cust);
	if (r == GW_AUTH_NONE || r == GW_AUTH_STALE) {
		sip->reg_challenged++;
		gw_auth_challenge(sip->auth, r == GW_AUTH_STALE, now, chal, sizeof(chal));
		nua_respond(nh, SIP_401_UNAUTHORIZED, NUTAG_WITH_THIS(sip->nua), SIPTAG_WWW_AUTHENTICATE_STR(chal),
			    TAG_END());
		goto done;
	}
	if (r != GW_AUTH_OK) {
		sip->reg_refused++;
		LOG_N("sip", "REGISTER from %s:%d refused: authentication failed", ip, port);
		/* Counted before the answer leaves: the next request may ban. */
		gw_sec_refused(sip->sec, (struct sockaddr *)&src, 403);
		nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(sip->nua), TAG_END());
		goto done;
	}
	snprintf(aor, sizeof(aor), "%s@%s", msg->sip_to->a_url->url_user ? msg->sip_to->a_url->url_user : "",
		 msg->sip_to->a_url->url_host);
	hdr_exp = msg->sip_expires ? (int)msg->sip_expires->ex_delta : 3600;
	gw_reg_expire(sip->reg, now);
	for (m = msg->sip_contact; m; m = m->m_next) {
		int e = m->m_expires ? atoi(m->m_expires) : hdr_exp;
		char uri[256] = "";

		if (m->m_url->url_type == url_any) { /* "Contact: *" (RFC 3261 10.3 step 6) */
			if (e != 0 || msg->sip_contact->m_next) {
				nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(sip->nua), TAG_END());
				goto done;
			}
			gw_reg_remove_aor(sip->reg, cust, aor);
			LOG_I("sip", "%s (%s) unregistered every contact from %s:%d", aor, user, ip, port);
			break;
		}
		if (e > 0 && e < sip->reg_min) {
			snprintf(hdr, sizeof(hdr), "Min-Expires: %d", sip->reg_min);
			nua_respond(nh, SIP_423_INTERVAL_TOO_BRIEF, NUTAG_WITH_THIS(sip->nua), SIPTAG_HEADER_STR(hdr),
				    TAG_END());
			goto done;
		}
		if (e > sip->reg_max)
			e = sip->reg_max;
		url_e(uri, sizeof(uri), m->m_url);
		rc = gw_reg_update(sip->reg, cust, aor, uri, m->m_url->url_user, m->m_url->url_host,
				   m->m_url->url_port ? (unsigned)atoi(m->m_url->url_port) : 0, ip, (unsigned)port,
				   transport, msg->sip_call_id ? msg->sip_call_id->i_id : "", e, now);
		if (rc < 0) {
			if (rc == -EINVAL)
				nua_respond(nh, 400, "Bad Contact", NUTAG_WITH_THIS(sip->nua), TAG_END());
			else
				nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, NUTAG_WITH_THIS(sip->nua), TAG_END());
			goto done;
		}
		LOG_I("sip", "%s (%s) %s %s from %s:%d for %d s", aor, user, e ? "registered" : "unregistered", uri, ip,
		      port, e);
	}
	/* The 200 lists every current binding of the AOR (RFC 3261 10.3 step 8). */
	n = gw_reg_lookup(sip->reg, cust, aor, now, now_b, 16);
	for (size_t i = 0; i < n && len < sizeof(contacts); i++)
		len += (size_t)snprintf(contacts + len, sizeof(contacts) - len, "%sContact: <%s>;expires=%lld",
					i ? "\r\n" : "", now_b[i]->contact, (long long)(now_b[i]->expires_at - now));
	nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sip->nua), TAG_IF(n, SIPTAG_HEADER_STR(contacts)), TAG_END());
	if (sip->ev.registered)
		sip->ev.registered(sip->ev_arg, cust, aor);
done:
	nua_handle_destroy(nh);
}

/* The Request-URI's length as it came on the wire (the request line less
 * the method, the version and the separators). */
static size_t ruri_length(sip_t const *msg)
{
	sip_request_t const *rq = msg ? msg->sip_request : NULL;
	const char *line, *sp1, *sp2;
	size_t len;

	if (!rq || !rq->rq_common->h_data || !rq->rq_common->h_len)
		return rq ? (size_t)url_e(NULL, 0, rq->rq_url) : 0;
	line = rq->rq_common->h_data;
	len = rq->rq_common->h_len;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	sp1 = memchr(line, ' ', len);
	sp2 = sp1 ? memrchr(line, ' ', len) : NULL;
	return sp1 && sp2 > sp1 ? (size_t)(sp2 - sp1 - 1) : len;
}

/* RFC 3261 13.3.1: a new INVITE goes to the call layer, which answers. */
static void on_i_invite(struct gw_sip *sip, nua_handle_t *nh, sip_t const *msg)
{
	struct gw_sip_invite inv;
	struct gw_sip_leg *leg;
	char pai[512], privacy[128], div[1024], hist[1024], ip[64], *sdp;
	struct sockaddr_storage src;
	const int *fds = NULL;
	int nfds;

	sip->invites++;
	request_source(sip, &src);
	if (ruri_length(msg) > (size_t)sip->max_uri) {
		/* Refused before anything reads it: no routing, no call. */
		sip->uri_too_long++;
		leg_source(&src, ip, sizeof(ip), &inv.source_port);
		LOG_N("sip", "INVITE from %s: Request-URI of %zu bytes refused with 414", ip, ruri_length(msg));
		nua_respond(nh, SIP_414_REQUEST_URI_TOO_LONG, TAG_END());
		return;
	}
	nfds = gw_sec_sockets(sip->sec, &fds);
	if (gw_overload_shed(&sip->overload, fds, nfds)) {
		/* Before any routing work: calls already taken keep the loop (cause 42: congestion). */
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR("2"),
			    SIPTAG_REASON_STR("Q.850;cause=42;text=\"Switching equipment congestion\""), TAG_END());
		return;
	}
	if (!sip->ev.invite || sip->shutting_down) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE,
			    SIPTAG_REASON_STR("Q.850;cause=34;text=\"No circuit/channel available\""), TAG_END());
		return;
	}
	leg = leg_new(sip, nh, 1);
	sdp = malloc(8192);
	if (!leg || !sdp) {
		free(sdp);
		if (leg)
			leg_free(leg);
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		return;
	}
	memset(&inv, 0, sizeof(inv));
	inv.leg = leg;
	inv.ruri_user = msg->sip_request->rq_url->url_user ? msg->sip_request->rq_url->url_user : "";
	inv.ruri_host = msg->sip_request->rq_url->url_host ? msg->sip_request->rq_url->url_host : "";
	inv.from_user = msg->sip_from && msg->sip_from->a_url->url_user ? msg->sip_from->a_url->url_user : "";
	inv.from_display = msg->sip_from && msg->sip_from->a_display ? msg->sip_from->a_display : "";
	inv.pai = gw_sip_header_values(msg, "P-Asserted-Identity", pai, sizeof(pai));
	inv.privacy = gw_sip_privacy_values(msg, privacy, sizeof(privacy));
	inv.diversion = gw_sip_header_values(msg, "Diversion", div, sizeof(div));
	inv.history_info = gw_sip_header_values(msg, "History-Info", hist, sizeof(hist));
	inv.call_id = msg->sip_call_id && msg->sip_call_id->i_id ? msg->sip_call_id->i_id : "";
	snprintf(leg->call_id, sizeof(leg->call_id), "%s", inv.call_id);
	inv.sdp = gw_sip_body_sdp(msg, sdp, 8192);
	if (msg->sip_payload && msg->sip_payload->pl_data) {
		inv.body.ctype = gw_sip_content_type(msg, leg->cur_ctype, sizeof(leg->cur_ctype));
		inv.body.cdisp = gw_sip_content_disposition(msg, leg->cur_cdisp, sizeof(leg->cur_cdisp));
		inv.body.data = (const uint8_t *)msg->sip_payload->pl_data;
		inv.body.len = msg->sip_payload->pl_len;
	}
	leg->src = src;
	leg_source(&src, ip, sizeof(ip), &inv.source_port);
	inv.source_ip = ip;
	inv.transport = request_transport(msg);
	inv.wants_100rel = sip_has_feature(msg->sip_supported, "100rel") || sip_has_feature(msg->sip_require, "100rel");
	leg->wants_100rel = inv.wants_100rel;
	leg->allows_update = sip_is_allowed(msg->sip_allow, sip_method_update, "UPDATE");
	inv.auth = sip_authenticate(sip, msg->sip_proxy_authorization, "INVITE", inv.auth_user, sizeof(inv.auth_user),
				    &inv.auth_customer);
	sip->ev.invite(sip->ev_arg, &inv);
	free(sdp);
}

/* The owner hears of the end once; then the leg only waits for nua. msg
 * is the BYE or CANCEL (or NULL), for gw_sip_leg_body. */
static void leg_ended(struct gw_sip_leg *leg, int by_bye, int cause, sip_t const *msg)
{
	struct gw_sip *sip = leg->sip;

	if (leg->done || leg->hung || !leg->owner)
		return;
	leg->done = 1;
	leg->cur = msg;
	if (sip->ev.ended)
		sip->ev.ended(sip->ev_arg, leg, leg->owner, by_bye, cause);
	leg->cur = NULL;
}

static void on_r_invite(struct gw_sip *sip, int status, struct gw_sip_leg *leg, sip_t const *msg)
{
	char *sdp;

	if (!leg)
		return;
	if (leg->reinv_out && !leg->upd_out) {
		gw_sip_reinvite_answered(sip, status, leg, msg);
		return;
	}
	if (leg->answered && status >= 200)
		return; /* a refresh nua sent on its own (RFC 4028), not a new answer */
	if (!leg->call_id[0] && msg && msg->sip_call_id && msg->sip_call_id->i_id)
		snprintf(leg->call_id, sizeof(leg->call_id), "%s", msg->sip_call_id->i_id);
	/* nua sends the INVITE again by itself after a 5xx with a Retry-After
	 * under 32 s, reporting 100 "Retry After N" with the 5xx. A gateway
	 * fails over instead: the owner hears the 5xx, the handle is dropped
	 * (and with it the retry). */
	if (status == 100 && msg && msg->sip_status && msg->sip_status->st_status >= 500 && msg->sip_retry_after) {
		nua_handle_t *nh = leg->nh;

		if (!leg->hung && !leg->done && leg->owner && sip->ev.failed) {
			leg->done = 1;
			leg->retry_after = (int)msg->sip_retry_after->af_delta;
			leg->cur = msg;
			sip->ev.failed(sip->ev_arg, leg, leg->owner, msg->sip_status->st_status, reason_cause(msg));
			leg->cur = NULL;
		}
		nua_handle_bind(nh, NULL);
		leg_free(leg);
		nua_handle_destroy(nh);
		return;
	}
	if (leg->hung) {
		/* We gave up on this call: a late answer is ended at once. */
		if (status >= 200 && status < 300)
			nua_bye(leg->nh, TAG_END());
		else if (status > 100 && status < 200 && leg->early_cancel) {
			leg->early_cancel = 0;
			nua_cancel(leg->nh, TAG_END());
		}
		return;
	}
	if (status == 100 && msg && msg->sip_status && msg->sip_status->st_status == 100 && !leg->done) {
		/* a real 100 Trying: the member is alive (its INVITE timer stops) */
		if (sip->ev.progress)
			sip->ev.progress(sip->ev_arg, leg, leg->owner, 100, NULL);
		return;
	}
	if (status < 101 || leg->done)
		return;
	sdp = malloc(8192);
	if (!sdp)
		return;
	gw_sip_body_sdp(msg, sdp, 8192);
	leg->cur = msg;
	if (status < 200) {
		if (sip->ev.progress)
			sip->ev.progress(sip->ev_arg, leg, leg->owner, status, sdp);
	} else if (status < 300) {
		leg->answered = 1;
		leg->allows_update = msg && sip_is_allowed(msg->sip_allow, sip_method_update, "UPDATE");
		if (sip->ev.answered)
			sip->ev.answered(sip->ev_arg, leg, leg->owner, sdp);
	} else {
		leg->done = 1;
		leg->retry_after = msg && msg->sip_retry_after ? (int)msg->sip_retry_after->af_delta : -1;
		if (sip->ev.failed)
			sip->ev.failed(sip->ev_arg, leg, leg->owner, status, reason_cause(msg));
	}
	leg->cur = NULL;
	free(sdp);
}

static void on_i_state(nua_handle_t *nh, struct gw_sip_leg *leg, int status, tagi_t tags[])
{
	int state = nua_callstate_init;

	tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	if (state != nua_callstate_terminated)
		return;
	if (leg) {
		/* an answered dialog nua ended on its own (the far end stopped
		 * refreshing the session, RFC 4028 10), or a timeout: cause 102 */
		leg_ended(leg, 0, status == 408 || leg->answered ? 102 : -1, NULL);
		nua_handle_bind(nh, NULL);
		leg_free(leg);
	}
	nua_handle_destroy(nh);
}

static void on_r_shutdown(struct gw_sip *sip, int status, char const *phrase)
{
	if (status < 200)
		return;
	LOG_I("sip", "nua shut down: %d %s", status, phrase);
	sip->shut_down = 1;
	if (sip->done)
		sip->done(sip->done_arg);
}

static int is_incoming_request(nua_event_t event)
{
	switch (event) {
	case nua_i_invite:
	case nua_i_ack:
	case nua_i_bye:
	case nua_i_cancel:
	case nua_i_prack:
	case nua_i_update:
	case nua_i_options:
	case nua_i_method:
	case nua_i_message:
	case nua_i_chat:
	case nua_i_publish:
	case nua_i_subscribe:
	case nua_i_register:
	case nua_i_refer:
	case nua_i_notify:
	case nua_i_info:
		return 1;
	default:
		return 0;
	}
}

/* Every request counts toward its source's flood limit. A new INVITE from
 * a banned source (one that got past the kernel filter: a TCP connection
 * opened before the ban) is refused at once; 1 if so. */
static int source_refused(struct gw_sip *sip, nua_event_t event, nua_handle_t *nh, struct gw_sip_leg *hmagic)
{
	struct sockaddr_storage src;

	if (!is_incoming_request(event) || request_source(sip, &src) < 0 ||
	    !gw_sec_request(sip->sec, (struct sockaddr *)&src) || event != nua_i_invite || hmagic)
		return 0;
	sip->refused_banned++;
	nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
	return 1;
}

static void gw_sip_event(nua_event_t event, int status, char const *phrase, nua_t *nua, struct gw_sip *sip,
			 nua_handle_t *nh, struct gw_sip_leg *hmagic, sip_t const *msg, tagi_t tags[])
{
	(void)nua;
	if (source_refused(sip, event, nh, hmagic))
		return;
	switch (event) {
	case nua_i_invite:
		if (hmagic) /* within the dialog of a leg: a re-INVITE */
			gw_sip_reinvite_in(sip, hmagic, msg);
		else
			on_i_invite(sip, nh, msg);
		return;
	case nua_i_register:
		if (msg)
			on_i_register(sip, nh, msg);
		else
			nua_handle_destroy(nh);
		return;
	case nua_i_state:
		on_i_state(nh, hmagic, status, tags);
		return;
	case nua_r_invite:
		on_r_invite(sip, status, hmagic, msg);
		return;
	case nua_i_bye:
		if (hmagic)
			leg_ended(hmagic, 1, reason_cause(msg), msg);
		return;
	case nua_i_cancel:
		if (hmagic)
			leg_ended(hmagic, 0, reason_cause(msg), msg);
		return;
	case nua_i_info:
		gw_sip_info_in(sip, nh, hmagic, msg);
		return;
	case nua_i_update:
		gw_sip_update_in(sip, nh, hmagic, msg);
		return;
	case nua_r_update:
		gw_sip_update_answered(sip, status, hmagic, msg);
		return;
	case nua_r_info:
		gw_sip_info_answered(sip, status, hmagic);
		return;
	case nua_r_bye:
	case nua_r_cancel:
	case nua_i_prack:
	case nua_r_prack:
		return;
	case nua_r_shutdown:
		on_r_shutdown(sip, status, phrase);
		return;
	case nua_r_options:
	case nua_r_method:
	case nua_r_authenticate:
		/* Only the gateway's own requests (gateway/sip_client.c) send these. */
		gw_sip_client_event(sip, event, status, phrase, nh, hmagic, msg);
		return;
	case nua_i_error:
		LOG_W("sip", "nua error: %d %s", status, phrase);
		return;
	case nua_i_terminated:
	case nua_i_active:
	case nua_i_ack:
		return;
	case nua_i_options:
	case nua_i_method:
	case nua_i_message:
	case nua_i_chat:
	case nua_i_publish:
	case nua_i_subscribe:
	case nua_i_refer:
	case nua_i_notify:
		/* Requests nua answered itself (OPTIONS 200, 405/501 for what we
		 * do not allow): no call refers to the handle. */
		sip->requests++;
		LOG_D("sip", "%s answered by nua: %d %s", nua_event_name(event), status, phrase ? phrase : "");
		if (nh && !hmagic)
			nua_handle_destroy(nh);
		return;
	default:
		break;
	}
	LOG_D("sip", "unhandled nua event %s (%d %s)", nua_event_name(event), status, phrase ? phrase : "");
}

/* "127.0.0.1:5060" -> "sip:127.0.0.1:5060" (plus ";transport=" when only one). */
static void gw_sip_url(const struct tandem_settings *s, char *url, size_t len)
{
	bool udp, tcp;

	settings_transports(s->sip_transports, &udp, &tcp);
	snprintf(url, len, "sip:%s%s", s->sip_listen, udp && tcp ? "" : udp ? ";transport=udp" : ";transport=tcp");
}

int gw_sip_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_sip **out, char *err, size_t errlen)
{
	struct gw_sip *sip = calloc(1, sizeof(*sip));
	char url[200], tls_dir[300] = "", sips_url[160];
	int rc;

	*out = NULL;
	if (!sip) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Sofia's resolver would quietly ask 127.0.0.1 instead */
	if (s->sip_session_expires && s->sip_session_expires < s->sip_min_se) {
		snprintf(err, errlen, "[sip] session_expires: %d is under min_se (%d); 0 turns the timer off",
			 s->sip_session_expires, s->sip_min_se);
		free(sip);
		return -EINVAL;
	}
	if (s->sip_resolv_conf[0] && access(s->sip_resolv_conf, R_OK) < 0) {
		rc = -errno;
		snprintf(err, errlen, "[sip] resolv_conf: cannot read %s: %s", s->sip_resolv_conf, strerror(-rc));
		free(sip);
		return rc;
	}
	gw_sip_url(s, url, sizeof(url));
	sip->auth = gw_auth_new(s->sip_realm, 300);
	sip->reg = gw_reg_new();
	sip->reg_min = s->sip_reg_min;
	sip->reg_max = s->sip_reg_max > s->sip_reg_min ? s->sip_reg_max : s->sip_reg_min;
	if (!sip->auth || !sip->reg) {
		gw_auth_free(sip->auth);
		gw_reg_free(sip->reg);
		free(sip);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(sip->listen, sizeof(sip->listen), "%s", s->sip_listen);
	snprintf(sip->transports, sizeof(sip->transports), "%s", s->sip_transports);
	sip->max_uri = s->sip_max_uri;
	gw_overload_configure(&sip->overload, s);
	if (gw_sec_new(loop, s, &sip->sec) < 0) {
		snprintf(err, errlen, "out of memory");
		gw_auth_free(sip->auth);
		gw_reg_free(sip->reg);
		free(sip);
		return -ENOMEM;
	}
	if (s->sip_tls_listen[0]) {
		if ((rc = gw_sip_tls_dir(s, tls_dir, sizeof(tls_dir), err, errlen)) < 0) {
			gw_auth_free(sip->auth);
			gw_reg_free(sip->reg);
			gw_sec_free(sip->sec);
			free(sip);
			return rc;
		}
		snprintf(sips_url, sizeof(sips_url), "sips:%s", s->sip_tls_listen);
		snprintf(sip->tls_listen, sizeof(sip->tls_listen), "%s", s->sip_tls_listen);
	}
	/* NTATAG_MAXSIZE: nta answers a larger request 413 (and closes a TCP
	 * connection after it) before any transaction exists. NTATAG_PASS_100:
	 * a member's 100 Trying reaches us (it stops the member's INVITE
	 * timer: the member is alive). */
	sip->nua = nua_create(
	    gw_loop_su_root(loop), gw_sip_event, sip, NUTAG_URL(url), TAG_IF(tls_dir[0], NUTAG_SIPS_URL(sips_url)),
	    TAG_IF(tls_dir[0], TPTAG_CERTIFICATE(tls_dir)),
	    /* toward trunk members (sips:): the chain against tls_ca and the
	     * host against the certificate's names; clients are not asked */
	    TAG_IF(tls_dir[0], TPTAG_TLS_VERIFY_POLICY(TPTLS_VERIFY_SUBJECTS_OUT)),
	    SIPTAG_USER_AGENT_STR(s->sip_user_agent),
	    SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, INFO, UPDATE"),
	    NUTAG_APPL_METHOD("REGISTER, INFO, UPDATE"), NUTAG_AUTOANSWER(0), NUTAG_ENABLEMESSAGE(0),
	    NUTAG_MEDIA_ENABLE(0), SIPTAG_SUPPORTED_STR("100rel, timer"), NTATAG_MAXSIZE((usize_t)s->sip_max_message),
	    NTATAG_PASS_100(1), TAG_IF(s->sip_resolv_conf[0], SRESTAG_RESOLV_CONF(s->sip_resolv_conf)),
	    /* RFC 4028: the far end refreshes; when it makes us, UPDATE carries
	     * no offer, so the refresh needs no SDP from the call layer */
	    NUTAG_SESSION_TIMER((unsigned)s->sip_session_expires), NUTAG_MIN_SE((unsigned)s->sip_min_se),
	    NUTAG_SESSION_REFRESHER(nua_remote_refresher), NUTAG_UPDATE_REFRESH(1), TAG_END());
	if (tls_dir[0])
		gw_sip_tls_dir_remove(tls_dir); /* read by now: the key stays in one place */
	if (!sip->nua) {
		snprintf(err, errlen, "cannot listen for SIP on %s (%s): address in use or not local?", url,
			 s->sip_transports);
		gw_auth_free(sip->auth);
		gw_reg_free(sip->reg);
		gw_sec_free(sip->sec);
		free(sip);
		return -EADDRINUSE;
	}
	{
		const char *colon = strrchr(s->sip_listen, ':');
		const char *close = strrchr(s->sip_listen, ']');
		int port = colon && (!close || colon > close) ? atoi(colon + 1) : 5060;
		if (gw_sec_guard_port(sip->sec, port) == 0)
			LOG_W("sip", "no SIP socket found on port %d: banned sources are refused after parsing", port);
	}
	if (sip->tls_listen[0]) {
		const char *colon = strrchr(sip->tls_listen, ':'), *close = strrchr(sip->tls_listen, ']');
		int port = colon && (!close || colon > close) ? atoi(colon + 1) : 5061;
		/* No socket on the port: Sofia started without its TLS
		 * transport (a port in use, a file it could not read). */
		if (gw_sec_guard_port(sip->sec, port) == 0) {
			snprintf(err, errlen, "[sip] tls_listen %s: no TLS listener (port in use?)", sip->tls_listen);
			nua_destroy(sip->nua);
			gw_auth_free(sip->auth);
			gw_reg_free(sip->reg);
			gw_sec_free(sip->sec);
			free(sip);
			return -EINVAL;
		}
		LOG_I("sip", "listening on %s (tls)", sip->tls_listen);
	}
	LOG_I("sip", "listening on %s (%s)", s->sip_listen, s->sip_transports);
	*out = sip;
	return 0;
}

void gw_sip_shutdown(struct gw_sip *sip, void (*done)(void *arg), void *arg)
{
	sip->done = done;
	sip->done_arg = arg;
	if (sip->shut_down) {
		done(arg);
		return;
	}
	if (!sip->shutting_down) {
		sip->shutting_down = 1;
		gw_sec_unguard(sip->sec); /* nua closes the sockets: their numbers may be reused */
		nua_shutdown(sip->nua);
	}
}

void gw_sip_free(struct gw_sip *sip)
{
	if (!sip)
		return;
	gw_sec_unguard(sip->sec);
	if (sip->nua)
		nua_destroy(sip->nua);
	while (sip->legs)
		leg_free(sip->legs);
	gw_auth_free(sip->auth);
	gw_reg_free(sip->reg);
	gw_sec_free(sip->sec);
	free(sip);
}

void gw_sip_status(const struct gw_sip *sip, struct ctl_out *out)
{
	ctl_out_kv(out, "sip_listen", "%s", sip->listen);
	ctl_out_kv(out, "sip_transports", "%s", sip->transports);
	ctl_out_kv(out, "sip_tls_listen", "%s", sip->tls_listen[0] ? sip->tls_listen : "-");
	ctl_out_kv(out, "sip_invites", "%lu", sip->invites);
	ctl_out_kv(out, "sip_other_requests", "%lu", sip->requests);
	ctl_out_kv(out, "sip_invites_out", "%lu", sip->legs_out);
	ctl_out_kv(out, "sip_dialogs", "%lu", sip->legs_live);
	ctl_out_kv(out, "sip_registers", "%lu", sip->registers);
	ctl_out_kv(out, "sip_registers_challenged", "%lu", sip->reg_challenged);
	ctl_out_kv(out, "sip_registers_refused", "%lu", sip->reg_refused);
	ctl_out_kv(out, "sip_invites_challenged", "%lu", sip->inv_challenged);
	ctl_out_kv(out, "sip_registrations", "%zu", gw_reg_count(sip->reg));
	ctl_out_kv(out, "sip_uri_too_long", "%lu", sip->uri_too_long);
	ctl_out_kv(out, "sip_refused_banned", "%lu", sip->refused_banned);
	gw_overload_status(&sip->overload, out);
	gw_sec_status(sip->sec, out);
}

struct gw_registrar *gw_sip_registrar(struct gw_sip *sip)
{
	return sip->reg;
}

nua_t *gw_sip_nua(struct gw_sip *sip)
{
	return sip->nua;
}

const char *gw_sip_listen_addr(const struct gw_sip *sip)
{
	return sip->listen;
}

int gw_sip_challenge(struct gw_sip_leg *leg, int stale)
{
	struct gw_sip *sip = leg->sip;
	char chal[300];

	if (!leg->incoming || leg->hung || leg->answered)
		return -EINVAL;
	sip->inv_challenged++;
	gw_auth_challenge(sip->auth, stale, time(NULL), chal, sizeof(chal));
	nua_respond(leg->nh, SIP_407_PROXY_AUTH_REQUIRED, SIPTAG_PROXY_AUTHENTICATE_STR(chal), TAG_END());
	leg->done = 1;
	leg->owner = NULL;
	return 0;
}

void gw_sip_reconfigure(struct gw_sip *sip, const struct tandem_settings *s)
{
	sip->max_uri = s->sip_max_uri;
	gw_overload_configure(&sip->overload, s);
	gw_sec_reconfigure(sip->sec, s);
	/* nta reads its limit per message: the new size holds from now on. */
	nua_set_params(sip->nua, NTATAG_MAXSIZE((usize_t)s->sip_max_message), TAG_END());
}

void gw_sip_set_trusted(struct gw_sip *sip, int (*trusted)(void *arg, const struct sockaddr *sa), void *arg)
{
	gw_sec_set_trusted(sip->sec, trusted, arg);
}

/* --- The call layer's side ------------------------------------------- */

void gw_sip_set_events(struct gw_sip *sip, const struct gw_sip_events *ev, void *arg)
{
	sip->ev = *ev;
	sip->ev_arg = arg;
}

void gw_sip_leg_set_owner(struct gw_sip_leg *leg, void *owner)
{
	leg->owner = owner;
}

void gw_sip_body_tags(su_home_t *home, const struct gw_sip_body *b, struct gw_sip_body_tags *t)
{
	memset(t, 0, sizeof(*t));
	if (!b || !b->data || !b->len || !b->ctype)
		return;
	t->pl = sip_payload_create(home, b->data, (isize_t)b->len);
	t->ctype = b->ctype;
	t->mime = strncasecmp(b->ctype, "multipart/", 10) == 0;
	t->sdp = t->mime ? memmem(b->data, b->len, "application/sdp", 15) != NULL
			 : strncasecmp(b->ctype, "application/sdp", 15) == 0;
}

int gw_sip_respond(struct gw_sip_leg *leg, int status, const char *sdp, const char *reason, const char *extra)
{
	struct gw_sip_body b = {"application/sdp", NULL, (const uint8_t *)sdp, sdp ? strlen(sdp) : 0};

	return gw_sip_respond_body(leg, status, &b, reason, extra);
}

int gw_sip_respond_body(struct gw_sip_leg *leg, int status, const struct gw_sip_body *body, const char *reason,
			const char *extra)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	struct gw_sip_body_tags bt;

	if (!leg->incoming && !leg->reinv_in)
		return -EINVAL;
	if (leg->hung || status < 100 || status > 699)
		return -EINVAL;
	if (leg->reinv_in)
		return gw_sip_reinvite_respond(leg, status, body, reason, extra);
	if (leg->answered)
		return -EPROTO;
	/* Counted before the answer leaves: the next request may ban. */
	if (status >= 300)
		gw_sec_refused(leg->sip->sec, (struct sockaddr *)&leg->src, status);
	gw_sip_body_tags(home, body, &bt);
	nua_respond(leg->nh, status, sip_status_phrase(status) ? sip_status_phrase(status) : "Unknown",
		    TAG_IF(bt.pl, SIPTAG_CONTENT_TYPE_STR(bt.ctype)), TAG_IF(bt.pl, SIPTAG_PAYLOAD(bt.pl)),
		    TAG_IF(bt.mime, SIPTAG_MIME_VERSION_STR("1.0")),
		    TAG_IF(bt.sdp && status > 100 && status < 200 && leg->wants_100rel, SIPTAG_REQUIRE_STR("100rel")),
		    TAG_IF(reason && *reason, SIPTAG_REASON_STR(reason)),
		    TAG_IF(extra && *extra, SIPTAG_HEADER_STR(extra)), TAG_END());
	su_home_deinit(home);
	if (status >= 200 && status < 300)
		leg->answered = 1;
	else if (status >= 300) {
		leg->done = 1;
		leg->owner = NULL;
	}
	return 0;
}

int gw_sip_leg_body(struct gw_sip_leg *leg, struct gw_sip_body *out)
{
	sip_t const *msg = leg->cur;

	memset(out, 0, sizeof(*out));
	if (!msg || !msg->sip_payload || !msg->sip_payload->pl_data || !msg->sip_payload->pl_len)
		return -ENOENT;
	out->ctype = gw_sip_content_type(msg, leg->cur_ctype, sizeof(leg->cur_ctype));
	out->cdisp = gw_sip_content_disposition(msg, leg->cur_cdisp, sizeof(leg->cur_cdisp));
	out->data = (const uint8_t *)msg->sip_payload->pl_data;
	out->len = msg->sip_payload->pl_len;
	return 0;
}

int gw_sip_refuse_phrase(struct gw_sip_leg *leg, int status, const char *phrase, const char *reason)
{
	if (!leg->incoming || leg->hung || leg->answered || status < 300 || status > 699 || !phrase)
		return -EINVAL;
	gw_sec_refused(leg->sip->sec, (struct sockaddr *)&leg->src, status);
	nua_respond(leg->nh, status, phrase, TAG_IF(reason && *reason, SIPTAG_REASON_STR(reason)), TAG_END());
	leg->done = 1;
	leg->owner = NULL;
	return 0;
}

int gw_sip_invite(struct gw_sip *sip, const struct gw_sip_call *c, void *owner, struct gw_sip_leg **out)
{
	nua_handle_t *nh;
	struct gw_sip_leg *leg;
	su_home_t home[1] = {SU_HOME_INIT(home)};
	struct gw_sip_body sdp = {"application/sdp", NULL, (const uint8_t *)c->sdp, c->sdp ? strlen(c->sdp) : 0};
	struct gw_sip_body_tags bt;

	nh = nua_handle(sip->nua, NULL, SIPTAG_TO_STR(c->to ? c->to : c->uri), TAG_END());
	if (!nh)
		return -ENOMEM;
	leg = leg_new(sip, nh, 0);
	if (!leg) {
		nua_handle_destroy(nh);
		return -ENOMEM;
	}
	leg->owner = owner;
	sip->legs_out++;
	gw_sip_body_tags(home, c->body ? c->body : &sdp, &bt);
	nua_invite(nh, NUTAG_URL(c->uri), TAG_IF(c->from, SIPTAG_FROM_STR(c->from)),
		   TAG_IF(bt.pl, SIPTAG_CONTENT_TYPE_STR(bt.ctype)), TAG_IF(bt.pl, SIPTAG_PAYLOAD(bt.pl)),
		   TAG_IF(bt.mime, SIPTAG_MIME_VERSION_STR("1.0")),
		   TAG_IF(c->extra && *c->extra, SIPTAG_HEADER_STR(c->extra)), TAG_END());
	su_home_deinit(home);
	*out = leg;
	return 0;
}

int gw_sip_leg_retry_after(const struct gw_sip_leg *leg)
{
	return leg->retry_after;
}

int gw_sip_hangup(struct gw_sip_leg *leg, int status, const char *reason)
{
	return gw_sip_hangup_body(leg, status, reason, NULL);
}

int gw_sip_hangup_body(struct gw_sip_leg *leg, int status, const char *reason, const struct gw_sip_body *body)
{
	int with_reason = reason && *reason;
	su_home_t home[1] = {SU_HOME_INIT(home)};
	struct gw_sip_body_tags bt;

	if (leg->hung)
		return 0;
	leg->hung = 1;
	leg->owner = NULL;
	gw_sip_body_tags(home, body, &bt);
	if (leg->answered)
		nua_bye(leg->nh, TAG_IF(with_reason, SIPTAG_REASON_STR(reason)),
			TAG_IF(bt.pl, SIPTAG_CONTENT_TYPE_STR(bt.ctype)), TAG_IF(bt.pl, SIPTAG_PAYLOAD(bt.pl)),
			TAG_IF(bt.mime, SIPTAG_MIME_VERSION_STR("1.0")), TAG_END());
	else if (leg->incoming) {
		gw_sec_refused(leg->sip->sec, (struct sockaddr *)&leg->src, status);
		nua_respond(leg->nh, status, sip_status_phrase(status) ? sip_status_phrase(status) : "Unknown",
			    TAG_IF(with_reason, SIPTAG_REASON_STR(reason)),
			    TAG_IF(bt.pl, SIPTAG_CONTENT_TYPE_STR(bt.ctype)), TAG_IF(bt.pl, SIPTAG_PAYLOAD(bt.pl)),
			    TAG_IF(bt.mime, SIPTAG_MIME_VERSION_STR("1.0")), TAG_END());
	} else
		nua_cancel(leg->nh, TAG_IF(with_reason, SIPTAG_REASON_STR(reason)),
			   TAG_IF(bt.pl, SIPTAG_CONTENT_TYPE_STR(bt.ctype)), TAG_IF(bt.pl, SIPTAG_PAYLOAD(bt.pl)),
			   TAG_IF(bt.mime, SIPTAG_MIME_VERSION_STR("1.0")), TAG_END());
	su_home_deinit(home);
	return 0;
}
