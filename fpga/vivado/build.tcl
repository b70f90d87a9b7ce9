# Vivado non-project flow for a board top (UART host link): synthesis, place, route, reports,
# bitstream. Not run in this repository's CI (no Vivado here): `make fpga BOARD=zcu104` runs it
# when `vivado` is on PATH, and otherwise only the Verilator lint and the Yosys check of the board
# modules (scripts/fpga.sh).
#
#   vivado -mode batch -source fpga/vivado/build.tcl -tclargs BOARD GEOMETRY OUTDIR
#     BOARD     zcu104
#     GEOMETRY  default | small     (rtl/pkg/tsp_pkg.sv; neither fits the ZCU104 yet: docs/bringup.md)
#     OUTDIR    build/fpga/BOARD    (reports, checkpoints, bitstream)
#
# Exit status: 0 with a bitstream and timing met; 1 on any error, or when the routed design misses
# timing (the bitstream is still written, named *_timing_failed.bit, for lab use only).
source [file join [file dirname [info script]] common.tcl]

if {[llength $argv] != 3} {
  puts "usage: vivado -mode batch -source fpga/vivado/build.tcl -tclargs BOARD GEOMETRY OUTDIR"
  exit 2
}
lassign $argv board geometry outdir
set part    [tsp_board $board part]
set top     [tsp_board $board top]
set xdc     [file join $tsp_root [tsp_board $board xdc]]
set defines [tsp_geometry_defines $geometry]
set outdir  [file normalize $outdir]
file mkdir $outdir

set srcs {}
set incdirs {}
tsp_read_flist [file join $tsp_root rtl tsp.f] srcs incdirs
tsp_read_flist [file join $tsp_root rtl board.f] srcs incdirs
puts "tsp: $board ($part), top $top, geometry $geometry, [llength $srcs] sources, defines $defines"

set_param general.maxThreads 2
read_verilog -sv $srcs
read_xdc $xdc

synth_design -top $top -part $part -include_dirs $incdirs -verilog_define $defines
write_checkpoint -force [file join $outdir post_synth.dcp]
report_utilization -file [file join $outdir utilization_synth.rpt]

opt_design
place_design
phys_opt_design
route_design
write_checkpoint -force [file join $outdir post_route.dcp]

report_utilization               -file [file join $outdir utilization.rpt]
report_utilization -hierarchical -file [file join $outdir utilization_hier.rpt]
report_timing_summary -max_paths 20 -report_unconstrained -file [file join $outdir timing_summary.rpt]
report_clock_utilization         -file [file join $outdir clock_utilization.rpt]
report_drc                       -file [file join $outdir drc.rpt]
report_methodology               -file [file join $outdir methodology.rpt]

set wns [get_property SLACK [get_timing_paths -delay_type max -max_paths 1 -nworst 1]]
set whs [get_property SLACK [get_timing_paths -delay_type min -max_paths 1 -nworst 1]]
puts "tsp: WNS $wns ns, WHS $whs ns (report: [file join $outdir timing_summary.rpt])"
if {$wns eq "" || $wns < 0 || $whs eq "" || $whs < 0} {
  write_bitstream -force [file join $outdir ${top}_timing_failed.bit]
  puts "tsp: ERROR: timing not met (WNS $wns, WHS $whs): wrote ${top}_timing_failed.bit, not for use"
  exit 1
}
write_bitstream -force [file join $outdir ${top}.bit]
puts "tsp: wrote [file join $outdir ${top}.bit]"
