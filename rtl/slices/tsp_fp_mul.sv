// binary32 multiply, combinational: y = FMul(a, b) of host/src/num/numerics.cc.
// The significand product comes from a plain 24x24 multiplier; the special cases, normalisation
// and rounding are in tsp_fp_mul_round (which the VXM lane shares with its integer multiplier).
module tsp_fp_mul (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] y_o
);

  logic [47:0] prod;

  assign prod = {24'd0, 1'b1, a_i[22:0]} * {24'd0, 1'b1, b_i[22:0]};

  tsp_fp_mul_round u_round (
    .a_i   (a_i),
    .b_i   (b_i),
    .prod_i(prod),
    .y_o   (y_o)
  );

endmodule
