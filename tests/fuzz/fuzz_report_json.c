// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_report_json.c - libFuzzer target for report__from_json
 * (user/report_read.c): the input is JSON, either a whole record document
 * (its "report" member is read, as record__read does) or a bare report.
 * A report that reads back is rendered as JSON again (report__to_json),
 * so what the reader accepts must be consistent enough to render.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "report.h"
#include "report_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root, *rep, *back;
	struct report r;
	char err[200];

	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return 0;
	rep = json_object_get(root, "report");
	if (!rep)
		rep = root;
	if (report__from_json(rep, &r, err, sizeof(err)) == 0) {
		back = report__to_json(&r, true);
		json_decref(back);
		report__free(&r);
	}
	json_decref(root);
	return 0;
}
