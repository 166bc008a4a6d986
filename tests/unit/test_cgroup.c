// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_cgroup.c - cgroup.c over fixture trees: a pid's v2 path, the quota
 * of its own cgroup or of the nearest ancestor with one, no quota at all,
 * the v1 cpu hierarchy of hybrid systems, and the error cases.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cgroup.h"

static char base[] = "/tmp/test_cgroup.XXXXXX";
static char proc[PATH_MAX], cg[PATH_MAX];
static int ntree;

/* Writes text to base/rel, creating directories on the way. */
static void mk(const char *root, const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (!text) {
		mkdir(p, 0755);
		return;
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A fresh pair of roots for one test. */
static void tree(void)
{
	ntree++;
	snprintf(proc, sizeof(proc), "%s/t%d/proc", base, ntree);
	snprintf(cg, sizeof(cg), "%s/t%d/cgroup", base, ntree);
	mk(base, "", NULL);
	mk(proc, "", NULL);
	mk(cg, "", NULL);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	return system(cmd) == 0 ? 0 : -1;
}

static const char stat_a[] = "usage_usec 5000000\nuser_usec 4000000\nsystem_usec 1000000\n"
			     "nr_periods 200\nnr_throttled 50\nthrottled_usec 1250000\n"
			     "nr_bursts 0\nburst_usec 0\n";

static void test_pid_path(void **state)
{
	char buf[CGROUP_PATH_MAX];

	(void)state;
	tree();
	mk(proc, "42/cgroup", "12:pids:/x\n1:name=systemd:/y\n0::/system.slice/app.service\n");
	assert_int_equal(cgroup__pid_path(42, proc, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/system.slice/app.service");
	mk(proc, "43/cgroup", "0::/\n");
	assert_int_equal(cgroup__pid_path(43, proc, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
	mk(proc, "44/cgroup", "4:cpu,cpuacct:/z\n");
	assert_int_equal(cgroup__pid_path(44, proc, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup__pid_path(45, proc, buf, sizeof(buf)), -ESRCH);
	assert_int_equal(cgroup__pid_path(42, proc, buf, 8), -ENAMETOOLONG);
}

static void test_quota_on_ancestor(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	tree();
	mk(proc, "42/cgroup", "0::/a/b\n");
	mk(cg, "cgroup.controllers", "cpu io memory pids\n");
	mk(cg, "a/cpu.max", "50000 100000\n");
	mk(cg, "a/cpu.stat", stat_a);
	mk(cg, "a/b/cpu.max", "max 100000\n");
	mk(cg, "a/b/cpu.stat", "usage_usec 10\nnr_periods 3\nnr_throttled 0\nthrottled_usec 0\n");
	assert_int_equal(cgroup__pid_cpu(42, proc, cg, &c), 0);
	assert_int_equal(c.version, 2);
	assert_string_equal(c.path, "/a");
	assert_true(c.has_quota);
	assert_int_equal(c.quota_us, 50000);
	assert_int_equal(c.period_us, 100000);
	assert_true(c.has_stat);
	assert_int_equal(c.nr_periods, 200);
	assert_int_equal(c.nr_throttled, 50);
	assert_int_equal(c.throttled_ns, 1250000000ULL);
}

static void test_quota_on_own_level(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	tree();
	mk(proc, "42/cgroup", "0::/a/b\n");
	mk(cg, "cgroup.controllers", "cpu\n");
	mk(cg, "a/cpu.max", "50000 100000\n");
	mk(cg, "a/b/cpu.max", "20000 10000\n"); /* 2 CPUs */
	mk(cg, "a/b/cpu.stat", stat_a);
	assert_int_equal(cgroup__pid_cpu(42, proc, cg, &c), 0);
	assert_string_equal(c.path, "/a/b");
	assert_int_equal(c.quota_us, 20000);
	assert_int_equal(c.period_us, 10000);
	assert_int_equal(c.nr_throttled, 50);
}

static void test_no_quota(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	tree();
	mk(proc, "42/cgroup", "0::/a/b\n");
	mk(cg, "cgroup.controllers", "cpu\n");
	mk(cg, "cpu.stat", "usage_usec 1\n"); /* the root: no throttling counters */
	mk(cg, "a/cpu.max", "max 100000\n");
	mk(cg, "a/b/cpu.max", "max 100000\n");
	mk(cg, "a/b/cpu.stat", "usage_usec 10\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
	assert_int_equal(cgroup__pid_cpu(42, proc, cg, &c), 0);
	assert_int_equal(c.version, 2);
	assert_string_equal(c.path, "/a/b");
	assert_false(c.has_quota);
	assert_true(c.has_stat);
	assert_int_equal(c.nr_periods, 0);
	/* The root cgroup: no cpu.max, no counters. */
	mk(proc, "43/cgroup", "0::/\n");
	assert_int_equal(cgroup__read_cpu(cg, "/", &c), 0);
	assert_false(c.has_quota);
	assert_false(c.has_stat);
}

static void test_hybrid_v1(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	tree();
	/* v2 mounted at unified/ without the cpu controller; cpu is v1 */
	mk(proc, "42/cgroup", "5:cpu,cpuacct:/svc/worker\n3:memory:/m\n0::/svc\n");
	mk(cg, "unified/cgroup.controllers", "");
	mk(cg, "unified/svc/cgroup.procs", "42\n");
	mk(cg, "cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	mk(cg, "cpu,cpuacct/cpu.cfs_period_us", "100000\n");
	mk(cg, "cpu,cpuacct/svc/cpu.cfs_quota_us", "150000\n");
	mk(cg, "cpu,cpuacct/svc/cpu.cfs_period_us", "100000\n");
	mk(cg, "cpu,cpuacct/svc/cpu.stat", "nr_periods 40\nnr_throttled 4\nthrottled_time 7000\n");
	mk(cg, "cpu,cpuacct/svc/worker/cpu.cfs_quota_us", "-1\n");
	mk(cg, "cpu,cpuacct/svc/worker/cpu.cfs_period_us", "100000\n");
	mk(cg, "cpu,cpuacct/svc/worker/cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
	assert_int_equal(cgroup__pid_cpu(42, proc, cg, &c), 0);
	assert_int_equal(c.version, 1);
	assert_string_equal(c.path, "/svc");
	assert_true(c.has_quota);
	assert_int_equal(c.quota_us, 150000);
	assert_int_equal(c.period_us, 100000);
	assert_int_equal(c.nr_periods, 40);
	assert_int_equal(c.nr_throttled, 4);
	assert_int_equal(c.throttled_ns, 7000); /* v1 counts ns */
}

/* v2 with nothing to say and no v1 cpu hierarchy: the v2 answer, empty. */
static void test_v2_without_cpu_controller(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	tree();
	mk(proc, "42/cgroup", "0::/a\n");
	mk(cg, "cgroup.controllers", "memory\n");
	mk(cg, "a/cgroup.procs", "42\n");
	assert_int_equal(cgroup__pid_cpu(42, proc, cg, &c), 0);
	assert_int_equal(c.version, 2);
	assert_false(c.has_quota);
	assert_false(c.has_stat);
}

static void test_errors(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	tree();
	assert_int_equal(cgroup__pid_cpu(42, proc, cg, &c), -ESRCH);
	mk(proc, "42/cgroup", "3:memory:/m\n");
	assert_int_equal(cgroup__pid_cpu(42, proc, cg, &c), -ENOENT);
	/* a cgroup that is gone */
	mk(proc, "43/cgroup", "0::/gone\n");
	mk(cg, "cgroup.controllers", "cpu\n");
	assert_int_equal(cgroup__pid_cpu(43, proc, cg, &c), -ENOENT);
	/* malformed files */
	mk(cg, "bad/cpu.max", "lots\n");
	assert_int_equal(cgroup__read_cpu(cg, "/bad", &c), -EINVAL);
	mk(cg, "bad2/cpu.max", "abc 100000\n");
	assert_int_equal(cgroup__read_cpu(cg, "/bad2", &c), -EINVAL);
	mk(cg, "bad3/cpu.stat", "nr_periods x\n");
	assert_int_equal(cgroup__read_cpu(cg, "/bad3", &c), -EINVAL);
	mk(cg, "bad4/cpu.stat", "nr_periods 5\n"); /* no nr_throttled */
	assert_int_equal(cgroup__read_cpu(cg, "/bad4", &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_path),
		cmocka_unit_test(test_quota_on_ancestor),
		cmocka_unit_test(test_quota_on_own_level),
		cmocka_unit_test(test_no_quota),
		cmocka_unit_test(test_hybrid_v1),
		cmocka_unit_test(test_v2_without_cpu_controller),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
