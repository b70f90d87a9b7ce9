// UART board top shared by the boards with a 125 MHz LVDS oscillator, an active-high reset button,
// a USB-UART's two data lines and user LEDs (the ZCU104: tsp_zcu104_top, the VCU118:
// tsp_vcu118_top; their pins: constraints/<board>.xdc). The board tops only name the pins.
//
// Clock. The 125 MHz LVDS oscillator. With TSP_XILINX defined (the Vivado flow,
// fpga/vivado/build.tcl) an IBUFDS and an MMCME4_BASE make the core clock CoreClkHz = 150 MHz:
// 125 MHz x 12 / 1 = 1,500 MHz VCO (within the MMCME4's 800-1,600 MHz on every UltraScale+ speed
// grade), / 10 = 150 MHz, through a BUFG. Without TSP_XILINX (Verilator lint, the Yosys check of
// `make fpga`) the positive clock input is the core clock as is (a pass-through: no primitives to
// model) and CoreClkHz is 125 MHz, so the UART's ClksPerBit still matches the clock the logic runs at.
//
// Reset. The button is high while pressed. The core is held in reset while the button is pressed or
// the MMCM is not locked; tsp_uart_top's tsp_rst_sync releases it on a clock edge. The button also
// resets the MMCM.
//
// LEDs (tsp_board_leds, status assignment): led_o[0] heartbeat (period 2^26 clocks, 0.45 s at
// 150 MHz), [1] running (a run is in progress; stretched to at least 2^22 clocks = 28 ms so that a
// short run shows), [2] done (the last run finished; until the next START or CLEAR), [3] error (the
// core's sticky ERROR register is not zero); with NumLeds > 4, [4] the MMCM is locked and the rest
// off.
module tsp_board_uart_top #(
  parameter int unsigned Baud    = 115_200,
  parameter int unsigned NumLeds = 4
) (
  input  logic               clk_125_p_i,  // 125 MHz LVDS oscillator, P
  input  logic               clk_125_n_i,  // and N
  input  logic               rst_btn_i,    // reset push button, active high
  input  logic               uart_rx_i,    // USB-UART -> FPGA
  output logic               uart_tx_o,    // FPGA -> USB-UART
  output logic [NumLeds-1:0] led_o
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
    .RST      (rst_btn_i),
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
  logic [3:0] status_leds;

  tsp_uart_top #(
    .ClksPerBit(ClksPerBit),
    .StatusLeds(1'b1)
  ) u_tsp (
    .clk_i    (clk),
    .rst_ni   (!rst_btn_i && locked),
    .uart_rx_i,
    .uart_tx_o,
    .led_o    (status_leds),
    .status_o (unused_status)
  );

  // NumLeds >= 4 (the four status LEDs); more: the MMCM's lock, then off.
  assign led_o[3:0] = status_leds;
  if (NumLeds > 4) begin : g_locked_led
    assign led_o[4] = locked;
  end
  for (genvar i = 5; i < NumLeds; i++) begin : g_off_led
    assign led_o[i] = 1'b0;
  end
endmodule
