// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_prom.c - the report in the Prometheus text exposition format
 * (version 0.0.4), for node_exporter's textfile collector, a pushgateway,
 * or an exporter that serves the latest report.
 *
 * Owns the metric families: names (optrace_ prefix, base units seconds and
 * bytes, counters ending in _total), labels, HELP texts, and the fixed
 * latency bucket boundaries (docs/formats.md lists them all).  Leaves to
 * others: every number (report__build computes) and the FILE *.
 *
 * Rules kept throughout:
 *   - every family has # HELP and # TYPE, written just before its first
 *     sample, and all its samples follow together; a family with no sample
 *     is not written at all;
 *   - a value the report does not have (no /proc access, no time split, no
 *     bytes= source, no error= rule) is not written: never a made-up 0;
 *   - label values are escaped (backslash, double quote, newline) and made
 *     UTF-8 (bytes that are not become U+FFFD);
 *   - counters are cumulative over the report's window: since the start of
 *     tracing in a "final" report, which is what a scraper should see; an
 *     "interval" report (-i) counts its interval only;
 *   - label cardinality is bounded: with render_opts.max_series, the
 *     per-op families (optrace_op_*) carry at most that many (pid, op)
 *     label sets, the busiest, and optrace_series_dropped_total counts
 *     the rest (always written, 0 included).  Per-process families are
 *     not capped.
 *
 * Histograms: the report's histograms have 64 buckets per power of two,
 * far too many series; they are re-bucketed onto fixed le boundaries,
 * 1-2.5-5 per decade from 1 us to 100 s plus +Inf.  A histogram bucket
 * counts under the first boundary at or above its lowest value, so a
 * cumulative count is exact at the histogram's resolution (values up to
 * 1/64 above a boundary may count under it).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "hist.h"
#include "render_util.h"
#include "counters.h"
#include "report.h"

#define NS_PER_S UINT64_C(1000000000)

/* le boundaries: their label text and their value in ns. */
static const struct {
	const char *le;
	uint64_t ns;
} bounds[] = {
	{ "1e-06", 1000 },	     { "2.5e-06", 2500 },	{ "5e-06", 5000 },
	{ "1e-05", 10000 },	     { "2.5e-05", 25000 },	{ "5e-05", 50000 },
	{ "0.0001", 100000 },	     { "0.00025", 250000 },	{ "0.0005", 500000 },
	{ "0.001", 1000000 },	     { "0.0025", 2500000 },	{ "0.005", 5000000 },
	{ "0.01", 10000000 },	     { "0.025", 25000000 },	{ "0.05", 50000000 },
	{ "0.1", 100000000 },	     { "0.25", 250000000 },	{ "0.5", 500000000 },
	{ "1", 1000000000 },	     { "2.5", 2500000000 },	{ "5", 5000000000 },
	{ "10", 10000000000 },	     { "25", 25000000000 },	{ "50", 50000000000 },
	{ "100", 100000000000 },
};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

#define MAX_LABELS 8

/* A series' labels; values are escaped when written. */
struct labels {
	const char *k[MAX_LABELS];
	const char *v[MAX_LABELS];
	int n;
	char pid[16], tid[16];
};

/* One family being written: its header goes out before its first sample. */
struct fam {
	FILE *f;
	const char *name, *type, *help;
	bool started;
};

static void add(struct labels *l, const char *k, const char *v)
{
	if (l->n < MAX_LABELS) {
		l->k[l->n] = k;
		l->v[l->n++] = ru_str(v);
	}
}

static void labels_op(struct labels *l, const struct report_op *op)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->pid, sizeof(l->pid), "%" PRIu32, op->pid);
	add(l, "pid", l->pid);
	add(l, "comm", op->comm);
	add(l, "op", ru_op_name(op));
	add(l, "category", ru_op_category(op));
	add(l, "function", op->info ? op->info->func : NULL);
	add(l, "binary", op->info ? op->info->path : NULL);
}

static void labels_pid(struct labels *l, uint32_t pid, const char *comm)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->pid, sizeof(l->pid), "%" PRIu32, pid);
	add(l, "pid", l->pid);
	add(l, "comm", comm);
}

/* Label values escape backslash, double quote and newline (and nothing else). */
static void put_label_value(FILE *f, const char *s)
{
	const unsigned char *p;
	size_t k;

	for (p = (const unsigned char *)s; *p; p += k ? k : 1) {
		k = ru_utf8_len(p);
		if (!k)
			fputs(RU_REPLACEMENT, f);
		else if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fwrite(p, 1, k, f);
	}
}

/*
 * Starts a sample: the family header if this is its first sample, then
 * name+suffix{labels,k="v"} and a space; the caller prints the value.
 * k may be NULL.
 */
static void sample(struct fam *fm, const char *suffix, const struct labels *l, const char *k,
		   const char *v)
{
	FILE *f = fm->f;
	bool any = false;

	if (!fm->started) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fm->name, fm->help, fm->name, fm->type);
		fm->started = true;
	}
	fprintf(f, "%s%s", fm->name, suffix ? suffix : "");
	for (int i = 0; l && i < l->n; i++) {
		fprintf(f, "%s%s=\"", any ? "," : "{", l->k[i]);
		put_label_value(f, l->v[i]);
		fputc('"', f);
		any = true;
	}
	if (k) {
		fprintf(f, "%s%s=\"", any ? "," : "{", k);
		put_label_value(f, ru_str(v));
		fputc('"', f);
		any = true;
	}
	fputs(any ? "} " : " ", f);
}

static void val_u64(FILE *f, uint64_t v)
{
	fprintf(f, "%" PRIu64 "\n", v);
}

/* ns as seconds, exactly: 1234567 -> 0.001234567. */
static void val_ns(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%09" PRIu64 "\n", ns / NS_PER_S, ns % NS_PER_S);
}

/* Callers skip non-finite values; 0 stands in should one slip through. */
static void val_dbl(FILE *f, double v)
{
	fprintf(f, "%.15g\n", isfinite(v) ? v : 0.0);
}

#define FAM(var, f, name, type, help) struct fam var = { f, name, type, help, false }

/*
 * A histogram on the fixed boundaries: cumulative _bucket counts, +Inf
 * equal to _count, _sum in seconds (sum_s).  shift: subtracted from bucket
 * edges (the compensated probe bias), clamped at 0.
 */
static void histogram(struct fam *fm, const struct labels *l, const struct hist *h,
		      uint64_t shift, double sum_s)
{
	uint64_t per[NBOUNDS] = { 0 }, cum = 0, cnt;
	size_t idx = 0, b, i;

	while (hist__next(h, &idx, &b, &cnt)) {
		uint64_t low = hist__bucket_low(b);

		low = low > shift ? low - shift : 0;
		for (i = 0; i < NBOUNDS && low > bounds[i].ns; i++)
			;
		if (i < NBOUNDS)
			per[i] += cnt;
	}
	for (i = 0; i < NBOUNDS; i++) {
		cum += per[i];
		sample(fm, "_bucket", l, "le", bounds[i].le);
		val_u64(fm->f, cum);
	}
	sample(fm, "_bucket", l, "le", "+Inf");
	val_u64(fm->f, h->count);
	sample(fm, "_sum", l, NULL, NULL);
	val_dbl(fm->f, sum_s);
	sample(fm, "_count", l, NULL, NULL);
	val_u64(fm->f, h->count);
}

/* ---- per op ---- */

/*
 * The (pid, op) label sets the per-op families write: every op of the
 * report, or with a cap the max_series busiest (most calls; ties go to
 * the earlier op), written in the report's order (pid, then op name), so
 * that scrapes of the same report are identical.
 */
struct op_set {
	const struct report_op **v; /* malloc'd */
	size_t n;
	size_t dropped;		    /* ops left out by the cap */
};

/* Most calls first; equal calls in the report's order (the pointers share one array). */
static int by_calls(const void *a, const void *b)
{
	const struct report_op *x = *(const struct report_op *const *)a;
	const struct report_op *y = *(const struct report_op *const *)b;

	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	return x < y ? -1 : x > y;
}

static int by_order(const void *a, const void *b)
{
	const struct report_op *x = *(const struct report_op *const *)a;
	const struct report_op *y = *(const struct report_op *const *)b;

	return x < y ? -1 : x > y;
}

/* Fills set from r under the cap (0: none).  Returns 0 or -ENOMEM. */
static int op_set__init(struct op_set *set, const struct report *r, size_t max_series)
{
	size_t i;

	memset(set, 0, sizeof(*set));
	if (!r->nops)
		return 0;
	set->v = malloc(r->nops * sizeof(*set->v));
	if (!set->v)
		return -ENOMEM;
	for (i = 0; i < r->nops; i++)
		set->v[i] = &r->ops[i];
	set->n = r->nops;
	if (max_series && set->n > max_series) {
		qsort(set->v, set->n, sizeof(*set->v), by_calls);
		set->dropped = set->n - max_series;
		set->n = max_series;
		qsort(set->v, set->n, sizeof(*set->v), by_order);
	}
	return 0;
}

static void op_set__free(struct op_set *set)
{
	free(set->v);
	set->v = NULL;
}

/* Always written, 0 included: a dashboard can alert on a cap that bites. */
static void series_dropped(FILE *f, const struct op_set *set)
{
	FAM(drop, f, "optrace_series_dropped_total", "counter",
	    "(pid, op) label sets left out of the per-op families by the series cap "
	    "(--max-series; the least busy are left out).");

	sample(&drop, NULL, NULL, NULL, NULL);
	val_u64(f, set->dropped);
}

static bool has_errors(const struct report_op *op)
{
	return op->errors || (op->info && op->info->error_mode != PROBE_ERR_NONE);
}

static bool has_bytes(const struct report_op *op)
{
	return op->bytes || (op->info && op->info->bytes_src != OT_BYTES_NONE);
}

static void op_counts(FILE *f, const struct op_set *set)
{
	FAM(calls, f, "optrace_op_calls_total", "counter", "Calls of the operation that returned.");
	FAM(errs, f, "optrace_op_errors_total", "counter",
	    "Calls that failed by the operation's error= rule (ops with a rule only).");
	FAM(bytype, f, "optrace_op_errors_by_type_total", "counter",
	    "Failed calls by error: errno name, NULL, E#code, or other.");
	FAM(bytes, f, "optrace_op_bytes_total", "counter",
	    "Bytes the operation handled, from its bytes= argument or return value.");
	struct labels l;
	char name[32];
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		labels_op(&l, set->v[i]);
		sample(&calls, NULL, &l, NULL, NULL);
		val_u64(f, set->v[i]->calls);
	}
	for (i = 0; i < set->n; i++) {
		if (!has_errors(set->v[i]))
			continue;
		labels_op(&l, set->v[i]);
		sample(&errs, NULL, &l, NULL, NULL);
		val_u64(f, set->v[i]->errors);
	}
	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];

		labels_op(&l, op);
		for (j = 0; j < op->nerrs; j++) {
			sample(&bytype, NULL, &l, "error", ru_err_name(&op->errs[j], name,
								      sizeof(name)));
			val_u64(f, op->errs[j].count);
		}
	}
	for (i = 0; i < set->n; i++) {
		if (!has_bytes(set->v[i]))
			continue;
		labels_op(&l, set->v[i]);
		sample(&bytes, NULL, &l, NULL, NULL);
		val_u64(f, set->v[i]->bytes);
	}
}

static void op_latency(FILE *f, const struct op_set *set)
{
	FAM(hist, f, "optrace_op_latency_seconds", "histogram",
	    "Latency of the operation's calls (wall time, entry to return).");
	FAM(pct, f, "optrace_op_latency_percentile_seconds", "gauge",
	    "Latency percentiles at the full histogram resolution (0: min, 100: max).");
	FAM(self, f, "optrace_op_self_time_seconds_total", "counter",
	    "Time in the operation not spent in nested traced operations.");
	struct labels l;
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];
		uint64_t shift = ru_shift(op);
		double sum;

		if (!op->lat)
			continue;
		/* Compensated means have the bias out: the raw sum has not. */
		sum = shift ? op->mean * (double)op->lat->count / 1e9 : (double)op->lat->sum / 1e9;
		labels_op(&l, op);
		histogram(&hist, &l, op->lat, shift, op->lat->count ? sum : 0.0);
	}
	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];
		const struct {
			const char *p;
			uint64_t v;
		} pv[] = { { "0", op->min },   { "50", op->p50 },	{ "90", op->p90 },
			   { "95", op->p95 },  { "99", op->p99 },	{ "99.9", op->p999 },
			   { "100", op->max } };

		if (!op->calls)
			continue;
		labels_op(&l, op);
		for (size_t k = 0; k < sizeof(pv) / sizeof(pv[0]); k++) {
			sample(&pct, NULL, &l, "percentile", pv[k].p);
			val_ns(f, pv[k].v);
		}
	}
	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];

		if (!op->calls || !isfinite(op->self_mean))
			continue;
		labels_op(&l, op);
		sample(&self, NULL, &l, NULL, NULL);
		val_dbl(f, op->self_mean * (double)op->calls / 1e9);
	}
}

static const char *const parts[] = { "oncpu", "runq", "iowait", "offcpu" };

static void split_means(const struct report_split *s, double v[4])
{
	v[0] = s->oncpu_mean;
	v[1] = s->runq_mean;
	v[2] = s->iowait_mean;
	v[3] = s->offcpu_mean;
}

static void split_shares(const struct report_split *s, double v[4])
{
	v[0] = s->oncpu_share;
	v[1] = s->runq_share;
	v[2] = s->iowait_share;
	v[3] = s->offcpu_share;
}

static void op_split(FILE *f, const struct op_set *set)
{
	FAM(time, f, "optrace_op_time_seconds_total", "counter",
	    "Where the calls' time went: on CPU, waiting in the run queue, in IO wait, "
	    "other off-CPU (calls with a time split).");
	FAM(scalls, f, "optrace_op_time_split_calls_total", "counter",
	    "Calls whose time was split (the calls optrace_op_time_seconds_total covers).");
	FAM(tail, f, "optrace_op_tail_time_ratio", "gauge",
	    "Share of the time of the calls above p99 spent in each part (0..1).");
	FAM(thr, f, "optrace_op_tail_threshold_seconds", "gauge",
	    "The latency above which a call is in the tail (raw p99).");
	FAM(sw, f, "optrace_op_context_switches_per_call", "gauge",
	    "Mean context switches per call, voluntary or involuntary.");
	FAM(pf, f, "optrace_op_page_faults_per_call", "gauge",
	    "Mean page faults per call, minor or major.");
	struct labels l;
	double v[4];
	size_t i;
	int k;

	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];

		if (!op->has_split)
			continue;
		labels_op(&l, op);
		split_means(&op->split_all, v);
		for (k = 0; k < 4; k++) {
			if (!isfinite(v[k]))
				continue;
			sample(&time, NULL, &l, "part", parts[k]);
			val_dbl(f, v[k] * (double)op->split_all.calls / 1e9);
		}
	}
	for (i = 0; i < set->n; i++) {
		if (!set->v[i]->has_split)
			continue;
		labels_op(&l, set->v[i]);
		sample(&scalls, NULL, &l, NULL, NULL);
		val_u64(f, set->v[i]->split_all.calls);
	}
	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];

		if (!op->has_split || !op->split_tail.calls)
			continue;
		labels_op(&l, op);
		split_shares(&op->split_tail, v);
		for (k = 0; k < 4; k++) {
			if (!isfinite(v[k]))
				continue;
			sample(&tail, NULL, &l, "part", parts[k]);
			val_dbl(f, v[k]);
		}
	}
	for (i = 0; i < set->n; i++) {
		if (!set->v[i]->has_split)
			continue;
		labels_op(&l, set->v[i]);
		sample(&thr, NULL, &l, NULL, NULL);
		val_ns(f, set->v[i]->tail_threshold_ns);
	}
	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];

		if (!op->has_counts)
			continue;
		labels_op(&l, op);
		sample(&sw, NULL, &l, "kind", "voluntary");
		val_dbl(f, op->nvcsw_per_call);
		sample(&sw, NULL, &l, "kind", "involuntary");
		val_dbl(f, op->nivcsw_per_call);
	}
	for (i = 0; i < set->n; i++) {
		const struct report_op *op = set->v[i];

		if (!op->has_counts)
			continue;
		labels_op(&l, op);
		sample(&pf, NULL, &l, "kind", "minor");
		val_dbl(f, op->minflt_per_call);
		sample(&pf, NULL, &l, "kind", "major");
		val_dbl(f, op->majflt_per_call);
	}
}

/* Perf counters (--counters): sums over the calls counted whole, and those calls. */
static void op_counters(FILE *f, const struct op_set *set, const struct report_meta *m)
{
	FAM(ctr, f, "optrace_op_perf_events_total", "counter",
	    "Perf counter events (instructions, cycles...) of the calls counted, user space, "
	    "counted only while the thread ran.");
	FAM(clk, f, "optrace_op_cpu_clock_seconds_total", "counter",
	    "cpu-clock of the calls counted (--counters cpu-clock): time on a CPU.");
	FAM(cc, f, "optrace_op_perf_calls_total", "counter",
	    "Calls whose counters were read whole (the calls the counter totals cover).");
	struct labels l;

	for (size_t k = 0; k < m->ncounters && k < OT_NR_CTR; k++) {
		bool ns = counters__is_time(m->counter_names[k]);

		for (size_t i = 0; i < set->n; i++) {
			const struct report_ctr *c = &set->v[i]->ctr[k];

			if (!c->calls)
				continue;
			labels_op(&l, set->v[i]);
			if (ns) {
				sample(&clk, NULL, &l, NULL, NULL);
				val_dbl(f, c->mean * (double)c->calls / 1e9);
			} else {
				sample(&ctr, NULL, &l, "event", m->counter_names[k]);
				val_dbl(f, c->mean * (double)c->calls);
			}
		}
	}
	for (size_t k = 0; k < m->ncounters && k < OT_NR_CTR; k++) {
		for (size_t i = 0; i < set->n; i++) {
			const struct report_ctr *c = &set->v[i]->ctr[k];

			if (!c->calls)
				continue;
			labels_op(&l, set->v[i]);
			sample(&cc, NULL, &l, "event", m->counter_names[k]);
			val_u64(f, c->calls);
		}
	}
}

/* ---- per process ---- */

static bool has_proc(const struct report_pid *p)
{
	return p->has_res && p->res.has_proc;
}

static bool alive(const struct report_pid *p)
{
	return has_proc(p) && p->res.now.task.state != 'Z';
}

static void pid_basics(FILE *f, const struct report *r)
{
	FAM(calls, f, "optrace_process_calls_total", "counter",
	    "Calls of traced operations in the process.");
	FAM(ex, f, "optrace_process_exited", "gauge", "1 when the process has exited.");
	FAM(eff, f, "optrace_process_efficiency_ratio", "gauge",
	    "Resource efficiency of the process, 0..1 (docs/analysis.md).");
	struct labels l;
	size_t i;

	for (i = 0; i < r->npids; i++) {
		labels_pid(&l, r->pids[i].pid, r->pids[i].comm);
		sample(&calls, NULL, &l, NULL, NULL);
		val_u64(f, r->pids[i].calls);
	}
	for (i = 0; i < r->npids; i++) {
		labels_pid(&l, r->pids[i].pid, r->pids[i].comm);
		sample(&ex, NULL, &l, NULL, NULL);
		val_u64(f, r->pids[i].exited);
	}
	for (i = 0; i < r->npids; i++) {
		if (!(r->pids[i].efficiency >= 0) || !isfinite(r->pids[i].efficiency))
			continue;
		labels_pid(&l, r->pids[i].pid, r->pids[i].comm);
		sample(&eff, NULL, &l, NULL, NULL);
		val_dbl(f, r->pids[i].efficiency);
	}
}

static void pid_sched(FILE *f, const struct report *r)
{
	FAM(cpu, f, "optrace_process_cpu_seconds_total", "counter",
	    "CPU time of the process since it started, user or system (/proc).");
	FAM(sched, f, "optrace_process_sched_seconds_total", "counter",
	    "Thread time of the process by scheduler state over the report's window "
	    "(BPF accounting): on CPU, run queue, IO wait, other off-CPU.");
	FAM(waits, f, "optrace_process_runq_waits_total", "counter",
	    "Times a thread of the process waited in a run queue for a CPU.");
	FAM(sws, f, "optrace_process_sched_switches_total", "counter",
	    "Times a thread of the process was switched out (BPF accounting).");
	FAM(runq, f, "optrace_process_runq_latency_seconds", "histogram",
	    "Run-queue latency of the process's threads: wakeup or preemption to running.");
	struct labels l;
	size_t i;

	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!has_proc(p))
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&cpu, NULL, &l, "mode", "user");
		val_ns(f, p->res.now.task.utime_ns);
		sample(&cpu, NULL, &l, "mode", "system");
		val_ns(f, p->res.now.task.stime_ns);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];
		const struct ot_acct *a = &p->res.acct;
		const uint64_t v[4] = { a->oncpu_ns, a->runq_ns, a->iowait_ns, a->offcpu_ns };

		if (!p->has_res || !p->res.has_acct)
			continue;
		labels_pid(&l, p->pid, p->comm);
		for (int k = 0; k < 4; k++) {
			sample(&sched, NULL, &l, "state", parts[k]);
			val_ns(f, v[k]);
		}
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!p->has_res || !p->res.has_acct)
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&waits, NULL, &l, NULL, NULL);
		val_u64(f, p->res.acct.runq_waits);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!p->has_res || !p->res.has_acct)
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&sws, NULL, &l, NULL, NULL);
		val_u64(f, p->res.acct.switches);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!p->has_res || (!p->res.has_acct && !p->res.runq.count))
			continue;
		labels_pid(&l, p->pid, p->comm);
		histogram(&runq, &l, &p->res.runq, 0, (double)p->res.runq.sum / 1e9);
	}
}

static void pid_proc(FILE *f, const struct report *r)
{
	FAM(rss, f, "optrace_process_resident_memory_bytes", "gauge",
	    "Resident set size of the process (VmRSS).");
	FAM(peak, f, "optrace_process_resident_memory_peak_bytes", "gauge",
	    "Peak resident set size of the process (VmHWM).");
	FAM(thr, f, "optrace_process_threads", "gauge", "Threads of the process.");
	FAM(fds, f, "optrace_process_open_fds", "gauge", "Open file descriptors of the process.");
	FAM(maxfds, f, "optrace_process_max_fds", "gauge",
	    "File descriptor limit of the process (RLIMIT_NOFILE soft limit).");
	FAM(io, f, "optrace_process_io_bytes_total", "counter",
	    "Bytes the process read or wrote since it started: at the storage layer, or "
	    "through read()/write()-family syscalls, cache hits included (/proc/PID/io).");
	FAM(pf, f, "optrace_process_page_faults_total", "counter",
	    "Page faults of the process since it started, minor or major.");
	FAM(cs, f, "optrace_process_context_switches_total", "counter",
	    "Context switches of the process since it started, voluntary or involuntary.");
	struct labels l;
	size_t i;

	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!has_proc(p) || !p->res.now.has_rss)
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&rss, NULL, &l, NULL, NULL);
		val_u64(f, p->res.now.rss_bytes);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!has_proc(p) || !p->res.now.has_rss)
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&peak, NULL, &l, NULL, NULL);
		val_u64(f, p->res.rss_peak_bytes);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!alive(p))
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&thr, NULL, &l, NULL, NULL);
		val_u64(f, p->res.now.num_threads);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!alive(p) || !p->res.now.has_fds)
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&fds, NULL, &l, NULL, NULL);
		val_u64(f, p->res.now.nfds);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!alive(p) || !p->res.now.has_fd_limit || p->res.now.fd_limit == UINT64_MAX)
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&maxfds, NULL, &l, NULL, NULL);
		val_u64(f, p->res.now.fd_limit);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];
		const struct sysmon_pid *n = &p->res.now;
		const struct {
			const char *dir, *layer;
			uint64_t v;
		} v[] = { { "read", "storage", n->read_bytes }, { "write", "storage", n->write_bytes },
			  { "read", "syscall", n->rchar }, { "write", "syscall", n->wchar } };

		if (!has_proc(p) || !n->has_io)
			continue;
		labels_pid(&l, p->pid, p->comm);
		add(&l, "layer", NULL);
		for (int k = 0; k < 4; k++) {
			l.v[l.n - 1] = v[k].layer;
			sample(&io, NULL, &l, "direction", v[k].dir);
			val_u64(f, v[k].v);
		}
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!has_proc(p))
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&pf, NULL, &l, "kind", "minor");
		val_u64(f, p->res.now.task.minflt);
		sample(&pf, NULL, &l, "kind", "major");
		val_u64(f, p->res.now.task.majflt);
	}
	for (i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		if (!has_proc(p) || !p->res.now.task.has_ctxsw)
			continue;
		labels_pid(&l, p->pid, p->comm);
		sample(&cs, NULL, &l, "kind", "voluntary");
		val_u64(f, p->res.now.task.vol_ctxsw);
		sample(&cs, NULL, &l, "kind", "involuntary");
		val_u64(f, p->res.now.task.nonvol_ctxsw);
	}
}

/* --threads: each thread's scheduler accounting. */
static void pid_threads(FILE *f, const struct report *r)
{
	FAM(t, f, "optrace_thread_sched_seconds_total", "counter",
	    "Thread time by scheduler state since tracing saw the thread (--threads).");
	struct labels l;

	for (size_t i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];

		for (size_t j = 0; j < p->nthreads; j++) {
			const struct res_thread *th = &p->threads[j];
			const uint64_t v[4] = { th->acct.oncpu_ns, th->acct.runq_ns,
						th->acct.iowait_ns, th->acct.offcpu_ns };

			labels_pid(&l, p->pid, p->comm);
			snprintf(l.tid, sizeof(l.tid), "%" PRIu32, th->tid);
			add(&l, "tid", l.tid);
			add(&l, "thread", th->comm);
			for (int k = 0; k < 4; k++) {
				sample(&t, NULL, &l, "state", parts[k]);
				val_ns(f, v[k]);
			}
		}
	}
}

/* ---- block IO: per process, device and kind of request ---- */

static void labels_bio(struct labels *l, const struct report_pid *p, const struct report_bio *b)
{
	labels_pid(l, p->pid, p->comm);
	add(l, "device", b->dev_name);
	add(l, "kind", b->op);
}

static void block_io(FILE *f, const struct report *r)
{
	FAM(req, f, "optrace_block_requests_total", "counter",
	    "Block requests the process submitted that completed.");
	FAM(bytes, f, "optrace_block_bytes_total", "counter", "Bytes of those block requests.");
	FAM(errs, f, "optrace_block_errors_total", "counter", "Block requests that failed.");
	FAM(lat, f, "optrace_block_latency_percentile_seconds", "gauge",
	    "Block request latency percentiles, submit to completion (100: max).");
	FAM(dev, f, "optrace_block_device_latency_percentile_seconds", "gauge",
	    "Block request device time percentiles, issue to completion.");
	FAM(q, f, "optrace_block_queue_mean_seconds", "gauge",
	    "Mean time a block request waited between submit and issue.");
	struct labels l;
	size_t i, j;

#define EACH_BIO                                                                      \
	for (i = 0; i < r->npids; i++)                                                \
		for (j = 0; j < r->pids[i].nbio; j++)
#define BIO (&r->pids[i].bio[j])
	EACH_BIO {
		labels_bio(&l, &r->pids[i], BIO);
		sample(&req, NULL, &l, NULL, NULL);
		val_u64(f, BIO->count);
	}
	EACH_BIO {
		labels_bio(&l, &r->pids[i], BIO);
		sample(&bytes, NULL, &l, NULL, NULL);
		val_u64(f, BIO->bytes);
	}
	EACH_BIO {
		labels_bio(&l, &r->pids[i], BIO);
		sample(&errs, NULL, &l, NULL, NULL);
		val_u64(f, BIO->errors);
	}
	EACH_BIO {
		if (!BIO->count)
			continue;
		labels_bio(&l, &r->pids[i], BIO);
		sample(&lat, NULL, &l, "percentile", "50");
		val_ns(f, BIO->p50);
		sample(&lat, NULL, &l, "percentile", "90");
		val_ns(f, BIO->p90);
		sample(&lat, NULL, &l, "percentile", "99");
		val_ns(f, BIO->p99);
		sample(&lat, NULL, &l, "percentile", "100");
		val_ns(f, BIO->max);
	}
	EACH_BIO {
		if (!BIO->count)
			continue;
		labels_bio(&l, &r->pids[i], BIO);
		sample(&dev, NULL, &l, "percentile", "50");
		val_ns(f, BIO->svc_p50);
		sample(&dev, NULL, &l, "percentile", "99");
		val_ns(f, BIO->svc_p99);
	}
	EACH_BIO {
		if (!BIO->count || !isfinite(BIO->queue_mean))
			continue;
		labels_bio(&l, &r->pids[i], BIO);
		sample(&q, NULL, &l, NULL, NULL);
		val_dbl(f, BIO->queue_mean / 1e9);
	}
#undef EACH_BIO
#undef BIO
}

/* ---- the run: loss, findings, alerts, window ---- */

static void run_figures(FILE *f, const struct report *r)
{
	const struct report_loss *ls = &r->loss;
	const struct {
		const char *kind;
		uint64_t v;
	} lost[] = {
		{ "spans_lost", ls->spans_lost },	  { "proc_lost", ls->proc_lost },
		{ "stack_overflow", ls->stack_overflow }, { "stack_mismatch", ls->stack_mismatch },
		{ "threads_full", ls->threads_full },	  { "tgids_full", ls->tgids_full },
		{ "bio_lost", ls->bio_lost },		  { "bio_stale", ls->bio_stale },
		{ "bio_mapfull", ls->bio_mapfull },	  { "split_bad", ls->split_bad },
		{ "split_unseen", ls->split_unseen },	  { "ctr_unseen", ls->ctr_unseen },
		{ "bad_records", ls->bad_records },
	};
	FAM(spans, f, "optrace_spans_total", "counter",
	    "Spans (timed calls) the BPF programs produced.");
	FAM(lost_f, f, "optrace_lost_events_total", "counter",
	    "Events lost or left out, by kind (the fields of the report's loss section).");
	FAM(fnd, f, "optrace_findings", "gauge", "Findings of the analysis, by severity.");
	FAM(al, f, "optrace_alerts_total", "counter", "Alerts fired during the run, by severity.");
	FAM(win, f, "optrace_window_seconds", "gauge",
	    "Length of the window the report's counters cover.");
	FAM(el, f, "optrace_elapsed_seconds", "gauge", "Time since tracing started.");
	FAM(st, f, "optrace_start_time_seconds", "gauge",
	    "Wall-clock time tracing started, seconds since the Unix epoch.");
	FAM(pr, f, "optrace_probes", "gauge", "Probes attached.");
	FAM(bias, f, "optrace_probe_bias_seconds", "gauge",
	    "Calibrated probe cost per call, by how the probed instruction is handled.");
	uint64_t nsev[3] = { 0 }, nal[3] = { 0 };
	size_t i;

	sample(&spans, NULL, NULL, NULL, NULL);
	val_u64(f, ls->spans_produced);
	for (i = 0; i < sizeof(lost) / sizeof(lost[0]); i++) {
		sample(&lost_f, NULL, NULL, "kind", lost[i].kind);
		val_u64(f, lost[i].v);
	}
	for (i = 0; i < r->nfindings; i++)
		nsev[r->findings[i].severity >= 0 && r->findings[i].severity <= 2 ?
		     r->findings[i].severity : 0]++;
	for (i = 0; i < r->nalerts; i++)
		nal[r->alerts[i].severity >= 0 && r->alerts[i].severity <= 2 ?
		    r->alerts[i].severity : 0]++;
	for (int s = SEV_INFO; s <= SEV_CRITICAL; s++) {
		sample(&fnd, NULL, NULL, "severity", severity__name(s));
		val_u64(f, nsev[s]);
	}
	for (int s = SEV_INFO; s <= SEV_CRITICAL; s++) {
		sample(&al, NULL, NULL, "severity", severity__name(s));
		val_u64(f, nal[s]);
	}
	if (isfinite(r->meta.window_s)) {
		sample(&win, NULL, NULL, NULL, NULL);
		val_dbl(f, r->meta.window_s);
	}
	if (isfinite(r->meta.elapsed_s)) {
		sample(&el, NULL, NULL, NULL, NULL);
		val_dbl(f, r->meta.elapsed_s);
	}
	if (r->meta.start_unix_ns > 0) {
		sample(&st, NULL, NULL, NULL, NULL);
		val_ns(f, (uint64_t)r->meta.start_unix_ns);
	}
	sample(&pr, NULL, NULL, NULL, NULL);
	val_u64(f, r->meta.nr_probes);
	if (r->meta.bias_emulated_ns >= 0) {
		sample(&bias, NULL, NULL, "insn", "emulated");
		val_ns(f, (uint64_t)r->meta.bias_emulated_ns);
	}
	if (r->meta.bias_stepped_ns >= 0) {
		sample(&bias, NULL, NULL, "insn", "single-stepped");
		val_ns(f, (uint64_t)r->meta.bias_stepped_ns);
	}
}

int render__prom(FILE *f, const struct report *r, const struct render_opts *o)
{
	struct op_set set;
	int err;

	err = op_set__init(&set, r, o ? o->max_series : 0);
	if (err)
		return err;
	run_figures(f, r);
	series_dropped(f, &set);
	op_counts(f, &set);
	op_latency(f, &set);
	op_split(f, &set);
	op_counters(f, &set, &r->meta);
	pid_basics(f, r);
	pid_sched(f, r);
	pid_proc(f, r);
	pid_threads(f, r);
	block_io(f, r);
	op_set__free(&set);
	return ru_finish(f);
}
