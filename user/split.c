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

static uint64_t bin_high(unsigned g, unsigned sub)
{
	if (g < SPLIT_SUB_BITS)
		return (2ULL << g) - 1;
	if (g == 63 && sub == SPLIT_SUB - 1)
		return UINT64_MAX;
	return (1ULL << g) + ((uint64_t)(sub + 1) << (g - SPLIT_SUB_BITS)) - 1;
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

void split__tail(const struct split_hist *h, uint64_t threshold_ns, struct split_sums *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned g = 0; g < SPLIT_GROUPS; g++) {
		if (!h->groups[g])
			continue;
		for (unsigned sub = 0; sub < SPLIT_SUB; sub++)
			if (bin_high(g, sub) > threshold_ns)
				sums_add(out, &h->groups[g][sub]);
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
