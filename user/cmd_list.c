// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_list.c - `optrace list BINARY|PID [GLOB]`: the functions that can be
 * traced, so that users can write -u specs without readelf.
 *
 * Owns the command's options, walking a process's executable mappings and
 * the plain-text listing.  Leaves symbol reading to elfsym.c and binary
 * lookup (libc, program names) to probes.c.  Needs no privileges beyond
 * reading the files (and /proc/PID/maps for a PID).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "elfsym.h"
#include "log.h"
#include "binpath.h"
#include "probes.h"
#include "usdt.h"

#define NAME_COLUMN_MAX 40 /* longer (C++) names push the other columns right */

static const struct option list_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{},
};

static void list_usage(FILE *f)
{
	fputs("Usage: optrace list BINARY|PID [GLOB]\n"
	      "\n"
	      "List the functions that can be traced (-u BINARY:FUNC): name, address,\n"
	      "size and flags (ifunc: dispatched at load time, the tracer probes the\n"
	      "implementation; endbr64: the probe goes after the CET landing pad),\n"
	      "then the file's USDT probes (-u usdt:BINARY:PROVIDER:NAME) and\n"
	      "include/optrace.h markers (-u marks:BINARY).\n"
	      "\n"
	      "  BINARY     a path, a library short name (libc, libssl) or a program on $PATH\n"
	      "  PID        every ELF file the process has mapped executable\n"
	      "  GLOB       only names matching this fnmatch(3) pattern (quote it)\n"
	      "  -h, --help this help\n"
	      "\n"
	      "Examples:\n"
	      "  optrace list /usr/bin/python3 'PyEval*'\n"
	      "  optrace list 4242 'handle_*'\n"
	      "  optrace list libc 'str*'\n"
	      "  optrace list /usr/bin/python3.11 'python:*'   (USDT probes)\n",
	      f);
}

static bool is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * What to write before ':' in -u for path: the short name (libc, python3.11)
 * when it finds this very file, else the path.  Returns a malloc'd string.
 */
static char *probe_binary_hint(const char *path, const pid_t *pids, size_t npids)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *hint, *found = NULL, *so;

	hint = strdup(base);
	if (!hint)
		return NULL;
	so = strncmp(hint, "lib", 3) ? NULL : strstr(hint, ".so");
	if (so)
		*so = '\0';
	if (!binpath__find(hint, pids, npids, &found) && same_file(found, path)) {
		free(found);
		return hint;
	}
	free(found);
	free(hint);
	return strdup(path);
}

static bool usdt_find_mark(const struct usdt_notes *notes)
{
	for (size_t i = 0; i < notes->n; i++)
		if (!strcmp(notes->v[i].provider, USDT_MARK_PROVIDER))
			return true;
	return false;
}

static bool name_matches(const char *name, const char *glob)
{
	return !glob || !fnmatch(glob, name, 0);
}

/*
 * Prints the USDT probes of path whose "PROVIDER:NAME" (or NAME) matches
 * glob, one line per name (call sites counted), include/optrace.h markers
 * with the op they make.  Returns the number of names printed.
 */
static size_t list_usdt(const char *path, const char *glob, bool gap)
{
	struct usdt_notes notes;
	size_t i, j, n = 0;

	if (usdt__load(path, &notes) || !notes.n)
		return 0;
	for (i = 0; i < notes.n; i++) {
		const struct usdt_note *u = &notes.v[i];
		char *full = NULL, *cat = NULL, *name = NULL;
		size_t sites = 0;
		bool first = true;

		for (j = 0; j < notes.n; j++) {
			if (!strcmp(notes.v[j].provider, u->provider) &&
			    !strcmp(notes.v[j].name, u->name)) {
				first &= j >= i;
				sites++;
			}
		}
		if (!first || asprintf(&full, "%s:%s", u->provider, u->name) < 0)
			continue;
		if (glob && fnmatch(glob, full, 0) && fnmatch(glob, u->name, 0)) {
			free(full);
			continue;
		}
		if (!n++)
			printf("%s# USDT probes of %s (use -u usdt:%s:PROVIDER:NAME[..END]%s)\n",
			       gap ? "\n" : "", path, path,
			       usdt_find_mark(&notes) ? "; markers: -u marks:BINARY" : "");
		printf("%-40s  %zu site%s  args: %s", full, sites, sites == 1 ? "" : "s",
		       *u->args ? u->args : "none");
		if (!strcmp(u->provider, USDT_MARK_PROVIDER) &&
		    usdt__split_mark(u->name, &cat, &name) != USDT_MARK_NONE)
			printf("  (marker: op %s, category %s)", name, cat);
		if (u->sema)
			printf("  semaphore");
		putchar('\n');
		free(full);
		free(cat);
		free(name);
	}
	if (n)
		printf("# %zu USDT probes\n", n);
	usdt__free(&notes);
	return n;
}

/*
 * Prints the functions of path matching glob under a header (after a blank
 * line if gap); prints nothing when none matches.  Returns the number
 * printed or -errno from elfsym.
 */
static int list_file(const char *path, const char *glob, const pid_t *pids, size_t npids,
		     bool gap)
{
	struct elf_funcs funcs;
	size_t i, n = 0;
	int width = 0, ret;
	char *hint;

	ret = elfsym__load(path, &funcs);
	if (ret)
		return ret;
	for (i = 0; i < funcs.n; i++) {
		const struct elf_func *f = &funcs.v[i];
		int len = (int)strlen(f->demangled ? f->demangled : f->name);

		if (!name_matches(f->name, glob) && !(f->demangled && name_matches(f->demangled, glob)))
			continue;
		n++;
		if (len > width)
			width = len < NAME_COLUMN_MAX ? len : NAME_COLUMN_MAX;
	}
	if (!n)
		goto out;
	hint = probe_binary_hint(path, pids, npids);
	printf("%s# %s (use -u %s:NAME", gap ? "\n" : "", path, hint ? hint : path);
	printf(npids ? " with -p %d)\n" : ")\n", npids ? (int)pids[0] : 0);
	free(hint);
	for (i = 0; i < funcs.n; i++) {
		const struct elf_func *f = &funcs.v[i];

		if (!name_matches(f->name, glob) && !(f->demangled && name_matches(f->demangled, glob)))
			continue;
		printf("%-*s  0x%-10llx %8llu%s%s\n", width, f->demangled ? f->demangled : f->name,
		       (unsigned long long)f->vaddr,
		       (unsigned long long)f->size, f->is_ifunc ? "  ifunc" : "",
		       f->endbr ? "  endbr64" : "");
	}
	if (funcs.stripped) {
		char src[96];

		printf("# stripped; symbols from: %s%s%s\n",
		       elfsym__sources_str(funcs.sources, src, sizeof(src)),
		       funcs.debug_file ? " " : "", funcs.debug_file ? funcs.debug_file : "");
	}
	if (glob)
		printf("# %zu of %zu functions match '%s'\n", n, funcs.n, glob);
	else
		printf("# %zu functions\n", n);
out:
	elfsym__free(&funcs);
	n += list_usdt(path, glob, n > 0 || gap);
	return (int)n;
}

static int list_binary(const char *binary, const char *glob)
{
	char *path = NULL;
	int n;

	if (binpath__find(binary, NULL, 0, &path)) {
		pr_err("binary not found: %s", binary);
		return OT_EXIT_USAGE;
	}
	n = list_file(path, glob, NULL, 0, false);
	if (n == -ENOEXEC)
		pr_err("not an ELF file for this machine: %s", path);
	else if (n < 0)
		pr_err("cannot read %s: %s", path, strerror(-n));
	else if (n == 0 && glob)
		pr_err("no function matches '%s' in %s", glob, path);
	else if (n == 0)
		pr_err("no function symbols in %s (stripped?)", path);
	free(path);
	return n > 0 ? OT_EXIT_OK : OT_EXIT_USAGE;
}

/*
 * The file a maps line names, as optrace can open it: the same path when it
 * is the same inode here, else through the process's root (containers).
 */
static char *mapped_file_path(pid_t pid, const char *file, unsigned long long ino)
{
	struct stat st;
	char *p;

	if (!stat(file, &st) && st.st_ino == ino)
		return strdup(file);
	if (asprintf(&p, "/proc/%d/root%s", (int)pid, file) < 0)
		return NULL;
	return p;
}

/* A file mapped executable by the listed process. */
struct mapped_file {
	char *path; /* as in /proc/PID/maps */
	unsigned long long ino;
};

/* Appends (path, ino) to the list unless it is there already.  Returns 0 or -ENOMEM. */
static int add_unique(struct mapped_file **list, size_t *n, const char *path,
		      unsigned long long ino)
{
	struct mapped_file *nv;
	char *copy;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*list)[i].ino == ino && !strcmp((*list)[i].path, path))
			return 0;
	copy = strdup(path);
	nv = copy ? realloc(*list, (*n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	*list = nv;
	nv[*n].path = copy;
	nv[*n].ino = ino;
	(*n)++;
	return 0;
}

/* The distinct files pid maps executable, in address order.  Returns 0 or -errno. */
static int read_exec_maps(pid_t pid, struct mapped_file **files, size_t *nfiles)
{
	char maps[64], *line = NULL;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (!ret && getline(&line, &cap, f) > 0) {
		unsigned long long ino;
		char perms[8], *file;
		int pos = 0;

		if (sscanf(line, "%*s %7s %*s %*s %llu %n", perms, &ino, &pos) != 2 || !pos)
			continue;
		file = line + pos;
		file[strcspn(file, "\n")] = '\0';
		if (!strchr(perms, 'x') || file[0] != '/')
			continue;
		ret = add_unique(files, nfiles, file, ino);
	}
	free(line);
	fclose(f);
	return ret;
}

static int list_pid(const char *arg, const char *glob)
{
	pid_t pid = (pid_t)strtol(arg, NULL, 10);
	struct mapped_file *files = NULL;
	size_t i, nfiles = 0, total = 0;
	int ret;

	ret = read_exec_maps(pid, &files, &nfiles);
	if (ret == -ENOENT || ret == -ESRCH) {
		pr_err("no such process: %s", arg);
		return OT_EXIT_USAGE;
	} else if (ret) {
		pr_err("cannot read /proc/%s/maps: %s", arg, strerror(-ret));
		ret = ret == -EACCES || ret == -EPERM ? OT_EXIT_ENV : OT_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		char *path = mapped_file_path(pid, files[i].path, files[i].ino);
		int n = path ? list_file(path, glob, &pid, 1, total > 0) : -ENOMEM;

		if (n < 0 && n != -ENOEXEC)
			pr_warn("skipping %s: %s", files[i].path, strerror(-n));
		total += n > 0 ? (size_t)n : 0;
		free(path);
	}
	if (!total && glob)
		pr_err("no function matches '%s' in the files pid %s maps executable", glob, arg);
	else if (!total)
		pr_err("no function symbols in the files pid %s maps executable", arg);
	ret = total ? OT_EXIT_OK : OT_EXIT_USAGE;
out:
	for (i = 0; i < nfiles; i++)
		free(files[i].path);
	free(files);
	return ret;
}

int cmd_list(int argc, char **argv)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", list_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			list_usage(stdout);
			return OT_EXIT_OK;
		default:
			pr_err("list: unknown option '%s'; see optrace list --help",
			       argv[optind - 1]);
			return OT_EXIT_USAGE;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		list_usage(stderr);
		return OT_EXIT_USAGE;
	}
	if (is_pid(argv[optind]))
		return list_pid(argv[optind], argv[optind + 1]);
	return list_binary(argv[optind], argv[optind + 1]);
}
