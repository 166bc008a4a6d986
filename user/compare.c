// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * compare.c - BASE vs CURRENT reports: the --fail-on rule grammar, ops
 * matched and merged (per side, and per record for the spread between
 * runs), which counter metrics the records have, and per metric and rule a
 * verdict against the effect-size floor and the rules' thresholds.
 *
 * Owns the rule grammar, the defaults, the merging, the verdicts and
 * cmp__compare / cmp__free.  Leaves the statistics (bootstrap intervals,
 * Mann-Whitney, the between-record spread, the on-CPU interval) to
 * compare_stats.c, through compare_int.h; see compare.h for the API and
 * docs/compare.md for the method.  Pure: no printing.  Every random draw
 * comes from a PRNG seeded (here) from opts->seed and the op's name, so a
 * result does not depend on the order of ops or on the run.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"
#include "units.h"

#define DEF_MIN_CALLS	30
#define DEF_CONFIDENCE	0.95
#define DEF_ALPHA	0.01
#define DEF_FLOOR	0.02
#define DEF_RESAMPLES	2000
#define DEF_SEED	0x6f70747261636521ULL /* "optrace!" */
#define DEF_TOLERANCE	0.10 /* a metric without a rule: unchanged within +-10% */

static const char *const metric_names[CMP_METRIC_NR] = {
	[CMP_P50] = "p50",	   [CMP_P90] = "p90",	[CMP_P99] = "p99",
	[CMP_MEAN] = "mean",	   [CMP_ONCPU] = "oncpu",
	[CMP_INSTRUCTIONS] = "instructions", [CMP_CYCLES] = "cycles",
};

const double cmp_metric_pct[CMP_MEAN] = { [CMP_P50] = 50, [CMP_P90] = 90, [CMP_P99] = 99 };

const char *cmp__metric_name(enum cmp_metric m)
{
	return (unsigned)m < CMP_METRIC_NR ? metric_names[m] : NULL;
}

const char *cmp__verdict_name(enum cmp_verdict v)
{
	static const char *const names[] = { "unchanged", "improved", "regressed", "inconclusive",
					     "absent" };

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

bool cmp__metric_is_time(enum cmp_metric m)
{
	return m != CMP_INSTRUCTIONS && m != CMP_CYCLES;
}

/* ------------------------------------------------------------------ rules */

static const struct {
	const char *name;
	uint64_t ns;
} time_units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } };

/* Suffixes of an absolute count (instructions, cycles per call); "" is a plain number. */
static const struct {
	const char *name;
	double mult;
} count_units[] = { { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { "", 1 } };

/* Does p start with unit name, with no letter after it? */
static bool starts_unit(const char *p, const char *name)
{
	size_t l = strlen(name);

	return !strncmp(p, name, l) && !isalpha((unsigned char)p[l]);
}

static void fmt_threshold(struct cmp_rule *r, const char *unit, double num)
{
	if (r->absolute)
		snprintf(r->text, sizeof(r->text), "%s%c%+g%s", metric_names[r->metric],
			 r->dir > 0 ? '>' : '<', num, unit);
	else
		snprintf(r->text, sizeof(r->text), "%s%c%+g%%", metric_names[r->metric],
			 r->dir > 0 ? '>' : '<', num);
}

int cmp__parse_rule(const char *s, struct cmp_rule *out, char *err, size_t errlen)
{
	static const char SYNTAX[] = "want METRIC>+N% or METRIC<-N% (or a duration: p99>+2ms; "
				     "a count: instructions>+500)";
	const char *p = s, *start;
	char *end;
	size_t n;
	double num;
	int m;

	memset(out, 0, sizeof(*out));
	while (isspace((unsigned char)*p))
		p++;
	start = p;
	while (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
		p++;
	n = (size_t)(p - start);
	if (!n) {
		snprintf(err, errlen, "rule '%s': no metric; %s", s, SYNTAX);
		return -EINVAL;
	}
	for (m = 0; m < CMP_METRIC_NR; m++)
		if (strlen(metric_names[m]) == n && !strncasecmp(start, metric_names[m], n))
			break;
	if (m == CMP_METRIC_NR && n == 6 && !strncasecmp(start, "on-cpu", 6))
		m = CMP_ONCPU;
	if (m == CMP_METRIC_NR) {
		snprintf(err, errlen,
			 "rule '%s': unknown metric '%.*s' (p50, p90, p99, mean, oncpu, "
			 "instructions, cycles)", s, (int)(n > 32 ? 32 : n), start);
		return -EINVAL;
	}
	out->metric = m;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '>' && *p != '<') {
		snprintf(err, errlen, "rule '%s': expected '>' or '<' after '%s'; %s", s,
			 metric_names[m], SYNTAX);
		return -EINVAL;
	}
	out->dir = *p++ == '>' ? 1 : -1;
	while (isspace((unsigned char)*p))
		p++;
	errno = 0;
	num = strtod(p, &end);
	if (end == p || errno || !isfinite(num) || !(isdigit((unsigned char)*p) || *p == '+' ||
						     *p == '-' || *p == '.')) {
		snprintf(err, errlen, "rule '%s': expected a signed number after '%c'; %s", s,
			 out->dir > 0 ? '>' : '<', SYNTAX);
		return -EINVAL;
	}
	p = end;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '%') {
		out->threshold = num / 100.0;
		p++;
		fmt_threshold(out, "", num);
	} else {
		const size_t nt = sizeof(time_units) / sizeof(time_units[0]);
		const size_t nc = sizeof(count_units) / sizeof(count_units[0]);
		size_t u, c;

		for (u = 0; u < nt && !starts_unit(p, time_units[u].name); u++)
			;
		for (c = 0; c < nc && !starts_unit(p, count_units[c].name); c++)
			;
		if (!cmp__metric_is_time(out->metric) && u < nt) {
			snprintf(err, errlen, "rule '%s': %s is a count per call, not a duration: "
				 "use a percentage or a count", s, metric_names[m]);
			return -EINVAL;
		}
		if (!cmp__metric_is_time(out->metric) && c < nc) {
			/* an absolute change of the count per call */
			out->absolute = true;
			out->threshold = num * count_units[c].mult;
			p += strlen(count_units[c].name);
			fmt_threshold(out, count_units[c].name, num);
		} else if (cmp__metric_is_time(out->metric) && u < nt) {
			out->absolute = true;
			out->threshold = num * (double)time_units[u].ns;
			p += strlen(time_units[u].name);
			fmt_threshold(out, time_units[u].name, num);
		} else {
			snprintf(err, errlen, "rule '%s': the number needs '%%' or a unit after it "
				 "(%s)", s, cmp__metric_is_time(out->metric) ? "ns, us, ms, s" :
				 "k, M, G, or none for a count");
			return -EINVAL;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p) {
		snprintf(err, errlen, "rule '%s': unexpected '%s' at the end; %s", s, p, SYNTAX);
		return -EINVAL;
	}
	return 0;
}

size_t cmp__default_rules(struct cmp_rule *out, size_t cap)
{
	static const char *const defs[] = { "p99>+10%", "mean>+5%" };
	size_t i;
	char err[8];

	for (i = 0; i < cap && i < sizeof(defs) / sizeof(defs[0]); i++)
		cmp__parse_rule(defs[i], &out[i], err, sizeof(err));
	return i;
}

/* --------------------------------------------------------------- defaults */

void cmp_fill_opts(struct cmp_opts *o)
{
	if (!o->min_calls)
		o->min_calls = DEF_MIN_CALLS;
	if (!(o->confidence > 0 && o->confidence < 1))
		o->confidence = DEF_CONFIDENCE;
	if (!(o->alpha > 0 && o->alpha < 1))
		o->alpha = DEF_ALPHA;
	if (!(o->floor > 0))
		o->floor = DEF_FLOOR;
	if (!o->resamples)
		o->resamples = DEF_RESAMPLES;
	if (o->resamples < 100)
		o->resamples = 100;
	if (!o->seed)
		o->seed = DEF_SEED;
}

/* ------------------------------------------------------------------ seeds */

/* FNV-1a of s, chained from h: an op's (and a metric's) bootstrap seed. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

/* ------------------------------------------------------------------ merge */

static int str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_ops(const void *a, const void *b)
{
	const struct cmp_op *x = a, *y = b;
	int c = str_cmp(x->name, y->name);

	if (c)
		return c;
	c = str_cmp(x->path, y->path);
	return c ? c : str_cmp(x->func, y->func);
}

static bool wanted(const struct cmp_opts *o, const char *name)
{
	if (!o->nonly)
		return true;
	for (size_t i = 0; i < o->nonly; i++)
		if (!str_cmp(o->only_ops[i], name))
			return true;
	return false;
}

static struct cmp_op *find_op(struct cmp_result *r, const char *name, const char *path,
			      const char *func)
{
	for (size_t i = 0; i < r->nops; i++)
		if (!str_cmp(r->ops[i].name, name) && !str_cmp(r->ops[i].path, path) &&
		    !str_cmp(r->ops[i].func, func))
			return &r->ops[i];
	return NULL;
}

/* Adds an op slot (capacity is pre-sized by the caller). */
static struct cmp_op *add_op(struct cmp_result *r, const char *name, const char *path,
			     const char *func)
{
	struct cmp_op *op = &r->ops[r->nops];

	memset(op, 0, sizeof(*op));
	op->name = name;
	op->path = path;
	op->func = func;
	hist__init(&op->base_lat);
	hist__init(&op->cur_lat);
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < CMP_NR_CTR; i++)
			hist__init(&op->ctr[s][i]);
	r->nops++;
	return op;
}

/*
 * The slot of counter metric m (named as its counter) in rep's ops, or -1
 * when rep did not record that counter.  Slots are matched by name: records
 * made with other --counters, or where a counter was dropped, order them
 * differently.
 */
static int ctr_slot(const struct report *rep, int m)
{
	for (size_t k = 0; k < rep->meta.ncounters && k < OT_NR_CTR; k++)
		if (!str_cmp(rep->meta.counter_names[k], metric_names[m]))
			return (int)k;
	return -1;
}

/* Merges row ro's values of each counter metric into h[0..CMP_NR_CTR). */
static int merge_ctrs(struct hist *h, const struct report_op *ro, const int *slot)
{
	for (int i = 0; i < CMP_NR_CTR; i++) {
		const struct hist *src = slot[i] >= 0 ? ro->ctr[slot[i]].h : NULL;
		int err;

		if (!src || !src->count)
			continue;
		err = hist__merge(&h[i], src);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Merges one side's rows into r->ops.  Until analyse_op, m[CMP_ONCPU].base
 * and .cur hold on-CPU sums and base_bias / cur_bias bias x calls sums.
 */
static int merge_side(struct cmp_result *r, const struct report *const *reps, size_t nreps,
		      int side)
{
	for (size_t i = 0; i < nreps; i++) {
		int slot[CMP_NR_CTR];

		for (int c = 0; c < CMP_NR_CTR; c++)
			slot[c] = ctr_slot(reps[i], CMP_INSTRUCTIONS + c);
		for (size_t j = 0; j < reps[i]->nops; j++) {
			const struct report_op *ro = &reps[i]->ops[j];
			const struct op_info *in = ro->info;
			struct cmp_op *op;
			double *oncpu, *bias;
			uint64_t *split;
			uint8_t *comp;
			int err;

			if (!in || !ro->calls || !wanted(&r->opts, in->name))
				continue;
			op = find_op(r, in->name, in->path, in->func);
			if (!op)
				op = add_op(r, in->name, in->path, in->func);
			oncpu = side ? &op->m[CMP_ONCPU].cur : &op->m[CMP_ONCPU].base;
			bias = side ? &op->cur_bias : &op->base_bias;
			split = side ? &op->cur_split_calls : &op->base_split_calls;
			comp = side ? &op->cur_comp : &op->base_comp;
			if (side == 0) {
				op->base_calls += ro->calls;
				op->base_pids++;
			} else {
				op->cur_calls += ro->calls;
				op->cur_pids++;
			}
			if (ro->lat) {
				err = hist__merge(side ? &op->cur_lat : &op->base_lat, ro->lat);
				if (err)
					return err;
				if (ro->compensated && ro->bias_ns > 0) {
					*bias += (double)ro->bias_ns * (double)ro->lat->count;
					*comp |= 1;
				} else {
					*comp |= 2;
				}
			}
			if (ro->has_split && ro->split_all.calls) {
				*split += ro->split_all.calls;
				*oncpu += ro->split_all.oncpu_mean * (double)ro->split_all.calls;
			}
			err = merge_ctrs(op->ctr[side], ro, slot);
			if (err)
				return err;
		}
	}
	return 0;
}

static bool same_op(const struct cmp_op *op, const struct op_info *in)
{
	return !str_cmp(op->name, in->name) && !str_cmp(op->path, in->path) &&
	       !str_cmp(op->func, in->func);
}

/* Adds a record's statistic v of metric m to op's per-run sums. */
static void add_run(struct cmp_op *op, int side, int m, double v)
{
	double l = log(v > 1 ? v : 1);

	op->run_sum[side][m] += l;
	op->run_sq[side][m] += l * l;
	op->runs[side][m]++;
}

/* Each op's statistics in one record (its pids merged), as logs, for the
 * spread between runs.  A counter metric counts its own calls: a record
 * may have latencies for an op but too few calls counted whole. */
static int record_stats(struct cmp_result *r, const struct report *rep, int side)
{
	int slot[CMP_NR_CTR];

	for (int c = 0; c < CMP_NR_CTR; c++)
		slot[c] = ctr_slot(rep, CMP_INSTRUCTIONS + c);
	for (size_t k = 0; k < r->nops; k++) {
		struct cmp_op *op = &r->ops[k];
		struct hist h, hc[CMP_NR_CTR];
		double oncpu = 0, split = 0;
		int err = 0;

		hist__init(&h);
		for (int c = 0; c < CMP_NR_CTR; c++)
			hist__init(&hc[c]);
		for (size_t j = 0; j < rep->nops && !err; j++) {
			const struct report_op *ro = &rep->ops[j];

			if (!ro->info || !ro->lat || !ro->calls || !same_op(op, ro->info))
				continue;
			err = hist__merge(&h, ro->lat);
			if (!err)
				err = merge_ctrs(hc, ro, slot);
			if (ro->has_split) {
				oncpu += ro->split_all.oncpu_mean * (double)ro->split_all.calls;
				split += (double)ro->split_all.calls;
			}
		}
		if (!err && h.count >= r->opts.min_calls) {
			for (int m = CMP_P50; m <= CMP_ONCPU; m++)
				add_run(op, side, m,
					m == CMP_MEAN ? hist__mean(&h) :
					m == CMP_ONCPU ? (split > 0 ? oncpu / split : 0) :
					(double)hist__percentile(&h, cmp_metric_pct[m]));
		}
		for (int c = 0; c < CMP_NR_CTR && !err; c++)
			if (hc[c].count >= r->opts.min_calls)
				add_run(op, side, CMP_INSTRUCTIONS + c, hist__mean(&hc[c]));
		hist__free(&h);
		for (int c = 0; c < CMP_NR_CTR; c++)
			hist__free(&hc[c]);
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------------------- verdicts */

/* Tolerance of a metric without a failing change: its first relative rule's threshold. */
static double tolerance(const struct cmp_result *r, enum cmp_metric m)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].metric == m && !r->rules[i].absolute && r->rules[i].threshold != 0)
			return fmax(fabs(r->rules[i].threshold), r->opts.floor);
	return DEF_TOLERANCE;
}

/* p50 is what Mann-Whitney tests: its verdicts need the test to agree. */
static bool mw_agrees(const struct cmp_op *op, enum cmp_metric m, double alpha, int dir)
{
	if (m != CMP_P50)
		return true;
	return op->has_mw && op->mw_p < alpha && (dir > 0 ? op->mw_ps > 0.5 : op->mw_ps < 0.5);
}

/* The calls metric m is measured over, per side: timed calls, calls with
 * a time split (on-CPU), or calls counted whole (counters). */
static void side_calls(const struct cmp_op *op, enum cmp_metric m, uint64_t *nb, uint64_t *nc)
{
	if (m == CMP_ONCPU) {
		*nb = op->base_split_calls;
		*nc = op->cur_split_calls;
	} else if (!cmp__metric_is_time(m)) {
		*nb = op->ctr[0][m - CMP_INSTRUCTIONS].count;
		*nc = op->ctr[1][m - CMP_INSTRUCTIONS].count;
	} else {
		*nb = op->base_lat.count;
		*nc = op->cur_lat.count;
	}
}

static bool enough(const struct cmp_result *r, const struct cmp_op *op, enum cmp_metric m)
{
	uint64_t nb, nc;

	side_calls(op, m, &nb, &nc);
	return nb >= r->opts.min_calls && nc >= r->opts.min_calls;
}

static void metric_verdict(const struct cmp_result *r, const struct cmp_op *op,
			   enum cmp_metric m, struct cmp_metric_res *mr)
{
	double fl = r->opts.floor, tol = tolerance(r, m);

	if (!mr->present)
		mr->verdict = CMP_ABSENT;
	else if (!enough(r, op, m) || !mr->has_ci || !(mr->base > 0))
		mr->verdict = CMP_INCONCLUSIVE;
	else if (mr->change_lo > 0 && mr->change >= fl && mw_agrees(op, m, r->opts.alpha, 1))
		mr->verdict = CMP_REGRESSED;
	else if (mr->change_hi < 0 && mr->change <= -fl && mw_agrees(op, m, r->opts.alpha, -1))
		mr->verdict = CMP_IMPROVED;
	else if (mr->change_hi <= tol && mr->change_lo >= -tol)
		mr->verdict = CMP_UNCHANGED;
	else
		mr->verdict = CMP_INCONCLUSIVE;
}

static void fmt_val(char *buf, size_t len, double v, bool rel, bool time)
{
	char n[24];

	if (rel)
		snprintf(buf, len, "%+.1f%%", v * 100);
	else if (time)
		snprintf(buf, len, "%+.0fns", v);
	else /* a count per call: "+512", "+12.3k" */
		snprintf(buf, len, "%s%s", v < 0 ? "-" : "+",
			 units__fmt_count(fabs(v), n, sizeof(n)));
}

static void rule_verdict(const struct cmp_result *r, const struct cmp_op *op,
			 const struct cmp_rule *rule, struct cmp_rule_res *rr)
{
	const struct cmp_metric_res *mr = &op->m[rule->metric];
	bool rel = !rule->absolute, time = cmp__metric_is_time(rule->metric);
	double pt = rel ? mr->change : mr->cur - mr->base;
	double lo = rel ? mr->change_lo : mr->diff_lo, hi = rel ? mr->change_hi : mr->diff_hi;
	double t = rule->threshold;
	char a[24], b[24], c[24], th[24];
	bool beyond, within;

	if (!mr->present) {
		rr->verdict = CMP_ABSENT;
		snprintf(rr->why, sizeof(rr->why), "%s", mr->absent_reason);
		return;
	}
	if (!enough(r, op, rule->metric) || !mr->has_ci) {
		uint64_t nb, nc;

		side_calls(op, rule->metric, &nb, &nc);
		rr->verdict = CMP_INCONCLUSIVE;
		snprintf(rr->why, sizeof(rr->why), "too few calls%s: base %llu, current %llu "
			 "(need %llu a side)", time ? "" : " counted", (unsigned long long)nb,
			 (unsigned long long)nc, (unsigned long long)r->opts.min_calls);
		return;
	}
	if (!(mr->base > 0)) {
		rr->verdict = CMP_INCONCLUSIVE;
		snprintf(rr->why, sizeof(rr->why), "base %s is 0: no relative change",
			 metric_names[rule->metric]);
		return;
	}
	fmt_val(a, sizeof(a), pt, rel, time);
	fmt_val(b, sizeof(b), lo, rel, time);
	fmt_val(c, sizeof(c), hi, rel, time);
	fmt_val(th, sizeof(th), t, rel, time);
	beyond = rule->dir > 0 ? lo > t : hi < t;
	within = rule->dir > 0 ? hi <= t : lo >= t;
	if (beyond && fabs(mr->change) < r->opts.floor) {
		rr->verdict = CMP_UNCHANGED;
		snprintf(rr->why, sizeof(rr->why), "%s [%s, %s]: below the %.0f%% effect floor",
			 a, b, c, r->opts.floor * 100);
	} else if (beyond && !mw_agrees(op, rule->metric, r->opts.alpha, rule->dir)) {
		rr->verdict = CMP_INCONCLUSIVE;
		snprintf(rr->why, sizeof(rr->why), "%s [%s, %s] but Mann-Whitney p=%.2g does not "
			 "confirm a shift", a, b, c, op->mw_p);
	} else if (beyond) {
		rr->verdict = CMP_REGRESSED;
		snprintf(rr->why, sizeof(rr->why), "%s [%s, %s] %c %s", a, b, c,
			 rule->dir > 0 ? '>' : '<', th);
	} else if (within) {
		rr->verdict = CMP_UNCHANGED;
		snprintf(rr->why, sizeof(rr->why), "%s [%s, %s] within %s", a, b, c, th);
	} else {
		rr->verdict = CMP_INCONCLUSIVE;
		snprintf(rr->why, sizeof(rr->why), "%s [%s, %s] straddles %s", a, b, c, th);
	}
}

/* Which counter metrics both sides recorded, and why the others are absent. */
struct ctr_avail {
	bool present[CMP_NR_CTR];
	char reason[CMP_NR_CTR][256];
};

/*
 * counters_absent (counters.c) reads "NAMES: HINT (ERROR)" for each reason,
 * "; " between reasons, NAMES one counter name or several joined by ", "
 * (counters missing for the same reason).  names_end: the ':' closing the
 * names list at p, or NULL when p does not start one.
 */
static const char *names_end(const char *p)
{
	for (;;) {
		const char *q = p;

		while (islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '-')
			q++;
		if (q == p)
			return NULL;
		if (*q == ':')
			return q;
		if (q[0] != ',' || q[1] != ' ')
			return NULL;
		p = q + 2;
	}
}

/* The start of the reason after the one at p, or NULL. */
static const char *next_part(const char *p)
{
	while ((p = strstr(p, "; "))) {
		p += 2;
		if (names_end(p))
			return p;
	}
	return NULL;
}

/* Does the names list [p, end) hold name? */
static bool names_have(const char *p, const char *end, const char *name)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *q = p;

		while (q < end && *q != ',')
			q++;
		if ((size_t)(q - p) == nl && !strncmp(p, name, nl))
			return true;
		p = q + 2;
	}
	return false;
}

/*
 * Why no record of a side has counter metric m, in buf ("" when none
 * says), from the first record whose counters_absent says something: the
 * reason given for that counter ("no hardware PMU..."); else, when
 * counters were off ("off (--counters none)"), all of it; else the record
 * asked for other counters (and says why those are absent).
 */
static void side_absent(const struct report *const *reps, size_t n, int m, char *buf,
			size_t len)
{
	const char *name = metric_names[m];

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *a = reps[i]->meta.counters_absent, *p, *colon = NULL, *end;

		if (!a || !*a || ctr_slot(reps[i], m) >= 0)
			continue;
		for (p = names_end(a) ? a : next_part(a); p; p = next_part(p)) {
			colon = names_end(p);
			if (names_have(p, colon, name))
				break;
		}
		if (p) {
			p = colon + 1;
			while (*p == ' ')
				p++;
			end = next_part(p);
			/* end points past the "; " that closes this reason */
			snprintf(buf, len, "%s absent: %.*s", name,
				 (int)(end ? (size_t)(end - 2 - p) : strlen(p)), p);
			return;
		}
		if (buf[0])
			continue;
		if (!strncmp(a, "off", 3))
			snprintf(buf, len, "no %s counter: %s", name, a);
		else
			snprintf(buf, len, "no %s counter (other --counters; %s)", name, a);
	}
}

/*
 * Fills ca: counter metric m is present when a record of each side has its
 * counter (records without it are left out of that side's figures); else
 * the reason names the side(s) lacking it and why, as the records say.
 */
static void ctr_avail(const struct report *const *base, size_t nbase,
		      const struct report *const *cur, size_t ncur, struct ctr_avail *ca)
{
	static const char *const side_name[2] = { "base", "current" };

	for (int i = 0; i < CMP_NR_CTR; i++) {
		int m = CMP_INSTRUCTIONS + i;
		const char *name = metric_names[m];
		char why[2][200], *buf = ca->reason[i];
		size_t len = sizeof(ca->reason[i]), off = 0;
		bool named[2] = { false, false };

		for (size_t j = 0; j < nbase; j++)
			named[0] |= ctr_slot(base[j], m) >= 0;
		for (size_t j = 0; j < ncur; j++)
			named[1] |= ctr_slot(cur[j], m) >= 0;
		ca->present[i] = named[0] && named[1];
		buf[0] = '\0';
		if (ca->present[i])
			continue;
		side_absent(base, nbase, m, why[0], sizeof(why[0]));
		side_absent(cur, ncur, m, why[1], sizeof(why[1]));
		if (!named[0] && !named[1] && !why[0][0] && !why[1][0]) {
			snprintf(buf, len, "not in the records: no %s counter (other --counters, "
				 "an optrace without counters, or no hardware counters)", name);
			continue;
		}
		if (!named[0] && !named[1] && !strcmp(why[0], why[1])) {
			snprintf(buf, len, "base and current: %s", why[0]);
			continue;
		}
		for (int s = 0; s < 2; s++) {
			if (named[s])
				continue;
			if (!why[s][0])
				snprintf(why[s], sizeof(why[s]), "no %s counter (other "
					 "--counters, or an optrace without counters)", name);
			off += snprintf(buf + off, len - off, "%s%s: %s", off ? "; " : "",
					side_name[s], why[s]);
			if (off >= len)
				off = len - 1; /* truncated */
		}
	}
}

/*
 * Instructions and cycles per call: the mean of the values per call
 * counted whole, each side's rows and records merged; the interval by the
 * bootstrap of the mean (as the latency mean: a count per call is skewed
 * by rare long paths, so no normal approximation), widened by the spread
 * between records.  Like the latency mean, no Mann-Whitney confirmation:
 * that test is of the latency distributions and backs p50 only.
 */
static int ctr_metrics(struct cmp_result *r, struct cmp_op *op, const struct ctr_avail *ca)
{
	for (int i = 0; i < CMP_NR_CTR; i++) {
		int k = CMP_INSTRUCTIONS + i;
		struct cmp_metric_res *mr = &op->m[k];
		const struct hist *hb = &op->ctr[0][i], *hc = &op->ctr[1][i];
		uint64_t seed;
		int err;

		mr->present = ca->present[i];
		if (!mr->present) {
			snprintf(op->ctr_absent[i], sizeof(op->ctr_absent[i]), "%s", ca->reason[i]);
			mr->absent_reason = op->ctr_absent[i];
			continue;
		}
		if (!hb->count || !hc->count)
			continue;
		mr->base = hist__mean(hb);
		mr->cur = hist__mean(hc);
		mr->change = mr->base > 0 ? mr->cur / mr->base - 1.0 : NAN;
		if (!enough(r, op, k) || !(mr->base > 0))
			continue;
		seed = fnv1a(fnv1a(fnv1a(fnv1a(r->opts.seed, op->name), op->path), op->func),
			     metric_names[k]);
		err = cmp_bootstrap_mean(hb, hc, &r->opts, seed, mr);
		if (err)
			return err;
		cmp_widen_by_runs(r, op, cmp_z_of(r->opts.confidence), k, k);
	}
	return 0;
}

static int analyse_op(struct cmp_result *r, struct cmp_op *op, const struct ctr_avail *ca)
{
	double oncpu_b = op->m[CMP_ONCPU].base, oncpu_c = op->m[CMP_ONCPU].cur;
	bool enough_lat;
	int err;

	op->m[CMP_ONCPU].base = op->m[CMP_ONCPU].cur = 0;
	op->base_bias = op->base_bias > 0 ? op->base_bias / (double)op->base_lat.count : 0;
	op->cur_bias = op->cur_bias > 0 ? op->cur_bias / (double)op->cur_lat.count : 0;
	/* both sides must be all compensated or all raw */
	if ((op->base_comp | op->cur_comp) == 3 || (op->base_comp && op->cur_comp &&
						    op->base_comp != op->cur_comp))
		r->bias_mismatch = true;
	for (int k = CMP_P50; k <= CMP_MEAN; k++) {
		struct cmp_metric_res *mr = &op->m[k];

		mr->present = true;
		if (!op->base_lat.count || !op->cur_lat.count)
			continue;
		if (k == CMP_MEAN) {
			mr->base = fmax(hist__mean(&op->base_lat) - op->base_bias, 0);
			mr->cur = fmax(hist__mean(&op->cur_lat) - op->cur_bias, 0);
		} else {
			mr->base = cmp_unbias(hist__percentile(&op->base_lat, cmp_metric_pct[k]),
					      op->base_bias);
			mr->cur = cmp_unbias(hist__percentile(&op->cur_lat, cmp_metric_pct[k]),
					     op->cur_bias);
		}
		mr->change = mr->base > 0 ? mr->cur / mr->base - 1.0 : NAN;
	}
	if (op->base_lat.count && op->cur_lat.count) {
		err = cmp__mann_whitney(&op->base_lat, &op->cur_lat, &op->mw_p, &op->mw_ps);
		if (err)
			return err;
		op->has_mw = true;
	}
	enough_lat = op->base_lat.count >= r->opts.min_calls &&
		     op->cur_lat.count >= r->opts.min_calls;
	if (enough_lat) {
		uint64_t seed = fnv1a(fnv1a(fnv1a(r->opts.seed, op->name), op->path), op->func);

		err = cmp_bootstrap_all(&op->base_lat, op->base_bias, &op->cur_lat, op->cur_bias,
					&r->opts, seed, CMP_P50, op->m);
		if (err)
			return err;
		cmp_widen_by_runs(r, op, cmp_z_of(r->opts.confidence), CMP_P50, CMP_MEAN);
	}
	op->m[CMP_ONCPU].present = op->base_split_calls || op->cur_split_calls;
	if (!op->m[CMP_ONCPU].present) {
		op->m[CMP_ONCPU].absent_reason = "no time split in the records (recorded with "
						 "--no-split?)";
	} else if (op->base_split_calls && op->cur_split_calls) {
		struct cmp_metric_res *mr = &op->m[CMP_ONCPU];

		mr->base = oncpu_b / (double)op->base_split_calls;
		mr->cur = oncpu_c / (double)op->cur_split_calls;
		mr->change = mr->base > 0 ? mr->cur / mr->base - 1.0 : NAN;
		if (enough_lat && enough(r, op, CMP_ONCPU))
			cmp_oncpu_interval(op, cmp_z_of(r->opts.confidence), mr);
		if (mr->has_ci)
			cmp_widen_by_runs(r, op, cmp_z_of(r->opts.confidence), CMP_ONCPU,
					  CMP_ONCPU);
	}
	err = ctr_metrics(r, op, ca);
	if (err)
		return err;
	for (int k = 0; k < CMP_METRIC_NR; k++)
		metric_verdict(r, op, k, &op->m[k]);

	op->rules = calloc(r->nrules ? r->nrules : 1, sizeof(*op->rules));
	if (!op->rules)
		return -ENOMEM;
	op->verdict = CMP_UNCHANGED;
	for (size_t i = 0; i < r->nrules; i++) {
		struct cmp_rule_res *rr = &op->rules[i];

		rule_verdict(r, op, &r->rules[i], rr);
		switch (rr->verdict) {
		case CMP_REGRESSED:
			r->failed++;
			op->verdict = CMP_REGRESSED;
			break;
		case CMP_INCONCLUSIVE:
			r->inconclusive++;
			if (op->verdict != CMP_REGRESSED)
				op->verdict = CMP_INCONCLUSIVE;
			break;
		case CMP_ABSENT:
			r->absent++;
			break;
		default:
			r->passed++;
		}
	}
	return 0;
}

int cmp__compare(const struct report *const *base, size_t nbase,
		 const struct report *const *cur, size_t ncur,
		 const struct cmp_opts *opts, struct cmp_result *out)
{
	struct ctr_avail ca;
	size_t cap = 0, i;
	int err;

	memset(out, 0, sizeof(*out));
	out->opts = *opts;
	cmp_fill_opts(&out->opts);
	out->opts.rules = NULL;
	out->nbase = nbase;
	out->ncur = ncur;
	if (!nbase || !ncur || opts->nrules > CMP_MAX_RULES)
		return -EINVAL;
	if (opts->nrules) {
		memcpy(out->rules, opts->rules, opts->nrules * sizeof(out->rules[0]));
		out->nrules = opts->nrules;
	} else {
		out->nrules = cmp__default_rules(out->rules, CMP_MAX_RULES);
	}
	out->opts.nrules = out->nrules;
	for (i = 0; i < nbase; i++)
		cap += base[i]->nops;
	for (i = 0; i < ncur; i++)
		cap += cur[i]->nops;
	cap += opts->nonly;
	out->ops = calloc(cap + 1, sizeof(*out->ops));
	if (!out->ops)
		return -ENOMEM;
	err = merge_side(out, base, nbase, 0);
	if (!err)
		err = merge_side(out, cur, ncur, 1);
	if (err)
		return err;
	/* ops asked for by name that no record has: shown, with no calls */
	for (i = 0; i < opts->nonly; i++) {
		bool seen = false;

		for (size_t j = 0; j < out->nops && !seen; j++)
			seen = !str_cmp(out->ops[j].name, opts->only_ops[i]);
		if (!seen)
			add_op(out, opts->only_ops[i], NULL, NULL);
	}
	qsort(out->ops, out->nops, sizeof(out->ops[0]), cmp_ops);
	for (i = 0; i < nbase + ncur; i++) {
		err = record_stats(out, i < nbase ? base[i] : cur[i - nbase], i >= nbase);
		if (err)
			return err;
	}
	ctr_avail(base, nbase, cur, ncur, &ca);
	for (i = 0; i < out->nops; i++) {
		err = analyse_op(out, &out->ops[i], &ca);
		if (err)
			return err;
	}
	if (out->failed)
		out->verdict = CMP_REGRESSED;
	else if (out->inconclusive || !out->nops)
		out->verdict = CMP_INCONCLUSIVE;
	else
		out->verdict = CMP_UNCHANGED;
	return 0;
}

void cmp__free(struct cmp_result *r)
{
	for (size_t i = 0; r->ops && i < r->nops; i++) {
		hist__free(&r->ops[i].base_lat);
		hist__free(&r->ops[i].cur_lat);
		for (int s = 0; s < 2; s++)
			for (int k = 0; k < CMP_NR_CTR; k++)
				hist__free(&r->ops[i].ctr[s][k]);
		free(r->ops[i].rules);
	}
	free(r->ops);
	memset(r, 0, sizeof(*r));
}
