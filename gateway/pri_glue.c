/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PRI glue: libpri on a span's D-channel, driven by the gw_loop, with a per-channel Q.931 state machine. */
#include "config.h"

#include "gateway/pri_glue.h"
#include "gateway/pri_int.h"
#include "gateway/pri_pace.h"

#include "common/log.h"

#include <errno.h>
#include <libpri.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* --- The state machine ---------------------------------------------- */

#define S(x) (1u << GW_PRI_##x)
#define STAY GW_PRI_STATE_COUNT
/* Every state with a call in it. */
#define S_CALL (~S(NULL) & ((1u << GW_PRI_STATE_COUNT) - 1))
/* States in which the far end may still clear with DISCONNECT. */
#define S_CLEARABLE                                                                                                 \
	(S(CALL_INITIATED) | S(OUTGOING_CALL_PROCEEDING) | S(CALL_DELIVERED) | S(CALL_PRESENT) | S(CALL_RECEIVED) | \
	 S(CONNECT_REQUEST) | S(INCOMING_CALL_PROCEEDING) | S(ACTIVE) | S(OVERLAP_SENDING) | S(OVERLAP_RECEIVING))
/* An incoming call we have not answered yet; an outgoing one not yet answered. */
#define S_IN_EARLY  (S(CALL_PRESENT) | S(OVERLAP_RECEIVING) | S(INCOMING_CALL_PROCEEDING))
#define S_OUT_EARLY (S(CALL_INITIATED) | S(OVERLAP_SENDING) | S(OUTGOING_CALL_PROCEEDING))

/* One row per (event, set of states) -> next state; first match wins.
 * Q.931 (05/98) 5.1-5.3 and Annex A (user side SDLs). */
static const struct {
	enum gw_pri_event ev;
	unsigned from;
	unsigned to; /* enum gw_pri_state, or STAY */
} fsm[] = {
    {GW_PRI_EV_CMD_SETUP, S(NULL), GW_PRI_CALL_INITIATED},
    {GW_PRI_EV_CMD_PROCEEDING, S(CALL_PRESENT) | S(OVERLAP_RECEIVING), GW_PRI_INCOMING_CALL_PROCEEDING},
    {GW_PRI_EV_CMD_ALERTING, S_IN_EARLY, GW_PRI_CALL_RECEIVED},
    {GW_PRI_EV_CMD_ANSWER, S_IN_EARLY | S(CALL_RECEIVED), GW_PRI_CONNECT_REQUEST},
    {GW_PRI_EV_CMD_MORE_INFO, S(CALL_PRESENT), GW_PRI_OVERLAP_RECEIVING},
    {GW_PRI_EV_INFO, S(OVERLAP_RECEIVING), STAY},
    {GW_PRI_EV_SETUP_ACK, S(CALL_INITIATED), GW_PRI_OVERLAP_SENDING},
    {GW_PRI_EV_CMD_INFO, S(OVERLAP_SENDING), STAY},
    /* 5.3.3: answering a DISCONNECT with RELEASE */
    {GW_PRI_EV_CMD_HANGUP, S(DISCONNECT_INDICATION), GW_PRI_RELEASE_REQUEST},
    {GW_PRI_EV_CMD_HANGUP, S_CLEARABLE, GW_PRI_DISCONNECT_REQUEST},
    {GW_PRI_EV_SETUP, S(NULL), GW_PRI_CALL_PRESENT},
    {GW_PRI_EV_PROCEEDING, S(CALL_INITIATED) | S(OVERLAP_SENDING), GW_PRI_OUTGOING_CALL_PROCEEDING},
    {GW_PRI_EV_PROGRESS, S_OUT_EARLY | S(CALL_DELIVERED), STAY},
    {GW_PRI_EV_ALERTING, S_OUT_EARLY, GW_PRI_CALL_DELIVERED},
    {GW_PRI_EV_CONNECT, S_OUT_EARLY | S(CALL_DELIVERED), GW_PRI_ACTIVE},
    {GW_PRI_EV_CONNECT_ACK, S(CONNECT_REQUEST), GW_PRI_ACTIVE},
    {GW_PRI_EV_DISCONNECT, S_CLEARABLE, GW_PRI_DISCONNECT_INDICATION},
    {GW_PRI_EV_RELEASE, S_CALL, GW_PRI_NULL},
    {GW_PRI_EV_RESTART, S_CALL | S(NULL), GW_PRI_NULL},
};

int gw_pri_fsm_next(enum gw_pri_state s, enum gw_pri_event e, enum gw_pri_state *next)
{
	if ((unsigned)s >= GW_PRI_STATE_COUNT)
		return -EPROTO;
	for (size_t i = 0; i < sizeof(fsm) / sizeof(fsm[0]); i++) {
		if (fsm[i].ev == e && (fsm[i].from & (1u << s))) {
			*next = fsm[i].to == STAY ? s : (enum gw_pri_state)fsm[i].to;
			return 0;
		}
	}
	return -EPROTO;
}

/* Every transition goes through here, and is logged; an unexpected
 * (state, event) pair is logged and refused. */
int gw_pri_set_state(struct gw_pri *gp, int channel, enum gw_pri_event e)
{
	struct gw_pri_chan *c = &gp->ch[channel];
	enum gw_pri_state next;

	if (gw_pri_fsm_next(c->state, e, &next) < 0) {
		LOG_W(TAG, "span %d ch %d: unexpected event %s in state %s", gp->span_id, channel, gw_pri_event_name(e),
		      gw_pri_state_name(c->state));
		return -EPROTO;
	}
	LOG_I(TAG, "span %d ch %d: event %s in state %s -> %s", gp->span_id, channel, gw_pri_event_name(e),
	      gw_pri_state_name(c->state), gw_pri_state_name(next));
	if (next != c->state)
		c->since_ms = gw_pri_now_ms();
	c->state = next;
	if (next == GW_PRI_NULL) {
		c->call = NULL;
		c->local_release = 0;
	}
	return 0;
}

long long gw_pri_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- libpri I/O, logs and timers ------------------------------------ */

/* libpri reads and writes HDLC frames with 2 trailing FCS octets (as a
 * DAHDI channel does); the span API carries frames without them. */
static int pri_io_read(struct pri *pri, void *buf, int buflen)
{
	struct gw_pri *gp = pri_get_userdata(pri);
	size_t len;
	int rc;

	if (buflen < TDM_DFRAME_MAX + 2)
		return 0;
	if (gp->rx_pending) { /* taken early for the frame hook */
		gp->rx_pending = 0;
		rc = gp->rx_rc;
		len = gp->rx_len;
		if (rc == 0)
			memcpy(buf, gp->rx, len);
	} else {
		rc = tdm_span_dchan_read(gp->span, buf, (size_t)buflen - 2, &len);
	}
	if (rc == -EBADMSG) {
		gp->got_frame = 1; /* refused, but look for the next one */
		LOG_W(TAG, "span %d: D-channel frame refused (bad FCS, length or address)", gp->span_id);
		return 0;
	}
	if (rc == -EPIPE && !gp->closed) {
		gp->closed = 1;
		LOG_W(TAG, "span %d: D-channel peer closed", gp->span_id);
	}
	if (rc < 0)
		return 0;
	gp->got_frame = 1;
	if (gp->pace)
		pri_pace_rx_taken(gp->pace, len);
	memset((char *)buf + len, 0, 2);
	return (int)len + 2;
}

static int pri_io_write(struct pri *pri, void *buf, int buflen)
{
	struct gw_pri *gp = pri_get_userdata(pri);
	int rc;

	if (buflen < 2)
		return 0;
	if (gp->pace)
		rc = pri_pace_write(gp->pace, buf, (size_t)buflen - 2);
	else
		rc = tdm_span_dchan_write(gp->span, buf, (size_t)buflen - 2);
	if (rc < 0) {
		LOG_W(TAG, "span %d: D-channel write failed: %s", gp->span_id, strerror(-rc));
		return 0;
	}
	return buflen;
}

/* libpri logs in pieces; one log record per complete line. */
static void pri_log(struct pri *pri, const char *s, int level)
{
	struct gw_pri *gp = pri ? pri_get_userdata(pri) : NULL;
	size_t n;

	if (!gp) {
		log_msg(level, "libpri", "%s", s);
		return;
	}
	for (; *s; s++) {
		if (*s == '\n' || gp->loglen == sizeof(gp->logbuf) - 1) {
			gp->logbuf[gp->loglen] = '\0';
			if (gp->loglen)
				log_msg(level, "libpri", "span %d: %s", gp->span_id, gp->logbuf);
			gp->loglen = 0;
			if (*s == '\n')
				continue;
		}
		gp->logbuf[gp->loglen++] = *s;
	}
	n = gp->loglen;
	if (level <= LOG_WARNING && n) {
		gp->logbuf[n] = '\0';
		log_msg(level, "libpri", "span %d: %s", gp->span_id, gp->logbuf);
		gp->loglen = 0;
	}
}

static void pri_on_message(struct pri *pri, char *s)
{
	pri_log(pri, s, LOG_DEBUG);
}

static void pri_on_error(struct pri *pri, char *s)
{
	pri_log(pri, s, LOG_WARNING);
}

/* Arm our timer for libpri's next deadline (absolute, gettimeofday). */
void gw_pri_reschedule(struct gw_pri *gp)
{
	struct timeval *tv = pri_schedule_next(gp->pri), now;
	long long ms;

	for (int i = 1; i <= TDM_SPAN_MAX_CHANNELS; i++) {
		if (gp->ch[i].local_release) {
			gw_timer_start(gp->timer, 0);
			return;
		}
	}
	if (!tv) {
		gw_timer_stop(gp->timer);
		return;
	}
	gettimeofday(&now, NULL);
	ms = ((long long)tv->tv_sec - now.tv_sec) * 1000 + (tv->tv_usec - now.tv_usec + 999) / 1000;
	gw_timer_start(gp->timer, ms < 0 ? 0 : (unsigned)ms);
}

/* --- libpri events: one small handler each ---------------------------- */

static int chan_of_call(struct gw_pri *gp, q931_call *call, int encoded)
{
	int n = PRI_CHAN_NUM(encoded);

	for (int i = 1; i <= TDM_SPAN_MAX_CHANNELS; i++)
		if (call && gp->ch[i].call == call)
			return i;
	if (n > 0 && tdm_span_bchan_valid(gp->span->cfg.type, n) && gp->ch[n].call == call)
		return n;
	return -1;
}

static void on_call_event(struct gw_pri *gp, q931_call *call, int encoded, enum gw_pri_event e,
			  void (*cb)(void *arg, int channel));

static void on_dchan_up(struct gw_pri *gp)
{
	enum tdm_span_type type = gp->span->cfg.type;

	LOG_N(TAG, "span %d: D-channel up (Q.921 multiple frame established)", gp->span_id);
	gp->up = 1;
	/* Q.931 5.5: bring every idle B-channel to a known state. */
	for (int n = 0; gp->cfg.restart_on_up && n < tdm_span_bchannels(type); n++) {
		int ch = tdm_span_bchan_nth(type, n);
		if (gp->ch[ch].state == GW_PRI_NULL)
			gw_pri_restart(gp, ch);
	}
	if (gp->ev.link)
		gp->ev.link(gp->arg, 1);
}

/* Layer 2 is gone: the calls on the span cannot be cleared by messages,
 * so they end here with cause 38 (network out of order), and libpri's
 * records are dropped. */
static void on_dchan_down(struct gw_pri *gp)
{
	LOG_W(TAG, "span %d: D-channel down", gp->span_id);
	gp->up = 0;
	for (int i = 1; i <= TDM_SPAN_MAX_CHANNELS; i++) {
		struct gw_pri_chan *c = &gp->ch[i];

		c->restarting = 0;
		c->local_release = 0;
		if (c->state == GW_PRI_NULL)
			continue;
		LOG_W(TAG, "span %d ch %d: call in state %s cleared: D-channel down", gp->span_id, i,
		      gw_pri_state_name(c->state));
		if (c->call)
			pri_destroycall(gp->pri, c->call);
		c->call = NULL;
		c->state = GW_PRI_NULL;
		if (gp->ev.release)
			gp->ev.release(gp->arg, i, PRI_CAUSE_NETWORK_OUT_OF_ORDER);
	}
	if (gp->ev.link)
		gp->ev.link(gp->arg, 0);
}

static void on_restart_ack(struct gw_pri *gp, int encoded)
{
	int ch = PRI_CHAN_NUM(encoded);

	if (ch <= 0 || !tdm_span_bchan_valid(gp->span->cfg.type, ch)) {
		for (int i = 1; i <= TDM_SPAN_MAX_CHANNELS; i++)
			gp->ch[i].restarting = 0;
	} else {
		gp->ch[ch].restarting = 0;
	}
	LOG_D(TAG, "span %d: RESTART ACKNOWLEDGE for channel %d", gp->span_id, ch);
	if (gp->ev.restarted)
		gp->ev.restarted(gp->arg, ch);
}

static void on_setup_ack(struct gw_pri *gp, const pri_event_setup_ack *a)
{
	int ch = chan_of_call(gp, a->call, a->channel);

	on_call_event(gp, a->call, a->channel, GW_PRI_EV_SETUP_ACK, NULL);
	if (ch > 0 && gp->ch[ch].state == GW_PRI_OVERLAP_SENDING)
		gw_pri_send_rest(gp, ch);
}

static void on_info(struct gw_pri *gp, const pri_event_ring *r)
{
	int ch = chan_of_call(gp, r->call, r->channel);

	if (ch < 0 || gw_pri_set_state(gp, ch, GW_PRI_EV_INFO) < 0)
		return;
	LOG_I(TAG, "span %d ch %d: INFORMATION '%s'%s", gp->span_id, ch, r->callednum,
	      r->complete ? " (sending complete)" : "");
	if (gp->ev.info)
		gp->ev.info(gp->arg, ch, r->callednum, r->complete);
}

static void reject(struct gw_pri *gp, q931_call *call, int cause, const char *why)
{
	LOG_W(TAG, "span %d: incoming call rejected with cause %d: %s", gp->span_id, cause, why);
	pri_hangup(gp->pri, call, cause);
}

/* Glare on the user side (Q.931 5.2.3.1, 5.7.x): the network's SETUP
 * names the channel of our unanswered SETUP. The network keeps it and
 * refuses ours (RELEASE COMPLETE 44, taken as a call we no longer know);
 * our call leaves the channel here, and *moved gets its parameters. */
static int take_glare(struct gw_pri *gp, int ch, struct gw_pri_call_params *moved)
{
	struct gw_pri_chan *c = &gp->ch[ch];

	if (gp->cfg.node != GW_PRI_CPE || !tdm_span_bchan_valid(gp->span->cfg.type, ch) ||
	    c->state != GW_PRI_CALL_INITIATED)
		return 0;
	LOG_N(TAG, "span %d ch %d: glare: the network's SETUP crossed ours; the network keeps the channel", gp->span_id,
	      ch);
	*moved = c->params;
	c->call = NULL;
	c->state = GW_PRI_NULL;
	c->since_ms = gw_pri_now_ms();
	return 1;
}

static void on_ring(struct gw_pri *gp, const pri_event_ring *r)
{
	struct gw_pri_setup s;
	struct gw_pri_call_params moved;
	int ch = PRI_CHAN_NUM(r->channel), glare = take_glare(gp, ch, &moved);

	if (ch <= 0 || ch == 0xff ||
	    (r->flexible &&
	     (!tdm_span_bchan_valid(gp->span->cfg.type, ch) || gp->ch[ch].state != GW_PRI_NULL || gp->ch[ch].oos)))
		ch = gw_pri_idle_channel(gp);
	if (ch == -EBUSY) {
		reject(gp, r->call, PRI_CAUSE_NORMAL_CIRCUIT_CONGESTION, "no idle B-channel");
		return;
	}
	if (!tdm_span_bchan_valid(gp->span->cfg.type, ch)) {
		reject(gp, r->call, PRI_CAUSE_CHANNEL_UNACCEPTABLE, "no such B-channel");
		return;
	}
	if (gp->ch[ch].state != GW_PRI_NULL) {
		reject(gp, r->call, PRI_CAUSE_REQUESTED_CHAN_UNAVAIL, "B-channel busy");
		return;
	}
	if (gp->ch[ch].oos) {
		reject(gp, r->call, PRI_CAUSE_REQUESTED_CHAN_UNAVAIL, "B-channel out of service");
		return;
	}
	if (gw_pri_set_state(gp, ch, GW_PRI_EV_SETUP) < 0)
		return;
	gp->ch[ch].call = r->call;
	memset(&s, 0, sizeof(s));
	s.channel = ch;
	snprintf(s.called, sizeof(s.called), "%.63s", r->callednum);
	snprintf(s.calling, sizeof(s.calling), "%.63s", r->callingnum);
	snprintf(s.called_party.digits, sizeof(s.called_party.digits), "%.63s", r->callednum);
	s.called_party.plan = r->calledplan;
	snprintf(s.calling_party.digits, sizeof(s.calling_party.digits), "%.63s", r->callingnum);
	s.calling_party.plan = r->callingplan;
	s.calling_party.pres = r->callingpres;
	snprintf(s.redirecting.digits, sizeof(s.redirecting.digits), "%.63s", r->redirectingnum);
	s.redirecting.plan = r->callingplanrdnis;
	s.redirecting_reason = r->redirectingnum[0] ? r->redirectingreason : -1;
	s.complete = r->complete || !gp->cfg.overlap;
	/* Our call moves before the incoming one is offered: the channel is
	 * the network's now, so no hunt takes it. */
	if (glare && gp->ev.glare)
		gp->ev.glare(gp->arg, ch, &moved);
	else if (glare && gp->ev.release)
		gp->ev.release(gp->arg, ch, PRI_CAUSE_REQUESTED_CHAN_UNAVAIL);
	LOG_I(TAG, "span %d ch %d: incoming call from '%s' (plan 0x%02x pres 0x%02x) to '%s' (plan 0x%02x)%s%s%s",
	      gp->span_id, ch, s.calling, s.calling_party.plan, s.calling_party.pres, s.called, s.called_party.plan,
	      s.complete ? "" : " (overlap)", s.redirecting.digits[0] ? ", redirected by " : "", s.redirecting.digits);
	if (gp->ev.setup)
		gp->ev.setup(gp->arg, &s);
	else
		gw_pri_hangup(gp, ch, PRI_CAUSE_CALL_REJECTED);
}

/* Events that only move the state and tell the user. */
static void on_call_event(struct gw_pri *gp, q931_call *call, int encoded, enum gw_pri_event e,
			  void (*cb)(void *arg, int channel))
{
	int ch = chan_of_call(gp, call, encoded);

	if (ch < 0) {
		LOG_W(TAG, "span %d: %s for an unknown call (channel %d)", gp->span_id, gw_pri_event_name(e),
		      PRI_CHAN_NUM(encoded));
		return;
	}
	if (gw_pri_set_state(gp, ch, e) == 0 && cb)
		cb(gp->arg, ch);
}

/* CONNECT received: acknowledge it (we run libpri with manual CONNECT
 * ACKNOWLEDGE so that the answering side gets PRI_EVENT_CONNECT_ACK). */
static void on_answer(struct gw_pri *gp, const pri_event_answer *a)
{
	int ch = chan_of_call(gp, a->call, a->channel);

	if (ch < 0) {
		LOG_W(TAG, "span %d: CONNECT for an unknown call (channel %d)", gp->span_id, PRI_CHAN_NUM(a->channel));
		return;
	}
	if (gw_pri_set_state(gp, ch, GW_PRI_EV_CONNECT) < 0)
		return;
	pri_connect_ack(gp->pri, a->call, 0);
	if (gp->ev.connect)
		gp->ev.connect(gp->arg, ch);
}

static void on_disconnect(struct gw_pri *gp, const pri_event_hangup *h)
{
	int ch = chan_of_call(gp, h->call, h->channel);

	if (ch < 0) {
		LOG_W(TAG, "span %d: DISCONNECT for an unknown call, releasing", gp->span_id);
		pri_hangup(gp->pri, h->call, h->cause);
		return;
	}
	LOG_I(TAG, "span %d ch %d: far end clears, cause %d (%s)", gp->span_id, ch, h->cause, pri_cause2str(h->cause));
	if (gw_pri_set_state(gp, ch, GW_PRI_EV_DISCONNECT) < 0)
		return;
	if (gp->ev.disconnect)
		gp->ev.disconnect(gp->arg, ch, h->cause);
	else
		gw_pri_hangup(gp, ch, h->cause);
}

/* RELEASE or RELEASE COMPLETE: hangup_ack means libpri has already freed
 * its record; otherwise pri_hangup() lets it free the record. */
static void on_release(struct gw_pri *gp, const pri_event_hangup *h, int hangup_ack)
{
	int ch = chan_of_call(gp, h->call, h->channel);

	if (!hangup_ack)
		pri_hangup(gp->pri, h->call, h->cause);
	if (ch < 0)
		return;
	if (gw_pri_set_state(gp, ch, GW_PRI_EV_RELEASE) == 0 && gp->ev.release)
		gp->ev.release(gp->arg, ch, h->cause);
}

static void on_restart(struct gw_pri *gp, int encoded)
{
	int ch = PRI_CHAN_NUM(encoded);

	LOG_N(TAG, "span %d: RESTART for channel %d", gp->span_id, ch);
	for (int i = 1; i <= TDM_SPAN_MAX_CHANNELS; i++) {
		if ((ch <= 0 || ch == i) && gp->ch[i].state != GW_PRI_NULL) {
			gw_pri_set_state(gp, i, GW_PRI_EV_RESTART);
			if (gp->ev.release)
				gp->ev.release(gp->arg, i, PRI_CAUSE_NORMAL_UNSPECIFIED);
		}
	}
}

/* SERVICE from the far end (libpri acknowledges it): change status 0 is
 * in service; 1 (maintenance) and 2 (out of service) take the channel
 * out. A call on it goes on; the channel is not hunted after it. */
static void on_service(struct gw_pri *gp, int encoded, int status)
{
	int ch = PRI_CHAN_NUM(encoded), in = status == 0;

	if (!tdm_span_bchan_valid(gp->span->cfg.type, ch)) {
		LOG_W(TAG, "span %d: SERVICE (status %d) for channel %d, which this span does not have", gp->span_id,
		      status, ch);
		return;
	}
	LOG_N(TAG, "span %d ch %d: the far end puts the channel %s (SERVICE, status %d)", gp->span_id, ch,
	      in ? "in service" : "out of service", status);
	if (in)
		gp->ch[ch].oos &= ~GW_PRI_OOS_FAR;
	else
		gp->ch[ch].oos |= GW_PRI_OOS_FAR;
	if (gp->ev.service)
		gp->ev.service(gp->arg, ch, in);
}

static void dispatch(struct gw_pri *gp, pri_event *e)
{
	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		gp->q921_up = 1;
		if (!gp->alarms && !gp->up)
			on_dchan_up(gp);
		break;
	case PRI_EVENT_DCHAN_DOWN:
		gp->q921_up = 0;
		if (gp->up)
			on_dchan_down(gp);
		break;
	case PRI_EVENT_RESTART:
		on_restart(gp, e->restart.channel);
		break;
	case PRI_EVENT_RESTART_ACK:
		on_restart_ack(gp, e->restartack.channel);
		break;
	case PRI_EVENT_SETUP_ACK:
		on_setup_ack(gp, &e->setup_ack);
		break;
	case PRI_EVENT_SERVICE:
		on_service(gp, e->service.channel, e->service.changestatus);
		break;
	case PRI_EVENT_SERVICE_ACK:
		LOG_I(TAG, "span %d ch %d: SERVICE ACKNOWLEDGE (status %d)", gp->span_id,
		      PRI_CHAN_NUM(e->service_ack.channel), e->service_ack.changestatus);
		break;
	case PRI_EVENT_INFO_RECEIVED:
		on_info(gp, &e->ring);
		break;
	case PRI_EVENT_RING:
		on_ring(gp, &e->ring);
		break;
	case PRI_EVENT_PROCEEDING:
		on_call_event(gp, e->proceeding.call, e->proceeding.channel, GW_PRI_EV_PROCEEDING, gp->ev.proceeding);
		break;
	case PRI_EVENT_PROGRESS:
		on_call_event(gp, e->proceeding.call, e->proceeding.channel, GW_PRI_EV_PROGRESS, gp->ev.progress);
		break;
	case PRI_EVENT_RINGING:
		on_call_event(gp, e->ringing.call, e->ringing.channel, GW_PRI_EV_ALERTING, gp->ev.alerting);
		break;
	case PRI_EVENT_ANSWER:
		on_answer(gp, &e->answer);
		break;
	case PRI_EVENT_CONNECT_ACK:
		on_call_event(gp, e->connect_ack.call, e->connect_ack.channel, GW_PRI_EV_CONNECT_ACK, gp->ev.connect);
		break;
	case PRI_EVENT_HANGUP_REQ:
		on_disconnect(gp, &e->hangup);
		break;
	case PRI_EVENT_HANGUP:
		on_release(gp, &e->hangup, 0);
		break;
	case PRI_EVENT_HANGUP_ACK:
		on_release(gp, &e->hangup, 1);
		break;
	default:
		LOG_D(TAG, "span %d: libpri event %s not handled", gp->span_id, pri_event2str(e->e));
	}
}

/* The line's own news (DAHDI: alarms, a removed card). A layer-1 alarm
 * clears the span's calls with cause 38 at once, as a switch would, and
 * keeps new calls off the span until it clears; libpri notices only
 * later (T200 x N200), or never for a short alarm. */
static void take_line_events(struct gw_pri *gp)
{
	struct tdm_span_event ev;

	while (tdm_span_poll_event(gp->span, &ev) == 0) {
		switch (ev.type) {
		case TDM_EV_ALARM:
			if (!gp->alarms)
				LOG_W(TAG, "span %d: layer-1 alarm (0x%x): out of service until it clears", gp->span_id,
				      ev.alarms);
			gp->alarms = ev.alarms ? ev.alarms : TDM_ALARM_RED;
			if (gp->up)
				on_dchan_down(gp);
			break;
		case TDM_EV_NOALARM:
			if (gp->alarms)
				LOG_N(TAG, "span %d: layer-1 alarm cleared%s", gp->span_id,
				      gp->q921_up ? "" : "; waiting for Q.921");
			gp->alarms = 0;
			if (gp->q921_up && !gp->up)
				on_dchan_up(gp);
			break;
		case TDM_EV_REMOVED:
			LOG_W(TAG, "span %d: the hardware went away", gp->span_id);
			gp->closed = 1;
			break;
		default:
			LOG_D(TAG, "span %d: line event %s on channel %d", gp->span_id, tdm_span_event_name(ev.type),
			      ev.ch);
		}
	}
}

static void on_dchan_readable(void *arg, int revents)
{
	struct gw_pri *gp = arg;
	pri_event *e;

	(void)revents;
	for (int i = 0; i < BATCH; i++) {
		if (gp->pace && !pri_pace_rx_ready(gp->pace)) {
			/* The line is still busy: read on when it has delivered. */
			gw_watch_set(gp->dwatch, 0);
			break;
		}
		gp->got_frame = 0;
		if (gp->ev.frame && !gp->rx_pending) {
			gp->rx_rc = tdm_span_dchan_read(gp->span, gp->rx, sizeof(gp->rx), &gp->rx_len);
			if (gp->rx_rc == -EAGAIN)
				break;
			gp->rx_pending = 1;
			if (gp->rx_rc == 0)
				gp->ev.frame(gp->arg, gp->rx, gp->rx_len);
		}
		e = pri_check_event(gp->pri);
		if (e)
			dispatch(gp, e);
		if (!gp->got_frame)
			break;
	}
	take_line_events(gp);
	if (gp->closed) {
		/* Stop polling a dead socket; the owner frees us. */
		gw_watch_set(gp->dwatch, 0);
		if (gp->up)
			on_dchan_down(gp);
		if (gp->ev.closed)
			gp->ev.closed(gp->arg);
		return;
	}
	gw_pri_reschedule(gp);
}

static void on_pace_resume(void *arg)
{
	struct gw_pri *gp = arg;

	if (gp->closed)
		return;
	gw_watch_set(gp->dwatch, GW_READ);
	on_dchan_readable(gp, GW_READ);
}

/* Channels cleared with RELEASE or RELEASE COMPLETE (gw_pri_hangup):
 * Null now, and the user is told, as for a RELEASE received. */
static void report_local_releases(struct gw_pri *gp)
{
	for (int i = 1; i <= TDM_SPAN_MAX_CHANNELS; i++) {
		int cause = gp->ch[i].local_release;

		if (!cause)
			continue;
		gp->ch[i].local_release = 0;
		if (gw_pri_set_state(gp, i, GW_PRI_EV_RELEASE) == 0 && gp->ev.release)
			gp->ev.release(gp->arg, i, cause);
	}
}

static void on_timer(void *arg)
{
	struct gw_pri *gp = arg;
	pri_event *e;

	report_local_releases(gp);
	for (int i = 0; i < BATCH && (e = pri_schedule_run(gp->pri)); i++)
		dispatch(gp, e);
	gw_pri_reschedule(gp);
}

/* --- Life cycle -------------------------------------------------------- */

int gw_pri_new(struct gw_loop *loop, struct tdm_span *span, const struct gw_pri_config *cfg,
	       const struct gw_pri_events *ev, void *arg, struct gw_pri **out)
{
	struct gw_pri *gp;
	int rc, sw = gw_pri_switch_libpri(cfg->sw);

	*out = NULL;
	if (sw < 0 || (cfg->node != GW_PRI_CPE && cfg->node != GW_PRI_NETWORK))
		return -EINVAL;
	gp = calloc(1, sizeof(*gp));
	if (!gp)
		return -ENOMEM;
	gp->loop = loop;
	gp->span = span;
	gp->cfg = *cfg;
	if (ev)
		gp->ev = *ev;
	gp->arg = arg;
	gp->span_id = span->cfg.id;
	gp->alarms = tdm_span_alarms(span);
	pri_set_message(pri_on_message);
	pri_set_error(pri_on_error);
	if ((rc = gw_timer_new(loop, on_timer, gp, &gp->timer)) < 0)
		goto fail;
	if (cfg->pace && (rc = pri_pace_new(loop, span, on_pace_resume, gp, &gp->pace)) < 0)
		goto fail;
	gp->pri = pri_new_cb(tdm_span_dchan_fd(span), cfg->node == GW_PRI_NETWORK ? PRI_NETWORK : PRI_CPE, sw,
			     pri_io_read, pri_io_write, gp);
	if (!gp->pri) {
		rc = -ENOMEM;
		goto fail;
	}
	pri_set_debug(gp->pri, cfg->debug);
	/* Q.931 5.2.8: we send CONNECT ACKNOWLEDGE ourselves (on_answer); in
	 * exchange libpri reports the peer's, which makes "Connect Request ->
	 * Active" visible on the answering side. */
	pri_connect_ack_enable(gp->pri, 1);
	/* Clear as Q.931 5.3.2 says (e.g. an unanswered incoming call can be
	 * rejected at once) rather than libpri's legacy behaviour. */
	pri_hangup_fix_enable(gp->pri, 1);
	/* Overlap dialling either way: libpri then sends Sending Complete only
	 * for a complete number (off, it adds it to every Euro-ISDN SETUP).
	 * Received SETUPs are taken as complete unless cfg->overlap (on_ring). */
	pri_set_overlapdial(gp->pri, cfg->overlap || cfg->overlap_send ? 1 : 0);
	/* Off, libpri answers a SERVICE with SERVICE ACKNOWLEDGE by itself and
	 * says nothing; on, it reports PRI_EVENT_SERVICE. */
	pri_set_service_message_support(gp->pri, gw_pri_service_enabled(gp));
	if ((rc = gw_watch_new(loop, tdm_span_dchan_fd(span), GW_READ, on_dchan_readable, gp, &gp->dwatch)) < 0)
		goto fail;
	LOG_I(TAG, "span %d: PRI %s, switch %s, %s %s", gp->span_id, gw_pri_node_name(cfg->node),
	      gw_pri_switch_name(cfg->sw), tdm_span_type_name(span->cfg.type), tdm_span_law_name(span->cfg.law));
	gw_pri_reschedule(gp);
	*out = gp;
	return 0;
fail:
	gw_pri_free(gp);
	return rc;
}

void gw_pri_free(struct gw_pri *gp)
{
	if (!gp)
		return;
	gw_watch_free(gp->dwatch);
	gw_timer_free(gp->timer);
	pri_pace_free(gp->pace);
	/* Calls libpri still holds are dropped without signalling: the span
	 * is going away. The controller itself cannot be freed (libpri 1.6
	 * has no pri_destroy). */
	for (int i = 1; gp->pri && i <= TDM_SPAN_MAX_CHANNELS; i++)
		if (gp->ch[i].call)
			pri_destroycall(gp->pri, gp->ch[i].call);
	if (gp->pri)
		pri_set_userdata(gp->pri, NULL);
	free(gp);
}
