// Fixed delay line: q_o is d_i delayed by Delay clock cycles (Delay = 0: a wire).
// Reset = 1: every stage resets to zero (control); Reset = 0: stages are plain flops without reset
// (wide payload, cheaper), rst_ni is then unused.
module tsp_delay #(
  parameter int unsigned Width = 1,
  parameter int unsigned Delay = 1,
  parameter bit          Reset = 1'b1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic [Width-1:0] d_i,
  output logic [Width-1:0] q_o
);
  // At least one stage so the declaration is legal for Delay = 0 (then unused). Declared at module
  // level: Yosys cannot size a signal of an outer generate block used in an inner one.
  localparam int unsigned Stages = Delay == 0 ? 1 : Delay;
  logic [Stages-1:0][Width-1:0] stage_q;

  if (Delay == 0) begin : g_wire
    assign q_o     = d_i;
    assign stage_q = '0;
    logic unused;
    assign unused = ^{clk_i, rst_ni, stage_q};
  end

  if (Delay != 0 && Reset) begin : g_rst
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        stage_q <= '0;
      end else begin
        stage_q[0] <= d_i;
        for (int unsigned i = 1; i < Delay; i++) stage_q[i] <= stage_q[i-1];
      end
    end
    assign q_o = stage_q[Delay-1];
  end

  if (Delay != 0 && !Reset) begin : g_nrst
    always_ff @(posedge clk_i) begin
      stage_q[0] <= d_i;
      for (int unsigned i = 1; i < Delay; i++) stage_q[i] <= stage_q[i-1];
    end
    assign q_o = stage_q[Delay-1];
    logic unused_rst;
    assign unused_rst = rst_ni;
  end
endmodule
