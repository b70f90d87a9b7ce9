// Board top for the AMD ZCU104 (XCZU7EV-2FFVC1156): the TSP core behind the UART host bridge on
// the PL side of the board's CP2108 USB-UART, the four user LEDs, the CPU_RESET push button.
// Pins and their sources: constraints/zcu104.xdc. Procedure: docs/bringup.md, "ZCU104".
//
// Clock. The board's 125 MHz LVDS oscillator (CLK_125_P/N). With TSP_XILINX defined (the Vivado
// flow, fpga/vivado/build.tcl) an IBUFDS and an MMCME4_BASE make the core clock CoreClkHz =
// 150 MHz: 125 MHz x 12 / 1 = 1,500 MHz VCO, / 10 = 150 MHz, through a BUFG. Without TSP_XILINX
// (Verilator lint, the Yosys check of `make fpga`) the positive clock input is the core clock as is
// (a pass-through: no primitives to model) and CoreClkHz is 125 MHz, so the UART's ClksPerBit still
// matches the clock the logic runs at.
//
// Reset. CPU_RESET is high while the button is pressed (verify against UG1267; constraints/
// zcu104.xdc). The core is held in reset while the button is pressed or the MMCM is not locked;
// tsp_uart_top's tsp_rst_sync releases it on a clock edge. The button also resets the MMCM.
//
// LEDs (tsp_board_leds, status assignment): GPIO_LED_0 heartbeat (period 2^26 clocks, 0.45 s at
// 150 MHz), GPIO_LED_1 running (a run is in progress; stretched to at least 2^22 clocks = 28 ms so
// that a short run shows), GPIO_LED_2 done (the last run finished; until the next START or CLEAR),
// GPIO_LED_3 error (the core's sticky ERROR register is not zero).
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
  logic clk, locked;

`ifdef TSP_XILINX
  localparam int unsigned CoreClkHz = 150_000_000;
  logic clk_125, clk_mmcm, clk_fb;

  IBUFDS u_ibufds (
    .I (clk_125_p_i),
    .IB(clk_125_n_i),
    .O (clk_125)
  );

  MMCME4_BASE #(
    .CLKIN1_PERIOD   (8.0),   // 125 MHz
    .DIVCLK_DIVIDE   (1),
    .CLKFBOUT_MULT_F (12.0),  // VCO 1,500 MHz
    .CLKOUT0_DIVIDE_F(10.0)   // 150 MHz
  ) u_mmcm (
    .CLKIN1   (clk_125),
    .CLKFBIN  (clk_fb),
    .RST      (cpu_reset_i),
    .PWRDWN   (1'b0),
    .CLKFBOUT (clk_fb),
    .CLKFBOUTB(),
    .CLKOUT0  (clk_mmcm),
    .CLKOUT0B (),
    .CLKOUT1  (),
    .CLKOUT1B (),
    .CLKOUT2  (),
    .CLKOUT2B (),
    .CLKOUT3  (),
    .CLKOUT3B (),
    .CLKOUT4  (),
    .CLKOUT5  (),
    .CLKOUT6  (),
    .LOCKED   (locked)
  );

  BUFG u_bufg (
    .I(clk_mmcm),
    .O(clk)
  );
`else
  localparam int unsigned CoreClkHz = 125_000_000;
  assign clk    = clk_125_p_i;
  assign locked = 1'b1;
  logic unused_clk_n;
  assign unused_clk_n = clk_125_n_i;
`endif

  localparam int unsigned ClksPerBit = (CoreClkHz + Baud / 2) / Baud;

  logic [2:0] unused_status;

  tsp_uart_top #(
    .ClksPerBit(ClksPerBit),
    .StatusLeds(1'b1)
  ) u_tsp (
    .clk_i    (clk),
    .rst_ni   (!cpu_reset_i && locked),
    .uart_rx_i,
    .uart_tx_o,
    .led_o,
    .status_o (unused_status)
  );
endmodule
