// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hist.c - log-linear histogram of u64 values: add, merge, percentile,
 * iterate.  Owns the counter groups it allocates (freed by hist__free).
 * Pure: no printing and no globals; renderers and serialisation walk the
 * buckets through hist__next and the bucket geometry functions.
 *
 * Bucket index of v (with s = max(0, msb(v) - HIST_SUB_BITS)):
 *
 *	idx = s * HIST_SUB + (v >> s)
 *
 * For v < 2*HIST_SUB, s == 0 and idx == v (group 0 and group 1 are exact).
 * Above, v >> s lies in [HIST_SUB, 2*HIST_SUB), so idx / HIST_SUB == s + 1
 * is the group and idx % HIST_SUB the linear sub-bucket.  Forcing bit
 * HIST_SUB_BITS on before __builtin_clzll makes this branch-free and keeps
 * clzll's argument non-zero.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

#define SUB_MASK ((size_t)HIST_SUB - 1)

_Static_assert(HIST_BUCKETS == ((63 - HIST_SUB_BITS) << HIST_SUB_BITS) + 2 * HIST_SUB,
	       "the top group must end exactly at UINT64_MAX");

static inline size_t bucket_index(uint64_t v)
{
	unsigned int s = 63 - HIST_SUB_BITS - __builtin_clzll(v | HIST_SUB);

	return ((size_t)s << HIST_SUB_BITS) + (size_t)(v >> s);
}

/* Width of the buckets in group g, as log2 (0 for the exact groups 0 and 1). */
static inline unsigned int group_shift(size_t g)
{
	return g ? (unsigned int)g - 1 : 0;
}

void hist__init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist__free(struct hist *h)
{
	for (size_t g = 0; g < HIST_GROUPS; g++)
		free(h->groups[g]);
	hist__init(h);
}

void hist__reset(struct hist *h)
{
	for (size_t g = 0; g < HIST_GROUPS; g++) {
		if (h->groups[g])
			memset(h->groups[g], 0, HIST_SUB * sizeof(uint64_t));
	}
	h->count = 0;
	h->sum = 0;
	h->min = UINT64_MAX;
	h->max = 0;
}

static inline void add_at(struct hist *h, uint64_t *grp, size_t idx, uint64_t v, uint64_t n)
{
	grp[idx & SUB_MASK] += n;
	h->count += n;
	h->sum += v * n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/*
 * Cold half of hist__add_n: the first value in a group.  Out of line and
 * reached by a tail call, so the hot path needs no stack frame.
 */
static __attribute__((noinline, cold)) int add_new_group(struct hist *h, size_t idx, uint64_t v,
							 uint64_t n)
{
	uint64_t *grp = calloc(HIST_SUB, sizeof(uint64_t));

	if (!grp)
		return -ENOMEM;
	h->groups[idx >> HIST_SUB_BITS] = grp;
	add_at(h, grp, idx, v, n);
	return 0;
}

/*
 * Hot path: one clz, two shifts, one load of the group pointer; no
 * division, no loop, no call unless the group is new.  n == 0 is a no-op
 * (no allocation, min/max untouched).  count and sum wrap modulo 2^64.
 */
int hist__add_n(struct hist *h, uint64_t v, uint64_t n)
{
	size_t idx = bucket_index(v);
	uint64_t *grp = h->groups[idx >> HIST_SUB_BITS];

	if (__builtin_expect(n == 0, 0))
		return 0;
	if (__builtin_expect(!grp, 0))
		return add_new_group(h, idx, v, n);
	add_at(h, grp, idx, v, n);
	return 0;
}

static int group_is_empty(const uint64_t *grp)
{
	for (size_t i = 0; i < HIST_SUB; i++) {
		if (grp[i])
			return 0;
	}
	return 1;
}

/*
 * Two passes so that -ENOMEM leaves dst untouched: first allocate every
 * group dst lacks and src has counts in, then add.  Groups that src holds
 * but that are all zero (after hist__reset) are not copied.  dst == src
 * doubles every count.
 */
int hist__merge(struct hist *dst, const struct hist *src)
{
	uint64_t *fresh[HIST_GROUPS] = { NULL };
	size_t g, i;

	if (!src->count)
		return 0;
	for (g = 0; g < HIST_GROUPS; g++) {
		if (dst->groups[g] || !src->groups[g] || group_is_empty(src->groups[g]))
			continue;
		fresh[g] = calloc(HIST_SUB, sizeof(uint64_t));
		if (!fresh[g])
			goto enomem;
	}
	for (g = 0; g < HIST_GROUPS; g++) {
		if (fresh[g])
			dst->groups[g] = fresh[g];
		if (!src->groups[g] || !dst->groups[g])
			continue;
		for (i = 0; i < HIST_SUB; i++)
			dst->groups[g][i] += src->groups[g][i];
	}
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return 0;

enomem:
	for (g = 0; g < HIST_GROUPS; g++)
		free(fresh[g]);
	return -ENOMEM;
}

size_t hist__bucket_of(uint64_t v)
{
	return bucket_index(v);
}

/* idx >= HIST_BUCKETS (past the end) gives UINT64_MAX. */
uint64_t hist__bucket_low(size_t idx)
{
	size_t g = idx >> HIST_SUB_BITS;

	if (idx >= HIST_BUCKETS)
		return UINT64_MAX;
	if (g == 0)
		return idx;
	return (uint64_t)(HIST_SUB + (idx & SUB_MASK)) << group_shift(g);
}

/*
 * low + width - 1, never low + width: for the last bucket low + width is
 * 2^64.  idx >= HIST_BUCKETS gives UINT64_MAX.
 */
uint64_t hist__bucket_high(size_t idx)
{
	if (idx >= HIST_BUCKETS)
		return UINT64_MAX;
	return hist__bucket_low(idx) + ((UINT64_C(1) << group_shift(idx >> HIST_SUB_BITS)) - 1);
}

/* Midpoint rounded down; high - low cannot overflow where low + high would. */
static uint64_t bucket_mid(size_t idx)
{
	uint64_t low = hist__bucket_low(idx);

	return low + (hist__bucket_high(idx) - low) / 2;
}

/*
 * 1-based nearest rank ceil(p/100 * count), within [1, count].  p is
 * usually a decimal (99.9) that binary floating point holds only
 * approximately, so p * count / 100 can land a hair above an integer rank
 * (and ceil would then skip one: 99.9% of 1000 must be rank 999).  A
 * relative slack of 1e-12 absorbs that representation error; it moves the
 * rank only when x lies within a relative 1e-12 above an integer.
 */
static uint64_t nearest_rank(double p, uint64_t count)
{
	double x = p * (double)count / 100.0;

	x = ceil(x - x * 1e-12);
	if (x < 1.0)
		return 1;
	if (x >= (double)count)
		return count;
	return (uint64_t)x;
}

uint64_t hist__percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, v;

	if (!h->count)
		return 0;
	if (!(p > 0.0)) /* also NaN */
		return h->min;
	if (p >= 100.0)
		return h->max;
	rank = nearest_rank(p, h->count);
	for (size_t g = 0; g < HIST_GROUPS; g++) {
		const uint64_t *grp = h->groups[g];

		if (!grp)
			continue;
		for (size_t i = 0; i < HIST_SUB; i++) {
			seen += grp[i];
			if (seen < rank)
				continue;
			v = bucket_mid((g << HIST_SUB_BITS) + i);
			if (v < h->min)
				return h->min;
			return v > h->max ? h->max : v;
		}
	}
	/* Only reachable if count wrapped or the counters were edited. */
	return h->max;
}

double hist__mean(const struct hist *h)
{
	if (!h->count)
		return 0.0;
	return (double)h->sum / (double)h->count;
}

uint64_t hist__count_above(const struct hist *h, uint64_t v)
{
	size_t from = bucket_index(v);
	size_t g0 = from >> HIST_SUB_BITS;
	uint64_t n = 0;

	for (size_t g = g0; g < HIST_GROUPS; g++) {
		const uint64_t *grp = h->groups[g];

		if (!grp)
			continue;
		for (size_t i = g == g0 ? from & SUB_MASK : 0; i < HIST_SUB; i++)
			n += grp[i];
	}
	return n;
}

uint64_t hist__count_at(const struct hist *h, size_t idx)
{
	const uint64_t *grp;

	if (idx >= HIST_BUCKETS)
		return 0;
	grp = h->groups[idx >> HIST_SUB_BITS];
	return grp ? grp[idx & SUB_MASK] : 0;
}

int hist__next(const struct hist *h, size_t *idx, size_t *bucket, uint64_t *count)
{
	size_t i = *idx;

	while (i < HIST_BUCKETS) {
		const uint64_t *grp = h->groups[i >> HIST_SUB_BITS];

		if (!grp) {
			i = (i | SUB_MASK) + 1; /* skip the rest of the group */
			continue;
		}
		if (grp[i & SUB_MASK]) {
			*bucket = i;
			*count = grp[i & SUB_MASK];
			*idx = i + 1;
			return 1;
		}
		i++;
	}
	*idx = HIST_BUCKETS;
	return 0;
}
