/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's CDR pipeline: journal + writer, started and stopped with it. */
#include "config.h"

#include "gateway/billing.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/settings.h"
#include "db/cdr_journal.h"
#include "db/cdr_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gw_billing {
	struct cdr_journal *journal;
	struct cdr_writer *writer;
	char dir[256];
};

int gw_billing_new(const struct tandem_settings *s, struct gw_billing **out, char *err, size_t errlen)
{
	struct gw_billing *b = calloc(1, sizeof(*b));
	struct cdr_writer_opts wo = {.conninfo = s->db_conninfo, .batch_max = s->cdr_batch};
	char why[512];
	int rc;

	*out = NULL;
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	settings_cdr_journal(s, b->dir, sizeof(b->dir));
	rc = paths_mkdirs(b->dir, 0750, 0);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the CDR journal folder %s: %s", b->dir, strerror(-rc));
		goto fail;
	}
	rc = cdr_journal_open(b->dir, NULL, &b->journal, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "cannot open the CDR journal %s: %s", b->dir, why);
		goto fail;
	}
	rc = cdr_writer_new(b->journal, &wo, &b->writer, why, sizeof(why));
	if (rc == 0)
		rc = cdr_writer_start(b->writer);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the CDR writer: %s", rc == -ENOMEM ? "out of memory" : why);
		goto fail;
	}
	LOG_I("cdr", "journal %s, draining into the database", b->dir);
	*out = b;
	return 0;
fail:
	gw_billing_free(b);
	return rc;
}

void gw_billing_free(struct gw_billing *b)
{
	if (!b)
		return;
	cdr_writer_free(b->writer);
	cdr_journal_close(b->journal);
	free(b);
}

void gw_billing_status(struct gw_billing *b, struct ctl_out *out)
{
	struct cdr_writer_status st;

	cdr_writer_status(b->writer, &st);
	ctl_out_kv(out, "cdr_journal", "%s", b->dir);
	ctl_out_kv(out, "cdr_journaled", "%llu", (unsigned long long)st.journaled);
	ctl_out_kv(out, "cdr_written", "%llu", (unsigned long long)st.written);
	ctl_out_kv(out, "cdr_pending", "%llu", (unsigned long long)st.pending);
	ctl_out_kv(out, "cdr_rejected", "%llu", (unsigned long long)st.rejected);
	/* The writer connects when it has something to write: "idle" until then. */
	ctl_out_kv(out, "cdr_db", "%s", st.db_up ? "up" : st.last_error[0] ? "down" : "idle");
	ctl_out_kv(out, "cdr_last_error", "%s", st.last_error);
}
