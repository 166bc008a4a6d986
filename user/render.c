// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render.c - the output formats by name, and dispatch to their renderers.
 */
#include <errno.h>
#include <string.h>

#include "report.h"

static const char *const format_names[FMT_NR] = {
	[FMT_TEXT] = "text", [FMT_JSON] = "json", [FMT_CSV] = "csv",
	[FMT_PROM] = "prom", [FMT_HTML] = "html", [FMT_PERFETTO] = "perfetto",
};

int report__parse_format(const char *name)
{
	for (int i = 0; i < FMT_NR; i++)
		if (!strcmp(name, format_names[i]))
			return i;
	return -1;
}

const char *report__format_name(int fmt)
{
	return fmt >= 0 && fmt < FMT_NR ? format_names[fmt] : "?";
}

int render__report(FILE *f, int fmt, const struct report *r, const struct render_opts *o)
{
	switch (fmt) {
	case FMT_TEXT:
		return render__text(f, r, o);
	case FMT_JSON:
		return render__json(f, r, o);
	case FMT_CSV:
		return render__csv(f, r, o);
	case FMT_PROM:
		return render__prom(f, r, o);
	case FMT_HTML:
		return render__html(f, r, o);
	case FMT_PERFETTO:
		return render__perfetto(f, r, o);
	default:
		return -EINVAL;
	}
}
