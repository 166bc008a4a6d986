// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ops.bpf.c - operation spans: one uprobe and one uretprobe program serve
 * every traced function.  The op id and the op's byte-count source travel
 * in the BPF attach cookie (bpf/optrace.h), so attaching N functions needs
 * no per-op map and no lookup per call.
 *
 * Owns: the per-thread stack of open ops (nesting, recursion, child time),
 * span records to the ring buffer with batched wakeups, and the counters of
 * everything it could not time or deliver.  Leaves scheduler accounting to
 * sched.bpf.c and process lifetime to proc.bpf.c.
 *
 * Two copies of each program are built: *_multi for uprobe_multi links
 * (one link per file, batch attach and detach, kernel >= 6.6) and the plain
 * ones for perf-event uprobes on older kernels.  The loader autoloads one.
 */
#define OT_DEFINE_MAPS
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Wake the consumer only when this much data is waiting; below it the
 * consumer finds records on its periodic poll.  A wakeup per record costs
 * 1-1.5 us per call (DESIGN.md), batching costs nothing. */
const volatile __u64 targ_wakeup_bytes = 1 << 20;

/* Spans per CPU between two checks of the ring buffer's fill (power of two). */
#define WAKEUP_CHECK_EVERY 64

/* Time split and fault/switch counts per call (sched.bpf.c's accounting). */
const volatile bool targ_split = true;

/* A zeroed stack to insert from: struct ot_stack is too large for the
 * 512-byte BPF stack, and map values may come from .rodata. */
static const struct ot_stack zero_stack;

/*
 * Argument n (1..6) of the probed function.  Each case ends in its own
 * asm statement: without them clang folds the switch into one ctx load at a
 * computed offset, which the verifier rejects ("dereference of modified ctx
 * ptr").  Distinct asm bodies keep the cases from being merged.
 */
#define ARG_CASE(N, EXPR)                                          \
	case N:                                                    \
		v = (EXPR);                                        \
		asm volatile("/* arg" #N " */" : "+r"(v));         \
		return v

static __always_inline __u64 read_arg(struct pt_regs *ctx, __u32 n)
{
	__u64 v;

	switch (n) {
	ARG_CASE(1, PT_REGS_PARM1(ctx));
	ARG_CASE(2, PT_REGS_PARM2(ctx));
	ARG_CASE(3, PT_REGS_PARM3(ctx));
	ARG_CASE(4, PT_REGS_PARM4(ctx));
	ARG_CASE(5, PT_REGS_PARM5(ctx));
#ifdef __TARGET_ARCH_x86
	ARG_CASE(6, ctx->r9);
#endif
	default:
		return 0;
	}
}

#define SNAPSHOT_TRIES 4

/*
 * The thread's accounting as of *now, its running slice counted as on-CPU.
 * clock: read the clock for *now inside the snapshot; else *now is given
 * and the snapshot fails when the thread switched since (its last_ts is
 * past *now).  Uprobe programs are preemptible: preempted halfway through
 * the copy, the switch-out and switch-in update fields already copied and
 * fields not yet copied, and the parts no longer add up.  Those updates
 * bump ts->seq, so the copy is retried until seq did not move.  No other
 * CPU writes a running thread's state (switches and wakeups of a thread
 * happen while it is not running), so this is a sequence check, not a
 * lock.  Returns false when every try was torn.
 */
static __always_inline bool acct_snapshot(const struct ot_thread_state *ts, struct ot_acct *a,
					  __u64 *now, bool clock)
{
	for (int i = 0; i < SNAPSHOT_TRIES; i++) {
		__u32 seq = *(volatile const __u32 *)&ts->seq;
		__u64 last;
		bool running;

		asm volatile("" ::: "memory");
		*a = ts->acct;
		last = ts->last_ts;
		running = ts->state == OT_TS_RUNNING;
		if (clock)
			*now = bpf_ktime_get_ns();
		asm volatile("" ::: "memory");
		if (*(volatile const __u32 *)&ts->seq != seq)
			continue;
		if (last > *now)
			return false;
		if (running)
			a->oncpu_ns += *now - last;
		return true;
	}
	return false;
}

static __always_inline int op_enter(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 bytes_src = (cookie >> OT_COOKIE_BYTES_SHIFT) & OT_COOKIE_BYTES_MASK;
	struct ot_stack *st;
	struct ot_frame *f;
	__u32 d;

	if (!ot_tgid_traced(pid_tgid >> 32))
		return 0;

	st = bpf_map_lookup_elem(&thread_stacks, &tid);
	if (!st) {
		if (bpf_map_update_elem(&thread_stacks, &tid, &zero_stack, BPF_NOEXIST) &&
		    !(st = bpf_map_lookup_elem(&thread_stacks, &tid))) {
			ot_count(OT_CNT_THREADS_FULL);
			return 0;
		}
		st = bpf_map_lookup_elem(&thread_stacks, &tid);
		if (!st)
			return 0;
	}

	d = st->depth;
	st->depth = d + 1;
	if (d >= OT_STACK_DEPTH) {
		ot_count(OT_CNT_STACK_OVERFLOW);
		return 0;
	}
	f = &st->f[d];
	f->op_id = cookie & OT_COOKIE_OP_MASK;
	f->child_ns = 0;
	f->bytes = bytes_src && bytes_src != OT_BYTES_RET ? read_arg(ctx, bytes_src) : 0;
	f->has_acct = 0;
	if (targ_split) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct ot_thread_state *ts;
		struct ot_acct a;
		__u64 now;

		f->nvcsw = task->nvcsw;
		f->nivcsw = task->nivcsw;
		f->minflt = task->min_flt;
		f->majflt = task->maj_flt;
		/* Look up first: the clock is read for a new entry only
		 * (each bpf_ktime_get_ns is a helper call on the hot path). */
		ts = bpf_map_lookup_elem(&thread_acct, &tid);
		if (!ts)
			ts = ot_acct_get(tid, pid_tgid >> 32, OT_TS_RUNNING, bpf_ktime_get_ns());
		if (ts && acct_snapshot(ts, &a, &now, true)) {
			f->oncpu_ns = a.oncpu_ns;
			f->runq_ns = a.runq_ns;
			f->iowait_ns = a.iowait_ns;
			f->offcpu_ns = a.offcpu_ns;
			f->has_acct = 1;
			f->start_ns = now;
			return 0;
		}
	}
	/* Last, so that our own work above is not inside the measured time. */
	f->start_ns = bpf_ktime_get_ns();
	return 0;
}

/* Tolerance of the split's sum: entry and exit each take one timestamp for
 * both the wall time and the snapshot, so they agree to the nanosecond
 * unless the accounting missed a transition. */
#define SPLIT_SLACK_NS 1000

/* Fills the span's time split and counters: exit minus entry. */
static __always_inline void span_split(struct ot_span *sp, const struct ot_frame *f, __u32 tid,
				       __u64 now)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ot_thread_state *ts = bpf_map_lookup_elem(&thread_acct, &tid);
	struct ot_acct a;
	__u64 sum;

	sp->nvcsw = (__u32)task->nvcsw - f->nvcsw;
	sp->nivcsw = (__u32)task->nivcsw - f->nivcsw;
	sp->minflt = (__u32)task->min_flt - f->minflt;
	sp->majflt = (__u32)task->maj_flt - f->majflt;
	sp->flags |= OT_SPAN_F_FAULTS;
	if (!ts || !f->has_acct)
		return;
	/*
	 * The split ends at op_exit's own timestamp, the end of the wall
	 * time: one clock read per exit.  Had this program been preempted
	 * since that read, the switch's time is in the accounting but not in
	 * the wall time: then end both at a fresh snapshot's instant (the
	 * call has not returned until this program finishes, so that time is
	 * the call's).
	 */
	if (!acct_snapshot(ts, &a, &now, false)) {
		if (!acct_snapshot(ts, &a, &now, true)) {
			ot_count(OT_CNT_SPLIT_BAD);
			return;
		}
		sp->dur_ns = now - f->start_ns;
	}
	sp->oncpu_ns = a.oncpu_ns - f->oncpu_ns;
	sp->runq_ns = a.runq_ns - f->runq_ns;
	sp->iowait_ns = a.iowait_ns - f->iowait_ns;
	sp->offcpu_ns = a.offcpu_ns - f->offcpu_ns;
	/*
	 * The four parts come from one clock and must add up to the wall
	 * time.  When the scheduler accounting missed a transition of this
	 * thread they do not: such a call is left out of the split (and
	 * counted) rather than skewing it.
	 */
	sum = sp->oncpu_ns + sp->runq_ns + sp->iowait_ns + sp->offcpu_ns;
	if (sum > sp->dur_ns + SPLIT_SLACK_NS + sp->dur_ns / 64 ||
	    sum + SPLIT_SLACK_NS + sp->dur_ns / 64 < sp->dur_ns) {
		ot_count(OT_CNT_SPLIT_BAD);
		return;
	}
	sp->flags |= OT_SPAN_F_SPLIT;
}

static __always_inline int op_exit(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 rc = PT_REGS_RC(ctx);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 op_id = cookie & OT_COOKIE_OP_MASK;
	__u32 bytes_src = (cookie >> OT_COOKIE_BYTES_SHIFT) & OT_COOKIE_BYTES_MASK;
	struct ot_stack *st;
	struct ot_frame *f;
	struct ot_span *sp;
	struct ot_counters *cnt;
	__u64 dur, nspans = 0, wake = BPF_RB_NO_WAKEUP;
	__u32 top, d, i, zero = 0;

	/* Load rax once, up front, so clang cannot fold it with other ctx
	 * loads into a computed-offset load (see read_arg). */
	asm volatile("" : "+r"(rc));

	st = bpf_map_lookup_elem(&thread_stacks, &tid);
	if (!st || st->depth == 0)
		return 0;

	top = st->depth;
	if (top > OT_STACK_DEPTH) {
		/* A frame that overflowed at entry: pop it, nothing to time. */
		st->depth = top - 1;
		return 0;
	}

	/*
	 * uretprobes pair with their entries, except when a longjmp or an
	 * exception unwound past open frames: their returns never come.  Find
	 * this op's frame from the top, then pop it and everything above it,
	 * counting the frames skipped.  No frame (the entry was never seen):
	 * leave the stack alone.  Indexes are masked for the verifier.
	 */
	for (i = 1; i <= OT_STACK_DEPTH; i++) {
		if (i > top)
			return 0;
		if (st->f[(top - i) & (OT_STACK_DEPTH - 1)].op_id == op_id)
			break;
	}
	if (i > OT_STACK_DEPTH)
		return 0;
	if (i > 1)
		ot_count_n(OT_CNT_STACK_MISMATCH, i - 1);
	d = top - i;
	st->depth = d;
	f = &st->f[d & (OT_STACK_DEPTH - 1)];
	dur = now - f->start_ns;
	if (d > 0)
		st->f[(d - 1) & (OT_STACK_DEPTH - 1)].child_ns += dur;

	cnt = bpf_map_lookup_elem(&counters, &zero);
	if (cnt)
		nspans = ++cnt->c[OT_CNT_SPANS];
	sp = bpf_ringbuf_reserve(&events, sizeof(*sp), 0);
	if (!sp) {
		ot_count(OT_CNT_SPANS_LOST);
		return 0;
	}
	sp->kind = OT_EV_SPAN;
	sp->op_id = op_id;
	sp->tgid = pid_tgid >> 32;
	sp->tid = tid;
	sp->start_ns = f->start_ns;
	sp->dur_ns = dur;
	sp->child_ns = f->child_ns;
	sp->ret = rc;
	sp->depth = d;
	sp->flags = 0;
	sp->bytes = 0;
	if (bytes_src == OT_BYTES_RET) {
		sp->bytes = rc;
		sp->flags |= OT_SPAN_F_BYTES;
	} else if (bytes_src) {
		sp->bytes = f->bytes;
		sp->flags |= OT_SPAN_F_BYTES;
	}
	sp->oncpu_ns = 0;
	sp->runq_ns = 0;
	sp->iowait_ns = 0;
	sp->offcpu_ns = 0;
	sp->nvcsw = 0;
	sp->nivcsw = 0;
	sp->minflt = 0;
	sp->majflt = 0;
	if (targ_split)
		span_split(sp, f, tid, now);

	/*
	 * The fill level is checked on every WAKEUP_CHECK_EVERY-th span of a
	 * CPU, not on each: the query is a helper call per record, and
	 * between two checks at most that many records per CPU (a few KiB)
	 * land past the threshold before the consumer is woken.
	 */
	if (!(nspans & (WAKEUP_CHECK_EVERY - 1)) &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= targ_wakeup_bytes)
		wake = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(sp, wake);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(handle_op_enter)
{
	return op_enter(ctx);
}

SEC("uretprobe")
int BPF_KRETPROBE(handle_op_exit)
{
	return op_exit(ctx);
}

/* Same programs for uprobe_multi links; the loader sets their expected
 * attach type (libbpf 1.1 has no "uprobe.multi" section name). */
SEC("uprobe")
int BPF_KPROBE(handle_op_enter_multi)
{
	return op_enter(ctx);
}

SEC("uprobe")
int BPF_KPROBE(handle_op_exit_multi)
{
	return op_exit(ctx);
}
