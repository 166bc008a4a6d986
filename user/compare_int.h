/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * compare_int.h - what the two halves of the comparison share.  Internal to
 * compare.c (rules, defaults, merging, verdicts, the driver) and
 * compare_stats.c (bootstrap, Mann-Whitney, the between-record spread, the
 * on-CPU interval); the public API stays in compare.h.
 *
 * Names carry cmp_ (one underscore): module-internal, unlike the public
 * cmp__ ones.  Pure numbers and struct updates: nothing here prints.
 */
#ifndef OPTRACE_COMPARE_INT_H
#define OPTRACE_COMPARE_INT_H

#include <stdint.h>

#include "compare.h"

/* ------------------------------------------------------- from compare.c */

/* The percentile of each percentile metric: [CMP_P50] 50, [CMP_P90] 90, [CMP_P99] 99. */
extern const double cmp_metric_pct[CMP_MEAN];

/* Replaces o's unset or out-of-range fields with the defaults (30 calls,
 * 95%, alpha 0.01, floor 2%, 2000 resamples, at least 100, a fixed seed). */
void cmp_fill_opts(struct cmp_opts *o);

/* ------------------------------------------------- from compare_stats.c */

/* v less bias (the per-call probe bias of compensated records), floored at 0. */
static inline double cmp_unbias(uint64_t v, double bias)
{
	return (double)v > bias ? (double)v - bias : 0.0;
}

/* z with P(|Z| <= z) = conf. */
double cmp_z_of(double conf);

/*
 * Bootstraps metrics from..CMP_MEAN (from is CMP_P50 or CMP_MEAN) of hb vs
 * hc, each bucket value less its side's bias, with o->resamples replicates
 * drawn from a PRNG seeded with seed: fills m[from..CMP_MEAN]'s change_lo/hi
 * and diff_lo/hi at o->confidence and sets has_ci.  m[CMP_MEAN].base, .cur
 * and .change must hold the exact means (the interval is centred on them).
 * Returns 0 or -ENOMEM.
 */
int cmp_bootstrap_all(const struct hist *hb, double bias_b, const struct hist *hc,
		      double bias_c, const struct cmp_opts *o, uint64_t seed, int from,
		      struct cmp_metric_res *m);

/*
 * The bootstrap interval of the change of the mean of two histograms of
 * counts per call into mr (base, cur and change hold the exact means).
 * Returns 0 or -ENOMEM.
 */
int cmp_bootstrap_mean(const struct hist *hb, const struct hist *hc, const struct cmp_opts *o,
		       uint64_t seed, struct cmp_metric_res *mr);

/*
 * Widens op->m[from..to]'s intervals (never narrows them) to hold the
 * spread between records, from op->runs / run_sum / run_sq, when both sides
 * have two or more records; sets run_spread when it did.  z is
 * cmp_z_of(r->opts.confidence).
 */
void cmp_widen_by_runs(const struct cmp_result *r, struct cmp_op *op, double z, int from,
		       int to);

/*
 * The interval of on-CPU time per call into mr (base and cur set), at the
 * confidence of z, from op's latency histograms and split calls; leaves
 * has_ci false when a side's figure is not positive.
 */
void cmp_oncpu_interval(const struct cmp_op *op, double z, struct cmp_metric_res *mr);

#endif
