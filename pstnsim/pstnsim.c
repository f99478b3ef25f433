/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim: the carrier side of a virtual PRI span (libpri network mode), clocking its audio. */
#include "config.h"

#include "common/log.h"
#include "gateway/loop.h"
#include "gateway/pri_glue.h"
#include "gateway/tdm_span.h"
#include "pstnsim/tone.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define TAG      "pstnsim"
#define FRAME    160 /* 20 ms at 8 kHz */
#define FRAME_MS 20

enum on_call {
	ON_CALL_ANSWER,
	ON_CALL_RING,
	ON_CALL_REJECT
};

struct opts {
	const char *dchan, *audio, *to, *from;
	struct tdm_span_config span;
	struct gw_pri_config pri;
	enum on_call on_call;
	int answer_ms, reject_cause, hangup_ms, originate, calls, timeout_s;
	double tone_hz;
};

struct sim;

struct sim_call {
	struct sim *sim;
	int ch, in_call, active, outgoing;
	long long t_setup, t_active;
	unsigned long tx, rx;
	struct gw_timer *answer_timer, *hangup_timer;
	struct sim_tone tone;
	struct sim_meter meter;
};

struct sim {
	struct opts o;
	struct gw_loop *loop;
	struct tdm_virtual_listener *lst;
	struct gw_watch *lw_d, *lw_a, *audio_w, *sig_w;
	struct tdm_span *span;
	struct gw_pri *pri;
	struct gw_timer *clock, *deadline;
	int sigfd, link_up, link_ups, timed_out, to_originate;
	long long next_tick;
	struct sim_call calls[TDM_SPAN_MAX_CHANNELS + 1];
	/* for the summary */
	unsigned long calls_in, calls_out, answered, rejected, released, audio_tx, audio_rx;
	long long active_ms, setup_ms_max;
	int last_cause;
	double tone_energy, total_energy;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sim_stop(struct sim *s)
{
	gw_loop_stop(s->loop);
}

/* --- Calls -------------------------------------------------------------- */

static void call_begin(struct sim *s, int ch, int outgoing)
{
	struct sim_call *c = &s->calls[ch];

	c->in_call = 1;
	c->active = 0;
	c->outgoing = outgoing;
	c->t_setup = now_ms();
	c->tx = c->rx = 0;
	sim_tone_init(&c->tone, s->o.tone_hz, 10000, s->o.span.law == TDM_LAW_ALAW);
	sim_meter_init(&c->meter, s->o.tone_hz > 0 ? s->o.tone_hz : 1004, s->o.span.law == TDM_LAW_ALAW);
}

static void originate_more(struct sim *s)
{
	int ch;

	while (s->link_up && s->to_originate > 0 && (ch = gw_pri_idle_channel(s->pri)) > 0) {
		call_begin(s, ch, 1);
		if (gw_pri_call(s->pri, ch, s->o.to, s->o.from) < 0) {
			s->calls[ch].in_call = 0;
			LOG_E(TAG, "ch %d: cannot place a call", ch);
			break;
		}
		s->to_originate--;
		s->calls_out++;
	}
}

static void on_answer_timer(void *arg)
{
	struct sim_call *c = arg;

	gw_pri_answer(c->sim->pri, c->ch);
}

static void on_hangup_timer(void *arg)
{
	struct sim_call *c = arg;

	LOG_I(TAG, "ch %d: hanging up after %d ms", c->ch, c->sim->o.hangup_ms);
	gw_pri_hangup(c->sim->pri, c->ch, 16);
}

/* --- PRI events --------------------------------------------------------- */

static void ev_link(void *arg, int up)
{
	struct sim *s = arg;

	s->link_up = up;
	s->link_ups += up;
	printf("pstnsim: link %s\n", up ? "up" : "down");
	fflush(stdout);
	if (up)
		originate_more(s);
}

static void ev_closed(void *arg)
{
	struct sim *s = arg;

	LOG_N(TAG, "the gateway closed the span");
	sim_stop(s);
}

static void ev_setup(void *arg, const struct gw_pri_setup *su)
{
	struct sim *s = arg;
	struct sim_call *c = &s->calls[su->channel];

	s->calls_in++;
	call_begin(s, su->channel, 0);
	switch (s->o.on_call) {
	case ON_CALL_REJECT:
		s->rejected++;
		gw_pri_hangup(s->pri, su->channel, s->o.reject_cause);
		break;
	case ON_CALL_RING:
		gw_pri_proceeding(s->pri, su->channel);
		gw_pri_alerting(s->pri, su->channel);
		break;
	case ON_CALL_ANSWER:
		gw_pri_proceeding(s->pri, su->channel);
		gw_pri_alerting(s->pri, su->channel);
		if (s->o.answer_ms > 0)
			gw_timer_start(c->answer_timer, (unsigned)s->o.answer_ms);
		else
			gw_pri_answer(s->pri, su->channel);
		break;
	}
}

static void ev_connect(void *arg, int ch)
{
	struct sim *s = arg;
	struct sim_call *c = &s->calls[ch];
	long long setup_ms;

	c->active = 1;
	c->t_active = now_ms();
	setup_ms = c->t_active - c->t_setup;
	if (setup_ms > s->setup_ms_max)
		s->setup_ms_max = setup_ms;
	s->answered++;
	LOG_I(TAG, "ch %d: active, %lld ms after SETUP", ch, setup_ms);
	if (s->o.hangup_ms > 0)
		gw_timer_start(c->hangup_timer, (unsigned)s->o.hangup_ms);
}

static void ev_disconnect(void *arg, int ch, int cause)
{
	struct sim *s = arg;

	s->calls[ch].active = 0;
	gw_pri_hangup(s->pri, ch, cause);
}

static void ev_release(void *arg, int ch, int cause)
{
	struct sim *s = arg;
	struct sim_call *c = &s->calls[ch];
	long long dur = c->t_active ? now_ms() - c->t_active : 0;

	gw_timer_stop(c->answer_timer);
	gw_timer_stop(c->hangup_timer);
	if (!c->t_active)
		dur = 0;
	printf("pstnsim: call ch=%d dir=%s cause=%d answered=%d active_ms=%lld tx=%lu rx=%lu tone_ratio=%.2f\n", ch,
	       c->outgoing ? "out" : "in", cause, c->t_active != 0, dur, c->tx, c->rx, sim_meter_ratio(&c->meter));
	fflush(stdout);
	s->active_ms += dur;
	s->tone_energy += c->meter.tone_energy;
	s->total_energy += c->meter.total_energy;
	s->released++;
	s->last_cause = cause;
	c->in_call = c->active = 0;
	c->t_active = 0;
	if (s->o.calls > 0 && s->released >= (unsigned long)s->o.calls) {
		sim_stop(s);
		return;
	}
	originate_more(s);
}

static const struct gw_pri_events sim_events = {
    .link = ev_link,
    .closed = ev_closed,
    .setup = ev_setup,
    .connect = ev_connect,
    .disconnect = ev_disconnect,
    .release = ev_release,
};

/* --- Audio: we are the clock -------------------------------------------- */

static void on_clock(void *arg)
{
	struct sim *s = arg;
	uint8_t frame[FRAME];
	long long now = now_ms();
	int late = 0;

	/* Send every frame that is due; after a long stall (> 5 frames), skip
	 * ahead rather than burst. */
	while (s->next_tick <= now) {
		if (late++ < 5) {
			for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++) {
				struct sim_call *c = &s->calls[ch];
				if (!c->active)
					continue;
				sim_tone_fill(&c->tone, frame, FRAME);
				if (tdm_span_audio_write(s->span, ch, frame, FRAME) == 0)
					c->tx += FRAME;
			}
		}
		s->next_tick += FRAME_MS;
	}
	gw_timer_start(s->clock, (unsigned)(s->next_tick - now));
}

static void on_audio(void *arg, int revents)
{
	struct sim *s = arg;
	uint8_t buf[TDM_AUDIO_MAX];
	size_t len;
	int ch, rc;

	(void)revents;
	for (int i = 0; i < 256; i++) {
		rc = tdm_span_audio_read(s->span, &ch, buf, sizeof(buf), &len);
		if (rc == -EBADMSG)
			continue;
		if (rc == -EPIPE) {
			gw_watch_set(s->audio_w, 0);
			sim_stop(s);
		}
		if (rc < 0)
			break;
		if (s->calls[ch].in_call) {
			s->calls[ch].rx += len;
			sim_meter_feed(&s->calls[ch].meter, buf, len);
		}
	}
}

/* --- Start-up ------------------------------------------------------------ */

static void start_span(struct sim *s)
{
	int rc;

	LOG_N(TAG, "gateway connected: span %d %s %s", s->o.span.id, tdm_span_type_name(s->o.span.type),
	      tdm_span_law_name(s->o.span.law));
	gw_watch_free(s->lw_d);
	gw_watch_free(s->lw_a);
	s->lw_d = s->lw_a = NULL;
	tdm_virtual_listener_free(s->lst);
	s->lst = NULL;
	if ((rc = gw_pri_new(s->loop, s->span, &s->o.pri, &sim_events, s, &s->pri)) < 0 ||
	    (rc = gw_watch_new(s->loop, tdm_span_audio_fd(s->span), GW_READ, on_audio, s, &s->audio_w)) < 0) {
		LOG_E(TAG, "cannot start PRI: %s", strerror(-rc));
		sim_stop(s);
		return;
	}
	s->next_tick = now_ms() + FRAME_MS;
	gw_timer_start(s->clock, FRAME_MS);
}

static void on_listen(void *arg, int revents)
{
	struct sim *s = arg;
	int rc;

	(void)revents;
	if (s->span)
		return;
	rc = tdm_virtual_accept(s->lst, &s->o.span, &s->span);
	if (rc == -EAGAIN)
		return;
	if (rc < 0) {
		LOG_E(TAG, "accept: %s", strerror(-rc));
		sim_stop(s);
		return;
	}
	start_span(s);
}

static void on_signal(void *arg, int revents)
{
	struct sim *s = arg;
	struct signalfd_siginfo si;

	(void)revents;
	if (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		LOG_N(TAG, "signal %u: stopping", si.ssi_signo);
	sim_stop(s);
}

static void on_deadline(void *arg)
{
	struct sim *s = arg;

	LOG_E(TAG, "timeout after %d s", s->o.timeout_s);
	s->timed_out = 1;
	sim_stop(s);
}

static int sim_setup(struct sim *s)
{
	int rc, dfd, afd;
	sigset_t set;

	if ((rc = gw_loop_new(&s->loop)) < 0)
		return rc;
	for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++) {
		s->calls[ch].sim = s;
		s->calls[ch].ch = ch;
		if ((rc = gw_timer_new(s->loop, on_answer_timer, &s->calls[ch], &s->calls[ch].answer_timer)) < 0 ||
		    (rc = gw_timer_new(s->loop, on_hangup_timer, &s->calls[ch], &s->calls[ch].hangup_timer)) < 0)
			return rc;
	}
	if ((rc = gw_timer_new(s->loop, on_clock, s, &s->clock)) < 0 ||
	    (rc = gw_timer_new(s->loop, on_deadline, s, &s->deadline)) < 0)
		return rc;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return -errno;
	if ((rc = gw_watch_new(s->loop, s->sigfd, GW_READ, on_signal, s, &s->sig_w)) < 0)
		return rc;
	if ((rc = tdm_virtual_listen(s->o.dchan, s->o.audio, &s->lst)) < 0) {
		LOG_E(TAG, "cannot listen on %s and %s: %s", s->o.dchan, s->o.audio, strerror(-rc));
		return rc;
	}
	tdm_virtual_listen_fds(s->lst, &dfd, &afd);
	if ((rc = gw_watch_new(s->loop, dfd, GW_READ, on_listen, s, &s->lw_d)) < 0 ||
	    (rc = gw_watch_new(s->loop, afd, GW_READ, on_listen, s, &s->lw_a)) < 0)
		return rc;
	if (s->o.timeout_s > 0)
		gw_timer_start(s->deadline, (unsigned)s->o.timeout_s * 1000);
	printf("pstnsim: listening dchan=%s audio=%s\n", s->o.dchan, s->o.audio);
	fflush(stdout);
	return 0;
}

static void sim_teardown(struct sim *s)
{
	gw_pri_free(s->pri);
	gw_watch_free(s->audio_w);
	gw_watch_free(s->lw_d);
	gw_watch_free(s->lw_a);
	gw_watch_free(s->sig_w);
	tdm_virtual_listener_free(s->lst);
	tdm_span_free(s->span);
	for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++) {
		gw_timer_free(s->calls[ch].answer_timer);
		gw_timer_free(s->calls[ch].hangup_timer);
	}
	gw_timer_free(s->clock);
	gw_timer_free(s->deadline);
	if (s->sigfd >= 0)
		close(s->sigfd);
	gw_loop_free(s->loop);
}

static void summary(const struct sim *s, int ok)
{
	const struct tdm_span_stats *st = s->span ? tdm_span_stats(s->span) : NULL;
	unsigned long tx = 0, rx = 0;

	for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS; ch++) {
		tx += s->calls[ch].tx;
		rx += s->calls[ch].rx;
	}
	/* One machine-readable line: key=value, space-separated. */
	printf("pstnsim: summary result=%s link_ups=%d calls_in=%lu calls_out=%lu answered=%lu rejected=%lu "
	       "released=%lu last_cause=%d audio_tx=%lu audio_rx=%lu active_ms=%lld rx_bytes_per_s=%lld "
	       "tone_ratio=%.2f setup_ms_max=%lld d_rx=%lu d_tx=%lu d_bad=%lu b_bad=%lu\n",
	       ok ? "ok" : (s->timed_out ? "timeout" : "error"), s->link_ups, s->calls_in, s->calls_out, s->answered,
	       s->rejected, s->released, s->last_cause, tx, rx, s->active_ms,
	       s->active_ms > 0 ? (long long)rx * 1000 / s->active_ms : 0,
	       s->total_energy > 0 ? s->tone_energy / s->total_energy : 0, s->setup_ms_max, st ? st->d_rx : 0,
	       st ? st->d_tx : 0, st ? st->d_bad : 0, st ? st->b_bad : 0);
	fflush(stdout);
}

/* --- Options ----------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: pstnsim --dchan PATH --audio PATH [options]\n"
		   "The carrier side of a virtual PRI span: listens on two SOCK_SEQPACKET paths\n"
		   "(the gateway connects), runs libpri in network mode and clocks the audio.\n"
		   "  --dchan PATH          D-channel socket (Q.921 frames)\n"
		   "  --audio PATH          B-channel audio socket ([channel][bytes])\n"
		   "  --type e1|t1          span type (default e1)\n"
		   "  --law alaw|ulaw       companding (default: alaw on E1, ulaw on T1)\n"
		   "  --switch NAME         ni2 dms100 5ess 4ess euroisdn_e1 euroisdn_t1 qsig\n"
		   "                        (default: euroisdn_e1 on E1, ni2 on T1)\n"
		   "  --on-call ACTION      incoming calls: answer[:MS] (default answer:0),\n"
		   "                        ring (alert, never answer), reject:CAUSE\n"
		   "  --hangup-after MS     clear answered calls after MS (cause 16); 0 = never\n"
		   "  --tone HZ             tone sent into answered calls (default 1004; 0 = silence)\n"
		   "  --originate K         place K calls once the link is up\n"
		   "  --to NUMBER           called number for --originate\n"
		   "  --from NUMBER         calling number for --originate\n"
		   "  --calls N             exit after N calls have been released\n"
		   "  --timeout S           give up after S seconds (exit status 2)\n"
		   "  --pri-debug BITS      libpri debug bits (e.g. 0x60: Q.931 dump and state)\n"
		   "  --log-level LEVEL     err .. debug (default notice), to stderr\n"
		   "  --help\n"
		   "Prints one line per call and a summary line (key=value) at exit.\n");
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_on_call(const char *s, struct opts *o)
{
	if (strcmp(s, "answer") == 0) {
		o->on_call = ON_CALL_ANSWER;
		o->answer_ms = 0;
		return 0;
	}
	if (strncmp(s, "answer:", 7) == 0) {
		o->on_call = ON_CALL_ANSWER;
		return parse_int(s + 7, 0, 600000, &o->answer_ms);
	}
	if (strcmp(s, "ring") == 0) {
		o->on_call = ON_CALL_RING;
		return 0;
	}
	if (strncmp(s, "reject:", 7) == 0) {
		o->on_call = ON_CALL_REJECT;
		return parse_int(s + 7, 1, 127, &o->reject_cause);
	}
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o, int *log_lvl)
{
	static const struct option lo[] = {{"dchan", required_argument, NULL, 'd'},
					   {"audio", required_argument, NULL, 'a'},
					   {"type", required_argument, NULL, 't'},
					   {"law", required_argument, NULL, 'l'},
					   {"switch", required_argument, NULL, 's'},
					   {"on-call", required_argument, NULL, 'c'},
					   {"hangup-after", required_argument, NULL, 'H'},
					   {"tone", required_argument, NULL, 'T'},
					   {"originate", required_argument, NULL, 'o'},
					   {"to", required_argument, NULL, 'n'},
					   {"from", required_argument, NULL, 'f'},
					   {"calls", required_argument, NULL, 'N'},
					   {"timeout", required_argument, NULL, 'x'},
					   {"pri-debug", required_argument, NULL, 'D'},
					   {"log-level", required_argument, NULL, 'L'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	const char *law = NULL, *sw = NULL;
	int c, bad = 0, tone = 1004;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dchan = optarg;
			break;
		case 'a':
			o->audio = optarg;
			break;
		case 't':
			bad |= tdm_span_type_parse(optarg, &o->span.type) < 0;
			break;
		case 'l':
			law = optarg;
			break;
		case 's':
			sw = optarg;
			break;
		case 'c':
			bad |= parse_on_call(optarg, o) < 0;
			break;
		case 'H':
			bad |= parse_int(optarg, 0, 86400000, &o->hangup_ms) < 0;
			break;
		case 'T':
			bad |= parse_int(optarg, 0, 3999, &tone) < 0;
			break;
		case 'o':
			bad |= parse_int(optarg, 0, 1000000, &o->originate) < 0;
			break;
		case 'n':
			o->to = optarg;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 'N':
			bad |= parse_int(optarg, 0, 1000000, &o->calls) < 0;
			break;
		case 'x':
			bad |= parse_int(optarg, 0, 86400, &o->timeout_s) < 0;
			break;
		case 'D':
			bad |= parse_int(optarg, 0, 0xffff, &o->pri.debug) < 0;
			break;
		case 'L':
			bad |= log_level_parse(optarg, log_lvl) < 0;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
		if (bad) {
			fprintf(stderr, "pstnsim: bad option value '%s'\n", optarg);
			return -EINVAL;
		}
	}
	o->tone_hz = tone;
	if (optind < argc || !o->dchan || !o->audio) {
		fprintf(stderr, "pstnsim: --dchan and --audio are required\n");
		return -EINVAL;
	}
	if (o->originate > 0 && !o->to) {
		fprintf(stderr, "pstnsim: --originate needs --to\n");
		return -EINVAL;
	}
	o->span.law = o->span.type == TDM_SPAN_T1 ? TDM_LAW_ULAW : TDM_LAW_ALAW;
	if (law && tdm_span_law_parse(law, &o->span.law) < 0) {
		fprintf(stderr, "pstnsim: unknown law '%s' (alaw, ulaw)\n", law);
		return -EINVAL;
	}
	o->pri.sw = o->span.type == TDM_SPAN_T1 ? GW_PRI_SW_NI2 : GW_PRI_SW_EUROISDN_E1;
	if (sw && gw_pri_switch_parse(sw, &o->pri.sw) < 0) {
		fprintf(stderr, "pstnsim: unknown switch type '%s'\n", sw);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sim *s = calloc(1, sizeof(*s));
	int rc, lvl = LOG_NOTICE, ok;

	if (!s)
		return 1;
	s->sigfd = -1;
	s->o.span.id = 1;
	s->o.pri.node = GW_PRI_NETWORK;
	if (parse_opts(argc, argv, &s->o, &lvl) < 0) {
		usage(stderr);
		free(s);
		return 1;
	}
	log_setup("pstnsim", LOG_TARGET_STDERR, lvl, 0);
	s->to_originate = s->o.originate;
	rc = sim_setup(s);
	if (rc == 0)
		gw_loop_run(s->loop);
	ok = rc == 0 && !s->timed_out;
	summary(s, ok);
	sim_teardown(s);
	free(s);
	return ok ? 0 : (rc == 0 ? 2 : 1);
}
