// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * events.c - ring-buffer records to aggregates.  Owns the libbpf ring_buffer
 * consumer; decoding is a switch on the record's first __u32 (its kind).
 *
 * libbpf's ring_buffer__poll only reads rings that signalled a wakeup, and
 * the BPF side suppresses wakeups below a fill threshold, so every poll is
 * followed by ring_buffer__consume.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

#include "events.h"

struct events {
	struct ring_buffer *rb;
	struct agg *agg;
	uint32_t calib_op; /* first calibration op */
	uint32_t ncalib;
	struct hist *calib;
	struct spans *spans[2]; /* keepers of the slowest spans, or NULL */
	uint64_t records;
	uint64_t bad;
};

int events__record(struct events *e, const void *data, size_t size)
{
	const __u32 *kind = data;

	e->records++;
	if (size < sizeof(*kind)) {
		e->bad++;
		return 0;
	}
	switch (*kind) {
	case OT_EV_SPAN: {
		const struct ot_span *sp = data;

		if (size < sizeof(*sp)) {
			e->bad++;
			break;
		}
		if (sp->op_id - e->calib_op < e->ncalib) {
			hist__add(&e->calib[sp->op_id - e->calib_op], sp->dur_ns);
			break;
		}
		/* -ENOMEM here is not fatal for the run: the span is lost
		 * and counted; keep consuming. */
		if (agg__add_span(e->agg, sp))
			e->bad++;
		else {
			spans__add(e->spans[0], sp);
			spans__add(e->spans[1], sp);
		}
		break;
	}
	case OT_EV_BIO:
		if (size < sizeof(struct ot_bio) || agg__add_bio(e->agg, data))
			e->bad++;
		break;
	case OT_EV_THREAD:
		if (size < sizeof(struct ot_thread) || agg__add_thread(e->agg, data))
			e->bad++;
		break;
	case OT_EV_PROC:
		if (size < sizeof(struct ot_proc) || agg__add_proc(e->agg, data))
			e->bad++;
		break;
	default:
		e->bad++;
		break;
	}
	return 0;
}

static int handle_record(void *ctx, void *data, size_t size)
{
	return events__record(ctx, data, size);
}

int events__open(int map_fd, struct agg *agg, struct events **out)
{
	struct events *e = calloc(1, sizeof(*e));
	int err;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->agg = agg;
	if (map_fd < 0) { /* no ring buffer: records come through events__record */
		*out = e;
		return 0;
	}
	e->rb = ring_buffer__new(map_fd, handle_record, e, NULL);
	if (!e->rb) {
		err = -errno;
		free(e);
		return err;
	}
	*out = e;
	return 0;
}

void events__free(struct events *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	free(e);
}

void events__set_spans(struct events *e, struct spans *run, struct spans *recent)
{
	e->spans[0] = run;
	e->spans[1] = recent;
}

void events__set_calib(struct events *e, uint32_t first_op, struct hist *hists, uint32_t n)
{
	e->calib_op = first_op;
	e->calib = hists;
	e->ncalib = hists ? n : 0;
}

int events__poll(struct events *e, int timeout_ms)
{
	int n, m;

	if (!e->rb)
		return 0;
	n = ring_buffer__poll(e->rb, timeout_ms);
	if (n < 0 && n != -EINTR)
		return n;
	m = ring_buffer__consume(e->rb);
	if (m < 0 && m != -EINTR)
		return m;
	return (n > 0 ? n : 0) + (m > 0 ? m : 0);
}

int events__drain(struct events *e)
{
	int n = e->rb ? ring_buffer__consume(e->rb) : 0;

	return n == -EINTR ? 0 : n;
}

uint64_t events__nr_records(const struct events *e)
{
	return e->records;
}

uint64_t events__nr_bad(const struct events *e)
{
	return e->bad;
}
