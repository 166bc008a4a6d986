/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cmds.h - subcommand entry points and the exit codes main returns.
 * Each cmd_* gets argv with argv[0] = the subcommand name and returns an
 * OT_EXIT_* code (or, for `trace -- CMD`, the command's exit status).
 */
#ifndef OPTRACE_CMDS_H
#define OPTRACE_CMDS_H

enum ot_exit {
	OT_EXIT_OK = 0,
	OT_EXIT_FOUND = 1, /* regression found or alert fired */
	OT_EXIT_USAGE = 2, /* usage or input error */
	OT_EXIT_ENV = 3,   /* environment: no BPF, no BTF, not privileged */
	OT_EXIT_INCONCLUSIVE = 4, /* compare: not enough evidence either way */
};

int cmd_trace(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_list(int argc, char **argv);

#endif
