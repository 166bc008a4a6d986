// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * agg.c - per (pid, op) and per pid aggregates.
 *
 * (pid, op) pairs live in an open-addressing hash table of pointers (linear
 * probing, power-of-two size, grown at 50% load); the stats themselves are
 * allocated once per pair so pointers stay valid while the table grows.
 * The hot path, agg__add_span, is a hash probe and a histogram increment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "errmode.h"

struct agg {
	const struct op_info *ops;
	size_t nops;
	struct op_stats **slots; /* hash table, NULL = empty */
	size_t nslots;		 /* power of two */
	struct op_stats **order; /* insertion order */
	size_t nstats, capstats;
	struct pid_stats *pids;
	size_t npids, cappids;
	struct blkio *bio, *bio_iv;   /* block IO: run, interval */
	struct thread_stats *threads; /* exited threads */
	size_t nthreads, capthreads;
	struct op_stats *last; /* one-entry cache: consecutive spans often share a pair */
	uint64_t bad_records;
	unsigned nctr;	       /* perf counter slots in use */
};

static inline uint64_t pair_key(uint32_t pid, uint32_t op)
{
	return (uint64_t)pid << 32 | op;
}

static inline size_t key_hash(uint64_t k, size_t mask)
{
	/* Fibonacci hashing: good spread for sequential pids and op ids. */
	return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

struct agg *agg__new(const struct op_info *ops, size_t nops)
{
	struct agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->ops = ops;
	a->nops = nops;
	a->nslots = 64;
	a->slots = calloc(a->nslots, sizeof(*a->slots));
	a->bio = blkio__new();
	a->bio_iv = blkio__new();
	if (!a->slots || !a->bio || !a->bio_iv) {
		agg__free(a);
		return NULL;
	}
	return a;
}

/* An empty window: no histogram group allocated yet. */
static void window_init(struct op_window *w)
{
	memset(w, 0, sizeof(*w));
	hist__init(&w->lat);
	for (int k = 0; k < OT_NR_CTR; k++)
		hist__init(&w->ctr[k]);
}

static void window_free(struct op_window *w)
{
	hist__free(&w->lat);
	split__free(&w->split);
	for (int k = 0; k < OT_NR_CTR; k++)
		hist__free(&w->ctr[k]);
}

void agg__free(struct agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nstats; i++) {
		window_free(&a->order[i]->total);
		window_free(&a->order[i]->iv);
		free(a->order[i]);
	}
	free(a->order);
	free(a->slots);
	free(a->pids);
	free(a->threads);
	blkio__free(a->bio);
	blkio__free(a->bio_iv);
	free(a);
}

static int table_grow(struct agg *a)
{
	size_t n = a->nslots * 2, mask = n - 1;
	struct op_stats **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < a->nstats; i++) {
		struct op_stats *s = a->order[i];
		size_t h = key_hash(pair_key(s->pid, s->op_id), mask);

		while (slots[h])
			h = (h + 1) & mask;
		slots[h] = s;
	}
	free(a->slots);
	a->slots = slots;
	a->nslots = n;
	return 0;
}

static struct pid_stats *pid_get(struct agg *a, uint32_t pid)
{
	for (size_t i = a->npids; i-- > 0;)
		if (a->pids[i].pid == pid)
			return &a->pids[i];
	if (a->npids == a->cappids) {
		size_t cap = a->cappids ? a->cappids * 2 : 8;
		struct pid_stats *v = realloc(a->pids, cap * sizeof(*v));

		if (!v)
			return NULL;
		a->pids = v;
		a->cappids = cap;
	}
	memset(&a->pids[a->npids], 0, sizeof(a->pids[0]));
	a->pids[a->npids].pid = pid;
	return &a->pids[a->npids++];
}

static struct op_stats *stats_get(struct agg *a, uint32_t pid, uint32_t op)
{
	uint64_t key = pair_key(pid, op);
	size_t mask = a->nslots - 1, h = key_hash(key, mask);
	struct pid_stats *p;
	struct op_stats *s;

	if (a->last && a->last->pid == pid && a->last->op_id == op)
		return a->last;
	for (; (s = a->slots[h]); h = (h + 1) & mask) {
		if (s->pid == pid && s->op_id == op)
			return a->last = s;
	}

	/* First span of this pair: the only allocation on this path. */
	if ((a->nstats + 1) * 2 > a->nslots && table_grow(a))
		return NULL;
	if (a->nstats == a->capstats) {
		size_t cap = a->capstats ? a->capstats * 2 : 16;
		struct op_stats **v = realloc(a->order, cap * sizeof(*v));

		if (!v)
			return NULL;
		a->order = v;
		a->capstats = cap;
	}
	p = pid_get(a, pid);
	if (!p)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pid_idx = p - a->pids;
	s->pid = pid;
	s->op_id = op;
	window_init(&s->total);
	window_init(&s->iv);
	mask = a->nslots - 1;
	for (h = key_hash(key, mask); a->slots[h]; h = (h + 1) & mask)
		;
	a->slots[h] = s;
	a->order[a->nstats++] = s;
	return a->last = s;
}

static void window_add_err(struct op_window *w, int64_t code, uint64_t n)
{
	w->errors += n;
	for (uint32_t i = 0; i < w->nerrs; i++) {
		if (w->errs[i].code == code) {
			w->errs[i].count += n;
			return;
		}
	}
	if (w->nerrs < AGG_MAX_ERRCODES)
		w->errs[w->nerrs++] = (struct err_count){ .code = code, .count = n };
	else
		w->errs_other += n;
}

/*
 * A sampled span (--sample N) stands for `weight` calls: counts, errors,
 * bytes and the latency histogram are scaled by it; the time split and
 * the fault/switch counts are per-call averages and take it once.  A
 * counted call (OT_SPAN_F_COUNT) has no duration: counts only.
 */
static int window_add(struct op_window *w, uint64_t dur, uint64_t self, const struct ot_span *sp,
		      int is_err, int64_t code, unsigned nctr)
{
	uint64_t n = sp->weight ? sp->weight : 1;
	int err = 0;

	if (!(sp->flags & OT_SPAN_F_COUNT))
		err = hist__add_n(&w->lat, dur, n);
	if (err)
		return err;
	w->calls += n;
	w->self_ns += self * n;
	/* A negative byte count (read() returning -1) is an error, not a size. */
	if ((sp->flags & OT_SPAN_F_BYTES) && (int64_t)sp->bytes >= 0)
		w->bytes += sp->bytes * n;
	if (is_err)
		window_add_err(w, code, n);
	if (sp->flags & OT_SPAN_F_SPLIT)
		err = split__add_call(&w->split, sp->dur_ns, sp->oncpu_ns, sp->runq_ns, sp->iowait_ns,
				      sp->offcpu_ns);
	if (sp->flags & OT_SPAN_F_FAULTS) {
		w->counted_calls++;
		w->nvcsw += sp->nvcsw;
		w->nivcsw += sp->nivcsw;
		w->minflt += sp->minflt;
		w->majflt += sp->majflt;
	}
	for (unsigned k = 0; k < nctr && !err && (sp->flags & OT_SPAN_F_CTR); k++)
		err = hist__add(&w->ctr[k], sp->ctr[k]);
	return err;
}

int agg__add_span(struct agg *a, const struct ot_span *sp)
{
	const struct op_info *info;
	struct op_stats *s;
	uint64_t dur = sp->dur_ns, self;
	int64_t code = 0;
	int is_err, err;

	if (sp->op_id >= a->nops) {
		a->bad_records++;
		return -ERANGE;
	}
	info = &a->ops[sp->op_id];
	s = stats_get(a, sp->tgid, sp->op_id);
	if (!s)
		return -ENOMEM;

	self = dur > sp->child_ns ? dur - sp->child_ns : 0;
	is_err = errmode__failed(info->error_mode, sp->ret, &code);
	err = window_add(&s->iv, dur, self, sp, is_err, code, a->nctr);
	if ((uint64_t)sp->depth + 1 > s->max_depth)
		s->max_depth = (uint64_t)sp->depth + 1;
	a->pids[s->pid_idx].spans++;
	return err;
}

int agg__add_proc(struct agg *a, const struct ot_proc *pe)
{
	struct pid_stats *p = pid_get(a, pe->tgid);

	if (!p)
		return -ENOMEM;
	switch (pe->what) {
	case OT_PROC_FORK:
		p->ppid = pe->ppid;
		/* fallthrough */
	case OT_PROC_EXEC:
		memcpy(p->comm, pe->comm, sizeof(p->comm));
		p->comm[sizeof(p->comm) - 1] = 0;
		break;
	case OT_PROC_EXIT:
		p->exited = true;
		p->exit_code = pe->exit_code;
		if (!p->comm[0])
			memcpy(p->comm, pe->comm, sizeof(p->comm));
		p->comm[sizeof(p->comm) - 1] = 0;
		break;
	default:
		a->bad_records++;
		return -EINVAL;
	}
	return 0;
}

int agg__add_bio(struct agg *a, const struct ot_bio *rec)
{
	int err = blkio__add(a->bio, rec);

	if (!err)
		err = blkio__add(a->bio_iv, rec);
	return err;
}

struct blkio *agg__blkio(const struct agg *a, bool interval)
{
	return interval ? a->bio_iv : a->bio;
}

int agg__add_thread(struct agg *a, const struct ot_thread *te)
{
	struct thread_stats *t;

	if (a->nthreads == a->capthreads) {
		size_t cap = a->capthreads ? a->capthreads * 2 : 16;
		struct thread_stats *v = realloc(a->threads, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->threads = v;
		a->capthreads = cap;
	}
	t = &a->threads[a->nthreads++];
	t->tgid = te->tgid;
	t->tid = te->tid;
	memcpy(t->comm, te->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = 0;
	t->acct = te->acct;
	return 0;
}

size_t agg__nr_threads(const struct agg *a)
{
	return a->nthreads;
}

const struct thread_stats *agg__thread_at(const struct agg *a, size_t i)
{
	return i < a->nthreads ? &a->threads[i] : NULL;
}

int agg__note_pid(struct agg *a, uint32_t pid, const char *comm)
{
	struct pid_stats *p = pid_get(a, pid);

	if (!p)
		return -ENOMEM;
	if (comm && !p->comm[0]) {
		strncpy(p->comm, comm, sizeof(p->comm) - 1);
		p->comm[sizeof(p->comm) - 1] = 0;
	}
	return 0;
}

/* Adds src's calls to dst.  0 or -ENOMEM (dst may then hold part of src). */
static int window_merge(struct op_window *dst, const struct op_window *src)
{
	int err = hist__merge(&dst->lat, &src->lat);

	if (!err)
		err = split__merge(&dst->split, &src->split);
	for (int k = 0; k < OT_NR_CTR && !err; k++)
		err = hist__merge(&dst->ctr[k], &src->ctr[k]);
	if (err)
		return err;
	dst->calls += src->calls;
	dst->bytes += src->bytes;
	dst->self_ns += src->self_ns;
	/* errors = the per-code counts + errs_other; window_add_err adds both. */
	for (uint32_t i = 0; i < src->nerrs; i++)
		window_add_err(dst, src->errs[i].code, src->errs[i].count);
	dst->errors += src->errs_other;
	dst->errs_other += src->errs_other;
	dst->counted_calls += src->counted_calls;
	dst->nvcsw += src->nvcsw;
	dst->nivcsw += src->nivcsw;
	dst->minflt += src->minflt;
	dst->majflt += src->majflt;
	return 0;
}

const struct op_window *agg__run_window(const struct op_stats *s, struct op_window **sum)
{
	struct op_window *w;

	*sum = NULL;
	if (!s->total.calls)
		return &s->iv;
	if (!s->iv.calls)
		return &s->total;
	w = malloc(sizeof(*w));
	if (!w)
		return NULL;
	window_init(w);
	if (window_merge(w, &s->total) || window_merge(w, &s->iv)) {
		agg__window_free(w);
		return NULL;
	}
	return *sum = w;
}

void agg__window_free(struct op_window *w)
{
	if (!w)
		return;
	window_free(w);
	free(w);
}

void agg__interval_reset(struct agg *a)
{
	struct blkio *fresh = blkio__new();

	/* On ENOMEM the interval keeps accumulating: better than no data. */
	if (fresh) {
		blkio__free(a->bio_iv);
		a->bio_iv = fresh;
	}
	for (size_t i = 0; i < a->nstats; i++) {
		struct op_window *w = &a->order[i]->iv;

		if (!w->calls)
			continue;
		/* On ENOMEM the interval keeps accumulating (and the run's
		 * window may count part of it twice). */
		if (window_merge(&a->order[i]->total, w))
			continue;
		w->calls = w->errors = w->bytes = w->self_ns = w->errs_other = 0;
		w->nerrs = 0;
		w->counted_calls = w->nvcsw = w->nivcsw = w->minflt = w->majflt = 0;
		hist__reset(&w->lat);
		split__reset(&w->split);
		for (int k = 0; k < OT_NR_CTR; k++)
			hist__reset(&w->ctr[k]);
	}
}

void agg__set_counters(struct agg *a, unsigned n)
{
	a->nctr = n < OT_NR_CTR ? n : OT_NR_CTR;
}

const struct op_info *agg__op_info(const struct agg *a, uint32_t op_id)
{
	return op_id < a->nops ? &a->ops[op_id] : NULL;
}

size_t agg__nr_ops_defined(const struct agg *a)
{
	return a->nops;
}

size_t agg__nr_stats(const struct agg *a)
{
	return a->nstats;
}

const struct op_stats *agg__stats_at(const struct agg *a, size_t i)
{
	return i < a->nstats ? a->order[i] : NULL;
}

size_t agg__nr_pids(const struct agg *a)
{
	return a->npids;
}

const struct pid_stats *agg__pid_at(const struct agg *a, size_t i)
{
	return i < a->npids ? &a->pids[i] : NULL;
}

const struct pid_stats *agg__find_pid(const struct agg *a, uint32_t pid)
{
	for (size_t i = 0; i < a->npids; i++)
		if (a->pids[i].pid == pid)
			return &a->pids[i];
	return NULL;
}

uint64_t agg__bad_records(const struct agg *a)
{
	return a->bad_records;
}
