// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probes.c - probe specs: parsing `-u` arguments, finding the file a BINARY
 * part names (through binpath.c), and resolving functions (names, globs, aliases, IFUNCs,
 * endbr64) to the (file, offset) pairs the tracer attaches to.
 *
 * Owns the spec grammar (see probes.h).  Leaves finding files to
 * binpath.c, ELF reading to elfsym.c and attaching to tracer.c.  Never prints:
 * every failure is a -errno plus a one-line message in the caller's buffer.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binpath.h"
#include "elfsym.h"
#include "optrace.h"
#include "probes.h"

static const char *const error_modes[] = {
	[PROBE_ERR_NONE] = "none",
	[PROBE_ERR_RET_LT0] = "ret<0",
	[PROBE_ERR_RET_EQ0] = "ret==0",
	[PROBE_ERR_RET_NE0] = "ret!=0",
};

static __attribute__((format(printf, 3, 4))) void set_err(char *err, size_t errlen,
							  const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- spec parsing ---- */

/* Writes "bad probe 'TEXT': WHY" into err; returns -EINVAL. */
static __attribute__((format(printf, 4, 5))) int bad_spec(char *err, size_t errlen,
							  const char *text, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	set_err(err, errlen, "bad probe '%s': %s", text, why);
	return -EINVAL;
}

void probe_spec__free(struct probe_spec *spec)
{
	if (!spec)
		return;
	free(spec->text);
	free(spec->binary);
	free(spec->func);
	free(spec->label);
	free(spec->category);
	memset(spec, 0, sizeof(*spec));
}

/* Applies one "key=value" option (opt is modified in place). */
static int parse_option(char *opt, struct probe_spec *spec, unsigned *seen, char *err,
			size_t errlen)
{
	static const char *const keys[] = { "name", "category", "error", "bytes" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	char *eq = strchr(opt, '='), *val = eq ? eq + 1 : NULL;
	size_t k, m;

	if (!*opt)
		return bad_spec(err, errlen, spec->text, "empty option (stray ',')");
	if (eq)
		*eq = '\0';
	for (k = 0; k < nkeys && strcmp(opt, keys[k]); k++)
		;
	if (k == nkeys)
		return bad_spec(err, errlen, spec->text,
				"unknown option '%s' (expected name=, category=, error= or bytes=)",
				opt);
	if (*seen & (1u << k))
		return bad_spec(err, errlen, spec->text, "duplicate option %s=", opt);
	*seen |= 1u << k;
	if (!val || !*val)
		return bad_spec(err, errlen, spec->text, "empty value for %s=", opt);
	switch (k) {
	case 0:
		spec->label = strdup(val);
		return spec->label ? 0 : -ENOMEM;
	case 1:
		spec->category = strdup(val);
		return spec->category ? 0 : -ENOMEM;
	case 2:
		for (m = 0; m < sizeof(error_modes) / sizeof(error_modes[0]); m++) {
			if (!strcmp(val, error_modes[m])) {
				spec->error_mode = (enum probe_error_mode)m;
				return 0;
			}
		}
		return bad_spec(err, errlen, spec->text,
				"bad error= value '%s' (expected ret<0, ret==0, ret!=0 or none)",
				val);
	default:
		if (!strcmp(val, "ret"))
			spec->bytes_src = OT_BYTES_RET;
		else if (!strncmp(val, "arg", 3) && val[3] >= '1' && val[3] <= '6' && !val[4])
			spec->bytes_src = (unsigned)(val[3] - '0');
		else
			return bad_spec(err, errlen, spec->text,
					"bad bytes= value '%s' (expected arg1..arg6 or ret)", val);
		return 0;
	}
}

static int parse_spec(const char *text, struct probe_spec *spec, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	char *opts, *opt, *next;
	unsigned seen = 0;
	size_t flen;
	int ret = 0;

	if (!strncmp(text, "usdt:", 5)) {
		set_err(err, errlen, "usdt probes are not supported yet: %s", text);
		return -EOPNOTSUPP;
	}
	spec->text = strdup(text);
	if (!spec->text)
		return -ENOMEM;
	if (!colon)
		return bad_spec(err, errlen, text, "missing function (expected BINARY:FUNC)");
	if (colon == text)
		return bad_spec(err, errlen, text, "empty binary (expected BINARY:FUNC)");
	flen = strcspn(colon + 1, ",");
	if (!flen)
		return bad_spec(err, errlen, text, "missing function name");
	spec->binary = strndup(text, (size_t)(colon - text));
	spec->func = strndup(colon + 1, flen);
	if (!spec->binary || !spec->func)
		return -ENOMEM;
	if (!colon[1 + flen])
		return 0;
	opts = strdup(colon + 1 + flen + 1);
	if (!opts)
		return -ENOMEM;
	for (opt = opts; opt && !ret; opt = next) {
		next = strchr(opt, ',');
		if (next)
			*next++ = '\0';
		ret = parse_option(opt, spec, &seen, err, errlen);
	}
	free(opts);
	return ret;
}

int probe_spec__parse(const char *text, struct probe_spec *spec, char *err, size_t errlen)
{
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = parse_spec(text, spec, err, errlen);
	if (ret == -ENOMEM)
		set_err(err, errlen, "probe '%s': out of memory", text);
	if (ret)
		probe_spec__free(spec);
	return ret;
}

/* ---- resolving specs to targets ---- */

/* One ELF file read during a resolve, shared by the specs that name it. */
struct loaded_elf {
	char *path;
	struct elf_funcs funcs;
};

struct resolve_ctx {
	const pid_t *pids;
	size_t npids;
	size_t max_targets;
	struct probe_set *out;
	size_t cap;
	struct loaded_elf *elfs;
	size_t nelfs;
	char *err;
	size_t errlen;
};

/* Where a loaded object of optrace itself is: (dev, ino) in, name and base out. */
struct loaded_obj {
	dev_t dev;
	ino_t ino;
	const char *name;
	uintptr_t base;
};

void probe_set__free(struct probe_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->v[i].path);
		free(set->v[i].func);
		free(set->v[i].op_name);
		free(set->v[i].category);
	}
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static int load_elf(struct resolve_ctx *ctx, const char *path, const struct elf_funcs **funcs)
{
	struct loaded_elf *nv, *e;
	size_t i;
	int ret;

	for (i = 0; i < ctx->nelfs; i++) {
		if (!strcmp(ctx->elfs[i].path, path)) {
			*funcs = &ctx->elfs[i].funcs;
			return 0;
		}
	}
	nv = realloc(ctx->elfs, (ctx->nelfs + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	ctx->elfs = nv;
	e = &ctx->elfs[ctx->nelfs];
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	ret = elfsym__load(path, &e->funcs);
	if (ret) {
		free(e->path);
		return ret;
	}
	ctx->nelfs++;
	*funcs = &e->funcs;
	return 0;
}

static int find_loaded_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct loaded_obj *q = data;
	struct stat st;

	(void)size;
	if (!info->dlpi_name || !*info->dlpi_name || stat(info->dlpi_name, &st))
		return 0;
	if (st.st_dev != q->dev || st.st_ino != q->ino)
		return 0;
	q->name = info->dlpi_name;
	q->base = (uintptr_t)info->dlpi_addr;
	return 1;
}

/* Does the code at addr (in optrace's memory) belong to the file with st's inode? */
static bool addr_in_file(const void *addr, const struct stat *st)
{
	struct stat fst;
	Dl_info di;

	return dladdr(addr, &di) && di.dli_fname && !stat(di.dli_fname, &fst) &&
	       fst.st_dev == st->st_dev && fst.st_ino == st->st_ino;
}

/* Does the code at addr start with endbr64?  (Reads optrace's own mapping of the file.) */
static bool code_has_endbr64(const void *addr)
{
#if defined(__x86_64__)
	return !memcmp(addr, "\xf3\x0f\x1e\xfa", 4);
#else
	(void)addr;
	return false;
#endif
}

/*
 * The implementation the IFUNC f of path dispatches to on this machine.
 * Asks the dynamic linker of optrace's own process, which ran the resolver
 * on this CPU; only for a library it has already loaded (dlopen of anything
 * else would run its constructors as root).  Fills t->func, offset, endbr.
 * Returns 0, -ENOTSUP (not loaded, or no such implementation), -EXDEV (it
 * dispatches outside the file, as gettimeofday does to the vDSO) or -ENOMEM.
 */
static int resolve_ifunc(struct resolve_ctx *ctx, const char *path, const struct elf_funcs *funcs,
			 const struct elf_func *f, struct probe_target *t)
{
	struct loaded_obj q = { 0 };
	const struct elf_func *impl;
	struct stat st;
	uint64_t vaddr;
	void *h, *addr = NULL;
	int ret;

	if (stat(path, &st))
		memset(&st, 0, sizeof(st)); /* inode 0 matches no loaded object: reported below */
	q.dev = st.st_dev;
	q.ino = st.st_ino;
	if (dl_iterate_phdr(find_loaded_cb, &q)) {
		h = dlopen(q.name, RTLD_LAZY | RTLD_NOLOAD);
		if (h) {
			addr = dlsym(h, f->name);
			dlclose(h);
		}
	}
	if (!addr) {
		set_err(ctx->err, ctx->errlen,
			"cannot resolve IFUNC '%s' in %s: optrace has not loaded that file, so which implementation it dispatches to is unknown; probe one by name instead (see: optrace list %s '*%s*')",
			f->name, path, path, f->name);
		return -ENOTSUP;
	}
	if (!addr_in_file(addr, &st)) {
		set_err(ctx->err, ctx->errlen,
			"cannot probe IFUNC '%s' in %s: it dispatches to code outside that file (the vDSO?)",
			f->name, path);
		return -EXDEV;
	}
	vaddr = (uintptr_t)addr - q.base;
	impl = elfsym__by_vaddr(funcs, vaddr);
	if (impl && impl->vaddr == vaddr && !impl->is_ifunc) {
		t->func = strdup(impl->name);
		t->offset = impl->file_off;
		t->endbr_skipped = impl->endbr;
	} else {
		t->func = strdup(f->name); /* no symbol (stripped .symtab): keep the IFUNC's name */
		t->endbr_skipped = code_has_endbr64(addr);
		ret = elfsym__vaddr_to_off(path, vaddr, &t->offset);
		if (ret) {
			set_err(ctx->err, ctx->errlen,
				"cannot resolve IFUNC '%s' in %s: implementation at 0x%llx: %s",
				f->name, path, (unsigned long long)vaddr, strerror(-ret));
			return -ENOTSUP;
		}
	}
	if (!t->func)
		return -ENOMEM;
	if (t->endbr_skipped)
		t->offset += 4;
	t->ifunc = true;
	return 0;
}

static int func_ptr_by_name(const void *a, const void *b)
{
	const struct elf_func *x = *(const struct elf_func *const *)a;
	const struct elf_func *y = *(const struct elf_func *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int func_ptr_by_vaddr(const void *a, const void *b)
{
	const struct elf_func *x = *(const struct elf_func *const *)a;
	const struct elf_func *y = *(const struct elf_func *const *)b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Which alias names a function best: the name asked for, then a public name. */
static int alias_rank(const struct elf_func *f, const char *asked)
{
	if (!strcmp(f->name, asked))
		return 0;
	return f->global && f->name[0] != '_' ? 1 : 2;
}

/*
 * The functions of funcs that pattern names, one per address (aliases
 * collapsed), sorted by name.  Returns the count (>= 0) or -ENOMEM.
 */
static ssize_t match_funcs(const struct elf_funcs *funcs, const char *pattern,
			   const struct elf_func ***out)
{
	bool glob = strpbrk(pattern, "*?[") != NULL;
	const struct elf_func **m;
	size_t i, j, n = 0, nsel = 0;

	*out = NULL;
	m = calloc(funcs->n ? funcs->n : 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (i = 0; i < funcs->n; i++) {
		const char *name = funcs->v[i].name;

		if (glob ? !fnmatch(pattern, name, 0) : !strcmp(pattern, name))
			m[n++] = &funcs->v[i];
	}
	qsort(m, n, sizeof(*m), func_ptr_by_vaddr);
	for (i = 0; i < n; i = j) {
		const struct elf_func *best = m[i];

		for (j = i + 1; j < n && m[j]->vaddr == m[i]->vaddr; j++)
			if (alias_rank(m[j], pattern) < alias_rank(best, pattern))
				best = m[j];
		m[nsel++] = best;
	}
	qsort(m, nsel, sizeof(*m), func_ptr_by_name);
	*out = m;
	return (ssize_t)nsel;
}

static bool target_exists(const struct probe_set *set, const char *path, uint64_t offset)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].offset == offset && !strcmp(set->v[i].path, path))
			return true;
	return false;
}

/* Builds the target for one matched function of spec and appends it (unless a duplicate). */
static int add_target(struct resolve_ctx *ctx, const struct probe_spec *spec, int idx,
		      const char *path, const struct elf_funcs *funcs, const struct elf_func *f,
		      size_t nmatched)
{
	struct probe_target t = { 0 };
	int ret = 0;

	if (f->is_ifunc) {
		ret = resolve_ifunc(ctx, path, funcs, f, &t);
	} else {
		t.func = strdup(f->name);
		t.offset = f->file_off + (f->endbr ? 4 : 0);
		t.endbr_skipped = f->endbr;
	}
	if (ret || !t.func)
		goto out;
	if (target_exists(ctx->out, path, t.offset))
		goto out;
	if (ctx->out->n >= ctx->max_targets) {
		set_err(ctx->err, ctx->errlen,
			"too many functions: probe '%s' matches %zu, and at most %zu can be traced in all; narrow the glob",
			spec->text, nmatched, ctx->max_targets);
		ret = -E2BIG;
		goto out;
	}
	if (ctx->out->n == ctx->cap) {
		size_t ncap = ctx->cap ? ctx->cap * 2 : 16;
		struct probe_target *nv = realloc(ctx->out->v, ncap * sizeof(*nv));

		if (!nv)
			goto nomem;
		ctx->out->v = nv;
		ctx->cap = ncap;
	}
	t.path = strdup(path);
	t.category = strdup(spec->category ? spec->category : "");
	if (!spec->label)
		t.op_name = strdup(f->name);
	else if (nmatched > 1 && strpbrk(spec->func, "*?["))
		t.op_name = asprintf(&t.op_name, "%s:%s", spec->label, f->name) < 0 ? NULL :
											t.op_name;
	else
		t.op_name = strdup(spec->label);
	if (!t.path || !t.category || !t.op_name)
		goto nomem;
	t.error_mode = spec->error_mode;
	t.bytes_src = spec->bytes_src;
	t.spec_idx = idx;
	ctx->out->v[ctx->out->n++] = t;
	return 0;
nomem:
	ret = -ENOMEM;
out:
	free(t.path);
	free(t.func);
	free(t.op_name);
	free(t.category);
	return ret;
}

static int resolve_spec(struct resolve_ctx *ctx, const struct probe_spec *spec, int idx)
{
	const struct elf_funcs *funcs;
	bool glob = strpbrk(spec->func, "*?[") != NULL;
	const struct elf_func **m = NULL;
	char *path = NULL;
	ssize_t n, i, skipped = 0;
	int ret;

	ret = binpath__find(spec->binary, ctx->pids, ctx->npids, &path);
	if (ret) {
		set_err(ctx->err, ctx->errlen, "binary not found: %s", spec->binary);
		return ret;
	}
	ret = load_elf(ctx, path, &funcs);
	if (ret == -ENOEXEC) {
		set_err(ctx->err, ctx->errlen, "not an ELF file for this machine: %s", path);
		goto out;
	} else if (ret) {
		set_err(ctx->err, ctx->errlen, "cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	n = match_funcs(funcs, spec->func, &m);
	if (n < 0) {
		ret = (int)n;
		goto out;
	}
	if (n == 0) {
		const char *why = funcs->n ? "" : " (no function symbols: stripped?)";

		if (glob)
			set_err(ctx->err, ctx->errlen,
				"no function matches '%s' in %s%s; see: optrace list %s",
				spec->func, path, why, path);
		else
			set_err(ctx->err, ctx->errlen,
				"symbol '%s' not found in %s%s; see: optrace list %s '%s*'",
				spec->func, path, why, path, spec->func);
		ret = -ESRCH;
		goto out;
	}
	/* A glob skips IFUNCs with nothing in the file to probe (gettimeofday: vDSO). */
	for (i = 0; i < n; i++) {
		ret = add_target(ctx, spec, idx, path, funcs, m[i], (size_t)n);
		if (ret == -EXDEV && glob)
			skipped++;
		else if (ret)
			goto out;
	}
	ret = skipped == n ? -EXDEV : 0;
out:
	if (ret == -ENOMEM)
		set_err(ctx->err, ctx->errlen, "probe '%s': out of memory", spec->text);
	if (ret == -EXDEV)
		ret = -ENOTSUP;
	free(m);
	free(path);
	return ret;
}

int probes__resolve(const struct probe_spec *specs, size_t nspecs, const pid_t *pids,
		    size_t npids, size_t max_targets, struct probe_set *out, char *err,
		    size_t errlen)
{
	struct resolve_ctx ctx = {
		.pids = pids,
		.npids = npids,
		.max_targets = max_targets,
		.out = out,
		.cap = out->n,
		.err = err,
		.errlen = errlen,
	};
	size_t i;
	int ret = 0;

	for (i = 0; i < nspecs && !ret; i++)
		ret = resolve_spec(&ctx, &specs[i], (int)i);
	for (i = 0; i < ctx.nelfs; i++) {
		free(ctx.elfs[i].path);
		elfsym__free(&ctx.elfs[i].funcs);
	}
	free(ctx.elfs);
	if (ret)
		probe_set__free(out);
	else if (err && errlen)
		err[0] = '\0'; /* drop messages of IFUNCs a glob skipped */
	return ret;
}
