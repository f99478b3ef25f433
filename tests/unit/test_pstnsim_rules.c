/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for pstnsim's rules: action lists, durations, patterns, rules files. */
#include "config.h"

#include "pstnsim/rules.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <unistd.h>

static struct sim_actions base(void)
{
	struct sim_actions a = {.disp = SIM_ANSWER, .src = SIM_SRC_TONE, .tone_hz = 1004, .hangup_ms = 5000};

	return a;
}

static void test_durations(void)
{
	int ms = -1;

	is_int(sim_duration_parse("250", &ms), 0, "bare duration");
	is_int(ms, 250, "is milliseconds");
	is_int(sim_duration_parse("250ms", &ms), 0, "ms suffix");
	is_int(ms, 250, "250ms");
	is_int(sim_duration_parse("3s", &ms), 0, "s suffix");
	is_int(ms, 3000, "3s is 3000 ms");
	ok(sim_duration_parse("3m", &ms) < 0, "unknown unit refused");
	ok(sim_duration_parse("-1", &ms) < 0, "negative refused");
	ok(sim_duration_parse("", &ms) < 0, "empty refused");
}

static void test_actions(void)
{
	struct sim_actions a = base();
	char err[128];

	is_int(sim_actions_parse("busy", &a, err, sizeof(err)), 0, "busy parses");
	is_int(a.disp, SIM_REJECT, "busy rejects");
	is_int(a.cause, 17, "busy is cause 17");
	a = base();
	sim_actions_parse("congestion", &a, err, sizeof(err));
	is_int(a.cause, 34, "congestion is cause 34");
	sim_actions_parse("unallocated", &a, err, sizeof(err));
	is_int(a.cause, 1, "unallocated is cause 1");
	sim_actions_parse("cause:41", &a, err, sizeof(err));
	is_int(a.cause, 41, "cause:41");
	ok(sim_actions_parse("cause:128", &a, err, sizeof(err)) < 0, "cause 128 refused");
	a = base();
	is_int(sim_actions_parse("noanswer:2s", &a, err, sizeof(err)), 0, "noanswer:2s parses");
	is_int(a.disp, SIM_NOANSWER, "noanswer");
	is_int(a.cause, 19, "noanswer clears with 19");
	is_int(a.noanswer_ms, 2000, "after 2000 ms");
	a = base();
	is_int(sim_actions_parse("fax-send:/tmp/p.tif,fax-again:4s", &a, err, sizeof(err)), 0,
	       "fax-send with fax-again parses");
	ok(a.src == SIM_SRC_FAX_SEND && strcmp(a.fax, "/tmp/p.tif") == 0 && a.fax_again_ms == 4000,
	   "a fax sender, a second fax 4000 ms after the first");
	ok(sim_actions_parse("fax-again:0", &a, err, sizeof(err)) < 0 &&
	       sim_actions_parse("fax-again", &a, err, sizeof(err)) < 0,
	   "fax-again without a pause refused");
	a = base();
	is_int(sim_actions_parse("answer:200,dtmf:12#*@500,detect,record:/tmp/r-%c.raw,play:/tmp/x.wav", &a, err,
				 sizeof(err)),
	       0, "a list of actions parses");
	is_int(a.disp, SIM_ANSWER, "answer");
	is_int(a.answer_ms, 200, "answer after 200 ms");
	is_str(a.dtmf, "12#*", "dtmf digits");
	is_int(a.dtmf_ms, 500, "dtmf delay");
	is_int(a.detect, 1, "detect");
	is_str(a.record, "/tmp/r-%c.raw", "record path");
	is_int(a.src, SIM_SRC_PLAY, "play is the source");
	is_str(a.play, "/tmp/x.wav", "play path");
	is_int(a.hangup_ms, 5000, "hangup kept from the base");
	ok(sim_actions_parse("dtmf:12x", &a, err, sizeof(err)) < 0, "a bad DTMF digit is refused");
	ok(sim_actions_parse("ring:5", &a, err, sizeof(err)) < 0, "ring takes no argument");
	ok(sim_actions_parse("hangup", &a, err, sizeof(err)) < 0, "hangup needs a duration");
	ok(sim_actions_parse("dance", &a, err, sizeof(err)) < 0, "unknown action refused");
	is_str(err, "bad action 'dance'", "and named");
}

static void test_match(void)
{
	struct sim_rules r = {0};
	struct sim_actions b = base();
	char err[128];

	r.dflt = b;
	is_int(sim_rules_add(&r, "5551000=busy", &b, err, sizeof(err)), 0, "exact rule");
	is_int(sim_rules_add(&r, "555*=congestion", &b, err, sizeof(err)), 0, "short prefix");
	is_int(sim_rules_add(&r, "5552*=echo", &b, err, sizeof(err)), 0, "longer prefix");
	is_int(sim_rules_add(&r, "default=unallocated", &b, err, sizeof(err)), 0, "default rule");
	ok(sim_rules_add(&r, "=busy", &b, err, sizeof(err)) < 0, "empty pattern refused");
	ok(sim_rules_add(&r, "123", &b, err, sizeof(err)) < 0, "no actions refused");
	is_int(sim_rules_match(&r, "5551000")->cause, 17, "exact match wins");
	is_int(sim_rules_match(&r, "5551001")->cause, 34, "prefix 555");
	is_int(sim_rules_match(&r, "5552000")->src, SIM_SRC_ECHO, "the longest prefix wins");
	is_int(sim_rules_match(&r, "5552000")->disp, SIM_ANSWER, "and keeps the base disposition");
	is_int(sim_rules_match(&r, "666")->cause, 1, "no match: the default");
	sim_rules_free(&r);
}

static void test_echo_line(void)
{
	struct sim_actions a = base();
	char err[128];

	is_int(sim_actions_parse("echo:32:-9", &a, err, sizeof(err)), 0, "echo:32:-9 parses");
	ok(a.src == SIM_SRC_ECHO && a.echo_line && a.echo_delay_ms == 32 && a.echo_level_db == -9,
	   "a line echo 32 ms late, 9 dB down");
	is_int(sim_actions_parse("echo:40ms", &a, err, sizeof(err)), 0, "echo:40ms parses");
	ok(a.echo_line && a.echo_delay_ms == 40 && a.echo_level_db == 0, "40 ms, level 0 dB");
	is_int(sim_actions_parse("echo", &a, err, sizeof(err)), 0, "plain echo");
	ok(!a.echo_line, "plain echo is byte for byte again");
	ok(sim_actions_parse("echo:600", &a, err, sizeof(err)) < 0, "a delay over 500 ms is refused");
	ok(sim_actions_parse("echo:32:-70", &a, err, sizeof(err)) < 0, "a level under -60 dB is refused");
	ok(sim_actions_parse("echo:32:3", &a, err, sizeof(err)) < 0, "a gain is refused");
}

static void test_file(void)
{
	char path[] = "/tmp/test_pstnsim_rules.XXXXXX", err[256];
	struct sim_rules r = {0};
	struct sim_actions b = base();
	FILE *f;
	int fd = mkstemp(path);

	ok(fd >= 0, "temporary file");
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs("# comment\n\n100 busy\n200=answer:1s,hangup:2s  # trailing comment\n  3* cause:88\n", f);
	fclose(f);
	is_int(sim_rules_load(&r, path, &b, err, sizeof(err)), 0, "rules file loads");
	is_int((int)r.n, 3, "three rules");
	is_int(sim_rules_match(&r, "100")->cause, 17, "line 3");
	is_int(sim_rules_match(&r, "200")->hangup_ms, 2000, "line 4");
	is_int(sim_rules_match(&r, "345")->cause, 88, "line 5 (indented prefix)");
	sim_rules_free(&r);
	f = fopen(path, "w");
	fputs("100 busy\n200 frobnicate\n", f);
	fclose(f);
	ok(sim_rules_load(&r, path, &b, err, sizeof(err)) < 0, "a bad line is refused");
	ok(strstr(err, ":2: bad action 'frobnicate'") != NULL, "with its line number (%s)", err);
	sim_rules_free(&r);
	unlink(path);
	ok(sim_rules_load(&r, path, &b, err, sizeof(err)) < 0, "a missing file is refused");
}

int main(void)
{
	test_durations();
	test_actions();
	test_match();
	test_file();
	test_echo_line();
	return tap_done();
}
