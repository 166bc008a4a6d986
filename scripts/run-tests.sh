#!/usr/bin/env bash
# Runs unit tests, integration tests (and the benchmark smoke run once
# tests/bench/run.sh exists), then prints
# one closing line "tests: N passed, N failed".  Called by `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
total_pass=0
total_fail=0

tally() { # reads "<name>: N passed, N failed" from a log
	local line
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	if [[ -z "$line" ]]; then
		echo "run-tests: $2 printed no result line: counted as 1 failed" >&2
		total_fail=$((total_fail + 1))
		return
	fi
	total_pass=$((total_pass + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
	total_fail=$((total_fail + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

scripts/run-unit.sh $(ls "$OUT"/tests/test_* | grep -v "\.d$") | tee "$log"
tally "$log" unit

python3 tests/integration/run.py | tee "$log"
tally "$log" integration

if [[ -x tests/bench/run.sh ]]; then
	tests/bench/run.sh --smoke | tee "$log"
	tally "$log" bench-smoke
fi

echo "tests: $total_pass passed, $total_fail failed"
((total_fail == 0))
