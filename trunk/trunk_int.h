/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the trunk manager (trunk_mgr.c: members, pings, sync,
 * status; trunk_reg.c: registration). */
#ifndef TANDEM_TRUNK_INT_H
#define TANDEM_TRUNK_INT_H

#include "common/codes.h"
#include "trunk/trunk_calc.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define TM_TAG       "trunk"
#define TM_MAX_UNREG 16

struct gw_sip_req;
struct gw_timer;

enum tm_reg_state {
	TM_REG_NONE,        /* not registering */
	TM_REG_REGISTERING, /* first attempt under way */
	TM_REG_REGISTERED,
	TM_REG_FAILED,   /* the last attempt failed (timeout, 5xx...): retrying with backoff */
	TM_REG_REJECTED, /* refused reject_limit times in a row: stopped until the credentials change */
};

struct tm_member {
	struct tm_member *next;
	struct trunk_mgr *mgr;
	struct tm_trunk *trunk;
	int64_t id;
	char host[256], uri[320], label[300]; /* label: host:port/transport */
	unsigned port;
	int transport;
	unsigned rank; /* its place in the trunk's member order (priority, id) */
	unsigned interval_s, up_after, down_after;
	struct trunk_hyst hyst;
	char why[160];
	time_t since;
	int rtt_ms; /* the last answer's round trip, -1 if none */
	struct gw_timer *timer;
	struct gw_sip_req *req;
	int64_t sent_ms;
	bool seen;
};

struct tm_trunk {
	struct tm_trunk *next;
	struct trunk_mgr *mgr;
	int64_t id;
	char name[64];
	bool reg;
	char user[128], password[160];
	bool has_auth;
	unsigned expires;
	/* registration */
	enum tm_reg_state state;
	int64_t reg_member; /* the member registered with (or being tried) */
	char registrar[320];
	char call_id[64]; /* kept for every REGISTER to reg_member (RFC 3261 10.2) */
	unsigned cseq;    /* the last CSeq used with call_id */
	unsigned failures, rejections;
	char why[160];
	time_t since, expires_at;
	int granted_s;
	struct gw_timer *timer;
	struct gw_sip_req *req;
	bool seen;
};

struct trunk_mgr {
	struct gw_loop *loop;
	struct gw_sip *sip;
	struct gw_store *store;
	char node[64];
	struct sip_codes alive;
	unsigned reject_limit, retry_min_ms, retry_max_ms, jitter_ms;
	struct tm_trunk *trunks;
	struct tm_member *members;
	uint64_t rnd;
	bool stopped;
	struct gw_sip_req *unreg[TM_MAX_UNREG]; /* un-REGISTERs in flight */
};

uint32_t tm_random(struct trunk_mgr *m);
int64_t tm_now_ms(void);
/* Record a change: one trunk_events row, and the member's trunk_state
 * (health or registration column) upserted. */
void tm_record_health(struct trunk_mgr *m, const struct tm_member *mb, const char *what);
void tm_record_reg(struct trunk_mgr *m, const struct tm_trunk *t, const char *what);
struct tm_member *tm_member_find(struct trunk_mgr *m, int64_t id);
const char *tm_reg_state_name(enum tm_reg_state s);

/* trunk_reg.c */
/* The trunk's registration timer (arg: the struct tm_trunk). */
void tm_reg_timer(void *arg);
/* The trunk's registration settings changed (or it is new): start over. */
void tm_reg_restart(struct tm_trunk *t);
/* Stop registering (settings off, trunk gone, shutdown); unregister when
 * registered and unreg is set. */
void tm_reg_stop(struct tm_trunk *t, bool unreg, const char *why);

#endif
