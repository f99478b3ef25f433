/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ISUP codec internals shared by the isup/ sources: the parameter table, digit
 * packing and a bounded text buffer for printing. */
#ifndef TANDEM_TISUP_INT_H
#define TANDEM_TISUP_INT_H

#include "isup/tisup.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define TISUP_V_ITU  (1u << TISUP_ITU)
#define TISUP_V_ANSI (1u << TISUP_ANSI)
#define TISUP_V_ALL  (TISUP_V_ITU | TISUP_V_ANSI)

/* A bounded text buffer: len counts what the full text needs. */
struct tisup_sbuf {
	char *buf;
	size_t size;
	size_t len;
};

void tisup_sb_printf(struct tisup_sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tisup_sb_hex(struct tisup_sbuf *sb, const uint8_t *p, size_t n);

/* One row per parameter (Q.763 table 5, plus ANSI T1.113 codes). Rows
 * without decode are known by name only and kept untyped.
 *   decode: parse value v[0..len) into m's typed field (or append, for a
 *           repeatable one); must not touch m on failure; 0 or -EINVAL.
 *   encode: write instance inst's value into out[0..size); returns its
 *           length or -EINVAL.
 *   print:  one line body for instance inst. */
struct tisup_param_desc {
	uint8_t code;
	uint8_t pid;       /* enum tisup_pid, TISUP_P_RAW when untyped */
	uint8_t variants;  /* TISUP_V_* where this row applies */
	uint8_t fixed_len; /* length in a mandatory fixed part (0: never fixed) */
	const char *name;
	int (*decode)(struct tisup_msg *m, const uint8_t *v, size_t len);
	int (*encode)(const struct tisup_msg *m, unsigned inst, uint8_t *out, size_t size);
	void (*print)(const struct tisup_msg *m, unsigned inst, struct tisup_sbuf *sb);
};

/* The row for code in variant, NULL if none. */
const struct tisup_param_desc *tisup_param_by_code(unsigned variant, uint8_t code);
/* The row for a typed pid in variant (never NULL for pid < TISUP_P_COUNT). */
const struct tisup_param_desc *tisup_param_by_pid(unsigned variant, unsigned pid);

/* One row per message type and variant (Q.763 tables 21-38; T1.113). A
 * message is: type octet, fixed[] (their fixed_len each), one pointer per
 * var[] and one to the optional part, then var[] (length + value), then
 * the optional part (name, length, value; ended by 0). */
struct tisup_msg_desc {
	uint8_t type;
	uint8_t variants;
	uint8_t n_fixed;
	uint8_t fixed[4]; /* enum tisup_pid */
	uint8_t n_var;
	uint8_t var[2]; /* enum tisup_pid */
};

const struct tisup_msg_desc *tisup_msg_desc_find(unsigned variant, uint8_t type);
/* Whether pid is in md's mandatory fixed or variable part. */
int tisup_msg_mandatory(const struct tisup_msg_desc *md, unsigned pid);

/* Visit the optional part in encoding order: m->opt first, then the
 * present typed fields not yet visited (by code), then untyped ones not in
 * m->opt. row is NULL for an untyped code the table does not know; raw is
 * non-NULL for an untyped parameter. A nonzero return from fn stops the
 * walk and is returned. */
typedef int (*tisup_opt_fn)(const struct tisup_msg *m, const struct tisup_param_desc *row, const struct tisup_raw *raw,
			    unsigned inst, void *ctx);
int tisup_walk_optional(const struct tisup_msg *m, const struct tisup_msg_desc *md, tisup_opt_fn fn, void *ctx);

/* Number layouts (isup/digits.c). */
enum tisup_num_kind {
	TISUP_NUM_PLAIN,      /* O/E + NAI, flag/NPI/pres/screen, digits */
	TISUP_NUM_GENERIC,    /* qualifier octet, then as PLAIN */
	TISUP_NUM_SUBSEQUENT, /* O/E + spare, digits */
};

int tisup_number_decode(struct tisup_number *n, enum tisup_num_kind kind, const uint8_t *v, size_t len);
int tisup_number_encode(const struct tisup_number *n, enum tisup_num_kind kind, uint8_t *out, size_t size);
void tisup_number_print(const struct tisup_number *n, enum tisup_num_kind kind, struct tisup_sbuf *sb);

/* Pack ASCII digits as BCD, first digit in the low nibble (Q.763 3.9).
 * Returns the octet count and sets *odd, or -EINVAL. */
int tisup_digits_pack(const char *digits, uint8_t *out, size_t size, int *odd);
/* Unpack nd nibbles from p into digits (size >= nd + 1). */
void tisup_digits_unpack(const uint8_t *p, size_t nd, char *digits);

#endif
