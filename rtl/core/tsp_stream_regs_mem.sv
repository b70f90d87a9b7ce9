// The stream registers at a MEM slice's position: tsp_stream_regs with the slice's writes given as
// two write ports per superlane (tsp_mem_slice: port 0 = READ, port 1 = GATHER) instead of one
// {valid, data} request per stream register. Decoding the ports here folds the choice between
// them into the register's own input select (value moving on, READ data, GATHER data, clear: one
// LUT6 per bit) instead of the slice building a full request per stream register of both
// directions first (2 x StreamsPerDir x 128 two-way selects per superlane, which a synthesis of
// one partition at a time cannot merge with the register's select; issue 10).
// It repeats tsp_stream_regs's register block rather than instantiating it behind a decoder: both
// are `make synth` partitions, so an instance would be a blackbox here and the decode could not
// merge into the register's select, which is the point of this module.
// Same behaviour as tsp_stream_regs fed with the requests: a port addressing stream register
// (d, s) writes it, GATHER over READ, a write over the value moving on; clear_i empties every
// slot; en_i: the run phase (registers hold otherwise).
module tsp_stream_regs_mem (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic clear_i,
  input  logic en_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_in_i,
  input  tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_in_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0]                                  wr_valid_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][4:0]                             wr_s_i,
  input  logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::WordBits-1:0]           wr_data_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_q_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_q_o
);
  localparam int unsigned NS = tsp_pkg::StreamsPerDir;
  localparam int unsigned S  = tsp_pkg::NumSuperlanes;

  tsp_pkg::sreg_t [NS-1:0][S-1:0] east_q, west_q, east_next, west_next;

  always_comb begin
    for (int unsigned s = 0; s < NS; s++) begin
      for (int unsigned k = 0; k < S; k++) begin
        // d = 0: east, 1: west.
        if (wr_valid_i[k][1] && wr_s_i[k][1] == {1'b0, 4'(s)}) begin
          east_next[s][k] = {1'b1, wr_data_i[k][1]};
        end else if (wr_valid_i[k][0] && wr_s_i[k][0] == {1'b0, 4'(s)}) begin
          east_next[s][k] = {1'b1, wr_data_i[k][0]};
        end else begin
          east_next[s][k] = east_in_i[s][k];
        end
        if (wr_valid_i[k][1] && wr_s_i[k][1] == {1'b1, 4'(s)}) begin
          west_next[s][k] = {1'b1, wr_data_i[k][1]};
        end else if (wr_valid_i[k][0] && wr_s_i[k][0] == {1'b1, 4'(s)}) begin
          west_next[s][k] = {1'b1, wr_data_i[k][0]};
        end else begin
          west_next[s][k] = west_in_i[s][k];
        end
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
