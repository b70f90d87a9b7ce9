#!/usr/bin/env bash
# Random-program lockstep regression (`make regress`): thousands of generated programs run on the
# Verilated RTL and on the reference model side by side, every stream register, MEM write,
# dispatch and error pulse compared in every cycle (docs/verification.md).
#
# Usage: scripts/regress.sh [SEEDS]          (default 1000 seeds per geometry)
# Environment:
#   BUILD=build        build directory (configured with CMake + Ninja if needed)
#   CONFIGS="small default board"   geometries to run (board: the VCU118's configuration)
#   FIRST=1            first seed
#   MODE=default       generator mode (default, long, fields, gather, mxm, sync, fp, error; docs/verification.md §1)
#   JOBS=$(nproc)      build parallelism; with JOBS>1 the geometries also run in parallel
#   STORY_STEPS=64     then stories260K on the default and board cores for that many steps (0: skip; sharded
#                      runs do it in shard 1 only)
#   SHARD=k/N          run only shard k of N: the seeds FIRST+i with i % N == k-1 (1 <= k <= N), so
#                      N jobs with SHARD=1/N .. N/N run every seed once (a CI matrix, a Slurm array);
#                      combine their XML with scripts/regress_merge.py (docs/verification.md §5)
#   TSP_RTL_RAND_SEED  random initial state of the RTL (default 1)
#   FCOV=1             functional coverage of the dispatches compared in lockstep (tsp-rtl-regress
#                      --fcov): counts $BUILD/regress/<geometry>[...].fcov, report .fcov.md next to it
#                      (merge them with tsp-fcov --in, docs/verification.md §5)
# JUnit XML per geometry: $BUILD/regress/<geometry>[-shard-k-of-N].xml (one testcase per seed), next to
# the log ($BUILD/regress/<geometry>[-shard-k-of-N].log).
# Failing programs land in $BUILD/lockstep-failures/ (replay: tsp-sim --device rtl[:small|:board] FILE --lockstep).
# Exit status: 0 when every seed of every geometry passed; 2 for bad settings.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SEEDS=${1:-${SEEDS:-1000}}
FIRST=${FIRST:-1}
MODE=${MODE:-default}
CONFIGS=${CONFIGS:-"small default board"}
JOBS=${JOBS:-$(nproc)}

if ! [[ "$SEEDS" =~ ^[0-9]+$ ]] || [ "$SEEDS" -lt 1 ]; then
  echo "regress.sh: SEEDS must be a positive number, got '$SEEDS'" >&2
  exit 2
fi
if ! [[ "$FIRST" =~ ^[0-9]+$ ]]; then
  echo "regress.sh: FIRST must be a number, got '$FIRST'" >&2
  exit 2
fi

SHARD=${SHARD:-}
shard_args=()
suffix=""
shard_k=1
shard_n=1
if [ -n "$SHARD" ]; then
  if ! [[ "$SHARD" =~ ^([0-9]{1,9})/([0-9]{1,9})$ ]] || [ "$((10#${BASH_REMATCH[1]}))" -lt 1 ] ||
     [ "$((10#${BASH_REMATCH[1]}))" -gt "$((10#${BASH_REMATCH[2]}))" ]; then
    echo "regress.sh: SHARD='$SHARD': expected k/N with 1 <= k <= N (e.g. SHARD=2/4)" >&2
    exit 2
  fi
  shard_k=$((10#${BASH_REMATCH[1]}))
  shard_n=$((10#${BASH_REMATCH[2]}))
  shard_args=(--shard "$shard_k/$shard_n")
  suffix="-shard-$shard_k-of-$shard_n"
fi
# Logs and XML of a generator mode other than the default carry its name.
[ "$MODE" != default ] && suffix="-$MODE$suffix"
# Seeds of this shard: i in [0, SEEDS) with i % N == k-1.
expected=0
if [ "$SEEDS" -ge "$shard_k" ]; then expected=$(( (SEEDS - shard_k) / shard_n + 1 )); fi

exe_for() { [ "$1" = default ] && echo tsp-rtl-regress || echo "tsp-rtl-regress-$1"; }

targets=()
for c in $CONFIGS; do
  case "$c" in
    default|small|board) targets+=("$(exe_for "$c")") ;;
    *) echo "regress.sh: unknown geometry '$c' (default, small, board)" >&2; exit 2 ;;
  esac
done

[ -f "$BUILD/build.ninja" ] || cmake -S . -B "$BUILD" -G Ninja
echo "== building ${targets[*]} =="
t0=$(date +%s)
build_log=$(mktemp)
if ! cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" >"$build_log" 2>&1; then
  tail -n 40 "$build_log"
  echo "regress.sh: build failed" >&2
  exit 1
fi
build_s=$(( $(date +%s) - t0 ))
verilated=$(grep -c "Verilating\|Vtsp_top.*\.cpp\.o" "$build_log" || true)
rm -f "$build_log"
if [ "$verilated" -gt 0 ]; then
  echo "build: ${build_s} s (includes Verilating and compiling the RTL)"
else
  echo "build: up to date (${build_s} s)"
fi

logdir="$BUILD/regress"
mkdir -p "$logdir" "$BUILD/lockstep-failures"
pids=()
for c in $CONFIGS; do
  log="$logdir/$c$suffix.log"
  cmd=("$BUILD/$(exe_for "$c")" --mode "$MODE" --seeds "$SEEDS" --first "$FIRST" --progress 500
       --fail-dir "$BUILD/lockstep-failures" "${shard_args[@]}" --junit "$logdir/$c$suffix.xml")
  [ "${FCOV:-0}" = 1 ] && cmd+=(--fcov "$logdir/$c$suffix.fcov")
  echo "== $c: ${cmd[*]} (log: $log) =="
  if [ "$JOBS" -gt 1 ]; then
    "${cmd[@]}" >"$log" 2>&1 &
    pids+=($!)
  else
    "${cmd[@]}" 2>&1 | tee "$log" || true
  fi
done
for p in "${pids[@]}"; do wait "$p" || true; done

# Summary table from the per-geometry logs.
status=0
echo
echo "== regression summary${SHARD:+ (shard $shard_k of $shard_n: $expected of $SEEDS seeds)} =="
printf "%-9s %8s %8s %8s %12s %10s %14s\n" geometry seeds passed failed cycles "wall (s)" "lockstep cyc/s"
for c in $CONFIGS; do
  log="$logdir/$c$suffix.log"
  val() { grep -m1 "^  $1 " "$log" | sed -e "s/^  $1 *//" -e 's/ .*//' ; }
  run=$(val "seeds run"); pass=$(val "passed"); fail=$(val "failed")
  cyc=$(val "program cycles simulated"); wall=$(val "wall time"); speed=$(val "RTL + model speed in lockstep")
  if [ -z "$run" ]; then
    echo "$c: no summary (crashed?); last lines of $log:"
    tail -n 20 "$log"
    status=1
    continue
  fi
  printf "%-9s %8s %8s %8s %12s %10s %14s\n" "$c" "$run" "$pass" "$fail" "$cyc" "$wall" "$speed"
  [ "$fail" = 0 ] && [ "$run" = "$expected" ] || status=1
done
echo
for c in $CONFIGS; do
  log="$logdir/$c$suffix.log"
  echo "-- $c: instructions per opcode --"
  sed -n '/^  opcode /,/^$/p' "$log"
  echo "-- $c: ISA v2 features (instruction words, programs using them) --"
  sed -n '/^  ISA v2 feature /,/^$/p' "$log"
  grep "^  functional coverage" "$log" || true
  if grep -q "^failing seeds:" "$log"; then
    sed -n '/^failing seeds:/,/^$/p' "$log"
  fi
  [ -f "$logdir/$c$suffix.xml" ] && echo "JUnit XML: $logdir/$c$suffix.xml"
done
total_pass=0; total_fail=0
for c in $CONFIGS; do
  line=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$logdir/$c$suffix.log" || echo "0 passed, 1 failed")
  total_pass=$(( total_pass + $(echo "$line" | cut -d' ' -f1) ))
  total_fail=$(( total_fail + $(echo "$line" | cut -d' ' -f3) ))
done
echo "regress: $total_pass passed, $total_fail failed"

# stories260K on the default and the board cores for STORY_STEPS (default 64; 0 skips) steps: greedy
# text identical to the reference model and fp32, predicted = measured cycles at every step (RtlStory
# in test_rtl_system, test_rtl_system_board).
STORY_STEPS=${STORY_STEPS:-64}
for c in default board; do
  if [ "$STORY_STEPS" -gt 0 ] && [ "$shard_k" = 1 ] && [[ " $CONFIGS " == *" $c "* ]]; then
    exe=test_rtl_system; [ "$c" != default ] && exe=test_rtl_system_$c
    echo
    echo "== stories260K on the $c core, $STORY_STEPS steps =="
    if ! cmake --build "$BUILD" -j "$JOBS" --target "$exe" >/dev/null 2>&1; then
      echo "regress: building $exe failed" >&2
      status=1
    elif ! TSP_STORY_STEPS=$STORY_STEPS "$BUILD/$exe" --gtest_filter='RtlStory.*' | grep -E "^RTL|OK|FAILED|Failure|cycles per token|simulation:"; then
      status=1
    fi
  fi
done
exit $status
