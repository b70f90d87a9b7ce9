// TSP RTL file list (packages first). Paths are relative to this file: use
//   verilator -F rtl/tsp.f        (scripts/lint.sh, tb/unit/core/CMakeLists.txt)
// scripts/synth.sh reads the same list for Yosys. One module per file.
+incdir+common
+incdir+pkg
pkg/tsp_isa_pkg.sv
pkg/tsp_pkg.sv
common/tsp_ram_sdp.sv
common/tsp_delay.sv
slices/tsp_fp_add_align.sv
slices/tsp_fp_add_norm.sv
slices/tsp_fp_add.sv
slices/tsp_fp_f2i_core.sv
slices/tsp_fp_f2i.sv
slices/tsp_fp_i2f.sv
slices/tsp_fp_max.sv
slices/tsp_fp_mul.sv
slices/tsp_fp_mul_pre.sv
slices/tsp_fp_mul_round.sv
slices/tsp_fp_mul_f2i.sv
slices/tsp_vxm_lane.sv
slices/tsp_vxm_tile.sv
slices/tsp_vxm_alu.sv
slices/tsp_vxm.sv
slices/tsp_sxm_red.sv
slices/tsp_sxm_trans.sv
slices/tsp_sxm_sel.sv
slices/tsp_sxm.sv
slices/tsp_mxm_dot.sv
slices/tsp_mxm.sv
slices/tsp_mem_slice.sv
core/tsp_icu.sv
core/tsp_csr.sv
core/tsp_stream_regs.sv
core/tsp_stream_regs_mem.sv
core/tsp_core.sv
top/tsp_top.sv
