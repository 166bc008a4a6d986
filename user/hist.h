/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hist.h - log-linear (HDR-style) histogram of unsigned 64-bit values.
 *
 * Values 0..HIST_SUB-1 are counted exactly; above, every power of two is
 * split into HIST_SUB linear sub-buckets, so a bucket is at most 1/HIST_SUB
 * of its lower edge wide and a percentile reported at the bucket midpoint
 * (clamped to the exact min and max) is within 1/(2*HIST_SUB) = 0.78% of
 * the true value.  The whole u64 range is covered: nothing is clamped.
 *
 * Memory: counters are allocated per power-of-two group on first use
 * (HIST_SUB counters each), so a histogram costs a few KiB for a typical
 * latency spread and at most HIST_MAX_BYTES.  Pure: no printing, no globals.
 */
#ifndef OPTRACE_HIST_H
#define OPTRACE_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_SUB      (1u << HIST_SUB_BITS) /* 64 sub-buckets per power of two */
/* group 0 holds 0..HIST_SUB-1 exactly; group g >= 1 holds [2^(g+5), 2^(g+6)) */
#define HIST_GROUPS   (64 - HIST_SUB_BITS + 1)
#define HIST_BUCKETS  (HIST_GROUPS * HIST_SUB)
#define HIST_MAX_BYTES (sizeof(struct hist) + HIST_BUCKETS * sizeof(uint64_t))

struct hist {
	uint64_t count;
	uint64_t sum;	/* wraps past 2^64 (584 years of ns): fine for latencies */
	uint64_t min;	/* UINT64_MAX when empty */
	uint64_t max;
	uint64_t *groups[HIST_GROUPS]; /* NULL until a value lands in the group */
};

/* Initialises an empty histogram (no allocation). */
void hist__init(struct hist *h);
/* Frees the counters; the histogram is empty and reusable afterwards. */
void hist__free(struct hist *h);
/* Empties the histogram but keeps its allocated groups (no allocation later). */
void hist__reset(struct hist *h);

/*
 * Adds n occurrences of value v.  Returns 0, or -ENOMEM when the group's
 * counters could not be allocated (then nothing is added).
 */
int hist__add_n(struct hist *h, uint64_t v, uint64_t n);
static inline int hist__add(struct hist *h, uint64_t v)
{
	return hist__add_n(h, v, 1);
}

/* Adds every count of src to dst.  Returns 0 or -ENOMEM (dst unchanged then). */
int hist__merge(struct hist *dst, const struct hist *src);

/*
 * The value at percentile p (0 < p <= 100): the midpoint of the bucket that
 * holds the ceil(p/100 * count)-th smallest value, clamped to [min, max].
 * p <= 0 gives min, p >= 100 gives max.  Returns 0 for an empty histogram.
 */
uint64_t hist__percentile(const struct hist *h, double p);
/* Arithmetic mean sum / count (exact while the sum has not wrapped); 0 when empty. */
double hist__mean(const struct hist *h);
/* Number of values >= v, at bucket resolution: includes all of v's bucket. */
uint64_t hist__count_above(const struct hist *h, uint64_t v);

/* The count in bucket idx (0 for an out-of-range index). */
uint64_t hist__count_at(const struct hist *h, size_t idx);

/* Bucket geometry, exposed for renderers, serialisation and tests. */
size_t hist__bucket_of(uint64_t v);
uint64_t hist__bucket_low(size_t idx);	/* smallest value in bucket idx */
uint64_t hist__bucket_high(size_t idx); /* largest value in bucket idx */

/*
 * Iterates the non-empty buckets in ascending order.  Start with *idx = 0;
 * each call returns 1 and fills the bucket's index and count and advances
 * *idx past it, or returns 0 when no non-empty bucket is left.
 */
int hist__next(const struct hist *h, size_t *idx, size_t *bucket, uint64_t *count);

#endif
