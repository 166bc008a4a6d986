/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * render_res.h - resource sections shared by the text and JSON renderers.
 */
#ifndef OPTRACE_RENDER_RES_H
#define OPTRACE_RENDER_RES_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "report.h"

/* Text: a process's resource lines (nothing when not sampled). */
void render_res__text_pid(FILE *f, const struct report_pid *p);
/* Text: the system snapshot block (nothing when invalid). */
void render_res__text_sys(FILE *f, const struct res_sys *s);
/* JSON: the process's "resources" object, or null; allocation failure clears *ok. */
json_t *render_res__json_pid(const struct report_pid *p, bool *ok);
/* JSON: the "system" object, or null. */
json_t *render_res__json_sys(const struct res_sys *s, bool *ok);

#endif
