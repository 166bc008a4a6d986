// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sched.bpf.c - where the time of traced threads goes: on a CPU, waiting
 * for one (run queue), blocked in IO wait, blocked otherwise.
 *
 * A per-thread state machine advanced at context switches and wakeups:
 *
 *   RUNNING --switch out, still runnable (preempted)--> RUNNABLE
 *   RUNNING --switch out, blocked, in_iowait--> IOWAIT
 *   RUNNING --switch out, blocked--> SLEEP
 *   SLEEP/IOWAIT --wakeup--> RUNNABLE --switch in--> RUNNING
 *
 * Not every switch reaches us (see ot_catch_up_runq in maps.bpf.h): a
 * thread switched out in RUNNABLE may run again without its switch-in.
 * The switch-out handler, which always sees the thread leave (it is prev),
 * then divides the time since last_ts into run-queue wait and on-CPU time
 * with the kernel's own run-queue delay.
 *
 * Each transition adds the time spent in the state left to the thread's and
 * the process's totals; RUNNABLE -> RUNNING also goes into the process's
 * in-kernel run-queue latency histogram (no event per switch crosses to
 * userspace).  Only threads of traced processes are kept: the tgid filter
 * comes first, as sched_switch fires for every switch on the machine.
 *
 * With --counters, each running slice's perf counts (instructions,
 * cycles...) are added to the thread's totals the same way: the CPU's
 * counter read at switch-in and at switch-out.  A slice whose switch-in
 * was not seen has unknown counts and bumps ctr_unseen instead.
 *
 * The op programs (ops.bpf.c) read these totals at entry and exit; the
 * difference is the op's time split (and its counter values).
 */
#include "maps.bpf.h"

static __always_inline void acct_add(struct ot_thread_state *ts, __u32 tgid, __u32 state,
				     __u64 delta)
{
	struct ot_acct *pa = bpf_map_lookup_elem(&pid_acct, &tgid);

	if (!pa) {
		struct ot_acct zero = {};

		bpf_map_update_elem(&pid_acct, &tgid, &zero, BPF_NOEXIST);
		pa = bpf_map_lookup_elem(&pid_acct, &tgid);
	}
	switch (state) {
	case OT_TS_RUNNING:
		ts->acct.oncpu_ns += delta;
		if (pa)
			__sync_fetch_and_add(&pa->oncpu_ns, delta);
		break;
	case OT_TS_RUNNABLE:
		ts->acct.runq_ns += delta;
		ts->acct.runq_waits++;
		if (pa) {
			__sync_fetch_and_add(&pa->runq_ns, delta);
			__sync_fetch_and_add(&pa->runq_waits, 1);
		}
		break;
	case OT_TS_IOWAIT:
		ts->acct.iowait_ns += delta;
		if (pa)
			__sync_fetch_and_add(&pa->iowait_ns, delta);
		break;
	default:
		ts->acct.offcpu_ns += delta;
		if (pa)
			__sync_fetch_and_add(&pa->offcpu_ns, delta);
		break;
	}
}

static __always_inline void runq_hist_add(__u32 tgid, __u64 delta)
{
	struct ot_hist_key key = { .tgid = tgid, .bucket = ot_hist_bucket(delta) };
	__u64 one = 1, *cnt = bpf_map_lookup_elem(&runq_hist, &key);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		bpf_map_update_elem(&runq_hist, &key, &one, BPF_NOEXIST);
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	__u32 prev_tgid = BPF_CORE_READ(prev, tgid), next_tgid = BPF_CORE_READ(next, tgid);
	bool prev_traced = ot_tgid_traced(prev_tgid), next_traced = ot_tgid_traced(next_tgid);
	struct ot_thread_state *ts;
	__u64 now;

	if (!prev_traced && !next_traced)
		return 0;
	now = bpf_ktime_get_ns();

	if (prev_traced) {
		__u32 tid = BPF_CORE_READ(prev, pid);

		/*
		 * Look up, never create: an exiting thread switches out once
		 * more after sched_process_exit dropped its entry, and must not
		 * come back.  A thread first seen here is created at switch-in.
		 */
		ts = ot_acct_ready(bpf_map_lookup_elem(&threads, &tid));
		if (ts) {
			__u64 gap = now - ts->last_ts, rd = ot_run_delay(prev);
			struct ot_acct *pa;

			if (ts->state == OT_TS_RUNNING) {
				acct_add(ts, prev_tgid, OT_TS_RUNNING, gap);
			} else {
				/* It was running, so its switch-in was not seen. */
				__u64 runq = ot_catch_up_runq(ts->run_delay, rd, gap);

				ot_count(OT_CNT_SWITCHIN_UNSEEN);
				acct_add(ts, prev_tgid, OT_TS_RUNNABLE, runq);
				runq_hist_add(prev_tgid, runq);
				if (ts->state == OT_TS_RUNNABLE) {
					acct_add(ts, prev_tgid, OT_TS_RUNNING, gap - runq);
				} else {
					acct_add(ts, prev_tgid, ts->state, gap - runq);
					ts->unseen++;
				}
			}
			if (targ_counters)
				ot_ctr_slice_end(ts, prev);
			ts->run_delay = rd;
			ts->acct.switches++;
			pa = bpf_map_lookup_elem(&pid_acct, &prev_tgid);
			if (pa)
				__sync_fetch_and_add(&pa->switches, 1);
			/* Preempted (or still TASK_RUNNING): runnable.  Else blocked. */
			if (preempt || BPF_CORE_READ(prev, __state) == 0)
				ts->state = OT_TS_RUNNABLE;
			else if (BPF_CORE_READ_BITFIELD_PROBED(prev, in_iowait))
				ts->state = OT_TS_IOWAIT;
			else
				ts->state = OT_TS_SLEEP;
			ts->last_ts = now;
			ts->seq++;
		}
	}
	if (next_traced) {
		ts = ot_acct_get(BPF_CORE_READ(next, pid), next_tgid, OT_TS_RUNNING, now,
				 ot_run_delay(next));
		if (ts) {
			__u64 delta = now - ts->last_ts;

			if (ts->state == OT_TS_RUNNABLE)
				runq_hist_add(next_tgid, delta);
			/* RUNNING here means we never saw it leave: nothing to add. */
			if (ts->state != OT_TS_RUNNING)
				acct_add(ts, next_tgid, ts->state, delta);
			ts->state = OT_TS_RUNNING;
			ts->last_ts = now;
			if (targ_counters)
				ot_ctr_slice_start(ts, next);
			ts->seq++;
		}
	}
	return 0;
}

static __always_inline int on_wakeup(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct ot_thread_state *ts;
	__u64 now, rd;

	if (!ot_tgid_traced(tgid))
		return 0;
	/* An exiting thread's entry is gone for good: do not re-create it. */
	if (BPF_CORE_READ(p, flags) & 0x4 /* PF_EXITING */)
		return 0;
	/* On a CPU: running, whatever the state says (a switch-in not seen:
	 * the switch-out handler recovers it).  A wakeup changes nothing. */
	if (BPF_CORE_READ(p, on_cpu))
		return 0;
	now = bpf_ktime_get_ns();
	rd = ot_run_delay(p);
	ts = ot_acct_get(BPF_CORE_READ(p, pid), tgid, OT_TS_RUNNABLE, now, rd);
	/* A wakeup of a running (or already runnable) task changes nothing. */
	if (!ts || (ts->state != OT_TS_SLEEP && ts->state != OT_TS_IOWAIT))
		return 0;
	acct_add(ts, tgid, ts->state, now - ts->last_ts);
	ts->state = OT_TS_RUNNABLE;
	ts->last_ts = now;
	ts->run_delay = rd;
	ts->seq++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(preempt, prev, next);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_sched_wakeup, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(handle_sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	return on_switch(preempt, prev, next);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(handle_sched_wakeup_raw, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new_raw, struct task_struct *p)
{
	return on_wakeup(p);
}
