// binary32 maximum, combinational: y = FMax(a, b) of host/src/num/numerics.cc. NaN in -> canonical
// NaN; DAZ on both; the larger by value after DAZ, where -0 < +0; equal keys return a.
module tsp_fp_max (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] y_o
);

  localparam logic [31:0] CanonNaN = 32'h7FC0_0000;

  logic [31:0] a, b;
  logic signed [31:0] ka, kb;

  // Totally ordered key: x for positive, -(|x|) - 1 = ~|x| for negative (so -0 -> -1 < +0).
  function automatic logic signed [31:0] key(logic [31:0] x);
    key = x[31] ? $signed({1'b1, ~x[30:0]}) : $signed({1'b0, x[30:0]});
  endfunction

  always_comb begin
    a  = (a_i[30:23] == 8'h00) ? {a_i[31], 31'd0} : a_i;
    b  = (b_i[30:23] == 8'h00) ? {b_i[31], 31'd0} : b_i;
    ka = key(a);
    kb = key(b);
    if (((a_i[30:23] == 8'hFF) && (a_i[22:0] != '0)) || ((b_i[30:23] == 8'hFF) && (b_i[22:0] != '0))) begin
      y_o = CanonNaN;
    end else begin
      y_o = (ka >= kb) ? a : b;
    end
  end

endmodule
