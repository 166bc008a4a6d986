// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * log.c - the one diagnostic sink.  Owns the log level (one of the two
 * mutable globals optrace allows) and libbpf's print callback, which maps
 * libbpf's levels onto ours so `-v` shows libbpf's detail and default runs
 * stay quiet.
 */
#include <stdio.h>
#include <bpf/libbpf.h>

#include "log.h"

static enum log_level log_level = LOG_WARN;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level ours = level == LIBBPF_WARN ? LOG_INFO :
			      level == LIBBPF_INFO ? LOG_DEBUG : LOG_DEBUG + 1;

	if (ours > log_level)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log__init(enum log_level level)
{
	log_level = level;
	libbpf_set_print(libbpf_print);
}

enum log_level log__level(void)
{
	return log_level;
}

void log__printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	fputs("optrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
