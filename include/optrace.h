/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * optrace.h - mark your application's operations for optrace.
 *
 *	#include <optrace.h>
 *
 *	OPTRACE_BEGIN("download", "fetch_model");
 *	n = fetch(url, buf);
 *	OPTRACE_END("download", "fetch_model", n < 0 ? -errno : 0, n);
 *
 *	OPTRACE_COUNT("cache", "hit");		(an event: counted, not timed)
 *
 * Each marker is a USDT probe (sys/sdt.h, systemtap-sdt-dev): untraced it
 * costs one nop and the argument moves, no call, no branch, no memory.
 * `optrace trace -u marks:./app` (or -u 'marks:./app:download:*') turns every
 * marked operation into an op named NAME in category CATEGORY; a BEGIN and
 * the END with the same category and name are matched per thread (nesting
 * and recursion as for functions), and end with
 *   err	0 for success, else an error code (errno style; reports list them)
 *   bytes	a byte count (>= 0) the reports sum and rate; 0 when none.
 * `optrace list ./app` shows the markers.
 *
 * CATEGORY and NAME must be string literals (no '"', '\\' or ':'): they are
 * written into the probe's ELF note at compile time, so optrace knows every
 * op before the program runs and reads no string while tracing.  Ops are a
 * fixed, bounded set, like metric names; put variable data in bytes/err.
 *
 * Probe names in the note: provider "optrace", name "CATEGORY:NAME:begin",
 * ":end" (arguments: err, bytes) and ":count" (none).
 *
 * Define OPTRACE_DISABLE (or build where <sys/sdt.h> is missing) and the
 * markers compile to nothing, arguments not evaluated.
 */
#ifndef OPTRACE_MARKERS_H
#define OPTRACE_MARKERS_H

#if !defined(OPTRACE_DISABLE) && defined(__has_include)
#if __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#define OPTRACE_ENABLED 1
#endif
#endif

#ifdef OPTRACE_ENABLED

/*
 * sys/sdt.h's probe body with the probe name given as a string literal
 * (STAP_PROBEn stringifies an identifier, which cannot hold ':').  The
 * note layout, argument templates and operands are sys/sdt.h's own.
 */
#define _OPTRACE_BODY(pname, n)                                                     \
	_SDT_DEF_MACROS                                                             \
	_SDT_ASM_1(990: _SDT_NOP)                                                   \
	_SDT_ASM_3(.pushsection .note.stapsdt, _SDT_ASM_AUTOGROUP, "note")          \
	_SDT_ASM_1(.balign 4)                                                       \
	_SDT_ASM_3(.4byte 992f - 991f, 994f - 993f, _SDT_NOTE_TYPE)                 \
	_SDT_ASM_1(991: .asciz _SDT_NOTE_NAME)                                      \
	_SDT_ASM_1(992: .balign 4)                                                  \
	_SDT_ASM_1(993: _SDT_ASM_ADDR 990b)                                         \
	_SDT_ASM_1(_SDT_ASM_ADDR _.stapsdt.base)                                    \
	_SDT_ASM_1(_SDT_ASM_ADDR 0)                                                 \
	_SDT_ASM_STRING(optrace)                                                    \
	".asciz \"" pname "\"\n"                                                    \
	_SDT_ASM_ARGS(n)                                                            \
	_SDT_ASM_SUBSTR(\x00)                                                       \
	_SDT_UNDEF_MACROS                                                           \
	_SDT_ASM_1(994: .balign 4)                                                  \
	_SDT_ASM_1(.popsection)

#define _OPTRACE_PROBE0(pname)                                                      \
	do {                                                                        \
		__asm__ __volatile__(_OPTRACE_BODY(pname, 0) ::_SDT_ASM_OPERANDS_0()); \
		__asm__ __volatile__(_SDT_ASM_BASE);                                \
	} while (0)

#define _OPTRACE_PROBE1(pname, a1)                                                  \
	do {                                                                        \
		__asm__ __volatile__(_OPTRACE_BODY(pname, 1)                        \
				     ::_SDT_ASM_OPERANDS_1(a1));                    \
		__asm__ __volatile__(_SDT_ASM_BASE);                                \
	} while (0)

#define _OPTRACE_PROBE2(pname, a1, a2)                                              \
	do {                                                                        \
		__asm__ __volatile__(_OPTRACE_BODY(pname, 2)                        \
				     ::_SDT_ASM_OPERANDS_2(a1, a2));                \
		__asm__ __volatile__(_SDT_ASM_BASE);                                \
	} while (0)

/* Starts operation NAME of CATEGORY on this thread. */
#define OPTRACE_BEGIN(category, name) _OPTRACE_PROBE0(category ":" name ":begin")

/* Ends it: err 0 = success, else an error code; bytes >= 0 (0: none). */
#define OPTRACE_END(category, name, err, bytes)                                     \
	_OPTRACE_PROBE2(category ":" name ":end", (long long)(err), (long long)(bytes))

#define OPTRACE_END_OK(category, name, bytes) OPTRACE_END(category, name, 0, bytes)

/* One event of CATEGORY:NAME, counted (rates, no latency). */
#define OPTRACE_COUNT(category, name) _OPTRACE_PROBE0(category ":" name ":count")

#else /* markers disabled */

#define OPTRACE_BEGIN(category, name) ((void)0)
#define OPTRACE_END(category, name, err, bytes) ((void)0)
#define OPTRACE_END_OK(category, name, bytes) ((void)0)
#define OPTRACE_COUNT(category, name) ((void)0)

#endif

#endif /* OPTRACE_MARKERS_H */
