// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_loss.c - the loss sentence every report shows, zeros included, in
 * the same words in text and HTML (it holds no HTML-special characters).
 */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"
#include "units.h"

void render__loss_text(FILE *f, const struct report_loss *l)
{
	char pct[16];

	fprintf(f, "%" PRIu64 " spans (ring buffer full)", l->spans_lost);
	if (l->spans_lost && l->spans_produced)
		fprintf(f, ", %s of %" PRIu64 " produced",
			units__fmt_pct((double)l->spans_lost / (double)l->spans_produced, pct,
				       sizeof(pct)),
			l->spans_produced);
	if (l->proc_lost)
		fprintf(f, ", %" PRIu64 " process events (ring buffer full)", l->proc_lost);
	if (l->stack_overflow)
		fprintf(f, ", %" PRIu64 " calls not timed (nested deeper than %d)",
			l->stack_overflow, OT_STACK_DEPTH);
	if (l->stack_mismatch)
		fprintf(f, ", %" PRIu64 " unwinds (open calls skipped by longjmp/exceptions)",
			l->stack_mismatch);
	if (l->threads_full)
		fprintf(f, ", %" PRIu64 " calls not timed (threads full)", l->threads_full);
	if (l->tgids_full)
		fprintf(f, ", %" PRIu64 " children not followed (tgids full)", l->tgids_full);
	if (l->split_bad)
		fprintf(f, ", %" PRIu64 " calls left out of the time split (did not add up)",
			l->split_bad);
	if (l->split_unseen)
		fprintf(f, ", %" PRIu64 " calls left out of the time split (switch-in not seen)",
			l->split_unseen);
	if (l->ctr_unseen)
		fprintf(f, ", %" PRIu64 " calls without counter values (a running slice not counted)",
			l->ctr_unseen);
	if (l->bio_lost || l->bio_stale || l->bio_mapfull)
		fprintf(f, ", block requests: %" PRIu64 " lost, %" PRIu64
			   " never completed (lost, or in flight at the end), %" PRIu64
			   " unattributed", l->bio_lost, l->bio_stale, l->bio_mapfull);
	if (l->bad_records)
		fprintf(f, ", %" PRIu64 " bad records", l->bad_records);
}
