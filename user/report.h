/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * report.h - the report: what every renderer shows, computed once from the
 * aggregates.  Text and JSON (and later CSV, Prometheus, HTML) render this
 * same struct, so they never disagree.
 *
 * report__build is pure; the renderers take a FILE * and never compute.
 */
#ifndef OPTRACE_REPORT_H
#define OPTRACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agg.h"
#include "finding.h"
#include "optrace.h"
#include "res.h"
#include "series.h"
#include "spans.h"
#include "trend.h"

#define REPORT_SCHEMA_VERSION 1

struct report_err {
	int64_t code;
	char name[24]; /* "ENOENT", "NULL", "E#1234", "other" */
	uint64_t count;
};

/* One perf counter of one op (--counters): its values per call. */
struct report_ctr {
	uint64_t calls;		/* calls counted whole (OT_SPAN_F_CTR) */
	double mean;
	uint64_t p50, p99;
	const struct hist *h;	/* the values per call, or NULL */
};

/* Where an op's time went, per call, over a set of calls. */
struct report_split {
	uint64_t calls;
	double wall_mean; /* ns */
	double oncpu_mean, runq_mean, iowait_mean, offcpu_mean;
	double oncpu_share, runq_share, iowait_share, offcpu_share; /* of wall, 0..1 */
};

struct report_op {
	uint32_t pid;
	const char *comm;
	const struct op_info *info;
	uint64_t calls;
	double rate;	 /* calls per second over the window */
	uint64_t errors;
	double err_rate; /* errors / calls, 0..1 */
	struct report_err errs[AGG_MAX_ERRCODES + 1];
	size_t nerrs;	 /* sorted by count, descending */
	uint64_t bytes;
	double bytes_rate;
	/* latency, ns */
	uint64_t min, max, p50, p90, p95, p99, p999;
	double mean;
	double self_mean; /* mean time not spent in nested traced ops */
	const struct hist *lat;
	/* The probe's bias for this op (by its first probed instruction), -1 if
	 * unknown.  When compensated, the figures above already have it
	 * subtracted and histogram bucket edges must be shifted down by it. */
	int64_t bias_ns;
	const char *probe_insn; /* "emulated" or "single-stepped" */
	bool compensated;
	/* Time split (raw, bias included: it is kernel time too). */
	bool has_split;
	struct report_split split_all;
	struct report_split split_tail; /* calls above p99 (bins of <= 19%) */
	uint64_t tail_threshold_ns;	/* the raw p99 */
	bool has_counts;
	double nvcsw_per_call, nivcsw_per_call, minflt_per_call, majflt_per_call;
	/* Perf counters per call, slot k named meta.counter_names[k] (k <
	 * meta.ncounters); calls == 0 when no call was counted whole. */
	struct report_ctr ctr[OT_NR_CTR];
	/* Interval series (one point per tick, oldest first; NULL when none)
	 * and the trends analysis fitted over it (has_trends). */
	const struct series_point *series;
	size_t nseries;
	bool has_trends;
	struct trend trend_p50, trend_p99, trend_rate, trend_err_rate;
};

/* Block IO of one process to one device, of one kind (read, write...). */
struct report_bio {
	uint32_t dev;
	const char *dev_name;
	const char *op;		/* "read", "write", "flush", "discard", "other" */
	uint64_t count, bytes, errors;
	double iops, bytes_rate; /* over the window */
	uint64_t p50, p90, p99, max; /* submit to completion, ns */
	uint64_t svc_p50, svc_p99;   /* issue to completion (device time), ns */
	double queue_mean;	     /* submit to issue, ns */
};

struct report_pid {
	uint32_t pid;
	const char *comm;
	bool exited;
	int exit_code;
	uint64_t calls;
	/* Resources over the window (when sampled). */
	bool has_res;
	struct res_pid res;		/* owns res.runq */
	uint64_t runq_count, runq_p50, runq_p90, runq_p99, runq_max;
	struct res_thread *threads;	/* --threads: live and exited, by tid (owned) */
	size_t nthreads;
	struct report_bio *bio;		/* block IO it submitted, by device and kind (owned) */
	size_t nbio;
	/* Resource efficiency 0..1 (analysis; docs/analysis.md has the formula),
	 * -1 when unknown. */
	double efficiency;
};

/* --ratio NAME=SPEC_A,NAME_B=SPEC_B: the two op names compared (strings owned by whoever
 * made the definition: the trace config). */
struct report_ratio_def {
	char *label_a;
	char *label_b;
};

/*
 * One ratio of one process: count_a / (count_a + count_b), the calls of the
 * ops named label_a (or "label_a:FUNC", a glob's ops) and label_b.
 */
struct report_ratio {
	const char *label_a;
	const char *label_b;
	uint32_t pid;
	const char *comm;
	uint64_t count_a, count_b;
	double ratio; /* 0..1, or -1 when both counts are 0 (no value: "n/a", null) */
};

/* Loss and drop figures; every report shows them, zeros included. */
struct report_loss {
	uint64_t spans_produced;
	uint64_t spans_lost;	  /* ring buffer full */
	uint64_t proc_lost;
	uint64_t stack_overflow;  /* calls nested deeper than the stack: not timed */
	uint64_t stack_mismatch;  /* open ops skipped by longjmp/unwinding */
	uint64_t threads_full;
	uint64_t tgids_full;
	uint64_t bio_lost;	  /* block request records: ring buffer full */
	uint64_t bio_stale;	  /* block requests whose completion was not seen (lost or in flight) */
	uint64_t bio_mapfull;	  /* block requests not attributed: map full */
	uint64_t split_bad;	  /* calls left out of the time split: parts did not add up */
	uint64_t split_unseen;	  /* calls left out of the time split: a wakeup and a switch-in
				   * of the thread during the call were not seen */
	uint64_t ctr_unseen;	  /* calls without perf counter values: a running slice of the
				   * thread was not counted (switch-in not seen, read failed) */
	uint64_t bad_records;	  /* records userspace could not account */
};

struct report_meta {
	const char *kind;	  /* "interval" or "final" */
	double window_s;	  /* length of the window the rates are over */
	double elapsed_s;	  /* since tracing started */
	int64_t start_unix_ns;	  /* wall clock at start of the run */
	int64_t end_unix_ns;
	const char *attach_mode;  /* "uprobe_multi" / "perf-event uprobes" */
	size_t nr_probes;
	/* Calibrated per-call bias by probed-instruction class, -1 if unknown. */
	int64_t bias_emulated_ns;
	int64_t bias_stepped_ns;
	bool compensated;	  /* each op's bias subtracted from its latencies */
	const char *command;	  /* traced command line, or NULL */
	bool cmd_exited;
	int cmd_status;		  /* exit status of the traced command */
	bool show_idle_ops;	  /* list ops that had no calls at all */
	/* Where and how the run was made (records keep these). */
	const char *host;	  /* uname nodename */
	const char *kernel;	  /* uname release */
	const char *optrace_args; /* optrace's own command line */
	const char *clock;	  /* "CLOCK_MONOTONIC": the clock of span start times */
	double tick_s;		  /* length of one interval of the series */
	uint64_t spans_cap;	  /* slowest raw spans kept (0: none) */
	uint32_t sample_every;	  /* --sample N: 1 call in N timed, counts scaled; 0/1: all */
	/* Perf counters read per call (--counters), in slot order, and why
	 * the ones asked for (or the default set) are absent ("" or NULL: none is). */
	const char *counter_names[OT_NR_CTR];
	size_t ncounters;
	const char *counters_absent;
	/* --ratio definitions report__build computes ratios for (not kept in records:
	 * the ratios themselves are). */
	const struct report_ratio_def *ratio_defs;
	size_t nratio_defs;
};

struct report {
	struct report_meta meta;
	struct res_sys sys;	/* the system over the window (sys.valid) */
	struct report_loss loss;
	struct report_op *ops; /* sorted by pid, then op name */
	size_t nops;
	struct report_pid *pids;
	size_t npids;
	/* Analysis (analyze__report): ordered by severity, then impact. */
	struct finding *findings;	/* owned */
	size_t nfindings;
	/* Alerts fired during the run, oldest first. */
	struct alert_event *alerts;	/* owned */
	size_t nalerts;
	/* --ratio: per process (by pid), then in definition order. */
	struct report_ratio *ratios;	/* owned */
	size_t nratios;
	/* The slowest raw spans, by start time. */
	struct report_span *spans;	/* owned */
	size_t nspans;
	/* Memory owned by the report itself (a report read from a record owns
	 * its strings, op_infos, histograms and series): report__alloc. */
	struct report_block *owned;
};

/*
 * Builds a report from the aggregates and, when res is not NULL, the
 * resource samples (per pid, per thread with threads, and the system):
 * window "interval" uses the interval counters, "final" the whole run.
 * meta and loss are copied in.  Returns 0 or -ENOMEM.  The report points
 * into agg and res (histograms, names): both must outlive it.  Free with
 * report__free().
 */
int report__build(const struct agg *a, const struct res *res, bool threads, bool interval,
		  const struct report_meta *meta, const struct report_loss *loss,
		  struct report *out);
void report__free(struct report *r);

/* count_a / (count_a + count_b), or -1 when both are 0. */
double report__ratio_value(uint64_t count_a, uint64_t count_b);

/* Does an op named op_name count for a ratio's label: the label itself or "label:FUNC"? */
bool report__ratio_op_matches(const char *label, const char *op_name);

/*
 * Memory owned by r, freed by report__free: zeroed bytes, a copy of a
 * string, an empty histogram (its counters freed with it).  NULL on ENOMEM.
 * For building a report without aggregates (records, tests).
 */
void *report__alloc(struct report *r, size_t size);
char *report__strdup(struct report *r, const char *s);
struct hist *report__hist(struct report *r);

/* Output formats of trace, record and report. */
enum report_format {
	FMT_TEXT = 0,
	FMT_JSON,
	FMT_CSV,
	FMT_PROM,
	FMT_HTML,
	FMT_PERFETTO,
	FMT_NR,
};
/* "text", "json", ... -> FMT_*, or -1 for an unknown name. */
int report__parse_format(const char *name);
const char *report__format_name(int fmt);

/* Renderers: write r to f.  Return 0, -ENOMEM or -EIO. */
struct render_opts {
	bool histogram;	   /* text: draw latency histograms */
	int width;	   /* text: terminal width for the histogram bars */
	size_t max_series; /* prom: at most this many (pid, op) series, the busiest; 0: all */
};
int render__text(FILE *f, const struct report *r, const struct render_opts *o);
int render__json(FILE *f, const struct report *r, const struct render_opts *o);
int render__csv(FILE *f, const struct report *r, const struct render_opts *o);
int render__prom(FILE *f, const struct report *r, const struct render_opts *o);
int render__html(FILE *f, const struct report *r, const struct render_opts *o);
int render__perfetto(FILE *f, const struct report *r, const struct render_opts *o);
/* What the loss line says after "lost:" ("0 spans (ring buffer full)[, ...]"), no newline. */
void render__loss_text(FILE *f, const struct report_loss *l);
/* Renders r in format fmt (FMT_*). */
int render__report(FILE *f, int fmt, const struct report *r, const struct render_opts *o);

#endif
