/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Call detail records: validation against table cdr's constraints and the
 * TLV payload codec of the journal (docs/cdr.md). Table-driven: one row per
 * column. */
#include "config.h"

#include "db/cdr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum cdr_kind {
	CDR_K_STR,
	CDR_K_INT,
	CDR_K_I64
};

/* Field tags are part of the journal format: never renumber, only add. */
static const struct cdr_field {
	uint8_t tag;
	const char *name;
	enum cdr_kind kind;
	size_t off, size;
	bool required;
} cdr_fields[] = {
#define S(t, f, req)                                                                                       \
	{                                                                                                  \
		t, #f, CDR_K_STR, offsetof(struct cdr_record, f), sizeof(((struct cdr_record *)0)->f), req \
	}
#define I(t, f, req)                                                               \
	{                                                                          \
		t, #f, CDR_K_INT, offsetof(struct cdr_record, f), sizeof(int), req \
	}
#define L(t, f, req)                                                                   \
	{                                                                              \
		t, #f, CDR_K_I64, offsetof(struct cdr_record, f), sizeof(int64_t), req \
	}
    S(1, call_uuid, true),
    I(2, leg, true),
    S(3, node, true),
    I(4, direction, true),
    S(5, customer, false),
    S(6, ingress, false),
    S(7, egress, false),
    S(8, span, false),
    I(9, channel, false),
    S(10, caller, false),
    S(11, callee, false),
    S(12, dialed, false),
    L(13, start_ms, true),
    L(14, answer_ms, false),
    L(15, end_ms, true),
    L(16, duration_ms, true),
    L(17, billable_ms, true),
    I(18, disposition, true),
    I(19, sip_status, false),
    I(20, q850_cause, false),
    I(21, hangup_side, false),
    S(22, codec, false),
    S(23, sip_call_id, false),
    S(24, route, false),
    /* 007_cdr_isup: absent from older journals, so unset when replayed */
    I(25, calling_category, false),
    S(26, redirecting, false),
    I(27, redirect_reason, false),
    I(28, redirect_count, false),
    S(29, original_called, false),
#undef S
#undef I
#undef L
};
#define CDR_NFIELDS (sizeof(cdr_fields) / sizeof(cdr_fields[0]))

static const char *const cdr_dir_names[] = {NULL, "outbound", "inbound"};
static const char *const cdr_disp_names[] = {NULL, "answered", "busy", "no_answer", "failed", "cancelled", "rejected"};
static const char *const cdr_side_names[] = {NULL, "caller", "callee", "gateway"};

const char *cdr_direction_name(enum cdr_direction d)
{
	return (unsigned)d < 3 ? cdr_dir_names[d] : NULL;
}

const char *cdr_disposition_name(enum cdr_disposition d)
{
	return (unsigned)d < 7 ? cdr_disp_names[d] : NULL;
}

const char *cdr_hangup_side_name(enum cdr_hangup_side h)
{
	return (unsigned)h < 4 ? cdr_side_names[h] : NULL;
}

void cdr_record_init(struct cdr_record *r)
{
	memset(r, 0, sizeof(*r));
	r->channel = CDR_UNSET;
	r->answer_ms = CDR_UNSET;
	r->sip_status = CDR_UNSET;
	r->q850_cause = CDR_UNSET;
	r->hangup_side = CDR_HANGUP_UNSET;
	r->calling_category = CDR_UNSET;
	r->redirect_reason = CDR_UNSET;
	r->redirect_count = CDR_UNSET;
}

static int64_t cdr_get_int(const struct cdr_record *r, const struct cdr_field *f)
{
	int v;
	int64_t l;

	if (f->kind == CDR_K_I64) {
		memcpy(&l, (const char *)r + f->off, sizeof(l));
		return l;
	}
	memcpy(&v, (const char *)r + f->off, sizeof(v));
	return v;
}

static bool cdr_is_set(const struct cdr_record *r, const struct cdr_field *f)
{
	if (f->kind == CDR_K_STR)
		return ((const char *)r)[f->off] != '\0';
	if (f->tag == 21) /* hangup_side: 0 is unset */
		return cdr_get_int(r, f) != CDR_HANGUP_UNSET;
	return cdr_get_int(r, f) != CDR_UNSET;
}

/* RFC 3629 section 4: well-formed UTF-8 (PostgreSQL refuses anything else). */
static bool cdr_utf8_ok(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s++, n, min, cp;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		for (; n; n--, s++) {
			if ((*s & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (*s & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

static bool cdr_uuid_ok(const char *u)
{
	for (int i = 0; i < CDR_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = u[i];

		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return u[CDR_UUID_LEN] == '\0';
}

/* Domain tandem_name: ^[a-z0-9][a-z0-9_.-]{0,62}$ */
static bool cdr_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

#define CDR_FAIL(...)                               \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                     \
	} while (0)

int cdr_record_check(const struct cdr_record *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < CDR_NFIELDS; i++) {
		const struct cdr_field *f = &cdr_fields[i];
		const char *s = (const char *)r + f->off;

		if (f->kind != CDR_K_STR)
			continue;
		if (strnlen(s, f->size) == f->size)
			CDR_FAIL("%s: not terminated within %zu bytes", f->name, f->size);
		if (!cdr_utf8_ok((const unsigned char *)s))
			CDR_FAIL("%s: not valid UTF-8", f->name);
	}
	if (!cdr_uuid_ok(r->call_uuid))
		CDR_FAIL("call_uuid \"%s\" is not a UUID", r->call_uuid);
	if (r->leg < 1)
		CDR_FAIL("leg %d is not >= 1", r->leg);
	if (!cdr_name_ok(r->node))
		CDR_FAIL("node \"%s\" is not a name", r->node);
	if (!cdr_direction_name(r->direction))
		CDR_FAIL("direction %d is unknown", (int)r->direction);
	if (r->channel != CDR_UNSET && (r->channel < 1 || r->channel > 31))
		CDR_FAIL("channel %d is not 1..31", r->channel);
	if (r->start_ms < 0 || r->end_ms < r->start_ms)
		CDR_FAIL("start %lld / end %lld: end before start", (long long)r->start_ms, (long long)r->end_ms);
	if (r->answer_ms != CDR_UNSET && (r->answer_ms < r->start_ms || r->answer_ms > r->end_ms))
		CDR_FAIL("answer time outside start..end");
	if (r->duration_ms < 0 || r->billable_ms < 0 || r->billable_ms > r->duration_ms)
		CDR_FAIL("duration %lld / billable %lld out of range", (long long)r->duration_ms,
			 (long long)r->billable_ms);
	if (!cdr_disposition_name(r->disposition))
		CDR_FAIL("disposition %d is unknown", (int)r->disposition);
	if ((r->disposition == CDR_DISP_ANSWERED) != (r->answer_ms != CDR_UNSET))
		CDR_FAIL("an answer time is set exactly when the disposition is answered");
	if (r->sip_status != CDR_UNSET && (r->sip_status < 100 || r->sip_status > 699))
		CDR_FAIL("sip_status %d is not 100..699", r->sip_status);
	if (r->q850_cause != CDR_UNSET && (r->q850_cause < 0 || r->q850_cause > 127))
		CDR_FAIL("q850_cause %d is not 0..127", r->q850_cause);
	if (r->hangup_side != CDR_HANGUP_UNSET && !cdr_hangup_side_name(r->hangup_side))
		CDR_FAIL("hangup_side %d is unknown", (int)r->hangup_side);
	if (r->calling_category != CDR_UNSET && (r->calling_category < 0 || r->calling_category > 255))
		CDR_FAIL("calling_category %d is not 0..255", r->calling_category);
	if (r->redirect_reason != CDR_UNSET && (r->redirect_reason < 0 || r->redirect_reason > 15))
		CDR_FAIL("redirect_reason %d is not 0..15", r->redirect_reason);
	if (r->redirect_count != CDR_UNSET && (r->redirect_count < 0 || r->redirect_count > 7))
		CDR_FAIL("redirect_count %d is not 0..7", r->redirect_count);
	return 0;
}

/* Field: tag (1 byte), length (2 bytes, little-endian), value. Integers are
 * 8-byte little-endian two's complement; text is raw UTF-8 without NUL. */
int cdr_encode(const struct cdr_record *r, uint8_t *buf, size_t len)
{
	size_t pos = 0;

	for (size_t i = 0; i < CDR_NFIELDS; i++) {
		const struct cdr_field *f = &cdr_fields[i];
		size_t vlen;

		if (!cdr_is_set(r, f))
			continue;
		vlen = f->kind == CDR_K_STR ? strnlen((const char *)r + f->off, f->size - 1) : 8;
		if (len - pos < 3 + vlen)
			return -ENOSPC;
		buf[pos] = f->tag;
		buf[pos + 1] = (uint8_t)(vlen & 0xff);
		buf[pos + 2] = (uint8_t)(vlen >> 8);
		pos += 3;
		if (f->kind == CDR_K_STR) {
			memcpy(buf + pos, (const char *)r + f->off, vlen);
		} else {
			uint64_t v = (uint64_t)cdr_get_int(r, f);

			for (int b = 0; b < 8; b++)
				buf[pos + (size_t)b] = (uint8_t)(v >> (8 * b));
		}
		pos += vlen;
	}
	return (int)pos;
}

static const struct cdr_field *cdr_field_by_tag(uint8_t tag)
{
	for (size_t i = 0; i < CDR_NFIELDS; i++)
		if (cdr_fields[i].tag == tag)
			return &cdr_fields[i];
	return NULL;
}

static int cdr_decode_value(const struct cdr_field *f, const uint8_t *v, size_t vlen, struct cdr_record *r)
{
	char *dst = (char *)r + f->off;
	uint64_t u = 0;
	int64_t l;
	int iv;

	if (f->kind == CDR_K_STR) {
		if (vlen == 0 || vlen >= f->size || memchr(v, '\0', vlen))
			return -EBADMSG;
		memcpy(dst, v, vlen);
		dst[vlen] = '\0';
		return 0;
	}
	if (vlen != 8)
		return -EBADMSG;
	for (int b = 7; b >= 0; b--)
		u = (u << 8) | v[b];
	l = (int64_t)u;
	if (f->kind == CDR_K_I64) {
		memcpy(dst, &l, sizeof(l));
		return 0;
	}
	if (l < -2147483647 - 1 || l > 2147483647)
		return -EBADMSG;
	iv = (int)l;
	memcpy(dst, &iv, sizeof(iv));
	return 0;
}

int cdr_decode(const uint8_t *buf, size_t len, struct cdr_record *r)
{
	uint32_t seen = 0;
	size_t pos = 0;

	cdr_record_init(r);
	while (pos < len) {
		const struct cdr_field *f;
		size_t vlen;

		if (len - pos < 3)
			return -EBADMSG;
		vlen = (size_t)buf[pos + 1] | (size_t)buf[pos + 2] << 8;
		if (len - pos - 3 < vlen)
			return -EBADMSG;
		f = cdr_field_by_tag(buf[pos]);
		/* Unknown tags come from a newer writer: skip them. */
		if (f) {
			if (seen & (1u << f->tag))
				return -EBADMSG;
			seen |= 1u << f->tag;
			if (cdr_decode_value(f, buf + pos + 3, vlen, r) < 0)
				return -EBADMSG;
		}
		pos += 3 + vlen;
	}
	for (size_t i = 0; i < CDR_NFIELDS; i++)
		if (cdr_fields[i].required && !(seen & (1u << cdr_fields[i].tag)))
			return -EBADMSG;
	return 0;
}
