#!/usr/bin/env bash
# The one command that runs every test on a fresh Debian machine, as root:
# installs what is missing, builds, runs unit tests, integration tests (real
# BPF programs tracing real target programs) and a benchmark smoke run.
#   sudo scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" optrace
make test
