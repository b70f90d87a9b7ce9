// int32 -> binary32, combinational: y = I32ToF32(x) of host/src/num/numerics.cc (round to nearest
// even; never overflows or underflows).
module tsp_fp_i2f (
  input  logic [31:0] x_i,  // two's complement int32
  output logic [31:0] y_o
);

  logic [31:0] mag, norm;
  logic [4:0]  lz;
  logic [24:0] mant_r;
  logic [7:0]  exp_b;

  always_comb begin
    mag    = x_i[31] ? (~x_i + 32'd1) : x_i;  // |INT32_MIN| = 2^31 fits unsigned
    lz     = tsp_pkg::lzc32(mag);
    norm   = mag << lz;
    mant_r = {1'b0, norm[31:8]} + {24'd0, norm[7] & ((|norm[6:0]) | norm[8])};
    // Leading bit at 31 - lz: biased exponent 158 - lz (+1 on a rounding carry).
    exp_b  = 8'd158 - {3'd0, lz} + {7'd0, mant_r[24]};
    if (x_i == '0) begin
      y_o = 32'd0;
    end else begin
      y_o = {x_i[31], exp_b, mant_r[24] ? mant_r[23:1] : mant_r[22:0]};
    end
  end

endmodule
