// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * binpath.c - the file a probe's BINARY part names: a path (also inside a
 * traced process's root or cwd), a library short name (the traced
 * processes' maps, then the linker's search path, ranked as the loader
 * would), or a program name (a traced process's executable, then $PATH).
 * Never prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binpath.h"

static const char *const default_lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};


/*
 * Does the file name base (no directory) name the library name?  "libc"
 * matches libc.so, libc.so.6 and libc-2.31.so but not libcap.so.2; a full
 * name (libc.so.6) matches itself; "libssl.so" matches libssl.so.3.
 * Returns a rank (lower is better: what the loader uses first) or -1.
 */
static int lib_name_rank(const char *base, const char *name)
{
	size_t n = strlen(name), blen = strlen(base);
	const char *rest;

	if (strncmp(base, name, n))
		return -1;
	rest = base + n;
	if (!*rest)
		return 0;
	if (!strncmp(rest, ".so.", 4))
		return 1;
	if (!strcmp(rest, ".so"))
		return 2;
	if (n > 3 && !strcmp(name + n - 3, ".so") && *rest == '.')
		return 1;
	if (*rest == '-' && blen > n + 3 && !strcmp(base + blen - 3, ".so"))
		return 3;
	return -1;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int is_elf_file(const char *path)
{
	unsigned char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, magic, sizeof(magic), 0);
	close(fd);
	return n == 4 && !memcmp(magic, "\177ELF", 4);
}

/* *path = realpath(p); 0 or -errno. */
static int real_path(const char *p, char **path)
{
	*path = realpath(p, NULL);
	return *path ? 0 : -errno;
}

/* *path = malloc'd printf result; 0 or -ENOMEM (*path NULL then). */
static __attribute__((format(printf, 2, 3))) int dup_printf(char **path, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(path, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*path = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A path (contains '/'): as is, else inside a traced process's root or cwd. */
static int find_path(const char *binary, const pid_t *pids, size_t npids, char **path)
{
	size_t i;

	if (access(binary, F_OK) == 0)
		return real_path(binary, path);
	for (i = 0; i < npids; i++) {
		char *p;

		if (dup_printf(&p, "/proc/%d/%s/%s", (int)pids[i],
			       binary[0] == '/' ? "root" : "cwd", binary))
			return -ENOMEM;
		if (access(p, F_OK) == 0) {
			*path = p;
			return 0;
		}
		free(p);
	}
	return -ENOENT;
}

/* Library name in pid's maps: the host path if it is the same inode, else via /proc/PID/root. */
static int find_lib_in_maps(const char *name, pid_t pid, char **path)
{
	char maps[64], *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return -ENOENT;
	while (ret == -ENOENT && getline(&line, &cap, f) > 0) {
		unsigned long long ino;
		struct stat st;
		int pos = 0;
		char *file;

		if (sscanf(line, "%*s %*s %*s %*s %llu %n", &ino, &pos) != 1 || !pos)
			continue;
		file = line + pos;
		file[strcspn(file, "\n")] = '\0';
		if (file[0] != '/' || lib_name_rank(base_name(file), name) < 0)
			continue;
		if (stat(file, &st) == 0 && st.st_ino == ino) {
			ret = real_path(file, path) ? -ENOENT : 0;
		} else {
			char *p;

			if (dup_printf(&p, "/proc/%d/root%s", (int)pid, file)) {
				ret = -ENOMEM;
				break;
			}
			if (access(p, F_OK) == 0) {
				*path = p;
				ret = 0;
			} else {
				free(p);
			}
		}
	}
	free(line);
	fclose(f);
	return ret;
}

/* The best-ranked ELF file for the library name in dir; 0, -ENOENT or -ENOMEM. */
static int find_lib_in_dir(const char *dir, const char *name, char **path)
{
	const char *best = NULL;
	int best_rank = INT_MAX, ret;
	char *pattern;
	glob_t g;
	size_t i;

	if (dup_printf(&pattern, "%s/%s*", dir, name))
		return -ENOMEM;
	ret = glob(pattern, 0, NULL, &g);
	free(pattern);
	if (ret == GLOB_NOSPACE)
		return -ENOMEM;
	if (ret)
		return -ENOENT;
	/* glob sorts, so libfoo.so.1 comes before libfoo.so.1.2.3 */
	for (i = 0; i < g.gl_pathc; i++) {
		int rank = lib_name_rank(base_name(g.gl_pathv[i]), name);

		if (rank >= 0 && rank < best_rank && is_elf_file(g.gl_pathv[i])) {
			best = g.gl_pathv[i];
			best_rank = rank;
		}
	}
	ret = best ? real_path(best, path) : -ENOENT;
	globfree(&g);
	return ret;
}

/* Tries find(dir, name) on each dir of the ':'-separated list until one finds it. */
static int search_dirs(const char *list, const char *name,
		       int (*find)(const char *dir, const char *name, char **path), char **path)
{
	char *dirs, *dir, *save = NULL;
	int ret = -ENOENT;

	if (!list || !*list)
		return -ENOENT;
	dirs = strdup(list);
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir && ret == -ENOENT;
	     dir = strtok_r(NULL, ":", &save))
		ret = find(dir, name, path);
	free(dirs);
	return ret;
}

/* A library short name: the traced processes' maps, then the search path. */
static int find_lib(const char *name, const pid_t *pids, size_t npids, char **path)
{
	int ret = -ENOENT;
	size_t i;

	for (i = 0; i < npids && ret == -ENOENT; i++)
		ret = find_lib_in_maps(name, pids[i], path);
	if (ret == -ENOENT)
		ret = search_dirs(getenv("LD_LIBRARY_PATH"), name, find_lib_in_dir, path);
	for (i = 0; i < sizeof(default_lib_dirs) / sizeof(default_lib_dirs[0]) && ret == -ENOENT;
	     i++)
		ret = find_lib_in_dir(default_lib_dirs[i], name, path);
	return ret;
}

/* An executable ELF file dir/name (wrapper scripts such as pyenv shims cannot be probed). */
static int find_program_in_dir(const char *dir, const char *name, char **path)
{
	struct stat st;
	char *p;
	int ret = -ENOENT;

	if (dup_printf(&p, "%s/%s", dir, name))
		return -ENOMEM;
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0 && is_elf_file(p))
		ret = real_path(p, path);
	free(p);
	return ret;
}

/*
 * A program name: a traced process's executable (its path as seen by
 * optrace when that is the same file, else /proc/PID/exe), else $PATH.
 */
static int find_program(const char *name, const pid_t *pids, size_t npids, char **path)
{
	const char *env = getenv("PATH");
	size_t i;

	for (i = 0; i < npids; i++) {
		char exe[64], target[PATH_MAX];
		struct stat st_exe, st;
		ssize_t n;

		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pids[i]);
		n = readlink(exe, target, sizeof(target) - 1);
		if (n <= 0 || stat(exe, &st_exe))
			continue;
		target[n] = '\0';
		if (n > 10 && !strcmp(target + n - 10, " (deleted)"))
			target[n - 10] = '\0';
		if (strcmp(base_name(target), name))
			continue;
		if (!stat(target, &st) && st.st_dev == st_exe.st_dev && st.st_ino == st_exe.st_ino)
			return real_path(target, path);
		*path = strdup(exe);
		return *path ? 0 : -ENOMEM;
	}
	return search_dirs(env ? env : "/usr/local/bin:/usr/bin:/bin", name, find_program_in_dir,
			   path);
}

int binpath__find(const char *binary, const pid_t *pids, size_t npids, char **path)
{
	int ret;

	*path = NULL;
	if (!binary || !*binary)
		return -ENOENT;
	if (strchr(binary, '/'))
		ret = find_path(binary, pids, npids, path);
	else if (!strncmp(binary, "lib", 3))
		ret = find_lib(binary, pids, npids, path);
	else
		ret = find_program(binary, pids, npids, path);
	return ret == -ENOMEM ? ret : ret ? -ENOENT : 0;
}
