// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flood.bpf.c - span records at a syscall's rate, for the loss benchmark.
 * A uprobe tops out below 1 M calls/s on a small VM, which optrace's ring
 * carries without loss; a syscall tracepoint fires several times faster.
 * This program emits one struct ot_span per getppid() of one process into
 * a ring buffer, reserved and submitted the way ops.bpf.c does (batched
 * wakeups), and counts what it produced and what the ring had no room for.
 * tests/bench/flood.c consumes them with optrace's own consumer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "optrace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NR_GETPPID 110 /* x86_64 */
#define WAKEUP_CHECK_EVERY 64

const volatile __u32 targ_tgid = 0;
const volatile __u64 targ_wakeup_bytes = 1 << 20;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

/* [0] produced, [1] lost: per CPU, summed by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(flood_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), *produced, *lost, now, wake = BPF_RB_NO_WAKEUP;
	__u32 k0 = 0, k1 = 1;
	struct ot_span *sp;

	if (id != NR_GETPPID || pid_tgid >> 32 != targ_tgid)
		return 0;
	produced = bpf_map_lookup_elem(&counts, &k0);
	lost = bpf_map_lookup_elem(&counts, &k1);
	if (!produced || !lost)
		return 0;
	++*produced;
	sp = bpf_ringbuf_reserve(&events, sizeof(*sp), 0);
	if (!sp) {
		++*lost;
		return 0;
	}
	now = bpf_ktime_get_ns();
	__builtin_memset(sp, 0, sizeof(*sp));
	sp->kind = OT_EV_SPAN;
	sp->tgid = pid_tgid >> 32;
	sp->tid = (__u32)pid_tgid;
	sp->start_ns = now;
	sp->dur_ns = 1000 + (now & 0xffff); /* spread over many buckets */
	sp->weight = 1;
	if (!(*produced & (WAKEUP_CHECK_EVERY - 1)) &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= targ_wakeup_bytes)
		wake = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(sp, wake);
	return 0;
}
