/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Glare through the PRI glue: a user side and a network side (libpri both) over socketpairs in one loop. Both send
 * SETUP on B-channel 1 in the same loop turn, so the two SETUPs cross on the wire every time: the network keeps
 * channel 1 (Q.931), the user side's call moves to channel 2 (as gateway/spans.c does by its hunt order). */
#include "config.h"

#include "gateway/loop.h"
#include "gateway/pri_glue.h"
#include "gateway/tdm_span.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct side {
	const char *name;
	struct gw_pri *pri;
	int up, setup_ch, glare_ch, moved_rc, releases_44;
	char setup_called[64], glare_called[64];
};

static struct side user = {.name = "user", .setup_ch = -1, .glare_ch = -1};
static struct side net = {.name = "network", .setup_ch = -1, .glare_ch = -1};
static struct gw_loop *loop;
static struct gw_timer *tick;
static int crossed;

static void on_link(void *arg, int up)
{
	((struct side *)arg)->up = up;
}

static void on_setup(void *arg, const struct gw_pri_setup *s)
{
	struct side *sd = arg;

	sd->setup_ch = s->channel;
	snprintf(sd->setup_called, sizeof(sd->setup_called), "%s", s->called);
	gw_pri_proceeding(sd->pri, s->channel);
}

static void on_release(void *arg, int ch, int cause)
{
	struct side *sd = arg;

	(void)ch;
	sd->releases_44 += cause == 44;
}

static void on_glare(void *arg, int ch, const struct gw_pri_call_params *p)
{
	struct side *sd = arg;

	sd->glare_ch = ch;
	snprintf(sd->glare_called, sizeof(sd->glare_called), "%s", p->called.digits);
	sd->moved_rc = gw_pri_call_ex(sd->pri, 2, p);
}

static const struct gw_pri_events events = {
    .link = on_link, .setup = on_setup, .release = on_release, .glare = on_glare};

/* Once both links are up: both SETUPs in one turn (neither side has read
 * the other's); then wait for both incoming calls. */
static void on_tick(void *arg)
{
	(void)arg;
	if (!crossed && user.up && net.up) {
		crossed = 1;
		ok(gw_pri_call(user.pri, 1, "5551000", "5559000") == 0, "the user side sends SETUP on channel 1");
		ok(gw_pri_call(net.pri, 1, "7771000", "7779000") == 0, "the network sends SETUP on channel 1 too");
	}
	if (crossed && user.setup_ch > 0 && net.setup_ch > 0) {
		gw_loop_stop(loop);
		return;
	}
	gw_timer_start(tick, 20);
}

static void on_deadline(void *arg)
{
	(void)arg;
	gw_loop_stop(loop);
}

static int span_pair(struct tdm_span **a, struct tdm_span **b)
{
	struct tdm_span_config cfg = {.id = 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ALAW};
	int d[2], au[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, au) < 0)
		return -errno;
	if (tdm_span_virtual_from_fds(&cfg, d[0], au[0], a) < 0)
		return -EIO;
	cfg.id = 2;
	return tdm_span_virtual_from_fds(&cfg, d[1], au[1], b);
}

int main(void)
{
	struct gw_pri_config ucfg = {.node = GW_PRI_CPE, .sw = GW_PRI_SW_EUROISDN_E1};
	struct gw_pri_config ncfg = {.node = GW_PRI_NETWORK, .sw = GW_PRI_SW_EUROISDN_E1};
	struct tdm_span *us = NULL, *ns = NULL;
	struct gw_timer *deadline;

	if (gw_loop_new(&loop) < 0 || span_pair(&us, &ns) < 0) {
		ok(0, "loop and span pair");
		return tap_done();
	}
	ok(gw_pri_new(loop, us, &ucfg, &events, &user, &user.pri) == 0, "user side PRI");
	ok(gw_pri_new(loop, ns, &ncfg, &events, &net, &net.pri) == 0, "network side PRI");
	gw_timer_new(loop, on_tick, NULL, &tick);
	gw_timer_new(loop, on_deadline, NULL, &deadline);
	gw_timer_start(tick, 20);
	gw_timer_start(deadline, 10000);
	gw_loop_run(loop);

	ok(crossed, "both links came up and the SETUPs crossed");
	is_int(user.glare_ch, 1, "the user side saw glare on channel 1");
	is_str(user.glare_called, "5551000", "with its own call's parameters");
	is_int(user.moved_rc, 0, "and placed its call again on channel 2");
	is_int(net.glare_ch, -1, "the network side saw no glare: it keeps its call");
	is_int(user.setup_ch, 1, "the network's call is offered on channel 1");
	is_str(user.setup_called, "7771000", "with its number");
	is_int(net.setup_ch, 2, "the user side's call reaches the network on channel 2");
	is_str(net.setup_called, "5551000", "with its number");
	is_int(gw_pri_channel_state(net.pri, 1), GW_PRI_OUTGOING_CALL_PROCEEDING,
	       "the network's own call holds channel 1, proceeding");
	is_int(user.releases_44, 0, "no call was given up with 44");

	gw_pri_free(user.pri);
	gw_pri_free(net.pri);
	tdm_span_free(us);
	tdm_span_free(ns);
	gw_timer_free(tick);
	gw_timer_free(deadline);
	gw_loop_free(loop);
	return tap_done();
}
