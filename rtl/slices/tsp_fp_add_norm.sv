// Second half of tsp_fp_add: normalises the exact sum of tsp_fp_add_align, rounds to nearest even,
// and applies FTZ / overflow on the unbounded-exponent rounded result (or passes the special case).
// For depth (issue 10's timing work): the leading-zero count is a tree, and the exponent and its
// range checks are formed for both outcomes of the rounding carry in parallel with the rounding.
module tsp_fp_add_norm (
  input  logic        spec_i,
  input  logic [31:0] spec_y_i,
  input  logic        sign_i,
  input  logic [7:0]  exp_i,
  input  logic [27:0] sum_i,
  output logic [31:0] y_o
);

  logic [31:0] v;
  logic [4:0]  lz;
  logic [27:0] norm;
  logic [24:0] mant_r;
  logic        round_up;
  logic signed [9:0] e1, e2;
  logic [7:0]  exp_r;
  logic        ftz, ovf;

  // Leading zeros of a non-zero 32-bit value by halving: is the upper half zero (count bit 4),
  // then shift it out and test the upper 8, 4, 2, 1 bits (here v = the sum's 28 bits, then ones).
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

endmodule
