#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# run.sh - runs the libFuzzer targets built by `make fuzz-build`.
#
#   tests/fuzz/run.sh fuzz SECONDS NAME...   fuzz each NAME for SECONDS
#   tests/fuzz/run.sh replay 0 NAME...       run every corpus file once
#
# fuzz: each target starts from a scratch copy of tests/fuzz/corpus/NAME/
# (the seeds in the tree are never written) plus what earlier runs found in
# $FUZZ_OUT/corpus/NAME/; a crash is saved under $FUZZ_OUT/crashes/NAME/ -
# copy it into tests/fuzz/corpus/NAME/ once fixed: it is then a regression
# test that `fuzz-replay` (and so `make test`) runs every time.
# The last line is "fuzz: N passed, N failed" (or "fuzz-replay: ...");
# exit status 1 when a target failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
mode=${1:?usage: run.sh fuzz|replay SECONDS NAME...}
secs=${2:?usage}
shift 2
out=${FUZZ_OUT:-build-fuzz}
# A leak or UB is a failure like a crash; halt at the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass=0
fail=0
for name in "$@"; do
	bin=$out/fuzz_$name
	seeds=tests/fuzz/corpus/$name
	log=$out/fuzz_$name.log
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz_$name: $bin not built"
		fail=$((fail + 1))
		continue
	fi
	if [ "$mode" = replay ]; then
		files=$(find "$seeds" -type f 2>/dev/null | sort)
		if [ -z "$files" ]; then
			echo "FAIL fuzz_$name: no corpus in $seeds"
			fail=$((fail + 1))
			continue
		fi
		# shellcheck disable=SC2086 # one argument per corpus file
		if "$bin" -runs=1 $files >"$log" 2>&1; then
			echo "PASS fuzz_$name: $(echo "$files" | wc -l) corpus files replayed"
			pass=$((pass + 1))
		else
			echo "FAIL fuzz_$name: see $log"
			tail -30 "$log"
			fail=$((fail + 1))
		fi
		continue
	fi
	work=$out/corpus/$name
	crashes=$out/crashes/$name
	mkdir -p "$work" "$crashes"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=131072 \
		-print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" "$work" \
		>"$log" 2>&1; then
		echo "PASS fuzz_$name: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
			grep -o '[0-9]*$') runs in ${secs}s, corpus $(find "$work" -type f | wc -l) files"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz_$name: crash saved in $crashes/, log $log"
		grep -E 'ERROR|SUMMARY|runtime error|abort|==[0-9]+==' "$log" | head -20
		fail=$((fail + 1))
	fi
done
[ "$mode" = replay ] && mode=fuzz-replay
echo "$mode: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
