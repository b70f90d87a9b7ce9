// The VXM position: tsp_pkg::VxmAlus independent ALUs (one per VXM queue) that read the streams
// arriving at the centre and write into the centre's stream registers.
//
// Slice contract of docs/rtl.md with one dispatch port per ALU. All write requests of all ALUs are
// merged per stream and superlane; two or more in one cycle (also two latency classes of one ALU)
// pulse err_o[ErrStreamCollisionBit], and the data is that of the reference model's last write
// (its stream writes are applied in the order they were scheduled: the shortest latency was
// scheduled last; for equal latency the higher queue). Empty operand reads pulse
// err_o[ErrEmptyReadBit]. idle_o: nothing read or written by any ALU in this cycle or later.
module tsp_vxm (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  input  tsp_pkg::disp_t [tsp_pkg::VxmAlus-1:0]   disp_i,
  input  tsp_pkg::streams_t                       east_i,
  input  tsp_pkg::streams_t                       west_i,
  output tsp_pkg::writes_t                        east_wr_o,
  output tsp_pkg::writes_t                        west_wr_o,
  output tsp_pkg::err_t                           err_o,
  output logic                                    idle_o
);

  localparam int unsigned A       = tsp_pkg::VxmAlus;
  localparam int unsigned S       = tsp_pkg::NumSuperlanes;
  localparam int unsigned Streams = tsp_pkg::StreamsPerDir;

  tsp_pkg::writes_t [A-1:0][2:0] alu_e, alu_w;
  logic [A-1:0] alu_empty, alu_idle;

  for (genvar a = 0; a < int'(A); a++) begin : g_alu
    tsp_vxm_alu u_alu (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .disp_i      (disp_i[a]),
      .east_i      (east_i),
      .west_i      (west_i),
      .east_wr_o   (alu_e[a]),
      .west_wr_o   (alu_w[a]),
      .empty_read_o(alu_empty[a]),
      .idle_o      (alu_idle[a])
    );
  end

  // Merge: the highest-priority writer of each slot wins; count writers for collisions.
  logic collision;

  always_comb begin
    collision = 1'b0;
    for (int s = 0; s < int'(Streams); s++) begin
      for (int k = 0; k < int'(S); k++) begin
        logic [1:0] ne, nw;  // saturating writer counts
        east_wr_o[s][k] = '0;
        west_wr_o[s][k] = '0;
        ne = '0;
        nw = '0;
        // Lowest priority first, so the last assignment is the winner.
        for (int tr = 2; tr >= 0; tr--) begin
          for (int a = 0; a < int'(A); a++) begin
            if (alu_e[a][tr][s][k].valid) begin
              east_wr_o[s][k] = alu_e[a][tr][s][k];
              ne = (ne == 2'd0) ? 2'd1 : 2'd2;
            end
            if (alu_w[a][tr][s][k].valid) begin
              west_wr_o[s][k] = alu_w[a][tr][s][k];
              nw = (nw == 2'd0) ? 2'd1 : 2'd2;
            end
          end
        end
        if (ne[1] || nw[1]) collision = 1'b1;
      end
    end
  end

  always_comb begin
    err_o = '0;
    err_o[tsp_isa_pkg::ErrEmptyReadBit]       = |alu_empty;
    err_o[tsp_isa_pkg::ErrStreamCollisionBit] = collision;
  end

  assign idle_o = &alu_idle;

endmodule
