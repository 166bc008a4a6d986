// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stub_res.c - report.c links res.c's window functions (which need the
 * tracer); the record fuzzers never call report__build, so these stand in
 * (as in tests/unit/test_record.c).
 */
#include <errno.h>
#include <string.h>

#include "res.h"

int res__pid_window(const struct res *r, uint32_t pid, bool interval, struct res_pid *out)
{
	(void)r, (void)pid, (void)interval, (void)out;
	return -ENOENT;
}

int res__threads(const struct res *r, uint32_t pid, struct res_thread **v, size_t *n)
{
	(void)r, (void)pid;
	*v = NULL;
	*n = 0;
	return 0;
}

void res__sys_window(const struct res *r, bool interval, struct res_sys *out)
{
	(void)r, (void)interval;
	memset(out, 0, sizeof(*out));
}
