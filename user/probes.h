/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * probes.h - probe specs: parsing `-u` arguments and resolving them to the
 * (file, offset) pairs the tracer attaches to, one op each.
 *
 * Spec grammar:  BINARY:FUNC[,name=LABEL][,category=CAT]
 *                           [,error=ret<0|ret==0|ret!=0|none][,bytes=argN|ret]
 *   BINARY  a path (contains '/'); a library short name starting with "lib"
 *           (libc, libssl, libc.so.6), found in the traced processes' maps,
 *           else on the linker's search path; or a program name, found as a
 *           traced process's executable, else on $PATH.
 *   FUNC    a symbol name or an fnmatch(3) glob (handle_*).
 *
 *        BINARY:FUNC,count   count calls, no timing (entry probe only)
 *        usdt:BINARY:PROVIDER:NAME[..END][,options]
 *           NAME (a glob) alone: each matching USDT probe is a counted op
 *           (an event); NAME..END: a pair, NAME opens the op and END closes
 *           it, matched per thread like a call and its return.  Options as
 *           above, but bytes=argN reads USDT argument N (1..12) of END (or
 *           of the lone probe) and error= tests an argument:
 *           error=argN<0|argN==0|argN!=0|none.  Provider "optrace" means
 *           include/optrace.h markers: as marks: below.
 *        marks:BINARY[:GLOB]  every include/optrace.h marker of BINARY (whose
 *           "CATEGORY:NAME" matches GLOB): begin/end pairs become ops NAME in
 *           CATEGORY (error=arg1!=0, bytes=arg2), counts counted ops.
 *
 * Resolution picks the implementation an IFUNC (libc:strlen) really
 * dispatches to on this machine and attaches after an entry endbr64.
 * Functions return -errno and write a one-line message into err.
 */
#ifndef OPTRACE_PROBES_H
#define OPTRACE_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* When a call counts as failed (error=). */
enum probe_error_mode {
	PROBE_ERR_NONE = 0, /* never */
	PROBE_ERR_RET_LT0,  /* (long)ret < 0; errno = -ret */
	PROBE_ERR_RET_EQ0,  /* ret == 0 (NULL pointers) */
	PROBE_ERR_RET_NE0,  /* ret != 0; errno = ret (pthread-style) */
};

/* What a spec names. */
enum probe_spec_kind {
	SPEC_FUNC = 0, /* BINARY:FUNC */
	SPEC_USDT,     /* usdt:BINARY:PROVIDER:NAME[..END] */
	SPEC_MARKS,    /* marks:BINARY[:GLOB] */
};

struct probe_spec {
	char *text;	/* the spec as given, for messages */
	char *binary;	/* as written */
	char *func;	/* name or glob (usdt: the probe name; marks: GLOB or "*") */
	enum probe_spec_kind kind;
	char *provider; /* usdt: PROVIDER */
	char *end_name; /* usdt: END of NAME..END, or NULL */
	bool count;	/* ,count: counted, not timed */
	unsigned err_arg; /* usdt: error=argN... tests USDT argument N (1..12) */
	char *label;	/* name=, or NULL */
	char *category; /* category=, or NULL */
	enum probe_error_mode error_mode;
	unsigned bytes_src; /* OT_BYTES_NONE, 1..6 (argN) or OT_BYTES_RET */
};

/*
 * Parses text into *spec.  Returns 0, or -EINVAL with a message naming the
 * bad part in err (e.g. "bad probe 'x:': missing function name").
 * Free with probe_spec__free() (also safe after a failed parse).
 */
int probe_spec__parse(const char *text, struct probe_spec *spec, char *err, size_t errlen);
void probe_spec__free(struct probe_spec *spec);

/*
 * --ratio NAME=SPEC_A,NAME_B=SPEC_B: two probes counted as ops NAME and
 * NAME_B, whose calls a report compares (NAME / (NAME + NAME_B): a hit
 * rate).  NAME: letters, digits, '_', '.', '-' (not an option key: name,
 * category, error, bytes, count).  SPEC: any -u spec but a USDT BEGIN..END
 * pair, without name= (the ratio names the op); its other options stay
 * (category=...; a function gets ,count).  The second NAME_B= starts at the
 * first ',IDENT=' whose IDENT is not an option key.
 */
struct probe_ratio {
	char *label_a, *label_b;
	char *spec_a, *spec_b; /* the -u specs to add: SPEC,name=NAME[,count] */
};

/*
 * Parses text into *r.  Returns 0, or -EINVAL with a message in err
 * ("bad --ratio 'x': ..."), or -ENOMEM.  Free with probe_ratio__free (also
 * after a failed parse).
 */
int probe_ratio__parse(const char *text, struct probe_ratio *r, char *err, size_t errlen);
void probe_ratio__free(struct probe_ratio *r);

/* How a resolved op is probed. */
enum probe_kind {
	PROBE_CALL = 0,	  /* uprobe at entry + uretprobe: timed */
	PROBE_COUNT,	  /* uprobe at entry only: counted */
	PROBE_USDT_PAIR,  /* USDT begin probe + USDT end probe: timed */
	PROBE_USDT_COUNT, /* one USDT probe: counted */
};

/* One resolved function (or USDT probe or pair): one op. */
struct probe_target {
	enum probe_kind kind;
	char *usdt_provider; /* USDT kinds: provider */
	char *usdt_begin;    /* USDT kinds: the (begin, or only) probe name */
	char *usdt_end;	     /* PROBE_USDT_PAIR: the end probe name */
	unsigned err_arg;    /* USDT kinds: argument number error= tests, 0 = none */
	char *path;	 /* ELF file to attach to, as openable by optrace */
	char *func;	 /* the function probed (IFUNC: its implementation); USDT:
			  * "PROVIDER:NAME[..END]" */
	char *op_name;	 /* label shown in reports: name=, else the symbol name */
	char *category;	 /* category=, else "" */
	uint64_t offset; /* file offset to attach at (after endbr64 if skipped) */
	bool endbr_skipped;
	bool ifunc;	 /* resolved through an IFUNC */
	enum probe_error_mode error_mode;
	unsigned bytes_src;
	int spec_idx;	 /* index of the spec it came from */
};

struct probe_set {
	struct probe_target *v;
	size_t n;
};

/*
 * Resolves every spec against the processes in pids (may be empty) and
 * appends one target per matched function to *out, in spec order, names
 * sorted within a glob.  A function matched twice (same file and offset)
 * becomes one target.  Errors (out is emptied):
 *   -ENOENT  binary or library not found ("binary not found: ./app")
 *   -ESRCH   no function matches ("symbol 'foo' not found in /x; see: optrace list /x 'foo*'")
 *            (a stripped file: symbols of its .gnu_debugdata and separate debug
 *            file count too; without any, the message says what was looked for)
 *   -E2BIG   more than max_targets functions matched
 *   -ENOEXEC not an ELF file; -ENOTSUP an IFUNC whose implementation cannot be found,
 *            or a return probe asked of a Go binary (Go moves stacks: uretprobes
 *            corrupt them; ,count works)
 */
int probes__resolve(const struct probe_spec *specs, size_t nspecs, const pid_t *pids,
		    size_t npids, size_t max_targets, struct probe_set *out, char *err,
		    size_t errlen);
void probe_set__free(struct probe_set *set);

#endif
