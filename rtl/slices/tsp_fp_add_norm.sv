// Second half of tsp_fp_add: normalises the exact sum of tsp_fp_add_align, rounds to nearest even,
// and applies FTZ / overflow on the unbounded-exponent rounded result (or passes the special case).
//
// TwoPath = 1 (the VXM lane, where this half is on the deepest paths; issue 10's timing work,
// 2026-12-06) splits it in two paths, bit for bit the result of the one path of TwoPath = 0 (a
// leading-zero count, a shift and the rounding, in series; the SXM reduction, whose second stage
// has room, keeps it: the two paths cost 16 x 170 LUT there for no shorter path):
//   far   the sum has its leading one in bit 27, 26 or 25 (every addition, and every subtraction
//         whose exponents differ by 2 or more: m_big * 8 - al_small > 2^26 - 2^25): a shift of 0, 1
//         or 2 and the rounding;
//   near  the leading one is in bit 24 or below: only a subtraction of operands whose exponents
//         differ by at most 1, whose aligned operand has no bits below bit 2, so the normalised
//         significand is exact (shifted left by 3 or more, nothing reaches the round bit): a
//         leading-zero count and a shift, no rounding and no overflow.
module tsp_fp_add_norm #(
  parameter bit TwoPath = 1'b1
) (
  input  logic        spec_i,
  input  logic [31:0] spec_y_i,
  input  logic        sign_i,
  input  logic [7:0]  exp_i,
  input  logic [27:0] sum_i,
  output logic [31:0] y_o
);

  // Leading zeros of a non-zero 32-bit value by halving: is the upper half zero (count bit 4),
  // then shift it out and test the upper 8, 4, 2, 1 bits (the value padded with ones below).
  function automatic logic [4:0] lzc32(logic [31:0] x);
    logic [4:0] n;
    n[4] = x[31:16] == '0;
    x    = n[4] ? {x[15:0], 16'hFFFF} : x;
    n[3] = x[31:24] == '0;
    x    = n[3] ? {x[23:0], 8'hFF} : x;
    n[2] = x[31:28] == '0;
    x    = n[2] ? {x[27:0], 4'hF} : x;
    n[1] = x[31:30] == '0;
    x    = n[1] ? {x[29:0], 2'h3} : x;
    n[0] = !x[31];
    lzc32 = n;
  endfunction

  if (TwoPath) begin : g_two
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
      lz    = lzc32({sum_i[24:0], 7'h7F});  // 0 .. 24
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
  end else begin : g_one
    logic [31:0] v;
    logic [4:0]  lz;
    logic [27:0] norm;
    logic [24:0] mant_r;
    logic        round_up;
    logic signed [9:0] e1, e2;
    logic [7:0]  exp_r;
    logic        ftz, ovf;

    always_comb begin
      v    = {sum_i, 4'hF};
      lz   = lzc32(v);  // 0 .. 27 for a non-zero sum
      norm = sum_i << lz;
      round_up = norm[3] & ((|norm[2:0]) | norm[4]);
      mant_r = {1'b0, norm[27:4]} + {24'd0, round_up};
      // Biased exponent of the leading bit: exp + 1 - lz, +1 on a rounding carry.
      e1 = $signed({2'b00, exp_i}) + 10'sd1 - $signed({5'd0, lz});
      e2 = e1 + 10'sd1;
      exp_r = mant_r[24] ? e2[7:0] : e1[7:0];
      ftz   = mant_r[24] ? (e2 <= 10'sd0) : (e1 <= 10'sd0);
      ovf   = mant_r[24] ? (e2 >= 10'sd255) : (e1 >= 10'sd255);
      if (spec_i) begin
        y_o = spec_y_i;
      end else if (sum_i == '0) begin
        y_o = 32'd0;  // exact cancellation: +0
      end else if (ftz) begin
        y_o = {sign_i, 31'd0};  // FTZ
      end else if (ovf) begin
        y_o = {sign_i, 8'hFF, 23'd0};  // overflow
      end else begin
        y_o = {sign_i, exp_r, mant_r[24] ? mant_r[23:1] : mant_r[22:0]};
      end
    end
  end

endmodule
