// UART transmitter, 8N1, LSB first. A character is taken when valid_i && ready_o; the line (a
// flip-flop output, no glitches) then carries the start bit, eight data bits and the stop bit,
// ClksPerBit clocks each. ready_o is high again right after the stop bit.
module tsp_uart_tx #(
  parameter int unsigned ClksPerBit = 16  // clock / baud rate; at least 2
) (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       valid_i,
  input  logic [7:0] data_i,
  output logic       ready_o,
  output logic       tx_o
);
  localparam int unsigned CntBits = $clog2(ClksPerBit);

  logic [9:0]         shift_q;  // stop, data[7:0], start: bit 0 is on the line
  logic [3:0]         bits_q;   // bits left, including the one on the line
  logic [CntBits-1:0] cnt_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      shift_q <= '1;
      bits_q  <= '0;
      cnt_q   <= '0;
    end else if (valid_i && ready_o) begin
      shift_q <= {1'b1, data_i, 1'b0};
      bits_q  <= 4'd10;
      cnt_q   <= CntBits'(ClksPerBit - 1);
    end else if (bits_q != '0) begin
      if (cnt_q != '0) begin
        cnt_q <= cnt_q - 1'b1;
      end else begin
        shift_q <= {1'b1, shift_q[9:1]};
        bits_q  <= bits_q - 1'b1;
        cnt_q   <= CntBits'(ClksPerBit - 1);
      end
    end
  end

  assign ready_o = bits_q == '0;
  assign tx_o    = shift_q[0];
endmodule
