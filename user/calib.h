/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * calib.h - the constant bias a uprobe + uretprobe pair adds to every
 * latency it measures, and which probed instructions pay which bias.
 *
 * After the entry program takes its timestamp, the kernel still has to
 * execute the probed instruction: x86 emulates a few (push, nop, jumps,
 * calls) and single-steps every other one out of line, which costs a
 * second trap.  So optrace calibrates two classes, each with a function of
 * its own whose run time is ~1 ns and whose first instruction is of that
 * class, and charges each op the bias of its first probed instruction.
 */
#ifndef OPTRACE_CALIB_H
#define OPTRACE_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum calib_class {
	CALIB_EMULATED = 0, /* push / nop / jmp / call / jcc: emulated by the kernel */
	CALIB_STEPPED = 1,  /* anything else: single-stepped out of line */
	CALIB_NR_CLASSES,
};

/* "emulated" / "single-stepped". */
const char *calib__class_name(enum calib_class c);

/* The class of the x86-64 instruction starting at insn (n bytes readable). */
enum calib_class calib__classify(const uint8_t *insn, size_t n);

/*
 * Reads the first bytes at offset of the file at path and classifies the
 * instruction there.  Unreadable files count as CALIB_STEPPED (the
 * conservative, larger bias).
 */
enum calib_class calib__classify_file(const char *path, uint64_t offset);

/*
 * Whether single-stepping the x86-64 instruction at insn out of line keeps
 * the program correct.  EVEX-encoded (AVX-512) instructions are refused:
 * on this project's 6.18 kernel a single-stepped `vpbroadcastb %esi,%ymm17`
 * (glibc's __strchr_evex) loses its result, so the traced program computes
 * wrong answers.  false also when the file cannot be read.
 */
bool calib__insn_steppable_file(const char *path, uint64_t offset);

/*
 * Finds the file and file offset of the calibration function of class c in
 * optrace's own executable.  Returns 0 and a malloc'd *path, or -errno.
 */
int calib__locate(enum calib_class c, char **path, uint64_t *offset);

/* Calls the calibration function of class c n times. */
void calib__run(enum calib_class c, unsigned n);

#endif
