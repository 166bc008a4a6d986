// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_json.c - the report as one JSON tree (schema "optrace.report"):
 * the plain tree that `-f json` prints (docs/report.schema.json), and the
 * full tree a record keeps (docs/record.md), which adds what rebuilding the
 * report exactly needs: sparse histograms by bucket index, interval series,
 * kept spans, and the raw resource snapshots ("raw", "system_raw").
 *
 * Owns the JSON field names and types: integers for counts and ns, reals
 * for rates and means, null for "no value" (bias not calibrated, no
 * command, latency of an op with no calls, non-finite numbers).  In the
 * full-only parts, u64 values above INT64_MAX (an unlimited fd limit, the
 * min of an empty histogram) are decimal strings, so nothing is clamped.
 * Leaves to others: every number (report__build computes; this file only
 * converts), reading a tree back (report_read.c) and the FILE *.
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

#include "errmode.h"
#include "errnames.h"
#include "hist.h"
#include "jsonutil.h"
#include "render_res.h"
#include "report.h"
#include "report_json.h"

/* Counts and ns above LLONG_MAX (292 years of ns) are clamped. */
/* Local until trend.c lands with trend__dir_name (same names, same order). */
static const char *const trend_dir_names[] = { "unknown", "stable", "increasing", "decreasing" };

static const char *trend_dir_str(int dir)
{
	return dir > 0 && dir < 4 ? trend_dir_names[dir] : trend_dir_names[0];
}

/* Full tree only: a u64 kept exactly (decimal string above INT64_MAX). */
static json_t *jx64(uint64_t v)
{
	char buf[24];

	if (v <= LLONG_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_string(buf);
}

static json_t *meta_json(const struct report_meta *m, bool full, bool *ok)
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
	put(j, "host", jstr(m->host), ok);
	put(j, "kernel", jstr(m->kernel), ok);
	put(j, "optrace_args", jstr(m->optrace_args), ok);
	put(j, "clock", jstr(m->clock), ok);
	put(j, "tick_s", jreal(m->tick_s), ok);
	put(j, "spans_cap", ju64(m->spans_cap), ok);
	put(j, "sample_every", json_integer(m->sample_every), ok);
	{
		json_t *names = json_array();

		for (size_t k = 0; names && k < m->ncounters && k < OT_NR_CTR; k++)
			append(names, jstr(m->counter_names[k]), ok);
		put(j, "counters", names, ok);
	}
	put(j, "counters_absent", m->counters_absent && *m->counters_absent ?
				   json_string(m->counters_absent) : json_null(), ok);
	if (full)
		put(j, "show_idle_ops", json_boolean(m->show_idle_ops), ok);
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
	put(j, "split_unseen", ju64(l->split_unseen), ok);
	put(j, "ctr_unseen", ju64(l->ctr_unseen), ok);
	put(j, "bad_records", ju64(l->bad_records), ok);
	return j;
}

static json_t *hist_full_json(const struct hist *h, bool *ok);
static json_t *pid_raw_json(const struct report_pid *p, bool *ok);

static json_t *pids_json(const struct report *r, bool full, bool *ok)
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
		put(j, "efficiency", p->efficiency < 0 ? json_null() : jreal(p->efficiency), ok);
		if (full)
			put(j, "raw", pid_raw_json(p, ok), ok);
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

/* Perf counters per call, by name (meta.counters): null when none was read. */
static json_t *counters_json(const struct report_op *op, const struct report_meta *m, bool full,
			     bool *ok)
{
	json_t *j;

	if (!m->ncounters)
		return json_null();
	j = json_object();
	for (size_t k = 0; j && k < m->ncounters && k < OT_NR_CTR; k++) {
		const struct report_ctr *c = &op->ctr[k];
		json_t *o = json_object();

		put(o, "calls", ju64(c->calls), ok);
		put(o, "mean", c->calls ? jreal(c->mean) : json_null(), ok);
		put(o, "p50", c->calls ? ju64(c->p50) : json_null(), ok);
		put(o, "p99", c->calls ? ju64(c->p99) : json_null(), ok);
		if (full)
			put(o, "hist", c->h && c->calls ? hist_full_json(c->h, ok) : json_null(), ok);
		put(j, m->counter_names[k] ? m->counter_names[k] : "?", o, ok);
	}
	return j;
}

static json_t *trend_json(const struct trend *t, bool *ok)
{
	json_t *j = json_object();

	put(j, "dir", json_string(trend_dir_str(t->dir)), ok);
	put(j, "npoints", json_integer(t->npoints), ok);
	put(j, "mean", jreal(t->mean), ok);
	put(j, "slope", jreal(t->slope), ok);
	put(j, "slope_rel", jreal(t->slope_rel), ok);
	put(j, "p_value", jreal(t->p_value), ok);
	put(j, "cv", jreal(t->cv), ok);
	put(j, "slope_se", jreal(t->slope_se), ok);
	return j;
}

static json_t *trends_json(const struct report_op *op, bool *ok)
{
	json_t *j;

	if (!op->has_trends)
		return json_null();
	j = json_object();
	put(j, "p50", trend_json(&op->trend_p50, ok), ok);
	put(j, "p99", trend_json(&op->trend_p99, ok), ok);
	put(j, "rate", trend_json(&op->trend_rate, ok), ok);
	put(j, "error_rate", trend_json(&op->trend_err_rate, ok), ok);
	return j;
}

static json_t *series_json(const struct report_op *op, bool *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < op->nseries; i++) {
		const struct series_point *p = &op->series[i];
		json_t *j = json_object();

		put(j, "t_s", jreal(p->t_s), ok);
		put(j, "window_s", jreal(p->window_s), ok);
		put(j, "calls", jx64(p->calls), ok);
		put(j, "errors", jx64(p->errors), ok);
		put(j, "p50", jx64(p->p50), ok);
		put(j, "p95", jx64(p->p95), ok);
		put(j, "p99", jx64(p->p99), ok);
		put(j, "mean", jreal(p->mean), ok);
		append(arr, j, ok);
	}
	return arr;
}

static json_t *op_json(const struct report_op *op, const struct report_meta *m, bool full,
		       bool *ok)
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
	put(j, "counted", json_boolean(info && info->counted), ok);
	put(j, "ifunc", json_boolean(info && info->ifunc), ok);
	put(j, "error_mode", json_string(errmode__name(info ? info->error_mode :
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
	put(j, "counters", counters_json(op, m, full, ok), ok);
	put(j, "probe_insn", op->probe_insn ? json_string(op->probe_insn) : json_null(), ok);
	put(j, "bias_ns", op->bias_ns < 0 ? json_null() : json_integer(op->bias_ns), ok);
	put(j, "compensated", json_boolean(op->compensated), ok);
	put(j, "histogram", histogram_json(op->lat, op->compensated ? (uint64_t)op->bias_ns : 0, ok),
	    ok);
	put(j, "trends", trends_json(op, ok), ok);
	if (!full)
		return j;
	put(j, "bytes_src", json_integer(info ? info->bytes_src : 0), ok);
	put(j, "insn_class", json_integer(info ? info->insn_class : 0), ok);
	put(j, "latency_hist", hist_full_json(op->lat, ok), ok);
	put(j, "series", series_json(op, ok), ok);
	return j;
}

static json_t *findings_json(const struct report *r, bool *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < r->nfindings; i++) {
		const struct finding *fd = &r->findings[i];
		json_t *j = json_object(), *ev = json_array();

		put(j, "rule", json_string(fd->rule), ok);
		put(j, "severity", json_string(severity__name(fd->severity)), ok);
		put(j, "subject_kind", json_string(subject_kind__name(fd->subject_kind)), ok);
		put(j, "pid", json_integer(fd->pid), ok);
		put(j, "op", json_string(fd->op), ok);
		put(j, "device", json_string(fd->device), ok);
		put(j, "subject", json_string(fd->subject), ok);
		put(j, "summary", json_string(fd->summary), ok);
		put(j, "recommendation", json_string(fd->recommendation), ok);
		for (unsigned k = 0; ev && k < fd->nev && k < FINDING_MAX_EVIDENCE; k++)
			append(ev, json_pack("{s:s,s:o,s:s}", "name", fd->ev[k].name, "value",
					     jreal(fd->ev[k].value), "unit", fd->ev[k].unit), ok);
		put(j, "evidence", ev, ok);
		put(j, "impact", jreal(fd->impact), ok);
		append(arr, j, ok);
	}
	return arr;
}

static json_t *alerts_json(const struct report *r, bool *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < r->nalerts; i++) {
		const struct alert_event *a = &r->alerts[i];
		json_t *j = json_object();

		put(j, "name", json_string(a->name), ok);
		put(j, "severity", json_string(severity__name(a->severity)), ok);
		put(j, "subject_kind", json_string(subject_kind__name(a->subject_kind)), ok);
		put(j, "pid", json_integer(a->pid), ok);
		put(j, "op", json_string(a->op), ok);
		put(j, "subject", json_string(a->subject), ok);
		put(j, "metric", json_string(a->metric), ok);
		put(j, "cmp", json_string(a->cmp), ok);
		put(j, "value", jreal(a->value), ok);
		put(j, "threshold", jreal(a->threshold), ok);
		put(j, "for_s", jreal(a->for_s), ok);
		put(j, "t_s", jreal(a->t_s), ok);
		put(j, "unix_ns", json_integer(a->unix_ns), ok);
		append(arr, j, ok);
	}
	return arr;
}

/* ---- full tree only: what a record needs to rebuild the report ---- */

/* {count, sum, min, max, buckets: [[bucket index, count], ...]}; null for no histogram. */
static json_t *hist_full_json(const struct hist *h, bool *ok)
{
	json_t *j, *buckets;
	size_t idx = 0, b;
	uint64_t cnt;

	if (!h)
		return json_null();
	j = json_object();
	buckets = json_array();
	put(j, "count", jx64(h->count), ok);
	put(j, "sum", jx64(h->sum), ok);
	put(j, "min", jx64(h->min), ok);
	put(j, "max", jx64(h->max), ok);
	while (buckets && hist__next(h, &idx, &b, &cnt))
		append(buckets, json_pack("[Io]", (json_int_t)b, jx64(cnt)), ok);
	put(j, "buckets", buckets, ok);
	return j;
}

static json_t *acct_full_json(const struct ot_acct *a, bool *ok)
{
	json_t *j = json_object();

	put(j, "oncpu_ns", jx64(a->oncpu_ns), ok);
	put(j, "runq_ns", jx64(a->runq_ns), ok);
	put(j, "iowait_ns", jx64(a->iowait_ns), ok);
	put(j, "offcpu_ns", jx64(a->offcpu_ns), ok);
	put(j, "runq_waits", jx64(a->runq_waits), ok);
	put(j, "switches", jx64(a->switches), ok);
	return j;
}

static json_t *task_json(const struct sysmon_task *t, bool *ok)
{
	json_t *j = json_object();
	char state[2] = { t->state, 0 };

	put(j, "id", json_integer(t->id), ok);
	put(j, "state", json_string(state), ok);
	put(j, "comm", json_string(t->comm), ok);
	put(j, "utime_ns", jx64(t->utime_ns), ok);
	put(j, "stime_ns", jx64(t->stime_ns), ok);
	put(j, "minflt", jx64(t->minflt), ok);
	put(j, "majflt", jx64(t->majflt), ok);
	put(j, "starttime_ns", jx64(t->starttime_ns), ok);
	put(j, "has_ctxsw", json_boolean(t->has_ctxsw), ok);
	put(j, "vol_ctxsw", jx64(t->vol_ctxsw), ok);
	put(j, "nonvol_ctxsw", jx64(t->nonvol_ctxsw), ok);
	return j;
}

static json_t *sysmon_pid_json(const struct sysmon_pid *p, bool *ok)
{
	json_t *j = json_object();

	put(j, "task", task_json(&p->task, ok), ok);
	put(j, "ppid", json_integer(p->ppid), ok);
	put(j, "num_threads", json_integer(p->num_threads), ok);
	put(j, "has_rss", json_boolean(p->has_rss), ok);
	put(j, "rss_bytes", jx64(p->rss_bytes), ok);
	put(j, "hwm_bytes", jx64(p->hwm_bytes), ok);
	put(j, "has_io", json_boolean(p->has_io), ok);
	put(j, "read_bytes", jx64(p->read_bytes), ok);
	put(j, "write_bytes", jx64(p->write_bytes), ok);
	put(j, "rchar", jx64(p->rchar), ok);
	put(j, "wchar", jx64(p->wchar), ok);
	put(j, "has_fds", json_boolean(p->has_fds), ok);
	put(j, "nfds", json_integer(p->nfds), ok);
	put(j, "has_fd_limit", json_boolean(p->has_fd_limit), ok);
	put(j, "fd_limit", jx64(p->fd_limit), ok);
	return j;
}

static json_t *pid_rates_json(const struct sysmon_pid_rates *r, bool *ok)
{
	json_t *j = json_object();

	put(j, "cpu_user_pct", jreal(r->cpu_user_pct), ok);
	put(j, "cpu_sys_pct", jreal(r->cpu_sys_pct), ok);
	put(j, "cpu_pct", jreal(r->cpu_pct), ok);
	put(j, "minflt_per_s", jreal(r->minflt_per_s), ok);
	put(j, "majflt_per_s", jreal(r->majflt_per_s), ok);
	put(j, "has_ctxsw", json_boolean(r->has_ctxsw), ok);
	put(j, "vol_ctxsw_per_s", jreal(r->vol_ctxsw_per_s), ok);
	put(j, "nonvol_ctxsw_per_s", jreal(r->nonvol_ctxsw_per_s), ok);
	put(j, "has_io", json_boolean(r->has_io), ok);
	put(j, "read_bytes_per_s", jreal(r->read_bytes_per_s), ok);
	put(j, "write_bytes_per_s", jreal(r->write_bytes_per_s), ok);
	put(j, "rchar_per_s", jreal(r->rchar_per_s), ok);
	put(j, "wchar_per_s", jreal(r->wchar_per_s), ok);
	return j;
}

static json_t *thread_full_json(const struct res_thread *t, bool *ok)
{
	json_t *j = json_object();

	put(j, "tgid", json_integer(t->tgid), ok);
	put(j, "tid", json_integer(t->tid), ok);
	put(j, "comm", json_string(t->comm), ok);
	put(j, "alive", json_boolean(t->alive), ok);
	put(j, "acct", acct_full_json(&t->acct, ok), ok);
	put(j, "has_cpu", json_boolean(t->has_cpu), ok);
	put(j, "cpu_pct", jreal(t->cpu_pct), ok);
	return j;
}

static json_t *bio_full_json(const struct report_bio *o, bool *ok)
{
	json_t *j = json_object();

	put(j, "dev", json_integer(o->dev), ok);
	put(j, "dev_name", jstr(o->dev_name), ok);
	put(j, "op", jstr(o->op), ok);
	put(j, "count", jx64(o->count), ok);
	put(j, "bytes", jx64(o->bytes), ok);
	put(j, "errors", jx64(o->errors), ok);
	put(j, "iops", jreal(o->iops), ok);
	put(j, "bytes_rate", jreal(o->bytes_rate), ok);
	put(j, "p50", jx64(o->p50), ok);
	put(j, "p90", jx64(o->p90), ok);
	put(j, "p99", jx64(o->p99), ok);
	put(j, "max", jx64(o->max), ok);
	put(j, "svc_p50", jx64(o->svc_p50), ok);
	put(j, "svc_p99", jx64(o->svc_p99), ok);
	put(j, "queue_mean", jreal(o->queue_mean), ok);
	return j;
}

/* A pid's resources as the struct holds them (the plain "resources" rounds some away). */
static json_t *pid_raw_json(const struct report_pid *p, bool *ok)
{
	const struct res_pid *rs = &p->res;
	json_t *j = json_object(), *res = json_object(), *threads = json_array(),
	       *bio = json_array();

	put(j, "has_res", json_boolean(p->has_res), ok);
	put(res, "pid", json_integer(rs->pid), ok);
	put(res, "has_proc", json_boolean(rs->has_proc), ok);
	put(res, "now", sysmon_pid_json(&rs->now, ok), ok);
	put(res, "rates", pid_rates_json(&rs->rates, ok), ok);
	put(res, "rss_peak_bytes", jx64(rs->rss_peak_bytes), ok);
	put(res, "has_acct", json_boolean(rs->has_acct), ok);
	put(res, "acct", acct_full_json(&rs->acct, ok), ok);
	put(res, "runq", hist_full_json(&rs->runq, ok), ok);
	put(res, "has_rss_start", json_boolean(rs->has_rss_start), ok);
	put(res, "rss_start_bytes", jx64(rs->rss_start_bytes), ok);
	put(res, "has_cgroup", json_boolean(rs->has_cgroup), ok);
	put(res, "cpu_quota", jreal(rs->cpu_quota), ok);
	put(res, "has_throttle", json_boolean(rs->has_throttle), ok);
	put(res, "cg_periods", jx64(rs->cg_periods), ok);
	put(res, "cg_throttled", jx64(rs->cg_throttled), ok);
	put(res, "cg_throttled_ns", jx64(rs->cg_throttled_ns), ok);
	put(res, "throttled_share", jreal(rs->throttled_share), ok);
	put(j, "res", res, ok);
	put(j, "runq_count", jx64(p->runq_count), ok);
	put(j, "runq_p50", jx64(p->runq_p50), ok);
	put(j, "runq_p90", jx64(p->runq_p90), ok);
	put(j, "runq_p99", jx64(p->runq_p99), ok);
	put(j, "runq_max", jx64(p->runq_max), ok);
	for (size_t i = 0; threads && i < p->nthreads; i++)
		append(threads, thread_full_json(&p->threads[i], ok), ok);
	put(j, "threads", threads, ok);
	for (size_t i = 0; bio && i < p->nbio; i++)
		append(bio, bio_full_json(&p->bio[i], ok), ok);
	put(j, "bio", bio, ok);
	return j;
}

static json_t *psi_line_json(const struct sysmon_psi_line *l, bool *ok)
{
	json_t *j = json_object();

	put(j, "avg10", jreal(l->avg10), ok);
	put(j, "avg60", jreal(l->avg60), ok);
	put(j, "avg300", jreal(l->avg300), ok);
	put(j, "total_us", jx64(l->total_us), ok);
	return j;
}

static json_t *fs_full_json(const struct sysmon_fs *fs, bool *ok)
{
	json_t *j = json_object();

	put(j, "dev", jstr(fs->dev), ok);
	put(j, "dir", jstr(fs->dir), ok);
	put(j, "type", jstr(fs->type), ok);
	put(j, "devno", jx64(fs->devno), ok);
	put(j, "total_bytes", jx64(fs->total_bytes), ok);
	put(j, "used_bytes", jx64(fs->used_bytes), ok);
	put(j, "avail_bytes", jx64(fs->avail_bytes), ok);
	put(j, "used_pct", jreal(fs->used_pct), ok);
	put(j, "has_inodes", json_boolean(fs->has_inodes), ok);
	put(j, "inodes_total", jx64(fs->inodes_total), ok);
	put(j, "inodes_used", jx64(fs->inodes_used), ok);
	put(j, "inodes_used_pct", jreal(fs->inodes_used_pct), ok);
	return j;
}

static json_t *sys_now_json(const struct sysmon_sys *n, bool *ok)
{
	json_t *j = json_object(), *ticks = json_object(), *psi = json_object(),
	       *fs = json_array();

	for (int m = 0; m < SYSMON_CPU_NR; m++)
		put(ticks, sysmon__cpu_mode_name(m), jx64(n->cpu_ticks[m]), ok);
	put(j, "cpu_ticks", ticks, ok);
	put(j, "ncpus", json_integer(n->ncpus), ok);
	put(j, "procs_running", jx64(n->procs_running), ok);
	put(j, "procs_blocked", jx64(n->procs_blocked), ok);
	put(j, "mem_total_bytes", jx64(n->mem_total_bytes), ok);
	put(j, "mem_free_bytes", jx64(n->mem_free_bytes), ok);
	put(j, "mem_available_bytes", jx64(n->mem_available_bytes), ok);
	put(j, "swap_total_bytes", jx64(n->swap_total_bytes), ok);
	put(j, "swap_free_bytes", jx64(n->swap_free_bytes), ok);
	put(j, "has_vmstat", json_boolean(n->has_vmstat), ok);
	put(j, "pswpin", jx64(n->pswpin), ok);
	put(j, "pswpout", jx64(n->pswpout), ok);
	put(j, "load1", jreal(n->load1), ok);
	put(j, "load5", jreal(n->load5), ok);
	put(j, "load15", jreal(n->load15), ok);
	for (int i = 0; psi && i < SYSMON_PSI_NR; i++) {
		const struct sysmon_psi *p = &n->psi[i];
		json_t *pj = json_object();

		put(pj, "present", json_boolean(p->present), ok);
		put(pj, "has_full", json_boolean(p->has_full), ok);
		put(pj, "some", psi_line_json(&p->some, ok), ok);
		put(pj, "full", psi_line_json(&p->full, ok), ok);
		put(psi, sysmon__psi_name(i), pj, ok);
	}
	put(j, "psi", psi, ok);
	for (size_t i = 0; fs && i < n->nfs; i++)
		append(fs, fs_full_json(&n->fs[i], ok), ok);
	put(j, "fs", fs, ok);
	return j;
}

static json_t *system_raw_json(const struct res_sys *s, bool *ok)
{
	const struct sysmon_sys_rates *r = &s->rates;
	json_t *j = json_object(), *rates = json_object(), *cpu = json_object();

	put(j, "valid", json_boolean(s->valid), ok);
	put(j, "now", sys_now_json(&s->now, ok), ok);
	for (int m = 0; m < SYSMON_CPU_NR; m++)
		put(cpu, sysmon__cpu_mode_name(m), jreal(r->cpu_pct[m]), ok);
	put(rates, "cpu_pct", cpu, ok);
	put(rates, "cpu_busy_pct", jreal(r->cpu_busy_pct), ok);
	put(rates, "mem_used_pct", jreal(r->mem_used_pct), ok);
	put(rates, "swap_used_pct", jreal(r->swap_used_pct), ok);
	put(rates, "has_swap_io", json_boolean(r->has_swap_io), ok);
	put(rates, "swap_in_pages_per_s", jreal(r->swap_in_pages_per_s), ok);
	put(rates, "swap_out_pages_per_s", jreal(r->swap_out_pages_per_s), ok);
	put(j, "rates", rates, ok);
	return j;
}

static json_t *spans_json(const struct report *r, bool *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < r->nspans; i++) {
		const struct report_span *sp = &r->spans[i];
		json_t *j = json_object();

		put(j, "pid", json_integer(sp->pid), ok);
		put(j, "tid", json_integer(sp->tid), ok);
		put(j, "op_id", json_integer(sp->op_id), ok);
		put(j, "op", jstr(sp->op), ok);
		put(j, "start_ns", jx64(sp->start_ns), ok);
		put(j, "dur_ns", jx64(sp->dur_ns), ok);
		put(j, "child_ns", jx64(sp->child_ns), ok);
		put(j, "ret", json_integer(sp->ret), ok);
		put(j, "bytes", jx64(sp->bytes), ok);
		put(j, "depth", json_integer(sp->depth), ok);
		put(j, "flags", json_integer(sp->flags), ok);
		put(j, "oncpu_ns", jx64(sp->oncpu_ns), ok);
		put(j, "runq_ns", jx64(sp->runq_ns), ok);
		put(j, "iowait_ns", jx64(sp->iowait_ns), ok);
		put(j, "offcpu_ns", jx64(sp->offcpu_ns), ok);
		put(j, "nvcsw", json_integer(sp->nvcsw), ok);
		put(j, "nivcsw", json_integer(sp->nivcsw), ok);
		put(j, "minflt", json_integer(sp->minflt), ok);
		put(j, "majflt", json_integer(sp->majflt), ok);
		put(j, "error", json_integer(sp->error), ok);
		append(arr, j, ok);
	}
	return arr;
}

/* --ratio: one object per (process, ratio); ratio null when both counts are 0. */
static json_t *ratios_json(const struct report *r, bool *ok)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < r->nratios; i++) {
		const struct report_ratio *rr = &r->ratios[i];
		json_t *j = json_object();

		put(j, "pid", json_integer(rr->pid), ok);
		put(j, "comm", jstr(rr->comm), ok);
		put(j, "name_a", jstr(rr->label_a), ok);
		put(j, "name_b", jstr(rr->label_b), ok);
		put(j, "count_a", ju64(rr->count_a), ok);
		put(j, "count_b", ju64(rr->count_b), ok);
		put(j, "ratio", rr->ratio < 0 ? json_null() : jreal(rr->ratio), ok);
		append(arr, j, ok);
	}
	return arr;
}

json_t *report__to_json(const struct report *r, bool full)
{
	json_t *root = json_object(), *ops = json_array();
	bool ok = true;

	put(root, "schema", json_string("optrace.report"), &ok);
	put(root, "version", json_integer(REPORT_SCHEMA_VERSION), &ok);
	put(root, "meta", meta_json(&r->meta, full, &ok), &ok);
	put(root, "loss", loss_json(&r->loss, &ok), &ok);
	put(root, "pids", pids_json(r, full, &ok), &ok);
	for (size_t i = 0; ops && i < r->nops; i++)
		append(ops, op_json(&r->ops[i], &r->meta, full, &ok), &ok);
	put(root, "ops", ops, &ok);
	put(root, "ratios", ratios_json(r, &ok), &ok);
	put(root, "system", render_res__json_sys(&r->sys, &ok), &ok);
	put(root, "findings", findings_json(r, &ok), &ok);
	put(root, "alerts", alerts_json(r, &ok), &ok);
	if (full) {
		put(root, "spans", spans_json(r, &ok), &ok);
		put(root, "system_raw", system_raw_json(&r->sys, &ok), &ok);
	}
	if (!root || !ok) {
		json_decref(root);
		return NULL;
	}
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
	char *text = NULL;
	size_t len = 0;
	json_t *root;
	int err = 0;

	(void)o; /* no JSON-specific options yet */
	root = report__to_json(r, false);
	if (root)
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
