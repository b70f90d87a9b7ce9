// The four user LEDs of a board top, in one of two assignments (StatusLeds):
//
//   led_o   StatusLeds = 0 (link; tsp_uart_top's default)   StatusLeds = 1 (status)
//   [0]     heartbeat                                         heartbeat
//   [1]     a request frame arrived (frame_i, stretched)      running (status_i[0], stretched)
//   [2]     a NACK was sent (nack_i, stretched)               done (status_i[1])
//   [3]     the bridge is busy (busy_i)                       error (status_i[2])
//
// status_i is tsp_top's status_o ({ERROR, DONE, BUSY}, the STATUS CSR bits). Heartbeat: toggles
// every 2^(HeartbeatBits-1) clocks (the clock runs and reset is released). Stretched: on from the
// clock edge that samples the input high until 2^StretchBits - 1 edges after the last such edge,
// so that a one-clock pulse or a microsecond run is seen (2^22 clocks = 28 ms at 150 MHz).
// Tested against this description: tb/unit/board. In the status assignment every LED is a
// flop output (no path from the core to the pins); busy_i of the link assignment is used as is,
// as tsp_uart_top always did.
module tsp_board_leds #(
  parameter bit          StatusLeds    = 1'b0,
  parameter int unsigned HeartbeatBits = 26,
  parameter int unsigned StretchBits   = 22
) (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       frame_i,
  input  logic       nack_i,
  input  logic       busy_i,
  input  logic [2:0] status_i,
  output logic [3:0] led_o
);
  logic [HeartbeatBits-1:0] beat_q;
  logic [2:0]               pulse, lit;
  logic [1:0]               done_err_q;

  // Stretched inputs: frame, NACK, running.
  assign pulse = {status_i[0], nack_i, frame_i};
  for (genvar i = 0; i < 3; i++) begin : g_stretch
    logic [StretchBits-1:0] cnt_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni)            cnt_q <= '0;
      else if (pulse[i])      cnt_q <= '1;
      else if (cnt_q != '0)   cnt_q <= cnt_q - 1'b1;
    end
    assign lit[i] = cnt_q != '0;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q     <= '0;
      done_err_q <= '0;
    end else begin
      beat_q     <= beat_q + 1'b1;
      done_err_q <= status_i[2:1];
    end
  end

  if (StatusLeds) begin : g_status
    assign led_o = {done_err_q[1], done_err_q[0], lit[2], beat_q[HeartbeatBits-1]};
    logic unused_link;
    assign unused_link = ^{busy_i, lit[1:0]};
  end else begin : g_link
    assign led_o = {busy_i, lit[1], lit[0], beat_q[HeartbeatBits-1]};
    logic unused_status;
    assign unused_status = ^{done_err_q, lit[2]};
  end
endmodule
