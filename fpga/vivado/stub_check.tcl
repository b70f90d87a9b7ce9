# Runs build.tcl and zynq_bd.tcl under plain tclsh with every Vivado command replaced by a stub
# that records its call: checks what can be checked without Vivado (Tcl syntax, arguments, the
# board table, the file lists rtl/tsp.f + rtl/board.f resolved to existing files, the order of the
# flow's steps). Says nothing about whether Vivado accepts the commands' options.
#   tclsh fpga/vivado/stub_check.tcl BOARD GEOMETRY OUTDIR        (scripts/fpga.sh runs it)
lassign $argv board geometry outdir
set here [file dirname [file normalize [info script]]]
set calls {}
set vivado_cmds {
  set_param read_verilog read_xdc synth_design write_checkpoint report_utilization opt_design
  place_design phys_opt_design route_design report_timing_summary report_clock_utilization
  report_drc report_methodology write_bitstream create_project get_board_parts add_files
  update_compile_order create_bd_design create_bd_cell apply_bd_automation connect_bd_intf_net
  connect_bd_net create_bd_port assign_bd_address validate_bd_design save_bd_design make_wrapper
  get_files launch_runs wait_on_run open_run write_hw_platform get_bd_intf_pins get_bd_pins
  get_bd_ports get_bd_addr_segs current_project current_fileset get_runs
}
foreach c $vivado_cmds {
  proc $c {args} "lappend ::calls \[list $c {*}\$args\]; return stub_$c"
}
# Commands whose result the scripts inspect.
proc set_property {args} { lappend ::calls [list set_property {*}$args] }
proc get_property {name args} {
  lappend ::calls [list get_property $name {*}$args]
  if {$name eq "PROGRESS"} { return "100%" }
  return 0.100
}
proc get_timing_paths {args} { return stub_path }
proc exit {{code 0}} { error "script called exit $code" }

source [file join $here common.tcl]
set scripts {build.tcl}
# The block-design flow only for a Zynq board (one with a zynq_xdc in the board table).
if {[dict exists $tsp_boards $board zynq_xdc]} { lappend scripts zynq_bd.tcl }
set failed 0
foreach script $scripts {
  set calls {}
  set argv [list $board $geometry $outdir]
  if {[catch {uplevel #0 [list source [file join $here $script]]} msg]} {
    puts "stub_check: $script: FAILED: $msg"
    set failed 1
    continue
  }
  set steps {}
  set nsrc 0
  foreach c $calls {
    set cmd [lindex $c 0]
    if {$cmd eq "read_verilog" || ($cmd eq "add_files" && [lindex $c 1] eq "-norecurse")} {
      foreach f [lrange $c 1 end] {
        foreach g $f { if {[string match *.sv $g] || [string match *.v $g]} { incr nsrc } }
      }
    }
    if {$cmd in {synth_design opt_design place_design phys_opt_design route_design write_bitstream
                 create_bd_design validate_bd_design launch_runs write_hw_platform}} {
      lappend steps $cmd
    }
  }
  puts "stub_check: $script: ok, [llength $calls] Vivado commands, $nsrc HDL files, steps: [join $steps { -> }]"
}
if {$failed} { error "stub check failed" }
