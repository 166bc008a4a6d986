// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_hist.c - unit tests for user/hist.c (links hist.o only).
 *
 * Covers the bucket geometry (edges table, contiguity over every bucket,
 * powers of two), the empty and single-value cases, exact min/max/mean,
 * add_n, merge (including -ENOMEM atomicity), reset, free, iteration,
 * count_above, nearest-rank boundaries, and percentile accuracy against the
 * exact sorted values for several fixed-seed distributions and for values
 * near the top of the u64 range.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hist.h"

#define NSAMPLES      200000
#define MAX_REL_ERR   0.01			 /* what callers are promised */
#define HDR_REL_ERR   (1.0 / (2.0 * HIST_SUB))	 /* what hist.h documents */
#define POW2(k)	      (UINT64_C(1) << (k))
#define NS_PER_SEC    UINT64_C(1000000000)

#include "failalloc.h"

struct fixture {
	struct hist a, b, c;
	uint64_t *vals;	  /* NSAMPLES values, in insertion order */
	uint64_t *sorted; /* the same, ascending */
};

static int setup(void **state)
{
	struct fixture *f = malloc(sizeof(*f));

	if (!f)
		return -1;
	hist__init(&f->a);
	hist__init(&f->b);
	hist__init(&f->c);
	f->vals = malloc(NSAMPLES * sizeof(*f->vals));
	f->sorted = malloc(NSAMPLES * sizeof(*f->sorted));
	*state = f;
	return f->vals && f->sorted ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	calloc_fail_after = -1;
	hist__free(&f->a);
	hist__free(&f->b);
	hist__free(&f->c);
	free(f->vals);
	free(f->sorted);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static size_t groups_allocated(const struct hist *h)
{
	size_t n = 0;

	for (size_t g = 0; g < HIST_GROUPS; g++)
		n += h->groups[g] != NULL;
	return n;
}

static void add_all(struct hist *h, const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hist__add(h, v[i]), 0);
}

/* Same totals and the same non-empty buckets with the same counts. */
static void assert_hist_equal(const struct hist *x, const struct hist *y)
{
	size_t ix = 0, iy = 0, bx, by;
	uint64_t cx, cy;
	int more;

	assert_int_equal(x->count, y->count);
	assert_int_equal(x->sum, y->sum);
	assert_int_equal(x->min, y->min);
	assert_int_equal(x->max, y->max);
	do {
		more = hist__next(x, &ix, &bx, &cx);
		assert_int_equal(more, hist__next(y, &iy, &by, &cy));
		if (more) {
			assert_int_equal(bx, by);
			assert_int_equal(cx, cy);
		}
	} while (more);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* splitmix64: small, fixed-seed, good enough for test data. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() and pow(u, -k) stay finite. */
static double rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) * 0x1p-53;
}

static double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static uint64_t to_u64(double x)
{
	if (!(x > 0.0))
		return 0;
	if (x >= 0x1p64)
		return UINT64_MAX;
	return (uint64_t)x;
}

/* Latency-shaped distributions, in ns. */
static uint64_t draw_uniform(struct rng *r)
{
	return 1000 + rng_next(r) % 999000; /* 1 us .. 1 ms */
}

static uint64_t draw_exponential(struct rng *r)
{
	return to_u64(-50000.0 * log(rng_unit(r))); /* mean 50 us */
}

static uint64_t draw_lognormal(struct rng *r)
{
	return to_u64(exp(log(100000.0) + 1.0 * rng_normal(r))); /* median 100 us */
}

static uint64_t draw_pareto(struct rng *r)
{
	/* x_m = 200 us, alpha = 1.2: p99.9 ~ 60 ms, the top values many seconds */
	return to_u64(200000.0 * pow(rng_unit(r), -1.0 / 1.2));
}

static uint64_t draw_bimodal(struct rng *r)
{
	/* 80% cache hits around 20 us, 20% misses around 5 ms */
	if (rng_next(r) % 5)
		return to_u64(20000.0 + 2000.0 * rng_normal(r));
	return to_u64(5e6 + 5e5 * rng_normal(r));
}

static void fill(struct fixture *f, uint64_t (*draw)(struct rng *), uint64_t seed, size_t n)
{
	struct rng r = { seed };

	for (size_t i = 0; i < n; i++)
		f->vals[i] = draw(&r);
	memcpy(f->sorted, f->vals, n * sizeof(*f->vals));
	qsort(f->sorted, n, sizeof(*f->sorted), cmp_u64);
}

/*
 * Percentiles in hundredths of a percent, so the reference nearest rank
 * ceil(p/100 * n) is computed in exact integer arithmetic.
 */
static const unsigned int check_pcts[] = { 100, 1000, 2500, 5000, 7500, 9000, 9900, 9990, 9999 };

static void check_percentiles(const struct hist *h, const uint64_t *sorted, size_t n,
			      const char *what)
{
	for (size_t i = 0; i < sizeof(check_pcts) / sizeof(check_pcts[0]); i++) {
		uint64_t rank = ((uint64_t)check_pcts[i] * n + 9999) / 10000;
		uint64_t want = sorted[rank - 1];
		double p = check_pcts[i] / 100.0;
		uint64_t got = hist__percentile(h, p);
		double err = got > want ? (double)(got - want) : (double)(want - got);
		double rel = want ? err / (double)want : err;

		if (rel > MAX_REL_ERR || rel > HDR_REL_ERR)
			fail_msg("%s p%g: got %" PRIu64 ", exact %" PRIu64 " (rel err %.4f%%)",
				 what, p, got, want, rel * 100.0);
	}
}

static void check_distribution(void **state, uint64_t (*draw)(struct rng *), const char *what)
{
	struct fixture *f = *state;
	uint64_t sum = 0;

	fill(f, draw, 0x5eed, NSAMPLES);
	add_all(&f->a, f->vals, NSAMPLES);
	for (size_t i = 0; i < NSAMPLES; i++)
		sum += f->vals[i];
	assert_int_equal(f->a.count, NSAMPLES);
	assert_int_equal(f->a.min, f->sorted[0]);
	assert_int_equal(f->a.max, f->sorted[NSAMPLES - 1]);
	assert_int_equal(f->a.sum, sum);
	assert_int_equal(hist__percentile(&f->a, 0), f->sorted[0]);
	assert_int_equal(hist__percentile(&f->a, 100), f->sorted[NSAMPLES - 1]);
	check_percentiles(&f->a, f->sorted, NSAMPLES, what);
}

/* ---- bucket geometry ---- */

static const struct {
	uint64_t v;
	size_t idx;
	uint64_t low, high;
} edges[] = {
	{ 0, 0, 0, 0 },
	{ 1, 1, 1, 1 },
	{ 2, 2, 2, 2 },
	{ 63, 63, 63, 63 },
	{ 64, 64, 64, 64 },
	{ 65, 65, 65, 65 },
	{ 127, 127, 127, 127 },
	{ 128, 128, 128, 129 },
	{ 129, 128, 128, 129 },
	{ 130, 129, 130, 131 },
	{ 255, 191, 254, 255 },
	{ 256, 192, 256, 259 },
	{ 257, 192, 256, 259 },
	{ 1023, 319, 1016, 1023 },
	{ 1024, 320, 1024, 1039 },
	{ 1025, 320, 1024, 1039 },
	{ POW2(32) - 1, 1727, UINT64_C(127) << 25, POW2(32) - 1 },
	{ POW2(32), 1728, POW2(32), POW2(32) + POW2(26) - 1 },
	{ POW2(32) + 1, 1728, POW2(32), POW2(32) + POW2(26) - 1 },
	{ 50 * NS_PER_SEC, 1949, UINT64_C(49928994816), UINT64_C(50465865727) },
	{ POW2(63) - 1, 3711, UINT64_C(127) << 56, POW2(63) - 1 },
	{ POW2(63), 3712, POW2(63), POW2(63) + POW2(57) - 1 },
	{ POW2(63) + 1, 3712, POW2(63), POW2(63) + POW2(57) - 1 },
	{ UINT64_MAX - 1, HIST_BUCKETS - 1, UINT64_C(127) << 57, UINT64_MAX },
	{ UINT64_MAX, HIST_BUCKETS - 1, UINT64_C(127) << 57, UINT64_MAX },
};

static void test_hist_bucket_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		size_t idx = hist__bucket_of(edges[i].v);

		if (idx != edges[i].idx || hist__bucket_low(idx) != edges[i].low ||
		    hist__bucket_high(idx) != edges[i].high)
			fail_msg("v=%" PRIu64 ": bucket %zu [%" PRIu64 ", %" PRIu64
				 "], want %zu [%" PRIu64 ", %" PRIu64 "]",
				 edges[i].v, idx, hist__bucket_low(idx), hist__bucket_high(idx),
				 edges[i].idx, edges[i].low, edges[i].high);
		assert_true(edges[i].low <= edges[i].v && edges[i].v <= edges[i].high);
	}
}

/* Every bucket: non-empty, adjacent to the next, no wider than 1/HIST_SUB of its low edge. */
static void test_hist_buckets_contiguous(void **state)
{
	(void)state;
	assert_int_equal(hist__bucket_low(0), 0);
	assert_int_equal(hist__bucket_high(HIST_BUCKETS - 1), UINT64_MAX);
	for (size_t idx = 0; idx < HIST_BUCKETS; idx++) {
		uint64_t low = hist__bucket_low(idx), high = hist__bucket_high(idx);

		assert_true(low <= high);
		assert_int_equal(hist__bucket_of(low), idx);
		assert_int_equal(hist__bucket_of(high), idx);
		assert_int_equal(hist__bucket_of(low + (high - low) / 2), idx);
		if (low >= HIST_SUB)
			assert_true(high - low + 1 <= low / HIST_SUB);
		else
			assert_int_equal(high, low);
		if (idx + 1 < HIST_BUCKETS)
			assert_int_equal(hist__bucket_low(idx + 1), high + 1);
	}
}

static void test_hist_bucket_powers_of_two(void **state)
{
	(void)state;
	for (unsigned int k = 0; k < 64; k++) {
		uint64_t vs[3] = { POW2(k) - 1, POW2(k), POW2(k) + 1 };

		for (size_t j = 0; j < 3; j++) {
			size_t idx = hist__bucket_of(vs[j]);

			assert_true(idx < HIST_BUCKETS);
			assert_true(hist__bucket_low(idx) <= vs[j]);
			assert_true(vs[j] <= hist__bucket_high(idx));
			if (j) /* monotonic in v */
				assert_true(idx >= hist__bucket_of(vs[j - 1]));
		}
		if (k) /* each power of two lands strictly above the previous one */
			assert_true(hist__bucket_of(POW2(k)) > hist__bucket_of(POW2(k - 1)));
		/* from 2^HIST_SUB_BITS up, each power of two opens a group */
		if (k >= HIST_SUB_BITS) {
			assert_int_equal(hist__bucket_of(POW2(k)),
					 (size_t)(k - HIST_SUB_BITS + 1) * HIST_SUB);
			assert_int_equal(hist__bucket_low(hist__bucket_of(POW2(k))), POW2(k));
		}
	}
}

/* ---- basic state ---- */

static void test_hist_empty(void **state)
{
	struct fixture *f = *state;
	static const double ps[] = { -1, 0, 0.1, 50, 99.9, 100, 1000 };
	size_t idx = 0, bucket;
	uint64_t count;

	assert_int_equal(f->a.count, 0);
	assert_int_equal(f->a.min, UINT64_MAX);
	assert_int_equal(f->a.max, 0);
	assert_int_equal(groups_allocated(&f->a), 0);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		assert_int_equal(hist__percentile(&f->a, ps[i]), 0);
	assert_true(hist__mean(&f->a) == 0.0);
	assert_int_equal(hist__count_above(&f->a, 0), 0);
	assert_int_equal(hist__next(&f->a, &idx, &bucket, &count), 0);
}

static void test_hist_single_value(void **state)
{
	struct fixture *f = *state;
	static const uint64_t vs[] = { 0, 1, 63, 64, 1000, 123456789, 50 * NS_PER_SEC,
				       POW2(63), UINT64_MAX };
	static const double ps[] = { 0, 0.1, 50, 99.9, 99.999, 100 };

	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		size_t idx = 0, bucket;
		uint64_t count;

		hist__reset(&f->a);
		assert_int_equal(hist__add(&f->a, vs[i]), 0);
		assert_int_equal(f->a.count, 1);
		assert_int_equal(f->a.min, vs[i]);
		assert_int_equal(f->a.max, vs[i]);
		for (size_t j = 0; j < sizeof(ps) / sizeof(ps[0]); j++)
			assert_int_equal(hist__percentile(&f->a, ps[j]), vs[i]);
		assert_true(hist__mean(&f->a) == (double)vs[i]);
		assert_int_equal(hist__count_above(&f->a, 0), 1);
		assert_int_equal(hist__count_above(&f->a, vs[i]), 1);
		assert_int_equal(hist__next(&f->a, &idx, &bucket, &count), 1);
		assert_int_equal(bucket, hist__bucket_of(vs[i]));
		assert_int_equal(count, 1);
		assert_int_equal(hist__next(&f->a, &idx, &bucket, &count), 0);
	}
}

static void test_hist_min_max_mean_exact(void **state)
{
	struct fixture *f = *state;
	/* sum 1e9 over 5 values: the mean 2e8 is exact in a double */
	static const uint64_t vs[] = { 3, 998999994, 1, 1000000, 2 };

	add_all(&f->a, vs, 5);
	assert_int_equal(f->a.min, 1);
	assert_int_equal(f->a.max, 998999994);
	assert_int_equal(f->a.sum, 1000000000);
	assert_true(hist__mean(&f->a) == 2e8);
	/* exact, not bucket midpoints: 998999994 shares a bucket with its neighbours */
	assert_int_equal(hist__percentile(&f->a, 0), 1);
	assert_int_equal(hist__percentile(&f->a, 100), 998999994);
}

static void test_hist_add_n(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 5; i++)
		assert_int_equal(hist__add(&f->a, 1000), 0);
	assert_int_equal(hist__add_n(&f->b, 1000, 5), 0);
	assert_hist_equal(&f->a, &f->b);
	assert_int_equal(f->b.sum, 5000);

	/* zero occurrences: no allocation, min/max untouched */
	assert_int_equal(hist__add_n(&f->c, 77, 0), 0);
	assert_int_equal(f->c.count, 0);
	assert_int_equal(f->c.min, UINT64_MAX);
	assert_int_equal(f->c.max, 0);
	assert_int_equal(groups_allocated(&f->c), 0);
}

static void test_hist_add_enomem(void **state)
{
	struct fixture *f = *state;

	if (!calloc_can_fail())
		skip();
	calloc_fail_after = 0;
	assert_int_equal(hist__add(&f->a, 1000), -ENOMEM);
	assert_int_equal(f->a.count, 0);
	assert_int_equal(f->a.min, UINT64_MAX);
	assert_int_equal(groups_allocated(&f->a), 0);

	assert_int_equal(hist__add(&f->a, 1000), 0); /* the failure was one-shot */
	calloc_fail_after = 0;
	assert_int_equal(hist__add(&f->a, 1001), 0); /* same group: no allocation */
	calloc_fail_after = -1;
	assert_int_equal(f->a.count, 2);
}

/* ---- merge ---- */

static void test_hist_merge_equals_combined(void **state)
{
	struct fixture *f = *state;
	size_t half = NSAMPLES / 2;

	fill(f, draw_lognormal, 11, NSAMPLES);
	add_all(&f->a, f->vals, half);
	add_all(&f->b, f->vals + half, NSAMPLES - half);
	add_all(&f->c, f->vals, NSAMPLES);
	assert_int_equal(hist__merge(&f->a, &f->b), 0);
	assert_hist_equal(&f->a, &f->c);
	check_percentiles(&f->a, f->sorted, NSAMPLES, "merged lognormal");
}

static void test_hist_merge_into_empty(void **state)
{
	struct fixture *f = *state;
	static const uint64_t vs[] = { 5, 70, 5000, 50 * NS_PER_SEC, UINT64_MAX };

	add_all(&f->b, vs, 5);
	add_all(&f->c, vs, 5);
	assert_int_equal(hist__merge(&f->a, &f->b), 0);
	assert_hist_equal(&f->a, &f->b);
	assert_hist_equal(&f->b, &f->c); /* src unchanged */
}

static void test_hist_merge_empty(void **state)
{
	struct fixture *f = *state;
	static const uint64_t vs[] = { 5, 70, 5000 };

	add_all(&f->a, vs, 3);
	add_all(&f->c, vs, 3);

	assert_int_equal(hist__merge(&f->a, &f->b), 0); /* never used */
	assert_hist_equal(&f->a, &f->c);

	assert_int_equal(hist__add(&f->b, POW2(40)), 0);
	hist__reset(&f->b); /* has a group, but all zero */
	assert_int_equal(hist__merge(&f->a, &f->b), 0);
	assert_hist_equal(&f->a, &f->c);
	assert_int_equal(groups_allocated(&f->a), groups_allocated(&f->c));
}

static void test_hist_merge_enomem_leaves_dst(void **state)
{
	struct fixture *f = *state;
	static const uint64_t dvs[] = { 10, 1000 };
	static const uint64_t svs[] = { 20, POW2(20), POW2(30), POW2(40) };
	uint64_t *before[HIST_GROUPS];

	if (!calloc_can_fail())
		skip();
	add_all(&f->a, dvs, 2);
	add_all(&f->c, dvs, 2);
	add_all(&f->b, svs, 4);
	memcpy(before, f->a.groups, sizeof(before));

	for (int ok = 0; ok < 3; ok++) { /* src needs 3 new groups in dst */
		calloc_fail_after = ok;
		assert_int_equal(hist__merge(&f->a, &f->b), -ENOMEM);
		assert_hist_equal(&f->a, &f->c);
		assert_memory_equal(before, f->a.groups, sizeof(before));
	}
	calloc_fail_after = -1;
	assert_int_equal(hist__merge(&f->a, &f->b), 0);
	add_all(&f->c, svs, 4);
	assert_hist_equal(&f->a, &f->c);
}

/* ---- reset, free, iteration, count_above ---- */

static void test_hist_reset_keeps_memory(void **state)
{
	struct fixture *f = *state;
	static const uint64_t vs[] = { 3, 300, 30000, 3000000, 50 * NS_PER_SEC };
	uint64_t *before[HIST_GROUPS];
	size_t idx = 0, bucket;
	uint64_t count;

	add_all(&f->a, vs, 5);
	memcpy(before, f->a.groups, sizeof(before));
	hist__reset(&f->a);

	assert_memory_equal(before, f->a.groups, sizeof(before));
	assert_int_equal(f->a.count, 0);
	assert_int_equal(f->a.sum, 0);
	assert_int_equal(f->a.min, UINT64_MAX);
	assert_int_equal(f->a.max, 0);
	assert_int_equal(hist__percentile(&f->a, 50), 0);
	assert_int_equal(hist__count_above(&f->a, 0), 0);
	assert_int_equal(hist__next(&f->a, &idx, &bucket, &count), 0);

	/* refilling the same groups must not allocate: every calloc would fail */
	calloc_fail_after = 0;
	add_all(&f->a, vs, 5);
	calloc_fail_after = -1;
	add_all(&f->b, vs, 5);
	assert_hist_equal(&f->a, &f->b);
}

static void test_hist_free_reusable(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(hist__add(&f->a, POW2(50)), 0);
	hist__free(&f->a);
	assert_int_equal(groups_allocated(&f->a), 0);
	assert_int_equal(f->a.count, 0);
	assert_int_equal(f->a.min, UINT64_MAX);
	assert_int_equal(hist__add(&f->a, 7), 0);
	assert_int_equal(hist__percentile(&f->a, 50), 7);
	hist__free(&f->a);
	hist__free(&f->a); /* twice is harmless */
}

static void test_hist_next_order_and_totals(void **state)
{
	struct fixture *f = *state;
	static size_t seen[HIST_BUCKETS];
	static const size_t starts[] = { 0, 1, 100, 1000, 2000, HIST_BUCKETS - 1 };
	size_t idx = 0, bucket, n = 0, i = 0;
	uint64_t count, total = 0;

	fill(f, draw_pareto, 7, 20000);
	add_all(&f->a, f->vals, 20000);
	/* the sorted values, grouped by bucket, are the expected sequence */
	while (hist__next(&f->a, &idx, &bucket, &count)) {
		size_t j = i;

		assert_true(n == 0 || bucket > seen[n - 1]);
		assert_int_equal(idx, bucket + 1);
		assert_int_equal(bucket, hist__bucket_of(f->sorted[i]));
		while (j < 20000 && hist__bucket_of(f->sorted[j]) == bucket)
			j++;
		assert_int_equal(count, j - i);
		total += count;
		seen[n++] = bucket;
		i = j;
	}
	assert_int_equal(i, 20000);
	assert_int_equal(total, f->a.count);
	assert_int_equal(idx, HIST_BUCKETS);
	assert_int_equal(hist__next(&f->a, &idx, &bucket, &count), 0); /* stays done */

	/* resuming anywhere yields the first non-empty bucket at or after it */
	for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		size_t want = 0;

		while (want < n && seen[want] < starts[k])
			want++;
		idx = starts[k];
		assert_int_equal(hist__next(&f->a, &idx, &bucket, &count), want < n);
		if (want < n)
			assert_int_equal(bucket, seen[want]);
	}
	idx = HIST_BUCKETS + 5;
	assert_int_equal(hist__next(&f->a, &idx, &bucket, &count), 0);
}

static void test_hist_count_above(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint64_t v, want;
	} cases[] = {
		{ 0, 10 },
		{ 10, 10 },
		{ 11, 7 },
		{ 100, 7 },
		{ 101, 5 },
		{ 1000, 5 },
		{ 1001, 5 }, /* bucket resolution: 1000..1007 share a bucket */
		{ 1008, 4 },
		{ POW2(40), 4 },
		{ POW2(40) + 1, 4 },
		{ POW2(41), 0 },
		{ UINT64_MAX, 0 },
	};

	assert_int_equal(hist__add_n(&f->a, 10, 3), 0);
	assert_int_equal(hist__add_n(&f->a, 100, 2), 0);
	assert_int_equal(hist__add_n(&f->a, 1000, 1), 0);
	assert_int_equal(hist__add_n(&f->a, POW2(40), 4), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = hist__count_above(&f->a, cases[i].v);

		if (got != cases[i].want)
			fail_msg("count_above(%" PRIu64 ") = %" PRIu64 ", want %" PRIu64,
				 cases[i].v, got, cases[i].want);
	}
	assert_int_equal(hist__add(&f->a, UINT64_MAX), 0);
	assert_int_equal(hist__count_above(&f->a, UINT64_MAX), 1);
}

/* ---- percentiles ---- */

/*
 * Nearest rank on decimal p where p/100 * n is an integer, or close:
 * binary p = 99.9 is a hair off, and a naive ceil() would pick rank n.
 * Values are below HIST_SUB, so buckets are exact and the rank shows.
 */
static void test_hist_percentile_rank_boundaries(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint64_t n1, n2; /* n1 ones, then n2 twos */
		double p;
		uint64_t want;
	} cases[] = {
		{ 9, 1, 90, 1 },     { 9, 1, 90.001, 2 }, { 9, 1, 10, 1 },
		{ 999, 1, 99.9, 1 }, { 999, 1, 99.95, 2 }, { 1, 999, 0.1, 1 },
		{ 1, 999, 0.2, 2 },  { 161, 89, 64.4, 1 }, { 33, 342, 8.8, 1 },
		{ 1, 1, 50, 1 },     { 1, 1, 50.0001, 2 }, { 1, 1, 1e-9, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got;

		hist__reset(&f->a);
		assert_int_equal(hist__add_n(&f->a, 1, cases[i].n1), 0);
		assert_int_equal(hist__add_n(&f->a, 2, cases[i].n2), 0);
		got = hist__percentile(&f->a, cases[i].p);
		if (got != cases[i].want)
			fail_msg("%" PRIu64 "x1 + %" PRIu64 "x2, p%g: got %" PRIu64 ", want %" PRIu64,
				 cases[i].n1, cases[i].n2, cases[i].p, got, cases[i].want);
	}
}

static void test_hist_percentile_clamps(void **state)
{
	struct fixture *f = *state;

	/* 1001 and 1002 share bucket [1000, 1007], midpoint 1003 > max */
	assert_int_equal(hist__add(&f->a, 1001), 0);
	assert_int_equal(hist__add(&f->a, 1002), 0);
	assert_int_equal(hist__percentile(&f->a, 50), 1002);
	assert_int_equal(hist__percentile(&f->a, -5), 1001);
	assert_int_equal(hist__percentile(&f->a, 0), 1001);
	assert_int_equal(hist__percentile(&f->a, NAN), 1001);
	assert_int_equal(hist__percentile(&f->a, 100), 1002);
	assert_int_equal(hist__percentile(&f->a, 250), 1002);
	assert_int_equal(hist__percentile(&f->a, INFINITY), 1002);

	/* 1005 and 1006: midpoint 1003 < min */
	assert_int_equal(hist__add(&f->b, 1005), 0);
	assert_int_equal(hist__add(&f->b, 1006), 0);
	assert_int_equal(hist__percentile(&f->b, 50), 1005);
}

static void test_hist_percentile_uniform(void **state)
{
	check_distribution(state, draw_uniform, "uniform");
}

static void test_hist_percentile_exponential(void **state)
{
	check_distribution(state, draw_exponential, "exponential");
}

static void test_hist_percentile_lognormal(void **state)
{
	check_distribution(state, draw_lognormal, "lognormal");
}

static void test_hist_percentile_pareto(void **state)
{
	struct fixture *f = *state;

	check_distribution(state, draw_pareto, "pareto");
	assert_true(f->a.max > 5 * NS_PER_SEC); /* the tail really reaches seconds */
}

static void test_hist_percentile_bimodal(void **state)
{
	struct fixture *f = *state;

	check_distribution(state, draw_bimodal, "bimodal");
	/* p50 in the fast mode, p90 in the slow one, nothing reported in the gap */
	assert_true(hist__percentile(&f->a, 50) < 40000);
	assert_true(hist__percentile(&f->a, 90) > 2000000);
}

static void test_hist_percentile_large_values(void **state)
{
	struct fixture *f = *state;
	struct rng r = { 99 };
	size_t n = 50000;

	/* 50 s among microseconds: reported as 50 s, not clamped */
	assert_int_equal(hist__add_n(&f->a, 20000, 98), 0);
	assert_int_equal(hist__add_n(&f->a, 50 * NS_PER_SEC, 2), 0);
	assert_int_equal(hist__percentile(&f->a, 99), 50 * NS_PER_SEC);
	assert_in_range(hist__percentile(&f->a, 98), 19800, 20200);
	assert_int_equal(f->a.max, 50 * NS_PER_SEC);

	/* values spread around 2^63; the sum wraps, so the mean is not checked */
	for (size_t i = 0; i < n; i++)
		f->vals[i] = POW2(63) - POW2(60) + (rng_next(&r) >> 2);
	f->vals[0] = UINT64_MAX;
	f->vals[1] = POW2(63);
	memcpy(f->sorted, f->vals, n * sizeof(*f->vals));
	qsort(f->sorted, n, sizeof(*f->sorted), cmp_u64);
	add_all(&f->b, f->vals, n);
	check_percentiles(&f->b, f->sorted, n, "near 2^63");
	assert_int_equal(hist__percentile(&f->b, 100), UINT64_MAX);
	assert_int_equal(hist__percentile(&f->b, 0), f->sorted[0]);

	/* the top bucket's midpoint must not overflow */
	assert_int_equal(hist__add(&f->c, UINT64_C(127) << 57), 0);
	assert_int_equal(hist__add_n(&f->c, UINT64_MAX, 3), 0);
	assert_int_equal(hist__percentile(&f->c, 10), UINT64_MAX - POW2(56));
	assert_int_equal(hist__percentile(&f->c, 50), UINT64_MAX - POW2(56));
	assert_int_equal(hist__percentile(&f->c, 0), UINT64_C(127) << 57);
	assert_int_equal(hist__count_above(&f->c, POW2(63)), 4);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hist_bucket_edges),
		T(test_hist_buckets_contiguous),
		T(test_hist_bucket_powers_of_two),
		T(test_hist_empty),
		T(test_hist_single_value),
		T(test_hist_min_max_mean_exact),
		T(test_hist_add_n),
		T(test_hist_add_enomem),
		T(test_hist_merge_equals_combined),
		T(test_hist_merge_into_empty),
		T(test_hist_merge_empty),
		T(test_hist_merge_enomem_leaves_dst),
		T(test_hist_reset_keeps_memory),
		T(test_hist_free_reusable),
		T(test_hist_next_order_and_totals),
		T(test_hist_count_above),
		T(test_hist_percentile_rank_boundaries),
		T(test_hist_percentile_clamps),
		T(test_hist_percentile_uniform),
		T(test_hist_percentile_exponential),
		T(test_hist_percentile_lognormal),
		T(test_hist_percentile_pareto),
		T(test_hist_percentile_bimodal),
		T(test_hist_percentile_large_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
