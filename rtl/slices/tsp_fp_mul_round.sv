// Second half of FMul (host/src/num/numerics.cc): given what tsp_fp_mul_ops found of the operands
// and the exact 48-bit product of their 24-bit significands (hidden bit set), applies the NaN /
// DAZ / Inf / zero rules and rounds to nearest even with FTZ and overflow on the unbounded-exponent
// result. Combinational. The rounded significand comes from tsp_fp_mul_pre (shared with
// tsp_fp_mul_f2i).
module tsp_fp_mul_round (
  input  tsp_pkg::fmul_ops_t ops_i,
  input  logic [47:22]       prod_i,  // {1, a[22:0]} * {1, b[22:0]}, bits 47:22
  output logic [31:0]        y_o
);

  localparam logic [31:0] CanonNaN = 32'h7FC0_0000;

  logic [24:0] mant_r;
  logic signed [10:0] e, exp_r;

  tsp_fp_mul_pre u_pre (
    .exp_i (ops_i.exp),
    .stk_i (ops_i.stk),
    .prod_i(prod_i),
    .mant_o(mant_r),
    .exp_o (e)
  );

  always_comb begin
    exp_r = e + $signed({10'd0, mant_r[24]});  // +1 on the rounding carry
    if (ops_i.nan) begin
      y_o = CanonNaN;
    end else if (ops_i.inf) begin
      y_o = {ops_i.sign, 8'hFF, 23'd0};
    end else if (ops_i.zero) begin
      y_o = {ops_i.sign, 31'd0};
    end else if (exp_r <= 11'sd0) begin
      y_o = {ops_i.sign, 31'd0};  // FTZ
    end else if (exp_r >= 11'sd255) begin
      y_o = {ops_i.sign, 8'hFF, 23'd0};  // overflow
    end else begin
      y_o = {ops_i.sign, exp_r[7:0], mant_r[24] ? mant_r[23:1] : mant_r[22:0]};
    end
  end

endmodule
