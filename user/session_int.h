/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * session_int.h - the state of one tracing session, shared by session.c
 * (the lifecycle: resolve, load, attach, poll, stop) and session_report.c
 * (what each tick and the end produce: reports, records, alerts, top and
 * serve).  Internal to those two files.
 */
#ifndef OPTRACE_SESSION_INT_H
#define OPTRACE_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/utsname.h>

#include "agg.h"
#include "alert.h"
#include "calib.h"
#include "cli.h"
#include "config.h"
#include "counters.h"
#include "events.h"
#include "probes.h"
#include "res.h"
#include "series.h"
#include "serve.h"
#include "spans.h"
#include "target.h"
#include "top.h"
#include "tracer.h"

#define SAMPLE_NS	  1000000000ULL /* /proc and BPF accounting, every second */
#define TICK_NS		  1000000000ULL /* series tick without -i */
#define RECENT_SPANS	  50		/* serve's /api/recent */
#define NEW_PID_SAMPLE_NS 100000000ULL	/* a newly seen process is sampled this soon */

struct session {
	const struct trace_config *cfg;
	struct probe_set probes;
	struct op_info *ops;
	struct tracer *tracer;
	struct agg *agg;
	struct events *events;
	struct res *res;
	uint64_t t_last_sample;
	size_t npids_sampled;	/* processes known at the last sample */
	FILE *out;
	struct target_cmd cmd;
	bool cmd_started, cmd_exited;
	int cmd_status;
	int *pidfds;
	int64_t bias_ns[CALIB_NR_CLASSES];
	uint64_t t_start;	/* CLOCK_MONOTONIC ns */
	int64_t unix_start;
	char *command;		/* the traced command line, or NULL */
	uint64_t tick_ns;	/* series and alert tick: -i, else 1 s */
	uint64_t t_last_tick;
	struct series *series;
	struct spans *spans;	/* the run's slowest calls */
	struct spans *recent;	/* the last tick's slowest calls (serve) */
	struct server *srv;	/* serve */
	struct top *top;	/* top */
	struct optrace_config conf; /* thresholds, per-op limits, alert rules (-c) */
	struct alerts *alerts;
	FILE *alert_log;	/* --alert-log: fired alerts as JSON lines */
	bool alert_stop;	/* --exit-on-alert: a critical alert fired */
	struct utsname uts;
	struct counters ctrs;	/* perf counters per call (--counters) */
};

static inline uint64_t session__now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* -c FILE over the defaults, the alert engine, --alert-log.  Returns an exit code. */
int session__load_config(struct session *s);
/* serve: the HTTP server; top: the screen.  Returns an exit code. */
int session__start_live(struct session *s);
/* Samples /proc and the BPF accounting of every process seen so far. */
void session__sample(struct session *s);
/* One tick: interval report -> series, alerts, -i output, top, serve.  0 or -errno. */
int session__tick(struct session *s, uint64_t now);
/* --cgroup alone: adds the processes that entered the cgroup since. */
void session__cgroup_rescan(struct session *s);
/* The final report, printed and (record) saved.  Returns an exit code. */
int session__final_report(struct session *s);

#endif
