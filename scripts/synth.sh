#!/usr/bin/env bash
# Synthesis of tsp_top with the pinned Yosys 0.55 (WebAssembly: node tools/yosys/yosys.mjs):
#   default geometry -> synth_xilinx (7-series)
#   small geometry   -> synth_ice40 -dsp -noflatten (-DTSP_CONFIG_SMALL)
# The hierarchy is kept (synth_xilinx does not flatten by default): every module is synthesized
# once however often it is instantiated (22 ICUs, 16 MEM slices, ...), which keeps the run time
# of the WebAssembly Yosys bearable; the counts are totals over the hierarchy (stat -top).
# Fails on any inferred latch (after `proc` and in the mapped netlist) and on `check -assert`
# problems (multiple drivers, combinational loops, undriven wires) both right after `proc` (a
# front-end misreading shows up as undriven wires within a minute, docs/rtl.md) and at the end. Writes
# build/synth/report.json (LUT, FF, BRAM, DSP, LUTRAM and run time per configuration) and prints
# it as a table. The whole-core runs take several minutes each under WebAssembly.
#
# Usage: scripts/synth.sh [default|small ...]     (no argument: both)
#        SYNTH_TOP=<module> scripts/synth.sh ...   (a unit instead of tsp_top; report key cfg-module)
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/synth
top=${SYNTH_TOP:-tsp_top}
mkdir -p "$out"

yosys_js=tools/yosys/yosys.mjs
[ -f "$yosys_js" ] || { echo "synth: error: $yosys_js missing" >&2; exit 2; }
[ -d tools/yosys/node_modules/@yowasp/yosys ] || {
  echo "synth: error: Yosys 0.55 (npm @yowasp/yosys) not installed: run scripts/setup.sh" >&2; exit 2; }

# Sources from rtl/tsp.f (paths relative to rtl/), plus the include file (Yosys runs on a virtual
# file system that holds exactly the input files).
mapfile -t rtl_srcs < <(sed -e 's://.*$::' -e 's/[[:space:]]*$//' rtl/tsp.f | grep -E '\.sv$' | sed 's:^:rtl/:')

# The sources are written for Yosys 0.55's front end (docs/rtl.md, "Yosys constraints"): no
# `return` in functions, no package item that refers to another package, no packed arrays of
# packed structs. Yosys runs on a virtual file system holding exactly the input files, so the
# include files are passed too.
srcs=("${rtl_srcs[@]}")
inputs=("${srcs[@]}" rtl/common/tsp_assert.svh rtl/pkg/tsp_geom.svh)

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(default small)

for cfg in "${configs[@]}"; do
  key=$cfg
  [ "$top" != tsp_top ] && key=$cfg-$top
  case "$cfg" in
    default) defs="" ; synth_cmd="synth_xilinx -top $top" ;;
    small)   defs="-DTSP_CONFIG_SMALL" ; synth_cmd="synth_ice40 -top $top -dsp -noflatten" ;;
    *) echo "synth: error: unknown configuration '$cfg' (default, small)" >&2; exit 2 ;;
  esac
  script="read_verilog -defer -sv -DYOSYS $defs -Irtl/common -Irtl/pkg ${srcs[*]};
hierarchy -check -top $top;
proc;
tee -o check_front_$key.txt check -assert;
tee -o latches_$key.txt select -list t:\$dlatch t:\$adlatch t:\$dlatchsr;
select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr;
$synth_cmd;
select -assert-none t:LD* t:\$_DLATCH* t:\$_DLATCHSR*;
tee -o check_$key.txt check -assert;
tee -o stat_$key.txt stat -top $top;
tee -q -o stat_$key.json stat -json -top $top"
  echo "synth: $key: $synth_cmd ${defs} (log: $out/yosys_$key.log)"
  start=$(date +%s)
  if ! node "$yosys_js" "$out" -- -q -l "yosys_$key.log" -p "$script" -- "${inputs[@]}" \
       >"$out/console_$key.log" 2>&1; then
    echo "synth: $key: FAILED (full output: $out/console_$key.log)" >&2
    grep -E 'ERROR|Error|error|Latch inferred|[Aa]ssert|Found and reported' "$out/console_$key.log" \
      | head -n 20 >&2
    tail -n 3 "$out/console_$key.log" >&2
    exit 1
  fi
  echo "$(( $(date +%s) - start ))" > "$out/seconds_$key.txt"
  if grep -q 'Latch inferred' "$out/yosys_$key.log"; then
    echo "synth: $key: FAILED: latch inferred:" >&2
    grep 'Latch inferred' "$out/yosys_$key.log" >&2
    exit 1
  fi
done

python3 - "$out" "$top" "${configs[@]}" <<'EOF'
import json, os, sys
out, top, cfgs = sys.argv[1], sys.argv[2], sys.argv[3:]
report_path = os.path.join(out, "report.json")
report = {}
if os.path.exists(report_path):
    try:
        report = json.load(open(report_path))
    except ValueError:
        report = {}
for cfg in cfgs:
    key = cfg if top == "tsp_top" else f"{cfg}-{top}"
    stat = json.load(open(os.path.join(out, f"stat_{key}.json")))
    design = stat["design"]
    cells = design.get("num_cells_by_type", {})
    def total(pred):
        return sum(n for t, n in cells.items() if pred(t))
    if cfg.startswith("default"):
        r = {
            "target": "xilinx (synth_xilinx)",
            "lut": total(lambda t: t.startswith("LUT")),
            "ff": total(lambda t: t.startswith("FD")),
            "bram36": total(lambda t: t.startswith("RAMB36")),
            "bram18": total(lambda t: t.startswith("RAMB18")),
            "dsp": total(lambda t: t.startswith("DSP48")),
            "lutram": total(lambda t: t.startswith("RAM") and not t.startswith("RAMB")),
            "srl": total(lambda t: t.startswith("SRL")),
            "carry": total(lambda t: t.startswith("CARRY")),
        }
        r["bram"] = r["bram36"] + r["bram18"] / 2
    else:
        r = {
            "target": "ice40 (synth_ice40)",
            "lut": total(lambda t: t == "SB_LUT4"),
            "ff": total(lambda t: t.startswith("SB_DFF")),
            "bram": total(lambda t: t.startswith("SB_RAM40")),
            "dsp": total(lambda t: t == "SB_MAC16"),
            "carry": total(lambda t: t == "SB_CARRY"),
        }
    r["cells"] = design.get("num_cells", sum(cells.values()))
    r["seconds"] = int(open(os.path.join(out, f"seconds_{key}.txt")).read())
    r["top"] = top
    report[key] = r
json.dump(report, open(report_path, "w"), indent=2, sort_keys=True)
print()
print(f"{'config':<22} {'target':<26} {'LUT':>9} {'FF':>9} {'BRAM':>7} {'DSP':>6} {'time':>7}")
for cfg, r in sorted(report.items()):
    bram = r["bram"]
    bram_s = f"{bram:g}" + (" (36K)" if cfg.startswith("default") else "")
    print(f"{cfg:<22} {r['target']:<26} {r['lut']:>9} {r['ff']:>9} {bram_s:>7} {r['dsp']:>6} {r['seconds']:>6}s")
print(f"\nreport: {report_path}")
EOF
