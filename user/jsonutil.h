/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * jsonutil.h - the small jansson helpers the JSON renderers share: u64 and
 * double values that stay valid JSON, and setters that record allocation
 * failure in *ok instead of checking every call.
 */
#ifndef OPTRACE_JSONUTIL_H
#define OPTRACE_JSONUTIL_H

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

static inline json_t *ju64(uint64_t v)
{
	return json_integer(v > LLONG_MAX ? LLONG_MAX : (json_int_t)v);
}

/* JSON has no NaN or infinity: those become null. */
static inline json_t *jreal(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static inline json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/*
 * Sets obj[key] = v, stealing v.  A NULL v (failed allocation) or a failed
 * set clears *ok; jansson frees v on failure, so nothing leaks.
 */
static inline void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (json_object_set_new(obj, key, v))
		*ok = false;
}

static inline void append(json_t *arr, json_t *v, bool *ok)
{
	if (json_array_append_new(arr, v))
		*ok = false;
}

#endif
