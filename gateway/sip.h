/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SIP side: Sofia-SIP's nua on the daemon's loop. The only module
 * that includes <sofia-sip/nua.h>. Loop thread only. */
#ifndef TANDEM_GW_SIP_H
#define TANDEM_GW_SIP_H

#include <stddef.h>

struct gw_loop;
struct ctl_out;
struct tandem_settings;

struct gw_sip;

/* Listen as the settings say (sip.listen, sip.transports). Returns 0, or a
 * negative errno with err saying what could not be bound. */
int gw_sip_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_sip **out, char *err, size_t errlen);

/* Stop taking requests and shut nua down gracefully; done(arg) runs when
 * that is complete (or at once if it already is). */
void gw_sip_shutdown(struct gw_sip *sip, void (*done)(void *arg), void *arg);

/* Free after shutdown completed (or if it never started). */
void gw_sip_free(struct gw_sip *sip);

/* Add the SIP rows to a status reply. */
void gw_sip_status(const struct gw_sip *sip, struct ctl_out *out);

/* Route Sofia's own logs into our sink at level 0..9. */
void gw_sip_log_setup(int level);

#endif
