#!/usr/bin/env bash
# The one command that runs every test on a fresh Debian machine, as root:
# installs what is missing, builds, runs unit tests, integration tests (real
# BPF programs tracing real target programs) and a benchmark smoke run; then
# the same unit and integration tests on an ASan + UBSan build (make test
# SAN=1, in build-san/; docs/reliability.md).
#   sudo scripts/test.sh
#   NO_SAN=1 scripts/test.sh     the normal suite only
# Both suites run even when the first fails; exit 1 if either failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" optrace
rc=0
make test || rc=1
if [[ -z ${NO_SAN:-} ]]; then
	make -j"$(nproc)" test SAN=1 || rc=1
fi
exit $rc
