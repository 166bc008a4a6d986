// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_blkio.c - unit tests for user/blkio.c (links blkio.o and hist.o only).
 *
 * Feeds synthetic struct ot_bio records and checks counts, bytes, errors,
 * queue sums and completion times per (pid, dev, op) and per pid, the op
 * split, the sorted iteration order and its pid ranges, percentiles against
 * exact values, rejection of malformed records, table growth with stable
 * pointers, -ENOMEM without half-made entries, and device names from a fake
 * sysfs tree, the real one, and the "MAJ:MIN" fallback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "blkio.h"

#define US	    1000ULL
#define MAX_REL_ERR 0.01 /* what hist promises at every percentile */

#define DEV_VDA	 BLKIO_MKDEV(254, 0)
#define DEV_SDB1 BLKIO_MKDEV(8, 17)
#define DEV_NONE BLKIO_MKDEV(4095, 1048575) /* largest encodable: never a real disk */

#include "failalloc.h"

static struct ot_bio rec(uint32_t pid, uint32_t dev, uint32_t op, uint64_t bytes,
			 uint64_t queue_ns, uint64_t service_ns)
{
	return (struct ot_bio){
		.kind = OT_EV_BIO,
		.tgid = pid,
		.tid = pid,
		.dev = dev,
		.op = op,
		.bytes = bytes,
		.start_ns = 1000000,
		.queue_ns = queue_ns,
		.service_ns = service_ns,
	};
}

static int setup(void **state)
{
	*state = blkio__new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	blkio__free(*state);
	return 0;
}

static void add_ok(struct blkio *b, struct ot_bio r)
{
	assert_int_equal(blkio__add(b, &r), 0);
}

static const struct blkio_stats *find(const struct blkio *b, uint32_t pid, uint32_t dev,
				      uint32_t op)
{
	for (size_t i = 0; i < blkio__nr_stats(b); i++) {
		const struct blkio_stats *s = blkio__stats_at(b, i);

		if (s->pid == pid && s->dev == dev && s->op == op)
			return s;
	}
	return NULL;
}

static void test_blkio_empty(void **state)
{
	struct blkio *b = *state;

	assert_int_equal(blkio__nr_stats(b), 0);
	assert_int_equal(blkio__nr_pids(b), 0);
	assert_null(blkio__stats_at(b, 0));
	assert_null(blkio__pid_at(b, 0));
	assert_null(blkio__find_pid(b, 1));
	assert_int_equal(blkio__stats_lower_bound(b, 1), 0);
	assert_int_equal(blkio__bad_records(b), 0);
	blkio__free(NULL);
}

static void test_blkio_counts_bytes_errors(void **state)
{
	struct blkio *b = *state;
	const struct blkio_stats *s;
	const struct blkio_pid_stats *p;
	struct ot_bio r;

	for (int i = 0; i < 100; i++) {
		r = rec(42, DEV_VDA, OT_BIO_READ, 4096, 2 * US, 30 * US);
		r.start_ns = 1000000 + i * 100 * US;
		r.error = i % 10 == 0 ? 10 /* BLK_STS_IOERR */ : 0;
		add_ok(b, r);
	}
	assert_int_equal(blkio__nr_stats(b), 1);
	s = blkio__stats_at(b, 0);
	assert_int_equal(s->pid, 42);
	assert_int_equal(s->dev, DEV_VDA);
	assert_int_equal(s->op, OT_BIO_READ);
	assert_int_equal(s->count, 100);
	assert_int_equal(s->bytes, 100 * 4096);
	assert_int_equal(s->errors, 10);
	assert_int_equal(s->queue_ns, 100 * 2 * US);
	assert_int_equal(s->total.count, 100);
	assert_int_equal(s->total.min, 32 * US);
	assert_int_equal(s->service.max, 30 * US);
	/* completion = start + queue + service */
	assert_int_equal(s->first_ns, 1000000 + 32 * US);
	assert_int_equal(s->last_ns, 1000000 + 99 * 100 * US + 32 * US);

	p = blkio__find_pid(b, 42);
	assert_non_null(p);
	assert_int_equal(p->count, 100);
	assert_int_equal(p->bytes, 100 * 4096);
	assert_int_equal(p->errors, 10);
	assert_int_equal(p->total.count, 100);
	assert_int_equal(p->service.count, 100);
	assert_null(blkio__find_pid(b, 43));
}

static void test_blkio_op_split(void **state)
{
	static const struct {
		uint32_t op;
		int n;
		uint64_t bytes;
		const char *name;
	} ops[] = {
		{ OT_BIO_WRITE, 7, 8192, "write" },
		{ OT_BIO_READ, 5, 4096, "read" },
		{ OT_BIO_FLUSH, 3, 0, "flush" },
		{ OT_BIO_OTHER, 1, 512, "other" },
		{ OT_BIO_DISCARD, 2, 1 << 20, "discard" },
	};
	struct blkio *b = *state;
	const struct blkio_pid_stats *p;
	uint64_t want_count = 0, want_bytes = 0;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (int k = 0; k < ops[i].n; k++)
			add_ok(b, rec(7, DEV_VDA, ops[i].op, ops[i].bytes, US, 10 * US));
		want_count += ops[i].n;
		want_bytes += ops[i].n * ops[i].bytes;
	}
	assert_int_equal(blkio__nr_stats(b), 5);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct blkio_stats *s = find(b, 7, DEV_VDA, ops[i].op);

		assert_non_null(s);
		assert_int_equal(s->count, ops[i].n);
		assert_int_equal(s->bytes, ops[i].n * ops[i].bytes);
		assert_string_equal(blkio__op_name(ops[i].op), ops[i].name);
	}
	/* Sorted by op within (pid, dev). */
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(blkio__stats_at(b, i)->op, OT_BIO_READ + i);
	p = blkio__find_pid(b, 7);
	assert_int_equal(p->count, want_count);
	assert_int_equal(p->bytes, want_bytes);
	assert_string_equal(blkio__op_name(0), "?");
	assert_string_equal(blkio__op_name(OT_BIO_OTHER + 1), "?");
}

static void test_blkio_sorted_order(void **state)
{
	static const struct {
		uint32_t pid, dev, op;
	} in[] = {
		{ 300, DEV_VDA, OT_BIO_WRITE }, { 20, DEV_SDB1, OT_BIO_READ },
		{ 300, DEV_SDB1, OT_BIO_READ }, { 20, DEV_VDA, OT_BIO_WRITE },
		{ 1, DEV_VDA, OT_BIO_FLUSH },	{ 20, DEV_VDA, OT_BIO_READ },
		{ 300, DEV_VDA, OT_BIO_READ },	{ 4000000, DEV_VDA, OT_BIO_READ },
	};
	struct blkio *b = *state;
	size_t lo, hi;

	/* Twice each: the second pass must find, not insert. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
			add_ok(b, rec(in[i].pid, in[i].dev, in[i].op, 4096, US, US));
	assert_int_equal(blkio__nr_stats(b), sizeof(in) / sizeof(in[0]));
	for (size_t i = 1; i < blkio__nr_stats(b); i++) {
		const struct blkio_stats *x = blkio__stats_at(b, i - 1), *y = blkio__stats_at(b, i);

		assert_true(x->pid < y->pid || (x->pid == y->pid && x->dev < y->dev) ||
			    (x->pid == y->pid && x->dev == y->dev && x->op < y->op));
		assert_int_equal(y->count, 2);
	}
	/* DEV_SDB1 (8:17) sorts before DEV_VDA (254:0). */
	assert_int_equal(blkio__stats_at(b, 1)->dev, DEV_SDB1);

	assert_int_equal(blkio__nr_pids(b), 4);
	for (size_t i = 1; i < blkio__nr_pids(b); i++)
		assert_true(blkio__pid_at(b, i - 1)->pid < blkio__pid_at(b, i)->pid);
	assert_int_equal(blkio__find_pid(b, 20)->count, 6);
	assert_int_equal(blkio__find_pid(b, 300)->count, 6);

	lo = blkio__stats_lower_bound(b, 20);
	hi = blkio__stats_lower_bound(b, 21);
	assert_int_equal(hi - lo, 3);
	for (size_t i = lo; i < hi; i++)
		assert_int_equal(blkio__stats_at(b, i)->pid, 20);
	assert_int_equal(blkio__stats_lower_bound(b, 0), 0);
	assert_int_equal(blkio__stats_lower_bound(b, UINT32_MAX), blkio__nr_stats(b));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void assert_close(uint64_t got, uint64_t want)
{
	double err = want ? ((double)got - (double)want) / (double)want : (double)got;

	if (err < 0)
		err = -err;
	if (err > MAX_REL_ERR)
		fail_msg("got %llu, want %llu (error %.4f)", (unsigned long long)got,
			 (unsigned long long)want, err);
}

static void test_blkio_percentiles(void **state)
{
	enum { N = 20000 };
	static const double ps[] = { 1, 10, 50, 90, 99, 99.9, 100 };
	struct blkio *b = *state;
	uint64_t *tot = malloc(N * sizeof(*tot)), *svc = malloc(N * sizeof(*svc));
	const struct blkio_stats *s;
	uint64_t seed = 12345;

	assert_non_null(tot);
	assert_non_null(svc);
	for (int i = 0; i < N; i++) {
		/* A skewed spread: 20 us .. ~20 ms, queue time 1/8 of the service. */
		uint64_t r, service, queue;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = seed >> 33;
		service = 20 * US + (r % 1000) * (r % 1000) * 20;
		queue = service / 8;
		tot[i] = queue + service;
		svc[i] = service;
		add_ok(b, rec(9, DEV_VDA, OT_BIO_READ, 4096, queue, service));
	}
	qsort(tot, N, sizeof(*tot), cmp_u64);
	qsort(svc, N, sizeof(*svc), cmp_u64);
	s = find(b, 9, DEV_VDA, OT_BIO_READ);
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		/* nearest rank */
		size_t rank = (size_t)(ps[i] / 100.0 * N + 0.999999);

		assert_close(hist__percentile(&s->total, ps[i]), tot[rank - 1]);
		assert_close(hist__percentile(&s->service, ps[i]), svc[rank - 1]);
		assert_close(hist__percentile(&blkio__find_pid(b, 9)->total, ps[i]), tot[rank - 1]);
	}
	free(tot);
	free(svc);
}

static void test_blkio_bad_records(void **state)
{
	struct blkio *b = *state;
	struct ot_bio r = rec(1, DEV_VDA, OT_BIO_READ, 4096, US, US);

	r.kind = OT_EV_SPAN;
	assert_int_equal(blkio__add(b, &r), -EINVAL);
	r = rec(1, DEV_VDA, 0, 4096, US, US);
	assert_int_equal(blkio__add(b, &r), -EINVAL);
	r = rec(1, DEV_VDA, OT_BIO_OTHER + 1, 4096, US, US);
	assert_int_equal(blkio__add(b, &r), -EINVAL);
	assert_int_equal(blkio__bad_records(b), 3);
	assert_int_equal(blkio__nr_stats(b), 0);
	assert_int_equal(blkio__nr_pids(b), 0);
}

static void test_blkio_many_triples_stable(void **state)
{
	struct blkio *b = *state;
	const struct blkio_stats *first;
	const struct blkio_pid_stats *pfirst;

	add_ok(b, rec(1, DEV_VDA, OT_BIO_READ, 1, US, US));
	first = blkio__stats_at(b, 0);
	pfirst = blkio__pid_at(b, 0);
	/* Inserted in descending pid order: every insert lands at the front. */
	for (uint32_t pid = 2000; pid >= 2; pid--) {
		add_ok(b, rec(pid, DEV_VDA, OT_BIO_WRITE, 1, US, US));
		add_ok(b, rec(pid, DEV_SDB1, OT_BIO_READ, 1, US, US));
	}
	assert_int_equal(blkio__nr_stats(b), 1 + 2 * 1999);
	assert_int_equal(blkio__nr_pids(b), 2000);
	assert_ptr_equal(blkio__stats_at(b, 0), first);
	assert_ptr_equal(blkio__find_pid(b, 1), pfirst);
	add_ok(b, rec(1, DEV_VDA, OT_BIO_READ, 1, US, US));
	assert_int_equal(first->count, 2);
	for (size_t i = 1; i < blkio__nr_stats(b); i++)
		assert_true(blkio__stats_at(b, i - 1)->pid <= blkio__stats_at(b, i)->pid);
	assert_int_equal(find(b, 1234, DEV_SDB1, OT_BIO_READ)->count, 1);
	assert_int_equal(blkio__find_pid(b, 1234)->count, 2);
}

static void test_blkio_enomem_leaves_nothing(void **state)
{
	struct blkio *b = *state;
	struct ot_bio r = rec(5, DEV_VDA, OT_BIO_READ, 4096, US, 10 * US);

	if (!calloc_can_fail())
		skip();
	/* The new triple itself. */
	calloc_fail_after = 0;
	assert_int_equal(blkio__add(b, &r), -ENOMEM);
	assert_int_equal(blkio__nr_stats(b), 0);
	assert_int_equal(blkio__nr_pids(b), 0);
	/* The pid's totals, after the triple: the triple is given back. */
	calloc_fail_after = 1;
	assert_int_equal(blkio__add(b, &r), -ENOMEM);
	assert_int_equal(blkio__nr_stats(b), 0);
	assert_int_equal(blkio__nr_pids(b), 0);
	calloc_fail_after = -1;
	add_ok(b, r);
	assert_int_equal(blkio__nr_stats(b), 1);
	assert_int_equal(blkio__find_pid(b, 5)->count, 1);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_blkio_dev_name_fake_sysfs(void **state)
{
	struct blkio *b = *state;
	char dir[] = "/tmp/test_blkio.XXXXXX", path[256];
	const char *n1;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/8:17", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/8:17/uevent", dir);
	assert_int_equal(write_file(path, "MAJOR=8\nMINOR=17\nDEVNAME=sdb1\nDEVTYPE=partition\n"), 0);
	snprintf(path, sizeof(path), "%s/254:0", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/254:0/uevent", dir);
	assert_int_equal(write_file(path, "MAJOR=254\nMINOR=0\nDEVNAME=\n"), 0);

	assert_int_equal(blkio__set_sysfs_dir(b, dir), 0);
	n1 = blkio__dev_name(b, DEV_SDB1);
	assert_string_equal(n1, "sdb1");
	/* An empty DEVNAME is no name. */
	assert_string_equal(blkio__dev_name(b, DEV_VDA), "254:0");
	/* Cached: the same string, even after the file is gone. */
	snprintf(path, sizeof(path), "%s/8:17/uevent", dir);
	unlink(path);
	assert_ptr_equal(blkio__dev_name(b, DEV_SDB1), n1);

	snprintf(path, sizeof(path), "%s/254:0/uevent", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/254:0", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/8:17", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_blkio_dev_name_fallback(void **state)
{
	struct blkio *b = *state;
	const char *n;

	/* Default sysfs directory, a device number no kernel hands out. */
	n = blkio__dev_name(b, DEV_NONE);
	assert_string_equal(n, "4095:1048575");
	assert_ptr_equal(blkio__dev_name(b, DEV_NONE), n);
	/* A sysfs directory that does not exist. */
	assert_int_equal(blkio__set_sysfs_dir(b, "/nonexistent/optrace"), 0);
	assert_string_equal(blkio__dev_name(b, BLKIO_MKDEV(8, 0)), "8:0");
	assert_int_equal(BLKIO_DEV_MAJOR(BLKIO_MKDEV(259, 3)), 259);
	assert_int_equal(BLKIO_DEV_MINOR(BLKIO_MKDEV(259, 3)), 3);
}

static void test_blkio_dev_name_real_sysfs(void **state)
{
	struct blkio *b = *state;
	unsigned int ma, mi;
	struct dirent *de;
	char want[64] = "";
	DIR *d = opendir("/sys/dev/block");

	if (!d)
		skip();
	/* The first device whose uevent names it, read here independently. */
	while ((de = readdir(d))) {
		char path[512], line[128];
		FILE *f;

		if (sscanf(de->d_name, "%u:%u", &ma, &mi) != 2)
			continue;
		snprintf(path, sizeof(path), "/sys/dev/block/%s/uevent", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "DEVNAME=%63s", want) == 1)
				break;
		fclose(f);
		if (want[0])
			break;
	}
	closedir(d);
	if (!want[0])
		skip();
	assert_string_equal(blkio__dev_name(b, BLKIO_MKDEV(ma, mi)), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blkio_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_counts_bytes_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_op_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_sorted_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_percentiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_bad_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_many_triples_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_enomem_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_dev_name_fake_sysfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_dev_name_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkio_dev_name_real_sysfs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
