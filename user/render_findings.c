// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_findings.c - the analysis for people (the text report's last
 * sections, the stderr line of a fired alert) and for machines (an
 * --alert-log JSON line).
 *
 * Owns the layout: findings one block each (severity, rule and subject;
 * the summary; the evidence; the recommendation), wrapped to WRAP columns;
 * trends one line per op; alerts one line each.  Leaves every number and
 * every sentence to analyze.c and alert.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert.h"
#include "jsonutil.h"
#include "render_findings.h"
#include "units.h"

#define FMT  40
#define WRAP 100

char *render__metric_value(const char *unit, double v, char *buf, size_t len)
{
	char tmp[FMT];

	if (!isfinite(v)) {
		snprintf(buf, len, "%s", isnan(v) ? "?" : v < 0 ? "-inf" : "inf");
	} else if (!strcmp(unit, "ns")) {
		units__fmt_ns(v > 0 ? (uint64_t)llround(v) : 0, buf, len);
	} else if (!strcmp(unit, "ns/s")) {
		snprintf(buf, len, "%s%s/s", v < 0 ? "-" : "",
			 units__fmt_ns((uint64_t)llround(fabs(v)), tmp, sizeof(tmp)));
	} else if (!strcmp(unit, "bytes")) {
		units__fmt_bytes(v > 0 ? (uint64_t)llround(v) : 0, buf, len);
	} else if (!strcmp(unit, "ratio")) {
		double pct = v * 100;

		snprintf(buf, len, "%.*f%%", pct != 0 && fabs(pct) < 9.995 ? 2 :
					     fabs(pct) < 99.95 ? 1 : 0, pct);
	} else if (!strcmp(unit, "pct")) {
		snprintf(buf, len, "%.1f%%", v);
	} else if (!strcmp(unit, "/s")) {
		snprintf(buf, len, "%s/s", units__fmt_count(v, tmp, sizeof(tmp)));
	} else if (!strcmp(unit, "count")) {
		units__fmt_count(v, buf, len);
	} else if (!strcmp(unit, "x")) {
		snprintf(buf, len, "%.1fx", v);
	} else if (!strcmp(unit, "cpus")) {
		snprintf(buf, len, "%.2f CPUs", v);
	} else {
		snprintf(buf, len, "%.4g%s%s", v, *unit ? " " : "", unit);
	}
	return buf;
}

/* Prints prefix, then text word by word, wrapped at WRAP columns; a
 * continuation line starts at column indent. */
static void wrapped(FILE *f, const char *prefix, int indent, const char *text)
{
	int col = fprintf(f, "%s", prefix);
	bool first = true;
	const char *p = text;

	while (*p == ' ')
		p++;
	while (*p) {
		size_t w = strcspn(p, " ");

		if (!first && col + 1 + (int)w > WRAP) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += (int)w;
		p += w;
		while (*p == ' ')
			p++;
		first = false;
	}
	fputc('\n', f);
}

static void print_finding(FILE *f, const struct finding *fd)
{
	char ev[FINDING_MAX_EVIDENCE * 64] = "", val[FMT], head[256];
	size_t len = 0;

	snprintf(head, sizeof(head), "  %-8s %s: %s", severity__name(fd->severity), fd->rule,
		 fd->subject);
	fprintf(f, "%s\n", head);
	wrapped(f, "          ", 11, fd->summary);
	for (unsigned i = 0; i < fd->nev && i < FINDING_MAX_EVIDENCE; i++) {
		if (len >= sizeof(ev))
			break;
		len += snprintf(ev + len, sizeof(ev) - len, "%s%s %s", i ? ", " : "",
				fd->ev[i].name,
				render__metric_value(fd->ev[i].unit, fd->ev[i].value, val, sizeof(val)));
	}
	if (fd->nev)
		wrapped(f, "           evidence:", 11, ev);
	if (fd->recommendation[0])
		wrapped(f, "           do:", 11, fd->recommendation);
}

static const char *op_name(const struct report_op *o)
{
	return o->info && o->info->name ? o->info->name : "?";
}

static bool moving(const struct trend *t)
{
	return t->dir == TREND_INCREASING || t->dir == TREND_DECREASING;
}

static void print_trends(FILE *f, const struct report *r)
{
	static const char *const names[4] = { "p50", "p99", "throughput", "error rate" };
	bool header = false;

	for (size_t i = 0; i < r->nops; i++) {
		const struct report_op *o = &r->ops[i];
		const struct trend *t[4] = { &o->trend_p50, &o->trend_p99, &o->trend_rate,
					     &o->trend_err_rate };

		if (!o->has_trends ||
		    !(moving(t[0]) || moving(t[1]) || moving(t[2]) || moving(t[3])))
			continue;
		if (!header) {
			fprintf(f, "\nTrends (fitted slope over the intervals: p < %.2f, change >= "
				   "%.0f%% of the mean)\n", TREND_ALPHA, TREND_MIN_REL * 100);
			header = true;
		}
		fprintf(f, "  op %s of pid %" PRIu32 " (%s)\n", op_name(o), o->pid,
			o->comm && *o->comm ? o->comm : "?");
		for (int k = 0; k < 4; k++)
			if (moving(t[k]))
				fprintf(f, "    %s %s %+.0f%% over the run (p = %.2g, %u points, "
					   "cv %.2f)\n", names[k], trend__dir_name(t[k]->dir),
					t[k]->slope_rel * 100, t[k]->p_value, t[k]->npoints, t[k]->cv);
	}
}

static void alert_text(FILE *f, const struct alert_event *ev)
{
	const char *unit = alert__metric_unit(ev->metric);
	char v[FMT], t[FMT];

	fprintf(f, "%s %s: %s: %s %s %s %s", severity__name(ev->severity), ev->name, ev->subject,
		ev->metric, render__metric_value(unit, ev->value, v, sizeof(v)), ev->cmp,
		render__metric_value(unit, ev->threshold, t, sizeof(t)));
	if (ev->for_s > 0)
		fprintf(f, ", held %.1f s", ev->for_s);
	fprintf(f, ", at %.1f s", ev->t_s);
}

int render__findings_text(FILE *f, const struct report *r)
{
	size_t nsev[3] = { 0 };

	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].severity >= SEV_INFO && r->findings[i].severity <= SEV_CRITICAL)
			nsev[r->findings[i].severity]++;
	if (!r->nfindings)
		fprintf(f, "\nFindings: no findings (no analysis rule applies)\n");
	else
		fprintf(f, "\nFindings: %zu (%zu critical, %zu warning, %zu info), most severe first\n",
			r->nfindings, nsev[SEV_CRITICAL], nsev[SEV_WARNING], nsev[SEV_INFO]);
	for (size_t i = 0; i < r->nfindings; i++)
		print_finding(f, &r->findings[i]);
	print_trends(f, r);
	if (r->nalerts) {
		fprintf(f, "\nAlerts fired: %zu\n", r->nalerts);
		for (size_t i = 0; i < r->nalerts; i++) {
			fprintf(f, "  ");
			alert_text(f, &r->alerts[i]);
			fputc('\n', f);
		}
	}
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

void render__alert_line(FILE *f, const struct alert_event *ev)
{
	fprintf(f, "optrace: alert ");
	alert_text(f, ev);
	fputc('\n', f);
	fflush(f);
}

int render__alert_jsonl(FILE *f, const struct alert_event *ev)
{
	json_t *j = json_object();
	bool ok = j != NULL;
	int err = 0;

	if (!j)
		return -ENOMEM;
	put(j, "name", json_string(ev->name), &ok);
	put(j, "severity", json_string(severity__name(ev->severity)), &ok);
	put(j, "subject_kind", json_string(subject_kind__name(ev->subject_kind)), &ok);
	put(j, "pid", json_integer(ev->pid), &ok);
	put(j, "op", json_string(ev->op), &ok);
	put(j, "subject", json_string(ev->subject), &ok);
	put(j, "metric", json_string(ev->metric), &ok);
	put(j, "cmp", json_string(ev->cmp), &ok);
	put(j, "value", jreal(ev->value), &ok);
	put(j, "threshold", jreal(ev->threshold), &ok);
	put(j, "for_s", jreal(ev->for_s), &ok);
	put(j, "t_s", jreal(ev->t_s), &ok);
	put(j, "unix_ns", json_integer(ev->unix_ns), &ok);
	if (!ok) {
		json_decref(j);
		return -ENOMEM;
	}
	/* One write of the whole line, so concurrent appenders do not interleave. */
	{
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

		json_decref(j);
		if (!s)
			return -ENOMEM;
		if (fprintf(f, "%s\n", s) < 0 || fflush(f))
			err = -EIO;
		free(s);
	}
	return err;
}
