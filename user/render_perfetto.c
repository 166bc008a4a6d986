// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_perfetto.c - the report as a Chrome trace-event JSON file (the
 * "JSON Object Format"), which ui.perfetto.dev and chrome://tracing open:
 * a track per thread with the kept slowest spans, nested by time, each
 * annotated with its time split; the op's latency percentiles over time as
 * counter tracks; alerts as instant events.
 *
 * Owns the event layout: metadata events ("ph":"M") name every process and
 * every thread that has spans; spans are complete events ("ph":"X") with
 * ts and dur in microseconds (doubles: nanoseconds survive) relative to the
 * start of tracing, ordered per thread by start and, at the same start,
 * longest first so a parent comes before its children.  A span's args hold
 * the exact ns figures, its time split (when measured), ret, bytes (when
 * the op has a bytes= source), switches and faults (when counted), error.
 * A report without spans still gives a valid trace: the metadata and an
 * instant event saying none were kept.
 *
 * Leaves to others: which spans are kept (spans.c), every number, the
 * FILE *.  Built with jansson; an allocation failure is -ENOMEM with
 * nothing written, a failed write -EIO.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonutil.h"
#include "render_util.h"
#include "report.h"

/* A JSON string of s made UTF-8 (jansson refuses anything else). */
static json_t *ustr(const char *s)
{
	const unsigned char *p = (const unsigned char *)ru_str(s);
	char *copy;
	json_t *j;
	size_t k;

	for (; *p && (k = ru_utf8_len(p)); p += k)
		;
	if (!*p)
		return json_string(ru_str(s));
	copy = ru_utf8_dup(s);
	j = copy ? json_string(copy) : NULL;
	free(copy);
	return j;
}

static json_t *us(uint64_t ns)
{
	return json_real((double)ns / 1000.0);
}

/* ---- processes and threads ---- */

struct thread_key {
	uint32_t pid, tid;
};

static int cmp_thread(const void *a, const void *b)
{
	const struct thread_key *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The command name of pid: its process entry, else one of its ops. */
static const char *pid_comm(const struct report *r, uint32_t pid)
{
	for (size_t i = 0; i < r->npids; i++)
		if (r->pids[i].pid == pid && r->pids[i].comm)
			return r->pids[i].comm;
	for (size_t i = 0; i < r->nops; i++)
		if (r->ops[i].pid == pid && r->ops[i].comm)
			return r->ops[i].comm;
	return NULL;
}

/* A thread's name: its own comm when known (--threads), else its process's. */
static const char *thread_comm(const struct report *r, uint32_t pid, uint32_t tid)
{
	for (size_t i = 0; i < r->npids; i++) {
		if (r->pids[i].pid != pid)
			continue;
		for (size_t j = 0; j < r->pids[i].nthreads; j++)
			if (r->pids[i].threads[j].tid == tid && r->pids[i].threads[j].comm[0])
				return r->pids[i].threads[j].comm;
	}
	return pid_comm(r, pid);
}

static json_t *meta_event(const char *what, uint32_t pid, uint32_t tid, json_t *args, bool *ok)
{
	json_t *e = json_object();

	put(e, "ph", json_string("M"), ok);
	put(e, "name", json_string(what), ok);
	put(e, "pid", json_integer(pid), ok);
	put(e, "tid", json_integer(tid), ok);
	put(e, "args", args, ok);
	return e;
}

static json_t *name_args(const char *name, bool *ok)
{
	json_t *a = json_object();

	put(a, "name", ustr(name), ok);
	return a;
}

static bool seen_pid(const uint32_t *v, size_t n, uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* process_name for every pid of the report (pids, ops, spans); thread_name for threads with spans. */
static void names(json_t *ev, const struct report *r, bool *ok)
{
	size_t cap = r->npids + r->nops + r->nspans + 1, np = 0, nt = 0;
	uint32_t *pids = calloc(cap, sizeof(*pids));
	struct thread_key *tk = calloc(r->nspans + 1, sizeof(*tk));
	char label[64];

	if (!pids || !tk) {
		*ok = false;
		goto out;
	}
	for (size_t i = 0; i < r->npids; i++)
		if (!seen_pid(pids, np, r->pids[i].pid))
			pids[np++] = r->pids[i].pid;
	for (size_t i = 0; i < r->nops; i++)
		if (!seen_pid(pids, np, r->ops[i].pid))
			pids[np++] = r->ops[i].pid;
	for (size_t i = 0; i < r->nspans; i++) {
		if (!seen_pid(pids, np, r->spans[i].pid))
			pids[np++] = r->spans[i].pid;
		tk[nt++] = (struct thread_key){ r->spans[i].pid, r->spans[i].tid };
	}
	for (size_t i = 0; i < np; i++) {
		const char *comm = pid_comm(r, pids[i]);

		append(ev, meta_event("process_name", pids[i], pids[i],
				      name_args(comm ? comm : "?", ok), ok), ok);
		append(ev, meta_event("process_sort_index", pids[i], pids[i],
				      json_pack("{s:I}", "sort_index", (json_int_t)i), ok), ok);
	}
	qsort(tk, nt, sizeof(*tk), cmp_thread);
	for (size_t i = 0; i < nt; i++) {
		const char *comm;

		if (i && !cmp_thread(&tk[i], &tk[i - 1]))
			continue;
		comm = thread_comm(r, tk[i].pid, tk[i].tid);
		if (!comm) {
			snprintf(label, sizeof(label), "thread %" PRIu32, tk[i].tid);
			comm = label;
		}
		append(ev, meta_event("thread_name", tk[i].pid, tk[i].tid, name_args(comm, ok), ok),
		       ok);
	}
out:
	free(pids);
	free(tk);
}

/* ---- spans ---- */

static int cmp_span(const void *a, const void *b)
{
	const struct report_span *x = *(const struct report_span *const *)a;
	const struct report_span *y = *(const struct report_span *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->dur_ns != y->dur_ns) /* the enclosing span first */
		return x->dur_ns > y->dur_ns ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

static const struct report_op *span_op(const struct report *r, const struct report_span *s)
{
	for (size_t i = 0; s->op && i < r->nops; i++)
		if (r->ops[i].pid == s->pid && !strcmp(ru_op_name(&r->ops[i]), s->op))
			return &r->ops[i];
	return NULL;
}

static json_t *span_args(const struct report_span *s, bool *ok)
{
	json_t *a = json_object();

	put(a, "start_ns", ju64(s->start_ns), ok);
	put(a, "dur_ns", ju64(s->dur_ns), ok);
	put(a, "self_ns", ju64(s->dur_ns > s->child_ns ? s->dur_ns - s->child_ns : 0), ok);
	put(a, "child_ns", ju64(s->child_ns), ok);
	put(a, "depth", json_integer(s->depth), ok);
	put(a, "ret", json_integer(s->ret), ok);
	put(a, "error", json_boolean(s->error), ok);
	put(a, "split", json_boolean(s->flags & OT_SPAN_F_SPLIT), ok);
	if (s->flags & OT_SPAN_F_SPLIT) {
		put(a, "oncpu_ns", ju64(s->oncpu_ns), ok);
		put(a, "runq_ns", ju64(s->runq_ns), ok);
		put(a, "iowait_ns", ju64(s->iowait_ns), ok);
		put(a, "offcpu_ns", ju64(s->offcpu_ns), ok);
	}
	if (s->flags & OT_SPAN_F_BYTES)
		put(a, "bytes", ju64(s->bytes), ok);
	if (s->flags & OT_SPAN_F_FAULTS) {
		put(a, "voluntary_switches", json_integer(s->nvcsw), ok);
		put(a, "involuntary_switches", json_integer(s->nivcsw), ok);
		put(a, "minor_faults", json_integer(s->minflt), ok);
		put(a, "major_faults", json_integer(s->majflt), ok);
	}
	return a;
}

static void spans(json_t *ev, const struct report *r, bool *ok)
{
	const struct report_span **v;

	if (!r->nspans)
		return;
	v = calloc(r->nspans, sizeof(*v));
	if (!v) {
		*ok = false;
		return;
	}
	for (size_t i = 0; i < r->nspans; i++)
		v[i] = &r->spans[i];
	qsort(v, r->nspans, sizeof(*v), cmp_span);
	for (size_t i = 0; i < r->nspans && *ok; i++) {
		const struct report_span *s = v[i];
		const struct report_op *op = span_op(r, s);
		const char *cat = op ? ru_op_category(op) : "";
		json_t *e = json_object();

		put(e, "ph", json_string("X"), ok);
		put(e, "name", ustr(s->op ? s->op : "?"), ok);
		put(e, "cat", ustr(cat[0] ? cat : "op"), ok);
		put(e, "pid", json_integer(s->pid), ok);
		put(e, "tid", json_integer(s->tid), ok);
		put(e, "ts", us(s->start_ns), ok);
		put(e, "dur", us(s->dur_ns), ok);
		put(e, "args", span_args(s, ok), ok);
		append(ev, e, ok);
	}
	free(v);
}

/* An instant event on the first process's track (or pid 0) saying no span was kept. */
static void no_spans(json_t *ev, const struct report *r, bool *ok)
{
	uint32_t pid = r->npids ? r->pids[0].pid : r->nops ? r->ops[0].pid : 0;
	json_t *e = json_object(), *a = json_object();

	const char *msg = "no spans were kept: record with --spans N to keep the N slowest calls";

	if (r->meta.kind && !strcmp(r->meta.kind, "interval"))
		msg = "no spans in an interval report: the final report has the slowest calls";
	else if (r->meta.spans_cap)
		msg = "no spans were kept: no traced call completed";
	put(a, "message", json_string(msg), ok);
	put(a, "spans_cap", ju64(r->meta.spans_cap), ok);
	put(e, "ph", json_string("i"), ok);
	put(e, "s", json_string("g"), ok);
	put(e, "name", json_string("no spans kept"), ok);
	put(e, "cat", json_string("optrace"), ok);
	put(e, "pid", json_integer(pid), ok);
	put(e, "tid", json_integer(pid), ok);
	put(e, "ts", json_real(0), ok);
	put(e, "args", a, ok);
	append(ev, e, ok);
}

/* ---- counters and instants ---- */

/* Each op's p50/p95/p99 per interval, as a counter track of its process (us). */
static void series(json_t *ev, const struct report *r, bool *ok)
{
	for (size_t i = 0; i < r->nops && *ok; i++) {
		const struct report_op *op = &r->ops[i];
		size_t len = strlen(ru_op_name(op)) + 32;
		char *name = malloc(len);

		if (!name) {
			*ok = false;
			return;
		}
		snprintf(name, len, "%s latency (us)", ru_op_name(op));
		for (size_t j = 0; j < op->nseries && *ok; j++) {
			const struct series_point *p = &op->series[j];
			json_t *e, *a;

			if (!p->calls || !isfinite(p->t_s) || p->t_s < 0)
				continue;
			e = json_object();
			a = json_object();
			put(a, "p50", us(p->p50), ok);
			put(a, "p95", us(p->p95), ok);
			put(a, "p99", us(p->p99), ok);
			put(e, "ph", json_string("C"), ok);
			put(e, "name", ustr(name), ok);
			put(e, "cat", json_string("series"), ok);
			put(e, "pid", json_integer(op->pid), ok);
			put(e, "tid", json_integer(op->pid), ok);
			put(e, "ts", json_real(p->t_s * 1e6), ok);
			put(e, "args", a, ok);
			append(ev, e, ok);
		}
		free(name);
	}
}

static void alerts(json_t *ev, const struct report *r, bool *ok)
{
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_event *al = &r->alerts[i];
		json_t *e = json_object(), *a = json_object();
		bool sys = al->subject_kind == SUBJ_SYSTEM || !al->pid;

		put(a, "severity", json_string(severity__name(al->severity)), ok);
		put(a, "subject", ustr(al->subject), ok);
		put(a, "metric", ustr(al->metric), ok);
		put(a, "cmp", ustr(al->cmp), ok);
		put(a, "value", jreal(al->value), ok);
		put(a, "threshold", jreal(al->threshold), ok);
		put(a, "for_s", jreal(al->for_s), ok);
		put(e, "ph", json_string("i"), ok);
		put(e, "s", json_string(sys ? "g" : "p"), ok);
		put(e, "name", ustr(al->name), ok);
		put(e, "cat", json_string("alert"), ok);
		put(e, "pid", json_integer(al->pid), ok);
		put(e, "tid", json_integer(al->pid), ok);
		put(e, "ts", json_real(isfinite(al->t_s) && al->t_s > 0 ? al->t_s * 1e6 : 0), ok);
		put(e, "args", a, ok);
		append(ev, e, ok);
	}
}

/* The run's metadata, shown by chrome://tracing's "Metadata" button. */
static json_t *other_data(const struct report *r, bool *ok)
{
	const struct report_meta *m = &r->meta;
	const struct report_loss *l = &r->loss;
	json_t *j = json_object();

	put(j, "generator", json_string("optrace"), ok);
	put(j, "report", jstr(m->kind), ok);
	put(j, "command", m->command ? ustr(m->command) : json_null(), ok);
	put(j, "host", m->host ? ustr(m->host) : json_null(), ok);
	put(j, "kernel", m->kernel ? ustr(m->kernel) : json_null(), ok);
	put(j, "optrace_args", m->optrace_args ? ustr(m->optrace_args) : json_null(), ok);
	put(j, "clock", jstr(m->clock), ok);
	put(j, "start_unix_ns", json_integer(m->start_unix_ns), ok);
	put(j, "elapsed_s", jreal(m->elapsed_s), ok);
	put(j, "spans_kept", ju64(r->nspans), ok);
	put(j, "spans_cap", ju64(m->spans_cap), ok);
	put(j, "spans_produced", ju64(l->spans_produced), ok);
	put(j, "spans_lost", ju64(l->spans_lost), ok);
	put(j, "findings", ju64(r->nfindings), ok);
	put(j, "alerts", ju64(r->nalerts), ok);
	put(j, "timestamps", json_string("microseconds since tracing started"), ok);
	return j;
}

int render__perfetto(FILE *f, const struct report *r, const struct render_opts *o)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	json_t *root = json_object(), *ev = json_array();
	bool ok = root && ev;
	char *text = NULL;
	size_t len = 0;
	int err = 0;

	(void)o; /* no Perfetto options */
	if (ok) {
		names(ev, r, &ok);
		if (r->nspans)
			spans(ev, r, &ok);
		else
			no_spans(ev, r, &ok);
		series(ev, r, &ok);
		alerts(ev, r, &ok);
	}
	put(root, "traceEvents", ev, &ok);
	put(root, "displayTimeUnit", json_string("ns"), &ok);
	put(root, "otherData", other_data(r, &ok), &ok);
	if (ok)
		len = json_dumpb(root, NULL, 0, flags);
	if (len)
		text = malloc(len);
	if (!text || json_dumpb(root, text, len, flags) != len) {
		err = -ENOMEM;
		goto out;
	}
	if (fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF)
		err = -EIO;
	else
		err = ru_finish(f);
out:
	free(text);
	json_decref(root);
	return err;
}
