// Testbench top of the SXM unit test: tsp_sxm with its write ports decoded into one request per
// stream register (tsp_tb_wr_decode), the ports tb/unit/sxm/slice_lockstep.h compares.
module tsp_sxm_tb (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  tsp_pkg::disp_t    disp_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_wr_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_wr_o,
  output tsp_pkg::err_t     err_o,
  output logic              idle_o
);
  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]      hit;
  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][1:0] sel;
  logic [3:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]      data;

  tsp_sxm u_sxm (
    .clk_i, .rst_ni, .disp_i, .east_i, .west_i,
    .wr_hit_o(hit), .wr_sel_o(sel), .wr_data_o(data), .err_o, .idle_o);

  tsp_tb_wr_decode #(.Ports(4)) u_dec (
    .wr_hit_i(hit), .wr_sel_i(sel), .wr_data_i(data), .east_wr_o, .west_wr_o);
endmodule
