/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * calib.h - measuring the constant bias a uprobe + uretprobe pair adds to
 * every latency it measures: optrace probes a function of its own whose
 * own run time is ~1 ns and takes the median of what the BPF side measured.
 */
#ifndef OPTRACE_CALIB_H
#define OPTRACE_CALIB_H

#include <stdint.h>

/* The function calibration traces: push %rbp; mov %rsp,%rbp; pop %rbp; ret. */
void optrace_calib_op(void);

/*
 * Finds the file and file offset of optrace_calib_op in optrace's own
 * executable.  Returns 0 and a malloc'd *path, or -errno.
 */
int calib__locate(char **path, uint64_t *offset);

/* Calls optrace_calib_op n times. */
void calib__run(unsigned n);

#endif
