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
	char **cmd;		/* -- CMD ARGS..., NULL-terminated, or NULL */
};

/*
 * Parses argv (argv[0] = "trace") into *cfg.  Returns 0; 1 when help was
 * printed (exit 0); -EINVAL after printing a one-line usage error.
 * Free with trace_config__free().
 */
int cli__parse_trace(int argc, char **argv, struct trace_config *cfg);
void trace_config__free(struct trace_config *cfg);
void cli__trace_usage(FILE *f);

#endif
