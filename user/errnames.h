/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * errnames.h - errno values to their symbolic names ("ENOENT").  Pure.
 */
#ifndef OPTRACE_ERRNAMES_H
#define OPTRACE_ERRNAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes the name of error code (e.g. "ENOENT" for 2) into buf; codes with
 * no name print as "E#<code>" and, for error=ret==0 ops, code 0 as "NULL".
 * Returns buf.
 */
const char *errnames__name(int64_t code, char *buf, size_t len);

#endif
