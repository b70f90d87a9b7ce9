// Board top for the AMD VCU118 (XCVU9P-L2FLGA2104E), the board of the `board` geometry of
// isa/tsp_isa.json (stories260K in exact mode fits its MEM; the core is 67.1 % of the part's LUTs by
// Yosys 0.55, within the 70 % margin: docs/rtl.md "Board geometry"): the TSP core behind the UART host bridge on the board's CP2105 USB-UART
// (its FPGA-side channel), the eight user LEDs, the CPU_RESET push button, the 125 MHz LVDS
// oscillator made 150 MHz by an MMCM (tsp_board_uart_top: clocking, reset, LEDs).
// Pins and their sources: constraints/vcu118.xdc. Procedure: docs/bringup.md, "VCU118".
//
// LEDs: GPIO_LED_0 heartbeat, GPIO_LED_1 running, GPIO_LED_2 done, GPIO_LED_3 error, GPIO_LED_4
// the MMCM is locked, GPIO_LED_5..7 off.
module tsp_vcu118_top #(
  parameter int unsigned Baud = 115_200
) (
  input  logic       clk_125_p_i,  // CLK_125MHZ_P
  input  logic       clk_125_n_i,  // CLK_125MHZ_N
  input  logic       cpu_reset_i,  // CPU_RESET push button, active high
  input  logic       uart_rx_i,    // USB_UART_TX: CP2105 -> FPGA
  output logic       uart_tx_o,    // USB_UART_RX: FPGA -> CP2105
  output logic [7:0] led_o         // GPIO_LED_0..7
);
  tsp_board_uart_top #(
    .Baud   (Baud),
    .NumLeds(8)
  ) u_board (
    .clk_125_p_i,
    .clk_125_n_i,
    .rst_btn_i(cpu_reset_i),
    .uart_rx_i,
    .uart_tx_o,
    .led_o
  );
endmodule
