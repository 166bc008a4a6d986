// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * finding.c - names of severities and subject kinds, shared by every
 * renderer and the record reader.
 */
#include "finding.h"

const char *severity__name(int sev)
{
	switch (sev) {
	case SEV_CRITICAL:
		return "critical";
	case SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}

const char *subject_kind__name(int kind)
{
	switch (kind) {
	case SUBJ_PID:
		return "pid";
	case SUBJ_OP:
		return "op";
	case SUBJ_DEVICE:
		return "device";
	default:
		return "system";
	}
}
