/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes the seed segments of tests/fuzz/corpus/journal: real journals
 * made by cdr_journal_append (one record, three records, a torn tail, a
 * flipped byte). Built by hand (docs/security.md, "Fuzzing"):
 *   cc -I. -Ibuild tests/fuzz/gen_journal_corpus.c build/db/libtandem_cdr.a
 *      build/common/libtandem_common.a -lpthread; ./a.out DIR COUNT */
#include "config.h"

#include "db/cdr.h"
#include "db/cdr_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void rec(struct cdr_record *r, int leg, const char *callee)
{
	cdr_record_init(r);
	snprintf(r->call_uuid, sizeof(r->call_uuid), "0b7c2f3e-5d4a-4e21-9c61-2a8f0d1e%04d", leg);
	r->leg = leg;
	snprintf(r->node, sizeof(r->node), "lab1");
	r->direction = leg == 2 ? CDR_DIR_INBOUND : CDR_DIR_OUTBOUND;
	snprintf(r->customer, sizeof(r->customer), "acme");
	snprintf(r->egress, sizeof(r->egress), "pstn");
	snprintf(r->span, sizeof(r->span), "pstn1");
	r->channel = leg;
	snprintf(r->caller, sizeof(r->caller), "+15551230000");
	snprintf(r->callee, sizeof(r->callee), "%s", callee);
	snprintf(r->dialed, sizeof(r->dialed), "%s", callee);
	r->start_ms = 1763700000000;
	r->answer_ms = leg == 1 ? 1763700002000 : CDR_UNSET;
	r->end_ms = 1763700062000;
	r->duration_ms = 62000;
	r->billable_ms = leg == 1 ? 60000 : 0;
	r->disposition = leg == 1 ? CDR_DISP_ANSWERED : CDR_DISP_BUSY;
	r->sip_status = leg == 1 ? 200 : 486;
	r->q850_cause = leg == 1 ? 16 : 17;
	r->hangup_side = CDR_HANGUP_CALLER;
	snprintf(r->codec, sizeof(r->codec), "PCMA");
	snprintf(r->sip_call_id, sizeof(r->sip_call_id), "abc-%d@198.51.100.7", leg);
	snprintf(r->route, sizeof(r->route), "route 3 trunk pstn");
}

int main(int argc, char **argv)
{
	struct cdr_journal *j;
	struct cdr_record r;
	char err[256];

	if (argc != 3)
		return 2;
	if (cdr_journal_open(argv[1], NULL, &j, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (int i = 1; i <= atoi(argv[2]); i++) {
		rec(&r, i, i == 3 ? "+33142000000" : "+442079460000");
		if (cdr_journal_append(j, &r, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	}
	cdr_journal_close(j);
	return 0;
}
