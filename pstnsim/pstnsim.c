/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim: the carrier (or gateway) side of virtual PRI spans: rules per called number, audio, load. */
#include "config.h"

#include "common/log.h"
#include "pstnsim/sim.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULE_ARGS 256

/* Long options without a one-letter code. */
enum {
	OPT_TO_TON = 256,
	OPT_FROM_TON,
	OPT_FROM_PRES,
	OPT_REDIRECTING,
	OPT_SERVICE,
	OPT_IGNORE_DISCONNECT,
	OPT_OVERLAP,
	OPT_NUMBER_LENGTH,
	OPT_INTERDIGIT,
	OPT_OVERLAP_SEND,
	OPT_GLARE
};

long long sim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sim_stop(struct sim *s)
{
	gw_loop_stop(s->loop);
}

/* --- Signals, deadline ------------------------------------------------------ */

static void on_signal(void *arg, int revents)
{
	struct sim *s = arg;
	struct signalfd_siginfo si;

	(void)revents;
	if (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		LOG_N(SIM_TAG, "signal %u: stopping", si.ssi_signo);
	sim_stop(s);
}

static void on_deadline(void *arg)
{
	struct sim *s = arg;

	LOG_E(SIM_TAG, "timeout after %d s", s->o.timeout_s);
	s->timed_out = 1;
	sim_stop(s);
}

static int sim_setup(struct sim *s)
{
	sigset_t set;
	int rc;

	if ((rc = gw_loop_new(&s->loop)) < 0)
		return rc;
	if ((rc = gw_timer_new(s->loop, on_deadline, s, &s->deadline)) < 0 || (rc = sim_calls_setup(s)) < 0)
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
	if ((rc = sim_spans_setup(s)) < 0)
		return rc;
	if (s->o.timeout_s > 0)
		gw_timer_start(s->deadline, (unsigned)s->o.timeout_s * 1000);
	return 0;
}

static void sim_teardown(struct sim *s)
{
	if (!s->loop)
		return;
	sim_spans_teardown(s);
	sim_calls_teardown(s);
	gw_watch_free(s->sig_w);
	gw_timer_free(s->deadline);
	if (s->sigfd >= 0)
		close(s->sigfd);
	gw_loop_free(s->loop);
}

/* --- Options ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pstnsim --dchan PATH --audio PATH [options]\n"
		"       pstnsim --span NAME:DCHAN:AUDIO [--span ...] [options]\n"
		"The far end of virtual PRI spans: by default the carrier (libpri network side)\n"
		"listening on two SOCK_SEQPACKET paths per span (the gateway connects); it\n"
		"answers, rejects or rings by called number, plays, records, echoes, sends and\n"
		"detects DTMF, originates calls at a rate, and clocks the audio.\n"
		"Spans:\n"
		"  --dchan PATH --audio PATH   one span (named span1): D-channel and audio sockets\n"
		"  --span NAME:DCHAN:AUDIO     a span; repeat for more (up to %d)\n"
		"  --connect                   connect to the paths (as a gateway does) instead of\n"
		"                              listening; retried until the listener is there\n"
		"  --node network|cpe          Q.931 side (default network; cpe with --connect)\n"
		"  --type e1|t1                span type (default e1)\n"
		"  --law alaw|ulaw             companding (default: alaw on E1, ulaw on T1)\n"
		"  --switch NAME               ni2 dms100 5ess 4ess euroisdn_e1 euroisdn_t1 qsig\n"
		"                              (default: euroisdn_e1 on E1, ni2 on T1)\n"
		"  --service in|out:CH@DELAY   send SERVICE (5ess, 4ess, ni2) for channel CH, DELAY\n"
		"                              after a link is up (e.g. out:1@1s); repeatable (%d)\n"
		"  --ignore-disconnect         never answer a DISCONNECT (a broken far end; the\n"
		"                              call stays until a RESTART or libpri's T305)\n"
		"  --overlap                   overlap receiving: a SETUP without Sending Complete\n"
		"                              gets SETUP ACKNOWLEDGE; digits are collected from\n"
		"                              INFORMATION until Sending Complete, --number-length\n"
		"                              digits or --interdigit without one\n"
		"  --number-length N           overlap: N digits complete a number (default 0: none)\n"
		"  --interdigit DUR            overlap: the inter-digit timer (default 5s)\n"
		"  --overlap-send N            overlap sending: SETUP with the first N digits, the\n"
		"                              rest in INFORMATION after SETUP ACKNOWLEDGE\n"
		"  --glare SPAN:CH             a SETUP received on span SPAN for channel CH crosses\n"
		"                              with one of ours: before libpri takes it, a call (to\n"
		"                              --to) goes out on CH, as if both were sent at once\n"
		"  --pace                      run each D-channel at 64 kbit/s both ways, like a\n"
		"                              real PRI (about 63 call setups per second)\n"
		"  --pcap FILE                 capture each span's D-channel (LINKTYPE_LINUX_LAPD);\n"
		"                              %%s in FILE is the span name\n"
		"Incoming calls:\n"
		"  --on-call ACTIONS           the default rule (default answer: at once, 1004 Hz tone)\n"
		"  --rule PATTERN=ACTIONS      a rule per called number; PATTERN is a number, a\n"
		"                              prefix ending in '*', or 'default'; repeatable\n"
		"  --rules FILE                rules, one 'PATTERN ACTIONS' per line, # comments\n"
		"  --hangup-after MS           clear answered calls after MS (cause 16); 0 = never\n"
		"  --tone HZ                   tone sent into answered calls (default 1004; 0 = silence)\n"
		"Outgoing calls:\n"
		"  --originate K               place K calls, starting 500 ms after a link is up\n"
		"  --to NUMBER[,NUMBER...]     called numbers, used in turn\n"
		"  --from NUMBER               calling number\n"
		"  --to-ton TON, --from-ton TON  type of number of the called / calling number:\n"
		"                              unknown international national network subscriber\n"
		"                              abbreviated, plan E.164 (default: unknown, plan unknown)\n"
		"  --from-pres PRES            the calling number's presentation: allowed, restricted\n"
		"                              or unavailable, network provided (default: allowed,\n"
		"                              user provided)\n"
		"  --redirecting NUMBER[:REASON]  a redirecting number in the SETUP (plan as\n"
		"                              --from-ton); REASON: unknown busy noreply deflection\n"
		"                              out-of-order unconditional, or a Q.931 code 0-15\n"
		"  --rate CPS                  calls per second (default: as fast as channels allow)\n"
		"  --concurrency N             at most N outgoing calls at once (default: channels)\n"
		"  --out-actions ACTIONS       what outgoing calls do once answered (audio, dtmf,\n"
		"                              detect, record, hangup, cancel)\n"
		"Actions (comma-separated; the rule's list is applied onto the defaults):\n"
		"  answer[:DUR] ring inband busy congestion unallocated noanswer[:DUR] cause:N\n"
		"  hangup:DUR cancel:DUR tone:HZ[@DBM0] silence echo[:DELAY[:DB]]\n"
		"  play:FILE record:FILE dtmf:DIGITS[@DUR] detect fax-send:TIFF fax-recv:TIFF\n"
		"  fax-again:DUR\n"
		"  DUR is milliseconds, or with a suffix: 500ms, 3s. play takes raw octets in the\n"
		"  span's law or an 8 kHz mono WAV (16-bit PCM, A-law, mu-law); record writes the\n"
		"  received octets (%%s span, %%c channel, %%n call number in FILE). tone's DBM0\n"
		"  is its level (-60..3; 0 dBm0 is a sine 3.14 dB below full scale; default -7.2).\n"
		"  fax-send runs a T.30 fax terminal (SpanDSP, calling party) sending the TIFF-F\n"
		"  file; fax-recv one answering and writing what it receives; the call is cleared\n"
		"  when T.30 ends, or with fax-again:DUR, DUR after it a second fax starts (a\n"
		"  fresh terminal, the same file) and the call is cleared when that one ends.\n"
		"Run and report:\n"
		"  --calls N                   exit after N calls have ended\n"
		"  --timeout S                 give up after S seconds (exit status 2)\n"
		"  --json FILE                 write the summary as JSON at exit\n"
		"  --quiet                     no per-call or per-digit lines\n"
		"  --pri-debug BITS            libpri debug bits (e.g. 0x60: Q.931 dump and state)\n"
		"  --log-level LEVEL           err .. debug (default notice), to stderr\n"
		"  --help\n"
		"Prints one line per call, one per DTMF digit heard, and a summary line\n"
		"(key=value) at exit. Exits when every span's far end has closed, after --calls,\n"
		"on SIGTERM/SIGINT (status 0) or at --timeout (status 2).\n",
		SIM_MAX_SPANS, SIM_MAX_SERVICE);
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

static int add_span(struct sim_opts *o, const char *name, const char *dchan, const char *audio)
{
	struct sim_span_opt *sp;

	if (o->nspans == SIM_MAX_SPANS || !*name || strlen(name) >= sizeof(sp->name) || !*dchan || !*audio)
		return -EINVAL;
	for (int i = 0; i < o->nspans; i++)
		if (strcmp(o->spans[i].name, name) == 0)
			return -EINVAL;
	sp = &o->spans[o->nspans++];
	snprintf(sp->name, sizeof(sp->name), "%s", name);
	sp->dchan = dchan;
	sp->audio = audio;
	return 0;
}

/* NAME:DCHAN:AUDIO; the argument is split in place (argv lives on). */
static int parse_span(struct sim_opts *o, char *arg)
{
	char *d = strchr(arg, ':'), *a;

	if (!d || !(a = strchr(d + 1, ':')))
		return -EINVAL;
	*d++ = '\0';
	*a++ = '\0';
	return add_span(o, arg, d, a);
}

static int parse_to(struct sim_opts *o, char *arg)
{
	char *save = NULL;

	o->nto = 0;
	for (char *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (o->nto == SIM_MAX_TO)
			return -EINVAL;
		o->to[o->nto++] = t;
	}
	return o->nto ? 0 : -EINVAL;
}

/* A type of number by name: the Q.931 plan (ton << 4 | E.164). */
static int parse_ton(const char *s, int *plan)
{
	static const struct {
		const char *name;
		int ton;
	} tons[] = {{"unknown", GW_PRI_TON_UNKNOWN},       {"international", GW_PRI_TON_INTERNATIONAL},
		    {"national", GW_PRI_TON_NATIONAL},     {"network", GW_PRI_TON_NETWORK},
		    {"subscriber", GW_PRI_TON_SUBSCRIBER}, {"abbreviated", GW_PRI_TON_ABBREVIATED}};

	for (size_t i = 0; i < sizeof(tons) / sizeof(tons[0]); i++) {
		if (strcmp(s, tons[i].name) == 0) {
			*plan = GW_PRI_PLAN(tons[i].ton, GW_PRI_NPI_E164);
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_pres(const char *s, int *pres)
{
	int p = strcmp(s, "allowed") == 0       ? GW_PRI_PRES_ALLOWED
		: strcmp(s, "restricted") == 0  ? GW_PRI_PRES_RESTRICTED
		: strcmp(s, "unavailable") == 0 ? GW_PRI_PRES_UNAVAILABLE
						: -1;

	if (p < 0)
		return -EINVAL;
	*pres = GW_PRI_PRESENTATION(p, GW_PRI_SCREEN_NETWORK);
	return 0;
}

/* NUMBER[:REASON] of --redirecting; REASON a name or a Q.931 4.5.21a
 * code (default unknown). */
static int parse_redirecting(struct sim_opts *o, char *arg)
{
	static const struct {
		const char *name;
		int code;
	} reasons[] = {{"unknown", 0},    {"busy", 1},         {"noreply", 2},
		       {"deflection", 3}, {"out-of-order", 9}, {"unconditional", 15}};
	char *colon = strchr(arg, ':');

	o->redirecting_reason = 0;
	if (colon) {
		*colon = '\0';
		o->redirecting_reason = -1;
		for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			if (strcmp(colon + 1, reasons[i].name) == 0)
				o->redirecting_reason = reasons[i].code;
		if (o->redirecting_reason < 0 && parse_int(colon + 1, 0, 15, &o->redirecting_reason) < 0)
			return -EINVAL;
	}
	if (!*arg || strlen(arg) > 31 || strspn(arg, "0123456789") != strlen(arg))
		return -EINVAL;
	o->redirecting = arg;
	return 0;
}

/* in|out:CHANNEL@DELAY, DELAY as the actions' durations (500ms, 2s). */
static int parse_service(struct sim_opts *o, const char *arg)
{
	struct sim_service *sv;
	char dir[4], dur[32];
	int ch, n = 0;

	if (o->nservice == SIM_MAX_SERVICE)
		return -E2BIG;
	sv = &o->service[o->nservice];
	if (sscanf(arg, "%3[a-z]:%d@%31s%n", dir, &ch, dur, &n) != 3 || arg[n] || ch < 1 || ch > 31 ||
	    (strcmp(dir, "in") != 0 && strcmp(dir, "out") != 0) || sim_duration_parse(dur, &sv->delay_ms) < 0)
		return -EINVAL;
	sv->in = strcmp(dir, "in") == 0;
	sv->ch = ch;
	o->nservice++;
	return 0;
}

static int parse_rate(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 10000)
		return -EINVAL;
	*out = v;
	return 0;
}

/* What the options collect before the rules can be built: rules apply
 * onto the defaults, which any later option may still change. */
struct pending {
	const char *rule[MAX_RULE_ARGS];
	int is_file[MAX_RULE_ARGS];
	int n;
	const char *law, *sw, *node, *on_call, *out, *dchan, *audio;
	int tone, hangup_ms;
};

static int parse_arg(int c, char *arg, struct sim_opts *o, struct pending *p, int *log_lvl)
{
	switch (c) {
	case 'd':
		p->dchan = arg;
		return 0;
	case 'a':
		p->audio = arg;
		return 0;
	case 'S':
		return parse_span(o, arg);
	case 'C':
		o->connect = 1;
		return 0;
	case 'm':
		p->node = arg;
		return 0;
	case 't':
		return tdm_span_type_parse(arg, &o->span.type);
	case 'l':
		p->law = arg;
		return 0;
	case 's':
		p->sw = arg;
		return 0;
	case 'c':
		p->on_call = arg;
		return 0;
	case 'r':
	case 'R':
		if (p->n == MAX_RULE_ARGS)
			return -E2BIG;
		p->is_file[p->n] = c == 'R';
		p->rule[p->n++] = arg;
		return 0;
	case 'H':
		return parse_int(arg, 0, 86400000, &p->hangup_ms);
	case 'T':
		return parse_int(arg, 0, 3999, &p->tone);
	case 'o':
		return parse_int(arg, 0, 100000000, &o->originate);
	case 'n':
		return parse_to(o, arg);
	case 'f':
		o->from = arg;
		return 0;
	case OPT_TO_TON:
		return parse_ton(arg, &o->to_plan);
	case OPT_FROM_TON:
		return parse_ton(arg, &o->from_plan);
	case OPT_FROM_PRES:
		return parse_pres(arg, &o->from_pres);
	case OPT_REDIRECTING:
		return parse_redirecting(o, arg);
	case OPT_SERVICE:
		return parse_service(o, arg);
	case OPT_IGNORE_DISCONNECT:
		o->ignore_disconnect = 1;
		return 0;
	case OPT_OVERLAP:
		o->pri.overlap = 1;
		return 0;
	case OPT_NUMBER_LENGTH:
		return parse_int(arg, 0, 63, &o->number_length);
	case OPT_INTERDIGIT:
		return sim_duration_parse(arg, &o->interdigit_ms) < 0 || o->interdigit_ms <= 0 ? -EINVAL : 0;
	case OPT_OVERLAP_SEND:
		o->pri.overlap_send = 1;
		return parse_int(arg, 0, 63, &o->pri.overlap_send_digits);
	case OPT_GLARE: {
		char *colon = strrchr(arg, ':');

		if (!colon || colon == arg)
			return -EINVAL;
		*colon = '\0';
		o->glare_span = arg;
		return parse_int(colon + 1, 1, 31, &o->glare_ch);
	}
	case 'p':
		return parse_rate(arg, &o->rate);
	case 'k':
		return parse_int(arg, 0, 100000, &o->concurrency);
	case 'O':
		p->out = arg;
		return 0;
	case 'N':
		return parse_int(arg, 0, 100000000, &o->calls);
	case 'x':
		return parse_int(arg, 0, 86400, &o->timeout_s);
	case 'j':
		o->json = arg;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	case 'P':
		o->pcap = arg;
		return 0;
	case 'W':
		o->pri.pace = 1;
		return 0;
	case 'D':
		return parse_int(arg, 0, 0xffff, &o->pri.debug);
	case 'L':
		return log_level_parse(arg, log_lvl);
	default:
		return -EINVAL;
	}
}

/* Defaults that depend on other options, then the rules. */
static int finish_opts(struct sim_opts *o, struct pending *p)
{
	char err[512];
	int rc;

	if (p->dchan || p->audio) {
		if (!p->dchan || !p->audio || add_span(o, "span1", p->dchan, p->audio) < 0) {
			fprintf(stderr, "pstnsim: --dchan and --audio go together\n");
			return -EINVAL;
		}
	}
	if (o->nspans == 0) {
		fprintf(stderr, "pstnsim: --dchan and --audio (or --span) are required\n");
		return -EINVAL;
	}
	for (int i = 0; o->glare_span && i <= o->nspans; i++) {
		if (i == o->nspans) {
			fprintf(stderr, "pstnsim: --glare: no span '%s'\n", o->glare_span);
			return -EINVAL;
		}
		if (strcmp(o->spans[i].name, o->glare_span) == 0)
			break;
	}
	if ((o->originate > 0 || o->glare_span) && o->nto == 0) {
		fprintf(stderr, "pstnsim: --originate and --glare need --to\n");
		return -EINVAL;
	}
	o->span.law = o->span.type == TDM_SPAN_T1 ? TDM_LAW_ULAW : TDM_LAW_ALAW;
	if (p->law && tdm_span_law_parse(p->law, &o->span.law) < 0) {
		fprintf(stderr, "pstnsim: unknown law '%s' (alaw, ulaw)\n", p->law);
		return -EINVAL;
	}
	o->pri.sw = o->span.type == TDM_SPAN_T1 ? GW_PRI_SW_NI2 : GW_PRI_SW_EUROISDN_E1;
	if (p->sw && gw_pri_switch_parse(p->sw, &o->pri.sw) < 0) {
		fprintf(stderr, "pstnsim: unknown switch type '%s'\n", p->sw);
		return -EINVAL;
	}
	o->pri.node = o->connect ? GW_PRI_CPE : GW_PRI_NETWORK;
	o->pri.service = 1; /* where the switch type has SERVICE messages */
	if (p->node && gw_pri_node_parse(p->node, &o->pri.node) < 0) {
		fprintf(stderr, "pstnsim: unknown node '%s' (network, cpe)\n", p->node);
		return -EINVAL;
	}
	o->base.tone_hz = p->tone;
	o->base.hangup_ms = p->hangup_ms;
	if (p->on_call && sim_actions_parse(p->on_call, &o->base, err, sizeof(err)) < 0) {
		fprintf(stderr, "pstnsim: --on-call: %s\n", err);
		return -EINVAL;
	}
	o->rules.dflt = o->base;
	o->out = o->base;
	if (p->out && sim_actions_parse(p->out, &o->out, err, sizeof(err)) < 0) {
		fprintf(stderr, "pstnsim: --out-actions: %s\n", err);
		return -EINVAL;
	}
	for (int i = 0; i < p->n; i++) {
		rc = p->is_file[i] ? sim_rules_load(&o->rules, p->rule[i], &o->base, err, sizeof(err))
				   : sim_rules_add(&o->rules, p->rule[i], &o->base, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "pstnsim: %s: %s\n", p->is_file[i] ? "--rules" : "--rule", err);
			return rc;
		}
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct sim_opts *o, int *log_lvl)
{
	static const struct option lo[] = {{"dchan", required_argument, NULL, 'd'},
					   {"audio", required_argument, NULL, 'a'},
					   {"span", required_argument, NULL, 'S'},
					   {"connect", no_argument, NULL, 'C'},
					   {"node", required_argument, NULL, 'm'},
					   {"type", required_argument, NULL, 't'},
					   {"law", required_argument, NULL, 'l'},
					   {"switch", required_argument, NULL, 's'},
					   {"on-call", required_argument, NULL, 'c'},
					   {"rule", required_argument, NULL, 'r'},
					   {"rules", required_argument, NULL, 'R'},
					   {"hangup-after", required_argument, NULL, 'H'},
					   {"tone", required_argument, NULL, 'T'},
					   {"originate", required_argument, NULL, 'o'},
					   {"to", required_argument, NULL, 'n'},
					   {"from", required_argument, NULL, 'f'},
					   {"to-ton", required_argument, NULL, OPT_TO_TON},
					   {"from-ton", required_argument, NULL, OPT_FROM_TON},
					   {"from-pres", required_argument, NULL, OPT_FROM_PRES},
					   {"redirecting", required_argument, NULL, OPT_REDIRECTING},
					   {"service", required_argument, NULL, OPT_SERVICE},
					   {"ignore-disconnect", no_argument, NULL, OPT_IGNORE_DISCONNECT},
					   {"overlap", no_argument, NULL, OPT_OVERLAP},
					   {"number-length", required_argument, NULL, OPT_NUMBER_LENGTH},
					   {"interdigit", required_argument, NULL, OPT_INTERDIGIT},
					   {"overlap-send", required_argument, NULL, OPT_OVERLAP_SEND},
					   {"glare", required_argument, NULL, OPT_GLARE},
					   {"rate", required_argument, NULL, 'p'},
					   {"concurrency", required_argument, NULL, 'k'},
					   {"out-actions", required_argument, NULL, 'O'},
					   {"calls", required_argument, NULL, 'N'},
					   {"timeout", required_argument, NULL, 'x'},
					   {"json", required_argument, NULL, 'j'},
					   {"quiet", no_argument, NULL, 'q'},
					   {"pcap", required_argument, NULL, 'P'},
					   {"pace", no_argument, NULL, 'W'},
					   {"pri-debug", required_argument, NULL, 'D'},
					   {"log-level", required_argument, NULL, 'L'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	struct pending p = {.tone = 1004};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?')
			return -EINVAL;
		if (parse_arg(c, optarg, o, &p, log_lvl) < 0) {
			fprintf(stderr, "pstnsim: bad option value '%s'\n", optarg ? optarg : "");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pstnsim: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return finish_opts(o, &p);
}

int main(int argc, char **argv)
{
	struct sim *s = calloc(1, sizeof(*s));
	int rc, lvl = LOG_NOTICE, ok, status;

	if (!s)
		return 1;
	s->sigfd = -1;
	s->o.base.disp = SIM_ANSWER;
	s->o.base.src = SIM_SRC_TONE;
	s->o.interdigit_ms = 5000;
	if (parse_opts(argc, argv, &s->o, &lvl) < 0) {
		usage(stderr);
		sim_rules_free(&s->o.rules);
		free(s);
		return 1;
	}
	log_setup("pstnsim", LOG_TARGET_STDERR, lvl, 0);
	rc = sim_setup(s);
	if (rc == 0)
		gw_loop_run(s->loop);
	ok = rc == 0 && !s->timed_out;
	sim_report_text(s, ok, stdout);
	if (s->o.json && (rc = sim_report_json(s, ok, s->o.json)) < 0) {
		LOG_E(SIM_TAG, "cannot write %s: %s", s->o.json, strerror(-rc));
		ok = 0;
	}
	status = ok ? 0 : (s->timed_out ? 2 : 1);
	sim_teardown(s);
	sim_rules_free(&s->o.rules);
	free(s->records);
	free(s);
	return status;
}
