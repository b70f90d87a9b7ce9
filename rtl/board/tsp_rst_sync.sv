// Reset synchroniser for the board tops: rst_ni is asynchronous (a push button, a clock
// generator's lock, a processor's reset output); rst_no is asserted at once (asynchronously) and
// released on a clock edge, two clocks after rst_ni rises, so every flop of the design leaves reset
// in the same cycle. The two flops are the only ones fed by rst_ni (constraints/zcu104.xdc marks
// them ASYNC_REG and cuts the timing path from the reset pin).
module tsp_rst_sync (
  input  logic clk_i,
  input  logic rst_ni,
  output logic rst_no
);
  logic [1:0] sync_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) sync_q <= 2'b00;
    else         sync_q <= {sync_q[0], 1'b1};
  end
  assign rst_no = sync_q[1];
endmodule
