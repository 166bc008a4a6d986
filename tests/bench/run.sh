#!/usr/bin/env bash
# make bench: runs the benchmarks (tests/bench/bench.py, python3 stdlib only).
#   tests/bench/run.sh           full run (several minutes), table on stdout
#   tests/bench/run.sh --smoke   quick run (< 60 s) for `make test`: prints
#                                "bench-smoke: N passed, N failed"
# Needs root (BPF) and the binaries of `make bench-bins`.
cd "$(dirname "$0")/../.." || exit 2
exec python3 tests/bench/bench.py "$@"
