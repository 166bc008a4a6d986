// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * errnames.c - error codes to symbolic names for reports ("ENOENT").
 *
 * Owns the naming rule only: glibc's strerrorname_np (2.32+) supplies the
 * names, so the table always matches the C library the traced programs
 * use.  Leaves to others: deciding which return values are errors (agg.c
 * per the op's error= mode) and the "other" bucket (report.c).  Pure.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "errnames.h"

/*
 * 0 is "NULL": the only code an error=ret==0 op records (a NULL pointer or
 * zero return); no errno is 0.  Negative codes and codes glibc has no name
 * for print as "E#<code>".
 */
const char *errnames__name(int64_t code, char *buf, size_t len)
{
	const char *name = NULL;

	if (code == 0)
		name = "NULL";
	else if (code > 0 && code <= INT_MAX)
		name = strerrorname_np((int)code);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "E#%" PRId64, code);
	return buf;
}
