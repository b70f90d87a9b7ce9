#!/bin/bash
# Checks that Yosys 0.55 reads a slice the way Verilator does: Yosys writes its own netlist of the
# slice (read_verilog -sv; proc; flatten; opt -fast, generic cells) and the slice's unit test runs
# on that netlist instead of the RTL.
#   scripts/yosys_netlist_check.sh sxm|mxm BUILD_DIR   (BUILD_DIR holds libtsp_*.a)
# Run from the repository root. Uses /tmp/tsp_netlist_<unit> as scratch. This is how the Yosys 0.55
# front-end limits listed in docs/rtl.md were found (the netlist disagreed with Verilator).
set -e
UNIT=$1; B=$(realpath "$2"); R=$(pwd)
W=/tmp/tsp_netlist_$UNIT
rm -rf "$W" && mkdir -p "$W" && cp -r rtl "$W/rtl"
if [ "$UNIT" = sxm ]; then
  FILES="rtl/common/tsp_ram_sdp.sv rtl/slices/tsp_fp_add.sv rtl/slices/tsp_fp_max.sv rtl/slices/tsp_sxm_trans.sv rtl/slices/tsp_sxm_red.sv rtl/slices/tsp_sxm_sel.sv rtl/slices/tsp_sxm.sv"
else
  FILES="rtl/slices/tsp_mxm_dot.sv rtl/slices/tsp_mxm.sv"
fi
TOP=tsp_$UNIT
(cd "$W" &&
 F="rtl/pkg/tsp_isa_pkg.sv rtl/pkg/tsp_pkg.sv $FILES" &&
 node "$R/tools/yosys/yosys.mjs" "$W/out" -- -q -p "read_verilog -sv -DYOSYS -I rtl/common -I rtl/pkg $F; hierarchy -check -top $TOP; proc; flatten; opt -fast; check -assert; write_verilog -noattr net.v" -- $F rtl/common/tsp_assert.svh rtl/pkg/tsp_geom.svh)
verilator --cc --exe --build -j 1 --trace-fst -Wno-fatal -Wno-lint -Wno-style -Wno-MULTIDRIVEN \
  --x-assign unique --x-initial unique --top-module $TOP --prefix V$TOP --Mdir "$W/obj" "$W/out/net.v" \
  "$R/tb/unit/$UNIT/${UNIT}_test.cc" \
  -CFLAGS "-O1 -std=c++17 -I$R/tb/common -I$R/host/tests -I$R/host/include -I$R/host/src -I$R/tb/unit/$UNIT" \
  -LDFLAGS "$B/libtsp_ref.a $B/libtsp_asm.a $B/libtsp_program.a $B/libtsp_num.a $B/libtsp_isa.a -lgtest_main -lgtest -lfmt -lpthread" \
  > "$W/build.log" 2>&1
"$W/obj/V$TOP"
