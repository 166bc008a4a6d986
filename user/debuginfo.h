/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * debuginfo.h - where the symbols of a stripped ELF file are kept: its
 * .gnu_debugdata section (MiniDebugInfo: an xz-compressed ELF with a
 * .symtab, as Fedora ships) and separate debug files found through the
 * build-id (/usr/lib/debug/.build-id/xx/yyyy.debug) or .gnu_debuglink.
 *
 * Owns finding those files and decompressing .gnu_debugdata (liblzma).
 * Leaves reading the symbols and mapping them onto the original file's
 * offsets to elfsym.c.  Pure apart from reading files; never prints.
 */
#ifndef OPTRACE_DEBUGINFO_H
#define OPTRACE_DEBUGINFO_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#define DEBUGINFO_ROOT "/usr/lib/debug" /* where -dbgsym / -debuginfo packages install */

/*
 * The separate debug file of elf (opened from path): first
 * DEBUGINFO_ROOT/.build-id/xx/yyyy.debug for its build-id, then its
 * .gnu_debuglink name in path's directory, in its .debug/ subdirectory and
 * under DEBUGINFO_ROOT/<dir>/ (a candidate must match the link's CRC32 and
 * not be path itself).  Returns 0 and a malloc'd path in *found; -ENOENT
 * when none exists; -ENOMEM.  Either way, looked (when not NULL) lists
 * what was tried ("build-id /usr/lib/debug/.build-id/ab/cd.debug, debuglink
 * /x/y.debug, ..." or "no build-id, no .gnu_debuglink").
 */
int debuginfo__find_file(Elf *elf, const char *path, char **found, char *looked,
			 size_t lookedlen);

/*
 * The build-id path of id[0..n): DEBUGINFO_ROOT/.build-id/xx/yyyy.debug in
 * buf.  Returns 0, or -EINVAL when n is 0 or buf is too small.
 */
int debuginfo__build_id_path(const uint8_t *id, size_t n, char *buf, size_t len);

/*
 * Decompresses the .gnu_debugdata section of elf (an xz stream) into a
 * malloc'd buffer *out of *outlen bytes (an ELF image).  Returns 0;
 * -ENOENT when there is no such section; -EBADMSG when it is not valid xz;
 * -E2BIG past 1 GiB; -ENOMEM.
 */
int debuginfo__gnu_debugdata(Elf *elf, void **out, size_t *outlen);

/* Decompresses the xz stream in[0..len) (as above, without the section lookup). */
int debuginfo__xz_decode(const void *in, size_t len, void **out, size_t *outlen);

#endif
