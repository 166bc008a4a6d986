// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * calib.c - calibration targets, their location in optrace's executable,
 * and the instruction classifier that decides which bias an op pays.
 *
 * The targets are written in assembly so that their first instruction is
 * exactly of the class they calibrate, whatever the compiler flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib.h"
#include "elfsym.h"

void optrace_calib_emulated(void);
void optrace_calib_stepped(void);

#if defined(__x86_64__)
__asm__(".text\n"
	".globl optrace_calib_emulated\n"
	".type optrace_calib_emulated, @function\n"
	"optrace_calib_emulated:\n"
	"	push %rbp\n" /* emulated: the common frame-pointer prologue */
	"	mov %rsp, %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size optrace_calib_emulated, .-optrace_calib_emulated\n"
	".globl optrace_calib_stepped\n"
	".type optrace_calib_stepped, @function\n"
	"optrace_calib_stepped:\n"
	"	mov %rdi, %rax\n" /* not emulated: single-stepped out of line */
	"	ret\n"
	".size optrace_calib_stepped, .-optrace_calib_stepped\n");
#else
__attribute__((noinline)) void optrace_calib_emulated(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void optrace_calib_stepped(void)
{
	__asm__ volatile("" ::: "memory");
}
#endif

const char *calib__class_name(enum calib_class c)
{
	return c == CALIB_EMULATED ? "emulated" : "single-stepped";
}

/*
 * The kernel's x86 uprobe emulation (arch/x86/kernel/uprobes.c): relative
 * jumps, calls and conditional jumps, nops, and push of a register.
 */
enum calib_class calib__classify(const uint8_t *p, size_t n)
{
	if (!n)
		return CALIB_STEPPED;
	/* REX.B push %r8..%r15 */
	if (n >= 2 && p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57)
		return CALIB_EMULATED;
	if (p[0] >= 0x50 && p[0] <= 0x57)	/* push %rax..%rdi */
		return CALIB_EMULATED;
	if (p[0] == 0x90 || p[0] == 0xe8 || p[0] == 0xe9 || p[0] == 0xeb ||
	    (p[0] >= 0x70 && p[0] <= 0x7f))	/* nop, call, jmp, jcc8 */
		return CALIB_EMULATED;
	if (n >= 2 && p[0] == 0x0f && ((p[1] >= 0x80 && p[1] <= 0x8f) || p[1] == 0x1f))
		return CALIB_EMULATED;		/* jcc32, multi-byte nop */
	return CALIB_STEPPED;
}

enum calib_class calib__classify_file(const char *path, uint64_t offset)
{
	uint8_t buf[16];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = pread(fd, buf, sizeof(buf), offset);
		close(fd);
	}
	return n > 0 ? calib__classify(buf, n) : CALIB_STEPPED;
}

bool calib__insn_steppable_file(const char *path, uint64_t offset)
{
	uint8_t b = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, &b, 1, offset) : -1;

	if (fd >= 0)
		close(fd);
	/* In 64-bit mode 0x62 always starts an EVEX prefix (BOUND is gone). */
	return n == 1 && b != 0x62;
}

static int main_object_base(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	/* The first object dl_iterate_phdr reports is the main program. */
	*(uintptr_t *)data = info->dlpi_addr;
	return 1;
}

static void (*calib_fn(enum calib_class c))(void)
{
	return c == CALIB_EMULATED ? optrace_calib_emulated : optrace_calib_stepped;
}

int calib__locate(enum calib_class c, char **path, uint64_t *offset)
{
	char buf[PATH_MAX];
	uintptr_t base = 0;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	int err;

	if (n < 0)
		return -errno;
	buf[n] = 0;
	dl_iterate_phdr(main_object_base, &base);
	err = elfsym__vaddr_to_off(buf, (uintptr_t)calib_fn(c) - base, offset);
	if (err)
		return err;
	*path = strdup(buf);
	return *path ? 0 : -ENOMEM;
}

void calib__run(enum calib_class c, unsigned n)
{
	void (*volatile fn)(void) = calib_fn(c);

	while (n--)
		fn();
}
