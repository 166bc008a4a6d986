/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * series.h - the interval series of every (pid, op): one point per tick
 * (the -i interval, else one second), for trends, alerts and charts.
 *
 * Memory is bounded: at most SERIES_MAX_POINTS per (pid, op); when full,
 * every other point is dropped (the series keeps covering the whole run at
 * half the resolution).  Pure: never prints.
 */
#ifndef OPTRACE_SERIES_H
#define OPTRACE_SERIES_H

#include <stddef.h>
#include <stdint.h>

#define SERIES_MAX_POINTS 1024

/* One (pid, op) over one interval. */
struct series_point {
	double t_s;	 /* end of the interval, seconds since tracing started */
	double window_s; /* length of the interval */
	uint64_t calls, errors;
	uint64_t p50, p95, p99; /* latency, ns (compensated when the report is) */
	double mean;	 /* ns */
};

struct report;
struct series;

struct series *series__new(void);
void series__free(struct series *s);

/*
 * Appends one point per op of iv (an "interval" report) at time t_s; ops
 * without calls get a point with calls 0.  Returns 0 or -ENOMEM.
 */
int series__append(struct series *s, const struct report *iv, double t_s);

/*
 * Points the ops of r (any report) at their series: sets each op's series
 * and nseries.  The points stay owned by s: valid until the next append.
 */
void series__attach(const struct series *s, struct report *r);

#endif
