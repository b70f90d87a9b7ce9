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

  logic [56:0] fix;   // value * 2^25: 32 integer bits (enough unless huge), 25 fraction bits
  logic [31:0] f, lim, hi, lo;
  logic [5:0]  sh;
  logic        r, tiny, huge, over;

  always_comb begin
    // |value| < 0.5: e < 126 (e < 125 for mant = 2^24); |value| >= 2^32: e >= 159 (158).
    tiny  = small_i || (mant_i[24] ? (e_i < 11'sd125) : (e_i < 11'sd126));
    huge  = big_i || (mant_i[24] ? (e_i >= 11'sd158) : (e_i >= 11'sd159));
    sh    = 6'(e_i - 11'sd125);  // 0 .. 33 when neither
    fix   = {32'd0, mant_i} << sh;
    f     = fix[56:25];
    r     = fix[24] & ((|fix[23:0]) | fix[25]);
    unique case (dtype_i)
      2'd0: begin
        hi = 32'h0000_007F;
        lo = 32'hFFFF_FF80;
      end
      2'd1: begin
        hi = 32'h0000_7FFF;
        lo = 32'hFFFF_8000;
      end
      default: begin
        hi = 32'h7FFF_FFFF;
        lo = 32'h8000_0000;
      end
    endcase
    lim  = neg_i ? hi + 32'd1 : hi;
    over = huge || (f > lim) || ((f == lim) && r);
    if (nan_i || tiny) begin
      y_o = '0;
    end else if (over) begin
      y_o = neg_i ? lo : hi;
    end else begin
      y_o = (f ^ {32{neg_i}}) + {31'd0, neg_i ^ r};
    end
  end

endmodule
