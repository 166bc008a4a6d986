/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * finding.h - what the analysis tells the user: findings (a rule that
 * fired, with its evidence and a recommendation) and fired alerts.  Plain
 * value structs, so reports, records and renderers share them without
 * owning anything else.
 */
#ifndef OPTRACE_FINDING_H
#define OPTRACE_FINDING_H

#include <stdint.h>

enum severity {
	SEV_INFO = 0,
	SEV_WARNING = 1,
	SEV_CRITICAL = 2,
};

/* What a finding or an alert is about. */
enum subject_kind {
	SUBJ_SYSTEM = 0,
	SUBJ_PID = 1,
	SUBJ_OP = 2,	 /* an op of one pid */
	SUBJ_DEVICE = 3, /* a block device */
};

#define FINDING_MAX_EVIDENCE 8

/* One measured number that made a rule fire. */
struct evidence {
	char name[40];	/* "oncpu_share", "p99", "runq_p99", "disk_used" */
	double value;	/* in the unit below: ns, bytes, ratio 0..1, 1/s, count */
	char unit[8];	/* "ns", "bytes", "ratio", "/s", "count", "pct" */
};

struct finding {
	char rule[32];		/* stable id: "cpu_bound_op", "io_bound_op", ... */
	int severity;		/* enum severity */
	int subject_kind;	/* enum subject_kind */
	uint32_t pid;		/* SUBJ_PID / SUBJ_OP */
	char op[64];		/* SUBJ_OP: the op's name */
	char device[32];	/* SUBJ_DEVICE: "sda", "nvme0n1", "8:0" */
	char subject[128];	/* for people: "op read_block of pid 4242 (app)" */
	char summary[256];	/* what is wrong, one sentence with the key numbers */
	char recommendation[384]; /* what to do about it */
	struct evidence ev[FINDING_MAX_EVIDENCE];
	unsigned nev;
	double impact;		/* orders findings of one severity: larger first */
};

/* An alert rule that fired (or fired again after its cooldown). */
struct alert_event {
	char name[64];		/* the rule's section name in the config */
	int severity;		/* enum severity */
	int subject_kind;	/* SUBJ_OP or SUBJ_PID (SUBJ_SYSTEM for system metrics) */
	uint32_t pid;
	char op[64];
	char subject[128];
	char metric[24];	/* "p99", "error_rate", "cpu", ... */
	char cmp[3];		/* ">", ">=", "<", "<=" */
	double value;		/* measured, in the metric's base unit (ns, bytes, ratio, 1/s, pct) */
	double threshold;	/* same unit */
	double for_s;		/* the sustained window it held for */
	double t_s;		/* seconds since tracing started */
	int64_t unix_ns;	/* wall clock when it fired */
};

const char *severity__name(int sev);	      /* "info", "warning", "critical" */
const char *subject_kind__name(int kind);     /* "system", "pid", "op", "device" */

#endif
