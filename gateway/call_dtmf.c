/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DTMF between a call's SIP side and its B-channel as the SIP peer's
 * dtmf_mode says (docs/media.md, "DTMF"): RFC 4733 and in-band are the
 * media workers' (the PRI leg's SDP says which); in 'info' mode digits
 * heard on the B-channel go out as SIP INFO (application/dtmf-relay), and
 * INFOs received in any mode are played as tones on the B-channel. A
 * SIP <-> SIP call relays an INFO to the other leg instead. */
#include "config.h"

#include "gateway/call_int.h"

#include "db/directory.h"
#include "gateway/call_media.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DTMF_INFO_MS 160 /* the Duration we announce: what the B-channel's tone lasted, about */

const char *call_pri_sdp(struct call *c, struct leg *pri_leg, const char *remote_sdp, char *buf, size_t len)
{
	int srtp = pri_leg == &c->a ? c->b_srtp : c->a_srtp;
	int dtmf = pri_leg == &c->a ? c->b_dtmf : c->a_dtmf;

	return call_media_sdp(c->calls->media, c->uuid, pri_leg->span, pri_leg->ch, remote_sdp, srtp, dtmf, buf, len);
}

/* RFC 4733 event codes 0-15 as keypad characters. */
static char code_digit(long code)
{
	static const char digits[] = "0123456789*#ABCD";

	return code >= 0 && code < 16 ? digits[code] : 0;
}

/* One signal: a keypad character, or its event code ("10" is '*'). */
static char parse_signal(const char *p, const char *end)
{
	char tmp[8], *e;
	size_t n;
	long code;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (n = 0; p + n < end && !isspace((unsigned char)p[n]); n++)
		;
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (n == 1 && strchr("0123456789*#ABCDabcd", tmp[0]))
		return (char)toupper((unsigned char)tmp[0]);
	code = strtol(tmp, &e, 10);
	return *e ? 0 : code_digit(code);
}

/* Whether a Content-Type value (parameters and all) is of type. */
static int is_type(const char *ctype, const char *type)
{
	size_t n = strlen(type);

	return strncasecmp(ctype, type, n) == 0 && (!ctype[n] || ctype[n] == ';' || isspace((unsigned char)ctype[n]));
}

/* The digit of an INFO body: application/dtmf-relay ("Signal=5" on a
 * line of its own, case-insensitive) or application/dtmf (the digit or
 * its code alone). 1 and *digit, 0 when the body holds none, -1 when the
 * type is neither. */
int call_dtmf_parse(const struct gw_sip_body *b, char *digit)
{
	const char *p, *end;

	if (!b->ctype)
		return -1;
	if (!b->data)
		return 0;
	p = (const char *)b->data;
	end = p + b->len;
	if (is_type(b->ctype, "application/dtmf")) {
		*digit = parse_signal(p, end);
		return *digit ? 1 : 0;
	}
	if (!is_type(b->ctype, "application/dtmf-relay"))
		return -1;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;

		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (le - p > 6 && strncasecmp(p, "signal", 6) == 0) {
			const char *q = p + 6;

			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			if (q < le && *q == '=') {
				*digit = parse_signal(q + 1, le > q + 1 && le[-1] == '\r' ? le - 1 : le);
				return *digit ? 1 : 0;
			}
		}
		p = eol ? eol + 1 : end;
	}
	return 0;
}

static struct call *call_by_uuid(struct gw_calls *calls, const char *uuid)
{
	for (struct call *c = calls->list; c; c = c->next)
		if (strcmp(c->uuid, uuid) == 0)
			return c;
	return NULL;
}

/* The other SIP leg of an answered SIP <-> SIP call, or NULL. */
static struct leg *sip_peer(struct call *c, const struct gw_sip_leg *leg)
{
	if (c->state != CS_ANSWERED || c->a.kind != LEG_SIP || c->b.kind != LEG_SIP)
		return NULL;
	if (c->a.sip == leg)
		return c->b.live && c->b.sip ? &c->b : NULL;
	if (c->b.sip == leg)
		return c->a.live && c->a.sip ? &c->a : NULL;
	return NULL;
}

/* An INFO in a call's dialog: its digit toward the B-channel, or on a
 * SIP <-> SIP call the INFO itself to the other leg, whose final status
 * answers it (0: later, dtmf_on_info_answered). */
static int dtmf_on_info(void *arg, struct gw_sip_leg *leg, void *owner, const struct gw_sip_body *body)
{
	struct call *c = owner;
	struct leg *y;
	char digit = 0;
	int rc;

	(void)arg;
	if (!body->data)
		return 200; /* an empty INFO (a keep-alive): nothing to do */
	rc = call_dtmf_parse(body, &digit);
	if (rc < 0) {
		CLOG(LOG_INFO, c, "INFO with %s: not DTMF, 415", body->ctype ? body->ctype : "no body");
		return 415;
	}
	if ((y = sip_peer(c, leg))) {
		rc = gw_sip_info_relay(y->sip, body);
		CLOG(LOG_INFO, c, "INFO (%s) from the %s: %s", body->ctype, y == &c->b ? "caller" : "callee",
		     rc < 0 ? "not relayed, 500" : "relayed");
		return rc < 0 ? 500 : 0;
	}
	if (rc == 0) {
		CLOG(LOG_INFO, c, "INFO without a DTMF signal: 400");
		return 400;
	}
	if (c->state == CS_CLEARING || call_media_play_digit(c->calls->media, c->uuid, digit) < 0) {
		CLOG(LOG_INFO, c, "INFO digit %c: no B-channel to play it on", digit);
		return 488;
	}
	CLOG(LOG_INFO, c, "INFO digit %c played toward the B-channel", digit);
	return 200;
}

/* A digit heard on the B-channel of a call whose SIP peer takes INFO. */
static void dtmf_on_digit(void *arg, const char *uuid, char digit)
{
	struct call *c = call_by_uuid(arg, uuid);
	struct leg *sl;
	char body[64];
	struct gw_sip_body b = {"application/dtmf-relay", NULL, (const uint8_t *)body, 0};

	if (!c)
		return;
	sl = c->a.kind == LEG_SIP ? &c->a : c->b.kind == LEG_SIP ? &c->b : NULL;
	if (!sl || !sl->live || !sl->sip)
		return;
	b.len = (size_t)snprintf(body, sizeof(body), "Signal=%c\r\nDuration=%d\r\n", digit, DTMF_INFO_MS);
	if (gw_sip_info(sl->sip, &b) < 0)
		CLOG(LOG_INFO, c, "digit %c heard on the B-channel: no dialog to send INFO in", digit);
	else
		CLOG(LOG_INFO, c, "digit %c heard on the B-channel: sent as INFO", digit);
}

/* The final status of an INFO relayed to leg: the answer to the one
 * from the other leg. What concerns only the other dialog (its
 * authentication, its loss, its timeout) is ours: 500. */
static void dtmf_on_info_answered(void *arg, struct gw_sip_leg *leg, void *owner, int status)
{
	struct call *c = owner;
	struct leg *x = c ? sip_peer(c, leg) : NULL;
	int st = status >= 200 && status < 300                                      ? 200
		 : status == 401 || status == 407 || status == 408 || status == 481 ? 500
										    : status;

	(void)arg;
	if (!x)
		return;
	CLOG(LOG_INFO, c, "relayed INFO answered %d", status);
	gw_sip_info_respond(x->sip, st);
}

void call_dtmf_init(struct gw_calls *calls)
{
	gw_sip_set_info(calls->sip, dtmf_on_info, calls);
	gw_sip_set_info_answered(calls->sip, dtmf_on_info_answered);
	call_media_set_digit_fn(calls->media, dtmf_on_digit, calls);
}
