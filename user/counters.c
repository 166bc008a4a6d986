// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * counters.c - perf counters per op call: names, per-CPU pinned events,
 * and why a counter is absent.  See counters.h.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "counters.h"
#include "log.h"

struct ctr_def {
	const char *name;
	__u32 type;
	__u64 config;
	bool user_only; /* exclude the kernel (and the probes' own work) */
};

static const struct ctr_def defs[] = {
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, true },
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, true },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, true },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, true },
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, false },
};

static const struct ctr_def *def_of(const char *name)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

const char *counters__known(void)
{
	return "instructions, cycles, branch-misses, cache-misses, cpu-clock";
}

int counters__parse(const char *list, struct counters *c, char *err, size_t errlen)
{
	char buf[128], *save = NULL, *tok;

	memset(c, 0, sizeof(*c));
	if (!list || !*list) {
		snprintf(err, errlen, "--counters: empty list (known: %s, or none)",
			 counters__known());
		return -EINVAL;
	}
	if (!strcmp(list, "none"))
		return 0;
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--counters: list too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct ctr_def *d = def_of(tok);

		if (!d) {
			snprintf(err, errlen, "--counters: unknown counter '%s' (known: %s)", tok,
				 counters__known());
			return -EINVAL;
		}
		for (size_t i = 0; i < c->nreq; i++) {
			if (c->names[i] == d->name) {
				snprintf(err, errlen, "--counters: '%s' given twice", tok);
				return -EINVAL;
			}
		}
		if (c->nreq == OT_NR_CTR) {
			snprintf(err, errlen, "--counters: at most %d counters", OT_NR_CTR);
			return -EINVAL;
		}
		c->names[c->nreq++] = d->name;
	}
	if (!c->nreq) {
		snprintf(err, errlen, "--counters: empty list (known: %s, or none)",
			 counters__known());
		return -EINVAL;
	}
	return 0;
}

static int perf_open(const struct ctr_def *d, int cpu)
{
	struct perf_event_attr attr = {
		.type = d->type,
		.size = sizeof(attr),
		.config = d->config,
		.pinned = 1,
		.exclude_kernel = d->user_only,
		.exclude_hv = d->user_only,
	};

	return syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

/* Why the machine has no such counter, for the report. */
static const char *hint_of(int err, const struct ctr_def *d)
{
	if (d->type == PERF_TYPE_HARDWARE && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV))
		return access("/sys/bus/event_source/devices/cpu", F_OK) &&
			       access("/sys/bus/event_source/devices/cpu_core", F_OK)
			       ? "no hardware PMU on this machine (a VM without a virtual PMU?)"
			       : "this PMU has no such event";
	if (err == EACCES || err == EPERM)
		return "not permitted (kernel.perf_event_paranoid; run as root or with CAP_PERFMON)";
	if (err == EBUSY || err == EINVAL)
		return "the PMU is busy or cannot pin it (another tool using the counters?)";
	return "perf_event_open failed";
}

/*
 * c->absent: "NAME[, NAME...]: HINT (strerror)" per distinct reason, "; "
 * between them, so that two counters missing for one reason read as one.
 */
static void absent_fmt(struct counters *c, const char *const *names, const char *const *hints,
		       const int *errs, size_t n)
{
	size_t off = 0;
	bool done[OT_NR_CTR] = { false };

	c->absent[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		off += snprintf(c->absent + off, off < sizeof(c->absent) ? sizeof(c->absent) - off : 0,
				"%s%s", off ? "; " : "", names[i]);
		for (size_t j = i + 1; j < n; j++) {
			if (done[j] || errs[j] != errs[i] || strcmp(hints[j], hints[i]))
				continue;
			done[j] = true;
			off += snprintf(c->absent + off, off < sizeof(c->absent) ?
					sizeof(c->absent) - off : 0, ", %s", names[j]);
		}
		off += snprintf(c->absent + off, off < sizeof(c->absent) ? sizeof(c->absent) - off : 0,
				": %s (%s)", hints[i], strerror(errs[i]));
	}
}

int counters__open(struct counters *c)
{
	int ncpus = libbpf_num_possible_cpus();
	const char *miss_names[OT_NR_CTR], *miss_hints[OT_NR_CTR];
	int miss_errs[OT_NR_CTR];
	size_t kept = 0, nmiss = 0;

	c->nopen = 0;
	c->absent[0] = '\0';
	if (ncpus <= 0)
		ncpus = 1;
	c->ncpus = ncpus;
	for (size_t k = 0; k < c->nreq; k++) {
		const struct ctr_def *d = def_of(c->names[k]);
		int *fds = malloc(sizeof(int) * c->ncpus), opened = 0, first_err = 0;

		if (!fds) {
			counters__close(c);
			return -ENOMEM;
		}
		for (size_t cpu = 0; cpu < c->ncpus; cpu++) {
			fds[cpu] = perf_open(d, cpu);
			if (fds[cpu] >= 0)
				opened++;
			else if (!first_err && errno != ENODEV) /* ENODEV: CPU offline */
				first_err = errno;
		}
		if (!opened || first_err) {
			int e = first_err ? first_err : ENODEV;

			close_fds(fds, c->ncpus);
			miss_names[nmiss] = d->name;
			miss_hints[nmiss] = hint_of(e, d);
			miss_errs[nmiss++] = e;
			continue;
		}
		c->names[kept] = d->name;
		c->fds[kept++] = fds;
	}
	c->nopen = kept;
	for (size_t k = kept; k < OT_NR_CTR; k++)
		c->fds[k] = NULL;
	absent_fmt(c, miss_names, miss_hints, miss_errs, nmiss);
	return 0;
}

void counters__close(struct counters *c)
{
	for (size_t k = 0; k < OT_NR_CTR; k++) {
		close_fds(c->fds[k], c->ncpus);
		c->fds[k] = NULL;
	}
	c->nopen = 0;
}
