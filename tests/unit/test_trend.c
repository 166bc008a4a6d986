// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_trend.c - trend.c: least-squares fits of known lines, the t-test's
 * p-value against closed forms and a numerically integrated reference, the
 * direction rules (significance and minimum relative change), cv, and the
 * too-few-points cases.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "trend.h"

#define N 20

static void seq(double *t, size_t n, double t0, double dt)
{
	for (size_t i = 0; i < n; i++)
		t[i] = t0 + dt * (double)i;
}

static void test_exact_line_increasing(void **state)
{
	double t[10], v[10];
	struct trend tr;

	(void)state;
	seq(t, 10, 1, 1);
	for (int i = 0; i < 10; i++)
		v[i] = 3 + 2 * t[i];
	trend__fit(t, v, 10, &tr);
	assert_int_equal(tr.dir, TREND_INCREASING);
	assert_int_equal(tr.npoints, 10);
	assert_true(fabs(tr.slope - 2) < 1e-12);
	assert_true(tr.slope_se < 1e-9);
	assert_true(tr.p_value < 1e-9);
	assert_true(fabs(tr.mean - 14) < 1e-12);
	/* 2/s over 9 s, of a mean of 14 */
	assert_true(fabs(tr.slope_rel - 18.0 / 14.0) < 1e-12);
}

static void test_exact_line_decreasing(void **state)
{
	double t[8], v[8];
	struct trend tr;

	(void)state;
	seq(t, 8, 0.5, 0.5); /* half-second ticks */
	for (int i = 0; i < 8; i++)
		v[i] = 1000 - 40 * t[i];
	trend__fit(t, v, 8, &tr);
	assert_int_equal(tr.dir, TREND_DECREASING);
	assert_true(fabs(tr.slope + 40) < 1e-9);
	assert_true(tr.p_value < 1e-9);
	assert_true(tr.slope_rel < -0.1);
}

/* 10 + 0.5 t with +-0.3 alternating: slope and its error known exactly. */
static void test_noisy_line_known_fit(void **state)
{
	double t[N], v[N];
	struct trend tr;

	(void)state;
	seq(t, N, 1, 1);
	for (int i = 0; i < N; i++)
		v[i] = 10 + 0.5 * t[i] + (i % 2 ? -0.3 : 0.3);
	trend__fit(t, v, N, &tr);
	assert_true(fabs(tr.slope - 0.4954887218045112) < 1e-12);
	assert_true(fabs(tr.slope_se - 0.012216599104715758) < 1e-12);
	assert_true(tr.p_value < 1e-15);
	assert_int_equal(tr.dir, TREND_INCREASING);
}

/* Pseudo-random values around 100 with no trend: p ~ 0.625 (reference:
 * numerical integration of the t density, 18 degrees of freedom). */
static void test_noise_is_stable(void **state)
{
	static const double v[N] = { 104.92, 96.47, 95.53, 99.89, 97.88, 99.47, 96.16,
				     97.56, 98.54, 95.93, 92.22, 108.34, 94.69, 99.31,
				     104.67, 94.61, 106.7, 92.84, 93.24, 96.59 };
	double t[N];
	struct trend tr;

	(void)state;
	seq(t, N, 1, 1);
	trend__fit(t, v, N, &tr);
	assert_true(fabs(tr.slope + 0.0908120300751879) < 1e-12);
	assert_true(fabs(tr.slope_se - 0.18260620935376123) < 1e-12);
	assert_true(fabs(tr.p_value - 0.6249899976125386) < 1e-9);
	assert_int_equal(tr.dir, TREND_STABLE);
	assert_true(tr.cv > 0.03 && tr.cv < 0.06);
}

static void test_constant_is_stable(void **state)
{
	double t[6], v[6];
	struct trend tr;

	(void)state;
	seq(t, 6, 1, 1);
	for (int i = 0; i < 6; i++)
		v[i] = 5;
	trend__fit(t, v, 6, &tr);
	assert_int_equal(tr.dir, TREND_STABLE);
	assert_true(tr.slope == 0);
	assert_true(tr.p_value == 1);
	assert_true(tr.cv == 0);
	assert_true(tr.mean == 5);
	/* all zeros (an error rate without errors): stable, cv 0, no division by 0 */
	for (int i = 0; i < 6; i++)
		v[i] = 0;
	trend__fit(t, v, 6, &tr);
	assert_int_equal(tr.dir, TREND_STABLE);
	assert_true(tr.cv == 0 && tr.slope_rel == 0);
}

static void test_too_few_points_unknown(void **state)
{
	double t[4] = { 1, 2, 3, 4 }, v[4] = { 1, 2, 3, 4 };
	struct trend tr;

	(void)state;
	trend__fit(t, v, 3, &tr);
	assert_int_equal(tr.dir, TREND_UNKNOWN);
	assert_int_equal(tr.npoints, 3);
	assert_true(fabs(tr.slope - 1) < 1e-12); /* still fitted */
	trend__fit(t, v, 4, &tr);
	assert_int_equal(tr.dir, TREND_UNKNOWN);
	trend__fit(t, v, 1, &tr);
	assert_int_equal(tr.dir, TREND_UNKNOWN);
	assert_true(tr.p_value == 1);
	trend__fit(t, v, 0, &tr);
	assert_int_equal(tr.dir, TREND_UNKNOWN);
	assert_int_equal(tr.npoints, 0);
}

/* Significant but tiny: 1000 + 0.01 t over 20 s is 0.02% of the mean. */
static void test_significant_but_small_is_stable(void **state)
{
	double t[N], v[N];
	struct trend tr;

	(void)state;
	seq(t, N, 1, 1);
	for (int i = 0; i < N; i++)
		v[i] = 1000 + 0.01 * t[i] + (i % 2 ? -0.001 : 0.001);
	trend__fit(t, v, N, &tr);
	assert_true(tr.p_value < 1e-6);
	assert_true(fabs(tr.slope_rel) < TREND_MIN_REL);
	assert_int_equal(tr.dir, TREND_STABLE);
}

/* Right at the minimum relative change: 10% of the mean over the span. */
static void test_min_rel_boundary(void **state)
{
	double t[11], v[11];
	struct trend tr;

	(void)state;
	seq(t, 11, 0, 1); /* span 10 s, mean at t = 5 */
	for (int i = 0; i < 11; i++)
		v[i] = 100 + 1.0 * (t[i] - 5); /* +10 over the span, mean 100: 10% */
	trend__fit(t, v, 11, &tr);
	assert_true(fabs(tr.slope_rel - 0.10) < 1e-12);
	assert_int_equal(tr.dir, TREND_INCREASING);
	for (int i = 0; i < 11; i++)
		v[i] = 100 + 0.99 * (t[i] - 5);
	trend__fit(t, v, 11, &tr);
	assert_int_equal(tr.dir, TREND_STABLE);
}

static void test_all_same_time(void **state)
{
	double t[5] = { 3, 3, 3, 3, 3 }, v[5] = { 1, 2, 3, 4, 5 };
	struct trend tr;

	(void)state;
	trend__fit(t, v, 5, &tr);
	assert_int_equal(tr.dir, TREND_STABLE);
	assert_true(tr.slope == 0 && tr.p_value == 1);
}

static void test_cv(void **state)
{
	double t[5] = { 1, 2, 3, 4, 5 }, v[5] = { 3, 1, 5, 2, 4 };
	struct trend tr;

	(void)state;
	trend__fit(t, v, 5, &tr);
	/* mean 3, sample stddev sqrt(2.5) */
	assert_true(fabs(tr.cv - sqrt(2.5) / 3) < 1e-12);
}

static void test_t_pvalue(void **state)
{
	(void)state;
	/* 1 dof (Cauchy): 1 - 2/pi atan(t); 2 dof: 1 - t / sqrt(2 + t^2) */
	assert_true(fabs(trend__t_pvalue(1, 1) - 0.5) < 1e-12);
	assert_true(fabs(trend__t_pvalue(3, 1) - (1 - 2 / M_PI * atan(3))) < 1e-12);
	assert_true(fabs(trend__t_pvalue(1, 2) - (1 - 1 / sqrt(3))) < 1e-12);
	assert_true(fabs(trend__t_pvalue(-1, 2) - (1 - 1 / sqrt(3))) < 1e-12);
	/* tables */
	assert_true(fabs(trend__t_pvalue(2.228138852, 10) - 0.05) < 1e-9);
	assert_true(fabs(trend__t_pvalue(3.5, 4) - 0.024896163460204512) < 1e-9);
	assert_true(fabs(trend__t_pvalue(1.959963985, 1e7) - 0.05) < 1e-6);
	assert_true(trend__t_pvalue(0, 5) == 1);
	assert_true(trend__t_pvalue(INFINITY, 5) == 0);
	assert_true(trend__t_pvalue(NAN, 5) == 1);
	assert_true(trend__t_pvalue(2, 0) == 1);
	assert_true(trend__t_pvalue(1e6, 3) < 1e-15);
}

static void test_betai(void **state)
{
	(void)state;
	assert_true(fabs(trend__betai(1, 1, 0.3) - 0.3) < 1e-12);
	assert_true(fabs(trend__betai(3, 1, 0.5) - 0.125) < 1e-12); /* x^a */
	assert_true(fabs(trend__betai(2.5, 2.5, 0.5) - 0.5) < 1e-12);
	assert_true(fabs(trend__betai(0.5, 7, 0.2) + trend__betai(7, 0.5, 0.8) - 1) < 1e-12);
	assert_true(trend__betai(2, 3, 0) == 0);
	assert_true(trend__betai(2, 3, 1) == 1);
}

static void test_dir_names(void **state)
{
	(void)state;
	assert_string_equal(trend__dir_name(TREND_UNKNOWN), "unknown");
	assert_string_equal(trend__dir_name(TREND_STABLE), "stable");
	assert_string_equal(trend__dir_name(TREND_INCREASING), "increasing");
	assert_string_equal(trend__dir_name(TREND_DECREASING), "decreasing");
	assert_string_equal(trend__dir_name(42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_line_increasing),
		cmocka_unit_test(test_exact_line_decreasing),
		cmocka_unit_test(test_noisy_line_known_fit),
		cmocka_unit_test(test_noise_is_stable),
		cmocka_unit_test(test_constant_is_stable),
		cmocka_unit_test(test_too_few_points_unknown),
		cmocka_unit_test(test_significant_but_small_is_stable),
		cmocka_unit_test(test_min_rel_boundary),
		cmocka_unit_test(test_all_same_time),
		cmocka_unit_test(test_cv),
		cmocka_unit_test(test_t_pvalue),
		cmocka_unit_test(test_betai),
		cmocka_unit_test(test_dir_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
