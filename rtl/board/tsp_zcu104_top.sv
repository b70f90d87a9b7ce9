// Board top for the AMD ZCU104 (XCZU7EV-2FFVC1156): the TSP core behind the UART host bridge on
// the PL side of the board's CP2108 USB-UART, the four user LEDs, the CPU_RESET push button, the
// 125 MHz LVDS oscillator made 150 MHz by an MMCM (tsp_board_uart_top: clocking, reset, LEDs).
// Pins and their sources: constraints/zcu104.xdc. Procedure: docs/bringup.md, "ZCU104". No
// geometry that holds stories260K fits this part (docs/bringup.md); the VCU118 does (tsp_vcu118_top).
//
// LEDs: GPIO_LED_0 heartbeat, GPIO_LED_1 running, GPIO_LED_2 done, GPIO_LED_3 error.
module tsp_zcu104_top #(
  parameter int unsigned Baud = 115_200
) (
  input  logic       clk_125_p_i,  // CLK_125_P
  input  logic       clk_125_n_i,  // CLK_125_N
  input  logic       cpu_reset_i,  // CPU_RESET push button, active high
  input  logic       uart_rx_i,    // UART2_TXD_FPGA_RXD: CP2108 -> FPGA
  output logic       uart_tx_o,    // UART2_RXD_FPGA_TXD: FPGA -> CP2108
  output logic [3:0] led_o         // GPIO_LED_0..3
);
  tsp_board_uart_top #(
    .Baud   (Baud),
    .NumLeds(4)
  ) u_board (
    .clk_125_p_i,
    .clk_125_n_i,
    .rst_btn_i(cpu_reset_i),
    .uart_rx_i,
    .uart_tx_o,
    .led_o
  );
endmodule
