/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's per called-number rules: what to do with a call (answer, ring, reject...) and its audio. */
#ifndef TANDEM_PSTNSIM_RULES_H
#define TANDEM_PSTNSIM_RULES_H

#include <stddef.h>

#define SIM_PATH_MAX   256
#define SIM_DIGITS_MAX 64

/* How an incoming call is met (outgoing calls ignore it). */
enum sim_disposition {
	SIM_ANSWER,   /* CALL PROCEEDING, ALERTING, CONNECT after answer_ms */
	SIM_RING,     /* CALL PROCEEDING, ALERTING, nothing more */
	SIM_REJECT,   /* cleared at once with cause */
	SIM_NOANSWER, /* ALERTING, then cleared with cause 19 after noanswer_ms */
};

/* What we send on an active call. */
enum sim_source {
	SIM_SRC_TONE,     /* a sine at tone_hz (0: silence) */
	SIM_SRC_PLAY,     /* the file play, once, then silence */
	SIM_SRC_ECHO,     /* every block received goes straight back */
	SIM_SRC_SILENCE,  /* idle code */
	SIM_SRC_FAX_SEND, /* a SpanDSP fax terminal (T.30, calling party) sends the TIFF-F file fax */
	SIM_SRC_FAX_RECV, /* a SpanDSP fax terminal (answering) receives into the file fax */
};

/* One rule's actions; copied by value (no pointers). */
struct sim_actions {
	enum sim_disposition disp;
	int answer_ms;   /* SIM_ANSWER */
	int cause;       /* SIM_REJECT (SIM_NOANSWER: 19) */
	int noanswer_ms; /* SIM_NOANSWER */
	int hangup_ms;   /* clear an active call after this (cause 16); 0 = never */
	int cancel_ms;   /* outgoing: give up if not answered by then (16); 0 = never */
	enum sim_source src;
	int tone_hz;
	int echo_delay_ms; /* SIM_SRC_ECHO with a line model: this much later (0..500 ms) ... */
	int echo_level_db; /* ... at this level (-60..0 dB); both 0 and !echo_line: byte for byte */
	int echo_line;     /* echo:DELAY[:LEVEL] was given */
	int tone_level;    /* tone_dbm0 was given (else the default amplitude, 10000: about -7.2 dBm0) */
	double
	    tone_dbm0; /* the tone's level, dBm0 (-60..+3; 0 dBm0: a sine of peak 22786, G.711's 3.14 dB below clip) */
	char play[SIM_PATH_MAX];   /* raw bytes in the span's law, or .wav */
	char record[SIM_PATH_MAX]; /* received audio; %s span, %c channel, %n call */
	char dtmf[SIM_DIGITS_MAX]; /* digits to send once active */
	int dtmf_ms;               /* ... this long after the call became active */
	int detect;                /* report the DTMF digits received */
	int inband;                /* PROGRESS (in-band information) instead of ALERTING */
	char fax[SIM_PATH_MAX];    /* SIM_SRC_FAX_*: the TIFF-F page(s) to send, or where to write what arrives */
	int fax_again_ms;          /* > 0: a second fax in the call, this long after the first's T.30 ended */
};

struct sim_rule {
	char pattern[64]; /* without the trailing '*' */
	int prefix;       /* the pattern ended with '*' */
	struct sim_actions act;
};

/* The rule set; dflt applies when nothing matches. */
struct sim_rules {
	struct sim_rule *v;
	size_t n;
	struct sim_actions dflt;
};

/* Apply a comma-separated list of actions onto *a (what the list does
 * not name stays as it was), e.g. "answer:200,dtmf:123#@500,hangup:3s".
 * Durations are milliseconds, or with an "ms" or "s" suffix. 0, or
 * -EINVAL with a message in err. */
int sim_actions_parse(const char *text, struct sim_actions *a, char *err, size_t errlen);

/* Add "PATTERN=ACTIONS" (or "PATTERN ACTIONS"), the actions applied onto
 * *base. PATTERN is a number, a prefix ending in '*', or "default" / "*"
 * (sets r->dflt). 0, -EINVAL (err says why) or -ENOMEM. */
int sim_rules_add(struct sim_rules *r, const char *spec, const struct sim_actions *base, char *err, size_t errlen);
/* Add one rule per line of a file; blank lines and '#' comments are
 * skipped. 0, -errno, or -EINVAL (err names the line). */
int sim_rules_load(struct sim_rules *r, const char *path, const struct sim_actions *base, char *err, size_t errlen);
/* The actions for a called number: an exact rule, else the longest
 * matching prefix, else the default. Owned by r. */
const struct sim_actions *sim_rules_match(const struct sim_rules *r, const char *called);
void sim_rules_free(struct sim_rules *r);

/* A duration: "250", "250ms", "3s". 0 or -EINVAL. */
int sim_duration_parse(const char *s, int *ms);

#endif
