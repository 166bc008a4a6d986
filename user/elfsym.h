/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * elfsym.h - the functions an ELF file defines, read with libelf.
 *
 * Owns: reading .symtab and .dynsym, turning a symbol's virtual address into
 * the file offset uprobes attach at, spotting functions that begin with
 * endbr64 and IFUNC symbols.  Leaves spec parsing and path resolution to
 * probes.c.  Pure apart from reading the file; never prints.
 */
#ifndef OPTRACE_ELFSYM_H
#define OPTRACE_ELFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_func {
	char *name;	   /* symbol name as stored (mangled for C++) */
	char *demangled;   /* C++/Rust: the readable name (demangle.h), else NULL */
	uint64_t vaddr;	   /* st_value */
	uint64_t size;	   /* st_size (0 for some assembler functions) */
	uint64_t file_off; /* file offset of the first instruction */
	unsigned is_ifunc : 1; /* STT_GNU_IFUNC: vaddr is the resolver */
	unsigned endbr : 1;    /* first instruction is endbr64 (f3 0f 1e fa) */
	unsigned global : 1;   /* STB_GLOBAL or STB_WEAK */
};

/* Where an elf_funcs' symbols came from (bits of elf_funcs.sources). */
enum elfsym_source {
	ELFSYM_SRC_SYMTAB = 1 << 0,    /* the file's own .symtab */
	ELFSYM_SRC_DYNSYM = 1 << 1,    /* the file's .dynsym (exported functions) */
	ELFSYM_SRC_DEBUGDATA = 1 << 2, /* .gnu_debugdata (MiniDebugInfo) */
	ELFSYM_SRC_DEBUGFILE = 1 << 3, /* a separate debug file (build-id or debuglink) */
};

struct elf_funcs {
	struct elf_func *v; /* sorted by name, then vaddr; one entry per (name, vaddr) */
	size_t n;
	int is_exec;	    /* ET_EXEC (non-PIE) rather than ET_DYN */
	bool stripped;	    /* the file has no .symtab of its own */
	unsigned sources;   /* enum elfsym_source bits that gave symbols */
	char *debug_file;   /* the separate debug file read, or NULL */
	char *looked;	    /* stripped: where debug symbols were looked for, or NULL */
};

/*
 * Reads the defined functions (STT_FUNC and STT_GNU_IFUNC with a section) of
 * the ELF file at path into *out.  A file without .symtab (stripped) also
 * gets the function symbols of its .gnu_debugdata section and of its
 * separate debug file (debuginfo.h): their addresses are mapped to file
 * offsets through path's own program headers.  An unreadable or corrupt
 * debug source is skipped (the file's own symbols still count).  Returns 0; -ENOENT/-EACCES/... when the
 * file cannot be opened; -ENOEXEC when it is not an ELF file of this
 * machine; -ENOMEM.  *out is empty (n == 0) on error.  Free with
 * elfsym__free().
 */
int elfsym__load(const char *path, struct elf_funcs *out);
void elfsym__free(struct elf_funcs *funcs);

/*
 * Converts a virtual address of the file at path into its file offset
 * through the program headers (PT_LOAD).  Returns 0 and *off, or -ENOENT
 * when no executable segment holds vaddr, or another -errno.
 */
int elfsym__vaddr_to_off(const char *path, uint64_t vaddr, uint64_t *off);

/* The function whose [vaddr, vaddr+size) holds vaddr, preferring a global name; NULL if none. */
const struct elf_func *elfsym__by_vaddr(const struct elf_funcs *funcs, uint64_t vaddr);

/* Does the ELF file at path have a section called name?  False when unreadable. */
bool elfsym__has_section(const char *path, const char *name);

/* "symtab", "dynsym, .gnu_debugdata", ...: the sources bits as words ("none"). */
const char *elfsym__sources_str(unsigned sources, char *buf, size_t len);

#endif
