// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * res.c - samples of per-process and system resources at window edges
 * (run start, interval start, now) and the windows between them.
 *
 * The BPF side's scheduler totals and run-queue histograms are cumulative
 * since tracing saw the process, so a final window is simply "now"; an
 * interval window is now minus the interval-start sample.  /proc figures
 * are rates between two samples.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "res.h"
#include "tracer.h"

struct live_thread {
	uint32_t tid;
	struct ot_thread_state ts;
};

struct pid_samples {
	uint32_t pid;
	bool has_base, has_iv, has_now;
	struct sysmon_pid base, iv, now; /* /proc */
	double t_base, t_iv, t_now;	 /* CLOCK_MONOTONIC seconds */
	uint64_t hwm;
	bool has_acct;
	struct ot_acct acct_iv, acct_now;
	struct hist runq_iv, runq_now;	 /* cumulative */
	bool has_cg_base, has_cg_iv, has_cg_now;
	struct cgroup_cpu cg_base, cg_iv, cg_now;
	struct sysmon_task *thr_base, *thr_now;
	size_t nthr_base, nthr_now;
	struct live_thread *live;
	size_t nlive, caplive;
};

struct res {
	struct pid_samples *v;
	size_t n, cap;
	struct sysmon_sys sys_base, sys_iv, sys_now;
	bool has_sys_base, has_sys_iv, has_sys_now;
	double ts_base, ts_iv, ts_now;
};


static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double mono_s(void)
{
	return mono_ns() / 1e9;
}

struct res *res__new(void)
{
	return calloc(1, sizeof(struct res));
}

void res__free(struct res *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		hist__free(&r->v[i].runq_iv);
		hist__free(&r->v[i].runq_now);
		free(r->v[i].thr_base);
		free(r->v[i].thr_now);
		free(r->v[i].live);
	}
	free(r->v);
	sysmon__sys_free(&r->sys_base);
	sysmon__sys_free(&r->sys_iv);
	sysmon__sys_free(&r->sys_now);
	free(r);
}

static struct pid_samples *find(const struct res *r, uint32_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].pid == pid)
			return &r->v[i];
	return NULL;
}

static struct pid_samples *get(struct res *r, uint32_t pid)
{
	struct pid_samples *p = find(r, pid);

	if (p)
		return p;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct pid_samples *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	p = &r->v[r->n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	hist__init(&p->runq_iv);
	hist__init(&p->runq_now);
	return p;
}

static int runq_cb(uint32_t tgid, uint32_t bucket, uint64_t count, void *ctx)
{
	struct pid_samples *p = find(ctx, tgid);

	/* hist__bucket_low(b) lands in bucket b: the counts carry over exactly. */
	return p ? hist__add_n(&p->runq_now, hist__bucket_low(bucket), count) : 0;
}

static int thread_cb(uint32_t tid, const struct ot_thread_state *ts, void *ctx)
{
	struct pid_samples *p = find(ctx, ts->tgid);

	if (!p)
		return 0;
	if (p->nlive == p->caplive) {
		size_t cap = p->caplive ? p->caplive * 2 : 8;
		struct live_thread *v = realloc(p->live, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->live = v;
		p->caplive = cap;
	}
	p->live[p->nlive].tid = tid;
	p->live[p->nlive].ts = *ts;
	p->nlive++;
	return 0;
}


/* Adds the time since its last state change to a thread's current state. */
static void acct_add_slice(struct ot_acct *a, const struct ot_thread_state *ts, uint64_t now)
{
	uint64_t d = now > ts->last_ts ? now - ts->last_ts : 0;

	switch (ts->state) {
	case OT_TS_RUNNING: a->oncpu_ns += d; break;
	case OT_TS_RUNNABLE: a->runq_ns += d; break;
	case OT_TS_IOWAIT: a->iowait_ns += d; break;
	default: a->offcpu_ns += d; break;
	}
}

/*
 * The BPF totals count a state when it ends; a process's figures "as of
 * now" also need the open slice of each live thread (a thread that spins
 * for the whole window is never switched out).
 */
static void add_open_slices(struct pid_samples *p)
{
	uint64_t now = mono_ns();

	if (!p)
		return;
	if (p->nlive)
		p->has_acct = true; /* live threads, none switched yet: totals are theirs */
	for (size_t i = 0; i < p->nlive; i++) {
		acct_add_slice(&p->live[i].ts.acct, &p->live[i].ts, now);
		if (p->has_acct)
			acct_add_slice(&p->acct_now, &p->live[i].ts, now);
	}
}

/* The cgroup's CPU limit and throttling counters, sampled with /proc. */
static void sample_cgroup(struct pid_samples *p)
{
	struct cgroup_cpu c;

	if (cgroup__pid_cpu(p->pid, NULL, NULL, &c))
		return;
	/* A process moved to another cgroup: its windows start over there. */
	if (!p->has_cg_base || p->cg_base.version != c.version || strcmp(p->cg_base.path, c.path)) {
		p->cg_base = c;
		p->has_cg_base = true;
	}
	if (!p->has_cg_iv || p->cg_iv.version != c.version || strcmp(p->cg_iv.path, c.path)) {
		p->cg_iv = c;
		p->has_cg_iv = true;
	}
	p->cg_now = c;
	p->has_cg_now = true;
}

static void sample_proc(struct pid_samples *p, double now, bool threads)
{
	struct sysmon_pid s;

	if (sysmon__read_pid(p->pid, &s, NULL))
		return;
	/* An exiting task leaves its cgroup: a zombie's is not the one it ran in. */
	if (s.task.state != 'Z')
		sample_cgroup(p);
	if (!p->has_base) {
		p->base = s;
		p->t_base = now;
		p->has_base = true;
	}
	if (!p->has_iv) {
		p->iv = s;
		p->t_iv = now;
		p->has_iv = true;
	}
	p->now = s;
	p->t_now = now;
	p->has_now = true;
	if (s.has_rss && s.hwm_bytes > p->hwm)
		p->hwm = s.hwm_bytes;
	if (threads) {
		struct sysmon_task *v;
		size_t n;

		if (sysmon__read_threads(p->pid, &v, &n, NULL))
			return;
		if (!p->thr_base) {
			p->thr_base = v;
			p->nthr_base = n;
		} else {
			free(p->thr_now);
			p->thr_now = v;
			p->nthr_now = n;
		}
	}
}

int res__sample(struct res *r, const struct tracer *t, const uint32_t *pids, size_t npids,
		bool threads)
{
	double now = mono_s();
	int err = 0;

	for (size_t i = 0; i < npids; i++) {
		struct pid_samples *p = get(r, pids[i]);

		if (!p)
			return -ENOMEM;
		sample_proc(p, now, threads);
		p->nlive = 0;
		hist__reset(&p->runq_now);
		memset(&p->acct_now, 0, sizeof(p->acct_now));
		if (t && !tracer__pid_acct(t, pids[i], &p->acct_now))
			p->has_acct = true;
	}
	if (t) {
		err = tracer__for_each_runq(t, runq_cb, r);
		if (!err)
			err = tracer__for_each_thread(t, thread_cb, r);
		for (size_t i = 0; i < npids; i++)
			add_open_slices(find(r, pids[i]));
	}
	{
		struct sysmon_sys s;

		if (!sysmon__read_sys(&s, NULL)) {
			if (!r->has_sys_base) {
				r->sys_base = s;
				r->ts_base = now;
				r->has_sys_base = true;
				/* The base owns the snapshot; take another for "now". */
				if (sysmon__read_sys(&s, NULL))
					return err;
			}
			sysmon__sys_free(&r->sys_now);
			r->sys_now = s;
			r->ts_now = now;
			r->has_sys_now = true;
		}
	}
	return err < 0 ? err : 0;
}

void res__next_interval(struct res *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct pid_samples *p = &r->v[i];

		if (p->has_now) {
			p->iv = p->now;
			p->t_iv = p->t_now;
			p->has_iv = true;
		}
		if (p->has_cg_now) {
			p->cg_iv = p->cg_now;
			p->has_cg_iv = true;
		}
		p->acct_iv = p->acct_now;
		hist__reset(&p->runq_iv);
		hist__merge(&p->runq_iv, &p->runq_now);
	}
	if (r->has_sys_now) {
		sysmon__sys_free(&r->sys_iv);
		/* Rates need only the counters: the filesystems stay with "now". */
		r->sys_iv = r->sys_now;
		r->sys_iv.fs = NULL;
		r->sys_iv.nfs = 0;
		r->ts_iv = r->ts_now;
		r->has_sys_iv = true;
	}
}

static void acct_sub(struct ot_acct *d, const struct ot_acct *a, const struct ot_acct *b)
{
	d->oncpu_ns = a->oncpu_ns - b->oncpu_ns;
	d->runq_ns = a->runq_ns - b->runq_ns;
	d->iowait_ns = a->iowait_ns - b->iowait_ns;
	d->offcpu_ns = a->offcpu_ns - b->offcpu_ns;
	d->runq_waits = a->runq_waits - b->runq_waits;
	d->switches = a->switches - b->switches;
}

/* out = now - base, bucket by bucket (both cumulative, base <= now). */
static int hist_diff(struct hist *out, const struct hist *now, const struct hist *base)
{
	size_t idx = 0, b;
	uint64_t cnt, old;
	int err = 0;

	while (!err && hist__next(now, &idx, &b, &cnt)) {
		old = hist__count_at(base, b);
		if (cnt > old)
			err = hist__add_n(out, hist__bucket_low(b), cnt - old);
	}
	return err;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* Throttling between two samples of the same cgroup level. */
static void cgroup_window(const struct pid_samples *p, bool interval, struct res_pid *out)
{
	const struct cgroup_cpu *from = interval ? &p->cg_iv : &p->cg_base, *to = &p->cg_now;

	if (!p->has_cg_now)
		return;
	out->has_cgroup = true;
	out->cpu_quota = to->has_quota && to->period_us ? (double)to->quota_us / to->period_us : 0;
	if (!(interval ? p->has_cg_iv : p->has_cg_base) || !from->has_stat || !to->has_stat ||
	    from->version != to->version || strcmp(from->path, to->path))
		return;
	out->has_throttle = true;
	out->cg_periods = sub0(to->nr_periods, from->nr_periods);
	out->cg_throttled = sub0(to->nr_throttled, from->nr_throttled);
	out->cg_throttled_ns = sub0(to->throttled_ns, from->throttled_ns);
	out->throttled_share = out->cg_periods ? (double)out->cg_throttled / out->cg_periods : 0;
}

int res__pid_window(const struct res *r, uint32_t pid, bool interval, struct res_pid *out)
{
	const struct pid_samples *p = find(r, pid);
	const struct sysmon_pid *from;
	double t_from;

	memset(out, 0, sizeof(*out));
	hist__init(&out->runq);
	if (!p)
		return -ENOENT;
	out->pid = pid;
	from = interval ? &p->iv : &p->base;
	t_from = interval ? p->t_iv : p->t_base;
	if (p->has_now && (interval ? p->has_iv : p->has_base)) {
		out->now = p->now;
		out->rss_peak_bytes = p->hwm;
		out->has_rss_start = from->has_rss;
		out->rss_start_bytes = from->has_rss ? from->rss_bytes : 0;
		out->has_proc = !sysmon__pid_rates(from, &p->now, p->t_now - t_from, &out->rates);
		if (!out->has_proc && p->t_now == t_from) {
			/* One sample only (a process that ended before its
			 * second): figures without rates, which are unknown,
			 * not 0 (NaN: renderers say n/a, JSON null). */
			struct sysmon_pid_rates *rt = &out->rates;

			out->has_proc = true;
			rt->cpu_user_pct = rt->cpu_sys_pct = rt->cpu_pct = NAN;
			rt->minflt_per_s = rt->majflt_per_s = NAN;
			rt->has_ctxsw = rt->has_io = false;
		}
	}
	cgroup_window(p, interval, out);
	if (p->has_acct) {
		out->has_acct = true;
		if (interval)
			acct_sub(&out->acct, &p->acct_now, &p->acct_iv);
		else
			out->acct = p->acct_now;
	}
	return interval ? hist_diff(&out->runq, &p->runq_now, &p->runq_iv) :
			  hist__merge(&out->runq, &p->runq_now);
}

static int cmp_thread(const void *a, const void *b)
{
	const struct res_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

int res__threads(const struct res *r, uint32_t pid, struct res_thread **v, size_t *n)
{
	const struct pid_samples *p = find(r, pid);
	struct res_thread *out;

	*v = NULL;
	*n = 0;
	if (!p || !p->nlive)
		return 0;
	out = calloc(p->nlive, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < p->nlive; i++) {
		struct res_thread *t = &out[i];
		const struct sysmon_task *a, *b;
		struct sysmon_pid_rates rt;

		t->tgid = pid;
		t->tid = p->live[i].tid;
		t->alive = true;
		t->acct = p->live[i].ts.acct;
		snprintf(t->comm, sizeof(t->comm), "?");
		b = sysmon__task_find(p->thr_now, p->nthr_now, t->tid);
		a = sysmon__task_find(p->thr_base, p->nthr_base, t->tid);
		if (b)
			snprintf(t->comm, sizeof(t->comm), "%s", b->comm);
		else if (a)
			snprintf(t->comm, sizeof(t->comm), "%s", a->comm);
		if (a && b && !sysmon__task_rates(a, b, p->t_now - p->t_base, &rt)) {
			t->has_cpu = true;
			t->cpu_pct = rt.cpu_pct;
		}
	}
	qsort(out, p->nlive, sizeof(*out), cmp_thread);
	*v = out;
	*n = p->nlive;
	return 0;
}

void res__sys_window(const struct res *r, bool interval, struct res_sys *out)
{
	const struct sysmon_sys *from = interval && r->has_sys_iv ? &r->sys_iv : &r->sys_base;
	double t_from = interval && r->has_sys_iv ? r->ts_iv : r->ts_base;

	memset(out, 0, sizeof(*out));
	if (!r->has_sys_now || !r->has_sys_base)
		return;
	out->now = r->sys_now;
	out->valid = !sysmon__sys_rates(from, &r->sys_now, r->ts_now - t_from, &out->rates);
}
