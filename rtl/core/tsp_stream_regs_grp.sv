// The stream registers at the position of a slice that writes through group write ports (tsp_sxm:
// its four write pipelines; tsp_vxm: four latency tracks per ALU): tsp_stream_regs with the
// slice's writes given as Ports data ports per superlane plus, per stream register, a hit bit and
// the number of the port that writes it, instead of one full {valid, data} request per stream
// register (issue 10: the SXM built 2 x StreamsPerDir x 128 bits of four-way priority merge per
// superlane, and the stream registers then selected again).
//
// Port p of superlane k carries an aligned group write already steered by stream position:
// wr_data_i[p][k][j] is what the port writes into stream j mod 4 of its group (byte j & (w - 1) of
// each lane's 32-bit element, w the group width), so stream register (d, s) of superlane k takes
// wr_data_i[wr_sel_i[k][d][s]][k][s mod 4] when wr_hit_i[k][d][s] is set. The slice resolves which
// writer wins and reports collisions; the decode here is one select per data bit folded into the
// register's own input select (value moving on or the selected port).
//
// Same behaviour as tsp_stream_regs fed with the decoded requests: a hit wins over the value
// moving on; clear_i empties every slot; en_i: the run phase (registers hold otherwise).
// tsp_stream_regs_sxm and tsp_stream_regs_vxm fix Ports for the two kinds of position (each is a
// `make synth` partition, which must be a module without parameters).
module tsp_stream_regs_grp #(
  parameter int unsigned Ports = 4  // at least 2
) (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic clear_i,
  input  logic en_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_in_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_in_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]            wr_hit_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][$clog2(Ports)-1:0] wr_sel_i,
  input  logic [Ports-1:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]      wr_data_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_q_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_q_o
);
  localparam int unsigned NS = tsp_pkg::StreamsPerDir;
  localparam int unsigned S  = tsp_pkg::NumSuperlanes;
  localparam int unsigned W    = tsp_pkg::WordBits;
  localparam int unsigned SelW = $clog2(Ports);
  localparam int unsigned N    = 1 << SelW;  // Ports rounded up to a power of two

  tsp_pkg::sreg_t [NS-1:0][S-1:0] east_q, west_q, east_next, west_next;

  // The word port sel writes into position j of superlane k, as an explicit binary mux tree
  // (docs/rtl.md Conventions item 5: a variable index becomes a shifter in Yosys). Level d halves
  // the candidates; the in-place update never overwrites a candidate still to be read.
  logic [S-1:0][1:0][NS-1:0][W-1:0] sel_word;
  logic [N*W-1:0]                   t;
  always_comb begin
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned d = 0; d < 2; d++) begin
        for (int unsigned s = 0; s < NS; s++) begin
          t = '0;
          for (int unsigned p = 0; p < Ports; p++) t[p*W +: W] = wr_data_i[p][k][s % 4];
          for (int unsigned lv = 0; lv < SelW; lv++) begin
            for (int unsigned i = 0; i < (N >> (lv + 1)); i++) begin
              t[i*W +: W] = wr_sel_i[k][d][s][lv] ? t[(2*i+1)*W +: W] : t[2*i*W +: W];
            end
          end
          sel_word[k][d][s] = t[W-1:0];
        end
      end
    end
  end

  always_comb begin
    for (int unsigned s = 0; s < NS; s++) begin
      for (int unsigned k = 0; k < S; k++) begin
        east_next[s][k] = wr_hit_i[k][0][s] ? {1'b1, sel_word[k][0][s]} : east_in_i[s][k];
        west_next[s][k] = wr_hit_i[k][1][s] ? {1'b1, sel_word[k][1][s]} : west_in_i[s][k];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned s = 0; s < NS; s++) begin
        for (int unsigned k = 0; k < S; k++) begin
          east_q[s][k] <= '0;
          west_q[s][k] <= '0;
        end
      end
    end else begin
      for (int unsigned s = 0; s < NS; s++) begin
        for (int unsigned k = 0; k < S; k++) begin
          if (clear_i) begin
            east_q[s][k] <= '0;
            west_q[s][k] <= '0;
          end else if (en_i) begin
            east_q[s][k] <= east_next[s][k];
            west_q[s][k] <= west_next[s][k];
          end
        end
      end
    end
  end

  assign east_q_o = east_q;
  assign west_q_o = west_q;
endmodule
