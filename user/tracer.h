/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tracer.h - the BPF side's lifecycle: open, configure, load, attach,
 * detach.  The only module that sees the skeleton.
 *
 * Probes attach through uprobe_multi links (one entry and one return link
 * per file and pid: attach and detach are one kernel batch each) where the
 * kernel has them, else through perf-event uprobes, detached in parallel.
 */
#ifndef OPTRACE_TRACER_H
#define OPTRACE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "optrace.h"
#include "probes.h"

struct counters;

struct tracer;

struct tracer_opts {
	size_t ringbuf_bytes;	  /* power of two; 0 = default (16 MiB) */
	uint64_t wakeup_bytes;	  /* wake the consumer past this much data; 0 = ringbuf/8 */
	bool follow;		  /* load the fork-following logic */
	bool force_perf_uprobes;  /* do not use uprobe_multi even if available */
	bool no_split;		  /* no per-call time split (measures its cost) */
	uint32_t sample_every;	  /* --sample N: record 1 call in N per thread and op; 0/1: all */
	const char *cgroup_path;  /* --cgroup: record only tasks under this cgroup v2 directory */
	bool all_tgids;		  /* record every process (with cgroup_path: the cgroup decides) */
	uint32_t max_threads;	  /* threads with an op stack and accounting at once; 0: OT_MAX_THREADS */
	bool usdt;		  /* USDT probes will be attached (loads their program) */
	const struct counters *counters; /* opened perf counters read per call (NULL: none);
					  * their fds go into the BPF event arrays */
};

/*
 * Opens, configures and loads the BPF programs and attaches the process
 * lifetime tracepoints.  Returns 0 and *out, or -errno after logging what
 * failed (-EPERM: not privileged; -ENOSYS/-EOPNOTSUPP: kernel lacks BPF
 * features; both are environment errors).
 */
int tracer__open(const struct tracer_opts *opts, struct tracer **out);

/* Adds a process to the in-kernel filter.  follow: its children too. */
int tracer__add_tgid(struct tracer *t, pid_t tgid, bool follow);
int tracer__del_tgid(struct tracer *t, pid_t tgid);

/*
 * Attaches every target of set, op id = first_op + index: entry and
 * return probes for PROBE_CALL, the entry probe only for PROBE_COUNT, the
 * USDT program (libbpf's USDT support, perf-event uprobes) to the begin
 * and end probes of PROBE_USDT_PAIR and the probe of PROBE_USDT_COUNT.  pids: attach per process (breakpoints only in their
 * address spaces); npids == 0: attach system-wide, the tgid filter decides.
 * Returns 0 or -errno after logging the probe that failed (then nothing of
 * this call stays attached).
 */
int tracer__attach_probes(struct tracer *t, const struct probe_set *set, uint32_t first_op,
			  const pid_t *pids, size_t npids);

/* True while any process is left in the in-kernel filter. */
bool tracer__any_tgid(const struct tracer *t);

/* The ring buffer's map fd, for the consumer. */
int tracer__events_fd(const struct tracer *t);

/* Sums the per-CPU counters into *out. */
int tracer__read_counters(const struct tracer *t, struct ot_counters *out);

/*
 * Starts the scheduler accounting of thread tid of tgid now, in state
 * running (or blocked), unless the BPF side has it already: threads that
 * are running when tracing starts are otherwise only seen at their next
 * switch.  Returns 0 or -errno.
 */
int tracer__seed_thread(struct tracer *t, pid_t tid, pid_t tgid, bool running);

/*
 * Block requests of traced processes issued more than age_ns ago whose
 * completion never came (the kernel now and then does not run programs
 * attached to block_rq_complete): lost, to be counted as such.
 */
uint64_t tracer__bio_unfinished(const struct tracer *t, uint64_t age_ns);

/* A process's scheduler totals since tracing saw it; -ENOENT if none yet. */
int tracer__pid_acct(const struct tracer *t, pid_t pid, struct ot_acct *out);

/*
 * Calls cb for every (tgid, bucket, count) of the in-kernel run-queue
 * latency histograms (bucket: user/hist.h geometry).  Stops at and returns
 * cb's first non-zero return; else 0 or -errno.
 */
int tracer__for_each_runq(const struct tracer *t,
			  int (*cb)(uint32_t tgid, uint32_t bucket, uint64_t count, void *ctx),
			  void *ctx);

/* Calls cb for every live traced thread's accounting (as of now). */
int tracer__for_each_thread(const struct tracer *t,
			    int (*cb)(uint32_t tid, const struct ot_thread_state *ts, void *ctx),
			    void *ctx);

/* "uprobe_multi" or "perf-event uprobes". */
const char *tracer__attach_mode(const struct tracer *t);
/*
 * With -v: each program's runs and mean run time (ns) so far, as the
 * kernel counts them while kernel.bpf_stats_enabled is 1 (else a line
 * saying how to turn that on).
 */
void tracer__log_run_times(const struct tracer *t);
/* Number of probe links (multi) or perf events attached. */
size_t tracer__nr_links(const struct tracer *t);

/* Detaches every probe (in parallel), then frees everything.  NULL is fine. */
void tracer__destroy(struct tracer *t);
/* Detaches the probes only; the maps stay readable (for a final drain). */
void tracer__detach(struct tracer *t);

#endif
