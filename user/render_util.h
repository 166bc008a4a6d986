/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * render_util.h - small helpers the export renderers (CSV, Prometheus,
 * HTML, Perfetto) share: names of an op with fallbacks, UTF-8 validation
 * (every export format is UTF-8 text, while process and symbol names are
 * arbitrary bytes), clamping doubles, and the final flush.  Static inline:
 * no module of its own, so unit tests link only the renderers they test.
 */
#ifndef OPTRACE_RENDER_UTIL_H
#define OPTRACE_RENDER_UTIL_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errnames.h"
#include "report.h"

static inline const char *ru_str(const char *s)
{
	return s ? s : "";
}

static inline const char *ru_op_name(const struct report_op *op)
{
	return op->info && op->info->name ? op->info->name : "?";
}

static inline const char *ru_op_category(const struct report_op *op)
{
	return op->info ? ru_str(op->info->category) : "";
}

/* An error type's name: the report's, or the errno name of its code. */
static inline const char *ru_err_name(const struct report_err *e, char *buf, size_t len)
{
	return e->name[0] ? e->name : errnames__name(e->code, buf, len);
}

/* The compensated bias to shift histogram bucket edges down by (0: none). */
static inline uint64_t ru_shift(const struct report_op *op)
{
	return op->compensated && op->bias_ns > 0 ? (uint64_t)op->bias_ns : 0;
}

/* A non-negative double (means, rates) rounded and clamped to u64; NaN is 0. */
static inline uint64_t ru_u64(double v)
{
	if (!(v > 0.0))
		return 0;
	return v >= 0x1p64 ? UINT64_MAX : (uint64_t)llround(v);
}

/*
 * Length (1..4) of the well-formed UTF-8 sequence starting at s, or 0 when
 * the bytes there are not one (stray continuation byte, overlong form,
 * surrogate, past U+10FFFF, truncated).  Never reads past a NUL: each
 * continuation byte is checked before the next is read.
 */
static inline size_t ru_utf8_len(const unsigned char *s)
{
	unsigned int c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (c == 0xe0 && s[1] < 0xa0) ||
		    (c == 0xed && s[1] > 0x9f) || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (c == 0xf0 && s[1] < 0x90) ||
		    (c == 0xf4 && s[1] > 0x8f) || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

#define RU_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD, for bytes that are not UTF-8 */

/*
 * Writes the entity of one of markup's five special characters (the same in
 * HTML and XML: &#39; for the apostrophe) and returns 1; 0 for any other.
 */
static inline int ru_put_entity(FILE *f, unsigned char ch)
{
	static const char *const ent[] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
	};

	if (ch >= sizeof(ent) / sizeof(ent[0]) || !ent[ch])
		return 0;
	fputs(ent[ch], f);
	return 1;
}

/*
 * A copy of s with every byte that is not part of well-formed UTF-8
 * replaced by U+FFFD (malloc'd; NULL on ENOMEM).
 */
static inline char *ru_utf8_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, k;
	char *d, *q;

	for (; *p; p += k ? k : 1)
		n += (k = ru_utf8_len(p)) ? k : 3;
	d = q = malloc(n + 1);
	if (!d)
		return NULL;
	for (p = (const unsigned char *)s; *p; p += k ? k : 1) {
		k = ru_utf8_len(p);
		memcpy(q, k ? (const char *)p : RU_REPLACEMENT, k ? k : 3);
		q += k ? k : 3;
	}
	*q = '\0';
	return d;
}

/* Flushes f: 0, or -EIO when any write failed. */
static inline int ru_finish(FILE *f)
{
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

#endif
