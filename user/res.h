/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * res.h - resources of the traced processes and of the system, over report
 * windows: samples of /proc (sysmon) and of the BPF side's scheduler
 * accounting (tracer), kept at the start of the run, at the start of the
 * current interval, and now.
 *
 * A window is "final" (since the process was first sampled) or "interval"
 * (since the last res__next_interval).  Never prints.
 */
#ifndef OPTRACE_RES_H
#define OPTRACE_RES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "optrace.h"
#include "sysmon.h"

struct tracer;

/* One process over a window. */
struct res_pid {
	uint32_t pid;
	bool has_proc;			/* /proc was readable at both ends */
	struct sysmon_pid now;		/* the latest /proc snapshot */
	struct sysmon_pid_rates rates;	/* CPU%, faults/s, switches/s, IO/s */
	uint64_t rss_peak_bytes;	/* max VmHWM seen */
	bool has_acct;
	struct ot_acct acct;		/* BPF scheduler accounting over the window */
	struct hist runq;		/* run-queue latency over the window (owned) */
	/* RSS at the start of the window (the first sample of it), to tell
	 * memory growing over the run. */
	bool has_rss_start;
	uint64_t rss_start_bytes;
	/* CPU limit of its cgroup (or the nearest ancestor with one, cgroup.h)
	 * and throttling over the window. */
	bool has_cgroup;		/* the cgroup was read at the window's end */
	double cpu_quota;		/* quota in CPUs (quota / period); 0: none */
	bool has_throttle;		/* throttling counters at both ends, same cgroup */
	uint64_t cg_periods;		/* enforcement periods in the window */
	uint64_t cg_throttled;		/* of which throttled */
	uint64_t cg_throttled_ns;	/* time throttled in the window */
	double throttled_share;		/* cg_throttled / cg_periods; 0 without periods */
};

/* One thread over the final window. */
struct res_thread {
	uint32_t tgid, tid;
	char comm[SYSMON_COMM_LEN];
	bool alive;
	struct ot_acct acct;		/* since tracing saw it */
	bool has_cpu;
	double cpu_pct;			/* over the window, from /proc (alive threads) */
};

struct res_sys {
	bool valid;
	struct sysmon_sys now;		/* borrowed from res: valid until the next sample */
	struct sysmon_sys_rates rates;
};

struct res;

struct res *res__new(void);
void res__free(struct res *r);

/*
 * Samples every pid in pids (BPF accounting from t, which may be NULL, and
 * /proc), and the system.  Pids seen for the first time get their baseline
 * here.  threads: also sample per-thread CPU.  Returns 0 or -ENOMEM; pids
 * that are gone keep their last sample.
 */
int res__sample(struct res *r, const struct tracer *t, const uint32_t *pids, size_t npids,
		bool threads);

/* The current sample becomes the start of the next interval window. */
void res__next_interval(struct res *r);

/*
 * Fills *out for pid over the interval or final window.  Returns 0, or
 * -ENOENT when pid was never sampled.  Free out->runq with hist__free.
 */
int res__pid_window(const struct res *r, uint32_t pid, bool interval, struct res_pid *out);

/*
 * The live threads of pid at the last sample (BPF accounting since tracing
 * saw them; CPU% over the final window when sampled with threads), sorted
 * by tid: a malloc'd array in *v for the caller to free().  Exited threads
 * come from the aggregates (agg__thread_at).  Returns 0 or -ENOMEM.
 */
int res__threads(const struct res *r, uint32_t pid, struct res_thread **v, size_t *n);

/* The system over the interval or final window. */
void res__sys_window(const struct res *r, bool interval, struct res_sys *out);

#endif
