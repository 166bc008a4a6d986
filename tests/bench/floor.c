// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor.c - loads floor.bpf.o, attaches its empty programs as a uprobe and
 * a uretprobe at BINARY+OFFSET, runs CMD under them and exits with CMD's
 * status.  Attached the way optrace attaches with `-- CMD`: one
 * uprobe_multi link per direction, system-wide (libbpf 1.1 predates
 * uprobe_multi, so the link is made with bpf(2) as user/tracer.c does);
 * --perf uses perf-event uprobes instead.
 *
 *   floor [--perf] BPF_OBJ BINARY OFFSET -- CMD ARGS...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define OT_BPF_TRACE_UPROBE_MULTI    48
#define OT_BPF_F_UPROBE_MULTI_RETURN 1U

struct uprobe_multi_attr {
	__u32 prog_fd, target_fd, attach_type, flags;
	__u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 cnt, uflags, pid, pad;
};

static int multi_link(int prog_fd, const char *path, __u64 off, int ret)
{
	struct uprobe_multi_attr a;
	__u64 cookie = 0;

	memset(&a, 0, sizeof(a));
	a.prog_fd = prog_fd;
	a.attach_type = OT_BPF_TRACE_UPROBE_MULTI;
	a.path = (uintptr_t)path;
	a.offsets = (uintptr_t)&off;
	a.cookies = (uintptr_t)&cookie;
	a.cnt = 1;
	a.uflags = ret ? OT_BPF_F_UPROBE_MULTI_RETURN : 0;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
}

/* With kernel.bpf_stats_enabled=1: the programs' mean run times, as
 * optrace -v prints its own ("bpf run time: NAME N runs, X ns/run"). */
static void print_run_times(struct bpf_program *pe, struct bpf_program *px)
{
	struct bpf_program *progs[] = { pe, px };

	for (int i = 0; i < 2; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len) ||
		    !info.run_cnt)
			continue;
		fprintf(stderr, "floor: bpf run time: %s %llu runs, %.0f ns/run\n",
			bpf_program__name(progs[i]), (unsigned long long)info.run_cnt,
			(double)info.run_time_ns / info.run_cnt);
	}
}

int main(int argc, char **argv)
{
	int perf = 0, i = 1, status, err = 1;
	struct bpf_object *obj = NULL;
	struct bpf_program *pe, *px;
	struct bpf_link *le = NULL, *lx = NULL;
	int fe = -1, fx = -1;
	unsigned long long off;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--perf")) {
		perf = 1;
		i++;
	}
	if (argc - i < 5 || strcmp(argv[i + 3], "--")) {
		fprintf(stderr, "usage: floor [--perf] BPF_OBJ BINARY OFFSET -- CMD ARGS...\n");
		return 2;
	}
	off = strtoull(argv[i + 2], NULL, 0);
	obj = bpf_object__open_file(argv[i], NULL);
	if (!obj) {
		fprintf(stderr, "floor: open %s: %s\n", argv[i], strerror(errno));
		return 3;
	}
	pe = bpf_object__find_program_by_name(obj, "floor_enter");
	px = bpf_object__find_program_by_name(obj, "floor_exit");
	if (!perf) {
		bpf_program__set_expected_attach_type(pe, OT_BPF_TRACE_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(px, OT_BPF_TRACE_UPROBE_MULTI);
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "floor: load: %s\n", strerror(errno));
		goto out;
	}
	if (perf) {
		le = bpf_program__attach_uprobe(pe, false, -1, argv[i + 1], off);
		lx = bpf_program__attach_uprobe(px, true, -1, argv[i + 1], off);
		if (!le || !lx) {
			fprintf(stderr, "floor: attach: %s\n", strerror(errno));
			goto out;
		}
	} else {
		fe = multi_link(bpf_program__fd(pe), argv[i + 1], off, 0);
		fx = multi_link(bpf_program__fd(px), argv[i + 1], off, 1);
		if (fe < 0 || fx < 0) {
			fprintf(stderr, "floor: uprobe_multi link: %s\n", strerror(errno));
			goto out;
		}
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[i + 4], argv + i + 4);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		goto out;
	err = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	print_run_times(pe, px);
out:
	if (fe >= 0)
		close(fe);
	if (fx >= 0)
		close(fx);
	bpf_link__destroy(le);
	bpf_link__destroy(lx);
	bpf_object__close(obj);
	return err;
}
