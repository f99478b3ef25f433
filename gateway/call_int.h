/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the call layer (gateway/call.c, gateway/call_admit.c): the
 * call and the manager, and what the admission side calls of the state
 * machine. */
#ifndef TANDEM_GW_CALL_INT_H
#define TANDEM_GW_CALL_INT_H

#include "common/log.h"
#include "db/cdr.h"
#include "gateway/identity.h"
#include "gateway/numbers.h"
#include "gateway/sip.h"
#include "isup/q699.h"

#include <stdint.h>

struct dir_snapshot;
struct gw_loop;
struct gw_sip;
struct gw_sip_invite;
struct gw_sip_leg;
struct gw_span;
struct gw_pri_setup;
struct gw_directory;
struct gw_billing;
struct call_media;
struct gw_spans;
struct ctl_out;
struct gw_timer;
struct gw_limits;
struct gw_members;
struct dir_customer;
struct dir_member;
struct tandem_settings;

#define TAG         "call"
#define MAX_TARGETS 16
#define MAX_MEMBERS 16 /* members of one SIP trunk a call tries */
#define SDP_MAX     4096

#define CLOG(lvl, c, fmt, ...) log_msg(lvl, TAG, "[%.8s] " fmt, (c)->uuid, ##__VA_ARGS__)

enum leg_kind {
	LEG_NONE,
	LEG_SIP,
	LEG_PRI
};

struct leg {
	enum leg_kind kind;
	struct gw_sip_leg *sip;
	struct gw_span *span;
	int ch;
	int live;     /* the leg still refers to the call */
	int answered; /* 2xx / CONNECT */
	int early;    /* 183 / PROGRESS sent or seen */
	int alerted;
};

enum call_state {
	CS_ROUTING,  /* choosing and trying egress targets */
	CS_ANSWERED, /* both legs connected */
	CS_CLEARING, /* one side has ended; ending the other */
};

struct call_target {
	int64_t trunk_id, route_id;
	char trunk[CDR_NAME_MAX];
};

struct call {
	struct gw_calls *calls;
	struct call *prev, *next;
	char uuid[CDR_UUID_LEN + 1];
	enum cdr_direction direction;
	enum call_state state;
	struct leg a, b; /* ingress, current egress */
	struct gw_timer *ring_timer;
	/* who and what */
	char customer[CDR_NAME_MAX], ingress[CDR_NAME_MAX];
	int64_t customer_id;
	char dialed[CDR_NUMBER_MAX], callee[CDR_NUMBER_MAX];
	struct ident_party caller;
	struct ident_redirect redirect;
	int redirected;
	char call_id[CDR_CALLID_MAX];
	char fallback[256]; /* a DID's fallback URI, until tried */
	/* hunting */
	struct call_target targets[MAX_TARGETS];
	int ntargets, next_target;
	int last_cause; /* why the last attempt failed */
	/* SDP: the ingress offer (SIP), and the egress answer (SIP) */
	char *a_sdp, *b_sdp;
	/* the egress attempt in progress, for its CDR */
	int cdr_leg;
	char egress[CDR_NAME_MAX], span[CDR_NAME_MAX], route[CDR_ROUTE_MAX];
	int channel;
	int64_t start_ms, b_start_ms, answer_ms;
	int64_t
	    end_ms; /* when the attempt began to clear (0: not yet): the CDR's end, however long the release takes */
	enum cdr_hangup_side hangup_side;
	int final_status, final_cause;
	int cdr_pending, cdr_written, finished;
	/* --- failover within a trunk and limits (gateway/call_hunt.c) --- */
	int64_t trunk_id, route_id;   /* the trunk in hand (0: none) and its route */
	int64_t members[MAX_MEMBERS]; /* its members to try, in order */
	int nmembers, next_member;
	int64_t member_id;             /* the member of the INVITE in progress */
	struct gw_timer *invite_timer; /* no 18x or final within invite_timeout_ms */
	int b_timed_out;               /* the attempt ended by that timer */
	int last_status;               /* a SIP egress's final status of the last attempt */
	int64_t trunk_hold, cust_hold; /* limits taken: the trunk's and customer's id */
	int limit_status, limit_cause; /* the last trunk skipped at its limits, else 0 */
	unsigned max_duration_s;       /* the customer's; 0: none */
	/* --- SIP-T / SIP-I (gateway/call_sipt.c) --- */
	int a_sipt, b_sipt;          /* enum dir_sipt of each SIP leg's peer; 0: plain SIP */
	int isup_variant, b_variant; /* enum tisup_variant of the ingress IAM, of the egress's */
	uint8_t *iam;                /* the ingress IAM as received (for transit); NULL: none */
	size_t iam_len;
	struct q699_backward a_bw;        /* the backward messages sent to the ingress so far */
	int cpc;                          /* calling party's category (Q.763 3.11); -1: none given */
	char orig_called[CDR_NUMBER_MAX]; /* original called number, "" if none */
	int redirect_isup_reason;         /* the IAM's redirecting reason (Q.763 3.45); -1: none given */
	/* --- TLS/SRTP required (gateway/call_secure.c) --- */
	int a_srtp; /* a SIP ingress requires TLS/SRTP: our offers to it are RTP/SAVP */
	int b_srtp; /* the SIP egress in hand requires TLS/SRTP: reached over TLS, offered RTP/SAVP */
	/* --- Fax (gateway/call_fax.c) --- */
	int fax;                /* enum call_fax_state */
	int fax_no_t38;         /* T.38 not allowed: fax goes G.711 passthrough */
	int fax_retries;        /* our T.38 offer sent again after crossing another */
	int fax_failed;         /* T.38 offers refused, or T.38 sessions back to audio without a page */
	char fax_peer_addr[64]; /* the SIP peer's UDPTL stream, once in T.38 */
	unsigned fax_peer_port;
	/* --- re-INVITE within the answered call (gateway/call_dialog.c) --- */
	int reinv_from;  /* 1 (a) or 2 (b): that leg's offer is relayed to the other SIP leg */
	char *reinv_sdp; /* that offer, until answered */
	/* a re-INVITE of the gateway's own (e.g. T.38) was answered: its
	 * sender's continuation (NULL: none pending) */
	void (*reinv_done)(struct call *c, int status, const char *sdp);
	int held; /* the last offer from a SIP leg put the call on hold */
	unsigned long reinvites;
	/* --- DTMF (gateway/call_dtmf.c) --- */
	int a_dtmf, b_dtmf; /* enum dir_dtmf of each SIP leg's peer (0: RFC 4733) */
};

struct gw_calls {
	struct gw_loop *loop;
	struct gw_sip *sip;
	struct gw_directory *dir;
	struct gw_billing *billing;
	struct call_media *media;
	struct gw_spans *spans;
	const struct tandem_settings *s;
	struct call *list;
	unsigned live;
	int shutting_down;
	unsigned long total, answered, failed, refused, cdrs, cdr_errors;
	/* failover and limits (gateway/call_hunt.c) */
	struct gw_limits *limits;
	struct gw_members *members;
	void (*limit_event)(void *arg, int trunk, int64_t id, int limited, const char *why);
	void *limit_event_arg;
	unsigned long failovers, member_timeouts, limited_trunk, limited_customer, denied_destination, denied_caller,
	    duration_cut;
};

/* The state machine's entry points (gateway/call.c). */
struct call *call_new(struct gw_calls *calls, enum cdr_direction dir);
void call_fail_a(struct call *c, int cause, int status);
void call_try_next(struct call *c);
/* An INVITE to member m of a SIP trunk, or (m NULL) to uri; to_did: uri
 * is a registered contact, To carries the called DID. */
int call_start_sip(struct call *c, const struct dir_member *m, const char *uri, int to_did);
int call_start_pri(struct call *c, const struct call_target *t);
void call_b_failed(struct call *c, int cause, int status);
void call_attempt_reset(struct call *c);
/* A DID's target failed before early media: start its fallback (once).
 * Returns 1 when an attempt to it started, else 0. */
int call_did_fallback(struct call *c);
int64_t call_now_ms(void);
void call_reason(int cause, char *buf, size_t len);
/* RFC 3398's mappings with the cause_maps overrides of the call's trunk
 * (gateway/call_cause.c): a cause's final SIP status, a status's cause. */
int call_cause_status(const struct call *c, int cause);
int call_cause_of(const struct call *c, int status);

/* re-INVITE within an answered call (gateway/call_dialog.c): the gw_sip
 * events. */
void calls_on_reinvite(void *arg, struct gw_sip_leg *leg, void *owner, const char *sdp);
void calls_on_reinvited(void *arg, struct gw_sip_leg *leg, void *owner, int status, const char *sdp);

/* Failover and limits (gateway/call_hunt.c). */
int call_hunt_init(struct gw_calls *calls);
void call_hunt_free(struct gw_calls *calls);
/* A customer's call before routing: destination and caller rules, then
 * its limits; 0, or -1 when the call was refused (call_fail_a). */
int call_admit_customer(struct call *c, const struct dir_customer *cust, const struct dir_snapshot *snap);
/* 1 when the failed attempt moves on to the next member or target. */
int call_fails_over(const struct call *c, int cause, int status);
/* A 503's Retry-After (seconds, -1 none) holds the member back. */
void call_hunt_retry_after(struct call *c, int seconds);
/* Give back the call's limits (any number of times; once takes effect). */
void call_release_limits(struct call *c);
void call_invite_timeout(void *arg);
void call_hunt_status(const struct gw_calls *calls, struct ctl_out *out);
void call_hunt_table(const struct gw_calls *calls, struct ctl_out *out);

/* SIP-T / SIP-I (gateway/call_sipt.c). The body that goes with a message
 * to a SIP-T peer. */
#define CALL_SIPT_BODY_MAX (SDP_MAX + 3072)
struct call_sipt_out {
	struct gw_sip_body body;
	char ctype[128];
	uint8_t buf[CALL_SIPT_BODY_MAX];
};
const char *call_sipt_name(int mode);
/* enum dir_sipt of the SIP trunk with a member at host, of trunk_id. */
int call_sipt_of_host(struct call *c, const char *host);
int call_sipt_of_trunk(struct call *c, int64_t trunk_id);
int call_sipt_of_uri(struct call *c, const char *uri);
/* A new INVITE from a peer with c->a_sipt set (or not): its ISUP part
 * read into the call (RFC 3204: 415 for what must be understood and is
 * not). 0, or -1 when the call was refused (call_fail_a). */
int call_sipt_ingress(struct call *c, const struct gw_sip_invite *inv);
/* The INVITE's body toward a peer with c->b_sipt set: the SDP and an IAM
 * (the ingress's, forwarded, or Q.699's from the call). 1 and *out, 0
 * when the peer is plain SIP, -ELOOP when the hop counter ran out
 * (c->last_cause 25), another negative errno on failure. */
int call_sipt_invite_body(struct call *c, const char *sdp, struct call_sipt_out *out);
/* Respond to the ingress (180, 183, 200) with ACM, CPG or ANM when it
 * speaks SIP-T; gw_sip_respond otherwise. */
int call_sipt_respond(struct call *c, int status, const char *sdp);
/* gw_sip_hangup of the ingress (a_side) or egress leg, with a REL of
 * cause when the peer speaks SIP-T (RFC 3372: in the BYE, CANCEL or final
 * response). */
int call_sipt_hangup(struct call *c, int a_side, int status, const char *reason, int cause);
/* The cause an egress's final response or BYE means: its REL's when the
 * peer speaks SIP-T and sent one (the ISUP cause wins), else cause. */
int call_sipt_cause(struct call *c, struct gw_sip_leg *leg, int cause);
/* TLS/SRTP required (gateway/call_secure.c). */
/* 1 when uri is reached over TLS: sips:, or ;transport=tls. */
int call_secure_uri(const char *uri);
/* A new INVITE from a peer (require_secure: the customer's or trunk's):
 * 0, or the status to refuse it with (403 not over TLS, 488 no SRTP or
 * SDES over UDP/TCP), its reason phrase and a log line. */
int call_secure_ingress(const struct gw_calls *calls, const struct gw_sip_invite *inv, int require_secure,
			const char **phrase, const char **why);
/* Whether a SIP egress attempt to ruri may go (c->b_srtp set for it):
 * 0, or -EPERM with c->last_cause set and logged. */
int call_secure_egress(struct call *c, const char *ruri);

/* DTMF and the PRI leg's SDP (gateway/call_dtmf.c). The SDP tandemd
 * offers or answers for a PRI leg (RTP/SAVP when the SIP side requires
 * it; telephone-event per the SIP side's DTMF mode). */
const char *call_pri_sdp(struct call *c, struct leg *pri_leg, const char *remote_sdp, char *buf, size_t len);
/* INFO in and out: set up on the SIP glue and the media (gw_calls_new). */
void call_dtmf_init(struct gw_calls *calls);
/* The digit of an INFO body (application/dtmf-relay or application/dtmf):
 * 1 and *digit, 0 when it holds none, -1 for another type. */
int call_dtmf_parse(const struct gw_sip_body *b, char *digit);
/* Fax (gateway/call_fax.c). */
int call_fax_init(struct gw_calls *calls);
/* Our T.38 re-INVITE's final response (status, the answer's SDP or NULL):
 * 2xx with an image stream starts the T.38 gateway, anything else G.711
 * passthrough. A no-op unless T.38 was offered. */
void call_fax_reinvite_answered(struct call *c, int status, const char *sdp);
/* A re-INVITE from the SIP peer of an answered call: 0 when it is not
 * ours to answer (no PRI leg; no T.38 stream: the audio path answers it,
 * after the bridge has left T.38 mode if it was in it), else the status
 * to answer with (200 with the answer in answer[len], 488, 500). */
int call_fax_reinvite_in(struct call *c, const char *sdp, char *answer, size_t len);
/* c->invite_timer fired on an answered call (the timer is idle once the
 * call is answered; the fax uses it to send its T.38 offer again). */
void call_fax_timer(struct call *c);

/* Admission and routing of new calls (gateway/call_admit.c). */
void calls_on_invite(void *arg, const struct gw_sip_invite *inv);
int calls_credential(void *arg, const char *user, const char *realm, char ha1[33], int64_t *customer_id);
void calls_on_setup(void *arg, struct gw_span *sp, const struct gw_pri_setup *s);

#endif
