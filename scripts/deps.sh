#!/usr/bin/env bash
# Installs the Debian packages optrace needs to build, test and benchmark,
# only those missing.  Run as root on Debian 12 (bookworm) or later.
#   scripts/deps.sh           build + test dependencies
#   scripts/deps.sh --bench   also what the benchmarks compare against
set -euo pipefail

pkgs=(
	make gcc clang llvm pkg-config	# toolchain; clang/llvm for the BPF target
	libbpf-dev bpftool		# libbpf and skeleton generation
	libelf-dev zlib1g-dev		# ELF symbols; libbpf needs both
	liblzma-dev			# .gnu_debugdata (MiniDebugInfo) of stripped binaries
	libjansson-dev			# JSON output and records
	libinih-dev			# config files (INI)
	libmicrohttpd-dev		# optrace serve (HTTP)
	libncurses-dev			# optrace top
	tmux				# drives optrace top in tests
	libcmocka-dev			# unit tests
	systemtap-sdt-dev		# sys/sdt.h: USDT probes in include/optrace.h and the test targets
	g++				# the C++ test target (demangling)
	python3				# integration test driver
	python3-jsonschema		# checks -f json against docs/report.schema.json
	prometheus			# promtool checks -f prom; a real server scrapes serve
	chromium-headless-shell		# renders -f html in tests (screenshot)
	python3-pil			# reads that screenshot
	fonts-dejavu-core		# text in the screenshot
	valgrind			# memcheck on unit tests
)
if [[ "${1:-}" == "--bench" ]]; then
	pkgs+=(bpftrace)
fi

missing=()
for p in "${pkgs[@]}"; do
	[[ "$p" == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	exit 0
fi
if [[ $EUID -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}; run as root: sudo $0" >&2
	exit 3
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
