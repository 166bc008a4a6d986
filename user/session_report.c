// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * session_report.c - what a tracing session produces: the report of each
 * tick (series, alert rules, -i output, top and serve) and the final
 * report (printed, analysed, saved as a record).  The lifecycle that feeds
 * it is session.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "cmds.h"
#include "log.h"
#include "record.h"
#include "render_findings.h"
#include "report.h"
#include "session_int.h"

/* -c FILE over the defaults, the alert engine, and --alert-log. */
int session__load_config(struct session *s)
{
	char msg[512];
	int fd, err;

	config__defaults(&s->conf);
	if (s->cfg->config_path) {
		err = config__load(s->cfg->config_path, &s->conf, msg, sizeof(msg));
		if (err) {
			pr_err("%s", msg);
			return err == -ENOMEM ? OT_EXIT_ENV : OT_EXIT_USAGE;
		}
	}
	s->alerts = alerts__new(&s->conf);
	if (!s->alerts)
		return OT_EXIT_ENV;
	if (s->cfg->alert_log) {
		fd = open(s->cfg->alert_log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			  0644);
		if (fd < 0 || !(s->alert_log = fdopen(fd, "a"))) {
			pr_err("cannot write the alert log %s: %s", s->cfg->alert_log,
			       strerror(errno));
			if (fd >= 0)
				close(fd);
			return OT_EXIT_USAGE;
		}
	}
	if (s->cfg->exit_on_alert && !alerts__has_rules(s->alerts))
		pr_warn("--exit-on-alert without alert rules (-c FILE with [alert ...] sections): "
			"nothing can fire");
	return 0;
}

/* serve: the HTTP server; top: the screen (after attaching: messages first). */
int session__start_live(struct session *s)
{
	struct server_opts so = { .listen = s->cfg->listen, .max_series = s->cfg->max_series };
	char err[256];
	int ret;

	if (s->cfg->mode == MODE_SERVE) {
		ret = server__start(&so, &s->srv, err, sizeof(err));
		if (ret) {
			pr_err("serve: %s", err);
			return ret == -EINVAL ? OT_EXIT_USAGE : OT_EXIT_ENV;
		}
		fprintf(stderr, "Serving on %s (port %u): /metrics, /api/health, /api/report, "
			"/api/recent\n", s->cfg->listen ? s->cfg->listen : SERVER_DEFAULT_LISTEN,
			(unsigned)server__port(s->srv));
	} else if (s->cfg->mode == MODE_TOP) {
		struct top_opts to = { .sort = TOP_SORT_CPU };

		ret = top__open(&to, &s->top);
		if (ret) {
			pr_err("top: %s", strerror(-ret));
			return OT_EXIT_ENV;
		}
	}
	return 0;
}

static void loss_read(struct session *s, struct report_loss *loss)
{
	struct ot_counters c;

	memset(loss, 0, sizeof(*loss));
	if (tracer__read_counters(s->tracer, &c))
		return;
	/* Calibration spans are optrace's own, counted apart by the BPF side. */
	loss->spans_produced = c.c[OT_CNT_SPANS];
	loss->spans_lost = c.c[OT_CNT_SPANS_LOST];
	loss->proc_lost = c.c[OT_CNT_PROC_LOST];
	loss->stack_overflow = c.c[OT_CNT_STACK_OVERFLOW];
	loss->stack_mismatch = c.c[OT_CNT_STACK_MISMATCH];
	loss->threads_full = c.c[OT_CNT_THREADS_FULL];
	loss->tgids_full = c.c[OT_CNT_TGIDS_FULL];
	loss->bio_lost = c.c[OT_CNT_BIO_LOST];
	/* Lost completions, plus requests issued and not completed by now: the
	 * report covers up to now, so those are not in it either. */
	loss->bio_stale = c.c[OT_CNT_BIO_STALE] + tracer__bio_unfinished(s->tracer, 0);
	loss->bio_mapfull = c.c[OT_CNT_BIO_MAPFULL];
	loss->split_bad = c.c[OT_CNT_SPLIT_BAD];
	loss->split_unseen = c.c[OT_CNT_SPLIT_UNSEEN];
	loss->ctr_unseen = c.c[OT_CNT_CTR_UNSEEN];
	loss->bad_records = events__nr_bad(s->events);
}

/* Samples /proc and the BPF accounting of every process seen so far. */
void session__sample(struct session *s)
{
	size_t n = agg__nr_pids(s->agg);
	uint32_t *pids = calloc(n ? n : 1, sizeof(*pids));

	if (!pids)
		return;
	for (size_t i = 0; i < n; i++)
		pids[i] = agg__pid_at(s->agg, i)->pid;
	if (res__sample(s->res, s->tracer, pids, n, s->cfg->threads))
		pr_warn("resource sample incomplete");
	free(pids);
	s->t_last_sample = session__now_ns(CLOCK_MONOTONIC);
	s->npids_sampled = n;
}

/*
 * Builds the report of the current interval (since the last tick) or of
 * the whole run, with what the session adds to the aggregates: series,
 * slowest spans and run metadata.  fresh: sample /proc and the BPF
 * accounting first (else the last sample serves).
 */
static int build_report(struct session *s, bool interval, bool fresh, struct report *r)
{
	uint64_t now = session__now_ns(CLOCK_MONOTONIC);
	struct report_meta meta = {
		.kind = interval ? "interval" : "final",
		.window_s = (now - (interval ? s->t_last_tick : s->t_start)) / 1e9,
		.elapsed_s = (now - s->t_start) / 1e9,
		.start_unix_ns = s->unix_start,
		.end_unix_ns = session__now_ns(CLOCK_REALTIME),
		.attach_mode = tracer__attach_mode(s->tracer),
		.nr_probes = s->probes.n,
		.bias_emulated_ns = s->bias_ns[CALIB_EMULATED],
		.bias_stepped_ns = s->bias_ns[CALIB_STEPPED],
		.compensated = s->cfg->compensate,
		.command = s->command,
		.cmd_exited = s->cmd_exited,
		.cmd_status = s->cmd_status,
		.show_idle_ops = true,
		.host = s->uts.nodename,
		.kernel = s->uts.release,
		.optrace_args = s->cfg->argv_line,
		.clock = "CLOCK_MONOTONIC",
		.tick_s = s->tick_ns / 1e9,
		.spans_cap = s->cfg->spans_cap,
		.sample_every = s->cfg->sample_every,
		.ratio_defs = s->cfg->ratios,
		.nratio_defs = s->cfg->nratios,
		.ncounters = s->ctrs.nopen,
		.counters_absent = s->ctrs.absent,
	};
	struct report_loss loss;
	int err;

	for (size_t k = 0; k < s->ctrs.nopen; k++)
		meta.counter_names[k] = s->ctrs.names[k];

	loss_read(s, &loss);
	if (fresh)
		session__sample(s);
	err = report__build(s->agg, s->res, s->cfg->threads, interval, &meta, &loss, r);
	if (err)
		return err;
	if (interval)
		return 0;
	series__attach(s->series, r);
	err = spans__export(s->spans, s->t_start, s->ops, s->probes.n, &r->spans, &r->nspans);
	if (!err)
		err = alerts__export(s->alerts, &r->alerts, &r->nalerts);
	if (!err)
		err = analyze__report(r, &s->conf);
	if (err)
		report__free(r);
	return err;
}

static int emit_report(struct session *s, const struct report *r)
{
	struct render_opts ro = { .histogram = s->cfg->histogram, .width = 40,
				  .max_series = s->cfg->max_series };
	int err;

	if (s->cfg->record && !s->cfg->format_given)
		return 0;
	/* Renderers say -EIO for any failed write; the write that failed left
	 * the reason in errno (ENOSPC, EPIPE...). */
	errno = 0;
	err = render__report(s->out, s->cfg->format, r, &ro);
	if (!err && fflush(s->out))
		err = -EIO;
	if (err == -EIO && errno)
		err = -errno;
	return err;
}

/* top and serve show the whole run too, each tick. */
static int show_live(struct session *s, const struct report *iv)
{
	struct report_span *recent = NULL;
	size_t nrecent = 0;
	struct report cum;
	int err;

	err = build_report(s, false, false, &cum);
	if (err)
		return err;
	if (s->top)
		err = top__draw(s->top, iv, &cum);
	if (s->srv && !err) {
		err = spans__export(s->recent, s->t_start, s->ops, s->probes.n, &recent, &nrecent);
		if (!err)
			err = server__publish(s->srv, &cum, iv, recent, nrecent);
		spans__reset(s->recent);
		free(recent);
	}
	report__free(&cum);
	return err;
}

/* Alert rules over the interval: fired ones go to stderr and the alert log. */
static void check_alerts(struct session *s, const struct report *iv, uint64_t now)
{
	const struct alert_event *ev;
	size_t n;

	if (!alerts__has_rules(s->alerts))
		return;
	if (alerts__eval(s->alerts, iv, (now - s->t_start) / 1e9,
			 (int64_t)session__now_ns(CLOCK_REALTIME), &ev, &n)) {
		pr_warn("alerts: out of memory; rules not evaluated this tick");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!s->top)
			render__alert_line(stderr, &ev[i]);
		if (s->alert_log && render__alert_jsonl(s->alert_log, &ev[i]))
			pr_warn("alert log %s: write failed", s->cfg->alert_log);
	}
	if (s->alert_log)
		fflush(s->alert_log);
	if (s->cfg->exit_on_alert && alerts__any_critical_since(s->alerts, 0))
		s->alert_stop = true;
}

/*
 * One tick: the interval's report feeds the series and the alert rules
 * (and is printed with -i, or shown by top and serve); then a new interval
 * starts.
 */
int session__tick(struct session *s, uint64_t now)
{
	struct report r;
	int err;

	session__cgroup_rescan(s);
	err = build_report(s, true, true, &r);
	if (err)
		return err;
	err = series__append(s->series, &r, (now - s->t_start) / 1e9);
	check_alerts(s, &r, now);
	if (!err && (s->top || s->srv))
		err = show_live(s, &r);
	else if (!err && s->cfg->interval_ns)
		err = emit_report(s, &r);
	report__free(&r);
	agg__interval_reset(s->agg);
	res__next_interval(s->res);
	s->t_last_tick = now;
	return err;
}

/*
 * The final report: printed, and saved as a record by `optrace record`
 * (the same struct, so a report of the record prints the same).  Returns
 * an exit code.
 */
int session__final_report(struct session *s)
{
	char msg[512];
	struct report r;
	int err;

	if (s->top || s->srv)
		return OT_EXIT_OK; /* their view was the report */
	err = build_report(s, false, true, &r);
	if (err) {
		pr_err("final report: %s", strerror(-err));
		return OT_EXIT_ENV;
	}
	err = emit_report(s, &r);
	if (err) {
		pr_err("write report to %s: %s", s->cfg->output ? s->cfg->output : "stdout",
		       strerror(-err));
		report__free(&r);
		return err == -EINVAL ? OT_EXIT_USAGE : OT_EXIT_ENV;
	}
	if (s->cfg->record) {
		err = record__write(s->cfg->record_path, &r, msg, sizeof(msg));
		if (err)
			pr_err("%s", msg);
		else
			fprintf(stderr, "optrace: wrote %s: %zu ops, %zu processes, %llu calls, "
				"%llu lost\n", s->cfg->record_path, r.nops, r.npids,
				(unsigned long long)r.loss.spans_produced,
				(unsigned long long)r.loss.spans_lost);
	}
	report__free(&r);
	return err ? OT_EXIT_USAGE : OT_EXIT_OK;
}
