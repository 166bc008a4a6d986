// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_text.c - the human-readable report.
 *
 * Owns the text layout: a header (window, probes, calibration bias), the
 * loss line that every report carries, then per pid, per op a block with
 * calls, errors, bytes, the latency percentiles and, on request, a latency
 * histogram drawn in the terminal; then the process's --ratio lines.  Leaves to others: every number (the
 * report is computed by report__build; this file only formats) and the
 * choice of FILE *.
 *
 * Layout (columns): pid lines at 0, op lines at 2, op details at 4,
 * histogram rows at 6.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "errnames.h"
#include "hist.h"
#include "render_res.h"
#include "render_findings.h"
#include "counters.h"
#include "report.h"
#include "units.h"

#define FMT_LEN		   32
#define DEFAULT_BAR_WIDTH  40
#define MAX_BAR_WIDTH	   200
#define MAX_ERRS_SHOWN	   5
/* Histogram rows: 2 per octave cover the u64 range in 128 rows. */
#define ROWS_MAX	   128
/* Finer rows (4, 8, 16 per octave) only while the range fits in this many. */
#define FINE_ROWS_MAX	   16
#define FINE_BITS_MAX	   4

_Static_assert(FINE_BITS_MAX <= HIST_SUB_BITS, "a histogram bucket must lie inside one row");

static const char *fmt_ns(uint64_t ns, char *buf)
{
	return units__fmt_ns(ns, buf, FMT_LEN);
}

/* A non-negative double (means, rates) rounded and clamped to u64. */
static uint64_t u64_of(double v)
{
	if (!(v > 0.0)) /* also NaN */
		return 0;
	return v >= 0x1p64 ? UINT64_MAX : (uint64_t)llround(v);
}

/* A fraction 0..1 as a percentage with 3 significant digits. */
static const char *fmt_pct(double frac, char *buf)
{
	return units__fmt_pct(frac, buf, FMT_LEN);
}

/* status is a raw wait status (as waitpid and the proc exit record give it). */
static const char *fmt_status(int status, char *buf)
{
	const char *sig;

	if (WIFEXITED(status)) {
		snprintf(buf, FMT_LEN, "exited %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		sig = sigabbrev_np(WTERMSIG(status));
		if (sig)
			snprintf(buf, FMT_LEN, "killed by SIG%s%s", sig,
				 WCOREDUMP(status) ? ", core dumped" : "");
		else
			snprintf(buf, FMT_LEN, "killed by signal %d", WTERMSIG(status));
	} else {
		snprintf(buf, FMT_LEN, "wait status %#x", (unsigned int)status);
	}
	return buf;
}

static void print_header(FILE *f, const struct report_meta *m)
{
	char win[FMT_LEN], el[FMT_LEN], st[FMT_LEN];

	fprintf(f, "optrace %s report: window %s, elapsed %s, %zu probe%s", m->kind ? m->kind : "",
		fmt_ns(u64_of(m->window_s * 1e9), win), fmt_ns(u64_of(m->elapsed_s * 1e9), el),
		m->nr_probes, m->nr_probes == 1 ? "" : "s");
	if (m->attach_mode)
		fprintf(f, " (%s)", m->attach_mode);
	fputc('\n', f);
	if (m->command)
		fprintf(f, "command: %s (%s)\n", m->command,
			m->cmd_exited ? fmt_status(m->cmd_status, st) : "running");
	if (m->bias_emulated_ns < 0 && m->bias_stepped_ns < 0) {
		fprintf(f, "latency bias: not calibrated; latencies include the probe cost\n");
	} else {
		char e[FMT_LEN], s[FMT_LEN];

		fprintf(f, "latency bias: %s per call where the probed instruction is emulated, %s "
			   "where single-stepped (calibrated); %s\n",
			m->bias_emulated_ns < 0 ? "?" : fmt_ns(m->bias_emulated_ns, e),
			m->bias_stepped_ns < 0 ? "?" : fmt_ns(m->bias_stepped_ns, s),
			m->compensated ? "subtracted" : "not subtracted; use --compensate");
	}
	if (m->ncounters) {
		fputs("counters:", f);
		for (size_t k = 0; k < m->ncounters && k < OT_NR_CTR; k++)
			fprintf(f, "%s %s", k ? "," : "", m->counter_names[k]);
		fputs(" per call, counted only while the thread runs", f);
		if (m->counters_absent && *m->counters_absent)
			fprintf(f, "; absent: %s", m->counters_absent);
		fputc('\n', f);
	} else if (m->counters_absent && *m->counters_absent) {
		fprintf(f, "counters: none: %s\n", m->counters_absent);
	}
	if (m->sample_every > 1)
		fprintf(f, "sampled: 1 call in %" PRIu32 " per thread and op was timed; calls, errors "
			   "and bytes are scaled up, latencies and splits come from the sample\n",
			m->sample_every);
}

/* Always printed, "lost: 0 spans" included: silence about loss is a bug. */
static void print_loss(FILE *f, const struct report_loss *l)
{
	fputs("lost: ", f);
	render__loss_text(f, l);
	fputc('\n', f);
}

static void print_errors(FILE *f, const struct report_op *o)
{
	char pct[FMT_LEN], name[FMT_LEN];
	size_t i;

	fprintf(f, "    errors   %" PRIu64, o->errors);
	if (o->errors)
		fprintf(f, " (%s)", fmt_pct(o->err_rate, pct));
	for (i = 0; i < o->nerrs && i < MAX_ERRS_SHOWN; i++) {
		const struct report_err *e = &o->errs[i];
		const char *n = e->name[0] ? e->name : errnames__name(e->code, name, sizeof(name));

		fprintf(f, "%s%s %" PRIu64, i ? ", " : ": ", n, e->count);
	}
	if (o->nerrs > MAX_ERRS_SHOWN)
		fprintf(f, ", +%zu more", o->nerrs - MAX_ERRS_SHOWN);
	fputc('\n', f);
}

static void print_latency(FILE *f, const struct report_op *o)
{
	const uint64_t v[] = { o->min, u64_of(o->mean), o->p50, o->p90, o->p95, o->p99, o->p999,
			       o->max };
	char buf[FMT_LEN], self[FMT_LEN], pct[FMT_LEN];

	fprintf(f, "    latency      min     mean      p50      p90      p95      p99    p99.9"
		   "      max\n            ");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		fprintf(f, " %8s", fmt_ns(v[i], buf));
	fputc('\n', f);
	/* Self time only when nested ops make it differ at print precision. */
	if (strcmp(fmt_ns(u64_of(o->self_mean), self), fmt_ns(u64_of(o->mean), buf)))
		fprintf(f, "    self     mean %s (%s of wall; the rest in nested traced ops)\n",
			self, fmt_pct(o->mean > 0 ? o->self_mean / o->mean : 0, pct));
}

/*
 * Histogram rows are log-linear like the histogram itself but coarser:
 * 2^bits rows per octave, row = s * 2^bits + (v >> s) with
 * s = max(0, msb(v) - bits).  bits <= HIST_SUB_BITS, so every histogram
 * bucket lies inside one row.  2 rows per octave by default; a narrow range
 * gets up to 16 per octave so that it still shows a shape.
 */
struct hist_rows {
	unsigned int bits;
	size_t first, n;
	uint64_t count[ROWS_MAX];
	uint64_t peak;
};

static size_t row_of(uint64_t v, unsigned int bits)
{
	unsigned int msb = 63 - __builtin_clzll(v | 1);
	unsigned int s = msb > bits ? msb - bits : 0;

	return ((size_t)s << bits) + (size_t)(v >> s);
}

static uint64_t row_low(size_t row, unsigned int bits)
{
	size_t g = row >> bits;

	if (!g)
		return row;
	return ((UINT64_C(1) << bits) + (row & ((UINT64_C(1) << bits) - 1))) << (g - 1);
}

/* Largest value in the row; low + width - 1 cannot overflow. */
static uint64_t row_high(size_t row, unsigned int bits)
{
	size_t g = row >> bits;

	return row_low(row, bits) + (g ? (UINT64_C(1) << (g - 1)) - 1 : 0);
}

static void rows_fill(struct hist_rows *hr, const struct hist *h)
{
	size_t idx = 0, bucket, r;
	uint64_t cnt;

	hr->bits = 1;
	while (hr->bits < FINE_BITS_MAX &&
	       row_of(h->max, hr->bits + 1) - row_of(h->min, hr->bits + 1) < FINE_ROWS_MAX)
		hr->bits++;
	hr->first = row_of(h->min, hr->bits);
	hr->n = row_of(h->max, hr->bits) - hr->first + 1;
	memset(hr->count, 0, sizeof(hr->count));
	hr->peak = 0;
	while (hist__next(h, &idx, &bucket, &cnt)) {
		r = row_of(hist__bucket_low(bucket), hr->bits) - hr->first;
		if (r >= hr->n) /* cannot happen: buckets lie within [min, max] rows */
			continue;
		hr->count[r] += cnt;
		if (hr->count[r] > hr->peak)
			hr->peak = hr->count[r];
	}
}

/* shift: the compensated bias, subtracted from the row edges (clamped at 0). */
static int row_label(const struct hist_rows *hr, size_t i, uint64_t shift, char *buf, size_t len)
{
	char lo[FMT_LEN], hi[FMT_LEN];
	uint64_t low = row_low(hr->first + i, hr->bits), high = row_high(hr->first + i, hr->bits);

	units__fmt_ns(low > shift ? low - shift : 0, lo, sizeof(lo));
	if (high == UINT64_MAX)
		return snprintf(buf, len, "[%s, %s]", lo, units__fmt_ns(high, hi, sizeof(hi)));
	high = high + 1 > shift ? high + 1 - shift : 0;
	return snprintf(buf, len, "[%s, %s)", lo, units__fmt_ns(high, hi, sizeof(hi)));
}

/* bpftrace hist() style: "[2.10 ms, 3.15 ms)    1234 |@@@@@@@@          |". */
static void print_histogram(FILE *f, const struct hist *h, uint64_t shift, int width)
{
	struct hist_rows hr;
	char label[2 * FMT_LEN + 8], bar[MAX_BAR_WIDTH + 1];
	int lw = 0, cw;
	size_t i;

	if (!h || !h->count)
		return;
	rows_fill(&hr, h);
	for (i = 0; i < hr.n; i++) {
		int n = row_label(&hr, i, shift, label, sizeof(label));

		if (n > lw)
			lw = n;
	}
	cw = snprintf(NULL, 0, "%" PRIu64, hr.peak);
	fprintf(f, "    histogram\n");
	for (i = 0; i < hr.n; i++) {
		int nbar = (int)((double)hr.count[i] * width / (double)hr.peak);

		if (hr.count[i] && !nbar) /* a tail of one call still shows */
			nbar = 1;
		memset(bar, '@', nbar);
		bar[nbar] = '\0';
		row_label(&hr, i, shift, label, sizeof(label));
		fprintf(f, "      %-*s %*" PRIu64 " |%-*s|\n", lw, label, cw, hr.count[i], width,
			bar);
	}
}

/* "on-cpu 97.1% (1.20 ms)  run-queue 1.2% (14 us)  io-wait 0%  other off-cpu 1.7% (21 us)" */
static void print_split_line(FILE *f, const char *label, const struct report_split *s)
{
	const struct {
		const char *name;
		double share, mean;
	} parts[] = {
		{ "on-cpu", s->oncpu_share, s->oncpu_mean },
		{ "run-queue", s->runq_share, s->runq_mean },
		{ "io-wait", s->iowait_share, s->iowait_mean },
		{ "other off-cpu", s->offcpu_share, s->offcpu_mean },
	};
	char pct[FMT_LEN], t[FMT_LEN];

	fprintf(f, "    %-8s", label);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		fprintf(f, " %s %s (%s)%s", parts[i].name, fmt_pct(parts[i].share, pct),
			fmt_ns(u64_of(parts[i].mean), t), i + 1 < 4 ? "," : "\n");
}

static void print_split(FILE *f, const struct report_op *op)
{
	char thr[FMT_LEN], mean[FMT_LEN];

	if (op->has_split) {
		print_split_line(f, "time", &op->split_all);
		if (op->split_tail.calls) {
			fprintf(f, "    tail     %" PRIu64 " calls above p99 (%s), mean %s:\n",
				op->split_tail.calls, fmt_ns(op->tail_threshold_ns, thr),
				fmt_ns(u64_of(op->split_tail.wall_mean), mean));
			print_split_line(f, "", &op->split_tail);
		}
	}
	if (op->has_counts)
		fprintf(f, "    per call %.2f voluntary + %.2f involuntary switches, %.2f minor + %.2f "
			   "major faults\n", op->nvcsw_per_call, op->nivcsw_per_call,
			op->minflt_per_call, op->majflt_per_call);
}

/*
 * Perf counters per call: mean (p50, p99) for each, and instructions per
 * cycle when both are there.
 */
static void print_counters(FILE *f, const struct report_op *op, const struct report_meta *m)
{
	const struct report_ctr *ins = NULL, *cyc = NULL;
	bool any = false;

	for (size_t k = 0; k < m->ncounters && k < OT_NR_CTR; k++) {
		const struct report_ctr *c = &op->ctr[k];
		char a[FMT_LEN], b[FMT_LEN], d[FMT_LEN];
		bool ns = counters__is_time(m->counter_names[k]);

		if (!c->calls)
			continue;
		fprintf(f, "%s%s %s (p50 %s, p99 %s)", any ? ", " : "    counters ",
			m->counter_names[k],
			ns ? fmt_ns(u64_of(c->mean), a) : units__fmt_count(c->mean, a, sizeof(a)),
			ns ? fmt_ns(c->p50, b) : units__fmt_count((double)c->p50, b, sizeof(b)),
			ns ? fmt_ns(c->p99, d) : units__fmt_count((double)c->p99, d, sizeof(d)));
		any = true;
		if (!strcmp(m->counter_names[k], "instructions"))
			ins = c;
		else if (!strcmp(m->counter_names[k], "cycles"))
			cyc = c;
	}
	if (ins && cyc && cyc->mean > 0)
		fprintf(f, ", IPC %.2f", ins->mean / cyc->mean);
	if (any)
		fprintf(f, " per call (%" PRIu64 " calls counted)\n", op->ctr[0].calls ?
			op->ctr[0].calls : op->ctr[1].calls);
}

static void print_op(FILE *f, const struct report_op *op, const struct report_meta *m,
		     const struct render_opts *o, int width)
{
	const struct op_info *info = op->info;
	const char *name = info && info->name ? info->name : "?";
	char rate[FMT_LEN], b[FMT_LEN], brate[FMT_LEN];

	fprintf(f, "  %s", name);
	if (info && info->category && info->category[0])
		fprintf(f, " [%s]", info->category);
	if (info && info->func && strcmp(info->func, name))
		fprintf(f, " (%s)", info->func);
	if (!op->calls) {
		fprintf(f, "  no calls\n");
		return;
	}
	fprintf(f, "  %" PRIu64 " calls, %s/s%s\n", op->calls,
		units__fmt_count(op->rate, rate, FMT_LEN),
		info && info->counted ? " (counted, not timed)" : "");
	if (info && info->counted)
		return;
	if (op->errors || (info && info->error_mode != PROBE_ERR_NONE))
		print_errors(f, op);
	if (op->bytes)
		fprintf(f, "    bytes    %s, %s/s\n", units__fmt_bytes(op->bytes, b, FMT_LEN),
			units__fmt_bytes(u64_of(op->bytes_rate), brate, FMT_LEN));
	print_latency(f, op);
	print_split(f, op);
	print_counters(f, op, m);
	if (op->probe_insn && !strcmp(op->probe_insn, "single-stepped") && op->bias_ns > 0 &&
	    !op->compensated)
		fprintf(f, "    note     the probed instruction is single-stepped: about %s of each "
			   "latency is probe cost (--compensate)\n", fmt_ns(op->bias_ns, b));
	if (o && o->histogram)
		print_histogram(f, op->lat, op->compensated ? (uint64_t)op->bias_ns : 0, width);
}

static void print_pid_line(FILE *f, uint32_t pid, const struct report_pid *p, const char *comm)
{
	char st[FMT_LEN];

	fprintf(f, "\npid %" PRIu32 " (%s)", pid, p && p->comm ? p->comm : comm ? comm : "?");
	if (p)
		fprintf(f, ": %" PRIu64 " calls", p->calls);
	if (p && p->exited)
		fprintf(f, ", %s", fmt_status(p->exit_code, st));
	fputc('\n', f);
}

/* --ratio lines of pid: "  hit rate 75.0%: hit 30, miss 10" ("n/a" when both are 0). */
static void print_ratios(FILE *f, const struct report *r, uint32_t pid)
{
	char pct[FMT_LEN];

	for (size_t i = 0; i < r->nratios; i++) {
		const struct report_ratio *rr = &r->ratios[i];

		if (rr->pid != pid)
			continue;
		fprintf(f, "  %s rate %s: %s %" PRIu64 ", %s %" PRIu64 "\n", rr->label_a,
			rr->ratio < 0 ? "n/a" : fmt_pct(rr->ratio, pct), rr->label_a, rr->count_a,
			rr->label_b, rr->count_b);
	}
}

static bool pid_listed(const struct report *r, uint32_t pid)
{
	for (size_t i = 0; i < r->npids; i++) {
		if (r->pids[i].pid == pid)
			return true;
	}
	return false;
}

/*
 * Pids in the report's order, each followed by its ops; then ops of pids
 * the report does not list (grouped, as ops are sorted by pid).
 */
static void print_body(FILE *f, const struct report *r, const struct render_opts *o, int width)
{
	size_t i, j;

	for (i = 0; i < r->npids; i++) {
		print_pid_line(f, r->pids[i].pid, &r->pids[i], NULL);
		render_res__text_pid(f, &r->pids[i]);
		for (j = 0; j < r->nops; j++) {
			if (r->ops[j].pid == r->pids[i].pid)
				print_op(f, &r->ops[j], &r->meta, o, width);
		}
		print_ratios(f, r, r->pids[i].pid);
	}
	for (j = 0; j < r->nops; j++) {
		if (pid_listed(r, r->ops[j].pid))
			continue;
		if (!j || r->ops[j - 1].pid != r->ops[j].pid)
			print_pid_line(f, r->ops[j].pid, NULL, r->ops[j].comm);
		print_op(f, &r->ops[j], &r->meta, o, width);
		if (j + 1 == r->nops || r->ops[j + 1].pid != r->ops[j].pid)
			print_ratios(f, r, r->ops[j].pid);
	}
	if (!r->nops)
		fprintf(f, "\nno operations traced\n");
}

int render__text(FILE *f, const struct report *r, const struct render_opts *o)
{
	int width = o && o->width > 0 ? o->width : DEFAULT_BAR_WIDTH;

	if (width > MAX_BAR_WIDTH)
		width = MAX_BAR_WIDTH;
	print_header(f, &r->meta);
	print_loss(f, &r->loss);
	print_body(f, r, o, width);
	render_res__text_sys(f, &r->sys);
	/* Findings, trends and alerts are the analysis of a whole run. */
	if (r->meta.kind && !strcmp(r->meta.kind, "final") && render__findings_text(f, r))
		return -EIO;
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
