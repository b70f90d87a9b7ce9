// binary32 -> signed integer of 8, 16 or 32 bits, combinational: y = F32ToInt(x, bits) of
// host/src/num/numerics.cc (DAZ, round to nearest even, saturate, NaN -> 0), sign-extended to 32.
// The rounding and saturation are tsp_fp_f2i_core's (shared with tsp_fp_mul_f2i).
module tsp_fp_f2i (
  input  logic [31:0] x_i,
  input  logic [1:0]  dtype_i,  // isa DType code: 0 = i8, 1 = i16, 2 (and 3) = i32
  output logic [31:0] y_o
);

  // A zero or denormal (DAZ) has exponent field 0 (< 126: 0), an infinity 255 (>= 159: saturates).
  tsp_fp_f2i_core u_core (
    .nan_i  ((x_i[30:23] == 8'hFF) && (x_i[22:0] != '0)),
    .big_i  (1'b0),
    .small_i(1'b0),
    .neg_i  (x_i[31]),
    .e_i    ($signed({3'd0, x_i[30:23]})),
    .mant_i ({2'b01, x_i[22:0]}),
    .dtype_i(dtype_i),
    .y_o    (y_o)
  );

endmodule
