/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * events.h - the ring-buffer consumer: poll, decode by record kind, feed the
 * aggregates.  No allocation and no syscall per record (the BPF side wakes
 * us only past a fill threshold; we also consume on every poll timeout).
 */
#ifndef OPTRACE_EVENTS_H
#define OPTRACE_EVENTS_H

#include <stdint.h>

#include "agg.h"
#include "spans.h"
#include "hist.h"

struct events;

/*
 * Creates a consumer of the ring buffer map_fd feeding agg.  map_fd < 0:
 * no ring buffer, records are fed with events__record (benchmarks, tests).
 * Returns 0 and *out or -errno.
 */
int events__open(int map_fd, struct agg *agg, struct events **out);
void events__free(struct events *e);

/* Spans of ops first_op..first_op+n-1 go to hists[op - first_op] instead of
 * the aggregates (calibration).  n = 0 turns this off. */
/* Also offers every accounted span to the slowest-spans keepers (NULL: none). */
void events__set_spans(struct events *e, struct spans *run, struct spans *recent);
void events__set_calib(struct events *e, uint32_t first_op, struct hist *hists, uint32_t n);

/*
 * Waits up to timeout_ms for a wakeup, then consumes everything available.
 * Returns the number of records consumed, or -errno (-EINTR is returned as
 * 0: a signal just ends the wait).
 */
int events__poll(struct events *e, int timeout_ms);
/*
 * Decodes and accounts one record of size bytes, as the ring-buffer
 * callback does (the consumer's whole per-record path).  Always 0: records
 * not understood are counted in events__nr_bad.
 */
int events__record(struct events *e, const void *data, size_t size);
/* Consumes everything available without waiting. */
int events__drain(struct events *e);

/* Records consumed so far, and records of a kind or size not understood. */
uint64_t events__nr_records(const struct events *e);
uint64_t events__nr_bad(const struct events *e);

#endif
