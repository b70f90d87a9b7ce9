#!/bin/bash
# Checks that Yosys 0.55 reads a slice the way Verilator does: Yosys writes its own netlist of the
# slice (read_verilog -sv; proc; flatten; opt -fast, generic cells) and the slice's unit test runs
# on that netlist instead of the RTL.
#   tb/unit/sxm/yosys/netlist_check.sh sxm|mxm BUILD_DIR   (BUILD_DIR holds libtsp_*.a)
# Run from the repository root. Uses /tmp/tsp_netlist_<unit> as scratch.
set -e
UNIT=$1; B=$(realpath "$2"); R=$(pwd)
W=/tmp/tsp_netlist_$UNIT
rm -rf "$W" && mkdir -p "$W" && cp -r rtl "$W/rtl"
if [ "$UNIT" = sxm ]; then
  FILES="rtl/common/tsp_ram_sdp.sv rtl/slices/tsp_fp_add.sv rtl/slices/tsp_fp_max.sv rtl/slices/tsp_sxm_trans.sv rtl/slices/tsp_sxm_red.sv rtl/slices/tsp_sxm.sv"
else
  FILES="rtl/slices/tsp_mxm.sv"
fi
TOP=tsp_$UNIT
(cd "$W" && python3 "$R/tb/unit/sxm/yosys/yosys_pkg_workarounds.py" rtl/pkg/*.sv rtl/slices/*.sv rtl/common/*.sv &&
 F="rtl/pkg/tsp_isa_pkg.sv rtl/pkg/tsp_pkg.sv $FILES" &&
 node "$R/tools/yosys/yosys.mjs" "$W/out" -- -q -p "read_verilog -sv -DYOSYS -I rtl/common $F; hierarchy -check -top $TOP; proc; flatten; opt -fast; check -assert; write_verilog -noattr net.v" -- $F rtl/common/tsp_assert.svh)
verilator --cc --exe --build -j 1 --trace-fst -Wno-fatal -Wno-lint -Wno-style -Wno-MULTIDRIVEN \
  --x-assign unique --x-initial unique --top-module $TOP --prefix V$TOP --Mdir "$W/obj" "$W/out/net.v" \
  "$R/tb/unit/$UNIT/${UNIT}_test.cc" \
  -CFLAGS "-O1 -std=c++17 -I$R/tb/common -I$R/host/tests -I$R/host/include -I$R/host/src -I$R/tb/unit/$UNIT" \
  -LDFLAGS "$B/libtsp_ref.a $B/libtsp_asm.a $B/libtsp_program.a $B/libtsp_num.a $B/libtsp_isa.a -lgtest_main -lgtest -lfmt -lpthread" \
  > "$W/build.log" 2>&1
"$W/obj/V$TOP"
