#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# run-unit.sh - runs cmocka unit test binaries and totals their results.
#
#   scripts/run-unit.sh build/tests/test_hist [build/tests/test_agg ...]
#
# Each binary's output is let through unchanged (stderr merged into stdout,
# in order).  The last line is always "unit: N passed, N failed", counting
# individual cmocka tests from the "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)," summary lines.  A binary that prints neither
# (crash, missing, not executable), or that exits non-zero without
# reporting a failed test (e.g. a sanitizer error at exit), counts as one
# failed test.  Exit status: 0 if nothing failed, 1 otherwise, 2 on usage.
set -u

if [ $# -eq 0 ]; then
	echo "usage: $0 TEST_BINARY..." >&2
	exit 2
fi

# cmocka honours CMOCKA_MESSAGE_OUTPUT (tap, subunit, xml); the summary
# lines parsed below exist only in its default format.
export CMOCKA_MESSAGE_OUTPUT=stdout

log=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT

passed=0
failed=0
for bin in "$@"; do
	"$bin" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}

	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" |
		awk '{ s += $1 } END { print s + 0 }')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s),.*/\1/p' "$log" |
		awk '{ s += $1 } END { print s + 0 }')
	seen=$(grep -cE '^\[  (PASSED|FAILED)  \] [0-9]+ test\(s\)[.,]' "$log")

	if [ "$seen" -eq 0 ]; then
		echo "run-unit: $bin: no cmocka summary (exit status $rc); counted as 1 failed" >&2
		f=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "run-unit: $bin: exit status $rc with no failed test reported; counted as 1 failed" >&2
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
