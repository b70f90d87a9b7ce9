// The TSP core behind the UART host bridge: what a board top instantiates (clock from the board's
// oscillator or a clock generator, the UART pins of a USB-serial bridge, LEDs).
//
// Reset: rst_ni is asynchronous (a button, a PLL lock); it is synchronised here (asserted at once,
// released two clocks after the input rises), so the core and the bridge leave reset on a clock
// edge. LEDs: led_o[0] heartbeat (toggles every 2^HeartbeatBits clocks: the clock runs),
// led_o[1] a request frame arrived, led_o[2] a NACK was sent (each held for 2^StretchBits clocks
// so that a human sees it), led_o[3] the bridge is executing or answering a request.
module tsp_uart_top #(
  parameter int unsigned ClksPerBit    = 1302,  // 150 MHz / 115,200 baud
  parameter int unsigned HeartbeatBits = 26,
  parameter int unsigned StretchBits   = 22
) (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       uart_rx_i,
  output logic       uart_tx_o,
  output logic [3:0] led_o
);
  logic [1:0] rst_sync_q;
  logic       rst_n;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) rst_sync_q <= 2'b00;
    else         rst_sync_q <= {rst_sync_q[0], 1'b1};
  end
  assign rst_n = rst_sync_q[1];

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
    .host_rsp_rdata_o(rsp_rdata)
  );

  logic [HeartbeatBits-1:0] beat_q;
  logic [StretchBits-1:0]   frame_q, nack_q;

  always_ff @(posedge clk_i or negedge rst_n) begin
    if (!rst_n) begin
      beat_q  <= '0;
      frame_q <= '0;
      nack_q  <= '0;
    end else begin
      beat_q  <= beat_q + 1'b1;
      frame_q <= frame ? '1 : frame_q != '0 ? frame_q - 1'b1 : frame_q;
      nack_q  <= nack ? '1 : nack_q != '0 ? nack_q - 1'b1 : nack_q;
    end
  end

  assign led_o = {busy, nack_q != '0, frame_q != '0, beat_q[HeartbeatBits-1]};
endmodule
