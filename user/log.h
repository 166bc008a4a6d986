/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * log.h - diagnostics to stderr with levels; owns libbpf's print hook.
 * Messages are one line, prefixed "optrace: ".  Compute modules do not print;
 * they return -errno and fill an error buffer; the caller with the context logs.
 */
#ifndef OPTRACE_LOG_H
#define OPTRACE_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Sets the level (default LOG_WARN) and installs the libbpf print hook. */
void log__init(enum log_level level);
enum log_level log__level(void);
void log__printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...)   log__printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  log__printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log__printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__printf(LOG_DEBUG, __VA_ARGS__)

#endif
