// F32ToInt(FMul(a, b), bits) of host/src/num/numerics.cc in one step (VCVT f32 -> int with its
// scale): given the operands and the exact 48-bit product of their significands, as
// tsp_fp_mul_round takes them, the product's rounded significand and unrounded exponent go
// straight to tsp_fp_f2i_core, without the fp32 result in between. Bit for bit the composition of
// tsp_fp_mul_round and tsp_fp_f2i: FTZ gives 0 there and a value below 0.5 here, overflow gives
// Inf there and a value of at least 2^32 here, both saturating by the sign. (Issue 10's timing work,
// 2026-12-05: the composition was the VXM lane's deepest path once the fp units were split.)
module tsp_fp_mul_f2i (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic [47:0] prod_i,   // {1, a[22:0]} * {1, b[22:0]}
  input  logic [1:0]  dtype_i,
  output logic [31:0] y_o
);

  logic        a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;
  logic [23:0] mant;
  logic        rnd, sticky;
  logic [24:0] mant_r;
  logic signed [10:0] e;

  always_comb begin
    a_nan  = (a_i[30:23] == 8'hFF) && (a_i[22:0] != '0);
    b_nan  = (b_i[30:23] == 8'hFF) && (b_i[22:0] != '0);
    a_inf  = (a_i[30:23] == 8'hFF) && (a_i[22:0] == '0);
    b_inf  = (b_i[30:23] == 8'hFF) && (b_i[22:0] == '0);
    a_zero = a_i[30:23] == 8'h00;  // zero or denormal (DAZ)
    b_zero = b_i[30:23] == 8'h00;
    // The product lies in [2^46, 2^48): leading bit 47 or 46 (as tsp_fp_mul_round).
    if (prod_i[47]) begin
      mant   = prod_i[47:24];
      rnd    = prod_i[23];
      sticky = |prod_i[22:0];
    end else begin
      mant   = prod_i[46:23];
      rnd    = prod_i[22];
      sticky = |prod_i[21:0];
    end
    mant_r = {1'b0, mant} + {24'd0, rnd & (sticky | mant[0])};
    // Biased exponent of significand bit 23 (the rounding carry is left in mant_r[24]).
    e = $signed({3'b000, a_i[30:23]}) + $signed({3'b000, b_i[30:23]}) - 11'sd127 + $signed({10'd0, prod_i[47]});
  end

  // NaN operand, or Inf x 0: NaN -> 0. Inf x non-zero: Inf, saturates. A zero operand: 0.
  tsp_fp_f2i_core u_core (
    .nan_i  (a_nan || b_nan || ((a_inf || b_inf) && (a_zero || b_zero))),
    .big_i  (a_inf || b_inf),
    .small_i(a_zero || b_zero),
    .neg_i  (a_i[31] ^ b_i[31]),
    .e_i    (e),
    .mant_i (mant_r),
    .dtype_i(dtype_i),
    .y_o    (y_o)
  );

endmodule
