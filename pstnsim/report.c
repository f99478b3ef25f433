/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's reports: one line per call, the summary as a key=value line and as JSON. */
#include "config.h"

#include "gateway/pri_pace.h"
#include "pstnsim/sim.h"

#include <inttypes.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sim_expand(const char *tmpl, const char *span, int ch, unsigned long n, char *out, size_t size)
{
	size_t o = 0;
	int w;

	for (const char *p = tmpl; *p; p++) {
		char tmp[32];
		const char *add = tmp;

		if (*p != '%' || !p[1]) {
			tmp[0] = *p;
			tmp[1] = '\0';
		} else if (*++p == 's') {
			add = span;
		} else if (*p == 'c') {
			snprintf(tmp, sizeof(tmp), "%d", ch);
		} else if (*p == 'n') {
			snprintf(tmp, sizeof(tmp), "%lu", n);
		} else {
			tmp[0] = *p; /* "%%" and unknown: the character itself */
			tmp[1] = '\0';
		}
		w = snprintf(out + o, size - o, "%s", add);
		if (w < 0 || (size_t)w >= size - o)
			return -ENAMETOOLONG;
		o += (size_t)w;
	}
	if (size == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

static const char *result_name(const struct sim *s, int ok)
{
	return ok ? "ok" : (s->timed_out ? "timeout" : "error");
}

void sim_report_call(struct sim *s, const struct sim_call *c)
{
	long long dur = c->t_active ? sim_now_ms() - c->t_active : 0;
	const char *dtmf = c->media ? sim_media_digits(c->media) : "";
	double tone = 0, total = 0;
	int cause = c->cause > 0 && c->cause < SIM_MAX_CAUSE ? c->cause : 0;

	if (c->media)
		sim_media_energy(c->media, &tone, &total);
	if (!s->o.quiet) {
		printf("pstnsim: call ch=%d dir=%s cause=%d answered=%d active_ms=%lld tx=%lu rx=%lu tone_ratio=%.2f "
		       "span=%s called=%s calling=%s called_plan=0x%02x calling_plan=0x%02x calling_pres=0x%02x "
		       "alerted=%d dtmf=%s info_msgs=%d",
		       c->ch, c->outgoing ? "out" : "in", c->cause, c->t_active != 0, dur, c->tx, c->rx,
		       c->media ? sim_media_tone_ratio(c->media) : 0, c->sp->opt->name, c->called, c->calling,
		       c->called_plan, c->calling_plan, c->calling_pres, c->alerted, dtmf, c->info_msgs);
		if (c->media && c->act->record[0])
			printf(" recorded=%ld", sim_media_recorded(c->media));
		if (c->media) {
			int st, pages;
			const char *text;

			if (sim_media_fax(c->media, &st, &pages, &text) >= 0)
				printf(" fax_status=%d fax_pages=%d fax_result=%s", st, pages, text);
		}
		printf("\n");
		fflush(stdout);
	}
	s->active_ms += dur;
	s->tone_energy += tone;
	s->total_energy += total;
	s->audio_tx += c->tx;
	s->audio_rx += c->rx;
	s->released++;
	s->last_cause = c->cause;
	s->causes[cause]++;
	if (!c->t_active) {
		s->failed++;
		s->failed_causes[cause]++;
	}
	if (*dtmf)
		s->dtmf_calls++;
	if (s->nrecords < SIM_JSON_CALLS && s->o.json) {
		struct sim_record *r;

		if (!s->records && !(s->records = calloc(SIM_JSON_CALLS, sizeof(*s->records))))
			return;
		r = &s->records[s->nrecords++];
		r->span = c->sp->idx;
		r->ch = c->ch;
		r->outgoing = c->outgoing;
		r->cause = c->cause;
		r->answered = c->t_active != 0;
		r->alerted = c->alerted;
		r->called_plan = c->called_plan;
		r->calling_plan = c->calling_plan;
		r->calling_pres = c->calling_pres;
		r->info_msgs = c->info_msgs;
		r->redirecting_reason = c->outgoing ? -1 : c->redirecting_reason;
		snprintf(r->redirecting, sizeof(r->redirecting), "%s", c->outgoing ? "" : c->redirecting);
		r->active_ms = dur;
		r->tx = c->tx;
		r->rx = c->rx;
		snprintf(r->called, sizeof(r->called), "%s", c->called);
		snprintf(r->calling, sizeof(r->calling), "%s", c->calling);
		snprintf(r->dtmf, sizeof(r->dtmf), "%s", dtmf);
	}
}

static void span_totals(const struct sim *s, struct tdm_span_stats *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < s->o.nspans; i++) {
		const struct tdm_span_stats *st;

		if (!s->spans[i].span)
			continue;
		st = tdm_span_stats(s->spans[i].span);
		t->d_rx += st->d_rx;
		t->d_tx += st->d_tx;
		t->d_bad += st->d_bad;
		t->b_bad += st->b_bad;
		t->b_dropped += st->b_dropped;
	}
}

/* "16:3,17:1" */
static void print_causes(FILE *f, const unsigned long *v)
{
	int first = 1;

	for (int i = 0; i < SIM_MAX_CAUSE; i++) {
		if (!v[i])
			continue;
		fprintf(f, "%s%d:%lu", first ? "" : ",", i, v[i]);
		first = 0;
	}
	if (first)
		fputc('-', f);
}

void sim_report_text(const struct sim *s, int ok, FILE *f)
{
	struct tdm_span_stats st;

	span_totals(s, &st);
	/* One machine-readable line: key=value, space-separated. */
	fprintf(f,
		"pstnsim: summary result=%s link_ups=%d calls_in=%lu calls_out=%lu answered=%lu rejected=%lu "
		"released=%lu last_cause=%d audio_tx=%lu audio_rx=%lu active_ms=%lld rx_bytes_per_s=%lld "
		"tone_ratio=%.2f setup_ms_max=%lld d_rx=%lu d_tx=%lu d_bad=%lu b_bad=%lu "
		"spans=%d attempted=%lu alerted=%lu failed=%lu setup_failed=%lu b_dropped=%lu dtmf=%s causes=",
		result_name(s, ok), s->link_ups, s->calls_in, s->calls_out, s->answered, s->rejected, s->released,
		s->last_cause, s->audio_tx, s->audio_rx, s->active_ms,
		s->active_ms > 0 ? (long long)s->audio_rx * 1000 / s->active_ms : 0,
		s->total_energy > 0 ? s->tone_energy / s->total_energy : 0, s->setup_ms_max, st.d_rx, st.d_tx, st.d_bad,
		st.b_bad, s->o.nspans, s->calls_out, s->alerted, s->failed, s->setup_failed, st.b_dropped,
		s->dtmf[0] ? s->dtmf : "-");
	print_causes(f, s->causes);
	fputs(" failed_causes=", f);
	print_causes(f, s->failed_causes);
	fputc('\n', f);
	fflush(f);
}

/* A JSON string: the characters we produce are printable ASCII, but
 * numbers come from the far end, so escape anything else. */
static void json_str(FILE *f, const char *v)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_causes(FILE *f, const char *name, const unsigned long *v)
{
	int first = 1;

	fprintf(f, "  \"%s\": {", name);
	for (int i = 0; i < SIM_MAX_CAUSE; i++) {
		if (!v[i])
			continue;
		fprintf(f, "%s\"%d\": %lu", first ? "" : ", ", i, v[i]);
		first = 0;
	}
	fputs("},\n", f);
}

static void json_spans(FILE *f, const struct sim *s)
{
	fputs("  \"spans\": [", f);
	for (int i = 0; i < s->o.nspans; i++) {
		const struct sim_span *sp = &s->spans[i];
		const struct tdm_span_stats *st = sp->span ? tdm_span_stats(sp->span) : NULL;
		struct pri_pace_stats ps;

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_str(f, sp->opt->name);
		fprintf(f,
			", \"link_up\": %d, \"calls_in\": %lu, \"calls_out\": %lu, \"answered\": %lu, \"d_rx\": %lu, "
			"\"d_tx\": %lu, \"d_bad\": %lu, \"b_bad\": %lu",
			sp->link_up, sp->calls_in, sp->calls_out, sp->answered, st ? st->d_rx : 0, st ? st->d_tx : 0,
			st ? st->d_bad : 0, st ? st->b_bad : 0);
		if (sp->pri && gw_pri_pace_stats(sp->pri, &ps) == 0)
			fprintf(f,
				", \"pace\": {\"tx_frames\": %" PRIu64 ", \"tx_octets\": %" PRIu64
				", \"rx_frames\": %" PRIu64 ", \"rx_octets\": %" PRIu64 ", \"tx_dropped\": %" PRIu64
				", \"tx_queue_max\": %u, \"age_ms\": %" PRIu64 "}",
				ps.tx_frames, ps.tx_octets, ps.rx_frames, ps.rx_octets, ps.tx_dropped, ps.tx_queue_max,
				ps.age_ms);
		fputc('}', f);
	}
	fputs("\n  ],\n", f);
}

static void json_calls(FILE *f, const struct sim *s)
{
	fprintf(f, "  \"calls_truncated\": %s,\n  \"calls\": [", s->released > s->nrecords ? "true" : "false");
	for (size_t i = 0; i < s->nrecords; i++) {
		const struct sim_record *r = &s->records[i];

		fprintf(f, "%s\n    {\"span\": ", i ? "," : "");
		json_str(f, s->o.spans[r->span].name);
		fprintf(f, ", \"ch\": %d, \"dir\": \"%s\", \"called\": ", r->ch, r->outgoing ? "out" : "in");
		json_str(f, r->called);
		fputs(", \"calling\": ", f);
		json_str(f, r->calling);
		fprintf(f, ", \"called_plan\": %d, \"calling_plan\": %d, \"calling_pres\": %d, \"info_msgs\": %d",
			r->called_plan, r->calling_plan, r->calling_pres, r->info_msgs);
		fputs(", \"redirecting\": ", f);
		json_str(f, r->redirecting);
		fprintf(f, ", \"redirecting_reason\": %d", r->redirecting_reason);
		fprintf(f,
			", \"alerted\": %s, \"answered\": %s, \"cause\": %d, \"active_ms\": %lld, \"tx\": %lu, "
			"\"rx\": %lu, \"dtmf\": ",
			r->alerted ? "true" : "false", r->answered ? "true" : "false", r->cause, r->active_ms, r->tx,
			r->rx);
		json_str(f, r->dtmf);
		fputc('}', f);
	}
	fputs("\n  ]\n", f);
}

int sim_report_json(const struct sim *s, int ok, const char *path)
{
	struct tdm_span_stats st;
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -errno;
	span_totals(s, &st);
	fprintf(f, "{\n  \"result\": \"%s\",\n", result_name(s, ok));
	fprintf(f,
		"  \"link_ups\": %d,\n  \"calls_in\": %lu,\n  \"calls_out\": %lu,\n  \"attempted\": %lu,\n"
		"  \"alerted\": %lu,\n  \"answered\": %lu,\n  \"rejected\": %lu,\n  \"released\": %lu,\n"
		"  \"failed\": %lu,\n  \"setup_failed\": %lu,\n  \"last_cause\": %d,\n",
		s->link_ups, s->calls_in, s->calls_out, s->calls_out, s->alerted, s->answered, s->rejected, s->released,
		s->failed, s->setup_failed, s->last_cause);
	json_causes(f, "causes", s->causes);
	json_causes(f, "failed_causes", s->failed_causes);
	fputs("  \"dtmf\": ", f);
	json_str(f, s->dtmf);
	fprintf(f,
		",\n  \"dtmf_calls\": %lu,\n  \"audio_tx\": %lu,\n  \"audio_rx\": %lu,\n  \"active_ms\": %lld,\n"
		"  \"tone_ratio\": %.2f,\n  \"setup_ms_max\": %lld,\n  \"d_rx\": %lu,\n  \"d_tx\": %lu,\n"
		"  \"d_bad\": %lu,\n  \"b_bad\": %lu,\n  \"b_dropped\": %lu,\n",
		s->dtmf_calls, s->audio_tx, s->audio_rx, s->active_ms,
		s->total_energy > 0 ? s->tone_energy / s->total_energy : 0, s->setup_ms_max, st.d_rx, st.d_tx, st.d_bad,
		st.b_bad, st.b_dropped);
	json_spans(f, s);
	json_calls(f, s);
	fputs("}\n", f);
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
