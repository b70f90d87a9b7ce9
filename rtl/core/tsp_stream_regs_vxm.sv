// The stream registers at the VXM's position: tsp_stream_regs_grp with four write tracks per ALU
// (tsp_vxm: port 4a + tr = track tr of ALU a) as its ports. A module of its own so that synthesis
// takes it as one partition (scripts/synth.sh).
module tsp_stream_regs_vxm #(
  localparam int unsigned Ports = 4 * tsp_pkg::VxmAlus,
  localparam int unsigned SelW  = $clog2(Ports)
) (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic clear_i,
  input  logic en_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_in_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_in_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]           wr_hit_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][SelW-1:0] wr_sel_i,
  input  logic [Ports-1:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]     wr_data_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_q_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_q_o
);
  tsp_stream_regs_grp #(.Ports(Ports)) u_regs (
    .clk_i, .rst_ni, .clear_i, .en_i, .east_in_i, .west_in_i, .wr_hit_i, .wr_sel_i, .wr_data_i,
    .east_q_o, .west_q_o);
endmodule
