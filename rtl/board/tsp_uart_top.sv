// The TSP core behind the UART host bridge: what a board top instantiates (clock from the board's
// oscillator or a clock generator, the UART pins of a USB-serial bridge, LEDs).
//
// Reset: rst_ni is asynchronous (a button, a PLL lock); tsp_rst_sync asserts the internal reset at
// once and releases it two clocks after rst_ni rises, so the core and the bridge leave reset on a
// clock edge. LEDs (tsp_board_leds): with StatusLeds = 0, led_o[0] heartbeat (period
// 2^HeartbeatBits clocks: the clock runs), led_o[1] a request frame arrived, led_o[2] a NACK was
// sent (each held for 2^StretchBits clocks so that a human sees it), led_o[3] the bridge is
// executing or answering a request; with StatusLeds = 1, heartbeat, running, done, error of the
// core (tsp_top status_o, also on status_o here, unregistered).
module tsp_uart_top #(
  parameter int unsigned ClksPerBit    = 1302,  // 150 MHz / 115,200 baud
  parameter int unsigned HeartbeatBits = 26,
  parameter int unsigned StretchBits   = 22,
  parameter bit          StatusLeds    = 1'b0
) (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       uart_rx_i,
  output logic       uart_tx_o,
  output logic [3:0] led_o,
  output logic [2:0] status_o
);
  logic rst_n;

  tsp_rst_sync u_rst_sync (
    .clk_i,
    .rst_ni,
    .rst_no(rst_n)
  );

  logic        req_valid, req_ready, req_we, rsp_valid;
  logic [31:0] req_addr, req_wdata, rsp_rdata;
  logic        busy, frame, nack;

  tsp_uart_bridge #(.ClksPerBit(ClksPerBit)) u_bridge (
    .clk_i,
    .rst_ni          (rst_n),
    .rx_i            (uart_rx_i),
    .tx_o            (uart_tx_o),
    .host_req_valid_o(req_valid),
    .host_req_ready_i(req_ready),
    .host_req_we_o   (req_we),
    .host_req_addr_o (req_addr),
    .host_req_wdata_o(req_wdata),
    .host_rsp_valid_i(rsp_valid),
    .host_rsp_rdata_i(rsp_rdata),
    .busy_o          (busy),
    .frame_o         (frame),
    .nack_o          (nack)
  );

  tsp_top u_core (
    .clk_i,
    .rst_ni          (rst_n),
    .host_req_valid_i(req_valid),
    .host_req_ready_o(req_ready),
    .host_req_we_i   (req_we),
    .host_req_addr_i (req_addr),
    .host_req_wdata_i(req_wdata),
    .host_rsp_valid_o(rsp_valid),
    .host_rsp_rdata_o(rsp_rdata),
    .status_o
  );

  tsp_board_leds #(
    .StatusLeds   (StatusLeds),
    .HeartbeatBits(HeartbeatBits),
    .StretchBits  (StretchBits)
  ) u_leds (
    .clk_i,
    .rst_ni  (rst_n),
    .frame_i (frame),
    .nack_i  (nack),
    .busy_i  (busy),
    .status_i(status_o),
    .led_o
  );
endmodule
