/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's database connection on the event loop: connects, notices a
 * lost server, reconnects on a timer. Loop thread only. */
#ifndef TANDEM_GW_STORE_H
#define TANDEM_GW_STORE_H

struct gw_loop;
struct ctl_out;
struct tandem_settings;
struct gw_store;

/* Start connecting with s's [database] settings (copied). */
int gw_store_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_store **out);
void gw_store_free(struct gw_store *st);

/* Apply new settings after a reload: a changed conninfo reconnects. */
int gw_store_reconfigure(struct gw_store *st, const struct tandem_settings *s);

/* Add the database rows to a status reply. */
void gw_store_status(const struct gw_store *st, struct ctl_out *out);

#endif
