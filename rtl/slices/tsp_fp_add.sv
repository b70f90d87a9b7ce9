// binary32 add / subtract, combinational: y = FAdd(a, b) or FSub(a, b) of host/src/num/numerics.cc
// (round to nearest even, DAZ, FTZ on the unbounded-exponent rounded result, canonical NaN).
//
// FSub(a, b) = FAdd(a, b ^ sign) for every input (a NaN b stays a NaN), so sub_i only flips the
// sign of b. The both-normal path aligns the smaller significand with guard, round and a sticky
// bit jammed into bit 0; this gives the correctly rounded exact sum, the same bits as the
// reference's 32 guard bits.
module tsp_fp_add (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic        sub_i,
  output logic [31:0] y_o
);

  localparam logic [31:0] CanonNaN = 32'h7FC0_0000;

  logic [31:0] bx;
  logic        a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;
  logic [31:0] x_big, x_small;
  logic [23:0] m_big, m_small;
  logic [7:0]  e_big, e_small, d;
  logic        subtract;
  logic [53:0] shifted;
  logic [26:0] al_small;
  logic [27:0] sum;
  logic [4:0]  lz;
  logic [27:0] norm;
  logic [24:0] mant_r;
  logic        round_up;
  logic signed [9:0] exp_r;
  logic [31:0] y_normal;

  // Leading zeros of a non-zero 28-bit value.
  function automatic logic [4:0] lzc28(logic [27:0] v);
    logic [4:0] n;
    n = 5'd27;
    for (int i = 0; i < 28; i++) begin
      if (v[i]) n = 5'(27 - i);
    end
    lzc28 = n;
  endfunction

  always_comb begin
    bx     = {b_i[31] ^ sub_i, b_i[30:0]};
    a_nan  = (a_i[30:23] == 8'hFF) && (a_i[22:0] != '0);
    b_nan  = (bx[30:23] == 8'hFF) && (bx[22:0] != '0);
    a_inf  = (a_i[30:23] == 8'hFF) && (a_i[22:0] == '0);
    b_inf  = (bx[30:23] == 8'hFF) && (bx[22:0] == '0);
    a_zero = a_i[30:23] == 8'h00;  // zero or denormal (DAZ)
    b_zero = bx[30:23] == 8'h00;

    // Both-normal path: order by magnitude so that |x_big| >= |x_small|.
    if (a_i[30:0] < bx[30:0]) begin
      x_big   = bx;
      x_small = a_i;
    end else begin
      x_big   = a_i;
      x_small = bx;
    end
    subtract = x_big[31] ^ x_small[31];
    e_big    = x_big[30:23];
    e_small  = x_small[30:23];
    m_big    = {1'b1, x_big[22:0]};
    m_small  = {1'b1, x_small[22:0]};
    d        = e_big - e_small;
    // Align the smaller significand (3 extra bits: guard, round, sticky).
    shifted = {m_small, 3'b000, 27'd0} >> d[4:0];
    if (d >= 8'd27) begin
      al_small = 27'd1;  // only a sticky bit survives
    end else begin
      al_small = shifted[53:27] | {26'd0, |shifted[26:0]};
    end
    sum = subtract ? ({1'b0, m_big, 3'b000} - {1'b0, al_small})
                   : ({1'b0, m_big, 3'b000} + {1'b0, al_small});
    lz   = lzc28(sum);
    norm = sum << lz;
    round_up = norm[3] & ((|norm[2:0]) | norm[4]);
    mant_r = {1'b0, norm[27:4]} + {24'd0, round_up};
    // Biased exponent of the leading bit: e_big + 1 - lz (+1 on a rounding carry).
    exp_r = $signed({2'b00, e_big}) + 10'sd1 - $signed({5'd0, lz}) + $signed({9'd0, mant_r[24]});
    if (sum == '0) begin
      y_normal = 32'd0;  // exact cancellation: +0
    end else if (exp_r <= 10'sd0) begin
      y_normal = {x_big[31], 31'd0};  // FTZ
    end else if (exp_r >= 10'sd255) begin
      y_normal = {x_big[31], 8'hFF, 23'd0};  // overflow
    end else begin
      y_normal = {x_big[31], exp_r[7:0], mant_r[24] ? mant_r[23:1] : mant_r[22:0]};
    end

    // Special cases, in the order of the reference.
    if (a_nan || b_nan) begin
      y_o = CanonNaN;
    end else if (a_inf && b_inf) begin
      y_o = (a_i[31] == bx[31]) ? a_i : CanonNaN;
    end else if (a_inf) begin
      y_o = a_i;
    end else if (b_inf) begin
      y_o = bx;
    end else if (a_zero && b_zero) begin
      y_o = {a_i[31] & bx[31], 31'd0};
    end else if (a_zero) begin
      y_o = bx;
    end else if (b_zero) begin
      y_o = a_i;
    end else begin
      y_o = y_normal;
    end
  end

endmodule
