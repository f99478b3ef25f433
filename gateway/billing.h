/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's CDR pipeline: the durable journal and the writer thread
 * that drains it into PostgreSQL (db/cdr_journal.h, db/cdr_writer.h).
 * Created and freed on the loop thread; appends may come from any. */
#ifndef TANDEM_GW_BILLING_H
#define TANDEM_GW_BILLING_H

#include <stddef.h>

struct ctl_out;
struct tandem_settings;
struct gw_billing;

/* Open the journal in the settings' [cdr] journal folder (locked: one
 * daemon per folder) and start draining it into [database] conninfo.
 * Records left by an earlier run are replayed. With [cdr] enabled = no,
 * none of that: records are dropped (measurements only). Returns 0 or a
 * negative errno with err. */
int gw_billing_new(const struct tandem_settings *s, struct gw_billing **out, char *err, size_t errlen);

/* Stop the writer (finishing the batch in flight) and close the journal:
 * what is not yet in the database stays journaled for the next start. */
void gw_billing_free(struct gw_billing *b);

struct cdr_record;
struct gw_loop;

/* Make record durable off the loop: a committer thread appends it to the
 * journal (fdatasync shared with other records), then done(arg, rc) runs
 * on the loop thread (rc 0, or the journal's error: the record is then
 * logged whole, so it can be recovered by hand). The record is copied. */
int gw_billing_submit(struct gw_billing *b, const struct cdr_record *rec, void (*done)(void *arg, int rc), void *arg);

/* Attach the loop that runs the done callbacks (before any submit) and
 * checks the [cdr] alarm_after alarm once a second. */
int gw_billing_attach(struct gw_billing *b, struct gw_loop *loop);

/* Add the CDR rows to a status reply. Any thread. */
void gw_billing_status(struct gw_billing *b, struct ctl_out *out);

#endif
