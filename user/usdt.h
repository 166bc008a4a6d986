/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdt.h - the USDT probes (SystemTap SDT notes, .note.stapsdt) an ELF file
 * defines, and the names of optrace's own markers (include/optrace.h).
 *
 * Owns reading the notes with libelf and splitting marker names.  Leaves
 * attaching (libbpf's USDT support, tracer.c) and spec grammar (probes.c)
 * to others.  Pure apart from reading the file; never prints.
 */
#ifndef OPTRACE_USDT_H
#define OPTRACE_USDT_H

#include <stddef.h>
#include <stdint.h>

struct usdt_note {
	char *provider;
	char *name;
	char *args;	  /* argument specs as written ("-8@%rax 8@$5"), "" when none */
	uint64_t pc;	  /* probe address (vaddr, as in the note) */
	uint64_t sema;	  /* semaphore address, 0 when none */
	unsigned nargs;	  /* number of arguments */
};

struct usdt_notes {
	struct usdt_note *v; /* in note order; one per call site */
	size_t n;
};

/*
 * Reads every stapsdt note of the ELF file at path into *out (n == 0 when
 * it has none).  Returns 0, -ENOENT/-EACCES (cannot open), -ENOEXEC (not
 * ELF) or -ENOMEM.  Free with usdt__free().
 */
int usdt__load(const char *path, struct usdt_notes *out);
void usdt__free(struct usdt_notes *notes);

/* The provider of include/optrace.h's markers. */
#define USDT_MARK_PROVIDER "optrace"

/* A marker's role, from its probe name "CATEGORY:NAME:ROLE". */
enum usdt_mark_role {
	USDT_MARK_NONE = 0, /* not a well-formed marker name */
	USDT_MARK_BEGIN,
	USDT_MARK_END,
	USDT_MARK_COUNT,
};

/*
 * Splits a marker probe name "CATEGORY:NAME:ROLE" into malloc'd *category
 * and *name (either may be NULL to skip).  Returns the role, or
 * USDT_MARK_NONE (nothing allocated) when the name is not a marker's.
 */
enum usdt_mark_role usdt__split_mark(const char *probe, char **category, char **name);

#endif
