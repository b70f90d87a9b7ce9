// Second half of FMul (host/src/num/numerics.cc): given the operands and the exact 48-bit product
// of their 24-bit significands (hidden bit set), applies NaN / DAZ / Inf / zero rules and rounds
// to nearest even with FTZ and overflow on the unbounded-exponent result. Combinational.
module tsp_fp_mul_round (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic [47:0] prod_i,  // {1, a[22:0]} * {1, b[22:0]}
  output logic [31:0] y_o
);

  localparam logic [31:0] CanonNaN = 32'h7FC0_0000;

  logic        a_nan, b_nan, a_inf, b_inf, a_zero, b_zero, sign;
  logic [23:0] mant;
  logic        rnd, sticky;
  logic [24:0] mant_r;
  logic signed [10:0] exp_r;
  logic [31:0] y_normal;

  always_comb begin
    a_nan  = (a_i[30:23] == 8'hFF) && (a_i[22:0] != '0);
    b_nan  = (b_i[30:23] == 8'hFF) && (b_i[22:0] != '0);
    a_inf  = (a_i[30:23] == 8'hFF) && (a_i[22:0] == '0);
    b_inf  = (b_i[30:23] == 8'hFF) && (b_i[22:0] == '0);
    a_zero = a_i[30:23] == 8'h00;  // zero or denormal (DAZ)
    b_zero = b_i[30:23] == 8'h00;
    sign   = a_i[31] ^ b_i[31];

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
    mant_r = {1'b0, mant} + {24'd0, rnd & (sticky | mant[0])};
    // Biased exponent: ea + eb - 127 (+1 if the product has its leading bit at 47, +1 on carry).
    exp_r = $signed({3'b000, a_i[30:23]}) + $signed({3'b000, b_i[30:23]}) - 11'sd127
          + $signed({10'd0, prod_i[47]}) + $signed({10'd0, mant_r[24]});
    if (exp_r <= 11'sd0) begin
      y_normal = {sign, 31'd0};  // FTZ
    end else if (exp_r >= 11'sd255) begin
      y_normal = {sign, 8'hFF, 23'd0};  // overflow
    end else begin
      y_normal = {sign, exp_r[7:0], mant_r[24] ? mant_r[23:1] : mant_r[22:0]};
    end

    if (a_nan || b_nan) begin
      y_o = CanonNaN;
    end else if (a_inf || b_inf) begin
      y_o = (a_zero || b_zero) ? CanonNaN : {sign, 8'hFF, 23'd0};
    end else if (a_zero || b_zero) begin
      y_o = {sign, 31'd0};
    end else begin
      y_o = y_normal;
    end
  end

endmodule
