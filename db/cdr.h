/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Call detail records: one call leg, as table cdr holds it (db/migrations/
 * 001_core.sql). A plain value type with fixed buffers: no ownership to
 * track, safe to copy with '='. */
#ifndef TANDEM_DB_CDR_H
#define TANDEM_DB_CDR_H

#include <stddef.h>
#include <stdint.h>

/* "Unset" (SQL NULL) for the nullable integer and time fields. Text
 * fields are unset when empty: the empty string is stored as NULL. */
#define CDR_UNSET (-1)

#define CDR_UUID_LEN   36 /* 8-4-4-4-12 hex digits, lower or upper case */
#define CDR_NAME_MAX   64 /* node, customer, ingress, egress, span */
#define CDR_NUMBER_MAX 64 /* caller, callee, dialed */
#define CDR_CODEC_MAX  32
#define CDR_CALLID_MAX 256
#define CDR_ROUTE_MAX  128

enum cdr_direction {
	CDR_DIR_OUTBOUND = 1, /* a customer's call toward the PSTN or a carrier */
	CDR_DIR_INBOUND = 2,  /* a call from the PSTN or a carrier to a DID */
};

enum cdr_disposition {
	CDR_DISP_ANSWERED = 1,
	CDR_DISP_BUSY = 2,
	CDR_DISP_NO_ANSWER = 3,
	CDR_DISP_FAILED = 4,
	CDR_DISP_CANCELLED = 5,
	CDR_DISP_REJECTED = 6,
};

enum cdr_hangup_side {
	CDR_HANGUP_UNSET = 0,
	CDR_HANGUP_CALLER = 1,
	CDR_HANGUP_CALLEE = 2,
	CDR_HANGUP_GATEWAY = 3,
};

struct cdr_record {
	char call_uuid[CDR_UUID_LEN + 1]; /* required */
	int leg;                          /* required, >= 1 */
	char node[CDR_NAME_MAX];          /* required */
	enum cdr_direction direction;     /* required */
	char customer[CDR_NAME_MAX];
	char ingress[CDR_NAME_MAX];
	char egress[CDR_NAME_MAX];
	char span[CDR_NAME_MAX];
	int channel; /* 1..31 or CDR_UNSET */
	char caller[CDR_NUMBER_MAX];
	char callee[CDR_NUMBER_MAX];
	char dialed[CDR_NUMBER_MAX]; /* as received */
	/* Milliseconds since the Unix epoch (UTC). start and end are
	 * required; answer is CDR_UNSET unless the leg was answered. */
	int64_t start_ms, answer_ms, end_ms;
	int64_t duration_ms, billable_ms; /* required, >= 0 */
	enum cdr_disposition disposition; /* required */
	int sip_status;                   /* 100..699 or CDR_UNSET */
	int q850_cause;                   /* 0..127 or CDR_UNSET */
	enum cdr_hangup_side hangup_side;
	char codec[CDR_CODEC_MAX];
	char sip_call_id[CDR_CALLID_MAX];
	char route[CDR_ROUTE_MAX]; /* which route and trunk member carried it */
	/* 007_cdr_isup: the caller's category (ISUP CPC, Q.763 3.11: 0..255)
	 * and the redirection (ISUP redirecting reason 0..15, counter 0..7) as
	 * the ingress gave them; unset (CDR_UNSET, "") when it did not. */
	int calling_category;
	char redirecting[CDR_NUMBER_MAX];
	int redirect_reason, redirect_count;
	char original_called[CDR_NUMBER_MAX];
};

/* A record with every optional field unset and the required ones zero. */
void cdr_record_init(struct cdr_record *r);

/* Check a record against the constraints of table cdr, so a record the
 * database would refuse never enters the journal. Returns 0, or -EINVAL
 * with the reason in err. */
int cdr_record_check(const struct cdr_record *r, char *err, size_t errlen);

/* Names as the database spells them ("outbound", "answered", "caller");
 * NULL for a value out of range (or CDR_HANGUP_UNSET). */
const char *cdr_direction_name(enum cdr_direction d);
const char *cdr_disposition_name(enum cdr_disposition d);
const char *cdr_hangup_side_name(enum cdr_hangup_side h);

/* Payload encoding (docs/cdr.md): a sequence of TLV fields. cdr_encode
 * writes at most len bytes to buf and returns the length used, or -ENOSPC.
 * cdr_decode fills *r and returns 0, or -EBADMSG (bounds, tags, lengths or
 * a missing required field). Both are pure and thread-safe. */
#define CDR_PAYLOAD_MAX 4096
int cdr_encode(const struct cdr_record *r, uint8_t *buf, size_t len);
int cdr_decode(const uint8_t *buf, size_t len, struct cdr_record *r);

#endif
