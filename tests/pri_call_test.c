/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CPE (gateway) side of tests/integration/pri_virtual.sh: one call over a virtual span, audio echoed. Built a
 * second time as tests/dahdi_call_test (TANDEM_CALL_TEST_DAHDI), which takes --dahdi SPAN to run the same call over
 * the DAHDI backend (tests/integration/pri_dahdi.sh, under the emulation). */
#include "config.h"

#include "common/log.h"
#include "gateway/loop.h"
#include "gateway/pri_glue.h"
#include "gateway/tdm_span.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum scenario {
	SC_CALL,    /* we call; pstnsim answers; we hang up after --hold */
	SC_REJECT,  /* we call; pstnsim rejects */
	SC_INCOMING /* pstnsim calls; we answer after --answer-after */
};

struct test {
	struct gw_loop *loop;
	struct tdm_span *span;
	struct gw_pri *pri;
	struct gw_watch *audio_w;
	struct gw_watch *ch_w[TDM_SPAN_MAX_CHANNELS];
	int ch_fd[TDM_SPAN_MAX_CHANNELS], ch_no[TDM_SPAN_MAX_CHANNELS], nch;
	struct gw_timer *event_t;
	struct gw_timer *hold_t, *answer_t, *deadline, *linger_t;
	enum scenario sc;
	const char *to, *from;
	int hold_ms, answer_ms, ch, active, done, cause;
	long long t_setup, t_active, active_ms, setup_ms;
	unsigned long rx, tx;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("test: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static void ev_link(void *arg, int up)
{
	struct test *t = arg;
	int rc;

	say("link %s", up ? "up" : "down");
	if (!up || t->sc == SC_INCOMING || t->ch)
		return;
	t->ch = 1;
	t->t_setup = now_ms();
	rc = gw_pri_call(t->pri, t->ch, t->to, t->from);
	say("setup ch=%d to=%s rc=%d", t->ch, t->to, rc);
	if (rc < 0)
		gw_loop_stop(t->loop);
}

static void ev_closed(void *arg)
{
	struct test *t = arg;

	say("span closed by the far end");
	gw_loop_stop(t->loop);
}

static void ev_setup(void *arg, const struct gw_pri_setup *s)
{
	struct test *t = arg;

	say("incoming ch=%d called=%s calling=%s", s->channel, s->called, s->calling);
	t->ch = s->channel;
	t->t_setup = now_ms();
	gw_pri_alerting(t->pri, s->channel);
	gw_timer_start(t->answer_t, (unsigned)t->answer_ms);
}

static void ev_proceeding(void *arg, int ch)
{
	(void)arg;
	say("proceeding ch=%d", ch);
}

static void ev_alerting(void *arg, int ch)
{
	(void)arg;
	say("alerting ch=%d", ch);
}

static void ev_connect(void *arg, int ch)
{
	struct test *t = arg;

	t->active = 1;
	t->t_active = now_ms();
	t->setup_ms = t->t_active - t->t_setup;
	say("connect ch=%d setup_ms=%lld", ch, t->setup_ms);
	if (t->hold_ms > 0)
		gw_timer_start(t->hold_t, (unsigned)t->hold_ms);
}

static void stop_audio(struct test *t)
{
	if (t->active)
		t->active_ms = now_ms() - t->t_active;
	t->active = 0;
}

static void ev_disconnect(void *arg, int ch, int cause)
{
	struct test *t = arg;

	stop_audio(t);
	t->cause = cause;
	say("disconnect ch=%d cause=%d", ch, cause);
	gw_pri_hangup(t->pri, ch, cause);
}

static void ev_release(void *arg, int ch, int cause)
{
	struct test *t = arg;

	stop_audio(t);
	if (!t->cause)
		t->cause = cause;
	say("release ch=%d cause=%d state=%s", ch, cause, gw_pri_state_name(gw_pri_channel_state(t->pri, ch)));
	t->done = 1;
	/* Linger so that Q.921 acknowledges the last frames before we close. */
	gw_timer_start(t->linger_t, 200);
}

static void on_linger(void *arg)
{
	struct test *t = arg;

	gw_loop_stop(t->loop);
}

static void on_hold(void *arg)
{
	struct test *t = arg;
	int rc;

	stop_audio(t);
	rc = gw_pri_hangup(t->pri, t->ch, 16);
	say("hangup ch=%d cause=16 rc=%d", t->ch, rc);
}

static void on_answer(void *arg)
{
	struct test *t = arg;

	say("answer ch=%d rc=%d", t->ch, gw_pri_answer(t->pri, t->ch));
}

static void on_deadline(void *arg)
{
	struct test *t = arg;

	say("timeout");
	gw_loop_stop(t->loop);
}

/* The far end clocks; we answer each frame with one of ours (echo), as a
 * gateway writes one block per block read from a DAHDI channel. */
static void on_audio(void *arg, int revents)
{
	struct test *t = arg;
	uint8_t buf[TDM_AUDIO_MAX];
	size_t len;
	int ch, rc;

	(void)revents;
	for (int i = 0; i < 256; i++) {
		rc = tdm_span_audio_read(t->span, &ch, buf, sizeof(buf), &len);
		if (rc == -EBADMSG)
			continue;
		if (rc == -EPIPE)
			gw_watch_set(t->audio_w, 0);
		if (rc < 0)
			break;
		if (!t->active || ch != t->ch)
			continue;
		t->rx += len;
		if (tdm_span_audio_write(t->span, ch, buf, len) == 0)
			t->tx += len;
	}
}

/* DAHDI: one watch per B-channel fd, read with tdm_span_audio_read_ch. */
struct ch_arg {
	struct test *t;
	int ch;
};
static struct ch_arg ch_args[TDM_SPAN_MAX_CHANNELS];

static void on_audio_ch(void *arg, int revents)
{
	struct ch_arg *a = arg;
	struct test *t = a->t;
	uint8_t buf[TDM_AUDIO_MAX];
	size_t len;
	int rc;

	(void)revents;
	for (int i = 0; i < 16; i++) {
		rc = tdm_span_audio_read_ch(t->span, a->ch, buf, sizeof(buf), &len);
		if (rc == -EBADMSG)
			continue;
		if (rc < 0)
			break;
		if (!t->active || a->ch != t->ch)
			continue;
		t->rx += len;
		if (tdm_span_audio_write(t->span, a->ch, buf, len) == 0)
			t->tx += len;
	}
}

/* Alarms and HDLC errors the backend collected. */
static void on_events(void *arg)
{
	struct test *t = arg;
	struct tdm_span_event ev;

	while (tdm_span_poll_event(t->span, &ev) == 0)
		say("span event %s ch=%d alarms=0x%x", tdm_span_event_name(ev.type), ev.ch, ev.alarms);
	gw_timer_start(t->event_t, 100);
}

static const struct gw_pri_events test_events = {
    .link = ev_link,
    .closed = ev_closed,
    .setup = ev_setup,
    .proceeding = ev_proceeding,
    .alerting = ev_alerting,
    .connect = ev_connect,
    .disconnect = ev_disconnect,
    .release = ev_release,
};

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"dchan", required_argument, NULL, 'd'},
					   {"audio", required_argument, NULL, 'a'},
					   {"type", required_argument, NULL, 't'},
					   {"law", required_argument, NULL, 'l'},
					   {"switch", required_argument, NULL, 's'},
					   {"scenario", required_argument, NULL, 'S'},
					   {"to", required_argument, NULL, 'n'},
					   {"from", required_argument, NULL, 'f'},
					   {"hold", required_argument, NULL, 'H'},
					   {"answer-after", required_argument, NULL, 'A'},
					   {"pri-debug", required_argument, NULL, 'D'},
					   {"dahdi", required_argument, NULL, 'Z'},
					   {NULL, 0, NULL, 0}};
	struct tdm_span_config scfg = {.id = 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ALAW};
	struct gw_pri_config pcfg = {.node = GW_PRI_CPE, .sw = GW_PRI_SW_EUROISDN_E1};
	struct test t = {.sc = SC_CALL, .to = "5551000", .from = "5552000", .hold_ms = 1000, .answer_ms = 100};
	const char *dchan = NULL, *audio = NULL;
	int c, rc = -EINVAL, tries, dahdi_span = 0;

	log_setup("pri_call_test", LOG_TARGET_STDERR, getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_INFO, 0);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			dchan = optarg;
			break;
		case 'a':
			audio = optarg;
			break;
		case 't':
			if (tdm_span_type_parse(optarg, &scfg.type) < 0)
				return 1;
			break;
		case 'l':
			if (tdm_span_law_parse(optarg, &scfg.law) < 0)
				return 1;
			break;
		case 's':
			if (gw_pri_switch_parse(optarg, &pcfg.sw) < 0) {
				fprintf(stderr, "unknown switch type %s\n", optarg);
				return 1;
			}
			break;
		case 'S':
			t.sc = strcmp(optarg, "reject") == 0     ? SC_REJECT
			       : strcmp(optarg, "incoming") == 0 ? SC_INCOMING
								 : SC_CALL;
			break;
		case 'n':
			t.to = optarg;
			break;
		case 'f':
			t.from = optarg;
			break;
		case 'H':
			t.hold_ms = atoi(optarg);
			break;
		case 'A':
			t.answer_ms = atoi(optarg);
			break;
		case 'D':
			pcfg.debug = (int)strtol(optarg, NULL, 0);
			break;
		case 'Z':
			dahdi_span = atoi(optarg);
			break;
		default:
			return 1;
		}
	}
	if (dahdi_span > 0) {
#ifdef TANDEM_CALL_TEST_DAHDI
		struct tdm_dahdi_config dcfg = {.span = dahdi_span};

		rc = tdm_span_dahdi_open(&scfg, &dcfg, &t.span);
		if (rc < 0) {
			fprintf(stderr, "cannot open DAHDI span %d: %s\n", dahdi_span, strerror(-rc));
			return 1;
		}
		goto opened;
#else
		fprintf(stderr, "--dahdi: this build has no DAHDI backend (use tests/dahdi_call_test)\n");
		return 1;
#endif
	}
	if (!dchan || !audio) {
		fprintf(stderr, "usage: pri_call_test --dchan PATH --audio PATH | --dahdi SPAN [--scenario "
				"call|reject|incoming]\n");
		return 1;
	}
	/* pstnsim may still be starting: retry for up to 5 s. */
	for (tries = 0; tries < 100; tries++) {
		rc = tdm_span_virtual_connect(&scfg, dchan, audio, &t.span);
		if (rc != -ENOENT && rc != -ECONNREFUSED)
			break;
		usleep(50000);
	}
	if (rc < 0) {
		fprintf(stderr, "cannot connect the span: %s\n", strerror(-rc));
		return 1;
	}
#ifdef TANDEM_CALL_TEST_DAHDI
opened:
#endif
	if ((rc = gw_loop_new(&t.loop)) < 0 || (rc = gw_timer_new(t.loop, on_hold, &t, &t.hold_t)) < 0 ||
	    (rc = gw_timer_new(t.loop, on_answer, &t, &t.answer_t)) < 0 ||
	    (rc = gw_timer_new(t.loop, on_deadline, &t, &t.deadline)) < 0 ||
	    (rc = gw_timer_new(t.loop, on_linger, &t, &t.linger_t)) < 0 ||
	    (rc = gw_timer_new(t.loop, on_events, &t, &t.event_t)) < 0 ||
	    (rc = gw_pri_new(t.loop, t.span, &pcfg, &test_events, &t, &t.pri)) < 0) {
		fprintf(stderr, "set-up failed: %s\n", strerror(-rc));
		goto out;
	}
	/* A backend with one fd per B-channel gets one watch per channel. */
	t.nch = tdm_span_audio_fds(t.span, t.ch_fd, t.ch_no, TDM_SPAN_MAX_CHANNELS);
	if (t.nch == 1 && t.ch_no[0] == 0)
		rc = gw_watch_new(t.loop, tdm_span_audio_fd(t.span), GW_READ, on_audio, &t, &t.audio_w);
	for (int i = 0; t.ch_no[0] != 0 && i < t.nch && rc >= 0; i++) {
		ch_args[i] = (struct ch_arg){.t = &t, .ch = t.ch_no[i]};
		rc = gw_watch_new(t.loop, t.ch_fd[i], GW_READ, on_audio_ch, &ch_args[i], &t.ch_w[i]);
	}
	if (rc < 0) {
		fprintf(stderr, "set-up failed: %s\n", strerror(-rc));
		goto out;
	}
	say("span backend=%s audio_fds=%d alarms=0x%x", t.span->ops->name, t.nch, tdm_span_alarms(t.span));
	gw_timer_start(t.event_t, 100);
	gw_timer_start(t.deadline, 15000);
	gw_loop_run(t.loop);
	say("result done=%d cause=%d setup_ms=%lld active_ms=%lld rx=%lu tx=%lu rx_bytes_per_s=%lld d_bad=%lu", t.done,
	    t.cause, t.setup_ms, t.active_ms, t.rx, t.tx, t.active_ms > 0 ? (long long)t.rx * 1000 / t.active_ms : 0,
	    tdm_span_stats(t.span)->d_bad);
	rc = t.done ? 0 : -ETIMEDOUT;
out:
	gw_pri_free(t.pri);
	gw_watch_free(t.audio_w);
	for (int i = 0; i < TDM_SPAN_MAX_CHANNELS; i++)
		gw_watch_free(t.ch_w[i]);
	gw_timer_free(t.event_t);
	gw_timer_free(t.hold_t);
	gw_timer_free(t.answer_t);
	gw_timer_free(t.deadline);
	gw_timer_free(t.linger_t);
	tdm_span_free(t.span);
	if (t.loop)
		gw_loop_free(t.loop);
	return rc == 0 ? 0 : 1;
}
