// Board-level RTL around the core (host links, board tops): not part of tsp_top, so the Verilated
// cores and `make synth` of the core do not read it. Paths are relative to this file; the core list
// rtl/tsp.f comes first:  verilator -F rtl/tsp.f -F rtl/board.f ...   (scripts/lint.sh)
board/tsp_uart_rx.sv
board/tsp_uart_tx.sv
board/tsp_uart_bridge.sv
board/tsp_uart_top.sv
board/tsp_axil_bridge.sv
board/tsp_rst_sync.sv
board/tsp_board_leds.sv
board/tsp_board_uart_top.sv
board/tsp_zcu104_top.sv
board/tsp_vcu118_top.sv
board/tsp_zynq_axil_top.sv
