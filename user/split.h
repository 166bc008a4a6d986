/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * split.h - where an op's time went, summed per latency range, so that the
 * split of the slow tail (calls above the op's p99) can be told apart from
 * the split of all calls.
 *
 * Calls are binned by wall latency into 4 ranges per power of two (each at
 * most 25% wide); a bin holds the call count and the sums of wall, on-CPU,
 * run-queue, IO-wait and other off-CPU time.  Bins are allocated per power
 * of two on first use: memory follows the latency spread, not the calls.
 * Pure: no printing.
 */
#ifndef OPTRACE_SPLIT_H
#define OPTRACE_SPLIT_H

#include <stdint.h>

#define SPLIT_SUB_BITS 2
#define SPLIT_SUB      (1u << SPLIT_SUB_BITS)
#define SPLIT_GROUPS   64

struct split_sums {
	uint64_t calls;
	uint64_t wall_ns;
	uint64_t oncpu_ns;
	uint64_t runq_ns;
	uint64_t iowait_ns;
	uint64_t offcpu_ns;
};

struct split_hist {
	struct split_sums total;
	struct split_sums *groups[SPLIT_GROUPS];
};

/* Adds one call (s->calls is taken as 1 call's worth: pass calls = 1). */
int split__add(struct split_hist *h, const struct split_sums *call);
/*
 * Adds one call from its parts: the consumer's hot path.  Same as
 * split__add with calls = 1, without building a split_sums first (a
 * struct just stored field by field and read back as vectors stalls on
 * store forwarding: that cost 40% of the consumer's time).
 */
int split__add_call(struct split_hist *h, uint64_t wall_ns, uint64_t oncpu_ns, uint64_t runq_ns,
		    uint64_t iowait_ns, uint64_t offcpu_ns);
/*
 * Sums the slowest ncalls calls into *out: whole bins from the top, and a
 * pro-rated share of the bin where the count is reached (calls within a
 * bin are taken as alike).  out->calls is ncalls, or fewer if there are
 * fewer calls.
 */
/* Adds every call of src to dst.  0 or -ENOMEM (dst may then hold part). */
int split__merge(struct split_hist *dst, const struct split_hist *src);
void split__top(const struct split_hist *h, uint64_t ncalls, struct split_sums *out);
void split__reset(struct split_hist *h);
void split__free(struct split_hist *h);

#endif
