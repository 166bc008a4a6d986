// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* render_html.c - PLACEHOLDER until the html renderer lands (being written). */
#include <errno.h>
#include "report.h"

int render__html(FILE *f, const struct report *r, const struct render_opts *o)
{
	(void)f; (void)r; (void)o;
	return -ENOSYS;
}
