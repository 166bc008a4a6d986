// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * top.c - the live view: the model of what it shows (copied out of the
 * reports), its sort orders, the time-split bar, the line layout, and the
 * two outputs: an ncurses screen with keys, or plain text blocks.
 *
 * Leaves to others: every number (report.c computes; this file only
 * copies and formats), the tick and the poll loop (the session), signal
 * handling (the session's flag; ncurses' own SIGWINCH gives KEY_RESIZE).
 * Curses state lives in struct top, never in globals of ours.
 */
#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "top.h"
#include "units.h"

#define TOP_DEFAULT_WIDTH 120
#define BAR_MIN		  10
#define BAR_MAX		  50
#define LINE_MAX_LEN	  512 /* longest line drawn; wider terminals get blank space */
#define KEY_CTRL_C	  3

/* Fixed columns: "    PID NAME.. CPU% RSS RQ-p99 IO-p99 CALLS/s ERR% P50 P99  " then the bar. */
#define COLS_FMT   "%7s %-20.20s %6s %8s %8s %8s %9s %6s %8s %8s  "
#define FIXED_COLS 99

struct top {
	bool curses;
	SCREEN *scr;
	FILE *out;
	int width;		/* plain mode */
	bool color;
	bool paused, help, show_cum;
	int sort;
	size_t offset;		/* first row shown */
	bool have_data;
	struct top_model iv;	/* rows over the last interval */
	struct top_model cum;	/* rows over the whole run */
};

/* ---- model ---- */

void top_model__free(struct top_model *m)
{
	free(m->procs);
	free(m->ops);
	memset(m, 0, sizeof(*m));
}

static uint64_t bio_p99(const struct report_pid *p, bool *has)
{
	uint64_t worst = 0;

	*has = false;
	for (size_t i = 0; i < p->nbio; i++) {
		if (!p->bio[i].count)
			continue;
		*has = true;
		if (p->bio[i].p99 > worst)
			worst = p->bio[i].p99;
	}
	return worst;
}

static void proc_fill(struct top_proc *tp, const struct report_pid *p)
{
	bool proc = p->has_res && p->res.has_proc;

	tp->pid = p->pid;
	snprintf(tp->comm, sizeof(tp->comm), "%s", p->comm ? p->comm : "");
	tp->exited = p->exited;
	tp->has_cpu = proc && isfinite(p->res.rates.cpu_pct);
	tp->cpu_pct = tp->has_cpu ? p->res.rates.cpu_pct : 0;
	tp->has_rss = proc && p->res.now.has_rss;
	tp->rss_bytes = tp->has_rss ? p->res.now.rss_bytes : 0;
	tp->has_runq = p->runq_count > 0;
	tp->runq_p99_ns = p->runq_p99;
	tp->io_p99_ns = bio_p99(p, &tp->has_io);
}

static void op_fill(struct top_op *to, const struct report_op *o)
{
	const struct report_split *s = &o->split_all;

	to->pid = o->pid;
	snprintf(to->name, sizeof(to->name), "%s", o->info && o->info->name ? o->info->name : "?");
	to->rate = o->rate;
	to->calls = o->calls;
	to->errors = o->errors;
	to->err_rate = o->calls ? (double)o->errors / o->calls : 0;
	to->p50_ns = o->calls ? o->p50 : 0;
	to->p99_ns = o->calls ? o->p99 : 0;
	to->has_split = o->has_split && s->calls;
	if (to->has_split) {
		to->share[TOP_ONCPU] = s->oncpu_share;
		to->share[TOP_RUNQ] = s->runq_share;
		to->share[TOP_IOWAIT] = s->iowait_share;
		to->share[TOP_OTHER] = s->offcpu_share;
		to->cpu_ns_per_s = s->oncpu_mean * o->rate;
	}
}

static size_t proc_index(const struct top_model *m, uint32_t pid)
{
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i].pid == pid)
			return i;
	return SIZE_MAX;
}

int top_model__build(struct top_model *m, const struct report *rows_r,
		     const struct report *head_r)
{
	const struct report_loss *l = &head_r->loss;
	const struct res_sys *sys = rows_r->sys.valid ? &rows_r->sys : &head_r->sys;
	size_t *opproc = NULL, *fill = NULL, i;

	memset(m, 0, sizeof(*m));
	m->elapsed_s = head_r->meta.elapsed_s;
	m->window_s = rows_r->meta.window_s;
	m->has_sys = sys->valid;
	m->cpu_busy_pct = sys->rates.cpu_busy_pct;
	m->mem_used_pct = sys->rates.mem_used_pct;
	m->load1 = sys->now.load1;
	m->lost_spans = l->spans_lost;
	m->lost_other = l->proc_lost + l->stack_overflow + l->stack_mismatch + l->threads_full +
			l->tgids_full + l->bio_lost + l->bio_stale + l->bio_mapfull + l->split_bad +
			l->split_unseen + l->ctr_unseen + l->bad_records;
	m->procs = calloc(rows_r->npids + rows_r->nops + 1, sizeof(*m->procs));
	m->ops = calloc(rows_r->nops + 1, sizeof(*m->ops));
	opproc = calloc(rows_r->nops + 1, sizeof(*opproc));
	if (!m->procs || !m->ops || !opproc)
		goto nomem;
	for (i = 0; i < rows_r->npids; i++)
		proc_fill(&m->procs[m->nprocs++], &rows_r->pids[i]);
	/* Which process each op belongs to (a process row of its own if unknown). */
	for (i = 0; i < rows_r->nops; i++) {
		const struct report_op *o = &rows_r->ops[i];
		size_t pi = proc_index(m, o->pid);

		if (pi == SIZE_MAX) {
			pi = m->nprocs++;
			m->procs[pi].pid = o->pid;
			snprintf(m->procs[pi].comm, sizeof(m->procs[pi].comm), "%s",
				 o->comm ? o->comm : "");
		}
		opproc[i] = pi;
		m->procs[pi].nops++;
	}
	/* Each process's ops contiguous, in report order. */
	fill = calloc(m->nprocs + 1, sizeof(*fill));
	if (!fill)
		goto nomem;
	for (i = 0; i < m->nprocs; i++) {
		m->procs[i].first_op = i ? m->procs[i - 1].first_op + m->procs[i - 1].nops : 0;
		fill[i] = m->procs[i].first_op;
	}
	for (i = 0; i < rows_r->nops; i++) {
		struct top_proc *tp = &m->procs[opproc[i]];
		struct top_op *to = &m->ops[fill[opproc[i]]++];

		op_fill(to, &rows_r->ops[i]);
		tp->rate += to->rate;
		tp->calls += to->calls;
		tp->errors += to->errors;
		if (to->p99_ns > tp->worst_p99_ns)
			tp->worst_p99_ns = to->p99_ns;
	}
	m->nops = rows_r->nops;
	for (i = 0; i < m->nprocs; i++)
		m->procs[i].err_rate =
			m->procs[i].calls ? (double)m->procs[i].errors / m->procs[i].calls : 0;
	free(opproc);
	free(fill);
	return 0;
nomem:
	free(opproc);
	free(fill);
	top_model__free(m);
	return -ENOMEM;
}

/* Larger first; ties by the next key. */
#define DESC(a, b)                              \
	do {                                    \
		if ((a) != (b))                 \
			return (a) < (b) ? 1 : -1; \
	} while (0)

static int cmp_proc(const struct top_proc *x, const struct top_proc *y, int key)
{
	int c;

	switch (key) {
	case TOP_SORT_CPU:
		DESC(x->has_cpu ? x->cpu_pct : -1, y->has_cpu ? y->cpu_pct : -1);
		break;
	case TOP_SORT_P99:
		DESC(x->worst_p99_ns, y->worst_p99_ns);
		break;
	case TOP_SORT_RATE:
		DESC(x->rate, y->rate);
		break;
	case TOP_SORT_ERRORS:
		DESC(x->err_rate, y->err_rate);
		DESC(x->errors, y->errors);
		break;
	case TOP_SORT_NAME:
		c = strcmp(x->comm, y->comm);
		if (c)
			return c;
		break;
	}
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_op(const struct top_op *x, const struct top_op *y, int key)
{
	switch (key) {
	case TOP_SORT_CPU:
		DESC(x->cpu_ns_per_s, y->cpu_ns_per_s);
		break;
	case TOP_SORT_P99:
		DESC(x->p99_ns, y->p99_ns);
		break;
	case TOP_SORT_RATE:
		DESC(x->rate, y->rate);
		break;
	case TOP_SORT_ERRORS:
		DESC(x->err_rate, y->err_rate);
		DESC(x->errors, y->errors);
		break;
	}
	return strcmp(x->name, y->name);
}

static int cmp_proc_r(const void *a, const void *b, void *key)
{
	return cmp_proc(a, b, *(const int *)key);
}

static int cmp_op_r(const void *a, const void *b, void *key)
{
	return cmp_op(a, b, *(const int *)key);
}

void top_model__sort(struct top_model *m, int key)
{
	if (key < 0 || key >= TOP_SORT_NR)
		key = TOP_SORT_CPU;
	/* glibc's qsort_r: the key travels as the context, no global */
	qsort_r(m->procs, m->nprocs, sizeof(*m->procs), cmp_proc_r, &key);
	for (size_t i = 0; i < m->nprocs; i++)
		qsort_r(m->ops + m->procs[i].first_op, m->procs[i].nops, sizeof(*m->ops), cmp_op_r,
			&key);
}

int top__sort_of_key(int ch)
{
	switch (ch) {
	case 'c':
		return TOP_SORT_CPU;
	case 'p':
		return TOP_SORT_P99;
	case 't':
		return TOP_SORT_RATE;
	case 'e':
		return TOP_SORT_ERRORS;
	case 'n':
		return TOP_SORT_NAME;
	default:
		return -1;
	}
}

const char *top__sort_name(int key)
{
	static const char *const names[TOP_SORT_NR] = {
		[TOP_SORT_CPU] = "cpu", [TOP_SORT_P99] = "p99", [TOP_SORT_RATE] = "calls/s",
		[TOP_SORT_ERRORS] = "errors", [TOP_SORT_NAME] = "name",
	};

	return key >= 0 && key < TOP_SORT_NR ? names[key] : "?";
}

/* ---- formatting ---- */

void top__split_bar(const double share[TOP_NR_PARTS], char *buf, size_t width)
{
	double s[TOP_NR_PARTS + 1], rem[TOP_NR_PARTS + 1], sum = 0;
	size_t cells[TOP_NR_PARTS + 1], used = 0, i, k, pos = 0;

	for (i = 0; i < TOP_NR_PARTS; i++) {
		s[i] = share[i] > 0 ? (share[i] < 1 ? share[i] : 1) : 0; /* NaN -> 0 too */
		sum += s[i];
	}
	for (i = 0; i < TOP_NR_PARTS; i++)
		s[i] = sum > 1 ? s[i] / sum : s[i];
	s[TOP_NR_PARTS] = sum < 1 ? 1 - sum : 0; /* the unaccounted rest */
	for (i = 0; i <= TOP_NR_PARTS; i++) {
		double exact = s[i] * width;

		cells[i] = (size_t)exact;
		rem[i] = exact - cells[i];
		used += cells[i];
	}
	/* the largest remainders get the cells left over */
	while (used < width) {
		k = 0;
		for (i = 1; i <= TOP_NR_PARTS; i++)
			if (rem[i] > rem[k])
				k = i;
		cells[k]++;
		rem[k] = -1;
		used++;
	}
	for (i = 0; i <= TOP_NR_PARTS; i++)
		for (k = 0; k < cells[i] && pos < width; k++)
			buf[pos++] = i < TOP_NR_PARTS ? TOP_BAR_LETTERS[i] : '.';
	buf[pos] = 0;
}

int top__bar_width(int width)
{
	int w = width - FIXED_COLS;

	return w < BAR_MIN ? BAR_MIN : w > BAR_MAX ? BAR_MAX : w;
}

/* Cuts buf at width columns (ASCII only: names are shown as they come, cut by bytes). */
static void clip(char *buf, size_t len, int width)
{
	if (width >= 0 && (size_t)width < len)
		buf[width] = 0;
}

int top__format_columns(char *buf, size_t len, int width)
{
	snprintf(buf, len, COLS_FMT "TIME SPLIT (C cpu R runq I io O other)", "PID", "NAME",
		 "CPU%", "RSS", "RQ p99", "IO p99", "CALLS/s", "ERR%", "P50", "P99");
	clip(buf, len, width);
	return -1;
}

static const char *fmt_ns_or_dash(bool has, uint64_t ns, char *b, size_t n)
{
	return has ? units__fmt_ns(ns, b, n) : "-";
}

static const char *fmt_err(uint64_t calls, double err_rate, char *b, size_t n)
{
	if (!calls)
		return "-";
	snprintf(b, n, "%.2f", err_rate * 100);
	return b;
}

int top__format_proc(const struct top_proc *p, char *buf, size_t len, int width)
{
	char pid[16], cpu[16], rss[16], rq[16], io[16], rate[16], err[16], name[48];

	snprintf(pid, sizeof(pid), "%" PRIu32, p->pid);
	snprintf(name, sizeof(name), "%s%s", p->comm, p->exited ? " (exited)" : "");
	if (p->has_cpu)
		snprintf(cpu, sizeof(cpu), "%.1f", p->cpu_pct);
	snprintf(buf, len, COLS_FMT, pid, name, p->has_cpu ? cpu : "-",
		 p->has_rss ? units__fmt_bytes(p->rss_bytes, rss, sizeof(rss)) : "-",
		 fmt_ns_or_dash(p->has_runq, p->runq_p99_ns, rq, sizeof(rq)),
		 fmt_ns_or_dash(p->has_io, p->io_p99_ns, io, sizeof(io)),
		 units__fmt_count(p->rate, rate, sizeof(rate)), fmt_err(p->calls, p->err_rate, err,
									sizeof(err)),
		 "", "");
	/* no bar: trim the padding */
	for (size_t n = strlen(buf); n && buf[n - 1] == ' '; n--)
		buf[n - 1] = 0;
	clip(buf, len, width);
	return -1;
}

int top__format_op(const struct top_op *op, char *buf, size_t len, int width)
{
	char name[72], rate[16], err[16], p50[16], p99[16], bar[BAR_MAX + 1];
	int bw = top__bar_width(width), n;

	snprintf(name, sizeof(name), "  %s", op->name);
	n = snprintf(buf, len, COLS_FMT, "", name, "", "", "", "",
		     units__fmt_count(op->rate, rate, sizeof(rate)),
		     fmt_err(op->calls, op->err_rate, err, sizeof(err)),
		     fmt_ns_or_dash(op->calls, op->p50_ns, p50, sizeof(p50)),
		     fmt_ns_or_dash(op->calls, op->p99_ns, p99, sizeof(p99)));
	if (n < 0 || (size_t)n >= len)
		return -1;
	if (op->has_split)
		top__split_bar(op->share, bar, bw);
	else
		snprintf(bar, sizeof(bar), "%s", op->calls ? "(no split)" : "");
	snprintf(buf + n, len - n, "%s", bar);
	clip(buf, len, width);
	return op->has_split && n < width ? n : -1;
}

static void fmt_uptime(double s, char *b, size_t n)
{
	uint64_t t = s > 0 ? (uint64_t)s : 0;

	snprintf(b, n, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, t / 3600, t / 60 % 60, t % 60);
}

void top__format_status(const struct top_model *m, int sort, bool paused, char *buf, size_t len)
{
	char up[32];

	fmt_uptime(m->elapsed_s, up, sizeof(up));
	snprintf(buf, len, "optrace top - up %s, %zu processes, %zu ops, %s %.1f s, sort: %s%s", up,
		 m->nprocs, m->nops, m->cumulative ? "whole run" : "window", m->window_s,
		 top__sort_name(sort), paused ? "  [PAUSED]" : "");
}

void top__format_system(const struct top_model *m, char *buf, size_t len)
{
	char cpu[32] = "-", mem[32] = "-";

	if (m->has_sys) {
		snprintf(cpu, sizeof(cpu), "%.1f%%", m->cpu_busy_pct);
		snprintf(mem, sizeof(mem), "%.1f%%", m->mem_used_pct);
	}
	snprintf(buf, len, "CPU %s busy  MEM %s used  load %.2f  lost: %" PRIu64 " spans, %" PRIu64
		 " other", cpu, mem, m->has_sys ? m->load1 : 0.0, m->lost_spans, m->lost_other);
}

/* The i-th displayed row: a process or one of its ops.  false past the end. */
static bool row_at(const struct top_model *m, size_t idx, const struct top_proc **p,
		   const struct top_op **op)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		if (idx == 0) {
			*p = &m->procs[i];
			*op = NULL;
			return true;
		}
		idx--;
		if (idx < m->procs[i].nops) {
			*p = &m->procs[i];
			*op = &m->ops[m->procs[i].first_op + idx];
			return true;
		}
		idx -= m->procs[i].nops;
	}
	return false;
}

static int format_row(const struct top_model *m, size_t idx, char *buf, size_t len, int width)
{
	const struct top_proc *p;
	const struct top_op *op;

	if (!row_at(m, idx, &p, &op))
		return -2;
	return op ? top__format_op(op, buf, len, width) : top__format_proc(p, buf, len, width);
}

int top_model__print(FILE *f, const struct top_model *m, int sort, int width)
{
	char line[LINE_MAX_LEN];

	if (width <= 0 || width >= LINE_MAX_LEN)
		width = width <= 0 ? TOP_DEFAULT_WIDTH : LINE_MAX_LEN - 1;
	top__format_status(m, sort, false, line, sizeof(line));
	fprintf(f, "%s\n", line);
	top__format_system(m, line, sizeof(line));
	fprintf(f, "%s\n", line);
	top__format_columns(line, sizeof(line), width);
	fprintf(f, "%s\n", line);
	for (size_t i = 0; format_row(m, i, line, sizeof(line), width) != -2; i++)
		fprintf(f, "%s\n", line);
	if (!m->nprocs)
		fprintf(f, "(no processes traced yet)\n");
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

/* ---- the terminal ---- */

enum { PAIR_ONCPU = 1, PAIR_RUNQ, PAIR_IOWAIT, PAIR_OTHER };

static const char help_line[] =
	" q quit  space pause  sort: c cpu  p p99  t calls/s  e errors  n name  a window  h help";
static const char *const help_text[] = {
	"Keys",
	"  c  sort by CPU (processes: CPU%; ops: on-CPU time per second)",
	"  p  sort by p99 latency          t  sort by calls per second",
	"  e  sort by error rate           n  sort by name",
	"  a  rows over the last interval / over the whole run",
	"  space  pause / resume           up down PgUp PgDn Home  scroll",
	"  h ?  this help                  q Ctrl-C  quit",
	"",
	"Columns",
	"  CPU%     of one CPU over the window (200 = two CPUs busy)",
	"  RSS      resident memory        RQ p99  run-queue wait p99 (waiting for a CPU)",
	"  IO p99   block IO p99 (submit to completion), worst device and kind",
	"  CALLS/s  ERR%  P50  P99         per op, over the window",
	"  TIME SPLIT  where an op's wall time went: C on CPU, R run queue,",
	"              I IO wait, O other off-CPU (locks, sleeps, network); . unaccounted",
};

static const struct top_model *shown(const struct top *t)
{
	return t->show_cum ? &t->cum : &t->iv;
}

static void draw_bar_colors(int y, int x, int width)
{
	for (int i = 0; i < width; i++) {
		chtype ch = mvinch(y, x + i) & A_CHARTEXT;
		const char *p = strchr(TOP_BAR_LETTERS, (int)ch);

		if (p && ch)
			mvaddch(y, x + i, ch | COLOR_PAIR(PAIR_ONCPU + (p - TOP_BAR_LETTERS)));
	}
}

static void draw_screen(struct top *t)
{
	const struct top_model *m = shown(t);
	int rows = LINES, cols = COLS < LINE_MAX_LEN ? COLS : LINE_MAX_LEN - 1;
	int body = rows - 4, y = 3, bar;
	size_t total = m->nprocs + m->nops;
	char line[LINE_MAX_LEN];

	erase();
	if (rows < 5 || cols < 20) {
		mvaddnstr(0, 0, "terminal too small", cols);
		refresh();
		return;
	}
	top__format_status(m, t->sort, t->paused, line, sizeof(line));
	attron(A_BOLD);
	mvaddnstr(0, 0, line, cols);
	attroff(A_BOLD);
	top__format_system(m, line, sizeof(line));
	mvaddnstr(1, 0, line, cols);
	top__format_columns(line, sizeof(line), cols);
	attron(A_REVERSE);
	mvhline(2, 0, ' ', cols);
	mvaddnstr(2, 0, line, cols);
	attroff(A_REVERSE);
	if (t->help) {
		for (size_t i = 0; i < sizeof(help_text) / sizeof(help_text[0]) && y < rows - 1; i++)
			mvaddnstr(y++, 0, help_text[i], cols);
	} else if (!t->have_data) {
		mvaddnstr(y, 0, "waiting for the first tick...", cols);
	} else if (!m->nprocs) {
		mvaddnstr(y, 0, "(no processes traced yet)", cols);
	} else {
		if (total > (size_t)body && t->offset > total - body)
			t->offset = total - body;
		if (total <= (size_t)body)
			t->offset = 0;
		for (size_t i = t->offset; y < rows - 1; i++, y++) {
			const struct top_proc *p;
			const struct top_op *op;

			if (!row_at(m, i, &p, &op))
				break;
			bar = format_row(m, i, line, sizeof(line), cols);
			if (!op)
				attron(A_BOLD);
			mvaddnstr(y, 0, line, cols);
			if (!op)
				attroff(A_BOLD);
			if (bar >= 0 && t->color)
				draw_bar_colors(y, bar, top__bar_width(cols));
		}
	}
	attron(A_REVERSE);
	mvhline(rows - 1, 0, ' ', cols);
	mvaddnstr(rows - 1, 0, help_line, cols);
	attroff(A_REVERSE);
	refresh();
}

static int open_curses(struct top *t, bool color)
{
	t->scr = newterm(NULL, stdout, stdin);
	if (!t->scr)
		return -ENOTTY;
	set_term(t->scr);
	cbreak(); /* Ctrl-C stays a signal: the session's handler stops the loop */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (color && has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(PAIR_ONCPU, COLOR_GREEN, -1);
		init_pair(PAIR_RUNQ, COLOR_YELLOW, -1);
		init_pair(PAIR_IOWAIT, COLOR_RED, -1);
		init_pair(PAIR_OTHER, COLOR_BLUE, -1);
		t->color = true;
	}
	t->curses = true;
	draw_screen(t);
	return 0;
}

int top__open(const struct top_opts *o, struct top **out)
{
	static const struct top_opts defaults;
	struct top *t;
	int mode, err;

	*out = NULL;
	if (!o)
		o = &defaults;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->out = o->out ? o->out : stdout;
	t->width = o->width > 0 ? o->width : TOP_DEFAULT_WIDTH;
	t->sort = o->sort >= 0 && o->sort < TOP_SORT_NR ? o->sort : TOP_SORT_CPU;
	mode = o->mode;
	if (mode == TOP_MODE_AUTO)
		mode = !o->out && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? TOP_MODE_CURSES :
										    TOP_MODE_PLAIN;
	if (mode == TOP_MODE_CURSES) {
		err = open_curses(t, !o->no_color);
		if (err && o->mode == TOP_MODE_CURSES) {
			free(t);
			return err;
		}
	}
	*out = t;
	return 0;
}

bool top__is_curses(const struct top *t)
{
	return t && t->curses;
}

int top__draw(struct top *t, const struct report *interval, const struct report *cumulative)
{
	struct top_model iv, cum;
	int err;

	if (!interval)
		interval = cumulative;
	if (!cumulative)
		cumulative = interval;
	if (!t || !interval)
		return -EINVAL;
	if (t->curses && t->paused)
		return 0;
	err = top_model__build(&iv, interval, cumulative);
	if (err)
		return err;
	err = top_model__build(&cum, cumulative, cumulative);
	if (err) {
		top_model__free(&iv);
		return err;
	}
	cum.cumulative = true;
	top_model__sort(&iv, t->sort);
	top_model__sort(&cum, t->sort);
	top_model__free(&t->iv);
	top_model__free(&t->cum);
	t->iv = iv;
	t->cum = cum;
	t->have_data = true;
	if (!t->curses) {
		err = top_model__print(t->out, shown(t), t->sort, t->width);
		if (!err && fflush(t->out))
			err = -EIO;
		return err;
	}
	draw_screen(t);
	return 0;
}

/* Acts on one key.  Returns TOP_QUIT or TOP_CONTINUE. */
static int on_key(struct top *t, int ch)
{
	size_t page = LINES > 5 ? (size_t)LINES - 4 : 1;
	int key = top__sort_of_key(ch);

	if (key >= 0) {
		t->sort = key;
		top_model__sort(&t->iv, key);
		top_model__sort(&t->cum, key);
		t->offset = 0;
		return TOP_CONTINUE;
	}
	switch (ch) {
	case 'q':
	case 'Q':
	case KEY_CTRL_C:
		return TOP_QUIT;
	case ' ':
		t->paused = !t->paused;
		break;
	case 'a':
		t->show_cum = !t->show_cum;
		t->offset = 0;
		break;
	case 'h':
	case '?':
		t->help = !t->help;
		break;
	case KEY_UP:
	case 'k':
		t->offset -= t->offset > 0;
		break;
	case KEY_DOWN:
	case 'j':
		t->offset++; /* clamped when drawn */
		break;
	case KEY_PPAGE:
		t->offset = t->offset > page ? t->offset - page : 0;
		break;
	case KEY_NPAGE:
		t->offset += page;
		break;
	case KEY_HOME:
		t->offset = 0;
		break;
	default:
		break; /* KEY_RESIZE included: the redraw below uses the new size */
	}
	return TOP_CONTINUE;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int top__input(struct top *t, int timeout_ms)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	if (!t->curses) {
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return TOP_CONTINUE;
	}
	for (;;) {
		int64_t left = deadline - now_ms();
		int ch;

		wtimeout(stdscr, left > 0 ? (int)left : 0);
		ch = wgetch(stdscr);
		if (ch == ERR)
			return TOP_CONTINUE; /* time is up, or a signal: the caller checks its flag */
		if (on_key(t, ch) == TOP_QUIT)
			return TOP_QUIT;
		draw_screen(t);
	}
}

void top__close(struct top *t)
{
	if (!t)
		return;
	if (t->curses) {
		curs_set(1);
		endwin();
		delscreen(t->scr);
	}
	top_model__free(&t->iv);
	top_model__free(&t->cum);
	free(t);
}
