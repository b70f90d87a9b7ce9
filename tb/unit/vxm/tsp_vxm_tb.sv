// Testbench top of the VXM unit test: tsp_vxm with its write ports decoded into one request per
// stream register (tsp_tb_wr_decode), the ports tb/unit/vxm/vxm_test.cc compares.
module tsp_vxm_tb (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  input  logic [tsp_pkg::VxmAlus-1:0][64:0]       disp_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_own_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_own_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_wr_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_wr_o,
  output tsp_pkg::err_t                           err_o,
  output logic                                    idle_o
);
  localparam int unsigned Ports = 4 * tsp_pkg::VxmAlus;
  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]                    hit;
  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][$clog2(Ports)-1:0] sel;
  logic [Ports-1:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]              data;

  tsp_vxm u_vxm (
    .clk_i, .rst_ni, .disp_i, .east_i, .west_i, .east_own_i, .west_own_i,
    .wr_hit_o(hit), .wr_sel_o(sel), .wr_data_o(data), .err_o, .idle_o);

  tsp_tb_wr_decode #(.Ports(Ports)) u_dec (
    .wr_hit_i(hit), .wr_sel_i(sel), .wr_data_i(data), .east_wr_o, .west_wr_o);
endmodule
