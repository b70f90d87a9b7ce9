// The stream registers at an SXM's position: tsp_stream_regs_grp with the SXM's four write
// pipelines (DIST, SHUP / SHDN / PERM, RSUM / RMAX, TRANS) as its ports. A module of its own so that
// synthesis takes it as one partition (scripts/synth.sh).
module tsp_stream_regs_sxm (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic clear_i,
  input  logic en_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_in_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_in_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]       wr_hit_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][1:0]  wr_sel_i,
  input  logic [3:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]       wr_data_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_q_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_q_o
);
  tsp_stream_regs_grp #(.Ports(4)) u_regs (
    .clk_i, .rst_ni, .clear_i, .en_i, .east_in_i, .west_in_i, .wr_hit_i, .wr_sel_i, .wr_data_i,
    .east_q_o, .west_q_o);
endmodule
