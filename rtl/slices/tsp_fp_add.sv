// binary32 add / subtract, combinational: y = FAdd(a, b) or FSub(a, b) of host/src/num/numerics.cc
// (round to nearest even, DAZ, FTZ on the unbounded-exponent rounded result, canonical NaN).
//
// FSub(a, b) = FAdd(a, b ^ sign) for every input (a NaN b stays a NaN), so sub_i only flips the
// sign of b. The both-normal path aligns the smaller significand with guard, round and a sticky
// bit jammed into bit 0; this gives the correctly rounded exact sum, the same bits as the
// reference's 32 guard bits. The two halves (tsp_fp_add_align, tsp_fp_add_norm) are modules of
// their own so that the pipelined units can register between them; this joins them.
module tsp_fp_add #(
  parameter bit TwoPath = 1'b1  // tsp_fp_add_norm's
) (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic        sub_i,
  output logic [31:0] y_o
);

  logic        spec, sign;
  logic [31:0] spec_y;
  logic [7:0]  e;
  logic [27:0] sum;

  tsp_fp_add_align u_align (
    .a_i     (a_i),
    .b_i     (b_i),
    .sub_i   (sub_i),
    .spec_o  (spec),
    .spec_y_o(spec_y),
    .sign_o  (sign),
    .exp_o   (e),
    .sum_o   (sum)
  );

  tsp_fp_add_norm #(.TwoPath(TwoPath)) u_norm (
    .spec_i  (spec),
    .spec_y_i(spec_y),
    .sign_i  (sign),
    .exp_i   (e),
    .sum_i   (sum),
    .y_o     (y_o)
  );

endmodule
