/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * record.h - record files: a report saved as gzip-compressed JSON
 * ({"format": "optrace.record", "schema_version": N, "report": {...}}),
 * and read back.  docs/record.md describes the format.
 */
#ifndef OPTRACE_RECORD_H
#define OPTRACE_RECORD_H

#include <stddef.h>

#include "report.h"

#define RECORD_FORMAT "optrace.record"
/* Bumped when a field is removed, renamed or changes meaning; added fields keep it. */
#define RECORD_SCHEMA_VERSION 1
/* A record that decompresses to more than this is refused (-EFBIG). */
#define RECORD_MAX_BYTES (1ULL << 30)

/*
 * Writes r to path: a temporary ".NAME.XXXXXX" in path's directory
 * (created O_EXCL|O_NOFOLLOW, mode 0644 less umask), gzip-compressed,
 * fsync'd, then renamed over path.  Returns 0 or a negative errno with a
 * one-line message in err (without the path): -ENOMEM, -ENOSPC (disk
 * full), -EACCES, -ENOENT (no such directory), -EIO...  On error no
 * temporary file is left and an existing file at path is untouched.
 */
int record__write(const char *path, const struct report *r, char *err, size_t errlen);

/*
 * Reads the record at path into *out (free with report__free).  Plain
 * (uncompressed) JSON is accepted too.  Returns 0 or, with a one-line
 * message in err (without the path):
 *   -ENOENT, -EACCES, -EISDIR...  the file cannot be opened or read;
 *   -EINVAL  "empty file", "not an optrace record" (a foreign file),
 *            "corrupt or truncated record" (gzip CRC/length error,
 *            truncated JSON), or "bad record: PATH: ..." (a field);
 *   -EPROTO  the record's schema version is newer than this optrace's;
 *   -EFBIG   it decompresses to more than RECORD_MAX_BYTES;
 *   -ENOMEM.
 * On error *out is empty (zeroed).
 */
int record__read(const char *path, struct report *out, char *err, size_t errlen);

#endif
