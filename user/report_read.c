// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report_read.c - a report rebuilt from the full JSON tree that
 * render_json.c writes into records (report__to_json(r, true)).
 *
 * Owns the checks: every field is looked up, type-checked and
 * range-checked; the first problem stops the read with its path in the
 * message ("report.ops[2].latency_hist.buckets[7]: ...").  Nothing read
 * from a file is trusted: array lengths are bounded by the struct's fixed
 * arrays, histograms must be consistent (bucket counts summing to count,
 * min and max inside the first and last bucket), strings must fit their
 * char arrays.  Unknown keys are ignored (a newer writer of the same schema
 * version may add fields).  Leaves to others: the file (record.c), the
 * field names (render_json.c writes them).
 *
 * Memory: arrays that report__free() frees with free() (ops, pids, threads,
 * bio, findings, alerts, spans) are calloc'd; everything else the report
 * points to (strings, op_infos, histograms, series, filesystems) comes from
 * report__alloc and friends.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "report_json.h"

#define PATH_LEN 160

struct rd {
	struct report *r;
	char *err;
	size_t errlen;
	int failed; /* 0, -EINVAL or -ENOMEM: the first error wins */
};

static void __attribute__((format(printf, 3, 4))) fail(struct rd *rd, int err, const char *fmt,
							 ...)
{
	va_list ap;

	if (rd->failed)
		return;
	rd->failed = err;
	if (rd->err && rd->errlen) {
		va_start(ap, fmt);
		vsnprintf(rd->err, rd->errlen, fmt, ap);
		va_end(ap);
	}
}

/* dst = at followed by fmt (truncated to PATH_LEN; dst may be at). */
static void __attribute__((format(printf, 3, 4))) subpath(char *dst, const char *at,
							   const char *fmt, ...)
{
	char tail[PATH_LEN];
	va_list ap;
	size_t n = strnlen(at, PATH_LEN - 1);

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	memmove(dst, at, n);
	dst[n] = '\0';
	strncat(dst, tail, PATH_LEN - 1 - n);
}

static void nomem(struct rd *rd)
{
	fail(rd, -ENOMEM, "out of memory");
}

/* obj[key]; a missing key (or a non-object parent) is an error. */
static const json_t *get(struct rd *rd, const json_t *obj, const char *at, const char *key)
{
	const json_t *v;

	if (rd->failed)
		return NULL;
	if (!json_is_object(obj)) {
		fail(rd, -EINVAL, "%s: expected an object", at);
		return NULL;
	}
	v = json_object_get(obj, key);
	if (!v)
		fail(rd, -EINVAL, "%s.%s: missing", at, key);
	return v;
}

static void bad(struct rd *rd, const char *at, const char *key, const char *what)
{
	fail(rd, -EINVAL, "%s.%s: expected %s", at, key, what);
}

/* A u64: an integer >= 0, or a decimal string (values above INT64_MAX). */
static bool u64_of(const json_t *v, uint64_t *out)
{
	const char *s;
	char *end;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return false;
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

static uint64_t rd_u64(struct rd *rd, const json_t *o, const char *at, const char *key)
{
	const json_t *v = get(rd, o, at, key);
	uint64_t x = 0;

	if (v && !u64_of(v, &x))
		bad(rd, at, key, "an unsigned integer");
	return rd->failed ? 0 : x;
}

static uint64_t rd_umax(struct rd *rd, const json_t *o, const char *at, const char *key,
			uint64_t max)
{
	uint64_t x = rd_u64(rd, o, at, key);

	if (x > max) {
		fail(rd, -EINVAL, "%s.%s: %llu is out of range (max %llu)", at, key,
		     (unsigned long long)x, (unsigned long long)max);
		return 0;
	}
	return x;
}

static int64_t rd_int_range(struct rd *rd, const json_t *o, const char *at, const char *key,
			    int64_t min, int64_t max)
{
	const json_t *v = get(rd, o, at, key);
	json_int_t x;

	if (!v)
		return 0;
	if (!json_is_integer(v)) {
		bad(rd, at, key, "an integer");
		return 0;
	}
	x = json_integer_value(v);
	if (x < min || x > max) {
		fail(rd, -EINVAL, "%s.%s: %lld is out of range", at, key, (long long)x);
		return 0;
	}
	return x;
}

/* A signed integer that may be null (null reads as -1: "unknown"). */
static int64_t rd_i64_or_unknown(struct rd *rd, const json_t *o, const char *at, const char *key)
{
	const json_t *v = get(rd, o, at, key);

	if (json_is_null(v))
		return -1;
	return rd_int_range(rd, o, at, key, INT64_MIN, INT64_MAX);
}

/* A number; null (what the writer makes of NaN and infinities) reads as NaN. */
static double rd_dbl(struct rd *rd, const json_t *o, const char *at, const char *key)
{
	const json_t *v = get(rd, o, at, key);

	if (!v || json_is_null(v))
		return v ? NAN : 0;
	if (!json_is_number(v)) {
		bad(rd, at, key, "a number");
		return 0;
	}
	return json_number_value(v);
}

static bool rd_bool(struct rd *rd, const json_t *o, const char *at, const char *key)
{
	const json_t *v = get(rd, o, at, key);

	if (v && !json_is_boolean(v))
		bad(rd, at, key, "true or false");
	return v && json_is_true(v);
}

/* A string copied into the report; null reads as NULL when nullable. */
static const char *rd_str(struct rd *rd, const json_t *o, const char *at, const char *key,
			  bool nullable)
{
	const json_t *v = get(rd, o, at, key);
	char *s;

	if (!v || (nullable && json_is_null(v)))
		return NULL;
	if (!json_is_string(v)) {
		bad(rd, at, key, nullable ? "a string or null" : "a string");
		return NULL;
	}
	s = report__strdup(rd->r, json_string_value(v));
	if (!s)
		nomem(rd);
	return s;
}

/* A string into a char array of size n (it must fit). */
static void rd_chars(struct rd *rd, const json_t *o, const char *at, const char *key, char *buf,
		     size_t n)
{
	const json_t *v = get(rd, o, at, key);

	if (!v)
		return;
	if (!json_is_string(v)) {
		bad(rd, at, key, "a string");
		return;
	}
	if (json_string_length(v) >= n) {
		fail(rd, -EINVAL, "%s.%s: longer than %zu bytes", at, key, n - 1);
		return;
	}
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
}

/* An object member; NULL (no error) for null when nullable. */
static const json_t *rd_obj(struct rd *rd, const json_t *o, const char *at, const char *key,
			    bool nullable)
{
	const json_t *v = get(rd, o, at, key);

	if (!v || (nullable && json_is_null(v)))
		return NULL;
	if (!json_is_object(v)) {
		bad(rd, at, key, nullable ? "an object or null" : "an object");
		return NULL;
	}
	return v;
}

/* An array member of at most max entries; its length in *n. */
static const json_t *rd_arr(struct rd *rd, const json_t *o, const char *at, const char *key,
			    size_t max, size_t *n)
{
	const json_t *v = get(rd, o, at, key);

	*n = 0;
	if (!v)
		return NULL;
	if (!json_is_array(v)) {
		bad(rd, at, key, "an array");
		return NULL;
	}
	if (json_array_size(v) > max) {
		fail(rd, -EINVAL, "%s.%s: more than %zu entries", at, key, max);
		return NULL;
	}
	*n = json_array_size(v);
	return v;
}

/* calloc'd array of n entries (at least one, so NULL means ENOMEM). */
static void *rd_calloc(struct rd *rd, size_t n, size_t size)
{
	void *p;

	if (rd->failed)
		return NULL;
	p = calloc(n ? n : 1, size);
	if (!p)
		nomem(rd);
	return p;
}

/* One of names[0..n) -> its index. */
static int rd_name(struct rd *rd, const json_t *o, const char *at, const char *key,
		   const char *(*name_of)(int), int n)
{
	const json_t *v = get(rd, o, at, key);

	if (!v)
		return 0;
	if (json_is_string(v))
		for (int i = 0; i < n; i++)
			if (!strcmp(json_string_value(v), name_of(i)))
				return i;
	bad(rd, at, key, "a known name");
	return 0;
}

static const char *trend_dir_of(int dir)
{
	/* Local until trend.c lands with trend__dir_name (same names). */
	static const char *const names[] = { "unknown", "stable", "increasing", "decreasing" };

	return names[dir];
}

static const char *error_mode_of(int m)
{
	static const char *const names[] = {
		[PROBE_ERR_NONE] = "none", [PROBE_ERR_RET_LT0] = "ret<0",
		[PROBE_ERR_RET_EQ0] = "ret==0", [PROBE_ERR_RET_NE0] = "ret!=0",
	};

	return names[m];
}

static const char *cpu_mode_of(int m)
{
	return sysmon__cpu_mode_name(m);
}

/*
 * {count, sum, min, max, buckets: [[index, count], ...]} into h (empty,
 * initialised).  Indexes strictly increase; counts sum to count; a
 * non-empty histogram's min and max lie in its first and last bucket.
 */
static void rd_hist(struct rd *rd, const json_t *o, const char *at, struct hist *h)
{
	uint64_t count = rd_u64(rd, o, at, "count"), sum = rd_u64(rd, o, at, "sum");
	uint64_t min = rd_u64(rd, o, at, "min"), max = rd_u64(rd, o, at, "max"), total = 0;
	size_t n, first = 0, last = 0;
	const json_t *b = rd_arr(rd, o, at, "buckets", HIST_BUCKETS, &n);

	for (size_t i = 0; !rd->failed && i < n; i++) {
		const json_t *row = json_array_get(b, i);
		uint64_t idx, cnt;

		if (!json_is_array(row) || json_array_size(row) != 2 ||
		    !u64_of(json_array_get(row, 0), &idx) || !u64_of(json_array_get(row, 1), &cnt) ||
		    idx >= HIST_BUCKETS || cnt == 0 || (i && idx <= last)) {
			fail(rd, -EINVAL,
			     "%s.buckets[%zu]: expected [bucket index, count > 0] in increasing order",
			     at, i);
			return;
		}
		if (!i)
			first = idx;
		last = idx;
		if (total + cnt < total) {
			fail(rd, -EINVAL, "%s.buckets: counts overflow", at);
			return;
		}
		total += cnt;
		if (hist__add_n(h, hist__bucket_low(idx), cnt)) {
			nomem(rd);
			return;
		}
	}
	if (rd->failed)
		return;
	if (total != count) {
		fail(rd, -EINVAL, "%s: buckets hold %llu values, count is %llu", at,
		     (unsigned long long)total, (unsigned long long)count);
		return;
	}
	if (count && (min > max || min < hist__bucket_low(first) || max > hist__bucket_high(last))) {
		fail(rd, -EINVAL, "%s: min and max do not match the buckets", at);
		return;
	}
	h->sum = sum;
	h->min = min;
	h->max = max;
}

static void rd_meta(struct rd *rd, const json_t *o, struct report_meta *m)
{
	const char *at = "report.meta";

	m->kind = rd_str(rd, o, at, "kind", true);
	m->window_s = rd_dbl(rd, o, at, "window_s");
	m->elapsed_s = rd_dbl(rd, o, at, "elapsed_s");
	m->start_unix_ns = rd_int_range(rd, o, at, "start_unix_ns", INT64_MIN, INT64_MAX);
	m->end_unix_ns = rd_int_range(rd, o, at, "end_unix_ns", INT64_MIN, INT64_MAX);
	m->attach_mode = rd_str(rd, o, at, "attach_mode", true);
	m->nr_probes = rd_umax(rd, o, at, "nr_probes", SIZE_MAX);
	m->bias_emulated_ns = rd_i64_or_unknown(rd, o, at, "bias_emulated_ns");
	m->bias_stepped_ns = rd_i64_or_unknown(rd, o, at, "bias_stepped_ns");
	m->compensated = rd_bool(rd, o, at, "compensated");
	m->command = rd_str(rd, o, at, "command", true);
	m->cmd_exited = rd_bool(rd, o, at, "cmd_exited");
	m->cmd_status = rd_int_range(rd, o, at, "cmd_status", INT_MIN, INT_MAX);
	m->host = rd_str(rd, o, at, "host", true);
	m->kernel = rd_str(rd, o, at, "kernel", true);
	m->optrace_args = rd_str(rd, o, at, "optrace_args", true);
	m->clock = rd_str(rd, o, at, "clock", true);
	m->tick_s = rd_dbl(rd, o, at, "tick_s");
	m->spans_cap = rd_u64(rd, o, at, "spans_cap");
	m->sample_every = rd_umax(rd, o, at, "sample_every", UINT32_MAX);
	m->show_idle_ops = rd_bool(rd, o, at, "show_idle_ops");
	/* Newer than the format: optional. */
	if (json_is_object(o) && json_object_get(o, "counters")) {
		size_t n;
		const json_t *a = rd_arr(rd, o, at, "counters", OT_NR_CTR, &n);

		for (size_t k = 0; !rd->failed && k < n; k++) {
			const char *name = json_string_value(json_array_get(a, k));

			if (!name || !*name) {
				fail(rd, -EINVAL, "%s.counters[%zu]: expected a counter name", at, k);
				return;
			}
			m->counter_names[k] = report__strdup(rd->r, name);
			if (!m->counter_names[k])
				nomem(rd);
		}
		m->ncounters = n;
	}
	if (json_is_object(o) && json_object_get(o, "counters_absent"))
		m->counters_absent = rd_str(rd, o, at, "counters_absent", true);
}

static void rd_loss(struct rd *rd, const json_t *o, struct report_loss *l)
{
	const char *at = "report.loss";

	l->spans_produced = rd_u64(rd, o, at, "spans_produced");
	l->spans_lost = rd_u64(rd, o, at, "spans_lost");
	l->proc_lost = rd_u64(rd, o, at, "proc_lost");
	l->stack_overflow = rd_u64(rd, o, at, "stack_overflow");
	l->stack_mismatch = rd_u64(rd, o, at, "stack_mismatch");
	l->threads_full = rd_u64(rd, o, at, "threads_full");
	l->tgids_full = rd_u64(rd, o, at, "tgids_full");
	l->bio_lost = rd_u64(rd, o, at, "bio_lost");
	l->bio_stale = rd_u64(rd, o, at, "bio_stale");
	l->bio_mapfull = rd_u64(rd, o, at, "bio_mapfull");
	l->split_bad = rd_u64(rd, o, at, "split_bad");
	/* Newer than the format: optional. */
	if (json_is_object(o) && json_object_get(o, "split_unseen"))
		l->split_unseen = rd_u64(rd, o, at, "split_unseen");
	if (json_is_object(o) && json_object_get(o, "ctr_unseen"))
		l->ctr_unseen = rd_u64(rd, o, at, "ctr_unseen");
	l->bad_records = rd_u64(rd, o, at, "bad_records");
}

static void rd_acct(struct rd *rd, const json_t *o, const char *at, struct ot_acct *a)
{
	a->oncpu_ns = rd_u64(rd, o, at, "oncpu_ns");
	a->runq_ns = rd_u64(rd, o, at, "runq_ns");
	a->iowait_ns = rd_u64(rd, o, at, "iowait_ns");
	a->offcpu_ns = rd_u64(rd, o, at, "offcpu_ns");
	a->runq_waits = rd_u64(rd, o, at, "runq_waits");
	a->switches = rd_u64(rd, o, at, "switches");
}

static void rd_task(struct rd *rd, const json_t *o, const char *at, struct sysmon_task *t)
{
	char state[2] = "";

	t->id = rd_int_range(rd, o, at, "id", INT_MIN, INT_MAX);
	rd_chars(rd, o, at, "state", state, sizeof(state));
	t->state = state[0];
	rd_chars(rd, o, at, "comm", t->comm, sizeof(t->comm));
	t->utime_ns = rd_u64(rd, o, at, "utime_ns");
	t->stime_ns = rd_u64(rd, o, at, "stime_ns");
	t->minflt = rd_u64(rd, o, at, "minflt");
	t->majflt = rd_u64(rd, o, at, "majflt");
	t->starttime_ns = rd_u64(rd, o, at, "starttime_ns");
	t->has_ctxsw = rd_bool(rd, o, at, "has_ctxsw");
	t->vol_ctxsw = rd_u64(rd, o, at, "vol_ctxsw");
	t->nonvol_ctxsw = rd_u64(rd, o, at, "nonvol_ctxsw");
}

static void rd_sysmon_pid(struct rd *rd, const json_t *o, const char *at, struct sysmon_pid *p)
{
	char sub[PATH_LEN];

	subpath(sub, at, ".task");
	rd_task(rd, rd_obj(rd, o, at, "task", false), sub, &p->task);
	p->ppid = rd_int_range(rd, o, at, "ppid", INT_MIN, INT_MAX);
	p->num_threads = rd_umax(rd, o, at, "num_threads", UINT32_MAX);
	p->has_rss = rd_bool(rd, o, at, "has_rss");
	p->rss_bytes = rd_u64(rd, o, at, "rss_bytes");
	p->hwm_bytes = rd_u64(rd, o, at, "hwm_bytes");
	p->has_io = rd_bool(rd, o, at, "has_io");
	p->read_bytes = rd_u64(rd, o, at, "read_bytes");
	p->write_bytes = rd_u64(rd, o, at, "write_bytes");
	p->rchar = rd_u64(rd, o, at, "rchar");
	p->wchar = rd_u64(rd, o, at, "wchar");
	p->has_fds = rd_bool(rd, o, at, "has_fds");
	p->nfds = rd_umax(rd, o, at, "nfds", UINT32_MAX);
	p->has_fd_limit = rd_bool(rd, o, at, "has_fd_limit");
	p->fd_limit = rd_u64(rd, o, at, "fd_limit");
}

static void rd_pid_rates(struct rd *rd, const json_t *o, const char *at,
			 struct sysmon_pid_rates *r)
{
	r->cpu_user_pct = rd_dbl(rd, o, at, "cpu_user_pct");
	r->cpu_sys_pct = rd_dbl(rd, o, at, "cpu_sys_pct");
	r->cpu_pct = rd_dbl(rd, o, at, "cpu_pct");
	r->minflt_per_s = rd_dbl(rd, o, at, "minflt_per_s");
	r->majflt_per_s = rd_dbl(rd, o, at, "majflt_per_s");
	r->has_ctxsw = rd_bool(rd, o, at, "has_ctxsw");
	r->vol_ctxsw_per_s = rd_dbl(rd, o, at, "vol_ctxsw_per_s");
	r->nonvol_ctxsw_per_s = rd_dbl(rd, o, at, "nonvol_ctxsw_per_s");
	r->has_io = rd_bool(rd, o, at, "has_io");
	r->read_bytes_per_s = rd_dbl(rd, o, at, "read_bytes_per_s");
	r->write_bytes_per_s = rd_dbl(rd, o, at, "write_bytes_per_s");
	r->rchar_per_s = rd_dbl(rd, o, at, "rchar_per_s");
	r->wchar_per_s = rd_dbl(rd, o, at, "wchar_per_s");
}

static void rd_threads(struct rd *rd, const json_t *raw, const char *at, struct report_pid *p)
{
	char sub[PATH_LEN];
	size_t n;
	const json_t *arr = rd_arr(rd, raw, at, "threads", SIZE_MAX / 2, &n);

	if (!arr || !(p->threads = rd_calloc(rd, n, sizeof(*p->threads))))
		return;
	p->nthreads = n;
	for (size_t i = 0; !rd->failed && i < n; i++) {
		const json_t *t = json_array_get(arr, i), *acct;
		struct res_thread *rt = &p->threads[i];

		subpath(sub, at, ".threads[%zu]", i);
		rt->tgid = rd_umax(rd, t, sub, "tgid", UINT32_MAX);
		rt->tid = rd_umax(rd, t, sub, "tid", UINT32_MAX);
		rd_chars(rd, t, sub, "comm", rt->comm, sizeof(rt->comm));
		rt->alive = rd_bool(rd, t, sub, "alive");
		rt->has_cpu = rd_bool(rd, t, sub, "has_cpu");
		rt->cpu_pct = rd_dbl(rd, t, sub, "cpu_pct");
		acct = rd_obj(rd, t, sub, "acct", false);
		subpath(sub, sub, ".acct");
		rd_acct(rd, acct, sub, &rt->acct);
	}
}

static void rd_bio(struct rd *rd, const json_t *raw, const char *at, struct report_pid *p)
{
	char sub[PATH_LEN];
	size_t n;
	const json_t *arr = rd_arr(rd, raw, at, "bio", SIZE_MAX / 2, &n);

	if (!arr || !(p->bio = rd_calloc(rd, n, sizeof(*p->bio))))
		return;
	p->nbio = n;
	for (size_t i = 0; !rd->failed && i < n; i++) {
		const json_t *b = json_array_get(arr, i);
		struct report_bio *o = &p->bio[i];

		subpath(sub, at, ".bio[%zu]", i);
		o->dev = rd_umax(rd, b, sub, "dev", UINT32_MAX);
		o->dev_name = rd_str(rd, b, sub, "dev_name", true);
		o->op = rd_str(rd, b, sub, "op", true);
		o->count = rd_u64(rd, b, sub, "count");
		o->bytes = rd_u64(rd, b, sub, "bytes");
		o->errors = rd_u64(rd, b, sub, "errors");
		o->iops = rd_dbl(rd, b, sub, "iops");
		o->bytes_rate = rd_dbl(rd, b, sub, "bytes_rate");
		o->p50 = rd_u64(rd, b, sub, "p50");
		o->p90 = rd_u64(rd, b, sub, "p90");
		o->p99 = rd_u64(rd, b, sub, "p99");
		o->max = rd_u64(rd, b, sub, "max");
		o->svc_p50 = rd_u64(rd, b, sub, "svc_p50");
		o->svc_p99 = rd_u64(rd, b, sub, "svc_p99");
		o->queue_mean = rd_dbl(rd, b, sub, "queue_mean");
	}
}

static void rd_pid(struct rd *rd, const json_t *o, const char *at, struct report_pid *p)
{
	char raw_at[PATH_LEN], res_at[PATH_LEN], sub[PATH_LEN];
	const json_t *raw, *res;
	const json_t *eff = get(rd, o, at, "efficiency");

	hist__init(&p->res.runq);
	p->pid = rd_umax(rd, o, at, "pid", UINT32_MAX);
	p->comm = rd_str(rd, o, at, "comm", true);
	p->exited = rd_bool(rd, o, at, "exited");
	p->exit_code = rd_int_range(rd, o, at, "exit_code", INT_MIN, INT_MAX);
	p->calls = rd_u64(rd, o, at, "calls");
	p->efficiency = json_is_null(eff) ? -1 : rd_dbl(rd, o, at, "efficiency");

	subpath(raw_at, at, ".raw");
	raw = rd_obj(rd, o, at, "raw", false);
	p->has_res = rd_bool(rd, raw, raw_at, "has_res");
	p->runq_count = rd_u64(rd, raw, raw_at, "runq_count");
	p->runq_p50 = rd_u64(rd, raw, raw_at, "runq_p50");
	p->runq_p90 = rd_u64(rd, raw, raw_at, "runq_p90");
	p->runq_p99 = rd_u64(rd, raw, raw_at, "runq_p99");
	p->runq_max = rd_u64(rd, raw, raw_at, "runq_max");

	subpath(res_at, raw_at, ".res");
	res = rd_obj(rd, raw, raw_at, "res", false);
	p->res.pid = rd_umax(rd, res, res_at, "pid", UINT32_MAX);
	p->res.has_proc = rd_bool(rd, res, res_at, "has_proc");
	p->res.rss_peak_bytes = rd_u64(rd, res, res_at, "rss_peak_bytes");
	p->res.has_acct = rd_bool(rd, res, res_at, "has_acct");
	p->res.has_rss_start = rd_bool(rd, res, res_at, "has_rss_start");
	p->res.rss_start_bytes = rd_u64(rd, res, res_at, "rss_start_bytes");
	p->res.has_cgroup = rd_bool(rd, res, res_at, "has_cgroup");
	p->res.cpu_quota = rd_dbl(rd, res, res_at, "cpu_quota");
	p->res.has_throttle = rd_bool(rd, res, res_at, "has_throttle");
	p->res.cg_periods = rd_u64(rd, res, res_at, "cg_periods");
	p->res.cg_throttled = rd_u64(rd, res, res_at, "cg_throttled");
	p->res.cg_throttled_ns = rd_u64(rd, res, res_at, "cg_throttled_ns");
	p->res.throttled_share = rd_dbl(rd, res, res_at, "throttled_share");
	subpath(sub, res_at, ".now");
	rd_sysmon_pid(rd, rd_obj(rd, res, res_at, "now", false), sub, &p->res.now);
	subpath(sub, res_at, ".rates");
	rd_pid_rates(rd, rd_obj(rd, res, res_at, "rates", false), sub, &p->res.rates);
	subpath(sub, res_at, ".acct");
	rd_acct(rd, rd_obj(rd, res, res_at, "acct", false), sub, &p->res.acct);
	subpath(sub, res_at, ".runq");
	rd_hist(rd, rd_obj(rd, res, res_at, "runq", false), sub, &p->res.runq);
	rd_threads(rd, raw, raw_at, p);
	rd_bio(rd, raw, raw_at, p);
}

static void rd_split(struct rd *rd, const json_t *o, const char *at, struct report_split *s)
{
	s->calls = rd_u64(rd, o, at, "calls");
	s->wall_mean = rd_dbl(rd, o, at, "wall_mean_ns");
	s->oncpu_mean = rd_dbl(rd, o, at, "oncpu_mean_ns");
	s->runq_mean = rd_dbl(rd, o, at, "runq_mean_ns");
	s->iowait_mean = rd_dbl(rd, o, at, "iowait_mean_ns");
	s->offcpu_mean = rd_dbl(rd, o, at, "offcpu_mean_ns");
	s->oncpu_share = rd_dbl(rd, o, at, "oncpu_share");
	s->runq_share = rd_dbl(rd, o, at, "runq_share");
	s->iowait_share = rd_dbl(rd, o, at, "iowait_share");
	s->offcpu_share = rd_dbl(rd, o, at, "offcpu_share");
}

static void rd_trend(struct rd *rd, const json_t *o, const char *at, const char *key,
		     struct trend *t)
{
	char sub[PATH_LEN];
	const json_t *j = rd_obj(rd, o, at, key, false);

	subpath(sub, at, ".%s", key);
	t->dir = rd_name(rd, j, sub, "dir", trend_dir_of, 4);
	t->npoints = rd_umax(rd, j, sub, "npoints", UINT_MAX);
	t->mean = rd_dbl(rd, j, sub, "mean");
	t->slope = rd_dbl(rd, j, sub, "slope");
	t->slope_rel = rd_dbl(rd, j, sub, "slope_rel");
	t->p_value = rd_dbl(rd, j, sub, "p_value");
	t->cv = rd_dbl(rd, j, sub, "cv");
	t->slope_se = rd_dbl(rd, j, sub, "slope_se");
}

static void rd_errs(struct rd *rd, const json_t *o, const char *at, struct report_op *op)
{
	char sub[PATH_LEN];
	size_t n;
	const json_t *arr = rd_arr(rd, o, at, "errors_by_code", AGG_MAX_ERRCODES + 1, &n);

	op->nerrs = n;
	for (size_t i = 0; !rd->failed && i < n; i++) {
		const json_t *e = json_array_get(arr, i);

		subpath(sub, at, ".errors_by_code[%zu]", i);
		op->errs[i].code = rd_int_range(rd, e, sub, "code", INT64_MIN, INT64_MAX);
		rd_chars(rd, e, sub, "name", op->errs[i].name, sizeof(op->errs[i].name));
		op->errs[i].count = rd_u64(rd, e, sub, "count");
	}
}

static void rd_series(struct rd *rd, const json_t *o, const char *at, struct report_op *op)
{
	char sub[PATH_LEN];
	size_t n;
	const json_t *arr = rd_arr(rd, o, at, "series", SERIES_MAX_POINTS, &n);
	struct series_point *pts;

	if (!arr || !n)
		return;
	pts = report__alloc(rd->r, n * sizeof(*pts));
	if (!pts) {
		nomem(rd);
		return;
	}
	for (size_t i = 0; !rd->failed && i < n; i++) {
		const json_t *p = json_array_get(arr, i);

		subpath(sub, at, ".series[%zu]", i);
		pts[i].t_s = rd_dbl(rd, p, sub, "t_s");
		pts[i].window_s = rd_dbl(rd, p, sub, "window_s");
		pts[i].calls = rd_u64(rd, p, sub, "calls");
		pts[i].errors = rd_u64(rd, p, sub, "errors");
		pts[i].p50 = rd_u64(rd, p, sub, "p50");
		pts[i].p95 = rd_u64(rd, p, sub, "p95");
		pts[i].p99 = rd_u64(rd, p, sub, "p99");
		pts[i].mean = rd_dbl(rd, p, sub, "mean");
	}
	op->series = pts;
	op->nseries = n;
}

static void rd_op(struct rd *rd, const json_t *o, const char *at, struct report_op *op)
{
	char sub[PATH_LEN];
	struct op_info *info = report__alloc(rd->r, sizeof(*info));
	const json_t *lat, *j;
	struct hist *h;

	if (!info) {
		nomem(rd);
		return;
	}
	op->info = info;
	op->pid = rd_umax(rd, o, at, "pid", UINT32_MAX);
	op->comm = rd_str(rd, o, at, "comm", true);
	info->name = rd_str(rd, o, at, "name", false);
	info->category = rd_str(rd, o, at, "category", true);
	info->func = rd_str(rd, o, at, "func", true);
	info->path = rd_str(rd, o, at, "path", true);
	info->endbr_skipped = rd_bool(rd, o, at, "endbr_skipped");
	info->counted = rd_bool(rd, o, at, "counted");
	info->ifunc = rd_bool(rd, o, at, "ifunc");
	info->error_mode = rd_name(rd, o, at, "error_mode", error_mode_of, 4);
	info->bytes_src = rd_umax(rd, o, at, "bytes_src", UINT_MAX);
	info->insn_class = rd_umax(rd, o, at, "insn_class", CALIB_NR_CLASSES - 1);
	op->calls = rd_u64(rd, o, at, "calls");
	op->rate = rd_dbl(rd, o, at, "rate");
	op->errors = rd_u64(rd, o, at, "errors");
	op->err_rate = rd_dbl(rd, o, at, "error_rate");
	rd_errs(rd, o, at, op);
	op->bytes = rd_u64(rd, o, at, "bytes");
	op->bytes_rate = rd_dbl(rd, o, at, "bytes_rate");

	/* An op with no calls has null latencies: every figure is 0 then. */
	subpath(sub, at, ".latency_ns");
	lat = rd_obj(rd, o, at, "latency_ns", false);
	if (lat && op->calls) {
		op->min = rd_u64(rd, lat, sub, "min");
		op->mean = rd_dbl(rd, lat, sub, "mean");
		op->p50 = rd_u64(rd, lat, sub, "p50");
		op->p90 = rd_u64(rd, lat, sub, "p90");
		op->p95 = rd_u64(rd, lat, sub, "p95");
		op->p99 = rd_u64(rd, lat, sub, "p99");
		op->p999 = rd_u64(rd, lat, sub, "p99_9");
		op->max = rd_u64(rd, lat, sub, "max");
		op->self_mean = rd_dbl(rd, lat, sub, "self_mean");
	}
	subpath(sub, at, ".time_split");
	j = rd_obj(rd, o, at, "time_split", true);
	op->has_split = j != NULL;
	if (j) {
		char s2[PATH_LEN];

		subpath(s2, sub, ".all");
		rd_split(rd, rd_obj(rd, j, sub, "all", false), s2, &op->split_all);
		subpath(s2, sub, ".tail");
		rd_split(rd, rd_obj(rd, j, sub, "tail", false), s2, &op->split_tail);
		op->tail_threshold_ns = rd_u64(rd, j, sub, "tail_threshold_ns");
	}
	subpath(sub, at, ".per_call");
	j = rd_obj(rd, o, at, "per_call", true);
	op->has_counts = j != NULL;
	if (j) {
		op->nvcsw_per_call = rd_dbl(rd, j, sub, "voluntary_switches");
		op->nivcsw_per_call = rd_dbl(rd, j, sub, "involuntary_switches");
		op->minflt_per_call = rd_dbl(rd, j, sub, "minor_faults");
		op->majflt_per_call = rd_dbl(rd, j, sub, "major_faults");
	}
	subpath(sub, at, ".counters");
	j = json_is_object(o) && json_object_get(o, "counters") ?
		    rd_obj(rd, o, at, "counters", true) : NULL;
	for (size_t k = 0; j && !rd->failed && k < rd->r->meta.ncounters; k++) {
		const char *name = rd->r->meta.counter_names[k];
		char s2[PATH_LEN];
		const json_t *c = rd_obj(rd, j, sub, name, false), *hj;

		if (!c)
			break;
		subpath(s2, sub, ".%s", name);
		op->ctr[k].calls = rd_u64(rd, c, s2, "calls");
		if (!op->ctr[k].calls)
			continue;
		op->ctr[k].mean = rd_dbl(rd, c, s2, "mean");
		op->ctr[k].p50 = rd_u64(rd, c, s2, "p50");
		op->ctr[k].p99 = rd_u64(rd, c, s2, "p99");
		hj = rd_obj(rd, c, s2, "hist", true);
		if (hj) {
			struct hist *ch = report__hist(rd->r);
			char s3[PATH_LEN];

			if (!ch) {
				nomem(rd);
				break;
			}
			subpath(s3, s2, ".hist");
			rd_hist(rd, hj, s3, ch);
			op->ctr[k].h = ch;
		}
	}
	op->probe_insn = rd_str(rd, o, at, "probe_insn", true);
	op->bias_ns = rd_i64_or_unknown(rd, o, at, "bias_ns");
	op->compensated = rd_bool(rd, o, at, "compensated");
	subpath(sub, at, ".trends");
	j = rd_obj(rd, o, at, "trends", true);
	op->has_trends = j != NULL;
	if (j) {
		rd_trend(rd, j, sub, "p50", &op->trend_p50);
		rd_trend(rd, j, sub, "p99", &op->trend_p99);
		rd_trend(rd, j, sub, "rate", &op->trend_rate);
		rd_trend(rd, j, sub, "error_rate", &op->trend_err_rate);
	}
	subpath(sub, at, ".latency_hist");
	j = rd_obj(rd, o, at, "latency_hist", false);
	if (j) {
		h = report__hist(rd->r);
		if (!h)
			nomem(rd);
		rd_hist(rd, j, sub, h);
		op->lat = h;
	}
	rd_series(rd, o, at, op);
}

static void rd_finding(struct rd *rd, const json_t *o, const char *at, struct finding *f)
{
	char sub[PATH_LEN];
	size_t n;
	const json_t *ev;

	rd_chars(rd, o, at, "rule", f->rule, sizeof(f->rule));
	f->severity = rd_name(rd, o, at, "severity", severity__name, 3);
	f->subject_kind = rd_name(rd, o, at, "subject_kind", subject_kind__name, 4);
	f->pid = rd_umax(rd, o, at, "pid", UINT32_MAX);
	rd_chars(rd, o, at, "op", f->op, sizeof(f->op));
	rd_chars(rd, o, at, "device", f->device, sizeof(f->device));
	rd_chars(rd, o, at, "subject", f->subject, sizeof(f->subject));
	rd_chars(rd, o, at, "summary", f->summary, sizeof(f->summary));
	rd_chars(rd, o, at, "recommendation", f->recommendation, sizeof(f->recommendation));
	ev = rd_arr(rd, o, at, "evidence", FINDING_MAX_EVIDENCE, &n);
	f->nev = n;
	for (size_t i = 0; !rd->failed && i < n; i++) {
		const json_t *e = json_array_get(ev, i);

		subpath(sub, at, ".evidence[%zu]", i);
		rd_chars(rd, e, sub, "name", f->ev[i].name, sizeof(f->ev[i].name));
		f->ev[i].value = rd_dbl(rd, e, sub, "value");
		rd_chars(rd, e, sub, "unit", f->ev[i].unit, sizeof(f->ev[i].unit));
	}
	f->impact = rd_dbl(rd, o, at, "impact");
}

static void rd_alert(struct rd *rd, const json_t *o, const char *at, struct alert_event *a)
{
	rd_chars(rd, o, at, "name", a->name, sizeof(a->name));
	a->severity = rd_name(rd, o, at, "severity", severity__name, 3);
	a->subject_kind = rd_name(rd, o, at, "subject_kind", subject_kind__name, 4);
	a->pid = rd_umax(rd, o, at, "pid", UINT32_MAX);
	rd_chars(rd, o, at, "op", a->op, sizeof(a->op));
	rd_chars(rd, o, at, "subject", a->subject, sizeof(a->subject));
	rd_chars(rd, o, at, "metric", a->metric, sizeof(a->metric));
	rd_chars(rd, o, at, "cmp", a->cmp, sizeof(a->cmp));
	a->value = rd_dbl(rd, o, at, "value");
	a->threshold = rd_dbl(rd, o, at, "threshold");
	a->for_s = rd_dbl(rd, o, at, "for_s");
	a->t_s = rd_dbl(rd, o, at, "t_s");
	a->unix_ns = rd_int_range(rd, o, at, "unix_ns", INT64_MIN, INT64_MAX);
}

static void rd_ratio(struct rd *rd, const json_t *o, const char *at, struct report_ratio *rr)
{
	const json_t *v;

	rr->pid = rd_umax(rd, o, at, "pid", UINT32_MAX);
	rr->comm = rd_str(rd, o, at, "comm", true);
	rr->label_a = rd_str(rd, o, at, "name_a", false);
	rr->label_b = rd_str(rd, o, at, "name_b", false);
	rr->count_a = rd_u64(rd, o, at, "count_a");
	rr->count_b = rd_u64(rd, o, at, "count_b");
	v = get(rd, o, at, "ratio");
	if (v && json_is_null(v)) {
		rr->ratio = -1;
	} else if (v) {
		rr->ratio = rd_dbl(rd, o, at, "ratio");
		if (!rd->failed && !(rr->ratio >= 0 && rr->ratio <= 1))
			fail(rd, -EINVAL, "%s.ratio: must be 0..1 or null", at);
	}
}

static void rd_span(struct rd *rd, const json_t *o, const char *at, struct report_span *s)
{
	s->pid = rd_umax(rd, o, at, "pid", UINT32_MAX);
	s->tid = rd_umax(rd, o, at, "tid", UINT32_MAX);
	s->op_id = rd_umax(rd, o, at, "op_id", UINT32_MAX);
	s->op = rd_str(rd, o, at, "op", true);
	s->start_ns = rd_u64(rd, o, at, "start_ns");
	s->dur_ns = rd_u64(rd, o, at, "dur_ns");
	s->child_ns = rd_u64(rd, o, at, "child_ns");
	s->ret = rd_int_range(rd, o, at, "ret", INT64_MIN, INT64_MAX);
	s->bytes = rd_u64(rd, o, at, "bytes");
	s->depth = rd_umax(rd, o, at, "depth", UINT32_MAX);
	s->flags = rd_umax(rd, o, at, "flags", UINT32_MAX);
	s->oncpu_ns = rd_u64(rd, o, at, "oncpu_ns");
	s->runq_ns = rd_u64(rd, o, at, "runq_ns");
	s->iowait_ns = rd_u64(rd, o, at, "iowait_ns");
	s->offcpu_ns = rd_u64(rd, o, at, "offcpu_ns");
	s->nvcsw = rd_umax(rd, o, at, "nvcsw", UINT32_MAX);
	s->nivcsw = rd_umax(rd, o, at, "nivcsw", UINT32_MAX);
	s->minflt = rd_umax(rd, o, at, "minflt", UINT32_MAX);
	s->majflt = rd_umax(rd, o, at, "majflt", UINT32_MAX);
	s->error = rd_umax(rd, o, at, "error", UINT32_MAX);
}

static void rd_psi_line(struct rd *rd, const json_t *o, const char *at, const char *key,
			struct sysmon_psi_line *l)
{
	char sub[PATH_LEN];
	const json_t *j = rd_obj(rd, o, at, key, false);

	subpath(sub, at, ".%s", key);
	l->avg10 = rd_dbl(rd, j, sub, "avg10");
	l->avg60 = rd_dbl(rd, j, sub, "avg60");
	l->avg300 = rd_dbl(rd, j, sub, "avg300");
	l->total_us = rd_u64(rd, j, sub, "total_us");
}

static void rd_fs(struct rd *rd, const json_t *o, const char *at, struct sysmon_fs *fs)
{
	/* The report never frees these (a live report borrows them): report__strdup. */
	fs->dev = (char *)rd_str(rd, o, at, "dev", false);
	fs->dir = (char *)rd_str(rd, o, at, "dir", false);
	fs->type = (char *)rd_str(rd, o, at, "type", false);
	fs->devno = rd_u64(rd, o, at, "devno");
	fs->total_bytes = rd_u64(rd, o, at, "total_bytes");
	fs->used_bytes = rd_u64(rd, o, at, "used_bytes");
	fs->avail_bytes = rd_u64(rd, o, at, "avail_bytes");
	fs->used_pct = rd_dbl(rd, o, at, "used_pct");
	fs->has_inodes = rd_bool(rd, o, at, "has_inodes");
	fs->inodes_total = rd_u64(rd, o, at, "inodes_total");
	fs->inodes_used = rd_u64(rd, o, at, "inodes_used");
	fs->inodes_used_pct = rd_dbl(rd, o, at, "inodes_used_pct");
}

static void rd_sys_now(struct rd *rd, const json_t *o, const char *at, struct sysmon_sys *n)
{
	char sub[PATH_LEN], s2[PATH_LEN];
	const json_t *ticks = rd_obj(rd, o, at, "cpu_ticks", false), *psi, *fs;
	size_t nfs;

	subpath(sub, at, ".cpu_ticks");
	for (int m = 0; m < SYSMON_CPU_NR; m++)
		n->cpu_ticks[m] = rd_u64(rd, ticks, sub, sysmon__cpu_mode_name(m));
	n->ncpus = rd_umax(rd, o, at, "ncpus", UINT32_MAX);
	n->procs_running = rd_u64(rd, o, at, "procs_running");
	n->procs_blocked = rd_u64(rd, o, at, "procs_blocked");
	n->mem_total_bytes = rd_u64(rd, o, at, "mem_total_bytes");
	n->mem_free_bytes = rd_u64(rd, o, at, "mem_free_bytes");
	n->mem_available_bytes = rd_u64(rd, o, at, "mem_available_bytes");
	n->swap_total_bytes = rd_u64(rd, o, at, "swap_total_bytes");
	n->swap_free_bytes = rd_u64(rd, o, at, "swap_free_bytes");
	n->has_vmstat = rd_bool(rd, o, at, "has_vmstat");
	n->pswpin = rd_u64(rd, o, at, "pswpin");
	n->pswpout = rd_u64(rd, o, at, "pswpout");
	n->load1 = rd_dbl(rd, o, at, "load1");
	n->load5 = rd_dbl(rd, o, at, "load5");
	n->load15 = rd_dbl(rd, o, at, "load15");
	psi = rd_obj(rd, o, at, "psi", false);
	for (int i = 0; i < SYSMON_PSI_NR; i++) {
		const char *name = sysmon__psi_name(i);
		const json_t *p;

		subpath(sub, at, ".psi");
		p = rd_obj(rd, psi, sub, name, false);
		subpath(s2, at, ".psi.%s", name);
		n->psi[i].present = rd_bool(rd, p, s2, "present");
		n->psi[i].has_full = rd_bool(rd, p, s2, "has_full");
		rd_psi_line(rd, p, s2, "some", &n->psi[i].some);
		rd_psi_line(rd, p, s2, "full", &n->psi[i].full);
	}
	fs = rd_arr(rd, o, at, "fs", SIZE_MAX / 2 / sizeof(*n->fs), &nfs);
	if (!fs || !nfs)
		return;
	n->fs = report__alloc(rd->r, nfs * sizeof(*n->fs));
	if (!n->fs) {
		nomem(rd);
		return;
	}
	n->nfs = nfs;
	for (size_t i = 0; !rd->failed && i < nfs; i++) {
		subpath(sub, at, ".fs[%zu]", i);
		rd_fs(rd, json_array_get(fs, i), sub, &n->fs[i]);
	}
}

static void rd_system(struct rd *rd, const json_t *o, struct res_sys *s)
{
	const char *at = "report.system_raw";
	const json_t *rates, *cpu;

	s->valid = rd_bool(rd, o, at, "valid");
	rd_sys_now(rd, rd_obj(rd, o, at, "now", false), "report.system_raw.now", &s->now);
	rates = rd_obj(rd, o, at, "rates", false);
	at = "report.system_raw.rates";
	cpu = rd_obj(rd, rates, at, "cpu_pct", false);
	for (int m = 0; m < SYSMON_CPU_NR; m++)
		s->rates.cpu_pct[m] = rd_dbl(rd, cpu, "report.system_raw.rates.cpu_pct",
					     cpu_mode_of(m));
	s->rates.cpu_busy_pct = rd_dbl(rd, rates, at, "cpu_busy_pct");
	s->rates.mem_used_pct = rd_dbl(rd, rates, at, "mem_used_pct");
	s->rates.swap_used_pct = rd_dbl(rd, rates, at, "swap_used_pct");
	s->rates.has_swap_io = rd_bool(rd, rates, at, "has_swap_io");
	s->rates.swap_in_pages_per_s = rd_dbl(rd, rates, at, "swap_in_pages_per_s");
	s->rates.swap_out_pages_per_s = rd_dbl(rd, rates, at, "swap_out_pages_per_s");
}

/* Reads report.KEY[], an array of n structs of size sz, with fn on each. */
#define RD_ARRAY(rd, root, key, ptr, cnt, fn)                                                 \
	do {                                                                                  \
		char sub_[PATH_LEN];                                                          \
		size_t n_;                                                                    \
		const json_t *a_ = rd_arr(rd, root, "report", key, SIZE_MAX / 2 / sizeof(*(ptr)), \
					  &n_);                                               \
		if (a_ && ((ptr) = rd_calloc(rd, n_, sizeof(*(ptr))))) {                      \
			(cnt) = n_;                                                           \
			for (size_t i_ = 0; !(rd)->failed && i_ < n_; i_++) {                 \
				subpath(sub_, "report", ".%s[%zu]", key, i_);      \
				fn(rd, json_array_get(a_, i_), sub_, &(ptr)[i_]);             \
			}                                                                     \
		}                                                                             \
	} while (0)

int report__from_json(const json_t *root, struct report *out, char *err, size_t errlen)
{
	struct rd rd = { .r = out, .err = err, .errlen = errlen };
	const json_t *v;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!json_is_object(root)) {
		fail(&rd, -EINVAL, "report: expected an object");
		return rd.failed;
	}
	v = get(&rd, root, "report", "schema");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), "optrace.report")))
		bad(&rd, "report", "schema", "\"optrace.report\"");
	if (rd_umax(&rd, root, "report", "version", REPORT_SCHEMA_VERSION) < 1 && !rd.failed)
		fail(&rd, -EINVAL, "report.version: must be 1..%d", REPORT_SCHEMA_VERSION);
	rd_meta(&rd, rd_obj(&rd, root, "report", "meta", false), &out->meta);
	rd_loss(&rd, rd_obj(&rd, root, "report", "loss", false), &out->loss);
	RD_ARRAY(&rd, root, "pids", out->pids, out->npids, rd_pid);
	RD_ARRAY(&rd, root, "ops", out->ops, out->nops, rd_op);
	/* Records made before --ratio have no "ratios". */
	if (json_is_object(root) && json_object_get(root, "ratios"))
		RD_ARRAY(&rd, root, "ratios", out->ratios, out->nratios, rd_ratio);
	rd_system(&rd, rd_obj(&rd, root, "report", "system_raw", false), &out->sys);
	RD_ARRAY(&rd, root, "findings", out->findings, out->nfindings, rd_finding);
	RD_ARRAY(&rd, root, "alerts", out->alerts, out->nalerts, rd_alert);
	RD_ARRAY(&rd, root, "spans", out->spans, out->nspans, rd_span);
	if (rd.failed)
		report__free(out);
	return rd.failed;
}
