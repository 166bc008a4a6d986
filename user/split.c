// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * split.c - per-latency-range sums of the time split (see split.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"

static void sums_add(struct split_sums *d, const struct split_sums *s)
{
	d->calls += s->calls;
	d->wall_ns += s->wall_ns;
	d->oncpu_ns += s->oncpu_ns;
	d->runq_ns += s->runq_ns;
	d->iowait_ns += s->iowait_ns;
	d->offcpu_ns += s->offcpu_ns;
}

/* Group g holds [2^g, 2^(g+1)) (group 0 also holds 0), split in SPLIT_SUB bins. */
static void bin_of(uint64_t v, unsigned *g, unsigned *sub)
{
	unsigned msb = 63 - __builtin_clzll(v | 1);

	*g = msb;
	*sub = msb >= SPLIT_SUB_BITS ? (v >> (msb - SPLIT_SUB_BITS)) & (SPLIT_SUB - 1) : 0;
}

int split__add(struct split_hist *h, const struct split_sums *call)
{
	unsigned g, sub;

	bin_of(call->wall_ns, &g, &sub);
	if (!h->groups[g]) {
		h->groups[g] = calloc(SPLIT_SUB, sizeof(struct split_sums));
		if (!h->groups[g])
			return -ENOMEM;
	}
	sums_add(&h->groups[g][sub], call);
	sums_add(&h->total, call);
	return 0;
}

static inline void sums_add_parts(struct split_sums *d, uint64_t wall, uint64_t oncpu,
				  uint64_t runq, uint64_t iowait, uint64_t offcpu)
{
	d->calls++;
	d->wall_ns += wall;
	d->oncpu_ns += oncpu;
	d->runq_ns += runq;
	d->iowait_ns += iowait;
	d->offcpu_ns += offcpu;
}

int split__add_call(struct split_hist *h, uint64_t wall_ns, uint64_t oncpu_ns, uint64_t runq_ns,
		    uint64_t iowait_ns, uint64_t offcpu_ns)
{
	unsigned g, sub;

	bin_of(wall_ns, &g, &sub);
	if (__builtin_expect(!h->groups[g], 0)) {
		h->groups[g] = calloc(SPLIT_SUB, sizeof(struct split_sums));
		if (!h->groups[g])
			return -ENOMEM;
	}
	sums_add_parts(&h->groups[g][sub], wall_ns, oncpu_ns, runq_ns, iowait_ns, offcpu_ns);
	sums_add_parts(&h->total, wall_ns, oncpu_ns, runq_ns, iowait_ns, offcpu_ns);
	return 0;
}

int split__merge(struct split_hist *dst, const struct split_hist *src)
{
	for (unsigned g = 0; g < SPLIT_GROUPS; g++) {
		if (!src->groups[g])
			continue;
		if (!dst->groups[g]) {
			dst->groups[g] = calloc(SPLIT_SUB, sizeof(struct split_sums));
			if (!dst->groups[g])
				return -ENOMEM;
		}
		for (unsigned sub = 0; sub < SPLIT_SUB; sub++)
			sums_add(&dst->groups[g][sub], &src->groups[g][sub]);
	}
	sums_add(&dst->total, &src->total);
	return 0;
}

static void sums_add_scaled(struct split_sums *d, const struct split_sums *s, double f)
{
	d->wall_ns += s->wall_ns * f;
	d->oncpu_ns += s->oncpu_ns * f;
	d->runq_ns += s->runq_ns * f;
	d->iowait_ns += s->iowait_ns * f;
	d->offcpu_ns += s->offcpu_ns * f;
}

void split__top(const struct split_hist *h, uint64_t ncalls, struct split_sums *out)
{
	memset(out, 0, sizeof(*out));
	for (int g = SPLIT_GROUPS - 1; g >= 0 && out->calls < ncalls; g--) {
		if (!h->groups[g])
			continue;
		for (int sub = SPLIT_SUB - 1; sub >= 0 && out->calls < ncalls; sub--) {
			const struct split_sums *b = &h->groups[g][sub];
			uint64_t need = ncalls - out->calls;

			if (!b->calls)
				continue;
			if (b->calls <= need) {
				sums_add(out, b);
			} else {
				sums_add_scaled(out, b, (double)need / b->calls);
				out->calls += need;
			}
		}
	}
}

void split__reset(struct split_hist *h)
{
	memset(&h->total, 0, sizeof(h->total));
	for (unsigned g = 0; g < SPLIT_GROUPS; g++)
		if (h->groups[g])
			memset(h->groups[g], 0, SPLIT_SUB * sizeof(struct split_sums));
}

void split__free(struct split_hist *h)
{
	for (unsigned g = 0; g < SPLIT_GROUPS; g++) {
		free(h->groups[g]);
		h->groups[g] = NULL;
	}
	memset(&h->total, 0, sizeof(h->total));
}
