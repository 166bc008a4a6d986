// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt.c - reading an ELF file's SystemTap SDT notes (the USDT probes it
 * defines) with libelf, and the marker names of include/optrace.h.
 *
 * Note layout (type 3, owner "stapsdt"): pc, base, semaphore (8 bytes each
 * on 64-bit), then provider, name and argument strings.  libbpf reads the
 * same notes again when it attaches; this module is for `list` and for
 * resolving specs (globs, marker pairs) before that.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usdt.h"

#define NT_STAPSDT 3

void usdt__free(struct usdt_notes *notes)
{
	if (!notes)
		return;
	for (size_t i = 0; i < notes->n; i++) {
		free(notes->v[i].provider);
		free(notes->v[i].name);
		free(notes->v[i].args);
	}
	free(notes->v);
	notes->v = NULL;
	notes->n = 0;
}

static unsigned count_args(const char *args)
{
	unsigned n = 0;
	bool in = false;

	for (; *args; args++) {
		if (*args == ' ') {
			in = false;
		} else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

/* Parses one note descriptor; returns 0, 1 (malformed: skipped) or -ENOMEM. */
static int add_note(struct usdt_notes *out, size_t *cap, const char *desc, size_t len, bool is64)
{
	size_t asz = is64 ? 8 : 4, off = 3 * asz, l1, l2, l3;
	struct usdt_note *n;
	uint64_t a[3] = { 0 };

	if (len < off + 3)
		return 1;
	for (int i = 0; i < 3; i++) {
		if (is64) {
			memcpy(&a[i], desc + i * 8, 8);
		} else {
			uint32_t v;

			memcpy(&v, desc + i * 4, 4);
			a[i] = v;
		}
	}
	l1 = strnlen(desc + off, len - off);
	if (off + l1 + 1 >= len)
		return 1;
	l2 = strnlen(desc + off + l1 + 1, len - off - l1 - 1);
	if (off + l1 + 1 + l2 + 1 > len)
		return 1;
	l3 = off + l1 + l2 + 2 < len ? strnlen(desc + off + l1 + l2 + 2, len - off - l1 - l2 - 2) : 0;
	if (out->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct usdt_note *nv = realloc(out->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		out->v = nv;
		*cap = nc;
	}
	n = &out->v[out->n];
	memset(n, 0, sizeof(*n));
	n->pc = a[0];
	n->sema = a[2];
	n->provider = strndup(desc + off, l1);
	n->name = strndup(desc + off + l1 + 1, l2);
	n->args = l3 ? strndup(desc + off + l1 + l2 + 2, l3) : strdup("");
	if (!n->provider || !n->name || !n->args) {
		free(n->provider);
		free(n->name);
		free(n->args);
		return -ENOMEM;
	}
	n->nargs = count_args(n->args);
	out->n++;
	return 0;
}

int usdt__load(const char *path, struct usdt_notes *out)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	int fd, ret = 0;
	bool is64;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto out;
	}
	is64 = gelf_getclass(elf) == ELFCLASS64;
	while ((scn = elf_nextscn(elf, scn)) && !ret) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t noff = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((noff = gelf_getnote(data, noff, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
				continue;
			ret = add_note(out, &cap, (char *)data->d_buf + desc_off, nh.n_descsz, is64);
			if (ret > 0)
				ret = 0;
			if (ret)
				break;
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	if (ret)
		usdt__free(out);
	return ret;
}

enum usdt_mark_role usdt__split_mark(const char *probe, char **category, char **name)
{
	static const char *const roles[] = { NULL, "begin", "end", "count" };
	const char *c1 = strchr(probe, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	enum usdt_mark_role role = USDT_MARK_NONE;

	if (!c1 || !c2 || c1 == probe || c2 == c1 + 1 || strchr(c2 + 1, ':'))
		return USDT_MARK_NONE;
	for (int r = USDT_MARK_BEGIN; r <= USDT_MARK_COUNT; r++)
		if (!strcmp(c2 + 1, roles[r]))
			role = (enum usdt_mark_role)r;
	if (role == USDT_MARK_NONE)
		return role;
	if (category)
		*category = strndup(probe, (size_t)(c1 - probe));
	if (name)
		*name = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
	if ((category && !*category) || (name && !*name)) {
		if (category) {
			free(*category);
			*category = NULL;
		}
		if (name) {
			free(*name);
			*name = NULL;
		}
		return USDT_MARK_NONE;
	}
	return role;
}
