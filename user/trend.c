// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * trend.c - least-squares trends over interval series, with the t-test of
 * the slope, and the coefficient of variation.
 *
 * The Student t distribution's tail comes from the regularized incomplete
 * beta function, I_x(a, b), evaluated with its continued fraction (modified
 * Lentz's method, as Numerical Recipes' betacf):
 *   P(|T| > t) = I_{dof / (dof + t^2)}(dof / 2, 1 / 2).
 * Pure: no printing, no state.
 */
#include <math.h>
#include <stddef.h>

#include "trend.h"

#define BETACF_MAXIT 300
#define BETACF_EPS   1e-15
#define BETACF_TINY  1e-300

const char *trend__dir_name(int dir)
{
	switch (dir) {
	case TREND_STABLE: return "stable";
	case TREND_INCREASING: return "increasing";
	case TREND_DECREASING: return "decreasing";
	default: return "unknown";
	}
}

/* The continued fraction of I_x(a, b), for x < (a + 1) / (a + b + 2). */
static double betacf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;

	if (fabs(d) < BETACF_TINY)
		d = BETACF_TINY;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= BETACF_MAXIT; m++) {
		int m2 = 2 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2)), del;

		/* even step */
		d = 1 + aa * d;
		if (fabs(d) < BETACF_TINY)
			d = BETACF_TINY;
		c = 1 + aa / c;
		if (fabs(c) < BETACF_TINY)
			c = BETACF_TINY;
		d = 1 / d;
		h *= d * c;
		/* odd step */
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < BETACF_TINY)
			d = BETACF_TINY;
		c = 1 + aa / c;
		if (fabs(c) < BETACF_TINY)
			c = BETACF_TINY;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < BETACF_EPS)
			break;
	}
	return h;
}

double trend__betai(double a, double b, double x)
{
	double front;

	if (!(x > 0))
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	/* The fraction converges fast below (a + 1) / (a + b + 2); above,
	 * I_x(a, b) = 1 - I_{1-x}(b, a). */
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

double trend__t_pvalue(double t, double dof)
{
	if (isnan(t) || !(dof > 0))
		return 1;
	if (isinf(t))
		return 0;
	return trend__betai(dof / 2, 0.5, dof / (dof + t * t));
}

void trend__fit(const double *t, const double *v, size_t n, struct trend *out)
{
	double tm = 0, vm = 0, sxx = 0, sxy = 0, svv = 0, ssr = 0, tmin, tmax, a;

	*out = (struct trend){ .dir = TREND_UNKNOWN, .npoints = (unsigned)n, .p_value = 1 };
	if (!n)
		return;
	tmin = tmax = t[0];
	for (size_t i = 0; i < n; i++) {
		tm += t[i];
		vm += v[i];
		if (t[i] < tmin)
			tmin = t[i];
		if (t[i] > tmax)
			tmax = t[i];
	}
	tm /= n;
	vm /= n;
	for (size_t i = 0; i < n; i++) {
		sxx += (t[i] - tm) * (t[i] - tm);
		sxy += (t[i] - tm) * (v[i] - vm);
		svv += (v[i] - vm) * (v[i] - vm);
	}
	out->mean = vm;
	out->cv = n > 1 && vm != 0 ? sqrt(svv / (n - 1)) / fabs(vm) : 0;
	if (n < 2 || !(sxx > 0)) {
		if (n >= TREND_MIN_POINTS)
			out->dir = TREND_STABLE; /* one point in time: no slope to speak of */
		return;
	}
	out->slope = sxy / sxx;
	out->slope_rel = vm != 0 ? out->slope * (tmax - tmin) / fabs(vm) : 0;
	if (n >= 3) {
		a = vm - out->slope * tm;
		for (size_t i = 0; i < n; i++) {
			double r = v[i] - (a + out->slope * t[i]);

			ssr += r * r;
		}
		out->slope_se = sqrt(ssr / (n - 2) / sxx);
		if (out->slope_se > 0)
			out->p_value = trend__t_pvalue(out->slope / out->slope_se, n - 2);
		else
			out->p_value = out->slope != 0 ? 0 : 1; /* an exact line */
	}
	if (n < TREND_MIN_POINTS)
		return;
	if (out->p_value < TREND_ALPHA && fabs(out->slope_rel) >= TREND_MIN_REL)
		out->dir = out->slope > 0 ? TREND_INCREASING : TREND_DECREASING;
	else
		out->dir = TREND_STABLE;
}
