// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_html.c - the report as one self-contained HTML page: header and
 * loss line, findings and alerts, the time split of every op as stacked
 * bars, per op its figures, a latency histogram and a percentile-over-time
 * chart, then per-process resources, block IO, threads, the slowest spans
 * and the system snapshot.
 *
 * Owns the page layout, the CSS and the charts, drawn here as inline SVG
 * with axes, tick labels and units.  Leaves to others: every number
 * (report__build computes; this file formats and scales) and the FILE *.
 *
 * Self-contained: no script at all, and nothing fetched (no external
 * stylesheet, font or image); a Content-Security-Policy of default-src
 * 'none' makes the browser refuse any fetch should one ever slip in.
 * Every string from the report is escaped (& < > " ') and made UTF-8.
 * A value the report does not have is shown as "–", never as 0.
 *
 * Colours (tests look for them in a screenshot): on-CPU #4e79a7, run queue
 * #f28e2b, IO wait #e15759, other off-CPU #76b7b2, histogram bars #59a14f,
 * p50 #17becf, p95 #bcbd22, p99 #9467bd.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "hist.h"
#include "render_util.h"
#include "counters.h"
#include "report.h"
#include "trend.h"
#include "units.h"

#define FMT 40

#define COL_ONCPU  "#4e79a7"
#define COL_RUNQ   "#f28e2b"
#define COL_IOWAIT "#e15759"
#define COL_OFFCPU "#76b7b2"
#define COL_HIST   "#59a14f"
#define COL_P50	   "#17becf"
#define COL_P95	   "#bcbd22"
#define COL_P99	   "#9467bd"

#define NA "<span class=\"na\">&ndash;</span>"

#define SPANS_SHOWN	25
#define SERIES_DOTS_MAX 60 /* points drawn as dots too up to this many */
#define HIST_ROWS_MAX	128
#define HIST_ROWS_FINE	48 /* finer rows per octave while the range fits in this many */
#define LOG_RATIO	20 /* percentile charts get a log scale past this max/min ratio */
#define LABEL_CHARS	28 /* bar labels longer than this are cut (full text in the tooltip) */

/* ---------------------------------------------------------------- text */

/* Characters of s: UTF-8 sequences, each stray byte counting as one. */
static size_t utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, k;

	for (; *p; p += k ? k : 1, n++)
		k = ru_utf8_len(p);
	return n;
}

/*
 * Escapes HTML's special characters; bad UTF-8 and control bytes become
 * U+FFFD.  Text of more than max_chars characters is cut to max_chars - 1
 * and an ellipsis.
 */
static void esc_n(FILE *f, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)ru_str(s);
	size_t k, total = max_chars == SIZE_MAX ? 0 : utf8_chars((const char *)p);
	size_t limit = total > max_chars ? max_chars - 1 : SIZE_MAX;

	for (; *p && limit; p += k ? k : 1, limit--) {
		k = ru_utf8_len(p);
		if (!k || (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f) {
			fputs(RU_REPLACEMENT, f);
			continue;
		}
		if (!ru_put_entity(f, *p))
			fwrite(p, 1, k, f);
	}
	if (total > max_chars)
		fputs("&hellip;", f);
}

static void esc(FILE *f, const char *s)
{
	esc_n(f, s, SIZE_MAX);
}

static const char *fmt_ns(uint64_t ns, char *buf)
{
	return units__fmt_ns(ns, buf, FMT);
}

static const char *fmt_nsd(double ns, char *buf)
{
	return units__fmt_ns(ru_u64(ns), buf, FMT);
}

static const char *fmt_bytes(double b, char *buf)
{
	return units__fmt_bytes(ru_u64(b), buf, FMT);
}

static const char *fmt_pct(double frac, char *buf)
{
	return units__fmt_pct(frac, buf, FMT);
}

static const char *fmt_count(double v, char *buf)
{
	return units__fmt_count(v, buf, FMT);
}

/* status is a raw wait status. */
static const char *fmt_status(int status, char *buf)
{
	const char *sig;

	if (WIFEXITED(status)) {
		snprintf(buf, FMT, "exited %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		sig = sigabbrev_np(WTERMSIG(status));
		if (sig)
			snprintf(buf, FMT, "killed by SIG%s", sig);
		else
			snprintf(buf, FMT, "killed by signal %d", WTERMSIG(status));
	} else {
		snprintf(buf, FMT, "wait status %#x", (unsigned int)status);
	}
	return buf;
}

static const char *fmt_time(int64_t unix_ns, char *buf)
{
	time_t t = (time_t)(unix_ns / 1000000000);
	struct tm tm;

	if (unix_ns <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, FMT, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, FMT, "?");
	return buf;
}

/* Axis tick labels: "0", "250 ns", "2.5 us", "10 ms", "1.5 s". */
static const char *fmt_tick_ns(double ns, char *buf)
{
	static const struct {
		double div;
		const char *unit;
	} u[] = { { 1, "ns" }, { 1e3, "us" }, { 1e6, "ms" }, { 1e9, "s" } };
	int i = 0;

	if (ns == 0) {
		snprintf(buf, FMT, "0");
		return buf;
	}
	while (i < 3 && fabs(ns) >= u[i + 1].div * 0.9995)
		i++;
	snprintf(buf, FMT, "%.3g %s", ns / u[i].div, u[i].unit);
	return buf;
}

/* A value in its base unit ("ns", "bytes", "ratio", "pct", "/s", "count"): for people. */
static const char *fmt_unit(const char *unit, double v, char *buf)
{
	char t[FMT];

	if (!strcmp(unit, "ns"))
		return fmt_nsd(v, buf);
	if (!strcmp(unit, "bytes"))
		return fmt_bytes(v, buf);
	if (!strcmp(unit, "ratio"))
		return fmt_pct(v, buf);
	if (!strcmp(unit, "pct")) {
		snprintf(buf, FMT, "%.1f%%", v);
		return buf;
	}
	if (!strcmp(unit, "/s")) {
		snprintf(buf, FMT, "%s/s", fmt_count(v, t));
		return buf;
	}
	return fmt_count(v, buf);
}

static bool known_unit(const char *unit)
{
	static const char *const units[] = { "ns", "bytes", "ratio", "pct", "/s", "count", "" };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i]))
			return true;
	return false;
}

/* The base unit of an alert metric (as alert.c reads them). */
static const char *metric_unit(const char *metric)
{
	static const struct {
		const char *metric, *unit;
	} m[] = { { "p50", "ns" },	   { "p95", "ns" },	 { "p99", "ns" },
		  { "mean", "ns" },	   { "runq_p99", "ns" }, { "io_p99", "ns" },
		  { "error_rate", "ratio" }, { "throughput", "/s" }, { "cpu", "pct" },
		  { "rss", "bytes" } };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(metric, m[i].metric))
			return m[i].unit;
	return "";
}

static const char *trend_name(int dir)
{
	switch (dir) {
	case TREND_STABLE:
		return "stable";
	case TREND_INCREASING:
		return "increasing";
	case TREND_DECREASING:
		return "decreasing";
	default:
		return "unknown";
	}
}

/* ---------------------------------------------------------------- page */

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
	"max-width:1200px;padding:12px 20px;color:#222;background:#fff}\n"
	"h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;"
	"border-bottom:2px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}\n"
	"table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 8px;"
	"border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}\n"
	"th{background:#f4f4f4;font-weight:600}td.n,th.n{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	"table.kv th{background:none;width:170px}\n"
	".na{color:#aaa}.muted{color:#777}.nochart{color:#777;font-style:italic}\n"
	".loss{padding:6px 10px;border-left:4px solid #59a14f;background:#f3f8f2}\n"
	".loss.bad{border-color:#e15759;background:#fdf0f0}\n"
	"nav a{margin-right:14px}\n"
	".finding{border:1px solid #ddd;border-left-width:6px;padding:8px 12px;margin:8px 0;"
	"border-radius:3px}\n"
	".finding.critical{border-left-color:#c62828}.finding.warning{border-left-color:#ef6c00}"
	".finding.info{border-left-color:#1565c0}\n"
	".badge{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px;"
	"font-weight:600;margin-right:6px}\n"
	".badge.critical{background:#c62828}.badge.warning{background:#ef6c00}"
	".badge.info{background:#1565c0}\n"
	".op{border:1px solid #ddd;border-radius:4px;padding:10px 14px;margin:14px 0}\n"
	".charts{display:flex;flex-wrap:wrap;gap:12px}.chart{flex:0 0 auto}\n"
	"svg{font:11px system-ui,sans-serif;background:#fff}\n"
	"svg .ax{stroke:#444;stroke-width:1;fill:none}svg .grid{stroke:#e8e8e8;stroke-width:1}\n"
	"svg .t{fill:#333}svg .tt{fill:#222;font-weight:600}\n"
	"p.fig{margin:2px 0}\n";

static void header(FILE *f, const struct report *r)
{
	const struct report_meta *m = &r->meta;
	char a[FMT], b[FMT];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"optrace\">\n<title>optrace report", f);
	if (m->command) {
		fputs(": ", f);
		esc(f, m->command);
	}
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	fputs("<header>\n<h1>optrace ", f);
	esc(f, m->kind);
	fputs(" report</h1>\n<table class=\"kv\">\n", f);
	if (m->command) {
		fputs("<tr><th>Command</th><td><code>", f);
		esc(f, m->command);
		fprintf(f, "</code> (%s)</td></tr>\n",
			m->cmd_exited ? fmt_status(m->cmd_status, a) : "running");
	}
	fprintf(f, "<tr><th>Window</th><td>%s (elapsed %s)</td></tr>\n",
		fmt_nsd(m->window_s * 1e9, a), fmt_nsd(m->elapsed_s * 1e9, b));
	if (m->start_unix_ns > 0)
		fprintf(f, "<tr><th>Started</th><td>%s</td></tr>\n", fmt_time(m->start_unix_ns, a));
	if (m->end_unix_ns > 0)
		fprintf(f, "<tr><th>Ended</th><td>%s</td></tr>\n", fmt_time(m->end_unix_ns, a));
	if (m->host || m->kernel) {
		fputs("<tr><th>Host</th><td>", f);
		esc(f, m->host ? m->host : "?");
		if (m->kernel) {
			fputs(", Linux ", f);
			esc(f, m->kernel);
		}
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "<tr><th>Probes</th><td>%zu", m->nr_probes);
	if (m->attach_mode) {
		fputs(" (", f);
		esc(f, m->attach_mode);
		fputc(')', f);
	}
	fputs("</td></tr>\n<tr><th>Probe bias</th><td>", f);
	if (m->bias_emulated_ns < 0 && m->bias_stepped_ns < 0)
		fputs("not calibrated; latencies include the probe cost", f);
	else
		fprintf(f, "%s per call where the probed instruction is emulated, %s where "
			   "single-stepped; %s",
			m->bias_emulated_ns < 0 ? "?" : fmt_ns(m->bias_emulated_ns, a),
			m->bias_stepped_ns < 0 ? "?" : fmt_ns(m->bias_stepped_ns, b),
			m->compensated ? "subtracted" : "not subtracted");
	fputs("</td></tr>\n", f);
	if (m->optrace_args) {
		fputs("<tr><th>optrace</th><td><code>", f);
		esc(f, m->optrace_args);
		fputs("</code></td></tr>\n", f);
	}
	fprintf(f, "<tr><th>Slowest spans kept</th><td>%zu (of at most %" PRIu64 ")</td></tr>\n",
		r->nspans, m->spans_cap);
	fputs("</table>\n", f);
}

/* The loss line, as the text report has it: always there, zeros included. */
static void loss(FILE *f, const struct report_loss *l)
{
	bool bad = l->spans_lost || l->proc_lost || l->stack_overflow || l->stack_mismatch ||
		   l->threads_full || l->tgids_full || l->split_bad || l->split_unseen ||
		   l->ctr_unseen || l->bio_lost || l->bio_stale || l->bio_mapfull || l->bad_records;

	fprintf(f, "<p class=\"loss%s\"><b>lost:</b> ", bad ? " bad" : "");
	render__loss_text(f, l);
	fputs("</p>\n</header>\n", f);
}

static void nav(FILE *f, const struct report *r)
{
	fprintf(f, "<nav><a href=\"#findings\">Findings (%zu)</a>", r->nfindings);
	if (r->nalerts)
		fprintf(f, "<a href=\"#alerts\">Alerts (%zu)</a>", r->nalerts);
	fprintf(f, "<a href=\"#time-split\">Time split</a><a href=\"#ops\">Operations (%zu)</a>"
		   "<a href=\"#processes\">Processes (%zu)</a>", r->nops, r->npids);
	if (r->nspans)
		fputs("<a href=\"#spans\">Slowest calls</a>", f);
	if (r->sys.valid)
		fputs("<a href=\"#system\">System</a>", f);
	fputs("</nav>\n", f);
}

static void findings(FILE *f, const struct report *r)
{
	char v[FMT];

	fprintf(f, "<section id=\"findings\">\n<h2>Findings (%zu)</h2>\n", r->nfindings);
	if (!r->nfindings)
		fputs("<p class=\"muted\">No findings: no analysis rule fired.</p>\n", f);
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *fd = &r->findings[i];
		const char *sev = severity__name(fd->severity);

		fprintf(f, "<div class=\"finding %s\"><span class=\"badge %s\">%s</span><b>", sev,
			sev, sev);
		esc(f, fd->subject[0] ? fd->subject : subject_kind__name(fd->subject_kind));
		fputs("</b> <span class=\"muted\">(", f);
		esc(f, fd->rule);
		fputs(")</span>\n<p class=\"fig\">", f);
		esc(f, fd->summary);
		fputs("</p>\n", f);
		if (fd->recommendation[0]) {
			fputs("<p class=\"fig\"><b>What to do:</b> ", f);
			esc(f, fd->recommendation);
			fputs("</p>\n", f);
		}
		if (fd->nev) {
			fputs("<table><tr><th>evidence</th><th class=\"n\">value</th></tr>\n", f);
			for (unsigned j = 0; j < fd->nev && j < FINDING_MAX_EVIDENCE; j++) {
				const struct evidence *e = &fd->ev[j];

				fputs("<tr><td>", f);
				esc(f, e->name);
				fprintf(f, "</td><td class=\"n\">%s", fmt_unit(e->unit, e->value, v));
				if (!known_unit(e->unit)) {
					fputc(' ', f);
					esc(f, e->unit);
				}
				fputs("</td></tr>\n", f);
			}
			fputs("</table>\n", f);
		}
		fputs("</div>\n", f);
	}
	fputs("</section>\n", f);
}

static void alerts(FILE *f, const struct report *r)
{
	char v[FMT], t[FMT];

	if (!r->nalerts)
		return;
	fprintf(f, "<section id=\"alerts\">\n<h2>Alerts fired (%zu)</h2>\n<table>\n"
		   "<tr><th class=\"n\">at</th><th>severity</th><th>rule</th><th>subject</th>"
		   "<th>condition</th><th class=\"n\">value</th><th class=\"n\">held for</th></tr>\n",
		r->nalerts);
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_event *a = &r->alerts[i];
		const char *sev = severity__name(a->severity);

		fprintf(f, "<tr><td class=\"n\">%.1f s</td><td><span class=\"badge %s\">%s</span>"
			   "</td><td>", a->t_s, sev, sev);
		esc(f, a->name);
		fputs("</td><td>", f);
		esc(f, a->subject);
		fputs("</td><td>", f);
		esc(f, a->metric);
		fputc(' ', f);
		esc(f, a->cmp);
		fprintf(f, " %s</td>", fmt_unit(metric_unit(a->metric), a->threshold, t));
		fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%.1f s</td></tr>\n",
			fmt_unit(metric_unit(a->metric), a->value, v), a->for_s);
	}
	fputs("</table>\n</section>\n", f);
}

/* ---------------------------------------------------------------- charts */

/* A data range mapped onto a pixel range, linear or log10. */
struct axis {
	double lo, hi;	/* data */
	double p0, p1;	/* pixels */
	bool log;
};

static double ax_map(const struct axis *a, double v)
{
	double t;

	if (a->log) {
		v = v < a->lo ? a->lo : v;
		t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	} else {
		t = (v - a->lo) / (a->hi - a->lo);
	}
	if (!isfinite(t))
		t = 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return a->p0 + t * (a->p1 - a->p0);
}

/* A "nice" step (1, 2 or 5 times a power of ten) giving about n ticks over range. */
static double nice_step(double range, int n)
{
	double raw = range / n, p = pow(10, floor(log10(raw))), m = raw / p;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* Rounds v up to a multiple of the nice step for 0..v. */
static double nice_max(double v, int n)
{
	double s = nice_step(v, n);

	return ceil(v / s - 1e-9) * s;
}

enum tick_fmt { TICK_NS, TICK_COUNT, TICK_SECONDS, TICK_PCT };

static const char *tick_label(enum tick_fmt k, double v, char *buf)
{
	switch (k) {
	case TICK_NS:
		return fmt_tick_ns(v, buf);
	case TICK_SECONDS:
		snprintf(buf, FMT, "%g s", v);
		return buf;
	case TICK_PCT:
		snprintf(buf, FMT, "%g%%", v * 100);
		return buf;
	default:
		return fmt_count(v, buf);
	}
}

/* Ticks of a linear axis from lo to hi, a grid line each; y: a vertical axis. */
static void lin_ticks(FILE *f, const struct axis *a, bool y, double other0, double other1,
		      enum tick_fmt k, int n, double min_step)
{
	double step = nice_step(a->hi - a->lo, n), v;
	char buf[FMT];

	if (step < min_step)
		step = min_step;
	for (v = ceil(a->lo / step - 1e-9) * step; v <= a->hi + step * 1e-9; v += step) {
		double p;

		if (fabs(v) < step * 1e-6)
			v = 0; /* no "-0" from rounding */
		p = ax_map(a, v);

		if (y)
			fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
				   "<text class=\"t\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
				other0, p, other1, p, other0 - 5, p + 4, tick_label(k, v, buf));
		else
			fprintf(f, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
				   "<text class=\"t\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				p, other0, p, other0 + 4, p, other0 + 16, tick_label(k, v, buf));
	}
}

/* The values m * 10^k in [lo, hi] (at most cap); returns how many. */
static int log_tick_set(const struct axis *a, const double *m, int nm, double *ticks, int cap)
{
	int n = 0;

	for (double d = pow(10, floor(log10(a->lo))); d <= a->hi * (1 + 1e-9); d *= 10)
		for (int i = 0; i < nm; i++) {
			double v = m[i] * d;

			if (v >= a->lo * (1 - 1e-9) && v <= a->hi * (1 + 1e-9)) {
				if (n == cap)
					return cap + 1;
				ticks[n++] = v;
			}
		}
	return n;
}

/*
 * Ticks of a log axis (ns), a grid line each on y: 1-2-5 per decade; only
 * decades when those are too many; 1..9 for a narrow range; else the ends.
 */
static void log_ticks(FILE *f, const struct axis *a, bool y, double other0, double other1,
		      int max_ticks)
{
	static const double m125[] = { 1, 2, 5 }, m1[] = { 1 }, m19[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	double ticks[64];
	int n, cap = max_ticks < 64 ? max_ticks : 64;
	char buf[FMT];

	n = log_tick_set(a, m125, 3, ticks, cap);
	if (n > cap)
		n = log_tick_set(a, m1, 1, ticks, cap);
	else if (n < 3 && log_tick_set(a, m19, 9, ticks, cap) <= cap)
		n = log_tick_set(a, m19, 9, ticks, cap);
	if (n > cap || n < 2) {
		ticks[0] = a->lo;
		ticks[1] = a->hi;
		n = 2;
	}
	for (int i = 0; i < n; i++) {
		double p = ax_map(a, ticks[i]);

		if (y)
			fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
				   "<text class=\"t\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
				other0, p, other1, p, other0 - 5, p + 4, fmt_tick_ns(ticks[i], buf));
		else
			fprintf(f, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
				   "<text class=\"t\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				p, other0, p, other0 + 4, p, other0 + 16, fmt_tick_ns(ticks[i], buf));
	}
}

#define CW 520 /* chart width and height */
#define CH 250
#define ML 64  /* plot margins */
#define MR 16
#define MT 24
#define MB 46

static void svg_open(FILE *f, int w, int h, const char *label)
{
	fprintf(f, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "role=\"img\" aria-label=\"%s\">\n", w, h, w, h, label);
}

/* The plot frame (left and bottom axes) and the axis titles. */
static void svg_axes(FILE *f, const char *xtitle, const char *ytitle)
{
	fprintf(f, "<polyline class=\"ax\" points=\"%d,%d %d,%d %d,%d\"/>\n", ML, MT, ML, CH - MB,
		CW - MR, CH - MB);
	fprintf(f, "<text class=\"tt\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		ML + (CW - ML - MR) / 2, CH - 8, xtitle);
	fprintf(f, "<text class=\"tt\" x=\"14\" y=\"%d\" text-anchor=\"middle\" "
		   "transform=\"rotate(-90 14 %d)\">%s</text>\n", MT + (CH - MT - MB) / 2,
		MT + (CH - MT - MB) / 2, ytitle);
}

/*
 * Histogram rows, log-linear like the histogram but coarser (as the text
 * report draws them): 2^bits rows per octave, every histogram bucket
 * inside one row.
 */
static size_t row_of(uint64_t v, unsigned int bits)
{
	unsigned int msb = 63 - __builtin_clzll(v | 1);
	unsigned int s = msb > bits ? msb - bits : 0;

	return ((size_t)s << bits) + (size_t)(v >> s);
}

static uint64_t row_low(size_t row, unsigned int bits)
{
	size_t g = row >> bits;

	if (!g)
		return row;
	return ((UINT64_C(1) << bits) + (row & ((UINT64_C(1) << bits) - 1))) << (g - 1);
}

/* One past the row's largest value, as a double (the last row ends at 2^64). */
static double row_end(size_t row, unsigned int bits)
{
	size_t g = row >> bits;

	return (double)row_low(row, bits) + (g ? ldexp(1, (int)g - 1) : 1);
}

/* A value shifted down by the compensated bias, at least 1 ns (log axis). */
static double disp(double v, uint64_t shift)
{
	v -= (double)shift;
	return v < 1 ? 1 : v;
}

static void vmarker(FILE *f, const struct axis *x, double v, const char *col, const char *name,
		    int row)
{
	double p = ax_map(x, v);
	char buf[FMT];

	fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
		   "stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>"
		   "<text x=\"%.1f\" y=\"%d\" fill=\"%s\" text-anchor=\"%s\">%s %s</text>\n",
		p, MT, p, CH - MB, col, p + (p > CW / 2 ? -3 : 3), MT - 3 - 11 * row, col,
		p > CW / 2 ? "end" : "start", name, fmt_tick_ns(v, buf));
}

static void chart_hist(FILE *f, const struct report_op *op)
{
	const struct hist *h = op->lat;
	uint64_t shift = ru_shift(op), cnt, peak = 0, count[HIST_ROWS_MAX] = { 0 };
	unsigned int bits = 1;
	size_t first, n, idx = 0, b, i;
	struct axis x, y;
	char lo[FMT], hi[FMT];

	while (bits < 5 && row_of(h->max, bits + 1) - row_of(h->min, bits + 1) < HIST_ROWS_FINE)
		bits++;
	first = row_of(h->min, bits);
	n = row_of(h->max, bits) - first + 1;
	if (n > HIST_ROWS_MAX)
		n = HIST_ROWS_MAX;
	while (hist__next(h, &idx, &b, &cnt)) {
		size_t r = row_of(hist__bucket_low(b), bits) - first;

		if (r < n) {
			count[r] += cnt;
			if (count[r] > peak)
				peak = count[r];
		}
	}
	x = (struct axis){ disp((double)row_low(first, bits), shift),
			   disp(row_end(first + n - 1, bits), shift), ML, CW - MR, true };
	if (!(x.hi > x.lo * 1.001))
		x.hi = x.lo * 2;
	y = (struct axis){ 0, nice_max((double)peak, 4), CH - MB, MT, false };
	svg_open(f, CW, CH, "latency histogram");
	lin_ticks(f, &y, true, ML, CW - MR, TICK_COUNT, 4, 1);
	fprintf(f, "<g fill=\"%s\">\n", COL_HIST);
	for (i = 0; i < n; i++) {
		double x0, x1, hpx;

		if (!count[i])
			continue;
		x0 = ax_map(&x, disp((double)row_low(first + i, bits), shift));
		x1 = ax_map(&x, disp(row_end(first + i, bits), shift));
		hpx = (CH - MB - MT) * (double)count[i] / y.hi;
		if (hpx < 1)
			hpx = 1; /* a tail of one call still shows */
		if (x1 - x0 > 2)
			x1 -= 0.5;
		if (x1 - x0 < 1.5)
			x1 = x0 + 1.5;
		fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">"
			   "<title>[%s, %s): %" PRIu64 " calls</title></rect>\n",
			x0, CH - MB - hpx, x1 - x0, hpx,
			fmt_tick_ns(disp((double)row_low(first + i, bits), shift), lo),
			fmt_tick_ns(disp(row_end(first + i, bits), shift), hi), count[i]);
	}
	fputs("</g>\n", f);
	log_ticks(f, &x, false, CH - MB, 0, 12);
	vmarker(f, &x, op->p50 ? (double)op->p50 : 1, COL_P50, "p50", 1);
	vmarker(f, &x, op->p99 ? (double)op->p99 : 1, COL_P99, "p99", 0);
	svg_axes(f, "latency (log scale)", "calls");
	fputs("</svg>\n", f);
}

static void legend(FILE *f, int x, int y, const char *const *names, const char *const *cols,
		   int n, bool lines)
{
	for (int i = 0; i < n; i++) {
		if (lines)
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
				   "stroke-width=\"2.5\"/>", x, y - 4, x + 16, y - 4, cols[i]);
		else
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>",
				x, y - 10, cols[i]);
		fprintf(f, "<text class=\"t\" x=\"%d\" y=\"%d\">%s</text>\n", x + (lines ? 20 : 16),
			y, names[i]);
		x += (lines ? 20 : 16) + 7 * (int)strlen(names[i]) + 18;
	}
}

static uint64_t pct_of(const struct series_point *p, int k)
{
	return k == 0 ? p->p50 : k == 1 ? p->p95 : p->p99;
}

static void chart_series(FILE *f, const struct report_op *op)
{
	static const char *const names[] = { "p50", "p95", "p99" };
	static const char *const cols[] = { COL_P50, COL_P95, COL_P99 };
	const struct series_point *s = op->series;
	size_t n = op->nseries, i, nlive = 0;
	double tmin = INFINITY, tmax = 0, vmax = 0, vmin = INFINITY;
	struct axis x, y;
	bool logy;

	for (i = 0; i < n; i++) {
		double t0 = s[i].t_s - (s[i].window_s > 0 ? s[i].window_s : 0);

		tmin = t0 < tmin ? t0 : tmin;
		tmax = s[i].t_s > tmax ? s[i].t_s : tmax;
		if (!s[i].calls)
			continue;
		nlive++;
		for (int k = 0; k < 3; k++) {
			double v = (double)pct_of(&s[i], k);

			vmax = v > vmax ? v : vmax;
			vmin = v < vmin ? v : vmin;
		}
	}
	if (!nlive) {
		fputs("<p class=\"nochart\">No percentile-over-time chart: ", f);
		fputs(n ? "no interval had calls.</p>\n" :
			  "no interval series (the run was shorter than one tick, or the report "
			  "was read from a record without series).</p>\n", f);
		return;
	}
	if (!(tmin >= 0) || !isfinite(tmin))
		tmin = 0;
	x = (struct axis){ tmin, tmax > tmin ? tmax : tmin + 1, ML, CW - MR, false };
	/* Percentiles decades apart (a fast median, a slow tail) get a log scale. */
	logy = vmin >= 1 && vmax / vmin > LOG_RATIO;
	if (logy)
		y = (struct axis){ pow(10, floor(log10(vmin))), pow(10, ceil(log10(vmax))), CH - MB,
				   MT, true };
	else
		y = (struct axis){ 0, nice_max(vmax > 0 ? vmax : 1, 4), CH - MB, MT, false };
	svg_open(f, CW, CH, "latency percentiles over time");
	if (logy)
		log_ticks(f, &y, true, ML, CW - MR, 8);
	else
		lin_ticks(f, &y, true, ML, CW - MR, TICK_NS, 4, 0);
	lin_ticks(f, &x, false, CH - MB, 0, TICK_SECONDS, 6, 0);
	for (int k = 2; k >= 0; k--) {
		bool open = false;

		fprintf(f, "<g stroke=\"%s\" fill=\"%s\">\n", cols[k], cols[k]);
		for (i = 0; i <= n; i++) {
			bool live = i < n && s[i].calls;

			if (!live) {
				if (open)
					fputs("\"/>\n", f);
				open = false;
				continue;
			}
			if (!open)
				fputs("<polyline fill=\"none\" stroke-width=\"2.5\" "
				      "stroke-linejoin=\"round\" points=\"", f);
			open = true;
			fprintf(f, "%.1f,%.1f ", ax_map(&x, s[i].t_s), ax_map(&y, (double)pct_of(&s[i], k)));
		}
		for (i = 0; i < n; i++) {
			bool isolated = s[i].calls && (!i || !s[i - 1].calls) &&
					(i + 1 == n || !s[i + 1].calls);
			char v[FMT];

			if (!s[i].calls || (nlive > SERIES_DOTS_MAX && !isolated))
				continue;
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"><title>%s at %.1f s: %s "
				   "(%" PRIu64 " calls)</title></circle>\n",
				ax_map(&x, s[i].t_s), ax_map(&y, (double)pct_of(&s[i], k)), names[k],
				s[i].t_s, fmt_ns(pct_of(&s[i], k), v), s[i].calls);
		}
		fputs("</g>\n", f);
	}
	legend(f, ML + 10, 14, names, cols, 3, true);
	svg_axes(f, "time since start (s)", logy ? "latency (log scale)" : "latency");
	fputs("</svg>\n", f);
}

static const char *const part_names[] = { "on-CPU", "run queue", "IO wait", "other off-CPU" };
static const char *const part_cols[] = { COL_ONCPU, COL_RUNQ, COL_IOWAIT, COL_OFFCPU };

struct split_bar {
	const char *label;	/* report text: escaped */
	uint32_t pid;		/* shown after the label when non-zero */
	const struct report_split *s;
};

#define SB_LABEL_W 190
#define SB_ROW	   26
#define SB_BAR	   18

/* Stacked 100% bars: each bar's time split by part, one row per bar. */
static void chart_split(FILE *f, const struct split_bar *bars, size_t n, int width)
{
	int h = 8 + (int)n * SB_ROW + 60, x0 = SB_LABEL_W, x1 = width - MR;
	struct axis x = { 0, 1, x0, x1, false };
	char buf[FMT], t[FMT];

	svg_open(f, width, h, "time split");
	for (size_t i = 0; i < n; i++) {
		const struct report_split *s = bars[i].s;
		const double sh[4] = { s->oncpu_share, s->runq_share, s->iowait_share, s->offcpu_share };
		const double mean[4] = { s->oncpu_mean, s->runq_mean, s->iowait_mean, s->offcpu_mean };
		double y = 8 + (double)i * SB_ROW, acc = 0;

		fprintf(f, "<text class=\"t\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", x0 - 6,
			y + SB_BAR - 5);
		esc_n(f, bars[i].label, LABEL_CHARS);
		if (bars[i].pid)
			fprintf(f, " (%" PRIu32 ")", bars[i].pid);
		fputs("<title>", f);
		esc(f, bars[i].label);
		fprintf(f, ": %" PRIu64 " calls, mean %s</title></text>\n", s->calls,
			fmt_nsd(s->wall_mean, buf));
		for (int k = 0; k < 4; k++) {
			double a = ax_map(&x, acc), w;

			if (!(sh[k] > 0) || !isfinite(sh[k]))
				continue;
			acc += sh[k];
			w = ax_map(&x, acc) - a;
			fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\">"
				   "<title>%s: %s (%s per call)</title></rect>\n",
				a, y, w, SB_BAR, part_cols[k], part_names[k], fmt_pct(sh[k], buf),
				fmt_nsd(mean[k], t));
			if (w >= 44)
				fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#fff\" "
					   "text-anchor=\"middle\">%s</text>\n",
					a + w / 2, y + SB_BAR - 5, fmt_pct(sh[k], buf));
		}
	}
	{
		double yb = 8 + (double)n * SB_ROW;

		fprintf(f, "<line class=\"ax\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", x0,
			yb, x1, yb);
		fprintf(f, "<line class=\"ax\" x1=\"%d\" y1=\"4\" x2=\"%d\" y2=\"%.1f\"/>\n", x0, x0, yb);
		lin_ticks(f, &x, false, yb, 0, TICK_PCT, 5, 0);
		fprintf(f, "<text class=\"tt\" x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">"
			   "share of wall time</text>\n", (x0 + x1) / 2, yb + 32);
		legend(f, x0, (int)yb + 52, part_names, part_cols, 4, false);
	}
	fputs("</svg>\n", f);
}

/* ---------------------------------------------------------------- sections */

/* Returns 0 or -ENOMEM. */
static int time_split_overview(FILE *f, const struct report *r)
{
	struct split_bar *bars;
	size_t n = 0;

	fputs("<section id=\"time-split\">\n<h2>Where the time went</h2>\n", f);
	for (size_t i = 0; i < r->nops; i++)
		n += r->ops[i].has_split;
	if (!n) {
		fputs("<p class=\"nochart\">No time split: no calls, or --no-split.</p>\n"
		      "</section>\n", f);
		return 0;
	}
	bars = calloc(n, sizeof(*bars));
	if (!bars)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < r->nops; i++)
		if (r->ops[i].has_split)
			bars[n++] = (struct split_bar){ ru_op_name(&r->ops[i]), r->ops[i].pid,
							&r->ops[i].split_all };
	fputs("<p class=\"muted\">Per operation, the share of its calls' wall time spent on CPU, "
	      "waiting in the run queue for a CPU, in IO wait, and otherwise off CPU (locks, "
	      "sleeps, network).</p>\n<div class=\"chart\">", f);
	chart_split(f, bars, n, 1000);
	fputs("</div>\n</section>\n", f);
	free(bars);
	return 0;
}

static void ops_table(FILE *f, const struct report *r)
{
	char a[FMT], b[FMT], c[FMT], d[FMT];

	fputs("<section id=\"ops\">\n<h2>Operations</h2>\n<table>\n<tr><th class=\"n\">pid</th>"
	      "<th>op</th><th>category</th><th class=\"n\">calls</th><th class=\"n\">rate</th>"
	      "<th class=\"n\">errors</th><th class=\"n\">p50</th><th class=\"n\">p99</th>"
	      "<th class=\"n\">max</th><th class=\"n\">bytes</th></tr>\n", f);
	for (size_t i = 0; i < r->nops; i++) {
		const struct report_op *op = &r->ops[i];

		fprintf(f, "<tr><td class=\"n\">%" PRIu32 "</td><td><a href=\"#op-%zu\">", op->pid, i);
		esc(f, ru_op_name(op));
		fputs("</a></td><td>", f);
		esc(f, ru_op_category(op));
		fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s/s</td>",
			op->calls, fmt_count(op->rate, a));
		if (op->errors)
			fprintf(f, "<td class=\"n\">%" PRIu64 " (%s)</td>", op->errors,
				fmt_pct(op->err_rate, b));
		else
			fputs("<td class=\"n\">0</td>", f);
		if (op->calls)
			fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
				fmt_ns(op->p50, a), fmt_ns(op->p99, b), fmt_ns(op->max, c));
		else
			fputs("<td class=\"n\">" NA "</td><td class=\"n\">" NA "</td><td class=\"n\">"
			      NA "</td>", f);
		if (op->bytes || (op->info && op->info->bytes_src))
			fprintf(f, "<td class=\"n\">%s</td></tr>\n", fmt_bytes((double)op->bytes, d));
		else
			fputs("<td class=\"n\">" NA "</td></tr>\n", f);
	}
	if (!r->nops)
		fputs("<tr><td colspan=\"10\" class=\"muted\">no operations traced</td></tr>\n", f);
	fputs("</table>\n", f);
}

static void split_table(FILE *f, const struct report_op *op)
{
	const struct report_split *ss[2] = { &op->split_all, &op->split_tail };
	const char *names[2] = { "all calls", "tail (above p99)" };
	char a[FMT], b[FMT];

	fputs("<table><tr><th></th><th class=\"n\">calls</th><th class=\"n\">mean</th>", f);
	for (int k = 0; k < 4; k++)
		fprintf(f, "<th class=\"n\">%s</th>", part_names[k]);
	fputs("</tr>\n", f);
	for (int j = 0; j < 2; j++) {
		const struct report_split *s = ss[j];
		const double sh[4] = { s->oncpu_share, s->runq_share, s->iowait_share, s->offcpu_share };
		const double mean[4] = { s->oncpu_mean, s->runq_mean, s->iowait_mean, s->offcpu_mean };

		if (j && !s->calls)
			continue;
		fprintf(f, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td>",
			names[j], s->calls, fmt_nsd(s->wall_mean, a));
		for (int k = 0; k < 4; k++)
			fprintf(f, "<td class=\"n\">%s (%s)</td>", fmt_pct(sh[k], a), fmt_nsd(mean[k], b));
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void op_section(FILE *f, const struct report_op *op, const struct report_meta *m, size_t i)
{
	const struct op_info *info = op->info;
	char a[FMT], b[FMT], c[FMT], d[FMT], e[FMT], g[FMT], h[FMT], k[FMT];

	fprintf(f, "<article class=\"op\" id=\"op-%zu\">\n<h3>", i);
	esc(f, ru_op_name(op));
	if (ru_op_category(op)[0]) {
		fputs(" <span class=\"muted\">[", f);
		esc(f, ru_op_category(op));
		fputs("]</span>", f);
	}
	fprintf(f, " &mdash; pid %" PRIu32 " (", op->pid);
	esc(f, op->comm);
	fputs(")</h3>\n<p class=\"fig muted\">", f);
	esc(f, info && info->func ? info->func : "?");
	fputs(" in ", f);
	esc(f, info && info->path ? info->path : "?");
	if (op->probe_insn) {
		fputs("; probed instruction ", f);
		esc(f, op->probe_insn);
	}
	if (op->bias_ns >= 0)
		fprintf(f, ", bias %s%s", fmt_ns((uint64_t)op->bias_ns, a),
			op->compensated ? " (subtracted)" : "");
	fputs("</p>\n", f);
	if (!op->calls) {
		fputs("<p class=\"fig\">No calls.</p>\n</article>\n", f);
		return;
	}
	fprintf(f, "<p class=\"fig\"><b>%" PRIu64 " calls</b>, %s/s", op->calls,
		fmt_count(op->rate, a));
	if (op->errors || (info && info->error_mode != PROBE_ERR_NONE)) {
		fprintf(f, "; <b>%" PRIu64 " errors</b> (%s)", op->errors, fmt_pct(op->err_rate, a));
		for (size_t j = 0; j < op->nerrs; j++) {
			fputs(j ? ", " : ": ", f);
			esc(f, ru_err_name(&op->errs[j], a, sizeof(a)));
			fprintf(f, " %" PRIu64, op->errs[j].count);
		}
	}
	if (op->bytes)
		fprintf(f, "; %s (%s/s)", fmt_bytes((double)op->bytes, a), fmt_bytes(op->bytes_rate, b));
	fputs("</p>\n", f);
	fprintf(f, "<p class=\"fig\">latency: min %s, mean %s, p50 %s, p90 %s, p95 %s, p99 %s, "
		   "p99.9 %s, max %s; self time mean %s</p>\n",
		fmt_ns(op->min, a), fmt_nsd(op->mean, b), fmt_ns(op->p50, c), fmt_ns(op->p90, d),
		fmt_ns(op->p95, e), fmt_ns(op->p99, g), fmt_ns(op->p999, h), fmt_ns(op->max, k),
		fmt_nsd(op->self_mean, a));
	if (op->has_counts)
		fprintf(f, "<p class=\"fig\">per call: %.2f voluntary + %.2f involuntary switches, "
			   "%.2f minor + %.2f major faults</p>\n", op->nvcsw_per_call,
			op->nivcsw_per_call, op->minflt_per_call, op->majflt_per_call);
	for (size_t q = 0; q < m->ncounters && q < OT_NR_CTR; q++) {
		const struct report_ctr *ct = &op->ctr[q];
		bool ns = counters__is_time(m->counter_names[q]);

		if (!ct->calls)
			continue;
		fputs("<p class=\"fig\">", f);
		esc(f, m->counter_names[q]);
		fprintf(f, " per call: mean %s, p50 %s, p99 %s (%" PRIu64 " calls counted)</p>\n",
			ns ? fmt_nsd(ct->mean, a) : fmt_count(ct->mean, a),
			ns ? fmt_ns(ct->p50, b) : fmt_count((double)ct->p50, b),
			ns ? fmt_ns(ct->p99, c) : fmt_count((double)ct->p99, c), ct->calls);
	}
	if (op->has_trends)
		fprintf(f, "<p class=\"fig\">trends: p99 %s (%+.0f%% over the run), p50 %s, "
			   "rate %s, error rate %s</p>\n", trend_name(op->trend_p99.dir),
			isfinite(op->trend_p99.slope_rel) ? op->trend_p99.slope_rel * 100 : 0.0,
			trend_name(op->trend_p50.dir), trend_name(op->trend_rate.dir),
			trend_name(op->trend_err_rate.dir));
	fputs("<div class=\"charts\">\n<div><h4>Latency histogram</h4>\n", f);
	if (op->lat && op->lat->count)
		chart_hist(f, op);
	else
		fputs("<p class=\"nochart\">No histogram.</p>\n", f);
	fputs("</div>\n<div><h4>Latency percentiles over time</h4>\n", f);
	chart_series(f, op);
	fputs("</div>\n</div>\n", f);
	if (op->has_split) {
		struct split_bar bars[2] = { { "all calls", 0, &op->split_all },
					     { "tail (above p99)", 0, &op->split_tail } };

		fputs("<h4>Time split</h4>\n", f);
		chart_split(f, bars, op->split_tail.calls ? 2 : 1, CW + 200);
		split_table(f, op);
	} else {
		fputs("<p class=\"nochart\">No time split (--no-split, or no call had one).</p>\n", f);
	}
	fputs("</article>\n", f);
}

static void ops_sections(FILE *f, const struct report *r)
{
	ops_table(f, r);
	for (size_t i = 0; i < r->nops; i++)
		op_section(f, &r->ops[i], &r->meta, i);
	fputs("</section>\n", f);
}

static void td_na(FILE *f)
{
	fputs("<td class=\"n\">" NA "</td>", f);
}

/* Where each process's threads spent their time, and how long they waited for a CPU. */
static void processes_sched(FILE *f, const struct report *r)
{
	char a[FMT], b[FMT], c[FMT], d[FMT];

	fputs("<h3>Scheduler time</h3>\n<table>\n<tr><th class=\"n\">pid</th><th>comm</th>"
	      "<th class=\"n\">on-CPU</th><th class=\"n\">run queue</th><th class=\"n\">IO wait"
	      "</th><th class=\"n\">other off-CPU</th><th class=\"n\">run-queue waits</th>"
	      "<th class=\"n\">wait p50</th><th class=\"n\">wait p99</th>"
	      "<th class=\"n\">wait max</th></tr>\n", f);
	for (size_t i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];
		const struct res_pid *rs = &p->res;

		fprintf(f, "<tr><td class=\"n\">%" PRIu32 "</td><td>", p->pid);
		esc(f, p->comm);
		fputs("</td>", f);
		if (p->has_res && rs->has_acct)
			fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
				   "<td class=\"n\">%s</td><td class=\"n\">%" PRIu64 "</td>",
				fmt_ns(rs->acct.oncpu_ns, a), fmt_ns(rs->acct.runq_ns, b),
				fmt_ns(rs->acct.iowait_ns, c), fmt_ns(rs->acct.offcpu_ns, d),
				(uint64_t)rs->acct.runq_waits);
		else
			for (int k = 0; k < 5; k++)
				td_na(f);
		if (p->runq_count)
			fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
				   "</tr>\n", fmt_ns(p->runq_p50, a), fmt_ns(p->runq_p99, b),
				fmt_ns(p->runq_max, c));
		else
			fputs("<td class=\"n\">" NA "</td><td class=\"n\">" NA "</td><td class=\"n\">"
			      NA "</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void processes(FILE *f, const struct report *r)
{
	char a[FMT], b[FMT], c[FMT], d[FMT];
	bool any_bio = false, any_thr = false;

	fputs("<section id=\"processes\">\n<h2>Processes</h2>\n<table>\n<tr><th class=\"n\">pid"
	      "</th><th>comm</th><th>state</th><th class=\"n\">calls</th><th class=\"n\">CPU</th>"
	      "<th class=\"n\">RSS (peak)</th><th class=\"n\">threads</th><th class=\"n\">fds</th>"
	      "<th class=\"n\">faults/s minor + major</th>"
	      "<th class=\"n\">switches/s voluntary + involuntary</th>"
	      "<th class=\"n\">IO read / write per s</th><th class=\"n\">efficiency</th></tr>\n", f);
	for (size_t i = 0; i < r->npids; i++) {
		const struct report_pid *p = &r->pids[i];
		const struct res_pid *rs = &p->res;
		const struct sysmon_pid_rates *rt = &rs->rates;
		bool proc = p->has_res && rs->has_proc, zombie = proc && rs->now.task.state == 'Z';

		any_bio |= p->nbio > 0;
		any_thr |= p->nthreads > 0;
		fprintf(f, "<tr><td class=\"n\">%" PRIu32 "</td><td>", p->pid);
		esc(f, p->comm);
		fprintf(f, "</td><td>%s</td><td class=\"n\">%" PRIu64 "</td>",
			p->exited ? fmt_status(p->exit_code, a) : "running", p->calls);
		if (proc && isfinite(rt->cpu_pct))
			fprintf(f, "<td class=\"n\">%.1f%% (user %.1f%%, system %.1f%%)</td>",
				rt->cpu_pct, rt->cpu_user_pct, rt->cpu_sys_pct);
		else
			td_na(f);
		if (proc && rs->now.has_rss)
			fprintf(f, "<td class=\"n\">%s (%s)</td>", fmt_bytes((double)rs->now.rss_bytes, a),
				fmt_bytes((double)rs->rss_peak_bytes, b));
		else
			td_na(f);
		if (proc && !zombie)
			fprintf(f, "<td class=\"n\">%" PRIu32 "</td>", rs->now.num_threads);
		else
			td_na(f);
		if (proc && !zombie && rs->now.has_fds) {
			fprintf(f, "<td class=\"n\">%" PRIu32, rs->now.nfds);
			if (rs->now.has_fd_limit && rs->now.fd_limit != UINT64_MAX)
				fprintf(f, " of %" PRIu64, rs->now.fd_limit);
			fputs("</td>", f);
		} else {
			td_na(f);
		}
		if (proc && isfinite(rt->minflt_per_s))
			fprintf(f, "<td class=\"n\">%.1f + %.1f</td>", rt->minflt_per_s, rt->majflt_per_s);
		else
			td_na(f);
		if (proc && rt->has_ctxsw)
			fprintf(f, "<td class=\"n\">%.1f + %.1f</td>", rt->vol_ctxsw_per_s,
				rt->nonvol_ctxsw_per_s);
		else
			td_na(f);
		if (proc && rt->has_io)
			fprintf(f, "<td class=\"n\">%s / %s</td>", fmt_bytes(rt->read_bytes_per_s, c),
				fmt_bytes(rt->write_bytes_per_s, d));
		else
			td_na(f);
		if (p->efficiency >= 0 && isfinite(p->efficiency))
			fprintf(f, "<td class=\"n\">%s</td></tr>\n", fmt_pct(p->efficiency, a));
		else
			fputs("<td class=\"n\">" NA "</td></tr>\n", f);
	}
	if (!r->npids)
		fputs("<tr><td colspan=\"12\" class=\"muted\">no processes</td></tr>\n", f);
	fputs("</table>\n", f);
	if (r->npids)
		processes_sched(f, r);
	if (any_bio) {
		fputs("<h3>Block IO</h3>\n<table>\n<tr><th class=\"n\">pid</th><th>device</th>"
		      "<th>kind</th><th class=\"n\">requests</th><th class=\"n\">bytes</th>"
		      "<th class=\"n\">errors</th><th class=\"n\">p50</th><th class=\"n\">p90</th>"
		      "<th class=\"n\">p99</th><th class=\"n\">max</th><th class=\"n\">device p50"
		      "</th><th class=\"n\">device p99</th><th class=\"n\">queued (mean)</th></tr>\n", f);
		for (size_t i = 0; i < r->npids; i++)
			for (size_t j = 0; j < r->pids[i].nbio; j++) {
				const struct report_bio *o = &r->pids[i].bio[j];

				fprintf(f, "<tr><td class=\"n\">%" PRIu32 "</td><td>", r->pids[i].pid);
				esc(f, o->dev_name);
				fputs("</td><td>", f);
				esc(f, o->op);
				fprintf(f, "</td><td class=\"n\">%" PRIu64 " (%.1f/s)</td>"
					   "<td class=\"n\">%s (%s/s)</td><td class=\"n\">%" PRIu64 "</td>",
					o->count, o->iops, fmt_bytes((double)o->bytes, a),
					fmt_bytes(o->bytes_rate, b), o->errors);
				fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>", fmt_ns(o->p50, a),
					fmt_ns(o->p90, b));
				fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>", fmt_ns(o->p99, a),
					fmt_ns(o->max, b));
				fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>"
					   "<td class=\"n\">%s</td></tr>\n", fmt_ns(o->svc_p50, a),
					fmt_ns(o->svc_p99, b), fmt_nsd(o->queue_mean, c));
			}
		fputs("</table>\n", f);
	}
	if (any_thr) {
		fputs("<h3>Threads</h3>\n<table>\n<tr><th class=\"n\">pid</th><th class=\"n\">tid</th>"
		      "<th>comm</th><th>state</th><th class=\"n\">CPU</th><th class=\"n\">on-CPU</th>"
		      "<th class=\"n\">run queue</th><th class=\"n\">IO wait</th>"
		      "<th class=\"n\">other off-CPU</th></tr>\n", f);
		for (size_t i = 0; i < r->npids; i++)
			for (size_t j = 0; j < r->pids[i].nthreads; j++) {
				const struct res_thread *t = &r->pids[i].threads[j];

				fprintf(f, "<tr><td class=\"n\">%" PRIu32 "</td><td class=\"n\">%" PRIu32
					   "</td><td>", t->tgid, t->tid);
				esc(f, t->comm);
				fprintf(f, "</td><td>%s</td>", t->alive ? "alive" : "exited");
				if (t->has_cpu)
					fprintf(f, "<td class=\"n\">%.1f%%</td>", t->cpu_pct);
				else
					td_na(f);
				fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
					   "</td><td class=\"n\">%s</td></tr>\n", fmt_ns(t->acct.oncpu_ns, a),
					fmt_ns(t->acct.runq_ns, b), fmt_ns(t->acct.iowait_ns, c),
					fmt_ns(t->acct.offcpu_ns, d));
			}
		fputs("</table>\n", f);
	}
	fputs("</section>\n", f);
}

/* The slowest kept spans, slowest first (r->spans is by start time).  Returns 0. */
static int spans(FILE *f, const struct report *r)
{
	size_t top[SPANS_SHOWN], n = r->nspans < SPANS_SHOWN ? r->nspans : SPANS_SHOWN, m = 0;
	char a[FMT], b[FMT], c[FMT], d[FMT], e[FMT];

	if (!r->nspans)
		return 0;
	/* the n slowest, slowest first: insertion into a small sorted array of indexes */
	for (size_t i = 0; i < r->nspans; i++) {
		size_t j;

		if (m == n && r->spans[i].dur_ns <= r->spans[top[m - 1]].dur_ns)
			continue;
		j = m < n ? m++ : m - 1;
		for (; j > 0 && r->spans[top[j - 1]].dur_ns < r->spans[i].dur_ns; j--)
			top[j] = top[j - 1];
		top[j] = i;
	}
	fprintf(f, "<section id=\"spans\">\n<h2>Slowest calls</h2>\n<p class=\"muted\">The %zu "
		   "slowest of the %zu kept spans (the perfetto format shows them all on a "
		   "timeline).</p>\n<table>\n<tr><th class=\"n\">start</th><th class=\"n\">pid</th>"
		   "<th class=\"n\">tid</th><th>op</th><th class=\"n\">duration</th>"
		   "<th class=\"n\">depth</th><th class=\"n\">on-CPU</th><th class=\"n\">run queue</th>"
		   "<th class=\"n\">IO wait</th><th class=\"n\">other off-CPU</th>"
		   "<th class=\"n\">ret</th></tr>\n", m, r->nspans);
	for (size_t i = 0; i < m; i++) {
		const struct report_span *s = &r->spans[top[i]];

		fprintf(f, "<tr><td class=\"n\">%.6f s</td><td class=\"n\">%" PRIu32 "</td>"
			   "<td class=\"n\">%" PRIu32 "</td><td>", s->start_ns / 1e9, s->pid, s->tid);
		esc(f, s->op ? s->op : "?");
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%" PRIu32 "</td>",
			fmt_ns(s->dur_ns, a), s->depth);
		if (s->flags & OT_SPAN_F_SPLIT)
			fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
				   "<td class=\"n\">%s</td>", fmt_ns(s->oncpu_ns, b), fmt_ns(s->runq_ns, c),
				fmt_ns(s->iowait_ns, d), fmt_ns(s->offcpu_ns, e));
		else
			fputs("<td class=\"n\">" NA "</td><td class=\"n\">" NA "</td><td class=\"n\">"
			      NA "</td><td class=\"n\">" NA "</td>", f);
		fprintf(f, "<td class=\"n\">%" PRId64 "%s</td></tr>\n", s->ret,
			s->error ? " (error)" : "");
	}
	fputs("</table>\n</section>\n", f);
	return 0;
}

static void system_section(FILE *f, const struct res_sys *s)
{
	const struct sysmon_sys_rates *r = &s->rates;
	const struct sysmon_sys *n = &s->now;
	char a[FMT], b[FMT];

	if (!s->valid)
		return;
	fprintf(f, "<section id=\"system\">\n<h2>System</h2>\n<table class=\"kv\">\n"
		   "<tr><th>CPU</th><td>%.1f%% busy (", r->cpu_busy_pct);
	for (int m = 0; m < SYSMON_CPU_NR; m++)
		if (m != SYSMON_CPU_IDLE)
			fprintf(f, "%s%s %.1f%%", m ? ", " : "", sysmon__cpu_mode_name(m), r->cpu_pct[m]);
	fprintf(f, ") on %" PRIu32 " CPUs, load %.2f %.2f %.2f</td></tr>\n", n->ncpus, n->load1,
		n->load5, n->load15);
	fprintf(f, "<tr><th>Memory</th><td>%.1f%% used of %s", r->mem_used_pct,
		fmt_bytes((double)n->mem_total_bytes, a));
	if (n->swap_total_bytes)
		fprintf(f, ", swap %.1f%% used of %s", r->swap_used_pct,
			fmt_bytes((double)n->swap_total_bytes, b));
	else
		fputs(", no swap", f);
	fputs("</td></tr>\n", f);
	for (int i = 0; i < SYSMON_PSI_NR; i++) {
		const struct sysmon_psi *p = &n->psi[i];

		if (!p->present)
			continue;
		fprintf(f, "<tr><th>Pressure %s</th><td>some %.2f%%", sysmon__psi_name(i),
			p->some.avg10);
		if (p->has_full)
			fprintf(f, ", full %.2f%%", p->full.avg10);
		fputs(" (avg10)</td></tr>\n", f);
	}
	for (size_t i = 0; i < n->nfs; i++) {
		fputs("<tr><th>Disk ", f);
		esc(f, n->fs[i].dir);
		fputs("</th><td>", f);
		esc(f, n->fs[i].type);
		fputs(" on ", f);
		esc(f, n->fs[i].dev);
		fprintf(f, ": %.1f%% used, %s free</td></tr>\n", n->fs[i].used_pct,
			fmt_bytes((double)n->fs[i].avail_bytes, a));
	}
	fputs("</table>\n</section>\n", f);
}

int render__html(FILE *f, const struct report *r, const struct render_opts *o)
{
	int err;

	(void)o; /* no HTML options */
	header(f, r);
	loss(f, &r->loss);
	nav(f, r);
	findings(f, r);
	alerts(f, r);
	err = time_split_overview(f, r);
	ops_sections(f, r);
	processes(f, r);
	if (!err)
		err = spans(f, r);
	system_section(f, &r->sys);
	fputs("<footer><p class=\"muted\">Generated by optrace. All charts are inline SVG; "
	      "this page loads nothing.</p></footer>\n</body>\n</html>\n", f);
	return err ? err : ru_finish(f);
}
