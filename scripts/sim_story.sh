#!/usr/bin/env bash
# `make sim`: a stories260K story generated on the Verilated RTL (exact mode, greedy), printed as it is
# generated, then the same on the cycle-exact reference model, and whether the two agree token for
# token, with the statistics of both runs.
#
#   scripts/sim_story.sh BUILD_DIR STEPS "PROMPT"
# The model is found through TSP_MODEL_DIR, else scripts/model_dir.sh locates or downloads it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
steps=${2:-48}
prompt=${3:-}
if ! model=$(scripts/model_dir.sh); then
  echo "sim: the stories260K model is needed: set TSP_MODEL_DIR to a directory with stories260K.bin and tok512.bin" >&2
  echo "     (CI: ../shared/models/stories260K), or let scripts/model_dir.sh download it (network)." >&2
  exit 1
fi
run=("$build/tsp-run" "$model/stories260K.bin" -z "$model/tok512.bin" -t 0 -n "$steps")
[ -n "$prompt" ] && run+=(-i "$prompt")
out_rtl=$(mktemp)
out_ref=$(mktemp)
trap 'rm -f "$out_rtl" "$out_ref"' EXIT
echo "== stories260K on the RTL (Verilator), $steps steps, exact mode, greedy =="
start=$(date +%s.%N)
"${run[@]}" --device rtl --stats | tee "$out_rtl"
echo "== the same on the cycle-exact reference model =="
"${run[@]}" --device ref --stats | tee "$out_ref"
if cmp -s "$out_rtl" "$out_ref"; then
  echo "sim: the RTL matches the reference model token for token ($(wc -c < "$out_rtl") bytes of text)"
else
  echo "sim: MISMATCH between the RTL and the reference model:" >&2
  diff "$out_ref" "$out_rtl" >&2 || true
  exit 1
fi
