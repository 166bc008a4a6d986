/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * alert.h - the alert engine: the config's [alert] rules evaluated once per
 * tick over the interval report, with sustained windows and cooldowns.
 *
 * Per (rule, subject) it tracks since when the condition has held, over
 * consecutive ticks.  A rule fires when the condition has held for its
 * `for` (at the first tick that holds when for = 0); it fires again for
 * the same subject only once `cooldown` has passed since it fired AND the
 * condition has held for `for` again, counted from the firing (or from the
 * tick it held again after a break).  A tick without data for the metric
 * (an op without calls for a latency metric or error_rate, a process not
 * sampled, no block IO for io_p99, the subject missing from the report)
 * breaks the streak, as a tick where the condition does not hold does.
 *
 * Subjects: op metrics (p50 p95 p99 mean error_rate throughput) are per
 * (pid, op) of the report's ops, filtered by the rule's op glob and pid;
 * process metrics (cpu rss runq_p99 io_p99) per pid of the report's pids.
 * Values are in the metric's base unit (alert__metric_unit).
 *
 * Pure: no printing (render_findings.h formats events); no clock (the
 * caller passes the tick's times).
 */
#ifndef OPTRACE_ALERT_H
#define OPTRACE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "finding.h"

struct report;
struct alerts;

/* An engine for cfg's rules (cfg must outlive it).  NULL on ENOMEM. */
struct alerts *alerts__new(const struct optrace_config *cfg);
void alerts__free(struct alerts *a);

/* Whether there are rules to evaluate at all. */
bool alerts__has_rules(const struct alerts *a);

/*
 * Evaluates every rule over iv, the interval report of the tick that ended
 * t_s seconds after tracing started (iv->meta.window_s long; unix_ns is the
 * wall clock now).  *fired / *nfired: the events that fired at this tick,
 * valid until the next call (NULL / 0 when none).  Every fired event is
 * also kept for alerts__all.  Returns 0 or -ENOMEM (the rules after the
 * failure were not evaluated at this tick; what fired before it is
 * returned and kept).
 */
int alerts__eval(struct alerts *a, const struct report *iv, double t_s, int64_t unix_ns,
		 const struct alert_event **fired, size_t *nfired);

/* Every event fired so far, oldest first (NULL / 0 when none). */
const struct alert_event *alerts__all(const struct alerts *a, size_t *n);

/*
 * Whether an event at index >= since of alerts__all is critical: the
 * session remembers how many it has seen and stops (--exit-on-alert) when
 * this turns true.
 */
bool alerts__any_critical_since(const struct alerts *a, size_t since);

/*
 * A malloc'd copy of every fired event for a report (r->alerts, freed by
 * report__free).  0 or -ENOMEM; *v NULL when there are none.
 */
int alerts__export(const struct alerts *a, struct alert_event **v, size_t *n);

/* The base unit of a metric name ("p99" -> "ns", "error_rate" -> "ratio",
 * "throughput" -> "/s", "cpu" -> "pct", "rss" -> "bytes"); "" if unknown. */
const char *alert__metric_unit(const char *metric);

#endif
