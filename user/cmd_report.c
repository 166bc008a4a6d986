// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_report.c - `optrace report FILE`: render a record in any output
 * format, optionally narrowed to some pids and ops.
 *
 * Owns the options, the filtering of the read report (the struct is
 * narrowed before rendering, so every renderer sees the same subset) and
 * the output file.  Leaves to others: reading the record (record.c) and
 * rendering (render__report).  Errors are one line on stderr naming the
 * file; exit 2 for usage and input errors (a missing, foreign, corrupt or
 * newer file), 3 when the output cannot be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "log.h"
#include "record.h"
#include "report.h"

struct report_config {
	const char *file;
	const char *output;	/* -o, or NULL for stdout */
	int format;		/* enum report_format */
	bool histogram;
	uint32_t *pids;		/* --pid, owned */
	size_t npids;
	const char **ops;	/* --op NAME or glob, owned array */
	size_t nops;
};

enum { OPT_PID = 256, OPT_OP, OPT_NO_HIST };

static const struct option report_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "op", required_argument, NULL, OPT_OP },
	{ "no-hist", no_argument, NULL, OPT_NO_HIST },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static void usage(FILE *f)
{
	fputs(
"Usage: optrace report FILE [-f FMT] [-o OUT] [--pid PID]... [--op NAME]... [--no-hist]\n"
"\n"
"Render a record saved by `optrace record`: the same report the live trace\n"
"printed (same text, same JSON), or an export. FILE is gzip-compressed JSON\n"
"(docs/record.md); plain JSON is accepted too.\n"
"\n"
"  -f, --format FMT    text (default), json, csv, prom, html or perfetto\n"
"  -o, --output OUT    write to OUT instead of stdout\n"
"      --pid PID[,PID] only these processes (their ops, threads, spans,\n"
"                      findings and alerts); repeatable\n"
"      --op NAME       only ops named NAME (a glob: 'kv_*'); repeatable; pid\n"
"                      totals then count the listed ops only\n"
"      --no-hist       no latency histograms in text output\n"
"  -h, --help          this help\n"
"\n"
"Examples:\n"
"  optrace report run.optrace                        # the text report\n"
"  optrace report run.optrace -f json | jq '.ops[] | {name, calls}'\n"
"  optrace report run.optrace -f html -o run.html    # charts, one file\n"
"  optrace report run.optrace -f perfetto -o run.trace.json  # ui.perfetto.dev\n"
"  optrace report run.optrace --pid 4242 --op 'handle_*' --no-hist\n"
"  zcat run.optrace | jq .report.meta                # the raw record\n"
"\n"
"Exit codes: 0 ok, 2 usage or input error (missing, foreign, corrupt,\n"
"truncated or newer record), 3 the output could not be written.\n", f);
}

static int add_pids(struct report_config *c, const char *arg)
{
	const char *p = arg;

	while (*p) {
		char *end;
		unsigned long v;
		uint32_t *n;

		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno || v == 0 || v > INT_MAX || (*end && *end != ',') ||
		    *p == '-' || *p == '+') {
			pr_err("report: bad pid list '%s': expected PID[,PID...]", arg);
			return -EINVAL;
		}
		n = realloc(c->pids, (c->npids + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->pids = n;
		c->pids[c->npids++] = (uint32_t)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int add_op(struct report_config *c, const char *arg)
{
	const char **n = realloc(c->ops, (c->nops + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->ops = n;
	c->ops[c->nops++] = arg;
	return 0;
}

/* Returns 0, 1 after --help, or -EINVAL after printing the error. */
static int parse(int argc, char **argv, struct report_config *c)
{
	int opt, err = 0;

	memset(c, 0, sizeof(*c));
	c->histogram = true;
	optind = 1;
	opterr = 0;
	while (!err && (opt = getopt_long(argc, argv, ":f:o:h", report_opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			c->format = report__parse_format(optarg);
			if (c->format < 0) {
				pr_err("report: unknown format '%s': expected text, json, csv, prom, "
				       "html or perfetto", optarg);
				err = -EINVAL;
			}
			break;
		case 'o': c->output = optarg; break;
		case OPT_PID: err = add_pids(c, optarg); break;
		case OPT_OP: err = add_op(c, optarg); break;
		case OPT_NO_HIST: c->histogram = false; break;
		case 'h': usage(stdout); return 1;
		case ':':
			pr_err("report: option '%s' needs a value; see optrace report --help",
			       argv[optind - 1]);
			err = -EINVAL;
			break;
		default:
			pr_err("report: unknown option '%s'; see optrace report --help",
			       argv[optind - 1]);
			err = -EINVAL;
		}
	}
	if (err)
		return err == -ENOMEM ? (pr_err("report: out of memory"), -EINVAL) : err;
	if (optind >= argc) {
		pr_err("report: a record FILE is needed; see optrace report --help");
		return -EINVAL;
	}
	if (optind + 1 < argc) {
		pr_err("report: one record FILE expected, got '%s' too", argv[optind + 1]);
		return -EINVAL;
	}
	c->file = argv[optind];
	return 0;
}

static bool pid_wanted(const struct report_config *c, uint32_t pid)
{
	if (!c->npids)
		return true;
	for (size_t i = 0; i < c->npids; i++)
		if (c->pids[i] == pid)
			return true;
	return false;
}

static bool op_wanted(const struct report_config *c, const char *name)
{
	if (!c->nops)
		return true;
	for (size_t i = 0; name && i < c->nops; i++)
		if (!fnmatch(c->ops[i], name, 0))
			return true;
	return false;
}

/* Findings and alerts about a pid or an op follow it out; system ones stay. */
static bool subject_wanted(const struct report_config *c, int kind, uint32_t pid, const char *op)
{
	if (kind == SUBJ_PID)
		return pid_wanted(c, pid);
	if (kind == SUBJ_OP)
		return pid_wanted(c, pid) && op_wanted(c, op);
	return true;
}

/* Narrows r in place; what is dropped is freed (report__free frees the rest). */
static void filter(struct report *r, const struct report_config *c)
{
	size_t i, k;

	if (!c->npids && !c->nops)
		return;
	for (i = k = 0; i < r->nops; i++)
		if (pid_wanted(c, r->ops[i].pid) &&
		    op_wanted(c, r->ops[i].info ? r->ops[i].info->name : NULL))
			r->ops[k++] = r->ops[i];
	r->nops = k;
	for (i = k = 0; i < r->npids; i++) {
		struct report_pid *p = &r->pids[i];

		if (!pid_wanted(c, p->pid)) {
			hist__free(&p->res.runq);
			free(p->threads);
			free(p->bio);
			continue;
		}
		if (c->nops) {
			p->calls = 0;
			for (size_t j = 0; j < r->nops; j++)
				if (r->ops[j].pid == p->pid)
					p->calls += r->ops[j].calls;
		}
		r->pids[k++] = *p;
	}
	r->npids = k;
	for (i = k = 0; i < r->nspans; i++)
		if (pid_wanted(c, r->spans[i].pid) && op_wanted(c, r->spans[i].op))
			r->spans[k++] = r->spans[i];
	r->nspans = k;
	for (i = k = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (subject_wanted(c, f->subject_kind, f->pid, f->op))
			r->findings[k++] = *f;
	}
	r->nfindings = k;
	for (i = k = 0; i < r->nalerts; i++) {
		const struct alert_event *a = &r->alerts[i];

		if (subject_wanted(c, a->subject_kind, a->pid, a->op))
			r->alerts[k++] = *a;
	}
	r->nalerts = k;
}

static int render_to(const struct report_config *c, const struct report *r)
{
	struct render_opts ro = { .histogram = c->histogram, .width = 40 };
	FILE *f = stdout;
	int fd, err;

	if (c->output) {
		fd = open(c->output, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f) {
			pr_err("report: %s: %s", c->output, strerror(errno));
			if (fd >= 0)
				close(fd);
			return OT_EXIT_ENV;
		}
	}
	err = render__report(f, c->format, r, &ro);
	if (!err && fflush(f))
		err = -errno;
	if (c->output && fclose(f) && !err)
		err = -errno;
	if (err == -ENOSYS) {
		pr_err("report: format %s is not available in this build",
		       report__format_name(c->format));
		if (c->output)
			unlink(c->output);
		return OT_EXIT_USAGE;
	}
	if (err) {
		pr_err("report: write %s: %s", c->output ? c->output : "stdout", strerror(-err));
		return OT_EXIT_ENV;
	}
	return OT_EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	struct report_config c;
	struct report r;
	char err[320];
	int ret = parse(argc, argv, &c);

	if (ret) {
		free(c.pids);
		free(c.ops);
		return ret == 1 ? OT_EXIT_OK : OT_EXIT_USAGE;
	}
	ret = record__read(c.file, &r, err, sizeof(err));
	if (ret) {
		pr_err("report: %s: %s", c.file, err);
		free(c.pids);
		free(c.ops);
		return ret == -ENOMEM ? OT_EXIT_ENV : OT_EXIT_USAGE;
	}
	filter(&r, &c);
	ret = render_to(&c, &r);
	report__free(&r);
	free(c.pids);
	free(c.ops);
	return ret;
}
