// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_csv.c - the report as CSV (RFC 4180): a header row, then one row
 * per (pid, op) with every statistic of the op.
 *
 * Owns the column set and its order (docs/formats.md lists them with their
 * units) and the quoting: a field holding a comma, a double quote, CR or
 * LF is written in double quotes with its quotes doubled; rows end in CRLF.
 * Text that is not UTF-8 (process and symbol names are bytes) has its bad
 * bytes replaced by U+FFFD, so the file is UTF-8.  A value the report does
 * not have (latency of an op with no calls, the time split with --no-split,
 * an uncalibrated bias, a non-finite number) is an empty field, never 0.
 * Leaves to others: every number (report__build computes) and the FILE *.
 *
 * With -i, every report is a CSV table of its own (header row included);
 * the report, window_s and elapsed_s columns tell the rows of one report
 * from those of the next.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "render_util.h"
#include "errmode.h"
#include "report.h"
#include "trend.h"

struct csv {
	FILE *f;
	unsigned int col; /* fields written in the current row */
};

static const char *const columns[] = {
	"pid", "comm", "op", "category", "function", "binary", "error_mode",
	"calls", "rate_per_s", "errors", "error_rate", "errors_by_type", "bytes", "bytes_per_s",
	"min_ns", "mean_ns", "p50_ns", "p90_ns", "p95_ns", "p99_ns", "p99_9_ns", "max_ns",
	"self_mean_ns",
	"split_calls", "wall_mean_ns", "oncpu_mean_ns", "runq_mean_ns", "iowait_mean_ns",
	"offcpu_mean_ns", "oncpu_share", "runq_share", "iowait_share", "offcpu_share",
	"tail_threshold_ns", "tail_calls", "tail_wall_mean_ns", "tail_oncpu_mean_ns",
	"tail_runq_mean_ns", "tail_iowait_mean_ns", "tail_offcpu_mean_ns", "tail_oncpu_share",
	"tail_runq_share", "tail_iowait_share", "tail_offcpu_share",
	"voluntary_switches_per_call", "involuntary_switches_per_call", "minor_faults_per_call",
	"major_faults_per_call",
	"counter1", "counter1_calls", "counter1_mean", "counter1_p50", "counter1_p99",
	"counter2", "counter2_calls", "counter2_mean", "counter2_p50", "counter2_p99",
	"p50_trend", "p99_trend", "rate_trend", "error_rate_trend",
	"probe_insn", "bias_ns", "compensated",
	"report", "window_s", "elapsed_s",
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static void sep(struct csv *c)
{
	if (c->col++)
		fputc(',', c->f);
}

/* One field: quoted when it holds a comma, a quote, CR or LF (RFC 4180 2.6, 2.7). */
static void field_str(struct csv *c, const char *s)
{
	const unsigned char *p;
	bool quote;
	size_t k;

	sep(c);
	s = ru_str(s);
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', c->f);
	for (p = (const unsigned char *)s; *p; p += k ? k : 1) {
		k = ru_utf8_len(p);
		if (!k)
			fputs(RU_REPLACEMENT, c->f);
		else if (*p == '"')
			fputs("\"\"", c->f);
		else
			fwrite(p, 1, k, c->f);
	}
	if (quote)
		fputc('"', c->f);
}

static void field_empty(struct csv *c)
{
	sep(c);
}

static void field_u64(struct csv *c, uint64_t v)
{
	sep(c);
	fprintf(c->f, "%" PRIu64, v);
}

static void field_i64(struct csv *c, int64_t v)
{
	sep(c);
	fprintf(c->f, "%" PRId64, v);
}

/* 15 significant digits: what a double holds exactly, without binary noise. */
static void field_dbl(struct csv *c, double v)
{
	sep(c);
	if (isfinite(v))
		fprintf(c->f, "%.15g", v);
}

static void field_u64_if(struct csv *c, bool have, uint64_t v)
{
	if (have)
		field_u64(c, v);
	else
		field_empty(c);
}

static void field_dbl_if(struct csv *c, bool have, double v)
{
	if (have)
		field_dbl(c, v);
	else
		field_empty(c);
}

static void end_row(struct csv *c)
{
	fputs("\r\n", c->f);
	c->col = 0;
}

static const char *error_mode_name(const struct op_info *info)
{
	return errmode__name(info ? info->error_mode : PROBE_ERR_NONE);
}

static const char *trend_name(int dir)
{
	switch (dir) {
	case TREND_STABLE:
		return "stable";
	case TREND_INCREASING:
		return "increasing";
	case TREND_DECREASING:
		return "decreasing";
	default:
		return "unknown";
	}
}

/* "ENOENT=12;EAGAIN=3", most frequent first (the report's order). */
static void field_errors(struct csv *c, const struct report_op *op)
{
	char buf[64 * (AGG_MAX_ERRCODES + 1)], name[32];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < op->nerrs && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s=%" PRIu64, i ? ";" : "",
			      ru_err_name(&op->errs[i], name, sizeof(name)), op->errs[i].count);
	field_str(c, buf);
}

static void fields_split(struct csv *c, bool have, const struct report_split *s)
{
	field_dbl_if(c, have, s->wall_mean);
	field_dbl_if(c, have, s->oncpu_mean);
	field_dbl_if(c, have, s->runq_mean);
	field_dbl_if(c, have, s->iowait_mean);
	field_dbl_if(c, have, s->offcpu_mean);
	field_dbl_if(c, have, s->oncpu_share);
	field_dbl_if(c, have, s->runq_share);
	field_dbl_if(c, have, s->iowait_share);
	field_dbl_if(c, have, s->offcpu_share);
}

static void row(struct csv *c, const struct report *r, const struct report_op *op)
{
	const struct op_info *info = op->info;
	bool lat = op->calls > 0, split = op->has_split, tail = split && op->split_tail.calls;
	bool counts = op->has_counts, tr = op->has_trends;

	field_u64(c, op->pid);
	field_str(c, op->comm);
	field_str(c, ru_op_name(op));
	field_str(c, ru_op_category(op));
	field_str(c, info ? info->func : NULL);
	field_str(c, info ? info->path : NULL);
	field_str(c, error_mode_name(info));
	field_u64(c, op->calls);
	field_dbl(c, op->rate);
	field_u64(c, op->errors);
	field_dbl(c, op->err_rate);
	field_errors(c, op);
	field_u64(c, op->bytes);
	field_dbl(c, op->bytes_rate);

	field_u64_if(c, lat, op->min);
	field_dbl_if(c, lat, op->mean);
	field_u64_if(c, lat, op->p50);
	field_u64_if(c, lat, op->p90);
	field_u64_if(c, lat, op->p95);
	field_u64_if(c, lat, op->p99);
	field_u64_if(c, lat, op->p999);
	field_u64_if(c, lat, op->max);
	field_dbl_if(c, lat, op->self_mean);

	field_u64_if(c, split, op->split_all.calls);
	fields_split(c, split, &op->split_all);
	field_u64_if(c, split, op->tail_threshold_ns);
	field_u64_if(c, split, op->split_tail.calls);
	fields_split(c, tail, &op->split_tail);

	field_dbl_if(c, counts, op->nvcsw_per_call);
	field_dbl_if(c, counts, op->nivcsw_per_call);
	field_dbl_if(c, counts, op->minflt_per_call);
	field_dbl_if(c, counts, op->majflt_per_call);

	/* Perf counters per call: the counter's name, then its figures. */
	for (size_t k = 0; k < OT_NR_CTR; k++) {
		const struct report_ctr *ct = &op->ctr[k];
		bool have = k < r->meta.ncounters && ct->calls;

		field_str(c, k < r->meta.ncounters ? r->meta.counter_names[k] : "");
		field_u64_if(c, k < r->meta.ncounters, ct->calls);
		field_dbl_if(c, have, ct->mean);
		field_u64_if(c, have, ct->p50);
		field_u64_if(c, have, ct->p99);
	}

	field_str(c, tr ? trend_name(op->trend_p50.dir) : "");
	field_str(c, tr ? trend_name(op->trend_p99.dir) : "");
	field_str(c, tr ? trend_name(op->trend_rate.dir) : "");
	field_str(c, tr ? trend_name(op->trend_err_rate.dir) : "");

	field_str(c, op->probe_insn);
	if (op->bias_ns >= 0)
		field_i64(c, op->bias_ns);
	else
		field_empty(c);
	field_str(c, op->compensated ? "true" : "false");

	field_str(c, r->meta.kind);
	field_dbl(c, r->meta.window_s);
	field_dbl(c, r->meta.elapsed_s);
	end_row(c);
}

int render__csv(FILE *f, const struct report *r, const struct render_opts *o)
{
	struct csv c = { .f = f };

	(void)o; /* no CSV options */
	for (size_t i = 0; i < NCOLUMNS; i++)
		field_str(&c, columns[i]);
	end_row(&c);
	for (size_t i = 0; i < r->nops; i++)
		row(&c, r, &r->ops[i]);
	return ru_finish(f);
}
