/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ISUP codec: ITU-T Q.763 (and ANSI T1.113 IAM/ACM/CPG/ANM/REL) messages to
 * and from a typed struct, as carried in SIP-T bodies (RFC 3204). */
#ifndef TANDEM_TISUP_H
#define TANDEM_TISUP_H

#include <stddef.h>
#include <stdint.h>

/* Return codes, besides 0 (success), used by every function below:
 *   -EINVAL   malformed (bad pointer, bad length, bad value, unknown field)
 *   -EMSGSIZE truncated: the buffer ends before the message does
 *   -ENOTSUP  message type this codec does not know for the variant
 *   -ENOBUFS  well formed but beyond this codec's limits (TISUP_MAX_*)
 *   -ENOSPC   the output buffer is too small (encode) */

enum tisup_variant {
	TISUP_ITU = 0,  /* ITU-T Q.763 */
	TISUP_ANSI = 1, /* ANSI T1.113 */
};

/* Message type codes, Q.763 table 4. */
enum tisup_msg_type {
	TISUP_IAM = 0x01,
	TISUP_SAM = 0x02,
	TISUP_INR = 0x03,
	TISUP_INF = 0x04,
	TISUP_ACM = 0x06,
	TISUP_CON = 0x07,
	TISUP_ANM = 0x09,
	TISUP_REL = 0x0c,
	TISUP_SUS = 0x0d,
	TISUP_RES = 0x0e,
	TISUP_RLC = 0x10,
	TISUP_CPG = 0x2c,
};

/* Parameter name codes with a typed field below, Q.763 table 5. */
enum tisup_param_code {
	TISUP_PC_END = 0x00,
	TISUP_PC_CALL_REF = 0x01,
	TISUP_PC_TMR = 0x02,
	TISUP_PC_ACCESS_TRANSPORT = 0x03,
	TISUP_PC_CALLED = 0x04,
	TISUP_PC_SUBSEQUENT = 0x05,
	TISUP_PC_NCI = 0x06,
	TISUP_PC_FCI = 0x07,
	TISUP_PC_CPC = 0x09,
	TISUP_PC_CALLING = 0x0a,
	TISUP_PC_REDIRECTING = 0x0b,
	TISUP_PC_INR_IND = 0x0e,
	TISUP_PC_INF_IND = 0x0f,
	TISUP_PC_BCI = 0x11,
	TISUP_PC_CAUSE = 0x12,
	TISUP_PC_REDIR_INFO = 0x13,
	TISUP_PC_USI = 0x1d,
	TISUP_PC_SUSRES = 0x22,
	TISUP_PC_EVENT = 0x24,
	TISUP_PC_ORIG_CALLED = 0x28,
	TISUP_PC_OBCI = 0x29,
	TISUP_PC_HOP_COUNTER = 0x3d,
	TISUP_PC_LOCATION = 0x3f,
	TISUP_PC_GENERIC_NUMBER = 0xc0, /* ANSI: generic address, same layout */
};

/* Typed parameters: bit numbers in tisup_msg.present. */
enum tisup_pid {
	TISUP_P_NCI,
	TISUP_P_FCI,
	TISUP_P_CPC,
	TISUP_P_TMR,
	TISUP_P_CALLED,
	TISUP_P_SUBSEQUENT,
	TISUP_P_CALLING,
	TISUP_P_USI,
	TISUP_P_CAUSE,
	TISUP_P_BCI,
	TISUP_P_OBCI,
	TISUP_P_EVENT,
	TISUP_P_REDIRECTING,
	TISUP_P_REDIR_INFO,
	TISUP_P_ORIG_CALLED,
	TISUP_P_GENERIC_NUMBER, /* repeatable: n_generic is authoritative */
	TISUP_P_ACCESS_TRANSPORT,
	TISUP_P_HOP_COUNTER,
	TISUP_P_LOCATION,
	TISUP_P_CALL_REF,
	TISUP_P_SUSRES,
	TISUP_P_INR_IND,
	TISUP_P_INF_IND,
	TISUP_P_COUNT,
	TISUP_P_RAW = 0xff, /* an untyped parameter (order list only) */
};

#define TISUP_MAX_DIGITS  64   /* digits in one number */
#define TISUP_MAX_GENERIC 4    /* generic numbers in one message */
#define TISUP_MAX_RAW     32   /* untyped optional parameters */
#define TISUP_RAW_POOL    1024 /* their values, all together */
#define TISUP_MAX_OPT     48   /* optional parameters in one message */
#define TISUP_MAX_USI     32   /* user service information octets */
#define TISUP_MAX_DIAG    32   /* cause diagnostic octets */
#define TISUP_MAX_MSG     2048 /* enough for any message this codec makes */

/* Called party, calling party, redirecting, original called, location,
 * subsequent and generic numbers (Q.763 3.9, 3.10, 3.26, 3.30, 3.39, 3.44,
 * 3.51). digits is NUL-terminated ASCII, one character per address signal:
 * '0'-'9', 'A'-'F' for the codes 10-15 (B = code 11, C = code 12, F = ST).
 * On encode, '*' and '#' are accepted for B and C, lowercase for uppercase.
 * The odd/even indicator follows from strlen(digits). */
struct tisup_number {
	uint8_t qualifier; /* generic number: number qualifier (ANSI: type of address) */
	uint8_t nai;       /* nature of address indicator, 7 bits */
	uint8_t flag;      /* octet 2 bit 8: INN (called, location) or NI (calling, generic) */
	uint8_t npi;       /* numbering plan indicator, 3 bits */
	uint8_t pres;      /* address presentation restricted indicator, 2 bits */
	uint8_t screen;    /* screening indicator, 2 bits (spare bits in a called number) */
	char digits[TISUP_MAX_DIGITS + 1];
};

/* Nature of connection indicators (3.35). */
struct tisup_nci {
	uint8_t satellite;  /* BA */
	uint8_t continuity; /* DC */
	uint8_t echo;       /* E: outgoing half echo control device included */
	uint8_t spare;      /* HGF */
};

/* Forward call indicators (3.23). */
struct tisup_fci {
	uint8_t international; /* A */
	uint8_t e2e_method;    /* CB */
	uint8_t interworking;  /* D */
	uint8_t e2e_info;      /* E */
	uint8_t isup_all_way;  /* F */
	uint8_t isup_pref;     /* HG */
	uint8_t isdn_access;   /* I */
	uint8_t sccp_method;   /* KJ */
	uint8_t spare;         /* PONML (L: ported number, M: query on release) */
};

/* Backward call indicators (3.5). */
struct tisup_bci {
	uint8_t charge;        /* BA */
	uint8_t called_status; /* DC */
	uint8_t called_cat;    /* FE */
	uint8_t e2e_method;    /* HG */
	uint8_t interworking;  /* I */
	uint8_t e2e_info;      /* J */
	uint8_t isup_all_way;  /* K */
	uint8_t holding;       /* L */
	uint8_t isdn_access;   /* M */
	uint8_t echo;          /* N */
	uint8_t sccp_method;   /* PO */
};

/* Optional backward call indicators (3.37). */
struct tisup_obci {
	uint8_t inband;       /* A: in-band information available */
	uint8_t diversion;    /* B: call diversion may occur */
	uint8_t segmentation; /* C */
	uint8_t mlpp_user;    /* D */
	uint8_t spare;        /* HGFE */
};

/* Event information (3.21). */
struct tisup_event {
	uint8_t event;      /* GFEDCBA: 1 alerting, 2 progress, 3 in-band info, ... */
	uint8_t restricted; /* H: event presentation restricted */
};

/* Cause indicators (3.12, Q.850). */
struct tisup_cause {
	uint8_t coding_std; /* 0 ITU-T, 2 national (ANSI) */
	uint8_t location;   /* 4 bits */
	uint8_t has_rec;    /* octet 1a present */
	uint8_t rec;        /* recommendation, 7 bits */
	uint8_t cause;      /* cause value, 7 bits: 16 normal clearing, ... */
	uint8_t diag_len;
	uint8_t diag[TISUP_MAX_DIAG];
};

/* Redirection information (3.45). len is 1 (ANSI only) or 2 octets. */
struct tisup_redir_info {
	uint8_t len;
	uint8_t indicator;   /* CBA */
	uint8_t orig_reason; /* HGFE */
	uint8_t counter;     /* KJI */
	uint8_t reason;      /* PONM */
};

/* User service information (3.57, Q.931 bearer capability octets 3...).
 * octets is authoritative for encoding; the other fields are a read-only
 * view filled by tisup_decode() and tisup_usi_set(). */
struct tisup_usi {
	uint8_t len;
	uint8_t octets[TISUP_MAX_USI];
	uint8_t coding_std; /* octet 3 bits 7-6 */
	uint8_t itc;        /* octet 3 bits 5-1: 0 speech, 8 unrestricted digital, 16 3.1 kHz */
	uint8_t mode;       /* octet 4 bits 7-6 */
	uint8_t rate;       /* octet 4 bits 5-1: 16 = 64 kbit/s */
	uint8_t layer1;     /* layer 1 protocol (octet 5 bits 5-1), 0 if absent */
};

/* Call reference (3.8): ITU point code 14 bits, ANSI 24 bits. */
struct tisup_call_ref {
	uint32_t identity; /* 24 bits */
	uint32_t spc;
};

/* Access transport (3.3): Q.931 information elements, kept as octets. */
struct tisup_octets {
	uint8_t len;
	uint8_t data[255];
};

/* An untyped parameter: its value is m->pool[off .. off + len). */
struct tisup_raw {
	uint8_t code;
	uint8_t len;
	uint16_t off;
};

/* Where each optional parameter sits in the optional part, so that a
 * transit call forwards them in the order they came. */
struct tisup_oref {
	uint8_t pid;  /* enum tisup_pid, or TISUP_P_RAW */
	uint8_t inst; /* index into generic[] or raw[] */
};

/* One decoded message. Plain data owned by the caller (stack or heap, no
 * pointers inside, copy with memcpy); nothing to free. A typed field is
 * meaningful only when its bit is set in present (tisup_has()). */
struct tisup_msg {
	uint8_t variant; /* enum tisup_variant */
	uint8_t type;    /* enum tisup_msg_type */
	uint32_t present;

	struct tisup_nci nci;
	struct tisup_fci fci;
	uint8_t cpc; /* calling party's category (3.11): 10 ordinary, ... */
	uint8_t tmr; /* transmission medium requirement (3.54): 0 speech, 3 3.1 kHz */
	struct tisup_number called;
	struct tisup_number subsequent;
	struct tisup_number calling;
	struct tisup_usi usi;
	struct tisup_cause cause;
	struct tisup_bci bci;
	struct tisup_obci obci;
	struct tisup_event event;
	struct tisup_number redirecting;
	struct tisup_redir_info redir_info;
	struct tisup_number orig_called;
	uint8_t n_generic;
	struct tisup_number generic[TISUP_MAX_GENERIC];
	struct tisup_octets access_transport;
	uint8_t hop_counter; /* 5 bits */
	struct tisup_number location;
	struct tisup_call_ref call_ref;
	uint8_t susres;   /* suspend/resume indicators (3.52): 0 ISDN subscriber, 1 network */
	uint16_t inr_ind; /* information request indicators (3.29), octet 1 in the low byte */
	uint16_t inf_ind; /* information indicators (3.28), octet 1 in the low byte */

	/* Every other optional parameter, byte for byte. */
	uint8_t n_raw;
	struct tisup_raw raw[TISUP_MAX_RAW];
	uint16_t pool_used;
	uint8_t pool[TISUP_RAW_POOL];

	/* Order of the optional part as decoded (or as added). */
	uint8_t n_opt;
	struct tisup_oref opt[TISUP_MAX_OPT];
};

static inline int tisup_has(const struct tisup_msg *m, enum tisup_pid pid)
{
	if (pid == TISUP_P_GENERIC_NUMBER)
		return m->n_generic > 0;
	return (int)((m->present >> pid) & 1u);
}

/* Mark a typed field as present after filling it in. */
static inline void tisup_set(struct tisup_msg *m, enum tisup_pid pid)
{
	m->present |= 1u << pid;
}

static inline void tisup_clear(struct tisup_msg *m, enum tisup_pid pid)
{
	m->present &= ~(1u << pid);
}

/* Empty message of the given type: zeroed, nothing present. Fill the typed
 * fields, tisup_set() each, then tisup_encode(). The mandatory fixed and
 * variable parameters of type must be set before encoding. */
void tisup_msg_init(struct tisup_msg *m, enum tisup_variant variant, enum tisup_msg_type type);

/* Decode buf[0..len), which starts at the message type octet (no routing
 * label, no CIC), into *m (overwritten in full; on error its content is
 * unspecified). Typed optional parameters that fail their own checks are
 * kept untyped, like unknown ones. Returns 0, -EINVAL, -EMSGSIZE,
 * -ENOTSUP or -ENOBUFS. Reentrant; no allocation. */
int tisup_decode(struct tisup_msg *m, enum tisup_variant variant, const uint8_t *buf, size_t len);

/* Encode *m into buf[0..size); *len gets the length. Optional parameters
 * come in m->opt order, then the other present typed ones by code.
 * Returns 0, -EINVAL (a mandatory parameter missing, a bad digit, a value
 * too long), -ENOTSUP or -ENOSPC. */
int tisup_encode(const struct tisup_msg *m, uint8_t *buf, size_t size, size_t *len);

/* Whether typed parameter pid is in the mandatory (fixed or variable) part
 * of message type in variant: 1, 0, or -ENOTSUP for an unknown type. */
int tisup_is_mandatory(enum tisup_variant variant, uint8_t type, enum tisup_pid pid);

/* Append an untyped optional parameter (copied). Returns 0, -EINVAL
 * (code 0) or -ENOBUFS. */
int tisup_raw_add(struct tisup_msg *m, uint8_t code, const uint8_t *val, size_t len);

/* The first untyped parameter with this code: a pointer into m (valid while
 * m is), its length in *len; NULL if absent. */
const uint8_t *tisup_raw_find(const struct tisup_msg *m, uint8_t code, size_t *len);

/* Append a generic number (copied). Returns 0 or -ENOBUFS. */
int tisup_generic_add(struct tisup_msg *m, const struct tisup_number *gn);

/* Fill a user service information from its main fields (layer1 0: no
 * octet 5). Returns 0 or -EINVAL (a field out of range). */
int tisup_usi_set(struct tisup_usi *usi, uint8_t coding_std, uint8_t itc, uint8_t mode, uint8_t rate, uint8_t layer1);

/* Human-readable dump, one parameter a line, into buf (always
 * NUL-terminated when size > 0). Returns the length the full text needs,
 * like snprintf. */
int tisup_print(const struct tisup_msg *m, char *buf, size_t size);

/* Static names for logs: "IAM", "Called party number", "Normal call
 * clearing"; never NULL ("unknown" when unknown). */
const char *tisup_msg_name(uint8_t type);
const char *tisup_param_name(enum tisup_variant variant, uint8_t code);
const char *tisup_cause_name(uint8_t cause);

#endif
