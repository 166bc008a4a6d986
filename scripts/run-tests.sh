#!/usr/bin/env bash
# Runs unit tests, integration tests (and the benchmark smoke run once
# tests/bench/run.sh exists), then prints
# one closing line "tests: N passed, N failed".  Called by `make test`.
#   OUT=build-san SAN=1 scripts/run-tests.sh   the same on the sanitized build
# (`make test SAN=1`): sanitizer reports stop the program and fail its test;
# the benchmark smoke run is skipped (ASan's overhead makes its timing
# checks meaningless); the fuzz corpora are replayed when clang is there.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
SAN=${SAN:-}
if [[ $SAN == 1 ]]; then
	# detect_leaks: a leak fails the program at exit.  abort_on_error=0 keeps
	# the exit status non-zero (1) rather than a core-dumping SIGABRT.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	export LSAN_OPTIONS=${LSAN_OPTIONS:-}
fi
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

# run.py runs ./optrace, or the binary OPTRACE_BIN names (another build's).
if [[ $OUT == build ]]; then
	python3 tests/integration/run.py | tee "$log"
else
	OPTRACE_BIN="$PWD/$OUT/optrace" python3 tests/integration/run.py | tee "$log"
fi
tally "$log" integration

if command -v "${FUZZ_CC:-clang}" >/dev/null && ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
	make --no-print-directory fuzz-replay 2>&1 | tee "$log"
	tally "$log" fuzz-replay
fi

if [[ $SAN != 1 && -x tests/bench/run.sh ]]; then
	tests/bench/run.sh --smoke | tee "$log"
	tally "$log" bench-smoke
fi

echo "tests: $total_pass passed, $total_fail failed"
((total_fail == 0))
