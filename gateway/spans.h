/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's PRI spans: one per [span NAME] section. Each is connected
 * (virtual: to pstnsim's sockets, retried until the far end listens),
 * runs libpri through gateway/pri_glue.h, collects overlap digits, hunts
 * B-channels for outgoing calls, and reports call events to one owner
 * (the call layer) by (span, channel). Loop thread only. */
#ifndef TANDEM_GW_SPANS_H
#define TANDEM_GW_SPANS_H

#include "gateway/pri_glue.h"

struct ctl_out;
struct gw_loop;
struct tandem_settings;
struct span_settings;

struct gw_spans;
struct gw_span;

/* Call events, on the loop thread. The owner of a channel is what
 * gw_span_set_owner() stored (NULL for an incoming call until the setup
 * callback sets it). */
struct gw_span_events {
	/* An incoming call with a complete number: set an owner, then answer
	 * with proceeding/alerting/answer/hangup on the span's gw_pri. */
	void (*setup)(void *arg, struct gw_span *sp, const struct gw_pri_setup *s);
	void (*proceeding)(void *arg, struct gw_span *sp, int ch, void *owner);
	void (*progress)(void *arg, struct gw_span *sp, int ch, void *owner);
	void (*alerting)(void *arg, struct gw_span *sp, int ch, void *owner);
	void (*connect)(void *arg, struct gw_span *sp, int ch, void *owner);
	/* The far end clears: the owner calls gw_pri_hangup (or the span does
	 * it when the channel has no owner). */
	void (*disconnect)(void *arg, struct gw_span *sp, int ch, void *owner, int cause);
	/* The channel is idle again; the owner is forgotten after this. */
	void (*release)(void *arg, struct gw_span *sp, int ch, void *owner, int cause);
	/* Glare: the network took channel from of span sp, where the owner's
	 * SETUP waited; the call was placed again on channel to of span to_sp
	 * (sp, or another span of its trunk when sp has no channel left). From
	 * now on the owner's call is on (to_sp, to). */
	void (*moved)(void *arg, struct gw_span *sp, int from, struct gw_span *to_sp, int to, void *owner);
	/* A span's D-channel came up or went down. */
	void (*link)(void *arg, struct gw_span *sp, int up);
	/* The span's TDM side was connected (attached = 1: gw_span_tdm() is
	 * valid, its audio may be taken over) or is about to be freed (0). */
	void (*attached)(void *arg, struct gw_span *sp, int attached);
};

struct number_rules;

/* Check what the settings' [span] sections ask for that the settings
 * reader cannot: the numbers rules parse, the backend is one this tandemd
 * runs. 0, or -EINVAL with err naming the span and the key. */
int gw_spans_check(const struct tandem_settings *s, char *err, size_t errlen);

/* Start every span of the settings (gw_spans_check first). Spans whose far end is not there yet
 * keep retrying. Returns 0 or a negative errno with err (a span the
 * settings describe but this build cannot run, e.g. dahdi). */
int gw_spans_new(struct gw_loop *loop, const struct tandem_settings *s, const struct gw_span_events *ev, void *arg,
		 struct gw_spans **out, char *err, size_t errlen);
void gw_spans_free(struct gw_spans *spans);

/* Take a B-channel on one of trunk's spans (in configuration order, each
 * span hunting by its own order) and make owner its owner. Returns 0 with
 * *sp and *ch; -ENOENT when no span belongs to trunk, -ENETDOWN when all of
 * them are down, -EBUSY when all channels are taken. */
int gw_spans_hunt(struct gw_spans *spans, const char *trunk, void *owner, struct gw_span **sp, int *ch);

struct gw_pri *gw_span_pri(struct gw_span *sp);
struct tdm_span *gw_span_tdm(struct gw_span *sp);
const struct span_settings *gw_span_settings(const struct gw_span *sp);
const char *gw_span_name(const struct gw_span *sp);
/* The carrier's number format for this span ([span] numbers, parsed). */
const struct number_rules *gw_span_rules(const struct gw_span *sp);
void gw_span_set_owner(struct gw_span *sp, int ch, void *owner);

/* What an operator's in/out of service did. */
struct gw_span_service_result {
	int channels;       /* channels changed */
	int sent;           /* SERVICE messages sent */
	int sent_supported; /* whether this span sends SERVICE at all */
};

/* Take channel ch of span name (0: every B-channel) out of service (in =
 * 0) or put it back (in = 1), sending SERVICE where the span has it
 * (gw_pri_service). 0, or -ENOENT / -EINVAL / -ENOTCONN / -EIO with err. */
int gw_spans_service(struct gw_spans *spans, const char *name, int ch, int in, struct gw_span_service_result *res,
		     char *err, size_t errlen);

/* The spans and channels tables of a status reply. */
void gw_spans_status(const struct gw_spans *spans, struct ctl_out *out);
/* Counters for the status table: spans configured and with the link up. */
void gw_spans_counts(const struct gw_spans *spans, int *total, int *up);

#endif
