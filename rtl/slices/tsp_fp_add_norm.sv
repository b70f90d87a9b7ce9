// Second half of tsp_fp_add: normalises the exact sum of tsp_fp_add_align, rounds to nearest even,
// and applies FTZ / overflow on the unbounded-exponent rounded result (or passes the special case).
//
// Two paths (issue 10's timing work, 2026-12-06; the same result, bit for bit, as the single
// leading-zero-count, shift and round path before):
//   far   the sum has its leading one in bit 27, 26 or 25 (every addition, and every subtraction
//         whose exponents differ by 2 or more: m_big * 8 - al_small > 2^26 - 2^25): a shift of 0, 1
//         or 2 and the rounding;
//   near  the leading one is in bit 24 or below: only a subtraction of operands whose exponents
//         differ by at most 1, whose aligned operand has no bits below bit 2, so the normalised
//         significand is exact (shifted left by 3 or more, nothing reaches the round bit): a
//         leading-zero count and a shift, no rounding and no overflow.
module tsp_fp_add_norm (
  input  logic        spec_i,
  input  logic [31:0] spec_y_i,
  input  logic        sign_i,
  input  logic [7:0]  exp_i,
  input  logic [27:0] sum_i,
  output logic [31:0] y_o
);

  logic        far;
  // Far path.
  logic [27:0] fnorm;
  logic        round_up;
  logic [24:0] mant_r;
  logic signed [9:0] fe1, fe2;
  logic [7:0]  f_exp;
  logic        f_ftz, f_ovf;
  logic [31:0] f_y;
  // Near path.
  logic [4:0]  lz;
  logic [22:0] nfrac;  // the normalised fraction (the leading one dropped)
  logic signed [9:0] ne;
  logic [31:0] n_y;

  // Leading zeros of a non-zero 25-bit value, by halving (0 .. 24), in a 32-bit frame of ones.
  function automatic logic [4:0] lzc25(logic [24:0] v);
    logic [31:0] x;
    logic [4:0]  n;
    x    = {v, 7'h7F};
    n[4] = x[31:16] == '0;
    x    = n[4] ? {x[15:0], 16'hFFFF} : x;
    n[3] = x[31:24] == '0;
    x    = n[3] ? {x[23:0], 8'hFF} : x;
    n[2] = x[31:28] == '0;
    x    = n[2] ? {x[27:0], 4'hF} : x;
    n[1] = x[31:30] == '0;
    x    = n[1] ? {x[29:0], 2'h3} : x;
    n[0] = !x[31];
    lzc25 = n;
  endfunction

  always_comb begin
    far = sum_i[27:25] != '0;

    // ---- Far: shift by 0, 1 or 2 (the leading one to bit 27), round at bit 4. ----
    if (sum_i[27]) begin
      fnorm = sum_i;
    end else if (sum_i[26]) begin
      fnorm = {sum_i[26:0], 1'b0};
    end else begin
      fnorm = {sum_i[25:0], 2'b00};
    end
    round_up = fnorm[3] & ((|fnorm[2:0]) | fnorm[4]);
    mant_r   = {1'b0, fnorm[27:4]} + {24'd0, round_up};
    // Biased exponent of the leading bit: exp + 1 - shift, +1 on a rounding carry.
    fe1   = $signed({2'b00, exp_i}) + (sum_i[27] ? 10'sd1 : sum_i[26] ? 10'sd0 : -10'sd1);
    fe2   = fe1 + 10'sd1;
    f_exp = mant_r[24] ? fe2[7:0] : fe1[7:0];
    f_ftz = mant_r[24] ? (fe2 <= 10'sd0) : (fe1 <= 10'sd0);
    f_ovf = mant_r[24] ? (fe2 >= 10'sd255) : (fe1 >= 10'sd255);
    if (f_ftz) begin
      f_y = {sign_i, 31'd0};
    end else if (f_ovf) begin
      f_y = {sign_i, 8'hFF, 23'd0};
    end else begin
      f_y = {sign_i, f_exp, mant_r[24] ? mant_r[23:1] : mant_r[22:0]};
    end

    // ---- Near: the leading one of sum[24:0] to bit 24 (3 + lz places), exact. ----
    lz    = lzc25(sum_i[24:0]);
    nfrac = 23'((sum_i[24:0] << lz) >> 1);  // leading one in bit 24, bit 0 is 0 (exact)
    ne    = $signed({2'b00, exp_i}) - 10'sd2 - $signed({5'd0, lz});  // exp + 1 - (3 + lz)
    if (ne <= 10'sd0) begin
      n_y = {sign_i, 31'd0};  // FTZ
    end else begin
      n_y = {sign_i, ne[7:0], nfrac};
    end

    if (spec_i) begin
      y_o = spec_y_i;
    end else if (far) begin
      y_o = f_y;
    end else if (sum_i[24:0] == '0) begin
      y_o = 32'd0;  // exact cancellation: +0
    end else begin
      y_o = n_y;
    end
  end

endmodule
