// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_render.c - render_text.c and render_json.c over one hand-built
 * report: two pids, an op with errors, an op with no calls, a nested op and
 * an op with bytes, with real histograms filled through hist__add.  Text
 * is captured with open_memstream; JSON is parsed back with jansson.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "hist.h"
#include "report.h"
#include "units.h"

enum { OP_COMPACT, OP_DISK_READ, OP_KV_GET, OP_KV_PUT, NR_OPS };

static const struct op_info infos[NR_OPS] = {
	[OP_COMPACT] = { "compact", "", "compact", "/usr/bin/kvserver", PROBE_ERR_NONE, 0 },
	[OP_DISK_READ] = { "disk_read", "io", "disk_read", "/usr/bin/kvserver", PROBE_ERR_NONE,
			   0, true },
	[OP_KV_GET] = { "get", "kv", "kv_get", "/usr/bin/kvserver", PROBE_ERR_RET_LT0, 0, true },
	[OP_KV_PUT] = { "kv_put", "kv", "kv_put", "/usr/lib/libkv.so.1", PROBE_ERR_RET_NE0,
			OT_BYTES_RET, false, true },
};

struct fixture {
	struct hist h[NR_OPS];
	struct report_op ops[NR_OPS];
	struct report_pid pids[2];
	struct report r;
	char *buf;
	size_t len;
};

/* Deterministic pseudo-random values (xorshift64). */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* n values in [lo, lo + spread). */
static void fill(struct hist *h, uint64_t *seed, size_t n, uint64_t lo, uint64_t spread)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hist__add(h, lo + next_rand(seed) % spread), 0);
}

/* What report__build would derive from a histogram, over a 10 s window. */
static void op_init(struct report_op *op, uint32_t pid, const char *comm, int id,
		    const struct hist *h)
{
	op->pid = pid;
	op->comm = comm;
	op->info = &infos[id];
	op->lat = h;
	op->calls = h->count;
	op->rate = (double)h->count / 10.0;
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
	op->self_mean = op->mean;
}

static void add_err(struct report_op *op, int64_t code, const char *name, uint64_t count)
{
	struct report_err *e = &op->errs[op->nerrs++];

	e->code = code;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->count = count;
	op->errors += count;
	op->err_rate = (double)op->errors / (double)op->calls;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	assert_non_null(fx);
	for (int i = 0; i < NR_OPS; i++)
		hist__init(&fx->h[i]);
	/* get: mostly cache hits around 2 us, some 20 us, a tail in ms */
	fill(&fx->h[OP_KV_GET], &seed, 900, 1800, 900);
	fill(&fx->h[OP_KV_GET], &seed, 90, 15000, 10000);
	fill(&fx->h[OP_KV_GET], &seed, 10, 1000000, 4000000);
	/* disk_read: nested in the slow gets */
	fill(&fx->h[OP_DISK_READ], &seed, 10, 900000, 3900000);
	/* kv_put in the other process */
	fill(&fx->h[OP_KV_PUT], &seed, 250, 40000, 30000);

	fx->pids[0] = (struct report_pid){ 4242, "kvserver", false, 0, 1010 };
	fx->pids[1] = (struct report_pid){ 4243, "kvworker", true, 0, 250 };
	/* sorted by pid, then op name */
	op_init(&fx->ops[0], 4242, "kvserver", OP_COMPACT, &fx->h[OP_COMPACT]);
	op_init(&fx->ops[1], 4242, "kvserver", OP_DISK_READ, &fx->h[OP_DISK_READ]);
	op_init(&fx->ops[2], 4242, "kvserver", OP_KV_GET, &fx->h[OP_KV_GET]);
	op_init(&fx->ops[3], 4243, "kvworker", OP_KV_PUT, &fx->h[OP_KV_PUT]);
	add_err(&fx->ops[2], ENOENT, "ENOENT", 12);
	add_err(&fx->ops[2], EAGAIN, "EAGAIN", 3);
	fx->ops[2].self_mean = fx->ops[2].mean - hist__mean(&fx->h[OP_DISK_READ]) / 100.0;
	add_err(&fx->ops[3], ENOSPC, "", 2); /* no name: the renderer names it */
	fx->ops[3].bytes = 250 * 4096;
	fx->ops[3].bytes_rate = 25 * 4096;

	fx->r.meta = (struct report_meta){
		.kind = "final",
		.window_s = 10.0,
		.elapsed_s = 10.0,
		.start_unix_ns = 1700000000000000000LL,
		.end_unix_ns = 1700000010000000000LL,
		.attach_mode = "uprobe_multi",
		.nr_probes = 4,
		.bias_emulated_ns = 212,
		.bias_stepped_ns = 10300,
	};
	fx->r.ops = fx->ops;
	fx->r.nops = NR_OPS;
	fx->r.pids = fx->pids;
	fx->r.npids = 2;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	json_set_alloc_funcs(malloc, free); /* in case a test failed mid-way */
	for (int i = 0; i < NR_OPS; i++)
		hist__free(&fx->h[i]);
	free(fx->buf);
	free(fx);
	return 0;
}

typedef int (*render_fn)(FILE *, const struct report *, const struct render_opts *);

/* Renders into fx->buf (NUL-terminated); returns the renderer's result. */
static int render(struct fixture *fx, render_fn fn, const struct render_opts *o)
{
	FILE *f;
	int err;

	free(fx->buf);
	fx->buf = NULL;
	f = open_memstream(&fx->buf, &fx->len);
	assert_non_null(f);
	err = fn(f, &fx->r, o);
	assert_int_equal(fclose(f), 0);
	return err;
}

/* The line of text that contains needle, copied into line; false if none. */
static bool find_line(const char *text, const char *needle, char *line, size_t len)
{
	const char *p = strstr(text, needle), *b, *e;

	if (!p)
		return false;
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchrnul(p, '\n');
	snprintf(line, len, "%.*s", (int)(e - b), b);
	return true;
}

static void test_render_text_header_and_loss(void **state)
{
	struct fixture *fx = *state;
	char line[512];

	assert_int_equal(render(fx, render__text, NULL), 0);
	assert_non_null(strstr(fx->buf, "optrace final report: window 10.0 s, elapsed 10.0 s, "
					"4 probes (uprobe_multi)\n"));
	assert_non_null(strstr(fx->buf, "latency bias: 212 ns per call where the probed instruction "
					"is emulated, 10.3 us where single-stepped (calibrated); "
					"not subtracted; use --compensate\n"));
	assert_non_null(strstr(fx->buf, "\nlost: 0 spans (ring buffer full)\n"));

	fx->r.meta.compensated = true;
	fx->r.meta.command = "./kvserver --port 7000";
	fx->r.meta.cmd_exited = true;
	fx->r.meta.cmd_status = W_EXITCODE(3, 0);
	fx->r.loss.spans_produced = 2000;
	fx->r.loss.spans_lost = 5;
	fx->r.loss.stack_overflow = 7;
	fx->r.loss.bad_records = 1;
	assert_int_equal(render(fx, render__text, NULL), 0);
	assert_non_null(strstr(fx->buf, "where single-stepped (calibrated); subtracted\n"));
	assert_non_null(strstr(fx->buf, "command: ./kvserver --port 7000 (exited 3)\n"));
	assert_true(find_line(fx->buf, "lost: ", line, sizeof(line)));
	assert_non_null(strstr(line, "lost: 5 spans (ring buffer full), 0.25% of 2000 produced"));
	assert_non_null(strstr(line, "7 calls not timed"));
	assert_non_null(strstr(line, "1 bad records"));
	assert_null(strstr(line, "tgids"));

	fx->r.meta.bias_emulated_ns = -1;
	fx->r.meta.bias_stepped_ns = -1;
	assert_int_equal(render(fx, render__text, NULL), 0);
	assert_non_null(strstr(fx->buf, "latency bias: not calibrated"));
}

static void test_render_text_ops(void **state)
{
	struct fixture *fx = *state;
	const struct report_op *get = &fx->ops[2];
	char line[512], want[128], a[32], b[32], c[32];
	const char *p;

	assert_int_equal(render(fx, render__text, NULL), 0);
	assert_non_null(strstr(fx->buf, "\npid 4242 (kvserver): 1010 calls\n"));
	assert_non_null(strstr(fx->buf, "\npid 4243 (kvworker): 250 calls, exited 0\n"));
	assert_non_null(strstr(fx->buf, "\n  compact  no calls\n"));
	assert_non_null(strstr(fx->buf, "\n  get [kv] (kv_get)  1000 calls, 100/s\n"));
	assert_non_null(strstr(fx->buf, "\n    errors   15 (1.50%): ENOENT 12, EAGAIN 3\n"));
	assert_non_null(strstr(fx->buf, "\n    errors   2 (0.80%): ENOSPC 2\n"));
	assert_non_null(strstr(fx->buf, "\n    bytes    1000 KiB, 100 KiB/s\n"));
	assert_null(strstr(fx->buf, "no operations traced"));
	/* pid 4242's ops come before pid 4243's, compact before get */
	assert_true(strstr(fx->buf, "compact") < strstr(fx->buf, "  get [kv]"));
	assert_true(strstr(fx->buf, "  get [kv]") < strstr(fx->buf, "pid 4243"));

	/* percentiles: the values line under get's latency header */
	p = strstr(strstr(fx->buf, "  get [kv]"), "    latency      min     mean      p50");
	assert_non_null(p);
	p = strchr(p, '\n') + 1;
	snprintf(line, sizeof(line), "%.*s", (int)(strchrnul(p, '\n') - p), p);
	snprintf(want, sizeof(want), " %8s %8s %8s", units__fmt_ns(get->min, a, 32),
		 units__fmt_ns((uint64_t)(get->mean + 0.5), b, 32),
		 units__fmt_ns(get->p50, c, 32));
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, units__fmt_ns(get->p999, a, 32)));
	assert_non_null(strstr(line, units__fmt_ns(get->max, a, 32)));
	assert_non_null(strstr(line, " ms")); /* the tail */
	assert_non_null(strstr(line, " us"));

	/* self time: once, for get (the op with nested time), not for the others */
	p = strstr(fx->buf, "    self     mean ");
	assert_non_null(p);
	assert_true(p > strstr(fx->buf, "  get [kv]") && p < strstr(fx->buf, "pid 4243"));
	assert_true(find_line(p, "of wall", line, sizeof(line)));
	assert_null(strstr(p + 1, "    self "));
}

/* Sums the histogram rows after `from`; checks the bars. */
static uint64_t sum_rows(const char *from, int width, size_t *nrows)
{
	const char *p = strstr(from, "    histogram\n");
	uint64_t sum = 0, peak_bars = 0;

	assert_non_null(p);
	p += strlen("    histogram\n");
	*nrows = 0;
	while (!strncmp(p, "      [", 7)) {
		const char *close = strpbrk(p + 7, ")]"), *bar, *end;
		char *num_end;
		uint64_t n = strtoull(close + 1, &num_end, 10);

		assert_true(num_end > close + 1);
		bar = strchr(num_end, '|');
		end = strchr(bar + 1, '|');
		assert_non_null(end);
		assert_int_equal(end - bar - 1, width);
		if ((uint64_t)strspn(bar + 1, "@") > peak_bars)
			peak_bars = strspn(bar + 1, "@");
		if (n)
			assert_true(bar[1] == '@'); /* every non-empty row shows */
		sum += n;
		(*nrows)++;
		p = strchr(p, '\n') + 1;
	}
	assert_int_equal(peak_bars, width);
	return sum;
}

static void test_render_text_histogram_rows_sum_to_calls(void **state)
{
	struct fixture *fx = *state;
	struct render_opts o = { .histogram = true, .width = 20 };
	size_t nrows;

	assert_int_equal(render(fx, render__text, &o), 0);
	assert_int_equal(sum_rows(strstr(fx->buf, "  get [kv]"), 20, &nrows), 1000);
	assert_true(nrows > 10); /* 2 us .. 5 ms is 11 octaves at 2 rows each */
	assert_int_equal(sum_rows(strstr(fx->buf, "  kv_put"), 20, &nrows), 250);
	assert_true(nrows >= 4); /* a narrow range gets finer rows */
	assert_int_equal(sum_rows(strstr(fx->buf, "  disk_read"), 20, &nrows), 10);
	/* no histogram for the op with no calls, none without the option */
	assert_null(strstr(strstr(fx->buf, "  compact"), "  compact  no calls\n    histogram"));
	o.histogram = false;
	assert_int_equal(render(fx, render__text, &o), 0);
	assert_null(strstr(fx->buf, "histogram"));
	/* default width is 40 */
	o = (struct render_opts){ .histogram = true, .width = 0 };
	assert_int_equal(render(fx, render__text, &o), 0);
	assert_int_equal(sum_rows(strstr(fx->buf, "  get [kv]"), 40, &nrows), 1000);
}

static void test_render_text_no_ops(void **state)
{
	struct fixture *fx = *state;

	fx->r.nops = 0;
	assert_int_equal(render(fx, render__text, NULL), 0);
	assert_non_null(strstr(fx->buf, "\nno operations traced\n"));
	assert_non_null(strstr(fx->buf, "pid 4242 (kvserver)"));
	assert_non_null(strstr(fx->buf, "lost: 0 spans (ring buffer full)"));
	fx->r.npids = 0;
	assert_int_equal(render(fx, render__text, NULL), 0);
	assert_non_null(strstr(fx->buf, "\nno operations traced\n"));
}

static json_t *must_get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		print_error("missing key '%s'\n", key);
	assert_non_null(v);
	return v;
}

static void check_op_types(json_t *op)
{
	static const char *const ints[] = { "pid", "calls", "errors", "bytes" };
	static const char *const reals[] = { "rate", "error_rate", "bytes_rate" };
	static const char *const strs[] = { "comm", "name", "category", "func", "path",
					    "error_mode" };

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		assert_true(json_is_integer(must_get(op, ints[i])));
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		assert_true(json_is_real(must_get(op, reals[i])));
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		assert_true(json_is_string(must_get(op, strs[i])));
	assert_true(json_is_boolean(must_get(op, "endbr_skipped")));
	assert_true(json_is_boolean(must_get(op, "ifunc")));
	assert_true(json_is_array(must_get(op, "errors_by_code")));
	assert_true(json_is_object(must_get(op, "latency_ns")));
	assert_true(json_is_array(must_get(must_get(op, "histogram"), "buckets")));
}

static uint64_t bucket_sum(json_t *op)
{
	json_t *buckets = must_get(must_get(op, "histogram"), "buckets"), *b;
	json_int_t prev_high = -1;
	uint64_t sum = 0;
	size_t i;

	json_array_foreach(buckets, i, b) {
		json_int_t low = json_integer_value(json_array_get(b, 0));
		json_int_t high = json_integer_value(json_array_get(b, 1));
		json_int_t n = json_integer_value(json_array_get(b, 2));

		assert_int_equal(json_array_size(b), 3);
		assert_true(json_is_integer(json_array_get(b, 2)));
		assert_true(low > prev_high && high >= low && n > 0);
		prev_high = high;
		sum += n;
	}
	return sum;
}

static void test_render_json_roundtrip(void **state)
{
	struct fixture *fx = *state;
	json_error_t jerr;
	json_t *root, *meta, *loss, *ops, *op, *lat, *errs;
	size_t i;

	assert_int_equal(render(fx, render__json, NULL), 0);
	assert_true(fx->len > 0 && fx->buf[fx->len - 1] == '\n');
	root = json_loads(fx->buf, 0, &jerr);
	if (!root)
		print_error("json: %s at line %d\n", jerr.text, jerr.line);
	assert_non_null(root);
	assert_string_equal(json_string_value(must_get(root, "schema")), "optrace.report");
	assert_int_equal(json_integer_value(must_get(root, "version")), REPORT_SCHEMA_VERSION);

	meta = must_get(root, "meta");
	assert_string_equal(json_string_value(must_get(meta, "kind")), "final");
	assert_true(json_is_real(must_get(meta, "window_s")));
	assert_int_equal(json_integer_value(must_get(meta, "bias_emulated_ns")), 212);
	assert_int_equal(json_integer_value(must_get(meta, "bias_stepped_ns")), 10300);
	assert_true(json_is_null(must_get(meta, "command")));
	assert_true(json_is_false(must_get(meta, "compensated")));
	assert_int_equal(json_integer_value(must_get(meta, "start_unix_ns")),
			 1700000000000000000LL);
	assert_int_equal(json_integer_value(must_get(meta, "nr_probes")), 4);
	assert_true(json_is_integer(must_get(meta, "cmd_status")));

	loss = must_get(root, "loss");
	assert_int_equal(json_object_size(loss), 14); /* every report_loss field */
	assert_true(json_is_integer(must_get(loss, "spans_lost")));
	assert_int_equal(json_integer_value(must_get(loss, "spans_lost")), 0);

	assert_int_equal(json_array_size(must_get(root, "pids")), 2);
	assert_true(json_is_true(must_get(json_array_get(must_get(root, "pids"), 1), "exited")));

	ops = must_get(root, "ops");
	assert_int_equal(json_array_size(ops), NR_OPS);
	json_array_foreach(ops, i, op) {
		check_op_types(op);
		assert_int_equal(bucket_sum(op), json_integer_value(must_get(op, "calls")));
	}

	op = json_array_get(ops, 0); /* compact: no calls */
	lat = must_get(op, "latency_ns");
	assert_true(json_is_null(must_get(lat, "p50")));
	assert_true(json_is_null(must_get(lat, "mean")));
	assert_string_equal(json_string_value(must_get(op, "error_mode")), "none");

	op = json_array_get(ops, 2); /* get */
	assert_string_equal(json_string_value(must_get(op, "name")), "get");
	assert_string_equal(json_string_value(must_get(op, "func")), "kv_get");
	assert_string_equal(json_string_value(must_get(op, "error_mode")), "ret<0");
	assert_int_equal(json_integer_value(must_get(op, "calls")), 1000);
	assert_int_equal(json_integer_value(must_get(op, "errors")), 15);
	assert_true(json_is_true(must_get(op, "endbr_skipped")));
	errs = must_get(op, "errors_by_code");
	assert_int_equal(json_array_size(errs), 2);
	assert_int_equal(json_integer_value(must_get(json_array_get(errs, 0), "code")), ENOENT);
	assert_string_equal(json_string_value(must_get(json_array_get(errs, 0), "name")), "ENOENT");
	assert_int_equal(json_integer_value(must_get(json_array_get(errs, 1), "count")), 3);
	lat = must_get(op, "latency_ns");
	assert_int_equal(json_integer_value(must_get(lat, "p99")), fx->ops[2].p99);
	assert_int_equal(json_integer_value(must_get(lat, "p99_9")), fx->ops[2].p999);
	assert_int_equal(json_integer_value(must_get(lat, "max")), fx->ops[2].max);
	assert_true(json_is_real(must_get(lat, "mean")));
	assert_true(json_real_value(must_get(lat, "self_mean")) <
		    json_real_value(must_get(lat, "mean")));

	op = json_array_get(ops, 3); /* kv_put */
	assert_string_equal(json_string_value(must_get(op, "error_mode")), "ret!=0");
	assert_true(json_is_true(must_get(op, "ifunc")));
	assert_int_equal(json_integer_value(must_get(op, "bytes")), 250 * 4096);
	assert_string_equal(json_string_value(must_get(json_array_get(
				    must_get(op, "errors_by_code"), 0), "name")), "ENOSPC");
	json_decref(root);
}

static void test_render_json_nulls_and_clamps(void **state)
{
	struct fixture *fx = *state;
	json_t *root, *meta, *op;

	fx->r.meta.bias_emulated_ns = -1;
	fx->r.meta.bias_stepped_ns = -1;
	fx->r.meta.command = "./kvserver";
	fx->r.meta.window_s = 0.0;
	fx->ops[2].rate = 1.0 / 0.0; /* non-finite: null, not invalid JSON */
	fx->r.loss.spans_produced = UINT64_MAX;
	assert_int_equal(render(fx, render__json, NULL), 0);
	root = json_loads(fx->buf, 0, NULL);
	assert_non_null(root);
	meta = must_get(root, "meta");
	assert_true(json_is_null(must_get(meta, "bias_emulated_ns")));
	assert_string_equal(json_string_value(must_get(meta, "command")), "./kvserver");
	op = json_array_get(must_get(root, "ops"), 2);
	assert_true(json_is_null(must_get(op, "rate")));
	assert_int_equal(json_integer_value(must_get(must_get(root, "loss"), "spans_produced")),
			 INT64_MAX);
	json_decref(root);
}

/* jansson allocator that fails every allocation after the first alloc_budget. */
static long alloc_budget;

static void *budget_malloc(size_t n)
{
	if (alloc_budget-- <= 0)
		return NULL;
	return malloc(n);
}

static void test_render_json_enomem(void **state)
{
	struct fixture *fx = *state;
	long n, used;
	int err;

	/* How many allocations does a full render take? */
	json_set_alloc_funcs(budget_malloc, free);
	alloc_budget = 1L << 30;
	assert_int_equal(render(fx, render__json, NULL), 0);
	used = (1L << 30) - alloc_budget;
	assert_true(used > 100);
	/* Each shorter budget fails cleanly (valgrind checks nothing leaks). */
	for (n = 0; n < used; n += n < 64 ? 1 : 41) {
		alloc_budget = n;
		err = render(fx, render__json, NULL);
		if (err != -ENOMEM)
			print_error("budget %ld of %ld: %d\n", n, used, err);
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(fx->len, 0); /* nothing written */
	}
	json_set_alloc_funcs(malloc, free);
}

static void test_render_write_error_is_eio(void **state)
{
	struct fixture *fx = *state;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(render__text(f, &fx->r, NULL), -EIO);
	clearerr(f);
	assert_int_equal(render__json(f, &fx->r, NULL), -EIO);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_render_text_header_and_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_text_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_text_histogram_rows_sum_to_calls,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_text_no_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_json_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_json_nulls_and_clamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_json_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_write_error_is_eio, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
