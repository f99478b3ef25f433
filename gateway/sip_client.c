/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OPTIONS and REGISTER on the gateway's own behalf. Each request has its
 * own nua handle (a REGISTER goes as an extension method, so nua keeps no
 * registration of its own: the trunk manager decides when to refresh and
 * how to back off). Answers Sofia generated itself, because nothing came
 * back, are told apart from the far end's own by nta's internal-message
 * flag. */
#include "config.h"

#define NUA_MAGIC_T  struct gw_sip
#define NUA_HMAGIC_T struct gw_sip_req

#include "gateway/sip_client.h"

#include "common/log.h"
#include "gateway/sip_int.h"

#include <errno.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nta marks the responses it makes up itself (timeouts, transport
 * errors) with this parser flag (NTA_INTERNAL_MSG in nta's private
 * nta_internal.h). */
#define GW_NTA_INTERNAL_MSG (1 << 15)

struct gw_sip_req {
	struct gw_sip *sip;
	nua_handle_t *nh;
	gw_sip_reply_fn *cb;
	void *arg;
	int is_register;
	int authed;    /* the request in flight carries our credentials */
	int in_cb;     /* its callback is running */
	int restarted; /* the callback answered a challenge */
	int challenged;
	int own_cseq;  /* the caller numbers the CSeq: nua keeps it on a retry */
	unsigned cseq; /* that of the last answer */
	char contact_user[128];
};

static struct gw_sip_req *req_new(struct gw_sip *sip, gw_sip_reply_fn *cb, void *arg, const char *to, const char *from)
{
	struct gw_sip_req *req = calloc(1, sizeof(*req));

	if (!req)
		return NULL;
	req->sip = sip;
	req->cb = cb;
	req->arg = arg;
	req->nh = nua_handle(gw_sip_nua(sip), req, SIPTAG_TO_STR(to), TAG_IF(from, SIPTAG_FROM_STR(from)), TAG_END());
	if (!req->nh) {
		free(req);
		return NULL;
	}
	return req;
}

static void req_free(struct gw_sip_req *req)
{
	nua_handle_bind(req->nh, NULL);
	nua_handle_destroy(req->nh);
	free(req);
}

int gw_sip_options(struct gw_sip *sip, const char *uri, gw_sip_reply_fn *cb, void *arg, struct gw_sip_req **out)
{
	struct gw_sip_req *req;

	*out = NULL;
	if (!uri || !cb)
		return -EINVAL;
	req = req_new(sip, cb, arg, uri, NULL);
	if (!req)
		return -ENOMEM;
	nua_options(req->nh, NUTAG_URL(uri), TAG_END());
	*out = req;
	return 0;
}

int gw_sip_register(struct gw_sip *sip, const struct gw_sip_register *r, gw_sip_reply_fn *cb, void *arg,
		    struct gw_sip_req **out)
{
	struct gw_sip_req *req;
	char contact[300], expires[16], cseq[32];

	*out = NULL;
	if (!r->registrar || !r->aor || !r->contact_user || !cb)
		return -EINVAL;
	req = req_new(sip, cb, arg, r->aor, r->aor);
	if (!req)
		return -ENOMEM;
	req->is_register = 1;
	snprintf(req->contact_user, sizeof(req->contact_user), "%s", r->contact_user);
	snprintf(contact, sizeof(contact), "<sip:%s@%s>", r->contact_user, gw_sip_listen_addr(sip));
	snprintf(expires, sizeof(expires), "%u", r->expires);
	snprintf(cseq, sizeof(cseq), "%u REGISTER", r->cseq);
	req->own_cseq = r->call_id && r->cseq;
	nua_method(req->nh, NUTAG_METHOD("REGISTER"), NUTAG_URL(r->registrar), SIPTAG_CONTACT_STR(contact),
		   SIPTAG_EXPIRES_STR(expires), TAG_IF(r->call_id, SIPTAG_CALL_ID_STR(r->call_id)),
		   TAG_IF(r->call_id && r->cseq, SIPTAG_CSEQ_STR(cseq)), TAG_END());
	*out = req;
	return 0;
}

int gw_sip_req_authenticate(struct gw_sip_req *req, const char *realm, const char *user, const char *password)
{
	char cred[400], cseq[32];

	if (!req->in_cb || !req->challenged || !realm || !user || !password || strchr(realm, '"'))
		return -EINVAL;
	if ((size_t)snprintf(cred, sizeof(cred), "Digest:\"%s\":%s:%s", realm, user, password) >= sizeof(cred))
		return -EINVAL;
	/* RFC 3261 22.2: the request with credentials counts as a new one */
	snprintf(cseq, sizeof(cseq), "%u REGISTER", req->cseq + 1);
	nua_authenticate(req->nh, NUTAG_AUTH(cred), TAG_IF(req->own_cseq && req->cseq, SIPTAG_CSEQ_STR(cseq)),
			 TAG_END());
	req->authed = 1;
	req->restarted = 1;
	return 0;
}

void gw_sip_req_cancel(struct gw_sip_req *req)
{
	if (req && !req->in_cb)
		req_free(req);
}

/* The realm of the first Digest challenge, unquoted. */
static void challenge_realm(sip_t const *msg, int status, char *realm, size_t len)
{
	msg_auth_t const *au = status == 401 ? msg->sip_www_authenticate : msg->sip_proxy_authenticate;
	const char *v;
	size_t n;

	realm[0] = '\0';
	for (; au; au = au->au_next) {
		if (!au->au_scheme || strcasecmp(au->au_scheme, "Digest") != 0)
			continue;
		v = msg_params_find(au->au_params, "realm=");
		if (!v)
			continue;
		if (*v == '"')
			v++;
		n = strcspn(v, "\"");
		if (n >= len)
			n = len - 1;
		memcpy(realm, v, n);
		realm[n] = '\0';
		return;
	}
}

/* REGISTER 2xx: what the registrar granted our binding. */
static int granted_expires(const struct gw_sip_req *req, sip_t const *msg)
{
	for (sip_contact_t const *m = msg->sip_contact; m; m = m->m_next)
		if (m->m_expires && m->m_url->url_user && strcmp(m->m_url->url_user, req->contact_user) == 0)
			return atoi(m->m_expires);
	return msg->sip_expires ? (int)msg->sip_expires->ex_delta : -1;
}

void gw_sip_client_event(struct gw_sip *sip, int event, int status, const char *phrase, nua_handle_t *nh, void *hmagic,
			 sip_t const *msg)
{
	struct gw_sip_req *req = hmagic;
	struct gw_sip_reply r = {0};

	(void)sip;
	(void)nh;
	if (!req || event == nua_r_authenticate || status < 200)
		return; /* given up, a challenge answered from nua's cache, or 100 "Retry After" */
	r.status = status;
	r.phrase = phrase ? phrase : "";
	r.local = !msg || (msg->sip_flags & GW_NTA_INTERNAL_MSG) || status >= 700;
	r.expires = -1;
	r.retry_after = -1;
	r.with_credentials = req->authed;
	r.cseq = msg && msg->sip_cseq ? msg->sip_cseq->cs_seq : 0;
	req->cseq = r.cseq;
	if (!r.local) {
		if ((status == 401 && msg->sip_www_authenticate) || (status == 407 && msg->sip_proxy_authenticate)) {
			challenge_realm(msg, status, r.realm, sizeof(r.realm));
			r.challenged = r.realm[0] != '\0';
		}
		if (req->is_register && status < 300)
			r.expires = granted_expires(req, msg);
		if (msg->sip_retry_after)
			r.retry_after = (int)msg->sip_retry_after->af_delta;
	}
	req->challenged = r.challenged;
	req->restarted = 0;
	req->in_cb = 1;
	req->cb(req->arg, req, &r);
	req->in_cb = 0;
	if (!req->restarted)
		req_free(req);
}
