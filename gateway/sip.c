/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP glue: nua events dispatched to small handlers. Calls are not routed
 * yet: an INVITE is refused with 503 until the call layer lands. */
#include "config.h"

#define NUA_MAGIC_T  struct gw_sip
#define NUA_HMAGIC_T void

#include "gateway/sip.h"

#include "common/ctl.h"
#include "common/log.h"
#include "gateway/loop.h"
#include "common/settings.h"

#include <errno.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gw_sip {
	nua_t *nua;
	char listen[160];
	char transports[32];
	int shutting_down, shut_down;
	void (*done)(void *arg);
	void *done_arg;
	unsigned long invites, requests;
};

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

/* RFC 3261 13.3.1: the UAS may refuse; no route exists yet, so every
 * INVITE gets 503 with the Q.850 cause in Reason (RFC 3326). */
static void on_i_invite(struct gw_sip *sip, nua_handle_t *nh, sip_t const *msg)
{
	sip->invites++;
	LOG_I("sip", "INVITE %s from %s refused: no route (calls not enabled on this build)",
	      msg && msg->sip_request ? msg->sip_request->rq_url->url_user ? msg->sip_request->rq_url->url_user : "-"
				      : "-",
	      msg && msg->sip_from && msg->sip_from->a_url->url_host ? msg->sip_from->a_url->url_host : "-");
	nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE,
		    SIPTAG_REASON_STR("Q.850;cause=34;text=\"No circuit/channel available\""), TAG_END());
}

static void on_i_state(nua_handle_t *nh, tagi_t tags[])
{
	int state = nua_callstate_init;

	tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	if (state == nua_callstate_terminated)
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

static void gw_sip_event(nua_event_t event, int status, char const *phrase, nua_t *nua, struct gw_sip *sip,
			 nua_handle_t *nh, void *hmagic, sip_t const *msg, tagi_t tags[])
{
	(void)nua;
	switch (event) {
	case nua_i_invite:
		on_i_invite(sip, nh, msg);
		return;
	case nua_i_state:
		on_i_state(nh, tags);
		return;
	case nua_r_shutdown:
		on_r_shutdown(sip, status, phrase);
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
	case nua_i_register:
	case nua_i_refer:
	case nua_i_notify:
	case nua_i_info:
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
	char url[200];

	*out = NULL;
	if (!sip) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	gw_sip_url(s, url, sizeof(url));
	snprintf(sip->listen, sizeof(sip->listen), "%s", s->sip_listen);
	snprintf(sip->transports, sizeof(sip->transports), "%s", s->sip_transports);
	sip->nua =
	    nua_create(gw_loop_su_root(loop), gw_sip_event, sip, NUTAG_URL(url),
		       SIPTAG_USER_AGENT_STR(s->sip_user_agent), SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS"),
		       NUTAG_AUTOANSWER(0), NUTAG_ENABLEMESSAGE(0), TAG_END());
	if (!sip->nua) {
		snprintf(err, errlen, "cannot listen for SIP on %s (%s): address in use or not local?", url,
			 s->sip_transports);
		free(sip);
		return -EADDRINUSE;
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
		nua_shutdown(sip->nua);
	}
}

void gw_sip_free(struct gw_sip *sip)
{
	if (!sip)
		return;
	if (sip->nua)
		nua_destroy(sip->nua);
	free(sip);
}

void gw_sip_status(const struct gw_sip *sip, struct ctl_out *out)
{
	ctl_out_kv(out, "sip_listen", "%s", sip->listen);
	ctl_out_kv(out, "sip_transports", "%s", sip->transports);
	ctl_out_kv(out, "sip_invites", "%lu", sip->invites);
	ctl_out_kv(out, "sip_other_requests", "%lu", sip->requests);
}
