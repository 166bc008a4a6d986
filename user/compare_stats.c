// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * compare_stats.c - the statistics of a comparison: bootstrap confidence
 * intervals of the change (resampling the latency or counter histograms),
 * the Mann-Whitney U test over two histograms, the widening of an interval
 * by the spread between records (a t interval), and the normal interval of
 * on-CPU time per call.
 *
 * Owns the numbers: the PRNG, the resampling, quantiles, z and t.  Leaves
 * the rules, the merging of rows, the defaults, the seeds and the verdicts
 * to compare.c, which calls in through compare_int.h (cmp__bootstrap and
 * cmp__mann_whitney are public, in compare.h).  Pure: no printing, no
 * globals; every draw comes from the seed the caller passes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

/* Up to this many calls a side is resampled call by call (inverse CDF);
 * above, bucket by bucket (conditional binomials: the same multinomial). */
#define SMALL_N		4096

/* ------------------------------------------------------------- randomness */

struct rng {
	uint64_t s;
};

/* splitmix64: small, fast, good enough for resampling, and reproducible. */
static uint64_t rng_u64(struct rng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *g)
{
	return (double)(rng_u64(g) >> 11) * 0x1.0p-53;
}

static double rng_normal(struct rng *g)
{
	double u = 1.0 - rng_unit(g), v = rng_unit(g); /* u in (0, 1] */

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/*
 * Binomial(n, p): inversion (exact) while the mean is small, else the
 * normal approximation, whose error is negligible once n*p*(1-p) >= 15.
 */
static uint64_t rng_binomial(struct rng *g, uint64_t n, double p)
{
	double mu, q, s, a, r, u;
	uint64_t x = 0;
	long long k;

	if (!n || p <= 0.0)
		return 0;
	if (p >= 1.0)
		return n;
	if (p > 0.5)
		return n - rng_binomial(g, n, 1.0 - p);
	mu = (double)n * p;
	if (mu < 30.0) {
		q = 1.0 - p;
		s = p / q;
		a = ((double)n + 1.0) * s;
		r = exp((double)n * log1p(-p));
		u = rng_unit(g);
		while (u > r && x < n) {
			u -= r;
			x++;
			r *= a / (double)x - s;
		}
		return x;
	}
	k = llround(mu + sqrt(mu * (1.0 - p)) * rng_normal(g));
	return k < 0 ? 0 : (uint64_t)k > n ? n : (uint64_t)k;
}

/* ------------------------------------------------------- histogram tables */

/* One side's non-empty buckets, flattened for resampling. */
struct tab {
	size_t k;
	uint64_t n;
	uint64_t *cnt;	/* original counts */
	uint64_t *cum;	/* cumulative counts, cum[k-1] == n */
	double *val;	/* bucket midpoint clamped to [min, max], bias subtracted */
	uint64_t *rs;	/* one resample's counts */
};

static void tab_free(struct tab *t)
{
	free(t->cnt);
	free(t->cum);
	free(t->val);
	free(t->rs);
	memset(t, 0, sizeof(*t));
}

static int tab_build(struct tab *t, const struct hist *h, double bias)
{
	size_t idx = 0, b, i = 0;
	uint64_t c, cum = 0, lo, mid;

	memset(t, 0, sizeof(*t));
	while (hist__next(h, &idx, &b, &c))
		t->k++;
	t->cnt = calloc(t->k + 1, sizeof(*t->cnt));
	t->cum = calloc(t->k + 1, sizeof(*t->cum));
	t->val = calloc(t->k + 1, sizeof(*t->val));
	t->rs = calloc(t->k + 1, sizeof(*t->rs));
	if (!t->cnt || !t->cum || !t->val || !t->rs) {
		tab_free(t);
		return -ENOMEM;
	}
	idx = 0;
	while (hist__next(h, &idx, &b, &c)) {
		lo = hist__bucket_low(b);
		mid = lo + (hist__bucket_high(b) - lo) / 2; /* as hist__percentile */
		mid = mid < h->min ? h->min : mid > h->max ? h->max : mid;
		cum += c;
		t->cnt[i] = c;
		t->cum[i] = cum;
		t->val[i] = cmp_unbias(mid, bias);
		i++;
	}
	t->n = cum;
	return 0;
}

/* 1-based nearest rank, as hist.c computes it. */
static uint64_t nearest_rank(double p, uint64_t count)
{
	double x = p * (double)count / 100.0;

	x = ceil(x - x * 1e-12);
	if (x < 1.0)
		return 1;
	return x >= (double)count ? count : (uint64_t)x;
}

/* Percentile (m < CMP_MEAN) or midpoint mean of counts c over t's buckets. */
static double tab_stat(const struct tab *t, const uint64_t *c, enum cmp_metric m)
{
	uint64_t rank, seen = 0;
	double sum = 0;
	size_t i;

	if (m == CMP_MEAN) {
		for (i = 0; i < t->k; i++)
			sum += (double)c[i] * t->val[i];
		return sum / (double)t->n;
	}
	rank = nearest_rank(cmp_metric_pct[m], t->n);
	for (i = 0; i < t->k; i++) {
		seen += c[i];
		if (seen >= rank)
			return t->val[i];
	}
	return t->val[t->k - 1];
}

/* Draws t->n calls with replacement from t's buckets into t->rs. */
static void tab_resample(struct tab *t, struct rng *g)
{
	uint64_t left = t->n, pool = t->n, r;
	size_t i, lo, hi;

	memset(t->rs, 0, t->k * sizeof(*t->rs));
	if (t->n <= SMALL_N) {
		for (uint64_t d = 0; d < t->n; d++) {
			/* inverse CDF: the first bucket whose cumulative count exceeds r */
			r = (uint64_t)(rng_unit(g) * (double)t->n);
			lo = 0;
			hi = t->k - 1;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (t->cum[mid] > r)
					hi = mid;
				else
					lo = mid + 1;
			}
			t->rs[lo]++;
		}
		return;
	}
	for (i = 0; i + 1 < t->k && left; i++) {
		t->rs[i] = rng_binomial(g, left, (double)t->cnt[i] / (double)pool);
		left -= t->rs[i];
		pool -= t->cnt[i];
	}
	t->rs[i] += left;
}

/* ------------------------------------------------------------- statistics */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q of sorted v[0..n), linear interpolation. */
static double quantile(const double *v, size_t n, double q)
{
	double x = q * (double)(n - 1);
	size_t i = (size_t)x;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (x - (double)i) * (v[i + 1] - v[i]);
}

/* z with P(|Z| <= z) = conf, by bisection on erfc (no table, no approximation). */
double cmp_z_of(double conf)
{
	double lo = 0, hi = 10;

	for (int i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (erfc(mid / M_SQRT2) > 1.0 - conf)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

int cmp__mann_whitney(const struct hist *base, const struct hist *cur, double *p, double *ps)
{
	size_t ia = 0, ib = 0, ba = 0, bb = 0;
	uint64_t ca = 0, cb = 0;
	int ha, hb;
	long double below = 0, u = 0, ties = 0, n1 = base->count, n2 = cur->count, n, var, z;

	if (!base->count || !cur->count)
		return -EINVAL;
	ha = hist__next(base, &ia, &ba, &ca);
	hb = hist__next(cur, &ib, &bb, &cb);
	while (ha || hb) {
		/* the next bucket index present on either side, with both counts */
		size_t b = !hb || (ha && ba < bb) ? ba : bb;
		long double a = ha && ba == b ? ca : 0, c = hb && bb == b ? cb : 0, t = a + c;

		u += c * (below + a / 2);	/* cur values above base values, ties halved */
		ties += t * t * t - t;
		below += a;
		if (ha && ba == b)
			ha = hist__next(base, &ia, &ba, &ca);
		if (hb && bb == b)
			hb = hist__next(cur, &ib, &bb, &cb);
	}
	n = n1 + n2;
	*ps = (double)(u / (n1 * n2));
	var = n1 * n2 / 12.0L * ((n + 1) - (n > 1 ? ties / (n * (n - 1)) : 0));
	if (var <= 0) {
		*p = 1.0;
		return 0;
	}
	/* normal approximation with a continuity correction */
	z = fabsl(u - n1 * n2 / 2) - 0.5L;
	z = z < 0 ? 0 : z / sqrtl(var);
	*p = erfc((double)z / M_SQRT2);
	return 0;
}

/* -------------------------------------------------------------- bootstrap */

/*
 * Bootstraps the metrics from..CMP_MEAN (P50, P90, P99 and MEAN; or MEAN
 * alone) at once: fills m[from..CMP_MEAN] change intervals (relative and
 * absolute).  The mean's interval is shifted by the difference between the
 * exact mean (sum/count, in m[CMP_MEAN].base/.cur/.change) and the
 * midpoint mean, so it is centred on the exact figures.
 */
int cmp_bootstrap_all(const struct hist *hb, double bias_b, const struct hist *hc,
		      double bias_c, const struct cmp_opts *o, uint64_t seed, int from,
		      struct cmp_metric_res *m)
{
	size_t nb = o->resamples, i;
	struct tab tb, tc;
	struct rng g = { seed };
	double *rel = NULL, *abs_ = NULL, q = (1.0 - o->confidence) / 2;
	int err;

	err = tab_build(&tb, hb, bias_b);
	if (err)
		return err;
	err = tab_build(&tc, hc, bias_c);
	if (err)
		goto out;
	err = -ENOMEM;
	rel = calloc(CMP_MEAN + 1, nb * sizeof(double));
	abs_ = calloc(CMP_MEAN + 1, nb * sizeof(double));
	if (!rel || !abs_)
		goto out;
	for (i = 0; i < nb; i++) {
		tab_resample(&tb, &g);
		tab_resample(&tc, &g);
		for (int k = from; k <= CMP_MEAN; k++) {
			double b = tab_stat(&tb, tb.rs, k), c = tab_stat(&tc, tc.rs, k);

			rel[k * nb + i] = b > 0 ? c / b - 1.0 : (c > 0 ? INFINITY : 0.0);
			abs_[k * nb + i] = c - b;
		}
	}
	for (int k = from; k <= CMP_MEAN; k++) {
		double shift_rel = 0, shift_abs = 0;

		qsort(rel + k * nb, nb, sizeof(double), cmp_double);
		qsort(abs_ + k * nb, nb, sizeof(double), cmp_double);
		if (k == CMP_MEAN) {
			double b = tab_stat(&tb, tb.cnt, k), c = tab_stat(&tc, tc.cnt, k);

			if (b > 0 && m[k].base > 0)
				shift_rel = m[k].change - (c / b - 1.0);
			shift_abs = (m[k].cur - m[k].base) - (c - b);
		}
		m[k].change_lo = quantile(rel + k * nb, nb, q) + shift_rel;
		m[k].change_hi = quantile(rel + k * nb, nb, 1.0 - q) + shift_rel;
		m[k].diff_lo = quantile(abs_ + k * nb, nb, q) + shift_abs;
		m[k].diff_hi = quantile(abs_ + k * nb, nb, 1.0 - q) + shift_abs;
		m[k].has_ci = true;
	}
	err = 0;
out:
	free(rel);
	free(abs_);
	tab_free(&tb);
	tab_free(&tc);
	return err;
}

int cmp__bootstrap(const struct hist *base, const struct hist *cur, enum cmp_metric m,
		   const struct cmp_opts *opts, double *lo, double *hi)
{
	struct cmp_metric_res res[CMP_MEAN + 1] = { 0 };
	struct cmp_opts o = opts ? *opts : (struct cmp_opts){ 0 };
	int err;

	if (!base->count || !cur->count || m > CMP_MEAN)
		return -EINVAL;
	cmp_fill_opts(&o);
	res[CMP_MEAN].base = hist__mean(base);
	res[CMP_MEAN].cur = hist__mean(cur);
	res[CMP_MEAN].change = res[CMP_MEAN].cur / res[CMP_MEAN].base - 1.0;
	err = cmp_bootstrap_all(base, 0, cur, 0, &o, o.seed, CMP_P50, res);
	if (err)
		return err;
	*lo = res[m].change_lo;
	*hi = res[m].change_hi;
	return 0;
}

/*
 * The interval of the change of the mean of two histograms of counts per
 * call (instructions, cycles) into mr, whose base, cur and change hold the
 * exact means: the same bootstrap as the latency mean, so the figures of
 * both kinds mean the same thing.
 */
int cmp_bootstrap_mean(const struct hist *hb, const struct hist *hc, const struct cmp_opts *o,
		       uint64_t seed, struct cmp_metric_res *mr)
{
	struct cmp_metric_res res[CMP_MEAN + 1] = { 0 };
	int err;

	res[CMP_MEAN] = *mr;
	err = cmp_bootstrap_all(hb, 0, hc, 0, o, seed, CMP_MEAN, res);
	if (err)
		return err;
	mr->change_lo = res[CMP_MEAN].change_lo;
	mr->change_hi = res[CMP_MEAN].change_hi;
	mr->diff_lo = res[CMP_MEAN].diff_lo;
	mr->diff_hi = res[CMP_MEAN].diff_hi;
	mr->has_ci = true;
	return 0;
}

/* ------------------------------------------------- spread between records */

/* Two-sided Student t quantile for confidence conf and df degrees of freedom:
 * a table at 95% (rounding df down: conservative), else Cornish-Fisher. */
static double t_of(double conf, double df, double z)
{
	static const double t95[] = { 0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
				      2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
				      2.120, 2.110, 2.101, 2.093, 2.086 };

	if (df < 1)
		df = 1;
	if (fabs(conf - 0.95) < 1e-9)
		return df < 21 ? t95[(int)df] : df < 30 ? 2.086 : df < 60 ? 2.042 : 2.000;
	return z + (z * z * z + z) / (4 * df) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) /
	       (96 * df * df);
}

/*
 * Runs of the same build differ by more than one run's sampling noise
 * (frequency, caches, neighbours on a shared runner).  With two or more
 * records on both sides, widens each interval to hold the between-run
 * spread too: the records are taken as replicates, and a two-sample t
 * interval on the log of each statistic (variance pooled over both sides:
 * same machine, same benchmark; k_b + k_c - 2 degrees of freedom) is
 * joined with the bootstrap interval.  The per-record spread includes the
 * sampling noise, so nothing is counted twice.  Never narrows an interval.
 */
void cmp_widen_by_runs(const struct cmp_result *r, struct cmp_op *op, double z, int from,
		       int to)
{
	for (int m = from; m <= to; m++) {
		struct cmp_metric_res *mr = &op->m[m];
		double kb = op->runs[0][m], kc = op->runs[1][m];
		double ssb, ssc, s2, var, t, center, lo, hi;

		if (kb < 2 || kc < 2 || !mr->has_ci || !(mr->base > 0) || !(mr->cur > 0) ||
		    mr->change_lo <= -1)
			continue;
		ssb = fmax(op->run_sq[0][m] - op->run_sum[0][m] * op->run_sum[0][m] / kb, 0);
		ssc = fmax(op->run_sq[1][m] - op->run_sum[1][m] * op->run_sum[1][m] / kc, 0);
		s2 = (ssb + ssc) / (kb + kc - 2);
		if (!(s2 > 0))
			continue;
		t = t_of(r->opts.confidence, kb + kc - 2, z);
		var = s2 * (1 / kb + 1 / kc);
		center = op->run_sum[1][m] / kc - op->run_sum[0][m] / kb;
		lo = expm1(center - t * sqrt(var));
		hi = expm1(center + t * sqrt(var));
		if (lo < mr->change_lo || hi > mr->change_hi) {
			mr->change_lo = fmin(lo, mr->change_lo);
			mr->change_hi = fmax(hi, mr->change_hi);
			mr->diff_lo = fmin(mr->diff_lo, mr->base * mr->change_lo);
			mr->diff_hi = fmax(mr->diff_hi, mr->base * mr->change_hi);
			mr->run_spread = true;
		}
	}
}

/* ----------------------------------------------------------------- on-CPU */

/* On-CPU per call has no histogram: a normal interval on the log ratio,
 * taking the per-call spread (coefficient of variation) of wall time. */
void cmp_oncpu_interval(const struct cmp_op *op, double z, struct cmp_metric_res *mr)
{
	double cv[2], var = 0;
	const struct hist *h[2] = { &op->base_lat, &op->cur_lat };
	const uint64_t n[2] = { op->base_split_calls, op->cur_split_calls };

	for (int s = 0; s < 2; s++) {
		size_t idx = 0, b;
		uint64_t c;
		double mean = hist__mean(h[s]), sq = 0;

		while (hist__next(h[s], &idx, &b, &c)) {
			uint64_t lo = hist__bucket_low(b);
			double v = (double)(lo + (hist__bucket_high(b) - lo) / 2) - mean;

			sq += (double)c * v * v;
		}
		cv[s] = h[s]->count > 1 && mean > 0 ? sqrt(sq / (double)(h[s]->count - 1)) / mean
						    : 1.0;
		var += cv[s] * cv[s] / (double)n[s];
	}
	if (!(mr->base > 0) || !(mr->cur > 0))
		return;
	mr->change_lo = mr->cur / mr->base * exp(-z * sqrt(var)) - 1.0;
	mr->change_hi = mr->cur / mr->base * exp(z * sqrt(var)) - 1.0;
	mr->diff_lo = mr->base * mr->change_lo;
	mr->diff_hi = mr->base * mr->change_hi;
	mr->has_ci = true;
}
