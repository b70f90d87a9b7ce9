// The part of FMul (host/src/num/numerics.cc) that tsp_fp_mul_round (the fp32 product) and
// tsp_fp_mul_f2i (VCVT's integer) share once the product is there: the significand rounded to
// nearest even at 24 bits and the biased exponent of its bit 23. mant_o[24] set means the rounding
// carried out (mant_o = 2^24); exp_o does not include that carry. The operands' part (special
// cases, exponent, sticky bits) comes from tsp_fp_mul_ops.
module tsp_fp_mul_pre (
  input  tsp_pkg::fmul_ops_t ops_i,   // of the operands (tsp_fp_mul_ops)
  input  logic [47:0]        prod_i,  // {1, a[22:0]} * {1, b[22:0]}
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
      sticky = ops_i.stk[1];
    end else begin
      mant   = prod_i[46:23];
      rnd    = prod_i[22];
      sticky = ops_i.stk[0];
    end
    mant_o = {1'b0, mant} + {24'd0, rnd & (sticky | mant[0])};
    exp_o  = ops_i.exp + $signed({10'd0, prod_i[47]});
  end

endmodule
