/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * blkio.h - aggregation of completed block requests (struct ot_bio records
 * from bpf/io.bpf.c): per (pid, device, op) and per pid, with latency
 * histograms; and device numbers to names.
 *
 * Owns all its memory.  Memory grows with the number of distinct
 * (pid, dev, op) triples and devices, never with the number of records:
 * adding a record allocates only on the first record of a triple (and on
 * the first value in a histogram group).  Never prints; the only IO is the
 * sysfs read behind blkio__dev_name.
 */
#ifndef OPTRACE_BLKIO_H
#define OPTRACE_BLKIO_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "optrace.h"

/* ot_bio.dev is encoded as the kernel's MKDEV: major << 20 | minor. */
#define BLKIO_MINOR_BITS 20
#define BLKIO_DEV_MAJOR(dev) ((uint32_t)(dev) >> BLKIO_MINOR_BITS)
#define BLKIO_DEV_MINOR(dev) ((uint32_t)(dev) & ((1u << BLKIO_MINOR_BITS) - 1))
#define BLKIO_MKDEV(ma, mi)  ((uint32_t)(ma) << BLKIO_MINOR_BITS | (uint32_t)(mi))

/* Requests of one op (OT_BIO_*) that one pid submitted to one device. */
struct blkio_stats {
	uint32_t pid;
	uint32_t dev;
	uint32_t op;
	uint64_t count;
	uint64_t bytes;
	uint64_t errors;   /* completed with a nonzero blk_status_t */
	uint64_t queue_ns; /* sum of queue times (submit to issue) */
	uint64_t first_ns; /* completion time of the earliest request (CLOCK_MONOTONIC) */
	uint64_t last_ns;  /* completion time of the latest request */
	struct hist total;   /* queue + service, ns */
	struct hist service; /* issue to completion, ns */
};

/* All requests of one pid, every device and op. */
struct blkio_pid_stats {
	uint32_t pid;
	uint64_t count;
	uint64_t bytes;
	uint64_t errors;
	struct hist total;
	struct hist service;
};

struct blkio;

/* Creates an empty aggregator.  NULL on ENOMEM. */
struct blkio *blkio__new(void);
/* Frees the aggregator, its stats and its device-name cache.  NULL is fine. */
void blkio__free(struct blkio *b);

/*
 * Accounts one record.  Returns 0; -EINVAL for a record that is not an
 * OT_EV_BIO or has an unknown op (counted in blkio__bad_records, nothing
 * else changes); or -ENOMEM, after which the record may be partly accounted
 * in some histograms but in no counter (a new triple may then show count
 * 0).  Pointers from the accessors below stay valid.
 */
int blkio__add(struct blkio *b, const struct ot_bio *rec);

/*
 * The (pid, dev, op) aggregates, always sorted by pid, then dev, then op;
 * index < blkio__nr_stats().  Adding a record may insert a new triple and
 * shift indexes (never the structs: pointers stay valid until blkio__free).
 */
size_t blkio__nr_stats(const struct blkio *b);
const struct blkio_stats *blkio__stats_at(const struct blkio *b, size_t i);
/* Index of the first triple whose pid is >= pid (blkio__nr_stats() if none):
 * a pid's triples are [lower_bound(pid), lower_bound(pid + 1)). */
size_t blkio__stats_lower_bound(const struct blkio *b, uint32_t pid);

/* The per-pid totals, sorted by pid; index < blkio__nr_pids(). */
size_t blkio__nr_pids(const struct blkio *b);
const struct blkio_pid_stats *blkio__pid_at(const struct blkio *b, size_t i);
/* NULL when the pid has no record. */
const struct blkio_pid_stats *blkio__find_pid(const struct blkio *b, uint32_t pid);

/* Records rejected by blkio__add with -EINVAL. */
uint64_t blkio__bad_records(const struct blkio *b);

/* "read", "write", "flush", "discard", "other"; "?" for anything else. */
const char *blkio__op_name(uint32_t op);

/*
 * The kernel's name of device dev ("vda", "nvme0n1p2", "dm-0"), read once
 * from DEVNAME= in <sysfs dir>/MAJ:MIN/uevent and cached; "MAJ:MIN" when the
 * device is unknown there (also cached: a device that appears later keeps
 * its number), or "?" if even the cache entry cannot be allocated.  Never
 * NULL.  The string is owned by b and valid until blkio__free or
 * blkio__set_sysfs_dir.
 */
const char *blkio__dev_name(struct blkio *b, uint32_t dev);
/*
 * Where blkio__dev_name looks: "/sys/dev/block" unless set (tests point it
 * at a fake tree).  Copies dir and empties the name cache, freeing the names
 * returned so far.  0 or -ENOMEM.
 */
int blkio__set_sysfs_dir(struct blkio *b, const char *dir);

#endif
