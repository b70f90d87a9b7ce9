// The stream registers of one slice position, both directions: the fabric of tsp_core is one of
// these per position. Each slot {valid, data} moves one position per cycle (east_in_i is the
// east-flowing register of the western neighbour, west_in_i the west-flowing one of the eastern
// neighbour); a write request of the slice at this position (valid bit set) wins over the value
// moving on. clear_i empties every slot (START: V(0), like Model::Start()); en_i: the run phase
// (registers hold otherwise). A module of its own so that synthesis can take one position at a
// time (scripts/synth.sh).
module tsp_stream_regs (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic clear_i,
  input  logic en_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_in_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_in_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_wr_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_wr_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_q_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_q_o
);
  localparam int unsigned NS       = tsp_pkg::StreamsPerDir;
  localparam int unsigned S        = tsp_pkg::NumSuperlanes;
  localparam int unsigned ValidBit = tsp_pkg::SlotBits - 1;

  tsp_pkg::sreg_t [NS-1:0][S-1:0] east_q, west_q, east_next, west_next;

  always_comb begin
    for (int unsigned s = 0; s < NS; s++) begin
      for (int unsigned k = 0; k < S; k++) begin
        east_next[s][k] = east_wr_i[s][k][ValidBit] ? east_wr_i[s][k] : east_in_i[s][k];
        west_next[s][k] = west_wr_i[s][k][ValidBit] ? west_wr_i[s][k] : west_in_i[s][k];
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
