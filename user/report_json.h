/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * report_json.h - a report as a jansson tree and back.  render_json.c
 * writes the tree (plain for `-f json`, full for records); report_read.c
 * rebuilds a report from a full tree.  docs/record.md describes both.
 */
#ifndef OPTRACE_REPORT_JSON_H
#define OPTRACE_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "report.h"

/*
 * The report as a new JSON tree (the caller json_decref's it), or NULL on
 * ENOMEM.  full = false: what `-f json` prints (docs/report.schema.json).
 * full = true: the same tree plus everything report__from_json needs to
 * rebuild r exactly (sparse histograms, series, spans, raw resources).
 */
json_t *report__to_json(const struct report *r, bool full);

/*
 * Rebuilds a report from a full tree (report__to_json(r, true)).  Every
 * field is type- and range-checked: a missing required field or a wrong
 * type is -EINVAL with "PATH: what is wrong" in err (e.g.
 * "report.ops[2].calls: expected an unsigned integer"); -ENOMEM.  Unknown
 * keys are ignored.  On success *out owns everything it points to (arrays,
 * strings, op_infos, histograms, series, filesystems): free it with
 * report__free().  On error *out is empty (zeroed).
 */
int report__from_json(const json_t *root, struct report *out, char *err, size_t errlen);

#endif
