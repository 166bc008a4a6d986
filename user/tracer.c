// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracer.c - the only user of the BPF skeleton: open, set the rodata knobs
 * and map sizes, choose which programs load (uprobe_multi or perf-event
 * uprobes; tp_btf or raw_tp), load, attach, detach, destroy.
 *
 * libbpf 1.1 (Debian 12) predates uprobe_multi, so the link is created with
 * the bpf(2) syscall directly; the ABI is stable since kernel 6.6.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "tracer.h"
#include "counters.h"
#include "optrace.skel.h"

/* Kernel ABI values newer than libbpf 1.1's headers (include/uapi/linux/bpf.h). */
#define OT_BPF_TRACE_UPROBE_MULTI    48
#define OT_BPF_F_UPROBE_MULTI_RETURN 1U

#define DEFAULT_RINGBUF_BYTES (16u << 20)
#define DETACH_THREADS	      8

/* The link_create member of union bpf_attr for uprobe_multi (kernel >= 6.6). */
struct uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 uflags;
	__u32 pid;
	__u32 pad;
};

struct probe_link {
	int fd;		      /* uprobe_multi link fd, or -1 */
	struct bpf_link *link; /* perf-event uprobe, or NULL */
};

#define MAX_TP_PROGS 16

/* A tracepoint program and its raw_tp twin; one of them is loaded. */
struct tp_prog {
	const char *tp;
	struct bpf_program *btf, *raw;
	bool chosen_btf;
};


struct tracer {
	struct optrace_bpf *skel;
	bool multi;
	struct tp_prog tps[MAX_TP_PROGS];
	size_t ntps;
	struct bpf_link *tp_links[MAX_TP_PROGS];
	struct probe_link *links;
	size_t nlinks, caplinks;
	uint64_t *traced_bits; /* mmap of the traced_bits map */
	size_t traced_words;
	int cgroup_fd;	       /* --cgroup directory, or -1 */
};

/* Words of the traced_bits map: one bit per possible pid (kernel.pid_max). */
static size_t traced_bits_words(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	long pid_max = 4194304; /* the kernel's upper limit, when unreadable */

	if (f) {
		if (fscanf(f, "%ld", &pid_max) != 1 || pid_max <= 0)
			pid_max = 4194304;
		fclose(f);
	}
	return (size_t)(pid_max + 63) / 64;
}

static bool kernel_has_uprobe_multi(void)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },			  /* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = OT_BPF_TRACE_UPROBE_MULTI);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Does the kernel have tracepoint tp?  Asked by opening it as a raw
 * tracepoint with an empty program (prog_fd), closed at once: a few
 * microseconds, where searching the vmlinux BTF for its btf_trace_ type
 * meant parsing all of it a second time (libbpf parses it again to load the
 * programs): ~25 ms of every start.  A kernel with BTF has the btf_trace_
 * type of every built-in tracepoint, so tp_btf attaches wherever it exists.
 */
static bool kernel_has_tp(int prog_fd, const char *tp)
{
	int fd = prog_fd >= 0 ? bpf_raw_tracepoint_open(tp, prog_fd) : -1;

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int empty_raw_tp_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },			  /* exit */
	};

	return bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", insns, 2, NULL);
}

#define TP_PROG(s, name, prog) { name, (s)->progs.prog, (s)->progs.prog##_raw }

/*
 * tp_btf reads task fields directly and is cheaper; the raw_tp twins are
 * for kernels whose BTF lacks the tracepoint.  A tracepoint missing
 * entirely is an environment error at attach time.
 */
static size_t tp_progs_choose(struct optrace_bpf *s, struct tp_prog *v)
{
	const struct tp_prog all[] = {
		TP_PROG(s, "sched_process_fork", handle_fork),
		TP_PROG(s, "sched_process_exec", handle_exec),
		TP_PROG(s, "sched_process_exit", handle_exit),
		TP_PROG(s, "sched_switch", handle_sched_switch),
		TP_PROG(s, "sched_wakeup", handle_sched_wakeup),
		TP_PROG(s, "sched_wakeup_new", handle_sched_wakeup_new),
		TP_PROG(s, "block_io_start", handle_block_io_start),
		TP_PROG(s, "block_rq_insert", handle_block_rq_insert),
		TP_PROG(s, "block_rq_issue", handle_block_rq_issue),
		TP_PROG(s, "block_rq_requeue", handle_block_rq_requeue),
		TP_PROG(s, "block_rq_merge", handle_block_rq_merge),
		TP_PROG(s, "block_rq_complete", handle_block_rq_complete),
	};
	int prog_fd = empty_raw_tp_prog();
	bool btf = !access("/sys/kernel/btf/vmlinux", R_OK);
	/* A block request's submitter is attributed at block_io_start (6.5+,
	 * called where the bio becomes a request), else at block_rq_insert.
	 * (Without the probe program, assume the older kernel.) */
	bool io_start = kernel_has_tp(prog_fd, "block_io_start");
	size_t n = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		bool use = !(io_start ? !strcmp(all[i].tp, "block_rq_insert") :
					!strcmp(all[i].tp, "block_io_start"));

		if (!use) {
			bpf_program__set_autoload(all[i].btf, false);
			bpf_program__set_autoload(all[i].raw, false);
			continue;
		}
		v[n] = all[i];
		v[n].chosen_btf = btf;
		bpf_program__set_autoload(v[n].btf, v[n].chosen_btf);
		bpf_program__set_autoload(v[n].raw, !v[n].chosen_btf);
		n++;
	}
	if (prog_fd >= 0)
		close(prog_fd);
	return n;
}

/* Puts each counter's per-CPU event fds into its BPF event array. */
static int set_counters(struct tracer *t, const struct counters *c)
{
	struct bpf_map *maps[OT_NR_CTR] = { t->skel->maps.ctr_ev0, t->skel->maps.ctr_ev1 };

	for (size_t k = 0; c && k < t->skel->rodata->targ_counters; k++) {
		size_t n = bpf_map__max_entries(maps[k]);

		for (size_t cpu = 0; cpu < c->ncpus && cpu < n; cpu++) {
			__u32 key = cpu, fd = c->fds[k][cpu];

			if (c->fds[k][cpu] < 0)
				continue;
			if (bpf_map__update_elem(maps[k], &key, sizeof(key), &fd, sizeof(fd),
						 BPF_ANY)) {
				int err = -errno;

				pr_err("counter %s on CPU %zu: %s", c->names[k], cpu, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

int tracer__open(const struct tracer_opts *opts, struct tracer **out)
{
	struct tracer *t;
	size_t rb = opts->ringbuf_bytes ? opts->ringbuf_bytes : DEFAULT_RINGBUF_BYTES;
	int err;

	*out = NULL;
	if (rb & (rb - 1) || rb < 4096) {
		pr_err("ring buffer size %zu: must be a power of two >= 4096", rb);
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cgroup_fd = -1;

	t->skel = optrace_bpf__open();
	if (!t->skel) {
		err = -errno;
		pr_err("open BPF object: %s", strerror(-err));
		goto cleanup;
	}

	t->skel->rodata->targ_wakeup_bytes = opts->wakeup_bytes ? opts->wakeup_bytes : rb / 8;
	t->skel->rodata->targ_follow = opts->follow;
	t->skel->rodata->targ_split = !opts->no_split;
	if (opts->sample_every > OT_SAMPLE_MAX) {
		pr_err("--sample %u: at most %d", opts->sample_every, OT_SAMPLE_MAX);
		err = -EINVAL;
		goto cleanup;
	}
	t->skel->rodata->targ_sample = opts->sample_every > 1 ? opts->sample_every : 1;
	t->skel->rodata->targ_all_tgids = opts->all_tgids;
	t->skel->rodata->targ_self_tgid = getpid();
	/* Counters ride on the time split's accounting (sched.bpf.c). */
	if (opts->counters && !opts->no_split)
		t->skel->rodata->targ_counters = opts->counters->nopen;
	if (opts->cgroup_path) {
		t->cgroup_fd = open(opts->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (t->cgroup_fd < 0) {
			err = -errno;
			pr_err("cgroup %s: %s (expected a cgroup v2 directory, e.g. /sys/fs/cgroup/system.slice/x.service)",
			       opts->cgroup_path, strerror(-err));
			goto cleanup;
		}
		t->skel->rodata->targ_cgroup = true;
	}
	bpf_map__set_max_entries(t->skel->maps.events, rb);
	if (opts->max_threads)
		bpf_map__set_max_entries(t->skel->maps.threads, opts->max_threads);
	t->traced_words = traced_bits_words();
	bpf_map__set_max_entries(t->skel->maps.traced_bits, t->traced_words);

	t->multi = !opts->force_perf_uprobes && kernel_has_uprobe_multi();
	bpf_program__set_autoload(t->skel->progs.handle_op_enter, !t->multi);
	bpf_program__set_autoload(t->skel->progs.handle_op_exit, !t->multi);
	bpf_program__set_autoload(t->skel->progs.handle_op_enter_multi, t->multi);
	bpf_program__set_autoload(t->skel->progs.handle_op_exit_multi, t->multi);
	if (t->multi) {
		bpf_program__set_expected_attach_type(t->skel->progs.handle_op_enter_multi,
						      OT_BPF_TRACE_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(t->skel->progs.handle_op_exit_multi,
						      OT_BPF_TRACE_UPROBE_MULTI);
	}

	/* The USDT program is the largest to verify (~10 ms): only when used. */
	bpf_program__set_autoload(t->skel->progs.handle_usdt, opts->usdt);
	t->ntps = tp_progs_choose(t->skel, t->tps);

	err = optrace_bpf__load(t->skel);
	if (err) {
		pr_err("load BPF programs: %s%s", strerror(-err),
		       err == -EPERM ? " (run as root, or with CAP_BPF and CAP_PERFMON)" : "");
		goto cleanup;
	}

	t->traced_bits = mmap(NULL, t->traced_words * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			      MAP_SHARED, bpf_map__fd(t->skel->maps.traced_bits), 0);
	if (t->traced_bits == MAP_FAILED) {
		err = -errno;
		t->traced_bits = NULL;
		pr_err("map the traced-process bitmap: %s", strerror(-err));
		goto cleanup;
	}

	if (t->cgroup_fd >= 0) {
		__u32 zero = 0, cfd = t->cgroup_fd;

		if (bpf_map__update_elem(t->skel->maps.cgroup_filter, &zero, sizeof(zero), &cfd,
					 sizeof(cfd), BPF_ANY)) {
			err = -errno;
			pr_err("cgroup %s: %s (not a cgroup v2 directory?)", opts->cgroup_path,
			       strerror(-err));
			goto cleanup;
		}
	}

	err = set_counters(t, opts->counters);
	if (err)
		goto cleanup;

	for (size_t i = 0; i < t->ntps; i++) {
		struct bpf_program *p = t->tps[i].chosen_btf ? t->tps[i].btf : t->tps[i].raw;

		t->tp_links[i] = bpf_program__attach(p);
		if (!t->tp_links[i]) {
			err = -errno;
			pr_err("attach tracepoint %s: %s", t->tps[i].tp, strerror(-err));
			goto cleanup;
		}
	}
	pr_debug("loaded: %s, ring buffer %zu bytes", t->multi ? "uprobe_multi" : "perf uprobes", rb);
	*out = t;
	return 0;

cleanup:
	tracer__destroy(t);
	return err ? err : -EINVAL;
}

int tracer__add_tgid(struct tracer *t, pid_t tgid, bool follow)
{
	__u32 key = tgid, val = follow ? OT_TGID_FOLLOW : 0;

	if (bpf_map__update_elem(t->skel->maps.traced_tgids, &key, sizeof(key), &val, sizeof(val),
				 BPF_ANY))
		return -errno;
	/* The BPF fork/exit programs change other bits of the same words. */
	if ((size_t)tgid / 64 < t->traced_words)
		__atomic_fetch_or(&t->traced_bits[tgid / 64], 1ULL << (tgid % 64), __ATOMIC_SEQ_CST);
	return 0;
}

int tracer__del_tgid(struct tracer *t, pid_t tgid)
{
	__u32 key = tgid;

	if ((size_t)tgid / 64 < t->traced_words)
		__atomic_fetch_and(&t->traced_bits[tgid / 64], ~(1ULL << (tgid % 64)),
				   __ATOMIC_SEQ_CST);
	if (bpf_map__delete_elem(t->skel->maps.traced_tgids, &key, sizeof(key), 0) && errno != ENOENT)
		return -errno;
	return 0;
}

static int links_push(struct tracer *t, int fd, struct bpf_link *link)
{
	if (t->nlinks == t->caplinks) {
		size_t cap = t->caplinks ? t->caplinks * 2 : 16;
		struct probe_link *v = realloc(t->links, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->links = v;
		t->caplinks = cap;
	}
	t->links[t->nlinks++] = (struct probe_link){ .fd = fd, .link = link };
	return 0;
}

/* Keeps a libbpf link; destroys it when it cannot be kept. */
static int links_push_bpf(struct tracer *t, struct bpf_link *link)
{
	int err = links_push(t, -1, link);

	if (err)
		bpf_link__destroy(link);
	return err;
}

static uint64_t target_cookie(const struct probe_target *pt, uint32_t op_id)
{
	uint64_t kind = pt->kind == PROBE_COUNT ? OT_KIND_COUNT : OT_KIND_CALL;

	return (uint64_t)op_id |
	       ((uint64_t)(pt->bytes_src & OT_COOKIE_BYTES_MASK) << OT_COOKIE_BYTES_SHIFT) |
	       kind << OT_COOKIE_KIND_SHIFT;
}

/* The USDT cookie of pt's begin (or only) probe, or of its end probe. */
static uint64_t usdt_cookie(const struct probe_target *pt, uint32_t op_id, bool end)
{
	uint64_t kind = pt->kind == PROBE_USDT_COUNT ? OT_KIND_COUNT :
			end			     ? OT_KIND_END :
							       OT_KIND_BEGIN;
	uint64_t c = (uint64_t)op_id | kind << OT_COOKIE_KIND_SHIFT;

	/* Arguments are read where the op is recorded: the end (or only) probe. */
	if (kind != OT_KIND_BEGIN)
		c |= (uint64_t)(pt->bytes_src & OT_COOKIE_BYTES_MASK) << OT_COOKIE_BYTES_SHIFT |
		     (uint64_t)(pt->err_arg & OT_COOKIE_ERRARG_MASK) << OT_COOKIE_ERRARG_SHIFT;
	return c;
}

static bool is_usdt(const struct probe_target *pt)
{
	return pt->kind == PROBE_USDT_PAIR || pt->kind == PROBE_USDT_COUNT;
}

/*
 * Attaches the USDT program to pt's probe(s) through libbpf (every call
 * site of the name; semaphores bumped; arguments decoded from the notes).
 */
static int attach_usdt(struct tracer *t, const struct probe_target *pt, uint32_t op_id, pid_t pid)
{
	int n = pt->kind == PROBE_USDT_PAIR ? 2 : 1, err;

	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_usdt_opts, o, .usdt_cookie = usdt_cookie(pt, op_id, i == 1));
		const char *name = i ? pt->usdt_end : pt->usdt_begin;
		struct bpf_link *l = bpf_program__attach_usdt(t->skel->progs.handle_usdt,
							      pid > 0 ? pid : -1, pt->path,
							      pt->usdt_provider, name, &o);

		if (!l) {
			err = -errno;
			pr_err("attach USDT probe %s:%s:%s: %s", pt->path, pt->usdt_provider, name,
			       strerror(-err));
			return err;
		}
		err = links_push_bpf(t, l);
		if (err)
			return err;
	}
	return 0;
}

static int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets,
			     const uint64_t *cookies, size_t cnt, pid_t pid, bool ret)
{
	struct uprobe_multi_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = prog_fd;
	attr.attach_type = OT_BPF_TRACE_UPROBE_MULTI;
	attr.path = (uintptr_t)path;
	attr.offsets = (uintptr_t)offsets;
	attr.cookies = (uintptr_t)cookies;
	attr.cnt = cnt;
	attr.uflags = ret ? OT_BPF_F_UPROBE_MULTI_RETURN : 0;
	attr.pid = pid > 0 ? pid : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* Attaches targets[idx[0..cnt)] (all in one file) for one pid (or -1). */
static int attach_file_multi(struct tracer *t, const struct probe_set *set, const size_t *idx,
			     size_t cnt, uint32_t first_op, pid_t pid)
{
	uint64_t *offs = calloc(cnt, sizeof(*offs)), *cookies = calloc(cnt, sizeof(*cookies));
	const char *path = set->v[idx[0]].path;
	int fd, err = 0;
	size_t i;

	if (!offs || !cookies) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		offs[i] = set->v[idx[i]].offset;
		cookies[i] = target_cookie(&set->v[idx[i]], first_op + idx[i]);
	}
	for (i = 0; i < 2 && !err; i++) {
		struct bpf_program *prog = i ? t->skel->progs.handle_op_exit_multi :
					       t->skel->progs.handle_op_enter_multi;
		size_t nret = 0;

		if (i) {
			/* Counted functions have no return probe: keep the timed ones. */
			for (size_t k = 0; k < cnt; k++) {
				if (set->v[idx[k]].kind != PROBE_CALL)
					continue;
				offs[nret] = offs[k];
				cookies[nret++] = cookies[k];
			}
			if (!nret)
				break;
		}
		fd = uprobe_multi_link(bpf_program__fd(prog), path, offs, cookies, i ? nret : cnt,
				       pid, i);
		if (fd < 0) {
			err = fd;
			pr_err("attach %s to %s (%zu functions%s): %s", i ? "uretprobes" : "uprobes",
			       path, cnt, pid > 0 ? ", one process" : "", strerror(-err));
			break;
		}
		err = links_push(t, fd, NULL);
		if (err)
			close(fd);
	}
out:
	free(offs);
	free(cookies);
	return err;
}

static int attach_one_perf(struct tracer *t, const struct probe_target *pt, uint32_t op_id, pid_t pid)
{
	int i, err;

	for (i = 0; i < (pt->kind == PROBE_COUNT ? 1 : 2); i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = target_cookie(pt, op_id), .retprobe = i);
		struct bpf_program *prog = i ? t->skel->progs.handle_op_exit : t->skel->progs.handle_op_enter;
		struct bpf_link *l = bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1, pt->path,
								     pt->offset, &o);

		if (!l) {
			err = -errno;
			pr_err("attach %s %s:%s: %s", i ? "uretprobe" : "uprobe", pt->path, pt->func,
			       strerror(-err));
			return err;
		}
		err = links_push_bpf(t, l);
		if (err)
			return err;
	}
	return 0;
}

static void *close_links_worker(void *arg)
{
	struct probe_link *v = ((struct probe_link **)arg)[0];
	size_t n = (size_t)((struct probe_link **)arg)[1];

	for (size_t i = 0; i < n; i++) {
		if (v[i].link)
			bpf_link__destroy(v[i].link);
		else if (v[i].fd >= 0)
			close(v[i].fd);
	}
	return NULL;
}

/*
 * Each uprobe unregistration waits for an RCU grace period (~100 ms here),
 * serially per link: closing in parallel threads overlaps those waits.
 */
static void close_links(struct probe_link *v, size_t n)
{
	pthread_t th[DETACH_THREADS];
	void *args[DETACH_THREADS][2];
	size_t nth = n < DETACH_THREADS ? n : DETACH_THREADS, started = 0, i, per, off = 0;

	if (n <= 1) {
		void *a[2] = { v, (void *)n };

		close_links_worker(a);
		return;
	}
	per = (n + nth - 1) / nth;
	for (i = 0; i < nth && off < n; i++) {
		args[i][0] = v + off;
		args[i][1] = (void *)(n - off < per ? n - off : per);
		off += (size_t)args[i][1];
		if (pthread_create(&th[i], NULL, close_links_worker, args[i])) {
			close_links_worker(args[i]);
			continue;
		}
		started |= 1u << i;
	}
	for (i = 0; i < nth; i++)
		if (started & (1u << i))
			pthread_join(th[i], NULL);
}

int tracer__attach_probes(struct tracer *t, const struct probe_set *set, uint32_t first_op,
			  const pid_t *pids, size_t npids)
{
	size_t start_links = t->nlinks, np = npids ? npids : 1, i, j, p, cnt;
	size_t *idx = NULL;
	bool *done = NULL;
	int err = 0;

	if (first_op + set->n > OT_MAX_OPS) {
		pr_err("too many probes: %zu (at most %d)", set->n, OT_MAX_OPS);
		return -E2BIG;
	}
	idx = calloc(set->n ? set->n : 1, sizeof(*idx));
	done = calloc(set->n ? set->n : 1, sizeof(*done));
	if (!idx || !done) {
		err = -ENOMEM;
		goto out;
	}
	for (p = 0; p < np && !err; p++) {
		pid_t pid = npids ? pids[p] : -1;

		for (i = 0; i < set->n && !err; i++)
			if (is_usdt(&set->v[i]))
				err = attach_usdt(t, &set->v[i], first_op + i, pid);
		if (!t->multi) {
			for (i = 0; i < set->n && !err; i++)
				if (!is_usdt(&set->v[i]))
					err = attach_one_perf(t, &set->v[i], first_op + i, pid);
			continue;
		}
		/* One entry link and one return link per file. */
		for (i = 0; i < set->n; i++)
			done[i] = is_usdt(&set->v[i]);
		for (i = 0; i < set->n && !err; i++) {
			if (done[i])
				continue;
			for (cnt = 0, j = i; j < set->n; j++) {
				if (!done[j] && !strcmp(set->v[j].path, set->v[i].path)) {
					idx[cnt++] = j;
					done[j] = true;
				}
			}
			err = attach_file_multi(t, set, idx, cnt, first_op, pid);
		}
	}
out:
	if (err) {
		close_links(t->links + start_links, t->nlinks - start_links);
		t->nlinks = start_links;
	}
	free(idx);
	free(done);
	return err;
}

bool tracer__any_tgid(const struct tracer *t)
{
	__u32 key;

	return !bpf_map_get_next_key(bpf_map__fd(t->skel->maps.traced_tgids), NULL, &key);
}

int tracer__events_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.events);
}

int tracer__read_counters(const struct tracer *t, struct ot_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ot_counters *percpu;
	__u32 zero = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map__lookup_elem(t->skel->maps.counters, &zero, sizeof(zero), percpu,
				 ncpu * sizeof(*percpu), 0)) {
		err = -errno;
	} else {
		for (int c = 0; c < ncpu; c++)
			for (int i = 0; i < OT_CNT_MAX; i++)
				out->c[i] += percpu[c].c[i];
	}
	free(percpu);
	return err;
}

/* A zeroed buffer for one value of the threads map: the accounting head
 * (struct ot_thread_state) and the op stack, which only BPF reads. */
static void *thread_value_alloc(const struct tracer *t, size_t *size)
{
	*size = bpf_map__value_size(t->skel->maps.threads);
	if (*size < sizeof(struct ot_thread_state)) {
		errno = EINVAL;
		return NULL;
	}
	return calloc(1, *size);
}

int tracer__seed_thread(struct tracer *t, pid_t tid, pid_t tgid, bool running)
{
	struct ot_thread_state *ts;
	struct timespec now;
	__u32 key = tid;
	size_t size;
	int err = 0;

	ts = thread_value_alloc(t, &size);
	if (!ts)
		return -errno;
	ts->state = running ? OT_TS_RUNNING : OT_TS_SLEEP;
	ts->tgid = tgid;
	ts->init = OT_TS_INIT_READY;
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ts->last_ts = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	if (bpf_map__update_elem(t->skel->maps.threads, &key, sizeof(key), ts, size, BPF_NOEXIST) &&
	    errno != EEXIST)
		err = -errno;
	free(ts);
	return err;
}

uint64_t tracer__bio_unfinished(const struct tracer *t, uint64_t age_ns)
{
	int fd = bpf_map__fd(t->skel->maps.io_reqs);
	/* struct io_req of io.bpf.c: start_ns, issue_ns, ... (40 bytes) */
	__u64 key, next, *prev = NULL, val[5], n = 0;
	struct timespec ts;
	uint64_t now;

	if (bpf_map__value_size(t->skel->maps.io_reqs) != sizeof(val))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, val) && val[1] && val[1] + age_ns < now)
			n++;
	}
	return n;
}

int tracer__pid_acct(const struct tracer *t, pid_t pid, struct ot_acct *out)
{
	__u32 key = pid;

	if (bpf_map__lookup_elem(t->skel->maps.pid_acct, &key, sizeof(key), out, sizeof(*out), 0))
		return -errno;
	return 0;
}

int tracer__for_each_runq(const struct tracer *t,
			  int (*cb)(uint32_t tgid, uint32_t bucket, uint64_t count, void *ctx),
			  void *ctx)
{
	int fd = bpf_map__fd(t->skel->maps.runq_hist), ret;
	struct ot_hist_key key, next, *prev = NULL;
	__u64 count;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue; /* deleted meanwhile */
		ret = cb(key.tgid, key.bucket, count, ctx);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int tracer__for_each_thread(const struct tracer *t,
			    int (*cb)(uint32_t tid, const struct ot_thread_state *ts, void *ctx),
			    void *ctx)
{
	int fd = bpf_map__fd(t->skel->maps.threads), ret = 0;
	__u32 key, next, *prev = NULL;
	struct ot_thread_state *ts;
	size_t size;

	ts = thread_value_alloc(t, &size);
	if (!ts)
		return -errno;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		/* Deleted meanwhile, or its accounting not set yet. */
		if (bpf_map_lookup_elem(fd, &key, ts) || ts->init != OT_TS_INIT_READY)
			continue;
		ret = cb(key, ts, ctx);
		if (ret)
			break;
	}
	if (!ret && errno != ENOENT)
		ret = -errno;
	free(ts);
	return ret;
}

void tracer__log_run_times(const struct tracer *t)
{
	struct bpf_program *prog;
	bool any = false;

	if (log__level() < LOG_INFO)
		return;
	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || !info.run_cnt)
			continue;
		any = true;
		pr_info("bpf run time: %s %llu runs, %.0f ns/run", bpf_program__name(prog),
			(unsigned long long)info.run_cnt, (double)info.run_time_ns / info.run_cnt);
	}
	if (!any)
		pr_info("bpf run times: none counted (sysctl -w kernel.bpf_stats_enabled=1 counts "
			"them, at some cost per event)");
}

const char *tracer__attach_mode(const struct tracer *t)
{
	return t->multi ? "uprobe_multi" : "perf-event uprobes";
}

size_t tracer__nr_links(const struct tracer *t)
{
	return t->nlinks;
}

void tracer__detach(struct tracer *t)
{
	if (!t)
		return;
	close_links(t->links, t->nlinks);
	t->nlinks = 0;
}

void tracer__destroy(struct tracer *t)
{
	if (!t)
		return;
	tracer__detach(t);
	free(t->links);
	for (size_t i = 0; i < t->ntps; i++)
		bpf_link__destroy(t->tp_links[i]);
	if (t->traced_bits)
		munmap(t->traced_bits, t->traced_words * sizeof(uint64_t));
	optrace_bpf__destroy(t->skel);
	if (t->cgroup_fd >= 0)
		close(t->cgroup_fd);
	free(t);
}
