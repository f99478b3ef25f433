/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registrations in the database: the registrar's bindings written through
 * and read back (gateway/reg_store.c). Loop thread only. */
#ifndef TANDEM_GW_REG_STORE_H
#define TANDEM_GW_REG_STORE_H

struct gw_loop;
struct gw_store;
struct gw_registrar;
struct gw_reg_store;

/* Write reg's changes to the database as node, and read the table back
 * now (once the database is up) and every sync_s seconds (0: at start
 * only). Free it after the store and before the registrar. 0 or -errno. */
int gw_reg_store_new(struct gw_loop *loop, struct gw_store *store, struct gw_registrar *reg, const char *node,
		     unsigned sync_s, struct gw_reg_store **out);
void gw_reg_store_free(struct gw_reg_store *rs);
/* Reads of the table completed, bindings taken from them, writes queued. */
void gw_reg_store_stats(const struct gw_reg_store *rs, unsigned long *reads, unsigned long *loaded,
			unsigned long *writes);

#endif
