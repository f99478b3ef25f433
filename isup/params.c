/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ISUP codec: the parameter table (Q.763 table 5) and the typed parameters'
 * decode, encode and print functions. Each reads only v[0..len), whose
 * length the message layer has already checked against the buffer. */
#include "config.h"

#include "isup/tisup_int.h"

#include <errno.h>
#include <string.h>

/* Fixed-length parameters: a length error is malformed. */
#define WANT_LEN(len, n)                \
	do {                            \
		if ((len) != (n))       \
			return -EINVAL; \
	} while (0)
#define WANT_SPACE(size, n)             \
	do {                            \
		if ((size) < (n))       \
			return -EINVAL; \
	} while (0)

/* Nature of connection indicators (3.35). */
static int nci_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 1);
	m->nci.satellite = v[0] & 3;
	m->nci.continuity = (v[0] >> 2) & 3;
	m->nci.echo = (v[0] >> 4) & 1;
	m->nci.spare = v[0] >> 5;
	return 0;
}

static int nci_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	const struct tisup_nci *c = &m->nci;

	(void)inst;
	WANT_SPACE(size, 1);
	out[0] = (uint8_t)((c->satellite & 3) | (c->continuity & 3) << 2 | (c->echo & 1) << 4 | (c->spare & 7) << 5);
	return 1;
}

static void nci_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "satellite=%u continuity=%u echo=%u", m->nci.satellite, m->nci.continuity, m->nci.echo);
}

/* Forward call indicators (3.23). */
static int fci_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 2);
	m->fci.international = v[0] & 1;
	m->fci.e2e_method = (v[0] >> 1) & 3;
	m->fci.interworking = (v[0] >> 3) & 1;
	m->fci.e2e_info = (v[0] >> 4) & 1;
	m->fci.isup_all_way = (v[0] >> 5) & 1;
	m->fci.isup_pref = (v[0] >> 6) & 3;
	m->fci.isdn_access = v[1] & 1;
	m->fci.sccp_method = (v[1] >> 1) & 3;
	m->fci.spare = v[1] >> 3;
	return 0;
}

static int fci_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	const struct tisup_fci *c = &m->fci;

	(void)inst;
	WANT_SPACE(size, 2);
	out[0] = (uint8_t)((c->international & 1) | (c->e2e_method & 3) << 1 | (c->interworking & 1) << 3 |
			   (c->e2e_info & 1) << 4 | (c->isup_all_way & 1) << 5 | (c->isup_pref & 3) << 6);
	out[1] = (uint8_t)((c->isdn_access & 1) | (c->sccp_method & 3) << 1 | (c->spare & 0x1f) << 3);
	return 2;
}

static void fci_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	const struct tisup_fci *c = &m->fci;

	(void)inst;
	tisup_sb_printf(sb,
			"international=%u e2e_method=%u interworking=%u e2e_info=%u isup_all_way=%u "
			"isup_pref=%u isdn_access=%u sccp_method=%u spare=%u",
			c->international, c->e2e_method, c->interworking, c->e2e_info, c->isup_all_way, c->isup_pref,
			c->isdn_access, c->sccp_method, c->spare);
}

/* Backward call indicators (3.5). */
static int bci_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 2);
	m->bci.charge = v[0] & 3;
	m->bci.called_status = (v[0] >> 2) & 3;
	m->bci.called_cat = (v[0] >> 4) & 3;
	m->bci.e2e_method = (v[0] >> 6) & 3;
	m->bci.interworking = v[1] & 1;
	m->bci.e2e_info = (v[1] >> 1) & 1;
	m->bci.isup_all_way = (v[1] >> 2) & 1;
	m->bci.holding = (v[1] >> 3) & 1;
	m->bci.isdn_access = (v[1] >> 4) & 1;
	m->bci.echo = (v[1] >> 5) & 1;
	m->bci.sccp_method = (v[1] >> 6) & 3;
	return 0;
}

static int bci_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	const struct tisup_bci *c = &m->bci;

	(void)inst;
	WANT_SPACE(size, 2);
	out[0] = (uint8_t)((c->charge & 3) | (c->called_status & 3) << 2 | (c->called_cat & 3) << 4 |
			   (c->e2e_method & 3) << 6);
	out[1] = (uint8_t)((c->interworking & 1) | (c->e2e_info & 1) << 1 | (c->isup_all_way & 1) << 2 |
			   (c->holding & 1) << 3 | (c->isdn_access & 1) << 4 | (c->echo & 1) << 5 |
			   (c->sccp_method & 3) << 6);
	return 2;
}

static void bci_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	const struct tisup_bci *c = &m->bci;

	(void)inst;
	tisup_sb_printf(sb,
			"charge=%u called_status=%u called_cat=%u e2e_method=%u interworking=%u e2e_info=%u "
			"isup_all_way=%u holding=%u isdn_access=%u echo=%u sccp_method=%u",
			c->charge, c->called_status, c->called_cat, c->e2e_method, c->interworking, c->e2e_info,
			c->isup_all_way, c->holding, c->isdn_access, c->echo, c->sccp_method);
}

/* Optional backward call indicators (3.37). */
static int obci_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 1);
	m->obci.inband = v[0] & 1;
	m->obci.diversion = (v[0] >> 1) & 1;
	m->obci.segmentation = (v[0] >> 2) & 1;
	m->obci.mlpp_user = (v[0] >> 3) & 1;
	m->obci.spare = v[0] >> 4;
	return 0;
}

static int obci_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	const struct tisup_obci *c = &m->obci;

	(void)inst;
	WANT_SPACE(size, 1);
	out[0] = (uint8_t)((c->inband & 1) | (c->diversion & 1) << 1 | (c->segmentation & 1) << 2 |
			   (c->mlpp_user & 1) << 3 | (c->spare & 0xf) << 4);
	return 1;
}

static void obci_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "inband=%u diversion=%u segmentation=%u mlpp_user=%u", m->obci.inband, m->obci.diversion,
			m->obci.segmentation, m->obci.mlpp_user);
}

/* Event information (3.21). */
static int event_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 1);
	m->event.event = v[0] & 0x7f;
	m->event.restricted = v[0] >> 7;
	return 0;
}

static int event_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, 1);
	out[0] = (uint8_t)((m->event.event & 0x7f) | (m->event.restricted & 1) << 7);
	return 1;
}

static void event_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "event=%u restricted=%u", m->event.event, m->event.restricted);
}

/* One-octet values: calling party's category (3.11), transmission medium
 * requirement (3.54), suspend/resume indicators (3.52), hop counter (3.80). */
static int cpc_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 1);
	m->cpc = v[0];
	return 0;
}

static int cpc_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, 1);
	out[0] = m->cpc;
	return 1;
}

static void cpc_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "%u", m->cpc);
}

static int tmr_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 1);
	m->tmr = v[0];
	return 0;
}

static int tmr_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, 1);
	out[0] = m->tmr;
	return 1;
}

static void tmr_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "%u", m->tmr);
}

static int susres_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 1);
	m->susres = v[0];
	return 0;
}

static int susres_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, 1);
	out[0] = m->susres;
	return 1;
}

static void susres_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "%u", m->susres);
}

static int hop_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 1);
	m->hop_counter = v[0] & 0x1f;
	return 0;
}

static int hop_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, 1);
	out[0] = m->hop_counter & 0x1f;
	return 1;
}

static void hop_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "%u", m->hop_counter);
}

/* Information request indicators (3.29) and information indicators (3.28). */
static int inr_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 2);
	m->inr_ind = (uint16_t)(v[0] | v[1] << 8);
	return 0;
}

static int inr_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, 2);
	out[0] = (uint8_t)(m->inr_ind & 0xff);
	out[1] = (uint8_t)(m->inr_ind >> 8);
	return 2;
}

static void inr_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "0x%04x", m->inr_ind);
}

static int inf_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, 2);
	m->inf_ind = (uint16_t)(v[0] | v[1] << 8);
	return 0;
}

static int inf_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, 2);
	out[0] = (uint8_t)(m->inf_ind & 0xff);
	out[1] = (uint8_t)(m->inf_ind >> 8);
	return 2;
}

static void inf_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "0x%04x", m->inf_ind);
}

/* Cause indicators (3.12): octet 1 (ext bit 0 announces octet 1a, the
 * recommendation), octet 2 the cause value, then diagnostics. */
static int cause_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	struct tisup_cause c;
	size_t i = 1;

	if (len < 2)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.coding_std = (v[0] >> 5) & 3;
	c.location = v[0] & 0x0f;
	if (!(v[0] & 0x80)) {
		if (len < 3)
			return -EINVAL;
		c.has_rec = 1;
		c.rec = v[i++] & 0x7f;
	}
	c.cause = v[i++] & 0x7f;
	if (len - i > TISUP_MAX_DIAG)
		return -EINVAL;
	c.diag_len = (uint8_t)(len - i);
	memcpy(c.diag, v + i, c.diag_len);
	m->cause = c;
	return 0;
}

static int cause_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	const struct tisup_cause *c = &m->cause;
	size_t i = 0;

	(void)inst;
	if (c->diag_len > TISUP_MAX_DIAG)
		return -EINVAL;
	WANT_SPACE(size, 3u + c->diag_len);
	out[i++] = (uint8_t)((c->has_rec ? 0 : 0x80) | (c->coding_std & 3) << 5 | (c->location & 0x0f));
	if (c->has_rec)
		out[i++] = (uint8_t)(0x80 | (c->rec & 0x7f));
	out[i++] = (uint8_t)(0x80 | (c->cause & 0x7f));
	memcpy(out + i, c->diag, c->diag_len);
	return (int)(i + c->diag_len);
}

static void cause_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	const struct tisup_cause *c = &m->cause;

	(void)inst;
	tisup_sb_printf(sb, "cause=%u (%s) location=%u coding=%u", c->cause, tisup_cause_name(c->cause), c->location,
			c->coding_std);
	if (c->has_rec)
		tisup_sb_printf(sb, " rec=%u", c->rec);
	if (c->diag_len) {
		tisup_sb_printf(sb, " diag=");
		tisup_sb_hex(sb, c->diag, c->diag_len);
	}
}

/* Redirection information (3.45): 2 octets; ANSI also allows 1. */
static int redir_info_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	struct tisup_redir_info r;

	if (len != 2 && !(len == 1 && m->variant == TISUP_ANSI))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.len = (uint8_t)len;
	r.indicator = v[0] & 7;
	r.orig_reason = v[0] >> 4;
	if (len == 2) {
		r.counter = v[1] & 7;
		r.reason = v[1] >> 4;
	}
	m->redir_info = r;
	return 0;
}

static int redir_info_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	const struct tisup_redir_info *r = &m->redir_info;
	size_t n = r->len == 1 ? 1 : 2;

	(void)inst;
	WANT_SPACE(size, n);
	out[0] = (uint8_t)((r->indicator & 7) | (r->orig_reason & 0xf) << 4);
	if (n == 2)
		out[1] = (uint8_t)((r->counter & 7) | (r->reason & 0xf) << 4);
	return (int)n;
}

static void redir_info_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	const struct tisup_redir_info *r = &m->redir_info;

	(void)inst;
	tisup_sb_printf(sb, "indicator=%u orig_reason=%u counter=%u reason=%u", r->indicator, r->orig_reason,
			r->counter, r->reason);
}

/* User service information (3.57): the octets, and a view of them. */
static void usi_view(struct tisup_usi *u)
{
	size_t i = 2;

	u->coding_std = (u->octets[0] >> 5) & 3;
	u->itc = u->octets[0] & 0x1f;
	u->mode = (u->octets[1] >> 5) & 3;
	u->rate = u->octets[1] & 0x1f;
	u->layer1 = 0;
	if (u->rate == 0x18 && i < u->len)
		i++; /* octet 4.1, the rate multiplier (Q.931 4.5.5) */
	if (i < u->len && ((u->octets[i] >> 5) & 3) == 1)
		u->layer1 = u->octets[i] & 0x1f;
}

static int usi_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	if (len < 2 || len > TISUP_MAX_USI)
		return -EINVAL;
	memset(&m->usi, 0, sizeof(m->usi));
	m->usi.len = (uint8_t)len;
	memcpy(m->usi.octets, v, len);
	usi_view(&m->usi);
	return 0;
}

int tisup_usi_set(struct tisup_usi *usi, uint8_t coding_std, uint8_t itc, uint8_t mode, uint8_t rate, uint8_t layer1)
{
	if (coding_std > 3 || itc > 0x1f || mode > 3 || rate > 0x1f || layer1 > 0x1f)
		return -EINVAL;
	memset(usi, 0, sizeof(*usi));
	usi->octets[0] = (uint8_t)(0x80 | coding_std << 5 | itc);
	usi->octets[1] = (uint8_t)(0x80 | mode << 5 | rate);
	usi->len = 2;
	if (layer1)
		usi->octets[usi->len++] = (uint8_t)(0x80 | 0x20 | layer1);
	usi_view(usi);
	return 0;
}

static int usi_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	if (m->usi.len < 2 || m->usi.len > TISUP_MAX_USI)
		return -EINVAL;
	WANT_SPACE(size, m->usi.len);
	memcpy(out, m->usi.octets, m->usi.len);
	return m->usi.len;
}

static void usi_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	const struct tisup_usi *u = &m->usi;

	(void)inst;
	tisup_sb_printf(sb, "coding=%u itc=%u mode=%u rate=%u layer1=%u octets=", u->coding_std, u->itc, u->mode,
			u->rate, u->layer1);
	tisup_sb_hex(sb, u->octets, u->len);
}

/* Access transport (3.3): Q.931 information elements, opaque here. */
static int at_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	if (len > sizeof(m->access_transport.data))
		return -EINVAL;
	m->access_transport.len = (uint8_t)len;
	memcpy(m->access_transport.data, v, len);
	return 0;
}

static int at_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	(void)inst;
	WANT_SPACE(size, m->access_transport.len);
	memcpy(out, m->access_transport.data, m->access_transport.len);
	return m->access_transport.len;
}

static void at_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_hex(sb, m->access_transport.data, m->access_transport.len);
}

/* Call reference (3.8): call identity (3 octets), then the point code:
 * ITU 14 bits in 2 octets (LSB first), ANSI 3 octets member, cluster,
 * network. */
static int callref_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	WANT_LEN(len, m->variant == TISUP_ANSI ? 6u : 5u);
	m->call_ref.identity = (uint32_t)v[0] << 16 | (uint32_t)v[1] << 8 | v[2];
	if (m->variant == TISUP_ANSI)
		m->call_ref.spc = (uint32_t)v[3] | (uint32_t)v[4] << 8 | (uint32_t)v[5] << 16;
	else
		m->call_ref.spc = ((uint32_t)v[3] | (uint32_t)v[4] << 8) & 0x3fff;
	return 0;
}

static int callref_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	const struct tisup_call_ref *c = &m->call_ref;
	size_t n = m->variant == TISUP_ANSI ? 6 : 5;

	(void)inst;
	WANT_SPACE(size, n);
	out[0] = (uint8_t)(c->identity >> 16);
	out[1] = (uint8_t)(c->identity >> 8);
	out[2] = (uint8_t)c->identity;
	out[3] = (uint8_t)c->spc;
	if (n == 6) {
		out[4] = (uint8_t)(c->spc >> 8);
		out[5] = (uint8_t)(c->spc >> 16);
	} else {
		out[4] = (uint8_t)((c->spc >> 8) & 0x3f);
	}
	return (int)n;
}

static void callref_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	(void)inst;
	tisup_sb_printf(sb, "identity=%u spc=%u", m->call_ref.identity, m->call_ref.spc);
}

/* Numbers: one trio per field, all through isup/digits.c. */
#define NUMBER_PARAM(fn, field, kind)                                                               \
	static int fn##_decode(struct tisup_msg *m, const uint8_t *v, size_t len)                   \
	{                                                                                           \
		return tisup_number_decode(&m->field, kind, v, len);                                \
	}                                                                                           \
	static int fn##_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size) \
	{                                                                                           \
		(void)inst;                                                                         \
		return tisup_number_encode(&m->field, kind, out, size);                             \
	}                                                                                           \
	static void fn##_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)     \
	{                                                                                           \
		(void)inst;                                                                         \
		tisup_number_print(&m->field, kind, sb);                                            \
	}

NUMBER_PARAM(called, called, TISUP_NUM_PLAIN)
NUMBER_PARAM(subsequent, subsequent, TISUP_NUM_SUBSEQUENT)
NUMBER_PARAM(calling, calling, TISUP_NUM_PLAIN)
NUMBER_PARAM(redirecting, redirecting, TISUP_NUM_PLAIN)
NUMBER_PARAM(orig_called, orig_called, TISUP_NUM_PLAIN)
NUMBER_PARAM(location, location, TISUP_NUM_PLAIN)

/* Generic number (3.26) repeats: decode appends. */
static int generic_decode(struct tisup_msg *m, const uint8_t *v, size_t len)
{
	int rc;

	if (m->n_generic >= TISUP_MAX_GENERIC)
		return -EINVAL; /* kept untyped */
	rc = tisup_number_decode(&m->generic[m->n_generic], TISUP_NUM_GENERIC, v, len);
	if (rc == 0)
		m->n_generic++;
	return rc;
}

static int generic_encode(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size)
{
	if (inst >= m->n_generic || inst >= TISUP_MAX_GENERIC)
		return -EINVAL;
	return tisup_number_encode(&m->generic[inst], TISUP_NUM_GENERIC, out, size);
}

static void generic_print(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb)
{
	if (inst < m->n_generic && inst < TISUP_MAX_GENERIC)
		tisup_number_print(&m->generic[inst], TISUP_NUM_GENERIC, sb);
}

#define TYPED(code, pid, v, fixed, name, fn)                                    \
	{                                                                       \
		code, pid, v, fixed, name, fn##_decode, fn##_encode, fn##_print \
	}
#define RAW(code, v, name)                                      \
	{                                                       \
		code, TISUP_P_RAW, v, 0, name, NULL, NULL, NULL \
	}

/* In code order. */
static const struct tisup_param_desc params[] = {
    TYPED(0x01, TISUP_P_CALL_REF, TISUP_V_ALL, 0, "Call reference", callref),
    TYPED(0x02, TISUP_P_TMR, TISUP_V_ALL, 1, "Transmission medium requirement", tmr),
    TYPED(0x03, TISUP_P_ACCESS_TRANSPORT, TISUP_V_ALL, 0, "Access transport", at),
    TYPED(0x04, TISUP_P_CALLED, TISUP_V_ALL, 0, "Called party number", called),
    TYPED(0x05, TISUP_P_SUBSEQUENT, TISUP_V_ALL, 0, "Subsequent number", subsequent),
    TYPED(0x06, TISUP_P_NCI, TISUP_V_ALL, 1, "Nature of connection indicators", nci),
    TYPED(0x07, TISUP_P_FCI, TISUP_V_ALL, 2, "Forward call indicators", fci),
    RAW(0x08, TISUP_V_ALL, "Optional forward call indicators"),
    TYPED(0x09, TISUP_P_CPC, TISUP_V_ALL, 1, "Calling party's category", cpc),
    TYPED(0x0a, TISUP_P_CALLING, TISUP_V_ALL, 0, "Calling party number", calling),
    TYPED(0x0b, TISUP_P_REDIRECTING, TISUP_V_ALL, 0, "Redirecting number", redirecting),
    RAW(0x0c, TISUP_V_ALL, "Redirection number"),
    RAW(0x0d, TISUP_V_ALL, "Connection request"),
    TYPED(0x0e, TISUP_P_INR_IND, TISUP_V_ALL, 2, "Information request indicators", inr),
    TYPED(0x0f, TISUP_P_INF_IND, TISUP_V_ALL, 2, "Information indicators", inf),
    RAW(0x10, TISUP_V_ALL, "Continuity indicators"),
    TYPED(0x11, TISUP_P_BCI, TISUP_V_ALL, 2, "Backward call indicators", bci),
    TYPED(0x12, TISUP_P_CAUSE, TISUP_V_ALL, 0, "Cause indicators", cause),
    TYPED(0x13, TISUP_P_REDIR_INFO, TISUP_V_ALL, 0, "Redirection information", redir_info),
    RAW(0x15, TISUP_V_ALL, "Circuit group supervision message type"),
    RAW(0x16, TISUP_V_ALL, "Range and status"),
    RAW(0x18, TISUP_V_ALL, "Facility indicator"),
    RAW(0x1a, TISUP_V_ALL, "Closed user group interlock code"),
    TYPED(0x1d, TISUP_P_USI, TISUP_V_ALL, 0, "User service information", usi),
    RAW(0x1e, TISUP_V_ALL, "Signalling point code"),
    RAW(0x20, TISUP_V_ALL, "User-to-user information"),
    RAW(0x21, TISUP_V_ALL, "Connected number"),
    TYPED(0x22, TISUP_P_SUSRES, TISUP_V_ALL, 1, "Suspend/resume indicators", susres),
    RAW(0x23, TISUP_V_ALL, "Transit network selection"),
    TYPED(0x24, TISUP_P_EVENT, TISUP_V_ALL, 1, "Event information", event),
    RAW(0x25, TISUP_V_ALL, "Circuit assignment map"),
    RAW(0x26, TISUP_V_ALL, "Circuit state indicator"),
    RAW(0x27, TISUP_V_ALL, "Automatic congestion level"),
    TYPED(0x28, TISUP_P_ORIG_CALLED, TISUP_V_ALL, 0, "Original called number", orig_called),
    TYPED(0x29, TISUP_P_OBCI, TISUP_V_ALL, 1, "Optional backward call indicators", obci),
    RAW(0x2a, TISUP_V_ALL, "User-to-user indicators"),
    RAW(0x2b, TISUP_V_ALL, "Origination ISC point code"),
    RAW(0x2c, TISUP_V_ALL, "Generic notification indicator"),
    RAW(0x2d, TISUP_V_ALL, "Call history information"),
    RAW(0x2e, TISUP_V_ALL, "Access delivery information"),
    RAW(0x2f, TISUP_V_ALL, "Network specific facility"),
    RAW(0x30, TISUP_V_ALL, "User service information prime"),
    RAW(0x31, TISUP_V_ALL, "Propagation delay counter"),
    RAW(0x32, TISUP_V_ALL, "Remote operations"),
    RAW(0x33, TISUP_V_ALL, "Service activation"),
    RAW(0x34, TISUP_V_ALL, "User teleservice information"),
    RAW(0x35, TISUP_V_ALL, "Transmission medium used"),
    RAW(0x36, TISUP_V_ALL, "Call diversion information"),
    RAW(0x37, TISUP_V_ALL, "Echo control information"),
    RAW(0x38, TISUP_V_ALL, "Message compatibility information"),
    RAW(0x39, TISUP_V_ALL, "Parameter compatibility information"),
    RAW(0x3a, TISUP_V_ALL, "MLPP precedence"),
    RAW(0x3b, TISUP_V_ALL, "MCID request indicators"),
    RAW(0x3c, TISUP_V_ALL, "MCID response indicators"),
    TYPED(0x3d, TISUP_P_HOP_COUNTER, TISUP_V_ALL, 0, "Hop counter", hop),
    RAW(0x3e, TISUP_V_ALL, "Transmission medium requirement prime"),
    TYPED(0x3f, TISUP_P_LOCATION, TISUP_V_ALL, 0, "Location number", location),
    RAW(0x40, TISUP_V_ALL, "Redirection number restriction"),
    RAW(0x43, TISUP_V_ALL, "Call transfer reference"),
    RAW(0x44, TISUP_V_ALL, "Loop prevention indicators"),
    RAW(0x45, TISUP_V_ALL, "Call transfer number"),
    RAW(0x4b, TISUP_V_ALL, "CCSS"),
    RAW(0x4c, TISUP_V_ALL, "Forward GVNS"),
    RAW(0x4d, TISUP_V_ALL, "Backward GVNS"),
    RAW(0x4e, TISUP_V_ALL, "Redirect capability"),
    RAW(0x5b, TISUP_V_ALL, "Network management controls"),
    RAW(0x65, TISUP_V_ALL, "Correlation id"),
    RAW(0x66, TISUP_V_ALL, "SCF id"),
    RAW(0x6e, TISUP_V_ALL, "Call diversion treatment indicators"),
    RAW(0x6f, TISUP_V_ALL, "Called IN number"),
    RAW(0x70, TISUP_V_ALL, "Call offering treatment indicators"),
    RAW(0x71, TISUP_V_ALL, "Charged party identification"),
    RAW(0x72, TISUP_V_ALL, "Conference treatment indicators"),
    RAW(0x73, TISUP_V_ALL, "Display information"),
    RAW(0x74, TISUP_V_ALL, "UID action indicators"),
    RAW(0x75, TISUP_V_ALL, "UID capability indicators"),
    RAW(0x77, TISUP_V_ALL, "Redirect counter"),
    RAW(0x78, TISUP_V_ALL, "Application transport"),
    RAW(0x79, TISUP_V_ALL, "Collect call request"),
    RAW(0x81, TISUP_V_ALL, "Calling geodetic location"),
    TYPED(0xc0, TISUP_P_GENERIC_NUMBER, TISUP_V_ITU, 0, "Generic number", generic),
    TYPED(0xc0, TISUP_P_GENERIC_NUMBER, TISUP_V_ANSI, 0, "Generic address", generic),
    RAW(0xc1, TISUP_V_ALL, "Generic digits"),
    RAW(0xc3, TISUP_V_ANSI, "Egress service"),
    RAW(0xc4, TISUP_V_ANSI, "Jurisdiction information"),
    RAW(0xc5, TISUP_V_ANSI, "Carrier identification"),
    RAW(0xc6, TISUP_V_ANSI, "Business group"),
    RAW(0xc7, TISUP_V_ANSI, "Generic name"),
    RAW(0xe4, TISUP_V_ANSI, "Local service provider identification"),
    RAW(0xea, TISUP_V_ANSI, "Originating line information"),
    RAW(0xeb, TISUP_V_ANSI, "Charge number"),
    RAW(0xee, TISUP_V_ANSI, "Carrier selection information"),
};

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

const struct tisup_param_desc *tisup_param_by_code(unsigned variant, uint8_t code)
{
	size_t i;

	for (i = 0; i < N_PARAMS; i++)
		if (params[i].code == code && (params[i].variants & (1u << variant)))
			return &params[i];
	return NULL;
}

const struct tisup_param_desc *tisup_param_by_pid(unsigned variant, unsigned pid)
{
	size_t i;

	for (i = 0; i < N_PARAMS; i++)
		if (params[i].pid == pid && (params[i].variants & (1u << variant)))
			return &params[i];
	return NULL;
}
