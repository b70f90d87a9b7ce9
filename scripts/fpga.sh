#!/usr/bin/env bash
# FPGA flow of a board (docs/bringup.md): `make fpga [BOARD=vcu118|zcu104] [GEOMETRY=...]`.
#
# With `vivado` on PATH: the Vivado non-project flow fpga/vivado/build.tcl in batch mode (synthesis,
# place, route, utilization / timing / clock reports, bitstream) into build/fpga/BOARD/.
# Without it, the part of the flow that runs here:
#   1. Verilator lint (lint-only, -Wall, the waivers of rtl/lint/tsp.vlt) of the board tops in every
#      geometry (scripts/lint.sh) and of the Vivado module-reference wrapper;
#   2. the Vivado Tcl scripts under tclsh with Vivado's commands stubbed (their own logic:
#      arguments, board table, file lists, order of the steps);
#   3. Yosys 0.55 (synth_xilinx -family xcup, with TSP_XILINX defined, so the IBUFDS / MMCME4_BASE
#      / BUFG instances are checked against Yosys's UltraScale+ cell library) of the board-specific
#      logic: each board top with the core tsp_top as a blackbox (the UART bridge, the AXI4-Lite
#      bridge, reset synchroniser, LEDs, clocking). The core itself is synthesized by `make synth`
#      (about an hour): not here.
#   Writes build/fpga/BOARD/<top>_yosys.v (netlist), <top>_utilization.txt (Yosys stat), the logs,
#   then says which steps were not run.
# Exit status: 0 when every step that ran passed (also without Vivado, so CI can run it);
# non-zero on a failure; FPGA_REQUIRE_VIVADO=1 turns "no Vivado" into exit 3 (a machine that must
# produce a bitstream).
set -euo pipefail
cd "$(dirname "$0")/.."

board=${BOARD:-vcu118}
out=build/fpga/$board
mkdir -p "$out"

# Each board's tops and its geometry (GEOMETRY overrides it): the VCU118 holds the board geometry
# (stories260K); no geometry that holds it fits the ZCU104, which keeps the small one for bring-up.
case "$board" in
  zcu104) tops=(tsp_zcu104_top tsp_zynq_axil_top); wrapper=fpga/vivado/tsp_zynq_axil_ref.v; geometry=${GEOMETRY:-small} ;;
  vcu118) tops=(tsp_vcu118_top); wrapper=""; geometry=${GEOMETRY:-board} ;;
  *) echo "fpga: error: unknown board '$board' (known: vcu118, zcu104)" >&2; exit 2 ;;
esac

if command -v vivado >/dev/null 2>&1; then
  echo "fpga: vivado found: fpga/vivado/build.tcl $board $geometry $out"
  exec vivado -mode batch -nojournal -log "$out/vivado.log" -source fpga/vivado/build.tcl \
    -tclargs "$board" "$geometry" "$out"
fi

# 1. Verilator lint of the board tops (both geometries) and of the module-reference wrapper.
echo "fpga: 1/3 Verilator lint of ${tops[*]} (every geometry)${wrapper:+ and $wrapper}"
scripts/lint.sh "${tops[@]}"
root=$PWD
if [ -n "$wrapper" ] && ! verilator --lint-only -Wall "$root/rtl/lint/tsp.vlt" -F "$root/rtl/tsp.f" -F "$root/rtl/board.f" \
     "$root/$wrapper" --top-module "$(basename "$wrapper" .v)" >"$out/lint_wrapper.log" 2>&1; then
  echo "fpga: error: lint of $wrapper failed:" >&2
  head -n 20 "$out/lint_wrapper.log" >&2
  exit 1
fi
[ -n "$wrapper" ] && echo "fpga: lint of $wrapper clean"
# The Vivado scripts under tclsh with Vivado's commands stubbed (fpga/vivado/stub_check.tcl).
echo "fpga: 2/3 fpga/vivado/*.tcl under tclsh with Vivado's commands stubbed"
tclsh fpga/vivado/stub_check.tcl "$board" "$geometry" "$out/stub" | grep '^stub_check:'

# 2. Yosys: the board-specific logic with tsp_top as a blackbox.
yosys_js=tools/yosys/yosys.mjs
[ -d tools/yosys/node_modules/@yowasp/yosys ] || {
  echo "fpga: error: Yosys 0.55 (npm @yowasp/yosys) not installed: run scripts/setup.sh" >&2; exit 2; }
mapfile -t core < <(sed -e 's://.*$::' -e 's/[[:space:]]*$//' rtl/tsp.f | grep -E '\.sv$' | sed 's:^:rtl/:')
mapfile -t brd < <(sed -e 's://.*$::' -e 's/[[:space:]]*$//' rtl/board.f | grep -E '\.sv$' | sed 's:^:rtl/:')
# Every core file but tsp_top is read with -defer (only what the board logic instantiates is
# elaborated: the packages, tsp_ram_sdp of the UART bridge's buffers); tsp_top is a blackbox (-lib).
pkgs=(); for f in "${core[@]}"; do [ "$f" = rtl/top/tsp_top.sv ] || pkgs+=("$f"); done
defs="-DYOSYS -DTSP_XILINX"
[ "$geometry" != default ] && defs+=" -DTSP_CONFIG_${geometry^^}"
for top in "${tops[@]}"; do
  # The AXI top's ports are wires inside the block design, not pins: no IO buffers there.
  synth="synth_xilinx -family xcup -top $top"
  [ "$top" = tsp_zynq_axil_top ] && synth+=" -noiopad"
  echo "fpga: 3/3 Yosys $synth (tsp_top as a blackbox)"
  script="read_verilog -defer -sv $defs -Irtl/common -Irtl/pkg ${pkgs[*]} ${brd[*]};
read_verilog -defer -lib -sv $defs -Irtl/common -Irtl/pkg rtl/top/tsp_top.sv;
read_verilog -lib -specify +/xilinx/cells_sim.v;
read_verilog -lib +/xilinx/cells_xtra.v;
hierarchy -check -top $top;
proc;
tee -o ${top}_check_front.txt check -assert;
select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr;
$synth;
select -assert-none t:LD* t:\$_DLATCH* t:\$_DLATCHSR*;
tee -o ${top}_check.txt check -assert;
tee -o ${top}_utilization.txt stat -top $top;
write_verilog -noattr ${top}_yosys.v"
  start=$(date +%s)
  if ! node "$yosys_js" "$out" -- -q -l "${top}_yosys.log" -p "$script" -- \
       "${pkgs[@]}" "${brd[@]}" rtl/top/tsp_top.sv rtl/common/tsp_assert.svh rtl/pkg/tsp_geom.svh \
       >"$out/${top}_console.log" 2>&1; then
    echo "fpga: error: Yosys failed on $top (full output: $out/${top}_console.log)" >&2
    grep -E 'ERROR|Error' "$out/${top}_console.log" | head -n 20 >&2
    exit 1
  fi
  echo "fpga: $top: done in $(( $(date +%s) - start )) s; cells of the whole board logic (Yosys stat," \
       "design hierarchy; the core tsp_top is the one blackbox cell):"
  sed -n '/=== design hierarchy ===/,$p' "$out/${top}_utilization.txt" | sed -n '/Number of cells/,/^$/p' \
    | sed 's/^ */    /'
done

cat <<MSG
fpga: Vivado not found on PATH: wrote $out/ (Yosys netlists ${tops[*]/%/_yosys.v},
      utilization reports ${tops[*]/%/_utilization.txt}; lint logs in build/lint/);
      the place-and-route, timing and bitstream steps were not run (they need Vivado:
      fpga/vivado/build.tcl${wrapper:+, fpga/vivado/zynq_bd.tcl}).
MSG
if [ "${FPGA_REQUIRE_VIVADO:-0}" = 1 ]; then exit 3; fi
