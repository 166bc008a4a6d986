// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_cmp_rule.c - libFuzzer target for cmp__parse_rule (user/compare.c),
 * the --fail-on RULE parser: parses or fails with a message; a parsed rule
 * has a NUL-terminated normalised text and a direction of +1 or -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmp_rule rule;
	char err[96];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&rule, 0xa5, sizeof(rule)); /* garbage in: the parser must set what it returns */
	if (cmp__parse_rule(text, &rule, err, sizeof(err)) == 0) {
		if (!memchr(rule.text, '\0', sizeof(rule.text)) || (rule.dir != 1 && rule.dir != -1))
			abort();
	} else if (!memchr(err, '\0', sizeof(err))) {
		abort();
	}
	free(text);
	return 0;
}
