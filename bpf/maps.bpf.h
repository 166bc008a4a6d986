/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * maps.bpf.h - the maps every BPF object shares, and small inline helpers.
 *
 * The maps are defined once, in ops.bpf.c (OT_DEFINE_MAPS), and declared
 * `extern` everywhere else; `bpftool gen object` links the objects into one
 * skeleton in which each map exists once.
 */
#ifndef OPTRACE_MAPS_BPF_H
#define OPTRACE_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "optrace.h"

#ifdef OT_DEFINE_MAPS
#define OT_MAP
#else
#define OT_MAP extern
#endif

/*
 * Hash maps that are not on an interrupt path are not preallocated: a
 * preallocated map costs its full size in kernel memory and its
 * allocation at load (~3 ms for these three), while entries come and go
 * rarely (a new process, a new histogram bucket).
 */

/* Traced processes: tgid -> OT_TGID_* flags.  Userspace seeds it; fork adds
 * children when following; the last thread's exit removes the tgid. */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OT_MAX_TGIDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} traced_tgids SEC(".maps");

/*
 * The same set as a bitmap: bit (tgid % 64) of word tgid / 64.  The test
 * "is this tgid traced" runs on every op entry and on every context switch
 * of the machine; an array lookup is inlined by the verifier (no helper
 * call, no hashing), where the hash lookup cost ~50-80 ns here.  Kept in
 * step with traced_tgids (which stays the authority, with the flags):
 * userspace sets bits through an mmap of the array with atomic ops, the
 * fork and exit programs with BPF atomics.  Sized by the loader from
 * kernel.pid_max; a tgid past the end falls back to the hash.
 */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4194304 / 64);
	__type(key, __u32);
	__type(value, __u64);
} traced_bits SEC(".maps");

/* All records to userspace.  Size set by the loader before load. */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

/* Drop and loss counters (index 0 only), summed by userspace over CPUs. */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ot_counters);
} counters SEC(".maps");

/* One open op on a thread's stack, with the thread's counters at entry. */
struct ot_frame {
	__u64 start_ns;
	__u64 child_ns; /* time spent in traced ops called from this one */
	__u64 bytes;	/* argN captured at entry for bytes=argN */
	__u32 op_id;
	__u32 has_acct; /* the acct snapshot below is valid */
	__u64 oncpu_ns, runq_ns, iowait_ns, offcpu_ns;
	__u32 nvcsw, nivcsw, minflt, majflt; /* task counters, truncated: deltas fit */
	__u32 sampled_out; /* --sample: this call is not recorded (its time still
			    * counts as child time of the frame below) */
	__u32 unseen;	   /* acct_snapshot's unseen at entry */
	__u32 ctr_ok;	   /* CTR_* bits (ops.bpf.c): how ctr[] below was read */
	__u32 ctr_unseen;  /* the thread's ctr_unseen at entry */
	__u32 ctr_seq;	   /* the thread's seq at entry (its running slice) */
	__u32 ctr_nsw;	   /* the task's context switches at entry */
	__u64 ctr[OT_NR_CTR]; /* the thread's perf counts at entry (or the CPU's) */
};

/* Per-thread stack of open ops.  depth may exceed OT_STACK_DEPTH: deeper
 * frames are not stored, only counted, so their returns still pair up. */
struct ot_stack {
	__u32 depth;
	__u32 pad;
	struct ot_frame f[OT_STACK_DEPTH];
	/* --sample N: calls left until the next recorded one, per op slot
	 * (op_id % OT_SAMPLE_SLOTS); 0 = not started (a random phase). */
	__u16 sample_left[OT_SAMPLE_SLOTS];
};

/*
 * Everything optrace keeps per traced thread, in one value so that an op
 * entry or exit finds it with one hash lookup: the accounting that
 * sched.bpf.c keeps (userspace seeds and reads this head) and the stack of
 * open ops.  ~4 KiB a thread, allocated when the thread is first seen and
 * deleted by the sched_process_exit program.
 */
struct ot_thread_ctx {
	struct ot_thread_state ts;
	struct ot_stack stack;
};

OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OT_MAX_THREADS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct ot_thread_ctx);
} threads SEC(".maps");

/* tgid -> accounting summed over the process's threads, dead ones included. */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OT_MAX_TGIDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct ot_acct);
} pid_acct SEC(".maps");

/* (tgid, bucket) -> count: run-queue latency, wakeup to running. */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ot_hist_key);
	__type(value, __u64);
} runq_hist SEC(".maps");

/*
 * Perf counters (--counters), one per-CPU event array per slot, filled by
 * the loader with one event per CPU (pinned: never multiplexed).  Sized by
 * libbpf to the number of possible CPUs.  targ_counters: slots in use.
 */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
} ctr_ev0 SEC(".maps");

OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
} ctr_ev1 SEC(".maps");

#ifdef OT_DEFINE_MAPS
const volatile __u32 targ_counters = 0;
#else
extern const volatile __u32 targ_counters;
#endif

/*
 * This CPU's count of counter slot k.  False when it cannot be read or did
 * not count all the time it was enabled (multiplexed, or in error): a
 * difference of two such reads would not be what ran in between.
 */
static __always_inline bool ot_ctr_read(__u32 k, __u64 *v)
{
	struct bpf_perf_event_value pv;
	long err;

	if (k == 0)
		err = bpf_perf_event_read_value(&ctr_ev0, BPF_F_CURRENT_CPU, &pv, sizeof(pv));
	else
		err = bpf_perf_event_read_value(&ctr_ev1, BPF_F_CURRENT_CPU, &pv, sizeof(pv));
	if (err || pv.running < pv.enabled)
		return false;
	*v = pv.counter;
	return true;
}

/* Context switches of task t so far (the kernel counts every one). */
static __always_inline __u32 ot_nsw(struct task_struct *t)
{
	return (__u32)(BPF_CORE_READ(t, nvcsw) + BPF_CORE_READ(t, nivcsw));
}

/* Starts a running slice of ts's counters (t switched in): the CPU's counts now. */
static __always_inline void ot_ctr_slice_start(struct ot_thread_state *ts, struct task_struct *t)
{
	__u32 ok = 1;

	for (__u32 k = 0; k < OT_NR_CTR; k++) {
		if (k >= targ_counters)
			break;
		if (!ot_ctr_read(k, &ts->ctr_base[k]))
			ok = 0;
	}
	ts->ctr_nsw = ot_nsw(t);
	ts->ctr_ok = ok;
}

/*
 * Ends ts's running slice (t switched out): its counts go to ts->ctr.
 * Unknown counts (the slice's start was not seen: ctr_ok is set only by a
 * seen switch-in; a read failed; or the task switched more often than the
 * one switch seen now: the base is from before a switch the tracepoint did
 * not deliver) bump ctr_unseen instead: calls across this end get no
 * values.  The kernel counts prev's switch before the tracepoint runs,
 * hence + 1.
 */
static __always_inline void ot_ctr_slice_end(struct ot_thread_state *ts, struct task_struct *t)
{
	__u64 now[OT_NR_CTR] = {};
	bool ok = ts->ctr_ok && ot_nsw(t) == ts->ctr_nsw + 1;

	for (__u32 k = 0; k < OT_NR_CTR && ok; k++) {
		if (k >= targ_counters)
			break;
		if (!ot_ctr_read(k, &now[k]))
			ok = false;
	}
	if (ok) {
		for (__u32 k = 0; k < OT_NR_CTR; k++)
			if (k < targ_counters)
				ts->ctr[k] += now[k] - ts->ctr_base[k];
	} else {
		ts->ctr_unseen++;
	}
	ts->ctr_ok = 0;
}

static __always_inline void ot_count_n(__u32 idx, __u64 n)
{
	__u32 zero = 0;
	struct ot_counters *c = bpf_map_lookup_elem(&counters, &zero);

	/* Bounded index keeps the verifier happy and the array in range. */
	if (c && idx < OT_CNT_MAX)
		c->c[idx] += n;
}

static __always_inline void ot_count(__u32 idx)
{
	ot_count_n(idx, 1);
}

static __always_inline bool ot_tgid_traced(__u32 tgid)
{
	__u32 word = tgid / 64, traced;
	__u64 *bits = bpf_map_lookup_elem(&traced_bits, &word);

	if (bits)
		return (*bits >> (tgid & 63)) & 1;
	traced = bpf_map_lookup_elem(&traced_tgids, &tgid) != NULL;

	/* Materialise the answer as a scalar: clang otherwise ORs two lookup
	 * results as pointers ("pointer |= pointer prohibited"). */
	asm volatile("" : "+r"(traced));
	return traced;
}

/* Marks tgid traced (on) or not in traced_bits; traced_tgids is the caller's. */
static __always_inline void ot_tgid_mark(__u32 tgid, bool on)
{
	__u32 word = tgid / 64;
	__u64 *bits = bpf_map_lookup_elem(&traced_bits, &word), bit = 1ULL << (tgid & 63);

	if (!bits)
		return;
	if (on)
		__sync_fetch_and_or(bits, bit);
	else
		__sync_fetch_and_and(bits, ~bit);
}

/* A zeroed value to insert from: the value is too large for the 512-byte
 * BPF stack, and helpers take map values (.rodata) as their source. */
static const struct ot_thread_ctx ot_zero_thread;

/* The thread's entry, created (all zero: no accounting yet, no open op)
 * if missing; NULL when the map is full. */
static __always_inline struct ot_thread_ctx *ot_thread_get(__u32 tid)
{
	struct ot_thread_ctx *t = bpf_map_lookup_elem(&threads, &tid);

	if (t)
		return t;
	bpf_map_update_elem(&threads, &tid, &ot_zero_thread, BPF_NOEXIST);
	return bpf_map_lookup_elem(&threads, &tid);
}

/* The entry's accounting when it is set, else NULL. */
static __always_inline struct ot_thread_state *ot_acct_ready(struct ot_thread_ctx *t)
{
	return t && t->ts.init == OT_TS_INIT_READY ? &t->ts : NULL;
}

/*
 * Sets an empty accounting head: the thread in `state` since now;
 * run_delay: the task's sched_info.run_delay now.  The scheduler programs
 * fill without being interrupted.  An op program can be preempted
 * halfway, and the scheduler may then fill the same head: the op program
 * checks for that (ops.bpf.c).
 */
static __always_inline void ot_acct_fill(struct ot_thread_state *ts, __u32 tgid, __u32 state,
					 __u64 now, __u64 run_delay)
{
	ts->last_ts = now;
	ts->state = state;
	ts->tgid = tgid;
	ts->run_delay = run_delay;
	asm volatile("" ::: "memory");
	ts->init = OT_TS_INIT_READY;
}

/* The thread's accounting, created in state `state` at now if missing
 * (scheduler programs only); NULL when the map is full. */
static __always_inline struct ot_thread_state *ot_acct_get(__u32 tid, __u32 tgid, __u32 state,
							   __u64 now, __u64 run_delay)
{
	struct ot_thread_ctx *t = ot_thread_get(tid);

	if (!t)
		return NULL;
	if (t->ts.init != OT_TS_INIT_READY)
		ot_acct_fill(&t->ts, tgid, state, now, run_delay);
	return &t->ts;
}

/* The task's total run-queue wait (ns), kept by the scheduler itself. */
static __always_inline __u64 ot_run_delay(struct task_struct *t)
{
	/* CONFIG_SCHED_INFO (schedstat, delay accounting); without it the
	 * recovered wait is 0 and the whole gap counts as on-CPU. */
	if (bpf_core_field_exists(t->sched_info))
		return BPF_CORE_READ(t, sched_info.run_delay);
	return 0;
}

/* The same, of a BTF task pointer (bpf_get_current_task_btf): a plain
 * load instead of a probe-read helper call. */
static __always_inline __u64 ot_run_delay_btf(struct task_struct *t)
{
	if (bpf_core_field_exists(t->sched_info))
		return t->sched_info.run_delay;
	return 0;
}

/*
 * A switch-in that was not seen.  sched_switch does not reach BPF for
 * every switch: on some kernels (seen on 6.18 here: every switch whose
 * prev is a thread of PID 1, the machine's agent) the tracepoint's
 * programs do not run at all, and recursion_misses stays 0.  A traced
 * thread that such a task preempted comes back without its switch-in:
 * its state still says RUNNABLE while it runs.  Whoever finds it running
 * (the switch-out handler with it as prev, an op program in it) recovers
 * the switch-in: of the time since last_ts, the run-queue wait is what
 * the kernel itself added to task->sched_info.run_delay meanwhile (kept
 * at every arrival on a CPU, tracepoints or not; a duration, so the
 * clocks need not agree), the rest was on a CPU.  Exact for RUNNABLE.
 * In SLEEP/IOWAIT the wakeup was not seen either: the wait is known, but
 * not where the sleep ended and the run began; that rest stays in the
 * sleep part and the thread's `unseen` is bumped, so that calls over it
 * are left out of the split (OT_CNT_SPLIT_UNSEEN).  Pure function of the
 * state, so the op programs' view (a read) and the switch-out handler's
 * update (a write) agree to the nanosecond.
 */
static __always_inline __u64 ot_catch_up_runq(__u64 base, __u64 run_delay, __u64 gap)
{
	__u64 waited = run_delay - base;

	/* A baseline from before (a seeded thread, 0) cannot exceed the gap. */
	if ((__s64)waited < 0)
		waited = 0;
	return waited < gap ? waited : gap;
}

/*
 * Log-linear bucket of v, the geometry of user/hist.h: values below 128
 * exact, then 64 sub-buckets per power of two.  msb by binary search: BPF
 * has no count-leading-zeros instruction.
 */
static __always_inline __u32 ot_hist_bucket(__u64 v)
{
	__u64 x = v | (1ULL << OT_HIST_SUB_BITS);
	__u32 msb = 0, s;

	if (x >> 32) { x >>= 32; msb += 32; }
	if (x >> 16) { x >>= 16; msb += 16; }
	if (x >> 8) { x >>= 8; msb += 8; }
	if (x >> 4) { x >>= 4; msb += 4; }
	if (x >> 2) { x >>= 2; msb += 2; }
	if (x >> 1) msb += 1;
	s = msb - OT_HIST_SUB_BITS;
	return (s << OT_HIST_SUB_BITS) + (__u32)(v >> s);
}

#endif
