/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Q.850 cause <-> SIP status tables (RFC 3398), per-trunk overrides,
 * cause names, the Reason header and CDR dispositions. */
#include "config.h"

#include "gateway/cause.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define STATUS_MIN  400
#define STATUS_MAX  699
#define STATUS_SPAN (STATUS_MAX - STATUS_MIN + 1)

/* RFC 3398 7.2.4.1: ISUP (Q.850) cause -> SIP response. 0: not listed.
 * Notes of the RFC that a fixed table cannot apply, left to overrides:
 * 21 may give 603 instead of 403 when the cause location is "user" (+);
 * 22 with a diagnostic may give 301 with a Contact; 26 is ANSI only (=).
 * 16 is not a response at all (*): handled in cause_to_sip(). */
static const short q850_to_sip_tab[128] = {
    /* normal event */
    [1] = 404,  /* unallocated number */
    [2] = 404,  /* no route to network */
    [3] = 404,  /* no route to destination */
    [17] = 486, /* user busy */
    [18] = 408, /* no user responding */
    [19] = 480, /* no answer from the user */
    [20] = 480, /* subscriber absent */
    [21] = 403, /* call rejected (+) */
    [22] = 410, /* number changed (w/o diagnostic) */
    [23] = 410, /* redirection to new destination */
    [26] = 404, /* non-selected user clearing (=) */
    [27] = 502, /* destination out of order */
    [28] = 484, /* address incomplete */
    [29] = 501, /* facility rejected */
    [31] = 480, /* normal unspecified */
    /* resource unavailable */
    [34] = 503, /* no circuit available */
    [38] = 503, /* network out of order */
    [41] = 503, /* temporary failure */
    [42] = 503, /* switching equipment congestion */
    [47] = 503, /* resource unavailable */
    /* service or option not available */
    [55] = 403, /* incoming calls barred within CUG */
    [57] = 403, /* bearer capability not authorized */
    [58] = 503, /* bearer capability not presently available */
    /* service or option not implemented */
    [65] = 488, /* bearer capability not implemented */
    [70] = 488, /* only restricted digital information bearer capability */
    [79] = 501, /* service or option not implemented */
    /* invalid message */
    [87] = 403, /* user not member of CUG */
    [88] = 503, /* incompatible destination */
    /* protocol error */
    [102] = 504, /* recovery on timer expiry */
    [111] = 500, /* protocol error */
    /* interworking */
    [127] = 500, /* interworking unspecified */
};

/* RFC 3398 gives no rule for a cause 7.2.4.1 does not list. We map it as
 * the "unspecified" cause of its class (Q.850 groups causes into classes
 * by bits 7-5 and treats an unrecognized value as its class's unspecified
 * one): 31, 47, 63, 79, 95, 111, 127. Two of those are not in the table
 * either; for them the class's own rows decide: 63 -> 503 as 58 (service
 * not available now), 95 -> 500 as the protocol-error and interworking
 * classes. Indexed by cause >> 4. */
static const short class_default_status[8] = {480, 480, 503, 503, 501, 500, 500, 500};

/* RFC 3398 8.2.6.1: SIP response -> ISUP (Q.850) cause; index status-400.
 * 0: not listed, see cause_from_sip(). (*) 401/407: only when the gateway
 * cannot authenticate itself. (+) protocol errors the gateway should first
 * try to remedy. Three rows have no number in the RFC and take the values
 * the project chose: 487 "no mapping" -> 127 (our own CANCEL: use 16);
 * 488 and 606 "by Warning header" -> 127 and 58. */
static const unsigned char sip_to_q850_tab[STATUS_SPAN] = {
    [400 - STATUS_MIN] = 41,  /* Bad Request: temporary failure */
    [401 - STATUS_MIN] = 21,  /* Unauthorized: call rejected (*) */
    [402 - STATUS_MIN] = 21,  /* Payment required: call rejected */
    [403 - STATUS_MIN] = 21,  /* Forbidden: call rejected */
    [404 - STATUS_MIN] = 1,   /* Not Found: unallocated number */
    [405 - STATUS_MIN] = 63,  /* Method not allowed: service or option unavailable */
    [406 - STATUS_MIN] = 79,  /* Not acceptable: service/option not implemented (+) */
    [407 - STATUS_MIN] = 21,  /* Proxy authentication required: call rejected (*) */
    [408 - STATUS_MIN] = 102, /* Request timeout: recovery on timer expiry */
    [410 - STATUS_MIN] = 22,  /* Gone: number changed (w/o diagnostic) */
    [413 - STATUS_MIN] = 127, /* Request Entity too long: interworking (+) */
    [414 - STATUS_MIN] = 127, /* Request-URI too long: interworking (+) */
    [415 - STATUS_MIN] = 79,  /* Unsupported media type: not implemented (+) */
    [416 - STATUS_MIN] = 127, /* Unsupported URI Scheme: interworking (+) */
    [420 - STATUS_MIN] = 127, /* Bad extension: interworking (+) */
    [421 - STATUS_MIN] = 127, /* Extension Required: interworking (+) */
    [423 - STATUS_MIN] = 127, /* Interval Too Brief: interworking (+) */
    [480 - STATUS_MIN] = 18,  /* Temporarily unavailable: no user responding */
    [481 - STATUS_MIN] = 41,  /* Call/Transaction Does not Exist: temporary failure */
    [482 - STATUS_MIN] = 25,  /* Loop Detected: exchange routing error */
    [483 - STATUS_MIN] = 25,  /* Too many hops: exchange routing error */
    [484 - STATUS_MIN] = 28,  /* Address incomplete: invalid number format (+) */
    [485 - STATUS_MIN] = 1,   /* Ambiguous: unallocated number */
    [486 - STATUS_MIN] = 17,  /* Busy here: user busy */
    [487 - STATUS_MIN] = 127, /* Request Terminated: RFC "no mapping" */
    [488 - STATUS_MIN] = 127, /* Not Acceptable here: RFC "by Warning header" */
    [500 - STATUS_MIN] = 41,  /* Server internal error: temporary failure */
    [501 - STATUS_MIN] = 79,  /* Not implemented: not implemented, unspecified */
    [502 - STATUS_MIN] = 38,  /* Bad gateway: network out of order */
    [503 - STATUS_MIN] = 41,  /* Service unavailable: temporary failure */
    [504 - STATUS_MIN] = 102, /* Service time-out: recovery on timer expiry */
    [505 - STATUS_MIN] = 127, /* Version Not supported: interworking (+) */
    [513 - STATUS_MIN] = 127, /* Message Too Large: interworking (+) */
    [600 - STATUS_MIN] = 17,  /* Busy everywhere: user busy */
    [603 - STATUS_MIN] = 21,  /* Decline: call rejected */
    [604 - STATUS_MIN] = 1,   /* Does not exist anywhere: unallocated number */
    [606 - STATUS_MIN] = 58,  /* Not acceptable: RFC "by Warning header" */
};

/* Q.850 (05/98) table 1 and amendment 1 (14, 23, 24, 46). */
static const char *const cause_names[128] = {
    [1] = "Unallocated (unassigned) number",
    [2] = "No route to specified transit network",
    [3] = "No route to destination",
    [4] = "Send special information tone",
    [5] = "Misdialled trunk prefix",
    [6] = "Channel unacceptable",
    [7] = "Call awarded and being delivered in an established channel",
    [8] = "Preemption",
    [9] = "Preemption - circuit reserved for reuse",
    [14] = "QoR: ported number",
    [16] = "Normal call clearing",
    [17] = "User busy",
    [18] = "No user responding",
    [19] = "No answer from user (user alerted)",
    [20] = "Subscriber absent",
    [21] = "Call rejected",
    [22] = "Number changed",
    [23] = "Redirection to new destination",
    [24] = "Call rejected due to feature at the destination",
    [25] = "Exchange routing error",
    [26] = "Non-selected user clearing",
    [27] = "Destination out of order",
    [28] = "Invalid number format (address incomplete)",
    [29] = "Facility rejected",
    [30] = "Response to STATUS ENQUIRY",
    [31] = "Normal, unspecified",
    [34] = "No circuit/channel available",
    [38] = "Network out of order",
    [39] = "Permanent frame mode connection out of service",
    [40] = "Permanent frame mode connection operational",
    [41] = "Temporary failure",
    [42] = "Switching equipment congestion",
    [43] = "Access information discarded",
    [44] = "Requested circuit/channel not available",
    [46] = "Precedence call blocked",
    [47] = "Resource unavailable, unspecified",
    [49] = "Quality of Service not available",
    [50] = "Requested facility not subscribed",
    [53] = "Outgoing calls barred within CUG",
    [55] = "Incoming calls barred within CUG",
    [57] = "Bearer capability not authorized",
    [58] = "Bearer capability not presently available",
    [62] = "Inconsistency in designated outgoing access information and subscriber class",
    [63] = "Service or option not available, unspecified",
    [65] = "Bearer capability not implemented",
    [66] = "Channel type not implemented",
    [69] = "Requested facility not implemented",
    [70] = "Only restricted digital information bearer capability is available",
    [79] = "Service or option not implemented, unspecified",
    [81] = "Invalid call reference value",
    [82] = "Identified channel does not exist",
    [83] = "A suspended call exists, but this call identity does not",
    [84] = "Call identity in use",
    [85] = "No call suspended",
    [86] = "Call having the requested call identity has been cleared",
    [87] = "User not member of CUG",
    [88] = "Incompatible destination",
    [90] = "Non-existent CUG",
    [91] = "Invalid transit network selection",
    [95] = "Invalid message, unspecified",
    [96] = "Mandatory information element is missing",
    [97] = "Message type non-existent or not implemented",
    [98] = "Message not compatible with call state or message type non-existent or not implemented",
    [99] = "Information element/parameter non-existent or not implemented",
    [100] = "Invalid information element contents",
    [101] = "Message not compatible with call state",
    [102] = "Recovery on timer expiry",
    [103] = "Parameter non-existent or not implemented, passed on",
    [110] = "Message with unrecognized parameter, discarded",
    [111] = "Protocol error, unspecified",
    [127] = "Interworking, unspecified",
};

struct cause_map {
	short to_sip[128];                  /* q850_to_sip rows; 0 = none */
	unsigned char to_q850[STATUS_SPAN]; /* sip_to_q850 rows; 0 = none */
	size_t rows;
};

int cause_map_new(struct cause_map **out)
{
	struct cause_map *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	*out = m;
	return 0;
}

void cause_map_free(struct cause_map *m)
{
	free(m);
}

int cause_map_add(struct cause_map *m, enum cause_dir dir, int cause, int status)
{
	if (!m || cause < 1 || cause > 127 || status < STATUS_MIN || status > STATUS_MAX)
		return -EINVAL;
	if (dir == CAUSE_Q850_TO_SIP) {
		if (m->to_sip[cause] == status)
			return 0;
		if (m->to_sip[cause])
			return -EEXIST;
		m->to_sip[cause] = (short)status;
	} else if (dir == CAUSE_SIP_TO_Q850) {
		if (m->to_q850[status - STATUS_MIN] == cause)
			return 0;
		if (m->to_q850[status - STATUS_MIN])
			return -EEXIST;
		m->to_q850[status - STATUS_MIN] = (unsigned char)cause;
	} else {
		return -EINVAL;
	}
	m->rows++;
	return 0;
}

int cause_dir_parse(const char *s, enum cause_dir *out)
{
	if (s && strcmp(s, "q850_to_sip") == 0)
		*out = CAUSE_Q850_TO_SIP;
	else if (s && strcmp(s, "sip_to_q850") == 0)
		*out = CAUSE_SIP_TO_Q850;
	else
		return -EINVAL;
	return 0;
}

size_t cause_map_size(const struct cause_map *m)
{
	return m ? m->rows : 0;
}

/* The default of 7.2.4.1 for a cause other than 16. */
static int default_status(int cause)
{
	int unspecified = cause < 32 ? 31 : (cause | 0x0f);

	if (q850_to_sip_tab[cause])
		return q850_to_sip_tab[cause];
	if (q850_to_sip_tab[unspecified])
		return q850_to_sip_tab[unspecified];
	return class_default_status[cause >> 4];
}

int cause_to_sip(const struct cause_map *m, int cause)
{
	if (cause < 1 || cause > 127)
		return -EINVAL;
	if (m && m->to_sip[cause])
		return m->to_sip[cause];
	if (cause == CAUSE_NORMAL_CLEARING)
		return CAUSE_SIP_BYE; /* RFC 3398 7.2.4.1 (*) */
	return default_status(cause);
}

int cause_to_sip_final(const struct cause_map *m, int cause)
{
	int status = cause_to_sip(m, cause);

	if (status == CAUSE_SIP_BYE)
		status = default_status(CAUSE_NORMAL_UNSPECIFIED);
	return status;
}

int cause_from_sip(const struct cause_map *m, int status)
{
	if (status < STATUS_MIN || status > STATUS_MAX)
		return -EINVAL;
	if (m && m->to_q850[status - STATUS_MIN])
		return m->to_q850[status - STATUS_MIN];
	if (sip_to_q850_tab[status - STATUS_MIN])
		return sip_to_q850_tab[status - STATUS_MIN];
	/* RFC 3261 8.1.3.2: an unknown final response is treated as the x00
	 * response of its class, which 8.2.6.1 maps (400, 500, 600). */
	return sip_to_q850_tab[status / 100 * 100 - STATUS_MIN];
}

const char *cause_name(int cause)
{
	if (cause < 1 || cause > 127)
		return NULL;
	return cause_names[cause];
}

int cause_reason_header(int cause, char *buf, size_t len)
{
	const char *text = cause_name(cause);
	int n;

	if (cause < 1 || cause > 127 || !buf)
		return -EINVAL;
	/* The names hold no '"' or '\\', so the quoted-string needs no
	 * escaping (RFC 3261 25.1). */
	if (text)
		n = snprintf(buf, len, "Q.850;cause=%d;text=\"%s\"", cause, text);
	else
		n = snprintf(buf, len, "Q.850;cause=%d", cause);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* --- Reason parsing (RFC 3326 section 2 grammar, read tolerantly) --- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* One token (up to a separator) into buf; returns the end. */
static const char *read_token(const char *p, char *buf, size_t len)
{
	size_t n = 0;

	while (*p && !strchr(";,= \t\r\n\"", *p)) {
		if (n + 1 < len)
			buf[n++] = *p;
		p++;
	}
	if (len)
		buf[n] = '\0';
	return p;
}

/* A quoted-string (with \-escapes, RFC 3261 25.1) or a token. */
static const char *read_value(const char *p, char *buf, size_t len)
{
	size_t n = 0;

	if (*p != '"')
		return read_token(p, buf, len);
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 < len)
			buf[n++] = *p;
	}
	if (*p == '"')
		p++;
	if (len)
		buf[n] = '\0';
	return p;
}

static int parse_cause_value(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 999)
		return -1;
	return (int)v;
}

/* One reason: protocol *(; param). Fills proto, cause, text; returns the
 * position after it (at ',' or the end). */
static const char *parse_one_reason(const char *p, char *proto, size_t plen, int *cause, char *text, size_t tlen)
{
	char name[32], value[128];

	*cause = -1;
	text[0] = '\0';
	p = read_token(skip_ws(p), proto, plen);
	for (;;) {
		p = skip_ws(p);
		if (*p != ';') {
			/* Junk before the next reason: skip to it. */
			while (*p && *p != ',')
				p = *p == '"' ? read_value(p, value, sizeof(value)) : p + 1;
			return p;
		}
		p = read_token(skip_ws(p + 1), name, sizeof(name));
		p = skip_ws(p);
		value[0] = '\0';
		if (*p == '=')
			p = read_value(skip_ws(p + 1), value, sizeof(value));
		if (strcasecmp(name, "cause") == 0)
			*cause = parse_cause_value(value);
		else if (strcasecmp(name, "text") == 0)
			snprintf(text, tlen, "%s", value);
	}
}

int cause_reason_parse(const char *value, struct cause_reason *out)
{
	char proto[16], text[sizeof(out->text)], sip_text[sizeof(out->text)] = "";
	const char *p;
	int cause;

	if (!value || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	p = skip_ws(value);
	if (strncasecmp(p, "Reason", 6) == 0 && *skip_ws(p + 6) == ':')
		p = skip_ws(p + 6) + 1;
	while (*p) {
		p = parse_one_reason(p, proto, sizeof(proto), &cause, text, sizeof(text));
		if (strcasecmp(proto, "Q.850") == 0 && cause >= 1 && cause <= 127 && !out->q850_cause) {
			out->q850_cause = cause;
			snprintf(out->text, sizeof(out->text), "%s", text);
		} else if (strcasecmp(proto, "SIP") == 0 && cause >= 100 && cause <= 699 && !out->sip_cause) {
			out->sip_cause = cause;
			snprintf(sip_text, sizeof(sip_text), "%s", text);
		}
		if (*p == ',')
			p++;
	}
	if (!out->q850_cause)
		snprintf(out->text, sizeof(out->text), "%s", sip_text);
	return out->q850_cause || out->sip_cause ? 0 : -ENOENT;
}

/* --- CDR disposition --- */

static const unsigned char rejected_causes[] = {21, 24, 53, 55, 57, 87};
static const short rejected_statuses[] = {401, 402, 403, 407, 603};

static bool in_list_uc(const unsigned char *l, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

static bool in_list_s(const short *l, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

enum cdr_disposition cause_disposition(int code, bool answered)
{
	if (answered || (code >= 200 && code <= 299))
		return CDR_DISP_ANSWERED;
	switch (code) {
	case CAUSE_NORMAL_CLEARING: /* cleared before answer: the caller gave up */
	case 487:
		return CDR_DISP_CANCELLED;
	case CAUSE_USER_BUSY:
	case 486:
	case 600:
		return CDR_DISP_BUSY;
	case CAUSE_NO_USER_RESPONSE:
	case CAUSE_NO_ANSWER:
	case 408:
	case 480:
		return CDR_DISP_NO_ANSWER;
	default:
		break;
	}
	if (in_list_uc(rejected_causes, N(rejected_causes), code) ||
	    in_list_s(rejected_statuses, N(rejected_statuses), code))
		return CDR_DISP_REJECTED;
	return CDR_DISP_FAILED;
}
