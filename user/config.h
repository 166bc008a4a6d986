/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * config.h - the -c CONFIG file: analysis thresholds, per-op latency limits
 * and alert rules (INI, parsed with libinih).  docs/config.md describes the
 * format; docs/analysis.md what every threshold does.
 *
 * Units: durations in ns/us/ms/s/m (a unit is required), percentages with
 * "%", byte sizes in B/KiB/MiB/GiB/TiB (or K/M/G/T, KB/MB/GB/TB), rates in
 * "/s".  Shares and ratios are kept here as fractions 0..1, system
 * percentages (CPU busy, memory and disk used) as percent 0..100.
 *
 * Loading never prints: errors go to the caller's buffer as
 * "FILE:LINE: message".
 */
#ifndef OPTRACE_CONFIG_H
#define OPTRACE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* [thresholds]: every rule of docs/analysis.md.  A rule fires when the
 * measured value is above (>) its threshold; min_calls is inclusive. */
struct optrace_thresholds {
	uint64_t min_calls;		/* op rules need this many calls in the window */
	/* system */
	double cpu_warning_pct;		/* system CPU busy, all CPUs: 70 */
	double cpu_critical_pct;	/* 90 */
	double memory_warning_pct;	/* system memory used: 70 */
	double memory_critical_pct;	/* 85 */
	double disk_warning_pct;	/* a filesystem's space or inodes used: 90 */
	double disk_critical_pct;	/* 95 */
	double swap_rate;		/* pages swapped in + out per second: 100 */
	double psi_memory_pct;		/* memory pressure "some" avg10: 10 */
	/* per process */
	double fds_warning;		/* open fds of the soft limit: 0.80 */
	double fds_critical;		/* 0.95 */
	uint64_t runq_p99_ns;		/* run-queue latency p99: 10 ms */
	uint64_t runq_p99_critical_ns;	/* 100 ms */
	double throttle_warning;	/* cgroup periods throttled: 0.10 */
	double throttle_critical;	/* 0.50 */
	double majflt_rate;		/* major faults per second: 100 */
	double rss_growth;		/* RSS growth over the window, of its start: 0.20 */
	uint64_t rss_growth_min_bytes;	/* and at least: 64 MiB */
	uint64_t io_p99_ns;		/* block IO p99 that makes io_bound_op a warning: 50 ms */
	/* per op */
	double error_rate;		/* an error type's share of calls: 0.05 warning */
	double error_rate_critical;	/* 0.25 */
	double cpu_bound_share;		/* on-CPU share of wall time: 0.80 */
	double runq_share;		/* run-queue share: 0.20 warning */
	double runq_share_critical;	/* 0.50 */
	double iowait_share;		/* IO wait share: 0.30 */
	double blocked_share;		/* other off-CPU share: 0.50 */
	double tail_ratio;		/* p99 / p50: 10 */
	uint64_t tail_min_ns;		/* and p99 above: 100 us */
	uint64_t tail_min_calls;	/* and at least: 100 calls */
	double tracer_cost_share;	/* probe bias / raw mean latency: 0.10 info */
	double tracer_cost_warning;	/* 0.50 warning */
	double trend_change;		/* p50/p99 rise over the run for latency_trend: 0.25 */
};

/* [op "NAME-OR-GLOB"]: latency limits the user sets (0: unset). */
struct op_limit {
	char *pattern;		/* an op name, or a glob (fnmatch) */
	uint64_t p50_ns, p95_ns, p99_ns, mean_ns;
	int severity;		/* enum severity; default warning */
	unsigned line;		/* of the section header */
};

enum alert_metric {
	AM_P50,
	AM_P95,
	AM_P99,
	AM_MEAN,
	AM_ERROR_RATE,
	AM_THROUGHPUT,
	AM_CPU,
	AM_RSS,
	AM_RUNQ_P99,
	AM_IO_P99,
	AM_NR,
};

enum alert_cmp { CMP_GT, CMP_GE, CMP_LT, CMP_LE };

/* [alert "NAME"] */
struct alert_rule {
	char *name;
	int metric;		/* enum alert_metric */
	char *op;		/* op name or glob; NULL: every op (op metrics) */
	bool has_pid;
	uint32_t pid;		/* has_pid: only this process */
	int cmp;		/* enum alert_cmp */
	double threshold;	/* in the metric's base unit (alert__metric_unit) */
	uint64_t for_ns;	/* must hold this long; 0: at the first tick */
	int severity;		/* enum severity; default warning */
	uint64_t cooldown_ns;	/* quiet time after firing, per subject */
	unsigned line;		/* of the section header */
};

struct optrace_config {
	struct optrace_thresholds th;
	struct op_limit *limits;
	size_t nlimits;
	struct alert_rule *alerts;
	size_t nalerts;
};

/* The documented defaults; no limits, no alerts (nothing to free). */
void config__defaults(struct optrace_config *cfg);

/*
 * Loads path over *cfg (start from config__defaults): keys set replace the
 * defaults, sections add limits and alert rules.  Returns 0; -ENOENT when
 * path does not exist; -EPERM when running as root and the file is
 * writable by group or others or owned by another user; -EINVAL for
 * syntax errors, unknown sections or keys, bad values or incomplete alert
 * rules; -ENOMEM; another negative errno from reading.  On error err holds
 * one line ("FILE:LINE: message" where a line is to blame) and *cfg keeps
 * what it had before the call.
 */
int config__load(const char *path, struct optrace_config *cfg, char *err, size_t errlen);

/*
 * The permission rule behind -EPERM, for a file with status st opened by a
 * process with effective uid euid: 0 when fine, -EPERM (why in err) when
 * euid is 0 and the file is group/other-writable or not owned by root.
 */
int config__check_perms(const struct stat *st, uid_t euid, const char *path, char *err,
			size_t errlen);

void config__free(struct optrace_config *cfg);

/* Value parsers shared with alerts (exposed for tests).  0 or -EINVAL. */
int config__parse_percent(const char *s, double *pct);	/* "70%" -> 70 */
int config__parse_bytes(const char *s, uint64_t *bytes); /* "64MiB" -> 67108864 */
int config__parse_rate(const char *s, double *per_s);	/* "100/s" or "100" */

/* "p99" -> AM_P99, or -1.  And back. */
int config__metric_of(const char *name);
const char *config__metric_name(int metric);
/* Op metrics (p50 ... throughput) take an op subject; the others a pid. */
bool config__metric_is_op(int metric);
const char *config__cmp_name(int cmp); /* ">", ">=", "<", "<=" */

#endif
