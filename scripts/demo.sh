#!/usr/bin/env bash
# The README's first command: installs what is missing, builds optrace and
# the bundled demo workload, and traces the demo for 5 seconds.  Run as root.
#   sudo scripts/demo.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s -j"$(nproc)" optrace targets
W=build/targets/workload
echo "== optrace trace -u handle_request -u parse -u db_query -- $W demo ${1:-5}" >&2
exec ./optrace trace \
	-u "$W:handle_request,error=ret<0,category=http" \
	-u "$W:parse,category=cpu" \
	-u "$W:db_query,error=ret<0,category=db" \
	-- "$W" demo "${1:-5}"
