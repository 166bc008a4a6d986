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
#include "usdt.h"

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

/* Writes "bad WHAT 'TEXT': WHY" into err; returns -EINVAL. */
static __attribute__((format(printf, 5, 0))) int bad_input(char *err, size_t errlen,
							   const char *what, const char *text,
							   const char *fmt, va_list ap)
{
	char why[384];

	vsnprintf(why, sizeof(why), fmt, ap);
	set_err(err, errlen, "bad %s '%s': %s", what, text, why);
	return -EINVAL;
}

/* Writes "bad probe 'TEXT': WHY" into err; returns -EINVAL. */
static __attribute__((format(printf, 4, 5))) int bad_spec(char *err, size_t errlen,
							  const char *text, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = bad_input(err, errlen, "probe", text, fmt, ap);
	va_end(ap);
	return ret;
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
	free(spec->provider);
	free(spec->end_name);
	memset(spec, 0, sizeof(*spec));
}

/* Parses N (1..12) of "argN" at s; *rest: what follows.  False if none. */
static bool parse_argn(const char *s, unsigned *n, const char **rest)
{
	unsigned v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 3) {
		v = v * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	if (!digits || v < 1 || v > 12)
		return false;
	*n = v;
	*rest = s;
	return true;
}

/* Applies one "key=value" option (opt is modified in place). */
static int parse_option(char *opt, struct probe_spec *spec, unsigned *seen, char *err,
			size_t errlen)
{
	static const char *const keys[] = { "name", "category", "error", "bytes" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	char *eq = strchr(opt, '='), *val = eq ? eq + 1 : NULL;
	bool usdt = spec->kind != SPEC_FUNC;
	size_t k, m;

	if (!*opt)
		return bad_spec(err, errlen, spec->text, "empty option (stray ',')");
	if (!strcmp(opt, "count")) {
		if (usdt)
			return bad_spec(err, errlen, spec->text,
					"count is for functions (a lone USDT probe is counted already)");
		spec->count = true;
		return 0;
	}
	if (eq)
		*eq = '\0';
	for (k = 0; k < nkeys && strcmp(opt, keys[k]); k++)
		;
	if (k == nkeys)
		return bad_spec(err, errlen, spec->text,
				"unknown option '%s' (expected name=, category=, error=, bytes= or count)",
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
	case 2: {
		/* Functions test the return value (ret...), USDT probes an argument (argN...). */
		const char *test = val;
		unsigned an = 0;

		if (usdt && strcmp(val, "none")) {
			if (strncmp(val, "arg", 3) || !parse_argn(val + 3, &an, &test))
				return bad_spec(err, errlen, spec->text,
						"bad error= value '%s' (expected argN<0, argN==0, argN!=0 or none, N in 1..12)",
						val);
			spec->err_arg = an;
		} else if (!usdt && strcmp(val, "none")) {
			if (strncmp(val, "ret", 3))
				goto bad_err;
			test = val + 3;
		}
		for (m = 0; m < sizeof(error_modes) / sizeof(error_modes[0]); m++) {
			const char *mode = error_modes[m];

			if (m != PROBE_ERR_NONE)
				mode += 3; /* past "ret" */
			if ((m == PROBE_ERR_NONE) == (test == val) && !strcmp(test, mode)) {
				spec->error_mode = (enum probe_error_mode)m;
				return 0;
			}
		}
	bad_err:
		return bad_spec(err, errlen, spec->text,
				usdt ? "bad error= value '%s' (expected argN<0, argN==0, argN!=0 or none)" :
				       "bad error= value '%s' (expected ret<0, ret==0, ret!=0 or none)",
				val);
	}
	default: {
		const char *rest;
		unsigned an;

		if (!usdt && !strcmp(val, "ret"))
			spec->bytes_src = OT_BYTES_RET;
		else if (!strncmp(val, "arg", 3) && parse_argn(val + 3, &an, &rest) && !*rest &&
			 (usdt || an <= 6))
			spec->bytes_src = an;
		else
			return bad_spec(err, errlen, spec->text,
					usdt ? "bad bytes= value '%s' (expected arg1..arg12)" :
					       "bad bytes= value '%s' (expected arg1..arg6 or ret)",
					val);
		return 0;
	}
	}
}

/* Applies the ,options after the probe part (opts: the text after its ','). */
static int parse_options(const char *opts_text, struct probe_spec *spec, char *err, size_t errlen)
{
	char *opts = strdup(opts_text), *opt, *next;
	unsigned seen = 0;
	int ret = 0;

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

/* usdt:BINARY:PROVIDER:NAME[..END][,options] */
static int parse_usdt_spec(const char *text, struct probe_spec *spec, char *err, size_t errlen)
{
	const char *b = text + 5, *c1 = strchr(b, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *name = c2 ? c2 + 1 : NULL, *dots;
	size_t nlen;

	spec->kind = SPEC_USDT;
	if (!c1 || !c2)
		return bad_spec(err, errlen, text, "expected usdt:BINARY:PROVIDER:NAME");
	if (c1 == b)
		return bad_spec(err, errlen, text, "empty binary (expected usdt:BINARY:PROVIDER:NAME)");
	if (c2 == c1 + 1)
		return bad_spec(err, errlen, text, "empty provider (expected usdt:BINARY:PROVIDER:NAME)");
	nlen = strcspn(name, ",");
	if (!nlen)
		return bad_spec(err, errlen, text, "missing probe name");
	spec->binary = strndup(b, (size_t)(c1 - b));
	spec->provider = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
	dots = strstr(name, "..");
	if (dots && dots < name + nlen) {
		if (dots == name || dots + 2 == name + nlen)
			return bad_spec(err, errlen, text, "a pair is BEGIN..END: both names needed");
		spec->func = strndup(name, (size_t)(dots - name));
		spec->end_name = strndup(dots + 2, (size_t)(name + nlen - dots - 2));
		if (spec->func && spec->end_name &&
		    (strpbrk(spec->func, "*?[") || strpbrk(spec->end_name, "*?[")))
			return bad_spec(err, errlen, text, "a BEGIN..END pair takes exact names, no globs");
	} else {
		spec->func = strndup(name, nlen);
	}
	if (!spec->binary || !spec->provider || !spec->func || (dots && !spec->end_name))
		return -ENOMEM;
	return name[nlen] ? parse_options(name + nlen + 1, spec, err, errlen) : 0;
}

/* marks:BINARY[:GLOB][,options] */
static int parse_marks_spec(const char *text, struct probe_spec *spec, char *err, size_t errlen)
{
	const char *b = text + 6;
	size_t blen = strcspn(b, ":,");

	spec->kind = SPEC_MARKS;
	if (!blen)
		return bad_spec(err, errlen, text, "empty binary (expected marks:BINARY[:GLOB])");
	spec->binary = strndup(b, blen);
	spec->provider = strdup(USDT_MARK_PROVIDER);
	if (b[blen] == ':') {
		size_t glen = strcspn(b + blen + 1, ",");

		if (!glen)
			return bad_spec(err, errlen, text, "empty GLOB (expected marks:BINARY[:GLOB])");
		spec->func = strndup(b + blen + 1, glen);
		blen += 1 + glen;
	} else {
		spec->func = strdup("*");
	}
	if (!spec->binary || !spec->provider || !spec->func)
		return -ENOMEM;
	return b[blen] == ',' ? parse_options(b + blen + 1, spec, err, errlen) : 0;
}

static int parse_spec(const char *text, struct probe_spec *spec, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	size_t flen;

	spec->text = strdup(text);
	if (!spec->text)
		return -ENOMEM;
	if (!strncmp(text, "usdt:", 5))
		return parse_usdt_spec(text, spec, err, errlen);
	if (!strncmp(text, "marks:", 6))
		return parse_marks_spec(text, spec, err, errlen);
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
	return parse_options(colon + 1 + flen + 1, spec, err, errlen);
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

/* ---- --ratio NAME=SPEC_A,NAME_B=SPEC_B ---- */

static const char *const option_keys[] = { "name", "category", "error", "bytes", "count" };

/* Length of the ratio NAME at s (up to '='), 0 when s does not start with NAME=. */
static size_t ratio_name_len(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

	if (!n || s[n] != '=')
		return 0;
	for (size_t k = 0; k < sizeof(option_keys) / sizeof(option_keys[0]); k++)
		if (strlen(option_keys[k]) == n && !strncmp(s, option_keys[k], n))
			return 0;
	return n;
}

/* Writes "bad --ratio 'TEXT': WHY" into err; returns -EINVAL. */
static __attribute__((format(printf, 4, 5))) int bad_ratio(char *err, size_t errlen,
							   const char *text, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = bad_input(err, errlen, "--ratio", text, fmt, ap);
	va_end(ap);
	return ret;
}

/* Checks one side's SPEC and builds the -u spec that counts it as op label. */
static int ratio_side(const char *text, const char *label, const char *spec_text, char **out,
		      char *err, size_t errlen)
{
	struct probe_spec spec;
	char why[256];
	int ret;

	if (!*spec_text)
		return bad_ratio(err, errlen, text, "%s= has no probe (expected NAME=SPEC)", label);
	ret = probe_spec__parse(spec_text, &spec, why, sizeof(why));
	if (ret == -EINVAL)
		return bad_ratio(err, errlen, text, "%s", why);
	if (ret)
		return ret;
	if (spec.label)
		ret = bad_ratio(err, errlen, text,
				"drop name= from '%s': the ratio names its op '%s'", spec_text, label);
	else if (spec.end_name)
		ret = bad_ratio(err, errlen, text,
				"'%s' is a BEGIN..END pair (a timed op); a ratio counts events: name one USDT probe",
				spec_text);
	else if (asprintf(out, "%s,name=%s%s", spec_text, label,
			  spec.kind == SPEC_FUNC && !spec.count ? ",count" : "") < 0)
		ret = -ENOMEM;
	if (ret == -ENOMEM)
		*out = NULL;
	probe_spec__free(&spec);
	return ret;
}

void probe_ratio__free(struct probe_ratio *r)
{
	if (!r)
		return;
	free(r->label_a);
	free(r->label_b);
	free(r->spec_a);
	free(r->spec_b);
	memset(r, 0, sizeof(*r));
}

int probe_ratio__parse(const char *text, struct probe_ratio *r, char *err, size_t errlen)
{
	const char *usage = "expected NAME=SPEC,NAME_B=SPEC_B (e.g. hit=./app:cache_hit,miss=./app:cache_miss)";
	size_t na = ratio_name_len(text), nb = 0;
	const char *p, *b = NULL;
	char *spec_a = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!na)
		return bad_ratio(err, errlen, text, "%s", usage);
	for (p = strchr(text + na + 1, ','); p && !b; p = strchr(p + 1, ','))
		if ((nb = ratio_name_len(p + 1)))
			b = p + 1;
	if (!b)
		return bad_ratio(err, errlen, text, "no second NAME_B=SPEC_B; %s", usage);
	r->label_a = strndup(text, na);
	r->label_b = strndup(b, nb);
	spec_a = strndup(text + na + 1, (size_t)(b - 1 - (text + na + 1)));
	if (!r->label_a || !r->label_b || !spec_a) {
		ret = -ENOMEM;
		goto out;
	}
	if (!strcmp(r->label_a, r->label_b)) {
		ret = bad_ratio(err, errlen, text, "both sides are named '%s'", r->label_a);
		goto out;
	}
	ret = ratio_side(text, r->label_a, spec_a, &r->spec_a, err, errlen);
	if (!ret)
		ret = ratio_side(text, r->label_b, b + nb + 1, &r->spec_b, err, errlen);
out:
	if (ret == -ENOMEM)
		set_err(err, errlen, "--ratio '%s': out of memory", text);
	if (ret)
		probe_ratio__free(r);
	free(spec_a);
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
		free(set->v[i].usdt_provider);
		free(set->v[i].usdt_begin);
		free(set->v[i].usdt_end);
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
		const char *name = funcs->v[i].name, *dm = funcs->v[i].demangled;

		/* C++/Rust: the mangled or the demangled name ("ns::Cache::get*"). */
		if (glob ? !fnmatch(pattern, name, 0) || (dm && !fnmatch(pattern, dm, 0)) :
			   !strcmp(pattern, name) || (dm && !strcmp(pattern, dm)))
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
		t.op_name = strdup(f->demangled ? f->demangled : f->name);
	else if (nmatched > 1 && strpbrk(spec->func, "*?["))
		t.op_name = asprintf(&t.op_name, "%s:%s", spec->label,
				     f->demangled ? f->demangled : f->name) < 0 ? NULL : t.op_name;
	else
		t.op_name = strdup(spec->label);
	if (!t.path || !t.category || !t.op_name)
		goto nomem;
	t.error_mode = spec->error_mode;
	t.bytes_src = spec->bytes_src;
	t.spec_idx = idx;
	t.kind = spec->count ? PROBE_COUNT : PROBE_CALL;
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

/* Room for one more target in ctx->out; -E2BIG (with a message) or -ENOMEM. */
static int out_reserve(struct resolve_ctx *ctx, const struct probe_spec *spec)
{
	if (ctx->out->n >= ctx->max_targets) {
		set_err(ctx->err, ctx->errlen,
			"too many probes: '%s' goes past the %zu ops that can be traced in all; narrow it",
			spec->text, ctx->max_targets);
		return -E2BIG;
	}
	if (ctx->out->n == ctx->cap) {
		size_t ncap = ctx->cap ? ctx->cap * 2 : 16;
		struct probe_target *nv = realloc(ctx->out->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		ctx->out->v = nv;
		ctx->cap = ncap;
	}
	return 0;
}

static bool usdt_target_exists(const struct probe_set *set, const char *path, const char *prov,
			       const char *begin, enum probe_kind kind)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].kind == kind &&
		    !strcmp(set->v[i].path, path) && !strcmp(set->v[i].usdt_provider, prov) &&
		    !strcmp(set->v[i].usdt_begin, begin))
			return true;
	return false;
}

/* The first note of provider prov named name, or NULL. */
static const struct usdt_note *usdt_find(const struct usdt_notes *notes, const char *prov,
					 const char *name)
{
	for (size_t i = 0; i < notes->n; i++)
		if (!strcmp(notes->v[i].provider, prov) && !strcmp(notes->v[i].name, name))
			return &notes->v[i];
	return NULL;
}

/*
 * Appends one USDT op: begin (and end for a pair) of provider prov.
 * op_name/category: as the op is reported (label= and category= of the
 * spec win).  Duplicates (same file and begin probe) are skipped.
 */
static int add_usdt_target(struct resolve_ctx *ctx, const struct probe_spec *spec, int idx,
			   const char *path, const struct usdt_note *begin, const char *end,
			   const char *op_name, const char *category, bool mark)
{
	struct probe_target t = { 0 };
	int ret;

	if (usdt_target_exists(ctx->out, path, begin->provider, begin->name,
			       end ? PROBE_USDT_PAIR : PROBE_USDT_COUNT))
		return 0;
	ret = out_reserve(ctx, spec);
	if (ret)
		return ret;
	t.kind = end ? PROBE_USDT_PAIR : PROBE_USDT_COUNT;
	t.path = strdup(path);
	t.usdt_provider = strdup(begin->provider);
	t.usdt_begin = strdup(begin->name);
	t.usdt_end = end ? strdup(end) : NULL;
	if (asprintf(&t.func, "%s:%s%s%s", begin->provider, begin->name, end ? ".." : "",
		     end ? end : "") < 0)
		t.func = NULL;
	t.op_name = strdup(spec->label ? spec->label : op_name);
	t.category = strdup(spec->category ? spec->category : category ? category : "");
	if (!t.path || !t.usdt_provider || !t.usdt_begin || (end && !t.usdt_end) || !t.func ||
	    !t.op_name || !t.category) {
		ret = -ENOMEM;
		goto fail;
	}
	/* Where the (first) begin site is, for messages and instruction checks. */
	if (elfsym__vaddr_to_off(path, begin->pc, &t.offset))
		t.offset = 0;
	t.error_mode = spec->error_mode;
	t.err_arg = spec->err_arg;
	t.bytes_src = spec->bytes_src;
	if (mark && !spec->err_arg && spec->error_mode == PROBE_ERR_NONE && end) {
		/* OPTRACE_END(category, name, err, bytes) */
		t.error_mode = PROBE_ERR_RET_NE0;
		t.err_arg = 1;
	}
	if (mark && !spec->bytes_src && end)
		t.bytes_src = 2;
	t.spec_idx = idx;
	ctx->out->v[ctx->out->n++] = t;
	return 0;
fail:
	free(t.path);
	free(t.usdt_provider);
	free(t.usdt_begin);
	free(t.usdt_end);
	free(t.func);
	free(t.op_name);
	free(t.category);
	return ret;
}

/* include/optrace.h markers of notes whose "CATEGORY:NAME" matches glob. */
static int resolve_marks(struct resolve_ctx *ctx, const struct probe_spec *spec, int idx,
			 const char *path, const struct usdt_notes *notes, const char *glob,
			 size_t *added)
{
	int ret = 0;

	for (size_t i = 0; i < notes->n && !ret; i++) {
		const struct usdt_note *n = &notes->v[i];
		char *cat = NULL, *name = NULL, *key = NULL, *end = NULL;
		enum usdt_mark_role role;

		if (strcmp(n->provider, USDT_MARK_PROVIDER))
			continue;
		role = usdt__split_mark(n->name, &cat, &name);
		if (role != USDT_MARK_BEGIN && role != USDT_MARK_COUNT)
			goto next;
		if (asprintf(&key, "%s:%s", cat, name) < 0 ||
		    asprintf(&end, "%s:%s:end", cat, name) < 0) {
			ret = -ENOMEM;
			goto next;
		}
		if (fnmatch(glob, key, 0) && fnmatch(glob, n->name, 0))
			goto next;
		if (role == USDT_MARK_BEGIN && !usdt_find(notes, n->provider, end)) {
			set_err(ctx->err, ctx->errlen,
				"marker %s:%s in %s begins but never ends (no OPTRACE_END(\"%s\", \"%s\", ...))",
				cat, name, path, cat, name);
			ret = -ESRCH;
			goto next;
		}
		ret = add_usdt_target(ctx, spec, idx, path, n, role == USDT_MARK_BEGIN ? end : NULL,
				      name, cat, true);
		if (!ret)
			(*added)++;
next:
		free(cat);
		free(name);
		free(key);
		free(end);
	}
	return ret;
}

static int resolve_usdt_spec(struct resolve_ctx *ctx, const struct probe_spec *spec, int idx)
{
	struct usdt_notes notes = { 0 };
	char *path = NULL;
	size_t added = 0;
	int ret;

	ret = binpath__find(spec->binary, ctx->pids, ctx->npids, &path);
	if (ret) {
		set_err(ctx->err, ctx->errlen, "binary not found: %s", spec->binary);
		return ret;
	}
	ret = usdt__load(path, &notes);
	if (ret == -ENOEXEC) {
		set_err(ctx->err, ctx->errlen, "not an ELF file for this machine: %s", path);
		goto out;
	} else if (ret) {
		set_err(ctx->err, ctx->errlen, "cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	if (spec->kind == SPEC_MARKS || (!strcmp(spec->provider, USDT_MARK_PROVIDER) &&
					 !spec->end_name)) {
		ret = resolve_marks(ctx, spec, idx, path, &notes, spec->func, &added);
	} else if (spec->end_name) {
		const struct usdt_note *b = usdt_find(&notes, spec->provider, spec->func);

		if (!b || !usdt_find(&notes, spec->provider, spec->end_name)) {
			set_err(ctx->err, ctx->errlen,
				"USDT probe %s:%s not found in %s; see: optrace list %s",
				spec->provider, b ? spec->end_name : spec->func, path, path);
			ret = -ESRCH;
			goto out;
		}
		ret = add_usdt_target(ctx, spec, idx, path, b, spec->end_name, spec->func, NULL,
				      false);
		added = 1;
	} else {
		for (size_t i = 0; i < notes.n && !ret; i++) {
			const struct usdt_note *n = &notes.v[i];

			if (fnmatch(spec->provider, n->provider, 0) || fnmatch(spec->func, n->name, 0))
				continue;
			ret = add_usdt_target(ctx, spec, idx, path, n, NULL, n->name, NULL, false);
			added++;
		}
	}
	if (!ret && !added) {
		set_err(ctx->err, ctx->errlen, "no %s matches '%s:%s' in %s%s; see: optrace list %s",
			spec->kind == SPEC_MARKS ? "optrace marker" : "USDT probe", spec->provider,
			spec->func, path, notes.n ? "" : " (it has no USDT probes)", path);
		ret = -ESRCH;
	}
out:
	if (ret == -ENOMEM)
		set_err(ctx->err, ctx->errlen, "probe '%s': out of memory", spec->text);
	usdt__free(&notes);
	free(path);
	return ret;
}

/* A Go program: .go.buildinfo (also when stripped) or the runtime's entry. */
static bool is_go_binary(const char *path, const struct elf_funcs *funcs)
{
	for (size_t i = 0; i < funcs->n; i++)
		if (!strcmp(funcs->v[i].name, "runtime.main"))
			return true;
	return elfsym__has_section(path, ".go.buildinfo");
}

static int resolve_spec(struct resolve_ctx *ctx, const struct probe_spec *spec, int idx)
{
	const struct elf_funcs *funcs;
	bool glob = strpbrk(spec->func, "*?[") != NULL;
	const struct elf_func **m = NULL;
	char *path = NULL;
	ssize_t n, i, skipped = 0;
	int ret;

	if (spec->kind != SPEC_FUNC)
		return resolve_usdt_spec(ctx, spec, idx);
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
	/* Go grows goroutine stacks by copying them: a uretprobe's rewritten
	 * return address moves with the copy and the program crashes. */
	if (!spec->count && is_go_binary(path, funcs)) {
		set_err(ctx->err, ctx->errlen,
			"%s is a Go program: return probes are unsafe there (Go moves goroutine stacks, and a uretprobe's return address moves with them); count calls instead: -u '%s,count'",
			path, spec->text);
		ret = -ENOTSUP;
		goto out;
	}
	n = match_funcs(funcs, spec->func, &m);
	if (n < 0) {
		ret = (int)n;
		goto out;
	}
	if (n == 0 && funcs->stripped &&
	    !(funcs->sources & (ELFSYM_SRC_DEBUGDATA | ELFSYM_SRC_DEBUGFILE))) {
		set_err(ctx->err, ctx->errlen,
			"%s '%s' %s %s: the binary is stripped and no debug symbols were found (looked in: %s); install its -dbgsym package or probe an exported function (see: optrace list %s)",
			glob ? "no function matches" : "symbol", spec->func,
			glob ? "in" : "not found in", path,
			funcs->looked ? funcs->looked : "nothing", path);
		ret = -ESRCH;
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
