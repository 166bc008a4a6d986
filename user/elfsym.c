// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * elfsym.c - the functions an ELF file defines, read with libelf.
 *
 * Owns: walking .symtab and .dynsym (and, for a stripped file, the .symtab
 * of its .gnu_debugdata and of its separate debug file, which debuginfo.c
 * finds), mapping symbol addresses to file offsets through the executable
 * PT_LOAD segments of the file itself, and the endbr64 check.
 * The file is mapped read-only (ELF_C_READ_MMAP) so that symbol names and
 * instruction bytes are read in place: only the surviving, deduplicated
 * names are copied.  Left out as untraceable or ambiguous: symbols outside
 * every executable segment, GCC's split-off "foo.cold" blocks, and old
 * symbol versions of a name that has a default one.  Leaves spec parsing,
 * path lookup and IFUNC dispatch to probes.c.  Never prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "demangle.h"
#include "elfsym.h"

#if defined(__x86_64__)
#define ELFSYM_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define ELFSYM_MACHINE EM_AARCH64
#else
#define ELFSYM_MACHINE EM_NONE /* accept any machine */
#endif

#define VERSYM_HIDDEN 0x8000 /* .gnu.version: not the default version of the name */

static const unsigned char endbr64_insn[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

/* An open ELF file: fd + libelf handle + the mapped image. */
struct elf_file {
	int fd;
	Elf *elf;
	const unsigned char *image; /* whole file, from elf_rawfile() */
	size_t image_size;
	GElf_Ehdr ehdr;
	size_t nphdr;
};

/* A symbol before deduplication; name points into the mapped string table. */
struct raw_sym {
	const char *name;
	size_t len; /* name length without any "@VERSION" suffix */
	uint64_t vaddr;
	uint64_t size;
	unsigned char type;
	unsigned char global;
	unsigned char hidden; /* a non-default version (name@VER, not name@@VER) */
};

static void elf_file__close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	ef->elf = NULL;
	ef->fd = -1;
}

/* Opens path and checks it is an ELF file for this machine. */
static int elf_file__open(const char *path, struct elf_file *ef)
{
	memset(ef, 0, sizeof(*ef));
	ef->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0)
		return -errno;
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || !gelf_getehdr(ef->elf, &ef->ehdr) ||
	    gelf_getclass(ef->elf) != ELFCLASS64 ||
	    (ELFSYM_MACHINE != EM_NONE && ef->ehdr.e_machine != ELFSYM_MACHINE) ||
	    elf_getphdrnum(ef->elf, &ef->nphdr) != 0)
		goto not_elf;
	ef->image = (const unsigned char *)elf_rawfile(ef->elf, &ef->image_size);
	if (!ef->image)
		goto not_elf;
	return 0;
not_elf:
	elf_file__close(ef);
	return -ENOEXEC;
}

/* File offset of vaddr through the executable PT_LOAD holding it (file-backed part). */
static int elf_file__vaddr_to_off(struct elf_file *ef, uint64_t vaddr, uint64_t *off)
{
	GElf_Phdr ph;
	size_t i;

	for (i = 0; i < ef->nphdr; i++) {
		if (!gelf_getphdr(ef->elf, i, &ph))
			return -EIO;
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return 0;
		}
	}
	return -ENOENT;
}

static int raw_sym__name_cmp(const struct raw_sym *x, const struct raw_sym *y)
{
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

	return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

static int raw_sym__cmp(const void *a, const void *b)
{
	const struct raw_sym *x = a, *y = b;
	int c = raw_sym__name_cmp(x, y);

	if (c)
		return c;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return 0;
}

/* Is name a block GCC split out of a function (foo.cold, foo.cold.3)?  Not an entry point. */
static bool is_cold_part(const char *name, size_t len)
{
	const char *p = name, *cold = NULL;

	while ((p = memmem(p, len - (size_t)(p - name), ".cold", 5)))
		cold = p++;
	if (!cold)
		return false;
	for (p = cold + 5; p < name + len; p++)
		if (*p != '.' && (*p < '0' || *p > '9'))
			return false;
	return true;
}

/* Appends the defined functions of one symbol table section to *v (no cold parts). */
static int collect_syms(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, Elf_Data *versym,
			struct raw_sym **v, size_t *n, size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, count;

	if (!data || !sh->sh_entsize)
		return 0;
	count = sh->sh_size / sh->sh_entsize;
	for (i = 1; i < count; i++) {
		struct raw_sym *r;
		const char *name, *at;
		GElf_Versym ver;
		GElf_Sym sym;
		int type, bind;
		size_t len;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		bind = GELF_ST_BIND(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		at = strchr(name, '@');
		len = at ? (size_t)(at - name) : strlen(name);
		if (is_cold_part(name, len))
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 1024;
			struct raw_sym *nv = realloc(*v, ncap * sizeof(**v));

			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = ncap;
		}
		r = &(*v)[(*n)++];
		r->name = name;
		r->len = len;
		r->vaddr = sym.st_value;
		r->size = sym.st_size;
		r->type = (unsigned char)type;
		r->global = bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
		r->hidden = at && at[1] != '@';
		if (versym && gelf_getversym(versym, (int)i, &ver))
			r->hidden |= !!(ver & VERSYM_HIDDEN);
	}
	return 0;
}

/* A growing array of raw symbols. */
struct raw_syms {
	struct raw_sym *v;
	size_t n, cap;
};

/*
 * Appends the function symbols of elf's symbol tables of type want
 * (SHT_SYMTAB or SHT_DYNSYM) to *rs.  Returns the number of such tables
 * (>= 0), or -ENOEXEC / -ENOMEM.
 */
static int read_raw_syms(Elf *elf, Elf32_Word want, struct raw_syms *rs)
{
	Elf_Data *versym = NULL;
	Elf_Scn *scn = NULL;
	int err, ntables = 0;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
			versym = elf_getdata(scn, NULL);
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return -ENOEXEC;
		if (sh.sh_type != want)
			continue;
		ntables++;
		err = collect_syms(elf, scn, &sh, sh.sh_type == SHT_DYNSYM ? versym : NULL,
				   &rs->v, &rs->n, &rs->cap);
		if (err)
			return err;
	}
	return ntables;
}

/* The extra symbol sources of a stripped file, open while their names are in use. */
struct extra_syms {
	void *mini;	/* decompressed .gnu_debugdata image */
	size_t mini_len;
	Elf *mini_elf;
	int dbg_fd;
	Elf *dbg_elf;
};

static void extra_syms__close(struct extra_syms *x)
{
	if (x->mini_elf)
		elf_end(x->mini_elf);
	if (x->dbg_elf)
		elf_end(x->dbg_elf);
	if (x->dbg_fd >= 0)
		close(x->dbg_fd);
	free(x->mini);
}

/* Appends the .symtab functions of one extra source; sets bit when it gave any. */
static int read_extra(Elf *elf, struct raw_syms *rs, unsigned bit, struct elf_funcs *out)
{
	size_t before = rs->n;
	int ret;

	if (!elf || elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64)
		return 0;
	ret = read_raw_syms(elf, SHT_SYMTAB, rs);
	if (ret == -ENOMEM)
		return ret;
	if (rs->n > before)
		out->sources |= bit;
	return 0;
}

/*
 * A stripped file: adds the symbols of .gnu_debugdata and of the separate
 * debug file, and notes where they were looked for.  Sources that are
 * missing or unreadable are skipped; only -ENOMEM fails.
 */
static int read_debug_syms(struct elf_file *ef, const char *path, struct raw_syms *rs,
			   struct extra_syms *x, struct elf_funcs *out)
{
	char looked[1024];
	int ret;

	ret = debuginfo__gnu_debugdata(ef->elf, &x->mini, &x->mini_len);
	if (ret == -ENOMEM)
		return ret;
	if (!ret) {
		x->mini_elf = elf_memory(x->mini, x->mini_len);
		ret = read_extra(x->mini_elf, rs, ELFSYM_SRC_DEBUGDATA, out);
		if (ret)
			return ret;
	}
	ret = debuginfo__find_file(ef->elf, path, &out->debug_file, looked, sizeof(looked));
	if (ret == -ENOMEM)
		return ret;
	if (!ret) {
		x->dbg_fd = open(out->debug_file, O_RDONLY | O_CLOEXEC);
		if (x->dbg_fd >= 0)
			x->dbg_elf = elf_begin(x->dbg_fd, ELF_C_READ_MMAP, NULL);
		ret = read_extra(x->dbg_elf, rs, ELFSYM_SRC_DEBUGFILE, out);
		if (ret)
			return ret;
		if (!(out->sources & ELFSYM_SRC_DEBUGFILE)) {
			free(out->debug_file); /* no function symbols there: as if absent */
			out->debug_file = NULL;
		}
	}
	if (asprintf(&out->looked, "%s, .gnu_debugdata%s", looked,
		     x->mini ? "" : " (none)") < 0) {
		out->looked = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Does any symbol of the name run starting at raw[i] have the default version? */
static bool name_has_default(const struct raw_sym *raw, size_t nraw, size_t i)
{
	size_t j;

	for (j = i; j < nraw && !raw_sym__name_cmp(&raw[i], &raw[j]); j++)
		if (!raw[j].hidden)
			return true;
	return false;
}

/*
 * Turns the sorted raw symbols into out->v: one entry per (name, vaddr),
 * merging what .symtab and .dynsym say about it.  Dropped: symbols outside
 * every executable segment (nothing to probe there) and old versions of a
 * name that also has a default one (memcpy@GLIBC_2.2.5 next to
 * memcpy@@GLIBC_2.14), so that a name means what new links call.
 */
static int build_funcs(struct elf_file *ef, struct raw_sym *raw, size_t nraw,
		       struct elf_funcs *out)
{
	int x86 = ef->ehdr.e_machine == EM_X86_64;
	bool has_default = false;
	size_t i, j;

	out->v = calloc(nraw ? nraw : 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (i = 0; i < nraw; i = j) {
		struct elf_func *f;
		bool hidden = true;
		uint64_t off;

		if (i == 0 || raw_sym__name_cmp(&raw[i - 1], &raw[i]))
			has_default = name_has_default(raw, nraw, i);
		f = &out->v[out->n];
		memset(f, 0, sizeof(*f));
		for (j = i; j < nraw && raw_sym__cmp(&raw[i], &raw[j]) == 0; j++) {
			if (raw[j].size > f->size)
				f->size = raw[j].size;
			f->is_ifunc |= raw[j].type == STT_GNU_IFUNC;
			f->global |= raw[j].global;
			hidden &= raw[j].hidden;
		}
		if ((hidden && has_default) || elf_file__vaddr_to_off(ef, raw[i].vaddr, &off))
			continue;
		f->name = strndup(raw[i].name, raw[i].len);
		f->demangled = f->name ? demangle__name(f->name) : NULL;
		if (!f->name)
			return -ENOMEM;
		f->vaddr = raw[i].vaddr;
		f->file_off = off;
		f->endbr = x86 && off + sizeof(endbr64_insn) <= ef->image_size &&
			   !memcmp(ef->image + off, endbr64_insn, sizeof(endbr64_insn));
		out->n++;
	}
	return 0;
}

int elfsym__load(const char *path, struct elf_funcs *out)
{
	struct extra_syms extra = { .dbg_fd = -1 };
	struct raw_syms rs = { 0 };
	struct elf_file ef;
	size_t ndyn;
	int err;

	memset(out, 0, sizeof(*out));
	err = elf_file__open(path, &ef);
	if (err)
		return err;
	out->is_exec = ef.ehdr.e_type == ET_EXEC;
	err = read_raw_syms(ef.elf, SHT_SYMTAB, &rs);
	if (err > 0 && rs.n)
		out->sources |= ELFSYM_SRC_SYMTAB;
	out->stripped = err == 0;
	ndyn = rs.n;
	if (err >= 0)
		err = read_raw_syms(ef.elf, SHT_DYNSYM, &rs);
	if (err >= 0 && rs.n > ndyn)
		out->sources |= ELFSYM_SRC_DYNSYM;
	if (err >= 0 && out->stripped)
		err = read_debug_syms(&ef, path, &rs, &extra, out);
	if (err >= 0) {
		if (rs.n)
			qsort(rs.v, rs.n, sizeof(*rs.v), raw_sym__cmp);
		err = build_funcs(&ef, rs.v, rs.n, out);
	}
	free(rs.v);
	extra_syms__close(&extra);
	elf_file__close(&ef);
	if (err)
		elfsym__free(out);
	return err;
}

void elfsym__free(struct elf_funcs *funcs)
{
	size_t i;

	if (!funcs)
		return;
	for (i = 0; i < funcs->n; i++) {
		free(funcs->v[i].name);
		free(funcs->v[i].demangled);
	}
	free(funcs->v);
	free(funcs->debug_file);
	free(funcs->looked);
	funcs->v = NULL;
	funcs->n = 0;
	funcs->debug_file = NULL;
	funcs->looked = NULL;
}

int elfsym__vaddr_to_off(const char *path, uint64_t vaddr, uint64_t *off)
{
	struct elf_file ef;
	int err;

	err = elf_file__open(path, &ef);
	if (err)
		return err;
	err = elf_file__vaddr_to_off(&ef, vaddr, off);
	elf_file__close(&ef);
	return err;
}

/* How well f describes vaddr: -1 when it does not hold it, higher is better. */
static int by_vaddr_rank(const struct elf_func *f, uint64_t vaddr)
{
	if (f->size ? vaddr < f->vaddr || vaddr - f->vaddr >= f->size : vaddr != f->vaddr)
		return -1;
	return (f->global ? 4 : 0) + (f->vaddr == vaddr ? 2 : 0) + (f->size ? 1 : 0);
}

const struct elf_func *elfsym__by_vaddr(const struct elf_funcs *funcs, uint64_t vaddr)
{
	const struct elf_func *best = NULL;
	int best_rank = -1;
	size_t i;

	/* Sorted by name, so a linear scan; the first (alphabetical) wins ties. */
	for (i = 0; i < funcs->n; i++) {
		int rank = by_vaddr_rank(&funcs->v[i], vaddr);

		if (rank > best_rank) {
			best = &funcs->v[i];
			best_rank = rank;
		}
	}
	return best;
}

bool elfsym__has_section(const char *path, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool found = false;
	Elf *elf;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *n;

			if (gelf_getshdr(scn, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)))
				found = !strcmp(n, name);
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return found;
}

const char *elfsym__sources_str(unsigned sources, char *buf, size_t len)
{
	static const char *const names[] = { "symtab", "dynsym", ".gnu_debugdata", "debug file" };
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(sources & (1u << i)) || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
					 names[i]);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}
