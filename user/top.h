/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * top.h - the live view of `optrace top`: a full-screen ncurses table in
 * the manner of top/htop, or plain periodic text when the output is not a
 * terminal.
 *
 * Each tick the session hands over the interval and cumulative reports;
 * top__draw copies the figures it shows into a model (struct top_model: no
 * pointers into the reports), so sorting, pausing, scrolling and resizing
 * work between ticks, after the reports are freed.  The model, its sort,
 * the time-split bar and the line formatting are pure and exposed for
 * tests; only top__open/draw/input/close touch the terminal.
 */
#ifndef OPTRACE_TOP_H
#define OPTRACE_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

enum top_mode {
	TOP_MODE_AUTO = 0, /* curses when stdin and stdout are terminals, else plain */
	TOP_MODE_CURSES,
	TOP_MODE_PLAIN,
};

enum top_sort {
	TOP_SORT_CPU = 0, /* processes by CPU%, ops by on-CPU time per second */
	TOP_SORT_P99,	  /* processes by their slowest op's p99 */
	TOP_SORT_RATE,	  /* calls per second */
	TOP_SORT_ERRORS,  /* error rate, then error count */
	TOP_SORT_NAME,	  /* process name then pid; op name */
	TOP_SORT_NR,
};

/* top__input's answer. */
enum top_result {
	TOP_CONTINUE = 0,
	TOP_QUIT = 1,
};

struct top_opts {
	int mode;	/* enum top_mode */
	FILE *out;	/* plain mode: where blocks go; NULL: stdout */
	int sort;	/* initial enum top_sort (0: CPU) */
	int width;	/* plain mode line width; 0: 120 */
	bool no_color;	/* curses: letters only, no colours */
};

/* Parts of the time split, in bar order. */
enum top_part { TOP_ONCPU, TOP_RUNQ, TOP_IOWAIT, TOP_OTHER, TOP_NR_PARTS };

/* The letters of the bar: "CRIO"; '.' marks wall time no part accounts for. */
#define TOP_BAR_LETTERS "CRIO"

/* One process, as the view shows it. */
struct top_proc {
	uint32_t pid;
	char comm[32];
	bool exited;
	bool has_cpu, has_rss, has_runq, has_io;
	double cpu_pct;
	uint64_t rss_bytes;
	uint64_t runq_p99_ns;
	uint64_t io_p99_ns;	/* worst p99 of its block IO (by device and kind) */
	double rate;		/* calls/s of all its ops */
	uint64_t calls, errors;
	double err_rate;	/* errors / calls, 0..1 */
	uint64_t worst_p99_ns;	/* of its ops: the p99 sort key */
	size_t first_op, nops;	/* its ops: model.ops[first_op .. first_op + nops) */
};

/* One op of one process. */
struct top_op {
	uint32_t pid;
	char name[64];
	double rate;
	uint64_t calls, errors;
	double err_rate;
	uint64_t p50_ns, p99_ns;
	bool has_split;
	double share[TOP_NR_PARTS];	/* of wall time, 0..1 */
	double cpu_ns_per_s;		/* on-CPU time it costs per second: the CPU sort key */
};

struct top_model {
	double elapsed_s;	/* since tracing started */
	double window_s;	/* of the rows' figures */
	bool cumulative;	/* rows are over the whole run */
	bool has_sys;
	double cpu_busy_pct, mem_used_pct, load1;
	uint64_t lost_spans;	/* ring buffer full */
	uint64_t lost_other;	/* every other loss counter */
	struct top_proc *procs;
	size_t nprocs;
	struct top_op *ops;
	size_t nops;
};

/*
 * Fills m (overwritten: free an old model first) with the rows of rows_r
 * and the header figures (elapsed, loss) of head_r; either may be the
 * same report.  rows_r's system figures fill the header.  Ops whose pid is
 * not among the report's pids get a process row of their own.  Returns 0
 * or -ENOMEM (m is then empty).
 */
int top_model__build(struct top_model *m, const struct report *rows_r,
		     const struct report *head_r);
void top_model__free(struct top_model *m);
/* Sorts the processes, and each process's ops, by key (enum top_sort): larger first, names A-Z. */
void top_model__sort(struct top_model *m, int key);

/* 'c' 'p' 't' 'e' 'n' -> TOP_SORT_*, or -1. */
int top__sort_of_key(int ch);
const char *top__sort_name(int key); /* "cpu", "p99", "calls/s", "errors", "name" */

/*
 * Draws the split as width letters (and a NUL: buf holds width + 1):
 * TOP_BAR_LETTERS in order, '.' for the unaccounted rest.  The cells are
 * shared by largest remainder, so they add up to width exactly; shares are
 * clamped to 0..1 and scaled down when they add up to more than 1.
 */
void top__split_bar(const double share[TOP_NR_PARTS], char *buf, size_t width);

/*
 * Column layout for a line width: the bar takes what the fixed columns
 * leave (at least 10 cells, at most 50).  top__format_* write one line of
 * at most width characters (no newline) into buf (len > width) and
 * return the column where the bar starts (op lines) or -1.
 */
int top__bar_width(int width);
int top__format_columns(char *buf, size_t len, int width);
int top__format_proc(const struct top_proc *p, char *buf, size_t len, int width);
int top__format_op(const struct top_op *op, char *buf, size_t len, int width);
/* The two header lines (status, system). */
void top__format_status(const struct top_model *m, int sort, bool paused, char *buf, size_t len);
void top__format_system(const struct top_model *m, char *buf, size_t len);

/* One plain-text block for m: the header lines, columns, rows, a blank line.  0 or -EIO. */
int top_model__print(FILE *f, const struct top_model *m, int sort, int width);

struct top;

/*
 * Opens the view.  In curses mode (TOP_MODE_CURSES, or AUTO on a
 * terminal) the screen is taken over until top__close; AUTO falls back to
 * plain mode when the terminal cannot be set up.  Returns 0 and *out,
 * -ENOTTY for TOP_MODE_CURSES without a usable terminal, -ENOMEM.
 * Whoever opens it must top__close it on every path (error paths and
 * signals included) so the terminal is restored.
 */
int top__open(const struct top_opts *o, struct top **out);
bool top__is_curses(const struct top *t);

/*
 * Takes one tick's reports: interval for the rows (rates, percentiles,
 * CPU%, split), cumulative for the header (uptime, loss); either may be
 * NULL (then the other one is used; both NULL: -EINVAL).  Nothing points
 * into the reports afterwards.  Curses: redraws unless paused.  Plain:
 * prints one block.  Returns 0, -ENOMEM, or -EIO when the output fails.
 */
int top__draw(struct top *t, const struct report *interval, const struct report *cumulative);

/*
 * Waits up to timeout_ms for keys and acts on them (sort, pause, help,
 * scroll, resize; redraws at once).  Returns TOP_QUIT after q or Ctrl-C
 * typed as a key, else TOP_CONTINUE when the time is up or a signal
 * interrupted the wait.  Plain mode just waits.  Call it in the session's
 * loop where it would otherwise sleep.
 */
int top__input(struct top *t, int timeout_ms);

/* Restores the terminal (endwin) and frees t.  NULL is fine. */
void top__close(struct top *t);

#endif
