// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_probe_spec.c - libFuzzer target for probe_spec__parse (user/probes.c):
 * any string given to -u must parse or fail with a message, never crash,
 * leak or overflow err.  The input is one spec (NUL-terminated here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_spec spec;
	char err[128]; /* smaller than a long spec: messages must truncate */
	char *text = malloc(size + 1);
	int ret;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&spec, 0, sizeof(spec));
	ret = probe_spec__parse(text, &spec, err, sizeof(err));
	if (ret == 0 && (!spec.binary || !spec.func))
		abort(); /* a parsed spec names a binary and a function */
	if (ret != 0 && !memchr(err, '\0', sizeof(err)))
		abort();
	probe_spec__free(&spec);
	free(text);
	return 0;
}
