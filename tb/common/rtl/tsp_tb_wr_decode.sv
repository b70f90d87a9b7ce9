// Testbench only: the write ports of a slice (tsp_sxm, tsp_vxm) turned back into one {valid, data}
// request per stream register, the view the unit tests compare with the reference model's stream
// registers. Written independently of tsp_stream_regs_grp (which decodes the same ports inside the
// core, checked by the system lockstep tests): request (d, s, k) = {1, data[sel][k][s mod 4]} when
// hit is set, empty otherwise.
module tsp_tb_wr_decode #(
  parameter int unsigned Ports = 4
) (
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]                wr_hit_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][$clog2(Ports)-1:0] wr_sel_i,
  input  logic [Ports-1:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]          wr_data_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_wr_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_wr_o
);
  always_comb begin
    for (int unsigned s = 0; s < tsp_pkg::StreamsPerDir; s++) begin
      for (int unsigned k = 0; k < tsp_pkg::NumSuperlanes; k++) begin
        east_wr_o[s][k] = '0;
        west_wr_o[s][k] = '0;
        if (wr_hit_i[k][0][s]) east_wr_o[s][k] = {1'b1, wr_data_i[wr_sel_i[k][0][s]][k][s % 4]};
        if (wr_hit_i[k][1][s]) west_wr_o[s][k] = {1'b1, wr_data_i[wr_sel_i[k][1][s]][k][s % 4]};
      end
    end
  end
endmodule
