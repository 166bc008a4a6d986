// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_probes.c - unit tests for probes.c and elfsym.c: spec parsing (a
 * table of valid and bad specs), finding binaries (paths, programs on $PATH,
 * libraries through our own maps and the search path) and resolving specs
 * against binaries every machine has: this test binary (/proc/self/exe,
 * PIE) and the libc it runs on (aliases, IFUNC).  No root needed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "elfsym.h"
#include "optrace.h"
#include "binpath.h"
#include "probes.h"

#define ERRLEN 512

/* Functions the resolve tests probe: distinct bodies so nothing merges them. */
static __attribute__((noinline, used)) int optrace_test_unique_target(int x)
{
	return x * 3 + 1;
}

static __attribute__((noinline, used)) int optrace_test_glob_gamma(int x)
{
	return x ^ 0x5a5a;
}

static __attribute__((noinline, used)) int optrace_test_glob_alpha(int x)
{
	return x * 7 - 2;
}

static __attribute__((noinline, used)) int optrace_test_glob_beta(int x)
{
	return (x << 3) + 11;
}

static const struct elf_func *find_func(const struct elf_funcs *funcs, const char *name)
{
	size_t i;

	for (i = 0; i < funcs->n; i++)
		if (!strcmp(funcs->v[i].name, name))
			return &funcs->v[i];
	return NULL;
}

/* The file name of the libc this process runs, as the dynamic linker knows it. */
static const char *di_libc_name(void)
{
	Dl_info di;

	assert_true(dladdr((void *)&gnu_get_libc_version, &di) && di.dli_fname);
	return di.dli_fname;
}

static size_t count_named(const struct elf_funcs *funcs, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < funcs->n; i++)
		n += !strcmp(funcs->v[i].name, name);
	return n;
}

static void assert_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(b, &sb), 0);
	assert_true(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/*
 * Checks path names this test binary.  Compares realpath()s, not stat() of
 * /proc/self/exe: under valgrind only readlink of it is redirected to us.
 */
static void assert_self_exe(const char *path)
{
	char *self = realpath("/proc/self/exe", NULL);

	assert_non_null(self);
	assert_string_equal(path, self);
	free(self);
}

/* ---- parsing ---- */

struct parse_case {
	const char *text;
	int ret;
	const char *binary, *func, *label, *category;
	enum probe_error_mode mode;
	unsigned bytes;
	const char *msg; /* substring of the error message */
};

static const struct parse_case parse_cases[] = {
	{ "/bin/true:main", 0, "/bin/true", "main", NULL, NULL, PROBE_ERR_NONE, OT_BYTES_NONE },
	{ "libc:malloc,name=alloc,category=mem,error=ret==0,bytes=arg1", 0, "libc", "malloc",
	  "alloc", "mem", PROBE_ERR_RET_EQ0, 1 },
	{ "app:handle_*,error=ret<0,bytes=ret", 0, "app", "handle_*", NULL, NULL,
	  PROBE_ERR_RET_LT0, OT_BYTES_RET },
	{ "app:f,bytes=arg6,error=ret!=0", 0, "app", "f", NULL, NULL, PROBE_ERR_RET_NE0, 6 },
	{ "app:f,error=none,category=db", 0, "app", "f", NULL, "db", PROBE_ERR_NONE, 0 },
	{ "./app:ns:f", 0, "./app", "ns:f", NULL, NULL, PROBE_ERR_NONE, 0 },
	{ "", -EINVAL, .msg = "missing function" },
	{ "libc", -EINVAL, .msg = "missing function" },
	{ "libc:", -EINVAL, .msg = "missing function name" },
	{ "libc:,name=x", -EINVAL, .msg = "missing function name" },
	{ ":malloc", -EINVAL, .msg = "empty binary" },
	{ "libc:malloc,foo=1", -EINVAL, .msg = "unknown option 'foo'" },
	{ "libc:malloc,error=ret<1", -EINVAL, .msg = "bad error= value 'ret<1'" },
	{ "libc:malloc,bytes=arg7", -EINVAL, .msg = "bad bytes= value 'arg7'" },
	{ "libc:malloc,bytes=arg0", -EINVAL, .msg = "bad bytes= value" },
	{ "libc:malloc,bytes=arg12", -EINVAL, .msg = "bad bytes= value" },
	{ "libc:malloc,name=a,name=b", -EINVAL, .msg = "duplicate option name=" },
	{ "libc:malloc,name=", -EINVAL, .msg = "empty value for name=" },
	{ "libc:malloc,category", -EINVAL, .msg = "empty value for category=" },
	{ "libc:malloc,", -EINVAL, .msg = "empty option" },
	{ "libc:malloc,,name=x", -EINVAL, .msg = "empty option" },
	/* USDT and markers (the provider and END are checked in test_probes_usdt_parse) */
	{ "usdt:/bin/x:prov:name", 0, "/bin/x", "name" },
	{ "usdt:/bin/x:svc:a..b,bytes=arg2,error=arg1!=0", 0, "/bin/x", "a", .mode = PROBE_ERR_RET_NE0,
	  .bytes = 2 },
	{ "usdt:/bin/x:svc:a,bytes=arg12", 0, "/bin/x", "a", .bytes = 12 },
	{ "marks:./app", 0, "./app", "*" },
	{ "marks:./app:download:*,category=dl", 0, "./app", "download:*", .category = "dl" },
	{ "libc:malloc,count", 0, "libc", "malloc" },
	{ "usdt:/bin/x:svc", -EINVAL, .msg = "expected usdt:BINARY:PROVIDER:NAME" },
	{ "usdt:/bin/x::a", -EINVAL, .msg = "empty provider" },
	{ "usdt:/bin/x:svc:a*..b", -EINVAL, .msg = "no globs" },
	{ "usdt:/bin/x:svc:a..", -EINVAL, .msg = "both names" },
	{ "usdt:/bin/x:svc:a,error=ret<0", -EINVAL, .msg = "argN" },
	{ "usdt:/bin/x:svc:a,bytes=arg13", -EINVAL, .msg = "arg1..arg12" },
	{ "usdt:/bin/x:svc:a,count", -EINVAL, .msg = "counted already" },
	{ "marks:", -EINVAL, .msg = "empty binary" },
	{ "libc:malloc,error=arg1!=0", -EINVAL, .msg = "bad error=" },
};

static void test_probes_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct probe_spec spec;
		char err[ERRLEN] = "";
		int ret;

		ret = probe_spec__parse(c->text, &spec, err, sizeof(err));
		print_message("  %-60s -> %d %s\n", c->text, ret, err);
		assert_int_equal(ret, c->ret);
		if (ret) {
			assert_non_null(strstr(err, c->msg));
			/* messages name the spec (the usdt one is the spec itself) */
			assert_non_null(strstr(err, c->text));
			assert_null(spec.binary);
			assert_null(spec.func);
			probe_spec__free(&spec); /* safe after a failed parse */
			continue;
		}
		assert_string_equal(spec.text, c->text);
		assert_string_equal(spec.binary, c->binary);
		assert_string_equal(spec.func, c->func);
		if (c->label)
			assert_string_equal(spec.label, c->label);
		else
			assert_null(spec.label);
		if (c->category)
			assert_string_equal(spec.category, c->category);
		else
			assert_null(spec.category);
		assert_int_equal(spec.error_mode, c->mode);
		assert_int_equal(spec.bytes_src, c->bytes);
		probe_spec__free(&spec);
	}
}

/* ---- finding binaries ---- */

static void test_probes_find_binary_libc(void **state)
{
	pid_t self = getpid();
	char *by_maps = NULL, *by_dirs = NULL, *full = NULL;
	const char *base;
	Dl_info di;

	(void)state;
	assert_int_equal(binpath__find("libc", &self, 1, &by_maps), 0);
	/* the very libc this process runs (a function ASan does not intercept) */
	assert_true(dladdr((void *)&gnu_get_libc_version, &di) && di.dli_fname);
	assert_same_file(by_maps, di.dli_fname);
	base = strrchr(by_maps, '/') + 1;
	assert_true(!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5));

	assert_int_equal(binpath__find("libc", NULL, 0, &by_dirs), 0);
	assert_same_file(by_maps, by_dirs);
	/* a full name works too */
	assert_int_equal(binpath__find(base, NULL, 0, &full), 0);
	assert_same_file(full, by_dirs);
	free(by_maps);
	free(by_dirs);
	free(full);
}

static void test_probes_find_binary_paths(void **state)
{
	char *path = NULL, *old_path, *real_true, proc_exe[64];
	pid_t self = getpid();

	(void)state;
	real_true = realpath("/bin/true", NULL);
	assert_non_null(real_true);
	assert_int_equal(binpath__find("/bin/true", NULL, 0, &path), 0);
	assert_string_equal(path, real_true);
	free(path);

	old_path = strdup(getenv("PATH") ? getenv("PATH") : "");
	assert_non_null(old_path);
	setenv("PATH", "/nonexistent-dir:/usr/bin:/bin", 1);
	assert_int_equal(binpath__find("true", NULL, 0, &path), 0);
	assert_same_file(path, "/bin/true");
	free(path);
	/* a program name that is a traced process's executable */
	assert_int_equal(binpath__find("test_probes", &self, 1, &path), 0);
	snprintf(proc_exe, sizeof(proc_exe), "/proc/%d/exe", (int)self);
	if (strcmp(path, proc_exe)) /* /proc/PID/exe: valgrind makes it look like another file */
		assert_self_exe(path);
	free(path);
	setenv("PATH", old_path, 1);
	free(old_path);
	free(real_true);
}

static void test_probes_find_binary_missing(void **state)
{
	static const char *const missing[] = {
		"/nonexistent/optrace-test-app", "optrace-no-such-program", "libnosuchlib_optrace",
		"libc.so.999",
	};
	pid_t self = getpid();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		char *path = (char *)1;

		assert_int_equal(binpath__find(missing[i], NULL, 0, &path), -ENOENT);
		assert_null(path);
		assert_int_equal(binpath__find(missing[i], &self, 1, &path), -ENOENT);
		assert_null(path);
	}
}

/* ---- resolving ---- */

/* Parses texts and resolves them; returns probes__resolve's result. */
static int resolve(const char *const *texts, size_t n, size_t max, struct probe_set *set,
		   char *err)
{
	struct probe_spec specs[8];
	pid_t self = getpid();
	size_t i;
	int ret;

	assert_true(n <= 8);
	for (i = 0; i < n; i++)
		assert_int_equal(probe_spec__parse(texts[i], &specs[i], err, ERRLEN), 0);
	memset(set, 0, sizeof(*set));
	err[0] = '\0';
	ret = probes__resolve(specs, n, &self, 1, max, set, err, ERRLEN);
	print_message("  resolve %s%s -> %d %s\n", texts[0], n > 1 ? " ..." : "", ret, err);
	for (i = 0; i < n; i++)
		probe_spec__free(&specs[i]);
	if (ret)
		assert_int_equal(set->n, 0);
	return ret;
}

static void test_probes_resolve_exact(void **state)
{
	const char *spec = "/proc/self/exe:optrace_test_unique_target,category=test";
	const struct elf_func *f;
	struct elf_funcs funcs;
	struct probe_set set;
	char err[ERRLEN];
	uint64_t off, vaddr;
	Dl_info di;

	(void)state;
	assert_int_equal(optrace_test_unique_target(1), 4);
	assert_int_equal(resolve(&spec, 1, 16, &set, err), 0);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.v[0].func, "optrace_test_unique_target");
	assert_string_equal(set.v[0].op_name, "optrace_test_unique_target");
	assert_string_equal(set.v[0].category, "test");
	assert_false(set.v[0].ifunc);
	assert_int_equal(set.v[0].spec_idx, 0);
	assert_self_exe(set.v[0].path);

	assert_int_equal(elfsym__load(set.v[0].path, &funcs), 0);
	assert_false(funcs.is_exec); /* PIE */
	f = find_func(&funcs, "optrace_test_unique_target");
	assert_non_null(f);
	assert_int_equal(set.v[0].offset, f->file_off + (f->endbr ? 4 : 0));
	assert_int_equal(set.v[0].endbr_skipped, f->endbr);
	/* the file offset agrees with where the loader put the function */
	assert_true(dladdr((void *)optrace_test_unique_target, &di));
	vaddr = (uintptr_t)optrace_test_unique_target - (uintptr_t)di.dli_fbase;
	assert_int_equal(elfsym__vaddr_to_off(set.v[0].path, vaddr, &off), 0);
	assert_int_equal(off, f->file_off);
	assert_ptr_equal(elfsym__by_vaddr(&funcs, f->vaddr + (f->size > 1 ? 1 : 0)), f);
	elfsym__free(&funcs);
	probe_set__free(&set);
}

static void test_probes_resolve_glob_sorted(void **state)
{
	const char *plain = "/proc/self/exe:optrace_test_glob_*";
	const char *labelled = "/proc/self/exe:optrace_test_glob_*,name=g";
	static const char *const want[] = { "optrace_test_glob_alpha", "optrace_test_glob_beta",
					    "optrace_test_glob_gamma" };
	struct probe_set set;
	char err[ERRLEN], label[64];
	size_t i;

	(void)state;
	assert_int_equal(optrace_test_glob_alpha(1) + optrace_test_glob_beta(1) +
				 optrace_test_glob_gamma(1),
			 5 + 19 + (1 ^ 0x5a5a));
	assert_int_equal(resolve(&plain, 1, 16, &set, err), 0);
	assert_int_equal(set.n, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(set.v[i].func, want[i]);
		assert_string_equal(set.v[i].op_name, want[i]);
		assert_string_equal(set.v[i].category, "");
	}
	probe_set__free(&set);

	assert_int_equal(resolve(&labelled, 1, 16, &set, err), 0);
	assert_int_equal(set.n, 3);
	for (i = 0; i < 3; i++) {
		snprintf(label, sizeof(label), "g:%s", want[i]);
		assert_string_equal(set.v[i].op_name, label);
	}
	probe_set__free(&set);
}

static void test_probes_resolve_errors(void **state)
{
	const char *nosym = "/proc/self/exe:optrace_no_such_symbol";
	const char *noglob = "/proc/self/exe:optrace_no_such_*";
	const char *nobin = "/nonexistent/app:main";
	const char *notelf = "/etc/passwd:main";
	struct probe_set set;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(resolve(&nosym, 1, 16, &set, err), -ESRCH);
	assert_non_null(strstr(err, "symbol 'optrace_no_such_symbol' not found in /"));
	assert_non_null(strstr(err, "see: optrace list /"));
	assert_non_null(strstr(err, "'optrace_no_such_symbol*'"));
	assert_int_equal(resolve(&noglob, 1, 16, &set, err), -ESRCH);
	assert_non_null(strstr(err, "optrace_no_such_*"));
	assert_int_equal(resolve(&nobin, 1, 16, &set, err), -ENOENT);
	assert_string_equal(err, "binary not found: /nonexistent/app");
	assert_int_equal(resolve(&notelf, 1, 16, &set, err), -ENOEXEC);
	assert_non_null(strstr(err, "/etc/passwd"));
}

static void test_probes_resolve_max_targets(void **state)
{
	const char *spec = "/proc/self/exe:optrace_test_glob_*";
	const char *two[] = { "/proc/self/exe:optrace_test_glob_alpha",
			      "/proc/self/exe:optrace_test_glob_*" };
	struct probe_set set;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(resolve(&spec, 1, 2, &set, err), -E2BIG);
	assert_non_null(strstr(err, "matches 3"));
	assert_non_null(strstr(err, "narrow the glob"));
	assert_int_equal(resolve(&spec, 1, 3, &set, err), 0);
	probe_set__free(&set);
	/* duplicates do not count: alpha twice is one target */
	assert_int_equal(resolve(two, 2, 3, &set, err), 0);
	assert_int_equal(set.n, 3);
	assert_int_equal(set.v[0].spec_idx, 0);
	assert_string_equal(set.v[0].func, "optrace_test_glob_alpha");
	assert_string_equal(set.v[1].func, "optrace_test_glob_beta");
	assert_int_equal(set.v[1].spec_idx, 1);
	probe_set__free(&set);
}

static void test_probes_resolve_libc_aliases(void **state)
{
	const char *glob = "libc:*malloc";
	const char *both[] = { "libc:malloc", "libc:__libc_malloc,name=inner" };
	const struct elf_func *m, *lm;
	struct elf_funcs funcs;
	struct probe_set set;
	char err[ERRLEN];
	bool found = false;
	size_t i, j;

	(void)state;
	assert_int_equal(resolve(&glob, 1, 4096, &set, err), 0);
	for (i = 0; i < set.n; i++) {
		assert_string_not_equal(set.v[i].func, "__libc_malloc");
		found |= !strcmp(set.v[i].func, "malloc");
		for (j = 0; j < i; j++)
			assert_true(set.v[i].offset != set.v[j].offset);
	}
	assert_true(found);
	assert_int_equal(elfsym__load(set.v[0].path, &funcs), 0);
	m = find_func(&funcs, "malloc");
	lm = find_func(&funcs, "__libc_malloc");
	probe_set__free(&set);
	if (!m || !lm || m->vaddr != lm->vaddr) {
		elfsym__free(&funcs);
		skip(); /* this libc has no __libc_malloc alias */
	}
	/* named exactly, the alias keeps its name; the same function twice is one target */
	assert_int_equal(resolve(both, 2, 4096, &set, err), 0);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.v[0].op_name, "malloc");
	assert_int_equal(set.v[0].offset, m->file_off + (m->endbr ? 4 : 0));
	probe_set__free(&set);
	elfsym__free(&funcs);
}

static void test_probes_resolve_libc_ifunc(void **state)
{
	const char *spec = "libc:strlen";
	const struct elf_func *resolver;
	struct elf_funcs funcs;
	struct probe_set set;
	char err[ERRLEN];
	uint64_t off;
	Dl_info di;
	void *impl, *libc;

	(void)state;
	assert_int_equal(resolve(&spec, 1, 16, &set, err), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(elfsym__load(set.v[0].path, &funcs), 0);
	resolver = find_func(&funcs, "strlen");
	assert_non_null(resolver);
	if (!resolver->is_ifunc) {
		elfsym__free(&funcs);
		probe_set__free(&set);
		skip(); /* this libc's strlen is a plain function */
	}
	assert_true(set.v[0].ifunc);
	assert_string_equal(set.v[0].op_name, "strlen");
	assert_true(set.v[0].offset != resolver->file_off);
	print_message("  strlen -> %s at 0x%llx\n", set.v[0].func,
		      (unsigned long long)set.v[0].offset);
	/* the offset is where this process's libc strlen really is (not ASan's wrapper) */
	libc = dlopen(di_libc_name(), RTLD_LAZY | RTLD_NOLOAD);
	assert_non_null(libc);
	impl = dlsym(libc, "strlen");
	dlclose(libc);
	assert_true(dladdr(impl, &di));
	assert_int_equal(elfsym__vaddr_to_off(set.v[0].path,
					      (uintptr_t)impl - (uintptr_t)di.dli_fbase, &off),
			 0);
	assert_int_equal(set.v[0].offset, off + (set.v[0].endbr_skipped ? 4 : 0));
	elfsym__free(&funcs);
	probe_set__free(&set);
}

static void test_probes_resolve_ifunc_unresolvable(void **state)
{
	const char *vdso = "libc:gettimeofday", *libm = "libm:fma";
	const struct elf_func *f;
	struct elf_funcs funcs;
	struct probe_set set;
	char err[ERRLEN], *path;
	void *h;
	int ret;

	(void)state;
	/* gettimeofday's IFUNC picks the vDSO: nothing in libc to probe */
	ret = resolve(&vdso, 1, 16, &set, err);
	if (ret) {
		assert_int_equal(ret, -ENOTSUP);
		assert_non_null(strstr(err, "outside that file"));
	} else {
		probe_set__free(&set); /* no vDSO (valgrind): libc's own fallback */
	}
	/* an IFUNC of a library this process has not loaded: never dlopen'ed */
	h = dlopen("libm.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (h) {
		dlclose(h);
		skip();
	}
	assert_int_equal(binpath__find("libm", NULL, 0, &path), 0);
	assert_int_equal(elfsym__load(path, &funcs), 0);
	f = find_func(&funcs, "fma");
	ret = f && f->is_ifunc;
	elfsym__free(&funcs);
	free(path);
	if (!ret)
		skip();
	assert_int_equal(resolve(&libm, 1, 16, &set, err), -ENOTSUP);
	assert_non_null(strstr(err, "IFUNC 'fma'"));
	assert_non_null(strstr(err, "optrace list"));
	h = dlopen("libm.so.6", RTLD_LAZY | RTLD_NOLOAD);
	assert_null(h); /* still not loaded */
}

static void test_probes_elfsym_libc(void **state)
{
	struct elf_funcs funcs;
	pid_t self = getpid();
	char *path;
	size_t i;

	(void)state;
	assert_int_equal(binpath__find("libc", &self, 1, &path), 0);
	assert_int_equal(elfsym__load(path, &funcs), 0);
	assert_true(funcs.n > 1000);
	/* memcpy@GLIBC_2.2.5 (old version) is dropped next to memcpy@@GLIBC_2.14 */
	assert_int_equal(count_named(&funcs, "memcpy"), 1);
	for (i = 1; i < funcs.n; i++) {
		int c = strcmp(funcs.v[i - 1].name, funcs.v[i].name);

		assert_true(c < 0 || (c == 0 && funcs.v[i - 1].vaddr < funcs.v[i].vaddr));
		assert_null(strchr(funcs.v[i].name, '@'));
	}
	elfsym__free(&funcs);
	assert_int_equal(elfsym__load("/etc/passwd", &funcs), -ENOEXEC);
	assert_int_equal(funcs.n, 0);
	assert_int_equal(elfsym__load("/nonexistent", &funcs), -ENOENT);
	free(path);
}

/* --ratio NAME=SPEC,NAME_B=SPEC_B: the specs it adds, or the error it gives. */
static const struct {
	const char *text;
	const char *spec_a, *spec_b; /* NULL: -EINVAL */
	const char *err_part;
} ratio_cases[] = {
	{ "hit=./app:cache_hit,miss=./app:cache_miss", "./app:cache_hit,name=hit,count",
	  "./app:cache_miss,name=miss,count", NULL },
	{ "hit=./app:get,category=cache,count,miss=./app:miss_*,category=cache",
	  "./app:get,category=cache,count,name=hit", "./app:miss_*,category=cache,name=miss,count",
	  NULL },
	{ "ok=usdt:./app:optrace:cache:hit,ko=usdt:./app:optrace:cache:miss",
	  "usdt:./app:optrace:cache:hit,name=ok", "usdt:./app:optrace:cache:miss,name=ko", NULL },
	{ "a.1=marks:./app:cache:hit,b-2=./app:f", "marks:./app:cache:hit,name=a.1",
	  "./app:f,name=b-2,count", NULL },
	{ "hit=./app:f", NULL, NULL, "no second NAME_B=SPEC_B" },
	{ "=./app:f,miss=./app:g", NULL, NULL, "expected NAME=SPEC" },
	{ "hit:x=./app:f,miss=./app:g", NULL, NULL, "expected NAME=SPEC" },
	{ "name=./app:f,miss=./app:g", NULL, NULL, "expected NAME=SPEC" },
	{ "hit=./app:f,hit=./app:g", NULL, NULL, "both sides are named 'hit'" },
	{ "hit=,miss=./app:g", NULL, NULL, "hit= has no probe" },
	{ "hit=./app:f,miss=", NULL, NULL, "miss= has no probe" },
	{ "hit=./app:f,name=x,miss=./app:g", NULL, NULL, "drop name= from './app:f,name=x'" },
	{ "hit=usdt:./app:p:a..b,miss=./app:g", NULL, NULL, "BEGIN..END pair" },
	{ "hit=./app:f,bogus,miss=./app:g", NULL, NULL, "unknown option 'bogus'" },
	{ "hit=./app,miss=./app:g", NULL, NULL, "missing function" },
};

static void test_probes_ratio_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ratio_cases) / sizeof(ratio_cases[0]); i++) {
		struct probe_ratio r;
		char err[ERRLEN] = "";
		int ret = probe_ratio__parse(ratio_cases[i].text, &r, err, sizeof(err));

		if (ratio_cases[i].spec_a) {
			if (ret)
				fail_msg("'%s': %s", ratio_cases[i].text, err);
			assert_string_equal(r.spec_a, ratio_cases[i].spec_a);
			assert_string_equal(r.spec_b, ratio_cases[i].spec_b);
		} else {
			assert_int_equal(ret, -EINVAL);
			assert_null(r.spec_a);
			if (!strstr(err, ratio_cases[i].err_part) || strncmp(err, "bad --ratio '", 13))
				fail_msg("'%s': message '%s' lacks '%s'", ratio_cases[i].text, err,
					 ratio_cases[i].err_part);
		}
		probe_ratio__free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes_parse_table),
		cmocka_unit_test(test_probes_find_binary_libc),
		cmocka_unit_test(test_probes_find_binary_paths),
		cmocka_unit_test(test_probes_find_binary_missing),
		cmocka_unit_test(test_probes_resolve_exact),
		cmocka_unit_test(test_probes_resolve_glob_sorted),
		cmocka_unit_test(test_probes_resolve_errors),
		cmocka_unit_test(test_probes_resolve_max_targets),
		cmocka_unit_test(test_probes_resolve_libc_aliases),
		cmocka_unit_test(test_probes_resolve_libc_ifunc),
		cmocka_unit_test(test_probes_resolve_ifunc_unresolvable),
		cmocka_unit_test(test_probes_elfsym_libc),
		cmocka_unit_test(test_probes_ratio_parse_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
