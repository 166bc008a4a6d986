// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_compare.c - statistics (compare_stats.c), verdicts and rules
 * (compare.c) on synthetic histograms drawn from a noisy latency model; the
 * renderers of render_compare.c; and cmd_compare's options and exit codes,
 * with a fake record__read (and report__free) that serves synthetic reports
 * by path.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "compare.h"
#include "render_compare.h"

int cmd_compare(int argc, char **argv);

/* ------------------------------------------------------------ the model */

/* A latency model: lognormal body around median_ns, and a tail of 2% of
 * calls 3x slower (a cache miss, a preemption). */
struct model {
	double median_ns;
	double sigma;
	double tail_share, tail_factor;
};

static const struct model NOISY = { 20000, 0.15, 0.02, 3.0 };
/* Instructions (or cycles) per call: ~10000, a little spread, and 5% of
 * calls taking a longer path (a cache refill, a rehash). */
static const struct model COUNTS = { 10000, 0.08, 0.05, 1.5 };

static uint64_t xs(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return ((double)(xs(s) >> 11) + 0.5) * 0x1.0p-53;
}

static double gauss(uint64_t *s)
{
	return sqrt(-2 * log(unit(s))) * cos(2 * M_PI * unit(s));
}

/* Draws n calls of the model scaled by (1 + shift) into h. */
static void draw(struct hist *h, const struct model *m, double shift, size_t n, uint64_t seed)
{
	uint64_t s = seed * 7919 + 17;

	for (size_t i = 0; i < n; i++) {
		double v = m->median_ns * exp(m->sigma * gauss(&s));

		if (unit(&s) < m->tail_share)
			v *= m->tail_factor;
		assert_int_equal(hist__add(h, (uint64_t)(v * (1 + shift))), 0);
	}
}

/* ------------------------------------------------------ synthetic reports */

static const struct op_info op_a = { .name = "op", .func = "op", .path = "/bin/regress" };
static const struct op_info op_b = { .name = "other", .func = "other", .path = "/bin/regress" };

struct fake {
	struct report r;
	struct report_op ops[2];
	struct hist h[2];
	struct hist ctr[OT_NR_CTR]; /* op 0's counter values per call, by slot */
};

/* One op "op" (pid 1) with n calls shifted by shift; with split, on-CPU is
 * 80% of wall. */
static struct fake *fake_new(double shift, size_t n, uint64_t seed)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	hist__init(&f->h[0]);
	if (n)
		draw(&f->h[0], &NOISY, shift, n, seed);
	f->ops[0] = (struct report_op){ .pid = 1, .info = &op_a, .calls = n, .lat = &f->h[0] };
	f->ops[0].has_split = true;
	f->ops[0].split_all.calls = n;
	f->ops[0].split_all.wall_mean = hist__mean(&f->h[0]);
	f->ops[0].split_all.oncpu_mean = 0.8 * hist__mean(&f->h[0]);
	f->r.ops = f->ops;
	f->r.nops = 1;
	return f;
}

static void fake_free(struct fake *f)
{
	if (!f)
		return;
	hist__free(&f->h[0]);
	hist__free(&f->h[1]);
	for (int k = 0; k < OT_NR_CTR; k++)
		hist__free(&f->ctr[k]);
	free(f);
}

/* Gives op 0 counter name in slot: n calls counted, COUNTS scaled by
 * scale * (1 + shift). */
static void fake_ctr(struct fake *f, int slot, const char *name, double scale, double shift,
		     size_t n, uint64_t seed)
{
	struct model m = COUNTS;

	m.median_ns *= scale;
	hist__init(&f->ctr[slot]);
	draw(&f->ctr[slot], &m, shift, n, seed);
	f->ops[0].ctr[slot] = (struct report_ctr){ .calls = n, .mean = hist__mean(&f->ctr[slot]),
						   .h = &f->ctr[slot] };
	f->r.meta.counter_names[slot] = name;
	if (f->r.meta.ncounters < (size_t)slot + 1)
		f->r.meta.ncounters = slot + 1;
}

/* A report with op "op" (latency: NOISY, n calls) and instructions in slot
 * 0, cycles (about twice as many) in slot 1, shifted by ins and cyc. */
static struct fake *fake_ctrs(double ins, double cyc, size_t n, uint64_t seed)
{
	struct fake *f = fake_new(0, n, seed);

	fake_ctr(f, 0, "instructions", 1, ins, n, seed + 100);
	fake_ctr(f, 1, "cycles", 2, cyc, n, seed + 200);
	return f;
}

/* Compares one base with one current report under rules (NULL: defaults). */
static int compare1(struct fake *b, struct fake *c, const char *const *rules, size_t nrules,
		    uint64_t seed, struct cmp_result *res)
{
	struct cmp_rule parsed[CMP_MAX_RULES];
	const struct report *base[] = { &b->r }, *cur[] = { &c->r };
	struct cmp_opts o = { .rules = parsed, .nrules = nrules, .seed = seed, .resamples = 1000 };
	char err[160];

	for (size_t i = 0; i < nrules; i++)
		assert_int_equal(cmp__parse_rule(rules[i], &parsed[i], err, sizeof(err)), 0);
	return cmp__compare(base, 1, cur, 1, &o, res);
}

/* ------------------------------------------------------------------ tests */

static void test_compare_rule_parsing(void **state)
{
	static const struct {
		const char *text;
		int metric, dir;
		bool absolute;
		double threshold;
		const char *norm;
	} good[] = {
		{ "p99>+10%", CMP_P99, 1, false, 0.10, "p99>+10%" },
		{ "mean>+5%", CMP_MEAN, 1, false, 0.05, "mean>+5%" },
		{ "instructions>+2%", CMP_INSTRUCTIONS, 1, false, 0.02, "instructions>+2%" },
		{ " p50 < -5.5 % ", CMP_P50, -1, false, -0.055, "p50<-5.5%" },
		{ "P90>10%", CMP_P90, 1, false, 0.10, "p90>+10%" },
		{ "p99>+2ms", CMP_P99, 1, true, 2e6, "p99>+2ms" },
		{ "mean>+500us", CMP_MEAN, 1, true, 5e5, "mean>+500us" },
		{ "on-cpu>+3%", CMP_ONCPU, 1, false, 0.03, "oncpu>+3%" },
		{ "cycles>0%", CMP_CYCLES, 1, false, 0, "cycles>+0%" },
		{ "instructions>+500", CMP_INSTRUCTIONS, 1, true, 500, "instructions>+500" },
		{ "cycles < -1.5k", CMP_CYCLES, -1, true, -1500, "cycles<-1.5k" },
		{ "cycles>+2M", CMP_CYCLES, 1, true, 2e6, "cycles>+2M" },
	};
	static const struct {
		const char *text, *words;
	} bad[] = {
		{ "", "no metric" },
		{ "p98>+10%", "unknown metric 'p98'" },
		{ "p99", "expected '>' or '<'" },
		{ "p99=10%", "expected '>' or '<'" },
		{ "p99>", "expected a signed number" },
		{ "p99>abc", "expected a signed number" },
		{ "p99>+10", "needs '%' or a unit" },
		{ "p99>+10parsecs", "needs '%' or a unit" },
		{ "p99>+10%%", "unexpected '%'" },
		{ "p99>+10% and more", "unexpected 'and more'" },
		{ "instructions>+2ms", "not a duration" },
		{ "cycles>+2s", "not a duration" },
		{ "instructions>+2x", "needs '%' or a unit" },
		{ "p50>+2k", "needs '%' or a unit" },
	};
	struct cmp_rule r;
	char err[200];
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(cmp__parse_rule(good[i].text, &r, err, sizeof(err)), 0);
		assert_int_equal(r.metric, good[i].metric);
		assert_int_equal(r.dir, good[i].dir);
		assert_int_equal(r.absolute, good[i].absolute);
		assert_true(fabs(r.threshold - good[i].threshold) < 1e-9 * fmax(1, good[i].threshold));
		assert_string_equal(r.text, good[i].norm);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(cmp__parse_rule(bad[i].text, &r, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].words))
			fail_msg("rule '%s': error '%s' lacks '%s'", bad[i].text, err, bad[i].words);
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(cmp__default_rules(&r, 1), 1);
	assert_string_equal(r.text, "p99>+10%");
}

static void test_compare_mann_whitney_shift(void **state)
{
	struct hist a, b, c;
	double p, ps;
	(void)state;

	hist__init(&a);
	hist__init(&b);
	hist__init(&c);
	draw(&a, &NOISY, 0, 5000, 1);
	draw(&b, &NOISY, 0, 5000, 2);
	draw(&c, &NOISY, 0.05, 5000, 3);
	assert_int_equal(cmp__mann_whitney(&a, &b, &p, &ps), 0);
	assert_true(p > 0.001);
	assert_true(fabs(ps - 0.5) < 0.03);
	assert_int_equal(cmp__mann_whitney(&a, &c, &p, &ps), 0);
	assert_true(p < 1e-6);
	assert_true(ps > 0.55);
	/* all values tied in one bucket: no shift, and no division by zero */
	hist__reset(&b);
	hist__reset(&c);
	hist__add_n(&b, 7, 100);
	hist__add_n(&c, 7, 100);
	assert_int_equal(cmp__mann_whitney(&b, &c, &p, &ps), 0);
	assert_true(p == 1.0 && ps == 0.5);
	hist__free(&a);
	hist__free(&b);
	hist__free(&c);
}

static void test_compare_bootstrap_reproducible(void **state)
{
	struct hist a, b;
	struct cmp_opts o = { .seed = 42, .resamples = 500 };
	double lo1, hi1, lo2, hi2;
	(void)state;

	hist__init(&a);
	hist__init(&b);
	draw(&a, &NOISY, 0, 20000, 5); /* large n: conditional binomials */
	draw(&b, &NOISY, 0.10, 20000, 6);
	assert_int_equal(cmp__bootstrap(&a, &b, CMP_P50, &o, &lo1, &hi1), 0);
	assert_int_equal(cmp__bootstrap(&a, &b, CMP_P50, &o, &lo2, &hi2), 0);
	assert_true(lo1 == lo2 && hi1 == hi2);
	assert_true(lo1 > 0.08 && hi1 < 0.12);
	assert_int_equal(cmp__bootstrap(&a, &b, CMP_MEAN, &o, &lo1, &hi1), 0);
	assert_true(lo1 > 0.08 && hi1 < 0.12);
	assert_int_equal(cmp__bootstrap(&a, &b, CMP_ONCPU, &o, &lo1, &hi1), -EINVAL);
	hist__free(&a);
	hist__free(&b);
}

static void test_compare_identical_is_unchanged(void **state)
{
	struct fake *b = fake_new(0, 20000, 1), *c = fake_new(0, 20000, 2);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, NULL, 0, 0, &res), 0);
	assert_int_equal(res.nops, 1);
	assert_int_equal(res.nrules, 2); /* the defaults */
	assert_int_equal(res.verdict, CMP_UNCHANGED);
	assert_int_equal(res.failed + res.inconclusive, 0);
	for (int k = CMP_P50; k <= CMP_ONCPU; k++) {
		const struct cmp_metric_res *m = &res.ops[0].m[k];

		assert_true(m->present && m->has_ci);
		assert_true(m->change_lo <= m->change && m->change <= m->change_hi);
		if (m->verdict != CMP_UNCHANGED)
			fail_msg("%s: %s, %+.3f [%+.3f, %+.3f]", cmp__metric_name(k),
				 cmp__verdict_name(m->verdict), m->change, m->change_lo,
				 m->change_hi);
	}
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

/* Two runs of the same model, many seeds: how often the default rules fail
 * (false alarms) or the metrics say regressed/improved.  10000 calls a side:
 * p99 sits in the model's 2% tail, and fewer calls leave its interval wider
 * than the +10% rule (inconclusive, docs/compare.md has the figures). */
static void test_compare_false_alarm_rate(void **state)
{
	const int runs = 100;
	int alarms = 0, inconclusive = 0, metric_flags = 0;
	(void)state;

	for (int i = 0; i < runs; i++) {
		struct fake *b = fake_new(0, 10000, 1000 + 2 * i);
		struct fake *c = fake_new(0, 10000, 1001 + 2 * i);
		struct cmp_result res;

		assert_int_equal(compare1(b, c, NULL, 0, i + 1, &res), 0);
		alarms += res.verdict == CMP_REGRESSED;
		inconclusive += res.verdict == CMP_INCONCLUSIVE;
		for (int k = CMP_P50; k <= CMP_MEAN; k++)
			metric_flags += res.ops[0].m[k].verdict == CMP_REGRESSED ||
					res.ops[0].m[k].verdict == CMP_IMPROVED;
		cmp__free(&res);
		fake_free(b);
		fake_free(c);
	}
	print_message("false alarms %d/%d, inconclusive %d/%d, metric flags %d/%d\n", alarms,
		      runs, inconclusive, runs, metric_flags, runs * 4);
	assert_int_equal(alarms, 0);
	assert_true(inconclusive <= runs / 10);
	assert_true(metric_flags <= runs * 4 / 20);
}

static void test_compare_shift_regressed_and_improved(void **state)
{
	struct fake *b = fake_new(0, 20000, 1), *up = fake_new(0.10, 20000, 2);
	struct fake *down = fake_new(-0.10, 20000, 3);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, up, NULL, 0, 0, &res), 0);
	for (int k = CMP_P50; k <= CMP_ONCPU; k++) {
		const struct cmp_metric_res *m = &res.ops[0].m[k];

		if (k == CMP_P90)
			continue;
		assert_int_equal(m->verdict, CMP_REGRESSED);
		assert_true(m->change_lo > 0 && fabs(m->change - 0.10) < 0.05);
	}
	assert_true(res.ops[0].mw_p < 1e-6);
	/* mean>+5% fails; p99>+10% straddles its threshold or fails */
	assert_int_equal(res.ops[0].rules[1].verdict, CMP_REGRESSED);
	assert_int_equal(res.verdict, CMP_REGRESSED);
	cmp__free(&res);

	assert_int_equal(compare1(b, down, NULL, 0, 0, &res), 0);
	for (int k = CMP_P50; k <= CMP_MEAN; k++) {
		assert_int_equal(res.ops[0].m[k].verdict, CMP_IMPROVED);
		assert_true(res.ops[0].m[k].change_hi < 0);
	}
	assert_int_equal(res.verdict, CMP_UNCHANGED); /* passes */
	assert_int_equal(res.passed, 2);
	cmp__free(&res);
	fake_free(b);
	fake_free(up);
	fake_free(down);
}

static void test_compare_few_calls_inconclusive(void **state)
{
	struct fake *b = fake_new(0, 10, 1), *c = fake_new(0.5, 10, 2);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, NULL, 0, 0, &res), 0);
	assert_int_equal(res.verdict, CMP_INCONCLUSIVE);
	assert_int_equal(res.inconclusive, 2);
	assert_int_equal(res.ops[0].m[CMP_P50].verdict, CMP_INCONCLUSIVE);
	assert_false(res.ops[0].m[CMP_P50].has_ci);
	assert_non_null(strstr(res.ops[0].rules[0].why, "too few calls: base 10, current 10"));
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_straddling_threshold_inconclusive(void **state)
{
	/* a true +10% change against a +10% threshold: the interval holds it */
	static const char *const rules[] = { "p50>+10%", "mean>+10%" };
	struct fake *b = fake_new(0, 3000, 1), *c = fake_new(0.10, 3000, 2);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(res.ops[0].rules[i].verdict, CMP_INCONCLUSIVE);
		assert_non_null(strstr(res.ops[0].rules[i].why, "straddles +10.0%"));
	}
	assert_int_equal(res.verdict, CMP_INCONCLUSIVE);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_effect_floor(void **state)
{
	/* +1% on 200k calls is significant, but below the 2% floor */
	static const char *const rules[] = { "p50>+0%", "mean>+0.5%" };
	struct fake *b = fake_new(0, 200000, 1), *c = fake_new(0.01, 200000, 2);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	assert_true(res.ops[0].m[CMP_P50].change_lo > 0);
	assert_int_equal(res.ops[0].m[CMP_P50].verdict, CMP_UNCHANGED);
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_UNCHANGED);
	assert_non_null(strstr(res.ops[0].rules[0].why, "floor"));
	assert_int_equal(res.verdict, CMP_UNCHANGED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_absolute_rule(void **state)
{
	static const char *const rules[] = { "p50>+1us", "p50>+5us" };
	struct fake *b = fake_new(0, 3000, 1), *c = fake_new(0.15, 3000, 2); /* +3 us */
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_REGRESSED);
	assert_int_equal(res.ops[0].rules[1].verdict, CMP_UNCHANGED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_absent_metrics_have_reasons(void **state)
{
	static const char *const rules[] = { "instructions>+2%", "cycles>+2%" };
	struct fake *b = fake_new(0, 1000, 1), *c = fake_new(0, 1000, 2);
	struct cmp_result res;
	(void)state;

	c->ops[0].has_split = false;
	b->ops[0].has_split = false;
	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	for (int k = CMP_ONCPU; k <= CMP_CYCLES; k++) {
		assert_false(res.ops[0].m[k].present);
		assert_int_equal(res.ops[0].m[k].verdict, CMP_ABSENT);
		assert_non_null(res.ops[0].m[k].absent_reason);
	}
	assert_non_null(strstr(res.ops[0].m[CMP_INSTRUCTIONS].absent_reason, "counters"));
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_ABSENT);
	assert_int_equal(res.absent, 2);
	assert_int_equal(res.verdict, CMP_UNCHANGED); /* absent is never a failure */
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_merges_pids_and_records(void **state)
{
	struct fake *b1 = fake_new(0, 1000, 1), *b2 = fake_new(0, 1000, 2);
	struct fake *c1 = fake_new(0.25, 1000, 3), *c2 = fake_new(0.25, 1000, 4);
	const struct report *base[] = { &b1->r, &b2->r }, *cur[] = { &c1->r, &c2->r };
	struct cmp_opts o = { 0 };
	struct cmp_result res;
	(void)state;

	/* the second current record has the op in two pids, and another op */
	hist__init(&c2->h[1]);
	draw(&c2->h[1], &NOISY, 0.25, 500, 9);
	c2->ops[1] = c2->ops[0];
	c2->ops[1].pid = 2;
	c2->ops[1].calls = 500;
	c2->ops[1].lat = &c2->h[1];
	c2->r.nops = 2;
	b2->ops[1] = (struct report_op){ .pid = 1, .info = &op_b, .calls = 0 }; /* idle: left out */
	b2->r.nops = 2;
	assert_int_equal(cmp__compare(base, 2, cur, 2, &o, &res), 0);
	assert_int_equal(res.nbase, 2);
	assert_int_equal(res.nops, 1);
	assert_int_equal(res.ops[0].base_calls, 2000);
	assert_int_equal(res.ops[0].cur_calls, 2500);
	assert_int_equal(res.ops[0].cur_pids, 3);
	assert_int_equal(res.ops[0].cur_lat.count, 2500);
	assert_int_equal(res.ops[0].m[CMP_P50].verdict, CMP_REGRESSED);
	assert_int_equal(res.verdict, CMP_REGRESSED);
	cmp__free(&res);

	/* --op filter: a named op no record has is shown with no calls */
	{
		const char *only[] = { "nosuch" };

		o.only_ops = only;
		o.nonly = 1;
		assert_int_equal(cmp__compare(base, 2, cur, 2, &o, &res), 0);
		assert_int_equal(res.nops, 1);
		assert_string_equal(res.ops[0].name, "nosuch");
		assert_int_equal(res.ops[0].base_calls + res.ops[0].cur_calls, 0);
		assert_int_equal(res.verdict, CMP_INCONCLUSIVE);
		cmp__free(&res);
	}
	assert_int_equal(cmp__compare(base, 0, cur, 2, &o, &res), -EINVAL);
	cmp__free(&res);
	fake_free(b1);
	fake_free(b2);
	fake_free(c1);
	fake_free(c2);
}

static void test_compare_compensated_bias(void **state)
{
	struct fake *b = fake_new(0, 3000, 1), *c = fake_new(0, 3000, 2);
	struct cmp_result res;
	(void)state;

	b->ops[0].compensated = c->ops[0].compensated = true;
	b->ops[0].bias_ns = c->ops[0].bias_ns = 200;
	assert_int_equal(compare1(b, c, NULL, 0, 0, &res), 0);
	assert_false(res.bias_mismatch);
	assert_true(fabs(res.ops[0].m[CMP_MEAN].base - (hist__mean(&b->h[0]) - 200)) < 1e-6);
	cmp__free(&res);
	c->ops[0].compensated = false;
	assert_int_equal(compare1(b, c, NULL, 0, 0, &res), 0);
	assert_true(res.bias_mismatch);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

/* ------------------------------------------------------ perf counters */

static void test_compare_counters_regressed(void **state)
{
	static const char *const rules[] = { "instructions>+2%", "instructions>+200",
					     "instructions>+1k" };
	struct fake *b = fake_ctrs(0, 0, 5000, 1), *c = fake_ctrs(0.05, 0, 5000, 2);
	struct cmp_result res;
	const struct cmp_metric_res *m;
	(void)state;

	assert_int_equal(compare1(b, c, rules, 3, 0, &res), 0);
	m = &res.ops[0].m[CMP_INSTRUCTIONS];
	assert_true(m->present && m->has_ci);
	/* the exact means of the counter histograms, not of latency */
	assert_true(fabs(m->base - hist__mean(&b->ctr[0])) < 1e-6);
	assert_true(fabs(m->cur - hist__mean(&c->ctr[0])) < 1e-6);
	assert_true(fabs(m->change - 0.05) < 0.01);
	assert_true(m->change_lo > 0.02 && m->change_lo <= m->change && m->change <= m->change_hi);
	assert_int_equal(m->verdict, CMP_REGRESSED);
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_REGRESSED);
	/* absolute: ~+500 instructions a call, a count and not ns */
	assert_int_equal(res.ops[0].rules[1].verdict, CMP_REGRESSED);
	assert_null(strstr(res.ops[0].rules[1].why, "ns"));
	assert_int_equal(res.ops[0].rules[2].verdict, CMP_UNCHANGED);
	assert_non_null(strstr(res.ops[0].rules[2].why, "within +1000"));
	assert_int_equal(res.ops[0].m[CMP_CYCLES].verdict, CMP_UNCHANGED);
	assert_int_equal(res.verdict, CMP_REGRESSED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_counters_same_distribution_unchanged(void **state)
{
	static const char *const rules[] = { "instructions>+2%", "cycles>+2%" };
	struct fake *b = fake_ctrs(0, 0, 5000, 11), *c = fake_ctrs(0, 0, 5000, 12);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, rules, 2, 7, &res), 0);
	for (int k = CMP_INSTRUCTIONS; k <= CMP_CYCLES; k++) {
		const struct cmp_metric_res *m = &res.ops[0].m[k];

		assert_true(m->present && m->has_ci);
		assert_true(m->change_lo <= m->change && m->change <= m->change_hi);
		if (m->verdict != CMP_UNCHANGED)
			fail_msg("%s: %s, %+.4f [%+.4f, %+.4f]", cmp__metric_name(k),
				 cmp__verdict_name(m->verdict), m->change, m->change_lo,
				 m->change_hi);
	}
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_UNCHANGED);
	assert_int_equal(res.ops[0].rules[1].verdict, CMP_UNCHANGED);
	assert_int_equal(res.verdict, CMP_UNCHANGED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_counters_few_calls_inconclusive(void **state)
{
	static const char *const rules[] = { "instructions>+2%", "cycles>+2%" };
	struct fake *b = fake_ctrs(0, 0, 5, 1), *c = fake_ctrs(0.5, 0.5, 5, 2);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	assert_int_equal(res.ops[0].m[CMP_INSTRUCTIONS].verdict, CMP_INCONCLUSIVE);
	assert_false(res.ops[0].m[CMP_INSTRUCTIONS].has_ci);
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_INCONCLUSIVE);
	assert_non_null(strstr(res.ops[0].rules[0].why,
			       "too few calls counted: base 5, current 5"));
	assert_int_equal(res.verdict, CMP_INCONCLUSIVE);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);

	/* plenty of timed calls, but few counted whole: the counter's counts decide */
	b = fake_new(0, 3000, 1);
	c = fake_new(0, 3000, 2);
	fake_ctr(b, 0, "instructions", 1, 0, 5, 3);
	fake_ctr(c, 0, "instructions", 1, 0, 7, 4);
	fake_ctr(b, 1, "cycles", 2, 0, 3000, 5);
	fake_ctr(c, 1, "cycles", 2, 0, 3000, 6);
	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_INCONCLUSIVE);
	assert_non_null(strstr(res.ops[0].rules[0].why, "base 5, current 7 (need 30 a side)"));
	assert_int_equal(res.ops[0].rules[1].verdict, CMP_UNCHANGED);
	assert_int_equal(res.ops[0].m[CMP_P50].verdict, CMP_UNCHANGED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_counters_absent_one_side(void **state)
{
	static const char *const rules[] = { "instructions>+2%", "cycles>+2%", "mean>+5%" };
	static const char NO_PMU[] =
		"instructions: no hardware PMU on this machine (a VM without a virtual PMU?) "
		"(No such file or directory); cycles: no hardware PMU on this machine (a VM "
		"without a virtual PMU?) (No such file or directory)";
	struct fake *b = fake_ctrs(0, 0, 3000, 1), *c = fake_new(0, 3000, 2);
	struct cmp_result res;
	const char *why;
	(void)state;

	c->r.meta.counters_absent = NO_PMU;
	assert_int_equal(compare1(b, c, rules, 3, 0, &res), 0);
	for (int k = CMP_INSTRUCTIONS; k <= CMP_CYCLES; k++) {
		assert_false(res.ops[0].m[k].present);
		assert_int_equal(res.ops[0].m[k].verdict, CMP_ABSENT);
		assert_int_equal(res.ops[0].rules[k - CMP_INSTRUCTIONS].verdict, CMP_ABSENT);
	}
	why = res.ops[0].m[CMP_INSTRUCTIONS].absent_reason;
	assert_string_equal(why, "current: instructions absent: no hardware PMU on this machine "
				 "(a VM without a virtual PMU?) (No such file or directory)");
	assert_non_null(strstr(res.ops[0].m[CMP_CYCLES].absent_reason,
			       "current: cycles absent: no hardware PMU"));
	assert_non_null(strstr(res.ops[0].rules[0].why, "current: instructions absent"));
	assert_int_equal(res.absent, 2);
	assert_int_equal(res.passed, 1);
	assert_int_equal(res.verdict, CMP_UNCHANGED); /* absent never fails */
	cmp__free(&res);

	/* counters.c groups counters missing for one reason: "instructions,
	 * cycles: HINT"; a second reason follows after "; ". */
	c->r.meta.counters_absent = "branch-misses, instructions: no hardware PMU on this machine "
				    "(a VM; really) (No such file or directory); cycles: the PMU "
				    "is busy or cannot pin it (another tool using the counters?) "
				    "(Device or resource busy)";
	assert_int_equal(compare1(b, c, rules, 3, 0, &res), 0);
	assert_string_equal(res.ops[0].m[CMP_INSTRUCTIONS].absent_reason,
			    "current: instructions absent: no hardware PMU on this machine "
			    "(a VM; really) (No such file or directory)");
	assert_string_equal(res.ops[0].m[CMP_CYCLES].absent_reason,
			    "current: cycles absent: the PMU is busy or cannot pin it (another "
			    "tool using the counters?) (Device or resource busy)");
	cmp__free(&res);

	/* both sides off, for the same reason */
	b->r.meta.ncounters = 0;
	b->r.meta.counters_absent = c->r.meta.counters_absent = "off (--counters none)";
	assert_int_equal(compare1(b, c, rules, 3, 0, &res), 0);
	assert_string_equal(res.ops[0].m[CMP_CYCLES].absent_reason,
			    "base and current: no cycles counter: off (--counters none)");
	cmp__free(&res);

	/* base recorded other counters and says nothing: the reason says so */
	b->r.meta.counter_names[0] = "cpu-clock";
	b->r.meta.counter_names[1] = "branch-misses";
	b->r.meta.ncounters = 2;
	b->r.meta.counters_absent = "";
	c->r.meta.counters_absent = NULL;
	assert_int_equal(compare1(b, c, rules, 3, 0, &res), 0);
	assert_false(res.ops[0].m[CMP_INSTRUCTIONS].present);
	assert_non_null(strstr(res.ops[0].m[CMP_INSTRUCTIONS].absent_reason,
			       "not in the records: no instructions counter"));
	assert_int_equal(res.verdict, CMP_UNCHANGED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_counters_matched_by_name(void **state)
{
	static const char *const rules[] = { "instructions>+2%", "cycles>+5%" };
	struct fake *b = fake_new(0, 5000, 1), *c = fake_new(0, 5000, 2);
	struct cmp_result res;
	const struct cmp_metric_res *ins, *cyc;
	(void)state;

	/* base: cycles in slot 0, instructions in slot 1; current the other way,
	 * and its cycles 10% up */
	fake_ctr(b, 0, "cycles", 2, 0, 5000, 3);
	fake_ctr(b, 1, "instructions", 1, 0, 5000, 4);
	fake_ctr(c, 0, "instructions", 1, 0, 5000, 5);
	fake_ctr(c, 1, "cycles", 2, 0.10, 5000, 6);
	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	ins = &res.ops[0].m[CMP_INSTRUCTIONS];
	cyc = &res.ops[0].m[CMP_CYCLES];
	assert_true(fabs(ins->base - hist__mean(&b->ctr[1])) < 1e-6);
	assert_true(fabs(ins->cur - hist__mean(&c->ctr[0])) < 1e-6);
	assert_true(fabs(cyc->base - hist__mean(&b->ctr[0])) < 1e-6);
	assert_true(fabs(cyc->cur - hist__mean(&c->ctr[1])) < 1e-6);
	assert_int_equal(ins->verdict, CMP_UNCHANGED);
	assert_true(fabs(ins->change) < 0.02);
	assert_int_equal(cyc->verdict, CMP_REGRESSED);
	assert_true(fabs(cyc->change - 0.10) < 0.02 && cyc->change_lo > 0.05);
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_UNCHANGED);
	assert_int_equal(res.ops[0].rules[1].verdict, CMP_REGRESSED);
	assert_int_equal(res.verdict, CMP_REGRESSED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

static void test_compare_counters_cycles_improved(void **state)
{
	static const char *const rules[] = { "cycles<-5%" };
	struct fake *b = fake_ctrs(0, 0, 5000, 1), *c = fake_ctrs(0, -0.10, 5000, 2);
	struct cmp_result res;
	(void)state;

	assert_int_equal(compare1(b, c, rules, 1, 0, &res), 0);
	assert_int_equal(res.ops[0].m[CMP_CYCLES].verdict, CMP_IMPROVED);
	assert_true(res.ops[0].m[CMP_CYCLES].change_hi < -0.05);
	/* a '<' rule fails when the count fell by more than its threshold */
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_REGRESSED);
	assert_int_equal(res.ops[0].m[CMP_INSTRUCTIONS].verdict, CMP_UNCHANGED);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

/* Three records a side whose instructions per call differ by a few percent
 * from record to record (a different path, data): the interval widens to
 * hold that spread, so +1% over records spread by +-4% is not a verdict. */
static void test_compare_counters_run_spread(void **state)
{
	static const double shift[2][3] = { { -0.04, 0, 0.04 }, { -0.03, 0.01, 0.05 } };
	static const char *const rules[] = { "instructions>+2%" };
	struct fake *f[2][3];
	const struct report *side[2][3];
	struct cmp_rule parsed;
	struct cmp_opts o = { .rules = &parsed, .nrules = 1, .resamples = 1000 };
	struct cmp_result res;
	const struct cmp_metric_res *m;
	char err[160];
	(void)state;

	assert_int_equal(cmp__parse_rule(rules[0], &parsed, err, sizeof(err)), 0);
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < 3; i++) {
			f[s][i] = fake_ctrs(shift[s][i], 0, 5000, 10 * s + i + 1);
			side[s][i] = &f[s][i]->r;
		}
	assert_int_equal(cmp__compare(side[0], 3, side[1], 3, &o, &res), 0);
	m = &res.ops[0].m[CMP_INSTRUCTIONS];
	assert_int_equal(res.ops[0].runs[0][CMP_INSTRUCTIONS], 3);
	assert_int_equal(res.ops[0].runs[1][CMP_INSTRUCTIONS], 3);
	assert_int_equal(res.ops[0].ctr[0][0].count, 15000);
	assert_true(m->run_spread);
	assert_true(m->change_lo < 0 && m->change_hi > 0.02);
	assert_int_equal(res.ops[0].rules[0].verdict, CMP_INCONCLUSIVE);
	assert_int_equal(res.ops[0].m[CMP_CYCLES].verdict, CMP_UNCHANGED);
	cmp__free(&res);
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < 3; i++)
			fake_free(f[s][i]);
}

/* ------------------------------------------------------------- renderers */

static char *render(int fmt, const struct cmp_result *res)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(render__compare(f, fmt, res), 0);
	fclose(f);
	return buf;
}

static void test_compare_renderers(void **state)
{
	static const struct op_info weird = { .name = "a<b>&\"c\"|d", .func = "f", .path = "/x" };
	struct fake *b = fake_new(0, 3000, 1), *c = fake_new(0.25, 3000, 2);
	struct cmp_result res;
	char *out;
	(void)state;

	b->ops[0].info = c->ops[0].info = &weird;
	assert_int_equal(compare1(b, c, NULL, 0, 0, &res), 0);

	out = render(CMP_FMT_TEXT, &res);
	assert_non_null(strstr(out, "p50"));
	assert_non_null(strstr(out, "regressed"));
	assert_non_null(strstr(out, "FAIL"));
	assert_non_null(strstr(out, "instructions"));
	free(out);

	out = render(CMP_FMT_JSON, &res);
	assert_non_null(strstr(out, "\"schema\": \"optrace.compare\""));
	assert_non_null(strstr(out, "\"verdict\": \"regressed\""));
	assert_non_null(strstr(out, "a<b>&\\\"c\\\"|d"));
	free(out);

	out = render(CMP_FMT_MARKDOWN, &res);
	assert_non_null(strstr(out, "| metric |"));
	assert_non_null(strstr(out, "a&lt;b&gt;&amp;\"c\"\\|d"));
	assert_non_null(strstr(out, "**FAIL**"));
	free(out);

	out = render(CMP_FMT_JUNIT, &res);
	assert_non_null(strstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	assert_non_null(strstr(out, "a&lt;b&gt;&amp;&quot;c&quot;|d"));
	assert_non_null(strstr(out, "<failure type=\"regression\" message="));
	assert_null(strstr(out, "a<b>"));
	free(out);
	cmp__free(&res);

	/* inconclusive is skipped in JUnit */
	fake_free(c);
	c = fake_new(0, 5, 2);
	c->ops[0].info = &weird;
	assert_int_equal(compare1(b, c, NULL, 0, 0, &res), 0);
	out = render(CMP_FMT_JUNIT, &res);
	assert_non_null(strstr(out, "<skipped message="));
	free(out);
	cmp__free(&res);
	assert_int_equal(render__compare_parse_format("markdown"), CMP_FMT_MARKDOWN);
	assert_int_equal(render__compare_parse_format("md"), CMP_FMT_MARKDOWN);
	assert_int_equal(render__compare_parse_format("html"), -1);
	fake_free(b);
	fake_free(c);
}

/* The line of out that starts with prefix (up to its newline, in buf). */
static const char *line_of(const char *out, const char *prefix, char *buf, size_t len)
{
	const char *p = strstr(out, prefix), *e;

	assert_non_null(p);
	e = strchr(p, '\n');
	snprintf(buf, len, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return buf;
}

static void test_compare_counters_rendered(void **state)
{
	static const char *const rules[] = { "instructions>+2%", "instructions>+100" };
	struct fake *b = fake_ctrs(0, 0, 3000, 1), *c = fake_ctrs(0.05, 0, 3000, 2);
	struct cmp_result res;
	char *out, line[512];
	(void)state;

	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	assert_int_equal(res.verdict, CMP_REGRESSED);

	/* counts per call with k, never a duration */
	out = render(CMP_FMT_TEXT, &res);
	line_of(out, "  instructions ", line, sizeof(line));
	assert_non_null(strstr(line, "k "));
	assert_non_null(strstr(line, "regressed"));
	assert_null(strstr(line, " us"));
	assert_null(strstr(line, " ns"));
	line_of(out, "  rule instructions>+100", line, sizeof(line));
	assert_non_null(strstr(line, "FAIL"));
	assert_null(strstr(line, "ns ")); /* "+512 [+450, +575] > +100", not "+512ns" */
	free(out);

	out = render(CMP_FMT_MARKDOWN, &res);
	line_of(out, "| instructions |", line, sizeof(line));
	assert_non_null(strstr(line, "k | "));
	assert_null(strstr(line, "us |"));
	free(out);

	out = render(CMP_FMT_JSON, &res);
	assert_non_null(strstr(out, "\"unit\": \"count\""));
	assert_non_null(strstr(out, "\"unit\": \"ns\""));
	free(out);

	out = render(CMP_FMT_JUNIT, &res);
	line_of(out, "instructions>+2%: instructions base ", line, sizeof(line));
	assert_null(strstr(line, " ns"));
	assert_non_null(strstr(line, "calls 3000 -> 3000"));
	free(out);
	cmp__free(&res);

	/* absent: the reason (its hint holds "; " too), in every format */
	c->r.meta.ncounters = 0;
	c->r.meta.counters_absent = "instructions: not permitted (kernel.perf_event_paranoid; "
				    "run as root or with CAP_PERFMON) (Permission denied); "
				    "cpu-clock: perf_event_open failed (Bad address)";
	assert_int_equal(compare1(b, c, rules, 2, 0, &res), 0);
	assert_string_equal(res.ops[0].m[CMP_INSTRUCTIONS].absent_reason,
			    "current: instructions absent: not permitted "
			    "(kernel.perf_event_paranoid; run as root or with CAP_PERFMON) "
			    "(Permission denied)");
	/* cycles was not asked for: the record's other counters, and why */
	assert_non_null(strstr(res.ops[0].m[CMP_CYCLES].absent_reason,
			       "current: no cycles counter (other --counters; instructions: "));
	out = render(CMP_FMT_TEXT, &res);
	assert_non_null(strstr(out, "current: instructions absent: not permitted"));
	assert_non_null(strstr(out, "n/a"));
	free(out);
	out = render(CMP_FMT_JUNIT, &res);
	assert_non_null(strstr(out, "<skipped message=\"not measurable: current: instructions"));
	free(out);
	cmp__free(&res);
	fake_free(b);
	fake_free(c);
}

/* ------------------------------------------------------ the command (fake records) */

int record__read(const char *path, struct report *out, char *err, size_t errlen);
void report__free(struct report *r);

/* Paths: "base-N", "plus25-N", "tiny-N" (N a seed), "missing", "corrupt", "newer". */
int record__read(const char *path, struct report *out, char *err, size_t errlen)
{
	struct fake *f;
	int seed = atoi(strchr(path, '-') ? strchr(path, '-') + 1 : "1");

	if (!strcmp(path, "missing")) {
		snprintf(err, errlen, "%s: no such file", path);
		return -ENOENT;
	}
	if (!strcmp(path, "corrupt")) {
		snprintf(err, errlen, "%s: not an optrace record (bad gzip CRC)", path);
		return -EINVAL;
	}
	if (!strcmp(path, "newer")) {
		snprintf(err, errlen, "%s: schema 9 is newer than this optrace (1)", path);
		return -EPROTO;
	}
	if (!strncmp(path, "base", 4))
		f = fake_new(0, 20000, seed);
	else if (!strncmp(path, "plus25", 6))
		f = fake_new(0.25, 20000, seed);
	else
		f = fake_new(0, 5, seed);
	*out = f->r;
	out->owned = (void *)f; /* the fake's memory, freed by report__free below */
	return 0;
}

void report__free(struct report *r)
{
	fake_free((struct fake *)r->owned);
	memset(r, 0, sizeof(*r));
}

static int cmd(const char *args, char **out)
{
	char *copy = strdup(args), *argv[32], *tok, *save;
	char path[] = "/tmp/test_compare.XXXXXX";
	int argc = 0, rc, fd = mkstemp(path);
	char *full;

	assert_true(fd >= 0);
	close(fd);
	argv[argc++] = "compare";
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc++] = "-o";
	argv[argc++] = path;
	argv[argc] = NULL;
	rc = cmd_compare(argc, argv);
	if (out) {
		FILE *f = fopen(path, "r");
		size_t n;

		full = calloc(1, 65536);
		n = f ? fread(full, 1, 65535, f) : 0;
		full[n] = 0;
		if (f)
			fclose(f);
		*out = full;
	}
	unlink(path);
	free(copy);
	return rc;
}

static void test_compare_cmd_exit_codes(void **state)
{
	char *out;
	(void)state;

	assert_int_equal(cmd("base-1 base-2", NULL), 0);
	assert_int_equal(cmd("base-1 plus25-2", &out), 1);
	assert_non_null(strstr(out, "regressed"));
	free(out);
	assert_int_equal(cmd("base-1 tiny-2", NULL), 4);
	assert_int_equal(cmd("--base base-1 base-3 base-5 --current base-2 base-4 base-6 -f json", &out),
			 0);
	assert_non_null(strstr(out, "\"base_records\": 3"));
	free(out);
	assert_int_equal(cmd("--base base-1 base-3 base-5 --current plus25-2 plus25-4 plus25-6", &out),
			 1);
	free(out);
	assert_int_equal(cmd("base-1 plus25-2 --fail-on p99>+50% --fail-on mean>+50%", NULL), 0);
	assert_int_equal(cmd("base-1 plus25-2 -f junit --fail-on=p50>+10%", &out), 1);
	assert_non_null(strstr(out, "<failure"));
	free(out);
	assert_int_equal(cmd("base-1 plus25-2 --op op -f markdown", NULL), 1);
	/* usage and input errors */
	assert_int_equal(cmd("base-1", NULL), 2);
	assert_int_equal(cmd("base-1 base-2 base-3", NULL), 2);
	assert_int_equal(cmd("base-1 base-2 --fail-on p98>+1%", NULL), 2);
	assert_int_equal(cmd("base-1 base-2 -f html", NULL), 2);
	assert_int_equal(cmd("base-1 base-2 --bogus", NULL), 2);
	assert_int_equal(cmd("base-1 base-2 --op nosuch", NULL), 2);
	assert_int_equal(cmd("--base base-1 base-2", NULL), 2);
	assert_int_equal(cmd("base-1 missing", NULL), 2);
	assert_int_equal(cmd("corrupt base-1", NULL), 2);
	assert_int_equal(cmd("base-1 newer", NULL), 2);
	assert_int_equal(cmd("--help", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_rule_parsing),
		cmocka_unit_test(test_compare_mann_whitney_shift),
		cmocka_unit_test(test_compare_bootstrap_reproducible),
		cmocka_unit_test(test_compare_identical_is_unchanged),
		cmocka_unit_test(test_compare_false_alarm_rate),
		cmocka_unit_test(test_compare_shift_regressed_and_improved),
		cmocka_unit_test(test_compare_few_calls_inconclusive),
		cmocka_unit_test(test_compare_straddling_threshold_inconclusive),
		cmocka_unit_test(test_compare_effect_floor),
		cmocka_unit_test(test_compare_absolute_rule),
		cmocka_unit_test(test_compare_absent_metrics_have_reasons),
		cmocka_unit_test(test_compare_merges_pids_and_records),
		cmocka_unit_test(test_compare_compensated_bias),
		cmocka_unit_test(test_compare_counters_regressed),
		cmocka_unit_test(test_compare_counters_same_distribution_unchanged),
		cmocka_unit_test(test_compare_counters_few_calls_inconclusive),
		cmocka_unit_test(test_compare_counters_absent_one_side),
		cmocka_unit_test(test_compare_counters_matched_by_name),
		cmocka_unit_test(test_compare_counters_cycles_improved),
		cmocka_unit_test(test_compare_counters_run_spread),
		cmocka_unit_test(test_compare_counters_rendered),
		cmocka_unit_test(test_compare_renderers),
		cmocka_unit_test(test_compare_cmd_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
