/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl isup decode / encode: an ISUP message (hex, from the message
 * type octet) to JSON and back, through the codec in isup/. One table per
 * parameter drives both directions, so what decode prints encode takes. */
#include "config.h"

#include "common/json.h"
#include "isup/tisup.h"
#include "provisioning/prov.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An integer field of a parameter: its JSON key, where it lives in struct
 * tisup_msg, its width and its largest value. */
struct ifield {
	const char *key;
	size_t off;
	uint8_t size; /* 1, 2 or 4 octets */
	uint32_t max;
};

#define F1(key, member, max)                                    \
	{                                                       \
		key, offsetof(struct tisup_msg, member), 1, max \
	}
#define F2(key, member, max)                                    \
	{                                                       \
		key, offsetof(struct tisup_msg, member), 2, max \
	}
#define F4(key, member, max)                                    \
	{                                                       \
		key, offsetof(struct tisup_msg, member), 4, max \
	}

static const struct ifield nci_f[] = {F1("satellite", nci.satellite, 3), F1("continuity", nci.continuity, 3),
				      F1("echo", nci.echo, 1), F1("spare", nci.spare, 7)};
static const struct ifield fci_f[] = {F1("international", fci.international, 1),
				      F1("e2e_method", fci.e2e_method, 3),
				      F1("interworking", fci.interworking, 1),
				      F1("e2e_info", fci.e2e_info, 1),
				      F1("isup_all_way", fci.isup_all_way, 1),
				      F1("isup_pref", fci.isup_pref, 3),
				      F1("isdn_access", fci.isdn_access, 1),
				      F1("sccp_method", fci.sccp_method, 3),
				      F1("spare", fci.spare, 31)};
static const struct ifield bci_f[] = {F1("charge", bci.charge, 3),
				      F1("called_status", bci.called_status, 3),
				      F1("called_cat", bci.called_cat, 3),
				      F1("e2e_method", bci.e2e_method, 3),
				      F1("interworking", bci.interworking, 1),
				      F1("e2e_info", bci.e2e_info, 1),
				      F1("isup_all_way", bci.isup_all_way, 1),
				      F1("holding", bci.holding, 1),
				      F1("isdn_access", bci.isdn_access, 1),
				      F1("echo", bci.echo, 1),
				      F1("sccp_method", bci.sccp_method, 3)};
static const struct ifield obci_f[] = {F1("inband", obci.inband, 1), F1("diversion", obci.diversion, 1),
				       F1("segmentation", obci.segmentation, 1), F1("mlpp_user", obci.mlpp_user, 1),
				       F1("spare", obci.spare, 15)};
static const struct ifield event_f[] = {F1("event", event.event, 127), F1("restricted", event.restricted, 1)};
static const struct ifield redir_f[] = {F1("len", redir_info.len, 2), F1("indicator", redir_info.indicator, 7),
					F1("orig_reason", redir_info.orig_reason, 15),
					F1("counter", redir_info.counter, 7), F1("reason", redir_info.reason, 15)};
static const struct ifield callref_f[] = {F4("identity", call_ref.identity, 0xffffff),
					  F4("spc", call_ref.spc, 0xffffff)};
static const struct ifield cpc_f[] = {F1("value", cpc, 255)};
static const struct ifield tmr_f[] = {F1("value", tmr, 255)};
static const struct ifield susres_f[] = {F1("value", susres, 255)};
static const struct ifield hop_f[] = {F1("value", hop_counter, 31)};
static const struct ifield inr_f[] = {F2("value", inr_ind, 0xffff)};
static const struct ifield inf_f[] = {F2("value", inf_ind, 0xffff)};
static const struct ifield cause_f[] = {F1("coding_std", cause.coding_std, 3), F1("location", cause.location, 15),
					F1("cause", cause.cause, 127)};
static const struct ifield usi_f[] = {F1("coding_std", usi.coding_std, 3), F1("itc", usi.itc, 31),
				      F1("mode", usi.mode, 3), F1("rate", usi.rate, 31), F1("layer1", usi.layer1, 31)};

enum kind {
	K_INTS,
	K_NUMBER,
	K_CAUSE,
	K_USI,
	K_AT
};
enum nkind {
	N_PLAIN,
	N_GENERIC,
	N_SUBSEQUENT
};

/* One row per typed parameter. */
struct pdesc {
	const char *key;
	uint8_t pid, code, kind;
	const struct ifield *f;
	size_t nf;
	size_t num_off;  /* K_NUMBER: offset of the struct tisup_number */
	uint8_t nkind;   /* K_NUMBER */
	const char *bit; /* K_NUMBER: the name of octet 2 bit 8 */
};

#define INTS(key, pid, code, f)                                                 \
	{                                                                       \
		key, pid, code, K_INTS, f, sizeof(f) / sizeof(f[0]), 0, 0, NULL \
	}
#define NUM(key, pid, code, member, nk, bit)                                                   \
	{                                                                                      \
		key, pid, code, K_NUMBER, NULL, 0, offsetof(struct tisup_msg, member), nk, bit \
	}

static const struct pdesc pdescs[] = {
    INTS("nci", TISUP_P_NCI, TISUP_PC_NCI, nci_f),
    INTS("fci", TISUP_P_FCI, TISUP_PC_FCI, fci_f),
    INTS("cpc", TISUP_P_CPC, TISUP_PC_CPC, cpc_f),
    INTS("tmr", TISUP_P_TMR, TISUP_PC_TMR, tmr_f),
    NUM("called", TISUP_P_CALLED, TISUP_PC_CALLED, called, N_PLAIN, "inn"),
    NUM("subsequent", TISUP_P_SUBSEQUENT, TISUP_PC_SUBSEQUENT, subsequent, N_SUBSEQUENT, NULL),
    NUM("calling", TISUP_P_CALLING, TISUP_PC_CALLING, calling, N_PLAIN, "ni"),
    {"usi", TISUP_P_USI, TISUP_PC_USI, K_USI, usi_f, sizeof(usi_f) / sizeof(usi_f[0]), 0, 0, NULL},
    {"cause", TISUP_P_CAUSE, TISUP_PC_CAUSE, K_CAUSE, cause_f, sizeof(cause_f) / sizeof(cause_f[0]), 0, 0, NULL},
    INTS("bci", TISUP_P_BCI, TISUP_PC_BCI, bci_f),
    INTS("obci", TISUP_P_OBCI, TISUP_PC_OBCI, obci_f),
    INTS("event", TISUP_P_EVENT, TISUP_PC_EVENT, event_f),
    NUM("redirecting", TISUP_P_REDIRECTING, TISUP_PC_REDIRECTING, redirecting, N_PLAIN, "spare"),
    INTS("redir_info", TISUP_P_REDIR_INFO, TISUP_PC_REDIR_INFO, redir_f),
    NUM("orig_called", TISUP_P_ORIG_CALLED, TISUP_PC_ORIG_CALLED, orig_called, N_PLAIN, "spare"),
    NUM("generic", TISUP_P_GENERIC_NUMBER, TISUP_PC_GENERIC_NUMBER, generic, N_GENERIC, "ni"),
    {"access_transport", TISUP_P_ACCESS_TRANSPORT, TISUP_PC_ACCESS_TRANSPORT, K_AT, NULL, 0, 0, 0, NULL},
    INTS("hop_counter", TISUP_P_HOP_COUNTER, TISUP_PC_HOP_COUNTER, hop_f),
    NUM("location", TISUP_P_LOCATION, TISUP_PC_LOCATION, location, N_PLAIN, "inn"),
    INTS("call_ref", TISUP_P_CALL_REF, TISUP_PC_CALL_REF, callref_f),
    INTS("susres", TISUP_P_SUSRES, TISUP_PC_SUSRES, susres_f),
    INTS("inr_ind", TISUP_P_INR_IND, TISUP_PC_INR_IND, inr_f),
    INTS("inf_ind", TISUP_P_INF_IND, TISUP_PC_INF_IND, inf_f),
};

#define N_PDESC (sizeof(pdescs) / sizeof(pdescs[0]))

static const struct pdesc *pdesc_by_pid(unsigned pid)
{
	for (size_t i = 0; i < N_PDESC; i++)
		if (pdescs[i].pid == pid)
			return &pdescs[i];
	return NULL;
}

static const struct pdesc *pdesc_by_key(const char *key)
{
	for (size_t i = 0; i < N_PDESC; i++)
		if (strcmp(pdescs[i].key, key) == 0)
			return &pdescs[i];
	return NULL;
}

static uint32_t get_int(const struct tisup_msg *m, const struct ifield *f)
{
	const uint8_t *p = (const uint8_t *)m + f->off;

	if (f->size == 1)
		return *p;
	if (f->size == 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void set_int(struct tisup_msg *m, const struct ifield *f, uint32_t v)
{
	uint8_t *p = (uint8_t *)m + f->off;

	if (f->size == 1) {
		*p = (uint8_t)v;
	} else if (f->size == 2) {
		uint16_t w = (uint16_t)v;
		memcpy(p, &w, 2);
	} else {
		memcpy(p, &v, 4);
	}
}

/* --- decode: message -> JSON --- */

static void print_hex(const uint8_t *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('"');
}

static void print_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_number(const struct pdesc *d, const struct tisup_number *n)
{
	if (d->nkind == N_GENERIC)
		printf("\"qualifier\": %u, ", n->qualifier);
	if (d->nkind != N_SUBSEQUENT)
		printf("\"nai\": %u, \"%s\": %u, \"npi\": %u, \"pres\": %u, \"screen\": %u, ", n->nai, d->bit, n->flag,
		       n->npi, n->pres, n->screen);
	printf("\"digits\": ");
	print_str(n->digits);
}

/* The fields of a typed parameter (instance inst), without braces. */
static void print_fields(const struct tisup_msg *m, const struct pdesc *d, unsigned inst)
{
	const char *sep = "";

	switch (d->kind) {
	case K_NUMBER:
		print_number(d, (const struct tisup_number *)((const uint8_t *)m + d->num_off) + inst);
		return;
	case K_AT:
		printf("\"hex\": ");
		print_hex(m->access_transport.data, m->access_transport.len);
		return;
	case K_USI:
		printf("\"hex\": ");
		print_hex(m->usi.octets, m->usi.len);
		sep = ", ";
		break;
	default:
		break;
	}
	for (size_t i = 0; i < d->nf; i++) {
		printf("%s\"%s\": %u", sep, d->f[i].key, get_int(m, &d->f[i]));
		sep = ", ";
	}
	if (d->kind == K_CAUSE) {
		if (m->cause.has_rec)
			printf(", \"rec\": %u", m->cause.rec);
		printf(", \"diag\": ");
		print_hex(m->cause.diag, m->cause.diag_len);
		printf(", \"text\": ");
		print_str(tisup_cause_name(m->cause.cause));
	}
}

static void print_message(const struct tisup_msg *m)
{
	int first = 1;

	printf("{\n  \"variant\": \"%s\",\n  \"type\": \"%s\"", m->variant == TISUP_ANSI ? "ansi" : "itu",
	       tisup_msg_name(m->type));
	/* The mandatory parameters, in pid order (the codec places them). */
	for (size_t i = 0; i < N_PDESC; i++) {
		const struct pdesc *d = &pdescs[i];

		if (tisup_is_mandatory(m->variant, m->type, d->pid) == 1 && tisup_has(m, d->pid)) {
			printf(",\n  \"%s\": {", d->key);
			print_fields(m, d, 0);
			printf("}");
		}
	}
	/* The optional part in wire order (tisup_decode records it). */
	printf(",\n  \"optional\": [");
	for (unsigned i = 0; i < m->n_opt && i < TISUP_MAX_OPT; i++) {
		const struct tisup_oref *o = &m->opt[i];

		if (o->pid == TISUP_P_RAW) {
			const struct tisup_raw *r;

			if (o->inst >= m->n_raw || o->inst >= TISUP_MAX_RAW)
				continue;
			r = &m->raw[o->inst];
			if (r->off + r->len > TISUP_RAW_POOL)
				continue;
			printf("%s\n    {\"param\": \"raw\", \"code\": %u, \"name\": ", first ? "" : ",", r->code);
			print_str(tisup_param_name(m->variant, r->code));
			printf(", \"hex\": ");
			print_hex(m->pool + r->off, r->len);
			printf("}");
		} else {
			const struct pdesc *d = pdesc_by_pid(o->pid);

			if (!d || tisup_is_mandatory(m->variant, m->type, d->pid) == 1)
				continue;
			printf("%s\n    {\"param\": \"%s\", \"name\": ", first ? "" : ",", d->key);
			print_str(tisup_param_name(m->variant, d->code));
			printf(", ");
			print_fields(m, d, o->inst);
			printf("}");
		}
		first = 0;
	}
	printf("%s]\n}\n", first ? "" : "\n  ");
}

/* Hex digits (spaces, tabs and colons between octets allowed) into out. */
static int parse_hex(const char *s, uint8_t *out, size_t size, size_t *len, const char **why)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ' ' || *s == '\t' || *s == ':' || *s == '\n') {
			if (hi >= 0) {
				*why = "an odd number of hex digits in an octet";
				return -EINVAL;
			}
			continue;
		}
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else {
			*why = "not a hex digit";
			return -EINVAL;
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= size) {
			*why = "too long";
			return -EINVAL;
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		*why = "an odd number of hex digits";
		return -EINVAL;
	}
	*len = n;
	return 0;
}

/* Options of both commands: --ansi, then the positional arguments. */
static int isup_args(int argc, char **argv, const char *cmd, int *ansi, int *first)
{
	int i;

	*ansi = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ansi") == 0) {
			*ansi = 1;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "tandemctl: isup %s: unknown option \"%s\"\n", cmd, argv[i]);
			return PROV_USAGE;
		} else {
			break;
		}
	}
	*first = i;
	return PROV_OK;
}

int prov_isup_decode(struct prov_ctx *ctx, int argc, char **argv)
{
	static struct tisup_msg m;
	uint8_t buf[TISUP_MAX_MSG * 2];
	char hex[TISUP_MAX_MSG * 8] = "";
	const char *why = "";
	size_t len = 0, used = 0;
	int ansi, first, rc;

	(void)ctx;
	rc = isup_args(argc, argv, "decode", &ansi, &first);
	if (rc != PROV_OK)
		return rc;
	if (first >= argc) {
		fprintf(stderr, "tandemctl: isup decode: missing HEX (the message from its type octet)\n");
		return PROV_USAGE;
	}
	/* "01 00 60" and 01 00 60 alike. */
	for (int i = first; i < argc; i++) {
		int n = snprintf(hex + used, sizeof(hex) - used, "%s ", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(hex) - used) {
			fprintf(stderr, "isup decode: bad hex: too long\n");
			return PROV_REFUSED;
		}
		used += (size_t)n;
	}
	if (parse_hex(hex, buf, sizeof(buf), &len, &why) < 0 || len == 0) {
		fprintf(stderr, "isup decode: bad hex: %s\n", len == 0 && !why[0] ? "empty" : why);
		return PROV_REFUSED;
	}
	rc = tisup_decode(&m, ansi ? TISUP_ANSI : TISUP_ITU, buf, len);
	if (rc < 0) {
		const char *what = rc == -EMSGSIZE  ? "truncated"
				   : rc == -ENOTSUP ? "message type not supported"
				   : rc == -ENOBUFS ? "beyond the codec's limits"
						    : "malformed";

		fprintf(stderr, "isup decode: %s (0x%02x, %s): %s\n", tisup_msg_name(buf[0]), buf[0],
			ansi ? "ANSI" : "ITU", what);
		return PROV_REFUSED;
	}
	print_message(&m);
	return PROV_OK;
}

/* --- encode: JSON -> message --- */

static int refuse(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "isup encode: field \"%s\": ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return PROV_REFUSED;
}

static int want_uint(const struct json_value *v, const char *path, uint32_t max, uint32_t *out)
{
	if (!v || v->type != JSON_NUMBER || !v->is_int || v->ival < 0 || (unsigned long long)v->ival > max)
		return refuse(path, "expected an integer 0..%u", max);
	*out = (uint32_t)v->ival;
	return PROV_OK;
}

static int want_hex(const struct json_value *v, const char *path, uint8_t *out, size_t min, size_t max, size_t *len)
{
	const char *why = "";

	if (!v || v->type != JSON_STRING || v->len % 2 || strpbrk(v->str, " \t:\n") ||
	    parse_hex(v->str, out, max, len, &why) < 0 || *len < min)
		return refuse(path, "expected a hex string of %zu..%zu octets", min, max);
	return PROV_OK;
}

/* Keys a parameter's object may hold besides its fields. */
static int informative(const char *key)
{
	return strcmp(key, "param") == 0 || strcmp(key, "name") == 0 || strcmp(key, "text") == 0;
}

static int fill_number(struct tisup_number *n, const struct pdesc *d, const struct json_value *o, const char *pre)
{
	char path[96];

	memset(n, 0, sizeof(*n));
	for (size_t k = 0; k < o->len; k++) {
		const char *key = o->keys[k];
		const struct json_value *v = o->items[k];
		uint32_t x = 0;
		int rc = PROV_OK;

		snprintf(path, sizeof(path), "%s.%s", pre, key);
		if (informative(key))
			continue;
		if (strcmp(key, "digits") == 0) {
			if (!v || v->type != JSON_STRING || v->len > TISUP_MAX_DIGITS ||
			    strspn(v->str, "0123456789ABCDEFabcdef*#") != v->len)
				return refuse(path, "expected up to %d address signals (0-9, A-F, *, #)",
					      TISUP_MAX_DIGITS);
			memcpy(n->digits, v->str, v->len + 1);
			continue;
		}
		if (d->nkind == N_GENERIC && strcmp(key, "qualifier") == 0) {
			rc = want_uint(v, path, 255, &x);
			n->qualifier = (uint8_t)x;
		} else if (d->nkind != N_SUBSEQUENT && strcmp(key, "nai") == 0) {
			rc = want_uint(v, path, 127, &x);
			n->nai = (uint8_t)x;
		} else if (d->nkind != N_SUBSEQUENT && strcmp(key, d->bit) == 0) {
			rc = want_uint(v, path, 1, &x);
			n->flag = (uint8_t)x;
		} else if (d->nkind != N_SUBSEQUENT && strcmp(key, "npi") == 0) {
			rc = want_uint(v, path, 7, &x);
			n->npi = (uint8_t)x;
		} else if (d->nkind != N_SUBSEQUENT && strcmp(key, "pres") == 0) {
			rc = want_uint(v, path, 3, &x);
			n->pres = (uint8_t)x;
		} else if (d->nkind != N_SUBSEQUENT && strcmp(key, "screen") == 0) {
			rc = want_uint(v, path, 3, &x);
			n->screen = (uint8_t)x;
		} else {
			return refuse(path, "unknown field");
		}
		if (rc != PROV_OK)
			return rc;
	}
	return PROV_OK;
}

/* Fill the typed parameter d (instance inst) of m from object o; pre is
 * its name in messages. */
static int fill_param(struct tisup_msg *m, const struct pdesc *d, unsigned inst, const struct json_value *o,
		      const char *pre)
{
	char path[96];
	int have_hex = 0, have_view = 0;

	if (!o || o->type != JSON_OBJECT)
		return refuse(pre, "expected an object");
	if (d->kind == K_NUMBER)
		return fill_number((struct tisup_number *)((uint8_t *)m + d->num_off) + inst, d, o, pre);
	for (size_t k = 0; k < o->len; k++) {
		const char *key = o->keys[k];
		const struct json_value *v = o->items[k];
		uint32_t x = 0;
		size_t len = 0, i;
		int rc;

		snprintf(path, sizeof(path), "%s.%s", pre, key);
		if (informative(key))
			continue;
		if (d->kind == K_AT && strcmp(key, "hex") == 0) {
			rc = want_hex(v, path, m->access_transport.data, 0, sizeof(m->access_transport.data), &len);
			m->access_transport.len = (uint8_t)len;
		} else if (d->kind == K_USI && strcmp(key, "hex") == 0) {
			rc = want_hex(v, path, m->usi.octets, 2, TISUP_MAX_USI, &len);
			m->usi.len = (uint8_t)len;
			have_hex = 1;
		} else if (d->kind == K_CAUSE && strcmp(key, "diag") == 0) {
			rc = want_hex(v, path, m->cause.diag, 0, TISUP_MAX_DIAG, &len);
			m->cause.diag_len = (uint8_t)len;
		} else if (d->kind == K_CAUSE && strcmp(key, "rec") == 0) {
			rc = want_uint(v, path, 127, &x);
			m->cause.rec = (uint8_t)x;
			m->cause.has_rec = 1;
		} else {
			for (i = 0; i < d->nf && strcmp(d->f[i].key, key) != 0; i++)
				;
			if (i == d->nf)
				return refuse(path, "unknown field");
			rc = want_uint(v, path, d->f[i].max, &x);
			if (rc == PROV_OK && d->pid == TISUP_P_CALL_REF && strcmp(key, "spc") == 0 &&
			    m->variant == TISUP_ITU && x > 0x3fff)
				rc = refuse(path, "expected an integer 0..%u", 0x3fff);
			set_int(m, &d->f[i], x);
			have_view |= d->kind == K_USI;
		}
		if (rc != PROV_OK)
			return rc;
	}
	if (d->kind == K_USI && !have_hex) {
		/* No octets: build them from the fields. */
		if (!have_view)
			return refuse(pre, "expected \"hex\" or the fields coding_std, itc, mode, rate, layer1");
		tisup_usi_set(&m->usi, m->usi.coding_std, m->usi.itc, m->usi.mode, m->usi.rate, m->usi.layer1);
	} /* with "hex", the octets rule and the view fields are not used */
	if (d->pid == TISUP_P_REDIR_INFO && m->redir_info.len == 1 && m->variant != TISUP_ANSI)
		return refuse("redir_info.len", "1 octet is ANSI only");
	return PROV_OK;
}

static int opt_add(struct tisup_msg *m, unsigned pid, unsigned inst, const char *path)
{
	if (m->n_opt >= TISUP_MAX_OPT)
		return refuse(path, "more than %d optional parameters", TISUP_MAX_OPT);
	m->opt[m->n_opt].pid = (uint8_t)pid;
	m->opt[m->n_opt].inst = (uint8_t)inst;
	m->n_opt++;
	return PROV_OK;
}

static int fill_optional(struct tisup_msg *m, const struct json_value *arr)
{
	char path[64];

	if (arr->type != JSON_ARRAY)
		return refuse("optional", "expected an array");
	for (size_t i = 0; i < arr->len; i++) {
		const struct json_value *o = arr->items[i], *p = json_get(o, "param");
		const struct pdesc *d;
		int rc;

		snprintf(path, sizeof(path), "optional[%zu]", i);
		if (!o || o->type != JSON_OBJECT)
			return refuse(path, "expected an object");
		snprintf(path, sizeof(path), "optional[%zu].param", i);
		if (!p || p->type != JSON_STRING)
			return refuse(path, "expected a parameter name (\"calling\", \"raw\", ...)");
		if (strcmp(p->str, "raw") == 0) {
			uint8_t val[255];
			uint32_t code = 0;
			size_t len = 0;

			for (size_t k = 0; k < o->len; k++) {
				if (!informative(o->keys[k]) && strcmp(o->keys[k], "code") != 0 &&
				    strcmp(o->keys[k], "hex") != 0) {
					snprintf(path, sizeof(path), "optional[%zu].%s", i, o->keys[k]);
					return refuse(path, "unknown field");
				}
			}
			snprintf(path, sizeof(path), "optional[%zu].code", i);
			if ((rc = want_uint(json_get(o, "code"), path, 255, &code)) != PROV_OK)
				return rc;
			if (code == 0)
				return refuse(path, "0 ends the optional part");
			snprintf(path, sizeof(path), "optional[%zu].hex", i);
			if ((rc = want_hex(json_get(o, "hex"), path, val, 0, sizeof(val), &len)) != PROV_OK)
				return rc;
			if (tisup_raw_add(m, (uint8_t)code, val, len) < 0)
				return refuse(path, "beyond the codec's limits (%d parameters, %d octets)",
					      TISUP_MAX_RAW, TISUP_RAW_POOL);
			continue;
		}
		d = pdesc_by_key(p->str);
		if (!d)
			return refuse(path, "unknown parameter \"%s\"", p->str);
		if (d->pid == TISUP_P_GENERIC_NUMBER) {
			struct tisup_number gn;

			if (m->n_generic >= TISUP_MAX_GENERIC)
				return refuse(path, "more than %d generic numbers", TISUP_MAX_GENERIC);
			snprintf(path, sizeof(path), "generic[%u]", m->n_generic);
			if ((rc = fill_param(m, d, m->n_generic, o, path)) != PROV_OK)
				return rc;
			gn = m->generic[m->n_generic];
			tisup_generic_add(m, &gn);
			rc = opt_add(m, d->pid, m->n_generic - 1u, path);
		} else {
			if (tisup_has(m, d->pid))
				return refuse(d->key, "given twice");
			if ((rc = fill_param(m, d, 0, o, d->key)) != PROV_OK)
				return rc;
			tisup_set(m, d->pid);
			rc = opt_add(m, d->pid, 0, d->key);
		}
		if (rc != PROV_OK)
			return rc;
	}
	return PROV_OK;
}

static int message_type(const struct json_value *v, uint8_t *type)
{
	if (v && v->type == JSON_STRING && strcmp(v->str, "unknown") != 0) {
		for (unsigned t = 1; t < 256; t++) {
			if (strcasecmp(tisup_msg_name((uint8_t)t), v->str) == 0) {
				*type = (uint8_t)t;
				return PROV_OK;
			}
		}
		return refuse("type", "unknown message type \"%s\"", v->str);
	}
	if (v && v->type == JSON_STRING)
		return refuse("type", "unknown message type \"%s\"", v->str);
	if (v && v->type == JSON_NUMBER && v->is_int && v->ival > 0 && v->ival < 256) {
		*type = (uint8_t)v->ival;
		return PROV_OK;
	}
	return refuse("type", "expected a message name (\"IAM\", ...) or an integer 1..255");
}

static int build_message(const struct json_value *doc, int ansi, struct tisup_msg *m)
{
	const struct json_value *vv = json_get(doc, "variant"), *opt = NULL;
	enum tisup_variant variant = ansi ? TISUP_ANSI : TISUP_ITU;
	uint8_t type = 0;
	int rc;

	if (doc->type != JSON_OBJECT)
		return refuse("(top)", "expected an object");
	if (vv) {
		if (vv->type != JSON_STRING || (strcmp(vv->str, "itu") != 0 && strcmp(vv->str, "ansi") != 0))
			return refuse("variant", "expected \"itu\" or \"ansi\"");
		if (ansi && strcmp(vv->str, "ansi") != 0)
			return refuse("variant", "\"%s\" but --ansi given", vv->str);
		variant = strcmp(vv->str, "ansi") == 0 ? TISUP_ANSI : TISUP_ITU;
	}
	if ((rc = message_type(json_get(doc, "type"), &type)) != PROV_OK)
		return rc;
	if (tisup_is_mandatory(variant, type, TISUP_P_NCI) < 0)
		return refuse("type", "%s is not supported in %s", tisup_msg_name(type),
			      variant == TISUP_ANSI ? "ANSI" : "ITU");
	tisup_msg_init(m, variant, (enum tisup_msg_type)type);
	for (size_t k = 0; k < doc->len; k++) {
		const char *key = doc->keys[k];
		const struct pdesc *d;

		if (strcmp(key, "variant") == 0 || strcmp(key, "type") == 0)
			continue;
		if (strcmp(key, "optional") == 0) {
			opt = doc->items[k];
			continue;
		}
		d = pdesc_by_key(key);
		if (!d || d->pid == TISUP_P_GENERIC_NUMBER)
			return refuse(key, d ? "generic numbers go in \"optional\"" : "unknown parameter");
		if ((rc = fill_param(m, d, 0, doc->items[k], key)) != PROV_OK)
			return rc;
		tisup_set(m, d->pid);
	}
	if (opt && (rc = fill_optional(m, opt)) != PROV_OK)
		return rc;
	for (size_t i = 0; i < N_PDESC; i++)
		if (tisup_is_mandatory(variant, type, pdescs[i].pid) == 1 && !tisup_has(m, pdescs[i].pid))
			return refuse(pdescs[i].key, "missing (mandatory in %s)", tisup_msg_name(type));
	return PROV_OK;
}

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *nb = cap < (1u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	*len = n;
	return buf;
}

int prov_isup_encode(struct prov_ctx *ctx, int argc, char **argv)
{
	static struct tisup_msg m;
	struct json_value *doc = NULL;
	uint8_t out[TISUP_MAX_MSG];
	char err[200], *text;
	size_t len = 0, olen = 0;
	int ansi, first, rc;

	(void)ctx;
	rc = isup_args(argc, argv, "encode", &ansi, &first);
	if (rc != PROV_OK)
		return rc;
	if (argc - first > 1) {
		fprintf(stderr, "tandemctl: isup encode: one JSON argument (or - or none for stdin)\n");
		return PROV_USAGE;
	}
	if (first < argc && strcmp(argv[first], "-") != 0) {
		text = strdup(argv[first]);
		len = text ? strlen(text) : 0;
	} else {
		text = read_all(stdin, &len);
	}
	if (!text) {
		fprintf(stderr, "isup encode: out of memory\n");
		return PROV_REFUSED;
	}
	rc = json_parse(text, len, &doc, err, sizeof(err));
	free(text);
	if (rc < 0) {
		fprintf(stderr, "isup encode: bad JSON: %s\n", err);
		return PROV_REFUSED;
	}
	rc = build_message(doc, ansi, &m);
	json_free(doc);
	if (rc != PROV_OK)
		return rc;
	rc = tisup_encode(&m, out, sizeof(out), &olen);
	if (rc < 0) {
		fprintf(stderr, "isup encode: %s does not encode: %s\n", tisup_msg_name(m.type), strerror(-rc));
		return PROV_REFUSED;
	}
	for (size_t i = 0; i < olen; i++)
		printf("%02x", out[i]);
	printf("\n");
	return PROV_OK;
}
