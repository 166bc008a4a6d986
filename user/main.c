// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - dispatch a subcommand and return its exit code.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "log.h"

#ifndef OPTRACE_VERSION
#define OPTRACE_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "trace", cmd_trace, "trace operations of live processes or of a command" },
	{ "record", cmd_record, "trace, and save what was seen to a record file" },
	{ "report", cmd_report, "render a record file (text, json, csv, prom, html, perfetto)" },
	{ "compare", cmd_compare, "compare two runs' records: regressions with statistics (CI)" },
	{ "top", cmd_top, "full-screen live view of processes and their ops" },
	{ "serve", cmd_serve, "serve Prometheus metrics and JSON over HTTP while tracing" },
	{ "list", cmd_list, "list the functions of a binary or process that can be traced" },
};

static void usage(FILE *f)
{
	fputs("Usage: optrace COMMAND [OPTIONS]\n\nCommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fputs("\nExamples:\n"
	      "  optrace trace -p 4242 -u /usr/bin/app:handle_request -d 10\n"
	      "  optrace trace -u ./bench:op -- ./bench 100000\n"
	      "  optrace record -o run.optrace -u ./bench:op -- ./bench 100000\n"
	      "  optrace report run.optrace -f html -o run.html\n"
	      "  optrace compare base.optrace run.optrace --fail-on 'p99>+10%'\n"
	      "  optrace top -p 4242 -u '/usr/bin/app:handle_*'\n"
	      "  optrace serve -p 4242 -u libc:read --listen 127.0.0.1:9464\n"
	      "  optrace list /usr/bin/app 'handle_*'\n"
	      "\n`optrace COMMAND --help` explains each command.\n", f);
}

int main(int argc, char **argv)
{
	log__init(LOG_WARN);
	if (argc < 2) {
		usage(stderr);
		return OT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return OT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("optrace %s\n", OPTRACE_VERSION);
		return OT_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	pr_err("unknown command '%s'; see optrace --help", argv[1]);
	return OT_EXIT_USAGE;
}
