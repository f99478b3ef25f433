/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SIP side: Sofia-SIP's nua on the daemon's loop. With its client
 * requests (gateway/sip_client.c) the only module that includes
 * <sofia-sip/nua.h>. Loop thread only. */
#ifndef TANDEM_GW_SIP_H
#define TANDEM_GW_SIP_H

#include <stddef.h>
#include <stdint.h>

struct gw_loop;
struct ctl_out;
struct tandem_settings;

struct gw_sip;

/* One SIP dialog (a call leg), owned by the SIP glue; the call layer
 * refers to it until the ended callback. */
struct gw_sip_leg;

/* A message body as it came or is to go: SIP-T / SIP-I (RFC 3372, RFC
 * 3204) multipart bodies for gateway/call_sipt.c. Lent, not owned. */
struct gw_sip_body {
	const char *ctype; /* the Content-Type value (with its parameters); NULL: none */
	const char *cdisp; /* the Content-Disposition value; NULL: none */
	const uint8_t *data;
	size_t len;
};

/* An incoming INVITE, lent to the invite callback (copy what you keep). */
struct gw_sip_invite {
	struct gw_sip_leg *leg;
	const char *ruri_user; /* Request-URI user part ("" if none) */
	const char *ruri_host;
	const char *from_user;    /* From: user part */
	const char *from_display; /* "" if none */
	const char *pai;          /* P-Asserted-Identity value, "" if none */
	const char *privacy;      /* Privacy value, "" if none */
	const char *diversion;    /* Diversion value(s), "" if none */
	const char *history_info; /* History-Info value(s), "" if none */
	const char *call_id;
	const char *sdp;         /* the offer (a multipart body's SDP part), "" if none */
	struct gw_sip_body body; /* the body as received (data NULL: none) */
	const char *source_ip;
	int source_port;
	const char *transport; /* "udp", "tcp", "tls": the transport it came over (not its Via) */
	int wants_100rel;      /* Require/Supported: 100rel */
	int auth;              /* enum gw_auth_result of its Proxy-Authorization */
	char auth_user[128];   /* GW_AUTH_OK: the user name */
	int64_t auth_customer; /* GW_AUTH_OK: the customer */
};

/* Events for the call layer, on the loop thread. owner is what
 * gw_sip_leg_set_owner() stored. */
struct gw_sip_events {
	/* A new INVITE: set an owner and answer with gw_sip_respond(), or
	 * respond with a final status at once. */
	void (*invite)(void *arg, const struct gw_sip_invite *inv);
	/* Outgoing INVITE: a provisional response (sdp "" if none); 100 Trying
	 * too, with sdp NULL. */
	void (*progress)(void *arg, struct gw_sip_leg *leg, void *owner, int status, const char *sdp);
	/* Outgoing INVITE: 2xx (ACK is sent by the glue). */
	void (*answered)(void *arg, struct gw_sip_leg *leg, void *owner, const char *sdp);
	/* Outgoing INVITE: a final failure; cause is the Q.850 cause from a
	 * Reason header, or -1. The leg is gone after this. */
	void (*failed)(void *arg, struct gw_sip_leg *leg, void *owner, int status, int cause);
	/* The far end ended the dialog (BYE, or CANCEL of an incoming INVITE),
	 * or the dialog failed (timeout). cause as above. The leg is gone
	 * after this. */
	void (*ended)(void *arg, struct gw_sip_leg *leg, void *owner, int by_bye, int cause);
	/* Digest credentials: the HA1 and customer of user in realm, or -1
	 * (gw_auth_lookup). Without it nobody authenticates. */
	int (*credential)(void *arg, const char *user, const char *realm, char ha1[33], int64_t *customer_id);
	/* A re-INVITE arrived within an established leg's dialog, or an
	 * UPDATE with an offer within an early or established one
	 * (gw_sip_leg_offer_by_update tells which) (hold,
	 * resume, a new address, a session refresh, T.38). sdp is its offer,
	 * "" when it has none (then the 2xx must carry one). Answer it with
	 * gw_sip_respond(): a 2xx with sdp, or a failure (488, 491, 500) that
	 * leaves the session as it was. Without this callback: 488. */
	void (*reinvite)(void *arg, struct gw_sip_leg *leg, void *owner, const char *sdp);
	/* Our re-INVITE (gw_sip_reinvite) has its final response: status, and
	 * the answer sdp ("" if none). A failure leaves the session as it
	 * was; 408 and 481 mean the dialog is gone (RFC 5057), and the leg's
	 * ended callback follows. */
	void (*reinvited)(void *arg, struct gw_sip_leg *leg, void *owner, int status, const char *sdp);
	/* A REGISTER was accepted for a customer's AOR (optional). */
	void (*registered)(void *arg, int64_t customer_id, const char *aor);
};

/* An outgoing call. */
struct gw_sip_call {
	const char *uri;   /* Request-URI, "sip:+4420...@host:port;transport=udp" */
	const char *from;  /* From header value */
	const char *to;    /* To header value (NULL: the Request-URI) */
	const char *extra; /* extra header lines ("Name: value\r\n"...), or NULL */
	const char *sdp;   /* the offer */
	/* Instead of sdp alone (NULL: sdp as application/sdp): a multipart
	 * body, sent with MIME-Version: 1.0. */
	const struct gw_sip_body *body;
};

void gw_sip_set_events(struct gw_sip *sip, const struct gw_sip_events *ev, void *arg);
void gw_sip_leg_set_owner(struct gw_sip_leg *leg, void *owner);

/* Answer an incoming INVITE: 1xx (18x may carry sdp), 2xx (with sdp), or a
 * final failure with reason (a Reason header value, or NULL) and extra
 * header lines. 0 or -EINVAL/-EPROTO. */
int gw_sip_respond(struct gw_sip_leg *leg, int status, const char *sdp, const char *reason, const char *extra);
/* The same with a body of any type (NULL or no data: none). */
int gw_sip_respond_body(struct gw_sip_leg *leg, int status, const struct gw_sip_body *body, const char *reason,
			const char *extra);
/* In a progress, answered, failed or ended callback: the body of the
 * message that caused it (its Content-Type and Content-Disposition
 * values as text). 0, or -ENOENT when it had none. */
int gw_sip_leg_body(struct gw_sip_leg *leg, struct gw_sip_body *out);
/* Refuse an incoming INVITE with a final status (300..699) and our own
 * reason phrase ("TLS Required"), plus a Reason header value or NULL. */
int gw_sip_refuse_phrase(struct gw_sip_leg *leg, int status, const char *phrase, const char *reason);
/* Place an outgoing INVITE. 0 and *leg, or -ENOMEM. */
int gw_sip_invite(struct gw_sip *sip, const struct gw_sip_call *c, void *owner, struct gw_sip_leg **leg);
/* In the failed callback: the Retry-After of the final response, in
 * seconds, or -1 when it had none. */
int gw_sip_leg_retry_after(const struct gw_sip_leg *leg);
/* End a leg from our side: BYE (established), CANCEL (outgoing, early),
 * or a final response status (incoming, early: 480/486/487/503...), with a
 * Reason header value. The leg is freed by the glue later; no more events
 * reach the owner. */
int gw_sip_hangup(struct gw_sip_leg *leg, int status, const char *reason);
/* The same, the BYE, CANCEL or final response carrying body (SIP-T: the
 * REL, RFC 3372); NULL: none. */
int gw_sip_hangup_body(struct gw_sip_leg *leg, int status, const char *reason, const struct gw_sip_body *body);

/* Send a re-INVITE with sdp on an established leg (either direction of
 * the call): 0, -EBUSY while one is in progress either way (RFC 3261
 * 14.1: the caller waits and tries again), -EPROTO before the 2xx or after
 * hangup. The answer comes to the reinvited callback. */
int gw_sip_reinvite(struct gw_sip_leg *leg, const char *sdp);
/* Whether the leg has a re-INVITE waiting for our answer. */
int gw_sip_leg_reinvite_pending(const struct gw_sip_leg *leg);
/* The same offer by UPDATE (RFC 3311), answered the same way: 0, -EBUSY
 * (as above), -EOPNOTSUPP when the far end did not list UPDATE in Allow,
 * -EPROTO before the 2xx or after hangup. The answer comes to the
 * reinvited callback. */
int gw_sip_update(struct gw_sip_leg *leg, const char *sdp);
/* Whether the offer waiting for our answer (the reinvite callback's)
 * came in an UPDATE rather than a re-INVITE; whether the far end allows
 * UPDATE. */
int gw_sip_leg_offer_by_update(const struct gw_sip_leg *leg);
int gw_sip_leg_allows_update(const struct gw_sip_leg *leg);

/* Refuse an incoming INVITE with 407 and a fresh challenge (stale: the
 * client's nonce had expired). The leg is done, as after a failure. */
int gw_sip_challenge(struct gw_sip_leg *leg, int stale);

/* SIP INFO in a call's dialog (gateway/call_dtmf.c: DTMF relay). The
 * handler gets an INFO's body (as gw_sip_leg_body: all zero when none)
 * and returns the status to answer it with (200, 415...); INFO outside a
 * dialog, or with no handler, gets 481. */
typedef int gw_sip_info_fn(void *arg, struct gw_sip_leg *leg, void *owner, const struct gw_sip_body *body);
void gw_sip_set_info(struct gw_sip *sip, gw_sip_info_fn *fn, void *arg);
/* Send an INFO with body in an established dialog (its answer is only
 * logged). 0, -EINVAL (leg hung up or not answered) or -ENOMEM. */
int gw_sip_info(struct gw_sip_leg *leg, const struct gw_sip_body *body);
/* Relaying an INFO (a B2BUA): an info_fn that returns 0 answers later
 * with gw_sip_info_respond() (one INFO at a time per leg; another one
 * meanwhile gets 500 with Retry-After). gw_sip_info_relay() sends body
 * on leg as gw_sip_info() does, and its final status goes to the
 * answered fn set here: 0, -EBUSY while a relayed one is out on leg. */
int gw_sip_info_respond(struct gw_sip_leg *leg, int status);
int gw_sip_info_relay(struct gw_sip_leg *leg, const struct gw_sip_body *body);
typedef void gw_sip_info_answered_fn(void *arg, struct gw_sip_leg *leg, void *owner, int status);
void gw_sip_set_info_answered(struct gw_sip *sip, gw_sip_info_answered_fn *fn);

/* The registrar's bindings (gateway/registrar.h), for DID calls to a
 * customer's registered PBX. */
struct gw_registrar *gw_sip_registrar(struct gw_sip *sip);

/* Listen as the settings say (sip.listen, sip.transports). Returns 0, or a
 * negative errno with err saying what could not be bound. */
int gw_sip_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_sip **out, char *err, size_t errlen);

/* Stop taking requests and shut nua down gracefully; done(arg) runs when
 * that is complete (or at once if it already is). */
void gw_sip_shutdown(struct gw_sip *sip, void (*done)(void *arg), void *arg);

/* Free after shutdown completed (or if it never started). */
void gw_sip_free(struct gw_sip *sip);

/* New [sip] max_message/max_uri and [security] limits (SIGHUP). */
void gw_sip_reconfigure(struct gw_sip *sip, const struct tandem_settings *s);

/* The trust test for the flood and brute-force defence (gateway/security.h):
 * trusted(arg, sa) is 1 for a configured peer, which is never banned. */
struct sockaddr;
void gw_sip_set_trusted(struct gw_sip *sip, int (*trusted)(void *arg, const struct sockaddr *sa), void *arg);

/* Add the SIP rows (and the security rows) to a status reply. */
void gw_sip_status(const struct gw_sip *sip, struct ctl_out *out);

/* Route Sofia's own logs into our sink at level 0..9. */
void gw_sip_log_setup(int level);

#endif
