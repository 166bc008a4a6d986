// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * config.c - the -c CONFIG file (INI) into a struct optrace_config.
 *
 * Owns: the key names and their units, the section grammar ([thresholds],
 * [op "NAME"], [alert "NAME"]), value parsing (percent, bytes, rates; the
 * duration grammar is units.c's) and the file permission rule.  Leaves to
 * others: what the thresholds mean (analyze.c, alert.c) and printing.
 *
 * libinih parses lines into key/value pairs.  It is fed through our own
 * line reader, which counts lines (so every error names FILE:LINE), strips
 * leading whitespace (so an indented line is never taken as a multi-line
 * continuation), refuses over-long lines instead of splitting them, and
 * handles the section headers itself (libinih truncates section names and
 * says nothing about sections without keys).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "finding.h"
#include "units.h"

#define NAME_MAX_LEN 63 /* alert names and op patterns: struct alert_event, finding */

/* ---------------------------------------------------------------- defaults */

void config__defaults(struct optrace_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->th = (struct optrace_thresholds){
		.min_calls = 20,
		.cpu_warning_pct = 70,
		.cpu_critical_pct = 90,
		.memory_warning_pct = 70,
		.memory_critical_pct = 85,
		.disk_warning_pct = 90,
		.disk_critical_pct = 95,
		.swap_rate = 100,
		.psi_memory_pct = 10,
		.fds_warning = 0.80,
		.fds_critical = 0.95,
		.runq_p99_ns = 10000000ULL,
		.runq_p99_critical_ns = 100000000ULL,
		.throttle_warning = 0.10,
		.throttle_critical = 0.50,
		.majflt_rate = 100,
		.rss_growth = 0.20,
		.rss_growth_min_bytes = 64ULL << 20,
		.io_p99_ns = 50000000ULL,
		.error_rate = 0.05,
		.error_rate_critical = 0.25,
		.cpu_bound_share = 0.80,
		.runq_share = 0.20,
		.runq_share_critical = 0.50,
		.iowait_share = 0.30,
		.blocked_share = 0.50,
		.tail_ratio = 10,
		.tail_min_ns = 100000ULL,
		.tail_min_calls = 100,
		.tracer_cost_share = 0.10,
		.tracer_cost_warning = 0.50,
		.trend_change = 0.25,
	};
}

void config__free(struct optrace_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nlimits; i++)
		free(cfg->limits[i].pattern);
	for (size_t i = 0; i < cfg->nalerts; i++) {
		free(cfg->alerts[i].name);
		free(cfg->alerts[i].op);
	}
	free(cfg->limits);
	free(cfg->alerts);
	cfg->limits = NULL;
	cfg->alerts = NULL;
	cfg->nlimits = cfg->nalerts = 0;
}

/* ---------------------------------------------------------------- names */

static const char *const metric_names[AM_NR] = {
	[AM_P50] = "p50",
	[AM_P95] = "p95",
	[AM_P99] = "p99",
	[AM_MEAN] = "mean",
	[AM_ERROR_RATE] = "error_rate",
	[AM_THROUGHPUT] = "throughput",
	[AM_CPU] = "cpu",
	[AM_RSS] = "rss",
	[AM_RUNQ_P99] = "runq_p99",
	[AM_IO_P99] = "io_p99",
};

int config__metric_of(const char *name)
{
	for (int i = 0; i < AM_NR; i++)
		if (!strcmp(name, metric_names[i]))
			return i;
	return -1;
}

const char *config__metric_name(int metric)
{
	return metric >= 0 && metric < AM_NR ? metric_names[metric] : "?";
}

bool config__metric_is_op(int metric)
{
	return metric >= AM_P50 && metric <= AM_THROUGHPUT;
}

const char *config__cmp_name(int cmp)
{
	switch (cmp) {
	case CMP_GT: return ">";
	case CMP_GE: return ">=";
	case CMP_LT: return "<";
	case CMP_LE: return "<=";
	default: return "?";
	}
}

static int severity_of(const char *s)
{
	if (!strcmp(s, "info"))
		return SEV_INFO;
	if (!strcmp(s, "warning"))
		return SEV_WARNING;
	if (!strcmp(s, "critical"))
		return SEV_CRITICAL;
	return -1;
}

/* ---------------------------------------------------------------- values */

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * A non-negative decimal: DIGITS [. DIGITS] | . DIGITS; no sign, exponent,
 * hex, inf or nan.  *end is past it.  -EINVAL if there is none.
 */
static int parse_number(const char *s, double *v, const char **end)
{
	const char *p = s;
	char buf[64];
	int digits = 0;

	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits || (size_t)(p - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, p - s);
	buf[p - s] = '\0';
	*v = strtod(buf, NULL); /* the C locale: optrace never calls setlocale */
	if (!isfinite(*v))
		return -EINVAL;
	*end = p;
	return 0;
}

static bool at_end(const char *s)
{
	return !*skip_ws(s);
}

int config__parse_percent(const char *s, double *pct)
{
	const char *p;
	double v;

	if (parse_number(skip_ws(s), &v, &p))
		return -EINVAL;
	p = skip_ws(p);
	if (*p != '%' || !at_end(p + 1))
		return -EINVAL;
	*pct = v;
	return 0;
}

int config__parse_bytes(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *sfx;
		double mult;
	} units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1024.0 }, { "kib", 1024.0 }, { "kb", 1e3 },
		{ "m", 1048576.0 }, { "mib", 1048576.0 }, { "mb", 1e6 },
		{ "g", 1073741824.0 }, { "gib", 1073741824.0 }, { "gb", 1e9 },
		{ "t", 1099511627776.0 }, { "tib", 1099511627776.0 }, { "tb", 1e12 },
	};
	char sfx[8];
	const char *p;
	size_t n = 0;
	double v;

	if (parse_number(skip_ws(s), &v, &p))
		return -EINVAL;
	p = skip_ws(p);
	while (isalpha((unsigned char)*p) && n < sizeof(sfx) - 1)
		sfx[n++] = (char)tolower((unsigned char)*p++);
	sfx[n] = '\0';
	if (!at_end(p))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(sfx, units[i].sfx))
			continue;
		v *= units[i].mult;
		if (v >= 0x1p64)
			return -ERANGE;
		*bytes = (uint64_t)llround(v);
		return 0;
	}
	return -EINVAL;
}

int config__parse_rate(const char *s, double *per_s)
{
	const char *p;
	double v;

	if (parse_number(skip_ws(s), &v, &p))
		return -EINVAL;
	p = skip_ws(p);
	if (*p == '/') {
		p = skip_ws(p + 1);
		if (*p != 's')
			return -EINVAL;
		p++;
	}
	if (!at_end(p))
		return -EINVAL;
	*per_s = v;
	return 0;
}

/* A duration with a mandatory unit; "5 ms" is taken as "5ms". */
static int parse_duration(const char *s, uint64_t *ns)
{
	char buf[64];
	size_t n = 0;

	for (s = skip_ws(s); *s && n < sizeof(buf) - 1; s++)
		if (*s != ' ' && *s != '\t')
			buf[n++] = *s;
	if (*s)
		return -EINVAL;
	buf[n] = '\0';
	return units__parse_duration(buf, 0, ns) ? -EINVAL : 0;
}

static int parse_count(const char *s, uint64_t *v)
{
	char *end;

	s = skip_ws(s);
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || !at_end(end))
		return -EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- keys */

enum key_kind {
	K_COUNT,	/* uint64_t */
	K_PCT,		/* "70%" -> double 70, at most 100 */
	K_FRAC,		/* "20%" -> double 0.20, at most 100% */
	K_FRAC_ANY,	/* "200%" -> double 2.0, no upper bound */
	K_DUR,		/* uint64_t ns */
	K_BYTES,	/* uint64_t */
	K_RATE,		/* double per second */
	K_RATIO,	/* a plain number > 1 (tail_ratio) */
};

#define TH(f) offsetof(struct optrace_thresholds, f)

static const struct key_def {
	const char *name;
	int kind;
	size_t off;
} th_keys[] = {
	{ "min_calls", K_COUNT, TH(min_calls) },
	{ "cpu_warning", K_PCT, TH(cpu_warning_pct) },
	{ "cpu_critical", K_PCT, TH(cpu_critical_pct) },
	{ "memory_warning", K_PCT, TH(memory_warning_pct) },
	{ "memory_critical", K_PCT, TH(memory_critical_pct) },
	{ "disk_warning", K_PCT, TH(disk_warning_pct) },
	{ "disk_critical", K_PCT, TH(disk_critical_pct) },
	{ "swap_rate", K_RATE, TH(swap_rate) },
	{ "psi_memory", K_PCT, TH(psi_memory_pct) },
	{ "fds_warning", K_FRAC, TH(fds_warning) },
	{ "fds_critical", K_FRAC, TH(fds_critical) },
	{ "runq_p99", K_DUR, TH(runq_p99_ns) },
	{ "runq_p99_critical", K_DUR, TH(runq_p99_critical_ns) },
	{ "throttle_warning", K_FRAC, TH(throttle_warning) },
	{ "throttle_critical", K_FRAC, TH(throttle_critical) },
	{ "majflt_rate", K_RATE, TH(majflt_rate) },
	{ "rss_growth", K_FRAC_ANY, TH(rss_growth) },
	{ "rss_growth_min", K_BYTES, TH(rss_growth_min_bytes) },
	{ "io_p99", K_DUR, TH(io_p99_ns) },
	{ "error_rate", K_FRAC, TH(error_rate) },
	{ "error_rate_critical", K_FRAC, TH(error_rate_critical) },
	{ "cpu_bound_share", K_FRAC, TH(cpu_bound_share) },
	{ "runq_share", K_FRAC, TH(runq_share) },
	{ "runq_share_critical", K_FRAC, TH(runq_share_critical) },
	{ "iowait_share", K_FRAC, TH(iowait_share) },
	{ "blocked_share", K_FRAC, TH(blocked_share) },
	{ "tail_ratio", K_RATIO, TH(tail_ratio) },
	{ "tail_min", K_DUR, TH(tail_min_ns) },
	{ "tail_min_calls", K_COUNT, TH(tail_min_calls) },
	{ "tracer_cost_share", K_FRAC, TH(tracer_cost_share) },
	{ "tracer_cost_warning", K_FRAC, TH(tracer_cost_warning) },
	{ "trend_change", K_FRAC_ANY, TH(trend_change) },
};

#define NR_TH_KEYS (sizeof(th_keys) / sizeof(th_keys[0]))

/* warning/critical pairs that must be ordered (by key index) */
static const struct {
	const char *lo, *hi;
} th_pairs[] = {
	{ "cpu_warning", "cpu_critical" },
	{ "memory_warning", "memory_critical" },
	{ "disk_warning", "disk_critical" },
	{ "fds_warning", "fds_critical" },
	{ "runq_p99", "runq_p99_critical" },
	{ "throttle_warning", "throttle_critical" },
	{ "error_rate", "error_rate_critical" },
	{ "runq_share", "runq_share_critical" },
	{ "tracer_cost_share", "tracer_cost_warning" },
};

static const char *kind_hint(int kind)
{
	switch (kind) {
	case K_COUNT: return "a whole number";
	case K_PCT: case K_FRAC: return "a percentage from 0% to 100%";
	case K_FRAC_ANY: return "a percentage, e.g. 20%";
	case K_DUR: return "a duration with a unit (ns us ms s m)";
	case K_BYTES: return "a size (B KiB MiB GiB TiB)";
	case K_RATE: return "a rate, e.g. 100/s";
	case K_RATIO: return "a number above 1";
	default: return "?";
	}
}

/* Parses value as kind into the threshold at key's offset; -EINVAL if bad. */
static int set_th(struct optrace_thresholds *th, const struct key_def *k, const char *value)
{
	char *p = (char *)th + k->off;
	const char *end;
	double d;

	switch (k->kind) {
	case K_COUNT:
	case K_DUR:
	case K_BYTES: {
		uint64_t v;
		int err = k->kind == K_COUNT ? parse_count(value, &v) :
			  k->kind == K_DUR   ? parse_duration(value, &v) :
					       config__parse_bytes(value, &v);

		if (err)
			return -EINVAL;
		memcpy(p, &v, sizeof(v));
		return 0;
	}
	case K_PCT:
	case K_FRAC:
	case K_FRAC_ANY:
		if (config__parse_percent(value, &d) || (k->kind != K_FRAC_ANY && d > 100))
			return -EINVAL;
		if (k->kind != K_PCT)
			d /= 100;
		break;
	case K_RATE:
		if (config__parse_rate(value, &d))
			return -EINVAL;
		break;
	case K_RATIO:
		if (parse_number(skip_ws(value), &d, &end) || !at_end(end) || d <= 1)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	memcpy(p, &d, sizeof(d));
	return 0;
}

static double th_value(const struct optrace_thresholds *th, const struct key_def *k)
{
	const char *p = (const char *)th + k->off;
	uint64_t u;
	double d;

	if (k->kind == K_COUNT || k->kind == K_DUR || k->kind == K_BYTES) {
		memcpy(&u, p, sizeof(u));
		return (double)u;
	}
	memcpy(&d, p, sizeof(d));
	return d;
}

static int th_key_index(const char *name)
{
	for (size_t i = 0; i < NR_TH_KEYS; i++)
		if (!strcmp(th_keys[i].name, name))
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------------- parsing */

enum sec_kind { SEC_NONE, SEC_THRESHOLDS, SEC_OP, SEC_ALERT };

/* Keys of an alert section, as bits of a seen-mask. */
enum {
	AK_METRIC, AK_OP, AK_PID, AK_CONDITION, AK_FOR, AK_SEVERITY, AK_COOLDOWN, AK_NR
};
static const char *const alert_keys[AK_NR] = {
	"metric", "op", "pid", "condition", "for", "severity", "cooldown",
};
/* Keys of an op section. */
enum { OK_P50, OK_P95, OK_P99, OK_MEAN, OK_SEVERITY, OK_NR };
static const char *const op_keys[OK_NR] = { "p50", "p95", "p99", "mean", "severity" };

/* What an alert section needs after all its keys are read. */
struct alert_raw {
	char *condition;
	unsigned key_line[AK_NR];
	unsigned seen;
};

struct parser {
	const char *path;
	FILE *f;
	unsigned line;
	char *buf;
	size_t cap;
	/* what the file builds, merged into the caller's config on success */
	struct optrace_thresholds th;
	unsigned th_line[NR_TH_KEYS]; /* 0: not set in this file */
	bool seen_thresholds;
	struct op_limit *limits;
	size_t nlimits;
	unsigned *limit_seen;
	struct alert_rule *alerts;
	struct alert_raw *raw;
	size_t nalerts;
	/* the current section */
	int sec;
	/* the first error */
	int err;
	char *errbuf;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (p->err)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->err = -EINVAL;
	if (line)
		snprintf(p->errbuf, p->errlen, "%s:%u: %s", p->path, line, msg);
	else
		snprintf(p->errbuf, p->errlen, "%s: %s", p->path, msg);
	return 0;
}

static int oom(struct parser *p)
{
	if (!p->err) {
		p->err = -ENOMEM;
		snprintf(p->errbuf, p->errlen, "%s: out of memory", p->path);
	}
	return 0;
}

static void *grow(void *v, size_t n, size_t size)
{
	return realloc(v, (n + 1) * size);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "NAME" or NAME -> NAME (in place).  NULL when malformed. */
static char *section_arg(char *s)
{
	size_t n;

	s = trim(s);
	n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		s++;
		if (strchr(s, '"'))
			return NULL;
		return s;
	}
	if (!n || strpbrk(s, "\" \t"))
		return NULL;
	return s;
}

static void start_section(struct parser *p, char *hdr)
{
	char *s = trim(hdr), *arg, word[8];
	size_t wl = strcspn(s, " \t\"");

	if (!strcmp(s, "thresholds")) {
		if (p->seen_thresholds) {
			fail(p, p->line, "[thresholds] given twice");
			return;
		}
		p->seen_thresholds = true;
		p->sec = SEC_THRESHOLDS;
		return;
	}
	snprintf(word, sizeof(word), "%.*s", (int)wl, s);
	if (wl >= sizeof(word) || (strcmp(word, "op") && strcmp(word, "alert"))) {
		fail(p, p->line, "unknown section [%s] (want [thresholds], [op \"NAME\"] or "
			"[alert \"NAME\"])", s);
		return;
	}
	arg = section_arg(s + wl);
	if (!arg || !*arg || strlen(arg) > NAME_MAX_LEN) {
		fail(p, p->line, "[%s] needs a name in double quotes, at most %d characters: "
			"[%s \"NAME\"]", word, NAME_MAX_LEN, word);
		return;
	}
	if (word[0] == 'o') {
		struct op_limit *v = grow(p->limits, p->nlimits, sizeof(*v));
		unsigned *seen = v ? grow(p->limit_seen, p->nlimits, sizeof(*seen)) : NULL;

		if (v)
			p->limits = v;
		if (seen)
			p->limit_seen = seen;
		if (!v || !seen) {
			oom(p);
			return;
		}
		for (size_t i = 0; i < p->nlimits; i++)
			if (!strcmp(p->limits[i].pattern, arg)) {
				fail(p, p->line, "[op \"%s\"] given twice (first at line %u)", arg,
				     p->limits[i].line);
				return;
			}
		memset(&v[p->nlimits], 0, sizeof(*v));
		v[p->nlimits].pattern = strdup(arg);
		v[p->nlimits].severity = SEV_WARNING;
		v[p->nlimits].line = p->line;
		seen[p->nlimits] = 0;
		if (!v[p->nlimits].pattern) {
			oom(p);
			return;
		}
		p->nlimits++;
		p->sec = SEC_OP;
	} else {
		struct alert_rule *v = grow(p->alerts, p->nalerts, sizeof(*v));
		struct alert_raw *raw = v ? grow(p->raw, p->nalerts, sizeof(*raw)) : NULL;

		if (v)
			p->alerts = v;
		if (raw)
			p->raw = raw;
		if (!v || !raw) {
			oom(p);
			return;
		}
		for (size_t i = 0; i < p->nalerts; i++)
			if (!strcmp(p->alerts[i].name, arg)) {
				fail(p, p->line, "[alert \"%s\"] given twice (first at line %u)", arg,
				     p->alerts[i].line);
				return;
			}
		memset(&v[p->nalerts], 0, sizeof(*v));
		memset(&raw[p->nalerts], 0, sizeof(*raw));
		v[p->nalerts].name = strdup(arg);
		v[p->nalerts].metric = -1;
		v[p->nalerts].severity = SEV_WARNING;
		v[p->nalerts].line = p->line;
		if (!v[p->nalerts].name) {
			oom(p);
			return;
		}
		p->nalerts++;
		p->sec = SEC_ALERT;
	}
}

/*
 * libinih's line source: one line per call, counted; leading whitespace
 * stripped; section headers handled here.  Returning NULL ends the parse
 * (end of file, read error, or our first error).
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	ssize_t n;
	size_t len;
	char *s, *close;
	const char *rest;

	if (p->err)
		return NULL;
	n = getline(&p->buf, &p->cap, p->f);
	if (n < 0) {
		if (ferror(p->f) && !p->err) {
			p->err = -EIO;
			snprintf(p->errbuf, p->errlen, "%s: read error", p->path);
		}
		return NULL;
	}
	p->line++;
	if (memchr(p->buf, '\0', (size_t)n)) {
		fail(p, p->line, "NUL byte in the line");
		return NULL;
	}
	s = p->buf;
	if (p->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len > (size_t)num - 3) {
		fail(p, p->line, "line longer than %d characters", num - 3);
		return NULL;
	}
	if (*s == '[') {
		char hdr[256];

		close = strchr(s, ']');
		if (!close) {
			fail(p, p->line, "section header without ']'");
			return NULL;
		}
		rest = skip_ws(close + 1);
		if (*rest && !strchr("\r\n;#", *rest)) {
			fail(p, p->line, "text after the section header");
			return NULL;
		}
		snprintf(hdr, sizeof(hdr), "%.*s", (int)(close - s - 1), s + 1);
		start_section(p, hdr);
		if (p->err)
			return NULL;
		/* libinih sees an empty line: sections are ours. */
		snprintf(str, num, "\n");
		return str;
	}
	snprintf(str, num, "%s", s);
	return str;
}

static int key_thresholds(struct parser *p, const char *name, const char *value)
{
	int k = th_key_index(name);

	if (k < 0)
		return fail(p, p->line, "unknown key '%s' in [thresholds] (docs/config.md lists "
			    "them)", name);
	if (p->th_line[k])
		return fail(p, p->line, "'%s' given twice (first at line %u)", name, p->th_line[k]);
	if (set_th(&p->th, &th_keys[k], value))
		return fail(p, p->line, "%s = '%s': want %s", name, value, kind_hint(th_keys[k].kind));
	p->th_line[k] = p->line;
	return 1;
}

static int key_op(struct parser *p, const char *name, const char *value)
{
	struct op_limit *l = &p->limits[p->nlimits - 1];
	unsigned *seen = &p->limit_seen[p->nlimits - 1];
	uint64_t *dst[] = { &l->p50_ns, &l->p95_ns, &l->p99_ns, &l->mean_ns };
	int k;

	for (k = 0; k < OK_NR && strcmp(op_keys[k], name); k++)
		;
	if (k == OK_NR)
		return fail(p, p->line, "unknown key '%s' in [op \"%s\"] (want p50, p95, p99, mean "
			    "or severity)", name, l->pattern);
	if (*seen & (1u << k))
		return fail(p, p->line, "'%s' given twice in [op \"%s\"]", name, l->pattern);
	*seen |= 1u << k;
	if (k == OK_SEVERITY) {
		l->severity = severity_of(value);
		if (l->severity < 0)
			return fail(p, p->line, "severity = '%s': want info, warning or critical",
				    value);
		return 1;
	}
	if (parse_duration(value, dst[k]) || !*dst[k])
		return fail(p, p->line, "%s = '%s': want a duration above 0 with a unit "
			    "(ns us ms s m)", name, value);
	return 1;
}

static int key_alert(struct parser *p, const char *name, const char *value)
{
	struct alert_rule *a = &p->alerts[p->nalerts - 1];
	struct alert_raw *raw = &p->raw[p->nalerts - 1];
	uint64_t v;
	int k;

	for (k = 0; k < AK_NR && strcmp(alert_keys[k], name); k++)
		;
	if (k == AK_NR)
		return fail(p, p->line, "unknown key '%s' in [alert \"%s\"] (want metric, op, pid, "
			    "condition, for, severity or cooldown)", name, a->name);
	if (raw->seen & (1u << k))
		return fail(p, p->line, "'%s' given twice in [alert \"%s\"]", name, a->name);
	raw->seen |= 1u << k;
	raw->key_line[k] = p->line;
	switch (k) {
	case AK_METRIC:
		a->metric = config__metric_of(value);
		if (a->metric < 0)
			return fail(p, p->line, "metric = '%s': want p50, p95, p99, mean, error_rate, "
				    "throughput, cpu, rss, runq_p99 or io_p99", value);
		return 1;
	case AK_OP:
		if (!*value || strlen(value) > NAME_MAX_LEN)
			return fail(p, p->line, "op = '%s': want an op name or glob of at most %d "
				    "characters", value, NAME_MAX_LEN);
		a->op = strdup(value);
		return a->op ? 1 : oom(p);
	case AK_PID:
		if (parse_count(value, &v) || !v || v > INT_MAX)
			return fail(p, p->line, "pid = '%s': want a process id", value);
		a->has_pid = true;
		a->pid = (uint32_t)v;
		return 1;
	case AK_CONDITION:
		raw->condition = strdup(value);
		return raw->condition ? 1 : oom(p);
	case AK_FOR:
	case AK_COOLDOWN:
		if (parse_duration(value, k == AK_FOR ? &a->for_ns : &a->cooldown_ns))
			return fail(p, p->line, "%s = '%s': want a duration with a unit "
				    "(ns us ms s m)", name, value);
		return 1;
	case AK_SEVERITY:
		a->severity = severity_of(value);
		if (a->severity < 0)
			return fail(p, p->line, "severity = '%s': want info, warning or critical",
				    value);
		return 1;
	}
	return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	char buf[512];
	size_t n;

	(void)section; /* ours, from read_line */
	if (p->err)
		return 0;
	/* A value in double quotes: the quotes are not part of it. */
	snprintf(buf, sizeof(buf), "%s", value);
	n = strlen(buf);
	if (n >= 2 && buf[0] == '"' && buf[n - 1] == '"') {
		buf[n - 1] = '\0';
		memmove(buf, buf + 1, n - 1);
	}
	switch (p->sec) {
	case SEC_THRESHOLDS:
		return key_thresholds(p, name, buf);
	case SEC_OP:
		return key_op(p, name, buf);
	case SEC_ALERT:
		return key_alert(p, name, buf);
	default:
		return fail(p, p->line, "'%s' is outside any section", name);
	}
}

/* "> 5ms" with the metric's unit -> cmp, threshold.  0 or -EINVAL. */
static int parse_condition(const char *s, int metric, int *cmp, double *thr)
{
	uint64_t u;

	s = skip_ws(s);
	if (s[0] == '>' && s[1] == '=') {
		*cmp = CMP_GE;
		s += 2;
	} else if (s[0] == '<' && s[1] == '=') {
		*cmp = CMP_LE;
		s += 2;
	} else if (s[0] == '>') {
		*cmp = CMP_GT;
		s++;
	} else if (s[0] == '<') {
		*cmp = CMP_LT;
		s++;
	} else {
		return -EINVAL;
	}
	switch (metric) {
	case AM_P50: case AM_P95: case AM_P99: case AM_MEAN: case AM_RUNQ_P99: case AM_IO_P99:
		if (parse_duration(s, &u))
			return -EINVAL;
		*thr = (double)u;
		return 0;
	case AM_ERROR_RATE:
		if (config__parse_percent(s, thr) || *thr > 100)
			return -EINVAL;
		*thr /= 100;
		return 0;
	case AM_CPU:
		return config__parse_percent(s, thr);
	case AM_THROUGHPUT:
		return config__parse_rate(s, thr);
	case AM_RSS:
		if (config__parse_bytes(s, &u))
			return -EINVAL;
		*thr = (double)u;
		return 0;
	}
	return -EINVAL;
}

static const char *cond_hint(int metric)
{
	switch (metric) {
	case AM_ERROR_RATE: return "a percentage, e.g. '> 5%'";
	case AM_CPU: return "a percentage of one CPU, e.g. '> 150%'";
	case AM_THROUGHPUT: return "a rate, e.g. '< 100/s'";
	case AM_RSS: return "a size, e.g. '> 512MiB'";
	default: return "a duration with a unit, e.g. '> 5ms'";
	}
}

/* Whole-file checks: complete alert rules, ordered warning/critical pairs. */
static void validate(struct parser *p)
{
	for (size_t i = 0; i < p->nlimits && !p->err; i++) {
		const struct op_limit *l = &p->limits[i];

		if (!l->p50_ns && !l->p95_ns && !l->p99_ns && !l->mean_ns)
			fail(p, l->line, "[op \"%s\"] sets no limit (p50, p95, p99 or mean)",
			     l->pattern);
	}
	for (size_t i = 0; i < p->nalerts && !p->err; i++) {
		struct alert_rule *a = &p->alerts[i];
		struct alert_raw *raw = &p->raw[i];

		if (a->metric < 0) {
			fail(p, a->line, "[alert \"%s\"] has no metric", a->name);
			break;
		}
		if (!raw->condition) {
			fail(p, a->line, "[alert \"%s\"] has no condition", a->name);
			break;
		}
		if (a->op && !config__metric_is_op(a->metric)) {
			fail(p, raw->key_line[AK_OP], "[alert \"%s\"]: metric %s is per process: use "
			     "pid =, not op =", a->name, config__metric_name(a->metric));
			break;
		}
		if (parse_condition(raw->condition, a->metric, &a->cmp, &a->threshold))
			fail(p, raw->key_line[AK_CONDITION], "condition = '%s': want > >= < or <= "
			     "and %s", raw->condition, cond_hint(a->metric));
	}
	for (size_t i = 0; i < sizeof(th_pairs) / sizeof(th_pairs[0]) && !p->err; i++) {
		int lo = th_key_index(th_pairs[i].lo), hi = th_key_index(th_pairs[i].hi);

		if (th_value(&p->th, &th_keys[lo]) > th_value(&p->th, &th_keys[hi]))
			fail(p, p->th_line[lo] > p->th_line[hi] ? p->th_line[lo] : p->th_line[hi],
			     "%s is above %s", th_pairs[i].lo, th_pairs[i].hi);
	}
}

static void parser_free(struct parser *p)
{
	for (size_t i = 0; i < p->nlimits; i++)
		free(p->limits[i].pattern);
	for (size_t i = 0; i < p->nalerts; i++) {
		free(p->alerts[i].name);
		free(p->alerts[i].op);
		free(p->raw[i].condition);
	}
	free(p->limits);
	free(p->limit_seen);
	free(p->alerts);
	free(p->raw);
	free(p->buf);
}

/* Appends the file's limits and rules to cfg's (taking their strings). */
static int merge(struct parser *p, struct optrace_config *cfg)
{
	struct op_limit *l = NULL;
	struct alert_rule *a = NULL;

	if (p->nlimits) {
		l = realloc(cfg->limits, (cfg->nlimits + p->nlimits) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		cfg->limits = l;
	}
	if (p->nalerts) {
		a = realloc(cfg->alerts, (cfg->nalerts + p->nalerts) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		cfg->alerts = a;
	}
	if (p->nlimits)
		memcpy(cfg->limits + cfg->nlimits, p->limits, p->nlimits * sizeof(*l));
	cfg->nlimits += p->nlimits;
	if (p->nalerts)
		memcpy(cfg->alerts + cfg->nalerts, p->alerts, p->nalerts * sizeof(*a));
	cfg->nalerts += p->nalerts;
	cfg->th = p->th;
	/* The strings now belong to cfg. */
	p->nlimits = 0;
	for (size_t i = 0; i < p->nalerts; i++) {
		free(p->raw[i].condition);
		p->raw[i].condition = NULL;
	}
	p->nalerts = 0;
	return 0;
}

int config__check_perms(const struct stat *st, uid_t euid, const char *path, char *err,
			size_t errlen)
{
	if (euid != 0)
		return 0;
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: refusing a config file writable by %s while running as "
			 "root (mode %04o): chmod go-w %s", path,
			 (st->st_mode & S_IWGRP) && (st->st_mode & S_IWOTH) ? "group and others" :
			 st->st_mode & S_IWGRP ? "group" : "others",
			 (unsigned)(st->st_mode & 07777), path);
		return -EPERM;
	}
	if (st->st_uid != 0) {
		snprintf(err, errlen, "%s: refusing a config file owned by uid %u while running as "
			 "root: chown root %s", path, (unsigned)st->st_uid, path);
		return -EPERM;
	}
	return 0;
}

int config__load(const char *path, struct optrace_config *cfg, char *err, size_t errlen)
{
	struct parser p = { .path = path, .errbuf = err, .errlen = errlen, .th = cfg->th };
	struct stat st;
	int fd, ret;

	if (errlen)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	ret = config__check_perms(&st, geteuid(), path, err, errlen);
	if (ret) {
		close(fd);
		return ret;
	}
	p.f = fdopen(fd, "r");
	if (!p.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -ENOMEM;
	}
	ret = ini_parse_stream(read_line, &p, on_key, &p);
	if (!p.err && ret > 0)
		fail(&p, (unsigned)ret, "syntax error: want 'key = value', '[section]' or a "
		     "comment (; or #)");
	else if (!p.err && ret < 0)
		oom(&p);
	if (!p.err)
		validate(&p);
	if (!p.err && merge(&p, cfg))
		oom(&p);
	ret = p.err;
	fclose(p.f);
	parser_free(&p);
	return ret;
}
