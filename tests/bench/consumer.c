// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * consumer.c - the consumer alone: synthetic struct ot_span records fed
 * through events__record (user/events.c), the same decode + aggregate path
 * as the ring-buffer callback, with the slowest-spans keeper on as in a
 * default `optrace trace`.  No BPF, no ring buffer: this measures what the
 * consumer costs per record, and what memory it holds.
 *
 *   consumer rate N PIDS OPS     records/s over N records spread over
 *                                PIDS x OPS (1 x 1: consecutive records of
 *                                one pair, the common case)
 *   consumer mem PIDS OPS N      RSS after N records over PIDS x OPS, then
 *                                after N more (must not grow)
 *
 * Output is "key=value" lines for tests/bench/run.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg.h"
#include "events.h"
#include "spans.h"

#define NTEMPL 4096 /* distinct synthetic records, cycled */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long rss_kib(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = atol(line + strlen(field) + 1);
	fclose(f);
	return v;
}

/* xorshift64*: deterministic, cheap. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static double unif(uint64_t *s)
{
	return ((rnd(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* Lognormal around 20 us with a 1% tail around 2 ms; a realistic split. */
static void make_templates(struct ot_span *v, size_t n)
{
	uint64_t seed = 88172645463325252ULL;

	for (size_t i = 0; i < n; i++) {
		double z = sqrt(-2 * log(unif(&seed))) * cos(2 * M_PI * unif(&seed));
		double mu = unif(&seed) < 0.01 ? log(2e6) : log(2e4);
		uint64_t d = (uint64_t)exp(mu + 0.5 * z);
		struct ot_span *sp = &v[i];

		memset(sp, 0, sizeof(*sp));
		sp->kind = OT_EV_SPAN;
		sp->tid = 1000;
		sp->start_ns = 1000000000ull + i * 50000;
		sp->dur_ns = d;
		sp->child_ns = d / 8;
		sp->ret = (i % 50) ? 0 : -11;
		sp->flags = OT_SPAN_F_SPLIT | OT_SPAN_F_FAULTS;
		sp->oncpu_ns = d / 2;
		sp->runq_ns = d / 8;
		sp->iowait_ns = d / 4;
		sp->offcpu_ns = d - d / 2 - d / 8 - d / 4;
		sp->nvcsw = i % 3;
		sp->minflt = i % 7;
	}
}

struct bench {
	struct op_info *ops;
	struct agg *agg;
	struct spans *spans;
	struct events *ev;
	struct ot_span *tmpl;
	uint32_t npids, nops;
};

static int bench_init(struct bench *b, uint32_t npids, uint32_t nops)
{
	memset(b, 0, sizeof(*b));
	b->npids = npids;
	b->nops = nops;
	b->ops = calloc(nops, sizeof(*b->ops));
	b->tmpl = calloc(NTEMPL, sizeof(*b->tmpl));
	if (!b->ops || !b->tmpl)
		return -1;
	for (uint32_t i = 0; i < nops; i++) {
		b->ops[i].name = "op";
		b->ops[i].error_mode = PROBE_ERR_RET_LT0;
	}
	make_templates(b->tmpl, NTEMPL);
	b->agg = agg__new(b->ops, nops);
	b->spans = spans__new(1000);
	if (!b->agg || !b->spans || events__open(-1, b->agg, &b->ev))
		return -1;
	events__set_spans(b->ev, b->spans, NULL);
	return 0;
}

static void bench_free(struct bench *b)
{
	events__free(b->ev);
	spans__free(b->spans);
	agg__free(b->agg);
	free(b->tmpl);
	free(b->ops);
}

/*
 * Feeds n records.  With one pair the templates go in as they are; with
 * several, each record is copied and stamped with its (pid, op), a pair
 * chosen pseudo-randomly per record (the copy is part of the measure, as
 * the ring buffer's records are also read from memory once).
 */
static void feed(struct bench *b, uint64_t n, uint64_t *seed)
{
	uint32_t pairs = b->npids * b->nops;
	struct ot_span sp;

	if (pairs == 1) {
		for (uint64_t i = 0; i < n; i++) {
			b->tmpl[i % NTEMPL].tgid = 1;
			events__record(b->ev, &b->tmpl[i % NTEMPL], sizeof(sp));
		}
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint32_t p = (uint32_t)(rnd(seed) >> 32) % pairs;

		sp = b->tmpl[i % NTEMPL];
		sp.tgid = 1 + p / b->nops;
		sp.op_id = p % b->nops;
		events__record(b->ev, &sp, sizeof(sp));
	}
}

int main(int argc, char **argv)
{
	struct bench b;
	uint64_t seed = 42, n, t0, t1;
	long rss0;

	if (argc < 5) {
		fprintf(stderr, "usage: consumer rate N PIDS OPS | mem PIDS OPS N\n");
		return 2;
	}
	if (!strcmp(argv[1], "rate")) {
		n = strtoull(argv[2], NULL, 0);
		if (bench_init(&b, atoi(argv[3]), atoi(argv[4])))
			return 1;
		feed(&b, 100000, &seed); /* warm up: every pair and group allocated */
		t0 = now_ns();
		feed(&b, n, &seed);
		t1 = now_ns();
		printf("records_per_s=%.0f\nns_per_record=%.2f\nbad=%llu\n", n * 1e9 / (t1 - t0),
		       (double)(t1 - t0) / n, (unsigned long long)events__nr_bad(b.ev));
		bench_free(&b);
		return 0;
	}
	if (!strcmp(argv[1], "mem")) {
		n = strtoull(argv[4], NULL, 0);
		rss0 = rss_kib("VmRSS");
		if (bench_init(&b, atoi(argv[2]), atoi(argv[3])))
			return 1;
		feed(&b, n, &seed);
		printf("rss_base_kib=%ld\nrss_kib=%ld\n", rss0, rss_kib("VmRSS"));
		printf("pairs=%zu\n", agg__nr_stats(b.agg));
		feed(&b, n, &seed);
		printf("rss_after_2n_kib=%ld\nbad=%llu\n", rss_kib("VmRSS"),
		       (unsigned long long)events__nr_bad(b.ev));
		bench_free(&b);
		return 0;
	}
	fprintf(stderr, "consumer: unknown mode %s\n", argv[1]);
	return 2;
}
