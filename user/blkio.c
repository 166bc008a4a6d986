// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * blkio.c - per (pid, dev, op) and per pid block-IO aggregates.
 *
 * Triples live in an open-addressing hash table of pointers (linear
 * probing, power-of-two size, grown at 50% load) for the hot path, and in an
 * array of the same pointers kept sorted by (pid, dev, op) for reports: a
 * new triple is inserted in place (binary search + memmove), which costs
 * O(triples) once per triple and nothing per record.  Per-pid totals are a
 * sorted pointer array too; each triple points at its pid's totals, so a
 * record costs one hash probe (often the one-entry cache) and four
 * histogram increments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkio.h"

#define BLKIO_SYSFS_DIR	  "/sys/dev/block"
#define BLKIO_NAME_LEN	  64
#define BLKIO_INIT_SLOTS  64

struct triple {
	struct blkio_stats s;
	struct blkio_pid_stats *p; /* this pid's totals */
};

struct dev_name {
	uint32_t dev;
	char name[BLKIO_NAME_LEN];
};

struct blkio {
	struct triple **slots; /* hash table, NULL = empty */
	size_t nslots;	       /* power of two */
	struct triple **order; /* sorted by (pid, dev, op) */
	size_t nstats, capstats;
	struct blkio_pid_stats **pids; /* sorted by pid */
	size_t npids, cappids;
	struct triple *last; /* one-entry cache: a process's requests come in runs */
	uint64_t bad_records;
	struct dev_name **names; /* each allocated once: returned strings stay put */
	size_t nnames, capnames;
	char *sysfs_dir;
};

static inline size_t triple_hash(uint32_t pid, uint32_t dev, uint32_t op, size_t mask)
{
	uint64_t k = ((uint64_t)pid << 32 | dev) ^ ((uint64_t)op << 59);

	/* Fibonacci hashing: spreads sequential pids and device numbers. */
	return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

/* Orders triples by pid, then dev, then op. */
static int triple_cmp(uint32_t pid, uint32_t dev, uint32_t op, const struct blkio_stats *s)
{
	if (pid != s->pid)
		return pid < s->pid ? -1 : 1;
	if (dev != s->dev)
		return dev < s->dev ? -1 : 1;
	if (op != s->op)
		return op < s->op ? -1 : 1;
	return 0;
}

struct blkio *blkio__new(void)
{
	struct blkio *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->nslots = BLKIO_INIT_SLOTS;
	b->slots = calloc(b->nslots, sizeof(*b->slots));
	if (!b->slots) {
		free(b);
		return NULL;
	}
	return b;
}

static void names_clear(struct blkio *b)
{
	for (size_t i = 0; i < b->nnames; i++)
		free(b->names[i]);
	b->nnames = 0;
}

void blkio__free(struct blkio *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nstats; i++) {
		hist__free(&b->order[i]->s.total);
		hist__free(&b->order[i]->s.service);
		free(b->order[i]);
	}
	for (size_t i = 0; i < b->npids; i++) {
		hist__free(&b->pids[i]->total);
		hist__free(&b->pids[i]->service);
		free(b->pids[i]);
	}
	names_clear(b);
	free(b->names);
	free(b->order);
	free(b->pids);
	free(b->slots);
	free(b->sysfs_dir);
	free(b);
}

static int table_grow(struct blkio *b)
{
	size_t n = b->nslots * 2, mask = n - 1;
	struct triple **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < b->nstats; i++) {
		const struct blkio_stats *s = &b->order[i]->s;
		size_t h = triple_hash(s->pid, s->dev, s->op, mask);

		while (slots[h])
			h = (h + 1) & mask;
		slots[h] = b->order[i];
	}
	free(b->slots);
	b->slots = slots;
	b->nslots = n;
	return 0;
}

/*
 * Returns arr with room for n + 1 elements of elem bytes (reallocated,
 * capacity doubled, first when empty), or NULL on ENOMEM (arr unchanged).
 */
static void *grow(void *arr, size_t n, size_t *cap, size_t first, size_t elem)
{
	size_t c;
	void *nv;

	if (n < *cap)
		return arr;
	c = *cap ? *cap * 2 : first;
	nv = realloc(arr, c * elem);
	if (nv)
		*cap = c;
	return nv;
}

/* Index of the first pid entry >= pid. */
static size_t pid_lower_bound(const struct blkio *b, uint32_t pid)
{
	size_t lo = 0, hi = b->npids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->pids[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct blkio_pid_stats *pid_get(struct blkio *b, uint32_t pid)
{
	size_t i = pid_lower_bound(b, pid);
	struct blkio_pid_stats *p, **v;

	if (i < b->npids && b->pids[i]->pid == pid)
		return b->pids[i];
	v = grow(b->pids, b->npids, &b->cappids, 8, sizeof(*v));
	if (!v)
		return NULL;
	b->pids = v;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	hist__init(&p->total);
	hist__init(&p->service);
	memmove(&b->pids[i + 1], &b->pids[i], (b->npids - i) * sizeof(*b->pids));
	b->pids[i] = p;
	b->npids++;
	return p;
}

/* Index in the sorted order where (pid, dev, op) is or would go. */
static size_t order_lower_bound(const struct blkio *b, uint32_t pid, uint32_t dev, uint32_t op)
{
	size_t lo = 0, hi = b->nstats;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (triple_cmp(pid, dev, op, &b->order[mid]->s) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct triple *triple_get(struct blkio *b, uint32_t pid, uint32_t dev, uint32_t op)
{
	size_t mask = b->nslots - 1, h = triple_hash(pid, dev, op, mask), pos;
	struct blkio_pid_stats *p;
	struct triple *t, **v;

	if (b->last && !triple_cmp(pid, dev, op, &b->last->s))
		return b->last;
	for (; (t = b->slots[h]); h = (h + 1) & mask) {
		if (!triple_cmp(pid, dev, op, &t->s))
			return b->last = t;
	}

	/* First record of this triple: the only allocations on this path. */
	if ((b->nstats + 1) * 2 > b->nslots && table_grow(b))
		return NULL;
	v = grow(b->order, b->nstats, &b->capstats, 16, sizeof(*v));
	if (!v)
		return NULL;
	b->order = v;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	p = pid_get(b, pid);
	if (!p) {
		free(t);
		return NULL;
	}
	t->s.pid = pid;
	t->s.dev = dev;
	t->s.op = op;
	t->s.first_ns = UINT64_MAX;
	hist__init(&t->s.total);
	hist__init(&t->s.service);
	t->p = p;

	mask = b->nslots - 1;
	for (h = triple_hash(pid, dev, op, mask); b->slots[h]; h = (h + 1) & mask)
		;
	b->slots[h] = t;
	pos = order_lower_bound(b, pid, dev, op);
	memmove(&b->order[pos + 1], &b->order[pos], (b->nstats - pos) * sizeof(*b->order));
	b->order[pos] = t;
	b->nstats++;
	return b->last = t;
}

int blkio__add(struct blkio *b, const struct ot_bio *rec)
{
	uint64_t total = rec->queue_ns + rec->service_ns;
	uint64_t done = rec->start_ns + total;
	struct blkio_stats *s;
	struct triple *t;
	int err;

	if (rec->kind != OT_EV_BIO || rec->op < OT_BIO_READ || rec->op > OT_BIO_OTHER) {
		b->bad_records++;
		return -EINVAL;
	}
	t = triple_get(b, rec->tgid, rec->dev, rec->op);
	if (!t)
		return -ENOMEM;
	s = &t->s;

	err = hist__add(&s->total, total);
	if (!err)
		err = hist__add(&s->service, rec->service_ns);
	if (!err)
		err = hist__add(&t->p->total, total);
	if (!err)
		err = hist__add(&t->p->service, rec->service_ns);
	if (err)
		return err;

	s->count++;
	s->bytes += rec->bytes;
	s->queue_ns += rec->queue_ns;
	if (rec->error)
		s->errors++;
	if (done < s->first_ns)
		s->first_ns = done;
	if (done > s->last_ns)
		s->last_ns = done;
	t->p->count++;
	t->p->bytes += rec->bytes;
	if (rec->error)
		t->p->errors++;
	return 0;
}

size_t blkio__nr_stats(const struct blkio *b)
{
	return b->nstats;
}

const struct blkio_stats *blkio__stats_at(const struct blkio *b, size_t i)
{
	return i < b->nstats ? &b->order[i]->s : NULL;
}

size_t blkio__stats_lower_bound(const struct blkio *b, uint32_t pid)
{
	return order_lower_bound(b, pid, 0, 0);
}

size_t blkio__nr_pids(const struct blkio *b)
{
	return b->npids;
}

const struct blkio_pid_stats *blkio__pid_at(const struct blkio *b, size_t i)
{
	return i < b->npids ? b->pids[i] : NULL;
}

const struct blkio_pid_stats *blkio__find_pid(const struct blkio *b, uint32_t pid)
{
	size_t i = pid_lower_bound(b, pid);

	return i < b->npids && b->pids[i]->pid == pid ? b->pids[i] : NULL;
}

uint64_t blkio__bad_records(const struct blkio *b)
{
	return b->bad_records;
}

const char *blkio__op_name(uint32_t op)
{
	switch (op) {
	case OT_BIO_READ:
		return "read";
	case OT_BIO_WRITE:
		return "write";
	case OT_BIO_FLUSH:
		return "flush";
	case OT_BIO_DISCARD:
		return "discard";
	case OT_BIO_OTHER:
		return "other";
	default:
		return "?";
	}
}

/* DEVNAME= from <dir>/MAJ:MIN/uevent into name; 0 or -ENOENT. */
static int read_devname(const char *dir, uint32_t dev, char *name, size_t len)
{
	char path[4096], line[256];
	int err = -ENOENT;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u:%u/uevent", dir, BLKIO_DEV_MAJOR(dev),
		 BLKIO_DEV_MINOR(dev));
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "DEVNAME=", 8) != 0)
			continue;
		n = strcspn(line + 8, "\n");
		if (n) {
			/* Longer than any kernel disk name (32): cut, still unique enough. */
			if (n >= len)
				n = len - 1;
			memcpy(name, line + 8, n);
			name[n] = '\0';
			err = 0;
		}
		break;
	}
	fclose(f);
	return err;
}

const char *blkio__dev_name(struct blkio *b, uint32_t dev)
{
	/* For the one case where even the cache entry cannot be allocated. */
	static const char unknown[] = "?";
	struct dev_name *n, **v;

	for (size_t i = 0; i < b->nnames; i++)
		if (b->names[i]->dev == dev)
			return b->names[i]->name;
	v = grow(b->names, b->nnames, &b->capnames, 4, sizeof(*v));
	if (!v)
		return unknown;
	b->names = v;
	n = calloc(1, sizeof(*n));
	if (!n)
		return unknown;
	n->dev = dev;
	if (read_devname(b->sysfs_dir ? b->sysfs_dir : BLKIO_SYSFS_DIR, dev, n->name,
			 sizeof(n->name)))
		snprintf(n->name, sizeof(n->name), "%u:%u", BLKIO_DEV_MAJOR(dev),
			 BLKIO_DEV_MINOR(dev));
	b->names[b->nnames++] = n;
	return n->name;
}

int blkio__set_sysfs_dir(struct blkio *b, const char *dir)
{
	char *d = strdup(dir);

	if (!d)
		return -ENOMEM;
	free(b->sysfs_dir);
	b->sysfs_dir = d;
	names_clear(b);
	return 0;
}
