// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * io.bpf.c - block-IO latency per request, attributed to the process that
 * submitted the request.
 *
 * Owns: the in-flight request map (struct request * -> submitter and
 * timestamps) and the OT_EV_BIO records it emits when a request completes.
 * Leaves aggregation to userspace (user/blkio.c), the tgid filter and the
 * ring buffer to maps.bpf.h, and the choice of programs to the loader.
 *
 * Life of a request, and where each program sees it:
 *
 *   block_io_start  (6.5+) a bio became a request, in the submitter's
 *                   context: the attribution point.  Filtered by tgid first.
 *   block_rq_insert (< 6.5) fallback attribution point: the request went to
 *                   a scheduler or software queue, mostly still in the
 *                   submitter's context.
 *   block_rq_issue  handed to the driver: issue time.  In fallback mode a
 *                   request that was issued directly (never inserted) is
 *                   created here when the current task is traced.
 *   block_rq_requeue the driver gave it back: it waits again, issue reset.
 *   block_rq_merge  merged into another request and freed without
 *                   completing: forget it.
 *   block_rq_complete done: one OT_EV_BIO record, entry deleted.
 *
 * Program choice (the loader decides before load):
 *   - kernel has btf_trace_block_io_start: handle_block_io_start, not
 *     handle_block_rq_insert; otherwise the reverse.
 *   - every handle_X has a handle_X_raw twin (raw_tp) for kernels without
 *     tp_btf; load one of each pair.
 * The issue program decides by itself whether it may create entries (the
 * same test, as a CO-RE relocation), so the loader has nothing to tell it.
 *
 * The tp_btf programs and their raw_tp twins share one body per event; the
 * body takes a compile-time constant `btf` saying which kind of program it
 * is inlined into (see RQ_FIELD).
 */
#include "maps.bpf.h"

/* Defined in ops.bpf.c: wake the consumer only past this much data. */
extern const volatile __u64 targ_wakeup_bytes;

/* Requests from traced processes that are in flight at once.  A queue holds
 * a few hundred at most, so being full means entries leaked (see the stale
 * rule in on_issue); a full map is counted (OT_CNT_BIO_MAPFULL). */
#define IO_MAX_INFLIGHT 16384

/* include/linux/blk_types.h (macros, so not in vmlinux.h): the op is the low
 * REQ_OP_BITS of cmd_flags; layout and enum req_op values stable since 4.10. */
#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1u << REQ_OP_BITS) - 1)

/* One in-flight request. */
struct io_req {
	__u64 start_ns;	  /* io_start / insert, or issue when created there */
	__u64 issue_ns;	  /* 0 until issued (again after a requeue) */
	__u64 done_bytes; /* completed by earlier partial completions */
	__u32 tgid;
	__u32 tid;
	__s32 error;	  /* first error of a partial completion */
	__u32 pad;
};

/* struct request * -> io_req.  Preallocated (the default): issue and
 * complete run in interrupt context, where allocation is best avoided. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IO_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct io_req);
} io_reqs SEC(".maps");

/* Kernels before 5.17 kept the disk in the request itself. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/*
 * A field of the request.  In tp_btf programs rq is a BTF-typed pointer and
 * a plain (CO-RE relocated) load is allowed: about 200 ns cheaper per
 * completion than the helper calls.  raw_tp arguments are plain integers to
 * the verifier, so their twins read with bpf_probe_read_kernel.  btf is a
 * literal in every caller and clang drops the other arm after inlining; if
 * it ever did not, the raw_tp programs would fail to load, not misbehave.
 */
#define RQ_FIELD(btf, rq, field) ((btf) ? (rq)->field : BPF_CORE_READ(rq, field))

static __always_inline __u64 rq_key(struct request *rq)
{
	return (__u64)(unsigned long)rq;
}

/*
 * True when the kernel has the block_io_start tracepoint, i.e. when the
 * loader picked handle_block_io_start.  Resolved at load time by CO-RE (the
 * same test as btf__find_by_name_kind(vmlinux, "btf_trace_block_io_start",
 * BTF_KIND_TYPEDEF)); the dead branch is removed by the verifier.
 */
static __always_inline bool have_io_start(void)
{
	return bpf_core_type_exists(btf_trace_block_io_start);
}

/* Whole-disk device number, MKDEV style (major << 20 | minor). */
static __always_inline __u32 rq_dev(struct request *rq, const bool btf)
{
	struct request___old *old = (void *)rq;
	struct gendisk *disk = NULL;

	if (bpf_core_field_exists(struct request_queue, disk))
		disk = btf ? rq->q->disk : BPF_CORE_READ(rq, q, disk);
	else if (bpf_core_field_exists(old->rq_disk))
		disk = BPF_CORE_READ(old, rq_disk); /* < 5.17: rare, keep it simple */
	if (disk)
		return (__u32)RQ_FIELD(btf, disk, major) << 20 |
		       (__u32)RQ_FIELD(btf, disk, first_minor);
	/* No disk pointer at all: the partition the request was accounted to
	 * (set only when the queue keeps IO statistics, hence last). */
	if (bpf_core_field_exists(rq->part))
		return btf ? rq->part->bd_dev : BPF_CORE_READ(rq, part, bd_dev);
	return 0;
}

/* The mask of REQ_* flag __bit in cmd_flags, 0 if this kernel lacks it.  The
 * bit numbers moved between kernels, hence CO-RE enum relocations. */
#define REQ_FLAG(__bit)                                                  \
	(bpf_core_enum_value_exists(enum req_flag_bits, __bit) &&        \
	 bpf_core_enum_value(enum req_flag_bits, __bit) < 32 ?           \
		 1u << bpf_core_enum_value(enum req_flag_bits, __bit) : 0)

static __always_inline __u32 bio_op(__u32 cmd_flags, __u64 bytes)
{
	switch (cmd_flags & REQ_OP_MASK) {
	case REQ_OP_READ:
		return OT_BIO_READ;
	case REQ_OP_WRITE:
		/* fsync's cache flush (blkdev_issue_flush) is an empty write
		 * with PREFLUSH, not a REQ_OP_FLUSH: call it what it is.  The
		 * flush machinery clears PREFLUSH before completion, so test
		 * the emptiness (no other write carries no data). */
		return bytes ? OT_BIO_WRITE : OT_BIO_FLUSH;
	case REQ_OP_FLUSH:
		return OT_BIO_FLUSH;
	case REQ_OP_DISCARD:
		return OT_BIO_DISCARD;
	default:
		return OT_BIO_OTHER;
	}
}

/*
 * Records the current task as the submitter of rq (traced tasks only).
 * io_start fires once per request, so an entry already there is stale and
 * replaced.  insert fires again when a requeued request goes back to the
 * queue: a live entry (not issued: requeue cleared it) keeps its start.
 */
static __always_inline int on_start(struct request *rq, const bool reinsert)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 key = rq_key(rq);
	struct io_req r = {}, *e;

	/* Filter first: block events are frequent and mostly not ours.  A
	 * stale entry left under this pointer by an untraced submitter's
	 * request is caught at issue (see on_issue), not here, so that
	 * untraced requests cost one lookup only. */
	if (!ot_tgid_traced(pid_tgid >> 32))
		return 0;
	e = bpf_map_lookup_elem(&io_reqs, &key);
	if (reinsert && e && !e->issue_ns)
		return 0;
	/* An issued entry still here: its completion never came.  Counted. */
	if (e && e->issue_ns)
		ot_count(OT_CNT_BIO_STALE);
	r.start_ns = bpf_ktime_get_ns();
	r.tgid = pid_tgid >> 32;
	r.tid = (__u32)pid_tgid;
	/* Full map: the request goes unattributed, counted. */
	if (bpf_map_update_elem(&io_reqs, &key, &r, BPF_ANY))
		ot_count(OT_CNT_BIO_MAPFULL);
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 key = rq_key(rq);
	__u64 pid_tgid;
	struct io_req *e = bpf_map_lookup_elem(&io_reqs, &key);
	struct io_req r = {};

	if (e && !e->issue_ns) {
		e->issue_ns = now;
		return 0;
	}
	/*
	 * No entry, or a stale one: an entry that was issued already belongs
	 * to an earlier use of this request struct whose completion we never
	 * saw (attached after it, or a completion the kernel did not trace),
	 * because requeue clears issue_ns.  Dropping it here keeps a lost
	 * completion from attributing the next, unrelated request.
	 */
	if (e) {
		ot_count(OT_CNT_BIO_STALE);
		bpf_map_delete_elem(&io_reqs, &key);
	}
	/*
	 * With block_io_start every request passed through it, so a request
	 * without an entry was not submitted by a traced task (or is the
	 * flush machinery's own flush_rq): never create one here.  Without
	 * it, requests issued directly (no insert) are attributed to the
	 * issuing task, which is the submitter on that path.
	 */
	if (have_io_start())
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (!ot_tgid_traced(pid_tgid >> 32))
		return 0;
	r.start_ns = now;
	r.issue_ns = now;
	r.tgid = pid_tgid >> 32;
	r.tid = (__u32)pid_tgid;
	if (bpf_map_update_elem(&io_reqs, &key, &r, BPF_ANY))
		ot_count(OT_CNT_BIO_MAPFULL);
	return 0;
}

static __always_inline int on_requeue(struct request *rq)
{
	__u64 key = rq_key(rq);
	struct io_req *e = bpf_map_lookup_elem(&io_reqs, &key);

	if (e)
		e->issue_ns = 0;
	return 0;
}

static __always_inline int on_merge(struct request *rq)
{
	__u64 key = rq_key(rq);

	/* Lookup first: a delete takes the bucket lock even when the key is
	 * absent, and most merged requests are not ours. */
	if (bpf_map_lookup_elem(&io_reqs, &key))
		bpf_map_delete_elem(&io_reqs, &key);
	return 0;
}

static __always_inline int on_complete(struct request *rq, __s32 error, __u32 nr_bytes,
				       const bool btf)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 key = rq_key(rq);
	struct io_req *e = bpf_map_lookup_elem(&io_reqs, &key);
	struct ot_bio *b;
	__u32 cmd_flags;
	__u64 avail, t0;

	if (!e)
		return 0;
	/*
	 * The tracepoint fires before __data_len is reduced: fewer bytes than
	 * remain means a partial completion (a driver completing a request in
	 * pieces); the request lives on and completes again later.
	 */
	if (nr_bytes < RQ_FIELD(btf, rq, __data_len)) {
		e->done_bytes += nr_bytes;
		if (error && !e->error)
			e->error = error;
		return 0;
	}

	b = bpf_ringbuf_reserve(&events, sizeof(*b), 0);
	if (!b) {
		ot_count(OT_CNT_BIO_LOST);
		bpf_map_delete_elem(&io_reqs, &key);
		return 0;
	}
	cmd_flags = RQ_FIELD(btf, rq, cmd_flags);
	b->kind = OT_EV_BIO;
	b->tgid = e->tgid;
	b->tid = e->tid;
	b->dev = rq_dev(rq, btf);
	b->bytes = e->done_bytes + nr_bytes;
	b->op = bio_op(cmd_flags, b->bytes);
	b->flags = cmd_flags & REQ_FLAG(__REQ_SYNC) ? OT_BIO_F_SYNC : 0;
	b->sector = RQ_FIELD(btf, rq, __sector);
	b->start_ns = e->start_ns;
	/* Never issued (a flush the flush machinery completed on its own):
	 * queue time unknown, everything counts as service. */
	t0 = e->issue_ns ? e->issue_ns : e->start_ns;
	b->queue_ns = e->issue_ns ? e->issue_ns - e->start_ns : 0;
	b->service_ns = now - t0;
	b->error = error ? error : e->error;
	b->pad = 0;
	bpf_map_delete_elem(&io_reqs, &key);

	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	bpf_ringbuf_submit(b, avail >= targ_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(handle_block_io_start, struct request *rq)
{
	return on_start(rq, false);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(handle_block_rq_insert, struct request *rq)
{
	return on_start(rq, true);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(handle_block_rq_issue, struct request *rq)
{
	return on_issue(rq);
}

SEC("tp_btf/block_rq_requeue")
int BPF_PROG(handle_block_rq_requeue, struct request *rq)
{
	return on_requeue(rq);
}

SEC("tp_btf/block_rq_merge")
int BPF_PROG(handle_block_rq_merge, struct request *rq)
{
	return on_merge(rq);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(handle_block_rq_complete, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	return on_complete(rq, error, nr_bytes, true);
}

SEC("raw_tp/block_io_start")
int BPF_PROG(handle_block_io_start_raw, struct request *rq)
{
	return on_start(rq, false);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(handle_block_rq_insert_raw, struct request *rq)
{
	return on_start(rq, true);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(handle_block_rq_issue_raw, struct request *rq)
{
	return on_issue(rq);
}

SEC("raw_tp/block_rq_requeue")
int BPF_PROG(handle_block_rq_requeue_raw, struct request *rq)
{
	return on_requeue(rq);
}

SEC("raw_tp/block_rq_merge")
int BPF_PROG(handle_block_rq_merge_raw, struct request *rq)
{
	return on_merge(rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(handle_block_rq_complete_raw, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	return on_complete(rq, error, nr_bytes, false);
}
