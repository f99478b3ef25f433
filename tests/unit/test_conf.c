/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the configuration reader and the shared settings table. */
#include "config.h"

#include "common/conf.h"
#include "common/settings.h"
#include "tests/tap.h"

#include <errno.h>
#include <syslog.h>
#include <stdlib.h>

static int load(const char *text, struct tandem_settings *s, char *err, size_t len)
{
	return conf_load_string("t.conf", text, settings_directives, s, err, len);
}

static void test_defaults(void)
{
	struct tandem_settings s;
	char err[512] = "";

	is_int(settings_load(NULL, &s, err, sizeof(err)), 0, "embedded defaults load (%s)", err);
	is_str(s.node, "tandem1", "default node");
	is_str(s.sip_listen, "127.0.0.1:5060", "default SIP listen");
	is_str(s.sip_transports, "udp,tcp", "default transports");
	is_int(s.log_level, LOG_INFO, "default log level info");
	is_int(s.db_reconnect_ms, 2000, "default reconnect 2s");
	is_str(s.db_conninfo, "", "default conninfo is the libpq environment");
	is_int(s.cdr_alarm_after_ms, 60000, "default CDR alarm after 60 s");
	ok(s.cdr_enabled, "CDRs enabled by default");
	is_int(load("[cdr]\nalarm_after = 90\nenabled = no\n", &s, err, sizeof(err)), 0, "[cdr] alarm_after, enabled");
	is_int(s.cdr_alarm_after_ms, 90000, "alarm_after: a bare number is seconds");
	ok(!s.cdr_enabled, "enabled = no");
}

static void test_good_file(void)
{
	struct tandem_settings s;
	char err[512] = "";
	const char *text = "# comment\n"
			   "; another\n"
			   "[general]\n"
			   "node = edge-2   # trailing comment\n"
			   "\n"
			   "[log]\n"
			   "level = debug\n"
			   "sip_level = 3\n"
			   "[sip]\n"
			   "listen = 10.0.0.1:5080\n"
			   "transports = udp\n"
			   "[database]\n"
			   "conninfo = \"host=/tmp dbname=tandem # not a comment\"\n"
			   "reconnect_interval = 500ms\n"
			   "[control]\n"
			   "socket = /run/x/ctl.sock\n";

	is_int(load(text, &s, err, sizeof(err)), 0, "a full file loads (%s)", err);
	is_str(s.node, "edge-2", "node read, trailing comment stripped");
	is_int(s.log_level, LOG_DEBUG, "level debug");
	is_int(s.log_sip_level, 3, "sip_level 3");
	is_str(s.sip_listen, "10.0.0.1:5080", "listen read");
	is_str(s.sip_transports, "udp", "transports read");
	is_str(s.db_conninfo, "host=/tmp dbname=tandem # not a comment", "quoted value keeps '#'");
	is_int(s.db_reconnect_ms, 500, "500ms duration");
	is_str(s.ctl_socket, "/run/x/ctl.sock", "socket read");
}

/* Each bad file is refused with "file:line: what", naming the key. */
static void test_bad_files(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"[sip]\nlisten = 127.0.0.1:99999\n", "t.conf:2: listen: \"127.0.0.1:99999\" is not ADDRESS:PORT"},
	    {"[sip]\nlisten = example.com:5060\n", "t.conf:2: listen:"},
	    {"[sip]\nlisten = [::1]:5060\n", NULL},
	    {"[sip]\nfoo = 1\n", "t.conf:2: unknown key \"foo\" in section [sip]"},
	    {"[nope]\n", "t.conf:1: unknown section [nope]"},
	    {"node = x\n", "t.conf:1: \"node\" outside any section"},
	    {"[general]\nnode\n", "t.conf:2: expected \"key = value\""},
	    {"[general]\nnode = a b\n", "t.conf:2: node: \"a b\" may hold only"},
	    {"[general]\nnode = a\nnode = b\n", "t.conf:3: node: set twice in section [general]"},
	    {"[log]\nlevel = loud\n", "t.conf:2: level: \"loud\" is not one of err, error, warning"},
	    {"[log]\nsip_level = 10\n", "t.conf:2: sip_level: 10 is out of range (0..9)"},
	    {"[log]\nsip_level = x\n", "t.conf:2: sip_level: \"x\" is not an integer"},
	    {"[database]\nreconnect_interval = soon\n", "t.conf:2: reconnect_interval: \"soon\" is not a duration"},
	    {"[database]\nreconnect_interval = 10ms\n", "t.conf:2: reconnect_interval: 10ms is out of range"},
	    {"[database]\nconninfo = \"open\n", "t.conf:2: conninfo: unterminated quoted value"},
	    {"[sip]\ntransports = udp,sctp\n", "t.conf:2: transports: \"udp,sctp\" is not a list of udp and tcp"},
	    {"[control]\nsocket = relative.sock\n", "t.conf:2: socket: \"relative.sock\" is not an absolute path"},
	    {"[general\n", "t.conf:1: malformed section header"},
	    {"[span]\n", "t.conf:1: [span ]: a span name is 1-63 characters"},
	    {"[span Bad]\n", "t.conf:1: [span Bad]: a span name is"},
	    {"[span a]\n[span a]\n", "t.conf:2: [span a]: defined twice"},
	    {"[span a]\nswitchtype = ess5\n", "t.conf:2: switchtype: \"ess5\" is not one of ni2, dms100"},
	    {"[span a]\ntype = j1\n", "t.conf:2: type: \"j1\" is not one of e1, t1"},
	    {"[span a]\nspeed = 1\n", "t.conf:2: unknown key \"speed\" in section [span]"},
	    {"[span a]\nhunt = up\nhunt = down\n", "t.conf:2: hunt: \"up\" is not one of"},
	    {"[span a]\nlaw = alaw\n[span b]\nlaw = ulaw\n", NULL},
	    {"[span a]\nlaw = alaw\nlaw = ulaw\n", "t.conf:3: law: set twice in section [span]"},
	    {"[sip a]\n", "t.conf:1: unknown section [sip a]"},
	    {"[cdr]\nalarm_after = soon\n", "t.conf:2: alarm_after: \"soon\" is not a duration"},
	    {"[cdr]\nalarm_after = 500ms\n", "t.conf:2: alarm_after: 500ms is out of range (1000ms..86400000ms)"},
	    {"[cdr]\nalarm_after = 2d\n", "t.conf:2: alarm_after: \"2d\" is not a duration"},
	    {"[cdr]\nalarm_after = 90\nenabled = no\n", NULL},
	    {"[cdr]\nenabled = maybe\n", "t.conf:2: enabled: \"maybe\" is not yes or no"},
	    {"[limits]\ncustomer_status = 399\n", "t.conf:2: customer_status: 399 is out of range (400..699)"},
	    {"[limits]\ncustomer_status = 700\n", "t.conf:2: customer_status: 700 is out of range (400..699)"},
	    {"[limits]\ncustomer_cause = 0\n", "t.conf:2: customer_cause: 0 is out of range (1..127)"},
	    {"[limits]\ndenied_cause = 128\n", "t.conf:2: denied_cause: 128 is out of range (1..127)"},
	    {"[limits]\ndenied_status = busy\n", "t.conf:2: denied_status: \"busy\" is not an integer"},
	    {"[limits]\ncustomer_status = 486\ncustomer_cause = 17\ndenied_status = 404\ndenied_cause = 1\n", NULL},
	};
	struct tandem_settings s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		int rc = load(cases[i].text, &s, err, sizeof(err));
		if (!cases[i].want) {
			is_int(rc, 0, "accepted: %s (%s)", cases[i].text, err);
			continue;
		}
		is_int(rc, -EINVAL, "refused: %s", cases[i].want);
		ok(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0, "message \"%s\"", err);
	}
}

/* Named sections: each [span NAME] fills the next element, with its own
 * defaults; the embedded default has one span. */
static void test_spans(void)
{
	struct tandem_settings s;
	char err[512] = "";
	const struct span_settings *a, *b;

	is_int(load("[span a]\ntype = t1\nlaw = ulaw\nswitchtype = ni2\nhunt = descending\n"
		    "[general]\nnode = n1\n[span b]\ndchan = /tmp/x.d\n",
		    &s, err, sizeof(err)),
	       0, "two spans load (%s)", err);
	is_int(s.nspans, 2, "two spans");
	a = settings_span(&s, "a");
	b = settings_span(&s, "b");
	ok(a && a->type == 1 && a->law == 1 && a->switchtype == 0 && a->hunt == SETTINGS_HUNT_DESCENDING,
	   "span a's keys");
	ok(b && b->type == 0 && b->law == 0 && b->switchtype == 4 && b->hunt == SETTINGS_HUNT_ASCENDING && b->restart,
	   "span b has its own defaults");
	is_str(s.node, "n1", "a fixed section between named ones");
	ok(settings_span(&s, "c") == NULL, "no span c");
	is_int(settings_load(NULL, &s, err, sizeof(err)), 0, "embedded default loads (%s)", err);
	ok(s.nspans == 1 && strcmp(s.spans[0].name, "pstn1") == 0, "embedded default: span pstn1");
	{
		char text[8192] = "", path[256];
		for (int i = 0; i <= SETTINGS_MAX_SPANS; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "[span s%d]\n", i);
		ok(load(text, &s, err, sizeof(err)) < 0 && strstr(err, "at most 32 [span] sections"),
		   "too many spans refused (%s)", err);
		setenv("TANDEM_RUN_DIR", "/r", 1);
		is_str(settings_span_path(&s.spans[0], "dchan", path, sizeof(path)), "/r/span-s0.dchan",
		       "default D-channel path");
		unsetenv("TANDEM_RUN_DIR");
	}
}

static void test_missing_file(void)
{
	struct tandem_settings s;
	char err[512] = "";

	is_int(settings_load("/nonexistent/tandem.conf", &s, err, sizeof(err)), -ENOENT, "missing file: -ENOENT");
	is_str(err, "/nonexistent/tandem.conf: No such file or directory", "missing file message");
}

static void test_durations(void)
{
	long ms = 0;

	ok(conf_parse_msec("2s", &ms) == 0 && ms == 2000, "2s");
	ok(conf_parse_msec("5m", &ms) == 0 && ms == 300000, "5m");
	ok(conf_parse_msec("1h", &ms) == 0 && ms == 3600000, "1h");
	ok(conf_parse_msec("7", &ms) == 0 && ms == 7000, "bare number is seconds");
	ok(conf_parse_msec("-1s", &ms) < 0, "negative refused");
	ok(conf_parse_msec("1d", &ms) < 0, "unknown unit refused");
}

/* The example file in etc/ documents every key and loads cleanly. */
static void test_example(void)
{
	const char *src = getenv("TOP_SRCDIR");
	char path[4096], err[512] = "", *text = NULL;
	struct tandem_settings s;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/etc/tandem.conf.example", src ? src : ".");
	is_int(settings_load(path, &s, err, sizeof(err)), 0, "etc/tandem.conf.example loads (%s)", err);
	f = fopen(path, "r");
	ok(f != NULL, "example readable");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)len + 1);
	if (text && fread(text, 1, (size_t)len, f) == (size_t)len) {
		for (const struct conf_directive *d = settings_directives; d->key; d++) {
			char needle[128];
			if (d->type == CONF_SECTION)
				snprintf(needle, sizeof(needle), "\n# [%s NAME]", d->section);
			else
				snprintf(needle, sizeof(needle), "\n# %s = ", d->key);
			ok(strstr(text, needle) != NULL, "example documents [%s] %s", d->section, d->key);
		}
	}
	free(text);
	fclose(f);
}

int main(void)
{
	test_defaults();
	test_good_file();
	test_bad_files();
	test_spans();
	test_missing_file();
	test_durations();
	test_example();
	return tap_done();
}
