// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * analyze_ops.c - the op rules: where an op's time goes (on CPU, waiting
 * for a CPU, in IO wait, blocked on something else), its errors, its tail,
 * the tracer's own cost, the user's [op] limits and latency trends.
 *
 * Owns: each op rule's condition, severity, impact and wording (and
 * docs/analysis.md says the same).  Leaves to others: the process and
 * system rules, the trend fits and the order of findings (analyze.c), the
 * finding helpers (analyze_int.h), the thresholds (config.c).  Pure.
 *
 * Impact of the rules about where time goes (and the tail and tracer
 * rules) is the op time the cause accounts for, in seconds per second of
 * the window (0.5 = half a thread's time); error_rate's is the error
 * type's share of calls; the latency limits' the worst value / limit.
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analyze_int.h"
#include "errnames.h"

/* ---------------------------------------------------------------- helpers */

static const char *op_name(const struct report_op *o)
{
	return o->info && o->info->name ? o->info->name : "?";
}

static void subj_op(struct finding *f, const struct report_op *o)
{
	f->subject_kind = SUBJ_OP;
	f->pid = o->pid;
	snprintf(f->op, sizeof(f->op), "%s", op_name(o));
	snprintf(f->subject, sizeof(f->subject), "op %s of pid %" PRIu32 " (%s)", op_name(o),
		 o->pid, comm_of(o->comm));
}

/* Op time per second of the window, for mean_ns per call. */
static double busy(const struct ctx *c, const struct report_op *o, double mean_ns)
{
	double w = c->r->meta.window_s;

	return mean_ns * (double)o->calls / 1e9 / (w > 0 ? w : 1);
}

static const struct report_pid *pid_of(const struct report *r, uint32_t pid)
{
	for (size_t i = 0; i < r->npids; i++)
		if (r->pids[i].pid == pid)
			return &r->pids[i];
	return NULL;
}

/* The pid's block IO (device and kind) with the most requests, or NULL:
 * what its ops most likely wait on. */
static const struct report_bio *main_bio(const struct report_pid *p)
{
	const struct report_bio *m = NULL;

	for (size_t i = 0; p && i < p->nbio; i++)
		if (p->bio[i].count && (!m || p->bio[i].count > m->count))
			m = &p->bio[i];
	return m;
}

/* ---------------------------------------------------------------- op rules */

/*
 * The op's time split without the probe's own cost: the bias is kernel
 * time on the CPU inside every measured call, and must not make an op look
 * CPU-bound nor dilute its IO wait.  Returns out, or the raw split when the
 * bias is unknown or larger than the on-CPU time.
 */
static const struct report_split *op_split(const struct report_op *o, struct report_split *out)
{
	const struct report_split *s = &o->split_all;
	double b = (double)o->bias_ns, wall;

	if (o->bias_ns <= 0 || s->oncpu_mean <= b || s->wall_mean <= b)
		return s;
	*out = *s;
	out->oncpu_mean -= b;
	out->wall_mean -= b;
	wall = out->wall_mean;
	out->oncpu_share = out->oncpu_mean / wall;
	out->runq_share = out->runq_mean / wall;
	out->iowait_share = out->iowait_mean / wall;
	out->offcpu_share = out->offcpu_mean / wall;
	return out;
}

static void rule_cpu_bound(struct ctx *c, const struct report_op *o)
{
	struct report_split sx;
	const struct report_split *s = op_split(o, &sx);
	struct finding *f;
	char a[FMT], b[FMT], p[FMT];

	if (!o->has_split || !(s->oncpu_share > c->th->cpu_bound_share))
		return;
	f = add(c, "cpu_bound_op", SEV_INFO, busy(c, o, s->oncpu_mean));
	if (!f)
		return;
	subj_op(f, o);
	ev(f, "oncpu_share", s->oncpu_share, "ratio");
	ev(f, "oncpu_mean", s->oncpu_mean, "ns");
	ev(f, "wall_mean", s->wall_mean, "ns");
	ev(f, "calls", (double)o->calls, "count");
	summary(f, "%s runs on a CPU %s of its time (%s of %s per call): it is CPU-bound.",
		op_name(o), pct_str(s->oncpu_share, p), ns_str(s->oncpu_mean, a),
		ns_str(s->wall_mean, b));
	recommend(f, "Profile the hot path (perf record -g -p %" PRIu32 ", a flame graph) and "
		  "reduce the work per call: a cheaper algorithm, less copying and allocation, "
		  "caching results that repeat; spread independent calls over more cores.", o->pid);
}

static void rule_runq_op(struct ctx *c, const struct report_op *o)
{
	struct report_split sx;
	const struct report_split *s = op_split(o, &sx);
	const struct report_pid *p = pid_of(c->r, o->pid);
	struct finding *f;
	char a[FMT], b[FMT], q[FMT];
	int sev;

	if (!o->has_split || !(s->runq_share > c->th->runq_share))
		return;
	sev = s->runq_share > c->th->runq_share_critical ? SEV_CRITICAL : SEV_WARNING;
	f = add(c, "cpu_saturation", sev, busy(c, o, s->runq_mean));
	if (!f)
		return;
	subj_op(f, o);
	ev(f, "runq_share", s->runq_share, "ratio");
	ev(f, "runq_mean", s->runq_mean, "ns");
	ev(f, "wall_mean", s->wall_mean, "ns");
	if (o->has_counts)
		ev(f, "involuntary_switches_per_call", o->nivcsw_per_call, "count");
	if (p && p->runq_count)
		ev(f, "pid_runq_p99", (double)p->runq_p99, "ns");
	if (p && p->has_res && p->res.has_throttle && p->res.cg_periods)
		ev(f, "cgroup_throttled_share", p->res.throttled_share, "ratio");
	if (c->r->sys.valid)
		ev(f, "system_cpu_busy", c->r->sys.rates.cpu_busy_pct, "pct");
	summary(f, "%s waits for a CPU %s of its time (%s of %s per call): more threads are "
		"runnable than the CPUs it may use.", op_name(o), pct_str(s->runq_share, q),
		ns_str(s->runq_mean, a), ns_str(s->wall_mean, b));
	recommend(f, "Keep runnable threads at or below the CPUs available (size thread pools "
		  "to them), give the process more CPUs (CPU affinity, cpuset, a larger machine) "
		  "or raise its cgroup CPU quota; nice or move competing background work.");
}

static void rule_io_bound(struct ctx *c, const struct report_op *o)
{
	struct report_split sx;
	const struct report_split *s = op_split(o, &sx);
	const struct report_pid *p = pid_of(c->r, o->pid);
	const struct report_bio *b = main_bio(p);
	bool slow = b && b->p99 > c->th->io_p99_ns, deep = b && b->queue_mean > b->svc_p50;
	struct finding *f;
	char x[FMT], y[FMT], q[FMT], w[FMT], m[FMT];

	if (!o->has_split || !(s->iowait_share > c->th->iowait_share))
		return;
	f = add(c, "io_bound_op", slow ? SEV_WARNING : SEV_INFO, busy(c, o, s->iowait_mean));
	if (!f)
		return;
	subj_op(f, o);
	ev(f, "iowait_share", s->iowait_share, "ratio");
	ev(f, "iowait_mean", s->iowait_mean, "ns");
	ev(f, "wall_mean", s->wall_mean, "ns");
	if (b) {
		ev(f, "block_requests", (double)b->count, "count");
		ev(f, "block_p99", (double)b->p99, "ns");
		ev(f, "block_device_p50", (double)b->svc_p50, "ns");
		ev(f, "block_queue_mean", b->queue_mean, "ns");
		snprintf(f->device, sizeof(f->device), "%s", b->dev_name ? b->dev_name : "?");
	}
	if (b)
		summary(f, "%s waits for IO %s of its time (%s of %s per call); the process's "
			"block %ss on %s take p99 %s, queued %s on average.", op_name(o),
			pct_str(s->iowait_share, q), ns_str(s->iowait_mean, x),
			ns_str(s->wall_mean, y), b->op ? b->op : "IO", b->dev_name ? b->dev_name : "?",
			ns_str((double)b->p99, w), ns_str(b->queue_mean, m));
	else
		summary(f, "%s waits for IO %s of its time (%s of %s per call).", op_name(o),
			pct_str(s->iowait_share, q), ns_str(s->iowait_mean, x),
			ns_str(s->wall_mean, y));
	recommend(f, "Cache data that is read again, batch small IOs into larger ones, take IO "
		  "off the call's path (io_uring or other async IO, read-ahead, write-behind) or "
		  "use a faster device.%s%s",
		  slow ? " Block latency is high: check the device (iostat -x) and what else uses it."
		       : "",
		  deep ? " Requests wait longer in the queue than on the device: lower the IO "
			 "depth or spread IO over devices." : "");
}

static void rule_blocked(struct ctx *c, const struct report_op *o)
{
	struct report_split sx;
	const struct report_split *s = op_split(o, &sx);
	struct finding *f;
	char a[FMT], b[FMT], q[FMT];

	if (!o->has_split || !(s->offcpu_share > c->th->blocked_share))
		return;
	f = add(c, "blocked_op", SEV_INFO, busy(c, o, s->offcpu_mean));
	if (!f)
		return;
	subj_op(f, o);
	ev(f, "offcpu_share", s->offcpu_share, "ratio");
	ev(f, "offcpu_mean", s->offcpu_mean, "ns");
	ev(f, "wall_mean", s->wall_mean, "ns");
	if (o->has_counts)
		ev(f, "voluntary_switches_per_call", o->nvcsw_per_call, "count");
	summary(f, "%s is off CPU, not in IO wait, %s of its time (%s of %s per call): it waits "
		"for something else.", op_name(o), pct_str(s->offcpu_share, q),
		ns_str(s->offcpu_mean, a), ns_str(s->wall_mean, b));
	recommend(f, "Find what it waits for (an off-CPU profile, e.g. bcc's offcputime -p %" PRIu32
		  "): lock contention, sleeps and timeouts, or a downstream call. Shorten critical "
		  "sections or use finer locks, issue downstream calls concurrently or cache their "
		  "results, and review timeouts and retries.", o->pid);
}

/* What to do about one error code. */
static const char *err_advice(const char *name)
{
	static const struct {
		const char *name, *advice;
	} t[] = {
		{ "EAGAIN", "the resource was busy: wait for readiness (poll/epoll) or back off "
			    "instead of retrying at once" },
		{ "EWOULDBLOCK", "the resource was busy: wait for readiness or back off" },
		{ "ETIMEDOUT", "a timeout expired: check the latency of what it waits for, and its "
			       "timeout and retry settings" },
		{ "ECONNREFUSED", "nothing listens at the other end: check the service and its "
				  "address" },
		{ "ECONNRESET", "the peer dropped the connection: check its logs and limits" },
		{ "ENOENT", "something looked up does not exist: check the inputs, or make the "
			    "expected miss cheap (negative caching)" },
		{ "ENOMEM", "memory ran out: check limits and usage" },
		{ "EMFILE", "the process ran out of file descriptors: raise the limit or close "
			    "leaked ones" },
		{ "ENFILE", "the system ran out of file descriptors" },
		{ "ENOSPC", "a filesystem is full" },
		{ "EACCES", "permission was denied: check credentials and modes" },
		{ "EPERM", "the operation was not permitted: check credentials and capabilities" },
		{ "EINTR", "a signal interrupted the call: restart it (SA_RESTART) or handle EINTR" },
		{ "EINVAL", "an argument was invalid: check what the callers pass" },
		{ "NULL", "it returned NULL: check what makes it fail (allocation, lookup miss)" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, name))
			return t[i].advice;
	return "check the inputs and the state the failing calls depend on";
}

static void error_finding(struct ctx *c, const struct report_op *o, const char *name,
			  uint64_t count, bool all_types)
{
	double rate = (double)count / (double)o->calls;
	int sev = rate > c->th->error_rate_critical ? SEV_CRITICAL : SEV_WARNING;
	struct finding *f = add(c, "error_rate", sev, rate);
	char p[FMT];

	if (!f)
		return;
	subj_op(f, o);
	if (!all_types)
		snprintf(f->subject, sizeof(f->subject), "op %s of pid %" PRIu32 " (%s): %s",
			 op_name(o), o->pid, comm_of(o->comm), name);
	ev(f, "error_rate", rate, "ratio");
	ev(f, "errors", (double)count, "count");
	ev(f, "calls", (double)o->calls, "count");
	if (!all_types)
		ev(f, "op_error_rate", o->err_rate, "ratio");
	if (all_types) {
		summary(f, "%s fails in %s of its calls (%" PRIu64 " of %" PRIu64 "), over %zu "
			"error types.", op_name(o), pct_str(rate, p), count, o->calls, o->nerrs);
		recommend(f, "Find why calls fail: the error types are listed with the op; handle "
			  "expected failures on a cheap path and retry with backoff only transient "
			  "ones (EAGAIN, ETIMEDOUT).");
		return;
	}
	summary(f, "%s fails with %s in %s of its calls (%" PRIu64 " of %" PRIu64 ").",
		op_name(o), name, pct_str(rate, p), count, o->calls);
	recommend(f, "Find why calls fail with %s: %s.", name, err_advice(name));
}

static void rule_errors(struct ctx *c, const struct report_op *o)
{
	bool any = false;
	char buf[FMT];

	if (!o->errors || !o->calls)
		return;
	for (size_t i = 0; i < o->nerrs; i++) {
		const struct report_err *e = &o->errs[i];
		const char *name = e->name[0] ? e->name : errnames__name(e->code, buf, sizeof(buf));

		if ((double)e->count / (double)o->calls > c->th->error_rate) {
			error_finding(c, o, name, e->count, false);
			any = true;
		}
	}
	/* Many error types, none high alone, but many errors together. */
	if (!any && o->err_rate > c->th->error_rate)
		error_finding(c, o, "", o->errors, true);
}

/* The part of the time split whose share grew most from all calls to the tail. */
static int tail_part(const struct report_op *o, double *all, double *tail)
{
	const struct report_split *a = &o->split_all, *t = &o->split_tail;
	const double as[4] = { a->oncpu_share, a->runq_share, a->iowait_share, a->offcpu_share };
	const double ts[4] = { t->oncpu_share, t->runq_share, t->iowait_share, t->offcpu_share };
	int best = 0;

	for (int i = 1; i < 4; i++)
		if (ts[i] - as[i] > ts[best] - as[best])
			best = i;
	*all = as[best];
	*tail = ts[best];
	return best;
}

static void rule_tail(struct ctx *c, const struct report_op *o)
{
	static const char *const part_names[4] = { "on CPU", "waiting for a CPU", "in IO wait",
						   "off CPU (other waits)" };
	static const char *const part_ev[4] = { "tail_oncpu_share", "tail_runq_share",
						"tail_iowait_share", "tail_offcpu_share" };
	static const char *const part_all_ev[4] = { "all_oncpu_share", "all_runq_share",
						    "all_iowait_share", "all_offcpu_share" };
	static const char *const part_advice[4] = {
		"The slowest calls do more work on CPU: find the inputs that take a slow path "
		"(large requests, cache misses that recompute, garbage collection) and bound or "
		"split them.",
		"The slowest calls wait for a CPU: bursts of runnable threads exceed the CPUs; "
		"smooth the bursts, size thread pools to the CPUs, or raise the CPU quota.",
		"The slowest calls wait for the disk: cache the hot data, keep synchronous IO off "
		"the call's path, and check the device's own latency.",
		"The slowest calls block on something else: lock contention, timeouts and "
		"retries, or a slow downstream dependency; see what they wait for (off-CPU "
		"profile) and add timeouts or hedged requests.",
	};
	uint64_t min_calls = c->th->tail_min_calls > c->th->min_calls ? c->th->tail_min_calls :
									  c->th->min_calls;
	struct finding *f;
	char a[FMT], b[FMT], x[FMT], y[FMT];
	double ratio, all_s, tail_s;
	int part;

	if (o->calls < min_calls || !o->p50 || !(o->p99 > c->th->tail_min_ns))
		return;
	ratio = (double)o->p99 / (double)o->p50;
	if (!(ratio > c->th->tail_ratio))
		return;
	f = add(c, "tail_amplification", SEV_WARNING,
		busy(c, o, (double)(o->p99 - o->p50)) * 0.01);
	if (!f)
		return;
	subj_op(f, o);
	ev(f, "p50", (double)o->p50, "ns");
	ev(f, "p99", (double)o->p99, "ns");
	ev(f, "p99_over_p50", ratio, "x");
	if (!o->has_split || !o->split_tail.calls) {
		summary(f, "%s's p99 (%s) is %.1fx its p50 (%s): the slowest 1%% of calls are much "
			"slower than the typical one.", op_name(o), ns_str((double)o->p99, a), ratio,
			ns_str((double)o->p50, b));
		recommend(f, "Find what the slowest calls have in common (inputs, time, threads); "
			  "the time split (without --no-split) tells whether they run, wait for a "
			  "CPU, for IO or for something else.");
		return;
	}
	part = tail_part(o, &all_s, &tail_s);
	ev(f, "tail_wall_mean", o->split_tail.wall_mean, "ns");
	ev(f, part_ev[part], tail_s, "ratio");
	ev(f, part_all_ev[part], all_s, "ratio");
	summary(f, "%s's p99 (%s) is %.1fx its p50 (%s); the slowest 1%% spend %s of their time "
		"%s, against %s for all calls.", op_name(o), ns_str((double)o->p99, a), ratio,
		ns_str((double)o->p50, b), pct_str(tail_s, x), part_names[part], pct_str(all_s, y));
	recommend(f, "%s", part_advice[part]);
}

static void rule_tracer(struct ctx *c, const struct report_op *o)
{
	double raw, share;
	struct finding *f;
	char a[FMT], b[FMT], p[FMT];
	bool stepped = o->probe_insn && !strcmp(o->probe_insn, "single-stepped");

	if (o->bias_ns <= 0)
		return;
	raw = o->compensated ? o->mean + (double)o->bias_ns : o->mean;
	if (!(raw > 0))
		return;
	share = (double)o->bias_ns / raw;
	if (share > 1)
		share = 1;
	if (!(share > c->th->tracer_cost_share))
		return;
	f = add(c, "tracer_cost", share > c->th->tracer_cost_warning ? SEV_WARNING : SEV_INFO,
		busy(c, o, (double)o->bias_ns));
	if (!f)
		return;
	subj_op(f, o);
	ev(f, "probe_cost", (double)o->bias_ns, "ns");
	ev(f, "raw_mean", raw, "ns");
	ev(f, "probe_share", share, "ratio");
	ev(f, "probe_cpu", busy(c, o, (double)o->bias_ns), "cpus");
	summary(f, "Tracing costs about %s per call of %s, %s of its measured mean (%s)%s.",
		ns_str((double)o->bias_ns, a), op_name(o), pct_str(share, p), ns_str(raw, b),
		o->compensated ? "; the figures have it subtracted" : "");
	recommend(f, "Trace fewer functions: probe callers rather than small hot functions, or "
		  "sample (trace for short periods).%s%s",
		  o->compensated ? "" : " --compensate subtracts the measured cost.",
		  stepped ? " Its first instruction is single-stepped, the costly kind: a caller "
			    "may be cheaper to probe." : "");
}

/* The [op] section for an op: the one naming it exactly, else the first glob. */
static const struct op_limit *limit_of(const struct optrace_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->nlimits; i++)
		if (!strcmp(cfg->limits[i].pattern, name))
			return &cfg->limits[i];
	for (size_t i = 0; cfg && i < cfg->nlimits; i++)
		if (!fnmatch(cfg->limits[i].pattern, name, 0))
			return &cfg->limits[i];
	return NULL;
}

static void rule_limits(struct ctx *c, const struct report_op *o)
{
	const struct op_limit *l = limit_of(c->cfg, op_name(o));
	const struct {
		const char *name;
		double v;
		uint64_t lim;
	} m[] = {
		{ "p50", (double)o->p50, l ? l->p50_ns : 0 },
		{ "p95", (double)o->p95, l ? l->p95_ns : 0 },
		{ "p99", (double)o->p99, l ? l->p99_ns : 0 },
		{ "mean", o->mean, l ? l->mean_ns : 0 },
	};
	char text[200] = "", a[FMT], b[FMT], name[24];
	double worst = 0;
	size_t len = 0, over = 0;
	struct finding *f;

	if (!l)
		return;
	for (size_t i = 0; i < 4; i++)
		if (m[i].lim && m[i].v > (double)m[i].lim && m[i].v / m[i].lim > worst)
			worst = m[i].v / m[i].lim;
	if (!(worst > 0))
		return;
	f = add(c, "op_latency_threshold", l->severity, worst);
	if (!f)
		return;
	subj_op(f, o);
	for (size_t i = 0; i < 4; i++) {
		if (!m[i].lim || !(m[i].v > (double)m[i].lim))
			continue;
		ev(f, m[i].name, m[i].v, "ns");
		snprintf(name, sizeof(name), "%s_limit", m[i].name);
		ev(f, name, (double)m[i].lim, "ns");
		if (len < sizeof(text))
			len += snprintf(text + len, sizeof(text) - len, "%s%s %s > %s", over ? ", " : "",
					m[i].name, ns_str(m[i].v, a), ns_str((double)m[i].lim, b));
		over++;
	}
	summary(f, "%s is slower than its limit: %s.", op_name(o), text);
	recommend(f, "The config's [op \"%s\"] limit is broken: the other findings for this op "
		  "say where its time goes; if the limit does not fit this workload, change it.",
		  l->pattern);
}

static void rule_trend(struct ctx *c, const struct report_op *o)
{
	const struct trend *t = NULL;
	const char *which = NULL;
	struct finding *f;
	char p[FMT], s[FMT];

	if (!o->has_trends)
		return;
	if (o->trend_p99.dir == TREND_INCREASING && o->trend_p99.slope_rel > c->th->trend_change) {
		t = &o->trend_p99;
		which = "p99";
	} else if (o->trend_p50.dir == TREND_INCREASING &&
		   o->trend_p50.slope_rel > c->th->trend_change) {
		t = &o->trend_p50;
		which = "p50";
	}
	if (!t)
		return;
	f = add(c, "latency_trend", SEV_WARNING, t->slope_rel);
	if (!f)
		return;
	subj_op(f, o);
	ev(f, "slope_rel", t->slope_rel, "ratio");
	ev(f, "slope", t->slope, "ns/s");
	ev(f, "p_value", t->p_value, "ratio");
	ev(f, "mean", t->mean, "ns");
	ev(f, "points", t->npoints, "count");
	summary(f, "%s's %s rose by %s of its mean over the run (%s per second, p = %.3g, %u "
		"intervals).", op_name(o), which, pct_str(t->slope_rel, p), ns_str(t->slope, s),
		t->p_value, t->npoints);
	recommend(f, "Latency grows with time: look for state that accumulates (queues, caches "
		  "or tables without bounds, fragmentation, leaks) or load that ramps up; compare "
		  "with the throughput and RSS over the run.");
}

void analyze__op_rules(struct ctx *c, const struct report_op *o)
{
	rule_cpu_bound(c, o);
	rule_runq_op(c, o);
	rule_io_bound(c, o);
	rule_blocked(c, o);
	rule_errors(c, o);
	rule_tail(c, o);
	rule_tracer(c, o);
	rule_limits(c, o);
	rule_trend(c, o);
}
