/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * target.h - the processes optrace traces: checking given pids, watching
 * them exit, and starting `-- CMD` held at a gate until the probes are
 * attached, so it is traced from its first instruction.
 */
#ifndef OPTRACE_TARGET_H
#define OPTRACE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct target_cmd {
	pid_t pid;
	int gate_fd; /* write end: a byte releases the child to exec */
	int err_fd;  /* read end: the child's exec errno, EOF on success */
};

/*
 * Forks a child that waits at the gate, then execs argv[0] (PATH search).
 * Returns 0 and *out, or -errno.  If optrace dies before releasing it, the
 * child exits 127 without running the command.
 */
int target__spawn(char *const argv[], struct target_cmd *out);
/*
 * Lets the child exec.  Returns 0 once exec succeeded, or -errno from the
 * failed exec (the child then exits 127; reap it with waitpid).
 */
int target__release(struct target_cmd *c);

/* 0 if pid is a live process we may look at; -ESRCH or -EPERM otherwise. */
int target__check_pid(pid_t pid);
/* The process's comm into buf (NUL-terminated, "?" if unreadable). */
void target__comm(pid_t pid, char *buf, size_t len);
/* A pidfd that becomes readable when pid exits, or -errno. */
int target__pidfd(pid_t pid);
/* True when every fd in pidfds (entries < 0 are ignored) reports exit. */
bool target__all_exited(const int *pidfds, size_t n);

#endif
