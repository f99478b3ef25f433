/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon: start-up, signals (signalfd on the loop), reload, status. */
#include "config.h"

#include "gateway/daemon.h"

#include "common/ctl.h"
#include "gateway/billing.h"
#include "gateway/call.h"
#include "gateway/call_media.h"
#include "db/directory.h"
#include "gateway/directory.h"
#include "gateway/spans.h"
#include "gateway/ctlsrv.h"
#include "common/log.h"
#include "gateway/loop.h"
#include "gateway/members.h"
#include "common/settings.h"
#include "gateway/registrar.h"
#include "gateway/sip.h"
#include "gateway/reg_store.h"
#include "gateway/store.h"
#include "trunk/trunk_mgr.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define GW_SHUTDOWN_GRACE_MS 3000

struct gw_daemon {
	struct gw_loop *loop;
	struct tandem_settings *settings; /* immutable snapshot; replaced on reload */
	const char *config_path;
	struct gw_sip *sip;
	struct gw_ctlsrv *ctl;
	struct gw_store *store;
	struct gw_billing *billing;
	struct gw_directory *dir;
	struct call_media *media;
	struct gw_calls *calls;
	struct gw_spans *spans;
	struct trunk_mgr *trunks;
	struct gw_reg_store *regs;
	int sigfd;
	struct gw_watch *sigwatch;
	struct gw_timer *grace;
	time_t started;
	unsigned reloads, reload_failures;
	char reload_error[600];
	int stopping;
};

/* The members' health hook of the call layer (gateway/members.h). */
static int gw_daemon_member_down(void *arg, int64_t member_id)
{
	return !trunk_mgr_member_usable(arg, member_id);
}

/* The call limits' edges: a trunk's are recorded with its health
 * (trunk_events); a customer's are in the log only (the call layer's). */
static void gw_daemon_limit_event(void *arg, int trunk, int64_t id, int limited, const char *why)
{
	if (trunk)
		trunk_mgr_record_limit(arg, id, limited, why);
}

static unsigned gw_daemon_trunk_calls(void *arg, int64_t trunk_id)
{
	struct gw_daemon *d = arg;

	return gw_calls_on_trunk(d->calls, trunk_id);
}

/* A new directory snapshot: the trunk manager follows it. */
static void gw_daemon_swap(void *arg, const struct dir_snapshot *now)
{
	struct gw_daemon *d = arg;

	trunk_mgr_sync(d->trunks, now);
}

static void gw_daemon_status(struct gw_daemon *d, struct ctl_out *out)
{
	static const char *const cols[] = {"field", "value"};
	const struct tandem_settings *s = d->settings;
	char started[32];
	struct tm tm;

	gmtime_r(&d->started, &tm);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ctl_out_ok(out);
	ctl_out_table(out, "status", cols, 2);
	ctl_out_kv(out, "node", "%s", s->node);
	ctl_out_kv(out, "version", "%s", PACKAGE_VERSION);
	ctl_out_kv(out, "pid", "%ld", (long)getpid());
	ctl_out_kv(out, "started", "%s", started);
	ctl_out_kv(out, "uptime_s", "%ld", (long)(time(NULL) - d->started));
	ctl_out_kv(out, "config", "%s", d->config_path ? d->config_path : "(embedded default)");
	ctl_out_kv(out, "reloads", "%u", d->reloads);
	ctl_out_kv(out, "reload_failures", "%u", d->reload_failures);
	ctl_out_kv(out, "last_reload_error", "%s", d->reload_error);
	ctl_out_kv(out, "log_level", "%s", log_level_name(s->log_level));
	gw_sip_status(d->sip, out);
	gw_store_status(d->store, out);
	{
		unsigned long reads, loaded, writes;

		gw_reg_store_stats(d->regs, &reads, &loaded, &writes);
		ctl_out_kv(out, "reg_db_reads", "%lu", reads);
		ctl_out_kv(out, "reg_db_loaded", "%lu", loaded);
		ctl_out_kv(out, "reg_db_writes", "%lu", writes);
	}
	gw_billing_status(d->billing, out);
	gw_directory_status(d->dir, out);
	gw_calls_status(d->calls, out);
	call_media_status(d->media, out);
	{
		int total, up;
		gw_spans_counts(d->spans, &total, &up);
		ctl_out_kv(out, "spans", "%d", total);
		ctl_out_kv(out, "spans_up", "%d", up);
	}
	ctl_out_end(out);
	gw_spans_status(d->spans, out);
	gw_calls_table(d->calls, out);
	gw_reg_status(gw_sip_registrar(d->sip), time(NULL), out);
	trunk_mgr_status(d->trunks, gw_directory_current(d->dir), gw_daemon_trunk_calls, d, out);
}

/* "span-service SPAN CHANNEL|all in|out" (tandemctl span service). */
static void gw_daemon_span_service(struct gw_daemon *d, const char *args, struct ctl_out *out)
{
	static const char *const cols[] = {"field", "value"};
	char name[64], chs[16], dir[8], extra[2], err[200], *end;
	struct gw_span_service_result res;
	long ch = 0;

	if (sscanf(args, "%63s %15s %7s %1s", name, chs, dir, extra) != 3 ||
	    (strcmp(dir, "in") != 0 && strcmp(dir, "out") != 0)) {
		ctl_out_error(out, "usage: span-service SPAN CHANNEL|all in|out");
		return;
	}
	if (strcmp(chs, "all") != 0) {
		ch = strtol(chs, &end, 10);
		if (*end || ch < 1 || ch > 31) {
			ctl_out_error(out, "channel \"%s\": a B-channel number (1-31) or all", chs);
			return;
		}
	}
	if (gw_spans_service(d->spans, name, (int)ch, strcmp(dir, "in") == 0, &res, err, sizeof(err)) < 0) {
		ctl_out_error(out, "%s", err);
		return;
	}
	ctl_out_ok(out);
	ctl_out_table(out, "service", cols, 2);
	ctl_out_kv(out, "channels", "%d", res.channels);
	ctl_out_kv(out, "service_messages", "%d", res.sent);
	ctl_out_kv(out, "note", "%s",
		   res.sent_supported ? ""
				      : "this span's switch type (or [span] service = no) has no SERVICE messages");
	ctl_out_end(out);
}

static void gw_daemon_request(void *arg, const char *request, struct ctl_out *out)
{
	struct gw_daemon *d = arg;

	LOG_D("ctl", "request \"%s\"", request);
	if (strcmp(request, "ping") == 0)
		ctl_out_ok(out);
	else if (strcmp(request, "status") == 0)
		gw_daemon_status(d, out);
	else if (strcmp(request, "reload-routes") == 0) {
		gw_directory_reload(d->dir);
		ctl_out_ok(out);
	} else if (strncmp(request, "span-service ", 13) == 0)
		gw_daemon_span_service(d, request + 13, out);
	else
		ctl_out_error(out, "unknown request \"%s\" (known: ping, status, reload-routes, span-service)",
			      request);
}

static void gw_daemon_apply_log(const struct tandem_settings *s)
{
	log_setup("tandemd", (enum log_target)s->log_target, s->log_level, s->log_facility);
	gw_sip_log_setup(s->log_sip_level);
}

/* SIGHUP: read the file again; a bad file changes nothing. */
static void gw_daemon_reload(struct gw_daemon *d)
{
	struct tandem_settings *next;
	const struct tandem_settings *cur = d->settings;

	if (!d->config_path) {
		LOG_N("daemon", "SIGHUP: running on the embedded default, nothing to reload");
		return;
	}
	next = malloc(sizeof(*next));
	if (!next) {
		LOG_E("daemon", "reload: out of memory");
		return;
	}
	if (settings_load(d->config_path, next, d->reload_error, sizeof(d->reload_error)) < 0 ||
	    gw_spans_check(next, d->reload_error, sizeof(d->reload_error)) < 0) {
		d->reload_failures++;
		LOG_E("daemon", "reload refused, keeping the running configuration: %s", d->reload_error);
		free(next);
		return;
	}
	d->reload_error[0] = '\0';
	if (strcmp(cur->sip_listen, next->sip_listen) != 0 || strcmp(cur->sip_transports, next->sip_transports) != 0)
		LOG_W("daemon", "reload: [sip] listen/transports change at the next restart");
	if (strcmp(cur->ctl_socket, next->ctl_socket) != 0)
		LOG_W("daemon", "reload: [control] socket changes at the next restart");
	if (strcmp(cur->cdr_journal, next->cdr_journal) != 0 || cur->cdr_batch != next->cdr_batch ||
	    cur->cdr_alarm_after_ms != next->cdr_alarm_after_ms || cur->cdr_enabled != next->cdr_enabled)
		LOG_W("daemon", "reload: [cdr] settings change at the next restart");
	if (memcmp(cur->spans, next->spans, sizeof(cur->spans)) != 0 || cur->nspans != next->nspans)
		LOG_W("daemon", "reload: [span] sections change at the next restart");
	gw_daemon_apply_log(next);
	gw_store_reconfigure(d->store, next);
	gw_directory_reconfigure(d->dir, next);
	gw_calls_reconfigure(d->calls, next);
	gw_sip_reconfigure(d->sip, next);
	trunk_mgr_reconfigure(d->trunks, next);
	free(d->settings);
	d->settings = next;
	d->reloads++;
	LOG_N("daemon", "configuration reloaded from %s", d->config_path);
}

static void gw_daemon_stopped(void *arg)
{
	struct gw_daemon *d = arg;

	gw_loop_stop(d->loop);
}

static void gw_daemon_grace(void *arg)
{
	struct gw_daemon *d = arg;

	LOG_W("daemon", "SIP shutdown took longer than %d ms: stopping anyway", GW_SHUTDOWN_GRACE_MS);
	gw_loop_stop(d->loop);
}

static void gw_daemon_stop(struct gw_daemon *d, const char *why)
{
	if (d->stopping)
		return;
	d->stopping = 1;
	LOG_N("daemon", "%s: shutting down", why);
	gw_timer_start(d->grace, GW_SHUTDOWN_GRACE_MS);
	gw_calls_shutdown(d->calls);
	trunk_mgr_stop(d->trunks); /* its requests go before nua does */
	gw_sip_shutdown(d->sip, gw_daemon_stopped, d);
}

static void gw_daemon_signal(void *arg, int revents)
{
	struct gw_daemon *d = arg;
	struct signalfd_siginfo si;

	(void)revents;
	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			gw_daemon_reload(d);
			break;
		case SIGTERM:
			gw_daemon_stop(d, "SIGTERM");
			break;
		case SIGINT:
			gw_daemon_stop(d, "SIGINT");
			break;
		default:
			break;
		}
	}
}

static int gw_daemon_signals(struct gw_daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	return gw_watch_new(d->loop, d->sigfd, GW_READ, gw_daemon_signal, d, &d->sigwatch);
}

static int gw_daemon_start(struct gw_daemon *d)
{
	char err[600], path[108];
	int rc;

	if ((rc = gw_loop_new(&d->loop)) < 0) {
		LOG_E("daemon", "cannot create the event loop");
		return rc;
	}
	gw_daemon_apply_log(d->settings);
	if ((rc = gw_daemon_signals(d)) < 0 || (rc = gw_timer_new(d->loop, gw_daemon_grace, d, &d->grace)) < 0) {
		LOG_E("daemon", "cannot set up signal handling: %s", strerror(-rc));
		return rc;
	}
	settings_ctl_socket(d->settings, path, sizeof(path));
	if ((rc = gw_ctlsrv_new(d->loop, path, gw_daemon_request, d, &d->ctl, err, sizeof(err))) < 0) {
		LOG_E("daemon", "%s", err);
		return rc;
	}
	if ((rc = gw_billing_new(d->settings, &d->billing, err, sizeof(err))) < 0 ||
	    (rc = gw_billing_attach(d->billing, d->loop)) < 0) {
		LOG_E("daemon", "%s", rc == -ENOMEM ? "out of memory" : err);
		return rc;
	}
	/* SIP last: nua cannot be freed before it has shut down. */
	if ((rc = gw_store_new(d->loop, d->settings, &d->store)) < 0) {
		LOG_E("daemon", "cannot set up the database connection: %s", strerror(-rc));
		return rc;
	}
	if ((rc = gw_directory_new(d->loop, d->settings, &d->dir)) < 0) {
		LOG_E("daemon", "cannot start the routing directory: %s", strerror(-rc));
		return rc;
	}
	if ((rc = call_media_new(d->loop, d->settings, &d->media)) < 0) {
		LOG_E("daemon", "cannot start the media workers: %s", strerror(-rc));
		return rc;
	}
	if ((rc = gw_sip_new(d->loop, d->settings, &d->sip, err, sizeof(err))) < 0) {
		LOG_E("daemon", "%s", err);
		return rc;
	}
	{
		struct gw_calls_deps deps = {
		    .loop = d->loop, .sip = d->sip, .dir = d->dir, .billing = d->billing, .media = d->media};
		if ((rc = gw_calls_new(&deps, d->settings, &d->calls)) < 0) {
			LOG_E("daemon", "cannot start the call layer: %s", strerror(-rc));
			return rc;
		}
		gw_sip_set_trusted(d->sip, gw_calls_trusted, d->calls);
	}
	if ((rc = gw_spans_new(d->loop, d->settings, &gw_calls_span_events, d->calls, &d->spans, err, sizeof(err))) <
	    0) {
		LOG_E("daemon", "%s", err);
		return rc;
	}
	gw_calls_set_spans(d->calls, d->spans);
	{
		struct trunk_mgr_deps deps = {.loop = d->loop, .sip = d->sip, .store = d->store};
		if ((rc = trunk_mgr_new(&deps, d->settings, &d->trunks)) < 0) {
			LOG_E("daemon", "cannot start the trunk manager: %s", strerror(-rc));
			return rc;
		}
		gw_directory_on_swap(d->dir, gw_daemon_swap, d);
		trunk_mgr_sync(d->trunks, gw_directory_current(d->dir));
		/* Failover skips members the OPTIONS pings found down. */
		gw_members_set_health(gw_calls_members(d->calls), gw_daemon_member_down, d->trunks);
		gw_calls_set_limit_events(d->calls, gw_daemon_limit_event, d->trunks);
	}
	if ((rc = gw_reg_store_new(d->loop, d->store, gw_sip_registrar(d->sip), d->settings->node,
				   (unsigned)d->settings->sip_registration_sync, &d->regs)) < 0) {
		LOG_E("daemon", "cannot keep registrations in the database: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* Spans first (their calls end and submit CDRs), then billing (the last
 * CDR callbacks free those calls), then the call layer and SIP. */
static void gw_daemon_free(struct gw_daemon *d)
{
	if (d->dir)
		gw_directory_on_swap(d->dir, NULL, NULL);
	trunk_mgr_free(d->trunks);
	gw_spans_free(d->spans);
	gw_store_free(d->store);
	gw_reg_store_free(d->regs); /* after the store (its reads), before SIP (the registrar) */
	gw_billing_free(d->billing);
	gw_calls_free(d->calls);
	gw_sip_free(d->sip);
	call_media_free(d->media);
	gw_directory_free(d->dir);
	gw_ctlsrv_free(d->ctl);
	gw_timer_free(d->grace);
	gw_watch_free(d->sigwatch);
	if (d->sigfd >= 0)
		close(d->sigfd);
	gw_loop_free(d->loop);
	free(d->settings);
}

int gw_daemon_run(const char *config_path, const struct tandem_settings *s)
{
	struct gw_daemon d = {.config_path = config_path, .sigfd = -1, .started = time(NULL)};
	int status = 1;

	d.settings = malloc(sizeof(*d.settings));
	if (!d.settings)
		return 1;
	*d.settings = *s;
	if (gw_daemon_start(&d) == 0) {
		LOG_N("daemon", "tandemd %s node %s started (pid %ld, config %s)", PACKAGE_VERSION, s->node,
		      (long)getpid(), config_path ? config_path : "embedded default");
		gw_loop_run(d.loop);
		status = 0;
	}
	gw_daemon_free(&d);
	if (status == 0)
		LOG_N("daemon", "stopped");
	return status;
}
