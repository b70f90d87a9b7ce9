# Helpers shared by build.tcl (non-project flow, UART board top) and zynq_bd.tcl (block design):
# the repository root, the board table and the RTL file lists.
set tsp_root [file normalize [file join [file dirname [info script]] .. ..]]

# Board table: part, board top (non-project flow), constraint files.
set tsp_boards [dict create \
  zcu104 [dict create part xczu7ev-ffvc1156-2-e top tsp_zcu104_top \
            xdc constraints/zcu104.xdc zynq_xdc constraints/zcu104_zynq.xdc \
            board_part_glob xilinx.com:zcu104:part0:*] \
  vcu118 [dict create part xcvu9p-flga2104-2L-e top tsp_vcu118_top \
            xdc constraints/vcu118.xdc]]

proc tsp_board {board key} {
  global tsp_boards
  if {![dict exists $tsp_boards $board]} {
    error "unknown board '$board' (known: [dict keys $tsp_boards])"
  }
  return [dict get $tsp_boards $board $key]
}

# Reads a Verilator-style file list (rtl/tsp.f, rtl/board.f): '//' comments, +incdir+DIR, one
# source per line, paths relative to the list. Appends to the caller's lists srcs and incdirs.
proc tsp_read_flist {flist srcs_var incdirs_var} {
  upvar 1 $srcs_var srcs $incdirs_var incdirs
  set dir [file dirname $flist]
  set fh [open $flist r]
  foreach line [split [read $fh] "\n"] {
    set line [string trim [regsub {//.*$} $line ""]]
    if {$line eq ""} continue
    if {[string match "+incdir+*" $line]} {
      lappend incdirs [file normalize [file join $dir [string range $line 8 end]]]
    } else {
      set f [file normalize [file join $dir $line]]
      if {![file exists $f]} { error "$flist lists $line, which does not exist" }
      lappend srcs $f
    }
  }
  close $fh
}

# Defines for a geometry of isa/tsp_isa.json that rtl/pkg/tsp_pkg.sv knows. TSP_XILINX selects the
# Xilinx primitives of the board tops; SYNTHESIS is passed explicitly so that tsp_assert.svh drops
# the assertions whatever the tool defines by itself.
proc tsp_geometry_defines {geometry} {
  # (not a switch: "default" would be its catch-all keyword)
  if {$geometry eq "default"} { return {TSP_XILINX SYNTHESIS} }
  if {$geometry eq "small"}   { return {TSP_XILINX SYNTHESIS TSP_CONFIG_SMALL} }
  if {$geometry eq "board"}   { return {TSP_XILINX SYNTHESIS TSP_CONFIG_BOARD} }
  error "unknown geometry '$geometry' (default, small, board)"
}
