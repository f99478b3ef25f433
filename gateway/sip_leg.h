/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SIP glue's own state, shared by gateway/sip.c (requests, initial
 * INVITEs, responses) and gateway/sip_dialog.c (requests within a dialog:
 * re-INVITE both ways). Include after <sofia-sip/nua.h> with NUA_MAGIC_T
 * and NUA_HMAGIC_T defined as sip.c does. */
#ifndef TANDEM_GW_SIP_LEG_H
#define TANDEM_GW_SIP_LEG_H

#include "gateway/overload.h"
#include "gateway/sip.h"

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>
#include <sys/socket.h>

struct gw_sip {
	nua_t *nua;
	char listen[160];
	char transports[32];
	char tls_listen[128];
	int shutting_down, shut_down;
	void (*done)(void *arg);
	void *done_arg;
	unsigned long invites, requests, legs_out, legs_live, uri_too_long, refused_banned;
	unsigned long registers, reg_challenged, reg_refused, inv_challenged;
	int max_uri;
	struct gw_sec *sec;
	struct gw_overload overload; /* load shedding: new INVITEs refused while behind */
	struct gw_sip_events ev;
	void *ev_arg;
	gw_sip_info_fn *info_fn; /* INFO in a dialog (gw_sip_set_info) */
	void *info_arg;
	gw_sip_info_answered_fn *info_answered; /* a relayed INFO's final status */
	struct gw_auth *auth;
	struct gw_registrar *reg;
	int reg_min, reg_max;
	/* Every leg not yet freed: nua_destroy() drops handles whose dialog
	 * was still closing (a BYE in flight at shutdown) without an event,
	 * so gw_sip_free() frees what is left. */
	struct gw_sip_leg *legs;
};

struct gw_sip_leg {
	struct gw_sip *sip;
	struct gw_sip_leg *prev, *next; /* sip->legs */
	nua_handle_t *nh;
	void *owner;
	int incoming, answered, hung, done; /* done: the owner was told the leg ended */
	int early_cancel;                   /* hung up before a response: CANCEL once one arrives */
	int wants_100rel;
	int retry_after; /* outgoing: the final response's Retry-After, seconds; -1: none */
	char call_id[128];
	struct sockaddr_storage src; /* incoming: where the INVITE came from */
	sip_t const *cur;            /* the message an event to the owner is about (gw_sip_leg_body) */
	char cur_ctype[512], cur_cdisp[256];
	int reinv_in;  /* a re-INVITE from the far end waits for the owner's answer */
	int reinv_out; /* our re-INVITE waits for its final response */
	/* The offer in or out came by UPDATE (RFC 3311), not re-INVITE: the
	 * UPDATE to answer (held; nua_respond needs it, NUTAG_WITH), and
	 * whether the far end lists UPDATE in Allow (it may be sent one). */
	msg_t *upd_req;
	int upd_out, allows_update;
	msg_t *info_req; /* an INFO relayed to the other leg, to answer (gw_sip_info_respond) */
	int info_relay;  /* an INFO we relayed waits for its final response */
	unsigned long reinvites_in, reinvites_out;
};

/* A body's tags: the payload (binary-safe: an ISUP part may hold NULs),
 * made in home, and its Content-Type; MIME-Version for a multipart one. */
struct gw_sip_body_tags {
	sip_payload_t *pl;
	const char *ctype;
	int mime;
	int sdp; /* it is or holds SDP */
};
void gw_sip_body_tags(su_home_t *home, const struct gw_sip_body *b, struct gw_sip_body_tags *t);

/* gateway/sip_dialog.c: a re-INVITE arrived on leg (established), or our
 * re-INVITE on leg was answered. */
void gw_sip_reinvite_in(struct gw_sip *sip, struct gw_sip_leg *leg, sip_t const *msg);
void gw_sip_reinvite_answered(struct gw_sip *sip, int status, struct gw_sip_leg *leg, sip_t const *msg);
/* An UPDATE request (NUTAG_APPL_METHOD): without an offer answered 200
 * here, with one handed to the owner as a re-INVITE's is; our UPDATE's
 * final response (gw_sip_update). */
void gw_sip_update_in(struct gw_sip *sip, nua_handle_t *nh, struct gw_sip_leg *leg, sip_t const *msg);
void gw_sip_update_answered(struct gw_sip *sip, int status, struct gw_sip_leg *leg, sip_t const *msg);
/* An INFO request (within a leg's dialog, or not: 481); the final
 * response to one we sent. */
void gw_sip_info_in(struct gw_sip *sip, nua_handle_t *nh, struct gw_sip_leg *leg, sip_t const *msg);
void gw_sip_info_answered(struct gw_sip *sip, int status, struct gw_sip_leg *leg);
/* gw_sip_respond_body() on a leg with a re-INVITE waiting for our answer. */
int gw_sip_reinvite_respond(struct gw_sip_leg *leg, int status, const struct gw_sip_body *body, const char *reason,
			    const char *extra);

#endif
