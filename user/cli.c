// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cli.c - `optrace trace` options.  Every option is bound to the local
 * struct trace_config; errors are one line and map to exit code 2.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "counters.h"
#include "log.h"
#include "units.h"

enum {
	OPT_FOLLOW = 256,
	OPT_NO_FOLLOW,
	OPT_COMPENSATE,
	OPT_NO_CALIBRATE,
	OPT_NO_HIST,
	OPT_RINGBUF,
	OPT_PERF_UPROBES,
	OPT_THREADS,
	OPT_NO_SPLIT,
	OPT_ALERT_LOG,
	OPT_EXIT_ON_ALERT,
	OPT_SPANS,
	OPT_LISTEN,
	OPT_MAX_SERIES,
	OPT_MAX_THREADS,
	OPT_SAMPLE,
	OPT_COUNTERS,
	OPT_CGROUP,
	OPT_RATIO,
};

static const struct option trace_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "probe", required_argument, NULL, 'u' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ "compensate", no_argument, NULL, OPT_COMPENSATE },
	{ "no-calibrate", no_argument, NULL, OPT_NO_CALIBRATE },
	{ "no-hist", no_argument, NULL, OPT_NO_HIST },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "perf-uprobes", no_argument, NULL, OPT_PERF_UPROBES },
	{ "threads", no_argument, NULL, OPT_THREADS },
	{ "no-split", no_argument, NULL, OPT_NO_SPLIT },
	{ "config", required_argument, NULL, 'c' },
	{ "alert-log", required_argument, NULL, OPT_ALERT_LOG },
	{ "exit-on-alert", no_argument, NULL, OPT_EXIT_ON_ALERT },
	{ "spans", required_argument, NULL, OPT_SPANS },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "counters", required_argument, NULL, OPT_COUNTERS },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "ratio", required_argument, NULL, OPT_RATIO },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

void cli__trace_usage(FILE *f)
{
	fputs(
"Usage: optrace trace [-p PID,...] [-u PROBE]... [-d DUR] [-i DUR] [-o FILE]\n"
"                     [-f FMT] [-c CONFIG] [--follow] [--compensate] [-- CMD ARGS...]\n"
"\n"
"Trace the latency of operations (functions) in live processes with BPF\n"
"uprobes and print, per process and operation: calls, throughput, errors by\n"
"errno, latency min/mean/p50/p90/p95/p99/p99.9/max, a histogram, and where\n"
"the time went (on CPU, run queue, IO wait, other blocking), for all calls\n"
"and for the slowest 1%. Per process, also without -u: CPU%, run-queue\n"
"latency, off-CPU and IO-wait time, block IO, RSS, threads, fds, faults,\n"
"context switches; and a system snapshot (CPU, memory, disks, PSI). The\n"
"report ends with findings: what is wrong, the evidence, what to do.\n"
"\n"
"  -p, --pid PID[,PID...]   trace these running processes (all their threads)\n"
"  -u, --probe PROBE        an operation to time; repeatable. PROBE is\n"
"                           BINARY:FUNC[,name=LABEL][,category=CAT]\n"
"                             [,error=ret<0|ret==0|ret!=0|none][,bytes=argN|ret][,count]\n"
"                           or usdt:BINARY:PROVIDER:NAME[..END] (USDT probes; a\n"
"                           pair is one op; error=argN!=0, bytes=argN of END)\n"
"                           or marks:BINARY[:GLOB] (include/optrace.h markers)\n"
"                           BINARY: a path, a library (libc, libssl) or a program\n"
"                           name; FUNC: a symbol or a glob (handle_*)\n"
"  -d, --duration DUR       stop after DUR (10, 10s, 500ms, 2m); default: until\n"
"                           Ctrl-C or the traced processes exit\n"
"  -i, --interval DUR       also print a report every DUR\n"
"  -o, --output FILE        write reports to FILE instead of stdout\n"
"  -f, --format FMT         text (default), json, csv, prom, html or perfetto\n"
"  -c, --config FILE        thresholds, per-op latency limits and alert rules\n"
"                           (INI; see docs/config.md)\n"
"      --alert-log FILE     append fired alerts to FILE as JSON lines\n"
"      --exit-on-alert      stop at the first critical alert and exit 1\n"
"      --max-series N       -f prom: at most N (pid, op) label sets (default 1000)\n"
"      --sample N           record 1 call in N per thread and op (decided in BPF);\n"
"                           counts are scaled by N and reports say so\n"
"      --counters LIST      perf counters per call, counted only while the thread\n"
"                           runs: instructions, cycles, branch-misses,\n"
"                           cache-misses (user space), cpu-clock (ns); at most 2;\n"
"                           default instructions,cycles where the machine has\n"
"                           them (reports say why not); none: off\n"
"      --ratio NAME=PROBE,NAME_B=PROBE_B\n"
"                           count both probes (ops NAME and NAME_B) and report\n"
"                           NAME/(NAME+NAME_B) per process, e.g. a hit rate;\n"
"                           repeatable (PROBE: as -u, without name=)\n"
"      --cgroup PATH        record only tasks inside this cgroup v2 directory\n"
"                           (and its subtree), e.g. a container's or a service's;\n"
"                           without -p or a command: every process in it (new\n"
"                           ones are picked up every second)\n"
"      --spans N            keep the N slowest calls with their time split for\n"
"                           the perfetto timeline and records (default 1000)\n"
"      --follow             also trace children forked after the start (default\n"
"                           with -- CMD; probes then attach system-wide and the\n"
"                           kernel filters by process)\n"
"      --no-follow          with -- CMD: trace the command's process only\n"
"      --compensate         subtract the calibrated probe bias from latencies\n"
"      --no-calibrate       skip measuring the probe bias at start\n"
"      --no-hist            no histograms in text reports\n"
"      --threads            break per-process figures down per thread\n"
"      --no-split           do not split each call's time (on-CPU, run queue, IO\n"
"                           wait, other) nor count its switches, faults and\n"
"                           perf counters\n"
"      --ringbuf-size MIB   ring buffer size in MiB, a power of two (default 16)\n"
"      --max-threads N      threads kept at once (default 65536, ~4 KiB of kernel\n"
"                           memory each while the thread lives); calls of threads\n"
"                           beyond are counted as not timed (threads full)\n"
"      --perf-uprobes       attach with perf-event uprobes, not uprobe_multi\n"
"  -v, --verbose            more diagnostics, and each BPF program's run time at\n"
"                           the end when kernel.bpf_stats_enabled=1 (twice:\n"
"                           libbpf's diagnostics too)\n"
"  -h, --help               this help\n"
"\n"
"  -- CMD ARGS...           start CMD, trace it from its first instruction,\n"
"                           report when it exits, exit with its exit status\n"
"\n"
"Examples:\n"
"  optrace trace -p 4242 -u /usr/bin/app:handle_request -d 10\n"
"  optrace trace -u ./bench:op -- ./bench 100000\n"
"  optrace trace -p 4242 -u 'libc:malloc,bytes=arg1' -u 'libc:free' -i 1s\n"
"  optrace trace -p 4242 -u './app:handle_*,category=http' -f json -o out.json\n"
"  optrace trace -p 4242 -u 'libc:open,error=ret<0' -u 'libc:strlen'\n"
"  optrace trace -p 4242 -d 10 --threads     # where pid 4242's time goes\n"
"  optrace trace -c alerts.ini --exit-on-alert -u ./bench:op -- ./bench\n"
"  optrace trace --cgroup /sys/fs/cgroup/system.slice/app.service -u libc:read -d 30\n"
"  optrace trace -p 4242 --ratio hit=./app:cache_hit,miss=./app:cache_miss\n"
"  optrace list /usr/bin/app 'handle_*'      # what can be traced\n"
"\n"
"Every report shows how many events were lost. Exit codes: 0 ok, 1 a\n"
"critical alert fired with --exit-on-alert, 2 usage or input error, 3\n"
"environment (no BPF/BTF, not root); with -- CMD, the command's exit status.\n", f);
}

void cli__record_usage(FILE *f)
{
	fputs(
"Usage: optrace record -o FILE [-f FMT] [--spans N] [trace options] [-- CMD ARGS...]\n"
"\n"
"Trace as `optrace trace` does (same selection and options), and save what\n"
"was seen to FILE: metadata, ops, full latency histograms, time splits, perf\n"
"counters per call (instructions and cycles where the machine has a PMU;\n"
"--counters), the interval series, resources, findings, alerts, lost counts\n"
"and the N slowest calls. The record is gzip-compressed JSON (zcat FILE |\n"
"jq .report.meta), written to a temporary file and renamed into place.\n"
"Render it later with `optrace report FILE`, compare two with `optrace\n"
"compare`.\n"
"\n"
"  -o, --output FILE        the record file (required)\n"
"  -f, --format FMT         also print the live report in FMT on stdout\n"
"      --spans N            slowest calls kept (default 1000; 0: none)\n"
"  every other option as in optrace trace --help\n"
"\n"
"Examples:\n"
"  optrace record -o run.optrace -u ./bench:op -- ./bench 100000\n"
"  optrace record -o base.optrace -p 4242 -u 'libc:read' -d 30\n"
"  optrace report run.optrace -f html -o run.html\n", f);
}

void cli__top_usage(FILE *f)
{
	fputs(
"Usage: optrace top [-p PID,...] [-u PROBE]... [-i DUR] [trace options] [-- CMD ARGS...]\n"
"\n"
"A full-screen live view, in the manner of top: processes with CPU%, RSS,\n"
"run-queue p99 and block IO p99, and under each its ops with throughput,\n"
"error rate, p50, p99 and where their time went (C on CPU, R run queue,\n"
"I IO wait, O other off-CPU). Keys: c p t e n sort (CPU, p99, throughput,\n"
"errors, name), a last tick / whole run, space pause, h help, q quit.\n"
"When stdout is not a terminal, prints plain text every interval.\n"
"\n"
"  -i, --interval DUR       refresh every DUR (default 1s)\n"
"  every other option as in optrace trace --help\n"
"\n"
"Examples:\n"
"  optrace top -p 4242 -u '/usr/bin/app:handle_*'\n"
"  optrace top -p 4242,4243 -i 2s\n"
"  optrace top -p 4242 -u libc:read | tee top.log   # plain text\n", f);
}

void cli__serve_usage(FILE *f)
{
	fputs(
"Usage: optrace serve [-p PID,...] [-u PROBE]... [--listen HOST:PORT] [trace options]\n"
"                     [-- CMD ARGS...]\n"
"\n"
"Trace, and serve what is seen over HTTP until Ctrl-C (GET and HEAD only):\n"
"  /metrics       Prometheus text exposition (the names of report -f prom),\n"
"                 cumulative since the start\n"
"  /api/health    ok / warning / critical per process and overall, from the\n"
"                 analysis, with CPU, RSS and run-queue figures\n"
"  /api/report    the current report as JSON (as trace -f json)\n"
"  /api/recent    the most recent slow calls with their time split\n"
"\n"
"      --listen ADDR        HOST:PORT, [V6]:PORT or PORT (default\n"
"                           127.0.0.1:9464: loopback unless told otherwise)\n"
"      --max-series N       at most N (pid, op) label sets in /metrics, the\n"
"                           busiest; the rest are counted in\n"
"                           optrace_series_dropped_total (default 1000, 0: no cap)\n"
"  -i, --interval DUR       refresh what is served every DUR (default 1s)\n"
"  every other option as in optrace trace --help\n"
"\n"
"Examples:\n"
"  optrace serve -p 4242 -u '/usr/bin/app:handle_*'\n"
"  optrace serve -p 4242 --listen 0.0.0.0:9464    # reachable from other hosts\n"
"  curl -s localhost:9464/api/health\n", f);
}

static int parse_pids(const char *arg, struct trace_config *cfg)
{
	const char *p = arg;

	while (*p) {
		char *end;
		long v;
		pid_t *n;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v <= 0 || v > INT_MAX || (*end && *end != ',')) {
			pr_err("bad pid list '%s': expected PID[,PID...] with positive numbers", arg);
			return -EINVAL;
		}
		n = realloc(cfg->pids, (cfg->npids + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		cfg->pids = n;
		cfg->pids[cfg->npids++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int add_spec(const char *arg, struct trace_config *cfg)
{
	struct probe_spec *v;
	char err[256];
	int ret;

	v = realloc(cfg->specs, (cfg->nspecs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	cfg->specs = v;
	ret = probe_spec__parse(arg, &cfg->specs[cfg->nspecs], err, sizeof(err));
	if (ret) {
		probe_spec__free(&cfg->specs[cfg->nspecs]);
		pr_err("%s", err);
		return ret;
	}
	cfg->nspecs++;
	return 0;
}

/* --ratio: its two probes become specs, its names a ratio definition. */
static int add_ratio(const char *arg, struct trace_config *cfg)
{
	struct report_ratio_def *v;
	struct probe_ratio r;
	char err[512];
	int ret;

	ret = probe_ratio__parse(arg, &r, err, sizeof(err));
	if (ret) {
		pr_err("%s", err);
		return ret;
	}
	v = realloc(cfg->ratios, (cfg->nratios + 1) * sizeof(*v));
	if (!v) {
		probe_ratio__free(&r);
		return -ENOMEM;
	}
	cfg->ratios = v;
	ret = add_spec(r.spec_a, cfg);
	if (!ret)
		ret = add_spec(r.spec_b, cfg);
	if (!ret) {
		v[cfg->nratios++] = (struct report_ratio_def){ r.label_a, r.label_b };
		r.label_a = r.label_b = NULL;
	}
	probe_ratio__free(&r);
	return ret;
}

static int parse_dur(const char *what, const char *arg, uint64_t *ns)
{
	if (units__parse_duration(arg, 1000000000ULL, ns) || *ns == 0) {
		pr_err("bad %s '%s': expected a positive duration such as 10, 10s, 500ms, 2m", what,
		       arg);
		return -EINVAL;
	}
	return 0;
}

char *cli__join_args(const char *prefix, int argc, char *const *argv)
{
	size_t len = (prefix ? strlen(prefix) : 0) + 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) * 4 + 3;
	s = p = malloc(len);
	if (!s)
		return NULL;
	p += sprintf(p, "%s", prefix ? prefix : "");
	for (int i = 0; i < argc; i++) {
		bool quote = !*argv[i] || strpbrk(argv[i], " \t\n'\"\\$`*?[]{}()<>|&;#~!");

		if (p != s)
			*p++ = ' ';
		if (quote)
			*p++ = '\'';
		for (const char *c = argv[i]; *c; c++) {
			if (*c == '\n') {
				memcpy(p, "\\n", 2);
				p += 2;
			} else if (*c == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *c;
			}
		}
		if (quote)
			*p++ = '\'';
	}
	*p = 0;
	return s;
}

int cli__parse_trace(int argc, char **argv, struct trace_config *cfg)
{
	bool no_follow = false;
	int c, err = 0;
	char *end;
	long mib;

	memset(cfg, 0, sizeof(*cfg));
	cfg->calibrate = true;
	cfg->histogram = true;
	cfg->spans_cap = 1000;
	cfg->max_series = 1000;
	cfg->mode = !strcmp(argv[0], "record") ? MODE_RECORD : !strcmp(argv[0], "top") ? MODE_TOP :
		    !strcmp(argv[0], "serve") ? MODE_SERVE : MODE_TRACE;
	cfg->record = cfg->mode == MODE_RECORD;
	optind = 1;
	opterr = 0;
	while (!err && (c = getopt_long(argc, argv, "+:p:u:d:i:o:f:c:vh", trace_opts, NULL)) != -1) {
		switch (c) {
		case 'p': err = parse_pids(optarg, cfg); break;
		case 'u': err = add_spec(optarg, cfg); break;
		case 'd': err = parse_dur("duration", optarg, &cfg->duration_ns); break;
		case 'i': err = parse_dur("interval", optarg, &cfg->interval_ns); break;
		case 'o': cfg->output = optarg; break;
		case 'c': cfg->config_path = optarg; break;
		case OPT_ALERT_LOG: cfg->alert_log = optarg; break;
		case OPT_EXIT_ON_ALERT: cfg->exit_on_alert = true; break;
		case OPT_LISTEN:
			if (cfg->mode != MODE_SERVE) {
				pr_err("--listen is an option of optrace serve");
				err = -EINVAL;
			}
			cfg->listen = optarg;
			break;
		case OPT_SAMPLE:
			errno = 0;
			mib = strtol(optarg, &end, 10);
			if (errno || *end || mib < 1 || mib > OT_SAMPLE_MAX) {
				pr_err("bad --sample '%s': expected 1..%d (record 1 call in N)", optarg,
				       OT_SAMPLE_MAX);
				err = -EINVAL;
			}
			cfg->sample_every = (uint32_t)mib;
			break;
		case OPT_COUNTERS: {
			struct counters c;
			char msg[160];

			if (counters__parse(optarg, &c, msg, sizeof(msg))) {
				pr_err("%s", msg);
				err = -EINVAL;
			}
			cfg->counters = optarg;
			break;
		}
		case OPT_RATIO: err = add_ratio(optarg, cfg); break;
		case OPT_CGROUP:
			cfg->cgroup_path = optarg;
			break;
		case OPT_MAX_THREADS:
			errno = 0;
			mib = strtol(optarg, &end, 10);
			if (errno || *end || mib < 1 || mib > (1 << 22)) {
				pr_err("bad thread count '%s': expected 1..4194304", optarg);
				err = -EINVAL;
			}
			cfg->max_threads = mib;
			break;
		case OPT_MAX_SERIES:
			errno = 0;
			mib = strtol(optarg, &end, 10);
			if (errno || *end || mib < 0 || mib > 10000000) {
				pr_err("bad series cap '%s': expected 0 (no cap)..10000000", optarg);
				err = -EINVAL;
			}
			cfg->max_series = mib;
			break;
		case OPT_SPANS:
			errno = 0;
			mib = strtol(optarg, &end, 10);
			if (errno || *end || mib < 0 || mib > 1000000) {
				pr_err("bad span count '%s': expected 0..1000000", optarg);
				err = -EINVAL;
			}
			cfg->spans_cap = mib;
			break;
		case 'f':
			cfg->format_given = true;
			cfg->format = report__parse_format(optarg);
			if (cfg->format < 0) {
				pr_err("bad format '%s': expected text, json, csv, prom, html or "
				       "perfetto", optarg);
				err = -EINVAL;
			}
			break;
		case OPT_FOLLOW: cfg->follow = true; break;
		case OPT_NO_FOLLOW: no_follow = true; break;
		case OPT_COMPENSATE: cfg->compensate = true; break;
		case OPT_NO_CALIBRATE: cfg->calibrate = false; break;
		case OPT_NO_HIST: cfg->histogram = false; break;
		case OPT_RINGBUF:
			errno = 0;
			mib = strtol(optarg, &end, 10);
			if (errno || *end || mib <= 0 || mib > 4096 || (mib & (mib - 1))) {
				pr_err("bad ring buffer size '%s': expected MiB, a power of two <= 4096",
				       optarg);
				err = -EINVAL;
			}
			cfg->ringbuf_bytes = (size_t)mib << 20;
			break;
		case OPT_PERF_UPROBES: cfg->perf_uprobes = true; break;
		case OPT_THREADS: cfg->threads = true; break;
		case OPT_NO_SPLIT: cfg->no_split = true; break;
		case 'v': cfg->verbose++; break;
		case 'h':
			if (cfg->mode == MODE_RECORD)
				cli__record_usage(stdout);
			else if (cfg->mode == MODE_TOP)
				cli__top_usage(stdout);
			else if (cfg->mode == MODE_SERVE)
				cli__serve_usage(stdout);
			else
				cli__trace_usage(stdout);
			trace_config__free(cfg);
			return 1;
		case ':':
			pr_err("option %s needs a value; see optrace %s --help", argv[optind - 1],
			       argv[0]);
			err = -EINVAL;
			break;
		default:
			pr_err("unknown option '%s'; see optrace %s --help", argv[optind - 1],
			       argv[0]);
			err = -EINVAL;
			break;
		}
	}
	if (!err && optind < argc) {
		if (strcmp(argv[optind - 1], "--")) {
			pr_err("unexpected argument '%s' (put the command after --)", argv[optind]);
			err = -EINVAL;
		} else {
			cfg->cmd = &argv[optind];
		}
	}
	if (!err && cfg->record) {
		cfg->record_path = cfg->output;
		cfg->output = NULL;
		if (!cfg->record_path) {
			pr_err("record needs -o FILE; see optrace record --help");
			err = -EINVAL;
		}
	}
	if (!err && cfg->interval_ns && cfg->mode != MODE_TOP && cfg->mode != MODE_SERVE &&
	    (cfg->format == FMT_PROM || cfg->format == FMT_HTML || cfg->format == FMT_PERFETTO)) {
		pr_err("-i prints a report per interval, and %s documents do not concatenate: "
		       "use -f text, json or csv with -i, or record and then report",
		       report__format_name(cfg->format));
		err = -EINVAL;
	}
	if (!err && (cfg->mode == MODE_TOP || cfg->mode == MODE_SERVE) && cfg->output) {
		pr_err("-o is not an option of optrace %s", argv[0]);
		err = -EINVAL;
	}
	if (!err && !cfg->cmd && !cfg->npids && !cfg->cgroup_path) {
		pr_err("nothing to trace: give -p PID, -- CMD ARGS or --cgroup PATH; see optrace "
		       "%s --help", argv[0]);
		err = -EINVAL;
	}
	if (!err && cfg->cmd && cfg->npids) {
		pr_err("give either -p PID or -- CMD, not both");
		err = -EINVAL;
	}
	if (!err && cfg->interval_ns && cfg->duration_ns && cfg->interval_ns > cfg->duration_ns)
		pr_warn("interval longer than the duration: only the final report will print");
	if (cfg->cmd && !no_follow)
		cfg->follow = true;
	if (no_follow)
		cfg->follow = false;
	if (!err && !(cfg->argv_line = cli__join_args("optrace", argc, argv)))
		err = -ENOMEM;
	if (err) {
		trace_config__free(cfg);
		return err;
	}
	return 0;
}

void trace_config__free(struct trace_config *cfg)
{
	for (size_t i = 0; i < cfg->nspecs; i++)
		probe_spec__free(&cfg->specs[i]);
	free(cfg->specs);
	for (size_t i = 0; i < cfg->nratios; i++) {
		free(cfg->ratios[i].label_a);
		free(cfg->ratios[i].label_b);
	}
	free(cfg->ratios);
	cfg->ratios = NULL;
	cfg->nratios = 0;
	free(cfg->pids);
	free(cfg->argv_line);
	cfg->argv_line = NULL;
	cfg->specs = NULL;
	cfg->pids = NULL;
	cfg->nspecs = cfg->npids = 0;
}
