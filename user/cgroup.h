/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup.h - the CPU limit of a process's cgroup and how often it was
 * throttled: the cgroup's path from /proc/PID/cgroup, its quota from
 * cpu.max and its throttling counters from cpu.stat.
 *
 * cgroup v2 ("0::/path"); on hybrid systems where the cpu controller is
 * still mounted as v1, the v1 cpu hierarchy instead (cpu.cfs_quota_us,
 * cpu.cfs_period_us, cpu.stat).  A quota may be set on an ancestor: the
 * nearest level with one (the pid's own cgroup first) is the one read.
 *
 * The /proc and cgroup roots are parameters (NULL: "/proc" and
 * "/sys/fs/cgroup") so tests use fixture trees.  Pure reads: no state, no
 * printing.
 */
#ifndef OPTRACE_CGROUP_H
#define OPTRACE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_PATH_MAX 512

struct cgroup_cpu {
	int version;			/* 2, or 1 for a v1 cpu hierarchy */
	char path[CGROUP_PATH_MAX];	/* the level read, from the hierarchy root ("/a/b") */
	bool has_quota;			/* a quota is set there (not "max" / -1) */
	uint64_t quota_us;		/* CPU time allowed per period */
	uint64_t period_us;
	bool has_stat;			/* cpu.stat had the throttling counters */
	uint64_t nr_periods;		/* enforcement periods that had runnable tasks */
	uint64_t nr_throttled;		/* periods in which the cgroup was throttled */
	uint64_t throttled_ns;		/* total time throttled */
};

/*
 * The cgroup v2 path of pid ("/system.slice/app.service", "/" for the
 * root) from <proc_root>/PID/cgroup's "0::" line, into buf.  Returns 0,
 * -ENOENT when the file has no "0::" line (a v1-only system), -ESRCH when
 * the process does not exist, -ENAMETOOLONG, or another negative errno.
 */
int cgroup__pid_path(pid_t pid, const char *proc_root, char *buf, size_t len);

/*
 * Reads the cgroup v2 directory <cgroup_root><path>: cpu.max and cpu.stat.
 * Missing files leave has_quota / has_stat false (the cpu controller is
 * not enabled there, or path is the root).  Returns 0, -ENOENT when the
 * directory does not exist, -EINVAL when a file is malformed.
 */
int cgroup__read_cpu(const char *cgroup_root, const char *path, struct cgroup_cpu *out);

/*
 * The CPU limit of pid: the nearest cgroup from its own up to the root
 * with a quota, else its own cgroup (has_quota false).  cgroup_root is the
 * cgroup v2 mount (NULL: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a
 * hybrid system); the v1 cpu hierarchy is looked for under it ("cpu" or
 * "cpu,cpuacct") when v2 has no cpu controller for the process.  Returns
 * 0, or a negative errno when neither could be read.
 */
int cgroup__pid_cpu(pid_t pid, const char *proc_root, const char *cgroup_root,
		    struct cgroup_cpu *out);

#endif
