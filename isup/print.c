/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ISUP codec: names and the human-readable dump for logs. */
#include "config.h"

#include "isup/tisup_int.h"

#include <stdio.h>
#include <string.h>

void tisup_sb_printf(struct tisup_sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t room = sb->len < sb->size ? sb->size - sb->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += (size_t)n;
}

void tisup_sb_hex(struct tisup_sbuf *sb, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tisup_sb_printf(sb, "%02x", p[i]);
}

/* Q.763 table 4; only the types in isup/msg.c are coded. */
static const struct {
	uint8_t type;
	const char *name;
} msg_names[] = {
    {0x01, "IAM"}, {0x02, "SAM"},  {0x03, "INR"},  {0x04, "INF"}, {0x05, "COT"}, {0x06, "ACM"}, {0x07, "CON"},
    {0x08, "FOT"}, {0x09, "ANM"},  {0x0c, "REL"},  {0x0d, "SUS"}, {0x0e, "RES"}, {0x10, "RLC"}, {0x11, "CCR"},
    {0x12, "RSC"}, {0x13, "BLO"},  {0x14, "UBL"},  {0x15, "BLA"}, {0x16, "UBA"}, {0x17, "GRS"}, {0x18, "CGB"},
    {0x19, "CGU"}, {0x1a, "CGBA"}, {0x1b, "CGUA"}, {0x1f, "FAR"}, {0x20, "FAA"}, {0x21, "FRJ"}, {0x24, "LPA"},
    {0x28, "PAM"}, {0x29, "GRA"},  {0x2a, "CQM"},  {0x2b, "CQR"}, {0x2c, "CPG"}, {0x2d, "USR"}, {0x2e, "UCIC"},
    {0x2f, "CFN"}, {0x30, "OLM"},  {0x31, "CRG"},  {0x32, "NRM"}, {0x33, "FAC"}, {0x38, "IDR"}, {0x39, "IRS"},
    {0x3a, "SGM"}, {0xe9, "CRA"},  {0xea, "CRM"},  {0xeb, "CVR"}, {0xec, "CVT"}, {0xed, "EXM"},
};

const char *tisup_msg_name(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(msg_names) / sizeof(msg_names[0]); i++)
		if (msg_names[i].type == type)
			return msg_names[i].name;
	return "unknown";
}

const char *tisup_param_name(enum tisup_variant variant, uint8_t code)
{
	const struct tisup_param_desc *row =
	    (unsigned)variant <= TISUP_ANSI ? tisup_param_by_code(variant, code) : NULL;

	if (code == TISUP_PC_END)
		return "End of optional parameters";
	return row ? row->name : "unknown";
}

/* Q.850 table 1, the values a gateway meets most. */
static const struct {
	uint8_t cause;
	const char *name;
} cause_names[] = {
    {1, "Unallocated (unassigned) number"},
    {2, "No route to specified transit network"},
    {3, "No route to destination"},
    {16, "Normal call clearing"},
    {17, "User busy"},
    {18, "No user responding"},
    {19, "No answer from user (user alerted)"},
    {21, "Call rejected"},
    {22, "Number changed"},
    {27, "Destination out of order"},
    {28, "Invalid number format (address incomplete)"},
    {31, "Normal, unspecified"},
    {34, "No circuit/channel available"},
    {38, "Network out of order"},
    {41, "Temporary failure"},
    {42, "Switching equipment congestion"},
    {44, "Requested circuit/channel not available"},
    {47, "Resource unavailable, unspecified"},
    {57, "Bearer capability not authorized"},
    {58, "Bearer capability not presently available"},
    {65, "Bearer capability not implemented"},
    {79, "Service or option not implemented, unspecified"},
    {88, "Incompatible destination"},
    {95, "Invalid message, unspecified"},
    {97, "Message type non-existent or not implemented"},
    {99, "Information element/parameter non-existent or not implemented"},
    {102, "Recovery on timer expiry"},
    {111, "Protocol error, unspecified"},
    {127, "Interworking, unspecified"},
};

const char *tisup_cause_name(uint8_t cause)
{
	size_t i;

	for (i = 0; i < sizeof(cause_names) / sizeof(cause_names[0]); i++)
		if (cause_names[i].cause == cause)
			return cause_names[i].name;
	return "unknown";
}

static void print_typed(const struct tisup_msg *m, const struct tisup_param_desc *row, unsigned inst,
			struct tisup_sbuf *sb)
{
	tisup_sb_printf(sb, "  %s: ", row->name);
	row->print(m, inst, sb);
	tisup_sb_printf(sb, "\n");
}

static int print_one_optional(const struct tisup_msg *m, const struct tisup_param_desc *row,
			      const struct tisup_raw *raw, unsigned inst, void *ctx)
{
	struct tisup_sbuf *sb = ctx;

	if (!raw) {
		if (row && row->print)
			print_typed(m, row, inst, sb);
		return 0;
	}
	tisup_sb_printf(sb, "  %s (0x%02x, untyped): ", row ? row->name : "unknown", raw->code);
	if (raw->off <= TISUP_RAW_POOL && TISUP_RAW_POOL - raw->off >= raw->len)
		tisup_sb_hex(sb, m->pool + raw->off, raw->len);
	tisup_sb_printf(sb, "\n");
	return 0;
}

int tisup_print(const struct tisup_msg *m, char *buf, size_t size)
{
	const struct tisup_msg_desc *md = tisup_msg_desc_find(m->variant, m->type);
	struct tisup_sbuf sb = {buf, size, 0};
	unsigned i;

	if (size)
		buf[0] = '\0';
	tisup_sb_printf(&sb, "%s (0x%02x, %s)\n", tisup_msg_name(m->type), m->type,
			m->variant == TISUP_ANSI ? "ANSI" : "ITU");
	if (!md)
		return (int)sb.len;
	for (i = 0; i < md->n_fixed; i++)
		if (tisup_has(m, (enum tisup_pid)md->fixed[i]))
			print_typed(m, tisup_param_by_pid(m->variant, md->fixed[i]), 0, &sb);
	for (i = 0; i < md->n_var; i++)
		if (tisup_has(m, (enum tisup_pid)md->var[i]))
			print_typed(m, tisup_param_by_pid(m->variant, md->var[i]), 0, &sb);
	tisup_walk_optional(m, md, print_one_optional, &sb);
	return (int)sb.len;
}
