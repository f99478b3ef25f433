/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Q.931 <-> ISUP interworking (ITU-T Q.699): pure functions between a
 * plain struct holding a Q.931 call's fields and ISUP messages (isup/
 * tisup.h). libc only; no allocation; nothing kept between calls. */
#ifndef TANDEM_Q699_H
#define TANDEM_Q699_H

#include "isup/tisup.h"

#include <stddef.h>
#include <stdint.h>

/* Q.931 4.5.8/4.5.10 type of number (octet 3 bits 7-5). */
enum q699_ton {
	Q699_TON_UNKNOWN = 0,
	Q699_TON_INTERNATIONAL = 1,
	Q699_TON_NATIONAL = 2,
	Q699_TON_NETWORK = 3,
	Q699_TON_SUBSCRIBER = 4,
	Q699_TON_ABBREVIATED = 6,
};

/* Q.931 bearer capability, the three a voice gateway meets. */
enum q699_bearer {
	Q699_BEARER_SPEECH = 0,
	Q699_BEARER_AUDIO_31K = 1,        /* 3.1 kHz audio */
	Q699_BEARER_UNRESTRICTED_64K = 2, /* 64 kbit/s unrestricted digital */
};

/* A Q.931 number: called, calling, redirecting (and the original called
 * number, which Q.931 carries in a redirecting number of its own). */
struct q699_number {
	uint8_t present;
	uint8_t ton;    /* enum q699_ton */
	uint8_t npi;    /* Q.931 numbering plan: 0 unknown, 1 E.164, 3 X.121, 4 F.69, 8 national, 9 private */
	uint8_t pres;   /* 0 allowed, 1 restricted, 2 not available */
	uint8_t screen; /* 0 user, not screened; 1 user, passed; 2 user, failed; 3 network provided */
	char digits[TISUP_MAX_DIGITS + 1];
};

/* A Q.931 call's fields that ISUP carries. q699_call_init() sets the
 * defaults: speech, CPC 10, national prefix "0", international "00". */
struct q699_call {
	struct q699_number called, calling, redirecting, orig_called;
	uint8_t bearer;               /* enum q699_bearer */
	uint8_t law;                  /* G.711 layer 1: 2 mu-law, 3 A-law; 0: by variant (ANSI mu, ITU A) */
	uint8_t cpc;                  /* ISUP calling party's category: 10 ordinary subscriber */
	uint8_t redirect_reason;      /* Q.931 reason for redirection: 0 unknown, 1 busy, 2 no reply, 9 deflection,
					 15 unconditional */
	uint8_t orig_redirect_reason; /* likewise, of the first redirection */
	uint8_t redirect_counter;     /* 1..5 (0: 1) */
	uint8_t hop_counter;          /* 1..31 put in the IAM; 0: none */
	uint8_t echo_device;          /* an echo canceller is in the path (NCI, BCI) */
	char intl_prefix[8];          /* prefixes stripped from a number of unknown type */
	char natl_prefix[8];
};

void q699_call_init(struct q699_call *c);

/* Number mapping, Q.699 2.1.1: Q.931 type of number -> ISUP nature of
 * address: international -> 4, national -> 3, subscriber -> 1, network
 * specific -> 5; unknown is analysed: a leading '+' or the international
 * prefix -> 4, the national prefix -> 3, else 1 (the prefix is removed),
 * abbreviated -> 2 (unknown). Writes the digits to send into out. */
uint8_t q699_nai_from_ton(const struct q699_call *c, uint8_t ton, const char *digits, char *out, size_t size);
/* And back: 4 -> international, 3 -> national, 1 -> subscriber, 5 ->
 * network specific, others -> unknown. */
uint8_t q699_ton_from_nai(uint8_t nai);
uint8_t q699_isup_npi(uint8_t q931_npi);
uint8_t q699_q931_npi(uint8_t isup_npi);
/* Q.931 reason for redirection <-> ISUP redirecting reason (Q.763 3.45). */
uint8_t q699_isup_redir_reason(uint8_t q931_reason);
uint8_t q699_q931_redir_reason(uint8_t isup_reason);

/* SETUP -> IAM. The called number must be present with digits. Fills
 * *m (overwritten) for tisup_encode(). Returns 0 or -EINVAL with err. */
int q699_iam_from_setup(const struct q699_call *c, enum tisup_variant v, struct tisup_msg *m, char *err, size_t errlen);

/* IAM -> SETUP fields, including the CPC, the original called number and
 * the redirection information (for the SETUP and the CDR). *c is
 * initialised first. Returns 0, or -EINVAL (not an IAM, or no bearer: no
 * USI and no usable TMR) with err. */
int q699_setup_from_iam(const struct tisup_msg *m, struct q699_call *c, char *err, size_t errlen);

/* REL with a Q.850 cause (1..127) and location (0..15), coding standard
 * ITU-T in both variants (the values are Q.850's). Returns 0 or -EINVAL. */
int q699_rel_build(struct tisup_msg *m, enum tisup_variant v, uint8_t cause, uint8_t location);
/* REL (or RLC) -> Q.931 cause and location; 31 (normal, unspecified) and
 * location 4 (remote public network) without a cause indicators
 * parameter. Returns 0, or -EINVAL if m is not a REL or RLC. */
int q699_rel_cause(const struct tisup_msg *m, uint8_t *cause, uint8_t *location);

/* Backward events, Q.931 -> ISUP. */
enum q699_event {
	Q699_EV_PROCEEDING = 0, /* ISUP -> Q.931 only: an ACM saying nothing */
	Q699_EV_ALERTING,
	Q699_EV_PROGRESS,
	Q699_EV_CONNECT,
};

struct q699_backward {
	uint8_t acm_sent; /* an ACM already went back: CPG / ANM from now on */
	uint8_t inband;   /* progress indicator #8: in-band information available */
	uint8_t echo;     /* echo control device included */
	uint8_t no_charge;
};

/* ALERTING -> ACM (called party status 1 'subscriber free'), or CPG event
 * 1 (alerting) after an ACM. PROGRESS -> ACM (status 0 'no indication',
 * in-band in the OBCI), or CPG event 3 (in-band information) / 2
 * (progress). CONNECT -> ANM after an ACM, else CON (ITU) or ANM (ANSI,
 * with the backward call indicators). Returns 0 or -EINVAL. */
int q699_backward_build(struct tisup_msg *m, enum tisup_variant v, enum q699_event ev, const struct q699_backward *b);

/* ISUP backward message -> Q.931 event: ACM with 'subscriber free' ->
 * ALERTING, other ACM -> PROGRESS if in-band else PROCEEDING, CPG event 1
 * -> ALERTING, other CPG -> PROGRESS, ANM and CON -> CONNECT. *inband from
 * the OBCI. Returns 0 or -EINVAL (not a backward message). */
int q699_backward_event(const struct tisup_msg *m, enum q699_event *ev, int *inband);

/* Transit: decrement the hop counter of the encoded IAM in[0..len) into
 * out[0..size), every other octet unchanged. *hop gets the new value, -1
 * when the IAM has none (copied as it is). Returns 0, Q699_HOP_EXHAUSTED
 * when the counter reaches 0 (release with cause 25, exchange routing
 * error; out is then unspecified), or a negative errno (-EINVAL: not an IAM,
 * a decode error from tisup_decode(), -ENOSPC) with err. */
#define Q699_HOP_EXHAUSTED 1
#define Q699_CAUSE_HOP     25
int q699_hop_decrement(enum tisup_variant v, const uint8_t *in, size_t len, uint8_t *out, size_t size, size_t *out_len,
		       int *hop, char *err, size_t errlen);

#endif
