/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the control protocol, built and parsed back. */
#include "config.h"

#include "common/ctl.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>

static void test_roundtrip(void)
{
	static const char *const cols[] = {"field", "value"};
	static const char *const cols3[] = {"span", "state", "note"};
	static const char *const row[] = {"pri1", "up", "tab\there\nnewline\\slash"};
	struct ctl_out o = {0};
	struct ctl_reply r;
	const struct ctl_table *t;

	ctl_out_ok(&o);
	ctl_out_table(&o, "status", cols, 2);
	ctl_out_kv(&o, "node", "%s", "tandem1");
	ctl_out_kv(&o, "uptime_s", "%d", 42);
	ctl_out_end(&o);
	ctl_out_table(&o, "spans", cols3, 3);
	ctl_out_row(&o, row, 3);
	ctl_out_end(&o);
	is_int(o.err, 0, "reply built");
	is_int(ctl_reply_parse(o.buf, o.len, &r), 0, "reply parses");
	is_int(r.ok, 1, "ok reply");
	is_int(r.ntables, 2, "two tables");
	t = ctl_reply_table(&r, "status");
	ok(t && t->nrows == 2 && t->ncols == 2, "status: 2 rows of 2");
	if (t) {
		is_str(t->cells[0], "node", "first key");
		is_str(t->cells[3], "42", "second value");
	}
	t = ctl_reply_table(&r, "spans");
	ok(t && t->nrows == 1, "spans: 1 row");
	if (t)
		is_str(t->cells[2], "tab\there\nnewline\\slash", "escapes survive the round trip");
	ok(ctl_reply_table(&r, "calls") == NULL, "absent table is NULL");
	ctl_reply_free(&r);
	ctl_out_free(&o);
}

static void test_error_reply(void)
{
	struct ctl_out o = {0};
	struct ctl_reply r;

	ctl_out_error(&o, "unknown request \"%s\"", "frob");
	is_int(ctl_reply_parse(o.buf, o.len, &r), 0, "error reply parses");
	is_int(r.ok, 0, "not ok");
	is_str(r.error, "unknown request \"frob\"", "error message kept");
	ctl_reply_free(&r);
	ctl_out_free(&o);
}

static void test_malformed(void)
{
	static const char *bad[] = {
	    "",
	    "ok",                                   /* no newline */
	    "maybe\n",                              /* neither ok nor error */
	    "ok\nrow a\n",                          /* row outside a table */
	    "ok\ntable t\nrow a\nend\n",            /* row before cols */
	    "ok\ntable t\ncols a\tb\nrow x\nend\n", /* wrong column count */
	    "ok\ntable t\ncols a\n",                /* unterminated table */
	    "ok\ntable t\ncols a\nrow x\\\nend\n",  /* dangling escape */
	};
	struct ctl_reply r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(ctl_reply_parse(bad[i], strlen(bad[i]), &r), -EINVAL, "malformed reply %zu refused", i);
}

static void test_no_daemon(void)
{
	char *text;
	size_t len;

	is_int(ctl_request("/nonexistent/tandemd.sock", "status\n", 100, &text, &len), -ENOENT, "no daemon: -ENOENT");
}

int main(void)
{
	test_roundtrip();
	test_error_reply();
	test_malformed();
	test_no_daemon();
	return tap_done();
}
