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

  // Rounds a normalised sum (its leading one in bit 27) to nearest even at bit 4 and packs it with
  // FTZ / overflow on the unbounded exponent. e1 is the biased exponent of the leading bit; a
  // rounding carry adds one.
  function automatic logic [31:0] round_pack(logic sign, logic signed [9:0] e1, logic [27:0] norm);
    logic              round_up;
    logic [24:0]       mant_r;
    logic signed [9:0] e2;
    logic [7:0]        exp_r;
    logic              flush, over;
    logic [31:0]       y;
    round_up = norm[3] & ((|norm[2:0]) | norm[4]);
    mant_r   = {1'b0, norm[27:4]} + {24'd0, round_up};
    e2       = e1 + 10'sd1;
    exp_r    = mant_r[24] ? e2[7:0] : e1[7:0];
    flush    = mant_r[24] ? (e2 <= 10'sd0) : (e1 <= 10'sd0);
    over     = mant_r[24] ? (e2 >= 10'sd255) : (e1 >= 10'sd255);
    if (flush) begin
      y = {sign, 31'd0};
    end else if (over) begin
      y = {sign, 8'hFF, 23'd0};
    end else begin
      y = {sign, exp_r, mant_r[24] ? mant_r[23:1] : mant_r[22:0]};
    end
    round_pack = y;
  endfunction

  if (TwoPath) begin : g_two
    logic        far;
    // Far path.
    logic [27:0] fnorm;
    logic signed [9:0] fe1;
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
      // Biased exponent of the leading bit: exp + 1 - shift.
      fe1 = $signed({2'b00, exp_i}) + (sum_i[27] ? 10'sd1 : sum_i[26] ? 10'sd0 : -10'sd1);
      f_y = round_pack(sign_i, fe1, fnorm);

      // ---- Near: the leading one of sum[24:0] to bit 24 (3 + lz places), exact. ----
      lz    = tsp_pkg::lzc32({sum_i[24:0], 7'h7F});  // 0 .. 24
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
    logic [4:0]  lz;
    logic [27:0] norm;
    logic signed [9:0] e1;

    always_comb begin
      lz   = tsp_pkg::lzc32({sum_i, 4'hF});  // 0 .. 27 for a non-zero sum
      norm = sum_i << lz;
      // Biased exponent of the leading bit: exp + 1 - lz.
      e1   = $signed({2'b00, exp_i}) + 10'sd1 - $signed({5'd0, lz});
      if (spec_i) begin
        y_o = spec_y_i;
      end else if (sum_i == '0) begin
        y_o = 32'd0;  // exact cancellation: +0
      end else begin
        y_o = round_pack(sign_i, e1, norm);
      end
    end
  end

endmodule
