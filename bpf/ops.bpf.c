// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ops.bpf.c - operation spans: one uprobe and one uretprobe program serve
 * every traced function, and one USDT program every USDT probe.  The op id and the op's byte-count source travel
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
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Wake the consumer only when this much data is waiting; below it the
 * consumer finds records on its periodic poll.  A wakeup per record costs
 * 1-1.5 us per call (DESIGN.md), batching costs nothing. */
const volatile __u64 targ_wakeup_bytes = 1 << 20;

/* Spans per CPU between two checks of the ring buffer's fill (power of two). */
#define WAKEUP_CHECK_EVERY 64

/* Time split and fault/switch counts per call (sched.bpf.c's accounting). */
const volatile bool targ_split = true;

/* --sample N: record one call in N per thread and op (0 or 1: every call). */
const volatile __u32 targ_sample = 1;

/* --cgroup: record only tasks under the cgroup in cgroup_filter[0]. */
const volatile bool targ_cgroup = false;
/* optrace's own process: its calibration calls are timed whatever --cgroup
 * says, and what they lose (split, counters) is not the target's loss. */
const volatile __u32 targ_self_tgid = 0;

/* Record calls of every process (--cgroup without -p or a command):
 * the cgroup check alone decides. */
const volatile bool targ_all_tgids = false;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

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

/* ot_frame.ctr_ok bits */
#define CTR_READ  0x1 /* the counters were read at entry */
#define CTR_BASED 0x2 /* ctr[] are the thread's totals (else the CPU's raw counts) */

/* acct_snapshot's *unseen: the thread's unseen count, and this bit when the
 * thread was found running in SLEEP/IOWAIT (time of unknown division). */
#define UNSEEN_NOW 0x80000000U

struct ctr_snap {
	__u64 v[OT_NR_CTR]; /* based: the thread's counts, its running slice
			     * included; else the CPU's raw counts */
	__u32 unseen;	    /* the thread's ctr_unseen */
	__u32 seq;	    /* the thread's seq: the same in one running slice */
	__u32 nsw;	    /* the task's context switches (nvcsw + nivcsw) */
	bool read;	    /* every counter could be read */
	bool based;	    /* this slice's start (its base) is known */
};

/*
 * The thread's perf counts as of now (inside acct_snapshot's seq loop).
 * When this running slice's start was seen (based), its totals plus this
 * slice's: the CPU's counters minus the slice's base.  When it was not (a
 * thread seeded while running, or a switch missed), the CPU's raw counts:
 * a call that starts and ends within the slice (same seq, and the task's
 * own switch count unchanged: no switch at all, seen or not) is the
 * difference of two raw reads; one that crosses its end is not counted
 * (the end bumps ctr_unseen).
 */
static __always_inline void ctr_snapshot(const struct ot_thread_state *ts, __u32 seq,
					 struct task_struct *task, struct ctr_snap *c)
{
	c->unseen = ts->ctr_unseen;
	c->seq = seq;
	c->nsw = task->nvcsw + task->nivcsw;
	/* ctr_ok: the slice's switch-in was seen and no switch-out since;
	 * a base from before a switch the tracepoint did not deliver is
	 * stale, and the task's own switch count says so. */
	c->based = ts->ctr_ok && c->nsw == ts->ctr_nsw;
	c->read = true;
	for (__u32 k = 0; k < OT_NR_CTR; k++) {
		__u64 cur;

		if (k >= targ_counters)
			break;
		if (!ot_ctr_read(k, &cur)) {
			c->read = false;
			break;
		}
		c->v[k] = c->based ? ts->ctr[k] + (cur - ts->ctr_base[k]) : cur;
	}
}

/* A call's counter values from its entry and exit snapshots (c NULL: no
 * exit snapshot); false when some of its running time was not counted. */
static __always_inline bool ctr_delta(const struct ot_frame *f, const struct ctr_snap *c,
				      __u64 *out)
{
	if (!c || !(f->ctr_ok & CTR_READ) || !c->read)
		return false;
	if ((f->ctr_ok & CTR_BASED) && c->based) {
		if (c->unseen != f->ctr_unseen)
			return false;
	} else if (c->seq != f->ctr_seq || c->nsw != f->ctr_nsw) {
		/* Raw reads: only within one running slice, on one CPU. */
		return false;
	}
	out[0] = c->v[0] - f->ctr[0];
	out[1] = c->v[1] - f->ctr[1];
	return true;
}

/*
 * The thread's accounting as of *now, its running slice counted as on-CPU.
 * The thread runs this program, so it is running whatever its state says:
 * a state other than RUNNING means its switch-in was not seen, and the
 * time since last_ts is divided as the switch-out handler will divide it
 * (ot_catch_up_runq), from the task's run-queue delay.  *unseen: see
 * UNSEEN_NOW.
 * clock: read the clock for *now inside the snapshot; else *now is given
 * and the snapshot fails when the thread switched since (its last_ts is
 * past *now).  Uprobe programs are preemptible: preempted halfway through
 * the copy, the switch-out and switch-in update fields already copied and
 * fields not yet copied, and the parts no longer add up.  Those updates
 * bump ts->seq, so the copy is retried until seq did not move.  No other
 * CPU writes a running thread's state (switches and wakeups of a thread
 * happen while it is not running), so this is a sequence check, not a
 * lock.  c: the perf counts (--counters), read within the same copy.
 * Returns false when every try was torn.
 */
static __always_inline bool acct_snapshot(const struct ot_thread_state *ts,
					  struct task_struct *task, struct ot_acct *a, __u64 *now,
					  bool clock, __u32 *unseen, struct ctr_snap *c)
{
	for (int i = 0; i < SNAPSHOT_TRIES; i++) {
		__u32 seq = *(volatile const __u32 *)&ts->seq, state;
		__u64 last, gap, runq, rd, base;

		asm volatile("" ::: "memory");
		*a = ts->acct;
		last = ts->last_ts;
		state = ts->state;
		base = ts->run_delay;
		*unseen = ts->unseen & ~UNSEEN_NOW;
		/* Only a switch-in not seen needs the kernel's run delay. */
		rd = state != OT_TS_RUNNING ? ot_run_delay_btf(task) : 0;
		if (targ_counters)
			ctr_snapshot(ts, seq, task, c);
		if (clock)
			*now = bpf_ktime_get_ns();
		asm volatile("" ::: "memory");
		if (*(volatile const __u32 *)&ts->seq != seq)
			continue;
		if (last > *now)
			return false;
		gap = *now - last;
		if (state == OT_TS_RUNNING) {
			a->oncpu_ns += gap;
			return true;
		}
		runq = ot_catch_up_runq(base, rd, gap);
		a->runq_ns += runq;
		if (state == OT_TS_RUNNABLE) {
			a->oncpu_ns += gap - runq;
		} else {
			if (state == OT_TS_IOWAIT)
				a->iowait_ns += gap - runq;
			else
				a->offcpu_ns += gap - runq;
			*unseen |= UNSEEN_NOW;
		}
		return true;
	}
	return false;
}

/*
 * Is the current call to be recorded at all: its process is traced (or
 * every process is, with --cgroup alone) and, with --cgroup, the task is
 * inside that cgroup v2 subtree.
 */
static __always_inline bool op_traced(__u32 tgid)
{
	if (!targ_all_tgids && !ot_tgid_traced(tgid))
		return false;
	/* 1: under the cgroup; 0: not; < 0: map empty (nothing matches). */
	if (targ_cgroup && tgid != targ_self_tgid &&
	    bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

/* The thread's entry (op stack and accounting), created if missing; NULL
 * (counted) when the map is full. */
static __always_inline struct ot_thread_ctx *thread_get(__u32 tid)
{
	struct ot_thread_ctx *t = ot_thread_get(tid);

	if (!t)
		ot_count(OT_CNT_THREADS_FULL);
	return t;
}

/*
 * The thread's accounting, set here when nothing has set it yet (no
 * switch-in or wakeup of the thread seen since tracing began, and not
 * seeded): the thread runs this program, so it is running since now.
 * This program is preemptible: preempted while filling, a scheduler
 * program may fill the same head meanwhile and the two fills mix.  The
 * task's own switch count tells: then how its time divided since is not
 * known, and the thread's unseen count says so (calls over it are left
 * out of the split, and counted).
 */
static __always_inline struct ot_thread_state *op_acct(struct ot_thread_ctx *t, __u32 tgid,
							struct task_struct *task)
{
	struct ot_thread_state *ts = &t->ts;
	__u32 nsw;

	if (ts->init == OT_TS_INIT_READY)
		return ts;
	nsw = task->nvcsw + task->nivcsw;
	ot_acct_fill(ts, tgid, OT_TS_RUNNING, bpf_ktime_get_ns(), ot_run_delay_btf(task));
	if ((__u32)(task->nvcsw + task->nivcsw) != nsw)
		ts->unseen++;
	return ts;
}

/*
 * --sample N: is this call of op_id on this thread one to record?  A
 * per-thread countdown per op slot: exactly one call in N is recorded (so
 * scaled counts are off by less than N per thread and op), starting at a
 * random phase so that threads do not all pick the same calls.  A plain
 * array slot, no helper call but the first time.
 */
static __always_inline bool sample_hit(struct ot_stack *st, __u32 op_id)
{
	__u16 *left;

	if (targ_sample <= 1)
		return true;
	left = &st->sample_left[op_id & (OT_SAMPLE_SLOTS - 1)];
	if (*left == 0)
		*left = 1 + bpf_get_prandom_u32() % targ_sample;
	if (--*left)
		return false;
	*left = targ_sample;
	return true;
}

/*
 * Reserves a span record; NULL (counted) when the ring is full.  optrace's
 * own calibration calls (tgid targ_self_tgid) are counted apart: the loss
 * figures are the traced processes' (produced - delivered, exactly), and
 * calibration may run while they already produce.
 */
static __always_inline struct ot_span *span_reserve(__u32 tgid, __u64 *nspans)
{
	bool self = tgid == targ_self_tgid;
	struct ot_counters *cnt;
	struct ot_span *sp;
	__u32 zero = 0;

	cnt = bpf_map_lookup_elem(&counters, &zero);
	if (cnt)
		*nspans = ++cnt->c[self ? OT_CNT_CALIB_SPANS : OT_CNT_SPANS];
	sp = bpf_ringbuf_reserve(&events, sizeof(*sp), 0);
	if (!sp)
		ot_count(self ? OT_CNT_CALIB_LOST : OT_CNT_SPANS_LOST);
	return sp;
}

/*
 * The fill level is checked on every WAKEUP_CHECK_EVERY-th span of a CPU,
 * not on each: the query is a helper call per record, and between two
 * checks at most that many records per CPU (a few KiB) land past the
 * threshold before the consumer is woken.
 */
static __always_inline void span_submit(struct ot_span *sp, __u64 nspans)
{
	__u64 wake = BPF_RB_NO_WAKEUP;

	if (!(nspans & (WAKEUP_CHECK_EVERY - 1)) &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= targ_wakeup_bytes)
		wake = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(sp, wake);
}

/*
 * A counted call (OT_KIND_COUNT): one span with no duration, at the
 * thread's current depth.  rc and bytes as the probe gives them.
 */
static __always_inline int op_count(__u32 op_id, __s64 rc, bool has_bytes, __u64 bytes)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), nspans = 0;
	__u32 tid = (__u32)pid_tgid;
	struct ot_thread_ctx *t;
	struct ot_span *sp;

	if (!op_traced(pid_tgid >> 32))
		return 0;
	t = thread_get(tid);
	if (!t || !sample_hit(&t->stack, op_id))
		return 0;
	sp = span_reserve(pid_tgid >> 32, &nspans);
	if (!sp)
		return 0;
	__builtin_memset(sp, 0, sizeof(*sp));
	sp->kind = OT_EV_SPAN;
	sp->op_id = op_id;
	sp->tgid = pid_tgid >> 32;
	sp->tid = tid;
	sp->start_ns = bpf_ktime_get_ns();
	sp->ret = rc;
	sp->depth = t->stack.depth;
	sp->weight = targ_sample > 1 ? targ_sample : 1;
	sp->flags = OT_SPAN_F_COUNT;
	if (has_bytes) {
		sp->bytes = bytes;
		sp->flags |= OT_SPAN_F_BYTES;
	}
	span_submit(sp, nspans);
	return 0;
}

/* Opens op_id on the current thread (a uprobe entry or a USDT begin probe). */
static __always_inline int op_enter(__u32 op_id, __u64 bytes)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct ot_thread_ctx *t;
	struct ot_stack *st;
	struct ot_frame *f;
	__u32 d;

	if (!op_traced(pid_tgid >> 32))
		return 0;

	t = thread_get(tid);
	if (!t)
		return 0;
	st = &t->stack;

	d = st->depth;
	st->depth = d + 1;
	if (d >= OT_STACK_DEPTH) {
		ot_count(OT_CNT_STACK_OVERFLOW);
		return 0;
	}
	f = &st->f[d];
	f->op_id = op_id;
	f->child_ns = 0;
	f->bytes = bytes;
	f->has_acct = 0;
	f->ctr_ok = 0;
	f->sampled_out = !sample_hit(st, op_id);
	if (targ_split && !f->sampled_out) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct ot_thread_state *ts;
		struct ctr_snap c = {};
		struct ot_acct a;
		__u64 now;

		f->nvcsw = task->nvcsw;
		f->nivcsw = task->nivcsw;
		f->minflt = task->min_flt;
		f->majflt = task->maj_flt;
		ts = op_acct(t, pid_tgid >> 32, task);
		if (acct_snapshot(ts, task, &a, &now, true, &f->unseen, &c)) {
			f->ctr_ok = (c.read ? CTR_READ : 0) | (c.based ? CTR_BASED : 0);
			f->ctr_unseen = c.unseen;
			f->ctr_seq = c.seq;
			f->ctr_nsw = c.nsw;
			f->ctr[0] = c.v[0];
			f->ctr[1] = c.v[1];
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

/* Counts a call left out of the split or the counters, unless it is one
 * of optrace's own calibration calls. */
static __always_inline void count_left_out(const struct ot_span *sp, __u32 idx)
{
	if (sp->tgid != targ_self_tgid)
		ot_count(idx);
}

/* The span's counter values (exit snapshot c, or NULL), or counts the
 * call as left without them. */
static __always_inline void span_ctr(struct ot_span *sp, const struct ot_frame *f,
				     const struct ctr_snap *c)
{
	if (!targ_counters)
		return;
	if (ctr_delta(f, c, sp->ctr))
		sp->flags |= OT_SPAN_F_CTR;
	else
		count_left_out(sp, OT_CNT_CTR_UNSEEN);
}

/* Fills the span's time split and counters: exit minus entry. */
static __always_inline void span_split(struct ot_span *sp, const struct ot_frame *f,
				       struct ot_thread_state *ts, __u64 now)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ctr_snap c = {};
	struct ot_acct a;
	__u32 unseen;
	__u64 sum;

	sp->nvcsw = (__u32)task->nvcsw - f->nvcsw;
	sp->nivcsw = (__u32)task->nivcsw - f->nivcsw;
	sp->minflt = (__u32)task->min_flt - f->minflt;
	sp->majflt = (__u32)task->maj_flt - f->majflt;
	sp->flags |= OT_SPAN_F_FAULTS;
	if (!f->has_acct) {
		span_ctr(sp, f, NULL);
		return;
	}
	/*
	 * The split ends at op_exit's own timestamp, the end of the wall
	 * time: one clock read per exit.  Had this program been preempted
	 * since that read, the switch's time is in the accounting but not in
	 * the wall time: then end both at a fresh snapshot's instant (the
	 * call has not returned until this program finishes, so that time is
	 * the call's).
	 */
	if (!acct_snapshot(ts, task, &a, &now, false, &unseen, &c)) {
		if (!acct_snapshot(ts, task, &a, &now, true, &unseen, &c)) {
			count_left_out(sp, OT_CNT_SPLIT_BAD);
			span_ctr(sp, f, NULL);
			return;
		}
		sp->dur_ns = now - f->start_ns;
	}
	span_ctr(sp, f, &c);
	/*
	 * Over the call, a wakeup and a switch-in of the thread were not seen:
	 * the time between them went to a part without knowing where the
	 * sleep ended.  Left out, and counted apart from sums that do not add
	 * up (those would be a bug here).
	 */
	if ((unseen | f->unseen) & UNSEEN_NOW || unseen != f->unseen) {
		count_left_out(sp, OT_CNT_SPLIT_UNSEEN);
		return;
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
		count_left_out(sp, OT_CNT_SPLIT_BAD);
		return;
	}
	sp->flags |= OT_SPAN_F_SPLIT;
}

/* Where op_exit takes the span's byte count from. */
#define EXIT_BYTES_NONE	 0
#define EXIT_BYTES_FRAME 1 /* captured at entry */
#define EXIT_BYTES_GIVEN 2 /* the bytes argument (return value, USDT end argument) */

/*
 * Closes op_id on the current thread (a uretprobe, or a USDT end probe):
 * pops its frame and emits the span.  now: the clock read first thing.
 */
static __always_inline int op_exit(__u64 now, __u32 op_id, __s64 rc, __u32 bytes_mode, __u64 bytes)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct ot_thread_ctx *t;
	struct ot_stack *st;
	struct ot_frame *f;
	struct ot_span *sp;
	__u64 dur, nspans = 0;
	__u32 top, d, i;

	t = bpf_map_lookup_elem(&threads, &tid);
	if (!t || t->stack.depth == 0)
		return 0;
	st = &t->stack;

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
	 * (A USDT end probe without its begin pairs the same way.)
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
	if (f->sampled_out)
		return 0;

	sp = span_reserve(pid_tgid >> 32, &nspans);
	if (!sp)
		return 0;
	sp->kind = OT_EV_SPAN;
	sp->op_id = op_id;
	sp->tgid = pid_tgid >> 32;
	sp->tid = tid;
	sp->start_ns = f->start_ns;
	sp->dur_ns = dur;
	sp->child_ns = f->child_ns;
	sp->ret = rc;
	sp->depth = d;
	sp->weight = targ_sample > 1 ? targ_sample : 1;
	sp->flags = 0;
	sp->bytes = 0;
	if (bytes_mode == EXIT_BYTES_GIVEN) {
		sp->bytes = bytes;
		sp->flags |= OT_SPAN_F_BYTES;
	} else if (bytes_mode == EXIT_BYTES_FRAME) {
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
	sp->ctr[0] = 0;
	sp->ctr[1] = 0;
	if (targ_split)
		span_split(sp, f, &t->ts, now);
	span_submit(sp, nspans);
	return 0;
}

static __always_inline __u32 cookie_kind(__u64 cookie)
{
	return (cookie >> OT_COOKIE_KIND_SHIFT) & OT_COOKIE_KIND_MASK;
}

static __always_inline __u32 cookie_bytes(__u64 cookie)
{
	return (cookie >> OT_COOKIE_BYTES_SHIFT) & OT_COOKIE_BYTES_MASK;
}

static __always_inline int uprobe_enter(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 op_id = cookie & OT_COOKIE_OP_MASK, src = cookie_bytes(cookie);
	__u64 bytes = src && src != OT_BYTES_RET ? read_arg(ctx, src) : 0;

	if (cookie_kind(cookie) == OT_KIND_COUNT)
		return op_count(op_id, 0, src && src != OT_BYTES_RET, bytes);
	return op_enter(op_id, bytes);
}

static __always_inline int uprobe_exit(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 rc = PT_REGS_RC(ctx);
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 src = cookie_bytes(cookie);

	/* Load rax once, up front, so clang cannot fold it with other ctx
	 * loads into a computed-offset load (see read_arg). */
	asm volatile("" : "+r"(rc));
	return op_exit(now, cookie & OT_COOKIE_OP_MASK, rc,
		       src == OT_BYTES_RET ? EXIT_BYTES_GIVEN :
		       src		   ? EXIT_BYTES_FRAME :
					     EXIT_BYTES_NONE,
		       rc);
}

/* USDT argument n (1-based, as in bytes=argN); 0 when absent or unreadable. */
static __always_inline __u64 usdt_arg(struct pt_regs *ctx, __u32 n)
{
	long v = 0;

	if (n == 0 || n > BPF_USDT_MAX_ARG_CNT || bpf_usdt_arg(ctx, n - 1, &v))
		return 0;
	return v;
}

SEC("uprobe")
int BPF_KPROBE(handle_op_enter)
{
	return uprobe_enter(ctx);
}

SEC("uretprobe")
int BPF_KRETPROBE(handle_op_exit)
{
	return uprobe_exit(ctx);
}

/* Same programs for uprobe_multi links; the loader sets their expected
 * attach type (libbpf 1.1 has no "uprobe.multi" section name). */
SEC("uprobe")
int BPF_KPROBE(handle_op_enter_multi)
{
	return uprobe_enter(ctx);
}

SEC("uprobe")
int BPF_KPROBE(handle_op_exit_multi)
{
	return uprobe_exit(ctx);
}

/*
 * Every USDT probe (libbpf's USDT support: it decodes the arguments' note
 * specs; the op's cookie is the USDT cookie).  The kind says whether the
 * probe opens an op, closes one or is counted on its own.
 */
SEC("usdt")
int handle_usdt(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 cookie = bpf_usdt_cookie(ctx);
	__u32 op_id = cookie & OT_COOKIE_OP_MASK, kind = cookie_kind(cookie);
	__u32 bsrc = cookie_bytes(cookie);
	__u32 esrc = (cookie >> OT_COOKIE_ERRARG_SHIFT) & OT_COOKIE_ERRARG_MASK;

	if (kind == OT_KIND_BEGIN)
		return op_enter(op_id, 0);
	if (kind == OT_KIND_END)
		return op_exit(now, op_id, usdt_arg(ctx, esrc),
			       bsrc ? EXIT_BYTES_GIVEN : EXIT_BYTES_NONE, usdt_arg(ctx, bsrc));
	return op_count(op_id, usdt_arg(ctx, esrc), bsrc != 0, usdt_arg(ctx, bsrc));
}
