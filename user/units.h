/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * units.h - durations in and out: parsing "10", "10s", "250ms", "1.5s",
 * "500us", "100ns" and formatting nanoseconds with a unit chosen for
 * readability ("812 ns", "2.03 us", "2.00 ms", "50.0 s").  Pure.
 */
#ifndef OPTRACE_UNITS_H
#define OPTRACE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a duration; a bare number is in default_unit_ns (1e9 for seconds).
 * Returns 0 and *ns, or -EINVAL for empty, negative, unknown unit, trailing
 * garbage, or -ERANGE for overflow.
 */
int units__parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *ns);

/* Formats ns into buf with 3 significant digits and a unit; returns buf. */
char *units__fmt_ns(uint64_t ns, char *buf, size_t len);
/* Formats a count with k/M/G suffixes past 10000 ("12.3k"); returns buf. */
char *units__fmt_count(double v, char *buf, size_t len);
/* Formats a fraction as a percentage with 3 significant digits at most
 * ("0.52%", "12.3%", "100%"; "?" when not finite); returns buf. */
char *units__fmt_pct(double frac, char *buf, size_t len);
/* Formats bytes with KiB/MiB/GiB; returns buf. */
char *units__fmt_bytes(uint64_t bytes, char *buf, size_t len);

#endif
