// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_app.c - a target marked with include/optrace.h, for it_usdt.py.
 *
 * usdt_app N [SLEEP_US]: N rounds, each:
 *   download:fetch   begin/end around a SLEEP_US sleep (default 2000 us),
 *                    4096 bytes; every 4th round fails with ENOENT;
 *   model:infer      begin/end around a 200 us sleep, nested inside fetch;
 *   cache:hit        counted 3 times, cache:miss once;
 * and one plain USDT pair svc:req_start(id)..svc:req_done(status, bytes)
 * around each round (sys/sdt.h directly), status 0, bytes = 100 * round.
 * Prints "done N" at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/sdt.h>

#include <optrace.h>

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static __attribute__((noinline)) void infer(void)
{
	OPTRACE_BEGIN("model", "infer");
	sleep_us(200);
	OPTRACE_END_OK("model", "infer", 0);
}

static __attribute__((noinline)) int fetch(int round, long us)
{
	int fail = round % 4 == 3;

	OPTRACE_BEGIN("download", "fetch");
	sleep_us(us);
	infer();
	OPTRACE_END("download", "fetch", fail ? ENOENT : 0, fail ? 0 : 4096);
	return fail;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, fails = 0;
	long us = argc > 2 ? atol(argv[2]) : 2000;

	for (int i = 0; i < n; i++) {
		DTRACE_PROBE1(svc, req_start, i);
		fails += fetch(i, us);
		for (int k = 0; k < 3; k++)
			OPTRACE_COUNT("cache", "hit");
		OPTRACE_COUNT("cache", "miss");
		DTRACE_PROBE2(svc, req_done, 0, 100L * i);
	}
	printf("done %d fails %d\n", n, fails);
	return 0;
}
