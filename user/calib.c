// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * calib.c - the calibration target and how to find it.
 *
 * The target is written in assembly so that its first instruction is the
 * common frame-pointer prologue (push %rbp) whatever the compiler flags:
 * the probed instruction decides whether the kernel emulates it or
 * single-steps it out of line, which is most of the bias.
 */
#include <errno.h>
#include <link.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib.h"
#include "elfsym.h"

#if defined(__x86_64__)
__asm__(".text\n"
	".globl optrace_calib_op\n"
	".type optrace_calib_op, @function\n"
	"optrace_calib_op:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size optrace_calib_op, .-optrace_calib_op\n");
#else
__attribute__((noinline)) void optrace_calib_op(void)
{
	__asm__ volatile("" ::: "memory");
}
#endif

static int main_object_base(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	/* The first object dl_iterate_phdr reports is the main program. */
	*(uintptr_t *)data = info->dlpi_addr;
	return 1;
}

int calib__locate(char **path, uint64_t *offset)
{
	char buf[PATH_MAX];
	uintptr_t base = 0;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	int err;

	if (n < 0)
		return -errno;
	buf[n] = 0;
	dl_iterate_phdr(main_object_base, &base);
	err = elfsym__vaddr_to_off(buf, (uintptr_t)optrace_calib_op - base, offset);
	if (err)
		return err;
	*path = strdup(buf);
	return *path ? 0 : -ENOMEM;
}

void calib__run(unsigned n)
{
	void (*volatile fn)(void) = optrace_calib_op;

	while (n--)
		fn();
}
