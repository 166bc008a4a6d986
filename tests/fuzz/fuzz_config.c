// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_config.c - libFuzzer target for config__load (user/config.c, inih):
 * the input is the config file's text.  config__load reads only paths, so
 * the input is written to one private temp file (mode 0600, owned by the
 * fuzzing user: config__check_perms accepts it as root too).  Loads over
 * the defaults, then a second time over the result (what merging does).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct optrace_config cfg;
	char err[160];
	FILE *f;

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof(path), "/tmp/fuzz-config-%d.XXXXXX", (int)getpid());
		fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(cleanup);
	}
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	config__defaults(&cfg);
	if (config__load(path, &cfg, err, sizeof(err)) == 0)
		config__load(path, &cfg, err, sizeof(err));
	config__free(&cfg);
	return 0;
}
