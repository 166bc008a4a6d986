/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * agg.h - aggregation of decoded events: per (pid, op) and per pid, for the
 * whole run and for the current interval.
 *
 * Owns all aggregate memory.  Memory grows with the number of distinct
 * (pid, op) pairs and pids, never with the number of events: adding a span
 * allocates only on the first span of a pair (and the first value in a
 * histogram group).  Pure: never prints.
 */
#ifndef OPTRACE_AGG_H
#define OPTRACE_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blkio.h"
#include "hist.h"
#include "optrace.h"
#include "probes.h"
#include "split.h"

/* What an op is; indexed by op id.  Strings are owned by the caller. */
struct op_info {
	const char *name;
	const char *category;
	const char *func;
	const char *path;
	enum probe_error_mode error_mode;
	unsigned bytes_src;
	bool endbr_skipped;
	bool ifunc;
	uint8_t insn_class; /* enum calib_class of the probed instruction */
	bool counted;	    /* counted, not timed (,count; a lone USDT probe): no latency */
	uint32_t sample_every; /* --sample N: counts are scaled from 1 call in N; 0/1: all */
};

#define AGG_MAX_ERRCODES 16 /* distinct error codes kept per (pid, op); the rest count as "other" */

struct err_count {
	int64_t code; /* errno value (positive), or the raw return for error=ret==0 */
	uint64_t count;
};

/* Counters of one (pid, op) over a window (the run, or one interval). */
struct op_window {
	uint64_t calls;
	uint64_t errors;
	uint64_t bytes;
	uint64_t self_ns; /* sum of (wall - time in nested traced ops) */
	struct err_count errs[AGG_MAX_ERRCODES];
	uint32_t nerrs;
	uint64_t errs_other;
	struct hist lat; /* wall latency, ns */
	struct split_hist split; /* time split by latency range (calls with a split) */
	uint64_t counted_calls;	 /* calls with switch/fault counts */
	uint64_t nvcsw, nivcsw, minflt, majflt;
	/* Perf counter values per call (--counters), by slot: calls whose
	 * counts are whole (OT_SPAN_F_CTR) only. */
	struct hist ctr[OT_NR_CTR];
};

struct op_stats {
	uint32_t pid;
	uint32_t op_id;
	/* Spans are added to iv only (one window per span on the hot path);
	 * agg__interval_reset() folds iv into total.  The whole run is total
	 * plus iv: agg__run_window(). */
	struct op_window total; /* the intervals closed so far */
	struct op_window iv;	/* since the last agg__interval_reset() */
	uint64_t max_depth;
	size_t pid_idx; /* index of the pid in agg__pid_at() */
};

struct pid_stats {
	uint32_t pid;
	uint32_t ppid;	  /* when seen forking, else 0 */
	char comm[OT_COMM_LEN];
	bool exited;
	int exit_code;	  /* raw wait status when exited */
	uint64_t spans;
};

/* A traced thread that exited, with where its time went. */
struct thread_stats {
	uint32_t tgid, tid;
	char comm[OT_COMM_LEN];
	struct ot_acct acct;
};

struct agg;

/*
 * Creates an aggregator for ops[0..nops) (copied by pointer: the op_info
 * array and its strings must outlive the aggregator).  NULL on ENOMEM.
 */
struct agg *agg__new(const struct op_info *ops, size_t nops);
void agg__free(struct agg *a);

/*
 * Accounts one span (raw latencies: compensation is the report's business).
 * Returns 0, -ERANGE for an op id out of range (counted in
 * agg__bad_records), or -ENOMEM.
 */
int agg__add_span(struct agg *a, const struct ot_span *sp);
/* Keeps an exited thread's final accounting (for per-thread reports). */
int agg__add_thread(struct agg *a, const struct ot_thread *te);
size_t agg__nr_threads(const struct agg *a);
const struct thread_stats *agg__thread_at(const struct agg *a, size_t i);
/* Accounts a completed block request (run and interval windows). */
int agg__add_bio(struct agg *a, const struct ot_bio *rec);
/* Block IO over the run or the current interval (name lookups cache: not const). */
struct blkio *agg__blkio(const struct agg *a, bool interval);
/* Accounts a process event (fork/exec/exit). */
int agg__add_proc(struct agg *a, const struct ot_proc *pe);
/* Notes a pid with its command name (for pids given with -p). */
int agg__note_pid(struct agg *a, uint32_t pid, const char *comm);

/* Perf counter slots in use (--counters): spans' ctr[0..n) are kept. */
void agg__set_counters(struct agg *a, unsigned n);

/* Starts a new interval window: every op's iv counters become empty. */
void agg__interval_reset(struct agg *a);

/*
 * The whole run's window of s: the closed intervals plus the open one.
 * One of s's own windows when the other is empty; else their sum, made in
 * a new window stored in *sum, which the caller frees with
 * agg__window_free().  NULL on ENOMEM.
 */
const struct op_window *agg__run_window(const struct op_stats *s, struct op_window **sum);
/* Frees a window agg__run_window() made (NULL: nothing). */
void agg__window_free(struct op_window *w);

const struct op_info *agg__op_info(const struct agg *a, uint32_t op_id);
size_t agg__nr_ops_defined(const struct agg *a);
/* The (pid, op) aggregates, in insertion order; index < agg__nr_stats(). */
size_t agg__nr_stats(const struct agg *a);
const struct op_stats *agg__stats_at(const struct agg *a, size_t i);
/* The pids seen, in first-seen order. */
size_t agg__nr_pids(const struct agg *a);
const struct pid_stats *agg__pid_at(const struct agg *a, size_t i);
const struct pid_stats *agg__find_pid(const struct agg *a, uint32_t pid);
/* Records that could not be accounted (bad op id, truncated records). */
uint64_t agg__bad_records(const struct agg *a);

#endif
