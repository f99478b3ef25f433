/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Q.931 <-> ISUP interworking (ITU-T Q.699): numbers, bearer, CPC and
 * redirection for the IAM; causes; ALERTING/PROGRESS/CONNECT to ACM, CPG,
 * ANM and CON; and the transit hop counter (Q.764 2.1.12). */
#include "config.h"

#include "isup/q699.h"
#include "isup/tisup_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void q699_call_init(struct q699_call *c)
{
	memset(c, 0, sizeof(*c));
	c->bearer = Q699_BEARER_SPEECH;
	c->cpc = 10;
	snprintf(c->intl_prefix, sizeof(c->intl_prefix), "00");
	snprintf(c->natl_prefix, sizeof(c->natl_prefix), "0");
}

static int has_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return n > 0 && strncmp(s, prefix, n) == 0;
}

uint8_t q699_nai_from_ton(const struct q699_call *c, uint8_t ton, const char *digits, char *out, size_t size)
{
	uint8_t nai;
	size_t skip = 0;

	switch (ton) {
	case Q699_TON_INTERNATIONAL:
		nai = 4;
		skip = digits[0] == '+';
		break;
	case Q699_TON_NATIONAL:
		nai = 3;
		break;
	case Q699_TON_SUBSCRIBER:
		nai = 1;
		break;
	case Q699_TON_NETWORK:
		nai = 5;
		break;
	case Q699_TON_UNKNOWN:
		/* Q.699: the prefix tells; the ISUP number never carries it. */
		if (digits[0] == '+') {
			nai = 4;
			skip = 1;
		} else if (has_prefix(digits, c->intl_prefix)) {
			nai = 4;
			skip = strlen(c->intl_prefix);
		} else if (has_prefix(digits, c->natl_prefix)) {
			nai = 3;
			skip = strlen(c->natl_prefix);
		} else {
			nai = 1;
		}
		break;
	default: /* abbreviated and reserved: nothing better than unknown */
		nai = 2;
		break;
	}
	snprintf(out, size, "%s", digits + skip);
	return nai;
}

uint8_t q699_ton_from_nai(uint8_t nai)
{
	switch (nai) {
	case 1:
		return Q699_TON_SUBSCRIBER;
	case 3:
		return Q699_TON_NATIONAL;
	case 4:
		return Q699_TON_INTERNATIONAL;
	case 5:
		return Q699_TON_NETWORK;
	default:
		return Q699_TON_UNKNOWN;
	}
}

/* Q.931 numbering plan <-> Q.763 3.9 d): 1 ISDN (E.164), 3 data (X.121),
 * 4 telex (F.69), 5 private. Unknown and national plans go as E.164,
 * which is what a public ISUP network routes on. */
uint8_t q699_isup_npi(uint8_t q931_npi)
{
	switch (q931_npi) {
	case 3:
	case 4:
		return q931_npi;
	case 9:
		return 5;
	default:
		return 1;
	}
}

uint8_t q699_q931_npi(uint8_t isup_npi)
{
	switch (isup_npi) {
	case 1:
	case 3:
	case 4:
		return isup_npi;
	case 5:
		return 9;
	default:
		return 0;
	}
}

/* Q.931 (Q.952) reason for redirection <-> Q.763 3.45 redirecting reason. */
uint8_t q699_isup_redir_reason(uint8_t q931_reason)
{
	switch (q931_reason) {
	case 1: /* call forwarding busy */
		return 1;
	case 2: /* call forwarding no reply */
		return 2;
	case 15: /* call forwarding unconditional */
	case 11: /* call forwarding by the called DTE */
		return 3;
	case 9: /* call deflection */
		return 5;
	default:
		return 0;
	}
}

uint8_t q699_q931_redir_reason(uint8_t isup_reason)
{
	switch (isup_reason) {
	case 1:
		return 1;
	case 2:
		return 2;
	case 3:
		return 15;
	case 4:
	case 5:
		return 9;
	default:
		return 0;
	}
}

/* A Q.931 number into an ISUP number. with_screen: the parameter has a
 * screening indicator (calling, location, generic). */
static int number_to_isup(const struct q699_call *c, const struct q699_number *q, struct tisup_number *n,
			  int with_screen, const char *what, char *err, size_t errlen)
{
	memset(n, 0, sizeof(*n));
	if (q->pres > 3 || q->screen > 3)
		return fail(err, errlen, -EINVAL, "%s: presentation %u / screening %u out of range", what, q->pres,
			    q->screen);
	if (q->pres == 2 && with_screen) {
		/* Q.763 3.10: 'address not available' carries no address, its
		 * indicators zero and 'network provided'. */
		n->pres = 2;
		n->screen = 3;
		return 0;
	}
	n->nai = q699_nai_from_ton(c, q->ton, q->digits, n->digits, sizeof(n->digits));
	n->npi = q699_isup_npi(q->npi);
	n->pres = q->pres;
	if (with_screen)
		n->screen = q->screen;
	for (const char *d = n->digits; *d; d++)
		if (!strchr("0123456789*#ABCDEFabcdef", *d))
			return fail(err, errlen, -EINVAL, "%s: '%c' is not an address signal", what, *d);
	return 0;
}

static void number_from_isup(const struct tisup_number *n, struct q699_number *q)
{
	memset(q, 0, sizeof(*q));
	q->present = 1;
	q->ton = q699_ton_from_nai(n->nai);
	q->npi = q699_q931_npi(n->npi);
	q->pres = n->pres;
	q->screen = n->screen;
	snprintf(q->digits, sizeof(q->digits), "%s", n->digits);
}

int q699_iam_from_setup(const struct q699_call *c, enum tisup_variant v, struct tisup_msg *m, char *err, size_t errlen)
{
	uint8_t law = c->law ? c->law : (v == TISUP_ANSI ? 2 : 3);
	int rc;

	if (v != TISUP_ITU && v != TISUP_ANSI)
		return fail(err, errlen, -EINVAL, "bad ISUP variant %d", (int)v);
	tisup_msg_init(m, v, TISUP_IAM);
	if (!c->called.present || !c->called.digits[0])
		return fail(err, errlen, -EINVAL, "called number: missing");
	rc = number_to_isup(c, &c->called, &m->called, 0, "called number", err, errlen);
	if (rc < 0)
		return rc;
	m->called.flag = 0;                    /* INN: routing to an internal network number allowed */
	m->called.pres = m->called.screen = 0; /* spare in a called party number */
	tisup_set(m, TISUP_P_CALLED);

	/* Q.699 table 2: no satellite, no continuity check, echo as known. */
	m->nci.echo = c->echo_device ? 1 : 0;
	tisup_set(m, TISUP_P_NCI);
	/* National call, no end-to-end method, no interworking, ISUP all the
	 * way, ISUP preferred (required for 64 kbit/s unrestricted), the
	 * originating access ISDN. */
	m->fci.isup_all_way = 1;
	m->fci.isup_pref = c->bearer == Q699_BEARER_UNRESTRICTED_64K ? 2 : 0;
	m->fci.isdn_access = 1;
	tisup_set(m, TISUP_P_FCI);
	m->cpc = c->cpc;
	tisup_set(m, TISUP_P_CPC);

	/* Bearer capability -> TMR (3.54) and USI (3.57, the bearer's octets). */
	switch (c->bearer) {
	case Q699_BEARER_SPEECH:
		m->tmr = 0;
		rc = tisup_usi_set(&m->usi, 0, 0x00, 0, 0x10, law);
		break;
	case Q699_BEARER_AUDIO_31K:
		m->tmr = 3;
		rc = tisup_usi_set(&m->usi, 0, 0x10, 0, 0x10, law);
		break;
	case Q699_BEARER_UNRESTRICTED_64K:
		m->tmr = 2;
		rc = tisup_usi_set(&m->usi, 0, 0x08, 0, 0x10, 0);
		break;
	default:
		return fail(err, errlen, -EINVAL, "bearer %u unknown", c->bearer);
	}
	if (rc < 0)
		return fail(err, errlen, -EINVAL, "G.711 law %u out of range", law);
	if (v == TISUP_ITU)
		tisup_set(m, TISUP_P_TMR); /* ANSI has no TMR */
	tisup_set(m, TISUP_P_USI);

	if (c->calling.present) {
		rc = number_to_isup(c, &c->calling, &m->calling, 1, "calling number", err, errlen);
		if (rc < 0)
			return rc;
		tisup_set(m, TISUP_P_CALLING);
	}
	if (c->redirecting.present) {
		int restricted = c->redirecting.pres == 1;

		rc = number_to_isup(c, &c->redirecting, &m->redirecting, 0, "redirecting number", err, errlen);
		if (rc < 0)
			return rc;
		m->redirecting.screen = 0; /* spare in a redirecting number */
		tisup_set(m, TISUP_P_REDIRECTING);
		if (c->redirect_counter > 5)
			return fail(err, errlen, -EINVAL, "redirection counter %u out of range 0..5",
				    c->redirect_counter);
		m->redir_info.len = 2;
		m->redir_info.indicator = restricted ? 4 : 3; /* call diverted (all information restricted) */
		m->redir_info.reason = q699_isup_redir_reason(c->redirect_reason);
		m->redir_info.orig_reason =
		    q699_isup_redir_reason(c->orig_called.present ? c->orig_redirect_reason : c->redirect_reason);
		m->redir_info.counter = c->redirect_counter ? c->redirect_counter : 1;
		tisup_set(m, TISUP_P_REDIR_INFO);
	}
	if (c->orig_called.present) {
		rc = number_to_isup(c, &c->orig_called, &m->orig_called, 0, "original called number", err, errlen);
		if (rc < 0)
			return rc;
		m->orig_called.screen = 0;
		tisup_set(m, TISUP_P_ORIG_CALLED);
	}
	if (c->hop_counter) {
		if (c->hop_counter > 31)
			return fail(err, errlen, -EINVAL, "hop counter %u out of range 1..31", c->hop_counter);
		m->hop_counter = c->hop_counter;
		tisup_set(m, TISUP_P_HOP_COUNTER);
	}
	return 0;
}

int q699_setup_from_iam(const struct tisup_msg *m, struct q699_call *c, char *err, size_t errlen)
{
	q699_call_init(c);
	if (m->type != TISUP_IAM)
		return fail(err, errlen, -EINVAL, "%s is not an IAM", tisup_msg_name(m->type));
	if (tisup_has(m, TISUP_P_USI)) {
		switch (m->usi.itc) {
		case 0x00:
			c->bearer = Q699_BEARER_SPEECH;
			break;
		case 0x10:
			c->bearer = Q699_BEARER_AUDIO_31K;
			break;
		case 0x08:
			c->bearer = Q699_BEARER_UNRESTRICTED_64K;
			break;
		default:
			return fail(err, errlen, -EINVAL, "user service information: capability %u not supported",
				    m->usi.itc);
		}
		c->law = m->usi.layer1;
	} else if (tisup_has(m, TISUP_P_TMR)) {
		switch (m->tmr) {
		case 0:
			c->bearer = Q699_BEARER_SPEECH;
			break;
		case 3:
			c->bearer = Q699_BEARER_AUDIO_31K;
			break;
		case 2:
			c->bearer = Q699_BEARER_UNRESTRICTED_64K;
			break;
		default:
			return fail(err, errlen, -EINVAL, "transmission medium requirement %u not supported", m->tmr);
		}
	} else {
		return fail(err, errlen, -EINVAL, "IAM without a bearer (no USI, no TMR)");
	}
	if (tisup_has(m, TISUP_P_CALLED))
		number_from_isup(&m->called, &c->called);
	c->called.pres = c->called.screen = 0;
	if (tisup_has(m, TISUP_P_CALLING))
		number_from_isup(&m->calling, &c->calling);
	if (tisup_has(m, TISUP_P_REDIRECTING))
		number_from_isup(&m->redirecting, &c->redirecting);
	if (tisup_has(m, TISUP_P_ORIG_CALLED))
		number_from_isup(&m->orig_called, &c->orig_called);
	if (tisup_has(m, TISUP_P_REDIR_INFO)) {
		uint8_t ind = m->redir_info.indicator;

		c->redirect_reason = q699_q931_redir_reason(m->redir_info.reason);
		c->orig_redirect_reason = q699_q931_redir_reason(m->redir_info.orig_reason);
		c->redirect_counter = m->redir_info.counter;
		/* 2, 4: all redirection information restricted; 5, 6: the
		 * redirection number restricted (Q.763 3.45). */
		if ((ind == 2 || ind == 4) && c->redirecting.present)
			c->redirecting.pres = 1;
	}
	if (tisup_has(m, TISUP_P_CPC))
		c->cpc = m->cpc;
	if (tisup_has(m, TISUP_P_HOP_COUNTER))
		c->hop_counter = m->hop_counter;
	if (tisup_has(m, TISUP_P_NCI))
		c->echo_device = m->nci.echo;
	return 0;
}

int q699_rel_build(struct tisup_msg *m, enum tisup_variant v, uint8_t cause, uint8_t location)
{
	if ((v != TISUP_ITU && v != TISUP_ANSI) || cause < 1 || cause > 127 || location > 15)
		return -EINVAL;
	tisup_msg_init(m, v, TISUP_REL);
	m->cause.coding_std = 0;
	m->cause.location = location;
	m->cause.cause = cause;
	tisup_set(m, TISUP_P_CAUSE);
	return 0;
}

int q699_rel_cause(const struct tisup_msg *m, uint8_t *cause, uint8_t *location)
{
	if (m->type != TISUP_REL && m->type != TISUP_RLC)
		return -EINVAL;
	if (!tisup_has(m, TISUP_P_CAUSE) || m->cause.cause == 0) {
		*cause = 31;
		*location = 4;
		return 0;
	}
	*cause = m->cause.cause;
	*location = m->cause.location;
	return 0;
}

/* Backward call indicators (Q.763 3.5) for an ACM or CON: charge (unless
 * told not to), ordinary subscriber, ISUP all the way, ISDN access. */
static void bci_fill(struct tisup_msg *m, const struct q699_backward *b, uint8_t status)
{
	m->bci.charge = b->no_charge ? 1 : 2;
	m->bci.called_status = status;
	m->bci.called_cat = 1;
	m->bci.isup_all_way = 1;
	m->bci.isdn_access = 1;
	m->bci.echo = b->echo ? 1 : 0;
	tisup_set(m, TISUP_P_BCI);
}

int q699_backward_build(struct tisup_msg *m, enum tisup_variant v, enum q699_event ev, const struct q699_backward *b)
{
	if (v != TISUP_ITU && v != TISUP_ANSI)
		return -EINVAL;
	switch (ev) {
	case Q699_EV_ALERTING:
	case Q699_EV_PROGRESS:
		if (b->acm_sent) {
			tisup_msg_init(m, v, TISUP_CPG);
			m->event.event = ev == Q699_EV_ALERTING ? 1 : (b->inband ? 3 : 2);
			tisup_set(m, TISUP_P_EVENT);
		} else {
			tisup_msg_init(m, v, TISUP_ACM);
			bci_fill(m, b, ev == Q699_EV_ALERTING ? 1 : 0);
		}
		if (b->inband) {
			m->obci.inband = 1;
			tisup_set(m, TISUP_P_OBCI);
		}
		return 0;
	case Q699_EV_CONNECT:
		if (b->acm_sent) {
			tisup_msg_init(m, v, TISUP_ANM);
			return 0;
		}
		/* Answer without an ACM: CON, which ANSI does not have; there
		 * the ANM carries the backward call indicators. */
		tisup_msg_init(m, v, v == TISUP_ITU ? TISUP_CON : TISUP_ANM);
		bci_fill(m, b, 0);
		return 0;
	default:
		return -EINVAL;
	}
}

int q699_backward_event(const struct tisup_msg *m, enum q699_event *ev, int *inband)
{
	*inband = tisup_has(m, TISUP_P_OBCI) && m->obci.inband;
	switch (m->type) {
	case TISUP_ACM:
		if (tisup_has(m, TISUP_P_BCI) && m->bci.called_status == 1)
			*ev = Q699_EV_ALERTING;
		else
			*ev = *inband ? Q699_EV_PROGRESS : Q699_EV_PROCEEDING;
		return 0;
	case TISUP_CPG:
		*ev = tisup_has(m, TISUP_P_EVENT) && m->event.event == 1 ? Q699_EV_ALERTING : Q699_EV_PROGRESS;
		if (tisup_has(m, TISUP_P_EVENT) && m->event.event == 3)
			*inband = 1;
		return 0;
	case TISUP_ANM:
	case TISUP_CON:
		*ev = Q699_EV_CONNECT;
		return 0;
	default:
		return -EINVAL;
	}
}

int q699_hop_decrement(enum tisup_variant v, const uint8_t *in, size_t len, uint8_t *out, size_t size, size_t *out_len,
		       int *hop, char *err, size_t errlen)
{
	struct tisup_msg m; /* the decode only validates */
	const struct tisup_msg_desc *md;
	size_t pos = 1, ptr, i;
	int rc;

	*hop = -1;
	rc = tisup_decode(&m, v, in, len);
	if (rc < 0)
		return fail(err, errlen, rc, "IAM does not decode (%s)", strerror(-rc));
	if (m.type != TISUP_IAM)
		return fail(err, errlen, -EINVAL, "%s is not an IAM", tisup_msg_name(m.type));
	if (size < len)
		return fail(err, errlen, -ENOSPC, "output buffer of %zu octets for %zu", size, len);
	/* Find the first hop counter of one octet in the optional part (the
	 * one the codec types), and patch it there: every other octet,
	 * unknown parameters included, stays as it came. The decode above
	 * has checked every length and pointer this walk follows. */
	md = tisup_msg_desc_find(v, TISUP_IAM);
	for (i = 0; i < md->n_fixed; i++)
		pos += tisup_param_by_pid(v, md->fixed[i])->fixed_len;
	ptr = pos + md->n_var;
	memcpy(out, in, len);
	*out_len = len;
	if (!tisup_has(&m, TISUP_P_HOP_COUNTER) || in[ptr] == 0)
		return 0;
	for (pos = ptr + in[ptr]; pos + 1 < len && in[pos] != TISUP_PC_END; pos += 2u + in[pos + 1]) {
		if (in[pos] == TISUP_PC_HOP_COUNTER && in[pos + 1] == 1 && pos + 2 < len) {
			uint8_t count = in[pos + 2] & 0x1f;

			if (count <= 1) {
				*hop = 0;
				return Q699_HOP_EXHAUSTED;
			}
			out[pos + 2] = (uint8_t)((in[pos + 2] & 0xe0) | (count - 1));
			*hop = count - 1;
			return 0;
		}
	}
	return 0;
}
