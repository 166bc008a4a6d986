/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * spans.h - the N slowest raw spans of a run, with their scheduler context
 * (time split, switches, faults), for records and timelines.
 *
 * A min-heap on wall time: a span slower than the fastest kept one replaces
 * it, so adding is O(1) for the common fast span and O(log N) otherwise,
 * and memory is N spans whatever the event count.  Pure: never prints.
 */
#ifndef OPTRACE_SPANS_H
#define OPTRACE_SPANS_H

#include <stddef.h>
#include <stdint.h>

#include "optrace.h"

/* One kept span, as reports and records carry it. */
struct report_span {
	uint32_t pid, tid;
	uint32_t op_id;		/* index into the run's ops */
	const char *op;		/* op name */
	uint64_t start_ns;	/* since tracing started (may be "negative": clamped to 0) */
	uint64_t dur_ns;	/* wall, raw */
	uint64_t child_ns;
	int64_t ret;
	uint64_t bytes;
	uint32_t depth;
	uint32_t flags;		/* OT_SPAN_F_* (OT_SPAN_F_SPLIT: the split below is valid) */
	uint64_t oncpu_ns, runq_ns, iowait_ns, offcpu_ns;
	uint32_t nvcsw, nivcsw, minflt, majflt;
	uint32_t error;		/* 1 when the op's error= rule says the call failed */
};

struct spans;

/* Keeps up to cap spans (cap 0: keeps none, add is a no-op).  NULL on ENOMEM. */
struct spans *spans__new(size_t cap);
void spans__free(struct spans *s);
/* Forgets every kept span (keeps the memory). */
void spans__reset(struct spans *s);
/* Offers a span (start_ns in CLOCK_MONOTONIC ns, as the BPF side stamps it). */
void spans__add(struct spans *s, const struct ot_span *sp);
/*
 * The kept spans sorted by start time, with start_ns made relative to t0_ns
 * and op names and error flags taken from ops[op_id] (op ids >= nops are
 * left out): a malloc'd array the caller frees.  Returns 0 or -ENOMEM.
 */
struct op_info;
int spans__export(const struct spans *s, uint64_t t0_ns, const struct op_info *ops, size_t nops,
		  struct report_span **out, size_t *n);

#endif
