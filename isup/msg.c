/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ISUP codec: message framing (Q.763 1.3-1.8): the mandatory fixed part,
 * the pointers, the mandatory variable part and the optional part. */
#include "config.h"

#include "isup/tisup_int.h"

#include <errno.h>
#include <string.h>

#define F(...)                              \
	(sizeof((uint8_t[]){__VA_ARGS__})), \
	{                                   \
		__VA_ARGS__                 \
	}
#define NONE      \
	0,        \
	{         \
		0 \
	}

/* Q.763 tables 21 (ACM), 22 (ANM), 25 (CPG), 26 (REL), 27 (CON), 30 (RLC),
 * 32 (IAM), 33 (INR), 34 (INF), 35 (SAM), 38 (SUS/RES); T1.113.3 for ANSI:
 * its IAM has no TMR and carries the USI as a mandatory variable parameter;
 * it has no SAM or CON. */
static const struct tisup_msg_desc msgs[] = {
    {TISUP_IAM, TISUP_V_ITU, F(TISUP_P_NCI, TISUP_P_FCI, TISUP_P_CPC, TISUP_P_TMR), F(TISUP_P_CALLED)},
    {TISUP_IAM, TISUP_V_ANSI, F(TISUP_P_NCI, TISUP_P_FCI, TISUP_P_CPC), F(TISUP_P_USI, TISUP_P_CALLED)},
    {TISUP_SAM, TISUP_V_ITU, NONE, F(TISUP_P_SUBSEQUENT)},
    {TISUP_INR, TISUP_V_ALL, F(TISUP_P_INR_IND), NONE},
    {TISUP_INF, TISUP_V_ALL, F(TISUP_P_INF_IND), NONE},
    {TISUP_ACM, TISUP_V_ALL, F(TISUP_P_BCI), NONE},
    {TISUP_CON, TISUP_V_ITU, F(TISUP_P_BCI), NONE},
    {TISUP_ANM, TISUP_V_ALL, NONE, NONE},
    {TISUP_REL, TISUP_V_ALL, NONE, F(TISUP_P_CAUSE)},
    {TISUP_SUS, TISUP_V_ALL, F(TISUP_P_SUSRES), NONE},
    {TISUP_RES, TISUP_V_ALL, F(TISUP_P_SUSRES), NONE},
    {TISUP_RLC, TISUP_V_ALL, NONE, NONE},
    {TISUP_CPG, TISUP_V_ALL, F(TISUP_P_EVENT), NONE},
};

/* Typed parameters by code, the order of the optional part's tail. */
static const uint8_t pids_by_code[] = {
    TISUP_P_CALL_REF,
    TISUP_P_TMR,
    TISUP_P_ACCESS_TRANSPORT,
    TISUP_P_CALLED,
    TISUP_P_SUBSEQUENT,
    TISUP_P_NCI,
    TISUP_P_FCI,
    TISUP_P_CPC,
    TISUP_P_CALLING,
    TISUP_P_REDIRECTING,
    TISUP_P_INR_IND,
    TISUP_P_INF_IND,
    TISUP_P_BCI,
    TISUP_P_CAUSE,
    TISUP_P_REDIR_INFO,
    TISUP_P_USI,
    TISUP_P_SUSRES,
    TISUP_P_EVENT,
    TISUP_P_ORIG_CALLED,
    TISUP_P_OBCI,
    TISUP_P_HOP_COUNTER,
    TISUP_P_LOCATION,
    TISUP_P_GENERIC_NUMBER,
};
_Static_assert(sizeof(pids_by_code) == TISUP_P_COUNT, "every typed parameter once");

const struct tisup_msg_desc *tisup_msg_desc_find(unsigned variant, uint8_t type)
{
	size_t i;

	if (variant > TISUP_ANSI)
		return NULL;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (msgs[i].type == type && (msgs[i].variants & (1u << variant)))
			return &msgs[i];
	return NULL;
}

int tisup_msg_mandatory(const struct tisup_msg_desc *md, unsigned pid)
{
	unsigned i;

	for (i = 0; i < md->n_fixed; i++)
		if (md->fixed[i] == pid)
			return 1;
	for (i = 0; i < md->n_var; i++)
		if (md->var[i] == pid)
			return 1;
	return 0;
}

int tisup_is_mandatory(enum tisup_variant variant, uint8_t type, enum tisup_pid pid)
{
	const struct tisup_msg_desc *md = tisup_msg_desc_find(variant, type);

	return md ? tisup_msg_mandatory(md, pid) : -ENOTSUP;
}

void tisup_msg_init(struct tisup_msg *m, enum tisup_variant variant, enum tisup_msg_type type)
{
	memset(m, 0, sizeof(*m));
	m->variant = (uint8_t)variant;
	m->type = (uint8_t)type;
}

static int opt_ref_add(struct tisup_msg *m, unsigned pid, unsigned inst)
{
	if (m->n_opt >= TISUP_MAX_OPT)
		return -ENOBUFS;
	m->opt[m->n_opt].pid = (uint8_t)pid;
	m->opt[m->n_opt].inst = (uint8_t)inst;
	m->n_opt++;
	return 0;
}

int tisup_raw_add(struct tisup_msg *m, uint8_t code, const uint8_t *val, size_t len)
{
	int rc;

	if (code == TISUP_PC_END || len > 255)
		return -EINVAL;
	if (m->n_raw >= TISUP_MAX_RAW || m->pool_used > TISUP_RAW_POOL || (size_t)(TISUP_RAW_POOL - m->pool_used) < len)
		return -ENOBUFS;
	rc = opt_ref_add(m, TISUP_P_RAW, m->n_raw);
	if (rc < 0)
		return rc;
	m->raw[m->n_raw].code = code;
	m->raw[m->n_raw].len = (uint8_t)len;
	m->raw[m->n_raw].off = m->pool_used;
	if (len)
		memcpy(m->pool + m->pool_used, val, len);
	m->pool_used = (uint16_t)(m->pool_used + len);
	m->n_raw++;
	return 0;
}

const uint8_t *tisup_raw_find(const struct tisup_msg *m, uint8_t code, size_t *len)
{
	unsigned i;

	for (i = 0; i < m->n_raw && i < TISUP_MAX_RAW; i++) {
		if (m->raw[i].code == code) {
			*len = m->raw[i].len;
			return m->pool + m->raw[i].off;
		}
	}
	return NULL;
}

int tisup_generic_add(struct tisup_msg *m, const struct tisup_number *gn)
{
	if (m->n_generic >= TISUP_MAX_GENERIC)
		return -ENOBUFS;
	m->generic[m->n_generic++] = *gn;
	return 0;
}

/* One optional parameter: typed if the table knows it, it decodes, and
 * its field is still free; otherwise kept byte for byte. */
static int decode_optional_param(struct tisup_msg *m, uint8_t code, const uint8_t *v, size_t len)
{
	const struct tisup_param_desc *row = tisup_param_by_code(m->variant, code);

	if (m->n_opt >= TISUP_MAX_OPT)
		return -ENOBUFS;
	if (row && row->decode) {
		int is_generic = row->pid == TISUP_P_GENERIC_NUMBER;

		if ((is_generic || !tisup_has(m, (enum tisup_pid)row->pid)) && row->decode(m, v, len) == 0) {
			if (is_generic)
				return opt_ref_add(m, row->pid, m->n_generic - 1u);
			tisup_set(m, (enum tisup_pid)row->pid);
			return opt_ref_add(m, row->pid, 0);
		}
	}
	return tisup_raw_add(m, code, v, len);
}

/* Q.763 1.8: name, length, value... until the end octet (0). */
static int decode_optional_part(struct tisup_msg *m, const uint8_t *buf, size_t len, size_t pos)
{
	for (;;) {
		uint8_t code, plen;
		int rc;

		if (pos >= len)
			return -EMSGSIZE;
		code = buf[pos++];
		if (code == TISUP_PC_END)
			break;
		if (pos >= len)
			return -EMSGSIZE;
		plen = buf[pos++];
		if (len - pos < plen)
			return -EMSGSIZE;
		rc = decode_optional_param(m, code, buf + pos, plen);
		if (rc < 0)
			return rc;
		pos += plen;
	}
	return pos == len ? 0 : -EINVAL;
}

int tisup_decode(struct tisup_msg *m, enum tisup_variant variant, const uint8_t *buf, size_t len)
{
	const struct tisup_msg_desc *md;
	size_t pos = 1, ptrs, end;
	unsigned i;
	int rc;

	memset(m, 0, sizeof(*m));
	m->variant = (uint8_t)variant;
	if ((unsigned)variant > TISUP_ANSI)
		return -EINVAL;
	if (len < 1)
		return -EMSGSIZE;
	m->type = buf[0];
	md = tisup_msg_desc_find(variant, buf[0]);
	if (!md)
		return -ENOTSUP;

	/* Q.763 1.6: the mandatory fixed part, lengths known from the type. */
	for (i = 0; i < md->n_fixed; i++) {
		const struct tisup_param_desc *row = tisup_param_by_pid(variant, md->fixed[i]);

		if (len - pos < row->fixed_len)
			return -EMSGSIZE;
		rc = row->decode(m, buf + pos, row->fixed_len);
		if (rc < 0)
			return rc;
		tisup_set(m, (enum tisup_pid)row->pid);
		pos += row->fixed_len;
	}

	/* Q.763 1.7: one pointer per variable parameter and one to the
	 * optional part, each counted from its own octet. Parameters come in
	 * pointer order after the pointers and never overlap. */
	ptrs = pos;
	if (len - ptrs < md->n_var + 1u)
		return -EMSGSIZE;
	end = ptrs + md->n_var + 1u;
	for (i = 0; i < md->n_var; i++) {
		const struct tisup_param_desc *row = tisup_param_by_pid(variant, md->var[i]);
		size_t start = ptrs + i + buf[ptrs + i];
		uint8_t plen;

		if (buf[ptrs + i] == 0 || start < end)
			return -EINVAL;
		if (start >= len)
			return -EMSGSIZE;
		plen = buf[start];
		if (len - start - 1 < plen)
			return -EMSGSIZE;
		rc = row->decode(m, buf + start + 1, plen);
		if (rc < 0)
			return rc;
		tisup_set(m, (enum tisup_pid)row->pid);
		end = start + 1 + plen;
	}

	/* Q.763 1.8: pointer 0 means no optional part. */
	i = md->n_var;
	if (buf[ptrs + i] == 0)
		return end == len ? 0 : -EINVAL;
	pos = ptrs + i + buf[ptrs + i];
	if (pos < end)
		return -EINVAL;
	return decode_optional_part(m, buf, len, pos);
}

/* The walk of the optional part (see tisup_int.h). */
int tisup_walk_optional(const struct tisup_msg *m, const struct tisup_msg_desc *md, tisup_opt_fn fn, void *ctx)
{
	uint8_t done[TISUP_P_COUNT] = {0}, gen_done[TISUP_MAX_GENERIC] = {0}, raw_done[TISUP_MAX_RAW] = {0};
	unsigned n_generic = m->n_generic < TISUP_MAX_GENERIC ? m->n_generic : TISUP_MAX_GENERIC;
	unsigned n_raw = m->n_raw < TISUP_MAX_RAW ? m->n_raw : TISUP_MAX_RAW;
	unsigned i, j;
	int rc;

	for (i = 0; i < m->n_opt && i < TISUP_MAX_OPT; i++) {
		unsigned pid = m->opt[i].pid, inst = m->opt[i].inst;

		if (pid == TISUP_P_RAW) {
			if (inst >= n_raw || raw_done[inst])
				continue;
			raw_done[inst] = 1;
			rc = fn(m, tisup_param_by_code(m->variant, m->raw[inst].code), &m->raw[inst], inst, ctx);
		} else if (pid == TISUP_P_GENERIC_NUMBER) {
			if (inst >= n_generic || gen_done[inst])
				continue;
			gen_done[inst] = 1;
			rc = fn(m, tisup_param_by_pid(m->variant, pid), NULL, inst, ctx);
		} else {
			if (pid >= TISUP_P_COUNT || done[pid] || !tisup_has(m, (enum tisup_pid)pid) ||
			    tisup_msg_mandatory(md, pid))
				continue;
			done[pid] = 1;
			rc = fn(m, tisup_param_by_pid(m->variant, pid), NULL, 0, ctx);
		}
		if (rc)
			return rc;
	}
	for (i = 0; i < sizeof(pids_by_code); i++) {
		unsigned pid = pids_by_code[i];
		const struct tisup_param_desc *row = tisup_param_by_pid(m->variant, pid);

		if (pid == TISUP_P_GENERIC_NUMBER) {
			for (j = 0; j < n_generic; j++) {
				if (gen_done[j])
					continue;
				rc = fn(m, row, NULL, j, ctx);
				if (rc)
					return rc;
			}
			continue;
		}
		if (done[pid] || !tisup_has(m, (enum tisup_pid)pid) || tisup_msg_mandatory(md, pid))
			continue;
		rc = fn(m, row, NULL, 0, ctx);
		if (rc)
			return rc;
	}
	for (i = 0; i < n_raw; i++) {
		if (raw_done[i])
			continue;
		rc = fn(m, tisup_param_by_code(m->variant, m->raw[i].code), &m->raw[i], i, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

struct wbuf {
	uint8_t *buf;
	size_t size, pos;
};

static int put(struct wbuf *w, const uint8_t *p, size_t n)
{
	if (w->size - w->pos < n)
		return -ENOSPC;
	memcpy(w->buf + w->pos, p, n);
	w->pos += n;
	return 0;
}

static int put_byte(struct wbuf *w, uint8_t b)
{
	return put(w, &b, 1);
}

/* Value of a typed parameter, or of an untyped one from the pool. */
static int encode_value(const struct tisup_msg *m, const struct tisup_param_desc *row, const struct tisup_raw *raw,
			unsigned inst, uint8_t *out, size_t size)
{
	if (raw) {
		if (raw->off > TISUP_RAW_POOL || TISUP_RAW_POOL - raw->off < raw->len || raw->len > size)
			return -EINVAL;
		memcpy(out, m->pool + raw->off, raw->len);
		return raw->len;
	}
	if (!row || !row->encode)
		return -EINVAL;
	return row->encode(m, inst, out, size);
}

static int encode_one_optional(const struct tisup_msg *m, const struct tisup_param_desc *row,
			       const struct tisup_raw *raw, unsigned inst, void *ctx)
{
	struct wbuf *w = ctx;
	uint8_t val[255];
	int n = encode_value(m, row, raw, inst, val, sizeof(val)), rc;

	if (n < 0)
		return n;
	rc = put_byte(w, raw ? raw->code : row->code);
	if (rc == 0)
		rc = put_byte(w, (uint8_t)n);
	if (rc == 0)
		rc = put(w, val, (size_t)n);
	return rc;
}

int tisup_encode(const struct tisup_msg *m, uint8_t *buf, size_t size, size_t *len)
{
	const struct tisup_msg_desc *md = tisup_msg_desc_find(m->variant, m->type);
	struct wbuf w = {buf, size, 0};
	uint8_t val[255];
	size_t ptrs, start;
	unsigned i;
	int rc, n;

	if (!md)
		return -ENOTSUP;
	rc = put_byte(&w, m->type);
	for (i = 0; rc == 0 && i < md->n_fixed; i++) {
		const struct tisup_param_desc *row = tisup_param_by_pid(m->variant, md->fixed[i]);

		if (!tisup_has(m, (enum tisup_pid)row->pid))
			return -EINVAL;
		n = row->encode(m, 0, val, sizeof(val));
		if (n != row->fixed_len)
			return -EINVAL;
		rc = put(&w, val, (size_t)n);
	}
	ptrs = w.pos;
	for (i = 0; rc == 0 && i <= md->n_var; i++)
		rc = put_byte(&w, 0);
	for (i = 0; rc == 0 && i < md->n_var; i++) {
		const struct tisup_param_desc *row = tisup_param_by_pid(m->variant, md->var[i]);

		if (!tisup_has(m, (enum tisup_pid)row->pid))
			return -EINVAL;
		n = row->encode(m, 0, val, sizeof(val));
		if (n < 0)
			return n;
		if (w.pos - (ptrs + i) > 255)
			return -EINVAL;
		buf[ptrs + i] = (uint8_t)(w.pos - (ptrs + i));
		rc = put_byte(&w, (uint8_t)n);
		if (rc == 0)
			rc = put(&w, val, (size_t)n);
	}
	if (rc < 0)
		return rc;
	start = w.pos;
	rc = tisup_walk_optional(m, md, encode_one_optional, &w);
	if (rc < 0)
		return rc;
	if (w.pos > start) {
		/* Q.763 1.8: the end octet only when there is an optional part. */
		if (start - (ptrs + md->n_var) > 255)
			return -EINVAL;
		buf[ptrs + md->n_var] = (uint8_t)(start - (ptrs + md->n_var));
		rc = put_byte(&w, TISUP_PC_END);
		if (rc < 0)
			return rc;
	}
	*len = w.pos;
	return 0;
}
