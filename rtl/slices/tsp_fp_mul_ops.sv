// The part of FMul (host/src/num/numerics.cc) that depends on the operands only, not on their
// significand product: the special cases, the sign, the exponent and the sticky bit of the
// rounding. A pipelined unit (the VXM lane) forms it beside its multiplier and registers it with
// the product, so that the rounding (tsp_fp_mul_pre) waits for neither an exponent adder nor a
// 22-bit OR after the product (issue 10's timing work, 2026-12-06). The sticky bit comes from
// trailing zeros: the product of the 24-bit significands has tz(ma) + tz(mb) trailing zeros.
module tsp_fp_mul_ops (
  input  logic [31:0]        a_i,
  input  logic [31:0]        b_i,
  output tsp_pkg::fmul_ops_t ops_o    // exp: the biased exponent of product bit 46
);

  logic a_nan, b_nan, a_inf, b_inf;
  logic [5:0] tz;

  always_comb begin
    a_nan  = (a_i[30:23] == 8'hFF) && (a_i[22:0] != '0);
    b_nan  = (b_i[30:23] == 8'hFF) && (b_i[22:0] != '0);
    a_inf  = (a_i[30:23] == 8'hFF) && (a_i[22:0] == '0);
    b_inf  = (b_i[30:23] == 8'hFF) && (b_i[22:0] == '0);
    ops_o.zero = (a_i[30:23] == 8'h00) || (b_i[30:23] == 8'h00);
    ops_o.inf  = a_inf || b_inf;
    ops_o.nan  = a_nan || b_nan || ((a_inf || b_inf) && ops_o.zero);
    ops_o.sign = a_i[31] ^ b_i[31];
    ops_o.exp  = $signed({3'b000, a_i[30:23]}) + $signed({3'b000, b_i[30:23]}) - 11'sd127;
    tz         = {1'b0, tsp_pkg::tz24(a_i[22:0])} + {1'b0, tsp_pkg::tz24(b_i[22:0])};
    ops_o.stk  = {tz < 6'd23, tz < 6'd22};
  end

endmodule
