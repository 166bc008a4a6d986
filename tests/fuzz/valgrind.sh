#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# valgrind.sh - runs unit test drivers under valgrind memcheck (`make
# valgrind`): any invalid access, use of uninitialised memory or leak
# ("definitely" or "indirectly" lost) fails the driver.
#   tests/fuzz/valgrind.sh build/tests/test_hist [...]
# Last line "valgrind: N passed, N failed"; exit 1 when one failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
export CMOCKA_MESSAGE_OUTPUT=stdout
pass=0
fail=0
for bin in "$@"; do
	log=$(mktemp "${TMPDIR:-/tmp}/valgrind.XXXXXX")
	if valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--track-origins=yes "$bin" >"$log" 2>&1; then
		echo "PASS valgrind $bin"
		pass=$((pass + 1))
	else
		echo "FAIL valgrind $bin"
		grep -E '^==[0-9]+==|FAILED|ERROR' "$log" | head -40
		fail=$((fail + 1))
	fi
	rm -f "$log"
done
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
