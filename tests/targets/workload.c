// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * workload.c - a target program with operations of known behaviour, for
 * integration tests and the README demo.  Every op is a noinline function;
 * the program times what it can itself and prints it as `key=value` lines
 * on stdout, so tests compare optrace's figures with the target's own.
 *
 *   workload count N            op_fast() N times
 *   workload sleep N MS         op_sleep(MS) N times; prints self_p50_ns
 *   workload nest N             op_outer() -> 2x op_inner(), and op_recurse(5), N times
 *   workload threads T N        T threads, each op_fast() N times
 *   workload errors N           op_err(i): -ENOENT, -EAGAIN or 0 in turn
 *   workload loop SEC MS        op_sleep(MS) until SEC seconds passed (0: forever)
 *   workload burst N            wait for SIGUSR1, then op_fast() N times, repeat
 *   workload fork K N           K children, each op_fast() N times
 *   workload bytes N            op_bytes(buf, i % 100) N times
 *   workload spin N US          op_spin(US): burn US microseconds of CPU, N times
 *   workload contend T N US     T threads pinned to CPU 0, each op_spin(US) N times:
 *                               T-1 of them wait for the CPU at any time; prints
 *                               op_cpu_ns, the threads' CPU time inside op_spin
 *   workload demo SEC           a small request server: handle_request -> parse,
 *                               db_query (some slow, some failing) for SEC seconds
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

NOINLINE int op_fast(int i)
{
	sink += i;
	__asm__ volatile("" ::: "memory");
	return 0;
}

NOINLINE int op_sleep(int ms)
{
	sleep_ns((uint64_t)ms * 1000000ULL);
	return 0;
}

NOINLINE int op_inner(int i)
{
	sleep_ns(100000); /* 100 us */
	return i;
}

NOINLINE int op_outer(int i)
{
	return op_inner(i) + op_inner(i + 1);
}

NOINLINE int op_recurse(int depth)
{
	int r;

	if (depth <= 0)
		return 0;
	r = op_recurse(depth - 1);
	/* Keeps gcc from turning the recursion into a loop. */
	__asm__ volatile("" : "+r"(r));
	return r + 1;
}

NOINLINE long op_err(int i)
{
	__asm__ volatile("" ::: "memory");
	switch (i % 3) {
	case 0: return -ENOENT;
	case 1: return -EAGAIN;
	default: return 0;
	}
}

NOINLINE long op_bytes(char *buf, long n)
{
	memset(buf, 'x', n);
	return n;
}

/* Busy for us microseconds of wall time: on-CPU unless preempted. */
NOINLINE int op_spin(int us)
{
	uint64_t end = now_ns() + (uint64_t)us * 1000;

	while (now_ns() < end)
		sink++;
	return 0;
}

struct contend_arg {
	long n;
	int us;
	uint64_t cpu_ns; /* the thread's CPU time over its op_spin loop */
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *contend_main(void *p)
{
	struct contend_arg *a = p;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/*
	 * The thread's CPU time over the whole loop, not per call: reading it
	 * is a syscall that updates the scheduler's accounting, and the
	 * preemptions it then triggers on its return would all land between
	 * calls instead of inside them.
	 */
	uint64_t c0 = thread_cpu_ns();

	for (long i = 0; i < a->n; i++)
		op_spin(a->us);
	a->cpu_ns = thread_cpu_ns() - c0;
	return NULL;
}

static int mode_contend(int nt, long n, int us)
{
	struct contend_arg a[16];
	pthread_t th[16];
	uint64_t t0 = now_ns(), cpu = 0;

	if (nt > 16)
		nt = 16;
	for (int i = 0; i < nt; i++) {
		a[i] = (struct contend_arg){ .n = n, .us = us };
		if (pthread_create(&th[i], NULL, contend_main, &a[i]))
			return 1;
	}
	for (int i = 0; i < nt; i++) {
		pthread_join(th[i], NULL);
		cpu += a[i].cpu_ns;
	}
	/* op_cpu_ns: the threads' own CPU time over their op_spin loops (the
	 * probes' cost included). */
	printf("calls=%ld\nthreads=%d\nwall_ns=%llu\nop_cpu_ns=%llu\n", nt * n, nt,
	       (unsigned long long)(now_ns() - t0), (unsigned long long)cpu);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int mode_sleep(long n, int ms)
{
	uint64_t *t = calloc(n, sizeof(*t));

	if (!t)
		return 1;
	for (long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		op_sleep(ms);
		t[i] = now_ns() - t0;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("calls=%ld\nself_p50_ns=%llu\nself_min_ns=%llu\nself_max_ns=%llu\n", n,
	       (unsigned long long)t[(n - 1) / 2], (unsigned long long)t[0],
	       (unsigned long long)t[n - 1]);
	free(t);
	return 0;
}

static void *thread_main(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++)
		op_fast(i);
	return NULL;
}

static int mode_threads(int nt, long n)
{
	pthread_t th[64];

	if (nt > 64)
		nt = 64;
	for (int i = 0; i < nt; i++)
		if (pthread_create(&th[i], NULL, thread_main, (void *)n))
			return 1;
	for (int i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	printf("calls=%ld\n", nt * n);
	return 0;
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static __attribute__((noreturn)) void mode_burst(long n)
{
	signal(SIGUSR1, on_usr1);
	printf("ready pid=%d\n", getpid());
	fflush(stdout);
	for (;;) {
		while (!go)
			pause();
		go = 0;
		for (long i = 0; i < n; i++)
			op_fast(i);
		printf("burst=%ld\n", n);
		fflush(stdout);
	}
}

static int mode_fork(int k, long n)
{
	for (int c = 0; c < k; c++) {
		pid_t p = fork();

		if (p < 0)
			return 1;
		if (p == 0) {
			for (long i = 0; i < n; i++)
				op_fast(i);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	printf("calls=%ld\n", k * n);
	return 0;
}

/* The demo: a request handler whose time goes to parsing (CPU), a database
 * (sleeping: 1 ms usually, 20 ms for 2% of requests) and failing lookups. */
NOINLINE int parse(int i)
{
	uint64_t x = i;

	for (int k = 0; k < 20000; k++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
	return 0;
}

NOINLINE long db_query(int i)
{
	sleep_ns(i % 50 == 0 ? 20000000ULL : 1000000ULL);
	return i % 10 == 3 ? -ENOENT : i % 97 == 5 ? -ETIMEDOUT : 0;
}

NOINLINE long handle_request(int i)
{
	parse(i);
	return db_query(i);
}

static int mode_demo(double sec)
{
	uint64_t end = now_ns() + (uint64_t)(sec * 1e9);
	long i = 0;

	while (now_ns() < end)
		handle_request(i++);
	printf("requests=%ld\n", i);
	return 0;
}

static long arg(char **argv, int i, int argc, long def)
{
	return i < argc ? strtol(argv[i], NULL, 10) : def;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = arg(argv, 2, argc, 1000);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "count")) {
		for (long i = 0; i < n; i++)
			op_fast(i);
		printf("calls=%ld\n", n);
		return 0;
	}
	if (!strcmp(mode, "sleep"))
		return mode_sleep(n, arg(argv, 3, argc, 2));
	if (!strcmp(mode, "nest")) {
		for (long i = 0; i < n; i++) {
			op_outer(i);
			op_recurse(5);
		}
		printf("outer=%ld\ninner=%ld\nrecurse=%ld\n", n, 2 * n, 6 * n);
		return 0;
	}
	if (!strcmp(mode, "threads"))
		return mode_threads(n, arg(argv, 3, argc, 1000));
	if (!strcmp(mode, "errors")) {
		long e = 0;

		for (long i = 0; i < n; i++)
			e += op_err(i) != 0;
		printf("calls=%ld\nenoent=%ld\neagain=%ld\n", n, (n + 2) / 3, (n + 1) / 3);
		return e ? 0 : 1;
	}
	if (!strcmp(mode, "loop")) {
		uint64_t end = n ? now_ns() + n * 1000000000ULL : UINT64_MAX;
		long calls = 0;
		int ms = arg(argv, 3, argc, 1);

		printf("ready pid=%d\n", getpid());
		while (now_ns() < end) {
			op_sleep(ms);
			calls++;
		}
		printf("calls=%ld\n", calls);
		return 0;
	}
	if (!strcmp(mode, "burst"))
		mode_burst(n);
	if (!strcmp(mode, "fork"))
		return mode_fork(n, arg(argv, 3, argc, 1000));
	if (!strcmp(mode, "bytes")) {
		static char buf[128];

		for (long i = 0; i < n; i++)
			op_bytes(buf, i % 100);
		printf("calls=%ld\n", n);
		return 0;
	}
	if (!strcmp(mode, "spin")) {
		int us = arg(argv, 3, argc, 1000);

		for (long i = 0; i < n; i++)
			op_spin(us);
		printf("calls=%ld\n", n);
		return 0;
	}
	if (!strcmp(mode, "contend"))
		return mode_contend(n, arg(argv, 3, argc, 100), arg(argv, 4, argc, 1000));
	if (!strcmp(mode, "demo"))
		return mode_demo(n);
	if (!strcmp(mode, "exit")) {
		/* Exits with the given status, for exit-status passthrough. */
		op_fast(0);
		return (int)n;
	}
	fprintf(stderr, "usage: workload count|sleep|nest|threads|errors|loop|burst|fork|bytes|demo|exit ...\n");
	return 2;
}
