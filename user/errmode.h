/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * errmode.h - an op's error= rule applied to a return value, and named.
 */
#ifndef OPTRACE_ERRMODE_H
#define OPTRACE_ERRMODE_H

#include <stdbool.h>
#include <stdint.h>

#include "probes.h"

/*
 * True when ret is a failure under mode; *code (may be NULL) gets the error
 * code: -ret for ret<0 (an errno), ret for ret!=0, 0 for ret==0.
 */
bool errmode__failed(enum probe_error_mode mode, int64_t ret, int64_t *code);
/* "ret<0", "ret==0", "ret!=0" or "none": the rule as the user wrote it. */
const char *errmode__name(enum probe_error_mode mode);

#endif
