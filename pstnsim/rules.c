/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's rules: parse "PATTERN=ACTION,ACTION..." and pick the rule for a called number. */
#include "config.h"

#include "pstnsim/rules.h"

#include "common/errbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errbuf_vset(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_num(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int sim_duration_parse(const char *s, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0 || v > 86400000)
		return -EINVAL;
	if (strcmp(end, "s") == 0) {
		if (v > 86400)
			return -EINVAL;
		v *= 1000;
	} else if (*end && strcmp(end, "ms") != 0) {
		return -EINVAL;
	}
	*ms = (int)v;
	return 0;
}

static int copy_str(char *dst, size_t size, const char *src)
{
	if (!*src || strlen(src) >= size)
		return -EINVAL;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* Q.23 keypad digits plus the fourth column (A-D). */
static int parse_dtmf(const char *arg, struct sim_actions *a)
{
	char buf[SIM_DIGITS_MAX + 16], *at;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	a->dtmf_ms = 0;
	if ((at = strchr(buf, '@'))) {
		*at++ = '\0';
		if (sim_duration_parse(at, &a->dtmf_ms) < 0)
			return -EINVAL;
	}
	for (const char *p = buf; *p; p++)
		if (!isdigit((unsigned char)*p) && !strchr("*#ABCDabcd", *p))
			return -EINVAL;
	return copy_str(a->dtmf, sizeof(a->dtmf), buf);
}

/* One action: NAME or NAME:ARG. */
static int parse_one(char *tok, struct sim_actions *a)
{
	char *arg = strchr(tok, ':');
	int rc = 0;

	if (arg)
		*arg++ = '\0';
#define NOARG()                         \
	do {                            \
		if (arg)                \
			return -EINVAL; \
	} while (0)
#define NEEDARG()                       \
	do {                            \
		if (!arg)               \
			return -EINVAL; \
	} while (0)
	if (strcmp(tok, "answer") == 0) {
		a->disp = SIM_ANSWER;
		a->answer_ms = 0;
		if (arg)
			rc = sim_duration_parse(arg, &a->answer_ms);
	} else if (strcmp(tok, "ring") == 0) {
		NOARG();
		a->disp = SIM_RING;
	} else if (strcmp(tok, "inband") == 0) {
		NOARG();
		a->inband = 1;
	} else if (strcmp(tok, "busy") == 0 || strcmp(tok, "congestion") == 0 || strcmp(tok, "unallocated") == 0) {
		NOARG();
		a->disp = SIM_REJECT;
		a->cause = tok[0] == 'b' ? 17 : tok[0] == 'c' ? 34 : 1; /* Q.850 */
	} else if (strcmp(tok, "cause") == 0 || strcmp(tok, "reject") == 0) {
		NEEDARG();
		a->disp = SIM_REJECT;
		rc = parse_num(arg, 1, 127, &a->cause);
	} else if (strcmp(tok, "noanswer") == 0) {
		a->disp = SIM_NOANSWER;
		a->cause = 19;
		a->noanswer_ms = 0;
		if (arg)
			rc = sim_duration_parse(arg, &a->noanswer_ms);
	} else if (strcmp(tok, "hangup") == 0) {
		NEEDARG();
		rc = sim_duration_parse(arg, &a->hangup_ms);
	} else if (strcmp(tok, "cancel") == 0) {
		NEEDARG();
		rc = sim_duration_parse(arg, &a->cancel_ms);
	} else if (strcmp(tok, "tone") == 0) {
		char *at, *end;

		NEEDARG();
		a->src = SIM_SRC_TONE;
		a->tone_level = 0;
		if ((at = strchr(arg, '@'))) {
			*at++ = '\0';
			errno = 0;
			a->tone_dbm0 = strtod(at, &end);
			if (errno || end == at || *end || !(a->tone_dbm0 >= -60 && a->tone_dbm0 <= 3))
				return -EINVAL;
			a->tone_level = 1;
		}
		rc = parse_num(arg, 0, 3999, &a->tone_hz);
	} else if (strcmp(tok, "silence") == 0) {
		NOARG();
		a->src = SIM_SRC_SILENCE;
	} else if (strcmp(tok, "echo") == 0) {
		a->src = SIM_SRC_ECHO;
		a->echo_line = 0;
		a->echo_delay_ms = a->echo_level_db = 0;
		if (arg) {
			/* echo:DELAY[:LEVEL]: a hybrid's echo, DELAY ms late, LEVEL dB down */
			char *lvl = strchr(arg, ':');

			if (lvl)
				*lvl++ = '\0';
			a->echo_line = 1;
			rc = sim_duration_parse(arg, &a->echo_delay_ms);
			if (rc == 0 && (a->echo_delay_ms < 0 || a->echo_delay_ms > 500))
				rc = -EINVAL;
			if (rc == 0 && lvl)
				rc = parse_num(lvl, -60, 0, &a->echo_level_db);
		}
	} else if (strcmp(tok, "play") == 0) {
		NEEDARG();
		a->src = SIM_SRC_PLAY;
		rc = copy_str(a->play, sizeof(a->play), arg);
	} else if (strcmp(tok, "fax-send") == 0 || strcmp(tok, "fax-recv") == 0) {
		NEEDARG();
		a->src = tok[4] == 's' ? SIM_SRC_FAX_SEND : SIM_SRC_FAX_RECV;
		rc = copy_str(a->fax, sizeof(a->fax), arg);
	} else if (strcmp(tok, "fax-again") == 0) {
		NEEDARG();
		rc = sim_duration_parse(arg, &a->fax_again_ms);
		if (rc == 0 && a->fax_again_ms <= 0)
			rc = -EINVAL; /* the pause between the two faxes */
	} else if (strcmp(tok, "record") == 0) {
		NEEDARG();
		rc = copy_str(a->record, sizeof(a->record), arg);
	} else if (strcmp(tok, "dtmf") == 0) {
		NEEDARG();
		rc = parse_dtmf(arg, a);
	} else if (strcmp(tok, "detect") == 0) {
		NOARG();
		a->detect = 1;
	} else {
		return -EINVAL;
	}
#undef NOARG
#undef NEEDARG
	return rc;
}

int sim_actions_parse(const char *text, struct sim_actions *a, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char name[64];

		snprintf(name, sizeof(name), "%s", tok);
		if (parse_one(tok, a) < 0) {
			rc = fail(err, errlen, "bad action '%s'", name);
			break;
		}
	}
	free(copy);
	return rc;
}

int sim_rules_add(struct sim_rules *r, const char *spec, const struct sim_actions *base, char *err, size_t errlen)
{
	struct sim_actions act = *base;
	struct sim_rule *v;
	const char *sep = spec + strcspn(spec, "= \t");
	size_t plen = (size_t)(sep - spec);
	char pattern[64];
	int rc;

	if (!*sep || plen == 0 || plen >= sizeof(pattern))
		return fail(err, errlen, "bad rule '%s' (PATTERN=ACTIONS)", spec);
	memcpy(pattern, spec, plen);
	pattern[plen] = '\0';
	sep += strspn(sep, "= \t");
	if ((rc = sim_actions_parse(sep, &act, err, errlen)) < 0)
		return rc;
	if (strcmp(pattern, "default") == 0 || strcmp(pattern, "*") == 0) {
		r->dflt = act;
		return 0;
	}
	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	v = &r->v[r->n++];
	memset(v, 0, sizeof(*v));
	v->prefix = pattern[plen - 1] == '*';
	if (v->prefix)
		pattern[plen - 1] = '\0';
	memcpy(v->pattern, pattern, sizeof(v->pattern));
	v->act = act;
	return 0;
}

int sim_rules_load(struct sim_rules *r, const char *path, const struct sim_actions *base, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024], msg[256];
	int rc = 0, n = 0;

	if (!f) {
		rc = -errno;
		fail(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t"), *end;

		n++;
		if ((end = strchr(p, '#')))
			*end = '\0';
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*p)
			continue;
		if ((rc = sim_rules_add(r, p, base, msg, sizeof(msg))) < 0)
			fail(err, errlen, "%s:%d: %s", path, n, msg);
	}
	fclose(f);
	return rc;
}

const struct sim_actions *sim_rules_match(const struct sim_rules *r, const char *called)
{
	const struct sim_rule *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct sim_rule *x = &r->v[i];
		size_t len = strlen(x->pattern);

		if (!x->prefix && strcmp(x->pattern, called) == 0)
			return &x->act;
		if (x->prefix && strncmp(x->pattern, called, len) == 0 && (!best || len > best_len)) {
			best = x;
			best_len = len;
		}
	}
	return best ? &best->act : &r->dflt;
}

void sim_rules_free(struct sim_rules *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
