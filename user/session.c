// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * session.c - `optrace trace`: one tracing session from options to the
 * final report.
 *
 *   resolve probes -> open output -> load BPF -> seed pid filter (or start
 *   the command at its gate) -> attach -> calibrate -> release the command
 *   -> poll/aggregate (interval reports) -> stop -> drain, detach, drain ->
 *   final report.
 *
 * Owns the stop flag (the one mutable global besides the log level) and the
 * mapping of failures to exit codes.  What each tick and the end produce
 * (reports, records, alerts, top, serve) is session_report.c's;
 * computation lives in agg/report, BPF in tracer, processes in target.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "agg.h"
#include "alert.h"
#include "analyze.h"
#include "calib.h"
#include "cli.h"
#include "config.h"
#include "cmds.h"
#include "events.h"
#include "log.h"
#include "probes.h"
#include "render_findings.h"
#include "record.h"
#include "report.h"
#include "res.h"
#include "series.h"
#include "serve.h"
#include "spans.h"
#include "sysmon.h"
#include "target.h"
#include "top.h"
#include "tracer.h"
#include "session_int.h"

#define POLL_MS		  50
#define CALIB_CALLS	  1000 /* per class: ~1 ms emulated, ~10 ms single-stepped here */
#define CMD_TERM_WAIT_MS  2000

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * Probing an instruction the kernel cannot single-step correctly would
 * change what the traced program computes: refuse a function named
 * exactly, leave it out of a glob with a warning.
 */
static int drop_unsafe_probes(struct session *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->probes.n; i++) {
		struct probe_target *pt = &s->probes.v[i];
		const struct probe_spec *spec = &s->cfg->specs[pt->spec_idx];

		if (calib__insn_steppable_file(pt->path, pt->offset)) {
			s->probes.v[kept++] = *pt;
			continue;
		}
		if (!strpbrk(spec->func, "*?[")) {
			pr_err("cannot probe %s:%s safely: its first instruction is AVX-512 (EVEX), "
			       "which the kernel's uprobe single-step corrupts; probe its caller",
			       pt->path, pt->func);
			for (size_t j = i; j < s->probes.n; j++)
				s->probes.v[kept++] = s->probes.v[j];
			s->probes.n = kept;
			return OT_EXIT_USAGE;
		}
		pr_warn("leaving out %s:%s (first instruction AVX-512: cannot be probed safely)",
			pt->path, pt->func);
		free(pt->path);
		free(pt->func);
		free(pt->op_name);
		free(pt->category);
	}
	s->probes.n = kept;
	if (!kept && s->cfg->nspecs) {
		pr_err("no function left to probe");
		return OT_EXIT_USAGE;
	}
	return 0;
}

/*
 * Every --ratio label names an op: a function probed twice keeps the first
 * spec's op (and name), so a ratio probe also given with -u would count nothing.
 */
static int check_ratio_ops(struct session *s)
{
	for (size_t i = 0; i < s->cfg->nratios; i++) {
		const char *labels[2] = { s->cfg->ratios[i].label_a, s->cfg->ratios[i].label_b };

		for (int k = 0; k < 2; k++) {
			bool found = false;

			for (size_t j = 0; j < s->probes.n && !found; j++)
				found = report__ratio_op_matches(labels[k], s->probes.v[j].op_name);
			if (!found) {
				pr_err("--ratio %s: no op named '%s' is traced: its probe is also given "
				       "by another -u or --ratio (each function is probed once); drop that one",
				       labels[0], labels[k]);
				return OT_EXIT_USAGE;
			}
		}
	}
	return 0;
}

/*
 * A probe naming one function exactly, when an earlier probe already
 * traces that function, gets no op of its own (each function is probed
 * once): say so, or its options and name would be dropped without a word.
 * Globs overlapping other probes are expected and not reported.
 */
static void warn_duplicate_probes(const struct session *s)
{
	for (size_t i = 0; i < s->cfg->nspecs; i++) {
		const struct probe_spec *sp = &s->cfg->specs[i];
		bool has = false;

		if (sp->kind != SPEC_FUNC || strpbrk(sp->func, "*?["))
			continue;
		for (size_t j = 0; j < s->probes.n && !has; j++)
			has = s->probes.v[j].spec_idx == (int)i;
		if (!has)
			pr_warn("probe '%s': its function is already traced by an earlier probe; "
				"traced once, with that probe's name and options", sp->text);
	}
}

static int resolve_probes(struct session *s)
{
	const struct trace_config *cfg = s->cfg;
	char err[512];
	int ret;

	ret = probes__resolve(cfg->specs, cfg->nspecs, cfg->pids, cfg->npids, OT_MAX_OPS - 1,
			      &s->probes, err, sizeof(err));
	if (ret) {
		pr_err("%s", err);
		return OT_EXIT_USAGE;
	}
	warn_duplicate_probes(s);
	ret = drop_unsafe_probes(s);
	if (ret)
		return ret;
	ret = check_ratio_ops(s);
	if (ret)
		return ret;
	s->ops = calloc(s->probes.n ? s->probes.n : 1, sizeof(*s->ops));
	if (!s->ops)
		return OT_EXIT_ENV;
	for (size_t i = 0; i < s->probes.n; i++) {
		const struct probe_target *pt = &s->probes.v[i];

		s->ops[i] = (struct op_info){
			.name = pt->op_name, .category = pt->category, .func = pt->func,
			.path = pt->path, .error_mode = pt->error_mode,
			.bytes_src = pt->bytes_src, .endbr_skipped = pt->endbr_skipped,
			.ifunc = pt->ifunc,
			.counted = pt->kind == PROBE_COUNT || pt->kind == PROBE_USDT_COUNT,
			.sample_every = cfg->sample_every,
			.insn_class = calib__classify_file(pt->path, pt->offset),
		};
		pr_info("probe %s: %s:%s at 0x%llx%s, first instruction %s", pt->op_name, pt->path,
			pt->func, (unsigned long long)pt->offset,
			pt->endbr_skipped ? " (after endbr64)" : "",
			calib__class_name(s->ops[i].insn_class));
	}
	return 0;
}

/* Reports go to -o FILE (never through a symlink) or stdout, line-buffered. */
static int open_output(struct session *s)
{
	int fd;

	/* A record is written at the end: say now, not after the run, that
	 * its directory cannot take it. */
	if (s->cfg->record) {
		char *dir = strdup(s->cfg->record_path), *slash = dir ? strrchr(dir, '/') : NULL;
		const char *d = !slash ? "." : slash == dir ? "/" : (*slash = 0, dir);

		if (dir && access(d, W_OK | X_OK)) {
			pr_err("cannot write the record %s: %s: %s", s->cfg->record_path, d,
			       strerror(errno));
			free(dir);
			return OT_EXIT_USAGE;
		}
		free(dir);
	}

	if (!s->cfg->output) {
		s->out = stdout;
	} else {
		fd = open(s->cfg->output, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 || !(s->out = fdopen(fd, "w"))) {
			pr_err("cannot write %s: %s", s->cfg->output, strerror(errno));
			if (fd >= 0)
				close(fd);
			return OT_EXIT_USAGE;
		}
	}
	setvbuf(s->out, NULL, _IOLBF, 0);
	return 0;
}

static int check_environment(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		pr_err("kernel BTF not available (/sys/kernel/btf/vmlinux: %s): optrace needs a "
		       "kernel built with CONFIG_DEBUG_INFO_BTF", strerror(errno));
		return OT_EXIT_ENV;
	}
	if (geteuid() != 0)
		pr_warn("not running as root: loading BPF needs CAP_BPF and CAP_PERFMON");
	return 0;
}

/*
 * Perf counters: those asked for, else the default set where the machine
 * has it.  An absent one is a note in the report (ctrs.absent), never an
 * error; asked for by name, a warning too.  Returns an exit code.
 */
static int open_counters(struct session *s)
{
	const char *list = s->cfg->counters;
	char msg[160];

	memset(&s->ctrs, 0, sizeof(s->ctrs));
	if (s->cfg->no_split) {
		snprintf(s->ctrs.absent, sizeof(s->ctrs.absent),
			 "off: they need the time split (--no-split)");
		return 0;
	}
	if (counters__parse(list ? list : COUNTERS_DEFAULT, &s->ctrs, msg, sizeof(msg))) {
		pr_err("%s", msg);
		return OT_EXIT_USAGE;
	}
	if (!s->ctrs.nreq) {
		snprintf(s->ctrs.absent, sizeof(s->ctrs.absent), "off (--counters none)");
		return 0;
	}
	if (counters__open(&s->ctrs))
		return OT_EXIT_ENV;
	if (s->ctrs.absent[0] && list)
		pr_warn("counters absent: %s", s->ctrs.absent);
	else if (s->ctrs.absent[0])
		pr_debug("counters absent: %s", s->ctrs.absent);
	return 0;
}

static int start_tracer(struct session *s)
{
	const struct trace_config *cfg = s->cfg;
	struct tracer_opts topts = {
		.ringbuf_bytes = cfg->ringbuf_bytes,
		.follow = cfg->follow,
		.force_perf_uprobes = cfg->perf_uprobes,
		.no_split = cfg->no_split,
		.sample_every = cfg->sample_every,
		.cgroup_path = cfg->cgroup_path,
		.max_threads = cfg->max_threads,
		.counters = &s->ctrs,
	};
	int err;

	for (size_t i = 0; i < s->probes.n; i++)
		if (s->probes.v[i].kind == PROBE_USDT_PAIR || s->probes.v[i].kind == PROBE_USDT_COUNT)
			topts.usdt = true;
	err = open_counters(s);
	if (err)
		return err;
	err = tracer__open(&topts, &s->tracer);
	if (err)
		return OT_EXIT_ENV;
	s->agg = agg__new(s->ops, s->probes.n);
	if (s->agg)
		agg__set_counters(s->agg, s->ctrs.nopen);
	s->res = res__new();
	s->series = series__new();
	s->spans = spans__new(cfg->spans_cap);
	s->recent = spans__new(cfg->mode == MODE_SERVE ? RECENT_SPANS : 0);
	if (!s->agg || !s->res || !s->series || !s->spans || !s->recent)
		return OT_EXIT_ENV;
	err = events__open(tracer__events_fd(s->tracer), s->agg, &s->events);
	if (err) {
		pr_err("ring buffer consumer: %s", strerror(-err));
		return OT_EXIT_ENV;
	}
	events__set_spans(s->events, s->spans, s->recent);
	return 0;
}

/* Threads running right now are accounted from now, not from their next switch. */
static void seed_threads(struct session *s, pid_t pid)
{
	struct sysmon_task *v;
	size_t n;

	if (sysmon__read_threads(pid, &v, &n, NULL))
		return;
	for (size_t i = 0; i < n; i++)
		tracer__seed_thread(s->tracer, v[i].id, pid, v[i].state == 'R');
	free(v);
}

/* --cgroup without -p or a command: the processes are the cgroup's. */
static bool cgroup_only(const struct session *s)
{
	return s->cfg->cgroup_path && !s->cfg->cmd && !s->cfg->npids;
}

/* Adds the tgids of one cgroup.procs file not traced yet. */
static int cgroup_scan_file(struct session *s, const char *procs)
{
	char comm[OT_COMM_LEN];
	FILE *f = fopen(procs, "re");
	long pid;
	int err = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno; /* a cgroup removed meanwhile */
	while (!err && fscanf(f, "%ld", &pid) == 1) {
		if (pid <= 0 || agg__find_pid(s->agg, (uint32_t)pid))
			continue;
		target__comm((pid_t)pid, comm, sizeof(comm));
		err = tracer__add_tgid(s->tracer, (pid_t)pid, true);
		if (!err)
			err = agg__note_pid(s->agg, (uint32_t)pid, comm);
		if (!err)
			seed_threads(s, (pid_t)pid);
	}
	fclose(f);
	return err;
}

/*
 * Adds every process of the cgroup and its subtree not traced yet (at the
 * start and every tick: processes that enter later are picked up within a
 * tick; their children are followed in the kernel at once).
 */
static int cgroup_scan(struct session *s, const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	err = cgroup_scan_file(s, path);
	if (err || depth >= 32 || !(d = opendir(dir)))
		return err;
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = cgroup_scan(s, path, depth + 1);
	}
	closedir(d);
	return err;
}

void session__cgroup_rescan(struct session *s)
{
	if (cgroup_only(s) && cgroup_scan(s, s->cfg->cgroup_path, 0))
		pr_warn("cgroup %s: could not add every process", s->cfg->cgroup_path);
}

static int seed_targets(struct session *s)
{
	const struct trace_config *cfg = s->cfg;
	char comm[OT_COMM_LEN];
	int err;

	if (cgroup_only(s)) {
		err = cgroup_scan(s, cfg->cgroup_path, 0);
	} else if (cfg->cmd) {
		err = target__spawn(cfg->cmd, &s->cmd);
		if (err) {
			pr_err("cannot start %s: %s", cfg->cmd[0], strerror(-err));
			return OT_EXIT_ENV;
		}
		s->cmd_started = true;
		err = tracer__add_tgid(s->tracer, s->cmd.pid, cfg->follow);
		if (!err)
			err = agg__note_pid(s->agg, s->cmd.pid, NULL);
	} else {
		s->pidfds = calloc(cfg->npids, sizeof(*s->pidfds));
		if (!s->pidfds)
			return OT_EXIT_ENV;
		for (size_t i = 0; i < cfg->npids; i++) {
			s->pidfds[i] = target__pidfd(cfg->pids[i]);
			target__comm(cfg->pids[i], comm, sizeof(comm));
			err = tracer__add_tgid(s->tracer, cfg->pids[i], cfg->follow);
			if (!err)
				err = agg__note_pid(s->agg, cfg->pids[i], comm);
			if (!err)
				seed_threads(s, cfg->pids[i]);
			if (err)
				break;
		}
	}
	if (err) {
		pr_err("add process to the kernel filter: %s", strerror(-err));
		return OT_EXIT_ENV;
	}
	return 0;
}

static int attach(struct session *s)
{
	const struct trace_config *cfg = s->cfg;
	/* Per-process links put breakpoints only in those processes; following
	 * children (and a command that has not exec'd yet) needs system-wide
	 * breakpoints, filtered in the kernel by tgid. */
	bool per_pid = !cfg->cmd && !cfg->follow && !cgroup_only(s);
	uint64_t t0 = session__now_ns(CLOCK_MONOTONIC);
	int err;

	if (!s->probes.n)
		return 0;
	err = tracer__attach_probes(s->tracer, &s->probes, 0, per_pid ? cfg->pids : NULL,
				    per_pid ? cfg->npids : 0);
	if (err)
		return err == -EPERM || err == -EACCES || err == -EOPNOTSUPP ? OT_EXIT_ENV :
									      OT_EXIT_USAGE;
	pr_info("attached %zu probes (%s, %zu links) in %.1f ms", s->probes.n,
		tracer__attach_mode(s->tracer), tracer__nr_links(s->tracer),
		(session__now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
	return 0;
}

/*
 * Measures the bias of each probed-instruction class: probe optrace's own
 * calibration functions, call each, take the median of what the BPF side
 * measured.  Failure is not fatal: the report then says "not calibrated".
 */
static void calibrate(struct session *s)
{
	uint32_t first_op = s->probes.n;
	struct probe_target pt[CALIB_NR_CLASSES] = {};
	struct probe_set set = { .v = pt, .n = CALIB_NR_CLASSES };
	struct hist h[CALIB_NR_CLASSES];
	pid_t self = getpid();
	int c, err = 0;

	for (c = 0; c < CALIB_NR_CLASSES; c++) {
		s->bias_ns[c] = -1;
		hist__init(&h[c]);
	}
	if (!s->cfg->calibrate || !s->probes.n)
		return;
	for (c = 0; c < CALIB_NR_CLASSES && !err; c++) {
		pt[c].func = (char *)calib__class_name(c);
		err = calib__locate(c, &pt[c].path, &pt[c].offset);
	}
	if (!err)
		err = tracer__attach_probes(s->tracer, &set, first_op, &self, 1);
	if (!err)
		err = tracer__add_tgid(s->tracer, self, false);
	if (err) {
		pr_warn("calibration skipped: %s", strerror(-err));
		goto out;
	}
	events__set_calib(s->events, first_op, h, CALIB_NR_CLASSES);
	for (c = 0; c < CALIB_NR_CLASSES; c++)
		calib__run(c, CALIB_CALLS);
	tracer__del_tgid(s->tracer, self);
	events__drain(s->events);
	events__set_calib(s->events, 0, NULL, 0);
	for (c = 0; c < CALIB_NR_CLASSES; c++) {
		/* --sample N times 1 call in N of these too. */
		if (h[c].count < CALIB_CALLS / 2 / (s->cfg->sample_every > 1 ? s->cfg->sample_every : 1)) {
			pr_warn("calibration: only %llu %s calls of %d timed; bias unknown",
				(unsigned long long)h[c].count, calib__class_name(c), CALIB_CALLS);
			continue;
		}
		s->bias_ns[c] = hist__percentile(&h[c], 50);
		pr_info("calibration: %s first instruction: bias p50 %lld ns, p90 %llu ns",
			calib__class_name(c), (long long)s->bias_ns[c],
			(unsigned long long)hist__percentile(&h[c], 90));
	}
out:
	for (c = 0; c < CALIB_NR_CLASSES; c++) {
		hist__free(&h[c]);
		free(pt[c].path);
	}
}

/* True when what we trace is gone: the command exited, or every pid did. */
static bool targets_gone(struct session *s)
{
	int status;

	if (s->cmd_started) {
		siginfo_t si = { .si_pid = 0 };

		/* Exited but not reaped yet: sample its /proc figures first. */
		if (!s->cmd_exited &&
		    !waitid(P_PID, s->cmd.pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid) {
			session__sample(s);
			waitpid(s->cmd.pid, &status, 0);
			s->cmd_exited = true;
			s->cmd_status = status;
		}
		return s->cmd_exited;
	}
	if (cgroup_only(s))
		return false; /* the cgroup may get processes later: -d or Ctrl-C ends it */
	if (s->cfg->follow)
		return !tracer__any_tgid(s->tracer);
	return target__all_exited(s->pidfds, s->cfg->npids);
}

static int run_loop(struct session *s)
{
	const struct trace_config *cfg = s->cfg;
	uint64_t deadline = cfg->duration_ns ? s->t_start + cfg->duration_ns : 0;
	int n, err;

	while (!stop_signal) {
		uint64_t now = session__now_ns(CLOCK_MONOTONIC);
		int64_t wait_ns = POLL_MS * 1000000LL;

		if (deadline && now >= deadline)
			break;
		if (deadline && (int64_t)(deadline - now) < wait_ns)
			wait_ns = deadline - now;
		if ((int64_t)(s->t_last_tick + s->tick_ns - now) < wait_ns)
			wait_ns = s->t_last_tick + s->tick_ns - now;
		n = events__poll(s->events, wait_ns > 0 ? (int)(wait_ns / 1000000) : 0);
		if (n < 0) {
			pr_err("ring buffer: %s", strerror(-n));
			return OT_EXIT_ENV;
		}
		if (targets_gone(s))
			break;
		if (s->top && top__input(s->top, 0) == TOP_QUIT)
			break;
		now = session__now_ns(CLOCK_MONOTONIC);
		/* Keep samples fresh: RSS peaks, and figures of processes that
		 * exit.  A process seen for the first time is sampled soon (at
		 * most every NEW_PID_SAMPLE_NS), so that one living a second or
		 * two still gets two samples, hence rates. */
		if (now - s->t_last_sample >= SAMPLE_NS ||
		    (agg__nr_pids(s->agg) > s->npids_sampled &&
		     now - s->t_last_sample >= NEW_PID_SAMPLE_NS))
			session__sample(s);
		if (now >= s->t_last_tick + s->tick_ns) {
			err = session__tick(s, now);
			if (err) {
				pr_err("interval report to %s: %s",
				       cfg->output ? cfg->output : "stdout", strerror(-err));
				return err == -EINVAL ? OT_EXIT_USAGE : OT_EXIT_ENV;
			}
			if (s->alert_stop) {
				pr_warn("stopping: a critical alert fired (--exit-on-alert)");
				break;
			}
		}
	}
	return 0;
}

/* A command still running when tracing stops gets SIGTERM, then SIGKILL. */
static void stop_command(struct session *s)
{
	int status, waited = 0;

	if (!s->cmd_started || s->cmd_exited)
		return;
	kill(s->cmd.pid, SIGTERM);
	while (waitpid(s->cmd.pid, &status, WNOHANG) == 0) {
		if (waited >= CMD_TERM_WAIT_MS) {
			kill(s->cmd.pid, SIGKILL);
			waitpid(s->cmd.pid, &status, 0);
			break;
		}
		usleep(10000);
		waited += 10;
	}
	s->cmd_exited = true;
	s->cmd_status = status;
}

static int cmd_exit_code(const struct session *s)
{
	if (WIFEXITED(s->cmd_status))
		return WEXITSTATUS(s->cmd_status);
	if (WIFSIGNALED(s->cmd_status))
		return 128 + WTERMSIG(s->cmd_status);
	return OT_EXIT_OK;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal ends the poll wait at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void session_cleanup(struct session *s)
{
	if (s->cmd_started && !s->cmd_exited)
		stop_command(s);
	if (s->cmd.gate_fd > 0)
		close(s->cmd.gate_fd);
	if (s->cmd.err_fd > 0)
		close(s->cmd.err_fd);
	for (size_t i = 0; s->pidfds && i < s->cfg->npids; i++)
		if (s->pidfds[i] >= 0)
			close(s->pidfds[i]);
	free(s->pidfds);
	top__close(s->top);
	server__stop(s->srv);
	alerts__free(s->alerts);
	config__free(&s->conf);
	if (s->alert_log)
		fclose(s->alert_log);
	events__free(s->events);
	spans__free(s->spans);
	spans__free(s->recent);
	series__free(s->series);
	free(s->command);
	res__free(s->res);
	tracer__destroy(s->tracer);
	counters__close(&s->ctrs);
	agg__free(s->agg);
	probe_set__free(&s->probes);
	free(s->ops);
	if (s->out && s->out != stdout)
		fclose(s->out);
}

static int session_run(const struct trace_config *cfg)
{
	struct session s = { .cfg = cfg, .cmd = { .gate_fd = -1, .err_fd = -1 } };
	int ret, err;

	s.tick_ns = cfg->interval_ns ? cfg->interval_ns : TICK_NS;
	uname(&s.uts);
	for (size_t i = 0; i < cfg->npids; i++) {
		err = target__check_pid(cfg->pids[i]);
		if (err) {
			pr_err("%s: %d", err == -ESRCH ? "no such process" :
				"cannot inspect process (permission denied)", cfg->pids[i]);
			return err == -ESRCH ? OT_EXIT_USAGE : OT_EXIT_ENV;
		}
	}
	if (cfg->cmd) {
		int n = 0;

		while (cfg->cmd[n])
			n++;
		s.command = cli__join_args(NULL, n, cfg->cmd);
		if (!s.command)
			return OT_EXIT_ENV;
	}
	install_signals();
	ret = session__load_config(&s);
	if (!ret)
		ret = resolve_probes(&s);
	if (!ret)
		ret = check_environment();
	if (!ret)
		ret = open_output(&s);
	if (!ret)
		ret = start_tracer(&s);
	if (!ret)
		ret = seed_targets(&s);
	if (!ret)
		ret = attach(&s);
	if (!ret)
		ret = session__start_live(&s);
	if (ret)
		goto cleanup;
	/*
	 * With a command, calibrate before it starts: its calls are all timed
	 * on a quiet machine.  With -p (or --cgroup), the processes run already
	 * and are traced from the moment their probes are attached: say so
	 * first, calibrate after (start to attached is then ~25 ms shorter).
	 */
	if (s.cmd_started)
		calibrate(&s);

	s.t_start = s.t_last_tick = session__now_ns(CLOCK_MONOTONIC);
	s.unix_start = session__now_ns(CLOCK_REALTIME);
	if (!s.cmd_started)
		session__sample(&s); /* baselines; a command is sampled once it runs */
	if (s.cmd_started) {
		err = target__release(&s.cmd);
		if (err) {
			pr_err("cannot run %s: %s", cfg->cmd[0], strerror(-err));
			waitpid(s.cmd.pid, NULL, 0);
			s.cmd_exited = true;
			ret = err == -ENOENT ? 127 : 126; /* as shells: not found, not runnable */
			goto cleanup;
		}
	}
	if (cgroup_only(&s) && !s.top)
		fprintf(stderr, "Tracing %zu op%s and the scheduler, IO and resources of the "
			"processes in cgroup %s (%zu now)... Hit Ctrl-C to end.\n", s.probes.n,
			s.probes.n == 1 ? "" : "s", cfg->cgroup_path, agg__nr_pids(s.agg));
	else if (!cfg->cmd && !s.top)
		fprintf(stderr, "Tracing %zu op%s and the scheduler, IO and resources of %zu "
			"process%s... Hit Ctrl-C to end.\n", s.probes.n, s.probes.n == 1 ? "" : "s",
			cfg->npids, cfg->npids == 1 ? "" : "es");
	if (!s.cmd_started)
		calibrate(&s);
	if (!stop_signal)
		ret = run_loop(&s);
	if (stop_signal)
		pr_info("stopping on signal %d", (int)stop_signal);

	/* Drain, detach (returns still in flight complete), drain again. */
	events__drain(s.events);
	tracer__log_run_times(s.tracer);
	tracer__detach(s.tracer);
	stop_command(&s);
	events__drain(s.events);
	err = session__final_report(&s);
	if (err && !ret)
		ret = err;
	if (!ret && s.alert_stop)
		ret = OT_EXIT_FOUND;
	if (!ret && s.cmd_started)
		ret = cmd_exit_code(&s);
cleanup:
	session_cleanup(&s);
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_config cfg;
	int ret = cli__parse_trace(argc, argv, &cfg);

	if (ret == 1)
		return OT_EXIT_OK;
	if (ret)
		return OT_EXIT_USAGE;
	log__init(cfg.verbose >= 2 ? LOG_DEBUG : cfg.verbose ? LOG_INFO : LOG_WARN);
	ret = session_run(&cfg);
	trace_config__free(&cfg);
	return ret;
}

/* record, top and serve run the same session: cli knows the verb by argv[0]. */
int cmd_record(int argc, char **argv)
{
	return cmd_trace(argc, argv);
}

int cmd_top(int argc, char **argv)
{
	return cmd_trace(argc, argv);
}

int cmd_serve(int argc, char **argv)
{
	return cmd_trace(argc, argv);
}
