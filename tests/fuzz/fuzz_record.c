// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_record.c - libFuzzer target for record__read (user/record.c): the
 * file layer (gzip through zlib's gz API, size limits, then the JSON).
 * The first input byte picks how the rest is written to the temp file:
 * odd: gzip-compressed here (so the fuzzer reaches the record's JSON
 * checks: format, schema_version, report); even: as is (corrupt or
 * truncated gzip, plain JSON, garbage).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "record.h"
#include "report.h"

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report r;
	char err[200];

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof(path), "/tmp/fuzz-record-%d.XXXXXX", (int)getpid());
		fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(cleanup);
	}
	if (size && (data[0] & 1)) {
		gzFile gz = gzopen(path, "wb");

		if (!gz || (size > 1 && gzwrite(gz, data + 1, size - 1) != (int)(size - 1)))
			abort();
		gzclose(gz);
	} else {
		FILE *f = fopen(path, "w");

		if (!f || (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1) || fclose(f))
			abort();
	}
	if (record__read(path, &r, err, sizeof(err)) == 0)
		report__free(&r);
	else if (!memchr(err, '\0', sizeof(err)))
		abort();
	return 0;
}
