// The VXM position: tsp_pkg::VxmAlus independent ALUs (one per VXM queue) that read the streams
// arriving at the centre (or, for operands with aloc / bloc, the centre's own stream registers:
// east_own_i / west_own_i = stream_q at the VXM position) and write into the centre's registers.
//
// Slice contract of docs/rtl.md with one dispatch port per ALU. Every ALU writes on four tracks
// (one per latency); the tracks of all ALUs are the write ports of tsp_stream_regs_vxm (port
// 4a + tr = track tr of ALU a, its data steered by stream position), and this module picks per
// stream register and superlane which port writes it: two or more in one cycle (also two latency
// classes of one ALU) pulse err_o[ErrStreamCollisionBit], and the port is that of the reference
// model's last write (its stream writes are applied in the order they were scheduled: the shortest
// latency was scheduled last; for equal latency the higher queue). Empty operand reads pulse
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
  output logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]  wr_hit_o,
  output logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][$clog2(4*tsp_pkg::VxmAlus)-1:0] wr_sel_o,
  output logic [4*tsp_pkg::VxmAlus-1:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0] wr_data_o,
  output tsp_pkg::err_t                           err_o,
  output logic                                    idle_o
);

  localparam int unsigned A       = tsp_pkg::VxmAlus;
  localparam int unsigned S       = tsp_pkg::NumSuperlanes;
  localparam int unsigned Streams = tsp_pkg::StreamsPerDir;
  localparam int unsigned VBit    = tsp_pkg::WordBits;

  localparam int unsigned SelW    = $clog2(4 * A);

  logic [Streams-1:0][S-1:0][VBit:0]            e_in, w_in, e_own, w_own;
  logic [A-1:0][3:0][S-1:0]                     alu_v;
  logic [A-1:0][3:0][S-1:0][4:0]                alu_dst;
  logic [A-1:0][3:0][S-1:0][2:0]                alu_w;
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
      .wr_vld_o    (alu_v[a]),
      .wr_dst_o    (alu_dst[a]),
      .wr_w_o      (alu_w[a]),
      .wr_data_o   (wr_data_o[4*a +: 4]),
      .empty_read_o(alu_empty[a]),
      .idle_o      (alu_idle[a])
    );
  end

  assign e_in  = east_i;
  assign w_in  = west_i;
  assign e_own = east_own_i;
  assign w_own = west_own_i;

  // Which port writes stream register (k, d, s): the model's last write, i.e. the first in the
  // order track 0 .. 3 (shortest latency first), higher ALU first within a track; a second writer
  // is a collision.
  logic collision;

  always_comb begin
    collision = 1'b0;
    for (int k = 0; k < int'(S); k++) begin
      for (int d = 0; d < 2; d++) begin
        for (int s = 0; s < int'(Streams); s++) begin
          logic       hit;
          logic [1:0] n;  // saturating writer count
          logic [3:0] wmask;
          hit = 1'b0;
          n   = '0;
          wr_sel_o[k][d][s] = '0;
          for (int tr = 3; tr >= 0; tr--) begin
            for (int a = 0; a < int'(A); a++) begin
              wmask = 4'(alu_w[a][tr][k] - 3'd1);
              hit   = alu_v[a][tr][k] && alu_dst[a][tr][k][4] == d[0] &&
                      (4'(s) & ~wmask) == alu_dst[a][tr][k][3:0];
              if (hit) begin
                wr_sel_o[k][d][s] = SelW'(4 * a + tr);
                n = (n == 2'd0) ? 2'd1 : 2'd2;
              end
            end
          end
          wr_hit_o[k][d][s] = n != 2'd0;
          if (n[1]) collision = 1'b1;
        end
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
