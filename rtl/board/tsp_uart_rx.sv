// UART receiver, 8 data bits, no parity, 1 stop bit (8N1), LSB first. The line is synchronised
// with two flip-flops; a falling edge starts a character, every bit is sampled in its middle
// (ClksPerBit clocks per bit, counted from the first low sample). A start bit that is high again at
// its middle is a glitch and ignored; a low stop bit is a framing error: the character is dropped
// and frame_err_o pulses (the host link's CRC and retries deal with what is lost).
module tsp_uart_rx #(
  parameter int unsigned ClksPerBit = 16  // clock / baud rate; at least 4
) (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       rx_i,
  output logic       valid_o,     // one-clock pulse: data_o holds a received character
  output logic [7:0] data_o,
  output logic       frame_err_o  // one-clock pulse: a character with a low stop bit was dropped
);
  localparam int unsigned CntBits = $clog2(ClksPerBit);

  typedef enum logic [1:0] {
    StIdle  = 2'd0,
    StStart = 2'd1,
    StData  = 2'd2,
    StStop  = 2'd3
  } state_e;

  logic [1:0]         sync_q;
  logic               rx;
  state_e             state_q;
  logic [CntBits-1:0] cnt_q;
  logic [2:0]         bit_q;
  logic [7:0]         shift_q;

  // Two-flip-flop synchroniser (rx_i is asynchronous); reset to the idle line level.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) sync_q <= 2'b11;
    else         sync_q <= {sync_q[0], rx_i};
  end
  assign rx = sync_q[1];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      cnt_q       <= '0;
      bit_q       <= '0;
      shift_q     <= '0;
      data_o      <= '0;
      valid_o     <= 1'b0;
      frame_err_o <= 1'b0;
    end else begin
      valid_o     <= 1'b0;
      frame_err_o <= 1'b0;
      unique case (state_q)
        StIdle: begin
          if (!rx) begin
            state_q <= StStart;
            cnt_q   <= CntBits'(ClksPerBit / 2 - 1);
          end
        end
        StStart: begin
          if (cnt_q != '0) begin
            cnt_q <= cnt_q - 1'b1;
          end else if (rx) begin
            state_q <= StIdle;  // glitch, not a start bit
          end else begin
            state_q <= StData;
            cnt_q   <= CntBits'(ClksPerBit - 1);
            bit_q   <= '0;
          end
        end
        StData: begin
          if (cnt_q != '0) begin
            cnt_q <= cnt_q - 1'b1;
          end else begin
            shift_q <= {rx, shift_q[7:1]};
            cnt_q   <= CntBits'(ClksPerBit - 1);
            bit_q   <= bit_q + 1'b1;
            if (bit_q == 3'd7) state_q <= StStop;
          end
        end
        StStop: begin
          if (cnt_q != '0) begin
            cnt_q <= cnt_q - 1'b1;
          end else begin
            state_q <= StIdle;
            if (rx) begin
              valid_o <= 1'b1;
              data_o  <= shift_q;
            end else begin
              frame_err_o <= 1'b1;
            end
          end
        end
        default: state_q <= StIdle;
      endcase
    end
  end
endmodule
