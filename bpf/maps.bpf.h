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

/* Traced processes: tgid -> OT_TGID_* flags.  Userspace seeds it; fork adds
 * children when following; the last thread's exit removes the tgid. */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OT_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u32);
} traced_tgids SEC(".maps");

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

/* One open op on a thread's stack. */
struct ot_frame {
	__u64 start_ns;
	__u64 child_ns; /* time spent in traced ops called from this one */
	__u64 bytes;	/* argN captured at entry for bytes=argN */
	__u32 op_id;
	__u32 pad;
};

/* Per-thread stack of open ops.  depth may exceed OT_STACK_DEPTH: deeper
 * frames are not stored, only counted, so their returns still pair up. */
struct ot_stack {
	__u32 depth;
	__u32 pad;
	struct ot_frame f[OT_STACK_DEPTH];
};

/* tid -> open ops.  Not preallocated: memory follows the traced threads, and
 * the sched_process_exit program deletes a thread's entry when it exits. */
OT_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OT_MAX_THREADS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct ot_stack);
} thread_stacks SEC(".maps");

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
	return bpf_map_lookup_elem(&traced_tgids, &tgid) != NULL;
}

#endif
