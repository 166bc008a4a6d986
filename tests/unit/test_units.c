// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_units.c - units.c: duration parsing (units, fractions, errors,
 * overflow) and the three formats at their unit and rounding boundaries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "units.h"

#define S  1000000000ULL
#define MS 1000000ULL
#define US 1000ULL

struct parse_case {
	const char *in;
	uint64_t def;	/* default unit */
	int err;
	uint64_t ns;
};

static void test_units_parse_valid(void **state)
{
	static const struct parse_case cases[] = {
		{ "10", S, 0, 10 * S },
		{ "10", MS, 0, 10 * MS },
		{ "0", S, 0, 0 },
		{ "10s", MS, 0, 10 * S },
		{ "250ms", S, 0, 250 * MS },
		{ "500us", S, 0, 500 * US },
		{ "500\xc2\xb5s", S, 0, 500 * US },
		{ "500\xce\xbcs", S, 0, 500 * US },
		{ "100ns", S, 0, 100 },
		{ "2m", S, 0, 120 * S },
		{ "1.5s", S, 0, 1500 * MS },
		{ "0.1s", S, 0, 100 * MS },
		{ ".5ms", S, 0, 500 * US },
		{ "1.", S, 0, S },
		{ "1.25", MS, 0, 1250 * US },
		{ "0.0000000015s", S, 0, 2 },  /* rounded to the nearest ns */
		{ "0.0000000014s", S, 0, 1 },
		{ "1.5ns", S, 0, 2 },
		{ "007ms", S, 0, 7 * MS },
		{ "1.000000000000000000000001s", S, 0, S }, /* long fractions are fine */
		{ "18446744073709551615ns", S, 0, UINT64_MAX },
		{ "18446744073.709551615s", S, 0, UINT64_MAX },
		{ "18446744073s", S, 0, 18446744073 * S },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 12345;
		int err = units__parse_duration(cases[i].in, cases[i].def, &ns);

		if (err || ns != cases[i].ns)
			print_error("case '%s': err %d ns %llu, want %llu\n", cases[i].in, err,
				    (unsigned long long)ns, (unsigned long long)cases[i].ns);
		assert_int_equal(err, 0);
		assert_true(ns == cases[i].ns);
	}
}

static void test_units_parse_errors(void **state)
{
	static const struct parse_case cases[] = {
		{ "", S, -EINVAL, 0 },
		{ "s", S, -EINVAL, 0 },
		{ ".", S, -EINVAL, 0 },
		{ ".s", S, -EINVAL, 0 },
		{ "-1s", S, -EINVAL, 0 },
		{ "+1s", S, -EINVAL, 0 },
		{ " 1s", S, -EINVAL, 0 },
		{ "1 s", S, -EINVAL, 0 },
		{ "1s ", S, -EINVAL, 0 },
		{ "10x", S, -EINVAL, 0 },
		{ "10sec", S, -EINVAL, 0 },
		{ "10S", S, -EINVAL, 0 },
		{ "1h", S, -EINVAL, 0 },
		{ "1e3", S, -EINVAL, 0 },
		{ "1.2.3s", S, -EINVAL, 0 },
		{ "0x10", S, -EINVAL, 0 },
		{ "10", 0, -EINVAL, 0 },	/* no default unit: a unit is required */
		{ "99999999999999999999x", S, -EINVAL, 0 }, /* syntax before range */
		{ "18446744073709551616ns", S, -ERANGE, 0 },
		{ "99999999999999999999", S, -ERANGE, 0 },
		{ "18446744074s", S, -ERANGE, 0 },
		{ "18446744073.709551616s", S, -ERANGE, 0 },
		{ "307445734561825861m", S, -ERANGE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 777;
		int err = units__parse_duration(cases[i].in, cases[i].def, &ns);

		if (err != cases[i].err)
			print_error("case '%s': err %d, want %d\n", cases[i].in, err, cases[i].err);
		assert_int_equal(err, cases[i].err);
		assert_true(ns == 777); /* untouched on error */
	}
	assert_int_equal(units__parse_duration(NULL, S, &(uint64_t){ 0 }), -EINVAL);
}

struct fmt_case {
	uint64_t v;
	const char *want;
};

static void test_units_fmt_ns_boundaries(void **state)
{
	static const struct fmt_case cases[] = {
		{ 0, "0 ns" },
		{ 1, "1 ns" },
		{ 812, "812 ns" },
		{ 999, "999 ns" },
		{ 1000, "1.00 us" },
		{ 1004, "1.00 us" },
		{ 1005, "1.01 us" },  /* half up */
		{ 2030, "2.03 us" },
		{ 9994, "9.99 us" },
		{ 9995, "10.0 us" },
		{ 99949, "99.9 us" },
		{ 99950, "100 us" },
		{ 999499, "999 us" },
		{ 999500, "1.00 ms" },
		{ 999999, "1.00 ms" },
		{ 1000000, "1.00 ms" },
		{ 2000000, "2.00 ms" },
		{ 20300000, "20.3 ms" },
		{ 203000000, "203 ms" },
		{ 999999999, "1.00 s" },
		{ 1500000000, "1.50 s" },
		{ 50 * S, "50.0 s" },
		{ 999 * S, "999 s" },
		{ 999 * S + 499999999, "999 s" },
		{ 999 * S + 500000000, "1000 s" },
		{ 3600 * S, "3600 s" },
		{ 3600 * S + 499999999, "3600 s" },
		{ 3600 * S + 500000000, "3601 s" },
		{ UINT64_MAX, "18446744074 s" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = units__fmt_ns(cases[i].v, buf, sizeof(buf));

		assert_ptr_equal(got, buf);
		assert_string_equal(got, cases[i].want);
	}
}

static void test_units_fmt_ns_truncates(void **state)
{
	char buf[5];

	(void)state;
	assert_string_equal(units__fmt_ns(2030, buf, sizeof(buf)), "2.03");
}

static void test_units_fmt_count_boundaries(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 7, "7" },
		{ 9999, "9999" },
		{ 0.25, "0.25" },
		{ 33.333, "33.3" },
		{ 512.4, "512" },
		{ 10000, "10.0k" },
		{ 12345, "12.3k" },
		{ 99949, "99.9k" },
		{ 99950, "100k" },
		{ 999499, "999k" },
		{ 999500, "1.00M" },
		{ 1234567, "1.23M" },
		{ 4.56e9, "4.56G" },
		{ 7.89e12, "7.89T" },
		{ 1.5e16, "15000T" },
		{ -12345, "-12.3k" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(units__fmt_count(cases[i].v, buf, sizeof(buf)), cases[i].want);
}

static void test_units_fmt_bytes_boundaries(void **state)
{
	static const struct fmt_case cases[] = {
		{ 0, "0 B" },
		{ 512, "512 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.00 KiB" },
		{ 1536, "1.50 KiB" },
		{ 1023 * 1024, "1023 KiB" },
		{ 1024 * 1024 - 1, "1.00 MiB" },
		{ 3355443, "3.20 MiB" },
		{ 1ULL << 30, "1.00 GiB" },
		{ 1ULL << 40, "1.00 TiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(units__fmt_bytes(cases[i].v, buf, sizeof(buf)), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_parse_valid),
		cmocka_unit_test(test_units_parse_errors),
		cmocka_unit_test(test_units_fmt_ns_boundaries),
		cmocka_unit_test(test_units_fmt_ns_truncates),
		cmocka_unit_test(test_units_fmt_count_boundaries),
		cmocka_unit_test(test_units_fmt_bytes_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
