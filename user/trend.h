/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * trend.h - trends over an interval series: a least-squares slope with its
 * significance (t-test on the slope), and a stability score (coefficient
 * of variation).  Pure.
 */
#ifndef OPTRACE_TREND_H
#define OPTRACE_TREND_H

#include <stddef.h>

enum trend_dir {
	TREND_UNKNOWN = 0,	/* too few points (< TREND_MIN_POINTS) */
	TREND_STABLE = 1,	/* slope not significant, or too small to matter */
	TREND_INCREASING = 2,
	TREND_DECREASING = 3,
};

#define TREND_MIN_POINTS 5
/* A trend is increasing or decreasing only when its slope is significant
 * (two-sided p < TREND_ALPHA) and the fitted line changes by at least
 * TREND_MIN_REL of the mean over the series (|slope_rel| >= 10%). */
#define TREND_ALPHA   0.05
#define TREND_MIN_REL 0.10

struct trend {
	int dir;		/* enum trend_dir */
	unsigned npoints;
	double mean;		/* of the values */
	double slope;		/* value units per second */
	double slope_rel;	/* slope * span of the series / mean: the relative change over the run */
	double p_value;		/* two-sided, H0: slope = 0 */
	double cv;		/* stddev / mean; 0 when mean is 0 */
	double slope_se;	/* standard error of the slope (value units per second) */
};

/*
 * Fits v over t (seconds; n points) by least squares: slope, its standard
 * error, the two-sided t-test p-value of slope = 0 (n - 2 degrees of
 * freedom), slope_rel, mean, cv and dir (docs/analysis.md).  Fewer than
 * TREND_MIN_POINTS points: dir unknown (the other figures are still filled
 * where defined; p_value 1 below 3 points).  Non-finite values are the
 * caller's to leave out.
 */
void trend__fit(const double *t, const double *v, size_t n, struct trend *out);

/* Two-sided p-value of a Student t statistic with dof degrees of freedom. */
double trend__t_pvalue(double t, double dof);
/* The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
double trend__betai(double a, double b, double x);

const char *trend__dir_name(int dir); /* "unknown", "stable", "increasing", "decreasing" */

#endif
