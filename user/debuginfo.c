// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * debuginfo.c - finding the symbols a stripped ELF file left elsewhere:
 * the build-id note and .gnu_debuglink section lead to a separate debug
 * file; the .gnu_debugdata section holds an xz-compressed ELF (MiniDebugInfo)
 * that liblzma decompresses in memory.
 *
 * Owns the lookup order (build-id first: it names this very build; then the
 * debuglink places gdb searches, each candidate checked against the link's
 * CRC32) and the decompression.  Leaves symbol reading to elfsym.c.  Never
 * prints: what was tried is written into the caller's buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "debuginfo.h"

#define XZ_OUT_MAX   (1ULL << 30) /* a MiniDebugInfo is a few MiB: refuse absurd sizes */
#define BUILD_ID_MAX 64

static Elf_Scn *section_named(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* The GNU build-id note's bytes; 0 when there is none. */
static size_t build_id_of(Elf *elf, uint8_t *id, size_t max)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((const char *)data->d_buf + noff, "GNU", 4) && nh.n_descsz &&
			    nh.n_descsz <= max) {
				memcpy(id, (const char *)data->d_buf + doff, nh.n_descsz);
				return nh.n_descsz;
			}
		}
	}
	return 0;
}

int debuginfo__build_id_path(const uint8_t *id, size_t n, char *buf, size_t len)
{
	size_t pos;
	int w;

	if (!n)
		return -EINVAL;
	w = snprintf(buf, len, "%s/.build-id/%02x/", DEBUGINFO_ROOT, id[0]);
	if (w < 0 || (size_t)w >= len || (size_t)w + 2 * (n - 1) + sizeof(".debug") > len)
		return -EINVAL;
	pos = (size_t)w;
	for (size_t i = 1; i < n; i++)
		pos += (size_t)sprintf(buf + pos, "%02x", id[i]);
	memcpy(buf + pos, ".debug", sizeof(".debug"));
	return 0;
}

/* CRC32 (zlib's, the one .gnu_debuglink stores) of the file at path; false if unreadable. */
static bool file_crc32(const char *path, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		c = crc32(c, buf, (uInt)n);
	close(fd);
	*crc = (uint32_t)c;
	return n == 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool is_regular(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* Appends "sep what" to the looked-in list (truncated quietly when full). */
static __attribute__((format(printf, 3, 4))) void note(char *looked, size_t len,
							const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!looked || !len)
		return;
	used = strlen(looked);
	if (used && used + 2 < len) {
		memcpy(looked + used, ", ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(looked + used, len - used, fmt, ap);
	va_end(ap);
}

/* The .gnu_debuglink name and CRC; false when there is no valid link. */
static bool debuglink_of(Elf *elf, char *name, size_t len, uint32_t *crc)
{
	Elf_Scn *scn = section_named(elf, ".gnu_debuglink");
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	size_t nlen, crc_off;

	if (!data || !data->d_buf || !data->d_size)
		return false;
	nlen = strnlen(data->d_buf, data->d_size);
	crc_off = (nlen + 4) & ~(size_t)3;
	if (!nlen || nlen >= len || crc_off + 4 > data->d_size || strchr(data->d_buf, '/'))
		return false;
	memcpy(name, data->d_buf, nlen + 1);
	memcpy(crc, (const char *)data->d_buf + crc_off, 4);
	return true;
}

int debuginfo__find_file(Elf *elf, const char *path, char **found, char *looked,
			 size_t lookedlen)
{
	char cand[PATH_MAX], dir[PATH_MAX], link[256];
	uint8_t id[BUILD_ID_MAX];
	size_t idlen = build_id_of(elf, id, sizeof(id));
	const char *slash;
	uint32_t want;
	int i;

	*found = NULL;
	if (looked && lookedlen)
		looked[0] = '\0';
	if (idlen && !debuginfo__build_id_path(id, idlen, cand, sizeof(cand))) {
		note(looked, lookedlen, "build-id %s", cand);
		if (is_regular(cand) && !same_file(cand, path))
			goto found;
	} else {
		note(looked, lookedlen, "no build-id");
	}
	if (!debuglink_of(elf, link, sizeof(link), &want)) {
		note(looked, lookedlen, "no .gnu_debuglink");
		return -ENOENT;
	}
	slash = strrchr(path, '/');
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	for (i = 0; i < 3; i++) {
		static const char *const fmts[] = { "%s/%s", "%s/.debug/%s", DEBUGINFO_ROOT "%s/%s" };
		uint32_t crc;
		int w;

		/* DEBUGINFO_ROOT/<dir>/ needs an absolute dir ("/usr/lib/debug/usr/bin/x.debug"). */
		if (i == 2 && dir[0] != '/')
			continue;
		w = snprintf(cand, sizeof(cand), fmts[i], dir, link);
		if (w < 0 || (size_t)w >= sizeof(cand))
			continue;
		note(looked, lookedlen, "debuglink %s", cand);
		if (is_regular(cand) && !same_file(cand, path) && file_crc32(cand, &crc) &&
		    crc == want)
			goto found;
	}
	return -ENOENT;
found:
	*found = strdup(cand);
	return *found ? 0 : -ENOMEM;
}

int debuginfo__xz_decode(const void *in, size_t len, void **out, size_t *outlen)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	size_t cap = len * 4 + 4096;
	uint8_t *buf = NULL;
	lzma_ret r;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (lzma_stream_decoder(&strm, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	strm.next_in = in;
	strm.avail_in = len;
	do {
		if (!buf || strm.avail_out == 0) {
			size_t used = strm.total_out;
			uint8_t *nb;

			if (buf)
				cap *= 2;
			if (cap > XZ_OUT_MAX) {
				err = -E2BIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			strm.next_out = buf + used;
			strm.avail_out = cap - used;
		}
		r = lzma_code(&strm, LZMA_FINISH);
	} while (r == LZMA_OK);
	if (!err && r != LZMA_STREAM_END)
		err = r == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
	if (!err) {
		*out = buf;
		*outlen = strm.total_out;
	} else {
		free(buf);
	}
	lzma_end(&strm);
	return err;
}

int debuginfo__gnu_debugdata(Elf *elf, void **out, size_t *outlen)
{
	Elf_Scn *scn = section_named(elf, ".gnu_debugdata");
	Elf_Data *data = scn ? elf_rawdata(scn, NULL) : NULL;

	*out = NULL;
	*outlen = 0;
	if (!data || !data->d_buf || !data->d_size)
		return -ENOENT;
	return debuginfo__xz_decode(data->d_buf, data->d_size, out, outlen);
}
