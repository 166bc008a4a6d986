// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cmd_report.c - PLACEHOLDER until `optrace report` lands (being written). */
#include "cmds.h"
#include "log.h"

int cmd_report(int argc, char **argv)
{
	(void)argc; (void)argv;
	pr_err("report: not built yet");
	return OT_EXIT_USAGE;
}
