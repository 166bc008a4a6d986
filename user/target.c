// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * target.c - traced processes: pid checks, exit watching with pidfds, and
 * the gated launch of `-- CMD`.  The gate is a pipe the child blocks on; a
 * second, close-on-exec pipe carries a failed exec's errno back, so
 * "command not found" is an error optrace reports rather than a silent 127.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "target.h"

int target__spawn(char *const argv[], struct target_cmd *out)
{
	int gate[2], errp[2], err;
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		err = -errno;
		close(gate[0]);
		close(gate[1]);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(gate[0]);
		close(gate[1]);
		close(errp[0]);
		close(errp[1]);
		return err;
	}
	if (pid == 0) {
		char c;
		int e;

		close(gate[1]);
		close(errp[0]);
		/* Dispositions optrace changed must not leak into the command. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(errp[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(errp[1]);
	out->pid = pid;
	out->gate_fd = gate[1];
	out->err_fd = errp[0];
	return 0;
}

int target__release(struct target_cmd *c)
{
	char go = 1;
	int e = 0;
	ssize_t n;

	if (write(c->gate_fd, &go, 1) != 1)
		return -errno;
	close(c->gate_fd);
	c->gate_fd = -1;
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	return n == sizeof(e) ? -e : 0;
}

int target__check_pid(pid_t pid)
{
	char path[64];

	if (kill(pid, 0) && errno == ESRCH)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (access(path, R_OK))
		return errno == ENOENT ? -ESRCH : -EPERM;
	return 0;
}

void target__comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, len, f)) {
		snprintf(buf, len, "?");
	} else {
		buf[strcspn(buf, "\n")] = 0;
	}
	if (f)
		fclose(f);
}

int target__pidfd(pid_t pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

bool target__all_exited(const int *pidfds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pollfd p = { .fd = pidfds[i], .events = POLLIN };

		if (pidfds[i] < 0)
			continue;
		if (poll(&p, 1, 0) != 1)
			return false;
	}
	return true;
}
