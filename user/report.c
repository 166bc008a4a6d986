// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report.c - aggregates to the report every renderer shows: percentiles,
 * rates, error breakdowns, pid table, --ratio hit rates.  Pure: no printing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "calib.h"
#include "errnames.h"
#include "report.h"

static int cmp_err(const void *a, const void *b)
{
	const struct report_err *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->code < y->code ? -1 : x->code > y->code;
}

static int cmp_op(const void *a, const void *b)
{
	const struct report_op *x = a, *y = b;
	int c;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	c = strcmp(x->info->name, y->info->name);
	return c ? c : strcmp(x->info->path, y->info->path);
}

static uint64_t sub_clamp(uint64_t v, int64_t d)
{
	return d > 0 && v > (uint64_t)d ? v - d : d > 0 ? 0 : v;
}

/* Subtracting a constant keeps the order of the calls, so every percentile
 * of the compensated latencies is the raw percentile minus the bias. */
static void compensate(struct report_op *ro)
{
	int64_t b = ro->bias_ns;

	ro->min = sub_clamp(ro->min, b);
	ro->max = sub_clamp(ro->max, b);
	ro->p50 = sub_clamp(ro->p50, b);
	ro->p90 = sub_clamp(ro->p90, b);
	ro->p95 = sub_clamp(ro->p95, b);
	ro->p99 = sub_clamp(ro->p99, b);
	ro->p999 = sub_clamp(ro->p999, b);
	ro->mean = ro->mean > b ? ro->mean - b : 0;
	ro->self_mean = ro->self_mean > b ? ro->self_mean - b : 0;
}

static void split_fill(struct report_split *rs, const struct split_sums *s)
{
	double n = s->calls ? (double)s->calls : 1, wall = s->wall_ns ? (double)s->wall_ns : 1;

	rs->calls = s->calls;
	rs->wall_mean = s->wall_ns / n;
	rs->oncpu_mean = s->oncpu_ns / n;
	rs->runq_mean = s->runq_ns / n;
	rs->iowait_mean = s->iowait_ns / n;
	rs->offcpu_mean = s->offcpu_ns / n;
	rs->oncpu_share = s->oncpu_ns / wall;
	rs->runq_share = s->runq_ns / wall;
	rs->iowait_share = s->iowait_ns / wall;
	rs->offcpu_share = s->offcpu_ns / wall;
}

static void fill_split(struct report_op *ro, const struct op_window *w)
{
	struct split_sums tail;

	if (w->split.total.calls) {
		ro->has_split = true;
		/* The calls above p99, as many as the latency histogram counts
		 * there (scaled to the calls that have a split). */
		uint64_t above;

		ro->tail_threshold_ns = hist__percentile(&w->lat, 99);
		above = w->lat.count - (uint64_t)(w->lat.count * 0.99);
		if (w->lat.count)
			above = above * w->split.total.calls / w->lat.count;
		split_fill(&ro->split_all, &w->split.total);
		split__top(&w->split, above ? above : 1, &tail);
		split_fill(&ro->split_tail, &tail);
	}
	for (int k = 0; k < OT_NR_CTR; k++) {
		const struct hist *h = &w->ctr[k];

		if (!h->count)
			continue;
		ro->ctr[k].calls = h->count;
		ro->ctr[k].mean = hist__mean(h);
		ro->ctr[k].p50 = hist__percentile(h, 50);
		ro->ctr[k].p99 = hist__percentile(h, 99);
		ro->ctr[k].h = h;
	}
	if (w->counted_calls) {
		double n = w->counted_calls;

		ro->has_counts = true;
		ro->nvcsw_per_call = w->nvcsw / n;
		ro->nivcsw_per_call = w->nivcsw / n;
		ro->minflt_per_call = w->minflt / n;
		ro->majflt_per_call = w->majflt / n;
	}
}

static void fill_op(struct report_op *ro, const struct op_stats *s, const struct op_window *w,
		    const struct op_info *info, const char *comm, const struct report_meta *meta)
{
	double window_s = meta->window_s;

	const struct hist *h = &w->lat;

	ro->pid = s->pid;
	ro->comm = comm;
	ro->info = info;
	ro->calls = w->calls;
	ro->rate = window_s > 0 ? w->calls / window_s : 0;
	ro->errors = w->errors;
	ro->err_rate = w->calls ? (double)w->errors / w->calls : 0;
	ro->bytes = w->bytes;
	ro->bytes_rate = window_s > 0 ? w->bytes / window_s : 0;
	ro->lat = h;
	/* Counted ops (,count; lone USDT probes) have calls but no latencies. */
	if (w->calls && h->count) {
		ro->min = h->min;
		ro->max = h->max;
		ro->mean = hist__mean(h);
		ro->p50 = hist__percentile(h, 50);
		ro->p90 = hist__percentile(h, 90);
		ro->p95 = hist__percentile(h, 95);
		ro->p99 = hist__percentile(h, 99);
		ro->p999 = hist__percentile(h, 99.9);
		ro->self_mean = (double)w->self_ns / w->calls;
	}
	fill_split(ro, w);
	ro->probe_insn = calib__class_name(info->insn_class);
	ro->bias_ns = info->insn_class == CALIB_EMULATED ? meta->bias_emulated_ns :
							   meta->bias_stepped_ns;
	ro->compensated = meta->compensated && ro->bias_ns > 0;
	if (ro->compensated && w->calls && h->count)
		compensate(ro);
	for (uint32_t i = 0; i < w->nerrs; i++) {
		struct report_err *re = &ro->errs[ro->nerrs++];

		re->code = w->errs[i].code;
		re->count = w->errs[i].count;
		if (info->error_mode == PROBE_ERR_RET_EQ0)
			snprintf(re->name, sizeof(re->name), "NULL");
		else
			errnames__name(re->code, re->name, sizeof(re->name));
	}
	qsort(ro->errs, ro->nerrs, sizeof(ro->errs[0]), cmp_err);
	if (w->errs_other) {
		struct report_err *re = &ro->errs[ro->nerrs++];

		re->code = -1;
		re->count = w->errs_other;
		snprintf(re->name, sizeof(re->name), "other");
	}
}

static int cmp_thread(const void *a, const void *b)
{
	const struct res_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Live threads from the samples plus exited ones from the aggregates. */
static int fill_threads(struct report_pid *rp, const struct agg *a, const struct res *res)
{
	size_t nexit = 0, i, n;
	struct res_thread *v, *grown;
	int err = res__threads(res, rp->pid, &v, &n);

	if (err)
		return err;
	for (i = 0; i < agg__nr_threads(a); i++)
		nexit += agg__thread_at(a, i)->tgid == rp->pid;
	grown = realloc(v, (n + nexit + 1) * sizeof(*v));
	if (!grown) {
		free(v);
		return -ENOMEM;
	}
	v = grown;
	for (i = 0; i < agg__nr_threads(a); i++) {
		const struct thread_stats *t = agg__thread_at(a, i);
		struct res_thread *rt = NULL;

		if (t->tgid != rp->pid)
			continue;
		/* Sampled alive before it exited: its exit record is the final word. */
		for (size_t k = 0; k < n && !rt; k++)
			if (v[k].tid == t->tid)
				rt = &v[k];
		if (!rt)
			rt = &v[n++];
		memset(rt, 0, sizeof(*rt));
		rt->tgid = t->tgid;
		rt->tid = t->tid;
		snprintf(rt->comm, sizeof(rt->comm), "%s", t->comm);
		rt->acct = t->acct;
	}
	qsort(v, n, sizeof(*v), cmp_thread);
	rp->threads = v;
	rp->nthreads = n;
	return 0;
}

static int fill_bio(struct report_pid *rp, struct blkio *b, double window_s)
{
	size_t lo = blkio__stats_lower_bound(b, rp->pid), hi = blkio__stats_lower_bound(b, rp->pid + 1);

	if (hi <= lo)
		return 0;
	rp->bio = calloc(hi - lo, sizeof(*rp->bio));
	if (!rp->bio)
		return -ENOMEM;
	for (size_t i = lo; i < hi; i++) {
		const struct blkio_stats *s = blkio__stats_at(b, i);
		struct report_bio *o = &rp->bio[rp->nbio++];

		o->dev = s->dev;
		o->dev_name = blkio__dev_name(b, s->dev);
		o->op = blkio__op_name(s->op);
		o->count = s->count;
		o->bytes = s->bytes;
		o->errors = s->errors;
		o->iops = window_s > 0 ? s->count / window_s : 0;
		o->bytes_rate = window_s > 0 ? s->bytes / window_s : 0;
		o->p50 = hist__percentile(&s->total, 50);
		o->p90 = hist__percentile(&s->total, 90);
		o->p99 = hist__percentile(&s->total, 99);
		o->max = s->total.max;
		o->svc_p50 = hist__percentile(&s->service, 50);
		o->svc_p99 = hist__percentile(&s->service, 99);
		o->queue_mean = s->count ? (double)s->queue_ns / s->count : 0;
	}
	return 0;
}

static int fill_res(struct report_pid *rp, const struct agg *a, const struct res *res,
		    bool threads, bool interval)
{
	int err = res__pid_window(res, rp->pid, interval, &rp->res);

	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	rp->has_res = true;
	rp->runq_count = rp->res.runq.count;
	if (rp->runq_count) {
		rp->runq_p50 = hist__percentile(&rp->res.runq, 50);
		rp->runq_p90 = hist__percentile(&rp->res.runq, 90);
		rp->runq_p99 = hist__percentile(&rp->res.runq, 99);
		rp->runq_max = rp->res.runq.max;
	}
	return threads ? fill_threads(rp, a, res) : 0;
}

double report__ratio_value(uint64_t count_a, uint64_t count_b)
{
	if (!count_a && !count_b)
		return -1;
	return (double)count_a / ((double)count_a + (double)count_b);
}

bool report__ratio_op_matches(const char *label, const char *op_name)
{
	size_t n = strlen(label);

	return op_name && !strncmp(op_name, label, n) && (!op_name[n] || op_name[n] == ':');
}

/*
 * The ratios of every process of the (pid-sorted) ops: one per definition
 * whose ops the process has rows for (idle ops included: "no calls" gives
 * 0/0, shown as no value).
 */
static int build_ratios(struct report *r)
{
	const struct report_meta *m = &r->meta;
	size_t i, j, k, ngroups = 0;

	if (!m->nratio_defs)
		return 0;
	for (i = 0; i < r->nops; i++)
		ngroups += !i || r->ops[i].pid != r->ops[i - 1].pid;
	r->ratios = calloc(ngroups * m->nratio_defs + 1, sizeof(*r->ratios));
	if (!r->ratios)
		return -ENOMEM;
	for (i = 0; i < r->nops; i = j) {
		for (j = i; j < r->nops && r->ops[j].pid == r->ops[i].pid; j++)
			;
		for (size_t d = 0; d < m->nratio_defs; d++) {
			const struct report_ratio_def *def = &m->ratio_defs[d];
			struct report_ratio *rr = &r->ratios[r->nratios];
			bool any = false;

			memset(rr, 0, sizeof(*rr));
			for (k = i; k < j; k++) {
				const char *name = r->ops[k].info ? r->ops[k].info->name : NULL;

				if (report__ratio_op_matches(def->label_a, name)) {
					rr->count_a += r->ops[k].calls;
					any = true;
				} else if (report__ratio_op_matches(def->label_b, name)) {
					rr->count_b += r->ops[k].calls;
					any = true;
				}
			}
			if (!any)
				continue;
			rr->label_a = def->label_a;
			rr->label_b = def->label_b;
			rr->pid = r->ops[i].pid;
			rr->comm = r->ops[i].comm;
			rr->ratio = report__ratio_value(rr->count_a, rr->count_b);
			r->nratios++;
		}
	}
	return 0;
}

static struct report_block *own(struct report *r, struct op_window *win, size_t size);

/* The whole run's window of s; a sum of two windows is owned by r. */
static const struct op_window *run_window(struct report *r, const struct op_stats *s)
{
	struct op_window *sum;
	const struct op_window *w = agg__run_window(s, &sum);

	if (sum && !own(r, sum, 0)) {
		agg__window_free(sum);
		return NULL;
	}
	return w;
}

int report__build(const struct agg *a, const struct res *res, bool threads, bool interval,
		  const struct report_meta *meta, const struct report_loss *loss,
		  struct report *out)
{
	static const struct hist empty = { .min = UINT64_MAX };
	size_t nstats = agg__nr_stats(a), npids = agg__nr_pids(a), nops = agg__nr_ops_defined(a);
	size_t i, nrows = nstats + nops;
	bool *seen = calloc(nops ? nops : 1, sizeof(*seen));

	memset(out, 0, sizeof(*out));
	out->meta = *meta;
	out->loss = *loss;
	out->loss.bad_records += agg__bad_records(a) + blkio__bad_records(agg__blkio(a, false));
	out->ops = calloc(nrows ? nrows : 1, sizeof(*out->ops));
	out->pids = calloc(npids ? npids : 1, sizeof(*out->pids));
	if (!out->ops || !out->pids || !seen) {
		free(seen);
		report__free(out);
		return -ENOMEM;
	}
	for (i = 0; i < npids; i++) {
		const struct pid_stats *p = agg__pid_at(a, i);
		struct report_pid *rp = &out->pids[out->npids++];

		rp->pid = p->pid;
		rp->efficiency = -1;
		rp->comm = p->comm;
		rp->exited = p->exited;
		rp->exit_code = p->exit_code;
		if ((res && fill_res(rp, a, res, threads, interval)) ||
		    fill_bio(rp, agg__blkio(a, interval), meta->window_s)) {
			free(seen);
			report__free(out);
			return -ENOMEM;
		}
	}
	if (res)
		res__sys_window(res, interval, &out->sys);
	for (i = 0; i < nstats; i++) {
		const struct op_stats *s = agg__stats_at(a, i);
		const struct pid_stats *p = agg__pid_at(a, s->pid_idx);
		const struct op_window *w = &s->iv;

		if (!interval && !(w = run_window(out, s))) {
			free(seen);
			report__free(out);
			return -ENOMEM;
		}
		fill_op(&out->ops[out->nops], s, w, agg__op_info(a, s->op_id), p ? p->comm : "",
			meta);
		out->pids[s->pid_idx].calls += out->ops[out->nops].calls;
		out->nops++;
		seen[s->op_id] = true;
	}
	/* Ops that never fired are shown too: "no calls" is an answer. */
	for (i = 0; i < nops; i++) {
		struct report_op *ro;

		if (seen[i] || !meta->show_idle_ops)
			continue;
		ro = &out->ops[out->nops++];
		ro->pid = npids ? out->pids[0].pid : 0;
		ro->comm = npids ? out->pids[0].comm : "";
		ro->info = agg__op_info(a, i);
		ro->lat = &empty;
		ro->probe_insn = calib__class_name(ro->info->insn_class);
		ro->bias_ns = -1;
	}
	free(seen);
	qsort(out->ops, out->nops, sizeof(out->ops[0]), cmp_op);
	if (build_ratios(out)) {
		report__free(out);
		return -ENOMEM;
	}
	return 0;
}

/* A block of memory owned by a report: a histogram's counters are freed
 * too, and a window made by agg__run_window(). */
struct report_block {
	struct report_block *next;
	struct hist *hist;     /* when the block is a histogram */
	struct op_window *win; /* a window the report owns */
	max_align_t data[];
};

/* A new block of size bytes, or (win) one that owns win. */
static struct report_block *own(struct report *r, struct op_window *win, size_t size)
{
	struct report_block *b = calloc(1, sizeof(*b) + size);

	if (!b)
		return NULL;
	b->win = win;
	b->next = r->owned;
	r->owned = b;
	return b;
}

void *report__alloc(struct report *r, size_t size)
{
	struct report_block *b = own(r, NULL, size);

	return b ? b->data : NULL;
}

char *report__strdup(struct report *r, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = report__alloc(r, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

struct hist *report__hist(struct report *r)
{
	struct hist *h = report__alloc(r, sizeof(*h));

	if (!h)
		return NULL;
	hist__init(h);
	r->owned->hist = h;
	return h;
}

void report__free(struct report *r)
{
	for (struct report_block *b = r->owned, *next; b; b = next) {
		next = b->next;
		if (b->hist)
			hist__free(b->hist);
		agg__window_free(b->win);
		free(b);
	}
	free(r->findings);
	free(r->alerts);
	free(r->spans);
	free(r->ratios);
	for (size_t i = 0; r->pids && i < r->npids; i++) {
		hist__free(&r->pids[i].res.runq);
		free(r->pids[i].threads);
		free(r->pids[i].bio);
	}
	free(r->ops);
	free(r->pids);
	memset(r, 0, sizeof(*r));
}
