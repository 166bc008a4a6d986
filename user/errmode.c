// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * errmode.c - what an op's error= rule means: whether a return value is a
 * failure (and its error code), and the rule's name in reports.  Parsing
 * the rule is probes.c's.
 */
#include "errmode.h"

bool errmode__failed(enum probe_error_mode mode, int64_t ret, int64_t *code)
{
	int64_t c = 0;
	bool failed;

	switch (mode) {
	case PROBE_ERR_RET_LT0:
		c = -ret;
		failed = ret < 0;
		break;
	case PROBE_ERR_RET_EQ0:
		failed = ret == 0;
		break;
	case PROBE_ERR_RET_NE0:
		c = ret;
		failed = ret != 0;
		break;
	case PROBE_ERR_NONE:
	default:
		failed = false;
	}
	if (code)
		*code = c;
	return failed;
}

const char *errmode__name(enum probe_error_mode mode)
{
	switch (mode) {
	case PROBE_ERR_RET_LT0:
		return "ret<0";
	case PROBE_ERR_RET_EQ0:
		return "ret==0";
	case PROBE_ERR_RET_NE0:
		return "ret!=0";
	case PROBE_ERR_NONE:
	default:
		return "none";
	}
}
