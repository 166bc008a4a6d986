/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * counters.h - perf counters read per op call (--counters): which ones,
 * and one pinned perf event per CPU for each, whose fds the tracer puts in
 * the BPF side's per-CPU event arrays.
 *
 * The BPF side reads the CPU's counter at each switch-in and switch-out of
 * a traced thread and at op entry and exit, so a call's value counts only
 * what ran on the thread, across preemption and migration (bpf/sched.bpf.c).
 *
 * Owns: the counter names and their perf_event_attr, opening and closing
 * the events, and why a counter is absent.  Hardware counters count user
 * space only (the probes' own work is kernel work: it stays out of the
 * op's figures); cpu-clock, a software clock in ns, counts everything and
 * exists on every machine, so the mechanism can be checked where there is
 * no PMU.
 */
#ifndef OPTRACE_COUNTERS_H
#define OPTRACE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "optrace.h"

/* The default set: what a regression check wants, where the machine has it. */
#define COUNTERS_DEFAULT "instructions,cycles"

struct counters {
	/* Requested, in slot order: names are static strings. */
	const char *names[OT_NR_CTR];
	size_t nreq;		    /* 0: --counters none */
	/* Opened: the first nopen of names[] (a counter that failed is dropped
	 * with the ones after it moved down). */
	size_t nopen;
	int *fds[OT_NR_CTR];	    /* [ncpus], -1 for a CPU with no event */
	size_t ncpus;
	/* Why requested counters are absent ("" when none is). */
	char absent[320];
};

/*
 * Parses --counters LIST: comma-separated names (instructions, cycles,
 * branch-misses, cache-misses, cpu-clock), at most OT_NR_CTR, or "none".
 * Returns 0, or -EINVAL with a message in err.
 */
int counters__parse(const char *list, struct counters *c, char *err, size_t errlen);

/*
 * Opens one event per possible CPU for each requested counter.  A counter
 * the machine does not have is dropped and the reason kept in c->absent;
 * that is not an error.  Returns 0 or -ENOMEM.
 */
int counters__open(struct counters *c);
void counters__close(struct counters *c);

/* The names every counter knows, for --help and error messages. */
const char *counters__known(void);
/* True for counters in nanoseconds (cpu-clock). */
static inline bool counters__is_time(const char *name)
{
	return name && !strcmp(name, "cpu-clock");
}

#endif
