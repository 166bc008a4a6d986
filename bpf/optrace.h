/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * optrace.h - the ABI shared by the BPF programs and the userspace loader.
 *
 * Owns: ring-buffer record layouts, record kinds, the attach-cookie encoding,
 * the drop/loss counter indices and the size limits both sides agree on.
 * Leaves to others: everything else.  Only __u8..__u64 / __s64 here, explicit
 * padding, and a size assertion per struct, so that both compilers lay the
 * structs out identically.
 */
#ifndef OPTRACE_ABI_H
#define OPTRACE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Limits shared by both sides. */
#define OT_MAX_OPS	  4096	  /* op ids are 0..OT_MAX_OPS-1 */
#define OT_STACK_DEPTH	  32	  /* open ops per thread before overflow is counted */
#define OT_MAX_THREADS	  65536	  /* threads with an open-op stack at once */
#define OT_MAX_TGIDS	  16384	  /* traced processes at once */
#define OT_COMM_LEN	  16

/*
 * Attach cookie: the op id in the low 32 bits; how to read the op's byte
 * count in bits 32..35; per-op flags above.  One entry and one exit program
 * serve every op, so everything op-specific the kernel side needs travels here.
 */
#define OT_COOKIE_OP_MASK     0xffffffffULL
#define OT_COOKIE_BYTES_SHIFT 32
#define OT_COOKIE_BYTES_MASK  0xfULL

/* Where an op's byte count comes from (cookie bits 32..35). */
#define OT_BYTES_NONE 0 /* 1..6: argument N at entry */
#define OT_BYTES_RET  7 /* the return value */

/*
 * USDT ops: which probe argument (1..12, 0 = none) stands for the return
 * value that error= tests (cookie bits 36..39).  For USDT kinds the bytes
 * field (bits 32..35) is a USDT argument number too (1..12), read at the
 * end probe (or at the only probe of a counted one).
 */
#define OT_COOKIE_ERRARG_SHIFT 36
#define OT_COOKIE_ERRARG_MASK  0xfULL

/* What the probe carrying the cookie does (cookie bits 40..43). */
#define OT_COOKIE_KIND_SHIFT 40
#define OT_COOKIE_KIND_MASK  0xfULL
#define OT_KIND_CALL  0 /* uprobe entry / uretprobe pair: a timed call */
#define OT_KIND_COUNT 1 /* one probe, counted, not timed (,count or a lone USDT probe) */
#define OT_KIND_BEGIN 2 /* USDT probe that opens an op on the thread */
#define OT_KIND_END   3 /* USDT probe that closes the op the matching BEGIN opened */

/* Most calls one sampled span can stand for (--sample N, N <= this). */
#define OT_SAMPLE_MAX 65535
/* Sampling counters per thread: an op uses slot op_id % OT_SAMPLE_SLOTS. */
#define OT_SAMPLE_SLOTS 64

/* traced_tgids map values */
#define OT_TGID_FOLLOW 0x1 /* children of this process are traced too */

/* Record kinds (first __u32 of every ring-buffer record). */
#define OT_EV_SPAN 1 /* one completed op call */
#define OT_EV_PROC 2 /* a traced process forked, exec'd or exited */
#define OT_EV_BIO  3 /* a block request submitted by a traced process completed */
#define OT_EV_THREAD 4 /* a traced thread exited: its final accounting */

/* ot_span.flags */
#define OT_SPAN_F_SPLIT 0x1 /* oncpu/runq/iowait/offcpu fields are valid */
#define OT_SPAN_F_BYTES 0x2 /* bytes field is valid */
#define OT_SPAN_F_FAULTS 0x4 /* minflt/majflt/nvcsw/nivcsw are valid */
#define OT_SPAN_F_COUNT 0x8 /* a counted call (OT_KIND_COUNT): no duration, no split */
#define OT_SPAN_F_CTR   0x10 /* ctr[] fields are valid (perf counters, --counters) */

/* Perf counters read per call (--counters): slots 0..OT_NR_CTR-1. */
#define OT_NR_CTR 2

struct ot_span {
	__u32 kind; /* OT_EV_SPAN */
	__u32 op_id;
	__u32 tgid;
	__u32 tid;
	__u64 start_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) at entry */
	__u64 dur_ns;	/* wall time, entry to return */
	__u64 child_ns; /* part of dur_ns spent in nested traced ops */
	__s64 ret;	/* return value (rax) */
	__u64 bytes;	/* from the op's bytes= source, if OT_SPAN_F_BYTES */
	__u16 depth;	/* 0 = outermost traced op on this thread */
	__u16 weight;	/* calls this span stands for (--sample N: N); 0 means 1 */
	__u32 flags;	/* OT_SPAN_F_* */
	/* Time split, valid with OT_SPAN_F_SPLIT (filled by scheduler accounting). */
	__u64 oncpu_ns;
	__u64 runq_ns;
	__u64 iowait_ns;
	__u64 offcpu_ns;
	__u32 nvcsw;  /* voluntary context switches during the call */
	__u32 nivcsw; /* involuntary context switches during the call */
	__u32 minflt; /* minor page faults during the call */
	__u32 majflt; /* major page faults during the call */
	/* Perf counter deltas (instructions, cycles...) counted only while the
	 * thread ran, valid with OT_SPAN_F_CTR; slot order is the loader's. */
	__u64 ctr[OT_NR_CTR];
};

/*
 * Where a thread's (or a process's) time went since tracing saw it: on a
 * CPU, runnable waiting for one, blocked in IO wait (task->in_iowait), and
 * blocked otherwise.  Kept by sched.bpf.c at every context switch and wakeup.
 */
struct ot_acct {
	__u64 oncpu_ns;
	__u64 runq_ns;
	__u64 iowait_ns;
	__u64 offcpu_ns;
	__u64 runq_waits; /* wakeup/preemption -> running transitions */
	__u64 switches;	  /* times switched out */
};

/* Thread states kept by sched.bpf.c. */
#define OT_TS_RUNNING  0
#define OT_TS_RUNNABLE 1 /* woken or preempted, waiting for a CPU */
#define OT_TS_SLEEP    2 /* blocked, not in IO wait */
#define OT_TS_IOWAIT   3 /* blocked with task->in_iowait */

/*
 * The head of each value of the threads map (tid -> state, then the op
 * stack that only BPF reads): what userspace seeds and reads.
 */
struct ot_thread_state {
	struct ot_acct acct;
	__u64 last_ts; /* when the thread entered its current state */
	__u32 state;   /* OT_TS_* */
	__u32 tgid;
	/* Bumped by every update (switch, wakeup).  The thread's own uprobe
	 * programs are preemptible: a snapshot is consistent only when seq is
	 * the same before and after copying. */
	__u32 seq;
	/* Bumped when time of the thread went to a part that may be wrong:
	 * it was found running in state SLEEP/IOWAIT (its wakeup and its
	 * switch-in were not seen), so how that time divides is unknown. */
	__u32 unseen;
	/* task->sched_info.run_delay when the thread last left RUNNING or
	 * was woken: with it, a switch-in that was not seen is recovered
	 * (ot_catch_up_runq in maps.bpf.h). */
	__u64 run_delay;
	/* Perf counters (--counters), per slot: the counts of the thread's
	 * running slices, added at each switch-out, and the CPU counter's
	 * value at its last switch-in (valid while ctr_ok). */
	__u64 ctr[OT_NR_CTR];
	__u64 ctr_base[OT_NR_CTR];
	__u32 ctr_ok;	  /* ctr_base holds this running slice's start */
	/* Bumped for each running slice whose counts are unknown (its
	 * switch-in was not seen, or a counter read failed): calls over it
	 * get no counter values (OT_CNT_CTR_UNSEEN). */
	__u32 ctr_unseen;
	/* The task's nvcsw + nivcsw when this slice started: a switch the
	 * tracepoint did not deliver still bumps the task's own count, so a
	 * base from before it is known to be stale. */
	__u32 ctr_nsw;
	/* OT_TS_INIT_READY once the fields above are set.  An entry the op
	 * programs create for their stack starts empty (all zero) and is
	 * filled in place by whoever first knows the thread's state. */
	__u32 init;
};

#define OT_TS_INIT_READY 1

struct ot_thread {
	__u32 kind; /* OT_EV_THREAD */
	__u32 tgid;
	__u32 tid;
	__u32 pad;
	char comm[OT_COMM_LEN];
	struct ot_acct acct;
};

/* Key of the in-kernel run-queue latency histograms (per process). */
struct ot_hist_key {
	__u32 tgid;
	__u32 bucket; /* log-linear bucket, the same geometry as user/hist.h */
};
#define OT_HIST_SUB_BITS 6

/* ot_proc.what */
#define OT_PROC_FORK 1
#define OT_PROC_EXEC 2
#define OT_PROC_EXIT 3

struct ot_proc {
	__u32 kind; /* OT_EV_PROC */
	__u32 what; /* OT_PROC_* */
	__u32 tgid;
	__u32 ppid;	 /* parent tgid (fork) */
	__s32 exit_code; /* raw wait status (exit) */
	__u32 pad;
	__u64 ts_ns;
	char comm[OT_COMM_LEN];
};

/* ot_bio.op */
#define OT_BIO_READ    1
#define OT_BIO_WRITE   2
#define OT_BIO_FLUSH   3
#define OT_BIO_DISCARD 4
#define OT_BIO_OTHER   5

/* One completed block request, attributed to the process that submitted it. */
struct ot_bio {
	__u32 kind; /* OT_EV_BIO */
	__u32 tgid; /* submitter */
	__u32 tid;
	__u32 dev;  /* MKDEV(major, minor) as the kernel encodes it: major << 20 | minor */
	__u32 op;   /* OT_BIO_* */
	__u32 flags; /* OT_BIO_F_* */
	__u64 sector;
	__u64 bytes;
	__u64 start_ns;	  /* when the request was created (io_start/insert), else issued */
	__u64 queue_ns;	  /* start to issue (0 if unknown) */
	__u64 service_ns; /* issue to complete */
	__s32 error;	  /* blk_status_t, 0 = ok */
	__u32 pad;
};

#define OT_BIO_F_SYNC 0x1 /* REQ_SYNC */

/*
 * Per-CPU counters (one array element of struct ot_counters).  Every event the
 * kernel side could not deliver or account is counted here and reported.
 */
#define OT_CNT_SPANS	      0 /* spans of traced processes produced (submitted or lost) */
#define OT_CNT_SPANS_LOST     1 /* ring-buffer reserve failed for a span */
#define OT_CNT_PROC_LOST      2 /* ring-buffer reserve failed for a proc record */
#define OT_CNT_STACK_OVERFLOW 3 /* calls deeper than OT_STACK_DEPTH (not timed) */
#define OT_CNT_STACK_MISMATCH 4 /* returns that skipped open ops (longjmp, unwinding) */
#define OT_CNT_THREADS_FULL   5 /* thread-stack map full: call not timed */
#define OT_CNT_TGIDS_FULL     6 /* filter map full: a forked child not followed */
#define OT_CNT_BIO_LOST	      7 /* ring-buffer reserve failed for a block request record */
#define OT_CNT_BIO_STALE      8 /* block request whose completion was never seen */
#define OT_CNT_BIO_MAPFULL    9 /* block request map full: request not attributed */
#define OT_CNT_SPLIT_BAD      10 /* calls whose time split did not add up to their wall time */
#define OT_CNT_SPLIT_UNSEEN   11 /* calls left out of the split: a wakeup and switch-in of the
				  * thread during the call were not seen (how the time divides
				  * is unknown) */
#define OT_CNT_SWITCHIN_UNSEEN 12 /* switch-ins not seen, recovered from the run-queue delay */
#define OT_CNT_CTR_UNSEEN     13 /* calls without counter values: a running slice of the thread
				  * during the call was not counted (its switch-in was not seen,
				  * or the counter could not be read) */
#define OT_CNT_CALIB_SPANS    14 /* spans of optrace's own calibration calls (not in OT_CNT_SPANS) */
#define OT_CNT_CALIB_LOST     15 /* ...and those the ring buffer had no room for */
#define OT_CNT_MAX	      16

struct ot_counters {
	__u64 c[OT_CNT_MAX];
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct ot_span) == 128, "ot_span ABI size");
_Static_assert(sizeof(struct ot_thread) == 80, "ot_thread ABI size");
_Static_assert(sizeof(struct ot_thread_state) == 128, "ot_thread_state ABI size");
_Static_assert(sizeof(struct ot_proc) == 48, "ot_proc ABI size");
_Static_assert(sizeof(struct ot_counters) == 128, "ot_counters ABI size");
_Static_assert(sizeof(struct ot_bio) == 72, "ot_bio ABI size");
#endif

#endif /* OPTRACE_ABI_H */
