#!/usr/bin/env bash
# Idempotent set-up: installs what the build, tests, lint and synthesis need on Debian 12.
# Usage: scripts/setup.sh [--no-yosys]
# Called by `make sim`, `make test`, `make lint`, `make synth`; safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."

want_yosys=1
[ "${1:-}" = "--no-yosys" ] && want_yosys=0

# Debian packages and a file or command each one provides (to detect what is missing).
declare -A probe=(
  [build-essential]=/usr/bin/g++
  [cmake]=/usr/bin/cmake
  [ninja-build]=/usr/bin/ninja
  [ccache]=/usr/bin/ccache
  [python3]=/usr/bin/python3
  [verilator]=/usr/bin/verilator
  [libgtest-dev]=/usr/include/gtest/gtest.h
  [libgmock-dev]=/usr/include/gmock/gmock.h
  [libfmt-dev]=/usr/include/fmt/format.h
  [libcli11-dev]=/usr/include/CLI/CLI.hpp
  [nlohmann-json3-dev]=/usr/include/nlohmann/json.hpp
  [libbenchmark-dev]=/usr/include/benchmark/benchmark.h
  [clang]=/usr/bin/clang++
  [libclang-rt-14-dev]=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
  [clang-format]=/usr/bin/clang-format
  [nodejs]=/usr/bin/node
  [npm]=/usr/bin/npm
  [lcov]=/usr/bin/lcov
  [tcl]=/usr/bin/tclsh   # make fpga: the Vivado Tcl scripts checked with stubbed commands
)

missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: missing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: error: not root, cannot install them. Run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: apt-get update"
  apt-get update -qq
  echo "setup: apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for pkg in "${missing[@]}"; do
    [ -e "${probe[$pkg]}" ] || { echo "setup: error: $pkg installed but ${probe[$pkg]} is still missing" >&2; exit 1; }
  done
else
  echo "setup: Debian packages present"
fi

# Yosys 0.55, pinned in tools/yosys/package-lock.json (Debian's 0.23 mis-synthesises packed arrays).
if [ $want_yosys -eq 1 ]; then
  if [ -x tools/yosys/node_modules/.bin/yowasp-yosys ] && \
     grep -q '"version": "0.55.944"' tools/yosys/node_modules/@yowasp/yosys/package.json 2>/dev/null; then
    echo "setup: yosys 0.55 (npm) present"
  else
    echo "setup: npm ci (@yowasp/yosys 0.55.944, from tools/yosys/package-lock.json)"
    (cd tools/yosys && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || {
      echo "setup: error: npm ci failed in tools/yosys; the npm registry must be reachable" >&2; exit 1; }
  fi
fi
echo "setup: done"
