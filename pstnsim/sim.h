/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's private header: the simulator, its spans and calls, shared by the files of pstnsim/. */
#ifndef TANDEM_PSTNSIM_SIM_H
#define TANDEM_PSTNSIM_SIM_H

#include "gateway/loop.h"
#include "gateway/pri_glue.h"
#include "gateway/tdm_span.h"
#include "pstnsim/media.h"
#include "pstnsim/rules.h"

#include <stdio.h>

#define SIM_TAG        "pstnsim"
#define SIM_FRAME      160 /* 20 ms at 8 kHz */
#define SIM_FRAME_MS   20
#define SIM_MAX_SPANS  64
#define SIM_MAX_CLIPS  64    /* distinct files to play */
#define SIM_MAX_TO     64    /* numbers in --to */
#define SIM_MAX_CAUSE  128   /* Q.850 causes are 1..127 */
#define SIM_JSON_CALLS 10000 /* per-call records kept for --json */

#define SIM_MAX_SERVICE 8 /* --service options */

/* --service in|out:CH@DELAY: a SERVICE message DELAY after a link is up. */
struct sim_service {
	int in, ch, delay_ms;
	struct gw_timer *timer;
	struct sim *sim;
};

/* One span as the command line names it. */
struct sim_span_opt {
	char name[32];
	const char *dchan, *audio;
};

struct sim_opts {
	struct sim_span_opt spans[SIM_MAX_SPANS];
	int nspans;
	int connect; /* connect to the paths (as a gateway does) instead of listening */
	struct tdm_span_config span;
	struct gw_pri_config pri;
	struct sim_actions base; /* --on-call, --tone, --hangup-after */
	struct sim_rules rules;  /* incoming calls */
	struct sim_actions out;  /* outgoing calls (--out-actions onto base) */
	const char *to[SIM_MAX_TO];
	int nto;
	const char *from, *json, *pcap;
	int to_plan, from_plan, from_pres; /* Q.931 plan (ton << 4 | npi) and presentation of outgoing calls */
	const char *redirecting;           /* --redirecting: outgoing calls' redirecting number, NULL: none */
	int redirecting_reason;            /* its Q.931 reason code */
	struct sim_service service[SIM_MAX_SERVICE];
	int nservice;
	int ignore_disconnect;            /* a broken far end: DISCONNECT is never answered with RELEASE */
	int number_length, interdigit_ms; /* overlap receiving (o.pri.overlap): when a number is complete */
	const char *glare_span;           /* --glare SPAN:CH: SETUPs received there cross with one of ours */
	int glare_ch;
	int originate, calls, timeout_s, concurrency, quiet;
	double rate; /* calls per second; 0: as fast as channels allow */
};

struct sim;
struct sim_span;

struct sim_call {
	struct sim_span *sp;
	int ch, in_call, active, outgoing, alerted, cause;
	unsigned long seq;
	char called[64], calling[64];
	int called_plan, calling_plan, calling_pres; /* as received (incoming) or sent (outgoing) */
	int info_msgs;                               /* overlap receiving: INFORMATION messages with digits */
	int collecting;                              /* overlap receiving: waiting for more digits */
	struct gw_pri_setup setup;                   /* while collecting: the SETUP, digits so far */
	struct gw_timer *digit_timer;                /* the inter-digit timer */
	char redirecting[64];                        /* incoming: the redirecting number, "" if none */
	int redirecting_reason;                      /* and its Q.931 reason, -1 if none */
	const struct sim_actions *act;               /* owned by the options, live until exit */
	long long t_setup, t_active;
	unsigned long tx, rx;
	struct gw_timer *answer_timer; /* answer, no-answer or cancel */
	struct gw_timer *hangup_timer;
	struct sim_media *media;
	int fax_ended; /* the fax's T.30 is over: the call is being cleared */
};

struct sim_span {
	struct sim *sim;
	int idx;
	const struct sim_span_opt *opt;
	struct tdm_span_config cfg;
	struct tdm_virtual_listener *lst;
	struct gw_watch *lw_d, *lw_a, *audio_w;
	struct gw_timer *retry; /* --connect: try again */
	struct tdm_span *span;
	struct gw_pri *pri;
	int link_up, closed;
	unsigned long calls_in, calls_out, answered;
	struct sim_call calls[TDM_SPAN_MAX_CHANNELS + 1];
};

/* One finished call, for the JSON summary. */
struct sim_record {
	int span, ch, outgoing, cause, answered, alerted;
	int called_plan, calling_plan, calling_pres, info_msgs, redirecting_reason;
	char redirecting[64];
	long long active_ms;
	unsigned long tx, rx;
	char called[64], calling[64], dtmf[SIM_DIGITS_MAX];
};

struct sim {
	struct sim_opts o;
	struct gw_loop *loop;
	struct gw_watch *sig_w;
	struct gw_timer *clock, *deadline, *orig_timer, *linger;
	struct sim_span spans[SIM_MAX_SPANS];
	struct sim_clip *clips[SIM_MAX_CLIPS]; /* loaded play files, by first use */
	const char *clip_paths[SIM_MAX_CLIPS];
	int nclips;
	int sigfd, link_ups, timed_out, stopping, to_originate, next_span, next_to, out_active;
	long long next_tick;
	unsigned long seq;
	/* for the summary */
	unsigned long calls_in, calls_out, answered, rejected, released, setup_failed, failed, alerted;
	unsigned long audio_tx, audio_rx, dtmf_calls;
	unsigned long causes[SIM_MAX_CAUSE], failed_causes[SIM_MAX_CAUSE];
	long long active_ms, setup_ms_max;
	int last_cause;
	double tone_energy, total_energy;
	char dtmf[1024]; /* every digit heard, in order */
	struct sim_record *records;
	size_t nrecords;
};

long long sim_now_ms(void);
void sim_stop(struct sim *s);

/* pstnsim/calls.c: PRI events, rules, originating. */
extern const struct gw_pri_events sim_pri_events; /* arg: the struct sim_span */
int sim_calls_setup(struct sim *s);
void sim_calls_teardown(struct sim *s);
void sim_originate(struct sim *s);
void sim_call_feed(struct sim_call *c, const uint8_t *buf, size_t len);

/* pstnsim/spans.c: listening or connecting, the audio clock. */
int sim_spans_setup(struct sim *s);
void sim_spans_teardown(struct sim *s);

/* pstnsim/report.c: the summary (text, JSON). */
void sim_report_call(struct sim *s, const struct sim_call *c);
void sim_report_text(const struct sim *s, int ok, FILE *f);
int sim_report_json(const struct sim *s, int ok, const char *path);

/* Expand %s (span name), %c (channel), %n (call number), %% in a path
 * template. 0 or -ENAMETOOLONG. */
int sim_expand(const char *tmpl, const char *span, int ch, unsigned long n, char *out, size_t size);

#endif
