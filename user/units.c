// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * units.c - durations, counts and byte sizes in and out of text.
 *
 * Owns: the duration grammar (number, optional fraction, optional unit) and
 * the three-significant-digit formats every renderer shares.  Leaves to
 * others: which default unit a given option uses, and any printing.  Pure.
 *
 * Parsing is exact integer arithmetic (no strtod): "0.1s" is 100000000 ns,
 * not 99999999.  Durations are formatted with integer rounding too, so unit
 * boundaries are exact (999499 ns -> "999 us", 999500 ns -> "1.00 ms").
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

#define NS_PER_US  1000ULL
#define NS_PER_MS  1000000ULL
#define NS_PER_S   1000000000ULL
#define NS_PER_MIN (60 * NS_PER_S)

/* Fraction digits kept; more cannot change a result in ns (units <= 60 s). */
#define MAX_FRAC_DIGITS 18

struct unit {
	const char *suffix;
	uint64_t ns;
};

static const struct unit duration_units[] = {
	{ "ns", 1 },
	{ "us", NS_PER_US },
	{ "\xc2\xb5s", NS_PER_US }, /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", NS_PER_US }, /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", NS_PER_MS },
	{ "s", NS_PER_S },
	{ "m", NS_PER_MIN },
};

/* The unit a suffix names, or 0 if none.  "" is the caller's default. */
static uint64_t unit_ns(const char *suffix, uint64_t default_unit_ns)
{
	if (!*suffix)
		return default_unit_ns;
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (!strcmp(suffix, duration_units[i].suffix))
			return duration_units[i].ns;
	}
	return 0;
}

/*
 * Grammar: DIGITS [ "." [DIGITS] ] | "." DIGITS, then an optional unit.  No
 * sign, no spaces, no exponent.  Syntax errors win over overflow, so
 * "99999999999999999999x" is -EINVAL.  The fraction is rounded to the
 * nearest ns.  default_unit_ns == 0 makes the unit mandatory.
 */
int units__parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *ns)
{
	uint64_t ipart = 0, frac = 0, fscale = 1, unit, total;
	unsigned __int128 fns;
	bool overflow = false;
	int digits = 0, fdigits = 0;
	const char *p = s;

	if (!s)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (__builtin_mul_overflow(ipart, 10, &ipart) ||
		    __builtin_add_overflow(ipart, (uint64_t)(*p - '0'), &ipart))
			overflow = true;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (fdigits++ >= MAX_FRAC_DIGITS)
				continue;
			frac = frac * 10 + (uint64_t)(*p - '0');
			fscale *= 10;
		}
	}
	if (!digits)
		return -EINVAL;
	unit = unit_ns(p, default_unit_ns);
	if (!unit)
		return -EINVAL;
	if (overflow || __builtin_mul_overflow(ipart, unit, &total))
		return -ERANGE;
	fns = ((unsigned __int128)frac * unit + fscale / 2) / fscale;
	if (__builtin_add_overflow(total, (uint64_t)fns, &total))
		return -ERANGE;
	*ns = total;
	return 0;
}

/* Number of decimal digits in v minus one (floor(log10(v))), v > 0. */
static int decimal_exp(uint64_t v)
{
	int e = 0;

	while (v >= 10) {
		v /= 10;
		e++;
	}
	return e;
}

static uint64_t pow10u(int e)
{
	uint64_t p = 1;

	while (e-- > 0)
		p *= 10;
	return p;
}

/*
 * Below 1 us: exact ns.  Up to 999 s: round half up to 3 significant digits
 * (integer arithmetic), then pick us/ms/s by the rounded value's magnitude so
 * that 999999 ns becomes "1.00 ms", never "1000 us".  From 1000 s on: whole
 * seconds ("3600 s").
 */
char *units__fmt_ns(uint64_t ns, char *buf, size_t len)
{
	static const char *const names[] = { "us", "ms", "s" };
	uint64_t scale, q, div;
	int e, unit_e, decimals;

	if (ns < NS_PER_US) {
		snprintf(buf, len, "%" PRIu64 " ns", ns);
		return buf;
	}
	e = decimal_exp(ns); /* >= 3 */
	scale = e < 12 ? pow10u(e - 2) : 1;
	q = ns / scale + (ns % scale >= scale / 2 && scale > 1);
	if (q == 1000) { /* 999.5 rounds up into the next decade */
		q = 100;
		e++;
	}
	if (e >= 12) {
		q = ns / NS_PER_S + (ns % NS_PER_S >= NS_PER_S / 2);
		snprintf(buf, len, "%" PRIu64 " s", q);
		return buf;
	}
	unit_e = e / 3 * 3; /* 3: us, 6: ms, 9: s */
	decimals = unit_e + 2 - e;
	div = pow10u(decimals);
	/* "%.0" prints nothing for 0: the fraction vanishes when decimals == 0 */
	snprintf(buf, len, "%" PRIu64 "%s%.*" PRIu64 " %s", q / div, decimals ? "." : "",
		 decimals, decimals ? q % div : 0, names[unit_e / 3 - 1]);
	return buf;
}

/*
 * Prints x (>= 1) scaled by powers of step into [1, step) with 3
 * significant digits and the matching suffix; a value that rounds up to
 * step ("1000k", "1024 KiB") moves to the next suffix ("1.00M", "1.00 MiB").
 */
static void fmt_scaled(const char *sign, double x, double step, const char *const *sfx,
		       size_t nsfx, const char *sep, char *buf, size_t len)
{
	size_t i = 0;
	int decimals;

	while (i + 1 < nsfx && x >= step) {
		x /= step;
		i++;
	}
	decimals = x < 9.995 ? 2 : x < 99.95 ? 1 : 0;
	if (decimals == 0 && x >= step - 0.5 && i + 1 < nsfx) {
		x /= step;
		i++;
		decimals = 2;
	}
	snprintf(buf, len, "%s%.*f%s%s", sign, decimals, x, sep, sfx[i]);
}

/*
 * Below 10000: integers as integers ("9999"); a fractional value (a rate)
 * keeps 3 significant digits ("0.25", "33.3", "512").  From 10000 on:
 * "10.0k", "1.23M", "4.56G", "7.89T".
 */
char *units__fmt_count(double v, char *buf, size_t len)
{
	static const char *const sfx[] = { "k", "M", "G", "T" };
	double a = fabs(v);
	int decimals;

	if (isnan(v)) {
		snprintf(buf, len, "nan");
	} else if (isinf(v)) {
		snprintf(buf, len, "%sinf", v < 0 ? "-" : "");
	} else if (a < 9999.5) {
		decimals = a == floor(a) || a >= 99.95 ? 0 : a < 9.995 ? 2 : 1;
		snprintf(buf, len, "%.*f", decimals, v);
	} else {
		fmt_scaled(v < 0 ? "-" : "", a / 1000.0, 1000.0, sfx, 4, "", buf, len);
	}
	return buf;
}

/* "512 B", then "1.50 KiB" .. "16.0 EiB" (powers of 1024). */
char *units__fmt_pct(double frac, char *buf, size_t len)
{
	double pct = frac * 100.0;

	if (!isfinite(pct))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%.*f%%", fabs(pct) < 9.995 ? 2 : fabs(pct) < 99.95 ? 1 : 0, pct);
	return buf;
}

char *units__fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const sfx[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

	if (bytes < 1024)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		fmt_scaled("", (double)bytes / 1024.0, 1024.0, sfx, 6, " ", buf, len);
	return buf;
}
