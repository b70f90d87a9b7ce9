// The part of FMul (host/src/num/numerics.cc) that tsp_fp_mul_round (the fp32 product) and
// tsp_fp_mul_f2i (VCVT's integer) share: the operands' special cases, and the product's
// significand rounded to nearest even at 24 bits with the biased exponent of its bit 23. mant_o[24]
// set means the rounding carried out (mant_o = 2^24); exp_o does not include that carry.
module tsp_fp_mul_pre (
  input  logic [31:0]        a_i,
  input  logic [31:0]        b_i,
  input  logic [47:0]        prod_i,  // {1, a[22:0]} * {1, b[22:0]}
  output logic               nan_o,   // a NaN operand, or Inf x 0: the product is NaN
  output logic               inf_o,   // an infinite operand (the product is Inf unless nan_o)
  output logic               zero_o,  // a zero or denormal operand (DAZ)
  output logic               sign_o,
  output logic [24:0]        mant_o,
  output logic signed [10:0] exp_o
);

  logic        a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;
  logic [23:0] mant;
  logic        rnd, sticky;

  always_comb begin
    a_nan  = (a_i[30:23] == 8'hFF) && (a_i[22:0] != '0);
    b_nan  = (b_i[30:23] == 8'hFF) && (b_i[22:0] != '0);
    a_inf  = (a_i[30:23] == 8'hFF) && (a_i[22:0] == '0);
    b_inf  = (b_i[30:23] == 8'hFF) && (b_i[22:0] == '0);
    a_zero = a_i[30:23] == 8'h00;
    b_zero = b_i[30:23] == 8'h00;
    inf_o  = a_inf || b_inf;
    zero_o = a_zero || b_zero;
    nan_o  = a_nan || b_nan || (inf_o && zero_o);
    sign_o = a_i[31] ^ b_i[31];

    // The product lies in [2^46, 2^48): leading bit 47 or 46.
    if (prod_i[47]) begin
      mant   = prod_i[47:24];
      rnd    = prod_i[23];
      sticky = |prod_i[22:0];
    end else begin
      mant   = prod_i[46:23];
      rnd    = prod_i[22];
      sticky = |prod_i[21:0];
    end
    mant_o = {1'b0, mant} + {24'd0, rnd & (sticky | mant[0])};
    // Biased exponent: ea + eb - 127 (+1 if the product has its leading bit at 47).
    exp_o = $signed({3'b000, a_i[30:23]}) + $signed({3'b000, b_i[30:23]}) - 11'sd127
          + $signed({10'd0, prod_i[47]});
  end

endmodule
