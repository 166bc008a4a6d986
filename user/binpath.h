/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * binpath.h - finding the ELF file a probe spec's BINARY part names.
 */
#ifndef OPTRACE_BINPATH_H
#define OPTRACE_BINPATH_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Finds the file BINARY names (grammar in probes.h), trying the pids' maps
 * first.  Returns 0 and a malloc'd path in *path, -ENOENT when nothing
 * matches, or -ENOMEM.
 */
int binpath__find(const char *binary, const pid_t *pids, size_t npids, char **path);

#endif
