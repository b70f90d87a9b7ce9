// Test top for tb/unit/fp: the combinational fp32 units side by side, plus one VXM tile (16 lanes,
// the pipelined datapath and the FEXP / FRECIP / FRSQRT sequencer).
module tsp_fp_tb (
  input  logic                                clk_i,
  input  logic                                rst_ni,
  // Combinational units.
  input  logic [31:0]                         a_i,
  input  logic [31:0]                         b_i,
  input  logic                                sub_i,
  input  logic [1:0]                          dtype_i,
  output logic [31:0]                         add_o,
  output logic [31:0]                         add1_o,    // the same with the one-path normalisation
  output logic [31:0]                         mul_o,
  output logic [31:0]                         max_o,
  output logic [31:0]                         i2f_o,
  output logic [31:0]                         f2i_o,
  output logic [31:0]                         mulf2i_o,  // F32ToInt(FMul(a, b)), dtype_i
  // One tile.
  input  logic                                rd_valid_i,
  input  logic [63:0]                         rd_instr_i,
  input  logic [tsp_pkg::Lanes-1:0][31:0]     ta_i,
  input  logic [tsp_pkg::Lanes-1:0][31:0]     tb_i,
  output logic [tsp_pkg::Lanes-1:0][31:0]     l2_o,
  output logic [tsp_pkg::Lanes-1:0][31:0]     l3_o,
  output logic [tsp_pkg::Lanes-1:0][31:0]     sf_o
);

  tsp_fp_add u_add (.a_i(a_i), .b_i(b_i), .sub_i(sub_i), .y_o(add_o));
  tsp_fp_add #(.TwoPath(1'b0)) u_add1 (.a_i(a_i), .b_i(b_i), .sub_i(sub_i), .y_o(add1_o));
  tsp_fp_mul u_mul (.a_i(a_i), .b_i(b_i), .y_o(mul_o));
  tsp_fp_max u_max (.a_i(a_i), .b_i(b_i), .y_o(max_o));
  tsp_fp_i2f u_i2f (.x_i(a_i), .y_o(i2f_o));
  tsp_fp_f2i u_f2i (.x_i(a_i), .dtype_i(dtype_i), .y_o(f2i_o));

  logic [47:22]       prod;
  tsp_pkg::fmul_ops_t mul_ops;
  assign prod = 26'(({24'd0, 1'b1, a_i[22:0]} * {24'd0, 1'b1, b_i[22:0]}) >> 22);
  tsp_fp_mul_ops u_mul_ops (.a_i(a_i), .b_i(b_i), .ops_o(mul_ops));
  tsp_fp_mul_f2i u_mul_f2i (.ops_i(mul_ops), .prod_i(prod), .dtype_i(dtype_i), .y_o(mulf2i_o));

  tsp_vxm_tile u_tile (
    .clk_i     (clk_i),
    .rst_ni    (rst_ni),
    .rd_valid_i(rd_valid_i),
    .rd_instr_i(rd_instr_i),
    .a_i       (ta_i),
    .b_i       (tb_i),
    .l2_o      (l2_o),
    .l3_o      (l3_o),
    .sf_o      (sf_o)
  );

endmodule
