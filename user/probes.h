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

struct probe_spec {
	char *text;	/* the spec as given, for messages */
	char *binary;	/* as written */
	char *func;	/* name or glob */
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

/* One resolved function: one op. */
struct probe_target {
	char *path;	 /* ELF file to attach to, as openable by optrace */
	char *func;	 /* the function probed (IFUNC: its implementation) */
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
 *   -E2BIG   more than max_targets functions matched
 *   -ENOEXEC not an ELF file; -ENOTSUP an IFUNC whose implementation cannot be found
 */
int probes__resolve(const struct probe_spec *specs, size_t nspecs, const pid_t *pids,
		    size_t npids, size_t max_targets, struct probe_set *out, char *err,
		    size_t errlen);
void probe_set__free(struct probe_set *set);

#endif
