/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trunk manager (docs/trunks.md): OPTIONS pings to every member of
 * the enabled SIP trunks with up/down hysteresis, and registration of the
 * trunks that ask for it, with digest credentials, refresh and backoff.
 * It follows the directory: trunk_mgr_sync() with every new snapshot adds,
 * changes and removes trunks and members without a restart. Every change
 * is logged and recorded (trunk_state, trunk_events) through the daemon's
 * asynchronous store. Loop thread only. */
#ifndef TANDEM_TRUNK_MGR_H
#define TANDEM_TRUNK_MGR_H

#include <stdint.h>

struct ctl_out;
struct dir_snapshot;
struct gw_loop;
struct gw_sip;
struct gw_store;
struct tandem_settings;
struct trunk_mgr;

struct trunk_mgr_deps {
	struct gw_loop *loop;
	struct gw_sip *sip;
	struct gw_store *store; /* may be NULL: nothing recorded */
};

/* s's [general] node and [trunks] settings are copied. 0 or -ENOMEM. */
int trunk_mgr_new(const struct trunk_mgr_deps *deps, const struct tandem_settings *s, struct trunk_mgr **out);
void trunk_mgr_reconfigure(struct trunk_mgr *m, const struct tandem_settings *s);

/* Follow a new directory snapshot (lent for the call). */
void trunk_mgr_sync(struct trunk_mgr *m, const struct dir_snapshot *snap);

/* For call routing: 1 when the member may take calls (up, not yet known,
 * pings off, or not a member the manager knows), 0 when pings say down. */
int trunk_mgr_member_usable(struct trunk_mgr *m, int64_t member_id);

/* Stop every ping and registration (before SIP shuts down); sync does
 * nothing afterwards. */
/* A trunk's call limits began (limited) or stopped refusing calls: one
 * trunk_events row, 'limited' or 'unlimited', with why. */
void trunk_mgr_record_limit(struct trunk_mgr *m, int64_t trunk_id, int limited, const char *why);

void trunk_mgr_stop(struct trunk_mgr *m);
void trunk_mgr_free(struct trunk_mgr *m);

/* The "trunks" and "trunk_members" tables of a status reply. snap gives
 * the trunks' kinds, enabled flags and limits (NULL: none yet);
 * calls_on(arg, id) counts the calls in progress on the trunk. */
void trunk_mgr_status(struct trunk_mgr *m, const struct dir_snapshot *snap,
		      unsigned (*calls_on)(void *arg, int64_t trunk_id), void *arg, struct ctl_out *out);

#endif
