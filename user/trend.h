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

struct trend {
	int dir;		/* enum trend_dir */
	unsigned npoints;
	double mean;		/* of the values */
	double slope;		/* value units per second */
	double slope_rel;	/* slope * span of the series / mean: the relative change over the run */
	double p_value;		/* two-sided, H0: slope = 0 */
	double cv;		/* stddev / mean; 0 when mean is 0 */
};

const char *trend__dir_name(int dir); /* "unknown", "stable", "increasing", "decreasing" */

#endif
