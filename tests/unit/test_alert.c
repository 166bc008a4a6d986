// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_alert.c - alert.c over hand-built interval reports, one per tick:
 * a sustained window fires once; cooldown; a streak broken by a tick below
 * the threshold, by a tick without data and by a missing subject; for = 0;
 * subjects by glob and pid; process metrics; comparisons at the boundary;
 * the kept events.  And render_findings.c's alert line and JSON line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert.h"
#include "render_findings.h"
#include "report.h"

#define MS 1000000.0
#define S  1000000000ULL

static const struct op_info infos[2] = {
	{ .name = "read_block", .func = "read_block", .path = "/bin/app" },
	{ .name = "write_block", .func = "write_block", .path = "/bin/app" },
};

struct fx {
	struct report_op ops[2];
	struct report_pid pids[1];
	struct report_bio bio[2];
	struct report r;
	struct optrace_config cfg;
	struct alert_rule rule;
	struct alerts *a;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	for (int i = 0; i < 2; i++) {
		x->ops[i].pid = 4242;
		x->ops[i].comm = "app";
		x->ops[i].info = &infos[i];
		x->ops[i].calls = 100;
		x->ops[i].rate = 100;
		x->ops[i].p50 = 1000000;
		x->ops[i].p95 = 2000000;
		x->ops[i].p99 = 3000000;
		x->ops[i].mean = 1200000;
	}
	x->pids[0].pid = 4242;
	x->pids[0].comm = "app";
	x->pids[0].efficiency = -1;
	x->r.meta.kind = "interval";
	x->r.meta.window_s = 1.0;
	x->r.ops = x->ops;
	x->r.nops = 2;
	x->r.pids = x->pids;
	x->r.npids = 1;
	config__defaults(&x->cfg);
	x->rule = (struct alert_rule){
		.name = "slow-reads", .metric = AM_P99, .op = "read_*", .cmp = CMP_GT,
		.threshold = 5 * MS, .for_ns = 3 * S, .severity = SEV_CRITICAL,
		.cooldown_ns = 300 * S,
	};
	x->cfg.alerts = &x->rule;
	x->cfg.nalerts = 1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	alerts__free(x->a);
	free(x);
	return 0;
}

static struct alerts *engine(struct fx *x)
{
	alerts__free(x->a);
	x->a = alerts__new(&x->cfg);
	assert_non_null(x->a);
	return x->a;
}

/* Evaluates one tick ending at t; returns how many events fired. */
static size_t tick(struct fx *x, double t, const struct alert_event **ev)
{
	const struct alert_event *dummy;
	size_t n;

	assert_int_equal(alerts__eval(x->a, &x->r, t, (int64_t)(1700000000.0e9 + t * 1e9),
				      ev ? ev : &dummy, &n), 0);
	return n;
}

static void test_sustained_fires_once(void **state)
{
	struct fx *x = *state;
	const struct alert_event *ev, *all;
	size_t n;

	engine(x);
	assert_true(alerts__has_rules(x->a));
	x->ops[0].p99 = 7000000;
	assert_int_equal(tick(x, 1, NULL), 0);
	assert_int_equal(tick(x, 2, NULL), 0);
	assert_int_equal(tick(x, 3, &ev), 1); /* held 3 s */
	assert_string_equal(ev->name, "slow-reads");
	assert_int_equal(ev->severity, SEV_CRITICAL);
	assert_int_equal(ev->subject_kind, SUBJ_OP);
	assert_int_equal(ev->pid, 4242);
	assert_string_equal(ev->op, "read_block");
	assert_string_equal(ev->subject, "op read_block of pid 4242 (app)");
	assert_string_equal(ev->metric, "p99");
	assert_string_equal(ev->cmp, ">");
	assert_true(ev->value == 7e6 && ev->threshold == 5e6);
	assert_true(ev->for_s == 3 && ev->t_s == 3);
	assert_true(ev->unix_ns == (int64_t)(1700000000.0e9 + 3e9));
	/* Still holding: quiet for the 5 min cooldown. */
	for (int t = 4; t <= 60; t++)
		assert_int_equal(tick(x, t, NULL), 0);
	all = alerts__all(x->a, &n);
	assert_int_equal(n, 1);
	assert_string_equal(all[0].op, "read_block");
	/* write_block's p99 is below: never an event for it */
}

static void test_cooldown(void **state)
{
	struct fx *x = *state;
	const struct alert_event *all;
	double fired[8];
	size_t n, k = 0;

	x->rule.for_ns = 2 * S;
	x->rule.cooldown_ns = 5 * S;
	engine(x);
	x->ops[0].p99 = 7000000;
	/* Holding all along: t = 2, then every 5 s (cooldown over, held 2 s again). */
	for (int t = 1; t <= 13; t++)
		if (tick(x, t, NULL))
			fired[k++] = t;
	assert_int_equal(k, 3);
	assert_true(fired[0] == 2 && fired[1] == 7 && fired[2] == 12);
	/* A break: held again from t = 14 (after the tick at 15's window), but
	 * the cooldown since 12 runs to 17. */
	x->ops[0].p99 = 1000000;
	assert_int_equal(tick(x, 14, NULL), 0);
	x->ops[0].p99 = 7000000;
	assert_int_equal(tick(x, 15, NULL), 0); /* held 1 s */
	assert_int_equal(tick(x, 16, NULL), 0); /* held 2 s, cooldown 4 s */
	assert_int_equal(tick(x, 17, NULL), 1); /* cooldown 5 s */
	all = alerts__all(x->a, &n);
	assert_int_equal(n, 4);
	assert_true(all[3].t_s == 17);
}

static void test_streak_broken_below(void **state)
{
	struct fx *x = *state;

	x->rule.cooldown_ns = 0;
	engine(x);
	x->ops[0].p99 = 7000000;
	assert_int_equal(tick(x, 1, NULL), 0);
	assert_int_equal(tick(x, 2, NULL), 0);
	x->ops[0].p99 = 5000000; /* at the threshold: not > */
	assert_int_equal(tick(x, 3, NULL), 0);
	x->ops[0].p99 = 7000000;
	assert_int_equal(tick(x, 4, NULL), 0);
	assert_int_equal(tick(x, 5, NULL), 0);
	assert_int_equal(tick(x, 6, NULL), 1); /* 4, 5, 6: 3 s */
}

static void test_no_data_breaks(void **state)
{
	struct fx *x = *state;

	engine(x);
	x->ops[0].p99 = 7000000;
	assert_int_equal(tick(x, 1, NULL), 0);
	assert_int_equal(tick(x, 2, NULL), 0);
	x->ops[0].calls = 0; /* no calls: no latency */
	assert_int_equal(tick(x, 3, NULL), 0);
	x->ops[0].calls = 100;
	assert_int_equal(tick(x, 4, NULL), 0);
	assert_int_equal(tick(x, 5, NULL), 0);
	/* The op missing from the report altogether: no data either. */
	x->r.ops = &x->ops[1];
	x->r.nops = 1;
	assert_int_equal(tick(x, 6, NULL), 0);
	x->r.ops = x->ops;
	x->r.nops = 2;
	assert_int_equal(tick(x, 7, NULL), 0);
	assert_int_equal(tick(x, 8, NULL), 0);
	assert_int_equal(tick(x, 9, NULL), 1);
}

static void test_error_rate_no_calls_is_no_data(void **state)
{
	struct fx *x = *state;

	x->rule = (struct alert_rule){ .name = "errs", .metric = AM_ERROR_RATE, .cmp = CMP_LT,
				       .threshold = 0.05, .for_ns = 2 * S };
	engine(x);
	/* error rate 0 < 5% holds with calls, is no data without */
	x->ops[0].calls = x->ops[1].calls = 0;
	for (int t = 1; t <= 5; t++)
		assert_int_equal(tick(x, t, NULL), 0);
	x->ops[0].calls = 10;
	assert_int_equal(tick(x, 6, NULL), 0);
	assert_int_equal(tick(x, 7, NULL), 1); /* only read_block: write_block has no calls */
}

static void test_throughput_zero_is_data(void **state)
{
	struct fx *x = *state;
	const struct alert_event *ev;

	x->rule = (struct alert_rule){ .name = "stalled", .metric = AM_THROUGHPUT,
				       .op = "write_block", .cmp = CMP_LT, .threshold = 1,
				       .severity = SEV_WARNING };
	engine(x);
	x->ops[1].calls = 0;
	x->ops[1].rate = 0;
	assert_int_equal(tick(x, 1, &ev), 1); /* for = 0: the first tick */
	assert_string_equal(ev->op, "write_block");
	assert_true(ev->value == 0 && ev->for_s == 0);
	/* cooldown 0: every tick while it holds */
	assert_int_equal(tick(x, 2, NULL), 1);
	assert_int_equal(tick(x, 3, NULL), 1);
}

static void test_half_second_ticks(void **state)
{
	struct fx *x = *state;

	x->rule.for_ns = 2 * S;
	engine(x);
	x->r.meta.window_s = 0.5;
	x->ops[0].p99 = 7000000;
	assert_int_equal(tick(x, 0.5, NULL), 0);
	assert_int_equal(tick(x, 1.0, NULL), 0);
	assert_int_equal(tick(x, 1.5, NULL), 0);
	assert_int_equal(tick(x, 2.0, NULL), 1);
}

static void test_every_op_and_pid_filter(void **state)
{
	struct fx *x = *state;
	const struct alert_event *ev;

	x->rule.op = NULL; /* every op */
	x->rule.for_ns = 0;
	engine(x);
	x->ops[0].p99 = x->ops[1].p99 = 9000000;
	assert_int_equal(tick(x, 1, &ev), 2);
	assert_string_equal(ev[0].op, "read_block");
	assert_string_equal(ev[1].op, "write_block");
	x->rule.has_pid = true;
	x->rule.pid = 1;
	engine(x);
	assert_int_equal(tick(x, 1, NULL), 0);
	x->rule.pid = 4242;
	engine(x);
	assert_int_equal(tick(x, 1, NULL), 2);
}

static void test_pid_metrics(void **state)
{
	struct fx *x = *state;
	struct report_pid *p = &x->pids[0];
	const struct alert_event *ev;

	x->rule = (struct alert_rule){ .name = "hot", .metric = AM_CPU, .cmp = CMP_GE,
				       .threshold = 95, .severity = SEV_WARNING };
	engine(x);
	p->res.rates.cpu_pct = 95; /* no resources yet: no data */
	assert_int_equal(tick(x, 1, NULL), 0);
	p->has_res = true;
	p->res.has_proc = true;
	assert_int_equal(tick(x, 2, &ev), 1); /* >= at the boundary */
	assert_int_equal(ev->subject_kind, SUBJ_PID);
	assert_string_equal(ev->subject, "pid 4242 (app)");
	assert_string_equal(ev->op, "");
	assert_true(ev->value == 95);

	x->rule.metric = AM_RSS;
	x->rule.cmp = CMP_GT;
	x->rule.threshold = 512.0 * 1048576;
	engine(x);
	p->res.now.rss_bytes = 512ULL << 20;
	assert_int_equal(tick(x, 1, NULL), 0); /* no has_rss */
	p->res.now.has_rss = true;
	assert_int_equal(tick(x, 2, NULL), 0); /* not > */
	p->res.now.rss_bytes++;
	assert_int_equal(tick(x, 3, NULL), 1);

	x->rule.metric = AM_RUNQ_P99;
	x->rule.cmp = CMP_LE;
	x->rule.threshold = 0;
	engine(x);
	assert_int_equal(tick(x, 1, NULL), 0); /* no scheduler accounting */
	p->res.has_acct = true;
	assert_int_equal(tick(x, 2, &ev), 1); /* accounted, no waits: p99 0 */
	x->rule.cmp = CMP_GT;
	x->rule.threshold = 10 * MS;
	engine(x);
	p->runq_count = 50;
	p->runq_p99 = 12000000;
	assert_int_equal(tick(x, 1, &ev), 1);
	assert_true(ev->value == 12e6);

	x->rule.metric = AM_IO_P99;
	x->rule.threshold = 50 * MS;
	engine(x);
	assert_int_equal(tick(x, 1, NULL), 0); /* no block IO: no data */
	x->bio[0] = (struct report_bio){ .op = "read", .count = 10, .p99 = 20000000 };
	x->bio[1] = (struct report_bio){ .op = "write", .count = 3, .p99 = 70000000 };
	p->bio = x->bio;
	p->nbio = 2;
	assert_int_equal(tick(x, 2, &ev), 1);
	assert_true(ev->value == 70e6); /* the worst */
	x->bio[1].count = 0;
	assert_int_equal(tick(x, 3, NULL), 0);
	p->bio = NULL;
	p->nbio = 0;
}

static void test_comparisons(void **state)
{
	struct fx *x = *state;
	static const struct {
		int cmp;
		double thr;
		size_t fires;
	} c[] = {
		{ CMP_GT, 3e6, 0 }, { CMP_GE, 3e6, 1 }, { CMP_LT, 3e6, 0 }, { CMP_LE, 3e6, 1 },
		{ CMP_GT, 2.9e6, 1 }, { CMP_LT, 3.1e6, 1 },
	};

	x->rule.for_ns = 0;
	x->rule.op = "read_block";
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		x->rule.cmp = c[i].cmp;
		x->rule.threshold = c[i].thr;
		engine(x);
		assert_int_equal(tick(x, 1, NULL), c[i].fires);
	}
}

static void test_critical_since_and_export(void **state)
{
	struct fx *x = *state;
	struct alert_rule rules[2];
	struct alert_event *v;
	size_t n;

	rules[0] = x->rule;
	rules[0].severity = SEV_WARNING;
	rules[0].for_ns = 0;
	rules[1] = rules[0];
	rules[1].name = "very-slow";
	rules[1].threshold = 8 * MS;
	rules[1].severity = SEV_CRITICAL;
	x->cfg.alerts = rules;
	x->cfg.nalerts = 2;
	engine(x);
	assert_int_equal(alerts__export(x->a, &v, &n), 0);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_false(alerts__any_critical_since(x->a, 0));
	x->ops[0].p99 = 7000000;
	assert_int_equal(tick(x, 1, NULL), 1);
	assert_false(alerts__any_critical_since(x->a, 0));
	x->ops[0].p99 = 9000000;
	assert_int_equal(tick(x, 2, NULL), 1); /* warning in cooldown; critical fires */
	assert_true(alerts__any_critical_since(x->a, 1));
	assert_false(alerts__any_critical_since(x->a, 2));
	assert_int_equal(alerts__export(x->a, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "slow-reads");
	assert_string_equal(v[1].name, "very-slow");
	free(v);
	x->cfg.alerts = &x->rule;
	x->cfg.nalerts = 1;
}

static void test_no_rules(void **state)
{
	struct fx *x = *state;

	x->cfg.nalerts = 0;
	engine(x);
	assert_false(alerts__has_rules(x->a));
	assert_int_equal(tick(x, 1, NULL), 0);
	x->cfg.nalerts = 1;
	assert_string_equal(alert__metric_unit("p95"), "ns");
	assert_string_equal(alert__metric_unit("error_rate"), "ratio");
	assert_string_equal(alert__metric_unit("throughput"), "/s");
	assert_string_equal(alert__metric_unit("cpu"), "pct");
	assert_string_equal(alert__metric_unit("rss"), "bytes");
	assert_string_equal(alert__metric_unit("bogus"), "");
}

static const struct alert_event sample_ev = {
	.name = "slow-reads", .severity = SEV_CRITICAL, .subject_kind = SUBJ_OP, .pid = 4242,
	.op = "read_block", .subject = "op read_block of pid 4242 (app)", .metric = "p99",
	.cmp = ">", .value = 7200000, .threshold = 5000000, .for_s = 30, .t_s = 31,
	.unix_ns = 1700000031000000000LL,
};

/* What fn (or fn2) writes for sample_ev, into *buf (free it). */
static void capture(char **buf, void (*fn)(FILE *, const struct alert_event *),
		    int (*fn2)(FILE *, const struct alert_event *))
{
	size_t len = 0;
	FILE *f = open_memstream(buf, &len);

	assert_non_null(f);
	if (fn)
		fn(f, &sample_ev);
	else
		assert_int_equal(fn2(f, &sample_ev), 0);
	fclose(f);
}

static void test_alert_line(void **state)
{
	char *s = NULL;

	(void)state;
	capture(&s, render__alert_line, NULL);
	assert_string_equal(s, "optrace: alert critical slow-reads: op read_block of pid 4242 "
			       "(app): p99 7.20 ms > 5.00 ms, held 30.0 s, at 31.0 s\n");
	free(s);
}

static void test_alert_jsonl(void **state)
{
	char *s = NULL;
	json_error_t jerr;
	json_t *j;

	(void)state;
	capture(&s, NULL, render__alert_jsonl);
	assert_non_null(strchr(s, '\n'));
	assert_int_equal(strchr(s, '\n')[1], '\0'); /* one line */
	j = json_loads(s, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 13);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "slow-reads");
	assert_string_equal(json_string_value(json_object_get(j, "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(j, "subject_kind")), "op");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 4242);
	assert_string_equal(json_string_value(json_object_get(j, "op")), "read_block");
	assert_string_equal(json_string_value(json_object_get(j, "subject")),
			    "op read_block of pid 4242 (app)");
	assert_string_equal(json_string_value(json_object_get(j, "metric")), "p99");
	assert_string_equal(json_string_value(json_object_get(j, "cmp")), ">");
	assert_true(json_number_value(json_object_get(j, "value")) == 7200000);
	assert_true(json_number_value(json_object_get(j, "threshold")) == 5000000);
	assert_true(json_number_value(json_object_get(j, "for_s")) == 30);
	assert_true(json_number_value(json_object_get(j, "t_s")) == 31);
	assert_int_equal(json_integer_value(json_object_get(j, "unix_ns")), 1700000031000000000LL);
	json_decref(j);
	free(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sustained_fires_once),
		T(test_cooldown),
		T(test_streak_broken_below),
		T(test_no_data_breaks),
		T(test_error_rate_no_calls_is_no_data),
		T(test_throughput_zero_is_data),
		T(test_half_second_ticks),
		T(test_every_op_and_pid_filter),
		T(test_pid_metrics),
		T(test_comparisons),
		T(test_critical_since_and_export),
		T(test_no_rules),
		cmocka_unit_test(test_alert_line),
		cmocka_unit_test(test_alert_jsonl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
