// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * series.c - per (pid, op) interval series.  Owns the points; keyed by pid
 * and op_info pointer (ops live as long as the run).  A linear scan finds a
 * series: appends happen once per tick, not per event.  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "series.h"

struct op_series {
	uint32_t pid;
	const struct op_info *info;
	struct series_point *pts; /* SERIES_MAX_POINTS, allocated on first use */
	size_t n;
};

struct series {
	struct op_series *v;
	size_t n, cap;
};

struct series *series__new(void)
{
	return calloc(1, sizeof(struct series));
}

void series__free(struct series *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].pts);
	free(s->v);
	free(s);
}

static struct op_series *find(const struct series *s, uint32_t pid, const struct op_info *info)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid == pid && s->v[i].info == info)
			return &s->v[i];
	return NULL;
}

static struct op_series *get(struct series *s, uint32_t pid, const struct op_info *info)
{
	struct op_series *os = find(s, pid, info);

	if (os)
		return os;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct op_series *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	os = &s->v[s->n];
	memset(os, 0, sizeof(*os));
	os->pid = pid;
	os->info = info;
	os->pts = calloc(SERIES_MAX_POINTS, sizeof(*os->pts));
	if (!os->pts)
		return NULL;
	s->n++;
	return os;
}

/* Full: keep every other point, so the series still spans the whole run. */
static void halve(struct op_series *os)
{
	size_t k = 0;

	for (size_t i = 1; i < os->n; i += 2)
		os->pts[k++] = os->pts[i];
	os->n = k;
}

int series__append(struct series *s, const struct report *iv, double t_s)
{
	for (size_t i = 0; i < iv->nops; i++) {
		const struct report_op *o = &iv->ops[i];
		struct op_series *os = get(s, o->pid, o->info);

		if (!os)
			return -ENOMEM;
		if (os->n == SERIES_MAX_POINTS)
			halve(os);
		os->pts[os->n++] = (struct series_point){
			.t_s = t_s, .window_s = iv->meta.window_s,
			.calls = o->calls, .errors = o->errors,
			.p50 = o->p50, .p95 = o->p95, .p99 = o->p99, .mean = o->mean,
		};
	}
	return 0;
}

void series__attach(const struct series *s, struct report *r)
{
	for (size_t i = 0; i < r->nops; i++) {
		struct report_op *o = &r->ops[i];
		const struct op_series *os = find(s, o->pid, o->info);

		o->series = os ? os->pts : NULL;
		o->nseries = os ? os->n : 0;
	}
}
