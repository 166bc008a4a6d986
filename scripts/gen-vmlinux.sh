#!/usr/bin/env bash
# Regenerates vmlinux/vmlinux.h from the running kernel's BTF.  The header
# is committed: with CO-RE, one header built on any recent kernel serves
# every kernel >= 5.15 with BTF, so regenerate only to use newer types.
set -euo pipefail
cd "$(dirname "$0")/.."
btf=${1:-/sys/kernel/btf/vmlinux}
bpftool btf dump file "$btf" format c > vmlinux/vmlinux.h.tmp
mv vmlinux/vmlinux.h.tmp vmlinux/vmlinux.h
echo "vmlinux/vmlinux.h regenerated from $btf"
