// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup.c - a process's cgroup CPU quota and throttling counters.
 *
 * Owns the parsing of /proc/PID/cgroup, cpu.max, cpu.stat (v2) and
 * cpu.cfs_quota_us, cpu.cfs_period_us, cpu.stat (v1).  Leaves windows and
 * rates to res.c, judgement to analyze.c.  No printing, no state.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup.h"

#define DEFAULT_PROC   "/proc"
#define DEFAULT_CGROUP "/sys/fs/cgroup"
#define FILE_MAX       4096

/* Reads a small file into buf (NUL-terminated).  Bytes read or -errno. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

static int join(char *buf, size_t len, const char *a, const char *b, const char *c)
{
	int n = snprintf(buf, len, "%s%s%s", a, b, c ? c : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The path part of the first line of <proc_root>/PID/cgroup that matches. */
static int find_line(pid_t pid, const char *proc_root, bool v1_cpu, char *buf, size_t len)
{
	char path[FILE_MAX], *text, *line, *save = NULL;
	int n, err = -ENOENT;

	if (snprintf(path, sizeof(path), "%s/%d/cgroup", proc_root ? proc_root : DEFAULT_PROC,
		     (int)pid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	text = malloc(FILE_MAX * 4);
	if (!text)
		return -ENOMEM;
	n = read_small(path, text, FILE_MAX * 4);
	if (n < 0) {
		free(text);
		return n == -ENOENT ? -ESRCH : n;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		bool match = false;

		if (!c2)
			continue;
		*c2 = '\0';
		if (!v1_cpu) {
			match = c1 == line + 1 && line[0] == '0' && c1 + 1 == c2;
		} else {
			char *ctl, *s2 = NULL;

			for (ctl = strtok_r(c1 + 1, ",", &s2); ctl && !match; ctl = strtok_r(NULL, ",", &s2))
				match = !strcmp(ctl, "cpu");
		}
		if (!match)
			continue;
		if (c2[1] != '/') {
			err = -EINVAL;
			break;
		}
		err = snprintf(buf, len, "%s", c2 + 1) >= (int)len ? -ENAMETOOLONG : 0;
		break;
	}
	free(text);
	return err;
}

int cgroup__pid_path(pid_t pid, const char *proc_root, char *buf, size_t len)
{
	return find_line(pid, proc_root, false, buf, len);
}

/* "key value" lines: the value of key, or -ENOENT. */
static int stat_value(const char *text, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			char *end;

			errno = 0;
			*v = strtoull(p + kl + 1, &end, 10);
			if (errno || end == p + kl + 1)
				return -EINVAL;
			return 0;
		}
	}
	return -ENOENT;
}

static int read_stat(const char *dir, int version, struct cgroup_cpu *out)
{
	char path[FILE_MAX], text[FILE_MAX];
	uint64_t thr;
	int err;

	if (join(path, sizeof(path), dir, "/cpu.stat", NULL))
		return -ENAMETOOLONG;
	if (read_small(path, text, sizeof(text)) < 0)
		return 0; /* no cpu controller here */
	err = stat_value(text, "nr_periods", &out->nr_periods);
	if (err == -ENOENT)
		return 0;
	if (err || stat_value(text, "nr_throttled", &out->nr_throttled) ||
	    stat_value(text, version == 2 ? "throttled_usec" : "throttled_time", &thr))
		return -EINVAL;
	out->throttled_ns = version == 2 ? thr * 1000 : thr;
	out->has_stat = true;
	return 0;
}

static int read_level(const char *root, const char *cg, int version, struct cgroup_cpu *out)
{
	char dir[FILE_MAX], path[FILE_MAX], text[256];
	struct stat st;
	int err;

	memset(out, 0, sizeof(*out));
	out->version = version;
	if (snprintf(out->path, sizeof(out->path), "%s", cg) >= (int)sizeof(out->path))
		return -ENAMETOOLONG;
	if (join(dir, sizeof(dir), root, strcmp(cg, "/") ? cg : "", NULL))
		return -ENAMETOOLONG;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (version == 2) {
		if (join(path, sizeof(path), dir, "/cpu.max", NULL))
			return -ENAMETOOLONG;
		if (read_small(path, text, sizeof(text)) > 0) {
			char quota[32];
			uint64_t period;

			if (sscanf(text, "%31s %" SCNu64, quota, &period) != 2 || !period)
				return -EINVAL;
			if (strcmp(quota, "max")) {
				char *end;

				errno = 0;
				out->quota_us = strtoull(quota, &end, 10);
				if (errno || *end)
					return -EINVAL;
				out->has_quota = true;
			}
			out->period_us = period;
		}
	} else {
		long long q;
		uint64_t period;

		if (join(path, sizeof(path), dir, "/cpu.cfs_quota_us", NULL))
			return -ENAMETOOLONG;
		if (read_small(path, text, sizeof(text)) > 0) {
			if (sscanf(text, "%lld", &q) != 1)
				return -EINVAL;
			if (join(path, sizeof(path), dir, "/cpu.cfs_period_us", NULL))
				return -ENAMETOOLONG;
			if (read_small(path, text, sizeof(text)) <= 0 ||
			    sscanf(text, "%" SCNu64, &period) != 1 || !period)
				return -EINVAL;
			out->period_us = period;
			if (q > 0) {
				out->quota_us = (uint64_t)q;
				out->has_quota = true;
			}
		}
	}
	err = read_stat(dir, version, out);
	return err;
}

int cgroup__read_cpu(const char *cgroup_root, const char *path, struct cgroup_cpu *out)
{
	return read_level(cgroup_root ? cgroup_root : DEFAULT_CGROUP, path, 2, out);
}

/* "/a/b" -> "/a" -> "/"; false at the root. */
static bool parent(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash || !strcmp(path, "/"))
		return false;
	if (slash == path)
		slash[1] = '\0';
	else
		*slash = '\0';
	return true;
}

/* From the pid's own level up: the first with a quota, else its own level. */
static int walk(const char *root, const char *cg, int version, struct cgroup_cpu *out)
{
	char path[CGROUP_PATH_MAX];
	struct cgroup_cpu lvl;
	int err;

	err = read_level(root, cg, version, out);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s", cg);
	while (!out->has_quota && parent(path)) {
		if (read_level(root, path, version, &lvl))
			break;
		if (lvl.has_quota)
			*out = lvl;
	}
	return 0;
}

static bool exists(const char *a, const char *b)
{
	char path[FILE_MAX];

	return !join(path, sizeof(path), a, b, NULL) && !access(path, F_OK);
}

int cgroup__pid_cpu(pid_t pid, const char *proc_root, const char *cgroup_root,
		    struct cgroup_cpu *out)
{
	const char *base = cgroup_root ? cgroup_root : DEFAULT_CGROUP;
	static const char *const v1_dirs[] = { "/cpu", "/cpu,cpuacct", "/cpuacct,cpu" };
	char cg[CGROUP_PATH_MAX], root[FILE_MAX];
	struct cgroup_cpu v2;
	int err2, err1;

	memset(out, 0, sizeof(*out));
	/* v2: the mount itself, or "unified" beside v1 hierarchies */
	err2 = cgroup__pid_path(pid, proc_root, cg, sizeof(cg));
	if (err2 == -ESRCH)
		return err2;
	if (!err2) {
		if (!exists(base, "/cgroup.controllers") && exists(base, "/unified/cgroup.controllers"))
			err2 = join(root, sizeof(root), base, "/unified", NULL);
		else
			err2 = join(root, sizeof(root), base, "", NULL);
		if (!err2)
			err2 = walk(root, cg, 2, &v2);
		if (!err2 && (v2.has_quota || v2.has_stat)) {
			*out = v2;
			return 0;
		}
	}
	/* v1 cpu hierarchy */
	err1 = find_line(pid, proc_root, true, cg, sizeof(cg));
	for (size_t i = 0; !err1 && i < sizeof(v1_dirs) / sizeof(v1_dirs[0]); i++) {
		if (!exists(base, v1_dirs[i]))
			continue;
		err1 = join(root, sizeof(root), base, v1_dirs[i], NULL);
		if (!err1)
			err1 = walk(root, cg, 1, out);
		if (!err1)
			return 0;
		break;
	}
	if (!err2) {
		*out = v2;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return err2 ? err2 : err1;
}
