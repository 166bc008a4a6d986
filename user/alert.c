// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * alert.c - alert rules over the interval reports: per (rule, subject)
 * streaks, sustained windows, cooldowns, and the events that fired.
 *
 * Owns: what each alert metric reads from a report and in which unit, and
 * the firing semantics of alert.h.  Leaves to others: parsing the rules
 * (config.c), printing and logging events (render_findings.c, the session).
 *
 * State is a flat array searched linearly: it is touched once per tick per
 * (rule, subject), and subjects number in the hundreds at most.
 */
#include <errno.h>
#include <math.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "report.h"

/* Tick edges come from one clock; this absorbs float rounding only. */
#define TIME_EPS 1e-3

struct alert_state {
	size_t rule;
	uint32_t pid;
	char op[64];		/* "" for process subjects */
	bool seen;		/* evaluated at this tick */
	bool holding;
	double held_since;	/* when the current count towards `for` began */
	bool fired;
	double last_fired;
};

struct alerts {
	const struct optrace_config *cfg;
	struct alert_state *st;
	size_t nst, capst;
	struct alert_event *now;	/* fired at the last tick */
	size_t nnow, capnow;
	struct alert_event *all;
	size_t nall, capall;
};

struct alerts *alerts__new(const struct optrace_config *cfg)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (a)
		a->cfg = cfg;
	return a;
}

void alerts__free(struct alerts *a)
{
	if (!a)
		return;
	free(a->st);
	free(a->now);
	free(a->all);
	free(a);
}

bool alerts__has_rules(const struct alerts *a)
{
	return a && a->cfg && a->cfg->nalerts;
}

const char *alert__metric_unit(const char *metric)
{
	switch (config__metric_of(metric)) {
	case AM_P50: case AM_P95: case AM_P99: case AM_MEAN: case AM_RUNQ_P99: case AM_IO_P99:
		return "ns";
	case AM_ERROR_RATE:
		return "ratio";
	case AM_THROUGHPUT:
		return "/s";
	case AM_CPU:
		return "pct";
	case AM_RSS:
		return "bytes";
	default:
		return "";
	}
}

/* The metric's value for an op; false when the tick has no data for it. */
static bool op_value(int metric, const struct report_op *o, double window_s, double *v)
{
	switch (metric) {
	case AM_P50: *v = (double)o->p50; return o->calls > 0;
	case AM_P95: *v = (double)o->p95; return o->calls > 0;
	case AM_P99: *v = (double)o->p99; return o->calls > 0;
	case AM_MEAN: *v = o->mean; return o->calls > 0;
	case AM_ERROR_RATE: *v = o->err_rate; return o->calls > 0;
	case AM_THROUGHPUT: *v = o->rate; return window_s > 0;
	default: return false;
	}
}

static bool pid_value(int metric, const struct report_pid *p, double *v)
{
	bool any = false;

	switch (metric) {
	case AM_CPU:
		*v = p->res.rates.cpu_pct;
		return p->has_res && p->res.has_proc && isfinite(*v);
	case AM_RSS:
		*v = (double)p->res.now.rss_bytes;
		return p->has_res && p->res.has_proc && p->res.now.has_rss;
	case AM_RUNQ_P99:
		*v = p->runq_count ? (double)p->runq_p99 : 0;
		return p->has_res && p->res.has_acct;
	case AM_IO_P99:
		*v = 0;
		for (size_t i = 0; i < p->nbio; i++) {
			if (!p->bio[i].count)
				continue;
			if ((double)p->bio[i].p99 > *v)
				*v = (double)p->bio[i].p99;
			any = true;
		}
		return any;
	default:
		return false;
	}
}

static bool holds(int cmp, double v, double thr)
{
	switch (cmp) {
	case CMP_GT: return v > thr;
	case CMP_GE: return v >= thr;
	case CMP_LT: return v < thr;
	case CMP_LE: return v <= thr;
	default: return false;
	}
}

static struct alert_state *state(struct alerts *a, size_t rule, uint32_t pid, const char *op)
{
	struct alert_state *s;

	for (size_t i = 0; i < a->nst; i++) {
		s = &a->st[i];
		if (s->rule == rule && s->pid == pid && !strcmp(s->op, op))
			return s;
	}
	if (a->nst == a->capst) {
		size_t cap = a->capst ? 2 * a->capst : 16;

		s = realloc(a->st, cap * sizeof(*s));
		if (!s)
			return NULL;
		a->st = s;
		a->capst = cap;
	}
	s = &a->st[a->nst++];
	memset(s, 0, sizeof(*s));
	s->rule = rule;
	s->pid = pid;
	snprintf(s->op, sizeof(s->op), "%s", op);
	return s;
}

static int push(struct alert_event **v, size_t *n, size_t *cap, const struct alert_event *ev)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 8;
		struct alert_event *g = realloc(*v, c * sizeof(*g));

		if (!g)
			return -ENOMEM;
		*v = g;
		*cap = c;
	}
	(*v)[(*n)++] = *ev;
	return 0;
}

struct tick {
	double t_s, window_s;
	int64_t unix_ns;
};

/* One (rule, subject) at one tick.  0, or -ENOMEM. */
static int update(struct alerts *a, size_t ri, uint32_t pid, const char *op, const char *comm,
		  bool has, double v, const struct tick *tk)
{
	const struct alert_rule *rule = &a->cfg->alerts[ri];
	struct alert_state *s = state(a, ri, pid, op);
	struct alert_event ev;
	double for_s = rule->for_ns / 1e9, cooldown_s = rule->cooldown_ns / 1e9;

	if (!s)
		return -ENOMEM;
	s->seen = true;
	if (!has || !holds(rule->cmp, v, rule->threshold)) {
		s->holding = false;
		return 0;
	}
	if (!s->holding) {
		s->holding = true;
		s->held_since = tk->t_s - (tk->window_s > 0 ? tk->window_s : 0);
	}
	if (tk->t_s - s->held_since + TIME_EPS < for_s)
		return 0;
	if (s->fired && tk->t_s - s->last_fired + TIME_EPS < cooldown_s)
		return 0;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.name, sizeof(ev.name), "%s", rule->name);
	ev.severity = rule->severity;
	ev.subject_kind = op[0] ? SUBJ_OP : SUBJ_PID;
	ev.pid = pid;
	snprintf(ev.op, sizeof(ev.op), "%s", op);
	if (op[0])
		snprintf(ev.subject, sizeof(ev.subject), "op %s of pid %u (%s)", op, pid,
			 comm ? comm : "?");
	else
		snprintf(ev.subject, sizeof(ev.subject), "pid %u (%s)", pid, comm ? comm : "?");
	snprintf(ev.metric, sizeof(ev.metric), "%s", config__metric_name(rule->metric));
	snprintf(ev.cmp, sizeof(ev.cmp), "%s", config__cmp_name(rule->cmp));
	ev.value = v;
	ev.threshold = rule->threshold;
	ev.for_s = for_s;
	ev.t_s = tk->t_s;
	ev.unix_ns = tk->unix_ns;
	if (push(&a->now, &a->nnow, &a->capnow, &ev))
		return -ENOMEM;
	if (push(&a->all, &a->nall, &a->capall, &ev)) {
		a->nnow--;
		return -ENOMEM;
	}
	s->fired = true;
	s->last_fired = tk->t_s;
	s->held_since = tk->t_s; /* `for` counts again from here */
	return 0;
}

static const char *op_name(const struct report_op *o)
{
	return o->info && o->info->name ? o->info->name : "?";
}

static int eval_rule(struct alerts *a, size_t ri, const struct report *iv, const struct tick *tk)
{
	const struct alert_rule *rule = &a->cfg->alerts[ri];
	double v = 0;
	int err = 0;

	if (config__metric_is_op(rule->metric)) {
		for (size_t i = 0; i < iv->nops && !err; i++) {
			const struct report_op *o = &iv->ops[i];
			bool has;

			if (rule->has_pid && o->pid != rule->pid)
				continue;
			if (rule->op && fnmatch(rule->op, op_name(o), 0))
				continue;
			has = op_value(rule->metric, o, iv->meta.window_s, &v);
			err = update(a, ri, o->pid, op_name(o), o->comm, has, v, tk);
		}
		return err;
	}
	for (size_t i = 0; i < iv->npids && !err; i++) {
		const struct report_pid *p = &iv->pids[i];
		bool has;

		if (rule->has_pid && p->pid != rule->pid)
			continue;
		has = pid_value(rule->metric, p, &v);
		err = update(a, ri, p->pid, "", p->comm, has, v, tk);
	}
	return err;
}

int alerts__eval(struct alerts *a, const struct report *iv, double t_s, int64_t unix_ns,
		 const struct alert_event **fired, size_t *nfired)
{
	struct tick tk = { .t_s = t_s, .window_s = iv->meta.window_s, .unix_ns = unix_ns };
	int err = 0;

	*fired = NULL;
	*nfired = 0;
	a->nnow = 0;
	for (size_t i = 0; i < a->nst; i++)
		a->st[i].seen = false;
	for (size_t ri = 0; a->cfg && ri < a->cfg->nalerts && !err; ri++)
		err = eval_rule(a, ri, iv, &tk);
	/* A subject missing from this report had no data: its streak ends. */
	for (size_t i = 0; i < a->nst; i++)
		if (!a->st[i].seen)
			a->st[i].holding = false;
	*fired = a->nnow ? a->now : NULL;
	*nfired = a->nnow;
	return err;
}

const struct alert_event *alerts__all(const struct alerts *a, size_t *n)
{
	*n = a ? a->nall : 0;
	return *n ? a->all : NULL;
}

bool alerts__any_critical_since(const struct alerts *a, size_t since)
{
	for (size_t i = since; a && i < a->nall; i++)
		if (a->all[i].severity == SEV_CRITICAL)
			return true;
	return false;
}

int alerts__export(const struct alerts *a, struct alert_event **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (!a || !a->nall)
		return 0;
	*v = malloc(a->nall * sizeof(**v));
	if (!*v)
		return -ENOMEM;
	memcpy(*v, a->all, a->nall * sizeof(**v));
	*n = a->nall;
	return 0;
}
