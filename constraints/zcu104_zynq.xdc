# Constraints of the Zynq AXI path on the ZCU104 (fpga/vivado/zynq_bd.tcl: PS + SmartConnect +
# tsp_zynq_axil_ref): only the four user LEDs are pins (clock and reset come from the PS). Pins
# and sources as in constraints/zcu104.xdc ([M]: the ZCU104 Rev 1.0 master XDC; verify against
# UG1267). The block design's external LED port is named led.
set_property PACKAGE_PIN D5       [get_ports {led[0]}]
set_property PACKAGE_PIN D6       [get_ports {led[1]}]
set_property PACKAGE_PIN A5       [get_ports {led[2]}]
set_property PACKAGE_PIN B5       [get_ports {led[3]}]
set_property IOSTANDARD  LVCMOS33 [get_ports {led[*]}]
set_false_path -to [get_ports {led[*]}]
set_property ASYNC_REG TRUE [get_cells -hierarchical -filter {NAME =~ *u_rst_sync/sync_q_reg*}]
set_property BITSTREAM.GENERAL.COMPRESS TRUE [current_design]
