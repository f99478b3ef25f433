/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Out-of-dialog requests the gateway sends on its own behalf: OPTIONS
 * pings and REGISTER to carriers (the trunk manager, trunk/trunk_mgr.h),
 * through Sofia's nua on the SIP glue's stack. Loop thread only. */
#ifndef TANDEM_GW_SIP_CLIENT_H
#define TANDEM_GW_SIP_CLIENT_H

struct gw_sip;
struct gw_sip_req;

/* The final answer to a request. */
struct gw_sip_reply {
	int status;           /* 200..699; Sofia's own 408/503 (and 7xx/9xx) when nothing answered */
	const char *phrase;   /* lent for the callback */
	int local;            /* 1: no response came from the far end (Sofia made this one up) */
	int challenged;       /* 401/407 with a challenge: gw_sip_req_authenticate() may answer it */
	int with_credentials; /* the request that got this answer carried our credentials */
	char realm[128];      /* the challenge's realm */
	int expires;          /* REGISTER 2xx: seconds granted (our Contact's expires=, else Expires), -1 if none */
	int retry_after;      /* Retry-After seconds, -1 if none */
	unsigned cseq;        /* the CSeq number of the request answered (0 if unknown) */
};

/* cb(arg, req, reply) runs once per final answer, on the loop. Unless the
 * callback answers a challenge (gw_sip_req_authenticate), the request is
 * finished when it returns: forget req. */
typedef void gw_sip_reply_fn(void *arg, struct gw_sip_req *req, const struct gw_sip_reply *reply);

/* OPTIONS to uri ("sip:host:port;transport=udp"). 0 and *out, or -ENOMEM/-EINVAL. */
int gw_sip_options(struct gw_sip *sip, const char *uri, gw_sip_reply_fn *cb, void *arg, struct gw_sip_req **out);

/* A registration: REGISTER to registrar (a Request-URI, "sip:host:port;transport=udp") for
 * aor ("sip:user@host"), binding our listen address as contact_user's
 * Contact for expires seconds (0: unregister). With call_id, the request
 * carries that Call-ID and CSeq cseq (RFC 3261 10.2: one Call-ID per
 * registrar, CSeq one higher each time; a challenge answered by nua adds
 * one more, which the reply's cseq reports). */
struct gw_sip_register {
	const char *registrar;
	const char *aor;
	const char *contact_user;
	unsigned expires;
	const char *call_id; /* NULL: a new one */
	unsigned cseq;
};
int gw_sip_register(struct gw_sip *sip, const struct gw_sip_register *r, gw_sip_reply_fn *cb, void *arg,
		    struct gw_sip_req **out);

/* From the callback of a challenged answer: send the request again with
 * digest credentials for realm. 0, or -EINVAL (not challenged) / -ENOMEM. */
int gw_sip_req_authenticate(struct gw_sip_req *req, const char *realm, const char *user, const char *password);

/* Give a request up: no callback after this. Not from its own callback. */
void gw_sip_req_cancel(struct gw_sip_req *req);

#endif
