/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which members of a SIP trunk a call tries, in what order (docs/calls.md,
 * "Failover and limits"): lower priority first, weighted random among
 * equal priority (RFC 2782's selection), skipping members that may not be
 * used now. Whether a member may be used is one question,
 * gw_member_usable(): a 503's Retry-After holds a member back until then,
 * and an optional health hook (OPTIONS pings) can rule it out. Pure: no
 * loop, no I/O; loop thread only. */
#ifndef TANDEM_GW_MEMBERS_H
#define TANDEM_GW_MEMBERS_H

#include <stddef.h>
#include <stdint.h>

struct dir_member;
struct gw_members;

int gw_members_new(struct gw_members **out);
void gw_members_free(struct gw_members *ms);

/* Hold member back until until_ms (CLOCK_REALTIME ms): a 503 with
 * Retry-After. A later hold replaces an earlier one. 0 or -ENOMEM. */
int gw_members_hold(struct gw_members *ms, int64_t member_id, int64_t until_ms);

/* The health hook: down(arg, member_id) returns 1 when the member is known
 * to be down (pings), 0 otherwise. NULL: no health checks. */
void gw_members_set_health(struct gw_members *ms, int (*down)(void *arg, int64_t member_id), void *arg);

/* 1 when a call may try member now: no Retry-After hold still running and
 * not down by the health hook. The single question the call layer asks. */
int gw_member_usable(struct gw_members *ms, int64_t member_id, int64_t now_ms);

/* Members held back now (for the status view). */
size_t gw_members_held(struct gw_members *ms, int64_t now_ms);

/* The order to try n members in (sorted by priority, as the directory
 * keeps them): indices into m, written to order (room for n). Within one
 * priority, each next member is drawn with probability weight / (sum of
 * the weights left); weight 0 members come after the others of their
 * priority, in their order. rnd returns uniform 32-bit numbers. */
void gw_members_order(const struct dir_member *m, size_t n, uint32_t (*rnd)(void *arg), void *arg, size_t *order);

#endif
