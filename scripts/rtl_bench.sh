#!/usr/bin/env bash
# RTL simulation speed next to the reference model's, and the Verilator build cost (make bench).
#   1. times one Verilator run of tsp_top (default geometry, the build's arguments) into a scratch
#      directory: Verilator runs at CMake configure time, so the build log does not hold it;
#   2. reads the compile job-seconds of the Verilated core from BUILD/.ninja_log;
#   3. runs tsp-rtl-bench (and tsp-rtl-bench-small) on a long random program.
# Prints figures only; asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
[ -x "$BUILD/tsp-rtl-bench" ] || { echo "rtl_bench.sh: $BUILD/tsp-rtl-bench missing (make bench builds it)" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The build's Verilator arguments, written by tb/CMakeLists.txt (TSP_VERILATOR_ARGS, --threads and
# --trace-fst as the build has them).
args_file="$BUILD/tsp_verilator_args.txt"
[ -f "$args_file" ] || { echo "rtl_bench.sh: $args_file missing (re-run cmake)" >&2; exit 2; }
mapfile -t vargs < "$args_file"
t0=$(date +%s.%N)
verilator --cc "${vargs[@]}" rtl/lint/tsp.vlt -F rtl/tsp.f --top-module tsp_top \
  --prefix Vtsp_top --Mdir "$scratch" >"$scratch/verilator.log" 2>&1 \
  || { cat "$scratch/verilator.log" >&2; exit 1; }
verilate_s=$(python3 -c "import time,sys; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$t0")
compile_s=$(python3 scripts/rtl_build_time.py --seconds tsp_rtl_default "$BUILD")
echo "== Verilator build cost (default geometry) =="
echo "verilate: ${verilate_s} s; compile: ${compile_s} job-s (one core; from $BUILD/.ninja_log)"
python3 scripts/rtl_build_time.py "$BUILD"
total=$(python3 -c "import sys; print(round(float(sys.argv[1]) + float(sys.argv[2])))" "$verilate_s" "$compile_s")
echo
echo "== default geometry =="
"$BUILD/tsp-rtl-bench" --build-seconds "$total"
echo
echo "== small geometry =="
"$BUILD/tsp-rtl-bench-small"
