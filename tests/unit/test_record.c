// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_record.c - record.c and report_read.c: a hand-built report with
 * every part filled (histograms through hist__add, errors, splits, series,
 * trends, spans, findings, alerts, pids with resources, threads and block
 * IO, the system with filesystems and PSI) is written, read back and
 * rendered: text and JSON of both must be byte-identical, and so must the
 * full trees.  Then bad files (corrupt, truncated, foreign, empty, newer),
 * bad fields, and the temporary-file behaviour of a failed write.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "hist.h"
#include "record.h"
#include "report.h"
#include "report_json.h"

/* report.c links res.c's window functions; report__build is not used here. */
int res__pid_window(const struct res *r, uint32_t pid, bool interval, struct res_pid *out)
{
	(void)r, (void)pid, (void)interval, (void)out;
	return -ENOENT;
}

int res__threads(const struct res *r, uint32_t pid, struct res_thread **v, size_t *n)
{
	(void)r, (void)pid;
	*v = NULL;
	*n = 0;
	return 0;
}

void res__sys_window(const struct res *r, bool interval, struct res_sys *out)
{
	(void)r, (void)interval;
	memset(out, 0, sizeof(*out));
}

static const struct op_info infos[] = {
	{ "get", "kv", "kv_get", "/usr/bin/kv", PROBE_ERR_RET_LT0, 0, true, false, 0 },
	{ "put", "kv", "kv_put", "/usr/lib/libkv.so.1", PROBE_ERR_RET_NE0, OT_BYTES_RET, false,
	  true, 1 },
	{ "idle", "", "idle", "/usr/bin/kv", PROBE_ERR_NONE, 0, false, false, 1 },
};

struct fixture {
	char dir[64];
	char path[128];
	struct report a; /* built by hand */
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(struct hist *h, uint64_t *seed, size_t n, uint64_t lo, uint64_t spread)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hist__add(h, lo + next_rand(seed) % spread), 0);
}

static void op_from_hist(struct report_op *op, uint32_t pid, const char *comm,
			 const struct op_info *info, struct hist *h)
{
	op->pid = pid;
	op->comm = comm;
	op->info = info;
	op->lat = h;
	op->calls = h->count;
	op->rate = h->count / 10.5;
	op->bias_ns = -1;
	op->probe_insn = info->insn_class ? "single-stepped" : "emulated";
	if (!h->count)
		return;
	op->min = h->min;
	op->max = h->max;
	op->p50 = hist__percentile(h, 50);
	op->p90 = hist__percentile(h, 90);
	op->p95 = hist__percentile(h, 95);
	op->p99 = hist__percentile(h, 99);
	op->p999 = hist__percentile(h, 99.9);
	op->mean = hist__mean(h);
	op->self_mean = op->mean * 0.75;
}

static void split_set(struct report_split *s, uint64_t calls, double wall)
{
	*s = (struct report_split){ calls, wall, wall * 0.6, wall * 0.1, wall * 0.2, wall * 0.1,
				    0.6, 0.1, 0.2, 0.1 };
}

static void trend_set(struct trend *t, int dir, double mean)
{
	*t = (struct trend){ dir, 12, mean, mean / 100.0, 0.083, 0.013, 0.21, mean / 1000.0 };
}

static void build_ops(struct report *r, uint64_t *seed)
{
	struct hist *h0 = report__hist(r), *h1 = report__hist(r), *h2 = report__hist(r);
	struct series_point *pts = report__alloc(r, 3 * sizeof(*pts));
	struct report_op *op;

	assert_non_null(h0);
	assert_non_null(h1);
	assert_non_null(h2);
	assert_non_null(pts);
	fill(h0, seed, 900, 1800, 900);
	fill(h0, seed, 90, 15000, 10000);
	fill(h0, seed, 10, 1000000, 4000000);
	fill(h1, seed, 250, 40000, 30000);
	r->ops = calloc(3, sizeof(*r->ops));
	assert_non_null(r->ops);
	r->nops = 3;

	op = &r->ops[0];
	op_from_hist(op, 100, "kvserver", &infos[0], h0);
	op->errs[0] = (struct report_err){ ENOENT, "ENOENT", 12 };
	op->errs[1] = (struct report_err){ EAGAIN, "", 3 }; /* name computed by renderers */
	op->errs[2] = (struct report_err){ -1, "other", 1 };
	op->nerrs = 3;
	op->errors = 16;
	op->err_rate = 16.0 / 1000;
	op->has_split = true;
	split_set(&op->split_all, 1000, 30123.25);
	split_set(&op->split_tail, 10, 2500000.5);
	op->tail_threshold_ns = op->p99;
	op->has_counts = true;
	op->nvcsw_per_call = 0.25;
	op->nivcsw_per_call = 0.01;
	op->minflt_per_call = 1.5;
	op->majflt_per_call = 0.001;
	op->bias_ns = 210;
	for (int i = 0; i < 3; i++)
		pts[i] = (struct series_point){ 1.0 + i, 1.0, 300 + i, i, 2000 + i, 25000, 900000,
						3000.5 + i };
	op->series = pts;
	op->nseries = 3;
	op->has_trends = true;
	trend_set(&op->trend_p50, 1, 2000);
	trend_set(&op->trend_p99, 2, 900000);
	trend_set(&op->trend_rate, 3, 95.2);
	trend_set(&op->trend_err_rate, 0, 0.016);

	/* Perf counters: instructions and cycles per call, counted for most calls. */
	for (int k = 0; k < 2; k++) {
		struct hist *hc = report__hist(r);

		assert_non_null(hc);
		fill(hc, seed, 990, k ? 30000 : 52000, 8000);
		op->ctr[k] = (struct report_ctr){ .calls = hc->count, .mean = hist__mean(hc),
						  .p50 = hist__percentile(hc, 50),
						  .p99 = hist__percentile(hc, 99), .h = hc };
	}

	op = &r->ops[1];
	op_from_hist(op, 100, "kvserver", &infos[1], h1);
	op->bytes = 1234567;
	op->bytes_rate = 1234567 / 10.5;
	op->bias_ns = 2650;
	op->compensated = true;
	op->p50 -= 2650; /* as report__build would have it */
	op->mean -= 2650;

	op = &r->ops[2]; /* no calls: null latency, empty histogram */
	op_from_hist(op, 200, "kvworker", &infos[2], h2);
}

static void build_pids(struct report *r, uint64_t *seed)
{
	struct report_pid *p;

	r->pids = calloc(2, sizeof(*r->pids));
	assert_non_null(r->pids);
	r->npids = 2;
	p = &r->pids[0];
	p->pid = 100;
	p->comm = "kvserver";
	p->calls = 1250;
	p->has_res = true;
	p->efficiency = 0.42;
	p->res.pid = 100;
	p->res.has_proc = true;
	p->res.now = (struct sysmon_pid){
		.task = { 100, 'S', "kvserver", 1500000000, 250000000, 12000, 3, 987654321, true,
			  4500, 120 },
		.ppid = 1, .num_threads = 4, .has_rss = true, .rss_bytes = 50 << 20,
		.hwm_bytes = 64 << 20, .has_io = true, .read_bytes = 4096 * 10,
		.write_bytes = 4096 * 3, .rchar = 123456, .wchar = 65432, .has_fds = true,
		.nfds = 17, .has_fd_limit = true, .fd_limit = UINT64_MAX,
	};
	p->res.rates = (struct sysmon_pid_rates){ 12.5, 2.25, 14.75, 100.5, 0.1, true, 40.5,
						  3.25, true, 4096.0, 1024.0, 11000.5, 6000.25 };
	p->res.rss_peak_bytes = 64 << 20;
	p->res.has_acct = true;
	p->res.has_rss_start = true;
	p->res.rss_start_bytes = 40 << 20;
	p->res.has_cgroup = true;
	p->res.cpu_quota = 1.5;
	p->res.has_throttle = true;
	p->res.cg_periods = 105;
	p->res.cg_throttled = 7;
	p->res.cg_throttled_ns = 12345678;
	p->res.throttled_share = 7.0 / 105;
	p->res.acct = (struct ot_acct){ 1700000000, 25000000, 300000000, 900000000, 4321, 4500 };
	hist__init(&p->res.runq);
	fill(&p->res.runq, seed, 4321, 500, 200000);
	p->runq_count = p->res.runq.count;
	p->runq_p50 = hist__percentile(&p->res.runq, 50);
	p->runq_p90 = hist__percentile(&p->res.runq, 90);
	p->runq_p99 = hist__percentile(&p->res.runq, 99);
	p->runq_max = p->res.runq.max;
	p->threads = calloc(2, sizeof(*p->threads));
	assert_non_null(p->threads);
	p->nthreads = 2;
	p->threads[0] = (struct res_thread){ 100, 100, "kvserver", true,
					     { 900000000, 1000000, 2000000, 3000000, 10, 20 },
					     true, 8.5 };
	p->threads[1] = (struct res_thread){ 100, 103, "kv worker (1)", false,
					     { 100, 200, 300, 400, 5, 6 }, false, 0 };
	p->bio = calloc(1, sizeof(*p->bio));
	assert_non_null(p->bio);
	p->nbio = 1;
	p->bio[0] = (struct report_bio){ (8 << 20) | 0, "sda", "read", 10, 40960, 1, 0.95,
					 3900.95, 120000, 250000, 900000, 1200000, 90000, 800000,
					 15000.5 };
	p = &r->pids[1];
	p->pid = 200;
	p->comm = "kvworker";
	p->exited = true;
	p->exit_code = 9; /* killed by SIGKILL */
	p->efficiency = -1;
	hist__init(&p->res.runq);
}

static void build_sys(struct report *r)
{
	struct sysmon_sys *n = &r->sys.now;

	r->sys.valid = true;
	for (int m = 0; m < SYSMON_CPU_NR; m++)
		n->cpu_ticks[m] = 1000 * (m + 1);
	n->ncpus = 2;
	n->procs_running = 3;
	n->procs_blocked = 1;
	n->mem_total_bytes = 4ULL << 30;
	n->mem_free_bytes = 1ULL << 30;
	n->mem_available_bytes = 2ULL << 30;
	n->swap_total_bytes = 1ULL << 30;
	n->swap_free_bytes = 1ULL << 29;
	n->has_vmstat = true;
	n->pswpin = 11;
	n->pswpout = 22;
	n->load1 = 0.52;
	n->load5 = 0.31;
	n->load15 = 0.2;
	n->psi[SYSMON_PSI_CPU] = (struct sysmon_psi){ true, false, { 1.5, 1.25, 1.0, 12345 } };
	n->psi[SYSMON_PSI_MEMORY] = (struct sysmon_psi){ true, true, { 0.5, 0.25, 0.125, 99 },
							 { 0.25, 0.125, 0.0625, 42 } };
	n->fs = report__alloc(r, 2 * sizeof(*n->fs));
	assert_non_null(n->fs);
	n->nfs = 2;
	n->fs[0] = (struct sysmon_fs){ "/dev/sda1", "/", "ext4", 2049, 100ULL << 30, 60ULL << 30,
				       35ULL << 30, 63.157894736842103, true, 6553600, 400000,
				       6.103515625 };
	n->fs[1] = (struct sysmon_fs){ "/dev/sdb", "/data dir", "btrfs", 2064, 1ULL << 40,
				       1ULL << 39, 1ULL << 39, 50.0, false, 0, 0, 0 };
	r->sys.rates = (struct sysmon_sys_rates){ { 10, 1, 5, 80, 2, 0.5, 0.5, 1 }, 18, 50.5, 50,
						  true, 0.5, 1.5 };
}

static void build_analysis(struct report *r)
{
	struct finding *f;

	r->findings = calloc(2, sizeof(*r->findings));
	r->alerts = calloc(1, sizeof(*r->alerts));
	r->spans = calloc(2, sizeof(*r->spans));
	assert_non_null(r->findings);
	assert_non_null(r->alerts);
	assert_non_null(r->spans);
	r->nfindings = 2;
	f = &r->findings[0];
	*f = (struct finding){ .rule = "io_bound_op", .severity = SEV_WARNING,
			       .subject_kind = SUBJ_OP, .pid = 100, .op = "get",
			       .subject = "op get of pid 100 (kvserver)",
			       .summary = "get waits for IO: 20% of its time \"io-wait\"",
			       .recommendation = "cache hot keys; batch reads",
			       .nev = 2, .impact = 0.2 };
	f->ev[0] = (struct evidence){ "iowait_share", 0.2, "ratio" };
	f->ev[1] = (struct evidence){ "p99", 900000, "ns" };
	r->findings[1] = (struct finding){ .rule = "disk_full", .severity = SEV_CRITICAL,
					   .subject_kind = SUBJ_DEVICE, .device = "sda",
					   .subject = "disk /", .summary = "/ is 95% full",
					   .recommendation = "free space", .impact = 1.0 };
	r->nalerts = 1;
	r->alerts[0] = (struct alert_event){ "slow_get", SEV_CRITICAL, SUBJ_OP, 100, "get",
					     "op get of pid 100", "p99", ">", 900000, 500000,
					     3, 7.5, 1700000000123456789LL };
	r->nspans = 2;
	r->spans[0] = (struct report_span){ 100, 101, 0, "get", 1000, 4000000, 3900000, -2, 0,
					    0, 1, 100, 200, 3000000, 699700, 1, 0, 2, 0, 1 };
	r->spans[1] = (struct report_span){ 100, 102, 1, "put", 20000, 70000, 0, 512, 512, 1, 3,
					    60000, 1000, 0, 9000, 0, 1, 0, 0, 0 };
}

/* --ratio figures of the first op's process: 30 of 40, and one with no events (0/0). */
static void build_ratios(struct report *r)
{
	r->ratios = calloc(2, sizeof(*r->ratios));
	assert_non_null(r->ratios);
	r->nratios = 2;
	r->ratios[0] = (struct report_ratio){ .label_a = "hit", .label_b = "miss",
					      .pid = r->ops[0].pid, .comm = r->ops[0].comm,
					      .count_a = 30, .count_b = 10,
					      .ratio = report__ratio_value(30, 10) };
	r->ratios[1] = (struct report_ratio){ .label_a = "ok", .label_b = "fail",
					      .pid = r->ops[0].pid, .comm = r->ops[0].comm,
					      .ratio = report__ratio_value(0, 0) };
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct report *r;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_record.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/run.optrace", fx->dir);
	r = &fx->a;
	r->meta = (struct report_meta){
		.kind = "final", .window_s = 10.5, .elapsed_s = 12.25,
		.start_unix_ns = 1700000000000000000LL, .end_unix_ns = 1700000012250000000LL,
		.attach_mode = "uprobe_multi", .nr_probes = 3, .bias_emulated_ns = 210,
		.bias_stepped_ns = 2650, .compensated = false, .command = "./kv --threads 4",
		.cmd_exited = true, .cmd_status = 0x100, .show_idle_ops = true, .host = "box1",
		.kernel = "6.18.0", .optrace_args = "optrace record -o run.optrace -- ./kv",
		.clock = "CLOCK_MONOTONIC", .tick_s = 1.0, .spans_cap = 100,
	};
	r->meta.counter_names[0] = "instructions";
	r->meta.counter_names[1] = "cycles";
	r->meta.ncounters = 2;
	r->loss = (struct report_loss){ 5000, 3, 1, 2, 4, 0, 0, 1, 2, 0, 7, 1 };
	r->loss.ctr_unseen = 6;
	build_ops(r, &seed);
	build_pids(r, &seed);
	build_sys(r);
	build_analysis(r);
	build_ratios(r);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	report__free(&fx->a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Renders r in fmt into a malloc'd string. */
static char *render(const struct report *r, int fmt)
{
	struct render_opts ro = { .histogram = true, .width = 40 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fmt == FMT_JSON ? render__json(f, r, &ro) : render__text(f, r, &ro), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *full_text(const struct report *r)
{
	json_t *j = report__to_json(r, true);
	char *s;

	assert_non_null(j);
	s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_INDENT(1));
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void test_record_roundtrip_identical(void **state)
{
	struct fixture *fx = *state;
	char err[256] = "";
	struct report b;

	assert_int_equal(record__write(fx->path, &fx->a, err, sizeof(err)), 0);
	if (record__read(fx->path, &b, err, sizeof(err)))
		fail_msg("read back: %s", err);
	for (int fmt = FMT_TEXT; fmt <= FMT_JSON; fmt++) {
		char *x = render(&fx->a, fmt), *y = render(&b, fmt);

		assert_true(strlen(x) > 1000);
		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	/* Everything the struct holds came back, not only what text and JSON show. */
	{
		char *x = full_text(&fx->a), *y = full_text(&b);

		assert_string_equal(x, y);
		assert_non_null(strstr(y, "\"fd_limit\": \"18446744073709551615\""));
		free(x);
		free(y);
	}
	assert_int_equal(b.nops, 3);
	assert_int_equal(b.ops[0].lat->count, 1000);
	assert_int_equal(b.ops[0].lat->sum, fx->a.ops[0].lat->sum);
	assert_int_equal(hist__percentile(b.ops[0].lat, 99.9), hist__percentile(fx->a.ops[0].lat,
										 99.9));
	assert_int_equal(b.pids[0].res.runq.count, 4321);
	assert_int_equal(b.pids[0].res.now.fd_limit, UINT64_MAX);
	assert_int_equal(b.ops[1].info->bytes_src, OT_BYTES_RET);
	assert_int_equal(b.ops[1].info->insn_class, 1);
	assert_null(b.ops[2].series);
	assert_int_equal(b.meta.ncounters, 2);
	assert_string_equal(b.meta.counter_names[1], "cycles");
	assert_int_equal(b.ops[0].ctr[1].calls, 990);
	assert_int_equal(b.ops[0].ctr[1].h->sum, fx->a.ops[0].ctr[1].h->sum);
	assert_int_equal(b.ops[1].ctr[0].calls, 0);
	assert_int_equal(b.loss.ctr_unseen, 6);
	assert_string_equal(b.sys.now.fs[1].dir, "/data dir");
	report__free(&b);
}

/* gzip-compresses len bytes of data into path. */
static void write_gz(const char *path, const void *data, size_t len)
{
	gzFile gz = gzopen(path, "wb");

	assert_non_null(gz);
	if (len)
		assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
}

static void write_plain(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

enum bad_kind { BAD_FLIP, BAD_HALF, BAD_TEXT, BAD_JSON, BAD_GZ_RANDOM, BAD_EMPTY, BAD_NEWER,
		BAD_MISSING, BAD_DIR, BAD_GZ_EMPTY_JSON, BAD_TRUNC_JSON };

static const struct {
	const char *name;
	enum bad_kind kind;
	int ret;
	const char *msg;
} bad_files[] = {
	{ "byte flipped in the middle", BAD_FLIP, -EINVAL, "corrupt or truncated record" },
	{ "cut in half", BAD_HALF, -EINVAL, "corrupt or truncated record" },
	{ "plain text", BAD_TEXT, -EINVAL, "not an optrace record" },
	{ "JSON without format", BAD_JSON, -EINVAL, "not an optrace record" },
	{ "gzip of random bytes", BAD_GZ_RANDOM, -EINVAL, "not an optrace record" },
	{ "empty", BAD_EMPTY, -EINVAL, "empty file" },
	{ "newer schema", BAD_NEWER, -EPROTO,
	  "record schema version 2 is newer than this optrace supports (1); upgrade optrace" },
	{ "missing", BAD_MISSING, -ENOENT, "No such file or directory" },
	{ "a directory", BAD_DIR, -EISDIR, "is a directory, not a record" },
	{ "gzip of an empty document", BAD_GZ_EMPTY_JSON, -EINVAL, "empty file" },
	{ "plain JSON cut short", BAD_TRUNC_JSON, -EINVAL, "corrupt or truncated record" },
};

static void make_bad(struct fixture *fx, enum bad_kind kind, const char *path)
{
	static const char newer[] = "{\"format\": \"optrace.record\", \"schema_version\": 2, "
				    "\"report\": {\"future\": true}}";
	unsigned char rnd[4096];
	uint64_t seed = 42;
	size_t len;
	char *buf;

	switch (kind) {
	case BAD_FLIP:
	case BAD_HALF:
		assert_int_equal(record__write(path, &fx->a, NULL, 0), 0);
		buf = slurp(path, &len);
		assert_true(len > 1000);
		if (kind == BAD_FLIP)
			buf[len / 2] ^= 0x55;
		write_plain(path, buf, kind == BAD_FLIP ? len : len / 2);
		free(buf);
		break;
	case BAD_TEXT:
		write_plain(path, "hello, world\nnot a record\n", 26);
		break;
	case BAD_JSON:
		write_gz(path, "{\"schema\": \"optrace.report\", \"ops\": []}", 39);
		break;
	case BAD_GZ_RANDOM:
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)next_rand(&seed);
		rnd[0] = 'x'; /* not '{' */
		write_gz(path, rnd, sizeof(rnd));
		break;
	case BAD_EMPTY:
		write_plain(path, "", 0);
		break;
	case BAD_NEWER:
		write_gz(path, newer, sizeof(newer) - 1);
		break;
	case BAD_MISSING:
		break;
	case BAD_DIR:
		assert_int_equal(mkdir(path, 0755), 0);
		break;
	case BAD_GZ_EMPTY_JSON:
		write_gz(path, "", 0);
		break;
	case BAD_TRUNC_JSON:
		write_plain(path, "{\"format\": \"optrace.record\", \"schema_version\": 1, \"rep",
			    53);
		break;
	}
}

static void test_record_bad_files(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		char path[192], err[256] = "";
		struct report b;

		snprintf(path, sizeof(path), "%s/bad%zu.optrace", fx->dir, i);
		make_bad(fx, bad_files[i].kind, path);
		memset(&b, 0x5a, sizeof(b));
		if (record__read(path, &b, err, sizeof(err)) != bad_files[i].ret ||
		    strcmp(err, bad_files[i].msg))
			fail_msg("%s: got '%s', expected %d '%s'", bad_files[i].name, err,
				 bad_files[i].ret, bad_files[i].msg);
		assert_int_equal(b.nops, 0); /* zeroed: report__free is safe */
		report__free(&b);
	}
}

/* Mutations of a valid record's tree, each refused with its field's path. */
static const struct {
	const char *ptr; /* "report.ops.0.calls": object keys and array indexes */
	const char *value; /* JSON, or NULL to delete the key */
	const char *msg;
} bad_fields[] = {
	{ "report.ops.0.calls", "\"many\"", "report.ops[0].calls: expected an unsigned integer" },
	{ "report.ops.0.calls", "-1", "report.ops[0].calls: expected an unsigned integer" },
	{ "report.meta", NULL, "report.meta: missing" },
	{ "report.meta.kind", "3", "report.meta.kind: expected a string or null" },
	{ "report.pids.0.pid", "4294967296", "report.pids[0].pid: 4294967296 is out of range (max 4294967295)" },
	{ "report.pids.0.raw.res.runq.count", "4322",
	  "report.pids[0].raw.res.runq: buckets hold 4321 values, count is 4322" },
	{ "report.ops.0.latency_hist.min", "1",
	  "report.ops[0].latency_hist: min and max do not match the buckets" },
	{ "report.ops.0.latency_hist.buckets.1", "[0, 1]",
	  "report.ops[0].latency_hist.buckets[1]: expected [bucket index, count > 0] in "
	  "increasing order" },
	{ "report.ops.0.latency_hist.buckets.0", "[100000, 1]",
	  "report.ops[0].latency_hist.buckets[0]: expected [bucket index, count > 0] in "
	  "increasing order" },
	{ "report.ops.0.error_mode", "\"sometimes\"",
	  "report.ops[0].error_mode: expected a known name" },
	{ "report.ops.0.errors_by_code",
	  "[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]",
	  "report.ops[0].errors_by_code: more than 17 entries" },
	{ "report.findings.0.evidence.0.unit", "\"megaparsecs\"",
	  "report.findings[0].evidence[0].unit: longer than 7 bytes" },
	{ "report.findings.1.severity", "\"apocalyptic\"",
	  "report.findings[1].severity: expected a known name" },
	{ "report.alerts.0.unix_ns", "1.5", "report.alerts[0].unix_ns: expected an integer" },
	{ "report.system_raw.now.fs.1.dir", "null",
	  "report.system_raw.now.fs[1].dir: expected a string" },
	{ "report.ops.1.series", "{}", "report.ops[1].series: expected an array" },
	{ "report.spans.1.op_id", "true", "report.spans[1].op_id: expected an unsigned integer" },
	{ "report.ops.0.trends.p99.dir", "\"sideways\"",
	  "report.ops[0].trends.p99.dir: expected a known name" },
	{ "report.pids.0.raw.threads.1.acct", "[]",
	  "report.pids[0].raw.threads[1].acct: expected an object" },
	{ "report.version", "2", "report.version: 2 is out of range (max 1)" },
};

/* Sets (or deletes) the member at a dotted path of keys and array indexes. */
static void mutate(json_t *root, const char *ptr, const char *value)
{
	char buf[128], *save = NULL, *tok, *next;
	json_t *cur = root;

	snprintf(buf, sizeof(buf), "%s", ptr);
	tok = strtok_r(buf, ".", &save);
	while ((next = strtok_r(NULL, ".", &save))) {
		cur = json_is_array(cur) ? json_array_get(cur, atoi(tok)) :
					   json_object_get(cur, tok);
		assert_non_null(cur);
		tok = next;
	}
	if (!value) {
		assert_int_equal(json_object_del(cur, tok), 0);
		return;
	}
	if (json_is_array(cur))
		assert_int_equal(json_array_set_new(cur, atoi(tok),
						    json_loads(value, JSON_DECODE_ANY, NULL)), 0);
	else
		assert_int_equal(json_object_set_new(cur, tok,
						     json_loads(value, JSON_DECODE_ANY, NULL)), 0);
}

static void test_record_bad_fields(void **state)
{
	struct fixture *fx = *state;
	char path[192];

	snprintf(path, sizeof(path), "%s/field.optrace", fx->dir);
	for (size_t i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]); i++) {
		json_t *root = json_pack("{s:s,s:i,s:o}", "format", "optrace.record",
					 "schema_version", 1, "report",
					 report__to_json(&fx->a, true));
		char err[256] = "", expect[300], *text;
		struct report b;

		assert_non_null(root);
		mutate(root, bad_fields[i].ptr, bad_fields[i].value);
		text = json_dumps(root, JSON_COMPACT);
		assert_non_null(text);
		write_gz(path, text, strlen(text));
		snprintf(expect, sizeof(expect), "bad record: %s", bad_fields[i].msg);
		if (record__read(path, &b, err, sizeof(err)) != -EINVAL || strcmp(err, expect))
			fail_msg("%s: got '%s', expected '%s'", bad_fields[i].ptr, err, expect);
		assert_int_equal(b.nops, 0);
		free(text);
		json_decref(root);
	}
}

/* Plain (uncompressed) JSON records are read too: zcat run.optrace > run.json. */
static void test_record_plain_json_accepted(void **state)
{
	struct fixture *fx = *state;
	json_t *root = json_pack("{s:s,s:i,s:o}", "format", "optrace.record", "schema_version", 1,
				 "report", report__to_json(&fx->a, true));
	char path[192], err[256] = "", *text = json_dumps(root, JSON_INDENT(2)), *x, *y;
	struct report b;

	assert_non_null(text);
	snprintf(path, sizeof(path), "%s/plain.json", fx->dir);
	write_plain(path, text, strlen(text));
	if (record__read(path, &b, err, sizeof(err)))
		fail_msg("read back: %s", err);
	x = render(&fx->a, FMT_TEXT);
	y = render(&b, FMT_TEXT);
	assert_string_equal(x, y);
	free(x);
	free(y);
	free(text);
	json_decref(root);
	report__free(&b);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_record_write_replaces_atomically(void **state)
{
	struct fixture *fx = *state;
	char err[256] = "";
	struct stat st;
	mode_t old = umask(022);

	write_plain(fx->path, "OLD", 3);
	assert_int_equal(record__write(fx->path, &fx->a, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_true(st.st_size > 100);
	assert_int_equal(count_entries(fx->dir), 1); /* no temporary left */
}

/*
 * A write that fails half way (the file size limit stands in for a full
 * disk) leaves the old file as it was and no temporary file.
 */
static void test_record_write_failure_keeps_existing(void **state)
{
	struct fixture *fx = *state;
	size_t len;
	char *old;
	int status;
	pid_t pid;

	write_plain(fx->path, "OLD CONTENT", 11);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 64, 64 };
		char err[256] = "";
		int ret;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		ret = record__write(fx->path, &fx->a, err, sizeof(err));
		_exit(ret == -EFBIG && !strcmp(err, "write: File too large") ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	old = slurp(fx->path, &len);
	assert_string_equal(old, "OLD CONTENT");
	free(old);
	assert_int_equal(count_entries(fx->dir), 1);
}

static void test_record_write_errors(void **state)
{
	struct fixture *fx = *state;
	char path[192], err[256] = "";

	snprintf(path, sizeof(path), "%s/no/such/dir/run.optrace", fx->dir);
	assert_int_equal(record__write(path, &fx->a, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "create a temporary file next to it: No such file or directory");
	snprintf(path, sizeof(path), "%s/", fx->dir);
	assert_int_equal(record__write(path, &fx->a, err, sizeof(err)), -EISDIR);
	/* The final name is a directory: the rename fails, the temporary goes. */
	snprintf(path, sizeof(path), "%s/adir", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(record__write(path, &fx->a, err, sizeof(err)), -EISDIR);
	assert_int_equal(count_entries(fx->dir), 1);
}

/* A record of an empty report (nothing traced) round-trips too. */
static void test_record_ratios(void **state)
{
	struct fixture *fx = *state;
	char err[256] = "", *text, *json;
	struct report b;

	assert_true(report__ratio_value(30, 10) == 0.75);
	assert_true(report__ratio_value(0, 5) == 0.0);
	assert_true(report__ratio_value(5, 0) == 1.0);
	assert_true(report__ratio_value(0, 0) < 0);
	assert_true(report__ratio_op_matches("hit", "hit"));
	assert_true(report__ratio_op_matches("hit", "hit:cache_hit_fast"));
	assert_false(report__ratio_op_matches("hit", "hits"));
	assert_false(report__ratio_op_matches("hit", "miss"));
	assert_false(report__ratio_op_matches("hit", NULL));

	assert_int_equal(record__write(fx->path, &fx->a, err, sizeof(err)), 0);
	if (record__read(fx->path, &b, err, sizeof(err)))
		fail_msg("read back: %s", err);
	assert_int_equal(b.nratios, 2);
	assert_string_equal(b.ratios[0].label_a, "hit");
	assert_string_equal(b.ratios[0].label_b, "miss");
	assert_int_equal(b.ratios[0].pid, fx->a.ops[0].pid);
	assert_int_equal(b.ratios[0].count_a, 30);
	assert_int_equal(b.ratios[0].count_b, 10);
	assert_true(b.ratios[0].ratio == 0.75);
	assert_true(b.ratios[1].ratio < 0);
	text = render(&b, FMT_TEXT);
	json = render(&b, FMT_JSON);
	assert_non_null(strstr(text, "  hit rate 75.0%: hit 30, miss 10\n"));
	assert_non_null(strstr(text, "  ok rate n/a: ok 0, fail 0\n"));
	assert_non_null(strstr(json, "\"ratio\": null"));
	assert_non_null(strstr(json, "\"ratio\": 0.75"));
	free(text);
	free(json);
	report__free(&b);
}

static void test_record_empty_report(void **state)
{
	struct fixture *fx = *state;
	struct report e = { .meta = { .kind = "final", .bias_emulated_ns = -1,
				      .bias_stepped_ns = -1 } }, b;
	char err[256] = "", *x, *y;

	assert_int_equal(record__write(fx->path, &e, err, sizeof(err)), 0);
	assert_int_equal(record__read(fx->path, &b, err, sizeof(err)), 0);
	x = render(&e, FMT_TEXT);
	y = render(&b, FMT_TEXT);
	assert_string_equal(x, y);
	assert_non_null(strstr(y, "no operations traced"));
	free(x);
	free(y);
	report__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_roundtrip_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_bad_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_plain_json_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_write_replaces_atomically, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_write_failure_keeps_existing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_empty_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_ratios, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
