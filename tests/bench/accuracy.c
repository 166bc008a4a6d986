// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * accuracy.c - percentile error against exact values, for optrace's
 * log-linear histogram (user/hist.c) and for a log2 histogram like
 * bpftrace's hist() (a percentile read from it as its bucket's midpoint).
 *
 *   accuracy [N]   prints "dist=D p=P exact=E optrace=O log2=L" lines,
 *                  the errors relative to the exact sorted-sample value
 *
 * Distributions (ns): lognormal around 50 us (sigma 0.5) with a 1% slow
 * tail around 5 ms; bimodal: 70% around 20 us, 30% around 800 us.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "hist.h"

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static double unif(uint64_t *s)
{
	return ((rnd(s) >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(uint64_t *s)
{
	return sqrt(-2 * log(unif(s))) * cos(2 * M_PI * unif(s));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The log2 histogram's answer: midpoint of [2^k, 2^(k+1)) holding the rank. */
static uint64_t log2_percentile(const uint64_t *cnt, uint64_t total, double p)
{
	uint64_t rank = (uint64_t)ceil(p / 100 * total), seen = 0;

	for (int k = 0; k < 64; k++) {
		seen += cnt[k];
		if (seen >= rank)
			return k ? (3ull << k) / 2 : 0;
	}
	return 0;
}

static void run(const char *name, uint64_t *v, size_t n)
{
	static const double ps[] = { 50, 99, 99.9 };
	uint64_t log2c[64] = { 0 };
	struct hist h;

	hist__init(&h);
	for (size_t i = 0; i < n; i++) {
		hist__add(&h, v[i]);
		log2c[v[i] ? 63 - __builtin_clzll(v[i]) : 0]++;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t exact = v[(size_t)ceil(ps[i] / 100 * n) - 1];
		uint64_t o = hist__percentile(&h, ps[i]), l = log2_percentile(log2c, n, ps[i]);

		printf("dist=%s p=%g exact=%llu optrace=%llu log2=%llu optrace_err_pct=%.3f "
		       "log2_err_pct=%.1f\n", name, ps[i], (unsigned long long)exact,
		       (unsigned long long)o, (unsigned long long)l,
		       100.0 * ((double)o - exact) / exact, 100.0 * ((double)l - exact) / exact);
	}
	hist__free(&h);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 7;

	if (!v || !n)
		return 1;
	for (size_t i = 0; i < n; i++)
		v[i] = (uint64_t)exp((unif(&seed) < 0.01 ? log(5e6) : log(5e4)) + 0.5 * gauss(&seed));
	run("lognormal+1%tail", v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (uint64_t)exp((unif(&seed) < 0.7 ? log(2e4) : log(8e5)) + 0.2 * gauss(&seed));
	run("bimodal", v, n);
	free(v);
	return 0;
}
