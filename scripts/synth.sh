#!/usr/bin/env bash
# Synthesis of tsp_top with the pinned Yosys 0.55 (WebAssembly: node tools/yosys/yosys.mjs):
#   every geometry -> synth_xilinx -family xcup (UltraScale+; the utilization is given against the
#   totals of the VCU118's XCVU9P-2L for the board geometry, of the ZCU104's XCZU7EV-2 for the
#   others), a geometry other than default with -DTSP_CONFIG_<NAME>;
#   SYNTH_FAMILY=xc7 maps to 7-series instead (the family of the reports before 2026-12-05).
# After each partition: flatten, write_json, and scripts/logic_depth.py finds its deepest logic
# path (LUT levels, carry cells, DSP stages; Fmax estimate from the per-element delays stated
# there): depth_<key>.json (KEEP_NETLISTS=1 keeps the netlist_<key>.json it reads).
#
# Bottom-up, one Yosys process per partition. The WebAssembly Yosys has a 32-bit heap: the whole
# core in one process passes 2 GB and dies ("Start offset ... is outside the bounds of the
# buffer", measured: small core after 30 min). So the large slice units are synthesized each in its
# own process (with the other partitions it contains read as blackboxes, read_verilog -lib), and a
# last process synthesizes tsp_top with all partitions as blackboxes: run control, ICUs, CSRs,
# host bus, the VXM's write merge.
#   partitions (bottom-up): tsp_vxm_lane tsp_vxm_tile tsp_vxm_alu tsp_mxm_dot tsp_mxm tsp_sxm_red tsp_sxm_trans
#   tsp_sxm_sel tsp_sxm tsp_mem_slice tsp_stream_regs tsp_stream_regs_mem tsp_stream_regs_sxm
#   tsp_stream_regs_vxm, then tsp_top
# Every partition is a non-parameterized module, so one netlist serves all its instances. The
# instance counts come from Yosys itself (stat of each run counts the blackbox cells), and the
# totals expand them: cells(X) = X's own cells + sum over blackboxes B in X of count x cells(B).
# The report fails if a run leaves a cell type that is neither a mapped primitive nor a partition.
#
# Checks (any failure exits 1): no latch (after `proc` and in the mapped netlist), `check -assert`
# (multiple drivers, combinational loops, undriven wires) right after `proc` (a front-end
# misreading shows up as undriven wires within a minute, docs/rtl.md) and at the end of every
# partition, no unmapped internal cell, and the MEM slice in block RAM: at least one BRAM and
# fewer flip-flops than its storage bits (a memory in flip-flops needs one per bit).
# Writes build/synth/report.json (LUT, FF, BRAM, DSP, ... per configuration, with the partition
# breakdown and run time) and prints it as a table.
#
# Usage: scripts/synth.sh [default|small|board ...] (no argument: default and small)
#        SYNTH_TOP=<module> scripts/synth.sh ...   (one module with its whole subtree, report key
#                                                   cfg-module; no partitioning)
#        SYNTH_ONLY="<partition|top> ..." scripts/synth.sh ...  (re-run only these partitions)
#        SYNTH_AREA_ONLY=1 scripts/synth.sh ...  (cells only: no netlist, no logic depth)
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/synth
mkdir -p "$out"

yosys_js=tools/yosys/yosys.mjs
[ -f "$yosys_js" ] || { echo "synth: error: $yosys_js missing" >&2; exit 2; }
[ -d tools/yosys/node_modules/@yowasp/yosys ] || {
  echo "synth: error: Yosys 0.55 (npm @yowasp/yosys) not installed: run scripts/setup.sh" >&2; exit 2; }

# Sources from rtl/tsp.f (paths relative to rtl/). Yosys runs on a virtual file system holding
# exactly the input files, so the include files are passed too.
mapfile -t srcs < <(sed -e 's://.*$::' -e 's/[[:space:]]*$//' rtl/tsp.f | grep -E '\.sv$' | sed 's:^:rtl/:')
inputs=("${srcs[@]}" rtl/common/tsp_assert.svh rtl/pkg/tsp_geom.svh)

partitions=(tsp_vxm_lane tsp_vxm_tile tsp_vxm_alu tsp_mxm_dot tsp_mxm tsp_sxm_red tsp_sxm_trans tsp_sxm_sel tsp_sxm tsp_mem_slice
            tsp_stream_regs tsp_stream_regs_mem tsp_stream_regs_sxm tsp_stream_regs_vxm)

src_of() {  # the file defining module $1 (one module per file)
  local f
  for f in "${srcs[@]}"; do
    [ "$(basename "$f" .sv)" = "$1" ] && { echo "$f"; return; }
  done
  echo "synth: error: no source file for module $1 in rtl/tsp.f" >&2
  exit 2
}

# run_yosys CFG TOP KEY BLACKBOX...: synthesize TOP (blackbox modules read with -lib).
run_yosys() {
  local cfg=$1 top=$2 key=$3
  shift 3
  local defs synth_cmd
  case "$cfg" in
    # A partition's ports are wires inside the core, not pins: no IO buffers (iopadmap on the
    # 33k port bits of tsp_vxm_alu alone took 322 s).
    default) defs="" ;;
    *)       defs="-DTSP_CONFIG_${cfg^^}" ;;
  esac
  # The part each geometry's utilization is given against (synth_report.py): board -> the
  # VCU118's XCVU9P, the others -> the ZCU104's XCZU7EV; both UltraScale+ (-family xcup).
  # SYNTH_FAMILY=xc7 for the 7-series mapping of earlier reports.
  local opts="$synth_opts"
  [ -n "${part_opts[$top]:-}" ] && opts+=" ${part_opts[$top]}"
  [ -n "${part_opts[$cfg:$top]:-}" ] && opts+=" ${part_opts[$cfg:$top]}"
  synth_cmd="synth_xilinx -family $family -top $top $opts"
  if [ "$top" != tsp_top ]; then synth_cmd+=" -noiopad"; fi
  local bb_files=() real_files=() f m skip
  for m in "$@"; do bb_files+=("$(src_of "$m")"); done
  for f in "${srcs[@]}"; do
    skip=0
    for m in "${bb_files[@]}"; do [ "$f" = "$m" ] && skip=1; done
    [ $skip -eq 0 ] && real_files+=("$f")
  done
  local read="read_verilog -defer -sv -DYOSYS $defs -Irtl/common -Irtl/pkg ${real_files[*]};"
  if [ ${#bb_files[@]} -gt 0 ]; then
    read+=" read_verilog -defer -lib -sv -DYOSYS $defs -Irtl/common -Irtl/pkg ${bb_files[*]};"
  fi
  local script="$read
hierarchy -check -top $top;
proc;
tee -o check_front_$key.txt check -assert;
tee -q -o front_stat_$key.json stat -json -top $top;
tee -o latches_$key.txt select -list t:\$dlatch t:\$adlatch t:\$dlatchsr;
select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr;
$synth_cmd;
select -assert-none t:LD* t:\$_DLATCH* t:\$_DLATCHSR*;
tee -o check_$key.txt check -assert;
tee -o stat_$key.txt stat -top $top;
tee -q -o stat_$key.json stat -json -top $top;"
  # The flattened netlist goes to standard output: written as a file of the WebAssembly Yosys's
  # in-memory file system it took most of the big partitions' Yosys time (tsp_mxm 2,336 s of which
  # about 2,200 in write_json; to standard output the whole run took 317 s on a loaded machine).
  # SYNTH_AREA_ONLY=1: cells only, no netlist and no logic depth.
  [ -n "${SYNTH_AREA_ONLY:-}" ] || script+="
flatten;
write_json"
  echo "synth: $key: $synth_cmd $defs${*:+ (blackboxes: $*)} (log: $out/yosys_$key.log)"
  local start
  start=$(date +%s)
  if ! node "$yosys_js" "$out" -- -q -l "yosys_$key.log" -p "$script" -- "${inputs[@]}" \
       >"$out/stdout_$key.txt" 2>"$out/console_$key.log"; then
    # With -q only warnings and errors reach the console; keep them in the console log.
    grep -v '^[ {}"\[]' "$out/stdout_$key.txt" >>"$out/console_$key.log" || true
    rm -f "$out/stdout_$key.txt"
    echo "synth: $key: FAILED (full output: $out/console_$key.log)" >&2
    grep -E 'ERROR|Error|error|Latch inferred|[Aa]ssert|Found and reported' "$out/console_$key.log" \
      | head -n 20 >&2
    tail -n 3 "$out/console_$key.log" >&2
    exit 1
  fi
  echo "$(( $(date +%s) - start ))" > "$out/seconds_$key.txt"
  echo "$opts" > "$out/opts_$key.txt"
  if grep -q 'Latch inferred' "$out/yosys_$key.log"; then
    echo "synth: $key: FAILED: latch inferred:" >&2
    grep 'Latch inferred' "$out/yosys_$key.log" >&2
    exit 1
  fi
  # The netlist: standard output from its first line "{" on (warnings, if any, come before it).
  grep -v '^[ {}"\[]' "$out/stdout_$key.txt" >>"$out/console_$key.log" || true
  if [ -z "${SYNTH_AREA_ONLY:-}" ]; then
    sed -n '/^{/,$p' "$out/stdout_$key.txt" >"$out/netlist_$key.json"
  fi
  rm -f "$out/stdout_$key.txt"
  if [ -n "${SYNTH_AREA_ONLY:-}" ]; then
    rm -f "$out/depth_$key.json"
    echo "synth: $key: done in $(cat "$out/seconds_$key.txt") s (area only)"
    return 0
  fi
  # Deepest logic path of the partition (LUT levels, Fmax estimate): scripts/logic_depth.py.
  python3 scripts/logic_depth.py "$out/netlist_$key.json" "$top" --family "$family" --ends 6 \
      --out "$out/depth_$key.json" | sed "s/^/synth: $key: depth: /" || {
    echo "synth: $key: FAILED: logic depth analysis" >&2; exit 1; }
  [ -n "${KEEP_NETLISTS:-}" ] || rm -f "$out/netlist_$key.json"
  echo "synth: $key: done in $(cat "$out/seconds_$key.txt") s"
}

family=${SYNTH_FAMILY:-xcup}
# Mapping options of every partition (SYNTH_OPTS="" gives the flow of the reports before
# 2026-12-05, second stop): -flatten lets the optimizer work across the modules inside a partition
# (the fp units of a VXM lane: 3,897 -> 3,405 LUT); -nowidelut maps to LUT6 only instead of also to
# LUT7/8/9 built from two to eight LUTs and MUXF7/8/9, which ABC otherwise uses for depth and which
# cost area (the lane: 3,405 -> 2,911 LUT and no MUXF, its deepest path 26 -> 28 LUT levels, the
# Fmax estimate 58.7 -> 57.0 MHz). docs/rtl.md "Synthesis" has the per-partition comparison.
synth_opts=${SYNTH_OPTS--flatten -nowidelut}
# Options of single partitions on top of those (PART_OPTS=0: none). -widemux 5 maps multiplexers
# of 5 or more inputs to LUT6 plus the CLB's dedicated MUXF7/MUXF8 instead of LUT trees; measured
# per partition (docs/rtl.md "Wide multiplexers"): fewer LUT for the crossbars and selects below,
# more for tsp_mxm (+17 %) and tsp_sxm_trans (+6 %), none for the stream registers; tsp_mem_slice
# makes Yosys 0.55 fail with it (cells_map.v "Signal \B with invalid width range -1", the open
# YosysHQ/yosys#4590 and #4687). MUXF7/8 sit between LUT pairs in the CLB; the report counts them
# in a column of their own, as Vivado's utilization report does.
declare -A part_opts=()
if [ "${PART_OPTS:-1}" != 0 ]; then
  for p in tsp_vxm_alu tsp_sxm_sel tsp_sxm_red tsp_sxm; do part_opts[$p]="-widemux 5"; done
  # (Per geometry: part_opts[<cfg>:<partition>]. MEM stays in block RAM on every part: with
  # `-uram` allowed for the board geometry's MEM slice, measured 2026-12-06, Yosys still maps each
  # 512 x 128-bit bank to two RAMB36E2; a URAM288 is 4,096 deep and would be used to an eighth.)
fi
case "$family" in xcup|xc7) ;; *) echo "synth: error: SYNTH_FAMILY=$family (xcup or xc7)" >&2; exit 2 ;; esac
export SYNTH_FAMILY=$family
configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(default small)
mapfile -t known < <(python3 -c 'import json; print("\n".join(json.load(open("isa/tsp_isa.json"))["configs"]))')
for cfg in "${configs[@]}"; do
  [[ " ${known[*]} " == *" $cfg "* ]] || {
    echo "synth: error: unknown configuration '$cfg' (isa/tsp_isa.json has: ${known[*]})" >&2; exit 2; }
done

for cfg in "${configs[@]}"; do
  if [ -n "${SYNTH_TOP:-}" ]; then
    run_yosys "$cfg" "$SYNTH_TOP" "$cfg-$SYNTH_TOP"
  else
    for p in "${partitions[@]}" top; do
      # SYNTH_ONLY="tsp_mxm top": re-run only these partitions, reuse the other runs' results.
      [ -n "${SYNTH_ONLY:-}" ] && [[ " $SYNTH_ONLY " != *" $p "* ]] && continue
      if [ "$p" = top ]; then
        run_yosys "$cfg" tsp_top "$cfg-top" "${partitions[@]}"
      else
        others=()
        for q in "${partitions[@]}"; do [ "$q" != "$p" ] && others+=("$q"); done
        run_yosys "$cfg" "$p" "$cfg-$p" "${others[@]}"
      fi
    done
  fi
done

exec python3 scripts/synth_report.py "$out" "${SYNTH_TOP:-}" "${partitions[*]}" "${configs[@]}"
