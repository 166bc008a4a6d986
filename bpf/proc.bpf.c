// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * proc.bpf.c - lifetime of traced processes: follow forks (--follow), note
 * execs and exits, and drop per-thread state when a thread exits so that the
 * threads map never fills with the dead.
 *
 * tp_btf programs with raw_tp twins; the loader autoloads the raw_tp ones
 * only where tp_btf is not available.
 */
#include "maps.bpf.h"

const volatile bool targ_follow = false;

static __always_inline void emit_proc(__u32 what, struct task_struct *p, __u32 ppid, __s32 code)
{
	struct ot_proc *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		ot_count(OT_CNT_PROC_LOST);
		return;
	}
	e->kind = OT_EV_PROC;
	e->what = what;
	e->tgid = BPF_CORE_READ(p, tgid);
	e->ppid = ppid;
	e->exit_code = code;
	e->pad = 0;
	e->ts_ns = bpf_ktime_get_ns();
	BPF_CORE_READ_STR_INTO(&e->comm, p, comm);
	/* Rare events: a wakeup each so that exits are seen at once. */
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int on_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u32 *flags;

	/* New threads share the tgid: already traced or not. */
	if (ctgid == ptgid)
		return 0;
	flags = bpf_map_lookup_elem(&traced_tgids, &ptgid);
	if (!flags || !targ_follow || !(*flags & OT_TGID_FOLLOW))
		return 0;
	if (bpf_map_update_elem(&traced_tgids, &ctgid, flags, BPF_ANY)) {
		ot_count(OT_CNT_TGIDS_FULL);
		return 0;
	}
	ot_tgid_mark(ctgid, true);
	emit_proc(OT_PROC_FORK, child, ptgid, 0);
	return 0;
}

static __always_inline int on_exec(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (ot_tgid_traced(tgid))
		emit_proc(OT_PROC_EXEC, p, 0, 0);
	return 0;
}

/* A traced thread's final accounting, for per-thread reports (--threads). */
static __always_inline void emit_thread(struct task_struct *p, __u32 tid, __u32 tgid)
{
	struct ot_thread_state *ts = ot_acct_ready(bpf_map_lookup_elem(&threads, &tid));
	struct ot_thread *e;

	if (!ts)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		ot_count(OT_CNT_PROC_LOST);
		return;
	}
	e->kind = OT_EV_THREAD;
	e->tgid = tgid;
	e->tid = tid;
	e->pad = 0;
	BPF_CORE_READ_STR_INTO(&e->comm, p, comm);
	e->acct = ts->acct;
	/* The exiting thread is running: its last slice is on-CPU time, for
	 * the thread and for the process (no later switch will add it).  Not
	 * RUNNING: its switch-in was not seen (ot_catch_up_runq). */
	{
		__u64 now = bpf_ktime_get_ns(), slice = now - ts->last_ts, runq = 0, rest;
		struct ot_acct *pa = bpf_map_lookup_elem(&pid_acct, &tgid);

		if (ts->state != OT_TS_RUNNING)
			runq = ot_catch_up_runq(ts->run_delay, ot_run_delay(p), slice);
		rest = slice - runq;
		e->acct.runq_ns += runq;
		if (pa)
			__sync_fetch_and_add(&pa->runq_ns, runq);
		if (ts->state == OT_TS_RUNNING || ts->state == OT_TS_RUNNABLE) {
			e->acct.oncpu_ns += rest;
			if (pa)
				__sync_fetch_and_add(&pa->oncpu_ns, rest);
		} else if (ts->state == OT_TS_IOWAIT) {
			e->acct.iowait_ns += rest;
			if (pa)
				__sync_fetch_and_add(&pa->iowait_ns, rest);
		} else {
			e->acct.offcpu_ns += rest;
			if (pa)
				__sync_fetch_and_add(&pa->offcpu_ns, rest);
		}
		/* Counted up to now: the entry is deleted next. */
		ts->state = OT_TS_RUNNING;
		ts->last_ts = now;
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline int on_exit(struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (!ot_tgid_traced(tgid)) {
		bpf_map_delete_elem(&threads, &tid);
		return 0;
	}
	emit_thread(p, tid, tgid);
	bpf_map_delete_elem(&threads, &tid);
	/* signal->live drops to 0 before this tracepoint when the last thread exits. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	emit_proc(OT_PROC_EXIT, p, 0, BPF_CORE_READ(p, exit_code));
	ot_tgid_mark(tgid, false);
	bpf_map_delete_elem(&traced_tgids, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p)
{
	return on_exec(p);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	return on_exit(p);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec_raw, struct task_struct *p)
{
	return on_exec(p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(handle_exit_raw, struct task_struct *p)
{
	return on_exit(p);
}
