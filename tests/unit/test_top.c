// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_top.c - top.c's pure parts (the model copied from a report, sort
 * orders, the time-split bar, line layout) and its plain-text mode into an
 * open_memstream FILE; then, when tmux is installed, the curses mode for
 * real: this driver run with --demo inside a detached tmux pane, keys sent
 * with send-keys, the screen read with capture-pane.
 *
 *   test_top            the cmocka tests
 *   test_top --demo     the live view over a fixed report (q quits)
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "top.h"

static const struct op_info infos[3] = {
	{ "get", "kv", "kv_get", "/usr/bin/kvserver", PROBE_ERR_RET_LT0, 0 },
	{ "compact", "", "compact", "/usr/bin/kvserver", PROBE_ERR_NONE, 0 },
	{ "put", "kv", "kv_put", "/usr/bin/kvworker", PROBE_ERR_RET_NE0, 0 },
};

struct fixture {
	struct report_op ops[3];
	struct report_pid pids[2];
	struct report_bio bio[3];
	struct report r;
	char *buf;
	size_t len;
};

static void fixture_init(struct fixture *fx)
{
	struct report_op *compact = &fx->ops[0], *get = &fx->ops[1], *put = &fx->ops[2];

	memset(fx, 0, sizeof(*fx));
	fx->bio[0] = (struct report_bio){ .op = "read", .count = 10, .p99 = 2000000 };
	fx->bio[1] = (struct report_bio){ .op = "write", .count = 5, .p99 = 8000000 };
	fx->bio[2] = (struct report_bio){ .op = "flush", .count = 0, .p99 = 900000000 };
	fx->pids[0] = (struct report_pid){ .pid = 4242, .comm = "kvserver", .calls = 10000,
					   .has_res = true, .runq_count = 100,
					   .runq_p99 = 50000, .bio = fx->bio, .nbio = 3 };
	fx->pids[0].res.has_proc = true;
	fx->pids[0].res.rates.cpu_pct = 150.0;
	fx->pids[0].res.now.has_rss = true;
	fx->pids[0].res.now.rss_bytes = 200ULL << 20;
	fx->pids[1] = (struct report_pid){ .pid = 4243, .comm = "kvworker", .calls = 250,
					   .exited = true };
	/* sorted by pid then name, as report__build leaves them */
	*compact = (struct report_op){ .pid = 4242, .comm = "kvserver", .info = &infos[1] };
	*get = (struct report_op){ .pid = 4242, .comm = "kvserver", .info = &infos[0],
				   .calls = 10000, .rate = 1000, .errors = 15, .p50 = 2000,
				   .p99 = 5000000, .has_split = true };
	get->split_all = (struct report_split){ .calls = 10000, .oncpu_mean = 30000,
						.oncpu_share = 0.5, .runq_share = 0.25,
						.iowait_share = 0.25 };
	*put = (struct report_op){ .pid = 4243, .comm = "kvworker", .info = &infos[2],
				   .calls = 250, .rate = 25, .errors = 25, .p50 = 40000,
				   .p99 = 70000 };
	fx->r.meta = (struct report_meta){ .kind = "interval", .window_s = 1.0,
					   .elapsed_s = 3723.0 };
	fx->r.sys.valid = true;
	fx->r.sys.rates.cpu_busy_pct = 37.5;
	fx->r.sys.rates.mem_used_pct = 61.25;
	fx->r.sys.now.load1 = 0.5;
	fx->r.loss.spans_lost = 7;
	fx->r.loss.bio_lost = 2;
	fx->r.ops = fx->ops;
	fx->r.nops = 3;
	fx->r.pids = fx->pids;
	fx->r.npids = 2;
}

static int setup(void **state)
{
	struct fixture *fx = malloc(sizeof(*fx));

	assert_non_null(fx);
	fixture_init(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->buf);
	free(fx);
	return 0;
}

static void test_top_split_bar(void **state)
{
	static const struct {
		double share[TOP_NR_PARTS];
		size_t width;
		const char *want;
	} cases[] = {
		{ { 0.5, 0.25, 0.25, 0 }, 8, "CCCCRRII" },
		{ { 1, 0, 0, 0 }, 10, "CCCCCCCCCC" },
		{ { 0, 0, 0, 1 }, 4, "OOOO" },
		{ { 0, 0, 0, 0 }, 5, "....." },	       /* nothing accounted */
		{ { 0.5, 0, 0, 0 }, 6, "CCC..." },     /* half unaccounted */
		{ { 0.34, 0.33, 0.33, 0 }, 10, "CCCCRRRIII" }, /* largest remainder: C gets it */
		{ { 0.6, 0.6, 0, 0 }, 10, "CCCCCRRRRR" }, /* sums past 1: scaled down */
		{ { 2.0, -1, 0, 0 }, 4, "CCCC" },	/* clamped */
		{ { 0.01, 0, 0, 0.99 }, 10, "OOOOOOOOOO" }, /* too small for a cell */
		{ { 0.25, 0.25, 0.25, 0.25 }, 0, "" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		top__split_bar(cases[i].share, buf, cases[i].width);
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_top_sort_keys(void **state)
{
	(void)state;
	assert_int_equal(top__sort_of_key('c'), TOP_SORT_CPU);
	assert_int_equal(top__sort_of_key('p'), TOP_SORT_P99);
	assert_int_equal(top__sort_of_key('t'), TOP_SORT_RATE);
	assert_int_equal(top__sort_of_key('e'), TOP_SORT_ERRORS);
	assert_int_equal(top__sort_of_key('n'), TOP_SORT_NAME);
	assert_int_equal(top__sort_of_key('x'), -1);
	assert_int_equal(top__sort_of_key(' '), -1); /* space pauses */
	assert_string_equal(top__sort_name(TOP_SORT_P99), "p99");
	assert_string_equal(top__sort_name(99), "?");
}

static void test_top_model_from_report(void **state)
{
	struct fixture *fx = *state;
	struct top_model m;
	const struct top_proc *p0, *p1;
	const struct top_op *get;

	assert_int_equal(top_model__build(&m, &fx->r, &fx->r), 0);
	assert_int_equal(m.nprocs, 2);
	assert_int_equal(m.nops, 3);
	assert_float_equal(m.elapsed_s, 3723.0, 0);
	assert_true(m.has_sys);
	assert_int_equal(m.lost_spans, 7);
	assert_int_equal(m.lost_other, 2);
	p0 = &m.procs[0];
	p1 = &m.procs[1];
	assert_int_equal(p0->pid, 4242);
	assert_true(p0->has_cpu && p0->has_rss && p0->has_runq && p0->has_io);
	assert_float_equal(p0->cpu_pct, 150.0, 0);
	assert_int_equal(p0->rss_bytes, 200ULL << 20);
	assert_int_equal(p0->runq_p99_ns, 50000);
	assert_int_equal(p0->io_p99_ns, 8000000); /* worst device/kind with requests */
	assert_int_equal(p0->nops, 2);
	assert_float_equal(p0->rate, 1000, 0);
	assert_int_equal(p0->worst_p99_ns, 5000000);
	assert_float_equal(p0->err_rate, 15.0 / 10000, 1e-12);
	assert_false(p1->has_cpu || p1->has_rss || p1->has_runq || p1->has_io);
	assert_true(p1->exited);
	assert_float_equal(p1->err_rate, 0.1, 1e-12);
	get = &m.ops[p0->first_op + 1];
	assert_string_equal(get->name, "get");
	assert_true(get->has_split);
	assert_float_equal(get->share[TOP_RUNQ], 0.25, 0);
	assert_float_equal(get->cpu_ns_per_s, 30000.0 * 1000, 0);
	assert_string_equal(m.ops[p1->first_op].name, "put");
	top_model__free(&m);

	/* an op of a pid the report does not list gets a row of its own */
	fx->r.npids = 1;
	assert_int_equal(top_model__build(&m, &fx->r, &fx->r), 0);
	assert_int_equal(m.nprocs, 2);
	assert_int_equal(m.procs[1].pid, 4243);
	assert_string_equal(m.procs[1].comm, "kvworker");
	assert_int_equal(m.procs[1].nops, 1);
	top_model__free(&m);
}

static void test_top_sort_orders(void **state)
{
	static const struct {
		int key;
		uint32_t first_pid;
		const char *first_op; /* of pid 4242 */
	} cases[] = {
		{ TOP_SORT_CPU, 4242, "get" },	   /* 150% vs none; get has on-CPU time */
		{ TOP_SORT_P99, 4242, "get" },	   /* 5 ms vs 70 us */
		{ TOP_SORT_RATE, 4242, "get" },	   /* 1000/s vs 25/s */
		{ TOP_SORT_ERRORS, 4243, "get" },  /* 10% vs 0.15%; get 0.15% vs none */
		{ TOP_SORT_NAME, 4242, "compact" }, /* kvserver < kvworker; compact < get */
	};
	struct fixture *fx = *state;
	struct top_model m;

	assert_int_equal(top_model__build(&m, &fx->r, &fx->r), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct top_proc *kv;

		top_model__sort(&m, cases[i].key);
		assert_int_equal(m.procs[0].pid, cases[i].first_pid);
		kv = m.procs[0].pid == 4242 ? &m.procs[0] : &m.procs[1];
		assert_string_equal(m.ops[kv->first_op].name, cases[i].first_op);
		/* the ops stay with their process */
		for (size_t k = 0; k < m.nprocs; k++)
			for (size_t j = 0; j < m.procs[k].nops; j++)
				assert_int_equal(m.ops[m.procs[k].first_op + j].pid,
						 m.procs[k].pid);
	}
	top_model__free(&m);
}

static void test_top_format_lines(void **state)
{
	struct fixture *fx = *state;
	char cols[512], line[512];
	struct top_model m;
	const char *split;
	int bar;

	assert_int_equal(top_model__build(&m, &fx->r, &fx->r), 0);
	top_model__sort(&m, TOP_SORT_NAME);
	top__format_columns(cols, sizeof(cols), 120);
	assert_true(strlen(cols) <= 120);
	split = strstr(cols, "TIME SPLIT");
	assert_non_null(split);
	assert_non_null(strstr(cols, "    PID NAME"));

	/* process: figures in their columns, no bar */
	assert_int_equal(top__format_proc(&m.procs[0], line, sizeof(line), 120), -1);
	assert_non_null(strstr(line, "   4242 kvserver"));
	assert_non_null(strstr(line, " 150.0 "));
	assert_non_null(strstr(line, "200 MiB"));
	assert_non_null(strstr(line, "50.0 us"));
	assert_non_null(strstr(line, "8.00 ms"));
	assert_int_equal(top__format_proc(&m.procs[1], line, sizeof(line), 120), -1);
	assert_non_null(strstr(line, "kvworker (exited)"));
	assert_non_null(strstr(line, "10.00")); /* ERR% */

	/* op: the bar starts under the TIME SPLIT header */
	bar = top__format_op(&m.ops[1], line, sizeof(line), 120);
	assert_int_equal(bar, split - cols);
	assert_int_equal(strlen(line), (size_t)bar + top__bar_width(120));
	/* 21 cells: 10.5 + 5.25 + 5.25, the odd cell to the largest remainder */
	assert_string_equal(line + bar, "CCCCCCCCCCCRRRRRIIIII");
	assert_non_null(strstr(line, "  get "));
	assert_non_null(strstr(line, "2.00 us"));
	assert_non_null(strstr(line, "5.00 ms"));
	assert_non_null(strstr(line, " 0.15 "));
	/* an op without calls: dashes, no bar */
	assert_int_equal(top__format_op(&m.ops[0], line, sizeof(line), 120), -1);
	assert_non_null(strstr(line, "  compact "));
	assert_null(strchr(line + 30, 'C'));
	/* narrow: clipped to the width */
	top__format_op(&m.ops[1], line, sizeof(line), 60);
	assert_int_equal(strlen(line), 60);
	assert_int_equal(top__bar_width(60), 10);
	assert_int_equal(top__bar_width(1000), 50);
	/* header lines */
	top__format_status(&m, TOP_SORT_P99, true, line, sizeof(line));
	assert_non_null(strstr(line, "up 1:02:03"));
	assert_non_null(strstr(line, "2 processes, 3 ops"));
	assert_non_null(strstr(line, "sort: p99"));
	assert_non_null(strstr(line, "[PAUSED]"));
	top__format_system(&m, line, sizeof(line));
	assert_string_equal(line, "CPU 37.5% busy  MEM 61.2% used  load 0.50  lost: 7 spans, 2 other");
	top_model__free(&m);
}

static void test_top_plain_mode_blocks(void **state)
{
	struct fixture *fx = *state;
	FILE *f = open_memstream(&fx->buf, &fx->len);
	struct top_opts o = { .mode = TOP_MODE_PLAIN, .out = f, .sort = TOP_SORT_P99,
			      .width = 132 };
	struct top *t;
	const char *second;
	time_t t0;

	assert_non_null(f);
	assert_int_equal(top__open(&o, &t), 0);
	assert_false(top__is_curses(t));
	assert_int_equal(top__draw(t, &fx->r, &fx->r), 0);
	fx->r.meta.elapsed_s += 1;
	assert_int_equal(top__draw(t, &fx->r, NULL), 0);
	t0 = time(NULL);
	assert_int_equal(top__input(t, 10), TOP_CONTINUE);
	assert_true(time(NULL) - t0 < 2);
	assert_int_equal(top__draw(t, NULL, NULL), -EINVAL);
	top__close(t);
	assert_int_equal(fclose(f), 0);

	assert_null(strchr(fx->buf, '\033')); /* no escape codes */
	assert_true(strncmp(fx->buf, "optrace top - up 1:02:03, 2 processes, 3 ops", 44) == 0);
	second = strstr(fx->buf + 1, "optrace top - up 1:02:04");
	assert_non_null(second);
	assert_true(second[-1] == '\n' && second[-2] == '\n'); /* blocks end with a blank line */
	/* sorted by p99: kvserver (5 ms) first, its slowest op first */
	assert_true(strstr(fx->buf, "kvserver") < strstr(fx->buf, "kvworker"));
	assert_true(strstr(fx->buf, "  get ") < strstr(fx->buf, "  compact "));
	for (const char *p = fx->buf; *p; p = strchr(p, '\n') + 1)
		assert_true(strchr(p, '\n') - p <= 132);
}

/* ---- the curses mode, in tmux ---- */

static bool have_tmux(void)
{
	return system("tmux -V >/dev/null 2>&1") == 0;
}

/* Runs a shell command and returns its output (malloc'd). */
static char *run(const char *fmt, ...)
{
	char cmd[1024], *out = NULL;
	size_t len = 0;
	va_list ap;
	FILE *p, *m;
	int c;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	m = open_memstream(&out, &len);
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	pclose(p);
	fclose(m);
	return out;
}

/* What a screen must show: every needle, and before after (when set). */
struct want {
	const char *needles[4];
	const char *before, *after;
	bool absent; /* needles[0] must be missing instead */
};

static bool screen_ok(const char *s, const struct want *w)
{
	const char *b, *a;

	if (w->absent)
		return !strstr(s, w->needles[0]);
	for (int i = 0; i < 4 && w->needles[i]; i++)
		if (!strstr(s, w->needles[i]))
			return false;
	if (!w->before)
		return true;
	b = strstr(s, w->before);
	a = strstr(s, w->after);
	return b && a && b < a;
}

/*
 * Polls the pane until its screen is as wanted (true) or 5 s pass.  A
 * capture may catch the screen between two refreshes: only a whole wanted
 * screen counts.
 */
static bool pane_wait(const char *sock, const struct want *w)
{
	for (int i = 0; i < 100; i++) {
		char *s = run("tmux -L %s capture-pane -p -t top 2>/dev/null", sock);
		bool ok = screen_ok(s, w);

		free(s);
		if (ok)
			return true;
		usleep(50000);
	}
	return false;
}

static void keys(const char *sock, const char *k)
{
	free(run("tmux -L %s send-keys -t top %s", sock, k));
}

/* The tmux server of the test, by its socket name: killed even when an assertion fails. */
static int tmux_setup(void **state)
{
	char *sock = malloc(64);

	assert_non_null(sock);
	snprintf(sock, 64, "optrace-test-top-%d", getpid());
	*state = sock;
	return 0;
}

static int tmux_teardown(void **state)
{
	char *sock = *state;

	if (have_tmux())
		free(run("tmux -L %s kill-server 2>/dev/null", sock));
	free(sock);
	return 0;
}

static void test_top_curses_in_tmux(void **state)
{
	const char *sock = *state;
	char self[4096];
	ssize_t n;

	if (!have_tmux())
		skip();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = 0;
	/* a shell in the pane, so the prompt must come back after q */
	free(run("tmux -L %s -f /dev/null new-session -d -s top -x 140 -y 40 "
		 "'env PS1=PROMPT\\$\\  TERM=xterm-256color sh' 2>&1", sock));
	assert_true(pane_wait(sock, &(struct want){ { "PROMPT$" } }));
	free(run("tmux -L %s send-keys -t top '%s --demo' Enter", sock, self));
	/* header, system line, columns, a process row with an op and its bar */
	assert_true(pane_wait(sock, &(struct want){ { "optrace top - up", "CPU 37.5% busy",
						     "TIME SPLIT", "CCCCCCCCCC" },
						   "   4242 kvserver", "  get " }));
	assert_true(pane_wait(sock, &(struct want){ { "sort: cpu" } }));
	/* 'e' sorts by error rate (kvworker first), 'p' by p99 (kvserver first) */
	keys(sock, "e");
	assert_true(pane_wait(sock, &(struct want){ { "sort: errors" }, "kvworker", "kvserver" }));
	keys(sock, "p");
	assert_true(pane_wait(sock, &(struct want){ { "sort: p99" }, "kvserver", "kvworker" }));
	/* pause, help, resize */
	keys(sock, "Space");
	assert_true(pane_wait(sock, &(struct want){ { "[PAUSED]" } }));
	keys(sock, "h");
	assert_true(pane_wait(sock, &(struct want){ { "Keys", "Columns" } }));
	free(run("tmux -L %s resize-window -t top -x 100 -y 30 2>/dev/null", sock));
	keys(sock, "h");
	assert_true(pane_wait(sock, &(struct want){ { "Keys" }, .absent = true }));
	/* q: the view ends, the terminal is restored, the shell prompt is back */
	keys(sock, "q");
	assert_true(pane_wait(sock, &(struct want){ { "top demo: closed (quit)", "PROMPT$" } }));
	assert_true(pane_wait(sock, &(struct want){ { "TIME SPLIT" }, .absent = true }));
}

/* ---- demo mode ---- */

static volatile sig_atomic_t demo_stop;

static void on_signal(int sig)
{
	demo_stop = sig;
}

static int demo(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct fixture fx;
	struct top *t;
	int err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fixture_init(&fx);
	err = top__open(NULL, &t);
	if (err) {
		fprintf(stderr, "top: %s\n", strerror(-err));
		return 1;
	}
	while (!demo_stop) {
		err = top__draw(t, &fx.r, &fx.r);
		if (err || top__input(t, 1000) == TOP_QUIT)
			break;
		fx.r.meta.elapsed_s += 1;
	}
	top__close(t);
	printf("top demo: closed (%s)\n", err ? strerror(-err) : demo_stop ? "signal" : "quit");
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_split_bar),
		cmocka_unit_test(test_top_sort_keys),
		cmocka_unit_test_setup_teardown(test_top_model_from_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_sort_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_format_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_plain_mode_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_curses_in_tmux, tmux_setup, tmux_teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--demo"))
		return demo();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
