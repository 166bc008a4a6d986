/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * failalloc.h - calloc failure injection for unit tests.  Include it in
 * exactly one file of a test program (it defines calloc).
 */
#ifndef OPTRACE_FAILALLOC_H
#define OPTRACE_FAILALLOC_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * calloc is interposed (so it cannot be static) to drive hist's -ENOMEM
 * paths: while calloc_fail_after >= 0, that many calls succeed and the next
 * one fails.  It forwards to malloc + memset, the memset through a volatile
 * pointer so the compiler cannot fold the pair back into a calloc call;
 * malloc stays the real one, so ASan, valgrind and libc's own callers work.
 * valgrind replaces calloc even in the main executable, so the tests that
 * need a failure check calloc_can_fail() first and skip without it.
 */
static int calloc_fail_after = -1;
static void *(*const volatile zero_fill)(void *, int, size_t) = memset;

void *calloc(size_t n, size_t size)
{
	void *p;

	if (calloc_fail_after == 0) {
		calloc_fail_after = -1;
		errno = ENOMEM;
		return NULL;
	}
	if (calloc_fail_after > 0)
		calloc_fail_after--;
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(n * size);
	if (p)
		zero_fill(p, 0, n * size);
	return p;
}

/* Whether arming calloc_fail_after takes effect (not under valgrind). */
static inline int calloc_can_fail(void)
{
	static void *(*const volatile calloc_fn)(size_t, size_t) = calloc;
	void *p;

	calloc_fail_after = 0;
	p = calloc_fn(1, 1);
	calloc_fail_after = -1;
	free(p);
	return p == NULL;
}

#endif
