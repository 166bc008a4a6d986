/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * analyze_int.h - what the two halves of the analysis share: the context a
 * rule writes its finding into, and the helpers that build a finding (add
 * one, give it evidence, a summary and a recommendation) and format its
 * numbers.  Internal to analyze.c (process and system rules, trends,
 * efficiency, the driver) and analyze_ops.c (the op rules).
 *
 * The helpers are static inline so both files keep one copy of the wording
 * tools without adding symbols to the program.
 */
#ifndef OPTRACE_ANALYZE_INT_H
#define OPTRACE_ANALYZE_INT_H

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "units.h"

#define FMT 32

struct ctx {
	struct report *r;
	const struct optrace_thresholds *th;
	const struct optrace_config *cfg;
	struct finding *v;
	size_t n, cap;
	int err;
};

static inline const char *ns_str(double ns, char *buf)
{
	return units__fmt_ns(ns > 0 ? (uint64_t)llround(ns) : 0, buf, FMT);
}

static inline const char *pct_str(double frac, char *buf)
{
	double pct = frac * 100;

	snprintf(buf, FMT, "%.*f%%", pct != 0 && fabs(pct) < 9.995 ? 2 : fabs(pct) < 99.95 ? 1 : 0,
		 pct);
	return buf;
}

static inline const char *comm_of(const char *c)
{
	return c && *c ? c : "?";
}

/* Appends a finding to c (NULL, and c->err set, when out of memory). */
static inline struct finding *add(struct ctx *c, const char *rule, int sev, double impact)
{
	struct finding *f;

	if (c->err)
		return NULL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;

		f = realloc(c->v, cap * sizeof(*f));
		if (!f) {
			c->err = -ENOMEM;
			return NULL;
		}
		c->v = f;
		c->cap = cap;
	}
	f = &c->v[c->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->rule, sizeof(f->rule), "%s", rule);
	f->severity = sev;
	f->impact = isfinite(impact) ? impact : 0;
	return f;
}

static inline void ev(struct finding *f, const char *name, double value, const char *unit)
{
	struct evidence *e;

	if (f->nev >= FINDING_MAX_EVIDENCE)
		return;
	e = &f->ev[f->nev++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->value = value;
	snprintf(e->unit, sizeof(e->unit), "%s", unit);
}

__attribute__((format(printf, 2, 3)))
static inline void summary(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->summary, sizeof(f->summary), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static inline void recommend(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->recommendation, sizeof(f->recommendation), fmt, ap);
	va_end(ap);
}

/*
 * The op rules (analyze_ops.c) for one op with enough calls: where its time
 * goes (cpu_bound_op, cpu_saturation, io_bound_op, blocked_op), error_rate,
 * tail_amplification, tracer_cost, op_latency_threshold and latency_trend,
 * in that order.  Findings go to c; on -ENOMEM c->err is set.
 */
void analyze__op_rules(struct ctx *c, const struct report_op *o);

#endif
