#!/usr/bin/env bash
# Gate-level re-simulation: the pinned Yosys 0.55 writes its own netlist of a unit's top, Verilator
# builds the unit's own GoogleTest (tb/unit/<unit>/<unit>_test.cc, unchanged) against that netlist
# instead of the RTL, and the test runs. A test that passes on the RTL and fails on the netlist is a
# Yosys/Verilator disagreement about the RTL: a Yosys misreading (docs/rtl.md lists the ones found
# this way) or RTL whose meaning depends on the tool.
#
# Levels (GATESIM_LEVELS, default "front gate"):
#   front  the front end only: read_verilog -sv -DYOSYS; hierarchy; proc; flatten; opt -fast;
#          memory -nomap; check -assert (word-level $add/$mux/$dff/$mem cells). This is where the
#          misreadings of docs/rtl.md were.
#   gate   generic synthesis to gate cells: proc; check -assert (a misreading shows up as undriven
#          wires here; the later passes remove them silently); synth -flatten -run coarse:fine (wreduce,
#          alumacc, share, memory -nomap), then opt -full, techmap (every word-level cell to
#          $_AND_/$_OR_/$_XOR_/$_MUX_/$_NOT_/$_DFF_* single-bit cells), opt.
#          Memories stay $mem_v2 (written as Verilog arrays): memory_map would turn the MEM
#          slice's block RAM into hundreds of thousands of flip-flops.
#   abc    gate, then abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX (ABC's re-synthesis of the
#          gates); not in the default levels: too slow for the larger units in the WebAssembly
#          Yosys (docs/verification.md).
# Units (GATESIM_UNITS, default "icu mem fp vxm mxm sxm sregs core") and their tops: icu -> tsp_icu_tb (the
# test's wrapper, tb/unit/icu), mem -> tsp_mem_slice, fp -> tsp_fp_tb (tb/unit/fp), vxm -> tsp_vxm_tb,
# mxm -> tsp_mxm, sxm -> tsp_sxm_tb (the tests' wrappers: the write ports decoded), sregs -> tsp_stream_regs; the same RTL files as tb/unit/<unit>/CMakeLists.txt.
# core -> tsp_top (every file of rtl/tsp.f; small geometry, level front only): the core unit test
# (tb/unit/core, small geometry only) reads the monitors of tsp_core by their hierarchical names
# (rootp->tsp_top__DOT__u_core__DOT__stream_q ...), so its netlist keeps the hierarchy (front level
# without `flatten`; Verilator --public-flat-rw keeps the names); level front only.
# Geometries (GATESIM_CONFIGS, default "default small"): small = -DTSP_CONFIG_SMALL for Yosys and
# TSP_CONFIG_SMALL / TSP_TB_SMALL for the test C++, as TSP_RTL_SMALL_UNITS does. The icu, mem and fp
# tests are written for the default geometry only (no small variant in CMake): for icu and mem the
# small run is skipped; fp's RTL does not depend on the geometry, so its small run only checks that
# Yosys writes the same netlist as for the default geometry.
#
# Usage: scripts/gatesim.sh            (run from anywhere; BUILD=build must hold libtsp_ref.a etc.:
#                                        cmake --build build --target tsp_ref tsp_asm)
#   GATESIM_UNITS="mxm sxm" GATESIM_CONFIGS=small GATESIM_LEVELS=front scripts/gatesim.sh
#   GATESIM_JOBS (make -j of the Verilated build, default 1), GATESIM_YOSYS_TIMEOUT /
#   GATESIM_BUILD_TIMEOUT / GATESIM_TEST_TIMEOUT (seconds, default 3600 / 3600 / 1800),
#   GATESIM_KEEP=1 keeps the Verilator object directories (large), GATESIM_YOSYS_ONLY=1 stops after
#   the netlists (no Verilator build, no test).
# Output: build/gatesim/<cfg>/<unit>/<level>/ (net.v, yosys.log, stat.json, build.log, test.log,
# test.json, result.json) and build/gatesim/summary.{txt,json} (all result.json files found, so
# runs of separate invocations accumulate). Exit status 1 if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
R=$(pwd)
BUILD=${BUILD:-build}
B=$(realpath "$BUILD")
OUT=$BUILD/gatesim
UNITS=${GATESIM_UNITS:-icu mem fp vxm mxm sxm sregs core}
CONFIGS=${GATESIM_CONFIGS:-default small}
LEVELS=${GATESIM_LEVELS:-front gate}
JOBS=${GATESIM_JOBS:-1}
YOSYS_TIMEOUT=${GATESIM_YOSYS_TIMEOUT:-3600}
BUILD_TIMEOUT=${GATESIM_BUILD_TIMEOUT:-3600}
TEST_TIMEOUT=${GATESIM_TEST_TIMEOUT:-1800}

yosys_js=tools/yosys/yosys.mjs
[ -d tools/yosys/node_modules/@yowasp/yosys ] || {
  echo "gatesim: error: Yosys 0.55 (npm @yowasp/yosys) not installed: run scripts/setup.sh" >&2; exit 2; }
for l in ref asm program num isa; do
  [ -f "$B/libtsp_$l.a" ] || {
    echo "gatesim: error: $B/libtsp_$l.a missing: cmake --build $BUILD --target tsp_ref tsp_asm" >&2; exit 2; }
done

# unit -> top, RTL files (as in tb/unit/<unit>/CMakeLists.txt), test sources.
declare -A TOP=([icu]=tsp_icu_tb [mem]=tsp_mem_slice [fp]=tsp_fp_tb [vxm]=tsp_vxm_tb [mxm]=tsp_mxm [sxm]=tsp_sxm_tb [sregs]=tsp_stream_regs
                [core]=tsp_top)
declare -A RTL=(
  [icu]="rtl/common/tsp_ram_sdp.sv rtl/core/tsp_icu.sv tb/unit/icu/tsp_icu_tb.sv"
  [mem]="rtl/common/tsp_ram_sdp.sv rtl/common/tsp_delay.sv rtl/slices/tsp_mem_slice.sv"
  [fp]="rtl/slices/tsp_fp_add_align.sv rtl/slices/tsp_fp_add_norm.sv rtl/slices/tsp_fp_add.sv rtl/slices/tsp_fp_mul_ops.sv rtl/slices/tsp_fp_mul_pre.sv rtl/slices/tsp_fp_mul_round.sv rtl/slices/tsp_fp_mul_f2i.sv rtl/slices/tsp_fp_mul.sv rtl/slices/tsp_fp_max.sv rtl/slices/tsp_fp_i2f.sv rtl/slices/tsp_fp_f2i_core.sv rtl/slices/tsp_fp_f2i.sv rtl/slices/tsp_vxm_lane.sv rtl/slices/tsp_vxm_tile.sv tb/unit/fp/tsp_fp_tb.sv"
  [vxm]="rtl/slices/tsp_fp_add_align.sv rtl/slices/tsp_fp_add_norm.sv rtl/slices/tsp_fp_add.sv rtl/slices/tsp_fp_mul_ops.sv rtl/slices/tsp_fp_mul_pre.sv rtl/slices/tsp_fp_mul_round.sv rtl/slices/tsp_fp_mul_f2i.sv rtl/slices/tsp_fp_max.sv rtl/slices/tsp_fp_i2f.sv rtl/slices/tsp_fp_f2i_core.sv rtl/slices/tsp_fp_f2i.sv rtl/slices/tsp_vxm_lane.sv rtl/slices/tsp_vxm_tile.sv rtl/slices/tsp_vxm_alu.sv rtl/slices/tsp_vxm.sv tb/common/rtl/tsp_tb_wr_decode.sv tb/unit/vxm/tsp_vxm_tb.sv"
  [mxm]="rtl/slices/tsp_mxm_dot.sv rtl/slices/tsp_mxm.sv"
  [sregs]="rtl/core/tsp_stream_regs.sv"
  [core]="$(sed -e 's://.*$::' -e 's/[[:space:]]*$//' rtl/tsp.f | grep -E '\.sv$' | grep -v '^pkg/' | sed 's:^:rtl/:' | tr '\n' ' ')"
  [sxm]="rtl/common/tsp_ram_sdp.sv rtl/slices/tsp_fp_add_align.sv rtl/slices/tsp_fp_add_norm.sv rtl/slices/tsp_fp_add.sv rtl/slices/tsp_fp_max.sv rtl/slices/tsp_sxm_trans.sv rtl/slices/tsp_sxm_red.sv rtl/slices/tsp_sxm_sel.sv rtl/slices/tsp_sxm.sv tb/common/rtl/tsp_tb_wr_decode.sv tb/unit/sxm/tsp_sxm_tb.sv"
)
# Tests excluded from the netlist run (--gtest_filter=-...), each with its reason in
# docs/verification.md. None so far: no unit test reads internal RTL signals or relies on an SVA
# firing (SVAs are compiled out under YOSYS).
declare -A EXCLUDE=()
PKGS="rtl/pkg/tsp_isa_pkg.sv rtl/pkg/tsp_pkg.sv"
INCS="rtl/common/tsp_assert.svh rtl/pkg/tsp_geom.svh"

now() { date +%s.%N; }
secs() { python3 -c "print(round($2 - $1, 1))"; }

# result DIR key=value...: writes DIR/result.json (values that look like numbers stay numbers).
result() {
  local dir=$1; shift
  python3 - "$dir/result.json" "$@" <<'EOF'
import json, sys
out = {}
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    try:
        out[k] = int(v)
    except ValueError:
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
json.dump(out, open(sys.argv[1], "w"), indent=1)
EOF
}

yosys_script() {  # level top defines files [flatten|keep]
  local level=$1 top=$2 defs=$3 files=$4 hier=${5:-flatten}
  local read="read_verilog -sv -DYOSYS $defs -I rtl/common -I rtl/pkg $PKGS $files; hierarchy -check -top $top;"
  local flat="flatten;"
  # keep: the monitors the core test reads (tsp_core's header) must survive opt (run_q is merged
  # with an identical flip-flop and then has no reader of its own).
  [ "$hier" = keep ] && flat="setattr -set keep 1 tsp_core/w:run_q tsp_core/w:cycle_q tsp_core/w:stream_q tsp_core/w:err_now tsp_core/w:icu_disp tsp_core/w:mem_mon_we tsp_core/w:mem_mon_addr tsp_core/w:mem_mon_data;"
  case $level in
    front) echo "$read proc; $flat opt -fast; memory -nomap; check -assert;" ;;
    gate|abc)
      local abc=""
      [ "$level" = abc ] && abc="abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX; opt -fast;"
      echo "$read proc; check -assert; synth -flatten -top $top -run coarse:fine; opt -fast -full; techmap; opt -fast; $abc
            select -assert-none t:\$dlatch t:\$_DLATCH*; check -assert;" ;;
  esac
  echo " tee -q -o stat.json stat -json -top $top; write_verilog -noattr net.v"
}

failed=0
for cfg in $CONFIGS; do
  case $cfg in
    default) ydefs=""; vdefs=""; cdefs="" ;;
    small) ydefs="-DTSP_CONFIG_SMALL"; vdefs="+define+TSP_CONFIG_SMALL"; cdefs="-DTSP_CONFIG_SMALL=1 -DTSP_TB_SMALL" ;;
    *) echo "gatesim: error: unknown configuration '$cfg' (default, small)" >&2; exit 2 ;;
  esac
  for unit in $UNITS; do
    top=${TOP[$unit]:-}
    [ -n "$top" ] || { echo "gatesim: error: unknown unit '$unit' (icu mem fp vxm mxm sxm sregs core)" >&2; exit 2; }
    for level in $LEVELS; do
      [ "$level" = front ] || [ "$level" = gate ] || [ "$level" = abc ] || { echo "gatesim: error: unknown level '$level'" >&2; exit 2; }
      d=$OUT/$cfg/$unit/$level
      rm -rf "$d" && mkdir -p "$d"
      base=(cfg=$cfg unit=$unit level=$level top=$top)
      if [ "$cfg" = small ] && { [ "$unit" = icu ] || [ "$unit" = mem ]; }; then
        echo "gatesim: $cfg/$unit/$level: skipped (the $unit unit test is written for the default geometry)"
        result "$d" "${base[@]}" status=skipped "reason=unit test is default-geometry only"
        continue
      fi
      hier=flatten vextra="" prefix="V$top" ldextra=""
      if [ "$unit" = core ]; then
        if [ "$cfg" != small ] || [ "$level" != front ]; then
          echo "gatesim: $cfg/$unit/$level: skipped (the core test is small-geometry only; the core at level front only)"
          result "$d" "${base[@]}" status=skipped "reason=core: small geometry, level front only"
          continue
        fi
        hier=keep vextra="--public-flat-rw" prefix=Vtsp_top_small
        ldextra="$B/tb/libtsp_lockstep.a $B/libtsp_device.a"
        for f in $ldextra; do
          [ -f "$f" ] || { echo "gatesim: error: $f missing: cmake --build $BUILD --target tsp_lockstep" >&2; exit 2; }
        done
      fi
      # Yosys.
      echo "gatesim: $cfg/$unit/$level: yosys ($top${ydefs:+ $ydefs})"
      t0=$(now)
      # shellcheck disable=SC2086
      timeout "$YOSYS_TIMEOUT" node "$yosys_js" "$d" -- -q -l yosys.log -p "$(yosys_script "$level" "$top" "$ydefs" "${RTL[$unit]}" "$hier")" \
        -- $PKGS ${RTL[$unit]} $INCS > "$d/yosys_console.log" 2>&1
      rc=$?
      ys=$(secs "$t0" "$(now)")
      if [ $rc -ne 0 ] || [ ! -f "$d/net.v" ]; then
        why="yosys exit $rc"; [ $rc -eq 124 ] && why="yosys timeout after ${YOSYS_TIMEOUT} s"
        echo "gatesim: $cfg/$unit/$level: FAILED: $why after $ys s ($d/yosys_console.log)"
        tail -n 5 "$d/yosys_console.log"
        result "$d" "${base[@]}" status=yosys-failed "reason=$why" yosys_s="$ys"
        failed=1; continue
      fi
      read -r cells ffs mems < <(python3 - "$d/stat.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
m = s.get("design") or next(iter(s["modules"].values()))
ct = m.get("num_cells_by_type", {})
ff = sum(v for k, v in ct.items() if "DFF" in k.upper() or k.startswith("$adff") or k.startswith("$sdff"))
mem = sum(v for k, v in ct.items() if k.startswith("$mem"))
print(m.get("num_cells", 0), ff, mem)
EOF
)
      netmb=$(python3 -c "import os; print(round(os.path.getsize('$d/net.v') / 1e6, 1))")
      echo "gatesim: $cfg/$unit/$level: yosys $ys s, $cells cells ($ffs flip-flop cells, $mems memories), net.v $netmb MB"
      ystats=(yosys_s="$ys" cells="$cells" ff_cells="$ffs" mem_cells="$mems" netlist_mb="$netmb")
      if [ "$cfg" = small ] && [ "$unit" = fp ]; then
        ref=$OUT/default/fp/$level/net.v
        if [ -f "$ref" ] && cmp -s "$ref" "$d/net.v"; then
          echo "gatesim: $cfg/$unit/$level: netlist identical to the default geometry's (test not re-run)"
          result "$d" "${base[@]}" "${ystats[@]}" status=same-netlist "reason=identical to default/fp/$level/net.v"
        elif [ -f "$ref" ]; then
          echo "gatesim: $cfg/$unit/$level: FAILED: netlist differs from the default geometry's"
          result "$d" "${base[@]}" "${ystats[@]}" status=failed "reason=netlist differs from default/fp/$level"
          failed=1
        else
          result "$d" "${base[@]}" "${ystats[@]}" status=skipped "reason=no default/fp/$level netlist to compare"
        fi
        continue
      fi
      if [ "${GATESIM_YOSYS_ONLY:-0}" = 1 ]; then
        result "$d" "${base[@]}" "${ystats[@]}" status=netlist-only "reason=GATESIM_YOSYS_ONLY=1"
        continue
      fi
      # Verilator: the unit test's C++ against the netlist. FST tracing is compiled in (TSP_TRACE=1
      # traces the testbench wrapper), but the netlist's signals are not traced (tracing_off): the
      # trace code of a flat netlist is huge (default VXM: 25 min of compiling without finishing).
      printf '`verilator_config\ntracing_off -file "*/net.v"\n' > "$d/notrace.vlt"
      echo "gatesim: $cfg/$unit/$level: verilator build (log: $d/build.log)"
      t0=$(now)
      # shellcheck disable=SC2086
      timeout "$BUILD_TIMEOUT" verilator --cc --exe --build -j "$JOBS" --trace-fst -O2 -Wno-fatal -Wno-lint -Wno-style \
        -Wno-MULTIDRIVEN $vextra --x-assign unique --x-initial unique --output-split 40000 --output-split-cfuncs 4000 \
        $vdefs --top-module "$top" --prefix "$prefix" --Mdir "$d/obj" -o "test_gate_$unit" "$d/notrace.vlt" "$d/net.v" \
        "$R/tb/unit/$unit/${unit}_test.cc" \
        -CFLAGS "-O1 -g0 -std=c++17 -ffp-contract=off $cdefs -DTSP_SOURCE_DIR=\\\"$R\\\" -I$R/tb/common -I$R/host/tests -I$R/host/include -I$R/host/src -I$R/tb/unit/$unit" \
        -LDFLAGS "$ldextra $B/libtsp_ref.a $B/libtsp_asm.a $B/libtsp_program.a $B/libtsp_num.a $B/libtsp_isa.a -lgmock -lgtest_main -lgtest -lfmt -lpthread" \
        > "$d/build.log" 2>&1
      rc=$?
      bs=$(secs "$t0" "$(now)")
      if [ $rc -ne 0 ] || [ ! -x "$d/obj/test_gate_$unit" ]; then
        why="verilator build exit $rc"; [ $rc -eq 124 ] && why="verilator build timeout after ${BUILD_TIMEOUT} s"
        echo "gatesim: $cfg/$unit/$level: FAILED: $why after $bs s ($d/build.log)"
        grep -E '%Error|error:' "$d/build.log" | head -n 5
        result "$d" "${base[@]}" "${ystats[@]}" status=build-failed "reason=$why" build_s="$bs"
        failed=1; continue
      fi
      objmb=$(du -sm "$d/obj" | cut -f1)
      mv "$d/obj/test_gate_$unit" "$d/"
      exe=$(realpath "$d/test_gate_$unit")
      [ "${GATESIM_KEEP:-0}" = 1 ] || rm -rf "$d/obj"
      # The test.
      filter=()
      [ -n "${EXCLUDE[$unit]:-}" ] && filter=("--gtest_filter=-${EXCLUDE[$unit]}")
      echo "gatesim: $cfg/$unit/$level: build $bs s; running the unit test${filter:+ (${filter[*]})}"
      t0=$(now)
      (cd "$d" && timeout "$TEST_TIMEOUT" "$exe" "${filter[@]}" --gtest_output=json:test.json) > "$d/test.log" 2>&1
      rc=$?
      ts=$(secs "$t0" "$(now)")
      read -r ntests nfail nskip < <(python3 - "$d/test.json" <<'EOF'
import json, sys
try:
    t = json.load(open(sys.argv[1]))
    skipped = sum(1 for s in t.get("testsuites", []) for c in s.get("testsuite", [])
                  if c.get("result") == "SKIPPED")
    print(t.get("tests", 0), t.get("failures", 0) + t.get("errors", 0), skipped)
except Exception:
    print(0, -1, 0)
EOF
)
      status=passed
      if [ $rc -ne 0 ] || [ "$nfail" != 0 ] || [ "$ntests" = 0 ]; then
        status=failed; failed=1
      fi
      echo "gatesim: $cfg/$unit/$level: $status: $ntests tests, $nfail failed, $nskip skipped, $ts s (exit $rc; $d/test.log)"
      [ $status = failed ] && grep -E '^\[  FAILED  \]' "$d/test.log" | head -n 20
      result "$d" "${base[@]}" "${ystats[@]}" status=$status build_s="$bs" obj_mb="$objmb" test_s="$ts" \
        tests="$ntests" test_failures="$nfail" tests_skipped="$nskip" test_exit=$rc "excluded=${EXCLUDE[$unit]:-}"
    done
  done
done

python3 - "$OUT" <<'EOF'
import glob, json, os, sys
out = sys.argv[1]
rows = []
for f in sorted(glob.glob(os.path.join(out, "*", "*", "*", "result.json"))):
    r = json.load(open(f))
    t = os.path.join(os.path.dirname(f), "test.json")
    if "tests" in r and "tests_skipped" not in r and os.path.exists(t):
        r["tests_skipped"] = sum(1 for s in json.load(open(t)).get("testsuites", [])
                                 for c in s.get("testsuite", []) if c.get("result") == "SKIPPED")
    rows.append(r)
order = {"icu": 0, "mem": 1, "fp": 2, "vxm": 3, "mxm": 4, "sxm": 5, "sregs": 6, "core": 7}
lv = {"front": 0, "gate": 1, "abc": 2}
rows.sort(key=lambda r: (r["cfg"] != "default", order.get(r["unit"], 9), lv.get(r["level"], 9)))
json.dump(rows, open(os.path.join(out, "summary.json"), "w"), indent=1)
hdr = ("config", "unit", "top", "level", "status", "tests", "yosys s", "cells", "FF cells", "mems",
       "net MB", "build s", "test s")
def g(r, k):
    v = r.get(k, "")
    return "" if v == "" else str(v)
lines = [hdr]
for r in rows:
    tests = "" if "tests" not in r else f'{r["tests"] - max(r["test_failures"], 0)}/{r["tests"]}'
    if r.get("tests_skipped"):
        tests += f' ({r["tests_skipped"]} skipped)'
    lines.append((r["cfg"], r["unit"], r["top"], r["level"], r["status"], tests, g(r, "yosys_s"), g(r, "cells"),
                  g(r, "ff_cells"), g(r, "mem_cells"), g(r, "netlist_mb"), g(r, "build_s"), g(r, "test_s")))
w = [max(len(l[i]) for l in lines) for i in range(len(hdr))]
txt = "\n".join("  ".join(c.ljust(w[i]) for i, c in enumerate(l)).rstrip() for l in lines)
notes = [f'{r["cfg"]}/{r["unit"]}/{r["level"]}: {r["reason"]}' for r in rows if r.get("reason")]
txt += "\n" + "\n".join(notes) + ("\n" if notes else "")
open(os.path.join(out, "summary.txt"), "w").write(txt)
print("gatesim: summary (" + os.path.join(out, "summary.txt") + "):")
print(txt, end="")
EOF
exit $failed
