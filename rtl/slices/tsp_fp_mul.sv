// binary32 multiply, combinational: y = FMul(a, b) of host/src/num/numerics.cc.
// The significand product comes from a plain 24x24 multiplier; the special cases, normalisation
// and rounding are in tsp_fp_mul_ops and tsp_fp_mul_round (which the VXM lane pipelines around the
// multiplier it shares with its integer multiply).
module tsp_fp_mul (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] y_o
);

  logic [47:22]       prod;  // the significand product but for its low (sticky) bits
  tsp_pkg::fmul_ops_t ops;

  assign prod = 26'(({24'd0, 1'b1, a_i[22:0]} * {24'd0, 1'b1, b_i[22:0]}) >> 22);

  tsp_fp_mul_ops u_ops (
    .a_i  (a_i),
    .b_i  (b_i),
    .ops_o(ops)
  );

  tsp_fp_mul_round u_round (
    .ops_i (ops),
    .prod_i(prod),
    .y_o   (y_o)
  );

endmodule
