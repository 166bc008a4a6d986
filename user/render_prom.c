// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* render_prom.c - PLACEHOLDER until the prom renderer lands (being written). */
#include <errno.h>
#include "report.h"

int render__prom(FILE *f, const struct report *r, const struct render_opts *o)
{
	(void)f; (void)r; (void)o;
	return -ENOSYS;
}
