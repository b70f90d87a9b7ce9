// binary32 -> signed integer of 8, 16 or 32 bits, combinational: y = F32ToInt(x, bits) of
// host/src/num/numerics.cc (DAZ, round to nearest even, saturate, NaN -> 0), sign-extended to 32.
module tsp_fp_f2i (
  input  logic [31:0] x_i,
  input  logic [1:0]  dtype_i,  // isa DType code: 0 = i8, 1 = i16, 2 (and 3) = i32
  output logic [31:0] y_o
);

  logic [55:0] fix;      // |x| as fixed point: 32 integer bits, 24 fraction bits
  logic [32:0] q;        // rounded magnitude (2^32 = "beyond every range")
  logic signed [33:0] v;
  logic signed [33:0] hi, lo;
  logic [5:0]  sh;       // exponent field - 126 = e + 1 (e = unbiased exponent), used for 0..32

  always_comb begin
    sh  = 6'(x_i[30:23] - 8'd126);
    fix = {32'd0, 1'b1, x_i[22:0]} << sh;
    if (x_i[30:23] < 8'd126) begin
      q = '0;  // |x| < 0.5 (zeros and denormals included)
    end else if (x_i[30:23] >= 8'd159) begin
      q = {1'b1, 32'd0};  // |x| >= 2^32 or Inf: saturates
    end else begin
      q = {1'b0, fix[55:24]} + {32'd0, fix[23] & ((|fix[22:0]) | fix[24])};
    end
    v = x_i[31] ? -$signed({1'b0, q}) : $signed({1'b0, q});
    unique case (dtype_i)
      2'd0: begin
        hi = 34'sd127;
        lo = -34'sd128;
      end
      2'd1: begin
        hi = 34'sd32767;
        lo = -34'sd32768;
      end
      default: begin
        hi = 34'sd2147483647;
        lo = -34'sd2147483648;
      end
    endcase
    if ((x_i[30:23] == 8'hFF) && (x_i[22:0] != '0)) begin
      y_o = '0;  // NaN
    end else if (v > hi) begin
      y_o = hi[31:0];
    end else if (v < lo) begin
      y_o = lo[31:0];
    end else begin
      y_o = v[31:0];
    end
  end

endmodule
