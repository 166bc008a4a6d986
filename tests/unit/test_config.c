// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_config.c - config.c: defaults, a complete good file, every kind of
 * error with its FILE:LINE, the file permission rule (as root), and the
 * value parsers.  Files are written to a mkdtemp directory.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "finding.h"

#define MS 1000000ULL

static char dir[] = "/tmp/test_config.XXXXXX";
static char path[PATH_MAX];
static int nfile;

/* Writes text to a new file in dir (mode 0644), into path. */
static const char *file_of(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/c%d.ini", dir, nfile++);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_defaults(void **state)
{
	struct optrace_config c;

	(void)state;
	config__defaults(&c);
	assert_true(c.th.cpu_warning_pct == 70 && c.th.cpu_critical_pct == 90);
	assert_true(c.th.memory_warning_pct == 70 && c.th.memory_critical_pct == 85);
	assert_true(c.th.disk_warning_pct == 90);
	assert_true(c.th.error_rate == 0.05);
	assert_int_equal(c.th.min_calls, 20);
	assert_int_equal(c.nlimits, 0);
	assert_int_equal(c.nalerts, 0);
	config__free(&c);
}

static const char good[] =
	"\xef\xbb\xbf; optrace config\n"
	"# comments both ways\n"
	"[thresholds]\n"
	"cpu_warning = 60%\n"
	"  cpu_critical = 80 %   ; indented, spaced\n"
	"memory_critical = 90%\n"
	"error_rate = 2.5%\n"
	"min_calls = 50\n"
	"runq_p99 = 5ms\n"
	"rss_growth_min = 1.5GiB\n"
	"swap_rate = 20/s\n"
	"tail_ratio = 8\n"
	"rss_growth = 150%\n"
	"\n"
	"[op \"read_block\"]\n"
	"p99 = 5ms\n"
	"mean = 1500us\n"
	"severity = critical\n"
	"\n"
	"[op \"db_*\"]\n"
	"p50 = 2 ms\n"
	"\n"
	"[alert \"slow-reads\"]\n"
	"condition = > 5ms\n"
	"metric = p99          ; p50 p95 p99 ...\n"
	"op = read_*\n"
	"for = 30s\n"
	"severity = critical\n"
	"cooldown = 5m\n"
	"\n"
	"[alert \"fat\"]\n"
	"metric = rss\n"
	"pid = 4242\n"
	"condition = >= 512MiB\n"
	"\n"
	"[alert \"errors\"]\n"
	"metric = error_rate\n"
	"condition = >5%\n"
	"\n"
	"[alert \"idle\"]\n"
	"metric = throughput\n"
	"condition = < 100/s\n"
	"\n"
	"[alert \"hot\"]\n"
	"metric = cpu\n"
	"condition = <= 150%\n";

static void test_good_file(void **state)
{
	struct optrace_config c;
	char err[512];
	const struct alert_rule *a;

	(void)state;
	config__defaults(&c);
	assert_int_equal(config__load(file_of(good), &c, err, sizeof(err)), 0);
	assert_true(c.th.cpu_warning_pct == 60 && c.th.cpu_critical_pct == 80);
	assert_true(c.th.memory_critical_pct == 90 && c.th.memory_warning_pct == 70);
	assert_true(fabs(c.th.error_rate - 0.025) < 1e-12);
	assert_int_equal(c.th.min_calls, 50);
	assert_int_equal(c.th.runq_p99_ns, 5 * MS);
	assert_int_equal(c.th.rss_growth_min_bytes, 1610612736ULL);
	assert_true(c.th.swap_rate == 20 && c.th.tail_ratio == 8);
	assert_true(fabs(c.th.rss_growth - 1.5) < 1e-12);

	assert_int_equal(c.nlimits, 2);
	assert_string_equal(c.limits[0].pattern, "read_block");
	assert_int_equal(c.limits[0].p99_ns, 5 * MS);
	assert_int_equal(c.limits[0].mean_ns, 1500000);
	assert_int_equal(c.limits[0].p50_ns, 0);
	assert_int_equal(c.limits[0].severity, SEV_CRITICAL);
	assert_int_equal(c.limits[0].line, 15);
	assert_string_equal(c.limits[1].pattern, "db_*");
	assert_int_equal(c.limits[1].p50_ns, 2 * MS);
	assert_int_equal(c.limits[1].severity, SEV_WARNING);

	assert_int_equal(c.nalerts, 5);
	a = &c.alerts[0];
	assert_string_equal(a->name, "slow-reads");
	assert_int_equal(a->metric, AM_P99);
	assert_string_equal(a->op, "read_*");
	assert_false(a->has_pid);
	assert_int_equal(a->cmp, CMP_GT);
	assert_true(a->threshold == 5e6);
	assert_int_equal(a->for_ns, 30000000000ULL);
	assert_int_equal(a->cooldown_ns, 300000000000ULL);
	assert_int_equal(a->severity, SEV_CRITICAL);
	a = &c.alerts[1];
	assert_int_equal(a->metric, AM_RSS);
	assert_true(a->has_pid && a->pid == 4242);
	assert_null(a->op);
	assert_int_equal(a->cmp, CMP_GE);
	assert_true(a->threshold == 512.0 * 1048576);
	assert_int_equal(a->severity, SEV_WARNING); /* default */
	assert_int_equal(a->for_ns, 0);
	a = &c.alerts[2];
	assert_int_equal(a->metric, AM_ERROR_RATE);
	assert_true(fabs(a->threshold - 0.05) < 1e-12);
	a = &c.alerts[3];
	assert_int_equal(a->cmp, CMP_LT);
	assert_true(a->threshold == 100);
	a = &c.alerts[4];
	assert_int_equal(a->cmp, CMP_LE);
	assert_true(a->threshold == 150);

	/* A second file adds rules and overrides what it sets. */
	assert_int_equal(config__load(file_of("[thresholds]\nmin_calls = 5\n[alert \"x\"]\n"
					      "metric = mean\ncondition = > 1s\n"),
				      &c, err, sizeof(err)), 0);
	assert_int_equal(c.th.min_calls, 5);
	assert_true(c.th.cpu_warning_pct == 60);
	assert_int_equal(c.nalerts, 6);
	assert_string_equal(c.alerts[5].name, "x");
	config__free(&c);
	assert_int_equal(c.nalerts, 0);
}

struct bad_case {
	const char *text;
	unsigned line;	  /* 0: no line in the message */
	const char *words; /* must appear in the message */
};

static void test_errors_name_file_and_line(void **state)
{
	static const struct bad_case cases[] = {
		{ "[thresholds]\ncpu_warning = 60%\n[bogus]\n", 3, "unknown section [bogus]" },
		{ "[thresholds]\n\ncpu_warnin = 60%\n", 3, "unknown key 'cpu_warnin'" },
		{ "[thresholds]\ncpu_warning = lots\n", 2, "cpu_warning = 'lots'" },
		{ "[thresholds]\ncpu_warning = 60\n", 2, "percentage" },
		{ "[thresholds]\nerror_rate = 150%\n", 2, "from 0% to 100%" },
		{ "[thresholds]\nruntime = 1\n", 2, "unknown key" },
		{ "[thresholds]\nrunq_p99 = 10\n", 2, "unit" },
		{ "[thresholds]\nmin_calls = -1\n", 2, "whole number" },
		{ "[thresholds]\ntail_ratio = 1\n", 2, "above 1" },
		{ "[thresholds]\nswap_rate = 5/min\n", 2, "rate" },
		{ "[thresholds]\nrss_growth_min = 5 parsecs\n", 2, "size" },
		{ "[thresholds]\ncpu_warning = 60%\ncpu_warning = 65%\n", 3, "given twice" },
		{ "[thresholds]\ncpu_warning = 95%\n", 2, "cpu_warning is above cpu_critical" },
		{ "[thresholds]\n[thresholds]\n", 2, "given twice" },
		{ "min_calls = 5\n", 1, "outside any section" },
		{ "[thresholds]\nthis line has no equals sign\n", 2, "syntax error" },
		{ "[thresholds\n", 1, "without ']'" },
		{ "[thresholds] junk\n", 1, "after the section header" },
		{ "[op]\np99 = 1ms\n", 1, "needs a name" },
		{ "[op \"\"]\np99 = 1ms\n", 1, "needs a name" },
		{ "[alert \"a b\" x]\n", 1, "needs a name" },
		{ "[op \"x\"]\np99 = 5\n", 2, "p99 = '5'" },
		{ "[op \"x\"]\np99 = 0ms\n", 2, "above 0" },
		{ "[op \"x\"]\np98 = 5ms\n", 2, "unknown key 'p98'" },
		{ "[op \"x\"]\nseverity = fatal\n", 2, "info, warning or critical" },
		{ "\n[op \"x\"]\n", 2, "sets no limit" },
		{ "[op \"x\"]\np99 = 1ms\n[op \"x\"]\np50 = 1ms\n", 3, "given twice" },
		{ "[alert \"a\"]\nmetric = p99\n\n", 1, "has no condition" },
		{ "[alert \"a\"]\ncondition = > 5ms\n", 1, "has no metric" },
		{ "[alert \"a\"]\nmetric = latency\n", 2, "metric = 'latency'" },
		{ "[alert \"a\"]\nmetric = p99\ncondition = >> 5ms\n", 3, "condition = '>> 5ms'" },
		{ "[alert \"a\"]\nmetric = p99\ncondition = > 5%\n", 3, "duration" },
		{ "[alert \"a\"]\nmetric = p99\ncondition = 5ms\n", 3, "condition" },
		{ "[alert \"a\"]\nmetric = error_rate\ncondition = > 0.05\n", 3, "percentage" },
		{ "[alert \"a\"]\nmetric = rss\ncondition = > 1 parsec\n", 3, "size" },
		{ "[alert \"a\"]\nmetric = cpu\nop = x\ncondition = > 50%\n", 3, "use pid" },
		{ "[alert \"a\"]\nmetric = p99\npid = abc\n", 3, "pid = 'abc'" },
		{ "[alert \"a\"]\nmetric = p99\npid = 0\n", 3, "process id" },
		{ "[alert \"a\"]\nmetric = p99\nfor = 30\n", 3, "for = '30'" },
		{ "[alert \"a\"]\nmetric = p99\ncooldown = soon\n", 3, "cooldown" },
		{ "[alert \"a\"]\nmetric = p99\nmetric = p50\n", 3, "given twice" },
		{ "[alert \"a\"]\nmetric = p99\nwhen = now\n", 3, "unknown key 'when'" },
		{ "[alert \"a\"]\nmetric = p99\ncondition = > 1ms\n[alert \"a\"]\n", 4,
		  "given twice" },
	};
	char err[512], want[PATH_MAX + 32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct optrace_config c;
		const char *p;
		int ret;

		config__defaults(&c);
		p = file_of(cases[i].text);
		ret = config__load(p, &c, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, cases[i].words))
			fail_msg("case %zu (%s): ret %d, err '%s'", i, cases[i].text, ret, err);
		snprintf(want, sizeof(want), "%s:%u: ", p, cases[i].line);
		if (strncmp(err, want, strlen(want)))
			fail_msg("case %zu: want '%s...', got '%s'", i, want, err);
		/* nothing half-loaded */
		assert_int_equal(c.nalerts, 0);
		assert_int_equal(c.nlimits, 0);
		assert_true(c.th.cpu_warning_pct == 70);
		config__free(&c);
	}
}

static void test_long_line(void **state)
{
	char text[600], err[512], want[PATH_MAX + 8];
	struct optrace_config c;
	const char *p;

	(void)state;
	snprintf(text, sizeof(text), "[thresholds]\n; %0400d\n", 0);
	config__defaults(&c);
	p = file_of(text);
	assert_int_equal(config__load(p, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: ", p);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	assert_non_null(strstr(err, "longer than"));
}

static void test_missing_and_not_regular(void **state)
{
	struct optrace_config c;
	char err[512], p[PATH_MAX];

	(void)state;
	config__defaults(&c);
	snprintf(p, sizeof(p), "%s/nope.ini", dir);
	assert_int_equal(config__load(p, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nope.ini"));
	assert_int_equal(config__load(dir, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_permissions_rule(void **state)
{
	struct stat st = { .st_mode = S_IFREG | 0644, .st_uid = 0 };
	char err[512];

	(void)state;
	assert_int_equal(config__check_perms(&st, 0, "f", err, sizeof(err)), 0);
	st.st_mode = S_IFREG | 0664;
	assert_int_equal(config__check_perms(&st, 0, "f", err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "writable by group"));
	st.st_mode = S_IFREG | 0646;
	assert_int_equal(config__check_perms(&st, 0, "f", err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "others"));
	st.st_mode = S_IFREG | 0644;
	st.st_uid = 1000;
	assert_int_equal(config__check_perms(&st, 0, "f", err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "owned by uid 1000"));
	/* Not root: the file is the user's own business. */
	st.st_mode = S_IFREG | 0666;
	assert_int_equal(config__check_perms(&st, 1000, "f", err, sizeof(err)), 0);
}

/* The same through config__load, when the test runs as root. */
static void test_permissions_load_as_root(void **state)
{
	struct optrace_config c;
	char err[512];
	const char *p;

	(void)state;
	if (geteuid() != 0)
		skip();
	config__defaults(&c);
	p = file_of("[thresholds]\nmin_calls = 5\n");
	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(config__load(p, &c, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "refusing"));
	assert_int_equal(c.th.min_calls, 20);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(chown(p, 65534, 65534), 0);
	assert_int_equal(config__load(p, &c, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "owned by uid 65534"));
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(config__load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.th.min_calls, 5);
}

static void test_value_parsers(void **state)
{
	uint64_t b;
	double d;

	(void)state;
	assert_int_equal(config__parse_percent("70%", &d), 0);
	assert_true(d == 70);
	assert_int_equal(config__parse_percent(" 2.5 % ", &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(config__parse_percent("70", &d), -EINVAL);
	assert_int_equal(config__parse_percent("-5%", &d), -EINVAL);
	assert_int_equal(config__parse_percent("1e2%", &d), -EINVAL);
	assert_int_equal(config__parse_percent("%", &d), -EINVAL);
	assert_int_equal(config__parse_percent("5%%", &d), -EINVAL);

	assert_int_equal(config__parse_bytes("512", &b), 0);
	assert_int_equal(b, 512);
	assert_int_equal(config__parse_bytes("4KiB", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(config__parse_bytes("4 kb", &b), 0);
	assert_int_equal(b, 4000);
	assert_int_equal(config__parse_bytes("1.5G", &b), 0);
	assert_int_equal(b, 1610612736ULL);
	assert_int_equal(config__parse_bytes("2TiB", &b), 0);
	assert_int_equal(b, 2ULL << 40);
	assert_int_equal(config__parse_bytes("3 MB", &b), 0);
	assert_int_equal(b, 3000000);
	assert_int_equal(config__parse_bytes("3 furlongs", &b), -EINVAL);
	assert_int_equal(config__parse_bytes("MiB", &b), -EINVAL);
	assert_int_equal(config__parse_bytes("99999999999TiB", &b), -ERANGE);

	assert_int_equal(config__parse_rate("100/s", &d), 0);
	assert_true(d == 100);
	assert_int_equal(config__parse_rate("0.5 / s", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(config__parse_rate("7", &d), 0);
	assert_true(d == 7);
	assert_int_equal(config__parse_rate("7/m", &d), -EINVAL);

	assert_int_equal(config__metric_of("runq_p99"), AM_RUNQ_P99);
	assert_int_equal(config__metric_of("p42"), -1);
	assert_string_equal(config__metric_name(AM_IO_P99), "io_p99");
	assert_true(config__metric_is_op(AM_THROUGHPUT));
	assert_false(config__metric_is_op(AM_CPU));
	assert_string_equal(config__cmp_name(CMP_LE), "<=");
}

/* docs/optrace.ini.example loads (tests run from the source tree). */
static void test_example_file(void **state)
{
	struct optrace_config c;
	char err[512];
	int ret;

	(void)state;
	config__defaults(&c);
	ret = config__load("docs/optrace.ini.example", &c, err, sizeof(err));
	if (ret == -ENOENT || ret == -EPERM)
		skip();
	if (ret)
		fail_msg("%s", err);
	assert_int_equal(c.nlimits, 2);
	assert_int_equal(c.nalerts, 5);
	assert_string_equal(c.alerts[0].name, "slow-requests");
	config__free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_missing_and_not_regular),
		cmocka_unit_test(test_permissions_rule),
		cmocka_unit_test(test_permissions_load_as_root),
		cmocka_unit_test(test_value_parsers),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
