// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_compare.c - `optrace compare`: options, reading the BASE and CURRENT
 * records, comparing (compare.c), rendering (render_compare.c) and the exit
 * code: 0 pass, 1 regression, 2 usage or input error, 4 inconclusive.
 *
 * Options are parsed by hand rather than with getopt: --base and --current
 * take several files each, which getopt cannot express.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "compare.h"
#include "log.h"
#include "record.h"
#include "render_compare.h"

#define MAX_RECORDS 64
#define MAX_OPS	    64

struct compare_config {
	const char *base[MAX_RECORDS], *cur[MAX_RECORDS];
	size_t nbase, ncur;
	struct cmp_rule rules[CMP_MAX_RULES];
	size_t nrules;
	const char *ops[MAX_OPS];
	size_t nops;
	int format;
	const char *output;
	uint64_t min_calls;
};

static void compare_usage(FILE *f)
{
	fputs("Usage: optrace compare BASE CURRENT [OPTIONS]\n"
	      "       optrace compare --base A [B...] --current C [D...] [OPTIONS]\n"
	      "\n"
	      "Compare two sets of records (optrace record -o FILE) op by op: p50, p90,\n"
	      "p99 and mean latency, on-CPU time per call, and instructions and cycles\n"
	      "per call where the records have them.  Each metric gets its change, a\n"
	      "95% bootstrap confidence interval and a verdict (regressed, improved,\n"
	      "unchanged, inconclusive); a Mann-Whitney U test checks the shift of the\n"
	      "latency distribution.  Several records per side are merged.\n"
	      "\n"
	      "Options:\n"
	      "  --base FILE...       the baseline records (instead of BASE)\n"
	      "  --current FILE...    the candidate records (instead of CURRENT)\n"
	      "  --fail-on RULE       fail when RULE holds; repeatable.  RULE is\n"
	      "                       METRIC>+N% or METRIC<-N% or METRIC>+DURATION (for\n"
	      "                       instructions and cycles: METRIC>+COUNT, e.g. +500,\n"
	      "                       +1.5k), METRIC one of p50 p90 p99 mean oncpu\n"
	      "                       instructions cycles (per call; record with a PMU).\n"
	      "                       Default: --fail-on 'p99>+10%' --fail-on 'mean>+5%'\n"
	      "  --op NAME            compare only this op; repeatable\n"
	      "  --min-calls N        fewer calls on a side is inconclusive (default 30)\n"
	      "  -f, --format FMT     text (default), json, markdown (a PR comment), junit\n"
	      "  -o, --output FILE    write there instead of stdout\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "Exit status: 0 every rule passed; 1 a rule failed (regression); 2 usage\n"
	      "or input error (unreadable or corrupt record); 4 inconclusive (too few\n"
	      "calls, or an interval that straddles a threshold: run longer or more\n"
	      "often).  A metric the records lack (no hardware counters) never fails.\n"
	      "\n"
	      "Examples:\n"
	      "  optrace record -o base.optrace -u ./bench:op -- ./bench 100000\n"
	      "  optrace record -o new.optrace -u ./bench:op -- ./bench 100000\n"
	      "  optrace compare base.optrace new.optrace\n"
	      "  optrace compare base.optrace new.optrace --fail-on 'p99>+10%' --fail-on 'p50>+2ms'\n"
	      "  optrace compare --base b1.optrace b2.optrace --current c1.optrace c2.optrace\n"
	      "  optrace compare base.optrace new.optrace --fail-on 'instructions>+2%'\n"
	      "  optrace compare base.optrace new.optrace -f markdown -o comment.md\n"
	      "  optrace compare base.optrace new.optrace -f junit -o optrace-junit.xml\n"
	      "\n"
	      "docs/compare.md explains the statistics and has a CI example.\n", f);
}

/* "--opt VALUE" or "--opt=VALUE" (and "-fVALUE" for short options). */
static const char *opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);

	if (!strncmp(a, lng, n) && a[n] == '=')
		return a + n + 1;
	if (shrt && !strncmp(a, shrt, 2) && a[2])
		return a + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool is_opt(const char *a, const char *lng, const char *shrt)
{
	size_t n = strlen(lng);

	return (!strncmp(a, lng, n) && (a[n] == 0 || a[n] == '=')) ||
	       (shrt && !strncmp(a, shrt, 2));
}

/* Returns 0, 1 when help was printed, or -EINVAL after one error line. */
static int parse(int argc, char **argv, struct compare_config *cfg)
{
	const char *pos[2];
	size_t npos = 0;
	bool sides = false;
	char err[256];

	cfg->format = CMP_FMT_TEXT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			compare_usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--base") || !strcmp(a, "--current")) {
			bool base = a[2] == 'b';
			const char **dst = base ? cfg->base : cfg->cur;
			size_t *n = base ? &cfg->nbase : &cfg->ncur;

			sides = true;
			while (i + 1 < argc && (argv[i + 1][0] != '-' || !argv[i + 1][1])) {
				if (*n == MAX_RECORDS) {
					pr_err("compare: more than %d records on a side", MAX_RECORDS);
					return -EINVAL;
				}
				dst[(*n)++] = argv[++i];
			}
			if (!*n) {
				pr_err("compare: %s needs at least one record file", a);
				return -EINVAL;
			}
			continue;
		}
		if (is_opt(a, "--fail-on", NULL)) {
			if (!(v = opt_value(argc, argv, &i, "--fail-on", NULL)))
				goto missing;
			if (cfg->nrules == CMP_MAX_RULES) {
				pr_err("compare: more than %d --fail-on rules", CMP_MAX_RULES);
				return -EINVAL;
			}
			if (cmp__parse_rule(v, &cfg->rules[cfg->nrules++], err, sizeof(err))) {
				pr_err("compare: --fail-on %s", err);
				return -EINVAL;
			}
		} else if (is_opt(a, "--format", "-f")) {
			if (!(v = opt_value(argc, argv, &i, "--format", "-f")))
				goto missing;
			cfg->format = render__compare_parse_format(v);
			if (cfg->format < 0) {
				pr_err("compare: unknown format '%s' (text, json, markdown, junit)", v);
				return -EINVAL;
			}
		} else if (is_opt(a, "--output", "-o")) {
			if (!(v = opt_value(argc, argv, &i, "--output", "-o")))
				goto missing;
			cfg->output = v;
		} else if (is_opt(a, "--op", NULL)) {
			if (!(v = opt_value(argc, argv, &i, "--op", NULL)))
				goto missing;
			if (cfg->nops == MAX_OPS) {
				pr_err("compare: more than %d --op names", MAX_OPS);
				return -EINVAL;
			}
			cfg->ops[cfg->nops++] = v;
		} else if (is_opt(a, "--min-calls", NULL)) {
			char *end;

			if (!(v = opt_value(argc, argv, &i, "--min-calls", NULL)))
				goto missing;
			errno = 0;
			cfg->min_calls = strtoull(v, &end, 10);
			if (errno || *end || end == v || !cfg->min_calls || v[0] == '-') {
				pr_err("compare: --min-calls wants a positive count, not '%s'", v);
				return -EINVAL;
			}
		} else if (a[0] == '-' && a[1]) {
			pr_err("compare: unknown option '%s'; see optrace compare --help", a);
			return -EINVAL;
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			pr_err("compare: one BASE and one CURRENT record, or --base and --current; "
			       "extra argument '%s'", a);
			return -EINVAL;
		}
		continue;
missing:
		pr_err("compare: %s needs a value; see optrace compare --help", a);
		return -EINVAL;
	}
	if (sides && npos) {
		pr_err("compare: give records either as BASE CURRENT or with --base and --current");
		return -EINVAL;
	}
	if (!sides) {
		if (npos != 2) {
			pr_err("compare: want BASE and CURRENT records; see optrace compare --help");
			return -EINVAL;
		}
		cfg->base[cfg->nbase++] = pos[0];
		cfg->cur[cfg->ncur++] = pos[1];
	}
	if (!cfg->nbase || !cfg->ncur) {
		pr_err("compare: %s is missing", cfg->nbase ? "--current" : "--base");
		return -EINVAL;
	}
	return 0;
}

/* Reads n records into reps; returns 0 or -errno after one line naming the file. */
static int read_side(const char *const *paths, size_t n, const char *side,
		     struct report *reps, size_t *nread)
{
	char err[256];

	for (size_t i = 0; i < n; i++) {
		int ret;

		err[0] = 0;
		ret = record__read(paths[i], &reps[i], err, sizeof(err));
		if (ret) {
			pr_err("compare: %s record '%s': %s", side, paths[i],
			       err[0] ? err : strerror(-ret));
			return ret;
		}
		(*nread)++;
	}
	return 0;
}

static int write_output(const struct compare_config *cfg, const struct cmp_result *res)
{
	FILE *f = cfg->output ? fopen(cfg->output, "w") : stdout;
	int err;

	if (!f) {
		err = -errno;
		pr_err("compare: cannot write '%s': %s", cfg->output, strerror(-err));
		return err;
	}
	err = render__compare(f, cfg->format, res);
	if (cfg->output && fclose(f) && !err)
		err = -EIO;
	if (err)
		pr_err("compare: writing %s: %s", cfg->output ? cfg->output : "the output",
		       strerror(-err));
	return err;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_config *cfg = calloc(1, sizeof(*cfg));
	struct report *reps = NULL;
	const struct report *base[MAX_RECORDS], *cur[MAX_RECORDS];
	struct cmp_result res = { 0 };
	struct cmp_opts o = { 0 };
	size_t nread = 0, i;
	int ret = OT_EXIT_USAGE, err;

	if (!cfg) {
		pr_err("compare: out of memory");
		return OT_EXIT_USAGE;
	}
	err = parse(argc, argv, cfg);
	if (err) {
		ret = err > 0 ? OT_EXIT_OK : OT_EXIT_USAGE;
		goto out;
	}
	reps = calloc(cfg->nbase + cfg->ncur, sizeof(*reps));
	if (!reps) {
		pr_err("compare: out of memory");
		goto out;
	}
	if (read_side(cfg->base, cfg->nbase, "base", reps, &nread) ||
	    read_side(cfg->cur, cfg->ncur, "current", reps + cfg->nbase, &nread))
		goto out;
	for (i = 0; i < cfg->nbase; i++)
		base[i] = &reps[i];
	for (i = 0; i < cfg->ncur; i++)
		cur[i] = &reps[cfg->nbase + i];
	o.rules = cfg->rules;
	o.nrules = cfg->nrules;
	o.only_ops = cfg->ops;
	o.nonly = cfg->nops;
	o.min_calls = cfg->min_calls;
	err = cmp__compare(base, cfg->nbase, cur, cfg->ncur, &o, &res);
	if (err) {
		pr_err("compare: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < res.nops; i++) {
		if (!res.ops[i].base_calls && !res.ops[i].cur_calls) {
			pr_err("compare: --op %s: no record has calls of this op", res.ops[i].name);
			goto out;
		}
	}
	if (write_output(cfg, &res))
		goto out;
	ret = res.verdict == CMP_REGRESSED ? OT_EXIT_FOUND :
	      res.verdict == CMP_INCONCLUSIVE ? OT_EXIT_INCONCLUSIVE : OT_EXIT_OK;
out:
	cmp__free(&res);
	for (i = 0; i < nread; i++)
		report__free(&reps[i]);
	free(reps);
	free(cfg);
	return ret;
}
