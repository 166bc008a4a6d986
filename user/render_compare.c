// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_compare.c - a comparison as text (terminal), JSON (jansson),
 * Markdown (a pull-request comment: one line of summary, then a table per
 * op) and JUnit XML (one testcase per (op, rule): failure for a regression,
 * skipped for inconclusive or absent).  Escapes what each format needs:
 * XML entities, Markdown table pipes and HTML, JSON via jansson.
 *
 * Owns no statistics: compare.c computes everything shown here.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "jsonutil.h"
#include "render_compare.h"
#include "render_util.h"
#include "units.h"

static const char *const fmt_names[CMP_FMT_NR] = { "text", "json", "markdown", "junit" };

int render__compare_parse_format(const char *name)
{
	for (int i = 0; i < CMP_FMT_NR; i++)
		if (!strcmp(name, fmt_names[i]))
			return i;
	return !strcmp(name, "md") ? CMP_FMT_MARKDOWN : -1;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int finish(FILE *f)
{
	return fflush(f) || ferror(f) ? -EIO : 0;
}

/* What a rule's verdict means for the job. */
static const char *rule_word(enum cmp_verdict v)
{
	switch (v) {
	case CMP_REGRESSED:
		return "FAIL";
	case CMP_INCONCLUSIVE:
		return "inconclusive";
	case CMP_ABSENT:
		return "n/a";
	default:
		return "pass";
	}
}

static const char *result_word(const struct cmp_result *r)
{
	return r->verdict == CMP_REGRESSED ? "FAIL" : r->verdict == CMP_INCONCLUSIVE ?
		"INCONCLUSIVE" : "PASS";
}

/* A metric value: a duration, or a count per call ("812", "10.4k"). */
static char *fmt_metric(enum cmp_metric m, double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (cmp__metric_is_time(m))
		units__fmt_ns(v > 0 ? (uint64_t)llround(v) : 0, buf, len);
	else
		units__fmt_count(v, buf, len);
	return buf;
}

static char *fmt_pct(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.1f%%", v * 100);
	return buf;
}

/* One summary line: the result and the failed / inconclusive (op, rule) pairs. */
static void summary(FILE *f, const struct cmp_result *r)
{
	size_t total = r->failed + r->inconclusive + r->passed + r->absent;

	fprintf(f, "%s: %zu of %zu checks failed, %zu inconclusive, %zu passed", result_word(r),
		r->failed, total, r->inconclusive, r->passed);
	if (r->absent)
		fprintf(f, ", %zu not measurable", r->absent);
	fprintf(f, " (%zu op%s; %zu base, %zu current record%s)", r->nops,
		r->nops == 1 ? "" : "s", r->nbase, r->ncur, r->ncur == 1 ? "" : "s");
	if (!r->nops)
		fputs(" - no op has calls in these records", f);
}

/* ------------------------------------------------------------------- text */

int render__compare_text(FILE *f, const struct cmp_result *r)
{
	char b[32], c[32], ch[32], lo[32], hi[32], ci[72];
	int rule_w = 16; /* "instructions>+2%": wider rules widen the column */

	fprintf(f, "optrace compare: rules");
	for (size_t i = 0; i < r->nrules; i++) {
		fprintf(f, " %s", r->rules[i].text);
		if ((int)strlen(r->rules[i].text) > rule_w)
			rule_w = (int)strlen(r->rules[i].text);
	}
	fprintf(f, "; %.0f%% intervals, %u resamples, min %llu calls, floor %.0f%%\n",
		r->opts.confidence * 100, r->opts.resamples,
		(unsigned long long)r->opts.min_calls, r->opts.floor * 100);
	if (r->bias_mismatch)
		fputs("note: one side's records are bias-compensated and the other's are not: "
		      "latency changes include the bias\n", f);
	for (size_t i = 0; i < r->nops; i++) {
		const struct cmp_op *op = &r->ops[i];

		fprintf(f, "\n%s  (%s:%s)  calls %llu -> %llu", op->name, nz(op->path),
			nz(op->func), (unsigned long long)op->base_calls,
			(unsigned long long)op->cur_calls);
		if (op->has_mw)
			fprintf(f, "  Mann-Whitney p=%.2g, P(current > base)=%.2f", op->mw_p,
				op->mw_ps);
		fprintf(f, "\n  %-13s %10s %10s %8s  %-20s %s\n", "metric", "base", "current",
			"change", "interval", "verdict");
		for (int k = 0; k < CMP_METRIC_NR; k++) {
			const struct cmp_metric_res *m = &op->m[k];

			if (!m->present) {
				fprintf(f, "  %-13s %s\n", cmp__metric_name(k), m->absent_reason);
				continue;
			}
			if (m->has_ci)
				snprintf(ci, sizeof(ci), "[%s, %s]",
					 fmt_pct(m->change_lo, lo, sizeof(lo)),
					 fmt_pct(m->change_hi, hi, sizeof(hi)));
			else
				snprintf(ci, sizeof(ci), "-");
			fprintf(f, "  %-13s %10s %10s %8s  %-20s %s\n", cmp__metric_name(k),
				op->base_calls ? fmt_metric(k, m->base, b, sizeof(b)) : "-",
				op->cur_calls ? fmt_metric(k, m->cur, c, sizeof(c)) : "-",
				fmt_pct(m->change, ch, sizeof(ch)), ci,
				cmp__verdict_name(m->verdict));
		}
		for (size_t j = 0; j < r->nrules; j++)
			fprintf(f, "  rule %-*s %-12s %s\n", rule_w, r->rules[j].text,
				rule_word(op->rules[j].verdict), op->rules[j].why);
	}
	fputc('\n', f);
	summary(f, r);
	fputc('\n', f);
	return finish(f);
}

/* ------------------------------------------------------------------- JSON */

/* A string as JSON: jansson refuses invalid UTF-8, so such bytes become '?'. */
static json_t *jtext(const char *s)
{
	json_t *v;
	char *copy;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static json_t *jpair(double a, double b)
{
	json_t *arr = json_array();

	if (arr && (json_array_append_new(arr, jreal(a)) || json_array_append_new(arr, jreal(b)))) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *json_metric(enum cmp_metric k, const struct cmp_metric_res *m, bool *ok)
{
	json_t *o = json_object();

	if (!o) {
		*ok = false;
		return NULL;
	}
	put(o, "present", json_boolean(m->present), ok);
	/* base, current and diff_ci are in this unit; ci is relative */
	put(o, "unit", json_string(cmp__metric_is_time(k) ? "ns" : "count"), ok);
	put(o, "verdict", json_string(cmp__verdict_name(m->verdict)), ok);
	if (!m->present) {
		put(o, "reason", jtext(m->absent_reason), ok);
		return o;
	}
	put(o, "base", jreal(m->base), ok);
	put(o, "current", jreal(m->cur), ok);
	put(o, "change", jreal(m->change), ok);
	put(o, "ci", m->has_ci ? jpair(m->change_lo, m->change_hi) : json_null(), ok);
	put(o, "diff_ci", m->has_ci ? jpair(m->diff_lo, m->diff_hi) : json_null(), ok);
	return o;
}

static json_t *json_op(const struct cmp_result *r, const struct cmp_op *op, bool *ok)
{
	json_t *o = json_object(), *ms = json_object(), *rules = json_array();

	if (!o || !ms || !rules) {
		json_decref(o);
		json_decref(ms);
		json_decref(rules);
		*ok = false;
		return NULL;
	}
	put(o, "name", jtext(op->name), ok);
	put(o, "func", jtext(op->func), ok);
	put(o, "path", jtext(op->path), ok);
	put(o, "base_calls", ju64(op->base_calls), ok);
	put(o, "current_calls", ju64(op->cur_calls), ok);
	put(o, "verdict", json_string(cmp__verdict_name(op->verdict)), ok);
	if (op->has_mw) {
		json_t *mw = json_object();

		if (mw) {
			put(mw, "p", jreal(op->mw_p), ok);
			put(mw, "p_superiority", jreal(op->mw_ps), ok);
		}
		put(o, "mann_whitney", mw, ok);
	}
	for (int k = 0; k < CMP_METRIC_NR; k++)
		put(ms, cmp__metric_name(k), json_metric(k, &op->m[k], ok), ok);
	put(o, "metrics", ms, ok);
	for (size_t j = 0; j < r->nrules; j++) {
		json_t *rr = json_object();

		if (rr) {
			put(rr, "rule", json_string(r->rules[j].text), ok);
			put(rr, "result", json_string(rule_word(op->rules[j].verdict)), ok);
			put(rr, "verdict", json_string(cmp__verdict_name(op->rules[j].verdict)), ok);
			put(rr, "why", jtext(op->rules[j].why), ok);
		}
		append(rules, rr, ok);
	}
	put(o, "rules", rules, ok);
	return o;
}

int render__compare_json(FILE *f, const struct cmp_result *r)
{
	json_t *doc = json_object(), *ops = json_array(), *rules = json_array();
	json_t *method = json_object(), *sum = json_object();
	bool ok = doc && ops && rules && method && sum;
	int err;

	if (!ok) {
		json_decref(doc);
		json_decref(ops);
		json_decref(rules);
		json_decref(method);
		json_decref(sum);
		return -ENOMEM;
	}
	put(doc, "schema", json_string("optrace.compare"), &ok);
	put(doc, "version", json_integer(1), &ok);
	put(doc, "result", json_string(r->verdict == CMP_REGRESSED ? "fail" :
				       r->verdict == CMP_INCONCLUSIVE ? "inconclusive" : "pass"),
	    &ok);
	put(doc, "base_records", json_integer((json_int_t)r->nbase), &ok);
	put(doc, "current_records", json_integer((json_int_t)r->ncur), &ok);
	for (size_t i = 0; i < r->nrules; i++)
		append(rules, json_string(r->rules[i].text), &ok);
	put(doc, "rules", rules, &ok);
	put(method, "confidence", jreal(r->opts.confidence), &ok);
	put(method, "alpha", jreal(r->opts.alpha), &ok);
	put(method, "floor", jreal(r->opts.floor), &ok);
	put(method, "min_calls", ju64(r->opts.min_calls), &ok);
	put(method, "resamples", json_integer(r->opts.resamples), &ok);
	put(method, "seed", ju64(r->opts.seed), &ok);
	put(doc, "method", method, &ok);
	put(sum, "failed", json_integer((json_int_t)r->failed), &ok);
	put(sum, "inconclusive", json_integer((json_int_t)r->inconclusive), &ok);
	put(sum, "passed", json_integer((json_int_t)r->passed), &ok);
	put(sum, "absent", json_integer((json_int_t)r->absent), &ok);
	put(doc, "summary", sum, &ok);
	put(doc, "bias_mismatch", json_boolean(r->bias_mismatch), &ok);
	for (size_t i = 0; i < r->nops; i++)
		append(ops, json_op(r, &r->ops[i], &ok), &ok);
	put(doc, "ops", ops, &ok);
	if (!ok) {
		json_decref(doc);
		return -ENOMEM;
	}
	err = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ? -EIO : 0;
	json_decref(doc);
	if (!err)
		fputc('\n', f);
	return err ? err : finish(f);
}

/* --------------------------------------------------------------- Markdown */

/* Text for a Markdown table cell: no HTML, no cell break, no line break. */
static void md_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '|':
		case '\\':
		case '`':
		case '*':
		case '_':
			fputc('\\', f);
			fputc(*s, f);
			break;
		case '\n':
		case '\r':
			fputc(' ', f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

int render__compare_markdown(FILE *f, const struct cmp_result *r)
{
	char b[32], c[32], ch[32], lo[32], hi[32];

	fputs("### optrace compare: **", f);
	fputs(result_word(r), f);
	fputs("**\n\n", f);
	summary(f, r);
	fputs(". Rules:", f);
	for (size_t i = 0; i < r->nrules; i++) {
		fputs(i ? ", " : " ", f);
		md_text(f, r->rules[i].text);
	}
	fprintf(f, "; %.0f%% bootstrap intervals.\n", r->opts.confidence * 100);
	if (r->bias_mismatch)
		fputs("\n> One side is bias-compensated and the other is not.\n", f);
	for (size_t i = 0; i < r->nops; i++) {
		const struct cmp_op *op = &r->ops[i];

		fputs("\n#### ", f);
		md_text(f, op->name);
		fputs(" (", f);
		md_text(f, nz(op->path));
		fputc(':', f);
		md_text(f, nz(op->func));
		fprintf(f, "): %s, calls %llu -> %llu\n\n", rule_word(op->verdict),
			(unsigned long long)op->base_calls, (unsigned long long)op->cur_calls);
		fputs("| metric | base | current | change | interval | verdict |\n"
		      "|---|--:|--:|--:|:-:|---|\n", f);
		for (int k = 0; k < CMP_METRIC_NR; k++) {
			const struct cmp_metric_res *m = &op->m[k];

			if (!m->present) {
				fprintf(f, "| %s | | | | | n/a: ", cmp__metric_name(k));
				md_text(f, m->absent_reason);
				fputs(" |\n", f);
				continue;
			}
			fprintf(f, "| %s | %s | %s | %s | ", cmp__metric_name(k),
				op->base_calls ? fmt_metric(k, m->base, b, sizeof(b)) : "-",
				op->cur_calls ? fmt_metric(k, m->cur, c, sizeof(c)) : "-",
				fmt_pct(m->change, ch, sizeof(ch)));
			if (m->has_ci)
				fprintf(f, "%s .. %s", fmt_pct(m->change_lo, lo, sizeof(lo)),
					fmt_pct(m->change_hi, hi, sizeof(hi)));
			else
				fputs("-", f);
			fprintf(f, " | %s%s%s |\n", m->verdict == CMP_REGRESSED ? "**" : "",
				cmp__verdict_name(m->verdict),
				m->verdict == CMP_REGRESSED ? "**" : "");
		}
		fputs("\n| rule | result | evidence |\n|---|---|---|\n", f);
		for (size_t j = 0; j < r->nrules; j++) {
			fputs("| ", f);
			md_text(f, r->rules[j].text);
			fprintf(f, " | %s%s%s | ", op->rules[j].verdict == CMP_REGRESSED ? "**" : "",
				rule_word(op->rules[j].verdict),
				op->rules[j].verdict == CMP_REGRESSED ? "**" : "");
			md_text(f, op->rules[j].why);
			fputs(" |\n", f);
		}
	}
	return finish(f);
}

/* ------------------------------------------------------------------ JUnit */

/* Text for an XML attribute or element: entities, and no control characters
 * (XML 1.0 forbids them, even escaped). */
static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ru_put_entity(f, ch))
			continue;
		if (ch == '\t' || ch == '\n')
			fputc(ch, f);
		else
			fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
	}
}

int render__compare_junit(FILE *f, const struct cmp_result *r)
{
	size_t tests = r->nops * r->nrules, skipped = r->inconclusive + r->absent;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"optrace compare\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"0\" skipped=\"%zu\">\n", tests, r->failed, skipped);
	fprintf(f, "  <testsuite name=\"optrace compare\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"0\" skipped=\"%zu\">\n", tests, r->failed, skipped);
	for (size_t i = 0; i < r->nops; i++) {
		const struct cmp_op *op = &r->ops[i];

		for (size_t j = 0; j < r->nrules; j++) {
			const struct cmp_rule_res *rr = &op->rules[j];
			const struct cmp_metric_res *m = &op->m[r->rules[j].metric];

			fputs("    <testcase classname=\"optrace.compare.", f);
			xml_text(f, op->name);
			fputs("\" name=\"", f);
			xml_text(f, op->name);
			fputc(' ', f);
			xml_text(f, r->rules[j].text);
			fputs("\"", f);
			if (rr->verdict == CMP_UNCHANGED) {
				fputs("/>\n", f);
				continue;
			}
			fputs(">\n", f);
			if (rr->verdict == CMP_REGRESSED) {
				bool ns = cmp__metric_is_time(r->rules[j].metric);

				fputs("      <failure type=\"regression\" message=\"", f);
				xml_text(f, rr->why);
				fputs("\">", f);
				/* exact figures (a CI log is read, not skimmed): ns, or
				 * counts per call with a decimal */
				fprintf(f, "%s: %s base %.*f%s, current %.*f%s, change %+.2f%%, "
					"interval [%+.2f%%, %+.2f%%], calls %llu -> %llu",
					r->rules[j].text, cmp__metric_name(r->rules[j].metric),
					ns ? 0 : 1, m->base, ns ? " ns" : "", ns ? 0 : 1, m->cur,
					ns ? " ns" : "", m->change * 100, m->change_lo * 100,
					m->change_hi * 100, (unsigned long long)op->base_calls,
					(unsigned long long)op->cur_calls);
				fputs("</failure>\n", f);
			} else {
				fprintf(f, "      <skipped message=\"%s: ",
					rr->verdict == CMP_ABSENT ? "not measurable" : "inconclusive");
				xml_text(f, rr->why);
				fputs("\"/>\n", f);
			}
			fputs("    </testcase>\n", f);
		}
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	return finish(f);
}

int render__compare(FILE *f, int fmt, const struct cmp_result *r)
{
	switch (fmt) {
	case CMP_FMT_TEXT:
		return render__compare_text(f, r);
	case CMP_FMT_JSON:
		return render__compare_json(f, r);
	case CMP_FMT_MARKDOWN:
		return render__compare_markdown(f, r);
	case CMP_FMT_JUNIT:
		return render__compare_junit(f, r);
	default:
		return -EINVAL;
	}
}
