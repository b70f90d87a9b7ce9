// binary32 maximum, combinational: y = FMax(a, b) of host/src/num/numerics.cc. NaN in -> canonical
// NaN; DAZ on both; the larger by value after DAZ, where -0 < +0; equal keys return a.
//
// The reference compares totally ordered integer keys (x for positive, -|x| - 1 for negative).
// Here the same order is decided from the signs and one magnitude comparison of the raw bits, with
// DAZ applied to the comparison as flags and to the result bits (not to both operands first): the
// larger of two positives is the one of larger magnitude, of two negatives the one of smaller
// magnitude, equal keys keep a.
module tsp_fp_max (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] y_o
);

  localparam logic [31:0] CanonNaN = 32'h7FC0_0000;

  logic a_z, b_z, a_nan, b_nan;
  logic lt_raw, eq_raw, ma_lt_mb, ma_gt_mb, a_wins;

  always_comb begin
    a_z    = a_i[30:23] == 8'h00;  // zero or denormal: magnitude 0 after DAZ
    b_z    = b_i[30:23] == 8'h00;
    a_nan  = (a_i[30:23] == 8'hFF) && (a_i[22:0] != '0);
    b_nan  = (b_i[30:23] == 8'hFF) && (b_i[22:0] != '0);
    lt_raw = a_i[30:0] < b_i[30:0];
    eq_raw = a_i[30:0] == b_i[30:0];
    // Magnitudes after DAZ.
    ma_lt_mb = !b_z && (a_z || lt_raw);
    ma_gt_mb = !a_z && (b_z || (!lt_raw && !eq_raw));
    unique case ({a_i[31], b_i[31]})
      2'b01:   a_wins = 1'b1;       // +a >= -b (also +0 > -0)
      2'b10:   a_wins = 1'b0;
      2'b00:   a_wins = !ma_lt_mb;  // both positive: |a| >= |b|
      default: a_wins = !ma_gt_mb;  // both negative: |a| <= |b|
    endcase
    if (a_nan || b_nan) begin
      y_o = CanonNaN;
    end else if (a_wins) begin
      y_o = {a_i[31], a_z ? 31'd0 : a_i[30:0]};
    end else begin
      y_o = {b_i[31], b_z ? 31'd0 : b_i[30:0]};
    end
  end

endmodule
