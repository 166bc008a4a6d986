// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * target.c - the benchmark target: calls a small noinline op in a tight
 * loop and reports the cost per call itself, so that what a tracer adds is
 * the only difference between runs.  Built twice: plain, and with
 * -fcf-protection=full (every function starts with endbr64).
 *
 *   target loop N           N calls of op() in 20 batches; prints
 *                           "ns_per_call=MEAN ns_per_call_median=M calls=N" on
 *                           stderr (stdout is left to the tracer's report)
 *   target spin N K         N calls of spin(K), about K ns each: an op with a known
 *                           cost, for the probe bias after --compensate
 *   target rate N RATE [T]  N calls per thread paced at RATE calls/s over T
 *                           threads (event throughput); prints the achieved rate
 *   target wait [SEC]       prints "ready", then sleeps (a pid to attach to);
 *                           exits on SIGINT/SIGTERM or after SEC (default 60)
 *
 * op_00..op_49 exist for the 50-probe startup measure.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A few instructions of real work, one through the stack so that the
 * function has a frame: built with frame pointers (as Fedora and Ubuntu
 * build), it starts with push %rbp, the common prologue, which uprobes
 * emulate; the CET build starts with endbr64, then push %rbp. */
__attribute__((noinline)) uint64_t op(uint64_t x)
{
	volatile uint64_t t = x;

	return t * 3 + 1;
}

/* K iterations of a dependent add: a known, steady cost (about 1 ns each). */
__attribute__((noinline)) uint64_t spin(uint64_t k)
{
	volatile uint64_t t = 0;

	for (uint64_t i = 0; i < k; i++)
		t = t + i;
	return t;
}

#define OPN(n)                                                      \
	__attribute__((noinline)) uint64_t op_##n(uint64_t x)       \
	{                                                           \
		volatile uint64_t t = x;                            \
		return t + 1##n - 100;                              \
	}
#define OPS10(t) OPN(t##0) OPN(t##1) OPN(t##2) OPN(t##3) OPN(t##4) \
	OPN(t##5) OPN(t##6) OPN(t##7) OPN(t##8) OPN(t##9)
OPS10(0) OPS10(1) OPS10(2) OPS10(3) OPS10(4)

static uint64_t (*const ops50[])(uint64_t) = {
#define P(t) op_##t##0, op_##t##1, op_##t##2, op_##t##3, op_##t##4, \
	op_##t##5, op_##t##6, op_##t##7, op_##t##8, op_##t##9
	P(0), P(1), P(2), P(3), P(4)
#undef P
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static volatile uint64_t sink;

#define BATCHES 20

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * n calls in BATCHES batches: the mean over all, and the median batch,
 * which a host hiccup of this VM (a batch several times slower now and
 * then) does not move.
 */
static int do_loop(long n, long k)
{
	uint64_t acc = 0, t0, t1, batch[BATCHES], total = 0;
	long per = n / BATCHES > 0 ? n / BATCHES : 1;

	for (long i = 0; i < 1000; i++) /* warm up: page in, first-hit costs */
		acc += k ? spin(k) : op(i);
	for (int b = 0; b < BATCHES; b++) {
		t0 = now_ns();
		if (k)
			for (long i = 0; i < per; i++)
				acc += spin(k);
		else
			for (long i = 0; i < per; i++)
				acc += op(i);
		t1 = now_ns();
		batch[b] = t1 - t0;
		total += t1 - t0;
	}
	sink = acc;
	qsort(batch, BATCHES, sizeof(batch[0]), cmp_u64);
	fprintf(stderr, "ns_per_call=%.2f ns_per_call_median=%.2f calls=%ld\n",
		(double)total / (per * BATCHES),
		(double)(batch[BATCHES / 2 - 1] + batch[BATCHES / 2]) / 2 / per, per * BATCHES);
	return 0;
}

struct rate_arg {
	long n;
	double rate;
	double achieved;
};

static void *rate_worker(void *p)
{
	struct rate_arg *a = p;
	uint64_t t0 = now_ns(), acc = 0, gap = a->rate > 0 ? (uint64_t)(1e9 / a->rate) : 0;
	uint64_t next = t0;

	for (long i = 0; i < a->n; i++) {
		if (gap) {
			next += gap;
			while (now_ns() < next)
				;
		}
		acc += op(i);
	}
	sink = acc;
	a->achieved = a->n * 1e9 / (double)(now_ns() - t0);
	return NULL;
}

static int do_rate(long n, double rate, int nthreads)
{
	pthread_t th[64];
	struct rate_arg args[64];
	double total = 0;

	if (nthreads < 1 || nthreads > 64)
		return 2;
	for (int i = 0; i < nthreads; i++) {
		args[i] = (struct rate_arg){ .n = n, .rate = rate };
		if (pthread_create(&th[i], NULL, rate_worker, &args[i]))
			return 1;
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		total += args[i].achieved;
	}
	fprintf(stderr, "rate=%.0f calls=%ld\n", total, n * nthreads);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int do_wait(int sec)
{
	uint64_t acc = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < sec * 10 && !stop; i++) {
		for (size_t k = 0; k < sizeof(ops50) / sizeof(ops50[0]); k++)
			acc += ops50[k](i);
		acc += op(i);
		usleep(100000);
	}
	sink = acc;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "loop"))
		return do_loop(atol(argv[2]), 0);
	if (argc >= 4 && !strcmp(argv[1], "spin"))
		return do_loop(atol(argv[2]), atol(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "rate"))
		return do_rate(atol(argv[2]), atof(argv[3]), argc > 4 ? atoi(argv[4]) : 1);
	if (argc >= 2 && !strcmp(argv[1], "wait"))
		return do_wait(argc > 2 ? atoi(argv[2]) : 60);
	fprintf(stderr, "usage: %s loop N | spin N K | rate N RATE [THREADS] | wait [SEC]\n",
		argv[0]);
	return 2;
}
