// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysmon.c - resource snapshots from /proc and statvfs, and rates between
 * two of them.
 *
 * Owns: the /proc file formats (proc(5)) and which mounts count as real
 * filesystems.  Leaves to others: when to sample, measuring the wall
 * interval, matching snapshots over time, and any printing.  Pure data: no
 * globals, no output.
 *
 * Parsing is defensive: lines are read whole (an over-long line is skipped,
 * never split into pieces that could look like keys), numbers must be
 * unsigned decimals, and /proc/PID/stat is read in one piece and split at
 * the LAST ')' because a comm may hold spaces, parentheses and newlines.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <mntent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sysmon.h"

#define NS_PER_S     1000000000ULL
#define BYTES_PER_KB 1024ULL
#define STAT_BUF_LEN 4096 /* /proc/PID/stat is ~350 bytes; the fields we use come first */
#define LINE_LEN     512
#define MNT_BUF_LEN  (3 * PATH_MAX)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *root_of(const struct sysmon_opts *opts)
{
	return opts && opts->proc_root ? opts->proc_root : "/proc";
}

static long tck_of(const struct sysmon_opts *opts)
{
	long tck = opts && opts->clk_tck > 0 ? opts->clk_tck : sysconf(_SC_CLK_TCK);

	return tck > 0 ? tck : 100;
}

static uint64_t ticks_to_ns(uint64_t ticks, long tck)
{
	return (uint64_t)((unsigned __int128)ticks * NS_PER_S / (uint64_t)tck);
}

static uint64_t kb_to_bytes(uint64_t kb)
{
	uint64_t b;

	return __builtin_mul_overflow(kb, BYTES_PER_KB, &b) ? UINT64_MAX : b;
}

/* Later minus earlier; a counter that went backwards moved by 0. */
static uint64_t delta(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

static double per_s(uint64_t a, uint64_t b, double secs)
{
	return (double)delta(a, b) / secs;
}

/* snprintf into path; -ENAMETOOLONG instead of a truncated path. */
__attribute__((format(printf, 2, 3)))
static int path_fmt(char path[PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* An unsigned decimal after optional blanks; false if there is none or it overflows. */
static bool parse_u64(const char *s, uint64_t *v, const char **end)
{
	unsigned long long x;
	char *e;

	s += strspn(s, " \t");
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &e, 10);
	if (errno)
		return false;
	*v = x;
	if (end)
		*end = e;
	return true;
}

/*
 * Calls fn on each whole line of path (over-long lines are skipped) until
 * fn returns non-zero: > 0 stops, < 0 is an error.  Returns 0, fn's error,
 * or the negative errno of opening or reading.
 */
static int for_each_line(const char *path, int (*fn)(const char *line, void *ctx), void *ctx)
{
	char line[LINE_LEN];
	bool at_start = true;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		bool at_end = (n && line[n - 1] == '\n') || feof(f);

		if (at_start && at_end)
			err = fn(line, ctx);
		at_start = at_end;
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	fclose(f);
	return err < 0 ? err : 0;
}

/* A wanted key of a "key: value" or "key value" file; arrays end with a NULL key. */
struct kv {
	const char *key;
	uint64_t *dst;
	bool found;
};

#define KV(k, d) { .key = (k), .dst = (d) }

static int kv_line(const char *line, void *ctx)
{
	size_t klen = strcspn(line, ": \t\n");
	const char *val = line + klen + (line[klen] == ':');

	for (struct kv *kv = ctx; kv->key; kv++) {
		if (!kv->found && strlen(kv->key) == klen && !memcmp(line, kv->key, klen)) {
			kv->found = parse_u64(val, kv->dst, NULL);
			break;
		}
	}
	return 0;
}

/* Stores the first number after each key in kv (status, io, meminfo, vmstat). */
static int read_kv(const char *path, struct kv *kv)
{
	return for_each_line(path, kv_line, kv);
}

/* Field numbers of proc(5) /proc/PID/stat, counting from 1 (the pid). */
enum {
	F_STATE = 3,
	F_PPID = 4,
	F_MINFLT = 10,
	F_MAJFLT = 12,
	F_UTIME = 14,
	F_STIME = 15,
	F_NUM_THREADS = 20,
	F_STARTTIME = 22,
	F_NR,
};

/* Splits a NUL-terminated stat file into comm, state and val[F_*].  -EINVAL if malformed. */
static int parse_stat(const char *buf, char comm[SYSMON_COMM_LEN], char *state,
		      uint64_t val[F_NR])
{
	static const bool wanted[F_NR] = {
		[F_PPID] = 1,  [F_MINFLT] = 1,	    [F_MAJFLT] = 1,    [F_UTIME] = 1,
		[F_STIME] = 1, [F_NUM_THREADS] = 1, [F_STARTTIME] = 1,
	};
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *p, *end;
	size_t len;

	if (!open || !close || close < open)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= SYSMON_COMM_LEN)
		len = SYSMON_COMM_LEN - 1;
	memcpy(comm, open + 1, len);
	comm[len] = '\0';

	p = close + 1;
	for (int field = F_STATE; field < F_NR; field++) {
		const char *tok = p + strspn(p, " ");

		p = tok + strcspn(tok, " \n");
		if (p == tok)
			return -EINVAL;
		if (field == F_STATE)
			*state = *tok;
		else if (wanted[field] && (!parse_u64(tok, &val[field], &end) || end != p))
			return -EINVAL;
	}
	return 0;
}

/*
 * Reads dir/stat (required: -ESRCH if gone) and dir/status (optional) into
 * t, and for a process (p not NULL) its ppid, thread count and RSS too.
 */
static int read_task(const char *dir, long tck, struct sysmon_task *t, struct sysmon_pid *p)
{
	char buf[STAT_BUF_LEN], path[PATH_MAX];
	uint64_t val[F_NR] = { 0 }, rss_kb = 0, hwm_kb = 0;
	struct kv status[] = {
		KV("voluntary_ctxt_switches", &t->vol_ctxsw),
		KV("nonvoluntary_ctxt_switches", &t->nonvol_ctxsw),
		KV("VmRSS", &rss_kb),
		KV("VmHWM", &hwm_kb),
		KV(NULL, NULL),
	};
	size_t n;
	FILE *f;
	int err;

	err = path_fmt(path, "%s/stat", dir);
	if (err)
		return err;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	err = ferror(f) ? (errno ? -errno : -EIO) : 0;
	fclose(f);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	buf[n] = '\0';
	err = parse_stat(buf, t->comm, &t->state, val);
	if (err)
		return err;
	t->utime_ns = ticks_to_ns(val[F_UTIME], tck);
	t->stime_ns = ticks_to_ns(val[F_STIME], tck);
	t->minflt = val[F_MINFLT];
	t->majflt = val[F_MAJFLT];
	t->starttime_ns = ticks_to_ns(val[F_STARTTIME], tck);

	if (path_fmt(path, "%s/status", dir) || read_kv(path, status))
		status[0].found = status[2].found = false;
	t->has_ctxsw = status[0].found && status[1].found;
	if (!t->has_ctxsw)
		t->vol_ctxsw = t->nonvol_ctxsw = 0;
	if (p) {
		p->ppid = (pid_t)val[F_PPID];
		p->num_threads = val[F_NUM_THREADS] > UINT32_MAX ? UINT32_MAX
								 : (uint32_t)val[F_NUM_THREADS];
		p->has_rss = status[2].found;
		p->rss_bytes = p->has_rss ? kb_to_bytes(rss_kb) : 0;
		p->hwm_bytes = p->has_rss ? kb_to_bytes(hwm_kb) : 0;
	}
	return 0;
}

/* The "Max open files" soft limit of a limits file; stops at it. */
static int fd_limit_line(const char *line, void *ctx)
{
	static const char key[] = "Max open files ";
	struct sysmon_pid *p = ctx;
	const char *v = line + sizeof(key) - 1;

	if (strncmp(line, key, sizeof(key) - 1))
		return 0;
	v += strspn(v, " \t");
	if (!strncmp(v, "unlimited", 9)) {
		p->fd_limit = UINT64_MAX;
		p->has_fd_limit = true;
	} else {
		p->has_fd_limit = parse_u64(v, &p->fd_limit, NULL);
	}
	return 1;
}

/* Counts the entries of an fd directory, not counting our own if skip_own. */
static bool count_fds(const char *path, bool skip_own, uint32_t *nfds)
{
	struct dirent *e;
	uint32_t n = 0;
	char own[16];
	bool ok;
	DIR *d;

	d = opendir(path);
	if (!d)
		return false;
	snprintf(own, sizeof(own), "%d", dirfd(d));
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e)
			break;
		if (e->d_name[0] != '.' && !(skip_own && !strcmp(e->d_name, own)))
			n++;
	}
	ok = errno == 0;
	closedir(d);
	if (ok)
		*nfds = n;
	return ok;
}

int sysmon__read_pid(pid_t pid, struct sysmon_pid *out, const struct sysmon_opts *opts)
{
	const char *root = root_of(opts);
	char dir[PATH_MAX], path[PATH_MAX];
	struct sysmon_pid p = { .task.id = pid };
	struct kv io[] = {
		KV("read_bytes", &p.read_bytes), KV("write_bytes", &p.write_bytes),
		KV("rchar", &p.rchar),		 KV("wchar", &p.wchar),
		KV(NULL, NULL),
	};
	int err;

	if (pid <= 0)
		return -ESRCH;
	err = path_fmt(dir, "%s/%d", root, (int)pid);
	if (!err)
		err = read_task(dir, tck_of(opts), &p.task, &p);
	if (err)
		return err;

	if (!path_fmt(path, "%s/io", dir) && !read_kv(path, io))
		p.has_io = io[0].found && io[1].found && io[2].found && io[3].found;
	if (!p.has_io)
		p.read_bytes = p.write_bytes = p.rchar = p.wchar = 0;
	if (!path_fmt(path, "%s/limits", dir) && for_each_line(path, fd_limit_line, &p))
		p.has_fd_limit = false;
	if (!path_fmt(path, "%s/fd", dir))
		p.has_fds = count_fds(path, pid == getpid() && !strcmp(root, "/proc"), &p.nfds);
	*out = p;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct sysmon_task *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Appends thread tid of task_dir to *v (capacity *cap); skips it if it has exited. */
static int add_thread(const char *task_dir, pid_t tid, long tck, struct sysmon_task **v,
		      size_t *n, size_t *cap)
{
	struct sysmon_task t = { .id = tid };
	char dir[PATH_MAX];
	int err;

	err = path_fmt(dir, "%s/%d", task_dir, (int)tid);
	if (!err)
		err = read_task(dir, tck, &t, NULL);
	if (err)
		return err == -ESRCH ? 0 : err;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct sysmon_task *nv = reallocarray(*v, ncap, sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = t;
	return 0;
}

int sysmon__read_threads(pid_t pid, struct sysmon_task **v, size_t *n,
			 const struct sysmon_opts *opts)
{
	struct sysmon_task *arr = NULL;
	size_t cnt = 0, cap = 0;
	char task_dir[PATH_MAX];
	struct dirent *e;
	int err;
	DIR *d;

	*v = NULL;
	*n = 0;
	if (pid <= 0)
		return -ESRCH;
	err = path_fmt(task_dir, "%s/%d/task", root_of(opts), (int)pid);
	if (err)
		return err;
	d = opendir(task_dir);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	for (;;) {
		const char *end;
		uint64_t tid;

		errno = 0;
		e = readdir(d);
		if (!e) {
			err = -errno;
			break;
		}
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || !parse_u64(e->d_name, &tid, &end) ||
		    *end || !tid || tid > INT_MAX)
			continue;
		err = add_thread(task_dir, (pid_t)tid, tck_of(opts), &arr, &cnt, &cap);
		if (err)
			break;
	}
	closedir(d);
	if (err) {
		free(arr);
		return err;
	}
	if (cnt)
		qsort(arr, cnt, sizeof(*arr), cmp_id);
	*v = arr;
	*n = cnt;
	return 0;
}

const struct sysmon_task *sysmon__task_find(const struct sysmon_task *v, size_t n, pid_t id)
{
	struct sysmon_task key = { .id = id };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_id) : NULL;
}

int sysmon__task_rates(const struct sysmon_task *a, const struct sysmon_task *b, double secs,
		       struct sysmon_pid_rates *out)
{
	double wall_ns = secs * (double)NS_PER_S;

	if (!(secs > 0) || a->id != b->id)
		return -EINVAL;
	if (a->starttime_ns != b->starttime_ns)
		return -ESTALE;
	memset(out, 0, sizeof(*out));
	out->cpu_user_pct = (double)delta(a->utime_ns, b->utime_ns) * 100.0 / wall_ns;
	out->cpu_sys_pct = (double)delta(a->stime_ns, b->stime_ns) * 100.0 / wall_ns;
	out->cpu_pct = out->cpu_user_pct + out->cpu_sys_pct;
	out->minflt_per_s = per_s(a->minflt, b->minflt, secs);
	out->majflt_per_s = per_s(a->majflt, b->majflt, secs);
	out->has_ctxsw = a->has_ctxsw && b->has_ctxsw;
	if (out->has_ctxsw) {
		out->vol_ctxsw_per_s = per_s(a->vol_ctxsw, b->vol_ctxsw, secs);
		out->nonvol_ctxsw_per_s = per_s(a->nonvol_ctxsw, b->nonvol_ctxsw, secs);
	}
	return 0;
}

int sysmon__pid_rates(const struct sysmon_pid *a, const struct sysmon_pid *b, double secs,
		      struct sysmon_pid_rates *out)
{
	int err = sysmon__task_rates(&a->task, &b->task, secs, out);

	if (err)
		return err;
	out->has_io = a->has_io && b->has_io;
	if (out->has_io) {
		out->read_bytes_per_s = per_s(a->read_bytes, b->read_bytes, secs);
		out->write_bytes_per_s = per_s(a->write_bytes, b->write_bytes, secs);
		out->rchar_per_s = per_s(a->rchar, b->rchar, secs);
		out->wchar_per_s = per_s(a->wchar, b->wchar, secs);
	}
	return 0;
}

struct cpu_stat_ctx {
	struct sysmon_sys *s;
	bool found;
};

/* The "cpu" totals, the "cpuN" lines and procs_* of /proc/stat. */
static int cpu_stat_line(const char *line, void *ctx)
{
	struct cpu_stat_ctx *c = ctx;
	uint64_t *t = c->s->cpu_ticks;
	unsigned cpu;

	if (!c->found && !strncmp(line, "cpu ", 4))
		c->found = sscanf(line + 4,
				  "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
				  " %" SCNu64 " %" SCNu64 " %" SCNu64,
				  &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]) >= 4;
	else if (sscanf(line, "cpu%u ", &cpu) == 1)
		c->s->ncpus++;
	else if (!strncmp(line, "procs_running ", 14))
		parse_u64(line + 14, &c->s->procs_running, NULL);
	else if (!strncmp(line, "procs_blocked ", 14))
		parse_u64(line + 14, &c->s->procs_blocked, NULL);
	return 0;
}

static int psi_line(const char *line, void *ctx)
{
	struct sysmon_psi *psi = ctx;
	struct sysmon_psi_line l;
	char kind[8];

	if (sscanf(line, "%7s avg10=%lf avg60=%lf avg300=%lf total=%" SCNu64, kind, &l.avg10,
		   &l.avg60, &l.avg300, &l.total_us) != 5)
		return 0;
	if (!strcmp(kind, "some")) {
		psi->some = l;
		psi->present = true;
	} else if (!strcmp(kind, "full")) {
		psi->full = l;
		psi->has_full = true;
	}
	return 0;
}

/* Real, local filesystems: see sysmon__read_sys() in the header. */
static bool fs_wanted(const struct mntent *m)
{
	static const char *const images[] = { "squashfs", "erofs", "iso9660" };
	static const char *const devless[] = { "overlay", "zfs" };
	bool dev = !strncmp(m->mnt_fsname, "/dev/", 5);
	const char *const *types = dev ? images : devless;
	size_t n = dev ? ARRAY_SIZE(images) : ARRAY_SIZE(devless);

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(m->mnt_type, types[i]))
			return !dev;
	}
	return dev;
}

/* Appends m to s->fs (capacity *cap) unless already there (same st_dev) or unreachable. */
static int add_fs(struct sysmon_sys *s, const struct mntent *m, size_t *cap)
{
	struct sysmon_fs *fs;
	struct statvfs sv;
	struct stat st;

	if (stat(m->mnt_dir, &st) || statvfs(m->mnt_dir, &sv) || !sv.f_blocks)
		return 0;
	for (size_t i = 0; i < s->nfs; i++) {
		if (s->fs[i].devno == (uint64_t)st.st_dev)
			return 0;
	}
	if (s->nfs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct sysmon_fs *nv = reallocarray(s->fs, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->fs = nv;
		*cap = ncap;
	}
	fs = &s->fs[s->nfs++]; /* counted now so that sysmon__sys_free() frees a partial entry */
	memset(fs, 0, sizeof(*fs));
	fs->dev = strdup(m->mnt_fsname);
	fs->dir = strdup(m->mnt_dir);
	fs->type = strdup(m->mnt_type);
	if (!fs->dev || !fs->dir || !fs->type)
		return -ENOMEM;
	fs->devno = (uint64_t)st.st_dev;
	fs->total_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
	fs->used_bytes = (uint64_t)delta(sv.f_bfree, sv.f_blocks) * sv.f_frsize;
	fs->avail_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (fs->used_bytes + fs->avail_bytes)
		fs->used_pct = (double)fs->used_bytes * 100.0 /
			       ((double)fs->used_bytes + (double)fs->avail_bytes);
	fs->has_inodes = sv.f_files > 0;
	if (fs->has_inodes) {
		fs->inodes_total = sv.f_files;
		fs->inodes_used = delta(sv.f_ffree, sv.f_files);
		fs->inodes_used_pct = (double)fs->inodes_used * 100.0 / (double)fs->inodes_total;
	}
	return 0;
}

/*
 * The mount table through getmntent_r(3) (getmntent(3)'s reentrant twin: no
 * static buffer, so a sampler thread is safe).  A missing table is no error.
 */
static int read_mounts(const char *path, struct sysmon_sys *s)
{
	char buf[MNT_BUF_LEN];
	struct mntent m;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	f = setmntent(path, "re");
	if (!f)
		return 0;
	while (!err && getmntent_r(f, &m, buf, sizeof(buf))) {
		if (fs_wanted(&m))
			err = add_fs(s, &m, &cap);
	}
	endmntent(f);
	return err;
}

/* /proc/loadavg: the three averages are required. */
static int read_loadavg(const char *path, struct sysmon_sys *s)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%lf %lf %lf", &s->load1, &s->load5, &s->load15) == 3;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* /proc/meminfo: MemTotal and MemAvailable are required. */
static int read_meminfo(const char *path, struct sysmon_sys *s)
{
	uint64_t total = 0, avail = 0, mfree = 0, swap_total = 0, swap_free = 0;
	struct kv kv[] = {
		KV("MemTotal", &total),		KV("MemAvailable", &avail),
		KV("MemFree", &mfree),		KV("SwapTotal", &swap_total),
		KV("SwapFree", &swap_free),	KV(NULL, NULL),
	};
	int err = read_kv(path, kv);

	if (err)
		return err;
	if (!kv[0].found || !kv[1].found)
		return -EINVAL;
	s->mem_total_bytes = kb_to_bytes(total);
	s->mem_available_bytes = kb_to_bytes(avail);
	s->mem_free_bytes = kb_to_bytes(mfree);
	s->swap_total_bytes = kb_to_bytes(swap_total);
	s->swap_free_bytes = kb_to_bytes(swap_free);
	return 0;
}

int sysmon__read_sys(struct sysmon_sys *out, const struct sysmon_opts *opts)
{
	static const char *const psi_files[SYSMON_PSI_NR] = { "cpu", "memory", "io" };
	const char *root = root_of(opts);
	struct sysmon_sys s = { 0 };
	struct cpu_stat_ctx cpu = { .s = &s };
	struct kv vm[] = { KV("pswpin", &s.pswpin), KV("pswpout", &s.pswpout), KV(NULL, NULL) };
	char path[PATH_MAX];
	int err;

	memset(out, 0, sizeof(*out));
	err = path_fmt(path, "%s/stat", root);
	if (!err)
		err = for_each_line(path, cpu_stat_line, &cpu);
	if (!err && !cpu.found)
		err = -EINVAL;
	if (!err)
		err = path_fmt(path, "%s/meminfo", root);
	if (!err)
		err = read_meminfo(path, &s);
	if (!err)
		err = path_fmt(path, "%s/loadavg", root);
	if (!err)
		err = read_loadavg(path, &s);
	if (err)
		goto fail;

	if (!path_fmt(path, "%s/vmstat", root) && !read_kv(path, vm))
		s.has_vmstat = vm[0].found && vm[1].found;
	if (!s.has_vmstat)
		s.pswpin = s.pswpout = 0;
	for (int i = 0; i < SYSMON_PSI_NR; i++) {
		if (path_fmt(path, "%s/pressure/%s", root, psi_files[i]) ||
		    for_each_line(path, psi_line, &s.psi[i]) || !s.psi[i].present)
			memset(&s.psi[i], 0, sizeof(s.psi[i]));
	}
	if (!(opts && opts->skip_fs)) {
		err = path_fmt(path, "%s/self/mounts", root);
		if (!err)
			err = read_mounts(path, &s);
		if (err)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	sysmon__sys_free(&s);
	return err;
}

void sysmon__sys_free(struct sysmon_sys *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfs; i++) {
		free(s->fs[i].dev);
		free(s->fs[i].dir);
		free(s->fs[i].type);
	}
	free(s->fs);
	memset(s, 0, sizeof(*s));
}

/* (total - left) / total in %, 0 for an empty total. */
static double used_pct(uint64_t total, uint64_t left)
{
	return total ? (double)(total - (left < total ? left : total)) * 100.0 / (double)total : 0;
}

int sysmon__sys_rates(const struct sysmon_sys *a, const struct sysmon_sys *b, double secs,
		      struct sysmon_sys_rates *out)
{
	uint64_t d[SYSMON_CPU_NR], total = 0;

	if (!(secs > 0))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < SYSMON_CPU_NR; i++) {
		d[i] = delta(a->cpu_ticks[i], b->cpu_ticks[i]);
		total += d[i];
	}
	for (int i = 0; total && i < SYSMON_CPU_NR; i++)
		out->cpu_pct[i] = (double)d[i] * 100.0 / (double)total;
	if (total)
		out->cpu_busy_pct = (double)(total - d[SYSMON_CPU_IDLE] - d[SYSMON_CPU_IOWAIT]) *
				    100.0 / (double)total;
	out->mem_used_pct = used_pct(b->mem_total_bytes, b->mem_available_bytes);
	out->swap_used_pct = used_pct(b->swap_total_bytes, b->swap_free_bytes);
	out->has_swap_io = a->has_vmstat && b->has_vmstat;
	if (out->has_swap_io) {
		out->swap_in_pages_per_s = per_s(a->pswpin, b->pswpin, secs);
		out->swap_out_pages_per_s = per_s(a->pswpout, b->pswpout, secs);
	}
	return 0;
}

bool sysmon__pid_exists(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

const char *sysmon__cpu_mode_name(enum sysmon_cpu_mode m)
{
	static const char *const names[SYSMON_CPU_NR] = {
		"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
	};

	return (unsigned)m < SYSMON_CPU_NR ? names[m] : "?";
}

const char *sysmon__psi_name(enum sysmon_psi_res r)
{
	static const char *const names[SYSMON_PSI_NR] = { "cpu", "memory", "io" };

	return (unsigned)r < SYSMON_PSI_NR ? names[r] : "?";
}
