/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * compare.h - two sets of reports (BASE and CURRENT, one or more records
 * each) -> per op and metric: the change, a bootstrap confidence interval
 * for it, a Mann-Whitney U test of the latency distributions, a verdict,
 * and the outcome of each --fail-on rule.  docs/compare.md explains the
 * method and the defaults.
 *
 * Owns: the rule grammar, the statistics and the verdicts.  Leaves reading
 * records to record.c, rendering to render_compare.c and exit codes to
 * cmd_compare.c.  Pure: no printing, no globals; a fixed seed makes every
 * result reproducible.
 */
#ifndef OPTRACE_COMPARE_H
#define OPTRACE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "report.h"

enum cmp_metric {
	CMP_P50 = 0,
	CMP_P90,
	CMP_P99,
	CMP_MEAN,
	CMP_ONCPU,	  /* on-CPU time per call, ns (from the time split) */
	CMP_INSTRUCTIONS, /* per call (hardware counters) */
	CMP_CYCLES,	  /* per call (hardware counters) */
	CMP_METRIC_NR,
};

/* The counter metrics, CMP_INSTRUCTIONS..CMP_CYCLES: each is read from the
 * perf counter of its own name (report_meta.counter_names). */
#define CMP_NR_CTR (CMP_CYCLES - CMP_INSTRUCTIONS + 1)

enum cmp_verdict {
	CMP_UNCHANGED = 0,
	CMP_IMPROVED,
	CMP_REGRESSED,	  /* for a rule: the rule failed */
	CMP_INCONCLUSIVE, /* too few calls, or the interval straddles the threshold */
	CMP_ABSENT,	  /* the metric is not in the records (reason given) */
};

/* "p50", "mean", "instructions"...; NULL out of range. */
const char *cmp__metric_name(enum cmp_metric m);
/* "unchanged", "improved", "regressed", "inconclusive", "absent". */
const char *cmp__verdict_name(enum cmp_verdict v);
/* True for metrics in nanoseconds (every one but instructions and cycles). */
bool cmp__metric_is_time(enum cmp_metric m);

/*
 * A --fail-on rule: METRIC '>' or '<' SIGNED-VALUE ('%', or ns/us/ms/s for
 * time metrics, a plain count or k/M/G for instructions and cycles).
 * 'p99>+10%' fails when p99 grew by more than 10%; 'mean>+2ms' when the
 * mean grew by more than 2 ms; 'p50<-5%' when p50 fell by more than 5%;
 * 'instructions>+500' when a call runs more than 500 more instructions.
 */
struct cmp_rule {
	enum cmp_metric metric;
	int dir;	  /* +1 for '>', -1 for '<' */
	bool absolute;	  /* threshold in ns (a count per call for counters), else relative */
	double threshold; /* relative change (0.10 for +10%), ns or a count (signed) */
	char text[40];	  /* normalised: "p99>+10%", "mean>+2ms" */
};

#define CMP_MAX_RULES 32

/*
 * Parses one rule.  Returns 0, or -EINVAL with a one-line message in err
 * (which names the offending part and the expected syntax).
 */
int cmp__parse_rule(const char *s, struct cmp_rule *out, char *err, size_t errlen);
/* The rules used when none are given: p99>+10% and mean>+5%.  Returns their number. */
size_t cmp__default_rules(struct cmp_rule *out, size_t cap);

struct cmp_opts {
	const struct cmp_rule *rules; /* copied into the result */
	size_t nrules;
	const char *const *only_ops;  /* compare only these op names (NULL: all) */
	size_t nonly;
	uint64_t min_calls;	      /* fewer calls on a side: inconclusive (0: 30) */
	double confidence;	      /* of the intervals (0: 0.95) */
	double alpha;		      /* Mann-Whitney significance level (0: 0.01) */
	double floor;		      /* smaller relative changes are "unchanged" (0: 0.02) */
	unsigned resamples;	      /* bootstrap replicates (0: 2000) */
	uint64_t seed;		      /* PRNG seed (0: a fixed default) */
};

/* One metric of one op. */
struct cmp_metric_res {
	bool present;
	const char *absent_reason;	/* when !present: a static string, or the
					 * cmp_op's ctr_absent (counter metrics) */
	double base, cur;		/* point estimates: ns, or counts per call */
	double change;			/* (cur - base) / base */
	double change_lo, change_hi;	/* its confidence interval */
	double diff_lo, diff_hi;	/* interval of cur - base (same unit as base) */
	bool has_ci;			/* false: too few calls for an interval */
	bool run_spread;		/* widened by the spread between records */
	enum cmp_verdict verdict;	/* against 0, the floor and the tolerance */
};

/* One rule applied to one op. */
struct cmp_rule_res {
	enum cmp_verdict verdict;	/* REGRESSED (failed), UNCHANGED (passed),
					 * INCONCLUSIVE or ABSENT */
	char why[160];			/* one line: the evidence */
};

struct cmp_op {
	const char *name, *func, *path; /* point into the first report that had the op */
	uint64_t base_calls, cur_calls;
	uint32_t base_pids, cur_pids;	/* (pid, op) rows merged per side */
	uint64_t base_split_calls, cur_split_calls; /* calls with a time split */
	uint8_t base_comp, cur_comp;	/* rows seen: 1 compensated, 2 raw */
	/* Per side and metric, over the records with >= min_calls of it: how
	 * many, and the sums of the log of the statistic and of its square, for
	 * the spread between runs of a side. */
	uint32_t runs[2][CMP_METRIC_NR];
	double run_sum[2][CMP_METRIC_NR], run_sq[2][CMP_METRIC_NR];
	struct hist base_lat, cur_lat;	/* merged (owned) */
	/* Perf counter values per call, merged per side (owned):
	 * ctr[side][metric - CMP_INSTRUCTIONS], side 0 base, 1 current. */
	struct hist ctr[2][CMP_NR_CTR];
	/* Why a counter metric is absent: m[].absent_reason points here. */
	char ctr_absent[CMP_NR_CTR][256];
	double base_bias, cur_bias;	/* ns subtracted (compensated records), else 0 */
	/* Mann-Whitney U over the latency histograms (ties by bucket). */
	bool has_mw;
	double mw_p;			/* two-sided p-value */
	double mw_ps;			/* P(current > base) + P(tie)/2: 0.5 is no shift */
	struct cmp_metric_res m[CMP_METRIC_NR];
	struct cmp_rule_res *rules;	/* [nrules] */
	enum cmp_verdict verdict;	/* worst rule verdict: REGRESSED > INCONCLUSIVE > pass */
};

struct cmp_result {
	struct cmp_opts opts;		/* with the defaults filled in */
	struct cmp_rule rules[CMP_MAX_RULES];
	size_t nrules;
	size_t nbase, ncur;		/* records per side */
	struct cmp_op *ops;		/* sorted by name, then path */
	size_t nops;
	size_t failed, inconclusive, passed, absent; /* over (op, rule) pairs */
	bool bias_mismatch;		/* one side compensated, the other not */
	enum cmp_verdict verdict;	/* REGRESSED, INCONCLUSIVE or UNCHANGED (pass) */
};

/*
 * Compares base[0..nbase) with cur[0..ncur): ops are matched by (name,
 * binary, function) and merged across pids and records.  Ops with no call
 * on either side are left out, unless named in opts->only_ops.  With no
 * rules, the defaults apply.  Returns 0, -EINVAL (no record on a side, too
 * many rules) or -ENOMEM; *out must be freed with cmp__free() either way.
 * The result points into the reports' strings: they must outlive it.
 */
int cmp__compare(const struct report *const *base, size_t nbase,
		 const struct report *const *cur, size_t ncur,
		 const struct cmp_opts *opts, struct cmp_result *out);
void cmp__free(struct cmp_result *r);

/*
 * The statistics alone, for tests and benchmarks: the bootstrap interval of
 * the relative change of metric m (P50, P90, P99 or MEAN; MEAN is how
 * instructions and cycles per call are compared, over their histograms)
 * between two histograms, and the Mann-Whitney test.  Return 0, -EINVAL
 * (empty side, other metric) or -ENOMEM.
 */
int cmp__bootstrap(const struct hist *base, const struct hist *cur, enum cmp_metric m,
		   const struct cmp_opts *opts, double *lo, double *hi);
int cmp__mann_whitney(const struct hist *base, const struct hist *cur, double *p, double *ps);

#endif
