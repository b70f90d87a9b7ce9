# Vivado block design for the Zynq AXI path (project mode: IP integrator needs a project):
#   zynq_ultra_ps_e (M_AXI_HPM0_FPD, pl_clk0 150 MHz, pl_resetn0)
#     -> smartconnect (AXI4 128-bit -> AXI4-Lite 32-bit: protocol and width conversion)
#     -> tsp (module reference tsp_zynq_axil_ref: rtl/board/tsp_zynq_axil_top.sv) at 0xA000_0000,
#        256 MiB (window layout: tsp_zynq_axil_top.sv, docs/bringup.md)
#   proc_sys_reset: pl_resetn0 -> peripheral_aresetn of the SmartConnect and the TSP
#   external port led[3:0] (constraints/zcu104_zynq.xdc)
# then synthesis, implementation, bitstream, and the hardware platform (.xsa) for PetaLinux.
# Not run here (no Vivado on the development machine).
#
#   vivado -mode batch -source fpga/vivado/zynq_bd.tcl -tclargs BOARD GEOMETRY OUTDIR
#     e.g.  -tclargs zcu104 small build/fpga/zcu104_zynq
#
# With the board files of the ZCU104 installed (board part xilinx.com:zcu104:part0:*), the PS takes
# the board preset (DDR4, MIO, clocks of the ZCU104); without them the PS keeps its defaults, which
# are not the ZCU104's: the script says so, and the result is not for the board.
source [file join [file dirname [info script]] common.tcl]

if {[llength $argv] != 3} {
  puts "usage: vivado -mode batch -source fpga/vivado/zynq_bd.tcl -tclargs BOARD GEOMETRY OUTDIR"
  exit 2
}
lassign $argv board geometry outdir
set part    [tsp_board $board part]
set xdc     [file join $tsp_root [tsp_board $board zynq_xdc]]
set defines [tsp_geometry_defines $geometry]
set outdir  [file normalize $outdir]
file mkdir $outdir

set srcs {}
set incdirs {}
tsp_read_flist [file join $tsp_root rtl tsp.f] srcs incdirs
tsp_read_flist [file join $tsp_root rtl board.f] srcs incdirs

create_project -force tsp_zynq [file join $outdir project] -part $part
set board_parts [get_board_parts -quiet -latest_file_version [tsp_board $board board_part_glob]]
set preset 0
if {[llength $board_parts] > 0} {
  set_property board_part [lindex $board_parts 0] [current_project]
  set preset 1
} else {
  puts "tsp: WARNING: no board files for $board: the PS keeps its default configuration (not the board's DDR / MIO)"
}

add_files -norecurse $srcs
add_files -norecurse [file join $tsp_root fpga vivado tsp_zynq_axil_ref.v]
set_property include_dirs   $incdirs [current_fileset]
set_property verilog_define $defines [current_fileset]
add_files -fileset constrs_1 -norecurse $xdc
update_compile_order -fileset sources_1

create_bd_design tsp
set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:zynq_ultra_ps_e zynq_ps]
if {$preset} {
  apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} $ps
}
# HPM0_FPD on (HPM1_FPD and HPM0_LPD off), PL clock 0 at 150 MHz (the PS divides its PLL: the
# achieved frequency is in the PS's CONFIG.PSU__CRL_APB__PL0_REF_CTRL__ACT_FREQMHZ).
set_property -dict [list \
  CONFIG.PSU__USE__M_AXI_GP0 {1} \
  CONFIG.PSU__USE__M_AXI_GP1 {0} \
  CONFIG.PSU__USE__M_AXI_GP2 {0} \
  CONFIG.PSU__FPGA_PL0_ENABLE {1} \
  CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ {150}] $ps

set sc  [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect sc]
set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {1}] $sc
set rst [create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset rst]
set tsp [create_bd_cell -type module -reference tsp_zynq_axil_ref tsp]

connect_bd_intf_net [get_bd_intf_pins zynq_ps/M_AXI_HPM0_FPD] [get_bd_intf_pins sc/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins sc/M00_AXI] [get_bd_intf_pins tsp/s_axi]
connect_bd_net [get_bd_pins zynq_ps/pl_clk0] [get_bd_pins zynq_ps/maxihpm0_fpd_aclk] \
  [get_bd_pins sc/aclk] [get_bd_pins rst/slowest_sync_clk] [get_bd_pins tsp/s_axi_aclk]
connect_bd_net [get_bd_pins zynq_ps/pl_resetn0] [get_bd_pins rst/ext_reset_in]
connect_bd_net [get_bd_pins rst/peripheral_aresetn] [get_bd_pins sc/aresetn] [get_bd_pins tsp/s_axi_aresetn]
create_bd_port -dir O -from 3 -to 0 led
connect_bd_net [get_bd_pins tsp/led] [get_bd_ports led]

assign_bd_address -offset 0xA0000000 -range 256M \
  [get_bd_addr_segs -of_objects [get_bd_intf_pins tsp/s_axi]]
validate_bd_design
save_bd_design

set wrapper [make_wrapper -files [get_files tsp.bd] -top]
add_files -norecurse $wrapper
set_property top tsp_wrapper [current_fileset]
update_compile_order -fileset sources_1

launch_runs impl_1 -to_step write_bitstream -jobs 2
wait_on_run impl_1
if {[get_property PROGRESS [get_runs impl_1]] ne "100%"} {
  puts "tsp: ERROR: implementation did not finish (see [get_property DIRECTORY [get_runs impl_1]])"
  exit 1
}
open_run impl_1
report_utilization               -file [file join $outdir utilization.rpt]
report_timing_summary -max_paths 20 -file [file join $outdir timing_summary.rpt]
report_clock_utilization         -file [file join $outdir clock_utilization.rpt]
write_hw_platform -fixed -include_bit -force [file join $outdir tsp_zynq.xsa]
set wns [get_property SLACK [get_timing_paths -delay_type max -max_paths 1 -nworst 1]]
puts "tsp: WNS $wns ns; bitstream and [file join $outdir tsp_zynq.xsa] written"
if {$wns eq "" || $wns < 0} {
  puts "tsp: ERROR: timing not met (WNS $wns)"
  exit 1
}
