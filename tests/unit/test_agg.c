// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_agg.c - aggregation of spans and process events (agg.c) and the
 * per-latency-range time split (split.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "agg.h"
#include "split.h"

static const struct op_info ops[] = {
	{ .name = "plain", .category = "", .func = "plain", .path = "/x",
	  .error_mode = PROBE_ERR_NONE },
	{ .name = "lt0", .category = "db", .func = "lt0", .path = "/x",
	  .error_mode = PROBE_ERR_RET_LT0, .bytes_src = OT_BYTES_RET },
	{ .name = "eq0", .category = "", .func = "eq0", .path = "/x",
	  .error_mode = PROBE_ERR_RET_EQ0 },
};

static struct ot_span span(uint32_t pid, uint32_t op, uint64_t dur, int64_t ret)
{
	struct ot_span sp = {
		.kind = OT_EV_SPAN, .op_id = op, .tgid = pid, .tid = pid, .dur_ns = dur, .ret = ret,
	};
	return sp;
}

static const struct op_stats *find(const struct agg *a, uint32_t pid, uint32_t op)
{
	for (size_t i = 0; i < agg__nr_stats(a); i++) {
		const struct op_stats *s = agg__stats_at(a, i);

		if (s->pid == pid && s->op_id == op)
			return s;
	}
	return NULL;
}

/* The run's window of (pid, op): a sum of two windows is kept here and
 * freed at the next call. */
static struct op_window *last_sum;

static const struct op_window *run(const struct agg *a, uint32_t pid, uint32_t op)
{
	const struct op_window *w;

	agg__window_free(last_sum);
	w = agg__run_window(find(a, pid, op), &last_sum);
	assert_non_null(w);
	return w;
}

static void test_agg_counts_per_pid_and_op(void **state)
{
	struct agg *a = agg__new(ops, 3);
	(void)state;

	assert_non_null(a);
	for (int i = 0; i < 1000; i++) {
		struct ot_span sp = span(100 + i % 3, i % 2, 1000 + i, 0);

		assert_int_equal(agg__add_span(a, &sp), 0);
	}
	assert_int_equal(agg__nr_pids(a), 3);
	assert_int_equal(agg__nr_stats(a), 6);
	/* i % 3 == 0 and i % 2 == 0: i % 6 == 0 -> 167 of 0..999 */
	assert_int_equal(run(a, 100, 0)->calls, 167);
	assert_int_equal(run(a, 100, 0)->lat.count, 167);
	assert_int_equal(agg__pid_at(a, 0)->spans + agg__pid_at(a, 1)->spans +
				 agg__pid_at(a, 2)->spans, 1000);
	agg__free(a);
}

static void test_agg_errors_by_mode(void **state)
{
	struct agg *a = agg__new(ops, 3);
	const struct op_window *w;
	(void)state;

	for (int i = 0; i < 30; i++) {
		struct ot_span sp = span(1, 1, 10, i % 3 == 0 ? -ENOENT : i % 3 == 1 ? -EAGAIN : 64);
		struct ot_span z = span(1, 2, 10, i % 2 ? 0 : 0x1000);
		struct ot_span p = span(1, 0, 10, -1);

		sp.flags = OT_SPAN_F_BYTES;
		sp.bytes = sp.ret;
		agg__add_span(a, &sp);
		agg__add_span(a, &z);
		agg__add_span(a, &p);
	}
	w = run(a, 1, 1);
	assert_int_equal(w->errors, 20);
	assert_int_equal(w->nerrs, 2);
	assert_int_equal(w->errs[0].code, ENOENT);
	assert_int_equal(w->errs[0].count, 10);
	assert_int_equal(w->errs[1].code, EAGAIN);
	/* bytes=ret: the failed calls' negative returns are not sizes */
	assert_int_equal(w->bytes, 10 * 64);
	assert_int_equal(run(a, 1, 2)->errors, 15);
	assert_int_equal(run(a, 1, 0)->errors, 0); /* error=none */
	agg__free(a);
}

static void test_agg_bad_op_id(void **state)
{
	struct agg *a = agg__new(ops, 3);
	struct ot_span sp = span(1, 3, 10, 0);
	(void)state;

	assert_int_equal(agg__add_span(a, &sp), -ERANGE);
	assert_int_equal(agg__bad_records(a), 1);
	assert_int_equal(agg__nr_stats(a), 0);
	agg__free(a);
}

static void test_agg_interval_reset(void **state)
{
	struct agg *a = agg__new(ops, 3);
	struct ot_span sp = span(7, 0, 500, 0);
	const struct op_stats *s;
	(void)state;

	agg__add_span(a, &sp);
	agg__add_span(a, &sp);
	agg__interval_reset(a);
	agg__add_span(a, &sp);
	s = find(a, 7, 0);
	assert_int_equal(s->total.calls, 2); /* the closed interval */
	assert_int_equal(s->iv.calls, 1);
	assert_int_equal(run(a, 7, 0)->calls, 3);
	assert_int_equal(run(a, 7, 0)->lat.count, 3);
	assert_int_equal(s->iv.lat.count, 1);
	agg__free(a);
}

static void test_agg_split_and_counts(void **state)
{
	struct agg *a = agg__new(ops, 3);
	const struct op_window *w;
	(void)state;

	for (int i = 0; i < 100; i++) {
		struct ot_span sp = span(1, 0, i < 99 ? 1000 : 100000, 0);

		sp.flags = OT_SPAN_F_SPLIT | OT_SPAN_F_FAULTS;
		sp.oncpu_ns = i < 99 ? 900 : 1000;
		sp.iowait_ns = i < 99 ? 0 : 99000;
		sp.offcpu_ns = sp.dur_ns - sp.oncpu_ns - sp.iowait_ns;
		sp.nvcsw = 1;
		sp.minflt = 2;
		agg__add_span(a, &sp);
	}
	w = run(a, 1, 0);
	assert_int_equal(w->split.total.calls, 100);
	assert_int_equal(w->split.total.oncpu_ns, 99 * 900 + 1000);
	assert_int_equal(w->counted_calls, 100);
	assert_int_equal(w->nvcsw, 100);
	assert_int_equal(w->minflt, 200);
	agg__free(a);
}

static void test_split_tail_separates_slow_calls(void **state)
{
	struct split_hist h = {};
	struct split_sums tail;
	(void)state;

	for (int i = 0; i < 990; i++) {
		struct split_sums one = { .calls = 1, .wall_ns = 1000, .oncpu_ns = 1000 };

		assert_int_equal(split__add(&h, &one), 0);
	}
	for (int i = 0; i < 10; i++) {
		struct split_sums one = { .calls = 1, .wall_ns = 1000000, .iowait_ns = 990000,
					  .oncpu_ns = 10000 };

		assert_int_equal(split__add(&h, &one), 0);
	}
	assert_int_equal(h.total.calls, 1000);
	split__top(&h, 10, &tail);
	assert_int_equal(tail.calls, 10);
	assert_int_equal(tail.iowait_ns, 10 * 990000);
	split__top(&h, 5000, &tail);
	assert_int_equal(tail.calls, 1000);
	/* Past the slow bin: a pro-rated share of the next one (calls alike). */
	split__top(&h, 20, &tail);
	assert_int_equal(tail.calls, 20);
	assert_int_equal(tail.wall_ns, 10 * 1000000 + 10 * 1000);
	assert_int_equal(tail.oncpu_ns, 10 * 10000 + 10 * 1000);
	split__reset(&h);
	assert_int_equal(h.total.calls, 0);
	split__top(&h, 10, &tail);
	assert_int_equal(tail.calls, 0);
	split__free(&h);
}

static void test_split_extremes(void **state)
{
	struct split_hist h = {};
	struct split_sums tail, zero = { .calls = 1 }, max = { .calls = 1, .wall_ns = UINT64_MAX };
	(void)state;

	assert_int_equal(split__add(&h, &zero), 0);
	assert_int_equal(split__add(&h, &max), 0);
	split__top(&h, 1, &tail);
	assert_int_equal(tail.calls, 1);
	assert_true(tail.wall_ns == UINT64_MAX);
	split__free(&h);
}

/* Counter values land only for calls counted whole, only in the slots in
 * use, once per span whatever its sampling weight; an interval reset empties
 * the interval's counters only. */
static void test_agg_counters(void **state)
{
	struct agg *a = agg__new(ops, 3);
	const struct op_stats *s;
	(void)state;

	agg__set_counters(a, 1);
	for (int i = 0; i < 10; i++) {
		struct ot_span sp = span(3, 1, 1000, 0);

		sp.ctr[0] = 5000 + i;
		sp.ctr[1] = 77;
		sp.weight = 4;
		if (i < 8)
			sp.flags = OT_SPAN_F_CTR;
		agg__add_span(a, &sp);
	}
	s = find(a, 3, 1);
	assert_int_equal(run(a, 3, 1)->calls, 40);
	assert_int_equal(run(a, 3, 1)->ctr[0].count, 8);
	assert_int_equal(run(a, 3, 1)->ctr[0].sum, 8 * 5000 + 28);
	assert_int_equal(run(a, 3, 1)->ctr[0].min, 5000);
	assert_int_equal(run(a, 3, 1)->ctr[1].count, 0);
	agg__interval_reset(a);
	assert_int_equal(s->iv.ctr[0].count, 0);
	assert_int_equal(s->total.ctr[0].count, 8);
	agg__free(a);
}

/* The run's window is the same whether or not intervals were closed in
 * between: closed intervals plus the open one add up to every span once. */
static void test_agg_run_window_over_intervals(void **state)
{
	struct agg *one = agg__new(ops, 3), *many = agg__new(ops, 3);
	struct op_window *sum = NULL;
	const struct op_window *x, *y;
	(void)state;

	agg__set_counters(one, 2);
	agg__set_counters(many, 2);
	for (int i = 0; i < 5000; i++) {
		struct ot_span sp = span(9, 1, 100 + (uint64_t)i * i % 977 * 1000, i % 7 ? 32 : -EIO);

		sp.flags = OT_SPAN_F_BYTES | OT_SPAN_F_FAULTS | OT_SPAN_F_CTR;
		sp.bytes = sp.ret;
		sp.minflt = i % 3;
		sp.ctr[0] = 1000 + i;
		sp.ctr[1] = 2000 + i % 50;
		if (i % 2) {
			sp.flags |= OT_SPAN_F_SPLIT;
			sp.oncpu_ns = sp.dur_ns / 2;
			sp.offcpu_ns = sp.dur_ns - sp.oncpu_ns;
		}
		assert_int_equal(agg__add_span(one, &sp), 0);
		assert_int_equal(agg__add_span(many, &sp), 0);
		if (i % 1000 == 999 && i < 4000)
			agg__interval_reset(many);
	}
	x = run(one, 9, 1);
	assert_null(last_sum); /* one window: no sum made */
	y = agg__run_window(find(many, 9, 1), &sum);
	assert_non_null(y);
	assert_non_null(sum); /* closed intervals and an open one */
	assert_int_equal(find(many, 9, 1)->iv.calls, 1000);
	assert_int_equal(y->calls, 5000);
	assert_int_equal(y->calls, x->calls);
	assert_int_equal(y->errors, x->errors);
	assert_int_equal(y->nerrs, x->nerrs);
	assert_int_equal(y->errs[0].count, x->errs[0].count);
	assert_int_equal(y->bytes, x->bytes);
	assert_int_equal(y->self_ns, x->self_ns);
	assert_int_equal(y->counted_calls, x->counted_calls);
	assert_int_equal(y->minflt, x->minflt);
	assert_int_equal(y->lat.count, x->lat.count);
	assert_int_equal(y->lat.sum, x->lat.sum);
	assert_int_equal(y->lat.min, x->lat.min);
	assert_int_equal(y->lat.max, x->lat.max);
	for (double p = 1; p < 100; p += 7.5)
		assert_int_equal(hist__percentile(&y->lat, p), hist__percentile(&x->lat, p));
	assert_int_equal(y->split.total.calls, x->split.total.calls);
	assert_int_equal(y->split.total.oncpu_ns, x->split.total.oncpu_ns);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(y->ctr[k].count, x->ctr[k].count);
		assert_int_equal(y->ctr[k].sum, x->ctr[k].sum);
	}
	agg__window_free(sum);
	agg__free(one);
	agg__free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agg_counts_per_pid_and_op),
		cmocka_unit_test(test_agg_errors_by_mode),
		cmocka_unit_test(test_agg_bad_op_id),
		cmocka_unit_test(test_agg_interval_reset),
		cmocka_unit_test(test_agg_split_and_counts),
		cmocka_unit_test(test_split_tail_separates_slow_calls),
		cmocka_unit_test(test_split_extremes),
		cmocka_unit_test(test_agg_counters),
		cmocka_unit_test(test_agg_run_window_over_intervals),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	agg__window_free(last_sum);
	return rc;
}
