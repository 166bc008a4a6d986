// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_res.c - the resource parts of a report, as text and as JSON: per
 * process (CPU, memory, threads, fds, faults, switches, IO, scheduler
 * accounting and run-queue latency), per thread, and the system snapshot.
 * Formats only; report__build computed everything.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "jsonutil.h"
#include "render_res.h"
#include "units.h"

#define FMT 32

static const char *ns(uint64_t v, char *buf)
{
	return units__fmt_ns(v, buf, FMT);
}

static const char *bytes(double v, char *buf)
{
	return units__fmt_bytes(v > 0 ? (uint64_t)v : 0, buf, FMT);
}

static void text_acct(FILE *f, const char *indent, const struct ot_acct *a)
{
	char c[FMT], q[FMT], io[FMT], off[FMT];

	fprintf(f, "%son-cpu %s, run-queue %s, io-wait %s, other off-cpu %s\n", indent,
		ns(a->oncpu_ns, c), ns(a->runq_ns, q), ns(a->iowait_ns, io), ns(a->offcpu_ns, off));
}

void render_res__text_pid(FILE *f, const struct report_pid *p)
{
	const struct res_pid *r = &p->res;
	const struct sysmon_pid_rates *rt = &r->rates;
	char a[FMT], b[FMT], c[FMT], d[FMT];

	if (!p->has_res && !p->nbio)
		return;
	if (r->has_proc) {
		if (isfinite(rt->cpu_pct))
			fprintf(f, "  cpu      %.1f%% (user %.1f%%, system %.1f%%)", rt->cpu_pct,
				rt->cpu_user_pct, rt->cpu_sys_pct);
		else	/* one /proc sample: no rates (it ended before a second one) */
			fputs("  cpu      n/a (one /proc sample)", f);
		if (r->now.has_rss)
			fprintf(f, ", rss %s (peak %s)", bytes(r->now.rss_bytes, a),
				bytes(r->rss_peak_bytes, b));
		/* An exited (zombie) process has no threads or fds left to show. */
		if (r->now.task.state != 'Z')
			fprintf(f, ", %" PRIu32 " threads", r->now.num_threads);
		if (r->now.has_fds && r->now.task.state != 'Z') {
			fprintf(f, ", %" PRIu32 " fds", r->now.nfds);
			if (r->now.has_fd_limit && r->now.fd_limit != UINT64_MAX)
				fprintf(f, " (limit %" PRIu64 ")", r->now.fd_limit);
		}
		if (isfinite(rt->minflt_per_s))
			fprintf(f, "\n  faults   %.1f/s minor, %.1f/s major", rt->minflt_per_s,
				rt->majflt_per_s);
		else
			fprintf(f, "\n  faults   %" PRIu64 " minor, %" PRIu64 " major (in all)",
				r->now.task.minflt, r->now.task.majflt);
		if (rt->has_ctxsw)
			fprintf(f, "; switches %.1f/s voluntary, %.1f/s involuntary",
				rt->vol_ctxsw_per_s, rt->nonvol_ctxsw_per_s);
		fputc('\n', f);
		if (rt->has_io)
			fprintf(f, "  io       read %s/s, write %s/s from storage; read() %s/s, write() %s/s\n",
				bytes(rt->read_bytes_per_s, a), bytes(rt->write_bytes_per_s, b),
				bytes(rt->rchar_per_s, c), bytes(rt->wchar_per_s, d));
	}
	if (r->has_acct)
		text_acct(f, "  sched    ", &r->acct);
	if (p->runq_count)
		fprintf(f, "  runq     %" PRIu64 " waits for a CPU: p50 %s, p90 %s, p99 %s, max %s\n",
			p->runq_count, ns(p->runq_p50, a), ns(p->runq_p90, b), ns(p->runq_p99, c),
			ns(p->runq_max, d));
	for (size_t i = 0; i < p->nbio; i++) {
		const struct report_bio *o = &p->bio[i];

		fprintf(f, "  block    %s %s: %" PRIu64 " requests (%.1f/s), %s (%s/s)",
			o->dev_name, o->op, o->count, o->iops, bytes(o->bytes, a),
			bytes(o->bytes_rate, b));
		if (o->errors)
			fprintf(f, ", %" PRIu64 " errors", o->errors);
		fprintf(f, "\n           latency p50 %s, p90 %s, p99 %s, max %s;", ns(o->p50, a),
			ns(o->p90, b), ns(o->p99, c), ns(o->max, d));
		fprintf(f, " device p50 %s, p99 %s; queued %s on average\n", ns(o->svc_p50, a),
			ns(o->svc_p99, b), ns(o->queue_mean > 0 ? (uint64_t)o->queue_mean : 0, c));
	}
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct res_thread *t = &p->threads[i];

		fprintf(f, "  thread %" PRIu32 " (%s)%s", t->tid, t->comm, t->alive ? "" : " exited");
		if (t->has_cpu)
			fprintf(f, " cpu %.1f%%", t->cpu_pct);
		text_acct(f, ": ", &t->acct);
	}
}

void render_res__text_sys(FILE *f, const struct res_sys *s)
{
	const struct sysmon_sys_rates *r = &s->rates;
	const struct sysmon_sys *n = &s->now;
	char a[FMT], b[FMT];

	if (!s->valid)
		return;
	fprintf(f, "\nsystem: cpu %.1f%% busy (", r->cpu_busy_pct);
	for (int m = 0; m < SYSMON_CPU_NR; m++)
		if (m != SYSMON_CPU_IDLE)
			fprintf(f, "%s%s %.1f%%", m ? ", " : "", sysmon__cpu_mode_name(m), r->cpu_pct[m]);
	fprintf(f, ") on %" PRIu32 " CPUs, load %.2f %.2f %.2f\n", n->ncpus, n->load1, n->load5,
		n->load15);
	fprintf(f, "  memory %.1f%% used of %s", r->mem_used_pct, bytes(n->mem_total_bytes, a));
	if (n->swap_total_bytes)
		fprintf(f, ", swap %.1f%% used of %s", r->swap_used_pct,
			bytes(n->swap_total_bytes, b));
	else
		fprintf(f, ", no swap");
	if (r->has_swap_io && (r->swap_in_pages_per_s > 0 || r->swap_out_pages_per_s > 0))
		fprintf(f, ", swapping %.1f in + %.1f out pages/s", r->swap_in_pages_per_s,
			r->swap_out_pages_per_s);
	fputc('\n', f);
	for (int i = 0; i < SYSMON_PSI_NR; i++) {
		const struct sysmon_psi *p = &n->psi[i];

		if (!p->present)
			continue;
		fprintf(f, "  pressure %-6s some %.2f%%", sysmon__psi_name(i), p->some.avg10);
		if (p->has_full)
			fprintf(f, ", full %.2f%%", p->full.avg10);
		fprintf(f, " (avg10)\n");
	}
	for (size_t i = 0; i < n->nfs; i++)
		fprintf(f, "  disk   %s (%s on %s) %.1f%% used, %s free\n", n->fs[i].dir,
			n->fs[i].type, n->fs[i].dev, n->fs[i].used_pct,
			bytes(n->fs[i].avail_bytes, a));
}

static json_t *acct_json(const struct ot_acct *a, bool *ok)
{
	json_t *j = json_object();

	put(j, "oncpu_ns", ju64(a->oncpu_ns), ok);
	put(j, "runq_ns", ju64(a->runq_ns), ok);
	put(j, "iowait_ns", ju64(a->iowait_ns), ok);
	put(j, "offcpu_ns", ju64(a->offcpu_ns), ok);
	put(j, "runq_waits", ju64(a->runq_waits), ok);
	put(j, "switches", ju64(a->switches), ok);
	return j;
}

static json_t *proc_json(const struct res_pid *r, bool *ok)
{
	const struct sysmon_pid_rates *rt = &r->rates;
	json_t *j = json_object();

	put(j, "cpu_pct", jreal(rt->cpu_pct), ok);
	put(j, "cpu_user_pct", jreal(rt->cpu_user_pct), ok);
	put(j, "cpu_sys_pct", jreal(rt->cpu_sys_pct), ok);
	put(j, "rss_bytes", r->now.has_rss ? ju64(r->now.rss_bytes) : json_null(), ok);
	put(j, "rss_peak_bytes", r->now.has_rss ? ju64(r->rss_peak_bytes) : json_null(), ok);
	put(j, "exited", json_boolean(r->now.task.state == 'Z'), ok);
	put(j, "threads", ju64(r->now.num_threads), ok);
	put(j, "fds", r->now.has_fds && r->now.task.state != 'Z' ? ju64(r->now.nfds) : json_null(),
	    ok);
	put(j, "fd_limit", r->now.has_fd_limit && r->now.fd_limit != UINT64_MAX ?
			   ju64(r->now.fd_limit) : json_null(), ok);
	put(j, "minflt_per_s", jreal(rt->minflt_per_s), ok);
	put(j, "majflt_per_s", jreal(rt->majflt_per_s), ok);
	put(j, "minflt", ju64(r->now.task.minflt), ok);
	put(j, "majflt", ju64(r->now.task.majflt), ok);
	put(j, "vol_ctxsw_per_s", rt->has_ctxsw ? jreal(rt->vol_ctxsw_per_s) : json_null(), ok);
	put(j, "nonvol_ctxsw_per_s", rt->has_ctxsw ? jreal(rt->nonvol_ctxsw_per_s) : json_null(),
	    ok);
	put(j, "read_bytes_per_s", rt->has_io ? jreal(rt->read_bytes_per_s) : json_null(), ok);
	put(j, "write_bytes_per_s", rt->has_io ? jreal(rt->write_bytes_per_s) : json_null(), ok);
	put(j, "utime_ns", ju64(r->now.task.utime_ns), ok);
	put(j, "stime_ns", ju64(r->now.task.stime_ns), ok);
	return j;
}

json_t *render_res__json_pid(const struct report_pid *p, bool *ok)
{
	json_t *j, *threads, *bio;

	if (!p->has_res && !p->nbio)
		return json_null();
	j = json_object();
	bio = json_array();
	for (size_t i = 0; bio && i < p->nbio; i++) {
		const struct report_bio *o = &p->bio[i];
		json_t *b = json_object();

		put(b, "dev", jstr(o->dev_name), ok);
		put(b, "op", jstr(o->op), ok);
		put(b, "count", ju64(o->count), ok);
		put(b, "bytes", ju64(o->bytes), ok);
		put(b, "errors", ju64(o->errors), ok);
		put(b, "iops", jreal(o->iops), ok);
		put(b, "bytes_per_s", jreal(o->bytes_rate), ok);
		put(b, "p50_ns", ju64(o->p50), ok);
		put(b, "p90_ns", ju64(o->p90), ok);
		put(b, "p99_ns", ju64(o->p99), ok);
		put(b, "max_ns", ju64(o->max), ok);
		put(b, "device_p50_ns", ju64(o->svc_p50), ok);
		put(b, "device_p99_ns", ju64(o->svc_p99), ok);
		put(b, "queue_mean_ns", jreal(o->queue_mean), ok);
		append(bio, b, ok);
	}
	put(j, "block_io", bio, ok);
	put(j, "proc", p->res.has_proc ? proc_json(&p->res, ok) : json_null(), ok);
	put(j, "sched", p->res.has_acct ? acct_json(&p->res.acct, ok) : json_null(), ok);
	if (p->runq_count) {
		json_t *q = json_object();

		put(q, "count", ju64(p->runq_count), ok);
		put(q, "p50", ju64(p->runq_p50), ok);
		put(q, "p90", ju64(p->runq_p90), ok);
		put(q, "p99", ju64(p->runq_p99), ok);
		put(q, "max", ju64(p->runq_max), ok);
		put(j, "runq_latency_ns", q, ok);
	} else {
		put(j, "runq_latency_ns", json_null(), ok);
	}
	threads = json_array();
	for (size_t i = 0; threads && i < p->nthreads; i++) {
		const struct res_thread *t = &p->threads[i];
		json_t *tj = json_object();

		put(tj, "tid", ju64(t->tid), ok);
		put(tj, "comm", jstr(t->comm), ok);
		put(tj, "alive", json_boolean(t->alive), ok);
		put(tj, "cpu_pct", t->has_cpu ? jreal(t->cpu_pct) : json_null(), ok);
		put(tj, "sched", acct_json(&t->acct, ok), ok);
		append(threads, tj, ok);
	}
	put(j, "threads", threads, ok);
	return j;
}

json_t *render_res__json_sys(const struct res_sys *s, bool *ok)
{
	const struct sysmon_sys_rates *r = &s->rates;
	const struct sysmon_sys *n = &s->now;
	json_t *j, *cpu, *psi, *fs;

	if (!s->valid)
		return json_null();
	j = json_object();
	cpu = json_object();
	for (int m = 0; m < SYSMON_CPU_NR; m++)
		put(cpu, sysmon__cpu_mode_name(m), jreal(r->cpu_pct[m]), ok);
	put(j, "cpu_pct", cpu, ok);
	put(j, "cpu_busy_pct", jreal(r->cpu_busy_pct), ok);
	put(j, "ncpus", ju64(n->ncpus), ok);
	put(j, "load", json_pack("[fff]", n->load1, n->load5, n->load15), ok);
	put(j, "mem_total_bytes", ju64(n->mem_total_bytes), ok);
	put(j, "mem_used_pct", jreal(r->mem_used_pct), ok);
	put(j, "swap_total_bytes", ju64(n->swap_total_bytes), ok);
	put(j, "swap_used_pct", jreal(r->swap_used_pct), ok);
	psi = json_object();
	for (int i = 0; i < SYSMON_PSI_NR; i++) {
		const struct sysmon_psi *p = &n->psi[i];

		put(psi, sysmon__psi_name(i), !p->present ? json_null() :
		    json_pack("{s:f,s:o}", "some_avg10", p->some.avg10, "full_avg10",
			      p->has_full ? json_real(p->full.avg10) : json_null()), ok);
	}
	put(j, "pressure", psi, ok);
	fs = json_array();
	for (size_t i = 0; fs && i < n->nfs; i++)
		append(fs, json_pack("{s:s,s:s,s:s,s:I,s:I,s:f}", "dir", n->fs[i].dir, "type",
				     n->fs[i].type, "dev", n->fs[i].dev, "total_bytes",
				     (json_int_t)n->fs[i].total_bytes, "avail_bytes",
				     (json_int_t)n->fs[i].avail_bytes, "used_pct",
				     n->fs[i].used_pct), ok);
	put(j, "filesystems", fs, ok);
	return j;
}
