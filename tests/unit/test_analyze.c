// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_analyze.c - analyze.c over hand-built reports: every rule fires
 * above its threshold, stays quiet at it (thresholds are exclusive) and
 * below, with the evidence and wording checked; the minimum call count;
 * ordering by severity and impact; trends from series; efficiency.  And
 * render_findings.c's text sections.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze.h"
#include "render_findings.h"

#define MS 1000000ULL
#define US 1000ULL
#define MiB (1ULL << 20)

static const struct op_info infos[3] = {
	{ .name = "read_block", .func = "read_block", .path = "/bin/app" },
	{ .name = "read_other", .func = "read_other", .path = "/bin/app" },
	{ .name = "compute", .func = "compute", .path = "/bin/app" },
};

struct fx {
	struct report_op ops[3];
	struct report_pid pids[1];
	struct report_bio bio[2];
	struct sysmon_fs fs[2];
	struct series_point pts[3][40];
	struct op_limit limits[3];
	struct optrace_config cfg;
	struct report r;
};

static void split(struct report_op *o, double on, double rq, double io, double off)
{
	double wall = o->mean;
	struct report_split *s = &o->split_all;

	o->has_split = true;
	s->calls = o->calls;
	s->wall_mean = wall;
	s->oncpu_share = on;
	s->runq_share = rq;
	s->iowait_share = io;
	s->offcpu_share = off;
	s->oncpu_mean = on * wall;
	s->runq_mean = rq * wall;
	s->iowait_mean = io * wall;
	s->offcpu_mean = off * wall;
	o->split_tail = *s;
	o->split_tail.calls = o->calls / 100;
}

/* A healthy run: one process, three ops, no rule applies. */
static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	for (int i = 0; i < 3; i++) {
		struct report_op *o = &x->ops[i];

		o->pid = 4242;
		o->comm = "app";
		o->info = &infos[i];
		o->calls = 1000;
		o->rate = 100;
		o->p50 = 1 * MS;
		o->p95 = 2 * MS;
		o->p99 = 3 * MS;
		o->mean = 1.2e6;
		o->bias_ns = -1;
		split(o, 0.5, 0.05, 0.1, 0.35);
	}
	x->pids[0] = (struct report_pid){ .pid = 4242, .comm = "app", .calls = 3000,
					  .efficiency = -1 };
	x->r.meta.kind = "final";
	x->r.meta.window_s = 10;
	x->r.ops = x->ops;
	x->r.nops = 3;
	x->r.pids = x->pids;
	x->r.npids = 1;
	x->r.sys.valid = true;
	x->r.sys.rates.cpu_busy_pct = 30;
	x->r.sys.rates.mem_used_pct = 40;
	x->r.sys.now.ncpus = 4;
	x->r.sys.now.mem_total_bytes = 16ULL << 30;
	x->r.sys.now.mem_available_bytes = 9ULL << 30;
	config__defaults(&x->cfg);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	free(x->r.findings);
	free(x);
	return 0;
}

static void run(struct fx *x)
{
	assert_int_equal(analyze__report(&x->r, &x->cfg), 0);
}

static size_t count(const struct fx *x, const char *rule)
{
	size_t n = 0;

	for (size_t i = 0; i < x->r.nfindings; i++)
		n += !strcmp(x->r.findings[i].rule, rule);
	return n;
}

static const struct finding *get(const struct fx *x, const char *rule)
{
	for (size_t i = 0; i < x->r.nfindings; i++)
		if (!strcmp(x->r.findings[i].rule, rule))
			return &x->r.findings[i];
	fail_msg("no %s finding (%zu findings)", rule, x->r.nfindings);
	return NULL;
}

static const struct evidence *evid(const struct finding *f, const char *name)
{
	for (unsigned i = 0; i < f->nev; i++)
		if (!strcmp(f->ev[i].name, name))
			return &f->ev[i];
	fail_msg("%s: no evidence %s", f->rule, name);
	return NULL;
}

static bool has(const char *s, const char *word)
{
	if (!strstr(s, word))
		print_error("'%s' not in '%s'\n", word, s);
	return strstr(s, word) != NULL;
}

static void test_healthy_run_has_no_findings(void **state)
{
	struct fx *x = *state;

	run(x);
	assert_int_equal(x->r.nfindings, 0);
	assert_null(x->r.findings);
	assert_true(x->pids[0].efficiency == -1); /* no scheduler accounting */
	analyze__report(&x->r, NULL);		  /* NULL: the defaults */
	assert_int_equal(x->r.nfindings, 0);
}

static void test_cpu_bound(void **state)
{
	struct fx *x = *state;
	const struct finding *f;

	split(&x->ops[2], 0.80, 0.05, 0.05, 0.10);
	run(x);
	assert_int_equal(count(x, "cpu_bound_op"), 0); /* at the threshold */
	split(&x->ops[2], 0.81, 0.05, 0.04, 0.10);
	run(x);
	assert_int_equal(x->r.nfindings, 1);
	f = get(x, "cpu_bound_op");
	assert_int_equal(f->severity, SEV_INFO);
	assert_int_equal(f->subject_kind, SUBJ_OP);
	assert_int_equal(f->pid, 4242);
	assert_string_equal(f->op, "compute");
	assert_string_equal(f->subject, "op compute of pid 4242 (app)");
	assert_true(evid(f, "oncpu_share")->value == 0.81);
	assert_string_equal(evid(f, "oncpu_share")->unit, "ratio");
	assert_true(has(f->summary, "81.0%") && has(f->summary, "972 us"));
	assert_true(has(f->recommendation, "perf record -g -p 4242"));
	/* 0.81 * 1.2 ms * 1000 calls over 10 s */
	assert_true(fabs(f->impact - 0.81 * 1.2e6 * 1000 / 1e9 / 10) < 1e-9);
}

static void test_min_calls(void **state)
{
	struct fx *x = *state;

	x->ops[2].calls = 19;
	split(&x->ops[2], 0.99, 0, 0, 0.01);
	run(x);
	assert_int_equal(count(x, "cpu_bound_op"), 0);
	x->ops[2].calls = 20;
	run(x);
	assert_int_equal(count(x, "cpu_bound_op"), 1);
	/* Two calls never make a critical finding. */
	x->ops[2].calls = 2;
	split(&x->ops[2], 0.05, 0.95, 0, 0);
	x->ops[2].errors = 2;
	x->ops[2].err_rate = 1;
	x->ops[2].errs[0] = (struct report_err){ .code = 2, .name = "ENOENT", .count = 2 };
	x->ops[2].nerrs = 1;
	run(x);
	assert_int_equal(x->r.nfindings, 0);
	x->cfg.th.min_calls = 2;
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 1);
	assert_int_equal(count(x, "error_rate"), 1);
}

static void test_runq_op(void **state)
{
	struct fx *x = *state;
	const struct finding *f;

	split(&x->ops[0], 0.5, 0.20, 0.0, 0.30);
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 0);
	split(&x->ops[0], 0.5, 0.21, 0.0, 0.29);
	run(x);
	f = get(x, "cpu_saturation");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_string_equal(f->op, "read_block");
	assert_true(evid(f, "runq_share")->value == 0.21);
	assert_true(evid(f, "system_cpu_busy")->value == 30);
	assert_true(has(f->summary, "waits for a CPU 21.0%"));
	assert_true(has(f->recommendation, "raise its cgroup CPU quota"));
	split(&x->ops[0], 0.5, 0.50, 0.0, 0.0);
	run(x);
	assert_int_equal(get(x, "cpu_saturation")->severity, SEV_WARNING);
	split(&x->ops[0], 0.3, 0.51, 0.0, 0.19);
	run(x);
	assert_int_equal(get(x, "cpu_saturation")->severity, SEV_CRITICAL);
}

static void test_io_bound(void **state)
{
	struct fx *x = *state;
	const struct finding *f;

	split(&x->ops[0], 0.4, 0.0, 0.30, 0.3);
	run(x);
	assert_int_equal(count(x, "io_bound_op"), 0);
	split(&x->ops[0], 0.4, 0.0, 0.31, 0.29);
	run(x);
	f = get(x, "io_bound_op");
	assert_int_equal(f->severity, SEV_INFO);
	assert_true(evid(f, "iowait_share")->value == 0.31);
	assert_string_equal(f->device, "");
	assert_true(has(f->recommendation, "async IO"));
	/* Block IO of the process: p99 at and above io_p99, a deep queue. */
	x->bio[0] = (struct report_bio){ .dev_name = "sda", .op = "read", .count = 500,
					 .p99 = 50 * MS, .svc_p50 = 2 * MS, .queue_mean = 1e6 };
	x->bio[1] = (struct report_bio){ .dev_name = "sdb", .op = "write", .count = 499,
					 .p99 = 900 * MS };
	x->pids[0].bio = x->bio;
	x->pids[0].nbio = 2;
	run(x);
	f = get(x, "io_bound_op");
	assert_int_equal(f->severity, SEV_INFO);
	assert_string_equal(f->device, "sda"); /* the most requests, not the worst p99 */
	assert_true(evid(f, "block_p99")->value == 50e6);
	assert_true(has(f->summary, "block reads on sda take p99 50.0 ms, queued 1.00 ms"));
	assert_null(strstr(f->recommendation, "queue"));
	x->bio[0].p99 = 50 * MS + 1;
	x->bio[0].queue_mean = 3e6;
	run(x);
	f = get(x, "io_bound_op");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(has(f->recommendation, "iostat"));
	assert_true(has(f->recommendation, "longer in the queue"));
	x->pids[0].bio = NULL;
	x->pids[0].nbio = 0;
}

/* The probe's bias is on-CPU time of every call: it is taken out of the
 * shares before classifying (a cheap IO op must not look CPU-bound). */
static void test_shares_without_probe_cost(void **state)
{
	struct fx *x = *state;
	struct report_op *o = &x->ops[0];
	const struct finding *f;

	split(o, 0.70, 0.0, 0.25, 0.05); /* raw: IO wait 25%, on CPU 70% */
	o->bias_ns = (int64_t)(o->mean * 0.25); /* a quarter of the wall is probe cost */
	run(x);
	/* Without the bias: on CPU 0.45/0.75 = 60%, IO wait 0.25/0.75 = 33%. */
	f = get(x, "io_bound_op");
	assert_true(fabs(evid(f, "iowait_share")->value - 0.25 / 0.75) < 1e-9);
	assert_int_equal(count(x, "cpu_bound_op"), 0);
	/* A bias larger than the on-CPU time is not applied. */
	o->bias_ns = (int64_t)(o->mean * 0.8);
	run(x);
	assert_int_equal(count(x, "io_bound_op"), 0);
	o->bias_ns = -1;
}

static void test_blocked(void **state)
{
	struct fx *x = *state;
	const struct finding *f;

	split(&x->ops[1], 0.4, 0.0, 0.1, 0.50);
	run(x);
	assert_int_equal(count(x, "blocked_op"), 0);
	split(&x->ops[1], 0.39, 0.0, 0.1, 0.51);
	x->ops[1].has_counts = true;
	x->ops[1].nvcsw_per_call = 1.5;
	run(x);
	f = get(x, "blocked_op");
	assert_int_equal(f->severity, SEV_INFO);
	assert_string_equal(f->op, "read_other");
	assert_true(evid(f, "voluntary_switches_per_call")->value == 1.5);
	assert_true(has(f->summary, "51.0%"));
	assert_true(has(f->recommendation, "offcputime"));
}

static void test_error_rate(void **state)
{
	struct fx *x = *state;
	struct report_op *o = &x->ops[0];
	const struct finding *f;

	o->errs[0] = (struct report_err){ .code = 2, .name = "ENOENT", .count = 50 };
	o->errs[1] = (struct report_err){ .code = 11, .name = "EAGAIN", .count = 10 };
	o->nerrs = 2;
	o->errors = 60;
	o->err_rate = 0.06;
	run(x);
	/* ENOENT at 5% exactly, EAGAIN at 1%: no type above; all together 6%. */
	assert_int_equal(count(x, "error_rate"), 1);
	f = get(x, "error_rate");
	assert_true(has(f->summary, "over 2 error types"));
	assert_true(evid(f, "error_rate")->value == 0.06);
	assert_string_equal(f->subject, "op read_block of pid 4242 (app)");
	o->errs[0].count = 51;
	o->errors = 61;
	o->err_rate = 0.061;
	run(x);
	assert_int_equal(count(x, "error_rate"), 1);
	f = get(x, "error_rate");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_string_equal(f->subject, "op read_block of pid 4242 (app): ENOENT");
	assert_true(has(f->summary, "fails with ENOENT in 5.10% of its calls (51 of 1000)"));
	assert_true(has(f->recommendation, "does not exist"));
	assert_true(evid(f, "errors")->value == 51);
	/* Both types, one critical */
	o->errs[1].count = 251;
	o->errors = 302;
	o->err_rate = 0.302;
	run(x);
	assert_int_equal(count(x, "error_rate"), 2);
	assert_int_equal(x->r.findings[0].severity, SEV_CRITICAL);
	assert_true(has(x->r.findings[0].subject, "EAGAIN"));
	assert_true(has(x->r.findings[0].recommendation, "back off"));
	o->errs[1].count = 250; /* 25% exactly: warning */
	run(x);
	for (size_t i = 0; i < x->r.nfindings; i++)
		assert_int_equal(x->r.findings[i].severity, SEV_WARNING);
	/* A nameless code is named by errnames */
	o->errs[0] = (struct report_err){ .code = 28, .count = 100 };
	run(x);
	assert_int_equal(count(x, "error_rate"), 2);
	assert_true(strstr(x->r.findings[0].subject, "ENOSPC") ||
		    strstr(x->r.findings[1].subject, "ENOSPC"));
}

static void test_tail(void **state)
{
	struct fx *x = *state;
	struct report_op *o = &x->ops[0];
	const struct finding *f;

	o->p99 = 10 * MS; /* 10x exactly */
	run(x);
	assert_int_equal(count(x, "tail_amplification"), 0);
	o->p99 = 10 * MS + 1000;
	o->split_tail.oncpu_share = 0.03;
	o->split_tail.runq_share = 0.02;
	o->split_tail.iowait_share = 0.0;
	o->split_tail.offcpu_share = 0.95;
	o->split_tail.wall_mean = 12e6;
	run(x);
	f = get(x, "tail_amplification");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(fabs(evid(f, "p99_over_p50")->value - 10.001) < 1e-9);
	assert_true(evid(f, "tail_offcpu_share")->value == 0.95);
	assert_true(evid(f, "all_offcpu_share")->value == 0.35);
	assert_true(has(f->summary, "95.0% of their time off CPU (other waits), against 35.0%"));
	assert_true(has(f->recommendation, "block on something else"));
	/* the tail waits for a CPU instead */
	o->split_tail.offcpu_share = 0.1;
	o->split_tail.runq_share = 0.87;
	run(x);
	assert_true(has(get(x, "tail_amplification")->recommendation, "wait for a CPU"));
	/* too few calls, p99 too small, no split */
	o->calls = 99;
	run(x);
	assert_int_equal(count(x, "tail_amplification"), 0);
	o->calls = 1000;
	o->p50 = 5 * US;
	o->p99 = 100 * US; /* 20x but not above tail_min */
	run(x);
	assert_int_equal(count(x, "tail_amplification"), 0);
	o->p99 = 100 * US + 1;
	o->has_split = false;
	run(x);
	f = get(x, "tail_amplification");
	assert_true(has(f->recommendation, "time split"));
	o->p50 = 0; /* compensated to 0: no ratio */
	run(x);
	assert_int_equal(count(x, "tail_amplification"), 0);
}

static void test_tracer_cost(void **state)
{
	struct fx *x = *state;
	struct report_op *o = &x->ops[2];
	const struct finding *f;

	o->mean = 1000;
	split(o, 0.5, 0.05, 0.1, 0.35);
	o->bias_ns = 100; /* 10% */
	o->probe_insn = "emulated";
	run(x);
	assert_int_equal(count(x, "tracer_cost"), 0);
	o->bias_ns = 101;
	run(x);
	f = get(x, "tracer_cost");
	assert_int_equal(f->severity, SEV_INFO);
	assert_true(fabs(evid(f, "probe_share")->value - 0.101) < 1e-12);
	assert_true(has(f->recommendation, "--compensate"));
	assert_null(strstr(f->recommendation, "single-stepped"));
	/* compensated: the raw mean is mean + bias */
	o->compensated = true;
	o->mean = 499;
	o->bias_ns = 600;
	o->probe_insn = "single-stepped";
	run(x);
	f = get(x, "tracer_cost");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(fabs(evid(f, "probe_share")->value - 600.0 / 1099) < 1e-12);
	assert_true(has(f->recommendation, "single-stepped"));
	assert_true(has(f->summary, "have it subtracted"));
	o->bias_ns = -1;
	run(x);
	assert_int_equal(count(x, "tracer_cost"), 0);
}

static void test_op_limits(void **state)
{
	struct fx *x = *state;
	const struct finding *f;

	x->limits[0] = (struct op_limit){ .pattern = "read_*", .p99_ns = 3 * MS,
					  .severity = SEV_CRITICAL };
	x->limits[1] = (struct op_limit){ .pattern = "read_block", .p50_ns = MS / 2,
					  .mean_ns = MS, .severity = SEV_WARNING };
	x->cfg.limits = x->limits;
	x->cfg.nlimits = 2;
	run(x);
	/* read_other: p99 3 ms = its glob limit: quiet.  read_block: the exact
	 * section wins (p50 and mean over), the glob's p99 is not its limit. */
	assert_int_equal(count(x, "op_latency_threshold"), 1);
	f = get(x, "op_latency_threshold");
	assert_string_equal(f->op, "read_block");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(evid(f, "p50")->value == 1e6 && evid(f, "p50_limit")->value == 5e5);
	assert_true(evid(f, "mean_limit")->value == 1e6);
	assert_true(has(f->summary, "p50 1.00 ms > 500 us, mean 1.20 ms > 1.00 ms"));
	assert_true(has(f->recommendation, "[op \"read_block\"]"));
	assert_true(fabs(f->impact - 2.0) < 1e-12);
	x->ops[1].p99 = 3 * MS + 1;
	run(x);
	assert_int_equal(count(x, "op_latency_threshold"), 2);
	assert_string_equal(x->r.findings[0].op, "read_other"); /* critical first */
	x->cfg.limits = NULL;
	x->cfg.nlimits = 0;
}

static void fill_series(struct fx *x, int op, size_t n, double p99_from, double p99_to)
{
	struct series_point *pts = x->pts[op];

	for (size_t i = 0; i < n; i++) {
		pts[i] = (struct series_point){
			.t_s = (double)(i + 1), .window_s = 1, .calls = 100, .errors = 1,
			.p50 = MS, .p95 = 2 * MS, .mean = 1.1e6,
			.p99 = (uint64_t)(p99_from + (p99_to - p99_from) * i / (n - 1)),
		};
	}
	x->ops[op].series = pts;
	x->ops[op].nseries = n;
}

static void test_trends(void **state)
{
	struct fx *x = *state;
	struct report_op *o = &x->ops[0];
	const struct finding *f;

	fill_series(x, 0, 10, 3e6, 3e6);
	run(x);
	assert_true(o->has_trends);
	assert_int_equal(o->trend_p99.dir, TREND_STABLE);
	assert_int_equal(o->trend_p99.npoints, 10);
	assert_int_equal(o->trend_rate.dir, TREND_STABLE);
	assert_true(o->trend_rate.mean == 100);
	assert_true(fabs(o->trend_err_rate.mean - 0.01) < 1e-12);
	assert_int_equal(count(x, "latency_trend"), 0);
	assert_false(x->ops[1].has_trends); /* no series */

	/* p99 from 2 to 4 ms: +2 ms over 9 s of a 3 ms mean, 67% */
	fill_series(x, 0, 10, 2e6, 4e6);
	run(x);
	assert_int_equal(o->trend_p99.dir, TREND_INCREASING);
	f = get(x, "latency_trend");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(has(f->summary, "p99 rose"));
	assert_true(fabs(evid(f, "slope_rel")->value - 2.0 / 3.0) < 1e-6);

	/* Intervals without calls are left out of latency trends (their p99
	 * is 0), not out of throughput. */
	fill_series(x, 0, 10, 3e6, 3e6);
	for (size_t i = 5; i < 10; i++) {
		x->pts[0][i].calls = x->pts[0][i].errors = 0;
		x->pts[0][i].p50 = x->pts[0][i].p99 = 0;
	}
	run(x);
	assert_int_equal(o->trend_p99.npoints, 5);
	assert_int_equal(o->trend_p99.dir, TREND_STABLE);
	assert_int_equal(o->trend_err_rate.npoints, 5);
	assert_int_equal(o->trend_rate.npoints, 10);
	assert_int_equal(o->trend_rate.dir, TREND_DECREASING);
	/* too few points with calls */
	x->pts[0][4].calls = 0;
	run(x);
	assert_int_equal(o->trend_p99.dir, TREND_UNKNOWN);
	/* a rise below trend_change (25%): a trend, no finding */
	fill_series(x, 0, 10, 3e6, 3.6e6);
	run(x);
	assert_int_equal(o->trend_p99.dir, TREND_INCREASING);
	assert_int_equal(count(x, "latency_trend"), 0);
	o->series = NULL;
	o->nseries = 0;
}

static void pid_res(struct fx *x)
{
	struct report_pid *p = &x->pids[0];

	p->has_res = true;
	p->res.has_proc = true;
	p->res.rates.cpu_pct = 80;
	p->res.now.has_rss = true;
	p->res.now.rss_bytes = 200 * MiB;
	p->res.now.task.state = 'S';
}

static void test_runq_pid(void **state)
{
	struct fx *x = *state;
	struct report_pid *p = &x->pids[0];
	const struct finding *f;

	pid_res(x);
	p->runq_count = 100;
	p->runq_p50 = MS;
	p->runq_p99 = 10 * MS;
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 0);
	p->runq_p99 = 10 * MS + 1;
	run(x);
	f = get(x, "cpu_saturation");
	assert_int_equal(f->subject_kind, SUBJ_PID);
	assert_string_equal(f->subject, "pid 4242 (app)");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(has(f->summary, "up to 10.0 ms"));
	p->runq_p99 = 100 * MS + 1;
	run(x);
	assert_int_equal(get(x, "cpu_saturation")->severity, SEV_CRITICAL);
	p->runq_count = 19;
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 0);
	p->has_res = false;
	p->runq_count = 100;
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 0);
}

static void test_throttle(void **state)
{
	struct fx *x = *state;
	struct res_pid *r = &x->pids[0].res;
	const struct finding *f;

	pid_res(x);
	r->has_cgroup = true;
	r->has_throttle = true;
	r->cpu_quota = 0.5;
	r->cg_periods = 100;
	r->cg_throttled = 10;
	r->cg_throttled_ns = 800 * MS;
	r->throttled_share = 0.10;
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 0);
	r->cg_throttled = 11;
	r->throttled_share = 0.11;
	run(x);
	f = get(x, "cpu_saturation");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(evid(f, "cpu_quota")->value == 0.5);
	assert_true(has(f->summary, "throttled in 11.0% of its CPU periods"));
	assert_true(has(f->summary, "quota of 0.50 CPUs"));
	assert_true(has(f->recommendation, "cpu.max"));
	r->throttled_share = 0.51;
	run(x);
	assert_int_equal(get(x, "cpu_saturation")->severity, SEV_CRITICAL);
	r->cg_periods = 9;
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 0);
}

static void test_memory_pid(void **state)
{
	struct fx *x = *state;
	struct res_pid *r = &x->pids[0].res;
	const struct finding *f;

	pid_res(x);
	r->rates.majflt_per_s = 100;
	r->has_rss_start = true;
	r->rss_start_bytes = 100 * MiB;
	r->now.rss_bytes = 164 * MiB; /* +64 MiB exactly */
	run(x);
	assert_int_equal(count(x, "memory_pressure"), 0);
	r->now.rss_bytes = 164 * MiB + 1;
	run(x);
	f = get(x, "memory_pressure");
	assert_int_equal(f->severity, SEV_INFO); /* growth alone */
	assert_true(has(f->summary, "RSS grew from 100 MiB to 164 MiB"));
	assert_true(has(f->recommendation, "leak"));
	x->r.sys.rates.mem_used_pct = 75; /* and the system is short */
	run(x);
	assert_int_equal(get(x, "memory_pressure")->severity, SEV_WARNING);
	x->r.sys.rates.mem_used_pct = 40;
	r->now.rss_bytes = 110 * MiB;
	r->rates.majflt_per_s = 101;
	run(x);
	f = get(x, "memory_pressure");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_true(has(f->summary, "101 major page faults per second"));
	assert_true(has(f->recommendation, "mlock"));
	/* growth below 20% of the start */
	r->rates.majflt_per_s = 0;
	r->rss_start_bytes = 1000 * MiB;
	r->now.rss_bytes = 1190 * MiB;
	run(x);
	assert_int_equal(count(x, "memory_pressure"), 0);
}

static void test_fds(void **state)
{
	struct fx *x = *state;
	struct sysmon_pid *n = &x->pids[0].res.now;
	const struct finding *f;

	pid_res(x);
	n->has_fds = n->has_fd_limit = true;
	n->nfds = 800;
	n->fd_limit = 1000;
	run(x);
	assert_int_equal(count(x, "resource_exhaustion"), 0);
	n->nfds = 801;
	run(x);
	f = get(x, "resource_exhaustion");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->subject_kind, SUBJ_PID);
	assert_true(has(f->summary, "801 files open of its limit of 1000"));
	n->nfds = 951;
	run(x);
	assert_int_equal(get(x, "resource_exhaustion")->severity, SEV_CRITICAL);
	n->fd_limit = UINT64_MAX;
	run(x);
	assert_int_equal(count(x, "resource_exhaustion"), 0);
	n->fd_limit = 1000;
	n->task.state = 'Z';
	run(x);
	assert_int_equal(count(x, "resource_exhaustion"), 0);
}

static void test_system_cpu(void **state)
{
	struct fx *x = *state;
	const struct finding *f;

	x->r.sys.rates.cpu_busy_pct = 70;
	run(x);
	assert_int_equal(x->r.nfindings, 0);
	x->r.sys.rates.cpu_busy_pct = 70.1;
	run(x);
	f = get(x, "cpu_saturation");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->subject_kind, SUBJ_SYSTEM);
	assert_string_equal(f->subject, "system");
	assert_true(has(f->summary, "4 CPUs were 70.1% busy"));
	x->r.sys.rates.cpu_busy_pct = 90;
	run(x);
	assert_int_equal(get(x, "cpu_saturation")->severity, SEV_WARNING);
	x->r.sys.rates.cpu_busy_pct = 90.1;
	run(x);
	assert_int_equal(get(x, "cpu_saturation")->severity, SEV_CRITICAL);
	x->r.sys.valid = false;
	run(x);
	assert_int_equal(x->r.nfindings, 0);
	x->r.sys.valid = true;
	/* a lower threshold from the config */
	x->r.sys.rates.cpu_busy_pct = 55;
	x->cfg.th.cpu_warning_pct = 50;
	run(x);
	assert_int_equal(count(x, "cpu_saturation"), 1);
}

static void test_system_memory(void **state)
{
	struct fx *x = *state;
	struct res_sys *s = &x->r.sys;
	const struct finding *f;

	s->rates.mem_used_pct = 70;
	run(x);
	assert_int_equal(x->r.nfindings, 0);
	s->rates.mem_used_pct = 70.1;
	run(x);
	f = get(x, "memory_pressure");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->subject_kind, SUBJ_SYSTEM);
	assert_true(has(f->summary, "70.1% of memory is used"));
	s->rates.mem_used_pct = 85;
	run(x);
	assert_int_equal(get(x, "memory_pressure")->severity, SEV_WARNING);
	s->rates.mem_used_pct = 85.1;
	run(x);
	assert_int_equal(get(x, "memory_pressure")->severity, SEV_CRITICAL);
	/* swapping alone */
	s->rates.mem_used_pct = 40;
	s->rates.has_swap_io = true;
	s->rates.swap_in_pages_per_s = 60;
	s->rates.swap_out_pages_per_s = 40;
	run(x);
	assert_int_equal(count(x, "memory_pressure"), 0);
	s->rates.swap_out_pages_per_s = 41;
	run(x);
	f = get(x, "memory_pressure");
	assert_true(has(f->summary, "101 pages/s are swapped"));
	assert_true(evid(f, "swap_pages_per_s")->value == 101);
	/* memory PSI alone */
	s->rates.has_swap_io = false;
	s->now.psi[SYSMON_PSI_MEMORY].present = true;
	s->now.psi[SYSMON_PSI_MEMORY].some.avg10 = 10;
	run(x);
	assert_int_equal(count(x, "memory_pressure"), 0);
	s->now.psi[SYSMON_PSI_MEMORY].some.avg10 = 10.5;
	run(x);
	assert_true(has(get(x, "memory_pressure")->summary, "stalled on memory 10.5%"));
}

static void test_disk(void **state)
{
	struct fx *x = *state;
	const struct finding *f;

	x->fs[0] = (struct sysmon_fs){ .dev = "/dev/sda1", .dir = "/", .type = "ext4",
				       .total_bytes = 100ULL << 30, .used_bytes = 90ULL << 30,
				       .avail_bytes = 10ULL << 30, .used_pct = 90,
				       .has_inodes = true, .inodes_used_pct = 10 };
	x->fs[1] = (struct sysmon_fs){ .dev = "/dev/sdb1", .dir = "/data", .type = "xfs",
				       .total_bytes = 1ULL << 40, .avail_bytes = 500ULL << 30,
				       .used_pct = 50, .has_inodes = true, .inodes_used_pct = 96 };
	x->r.sys.now.fs = x->fs;
	x->r.sys.now.nfs = 1;
	run(x);
	assert_int_equal(x->r.nfindings, 0);
	x->fs[0].used_pct = 90.1;
	run(x);
	f = get(x, "resource_exhaustion");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->subject_kind, SUBJ_DEVICE);
	assert_string_equal(f->device, "sda1");
	assert_string_equal(f->subject, "filesystem / (/dev/sda1)");
	assert_true(has(f->summary, "Filesystem / is 90.1% full (10.0 GiB free"));
	assert_true(has(f->recommendation, "ENOSPC"));
	x->fs[0].used_pct = 95.1;
	x->r.sys.now.nfs = 2;
	run(x);
	assert_int_equal(count(x, "resource_exhaustion"), 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(x->r.findings[i].severity, SEV_CRITICAL);
	assert_true(strstr(x->r.findings[0].summary, "inodes") ||
		    strstr(x->r.findings[1].summary, "inodes"));
	x->r.sys.now.fs = NULL;
	x->r.sys.now.nfs = 0;
}

static void test_order(void **state)
{
	struct fx *x = *state;

	split(&x->ops[0], 0.90, 0.0, 0.0, 0.10);   /* info, impact 0.108 */
	split(&x->ops[1], 0.0, 0.0, 0.0, 0.95);    /* info, impact 0.114 */
	split(&x->ops[2], 0.3, 0.6, 0.0, 0.1);     /* critical */
	x->r.sys.rates.cpu_busy_pct = 80;	   /* warning */
	run(x);
	assert_int_equal(x->r.nfindings, 4);
	assert_string_equal(x->r.findings[0].rule, "cpu_saturation");
	assert_int_equal(x->r.findings[0].severity, SEV_CRITICAL);
	assert_int_equal(x->r.findings[1].severity, SEV_WARNING);
	assert_string_equal(x->r.findings[2].rule, "blocked_op");
	assert_string_equal(x->r.findings[3].rule, "cpu_bound_op");
	for (size_t i = 1; i < x->r.nfindings; i++) {
		const struct finding *a = &x->r.findings[i - 1], *b = &x->r.findings[i];

		assert_true(a->severity > b->severity ||
			    (a->severity == b->severity && a->impact >= b->impact));
	}
}

static void test_efficiency(void **state)
{
	struct fx *x = *state;
	struct report_pid *p = &x->pids[0];

	pid_res(x);
	assert_true(analyze__efficiency(p) == -1); /* no accounting */
	p->res.has_acct = true;
	assert_true(analyze__efficiency(p) == -1); /* nothing demanded */
	p->res.acct.oncpu_ns = 600;
	p->res.acct.runq_ns = 300;
	p->res.acct.iowait_ns = 100;
	p->res.acct.offcpu_ns = 100000; /* idle sleep does not count */
	run(x);
	assert_true(fabs(p->efficiency - 0.6) < 1e-12);
	p->res.acct.runq_ns = p->res.acct.iowait_ns = 0;
	assert_true(analyze__efficiency(p) == 1);
}

static char *text_of(struct fx *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(render__findings_text(f, &x->r), 0);
	fclose(f);
	return buf;
}

static void test_render_text(void **state)
{
	struct fx *x = *state;
	struct alert_event ev = {
		.name = "slow", .severity = SEV_CRITICAL, .subject_kind = SUBJ_OP, .pid = 4242,
		.op = "read_block", .subject = "op read_block of pid 4242 (app)", .metric = "p99",
		.cmp = ">", .value = 7e6, .threshold = 5e6, .for_s = 3, .t_s = 4,
	};
	char *s;

	run(x);
	s = text_of(x);
	assert_true(has(s, "Findings: no findings"));
	assert_null(strstr(s, "Trends"));
	assert_null(strstr(s, "Alerts"));
	free(s);

	split(&x->ops[2], 0.95, 0.0, 0.0, 0.05);
	x->ops[2].errs[0] = (struct report_err){ .code = 2, .name = "ENOENT", .count = 300 };
	x->ops[2].nerrs = 1;
	x->ops[2].errors = 300;
	x->ops[2].err_rate = 0.3;
	fill_series(x, 0, 10, 2e6, 4e6);
	x->r.alerts = &ev;
	x->r.nalerts = 1;
	run(x);
	s = text_of(x);
	assert_true(has(s, "Findings: 3 (1 critical, 1 warning, 1 info)"));
	assert_true(has(s, "  critical error_rate: op compute of pid 4242 (app): ENOENT\n"));
	assert_true(has(s, "  info     cpu_bound_op: op compute of pid 4242 (app)\n"));
	assert_true(has(s, "evidence: error_rate 30.0%, errors 300, calls 1000"));
	assert_true(has(s, "           do: Profile the hot path"));
	assert_true(has(s, "\nTrends"));
	assert_true(has(s, "  op read_block of pid 4242 (app)\n    p99 increasing +67% over the run"));
	assert_true(has(s, "Alerts fired: 1\n  critical slow: op read_block of pid 4242 (app): "
			   "p99 7.00 ms > 5.00 ms, held 3.0 s, at 4.0 s\n"));
	/* wrapped: no line longer than 100 columns */
	for (char *line = s, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		if (nl - line > 100)
			fail_msg("line longer than 100: %.*s", (int)(nl - line), line);
	free(s);
	x->r.alerts = NULL;
	x->r.nalerts = 0;
	x->ops[0].series = NULL;
	x->ops[0].nseries = 0;
}

static void test_metric_values(void **state)
{
	char b[48];

	(void)state;
	assert_string_equal(render__metric_value("ns", 1500, b, sizeof(b)), "1.50 us");
	assert_string_equal(render__metric_value("ratio", 0.1234, b, sizeof(b)), "12.3%");
	assert_string_equal(render__metric_value("pct", 95.25, b, sizeof(b)), "95.2%");
	assert_string_equal(render__metric_value("bytes", 3 * MiB, b, sizeof(b)), "3.00 MiB");
	assert_string_equal(render__metric_value("/s", 12.5, b, sizeof(b)), "12.5/s");
	assert_string_equal(render__metric_value("count", 42, b, sizeof(b)), "42");
	assert_string_equal(render__metric_value("x", 19.04, b, sizeof(b)), "19.0x");
	assert_string_equal(render__metric_value("cpus", 0.5, b, sizeof(b)), "0.50 CPUs");
	assert_string_equal(render__metric_value("ns/s", -2000, b, sizeof(b)), "-2.00 us/s");
	assert_string_equal(render__metric_value("furlongs", 3, b, sizeof(b)), "3 furlongs");
	assert_string_equal(render__metric_value("ns", NAN, b, sizeof(b)), "?");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_healthy_run_has_no_findings),
		T(test_cpu_bound),
		T(test_min_calls),
		T(test_runq_op),
		T(test_io_bound),
		T(test_shares_without_probe_cost),
		T(test_blocked),
		T(test_error_rate),
		T(test_tail),
		T(test_tracer_cost),
		T(test_op_limits),
		T(test_trends),
		T(test_runq_pid),
		T(test_throttle),
		T(test_memory_pid),
		T(test_fds),
		T(test_system_cpu),
		T(test_system_memory),
		T(test_disk),
		T(test_order),
		T(test_efficiency),
		T(test_render_text),
		cmocka_unit_test(test_metric_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
