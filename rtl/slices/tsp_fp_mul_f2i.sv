// F32ToInt(FMul(a, b), bits) of host/src/num/numerics.cc in one step (VCVT f32 -> int with its
// scale): given what tsp_fp_mul_ops found of the operands and the exact 48-bit product of their
// significands, as tsp_fp_mul_round takes them, the product's rounded significand and unrounded exponent
// (tsp_fp_mul_pre) go straight to tsp_fp_f2i_core, without the fp32 result in between. Bit for bit
// the composition of tsp_fp_mul_round and tsp_fp_f2i: FTZ gives 0 there and a value below 0.5
// here, overflow gives Inf there and a value of at least 2^32 here, both saturating by the sign.
// (Issue 10's timing work, 2026-12-05: the composition was the VXM lane's deepest path once the fp
// units were split.)
module tsp_fp_mul_f2i (
  input  tsp_pkg::fmul_ops_t ops_i,
  input  logic [47:22]       prod_i,   // {1, a[22:0]} * {1, b[22:0]}, bits 47:22
  input  logic [1:0]         dtype_i,
  output logic [31:0]        y_o
);

  logic [24:0]        mant_r;
  logic signed [10:0] e;

  tsp_fp_mul_pre u_pre (
    .exp_i (ops_i.exp),
    .stk_i (ops_i.stk),
    .prod_i(prod_i),
    .mant_o(mant_r),
    .exp_o (e)
  );

  // NaN -> 0. Inf x non-zero: Inf, saturates. A zero operand: 0.
  tsp_fp_f2i_core u_core (
    .nan_i  (ops_i.nan),
    .big_i  (ops_i.inf),
    .small_i(ops_i.zero),
    .neg_i  (ops_i.sign),
    .e_i    (e),
    .mant_i (mant_r),
    .dtype_i(dtype_i),
    .y_o    (y_o)
  );

endmodule
