// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * analyze.c - rules over a report: findings with evidence and
 * recommendations, trends of each op's series, per-process efficiency.
 *
 * Owns: the process and system rules' conditions, severity, impact and
 * wording (and docs/analysis.md says the same), the trend fits, the
 * efficiency score, and the driver that runs every rule and orders the
 * findings.  Leaves to others: the op rules (analyze_ops.c), the finding
 * helpers they share (analyze_int.h), the thresholds' defaults and parsing
 * (config.c), the numbers (report.c), printing (render_findings.c).  Pure.
 *
 * Impact orders findings of one severity.  Threshold rules on processes
 * and the system use value / threshold; the op rules' impact is described
 * in analyze_ops.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "units.h"

/* Fewer enforcement periods than this say nothing about throttling. */
#define MIN_CG_PERIODS 10

/* ---------------------------------------------------------------- helpers */

static const char *bytes_str(double b, char *buf)
{
	return units__fmt_bytes(b > 0 ? (uint64_t)llround(b) : 0, buf, FMT);
}

static void subj_pid(struct finding *f, const struct report_pid *p)
{
	f->subject_kind = SUBJ_PID;
	f->pid = p->pid;
	snprintf(f->subject, sizeof(f->subject), "pid %" PRIu32 " (%s)", p->pid, comm_of(p->comm));
}

static void subj_sys(struct finding *f)
{
	f->subject_kind = SUBJ_SYSTEM;
	snprintf(f->subject, sizeof(f->subject), "system");
}

/* ---------------------------------------------------------------- pid rules */

static void rule_runq_pid(struct ctx *c, const struct report_pid *p)
{
	struct finding *f;
	char a[FMT], b[FMT];
	int sev;

	if (!p->has_res || p->runq_count < c->th->min_calls || !(p->runq_p99 > c->th->runq_p99_ns))
		return;
	sev = p->runq_p99 > c->th->runq_p99_critical_ns ? SEV_CRITICAL : SEV_WARNING;
	f = add(c, "cpu_saturation", sev, (double)p->runq_p99 / (double)c->th->runq_p99_ns);
	if (!f)
		return;
	subj_pid(f, p);
	ev(f, "runq_p99", (double)p->runq_p99, "ns");
	ev(f, "runq_p50", (double)p->runq_p50, "ns");
	ev(f, "runq_waits", (double)p->runq_count, "count");
	if (p->res.has_acct)
		ev(f, "runq_time", (double)p->res.acct.runq_ns, "ns");
	if (p->res.has_proc)
		ev(f, "cpu", p->res.rates.cpu_pct, "pct");
	summary(f, "pid %" PRIu32 " (%s) waited for a CPU up to %s (p99; p50 %s) over %" PRIu64
		" waits.", p->pid, comm_of(p->comm), ns_str((double)p->runq_p99, a),
		ns_str((double)p->runq_p50, b), p->runq_count);
	recommend(f, "Its threads are runnable but not running: run fewer runnable threads than "
		  "CPUs, give it more CPUs (affinity, cpuset) or more CPU quota, or move competing "
		  "work elsewhere.");
}

static void rule_throttle(struct ctx *c, const struct report_pid *p)
{
	const struct res_pid *r = &p->res;
	struct finding *f;
	char a[FMT], b[FMT], q[48];
	int sev;

	if (!p->has_res || !r->has_throttle || r->cg_periods < MIN_CG_PERIODS ||
	    !(r->throttled_share > c->th->throttle_warning))
		return;
	sev = r->throttled_share > c->th->throttle_critical ? SEV_CRITICAL : SEV_WARNING;
	f = add(c, "cpu_saturation", sev, r->throttled_share / c->th->throttle_warning);
	if (!f)
		return;
	subj_pid(f, p);
	ev(f, "throttled_share", r->throttled_share, "ratio");
	ev(f, "throttled_time", (double)r->cg_throttled_ns, "ns");
	ev(f, "periods", (double)r->cg_periods, "count");
	if (r->cpu_quota > 0)
		ev(f, "cpu_quota", r->cpu_quota, "cpus");
	if (r->has_proc)
		ev(f, "cpu", r->rates.cpu_pct, "pct");
	if (r->cpu_quota > 0)
		snprintf(q, sizeof(q), "its quota of %.2f CPUs", r->cpu_quota);
	else
		snprintf(q, sizeof(q), "its quota");
	summary(f, "pid %" PRIu32 " (%s)'s cgroup was throttled in %s of its CPU periods (%s in "
		"all): it needs more CPU than %s.", p->pid, comm_of(p->comm),
		pct_str(r->throttled_share, a), ns_str((double)r->cg_throttled_ns, b), q);
	recommend(f, "Raise the cgroup CPU quota (cpu.max; a container's CPU limit, systemd "
		  "CPUQuota=) or lower its parallelism so bursts fit: a throttled cgroup stops "
		  "every thread until the next period.");
}

static void rule_memory_pid(struct ctx *c, const struct report_pid *p)
{
	const struct res_pid *r = &p->res;
	const struct optrace_thresholds *th = c->th;
	bool faults, grew = false, sys_tight;
	double growth = 0, rel = 0;
	struct finding *f;
	char a[FMT], b[FMT], d[FMT], q[FMT];
	int sev;

	if (!p->has_res || !r->has_proc)
		return;
	faults = r->rates.majflt_per_s > th->majflt_rate;
	if (r->has_rss_start && r->now.has_rss && r->rss_start_bytes &&
	    r->now.rss_bytes > r->rss_start_bytes) {
		growth = (double)(r->now.rss_bytes - r->rss_start_bytes);
		rel = growth / (double)r->rss_start_bytes;
		grew = growth > (double)th->rss_growth_min_bytes && rel > th->rss_growth;
	}
	if (!faults && !grew)
		return;
	sys_tight = c->r->sys.valid && c->r->sys.rates.mem_used_pct > th->memory_warning_pct;
	sev = faults || sys_tight ? SEV_WARNING : SEV_INFO;
	f = add(c, "memory_pressure", sev,
		faults ? r->rates.majflt_per_s / th->majflt_rate : rel / th->rss_growth);
	if (!f)
		return;
	subj_pid(f, p);
	ev(f, "major_faults_per_s", r->rates.majflt_per_s, "/s");
	if (r->now.has_rss)
		ev(f, "rss", (double)r->now.rss_bytes, "bytes");
	if (r->has_rss_start)
		ev(f, "rss_start", (double)r->rss_start_bytes, "bytes");
	if (grew)
		ev(f, "rss_growth", rel, "ratio");
	if (c->r->sys.valid)
		ev(f, "system_memory_used", c->r->sys.rates.mem_used_pct, "pct");
	if (faults && grew)
		summary(f, "pid %" PRIu32 " (%s) takes %.0f major page faults per second and its "
			"RSS grew from %s to %s (+%s) over the window.", p->pid, comm_of(p->comm),
			r->rates.majflt_per_s, bytes_str((double)r->rss_start_bytes, a),
			bytes_str((double)r->now.rss_bytes, b), pct_str(rel, q));
	else if (faults)
		summary(f, "pid %" PRIu32 " (%s) takes %.0f major page faults per second: it waits "
			"for memory to be read back from disk.", p->pid, comm_of(p->comm),
			r->rates.majflt_per_s);
	else
		summary(f, "pid %" PRIu32 " (%s)'s RSS grew from %s to %s (+%s, %s) over the "
			"window.", p->pid, comm_of(p->comm), bytes_str((double)r->rss_start_bytes, a),
			bytes_str((double)r->now.rss_bytes, b), bytes_str(growth, d), pct_str(rel, q));
	recommend(f, "%s%s",
		  faults ? "Give it more memory (or take memory from other processes), shrink its "
			   "working set, or lock hot data in memory (mlock); check for swapping. " : "",
		  grew ? "If RSS keeps growing, look for a leak or an unbounded cache (a heap "
			 "profiler: heaptrack, jemalloc or tcmalloc profiling) and bound caches and "
			 "queues." : "");
}

static void rule_fds(struct ctx *c, const struct report_pid *p)
{
	const struct sysmon_pid *n = &p->res.now;
	struct finding *f;
	double share;
	char a[FMT];

	if (!p->has_res || !p->res.has_proc || !n->has_fds || !n->has_fd_limit ||
	    n->fd_limit == UINT64_MAX || !n->fd_limit || n->task.state == 'Z')
		return;
	share = (double)n->nfds / (double)n->fd_limit;
	if (!(share > c->th->fds_warning))
		return;
	f = add(c, "resource_exhaustion", share > c->th->fds_critical ? SEV_CRITICAL : SEV_WARNING,
		share / c->th->fds_warning);
	if (!f)
		return;
	subj_pid(f, p);
	ev(f, "fds", n->nfds, "count");
	ev(f, "fd_limit", (double)n->fd_limit, "count");
	ev(f, "fds_used", share, "ratio");
	summary(f, "pid %" PRIu32 " (%s) has %" PRIu32 " files open of its limit of %" PRIu64
		" (%s): at the limit, open() and accept() fail with EMFILE.", p->pid,
		comm_of(p->comm), n->nfds, n->fd_limit, pct_str(share, a));
	recommend(f, "Raise its RLIMIT_NOFILE (ulimit -n, systemd LimitNOFILE=) if it needs that "
		  "many, or find descriptors that are never closed (ls -l /proc/%" PRIu32 "/fd).",
		  p->pid);
}

double analyze__efficiency(const struct report_pid *p)
{
	const struct ot_acct *a = &p->res.acct;
	double demand;

	if (!p->has_res || !p->res.has_acct)
		return -1;
	demand = (double)a->oncpu_ns + (double)a->runq_ns + (double)a->iowait_ns;
	if (!(demand > 0))
		return -1;
	return (double)a->oncpu_ns / demand;
}

/* ---------------------------------------------------------------- system rules */

static void rule_cpu_sys(struct ctx *c)
{
	const struct res_sys *s = &c->r->sys;
	const struct sysmon_psi *psi = &s->now.psi[SYSMON_PSI_CPU];
	double busy_pct = s->rates.cpu_busy_pct;
	struct finding *f;
	int sev;

	if (!s->valid || !(busy_pct > c->th->cpu_warning_pct))
		return;
	sev = busy_pct > c->th->cpu_critical_pct ? SEV_CRITICAL : SEV_WARNING;
	f = add(c, "cpu_saturation", sev, busy_pct / c->th->cpu_warning_pct);
	if (!f)
		return;
	subj_sys(f);
	ev(f, "cpu_busy", busy_pct, "pct");
	ev(f, "ncpus", s->now.ncpus, "count");
	ev(f, "load1", s->now.load1, "count");
	ev(f, "procs_running", (double)s->now.procs_running, "count");
	if (psi->present)
		ev(f, "cpu_pressure_some", psi->some.avg10, "pct");
	summary(f, "The system's %" PRIu32 " CPUs were %.1f%% busy over the window (load %.2f): "
		"every process waits longer for a CPU.", s->now.ncpus, busy_pct, s->now.load1);
	recommend(f, "Find the largest CPU consumers (top, pidstat 1) and reduce their work, move "
		  "work to other machines or add CPUs; latency-sensitive processes can get "
		  "dedicated CPUs (cpuset) or a higher priority.");
}

static void rule_memory_sys(struct ctx *c)
{
	const struct res_sys *s = &c->r->sys;
	const struct optrace_thresholds *th = c->th;
	const struct sysmon_psi *psi = &s->now.psi[SYSMON_PSI_MEMORY];
	double used = s->rates.mem_used_pct, swap = 0;
	bool high, swapping, stalled;
	struct finding *f;
	char a[FMT], b[FMT], text[200] = "";
	size_t len = 0;
	int sev = SEV_WARNING;
	double impact = 0;

	if (!s->valid)
		return;
	if (s->rates.has_swap_io)
		swap = s->rates.swap_in_pages_per_s + s->rates.swap_out_pages_per_s;
	high = used > th->memory_warning_pct;
	swapping = swap > th->swap_rate;
	stalled = psi->present && psi->some.avg10 > th->psi_memory_pct;
	if (!high && !swapping && !stalled)
		return;
	if (used > th->memory_critical_pct)
		sev = SEV_CRITICAL;
	if (high)
		impact = used / th->memory_warning_pct;
	if (swapping && swap / th->swap_rate > impact)
		impact = swap / th->swap_rate;
	if (stalled && psi->some.avg10 / th->psi_memory_pct > impact)
		impact = psi->some.avg10 / th->psi_memory_pct;
	f = add(c, "memory_pressure", sev, impact);
	if (!f)
		return;
	subj_sys(f);
	ev(f, "memory_used", used, "pct");
	ev(f, "memory_available", (double)s->now.mem_available_bytes, "bytes");
	ev(f, "memory_total", (double)s->now.mem_total_bytes, "bytes");
	if (s->rates.has_swap_io)
		ev(f, "swap_pages_per_s", swap, "/s");
	if (psi->present)
		ev(f, "memory_pressure_some", psi->some.avg10, "pct");
	if (high)
		len += snprintf(text + len, sizeof(text) - len, "%.1f%% of memory is used (%s "
				"available of %s)", used,
				bytes_str((double)s->now.mem_available_bytes, a),
				bytes_str((double)s->now.mem_total_bytes, b));
	if (swapping && len < sizeof(text))
		len += snprintf(text + len, sizeof(text) - len, "%s%.0f pages/s are swapped",
				len ? "; " : "", swap);
	if (stalled && len < sizeof(text))
		len += snprintf(text + len, sizeof(text) - len, "%stasks stalled on memory %.1f%% "
				"of the last 10 s", len ? "; " : "", psi->some.avg10);
	summary(f, "Memory is short: %s.", text);
	recommend(f, "Find the largest memory users (ps -eo rss,comm --sort=-rss), shrink caches "
		  "and working sets or add memory; swapping and reclaim stall every process that "
		  "touches memory.");
}

static const char *dev_base(const char *dev)
{
	const char *s = dev ? strrchr(dev, '/') : NULL;

	return s ? s + 1 : dev ? dev : "?";
}

static void rule_disk(struct ctx *c)
{
	const struct res_sys *s = &c->r->sys;
	const struct optrace_thresholds *th = c->th;

	if (!s->valid)
		return;
	for (size_t i = 0; i < s->now.nfs; i++) {
		const struct sysmon_fs *fs = &s->now.fs[i];
		bool space = fs->used_pct > th->disk_warning_pct;
		bool inodes = fs->has_inodes && fs->inodes_used_pct > th->disk_warning_pct;
		double worst = space && (!inodes || fs->used_pct >= fs->inodes_used_pct) ?
				       fs->used_pct : fs->inodes_used_pct;
		struct finding *f;
		char a[FMT], b[FMT];

		if (!space && !inodes)
			continue;
		f = add(c, "resource_exhaustion",
			worst > th->disk_critical_pct ? SEV_CRITICAL : SEV_WARNING,
			worst / th->disk_warning_pct);
		if (!f)
			return;
		f->subject_kind = SUBJ_DEVICE;
		snprintf(f->device, sizeof(f->device), "%s", dev_base(fs->dev));
		snprintf(f->subject, sizeof(f->subject), "filesystem %s (%s)", fs->dir ? fs->dir : "?",
			 fs->dev ? fs->dev : "?");
		ev(f, "disk_used", fs->used_pct, "pct");
		ev(f, "disk_available", (double)fs->avail_bytes, "bytes");
		ev(f, "disk_total", (double)fs->total_bytes, "bytes");
		if (fs->has_inodes)
			ev(f, "inodes_used", fs->inodes_used_pct, "pct");
		if (space)
			summary(f, "Filesystem %s is %.1f%% full (%s free of %s)%s.",
				fs->dir ? fs->dir : "?", fs->used_pct,
				bytes_str((double)fs->avail_bytes, a),
				bytes_str((double)fs->total_bytes, b),
				inodes ? ", and nearly out of inodes" : "");
		else
			summary(f, "Filesystem %s has used %.1f%% of its inodes.",
				fs->dir ? fs->dir : "?", fs->inodes_used_pct);
		recommend(f, "Free space before it fills (old logs, caches, core dumps, many small "
			  "files for inodes) or grow the filesystem: when it is full, writes fail "
			  "with ENOSPC.");
	}
}

/* ---------------------------------------------------------------- trends */

static int fit_trends(struct report_op *o)
{
	size_t n = o->nseries, nl = 0, nr = 0;
	double *buf;
	double *tl, *p50, *p99, *er, *tr, *rate;

	o->has_trends = false;
	memset(&o->trend_p50, 0, sizeof(o->trend_p50));
	memset(&o->trend_p99, 0, sizeof(o->trend_p99));
	memset(&o->trend_rate, 0, sizeof(o->trend_rate));
	memset(&o->trend_err_rate, 0, sizeof(o->trend_err_rate));
	if (!o->series || !n)
		return 0;
	buf = malloc(6 * n * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	tl = buf;
	p50 = tl + n;
	p99 = p50 + n;
	er = p99 + n;
	tr = er + n;
	rate = tr + n;
	for (size_t i = 0; i < n; i++) {
		const struct series_point *pt = &o->series[i];

		if (pt->window_s > 0) {
			tr[nr] = pt->t_s;
			rate[nr++] = (double)pt->calls / pt->window_s;
		}
		if (!pt->calls)
			continue;
		tl[nl] = pt->t_s;
		p50[nl] = (double)pt->p50;
		p99[nl] = (double)pt->p99;
		er[nl++] = (double)pt->errors / (double)pt->calls;
	}
	trend__fit(tl, p50, nl, &o->trend_p50);
	trend__fit(tl, p99, nl, &o->trend_p99);
	trend__fit(tl, er, nl, &o->trend_err_rate);
	trend__fit(tr, rate, nr, &o->trend_rate);
	o->has_trends = true;
	free(buf);
	return 0;
}

/* ---------------------------------------------------------------- driver */

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->impact != y->impact)
		return x->impact > y->impact ? -1 : 1;
	c = strcmp(x->rule, y->rule);
	if (c)
		return c;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	c = strcmp(x->op, y->op);
	return c ? c : strcmp(x->subject, y->subject);
}

int analyze__report(struct report *r, const struct optrace_config *cfg)
{
	struct optrace_config defaults;
	struct ctx c = { .r = r };

	if (!cfg) {
		config__defaults(&defaults);
		cfg = &defaults;
	}
	c.cfg = cfg;
	c.th = &cfg->th;
	free(r->findings);
	r->findings = NULL;
	r->nfindings = 0;
	for (size_t i = 0; i < r->nops; i++)
		if (fit_trends(&r->ops[i]))
			return -ENOMEM;
	for (size_t i = 0; i < r->npids; i++)
		r->pids[i].efficiency = analyze__efficiency(&r->pids[i]);

	rule_cpu_sys(&c);
	rule_memory_sys(&c);
	rule_disk(&c);
	for (size_t i = 0; i < r->npids; i++) {
		rule_runq_pid(&c, &r->pids[i]);
		rule_throttle(&c, &r->pids[i]);
		rule_memory_pid(&c, &r->pids[i]);
		rule_fds(&c, &r->pids[i]);
	}
	for (size_t i = 0; i < r->nops; i++) {
		const struct report_op *o = &r->ops[i];

		if (!o->calls || o->calls < c.th->min_calls)
			continue;
		analyze__op_rules(&c, o);
	}
	if (c.err) {
		free(c.v);
		return c.err;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), cmp_finding);
	r->findings = c.v;
	r->nfindings = c.n;
	return 0;
}
