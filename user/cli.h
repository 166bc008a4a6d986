/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cli.h - command-line options of `optrace trace` into a struct
 * trace_config, and its help text with examples.  Parsing only: nothing is
 * resolved or opened here.
 */
#ifndef OPTRACE_CLI_H
#define OPTRACE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "probes.h"
#include "report.h"

/* The verbs that run a tracing session, and what they do with reports. */
enum trace_mode {
	MODE_TRACE = 0, /* print reports */
	MODE_RECORD,	/* save a record (and print with -f) */
	MODE_TOP,	/* full-screen live view */
	MODE_SERVE,	/* HTTP exporter */
};

struct trace_config {
	pid_t *pids;
	size_t npids;
	struct probe_spec *specs;
	size_t nspecs;
	uint64_t duration_ns;	/* 0: until Ctrl-C or the traced processes exit */
	uint64_t interval_ns;	/* 0: final report only */
	const char *output;	/* -o FILE, or NULL for stdout */
	int format;		/* enum report_format */
	bool follow;		/* trace children forked after the start */
	bool compensate;	/* subtract the calibrated bias */
	bool calibrate;		/* measure the bias at start (default on) */
	bool histogram;		/* draw latency histograms in text reports */
	bool threads;		/* per-thread breakdown of per-process figures */
	bool no_split;		/* no per-call time split (cheaper probes) */
	bool perf_uprobes;	/* force perf-event uprobes (no uprobe_multi) */
	size_t ringbuf_bytes;
	int verbose;
	int mode;		/* enum trace_mode: which verb runs the session */
	bool record;		/* `optrace record`: -o is the record file */
	const char *listen;	/* serve: HOST:PORT (NULL: loopback default) */
	bool format_given;	/* -f given (record: also print that report) */
	const char *record_path;/* record: where the record goes */
	const char *config_path;/* -c FILE: thresholds, per-op limits, alert rules */
	const char *alert_log;	/* --alert-log FILE: fired alerts as JSON lines */
	bool exit_on_alert;	/* stop and exit 1 at the first critical alert */
	uint64_t spans_cap;	/* slowest raw spans kept (--spans N) */
	size_t max_series;	/* prom and serve: (pid, op) series cap (--max-series) */
	uint32_t max_threads;	/* --max-threads: thread map size (0: the default) */
	uint32_t sample_every;	/* --sample N: 1 call in N recorded per thread and op; 0: all */
	const char *counters;	/* --counters LIST (NULL: the default set, where present) */
	const char *cgroup_path;/* --cgroup PATH: only tasks under this cgroup v2 directory */
	struct report_ratio_def *ratios; /* --ratio: the op names compared (owned); their
					  * probes are in specs */
	size_t nratios;
	char *argv_line;	/* optrace's own command line, for records (owned) */
	char **cmd;		/* -- CMD ARGS..., NULL-terminated, or NULL */
};

/*
 * Parses argv (argv[0] = "trace", "record", "top" or "serve") into *cfg.  Returns 0; 1 when help was
 * printed (exit 0); -EINVAL after printing a one-line usage error.
 * Free with trace_config__free().
 */
int cli__parse_trace(int argc, char **argv, struct trace_config *cfg);
void trace_config__free(struct trace_config *cfg);
void cli__trace_usage(FILE *f);
void cli__record_usage(FILE *f);
void cli__top_usage(FILE *f);
void cli__serve_usage(FILE *f);

/*
 * argv as one shell-quoted line ("prefix a 'b c'"); newlines shown as \n.
 * prefix may be NULL.  malloc'd, NULL on ENOMEM.
 */
char *cli__join_args(const char *prefix, int argc, char *const *argv);

#endif
