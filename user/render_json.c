// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_json.c - the report as one JSON document (schema "optrace.report").
 *
 * Owns the JSON field names and types: integers for counts and ns, reals
 * for rates and means, null for "no value" (bias not calibrated, no
 * command, latency of an op with no calls, non-finite numbers).  Leaves to
 * others: every number (report__build computes; this file only converts)
 * and the FILE *.  Built with jansson, dumped with JSON_INDENT(2).
 *
 * Errors: a failed allocation anywhere (building or serialising) is -ENOMEM
 * with nothing written; a failed write is -EIO.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "errnames.h"
#include "hist.h"
#include "jsonutil.h"
#include "render_res.h"
#include "report.h"

/* Counts and ns above LLONG_MAX (292 years of ns) are clamped. */
static const char *error_mode_str(enum probe_error_mode m)
{
	switch (m) {
	case PROBE_ERR_RET_LT0:
		return "ret<0";
	case PROBE_ERR_RET_EQ0:
		return "ret==0";
	case PROBE_ERR_RET_NE0:
		return "ret!=0";
	case PROBE_ERR_NONE:
	default:
		return "none";
	}
}

static json_t *meta_json(const struct report_meta *m, bool *ok)
{
	json_t *j = json_object();

	put(j, "kind", jstr(m->kind), ok);
	put(j, "window_s", jreal(m->window_s), ok);
	put(j, "elapsed_s", jreal(m->elapsed_s), ok);
	put(j, "start_unix_ns", json_integer(m->start_unix_ns), ok);
	put(j, "end_unix_ns", json_integer(m->end_unix_ns), ok);
	put(j, "attach_mode", jstr(m->attach_mode), ok);
	put(j, "nr_probes", ju64(m->nr_probes), ok);
	put(j, "bias_emulated_ns",
	    m->bias_emulated_ns < 0 ? json_null() : json_integer(m->bias_emulated_ns), ok);
	put(j, "bias_stepped_ns",
	    m->bias_stepped_ns < 0 ? json_null() : json_integer(m->bias_stepped_ns), ok);
	put(j, "compensated", json_boolean(m->compensated), ok);
	put(j, "command", jstr(m->command), ok);
	put(j, "cmd_exited", json_boolean(m->cmd_exited), ok);
	put(j, "cmd_status", json_integer(m->cmd_status), ok);
	return j;
}

static json_t *loss_json(const struct report_loss *l, bool *ok)
{
	json_t *j = json_object();

	put(j, "spans_produced", ju64(l->spans_produced), ok);
	put(j, "spans_lost", ju64(l->spans_lost), ok);
	put(j, "proc_lost", ju64(l->proc_lost), ok);
	put(j, "stack_overflow", ju64(l->stack_overflow), ok);
	put(j, "stack_mismatch", ju64(l->stack_mismatch), ok);
	put(j, "threads_full", ju64(l->threads_full), ok);
	put(j, "tgids_full", ju64(l->tgids_full), ok);
	put(j, "bio_lost", ju64(l->bio_lost), ok);
	put(j, "bio_stale", ju64(l->bio_stale), ok);
	put(j, "bio_mapfull", ju64(l->bio_mapfull), ok);
	put(j, "split_bad", ju64(l->split_bad), ok);
	put(j, "bad_records", ju64(l->bad_records), ok);
	return j;
}

static json_t *pids_json(const struct report *r, bool *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];
		json_t *j = json_object();

		put(j, "pid", json_integer(p->pid), ok);
		put(j, "comm", jstr(p->comm), ok);
		put(j, "exited", json_boolean(p->exited), ok);
		put(j, "exit_code", json_integer(p->exit_code), ok);
		put(j, "calls", ju64(p->calls), ok);
		put(j, "resources", render_res__json_pid(p, ok), ok);
		append(arr, j, ok);
	}
	return arr;
}

static json_t *errors_json(const struct report_op *op, bool *ok)
{
	json_t *arr = json_array();
	char name[32];

	for (size_t i = 0; arr && i < op->nerrs; i++) {
		const struct report_err *e = &op->errs[i];
		json_t *j = json_object();

		put(j, "code", json_integer(e->code), ok);
		put(j, "name", json_string(e->name[0] ? e->name :
					   errnames__name(e->code, name, sizeof(name))), ok);
		put(j, "count", ju64(e->count), ok);
		append(arr, j, ok);
	}
	return arr;
}

/* An op with no calls has no latency: every value is null then. */
static json_t *latency_json(const struct report_op *op, bool *ok)
{
	json_t *j = json_object();
	bool any = op->calls > 0;

	put(j, "min", any ? ju64(op->min) : json_null(), ok);
	put(j, "mean", any ? jreal(op->mean) : json_null(), ok);
	put(j, "p50", any ? ju64(op->p50) : json_null(), ok);
	put(j, "p90", any ? ju64(op->p90) : json_null(), ok);
	put(j, "p95", any ? ju64(op->p95) : json_null(), ok);
	put(j, "p99", any ? ju64(op->p99) : json_null(), ok);
	put(j, "p99_9", any ? ju64(op->p999) : json_null(), ok);
	put(j, "max", any ? ju64(op->max) : json_null(), ok);
	put(j, "self_mean", any ? jreal(op->self_mean) : json_null(), ok);
	return j;
}

/*
 * Sparse: the non-empty buckets, each [low, high (inclusive), count], with
 * edges shifted down by shift (the compensated bias, clamped at 0).
 */
static json_t *histogram_json(const struct hist *h, uint64_t shift, bool *ok)
{
	json_t *j = json_object(), *buckets = json_array();
	size_t idx = 0, b;
	uint64_t cnt;

	while (h && buckets && hist__next(h, &idx, &b, &cnt)) {
		json_t *row = json_array();

		uint64_t lo = hist__bucket_low(b), hi = hist__bucket_high(b);

		append(row, ju64(lo > shift ? lo - shift : 0), ok);
		append(row, ju64(hi > shift ? hi - shift : 0), ok);
		append(row, ju64(cnt), ok);
		append(buckets, row, ok);
	}
	put(j, "buckets", buckets, ok);
	return j;
}

static json_t *split_json(const struct report_split *s, bool *ok)
{
	json_t *j = json_object();

	put(j, "calls", ju64(s->calls), ok);
	put(j, "wall_mean_ns", jreal(s->wall_mean), ok);
	put(j, "oncpu_mean_ns", jreal(s->oncpu_mean), ok);
	put(j, "runq_mean_ns", jreal(s->runq_mean), ok);
	put(j, "iowait_mean_ns", jreal(s->iowait_mean), ok);
	put(j, "offcpu_mean_ns", jreal(s->offcpu_mean), ok);
	put(j, "oncpu_share", jreal(s->oncpu_share), ok);
	put(j, "runq_share", jreal(s->runq_share), ok);
	put(j, "iowait_share", jreal(s->iowait_share), ok);
	put(j, "offcpu_share", jreal(s->offcpu_share), ok);
	return j;
}

/* The time split of all calls and of the tail; null when not measured. */
static json_t *time_split_json(const struct report_op *op, bool *ok)
{
	json_t *j;

	if (!op->has_split)
		return json_null();
	j = json_object();
	put(j, "all", split_json(&op->split_all, ok), ok);
	put(j, "tail", split_json(&op->split_tail, ok), ok);
	put(j, "tail_threshold_ns", ju64(op->tail_threshold_ns), ok);
	return j;
}

static json_t *per_call_json(const struct report_op *op, bool *ok)
{
	json_t *j;

	if (!op->has_counts)
		return json_null();
	j = json_object();
	put(j, "voluntary_switches", jreal(op->nvcsw_per_call), ok);
	put(j, "involuntary_switches", jreal(op->nivcsw_per_call), ok);
	put(j, "minor_faults", jreal(op->minflt_per_call), ok);
	put(j, "major_faults", jreal(op->majflt_per_call), ok);
	return j;
}

static json_t *op_json(const struct report_op *op, bool *ok)
{
	const struct op_info *info = op->info;
	json_t *j = json_object();

	put(j, "pid", json_integer(op->pid), ok);
	put(j, "comm", jstr(op->comm), ok);
	put(j, "name", jstr(info ? info->name : NULL), ok);
	put(j, "category", jstr(info ? info->category : NULL), ok);
	put(j, "func", jstr(info ? info->func : NULL), ok);
	put(j, "path", jstr(info ? info->path : NULL), ok);
	put(j, "endbr_skipped", json_boolean(info && info->endbr_skipped), ok);
	put(j, "ifunc", json_boolean(info && info->ifunc), ok);
	put(j, "error_mode", json_string(error_mode_str(info ? info->error_mode :
							 PROBE_ERR_NONE)), ok);
	put(j, "calls", ju64(op->calls), ok);
	put(j, "rate", jreal(op->rate), ok);
	put(j, "errors", ju64(op->errors), ok);
	put(j, "error_rate", jreal(op->err_rate), ok);
	put(j, "errors_by_code", errors_json(op, ok), ok);
	put(j, "bytes", ju64(op->bytes), ok);
	put(j, "bytes_rate", jreal(op->bytes_rate), ok);
	put(j, "latency_ns", latency_json(op, ok), ok);
	put(j, "time_split", time_split_json(op, ok), ok);
	put(j, "per_call", per_call_json(op, ok), ok);
	put(j, "probe_insn", op->probe_insn ? json_string(op->probe_insn) : json_null(), ok);
	put(j, "bias_ns", op->bias_ns < 0 ? json_null() : json_integer(op->bias_ns), ok);
	put(j, "compensated", json_boolean(op->compensated), ok);
	put(j, "histogram", histogram_json(op->lat, op->compensated ? (uint64_t)op->bias_ns : 0, ok),
	    ok);
	return j;
}

static json_t *report_json(const struct report *r, bool *ok)
{
	json_t *root = json_object(), *ops = json_array();

	put(root, "schema", json_string("optrace.report"), ok);
	put(root, "version", json_integer(REPORT_SCHEMA_VERSION), ok);
	put(root, "meta", meta_json(&r->meta, ok), ok);
	put(root, "loss", loss_json(&r->loss, ok), ok);
	put(root, "pids", pids_json(r, ok), ok);
	for (size_t i = 0; ops && i < r->nops; i++)
		append(ops, op_json(&r->ops[i], ok), ok);
	put(root, "ops", ops, ok);
	put(root, "system", render_res__json_sys(&r->sys, ok), ok);
	return root;
}

/*
 * The document is serialised into memory first (json_dumpb, sized by a
 * first pass), so an allocation failure while dumping is -ENOMEM with
 * nothing written, and only a failed write is -EIO.
 */
int render__json(FILE *f, const struct report *r, const struct render_opts *o)
{
	const size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
	bool ok = true;
	char *text = NULL;
	size_t len = 0;
	json_t *root;
	int err = 0;

	(void)o; /* no JSON-specific options yet */
	root = report_json(r, &ok);
	if (root && ok)
		len = json_dumpb(root, NULL, 0, flags);
	if (len)
		text = malloc(len);
	if (!text || json_dumpb(root, text, len, flags) != len) {
		err = -ENOMEM;
		goto out;
	}
	if (fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF || fflush(f) || ferror(f))
		err = -EIO;
out:
	free(text);
	json_decref(root);
	return err;
}
