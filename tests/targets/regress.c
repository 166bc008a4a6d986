// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * regress.c - a target for `optrace compare` tests and benchmarks: one
 * noinline op whose CPU work per call is scaled by a knob, so a test can
 * make "the candidate build" slower by a chosen amount.
 *
 *   regress CALLS SLOWDOWN_PERCENT [WORK]
 *
 * calls op() CALLS times; each call does WORK * (100 + SLOWDOWN_PERCENT) / 100
 * rounds of dependent arithmetic (WORK defaults to 100000, ~120 us here:
 * well above the probes' own cost, which would dilute the slowdown).  It
 * prints its own measurement as key=value lines: calls, rounds per call,
 * and mean_ns (the mean wall time per call, timed around each call).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Dependent multiply-adds: the compiler cannot fold or vectorise them. */
NOINLINE uint64_t op(uint64_t rounds)
{
	uint64_t x = sink | 1;

	for (uint64_t i = 0; i < rounds; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	sink = x;
	return x;
}

int main(int argc, char **argv)
{
	long calls, pct, work = 100000;
	uint64_t rounds, total = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s CALLS SLOWDOWN_PERCENT [WORK]\n", argv[0]);
		return 2;
	}
	calls = strtol(argv[1], NULL, 10);
	pct = strtol(argv[2], NULL, 10);
	if (argc == 4)
		work = strtol(argv[3], NULL, 10);
	if (calls < 0 || pct < -100 || work < 0) {
		fprintf(stderr, "regress: CALLS and WORK must be >= 0, SLOWDOWN_PERCENT >= -100\n");
		return 2;
	}
	rounds = (uint64_t)(work * (100 + pct) / 100);
	for (long i = 0; i < calls; i++) {
		uint64_t t0 = now_ns();

		op(rounds);
		total += now_ns() - t0;
	}
	printf("calls=%ld\nrounds=%llu\nmean_ns=%llu\n", calls, (unsigned long long)rounds,
	       (unsigned long long)(calls ? total / (uint64_t)calls : 0));
	return 0;
}
