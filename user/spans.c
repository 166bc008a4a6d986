// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * spans.c - keeps the N slowest raw spans of a run (a min-heap on wall
 * time).  Owns the heap; the op table is the caller's.  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "errmode.h"
#include "spans.h"

struct spans {
	size_t cap, n;
	struct ot_span *heap; /* heap[0] is the fastest kept span */
};

struct spans *spans__new(size_t cap)
{
	struct spans *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = cap;
	if (cap && !(s->heap = calloc(cap, sizeof(*s->heap)))) {
		free(s);
		return NULL;
	}
	return s;
}

void spans__free(struct spans *s)
{
	if (!s)
		return;
	free(s->heap);
	free(s);
}

void spans__reset(struct spans *s)
{
	if (s)
		s->n = 0;
}

static void swap(struct ot_span *a, struct ot_span *b)
{
	struct ot_span t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct ot_span *h, size_t i)
{
	while (i && h[(i - 1) / 2].dur_ns > h[i].dur_ns) {
		swap(&h[(i - 1) / 2], &h[i]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct ot_span *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && h[l].dur_ns < h[m].dur_ns)
			m = l;
		if (r < n && h[r].dur_ns < h[m].dur_ns)
			m = r;
		if (m == i)
			return;
		swap(&h[m], &h[i]);
		i = m;
	}
}

void spans__add(struct spans *s, const struct ot_span *sp)
{
	if (!s || !s->cap)
		return;
	if (s->n < s->cap) {
		s->heap[s->n] = *sp;
		sift_up(s->heap, s->n++);
		return;
	}
	if (sp->dur_ns <= s->heap[0].dur_ns)
		return;
	s->heap[0] = *sp;
	sift_down(s->heap, s->n, 0);
}

static int cmp_start(const void *a, const void *b)
{
	const struct report_span *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

int spans__export(const struct spans *s, uint64_t t0_ns, const struct op_info *ops, size_t nops,
		  struct report_span **out, size_t *n)
{
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!s || !s->n)
		return 0;
	*out = calloc(s->n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const struct ot_span *sp = &s->heap[i];
		struct report_span *o;

		if (sp->op_id >= nops)
			continue;
		o = &(*out)[k++];
		*o = (struct report_span){
			.pid = sp->tgid, .tid = sp->tid, .op_id = sp->op_id,
			.op = ops[sp->op_id].name,
			.start_ns = sp->start_ns > t0_ns ? sp->start_ns - t0_ns : 0,
			.dur_ns = sp->dur_ns, .child_ns = sp->child_ns, .ret = sp->ret,
			.bytes = sp->bytes, .depth = sp->depth, .flags = sp->flags,
			.oncpu_ns = sp->oncpu_ns, .runq_ns = sp->runq_ns,
			.iowait_ns = sp->iowait_ns, .offcpu_ns = sp->offcpu_ns,
			.nvcsw = sp->nvcsw, .nivcsw = sp->nivcsw,
			.minflt = sp->minflt, .majflt = sp->majflt,
			.error = errmode__failed(ops[sp->op_id].error_mode, sp->ret, NULL),
		};
	}
	qsort(*out, k, sizeof(**out), cmp_start);
	*n = k;
	return 0;
}
