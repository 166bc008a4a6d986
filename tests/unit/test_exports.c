// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_exports.c - the export renderers (render_csv.c, render_prom.c,
 * render_html.c, render_perfetto.c) over one hand-built report with
 * hostile strings: an op name with a comma, quotes and a newline, one
 * with <script>, a category with a backslash and a quote, an op name that
 * is not UTF-8.  Two pids (one with resources, one without), an op with no
 * calls, a compensated op, time splits, a series, block IO, findings,
 * alerts and nested spans on two threads.
 *
 * CSV is parsed back by a strict RFC 4180 reader below; Prometheus text is
 * checked line by line (and by promtool when installed); HTML by string
 * checks; Perfetto JSON is parsed back with jansson.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "hist.h"
#include "render_util.h"
#include "report.h"

#define PID_A 4242
#define PID_B 4243
#define TID_A2 4250

enum { OP_GET, OP_SCRIPT, OP_IDLE, OP_BAD, NR_OPS };

/* Sorted by pid, then name, as report__build sorts them. */
static const struct op_info infos[NR_OPS] = {
	[OP_GET] = { "get,\"fast\"\nv2", "kv", "kv_get", "/usr/bin/kv", PROBE_ERR_NONE, 0 },
	[OP_SCRIPT] = { "<script>alert(1)</script>", "a\\b\"c", "handle", "/usr/bin/kv",
			PROBE_ERR_RET_LT0, OT_BYTES_RET },
	[OP_IDLE] = { "idle", "", "idle", "/usr/bin/kv", PROBE_ERR_NONE, 0 },
	[OP_BAD] = { "bad\xff\xfename", "io", "bad", "/usr/lib/libx.so", PROBE_ERR_NONE, 0 },
};

#define NSERIES 10
#define NSPANS 5

struct fixture {
	struct hist h[NR_OPS];
	struct report_op ops[NR_OPS];
	struct report_pid pids[2];
	struct report_bio bio[1];
	struct series_point series[NSERIES];
	struct report_span spans[NSPANS];
	struct finding findings[2];
	struct alert_event alerts[1];
	struct report r;
	char *buf;
	size_t len;
};

static void op_init(struct report_op *op, uint32_t pid, const char *comm, int id,
		    const struct hist *h)
{
	op->pid = pid;
	op->comm = comm;
	op->info = &infos[id];
	op->lat = h;
	op->calls = h->count;
	op->rate = (double)h->count / 10.0;
	op->bias_ns = -1;
	op->probe_insn = "emulated";
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

static void add_n(struct hist *h, uint64_t v, uint64_t n)
{
	assert_int_equal(hist__add_n(h, v, n), 0);
}

static void set_split(struct report_split *s, uint64_t calls, double on, double q, double io,
		      double off)
{
	double wall = on + q + io + off;

	*s = (struct report_split){ calls, wall, on, q, io, off, on / wall, q / wall, io / wall,
				    off / wall };
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct report_op *get, *scr;
	struct report_pid *pa;

	assert_non_null(fx);
	for (int i = 0; i < NR_OPS; i++)
		hist__init(&fx->h[i]);
	/* get: 100 x 1.5 us, 50 x 30 us, 10 x 2 ms */
	add_n(&fx->h[OP_GET], 1500, 100);
	add_n(&fx->h[OP_GET], 30000, 50);
	add_n(&fx->h[OP_GET], 2000000, 10);
	/* script: raw 2.6 us (2.3 us with the 300 ns bias out), and 40 x 1 ms */
	add_n(&fx->h[OP_SCRIPT], 2600, 60);
	add_n(&fx->h[OP_SCRIPT], 1000000, 40);
	add_n(&fx->h[OP_BAD], 5000, 3);

	get = &fx->ops[0];
	scr = &fx->ops[1];
	op_init(get, PID_A, "kv server", OP_GET, &fx->h[OP_GET]);
	op_init(scr, PID_A, "kv server", OP_SCRIPT, &fx->h[OP_SCRIPT]);
	op_init(&fx->ops[2], PID_A, "kv server", OP_IDLE, &fx->h[OP_IDLE]);
	op_init(&fx->ops[3], PID_B, "worker", OP_BAD, &fx->h[OP_BAD]);

	get->has_split = true;
	set_split(&get->split_all, 160, 60000, 10000, 150000, 5000);
	set_split(&get->split_tail, 2, 100000, 50000, 1800000, 50000);
	get->tail_threshold_ns = get->p99;
	get->has_counts = true;
	get->nvcsw_per_call = 0.5;
	get->nivcsw_per_call = 0.25;
	get->minflt_per_call = 1.5;
	get->majflt_per_call = 0;
	get->series = fx->series;
	get->nseries = NSERIES;
	for (int i = 0; i < NSERIES; i++)
		fx->series[i] = (struct series_point){ i + 1.0, 1.0, i == 4 ? 0 : 16, 0,
						       1500 + 100 * i, 30000 + 1000 * i,
						       2000000 + 50000 * i, 15000 };

	scr->errors = 40;
	scr->err_rate = 0.4;
	scr->errs[0] = (struct report_err){ ENOENT, "ENOENT", 30 };
	scr->errs[1] = (struct report_err){ 9999, "", 10 }; /* named by the renderer */
	scr->nerrs = 2;
	scr->bytes = 123456;
	scr->bytes_rate = 12345.6;
	scr->bias_ns = 300;
	scr->compensated = true;
	scr->min -= 300;
	scr->max -= 300;
	scr->p50 -= 300;
	scr->p99 -= 300;
	scr->mean -= 300;
	scr->self_mean = scr->mean / 2;

	fx->ops[3].bias_ns = 212;

	pa = &fx->pids[0];
	*pa = (struct report_pid){ .pid = PID_A, .comm = "kv server", .calls = 260,
				   .has_res = true, .efficiency = 0.75 };
	pa->res.pid = PID_A;
	pa->res.has_proc = true;
	pa->res.now.task.state = 'S';
	pa->res.now.task.utime_ns = 1500000000;
	pa->res.now.task.stime_ns = 250000000;
	pa->res.now.task.minflt = 1000;
	pa->res.now.task.majflt = 2;
	pa->res.now.task.has_ctxsw = true;
	pa->res.now.task.vol_ctxsw = 300;
	pa->res.now.task.nonvol_ctxsw = 40;
	pa->res.now.num_threads = 2;
	pa->res.now.has_rss = true;
	pa->res.now.rss_bytes = 50 << 20;
	pa->res.rss_peak_bytes = 60 << 20;
	pa->res.now.has_fds = true;
	pa->res.now.nfds = 12;
	pa->res.now.has_fd_limit = true;
	pa->res.now.fd_limit = 1024;
	pa->res.has_acct = true;
	pa->res.acct = (struct ot_acct){ 900000000, 20000000, 30000000, 40000000, 500, 600 };
	pa->res.rates.cpu_pct = 17.5;
	hist__init(&pa->res.runq);
	add_n(&pa->res.runq, 4000, 400);
	add_n(&pa->res.runq, 300000, 100);
	pa->runq_count = 500;
	pa->runq_p50 = hist__percentile(&pa->res.runq, 50);
	pa->runq_p99 = hist__percentile(&pa->res.runq, 99);
	pa->runq_max = pa->res.runq.max;
	fx->bio[0] = (struct report_bio){ .dev = 0x800, .dev_name = "sda", .op = "read",
					  .count = 20, .bytes = 81920, .p50 = 100000, .p90 = 200000,
					  .p99 = 300000, .max = 400000, .svc_p50 = 90000,
					  .svc_p99 = 250000, .queue_mean = 1500 };
	pa->bio = fx->bio;
	pa->nbio = 1;
	/* pid B: no resources sampled (no /proc access, say), exited */
	fx->pids[1] = (struct report_pid){ .pid = PID_B, .comm = "worker", .exited = true,
					   .calls = 3, .efficiency = -1 };

	/* spans: on thread 4242 a get with a script nested in it and a get in that;
	 * an unrelated get later; one on thread 4250 without a split */
	fx->spans[0] = (struct report_span){ PID_A, PID_A, OP_GET, infos[OP_GET].name, 1000000,
					     2000000, 1500000, 0, 0, 0, OT_SPAN_F_SPLIT, 100000,
					     50000, 1800000, 50000, 1, 2, 3, 4, 0 };
	fx->spans[1] = (struct report_span){ PID_A, PID_A, OP_SCRIPT, infos[OP_SCRIPT].name,
					     1200001, 1000003, 30000, -2, 4096, 1,
					     OT_SPAN_F_SPLIT | OT_SPAN_F_BYTES | OT_SPAN_F_FAULTS,
					     500000, 3, 500000, 0, 1, 0, 5, 0, 1 };
	fx->spans[2] = (struct report_span){ PID_A, PID_A, OP_GET, infos[OP_GET].name, 1200001,
					     30000, 0, 0, 0, 2, OT_SPAN_F_SPLIT, 30000, 0, 0, 0 };
	fx->spans[3] = (struct report_span){ PID_A, PID_A, OP_GET, infos[OP_GET].name, 5000000,
					     2000000, 0, 0, 0, 0, OT_SPAN_F_SPLIT, 2000000, 0, 0, 0 };
	fx->spans[4] = (struct report_span){ PID_A, TID_A2, OP_GET, infos[OP_GET].name, 1500000,
					     2000000, 0, 0, 0, 0, 0 };

	fx->findings[0] = (struct finding){ .rule = "io_bound_op", .severity = SEV_CRITICAL,
					    .subject_kind = SUBJ_OP, .pid = PID_A, .op = "get",
					    .subject = "op get of pid 4242 <kv>",
					    .summary = "IO wait is 67% of the time & more",
					    .recommendation = "batch the reads",
					    .ev = { { "iowait_share", 0.67, "ratio" },
						    { "p99", 2000000, "ns" } },
					    .nev = 2, .impact = 1 };
	fx->findings[1] = (struct finding){ .rule = "runq", .severity = SEV_WARNING,
					    .subject_kind = SUBJ_PID, .pid = PID_A,
					    .subject = "pid 4242", .summary = "waits for CPUs" };
	fx->alerts[0] = (struct alert_event){ .name = "slow\"get", .severity = SEV_CRITICAL,
					      .subject_kind = SUBJ_OP, .pid = PID_A, .op = "get",
					      .subject = "op get", .metric = "p99", .cmp = ">",
					      .value = 2000000, .threshold = 1000000, .for_s = 3,
					      .t_s = 4.5, .unix_ns = 1700000004500000000LL };

	fx->r.meta = (struct report_meta){
		.kind = "final",
		.window_s = 10.0,
		.elapsed_s = 10.0,
		.start_unix_ns = 1700000000000000000LL,
		.end_unix_ns = 1700000010000000000LL,
		.attach_mode = "uprobe_multi",
		.nr_probes = 4,
		.bias_emulated_ns = 212,
		.bias_stepped_ns = -1,
		.command = "./kv --name '<b>&amp;'",
		.host = "box",
		.kernel = "6.1.0",
		.clock = "CLOCK_MONOTONIC",
		.tick_s = 1,
		.spans_cap = 1000,
	};
	fx->r.loss.spans_produced = 1000;
	fx->r.loss.spans_lost = 7;
	fx->r.loss.bio_stale = 2;
	fx->r.ops = fx->ops;
	fx->r.nops = NR_OPS;
	fx->r.pids = fx->pids;
	fx->r.npids = 2;
	fx->r.spans = fx->spans;
	fx->r.nspans = NSPANS;
	fx->r.findings = fx->findings;
	fx->r.nfindings = 2;
	fx->r.alerts = fx->alerts;
	fx->r.nalerts = 1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	json_set_alloc_funcs(malloc, free); /* in case a test failed mid-way */
	for (int i = 0; i < NR_OPS; i++)
		hist__free(&fx->h[i]);
	hist__free(&fx->pids[0].res.runq);
	free(fx->buf);
	free(fx);
	return 0;
}

typedef int (*render_fn)(FILE *, const struct report *, const struct render_opts *);

/* With EXPORTS_DUMP_DIR set, each rendering is also written there (numbered) to look at. */
static void dump(const struct fixture *fx, render_fn fn)
{
	const char *dir = getenv("EXPORTS_DUMP_DIR"), *ext;
	static int n;
	char path[512];
	FILE *f;

	if (!dir)
		return;
	ext = fn == render__csv ? "csv" : fn == render__prom ? "prom" :
	      fn == render__html ? "html" : "json";
	snprintf(path, sizeof(path), "%s/exports%d.%s", dir, ++n, ext);
	f = fopen(path, "w");
	if (f) {
		fwrite(fx->buf, 1, fx->len, f);
		fclose(f);
	}
}

/* Renders into fx->buf (NUL-terminated) with options o (may be NULL); the renderer's result. */
static int render_opts(struct fixture *fx, render_fn fn, const struct render_opts *o)
{
	FILE *f;
	int err;

	free(fx->buf);
	fx->buf = NULL;
	f = open_memstream(&fx->buf, &fx->len);
	assert_non_null(f);
	err = fn(f, &fx->r, o);
	assert_int_equal(fclose(f), 0);
	dump(fx, fn);
	return err;
}

static int render(struct fixture *fx, render_fn fn)
{
	return render_opts(fx, fn, NULL);
}

static bool valid_utf8(const char *s)
{
	size_t k;

	for (const unsigned char *p = (const unsigned char *)s; *p; p += k)
		if (!(k = ru_utf8_len(p)))
			return false;
	return true;
}

/* ---------------------------------------------------------------- CSV */

#define CSV_ROWS 16
#define CSV_COLS 96

struct csvdoc {
	size_t nrows;
	size_t nf[CSV_ROWS];
	char *f[CSV_ROWS][CSV_COLS];
};

/* A strict RFC 4180 reader: CRLF after every record, quotes only around whole fields. */
static void csv_parse(const char *s, struct csvdoc *d)
{
	memset(d, 0, sizeof(*d));
	while (*s) {
		size_t c = 0;

		assert_true(d->nrows < CSV_ROWS);
		for (;;) {
			char *buf = malloc(strlen(s) + 1);
			size_t n = 0;

			assert_non_null(buf);
			if (*s == '"') {
				for (s++;; s++) {
					assert_true(*s); /* an unterminated quote */
					if (*s == '"' && s[1] != '"')
						break;
					if (*s == '"')
						s++;
					buf[n++] = *s;
				}
				s++;
			} else {
				while (*s && *s != ',' && *s != '\r' && *s != '\n') {
					assert_true(*s != '"'); /* a quote in an unquoted field */
					buf[n++] = *s++;
				}
			}
			buf[n] = '\0';
			assert_true(c < CSV_COLS);
			d->f[d->nrows][c++] = buf;
			if (*s == ',') {
				s++;
				continue;
			}
			assert_true(s[0] == '\r' && s[1] == '\n');
			s += 2;
			break;
		}
		d->nf[d->nrows++] = c;
	}
}

static void csv_free(struct csvdoc *d)
{
	for (size_t r = 0; r < d->nrows; r++)
		for (size_t c = 0; c < d->nf[r]; c++)
			free(d->f[r][c]);
}

static const char *csv_get(const struct csvdoc *d, size_t row, const char *col)
{
	for (size_t c = 0; c < d->nf[0]; c++)
		if (!strcmp(d->f[0][c], col))
			return d->f[row][c];
	fail_msg("no CSV column %s", col);
	return NULL;
}

static void test_csv(void **state)
{
	struct fixture *fx = *state;
	struct csvdoc d;
	char want[64];

	assert_int_equal(render(fx, render__csv), 0);
	assert_true(valid_utf8(fx->buf));
	csv_parse(fx->buf, &d);
	assert_int_equal(d.nrows, 1 + NR_OPS);
	for (size_t r = 1; r < d.nrows; r++)
		assert_int_equal(d.nf[r], d.nf[0]);
	assert_string_equal(d.f[0][0], "pid");
	/* the hostile name survives quoting, and was quoted */
	assert_string_equal(csv_get(&d, 1, "op"), infos[OP_GET].name);
	assert_non_null(strstr(fx->buf, ",\"get,\"\"fast\"\"\nv2\","));
	assert_string_equal(csv_get(&d, 1, "comm"), "kv server");
	assert_string_equal(csv_get(&d, 2, "op"), infos[OP_SCRIPT].name);
	assert_string_equal(csv_get(&d, 2, "category"), "a\\b\"c");
	assert_string_equal(csv_get(&d, 4, "op"), "bad" RU_REPLACEMENT RU_REPLACEMENT "name");
	/* numbers */
	assert_string_equal(csv_get(&d, 1, "calls"), "160");
	snprintf(want, sizeof(want), "%" PRIu64, fx->ops[0].p99);
	assert_string_equal(csv_get(&d, 1, "p99_ns"), want);
	assert_string_equal(csv_get(&d, 1, "rate_per_s"), "16");
	assert_string_equal(csv_get(&d, 1, "split_calls"), "160");
	assert_string_equal(csv_get(&d, 1, "iowait_mean_ns"), "150000");
	assert_string_equal(csv_get(&d, 1, "tail_calls"), "2");
	assert_string_equal(csv_get(&d, 1, "voluntary_switches_per_call"), "0.5");
	assert_string_equal(csv_get(&d, 2, "errors"), "40");
	assert_string_equal(csv_get(&d, 2, "error_rate"), "0.4");
	assert_string_equal(csv_get(&d, 2, "errors_by_type"), "ENOENT=30;E#9999=10");
	assert_string_equal(csv_get(&d, 2, "bias_ns"), "300");
	assert_string_equal(csv_get(&d, 2, "compensated"), "true");
	assert_string_equal(csv_get(&d, 2, "bytes"), "123456");
	assert_string_equal(csv_get(&d, 1, "report"), "final");
	/* absent values are empty, never 0 */
	assert_string_equal(csv_get(&d, 3, "calls"), "0");
	assert_string_equal(csv_get(&d, 3, "p50_ns"), "");
	assert_string_equal(csv_get(&d, 3, "mean_ns"), "");
	assert_string_equal(csv_get(&d, 3, "oncpu_share"), "");
	assert_string_equal(csv_get(&d, 2, "split_calls"), "");
	assert_string_equal(csv_get(&d, 2, "voluntary_switches_per_call"), "");
	assert_string_equal(csv_get(&d, 1, "bias_ns"), "");
	assert_string_equal(csv_get(&d, 1, "p99_trend"), "");
	csv_free(&d);

	/* no ops: the header alone */
	fx->r.nops = 0;
	assert_int_equal(render(fx, render__csv), 0);
	csv_parse(fx->buf, &d);
	assert_int_equal(d.nrows, 1);
	csv_free(&d);
}

/* ---------------------------------------------------------------- Prometheus */

/* The value of the sample line that starts with prefix (a whole series name); -1 if none. */
static double prom_value(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static bool has_line_prefix(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return true;
	return false;
}

/*
 * Every sample's family has # HELP and # TYPE before it, declared once;
 * every family's samples are together; histogram buckets are cumulative
 * and end in +Inf == _count.
 */
static void prom_structure(const char *text)
{
	char names[256][96], cur[96] = "";
	size_t nfam = 0;
	const char *p = text;

	while (*p) {
		const char *e = strchr(p, '\n');
		char line[2048], name[96];
		size_t n;

		assert_non_null(e); /* every line ends in \n */
		assert_true((size_t)(e - p) < sizeof(line));
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
		p = e + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%95s", name);
			for (size_t i = 0; i < nfam; i++)
				assert_string_not_equal(names[i], name);
			assert_true(nfam < 256);
			snprintf(names[nfam], sizeof(names[0]), "%s", name);
			nfam++;
			snprintf(cur, sizeof(cur), "%s", name);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char t[16];

			assert_int_equal(sscanf(line + 7, "%95s %15s", name, t), 2);
			assert_string_equal(name, cur);
			assert_true(!strcmp(t, "counter") || !strcmp(t, "gauge") ||
				    !strcmp(t, "histogram"));
			if (!strcmp(t, "counter"))
				assert_non_null(strstr(name, "_total"));
			else
				assert_null(strstr(name, "_total"));
			assert_int_equal(strncmp(name, "optrace_", 8), 0);
			continue;
		}
		assert_true(line[0] != '#');
		n = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)n, line);
		/* the sample belongs to the current family */
		if (strcmp(name, cur)) {
			size_t cl = strlen(cur);

			assert_int_equal(strncmp(name, cur, cl), 0);
			assert_true(!strcmp(name + cl, "_bucket") || !strcmp(name + cl, "_sum") ||
				    !strcmp(name + cl, "_count"));
		}
	}
}

/* Checks one histogram series: cumulative buckets, +Inf == _count; returns the le counts. */
static void prom_hist(const char *text, const char *family, const char *labels,
		      uint64_t *count, double *sum, char les[][16], uint64_t *cums, size_t *n)
{
	char prefix[1024], key[1024];
	uint64_t prev = 0;
	bool inf = false;
	const char *p;

	snprintf(prefix, sizeof(prefix), "%s_bucket{%s,le=\"", family, labels);
	*n = 0;
	for (p = text; (p = strstr(p, prefix)); p++) {
		const char *q = p + strlen(prefix), *e = strchr(q, '"');
		uint64_t v = strtoull(strchr(e, ' ') + 1, NULL, 10);

		assert_false(inf); /* +Inf comes last */
		assert_true(v >= prev);
		prev = v;
		snprintf(les[*n], 16, "%.*s", (int)(e - q), q);
		cums[(*n)++] = v;
		inf = !strcmp(les[*n - 1], "+Inf");
	}
	assert_true(inf);
	snprintf(key, sizeof(key), "%s_count{%s}", family, labels);
	*count = (uint64_t)prom_value(text, key);
	assert_int_equal(*count, prev);
	snprintf(key, sizeof(key), "%s_sum{%s}", family, labels);
	*sum = prom_value(text, key);
	assert_true(*sum >= 0);
}

static uint64_t cum_at(char les[][16], const uint64_t *cums, size_t n, const char *le)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(les[i], le))
			return cums[i];
	fail_msg("no le=%s", le);
	return 0;
}

#define GET_LABELS                                                                            \
	"pid=\"4242\",comm=\"kv server\",op=\"get,\\\"fast\\\"\\nv2\",category=\"kv\","        \
	"function=\"kv_get\",binary=\"/usr/bin/kv\""
#define SCRIPT_LABELS                                                                         \
	"pid=\"4242\",comm=\"kv server\",op=\"<script>alert(1)</script>\","                    \
	"category=\"a\\\\b\\\"c\",function=\"handle\",binary=\"/usr/bin/kv\""

static void test_prom(void **state)
{
	struct fixture *fx = *state;
	char les[64][16];
	uint64_t cums[64], count;
	double sum;
	size_t n;

	assert_int_equal(render(fx, render__prom), 0);
	assert_true(valid_utf8(fx->buf));
	prom_structure(fx->buf);
	/* label escaping */
	assert_true(prom_value(fx->buf, "optrace_op_calls_total{" GET_LABELS "}") == 160);
	assert_true(prom_value(fx->buf, "optrace_op_calls_total{" SCRIPT_LABELS "}") == 100);
	assert_non_null(strstr(fx->buf, "op=\"bad" RU_REPLACEMENT RU_REPLACEMENT "name\""));

	/* get's histogram: 100 x 1.5 us, 50 x 30 us, 10 x 2 ms */
	prom_hist(fx->buf, "optrace_op_latency_seconds", GET_LABELS, &count, &sum, les, cums, &n);
	assert_int_equal(n, 26); /* 25 boundaries and +Inf */
	assert_int_equal(count, 160);
	assert_int_equal(cum_at(les, cums, n, "1e-06"), 0);
	assert_int_equal(cum_at(les, cums, n, "2.5e-06"), 100);
	assert_int_equal(cum_at(les, cums, n, "2.5e-05"), 100);
	assert_int_equal(cum_at(les, cums, n, "5e-05"), 150);
	assert_int_equal(cum_at(les, cums, n, "0.001"), 150);
	assert_int_equal(cum_at(les, cums, n, "0.0025"), 160);
	assert_int_equal(cum_at(les, cums, n, "100"), 160);
	assert_float_equal(sum, (100 * 1500 + 50 * 30000 + 10 * 2000000) / 1e9, 1e-12);
	/* script is compensated: 2.6 us raw is 2.3 us, under 2.5 us; the sum has the bias out */
	prom_hist(fx->buf, "optrace_op_latency_seconds", SCRIPT_LABELS, &count, &sum, les, cums,
		  &n);
	assert_int_equal(cum_at(les, cums, n, "2.5e-06"), 60);
	assert_int_equal(cum_at(les, cums, n, "0.001"), 100);
	assert_float_equal(sum, (60 * 2300 + 40 * 999700) / 1e9, 1e-9);
	/* the idle op: a histogram of zeros (0 calls is a measurement) */
	assert_true(prom_value(fx->buf, "optrace_op_latency_seconds_count{pid=\"4242\","
				"comm=\"kv server\",op=\"idle\",category=\"\",function=\"idle\","
				"binary=\"/usr/bin/kv\"}") == 0);
	/* run-queue histogram of pid A */
	prom_hist(fx->buf, "optrace_process_runq_latency_seconds", "pid=\"4242\",comm=\"kv server\"",
		  &count, &sum, les, cums, &n);
	assert_int_equal(count, 500);
	assert_int_equal(cum_at(les, cums, n, "5e-06"), 400);
	assert_float_equal(sum, (400 * 4000 + 100 * 300000) / 1e9, 1e-12);

	/* errors: by type, and only for ops with an error rule */
	assert_true(prom_value(fx->buf, "optrace_op_errors_total{" SCRIPT_LABELS "}") == 40);
	assert_true(prom_value(fx->buf, "optrace_op_errors_by_type_total{" SCRIPT_LABELS
				",error=\"ENOENT\"}") == 30);
	assert_true(prom_value(fx->buf, "optrace_op_errors_by_type_total{" SCRIPT_LABELS
				",error=\"E#9999\"}") == 10);
	assert_false(has_line_prefix(fx->buf, "optrace_op_errors_total{" GET_LABELS));
	assert_true(prom_value(fx->buf, "optrace_op_bytes_total{" SCRIPT_LABELS "}") == 123456);
	assert_false(has_line_prefix(fx->buf, "optrace_op_bytes_total{" GET_LABELS));
	/* the time split in seconds, only where measured */
	assert_float_equal(prom_value(fx->buf, "optrace_op_time_seconds_total{" GET_LABELS
				      ",part=\"iowait\"}"), 160 * 150000 / 1e9, 1e-12);
	assert_false(has_line_prefix(fx->buf, "optrace_op_time_seconds_total{" SCRIPT_LABELS));
	assert_float_equal(prom_value(fx->buf, "optrace_op_latency_percentile_seconds{" GET_LABELS
				      ",percentile=\"100\"}"), 0.002, 1e-12);
	/* processes: pid B has no resources: nothing made up */
	assert_int_equal(prom_value(fx->buf, "optrace_process_resident_memory_bytes{pid=\"4242\","
				    "comm=\"kv server\"}"), 50 << 20);
	assert_float_equal(prom_value(fx->buf, "optrace_process_cpu_seconds_total{pid=\"4242\","
				      "comm=\"kv server\",mode=\"user\"}"), 1.5, 1e-12);
	assert_float_equal(prom_value(fx->buf, "optrace_process_sched_seconds_total{pid=\"4242\","
				      "comm=\"kv server\",state=\"oncpu\"}"), 0.9, 1e-12);
	assert_true(prom_value(fx->buf, "optrace_process_calls_total{pid=\"4243\",comm=\"worker\"}")
		    == 3);
	assert_false(has_line_prefix(fx->buf, "optrace_process_resident_memory_bytes{pid=\"4243\""));
	assert_false(has_line_prefix(fx->buf, "optrace_process_cpu_seconds_total{pid=\"4243\""));
	assert_false(has_line_prefix(fx->buf, "optrace_process_open_fds{pid=\"4243\""));
	assert_false(has_line_prefix(fx->buf, "optrace_process_runq_latency_seconds_count{pid=\"4243\""));
	assert_false(has_line_prefix(fx->buf, "optrace_process_io_bytes_total")); /* no has_io */
	assert_false(has_line_prefix(fx->buf, "optrace_process_efficiency_ratio{pid=\"4243\""));
	/* block IO, loss, findings, alerts, bias */
	assert_true(prom_value(fx->buf, "optrace_block_requests_total{pid=\"4242\",comm=\"kv server\","
				"device=\"sda\",kind=\"read\"}") == 20);
	assert_true(prom_value(fx->buf, "optrace_lost_events_total{kind=\"spans_lost\"}") == 7);
	assert_true(prom_value(fx->buf, "optrace_lost_events_total{kind=\"bio_stale\"}") == 2);
	assert_true(prom_value(fx->buf, "optrace_lost_events_total{kind=\"bad_records\"}") == 0);
	assert_true(prom_value(fx->buf, "optrace_spans_total") == 1000);
	assert_true(prom_value(fx->buf, "optrace_findings{severity=\"critical\"}") == 1);
	assert_true(prom_value(fx->buf, "optrace_findings{severity=\"warning\"}") == 1);
	assert_true(prom_value(fx->buf, "optrace_findings{severity=\"info\"}") == 0);
	assert_true(prom_value(fx->buf, "optrace_alerts_total{severity=\"critical\"}") == 1);
	assert_float_equal(prom_value(fx->buf, "optrace_probe_bias_seconds{insn=\"emulated\"}"),
			   212e-9, 1e-15);
	assert_false(has_line_prefix(fx->buf, "optrace_probe_bias_seconds{insn=\"single-stepped\"}"));
}

static bool have_promtool(void)
{
	return !access("/usr/bin/promtool", X_OK);
}

/* promtool check metrics on fx->buf: no parse error and no lint problem. */
static void promtool_check(const struct fixture *fx)
{
	char path[] = "/tmp/test_exports_promXXXXXX", cmd[128], out[4096];
	FILE *p;
	size_t n;
	int fd, st;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, fx->buf, fx->len), (ssize_t)fx->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	unlink(path);
	if (st != 0 || n)
		fail_msg("promtool: status %d: %s", st, out);
}

/* promtool check metrics, when installed: no parse error and no lint problem. */
static void test_prom_promtool(void **state)
{
	struct fixture *fx = *state;

	if (!have_promtool()) {
		skip();
		return;
	}
	for (int round = 0; round < 2; round++) {
		if (round)
			fx->r.nops = fx->r.npids = fx->r.nfindings = fx->r.nalerts = 0;
		assert_int_equal(render(fx, render__prom), 0);
		promtool_check(fx);
	}
}

/* What marks each op in its per-op series (pid B has only the op that is not UTF-8). */
static const char *const op_needle[NR_OPS] = {
	[OP_GET] = "op=\"get,",
	[OP_SCRIPT] = "op=\"<script>",
	[OP_IDLE] = "op=\"idle\"",
	[OP_BAD] = "pid=\"4243\"",
};

/* Lines of the per-op families (optrace_op_*) that contain needle. */
static size_t op_lines(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *e = strchr(p, '\n');
		const char *hit = strstr(p, needle);

		if (!strncmp(p, "optrace_op_", 11) && hit && (!e || hit < e))
			n++;
	}
	return n;
}

/* Where op id's optrace_op_calls_total sample starts in text; NULL if absent. */
static const char *calls_line(const char *text, int id)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *e = strchr(p, '\n'), *hit = strstr(p, op_needle[id]);

		if (!strncmp(p, "optrace_op_calls_total{", 23) && hit && (!e || hit < e))
			return p;
	}
	return NULL;
}

/*
 * --max-series: the per-op families keep the busiest (pid, op) label sets
 * (ties to the earlier op), in the report's order; the dropped counter is
 * always there; per-process families are not capped; promtool is happy.
 */
static void test_prom_series_cap_keeps_busiest(void **state)
{
	static const struct {
		size_t cap;
		bool set_calls;
		uint64_t calls[NR_OPS]; /* get, script, idle, bad (when set_calls) */
		bool kept[NR_OPS];
		uint64_t dropped;
	} cases[] = {
		{ 0, false, { 0 }, { 1, 1, 1, 1 }, 0 },	     /* no cap */
		{ 5, false, { 0 }, { 1, 1, 1, 1 }, 0 },	     /* above the op count */
		{ 4, false, { 0 }, { 1, 1, 1, 1 }, 0 },	     /* exactly the op count */
		{ 3, false, { 0 }, { 1, 1, 0, 1 }, 1 },	     /* 160, 100, 0, 3: idle out */
		{ 2, false, { 0 }, { 1, 1, 0, 0 }, 2 },
		{ 1, false, { 0 }, { 1, 0, 0, 0 }, 3 },
		{ 2, true, { 160, 100, 0, 1000 }, { 1, 0, 0, 1 }, 2 }, /* busiest last */
		{ 1, true, { 100, 100, 0, 3 }, { 1, 0, 0, 0 }, 3 },    /* tie: earlier op */
		{ 2, true, { 5, 7, 7, 7 }, { 0, 1, 1, 0 }, 2 },	      /* three-way tie */
	};
	struct fixture *fx = *state;
	uint64_t orig[NR_OPS];

	for (int i = 0; i < NR_OPS; i++)
		orig[i] = fx->ops[i].calls;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct render_opts o = { .max_series = cases[c].cap };
		const char *prev = NULL;

		for (int i = 0; i < NR_OPS; i++)
			fx->ops[i].calls = cases[c].set_calls ? cases[c].calls[i] : orig[i];
		assert_int_equal(render_opts(fx, render__prom, &o), 0);
		prom_structure(fx->buf);
		assert_true(prom_value(fx->buf, "optrace_series_dropped_total") ==
			    (double)cases[c].dropped);
		assert_true(has_line_prefix(fx->buf,
					    "# TYPE optrace_series_dropped_total counter"));
		for (int i = 0; i < NR_OPS; i++) {
			const char *line = calls_line(fx->buf, i);

			if (!cases[c].kept[i]) {
				if (op_lines(fx->buf, op_needle[i]))
					fail_msg("case %zu: op %d should be dropped", c, i);
				continue;
			}
			if (!line)
				fail_msg("case %zu: op %d should be kept", c, i);
			assert_true(line > prev); /* the report's order */
			prev = line;
		}
		/* per-process families keep every pid */
		assert_true(prom_value(fx->buf, "optrace_process_calls_total{pid=\"4243\","
					       "comm=\"worker\"}") == 3);
		if (have_promtool())
			promtool_check(fx);
	}
}

/* An empty report still says that nothing was dropped. */
static void test_prom_series_dropped_zero_without_ops(void **state)
{
	struct render_opts o = { .max_series = 1 };
	struct fixture *fx = *state;

	fx->r.nops = 0;
	assert_int_equal(render_opts(fx, render__prom, &o), 0);
	assert_true(prom_value(fx->buf, "optrace_series_dropped_total") == 0);
	assert_false(has_line_prefix(fx->buf, "optrace_op_"));
	assert_int_equal(render(fx, render__prom), 0);
	assert_true(prom_value(fx->buf, "optrace_series_dropped_total") == 0);
}

/* ---------------------------------------------------------------- HTML */

/* The text of article op-i. */
static char *html_article(const char *html, size_t i)
{
	char id[32];
	const char *b, *e;

	snprintf(id, sizeof(id), "id=\"op-%zu\"", i);
	b = strstr(html, id);
	assert_non_null(b);
	e = strstr(b, "</article>");
	assert_non_null(e);
	return strndup(b, e - b);
}

static void test_html(void **state)
{
	struct fixture *fx = *state;
	char *a;
	const char *p;

	assert_int_equal(render(fx, render__html), 0);
	assert_true(valid_utf8(fx->buf));
	assert_int_equal(strncmp(fx->buf, "<!DOCTYPE html>", 15), 0);
	assert_non_null(strstr(fx->buf, "</html>\n"));
	/* escaping: the op name, the command, a finding, an alert */
	assert_null(strcasestr(fx->buf, "<script"));
	assert_non_null(strstr(fx->buf, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(fx->buf, "./kv --name &#39;&lt;b&gt;&amp;amp;&#39;"));
	assert_non_null(strstr(fx->buf, "op get of pid 4242 &lt;kv&gt;"));
	assert_non_null(strstr(fx->buf, "67% of the time &amp; more"));
	assert_non_null(strstr(fx->buf, "slow&quot;get"));
	assert_non_null(strstr(fx->buf, "a\\b&quot;c"));
	assert_non_null(strstr(fx->buf, "get,&quot;fast&quot;\nv2"));
	assert_non_null(strstr(fx->buf, "bad" RU_REPLACEMENT RU_REPLACEMENT "name"));
	/* nothing fetched: no URL, no src=, href only to anchors, no CSS url() or @import */
	assert_null(strstr(fx->buf, "http://"));
	assert_null(strstr(fx->buf, "https://"));
	assert_null(strcasestr(fx->buf, "src="));
	assert_null(strcasestr(fx->buf, "url("));
	assert_null(strcasestr(fx->buf, "@import"));
	for (p = fx->buf; (p = strcasestr(p, "href=")); p++)
		assert_true(!strncmp(p, "href=\"#", 7));
	assert_non_null(strstr(fx->buf, "Content-Security-Policy\" content=\"default-src 'none'"));
	/* header, loss line */
	assert_non_null(strstr(fx->buf, "<b>lost:</b> 7 spans (ring buffer full), 0.70% of 1000 "
					"produced"));
	assert_non_null(strstr(fx->buf, "2 never completed"));
	assert_non_null(strstr(fx->buf, "uprobe_multi"));
	/* per op: a histogram and a percentile chart with axes; a split chart */
	a = html_article(fx->buf, 0);
	assert_non_null(strstr(a, "aria-label=\"latency histogram\""));
	assert_non_null(strstr(a, "aria-label=\"latency percentiles over time\""));
	assert_non_null(strstr(a, "aria-label=\"time split\""));
	assert_non_null(strstr(a, ">latency (log scale)</text>"));
	assert_non_null(strstr(a, ">calls</text>"));
	assert_non_null(strstr(a, ">time since start (s)</text>"));
	assert_non_null(strstr(a, " us</text>")); /* tick labels with units */
	assert_non_null(strstr(a, "fill=\"#59a14f\""));
	assert_non_null(strstr(a, "<polyline fill=\"none\""));
	free(a);
	a = html_article(fx->buf, 1); /* no series: the histogram, and a note */
	assert_non_null(strstr(a, "aria-label=\"latency histogram\""));
	assert_null(strstr(a, "aria-label=\"latency percentiles over time\""));
	assert_non_null(strstr(a, "No percentile-over-time chart"));
	free(a);
	a = html_article(fx->buf, 2); /* no calls: no chart */
	assert_null(strstr(a, "<svg"));
	assert_non_null(strstr(a, "No calls."));
	free(a);
	a = html_article(fx->buf, 3);
	assert_non_null(strstr(a, "aria-label=\"latency histogram\""));
	free(a);
	/* the time split overview: a bar per op with a split, in the part colours */
	assert_non_null(strstr(fx->buf, "fill=\"#e15759\""));
	assert_non_null(strstr(fx->buf, "fill=\"#4e79a7\""));
	/* processes: pid B's resources are absent, not 0 */
	p = strstr(fx->buf, "id=\"processes\"");
	assert_non_null(p);
	assert_non_null(strstr(p, "50.0 MiB (60.0 MiB)"));
	assert_non_null(strstr(p, "exited 0"));
	/* findings and alerts, spans */
	assert_non_null(strstr(fx->buf, "<span class=\"badge critical\">critical</span>"));
	assert_non_null(strstr(fx->buf, "batch the reads"));
	assert_non_null(strstr(fx->buf, "id=\"alerts\""));
	assert_non_null(strstr(fx->buf, "id=\"spans\""));

	/* an empty report is still a page */
	fx->r.nops = fx->r.npids = fx->r.nfindings = fx->r.nalerts = fx->r.nspans = 0;
	assert_int_equal(render(fx, render__html), 0);
	assert_non_null(strstr(fx->buf, "no operations traced"));
	assert_non_null(strstr(fx->buf, "</html>\n"));
}

/* ---------------------------------------------------------------- Perfetto */

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr);

	if (!root)
		fail_msg("json: %s at line %d col %d", jerr.text, jerr.line, jerr.column);
	return root;
}

static json_t *find_meta(json_t *ev, const char *what, json_int_t pid, json_int_t tid)
{
	json_t *e;
	size_t i;

	json_array_foreach(ev, i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "ph")), "M") &&
		    !strcmp(json_string_value(json_object_get(e, "name")), what) &&
		    json_integer_value(json_object_get(e, "pid")) == pid &&
		    (tid < 0 || json_integer_value(json_object_get(e, "tid")) == tid))
			return e;
	}
	return NULL;
}

static const char *meta_name(json_t *e)
{
	assert_non_null(e);
	return json_string_value(json_object_get(json_object_get(e, "args"), "name"));
}

static void test_perfetto(void **state)
{
	struct fixture *fx = *state;
	json_t *root, *ev, *e, *stack[16];
	json_int_t cur_pid = -1, cur_tid = -1;
	size_t i, nx = 0, depth = 0;
	double last_ts = -1;

	assert_int_equal(render(fx, render__perfetto), 0);
	root = parse(fx->buf);
	assert_string_equal(json_string_value(json_object_get(root, "displayTimeUnit")), "ns");
	ev = json_object_get(root, "traceEvents");
	assert_true(json_is_array(ev));
	assert_string_equal(meta_name(find_meta(ev, "process_name", PID_A, -1)), "kv server");
	assert_string_equal(meta_name(find_meta(ev, "process_name", PID_B, -1)), "worker");
	assert_string_equal(meta_name(find_meta(ev, "thread_name", PID_A, PID_A)), "kv server");
	assert_non_null(find_meta(ev, "thread_name", PID_A, TID_A2));
	/* complete events: ts/dur in us, per thread by start, properly nested */
	json_array_foreach(ev, i, e) {
		const char *ph = json_string_value(json_object_get(e, "ph"));
		json_int_t pid = json_integer_value(json_object_get(e, "pid"));
		json_int_t tid = json_integer_value(json_object_get(e, "tid"));
		json_t *args = json_object_get(e, "args");
		double ts, dur;
		json_int_t start_ns, dur_ns;

		assert_non_null(ph);
		if (strcmp(ph, "X"))
			continue;
		nx++;
		ts = json_number_value(json_object_get(e, "ts"));
		dur = json_number_value(json_object_get(e, "dur"));
		assert_true(json_is_real(json_object_get(e, "ts")));
		start_ns = json_integer_value(json_object_get(args, "start_ns"));
		dur_ns = json_integer_value(json_object_get(args, "dur_ns"));
		assert_true(ts == start_ns / 1000.0);
		assert_true(dur == dur_ns / 1000.0);
		if (pid != cur_pid || tid != cur_tid) {
			cur_pid = pid;
			cur_tid = tid;
			depth = 0;
			last_ts = -1;
		}
		assert_true(ts >= last_ts);
		last_ts = ts;
		while (depth) {
			json_t *top = json_object_get(stack[depth - 1], "args");
			json_int_t end = json_integer_value(json_object_get(top, "start_ns")) +
					 json_integer_value(json_object_get(top, "dur_ns"));

			if (start_ns < end) {
				/* inside its parent: ends before it, one level deeper */
				assert_true(start_ns + dur_ns <= end);
				assert_int_equal(json_integer_value(json_object_get(args, "depth")),
						 json_integer_value(json_object_get(top, "depth")) + 1);
				break;
			}
			depth--;
		}
		assert_true(depth < 16);
		stack[depth++] = e;
		/* the split when measured, never made up when not */
		if (tid == TID_A2) {
			assert_false(json_is_true(json_object_get(args, "split")));
			assert_null(json_object_get(args, "oncpu_ns"));
			assert_null(json_object_get(args, "bytes"));
		} else {
			assert_true(json_is_true(json_object_get(args, "split")));
			assert_non_null(json_object_get(args, "iowait_ns"));
		}
		assert_non_null(json_object_get(args, "ret"));
		assert_non_null(json_object_get(args, "error"));
		if (!strcmp(json_string_value(json_object_get(e, "name")), infos[OP_SCRIPT].name)) {
			assert_string_equal(json_string_value(json_object_get(e, "cat")), "a\\b\"c");
			assert_int_equal(json_integer_value(json_object_get(args, "ret")), -2);
			assert_true(json_is_true(json_object_get(args, "error")));
			assert_int_equal(json_integer_value(json_object_get(args, "bytes")), 4096);
			assert_int_equal(json_integer_value(json_object_get(args, "minor_faults")), 5);
			assert_int_equal(json_integer_value(json_object_get(args, "runq_ns")), 3);
			assert_true(ts == 1200.001 && dur == 1000.003);
		}
	}
	assert_int_equal(nx, NSPANS);
	/* the series as counters (interval 5 had no calls), the alert as an instant */
	{
		size_t nc = 0, ni = 0;

		json_array_foreach(ev, i, e) {
			const char *ph = json_string_value(json_object_get(e, "ph"));

			nc += !strcmp(ph, "C");
			ni += !strcmp(ph, "i");
		}
		assert_int_equal(nc, NSERIES - 1);
		assert_int_equal(ni, 1);
	}
	json_decref(root);

	/* no spans: metadata and a marker saying so */
	fx->r.nspans = 0;
	fx->r.meta.spans_cap = 0;
	assert_int_equal(render(fx, render__perfetto), 0);
	root = parse(fx->buf);
	ev = json_object_get(root, "traceEvents");
	assert_non_null(find_meta(ev, "process_name", PID_A, -1));
	nx = 0;
	json_array_foreach(ev, i, e) {
		const char *ph = json_string_value(json_object_get(e, "ph"));

		assert_string_not_equal(ph, "X");
		if (!strcmp(ph, "i") &&
		    !strcmp(json_string_value(json_object_get(e, "name")), "no spans kept")) {
			nx++;
			assert_non_null(strstr(json_string_value(json_object_get(
					 json_object_get(e, "args"), "message")), "--spans N"));
		}
	}
	assert_int_equal(nx, 1);
	json_decref(root);

	/* nothing at all: still a trace */
	fx->r.nops = fx->r.npids = fx->r.nalerts = 0;
	assert_int_equal(render(fx, render__perfetto), 0);
	root = parse(fx->buf);
	assert_true(json_array_size(json_object_get(root, "traceEvents")) >= 1);
	json_decref(root);
}

static long alloc_budget;

static void *budget_malloc(size_t n)
{
	return alloc_budget-- > 0 ? malloc(n) : NULL;
}

/* Every jansson allocation failure is -ENOMEM with nothing written (and no leak). */
static void test_perfetto_enomem(void **state)
{
	struct fixture *fx = *state;
	long n, used;
	int err;

	json_set_alloc_funcs(budget_malloc, free);
	alloc_budget = 1L << 30;
	assert_int_equal(render(fx, render__perfetto), 0);
	used = (1L << 30) - alloc_budget;
	assert_true(used > 100);
	for (n = 0; n < used; n += n < 64 ? 1 : 37) {
		alloc_budget = n;
		err = render(fx, render__perfetto);
		if (err != -ENOMEM)
			print_error("budget %ld of %ld: %d\n", n, used, err);
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(fx->len, 0);
	}
	json_set_alloc_funcs(malloc, free);
}

/* A failed write is -EIO for every format. */
static void test_write_error(void **state)
{
	struct fixture *fx = *state;
	render_fn fns[] = { render__csv, render__prom, render__html, render__perfetto };

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		FILE *f = fopen("/dev/full", "w");

		if (!f) {
			skip();
			return;
		}
		assert_int_equal(fns[i](f, &fx->r, NULL), -EIO);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_promtool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_series_cap_keeps_busiest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prom_series_dropped_zero_without_ops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perfetto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perfetto_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
