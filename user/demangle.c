// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * demangle.c - see demangle.h.  Pure; never prints.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

/* libstdc++ (cxxabi.h), extern "C". */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Drops a Rust legacy hash suffix "::h" + 16 hex digits at the end of s. */
static void strip_rust_hash(char *s)
{
	size_t n = strlen(s);
	char *h;

	if (n < 19)
		return;
	h = s + n - 19;
	if (strncmp(h, "::h", 3))
		return;
	for (int i = 3; i < 19; i++)
		if (!isxdigit((unsigned char)h[i]))
			return;
	*h = '\0';
}

char *demangle__name(const char *sym)
{
	int status = 0;
	char *d;

	if (!sym || strncmp(sym, "_Z", 2))
		return NULL;
	d = __cxa_demangle(sym, NULL, NULL, &status);
	if (status || !d) {
		free(d);
		return NULL;
	}
	if (!strncmp(sym, "_ZN", 3))
		strip_rust_hash(d);
	return d;
}
