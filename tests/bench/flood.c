// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flood.c - event throughput past what uprobes can produce: THREADS
 * threads of this process call getppid() (paced at RATE calls/s each, or
 * as fast as they can with RATE 0) for SECONDS, flood.bpf.o turns each
 * call into a span record in a ring buffer of RING_MIB MiB, and the main
 * thread consumes them with optrace's own consumer (user/events.c:
 * ring-buffer poll, decode, aggregate, slowest-spans keeper), polling as
 * `optrace trace` does.  Prints key=value lines:
 *
 *   produced=N lost=N consumed=N seconds=S rate=N (produced per second)
 *
 * produced = consumed + lost, exactly: nothing is lost silently.
 *
 *   flood BPF_OBJ RING_MIB THREADS SECONDS RATE
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "events.h"
#include "spans.h"

#define POLL_MS 50 /* as user/session.c */

static atomic_int running = 1;
static double rate_per_thread;
static double run_s;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void *producer(void *arg)
{
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(run_s * 1e9), next = t0, n = 0;
	uint64_t gap = rate_per_thread > 0 ? (uint64_t)(1e9 / rate_per_thread) : 0;

	(void)arg;
	while (atomic_load_explicit(&running, memory_order_relaxed)) {
		if (gap) {
			next += gap;
			while (now_ns() < next)
				;
		}
		syscall(SYS_getppid);
		if (!(++n & 255) && now_ns() >= end)
			break;
	}
	return NULL;
}

static int sum_counts(int fd, __u32 key, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));
	int err = 0;

	*out = 0;
	if (!v || ncpu <= 0)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(fd, &key, v))
		err = -errno;
	else
		for (int c = 0; c < ncpu; c++)
			*out += v[c];
	free(v);
	return err;
}

/* Sets the .rodata variable name (size bytes at val) before load, found by its BTF. */
static int set_rodata(struct bpf_object *obj, const char *name, const void *val, size_t len)
{
	struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	char *data;
	size_t size;
	int id;

	if (!ro || !btf || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	data = (char *)bpf_map__initial_value(ro, &size);
	vs = btf_var_secinfos(sec);
	for (int i = 0; data && i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, var->name_off), name) &&
		    vs->size == len && vs->offset + len <= size) {
			memcpy(data + vs->offset, val, len);
			return 0;
		}
	}
	return -ENOENT;
}

int main(int argc, char **argv)
{
	struct op_info op = { .name = "getppid", .error_mode = PROBE_ERR_NONE };
	uint64_t produced = 0, lost = 0, t0, t1;
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_link *link;
	struct events *ev = NULL;
	struct spans *keep;
	struct agg *agg;
	pthread_t *th;
	int nthreads, err;
	__u32 tgid, ring_bytes;
	__u64 wakeup;

	if (argc != 6) {
		fprintf(stderr, "usage: flood BPF_OBJ RING_MIB THREADS SECONDS RATE\n");
		return 2;
	}
	nthreads = atoi(argv[3]);
	run_s = atof(argv[4]);
	rate_per_thread = atof(argv[5]);
	th = calloc(nthreads > 0 ? nthreads : 1, sizeof(*th));
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || !th) {
		fprintf(stderr, "flood: open %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	ring_bytes = (uint32_t)atoi(argv[2]) << 20;
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "events"), ring_bytes);
	tgid = getpid();
	wakeup = ring_bytes / 8; /* as user/tracer.c */
	if (set_rodata(obj, "targ_tgid", &tgid, sizeof(tgid)) ||
	    set_rodata(obj, "targ_wakeup_bytes", &wakeup, sizeof(wakeup))) {
		fprintf(stderr, "flood: no targ_tgid or targ_wakeup_bytes in %s\n", argv[1]);
		return 3;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "flood: load: %s\n", strerror(errno));
		return 3;
	}
	prog = bpf_object__find_program_by_name(obj, "flood_sys_enter");
	link = bpf_program__attach(prog);
	agg = agg__new(&op, 1);
	keep = spans__new(1000);
	if (!link || !agg || !keep)
		return 3;
	err = events__open(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), agg, &ev);
	if (err) {
		fprintf(stderr, "flood: ring buffer: %s\n", strerror(-err));
		return 3;
	}
	events__set_spans(ev, keep, NULL);

	t0 = now_ns();
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, producer, NULL);
	while (now_ns() - t0 < (uint64_t)(run_s * 1e9))
		events__poll(ev, POLL_MS);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now_ns();
	bpf_link__destroy(link);
	events__drain(ev);
	int cfd = bpf_map__fd(bpf_object__find_map_by_name(obj, "counts"));
	if (sum_counts(cfd, 0, &produced) || sum_counts(cfd, 1, &lost))
		return 3;
	printf("produced=%llu\nlost=%llu\nconsumed=%llu\nseconds=%.3f\nrate=%.0f\n",
	       (unsigned long long)produced, (unsigned long long)lost,
	       (unsigned long long)events__nr_records(ev), (t1 - t0) / 1e9,
	       produced / ((t1 - t0) / 1e9));
	events__free(ev);
	spans__free(keep);
	agg__free(agg);
	bpf_object__close(obj);
	free(th);
	return 0;
}
