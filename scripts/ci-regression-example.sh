#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# ci-regression-example.sh - an example CI job: record the baseline build's
# benchmark and the candidate's under optrace, compare, and hand optrace's
# exit code to CI.  Copy it and change BENCH, PROBES and the rules.
#
#   scripts/ci-regression-example.sh BASE_BENCH CANDIDATE_BENCH [OUTDIR]
#
# BASE_BENCH and CANDIDATE_BENCH are the two builds of the benchmark binary
# (e.g. built from the target branch and from the pull request).  Runs are
# interleaved (base, candidate, base, ...) so a drift of the runner hits
# both sides alike; RUNS records per side are merged and their spread
# widens the intervals.  Needs root (or CAP_BPF + CAP_PERFMON).
#
# Exit status is optrace compare's: 0 pass, 1 regression, 2 usage or input
# error, 4 inconclusive (too few calls or too noisy: run longer or more).
# Writes OUTDIR/compare.md (a pull-request comment) and OUTDIR/junit.xml.
set -euo pipefail

BASE_BENCH=${1:?usage: $0 BASE_BENCH CANDIDATE_BENCH [OUTDIR]}
CAND_BENCH=${2:?usage: $0 BASE_BENCH CANDIDATE_BENCH [OUTDIR]}
OUT=${3:-optrace-ci}
OPTRACE=${OPTRACE:-optrace}
RUNS=${RUNS:-3}			# records per side
BENCH_ARGS=${BENCH_ARGS:-"100000"}	# the benchmark's arguments
FUNC=${FUNC:-op}		# the function (op) to time; several: edit probes()
RULES=(--fail-on 'p50>+5%' --fail-on 'mean>+5%' --fail-on 'p99>+10%')

mkdir -p "$OUT"

record() { # record BINARY OUTFILE
	# shellcheck disable=SC2086 # BENCH_ARGS is a word list on purpose
	"$OPTRACE" record -o "$2" -u "$1:$FUNC" -- "$1" $BENCH_ARGS >/dev/null
}

base=() cand=()
for i in $(seq 1 "$RUNS"); do
	record "$BASE_BENCH" "$OUT/base-$i.optrace"
	record "$CAND_BENCH" "$OUT/cand-$i.optrace"
	base+=("$OUT/base-$i.optrace")
	cand+=("$OUT/cand-$i.optrace")
done

rc=0
"$OPTRACE" compare --base "${base[@]}" --current "${cand[@]}" "${RULES[@]}" || rc=$?
# The same verdicts for humans and for test reporters (their exit code is rc's).
"$OPTRACE" compare --base "${base[@]}" --current "${cand[@]}" "${RULES[@]}" \
	-f markdown -o "$OUT/compare.md" || true
"$OPTRACE" compare --base "${base[@]}" --current "${cand[@]}" "${RULES[@]}" \
	-f junit -o "$OUT/junit.xml" || true

case $rc in
0) echo "optrace: no regression" ;;
1) echo "optrace: regression (see $OUT/compare.md)" ;;
4) echo "optrace: inconclusive: too few calls or too noisy; run longer (more calls) or more runs" ;;
*) echo "optrace: compare failed (exit $rc)" ;;
esac
exit "$rc"
