// The part of FMul (host/src/num/numerics.cc) that tsp_fp_mul_round (the fp32 product) and
// tsp_fp_mul_f2i (VCVT's integer) share once the product is there: the significand rounded to
// nearest even at 24 bits and the biased exponent of its bit 23. mant_o[24] set means the rounding
// carried out (mant_o = 2^24); exp_o does not include that carry. The operands' part (special
// cases, exponent, sticky bits) comes from tsp_fp_mul_ops.
module tsp_fp_mul_pre (
  input  logic signed [10:0] exp_i,   // tsp_fp_mul_ops: ea + eb - 127
  input  logic [1:0]         stk_i,   // tsp_fp_mul_ops: the sticky bits
  input  logic [47:22]       prod_i,  // {1, a[22:0]} * {1, b[22:0]}, the bits above the sticky ones
  output logic [24:0]        mant_o,
  output logic signed [10:0] exp_o
);

  logic [23:0] mant;
  logic        rnd, sticky;

  always_comb begin
    // The product lies in [2^46, 2^48): leading bit 47 or 46.
    if (prod_i[47]) begin
      mant   = prod_i[47:24];
      rnd    = prod_i[23];
      sticky = stk_i[1];
    end else begin
      mant   = prod_i[46:23];
      rnd    = prod_i[22];
      sticky = stk_i[0];
    end
    mant_o = {1'b0, mant} + {24'd0, rnd & (sticky | mant[0])};
    exp_o  = exp_i + $signed({10'd0, prod_i[47]});
  end

endmodule
