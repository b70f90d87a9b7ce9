// Rounding and saturation of F32ToInt (host/src/num/numerics.cc: round to nearest even, saturate,
// NaN -> 0) for a value given as a 25-bit significand and an exponent, value = mant * 2^(e - 150),
// mant in [2^23, 2^24] (2^24: the carry of a rounding before). tsp_fp_f2i feeds it an fp32 value,
// tsp_fp_mul_f2i the unrounded exponent and rounded significand of a product, so that VCVT f32 ->
// int needs no fp32 result in between (issue 10's timing work, 2026-12-05).
//
// One carry chain: the truncated magnitude f and the round bit r give the result (f ^ neg) + (neg ^ r),
// which is f + r, or -(f + r) = ~f + 1 - r; saturation compares f with the limit of the sign (hi, or
// hi + 1 for a negative value), which needs no rounded value: f + r > lim <=> f > lim or (f == lim
// and r). (The first version rounded, negated and compared the 34-bit result, three chains.)
// For depth (issue 10's timing work, 2026-12-06): the sticky bit is a masked OR of mant (the bits
// that land below the round bit: positions below 24 - sh) formed beside the shifter, not an OR of
// the shifted value after it; and the compare with the limit is a test of f's bits above and
// below the limit's (lim = 2^k - 1 or 2^k), no carry chain.
module tsp_fp_f2i_core (
  input  logic               nan_i,    // result 0
  input  logic               big_i,    // saturate whatever e says (an infinite operand)
  input  logic               small_i,  // 0 whatever e says (a zero operand)
  input  logic               neg_i,
  input  logic signed [10:0] e_i,
  input  logic [24:0]        mant_i,
  input  logic [1:0]         dtype_i,  // isa DType code: 0 = i8, 1 = i16, 2 (and 3) = i32
  output logic [31:0]        y_o
);

  logic [56:24] fix;  // value * 2^25: 32 integer bits (enough unless huge), the round bit
  logic [31:0] f, hi, lo;
  logic [24:0] below;  // mant bits that land below the round bit (fix[23:0])
  logic [5:0]  sh;
  logic        r, sticky, tiny, huge, over, above, at_max, hi_bit, low_nz;

  always_comb begin
    // |value| < 0.5: e < 126 (e < 125 for mant = 2^24); |value| >= 2^32: e >= 159 (158).
    tiny  = small_i || (mant_i[24] ? (e_i < 11'sd125) : (e_i < 11'sd126));
    huge  = big_i || (mant_i[24] ? (e_i >= 11'sd158) : (e_i >= 11'sd159));
    sh    = 6'(e_i - 11'sd125);  // 0 .. 33 when neither
    fix   = 33'(({32'd0, mant_i} << sh) >> 24);  // bits below: the sticky mask
    f     = fix[56:25];
    for (int i = 0; i < 25; i++) below[i] = 32'(i) + 32'(sh) < 32'd24;
    sticky = |(mant_i & below);
    r     = fix[24] & (sticky | fix[25]);
    // f + r beyond the limit: lim = 2^k - 1 (positive) or 2^k (negative), k = 7, 15, 31.
    unique case (dtype_i)
      2'd0: begin
        hi = 32'h0000_007F;
        lo = 32'hFFFF_FF80;
        above  = f[31:8] != '0;
        hi_bit = f[7];
        at_max = &f[6:0];
        low_nz = f[6:0] != '0;
      end
      2'd1: begin
        hi = 32'h0000_7FFF;
        lo = 32'hFFFF_8000;
        above  = f[31:16] != '0;
        hi_bit = f[15];
        at_max = &f[14:0];
        low_nz = f[14:0] != '0;
      end
      default: begin
        hi = 32'h7FFF_FFFF;
        lo = 32'h8000_0000;
        above  = 1'b0;
        hi_bit = f[31];
        at_max = &f[30:0];
        low_nz = f[30:0] != '0;
      end
    endcase
    // Positive: f >= 2^k, or f = 2^k - 1 rounding up. Negative: f > 2^k, or f = 2^k rounding up.
    over = huge || above || (neg_i ? (hi_bit && (low_nz || r)) : (hi_bit || (at_max && r)));
    if (nan_i || tiny) begin
      y_o = '0;
    end else if (over) begin
      y_o = neg_i ? lo : hi;
    end else begin
      y_o = (f ^ {32{neg_i}}) + {31'd0, neg_i ^ r};
    end
  end

endmodule
