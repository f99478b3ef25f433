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
struct gw_timer;
struct tandem_settings;

#define TAG         "call"
#define MAX_TARGETS 16
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
	enum cdr_hangup_side hangup_side;
	int final_status, final_cause;
	int cdr_pending, cdr_written, finished;
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
};

/* The state machine's entry points (gateway/call.c). */
struct call *call_new(struct gw_calls *calls, enum cdr_direction dir);
void call_fail_a(struct call *c, int cause, int status);
void call_try_next(struct call *c);
/* to_did: uri is a registered contact; To carries the called DID. */
int call_start_sip(struct call *c, const struct call_target *t, const struct dir_snapshot *snap, const char *uri,
		   int to_did);
void call_attempt_reset(struct call *c);
/* A DID's target failed before early media: start its fallback (once).
 * Returns 1 when an attempt to it started, else 0. */
int call_did_fallback(struct call *c);
void call_reason(int cause, char *buf, size_t len);

/* Admission and routing of new calls (gateway/call_admit.c). */
void calls_on_invite(void *arg, const struct gw_sip_invite *inv);
int calls_credential(void *arg, const char *user, const char *realm, char ha1[33], int64_t *customer_id);
void calls_on_setup(void *arg, struct gw_span *sp, const struct gw_pri_setup *s);

#endif
