/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * render_compare.h - a comparison (struct cmp_result) as text, JSON,
 * Markdown (a pull-request comment) or JUnit XML (CI test reporters).
 * Renderers only render: every figure and verdict comes from compare.c.
 */
#ifndef OPTRACE_RENDER_COMPARE_H
#define OPTRACE_RENDER_COMPARE_H

#include <stdio.h>

#include "compare.h"

enum cmp_format {
	CMP_FMT_TEXT = 0,
	CMP_FMT_JSON,
	CMP_FMT_MARKDOWN,
	CMP_FMT_JUNIT,
	CMP_FMT_NR,
};

/* "text", "json", "markdown" (or "md"), "junit" -> CMP_FMT_*, or -1. */
int render__compare_parse_format(const char *name);

/*
 * Writes r to f in format fmt (CMP_FMT_*).  Returns 0, -EINVAL (unknown
 * format), -ENOMEM or -EIO (a write failed).
 */
int render__compare(FILE *f, int fmt, const struct cmp_result *r);
int render__compare_text(FILE *f, const struct cmp_result *r);
int render__compare_json(FILE *f, const struct cmp_result *r);
int render__compare_markdown(FILE *f, const struct cmp_result *r);
int render__compare_junit(FILE *f, const struct cmp_result *r);

#endif
