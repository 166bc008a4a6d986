/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * render_findings.h - the analysis in text (the end of the text report),
 * a fired alert as one line for stderr, and as one JSON line for
 * --alert-log.  Formats only: analyze.c and alert.c computed everything.
 */
#ifndef OPTRACE_RENDER_FINDINGS_H
#define OPTRACE_RENDER_FINDINGS_H

#include <stdio.h>

#include "finding.h"
#include "report.h"

/*
 * "Findings": each with severity, subject, summary, evidence and
 * recommendation ("no findings" when none); "Trends" for ops whose trends
 * are increasing or decreasing; "Alerts" fired during the run (r->alerts).
 * Returns 0 or -EIO.
 */
int render__findings_text(FILE *f, const struct report *r);

/* One line: "optrace: alert critical slow-reads: op read_block of pid 42
 * (app): p99 7.20 ms > 5.00 ms, held 30.0 s, at 31.0 s". */
void render__alert_line(FILE *f, const struct alert_event *ev);

/*
 * One JSON object and a newline; keys are struct alert_event's field
 * names, severity and subject_kind by name.  Flushed.  Returns 0, -ENOMEM
 * or -EIO.
 */
int render__alert_jsonl(FILE *f, const struct alert_event *ev);

/* The value of an alert metric (or a finding's evidence unit) for people:
 * "7.20 ms", "12.5%", "1.50 GiB", "350/s".  Returns buf. */
char *render__metric_value(const char *unit, double v, char *buf, size_t len);

#endif
