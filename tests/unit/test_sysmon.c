// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_sysmon.c - unit tests for user/sysmon.c (links sysmon.o only).
 *
 * Each test gets a fake /proc tree in a mkdtemp directory (the fixture):
 * process 4242 with a comm holding ") (", spaces and a newline, status
 * with an over-long line that must not be split into a fake key, io,
 * limits, fd symlinks and three task/ entries (one already exited); a
 * kernel-thread-like 4343 and a bare 4344; system stat (with an over-long
 * intr line), meminfo, vmstat, loadavg, pressure files present and absent,
 * and a mount table with pseudo, duplicate, unreachable and escaped
 * entries.  Every parsed value is checked exactly, then rates between two
 * fixture snapshots; last, smoke checks against the real /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sysmon.h"

#define NS_PER_TICK 10000000ULL /* the fixture's clk_tck is 100 */
#define KB	    1024ULL
#define EPS	    1e-9
#define SHM_DIR	    "/dev/shm"

struct fixture {
	char root[64]; /* "/tmp/test_sysmon.XXXXXX" */
	struct sysmon_opts opts;
};

/* The first snapshot of process 4242: fields 1-22, then the rest. */
#define STAT_4242(utime, stime, minflt, majflt, start)                               \
	"4242 (my ) (odd\nname) S 1 4242 4242 0 -1 4194304 " #minflt " 0 " #majflt \
	" 0 " #utime " " #stime " 0 0 20 0 3 0 " #start                             \
	" 1000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
#define COMM_4242 "my ) (odd\nname"

#define STATUS(vol, nonvol, extra)                                        \
	"Name:\tmy ) (odd\\nname\nUmask:\t0022\nState:\tS (sleeping)\n" extra \
	"voluntary_ctxt_switches:\t" #vol "\nnonvoluntary_ctxt_switches:\t" #nonvol "\n"

#define IO(rchar, wchar, rb, wb)                                                          \
	"rchar: " #rchar "\nwchar: " #wchar "\nsyscr: 10\nsyscw: 5\nread_bytes: " #rb \
	"\nwrite_bytes: " #wb "\ncancelled_write_bytes: 0\n"

#define LIMITS(nofile)                                                              \
	"Limit                     Soft Limit           Hard Limit           Units     \n" \
	"Max cpu time              unlimited            unlimited            seconds   \n" \
	"Max open files            " nofile "                 4096                 files     \n"

#define CPU_LINE_A "cpu  100 10 50 800 20 5 5 10 0 0\n"
#define CPU_LINE_B "cpu  300 20 150 1200 40 15 25 50 0 0\n"

/* Writes root/rel (creating its directories) with fmt. */
__attribute__((format(printf, 3, 4)))
static void put(const struct fixture *fx, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx->root, rel);
	for (char *p = path + strlen(fx->root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

static void mkdir_at(const struct fixture *fx, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", fx->root, rel);
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static void unlink_at(const struct fixture *fx, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", fx->root, rel);
	assert_int_equal(unlink(path), 0);
}

/* "Groups:\t" padded so that "VmRSS:\t1 kB" starts exactly where fgets splits a long line. */
static const char *long_groups_line(void)
{
	static char line[1024];
	int n = snprintf(line, sizeof(line), "Groups:\t");

	memset(line + n, '7', 511 - n);
	snprintf(line + 511, sizeof(line) - 511, "VmRSS:\t1 kB\n");
	return line;
}

static void put_process(const struct fixture *fx)
{
	static const char *const fds[] = { "0", "1", "2", "7" };
	char path[PATH_MAX];

	put(fx, "4242/stat", STAT_4242(250, 50, 1500, 7, 12345));
	put(fx, "4242/status", STATUS(100, 20, "%sVmPeak:\t  20000 kB\nVmHWM:\t    9000 kB\n"
						 "VmRSS:\t    8000 kB\n"), long_groups_line());
	put(fx, "4242/io", IO(100000, 50000, 4096, 8192));
	put(fx, "4242/limits", LIMITS("1024"));
	mkdir_at(fx, "4242/fd");
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		snprintf(path, sizeof(path), "%s/4242/fd/%s", fx->root, fds[i]);
		assert_int_equal(symlink("pipe:[1234]", path), 0);
	}
	put(fx, "4242/task/4242/stat", STAT_4242(200, 40, 1000, 5, 12345));
	put(fx, "4242/task/4242/status", STATUS(60, 10, ""));
	put(fx, "4242/task/4250/stat",
	    "4250 (io thread) D 1 4242 4242 0 -1 0 300 0 1 0 30 8 0 0 20 0 3 0 12400\n");
	put(fx, "4242/task/4243/stat",
	    "4243 (worker 1) R 1 4242 4242 0 -1 0 200 0 1 0 20 2 0 0 20 0 3 0 12350\n");
	put(fx, "4242/task/4243/status", STATUS(40, 10, ""));
	mkdir_at(fx, "4242/task/4244"); /* exited while being listed: no stat */
	put(fx, "4242/task/self", "not a thread\n");

	/* A kernel thread: no Vm* lines, no io, unlimited fds, none open. */
	put(fx, "4343/stat", "4343 (kworker/u8:2-events_unbound) I 2 0 0 0 -1 69238880 0 0 0 0 "
			     "0 17 0 0 20 0 1 0 42\n");
	put(fx, "4343/status", STATUS(900, 3, ""));
	put(fx, "4343/limits", LIMITS("unlimited"));
	mkdir_at(fx, "4343/fd");

	put(fx, "4344/stat", "4344 (bare) Z 1 1 1 0 -1 0 1 2 3 4 5 6 7 8 20 0 1 0 99\n");
}

/* An "intr" line longer than a line buffer, with "cpu7 " where a naive reader would split it. */
static const char *long_intr_line(void)
{
	static char line[2048];
	int n = snprintf(line, sizeof(line), "intr 1");

	memset(line + n, ' ', 511 - n);
	snprintf(line + 511, sizeof(line) - 511, "cpu7 1 2 3 4 5 6 7 8\n");
	return line;
}

static void put_system(const struct fixture *fx)
{
	put(fx, "stat", "%scpu0 50 5 25 400 10 2 3 5 0 0\ncpu1 50 5 25 400 10 3 2 5 0 0\n%s"
			"ctxt 12345\nbtime 1700000000\nprocesses 999\nprocs_running 3\n"
			"procs_blocked 1\nsoftirq 1 2 3\n",
	    CPU_LINE_A, long_intr_line());
	put(fx, "meminfo", "MemTotal:       16000000 kB\nMemFree:         2000000 kB\n"
			   "MemAvailable:    4000000 kB\nBuffers:          100000 kB\n"
			   "SwapCached:            0 kB\nSwapTotal:       1000000 kB\n"
			   "SwapFree:         750000 kB\n");
	put(fx, "vmstat", "nr_free_pages 500000\npswpin 100\npswpout 200\n");
	put(fx, "loadavg", "0.50 1.25 2.00 3/456 7890\n");
	put(fx, "pressure/cpu", "some avg10=1.50 avg60=2.25 avg300=3.00 total=123456\n"
				"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
	put(fx, "pressure/memory", "some avg10=0.10 avg60=0.20 avg300=0.30 total=10\n"
				   "full avg10=0.05 avg60=0.06 avg300=0.07 total=5\n");
	/* pressure/io is absent */
	mkdir_at(fx, "mnt a");
	mkdir_at(fx, "mnt a/sub");
	/* Skipped types first, then a kept one on the same mount point. */
	put(fx, "self/mounts",
	    "proc /proc proc rw,relatime 0 0\n"
	    "tmpfs %1$s/mnt\\040a tmpfs rw 0 0\n"
	    "/dev/fake1 %1$s/mnt\\040a ext4 rw,relatime 0 0\n"
	    "/dev/fake2 %1$s/mnt\\040a/sub ext4 rw 0 0\n"
	    "/dev/gone %1$s/missing ext4 rw 0 0\n"
	    "server:/export " SHM_DIR " nfs4 rw 0 0\n"
	    "/dev/loop0 " SHM_DIR " squashfs ro 0 0\n"
	    "tmpfs " SHM_DIR " tmpfs rw 0 0\n"
	    "overlay " SHM_DIR " overlay rw 0 0\n"
	    "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n",
	    fx->root);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->root, sizeof(fx->root), "/tmp/test_sysmon.XXXXXX");
	if (!mkdtemp(fx->root)) {
		free(fx);
		return -1;
	}
	fx->opts.proc_root = fx->root;
	fx->opts.clk_tck = 100;
	put_process(fx);
	put_system(fx);
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int err = nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(fx);
	return err;
}

static void test_sysmon_pid_parses_every_field(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_pid p;

	assert_int_equal(sysmon__read_pid(4242, &p, &fx->opts), 0);
	assert_int_equal(p.task.id, 4242);
	assert_string_equal(p.task.comm, COMM_4242);
	assert_int_equal(p.task.state, 'S');
	assert_int_equal(p.ppid, 1);
	assert_int_equal(p.task.utime_ns, 250 * NS_PER_TICK);
	assert_int_equal(p.task.stime_ns, 50 * NS_PER_TICK);
	assert_int_equal(p.task.minflt, 1500);
	assert_int_equal(p.task.majflt, 7);
	assert_int_equal(p.num_threads, 3);
	assert_int_equal(p.task.starttime_ns, 12345 * NS_PER_TICK);
	assert_true(p.has_rss);
	assert_int_equal(p.rss_bytes, 8000 * KB); /* not the "VmRSS:\t1 kB" inside Groups */
	assert_int_equal(p.hwm_bytes, 9000 * KB);
	assert_true(p.task.has_ctxsw);
	assert_int_equal(p.task.vol_ctxsw, 100);
	assert_int_equal(p.task.nonvol_ctxsw, 20);
	assert_true(p.has_io);
	assert_int_equal(p.rchar, 100000);
	assert_int_equal(p.wchar, 50000);
	assert_int_equal(p.read_bytes, 4096);
	assert_int_equal(p.write_bytes, 8192);
	assert_true(p.has_fds);
	assert_int_equal(p.nfds, 4);
	assert_true(p.has_fd_limit);
	assert_int_equal(p.fd_limit, 1024);
}

static void test_sysmon_pid_absent_sources(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_pid p;

	assert_int_equal(sysmon__read_pid(4343, &p, &fx->opts), 0);
	assert_string_equal(p.task.comm, "kworker/u8:2-events_unbound");
	assert_int_equal(p.task.state, 'I');
	assert_int_equal(p.task.stime_ns, 17 * NS_PER_TICK);
	assert_false(p.has_rss);
	assert_int_equal(p.rss_bytes, 0);
	assert_true(p.task.has_ctxsw);
	assert_int_equal(p.task.vol_ctxsw, 900);
	assert_false(p.has_io);
	assert_true(p.has_fds);
	assert_int_equal(p.nfds, 0);
	assert_true(p.has_fd_limit);
	assert_int_equal(p.fd_limit, UINT64_MAX);

	assert_int_equal(sysmon__read_pid(4344, &p, &fx->opts), 0);
	assert_int_equal(p.task.state, 'Z');
	assert_int_equal(p.task.minflt, 1);
	assert_int_equal(p.task.majflt, 3);
	assert_int_equal(p.task.utime_ns, 5 * NS_PER_TICK);
	assert_false(p.task.has_ctxsw);
	assert_false(p.has_rss);
	assert_false(p.has_io);
	assert_false(p.has_fds);
	assert_false(p.has_fd_limit);

	/* io present but missing a field: absent, not half-filled */
	put(fx, "4242/io", "rchar: 5\nwchar: 6\n");
	assert_int_equal(sysmon__read_pid(4242, &p, &fx->opts), 0);
	assert_false(p.has_io);
	assert_int_equal(p.rchar, 0);
}

static void test_sysmon_pid_gone_is_esrch(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_pid p = { .ppid = 77 };

	assert_int_equal(sysmon__read_pid(4444, &p, &fx->opts), -ESRCH);
	assert_int_equal(sysmon__read_pid(0, &p, &fx->opts), -ESRCH);
	assert_int_equal(sysmon__read_pid(-1, &p, &fx->opts), -ESRCH);
	assert_int_equal(p.ppid, 77); /* untouched on error */
}

static void test_sysmon_pid_malformed_stat_is_einval(void **state)
{
	static const char *const cases[] = {
		"",
		"\n",
		"5000 no parens S 1 1 1 0 -1 0 1 0 1 0 1 1 0 0 20 0 1 0 5\n",
		"5000 )x( S 1 1 1 0 -1 0 1 0 1 0 1 1 0 0 20 0 1 0 5\n",
		"5000 (x) S 1 1 1 0 -1 0 1 0 1 0 1 1 0 0 20 0 1 0\n",	 /* no starttime */
		"5000 (x) S 1 1 1 0 -1 0 1 0 1 0 1 1 0 0 20 0 1\n",
		"5000 (x)",
		"5000 (x) S -1 1 1 0 -1 0 1 0 1 0 1 1 0 0 20 0 1 0 5\n",	 /* negative ppid */
		"5000 (x) S 1 1 1 0 -1 0 abc 0 1 0 1 1 0 0 20 0 1 0 5\n", /* minflt */
		"5000 (x) S 1 1 1 0 -1 0 1 0 1 0 1x 1 0 0 20 0 1 0 5\n",	 /* utime */
		"5000 (x) S 1 1 1 0 -1 0 1 0 1 0 99999999999999999999999 1 0 0 20 0 1 0 5\n",
	};
	struct fixture *fx = *state;
	struct sysmon_pid p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put(fx, "5000/stat", "%s", cases[i]);
		if (sysmon__read_pid(5000, &p, &fx->opts) != -EINVAL)
			fail_msg("case %zu \"%s\" was not -EINVAL", i, cases[i]);
	}
	/* Negative fields that are not read (tpgid, priority, nice) are fine. */
	put(fx, "5000/stat", "5000 ((x)) S 1 1 1 0 -1 0 1 0 1 0 1 1 -3 -4 -21 -20 1 -1 5");
	assert_int_equal(sysmon__read_pid(5000, &p, &fx->opts), 0);
	assert_string_equal(p.task.comm, "(x)");
	assert_int_equal(p.task.starttime_ns, 5 * NS_PER_TICK);
}

static void test_sysmon_threads_listed_sorted(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_task *v = (struct sysmon_task *)1;
	const struct sysmon_task *t;
	size_t n = 99;

	assert_int_equal(sysmon__read_threads(4242, &v, &n, &fx->opts), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, 4242);
	assert_int_equal(v[1].id, 4243);
	assert_int_equal(v[2].id, 4250);

	assert_string_equal(v[0].comm, COMM_4242);
	assert_int_equal(v[0].utime_ns, 200 * NS_PER_TICK);
	assert_int_equal(v[0].stime_ns, 40 * NS_PER_TICK);
	assert_int_equal(v[0].minflt, 1000);
	assert_int_equal(v[0].majflt, 5);
	assert_true(v[0].has_ctxsw);
	assert_int_equal(v[0].vol_ctxsw, 60);
	assert_int_equal(v[0].nonvol_ctxsw, 10);

	assert_string_equal(v[1].comm, "worker 1");
	assert_int_equal(v[1].state, 'R');
	assert_int_equal(v[1].utime_ns, 20 * NS_PER_TICK);
	assert_int_equal(v[1].stime_ns, 2 * NS_PER_TICK);
	assert_int_equal(v[1].minflt, 200);
	assert_int_equal(v[1].starttime_ns, 12350 * NS_PER_TICK);
	assert_int_equal(v[1].vol_ctxsw, 40);

	assert_string_equal(v[2].comm, "io thread");
	assert_int_equal(v[2].state, 'D');
	assert_false(v[2].has_ctxsw); /* no status */
	assert_int_equal(v[2].vol_ctxsw, 0);

	t = sysmon__task_find(v, n, 4250);
	assert_ptr_equal(t, &v[2]);
	assert_null(sysmon__task_find(v, n, 4244));
	assert_null(sysmon__task_find(NULL, 0, 4242));
	free(v);

	assert_int_equal(sysmon__read_threads(4344, &v, &n, &fx->opts), -ESRCH); /* no task/ */
	assert_null(v);
	assert_int_equal(n, 0);
	assert_int_equal(sysmon__read_threads(4444, &v, &n, &fx->opts), -ESRCH);
	mkdir_at(fx, "4344/task");
	assert_int_equal(sysmon__read_threads(4344, &v, &n, &fx->opts), 0);
	assert_null(v);
	assert_int_equal(n, 0);
}

static void test_sysmon_pid_rates_between_snapshots(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_pid a, b, c;
	struct sysmon_pid_rates r;

	assert_int_equal(sysmon__read_pid(4242, &a, &fx->opts), 0);
	put(fx, "4242/stat", STAT_4242(350, 70, 1700, 9, 12345));
	put(fx, "4242/status", STATUS(150, 30, "VmHWM:\t9000 kB\nVmRSS:\t8500 kB\n"));
	put(fx, "4242/io", IO(300000, 60000, 24576, 8192));
	assert_int_equal(sysmon__read_pid(4242, &b, &fx->opts), 0);

	assert_int_equal(sysmon__pid_rates(&a, &b, 2.0, &r), 0);
	assert_float_equal(r.cpu_user_pct, 50.0, EPS); /* 100 ticks = 1 s over 2 s */
	assert_float_equal(r.cpu_sys_pct, 10.0, EPS);
	assert_float_equal(r.cpu_pct, 60.0, EPS);
	assert_float_equal(r.minflt_per_s, 100.0, EPS);
	assert_float_equal(r.majflt_per_s, 1.0, EPS);
	assert_true(r.has_ctxsw);
	assert_float_equal(r.vol_ctxsw_per_s, 25.0, EPS);
	assert_float_equal(r.nonvol_ctxsw_per_s, 5.0, EPS);
	assert_true(r.has_io);
	assert_float_equal(r.rchar_per_s, 100000.0, EPS);
	assert_float_equal(r.wchar_per_s, 5000.0, EPS);
	assert_float_equal(r.read_bytes_per_s, 10240.0, EPS);
	assert_float_equal(r.write_bytes_per_s, 0.0, EPS);

	/* Backwards counters move by 0; io missing on one side drops IO rates. */
	assert_int_equal(sysmon__pid_rates(&b, &a, 2.0, &r), 0);
	assert_float_equal(r.cpu_pct, 0.0, EPS);
	assert_float_equal(r.read_bytes_per_s, 0.0, EPS);
	c = b;
	c.has_io = false;
	assert_int_equal(sysmon__pid_rates(&a, &c, 2.0, &r), 0);
	assert_false(r.has_io);
	assert_float_equal(r.cpu_user_pct, 50.0, EPS);

	assert_int_equal(sysmon__pid_rates(&a, &b, 0.0, &r), -EINVAL);
	assert_int_equal(sysmon__pid_rates(&a, &b, -1.0, &r), -EINVAL);
	assert_int_equal(sysmon__pid_rates(&a, &b, NAN, &r), -EINVAL);
	c = b;
	c.task.id = 4243;
	assert_int_equal(sysmon__pid_rates(&a, &c, 2.0, &r), -EINVAL);
	put(fx, "4242/stat", STAT_4242(1, 1, 1, 1, 99999)); /* pid reused */
	assert_int_equal(sysmon__read_pid(4242, &c, &fx->opts), 0);
	assert_int_equal(sysmon__pid_rates(&a, &c, 2.0, &r), -ESTALE);
}

static void test_sysmon_task_rates_between_snapshots(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_task *a, *b;
	struct sysmon_pid_rates r;
	size_t na, nb;

	assert_int_equal(sysmon__read_threads(4242, &a, &na, &fx->opts), 0);
	put(fx, "4242/task/4243/stat",
	    "4243 (worker 1) R 1 4242 4242 0 -1 0 250 0 1 0 45 7 0 0 20 0 3 0 12350\n");
	put(fx, "4242/task/4243/status", STATUS(42, 20, ""));
	assert_int_equal(sysmon__read_threads(4242, &b, &nb, &fx->opts), 0);

	assert_int_equal(sysmon__task_rates(sysmon__task_find(a, na, 4243),
					    sysmon__task_find(b, nb, 4243), 0.5, &r), 0);
	assert_float_equal(r.cpu_user_pct, 50.0, EPS); /* 25 ticks over 0.5 s */
	assert_float_equal(r.cpu_sys_pct, 10.0, EPS);
	assert_float_equal(r.minflt_per_s, 100.0, EPS);
	assert_float_equal(r.vol_ctxsw_per_s, 4.0, EPS);
	assert_float_equal(r.nonvol_ctxsw_per_s, 20.0, EPS);
	assert_false(r.has_io);
	assert_int_equal(sysmon__task_rates(&a[0], &b[1], 0.5, &r), -EINVAL);
	free(a);
	free(b);
}

static void test_sysmon_sys_parses_every_field(void **state)
{
	struct fixture *fx = *state;
	const struct sysmon_psi *psi;
	struct sysmon_sys s;

	fx->opts.skip_fs = true;
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), 0);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_USER], 100);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_NICE], 10);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_SYSTEM], 50);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_IDLE], 800);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_IOWAIT], 20);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_IRQ], 5);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_SOFTIRQ], 5);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_STEAL], 10);
	assert_int_equal(s.ncpus, 2); /* not the "cpu7" inside the long intr line */
	assert_int_equal(s.procs_running, 3);
	assert_int_equal(s.procs_blocked, 1);
	assert_int_equal(s.mem_total_bytes, 16000000 * KB);
	assert_int_equal(s.mem_free_bytes, 2000000 * KB);
	assert_int_equal(s.mem_available_bytes, 4000000 * KB);
	assert_int_equal(s.swap_total_bytes, 1000000 * KB);
	assert_int_equal(s.swap_free_bytes, 750000 * KB);
	assert_true(s.has_vmstat);
	assert_int_equal(s.pswpin, 100);
	assert_int_equal(s.pswpout, 200);
	assert_float_equal(s.load1, 0.50, EPS);
	assert_float_equal(s.load5, 1.25, EPS);
	assert_float_equal(s.load15, 2.00, EPS);

	psi = &s.psi[SYSMON_PSI_CPU];
	assert_true(psi->present);
	assert_true(psi->has_full);
	assert_float_equal(psi->some.avg10, 1.50, EPS);
	assert_float_equal(psi->some.avg60, 2.25, EPS);
	assert_float_equal(psi->some.avg300, 3.00, EPS);
	assert_int_equal(psi->some.total_us, 123456);
	assert_float_equal(psi->full.avg10, 0.0, EPS);
	psi = &s.psi[SYSMON_PSI_MEMORY];
	assert_true(psi->present);
	assert_float_equal(psi->some.avg300, 0.30, EPS);
	assert_int_equal(psi->some.total_us, 10);
	assert_float_equal(psi->full.avg10, 0.05, EPS);
	assert_float_equal(psi->full.avg60, 0.06, EPS);
	assert_float_equal(psi->full.avg300, 0.07, EPS);
	assert_int_equal(psi->full.total_us, 5);
	assert_false(s.psi[SYSMON_PSI_IO].present);
	assert_int_equal(s.nfs, 0);
	assert_null(s.fs);
	sysmon__sys_free(&s);
}

static void test_sysmon_sys_optional_sources_absent(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_sys s;

	fx->opts.skip_fs = true;
	/* cpu without "full" (before 5.13), memory garbled, io without "some" */
	put(fx, "pressure/cpu", "some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n");
	put(fx, "pressure/memory", "garbage\nsome avg10=x\n");
	put(fx, "pressure/io", "full avg10=1.00 avg60=2.00 avg300=3.00 total=4\n");
	unlink_at(fx, "vmstat");
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), 0);
	assert_true(s.psi[SYSMON_PSI_CPU].present);
	assert_false(s.psi[SYSMON_PSI_CPU].has_full);
	assert_float_equal(s.psi[SYSMON_PSI_CPU].some.avg300, 3.0, EPS);
	assert_false(s.psi[SYSMON_PSI_MEMORY].present);
	assert_false(s.psi[SYSMON_PSI_IO].present);
	assert_false(s.psi[SYSMON_PSI_IO].has_full);
	assert_false(s.has_vmstat);
	assert_int_equal(s.pswpin, 0);
	sysmon__sys_free(&s);

	fx->opts.skip_fs = false;
	unlink_at(fx, "self/mounts");
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), 0);
	assert_int_equal(s.nfs, 0);
	sysmon__sys_free(&s);
}

static void test_sysmon_sys_required_sources(void **state)
{
	struct fixture *fx = *state;
	struct sysmon_sys s = { .ncpus = 5 };

	fx->opts.skip_fs = true;
	put(fx, "meminfo", "MemTotal: 100 kB\nMemFree: 5 kB\n"); /* no MemAvailable */
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), -EINVAL);
	assert_int_equal(s.ncpus, 0);
	assert_null(s.fs);
	put(fx, "meminfo", "MemTotal: 100 kB\nMemAvailable: 5 kB"); /* last line unterminated */
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), 0);
	assert_int_equal(s.mem_available_bytes, 5 * KB);
	sysmon__sys_free(&s);
	put(fx, "loadavg", "0.5 x\n");
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), -EINVAL);
	unlink_at(fx, "loadavg");
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), -ENOENT);
	put(fx, "loadavg", "1 2 3\n");
	put(fx, "stat", "cpu0 1 2 3 4\nintr 5\n"); /* no "cpu " totals */
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), -EINVAL);
	put(fx, "stat", "cpu  1 2 3\n"); /* too few modes */
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), -EINVAL);
	put(fx, "stat", "cpu  1 2 3 4\n"); /* old kernels: no iowait and later */
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), 0);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_IDLE], 4);
	assert_int_equal(s.cpu_ticks[SYSMON_CPU_STEAL], 0);
	sysmon__sys_free(&s);
	sysmon__sys_free(&s); /* zeroed: fine */
	sysmon__sys_free(NULL);
}

static void check_fs_matches_statvfs(const struct sysmon_fs *fs)
{
	struct statvfs sv;

	assert_int_equal(statvfs(fs->dir, &sv), 0);
	assert_int_equal(fs->total_bytes, (uint64_t)sv.f_blocks * sv.f_frsize);
	assert_true(fs->used_bytes <= fs->total_bytes);
	assert_float_equal(fs->used_pct, (double)fs->used_bytes * 100.0 /
						 ((double)fs->used_bytes + (double)fs->avail_bytes),
			   EPS);
	assert_int_equal(fs->has_inodes, sv.f_files > 0);
	if (fs->has_inodes) {
		assert_int_equal(fs->inodes_total, sv.f_files);
		assert_float_equal(fs->inodes_used_pct,
				   (double)fs->inodes_used * 100.0 / (double)fs->inodes_total, EPS);
	}
}

static void test_sysmon_sys_filesystems_from_mounts(void **state)
{
	struct fixture *fx = *state;
	struct stat root_st, shm_st;
	char mnt[PATH_MAX];
	struct sysmon_sys s;
	size_t want;

	/* The overlay entry survives only if SHM_DIR is on another device than the fixture. */
	assert_int_equal(stat(fx->root, &root_st), 0);
	want = stat(SHM_DIR, &shm_st) == 0 && shm_st.st_dev != root_st.st_dev ? 2 : 1;
	assert_int_equal(sysmon__read_sys(&s, &fx->opts), 0);
	assert_int_equal(s.nfs, want);

	snprintf(mnt, sizeof(mnt), "%s/mnt a", fx->root);
	assert_string_equal(s.fs[0].dev, "/dev/fake1");
	assert_string_equal(s.fs[0].dir, mnt);
	assert_string_equal(s.fs[0].type, "ext4");
	assert_int_equal(s.fs[0].devno, root_st.st_dev);
	check_fs_matches_statvfs(&s.fs[0]);
	if (want == 2) {
		assert_string_equal(s.fs[1].dev, "overlay");
		assert_string_equal(s.fs[1].dir, SHM_DIR);
		assert_string_equal(s.fs[1].type, "overlay");
		check_fs_matches_statvfs(&s.fs[1]);
	}
	sysmon__sys_free(&s);
	assert_int_equal(s.nfs, 0);
	assert_null(s.fs);
}

static void test_sysmon_sys_rates_between_snapshots(void **state)
{
	static const double want[SYSMON_CPU_NR] = { 25, 1.25, 12.5, 50, 2.5, 1.25, 2.5, 5 };
	struct fixture *fx = *state;
	struct sysmon_sys a, b;
	struct sysmon_sys_rates r;
	double sum = 0;

	fx->opts.skip_fs = true;
	assert_int_equal(sysmon__read_sys(&a, &fx->opts), 0);
	put(fx, "stat", CPU_LINE_B "cpu0 1 1 1 1\n");
	put(fx, "vmstat", "pswpin 300\npswpout 600\n");
	assert_int_equal(sysmon__read_sys(&b, &fx->opts), 0);

	assert_int_equal(sysmon__sys_rates(&a, &b, 2.0, &r), 0);
	for (int i = 0; i < SYSMON_CPU_NR; i++) {
		assert_float_equal(r.cpu_pct[i], want[i], EPS);
		sum += r.cpu_pct[i];
	}
	assert_float_equal(sum, 100.0, EPS);
	assert_float_equal(r.cpu_busy_pct, 47.5, EPS);
	assert_float_equal(r.mem_used_pct, 75.0, EPS);
	assert_float_equal(r.swap_used_pct, 25.0, EPS);
	assert_true(r.has_swap_io);
	assert_float_equal(r.swap_in_pages_per_s, 100.0, EPS);
	assert_float_equal(r.swap_out_pages_per_s, 200.0, EPS);

	assert_int_equal(sysmon__sys_rates(&a, &a, 1.0, &r), 0); /* no tick passed */
	for (int i = 0; i < SYSMON_CPU_NR; i++)
		assert_float_equal(r.cpu_pct[i], 0.0, EPS);
	assert_float_equal(r.cpu_busy_pct, 0.0, EPS);
	b.swap_total_bytes = 0;
	b.has_vmstat = false;
	assert_int_equal(sysmon__sys_rates(&a, &b, 1.0, &r), 0);
	assert_float_equal(r.swap_used_pct, 0.0, EPS);
	assert_false(r.has_swap_io);
	assert_int_equal(sysmon__sys_rates(&a, &b, 0.0, &r), -EINVAL);
	assert_int_equal(sysmon__sys_rates(&a, &b, NAN, &r), -EINVAL);
	sysmon__sys_free(&a);
	sysmon__sys_free(&b);
}

static void test_sysmon_names(void **state)
{
	(void)state;
	assert_string_equal(sysmon__cpu_mode_name(SYSMON_CPU_USER), "user");
	assert_string_equal(sysmon__cpu_mode_name(SYSMON_CPU_IOWAIT), "iowait");
	assert_string_equal(sysmon__cpu_mode_name(SYSMON_CPU_STEAL), "steal");
	assert_string_equal(sysmon__cpu_mode_name(SYSMON_CPU_NR), "?");
	assert_string_equal(sysmon__psi_name(SYSMON_PSI_MEMORY), "memory");
	assert_string_equal(sysmon__psi_name(SYSMON_PSI_NR), "?");
}

/* Entries of /proc/self/fd, the descriptor listing them included. */
static uint32_t count_own_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint32_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Our comm as /proc/self/comm has it (under valgrind it is not the binary's name). */
static const char *self_comm(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/comm", "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)len, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void test_sysmon_live_self(void **state)
{
	char comm[SYSMON_COMM_LEN];
	struct sysmon_pid p, q;
	struct sysmon_task *v;
	struct rlimit rl;
	int fds[3];
	size_t n;

	(void)state;
	assert_true(sysmon__pid_exists(getpid()));
	assert_false(sysmon__pid_exists(0));
	assert_false(sysmon__pid_exists(-1));
	assert_false(sysmon__pid_exists(INT_MAX)); /* above any pid_max */

	assert_int_equal(sysmon__read_pid(getpid(), &p, NULL), 0);
	assert_int_equal(p.task.id, getpid());
	assert_int_equal(p.ppid, getppid());
	assert_string_equal(p.task.comm, self_comm(comm, sizeof(comm)));
	assert_true(p.has_rss);
	assert_true(p.rss_bytes > 0);
	assert_true(p.hwm_bytes >= p.rss_bytes);
	assert_true(p.num_threads >= 1);
	assert_true(p.has_fds);
	assert_true(p.nfds >= 3);
	assert_true(p.has_fd_limit);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	/* >=: valgrind hides the descriptors it reserves from getrlimit(), not from /proc */
	assert_true(p.fd_limit >= (rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur));
	assert_true(p.fd_limit <= rl.rlim_cur + 64 || rl.rlim_cur == RLIM_INFINITY);
	assert_true(p.task.has_ctxsw);

	/* Exact fd count: what a listing shows but the listing's own descriptor, */
	assert_int_equal(p.nfds, count_own_fds() - 1);
	/* and three more descriptors are three more. */
	for (int i = 0; i < 3; i++)
		assert_true((fds[i] = dup(0)) >= 0);
	assert_int_equal(sysmon__read_pid(getpid(), &q, NULL), 0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	assert_int_equal(q.nfds, p.nfds + 3);

	assert_int_equal(sysmon__read_threads(getpid(), &v, &n, NULL), 0);
	assert_true(n >= 1);
	assert_non_null(sysmon__task_find(v, n, getpid()));
	free(v);
}

static void test_sysmon_live_system(void **state)
{
	struct sysmon_sys s;

	(void)state;
	assert_int_equal(sysmon__read_sys(&s, NULL), 0);
	assert_true(s.ncpus >= (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(s.mem_total_bytes > 0);
	assert_true(s.mem_available_bytes <= s.mem_total_bytes);
	assert_true(s.cpu_ticks[SYSMON_CPU_IDLE] > 0);
	assert_true(s.nfs >= 1);
	for (size_t i = 0; i < s.nfs; i++) {
		assert_true(s.fs[i].total_bytes > 0);
		assert_true(s.fs[i].used_pct >= 0 && s.fs[i].used_pct <= 100);
	}
	sysmon__sys_free(&s);
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_sysmon_pid_parses_every_field),
		FX_TEST(test_sysmon_pid_absent_sources),
		FX_TEST(test_sysmon_pid_gone_is_esrch),
		FX_TEST(test_sysmon_pid_malformed_stat_is_einval),
		FX_TEST(test_sysmon_threads_listed_sorted),
		FX_TEST(test_sysmon_pid_rates_between_snapshots),
		FX_TEST(test_sysmon_task_rates_between_snapshots),
		FX_TEST(test_sysmon_sys_parses_every_field),
		FX_TEST(test_sysmon_sys_optional_sources_absent),
		FX_TEST(test_sysmon_sys_required_sources),
		FX_TEST(test_sysmon_sys_filesystems_from_mounts),
		FX_TEST(test_sysmon_sys_rates_between_snapshots),
		cmocka_unit_test(test_sysmon_names),
		cmocka_unit_test(test_sysmon_live_self),
		cmocka_unit_test(test_sysmon_live_system),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
