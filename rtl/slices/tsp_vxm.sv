// The VXM position: tsp_pkg::VxmAlus independent ALUs (one per VXM queue) that read the streams
// arriving at the centre (or, for operands with aloc / bloc, the centre's own stream registers:
// east_own_i / west_own_i = stream_q at the VXM position) and write into the centre's registers.
//
// Slice contract of docs/rtl.md with one dispatch port per ALU. All write requests of all ALUs are
// merged per stream and superlane; two or more in one cycle (also two latency classes of one ALU)
// pulse err_o[ErrStreamCollisionBit], and the data is that of the reference model's last write
// (its stream writes are applied in the order they were scheduled: the shortest latency was
// scheduled last; for equal latency the higher queue). Empty operand reads pulse
// err_o[ErrEmptyReadBit]. The data of a slot whose valid bit is 0 is unspecified. idle_o: nothing read or written by any ALU in this cycle or later.
//
// disp_i[a] has the bit layout of tsp_pkg::disp_t ({valid, instr[63:0]}) but is declared as a
// plain logic array: Yosys 0.55 drops the dimensions of packed arrays of structs. Internally
// every stream slot is a [WordBits:0] vector {valid, data} for the same reason.
module tsp_vxm (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  input  logic [tsp_pkg::VxmAlus-1:0][64:0]       disp_i,   // [a] = tsp_pkg::disp_t of ALU a
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_own_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_own_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_wr_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_wr_o,
  output tsp_pkg::err_t                           err_o,
  output logic                                    idle_o
);

  localparam int unsigned A       = tsp_pkg::VxmAlus;
  localparam int unsigned S       = tsp_pkg::NumSuperlanes;
  localparam int unsigned Streams = tsp_pkg::StreamsPerDir;
  localparam int unsigned VBit    = tsp_pkg::WordBits;

  logic [Streams-1:0][S-1:0][VBit:0]         e_in, w_in, e_own, w_own;
  logic [A-1:0][3:0][Streams-1:0][S-1:0][VBit:0] alu_e, alu_w;
  logic [Streams-1:0][S-1:0][VBit:0]         e_out, w_out;
  logic [A-1:0] alu_empty, alu_idle;

  for (genvar a = 0; a < int'(A); a++) begin : g_alu
    tsp_vxm_alu u_alu (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .disp_i      (disp_i[a]),
      .east_i      (e_in),
      .west_i      (w_in),
      .east_own_i  (e_own),
      .west_own_i  (w_own),
      .east_wr_o   (alu_e[a]),
      .west_wr_o   (alu_w[a]),
      .empty_read_o(alu_empty[a]),
      .idle_o      (alu_idle[a])
    );
  end

  // Copies between the tsp_pkg types and plain vectors (same layout).
  assign e_in      = east_i;
  assign w_in      = west_i;
  assign e_own     = east_own_i;
  assign w_own     = west_own_i;
  assign east_wr_o = e_out;
  assign west_wr_o = w_out;

  // Merge: the highest-priority writer of each slot wins; count writers for collisions.
  logic collision;

  always_comb begin
    collision = 1'b0;
    for (int s = 0; s < int'(Streams); s++) begin
      for (int k = 0; k < int'(S); k++) begin
        logic [1:0] ne, nw;  // saturating writer counts
        // No writer: valid 0, data don't care (taken from the lowest-priority writer).
        e_out[s][k] = alu_e[0][3][s][k];
        w_out[s][k] = alu_w[0][3][s][k];
        ne = '0;
        nw = '0;
        // Lowest priority first, so the last assignment is the winner: tracks by decreasing
        // latency (FEXP, FRECIP / FRSQRT, fp, integer), ALUs in queue order.
        for (int tr = 3; tr >= 0; tr--) begin
          for (int a = 0; a < int'(A); a++) begin
            if (alu_e[a][tr][s][k][VBit]) begin
              e_out[s][k] = alu_e[a][tr][s][k];
              ne = (ne == 2'd0) ? 2'd1 : 2'd2;
            end
            if (alu_w[a][tr][s][k][VBit]) begin
              w_out[s][k] = alu_w[a][tr][s][k];
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
