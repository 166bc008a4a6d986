/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * analyze.h - the analysis: rules over a report's aggregates that say what
 * is wrong, with the evidence and what to do (findings); trends over each
 * op's interval series; a resource efficiency score per process.
 * docs/analysis.md lists every rule, its condition and default thresholds.
 *
 * Pure: reads the report and the thresholds, writes only the report's
 * analysis fields; never prints (render_findings.h does).
 */
#ifndef OPTRACE_ANALYZE_H
#define OPTRACE_ANALYZE_H

#include "config.h"
#include "report.h"

/*
 * Fills, in r:
 *  - findings / nfindings: a malloc'd array (report__free frees it; an old
 *    one is freed first), ordered by severity (critical first), then impact
 *    (larger first); NULL / 0 when nothing applies;
 *  - each op's trends (has_trends, trend_p50, trend_p99, trend_rate,
 *    trend_err_rate) from op->series / op->nseries; latency and error-rate
 *    trends leave out the points without calls;
 *  - each pid's efficiency, 0..1, -1 when unknown.
 * cfg NULL: the defaults.  Returns 0 or -ENOMEM (then no findings).
 */
int analyze__report(struct report *r, const struct optrace_config *cfg);

/* Efficiency of one process (docs/analysis.md): 0..1, -1 when unknown. */
double analyze__efficiency(const struct report_pid *p);

#endif
