// MXM slice (one per hemisphere): LW, IW, ABC exactly as ModelAccess::TileStep (unit kMxm) of
// host/src/ref/model.cc, with the latencies of tsp_isa_pkg.
//
// Superlane (tile) k sees the instruction dispatched at t during cycle t + k and owns weight
// columns 16k .. 16k+15 of the 16 x VL int8 weight buffer and active array (flops, cleared by
// reset like Model::Start()).
//   LW.T a, #row : n = 1, 2, 4 rows (T = i8, i16, i32; ISA v2): buffer[(row + i) mod 16]
//                [16k .. 16k+15] = stream a+i, i < n (row = imm: the ICU has applied the REPEAT
//                stride; the group a .. a+n-1 is aligned, so a+i = a | i).
//   IW         : active[*][16k .. 16k+15] = buffer[*][16k .. 16k+15].
//   ABC dst, a : x = stream a; P_k[r] = P_(k-1)[r] + sum_j W[r][16k+j] * x[j] (int32 wrapping,
//                W and x signed or unsigned per .wsigned / .asigned; P_(-1) = 0);
//                lane r of the int32 group dst = P_k[r] (+ group b with .acc) at t + k + LatAbc.
// ABC pipeline of tile k: cycle t+k reads x and the .acc group (s1 registers), t+k+1 forms the
// tile's 16 dot products (s2), t+k+2 adds the partial sums of tile k-1 (registered one cycle
// earlier, exactly the stagger) and the .acc group (s3), t+k+3 writes. IW at t+1 changes the
// active weights only at the end of cycle t+k+1, after s2 has used them, as in the model.
`include "tsp_assert.svh"

module tsp_mxm (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  tsp_pkg::disp_t    disp_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_i,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_wr_o,
  output tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_wr_o,
  output tsp_pkg::err_t     err_o,
  output logic              idle_o
);
  localparam int unsigned S      = tsp_pkg::NumSuperlanes;
  localparam int unsigned Lanes  = tsp_pkg::Lanes;
  localparam int unsigned NS     = tsp_pkg::StreamsPerDir;
  localparam int unsigned Rows   = tsp_isa_pkg::MxmRows;
  localparam int unsigned LatAbc = tsp_isa_pkg::LatAbc;
  localparam int unsigned Stages = 3;  // s1, s2, s3 above
  localparam int unsigned Extra  = LatAbc - Stages;

  localparam int unsigned SW     = tsp_pkg::WordBits + 1;  // one slot: {valid, data}

  // ---------------- Dispatch delay chain: tile k sees the instruction at t + k ----------------
  logic [S-1:0]       dvld;
  logic [S-1:0][63:0] dins;
  logic [S-2:0]       dvld_q;
  logic [S-2:0][63:0] dins_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) dvld_q <= '0;
    else         dvld_q <= dvld[S-2:0];
  end
  always_ff @(posedge clk_i) dins_q <= dins[S-2:0];
  assign dvld = {dvld_q, disp_i.valid};
  assign dins = {dins_q, disp_i.instr};

  // ---------------- Per-tile decode and operand reads ----------------
  logic [S-1:0][1:0][NS-1:0][SW-1:0] tin;     // [tile][dir][stream]
  logic [S-1:0][3:0][SW-1:0]         a_grp;   // streams a .. a+3 (LW rows; zero if beyond NS)
  logic [S-1:0][SW-1:0]              a_slot;  // stream a (ABC activations)
  logic [S-1:0][2:0]                 lw_n;    // LW: rows loaded (1, 2, 4)
  logic [S-1:0][3:0][SW-1:0]         b_slot;  // streams b .. b+3
  logic [S-1:0]                      is_lw, is_iw, is_abc, use_acc, err_k;
  logic [S-1:0][4:0]                 sf_a, sf_b;
  logic [S-1:0][Lanes*8-1:0]         rd_x;    // stream a
  logic [S-1:0][3:0][Lanes*8-1:0]    lw_x;    // LW row i: stream a+i (zero if empty)
  logic [S-1:0][Lanes-1:0][31:0]     rd_acc;  // int32 group b (.acc), zero without .acc

  // The ports are copied whole into plain arrays first: Yosys 0.55 mis-indexes multi-dimensional
  // package typedefs (east_i[s][k] became one bit).
  logic [NS-1:0][S-1:0][SW-1:0] east_l, west_l, east_wr, west_wr;
  assign east_l    = east_i;
  assign west_l    = west_i;
  assign east_wr_o = east_wr;
  assign west_wr_o = west_wr;

  for (genvar k = 0; k < S; k++) begin : g_tin
    for (genvar s = 0; s < NS; s++) begin : g_s
      assign tin[k][0][s] = east_l[s][k];
      assign tin[k][1][s] = west_l[s][k];
    end
  end

  always_comb begin
    for (int unsigned k = 0; k < S; k++) begin
      is_lw[k]   = dvld[k] && tsp_pkg::f_opcode(dins[k]) == tsp_isa_pkg::OpLw;
      is_iw[k]   = dvld[k] && tsp_pkg::f_opcode(dins[k]) == tsp_isa_pkg::OpIw;
      is_abc[k]  = dvld[k] && tsp_pkg::f_opcode(dins[k]) == tsp_isa_pkg::OpAbc;
      use_acc[k] = is_abc[k] && dins[k][tsp_isa_pkg::FVopAccLsb];
      sf_a[k]    = tsp_pkg::f_a(dins[k]);
      sf_b[k]    = tsp_pkg::f_b(dins[k]);
      unique case (tsp_pkg::f_dtype(dins[k]))
        2'd0:    lw_n[k] = 3'd1;
        2'd1:    lw_n[k] = 3'd2;
        default: lw_n[k] = 3'd4;
      endcase
    end
  end

  // Element i of the aligned groups (tsp_pkg::group_stream): the LW rows a (elements i >= w are
  // masked below) and the int32 .acc group b (w = 4, so element i is stream {b[3:2], i}).
  always_comb begin
    a_grp  = '0;
    b_slot = '0;
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned i = 0; i < 4; i++) begin
        a_grp[k][i]  = tsp_pkg::sreg_pick(tin[k][0], tin[k][1], sf_a[k], i);
        b_slot[k][i] = tsp_pkg::sreg_pick(tin[k][0], tin[k][1],
                                          {sf_b[k][4], sf_b[k][3:2], 2'(i)}, 0);
      end
    end
  end

  always_comb begin
    for (int unsigned k = 0; k < S; k++) begin
      a_slot[k] = a_grp[k][0];
      rd_x[k]   = a_slot[k][SW-1] ? a_slot[k][SW-2:0] : '0;
      err_k[k]  = is_abc[k] && !a_slot[k][SW-1];
      for (int unsigned i = 0; i < 4; i++) begin
        lw_x[k][i] = a_grp[k][i][SW-1] ? a_grp[k][i][SW-2:0] : '0;
        if (is_lw[k] && (3'(i) < lw_n[k]) && !a_grp[k][i][SW-1]) err_k[k] = 1'b1;
      end
      for (int unsigned b = 0; b < 4; b++) begin
        if (use_acc[k] && !b_slot[k][b][SW-1]) err_k[k] = 1'b1;
        for (int unsigned l = 0; l < Lanes; l++) begin
          rd_acc[k][l][8*b +: 8] = (use_acc[k] && b_slot[k][b][SW-1]) ? b_slot[k][b][8*l +: 8] : 8'h0;
        end
      end
    end
  end

  // ---------------- Weights ----------------
  // buf_q[r][k] / act_q[r][k]: weights W[r][16k .. 16k+15] (byte j = column 16k+j).
  logic [Rows-1:0][S-1:0][Lanes*8-1:0] buf_q, act_q;

  // Row r takes stream a+i, i = (r - row) mod 16, when i < n: one enable and a 2-bit select per
  // row and tile, so each buffer bit is a 4:1 select behind its clock enable (a search over i with
  // four compares per row cost two LUTs per bit; issue 10).
  logic [S-1:0][Rows-1:0]              lw_en;
  logic [Rows-1:0][S-1:0][Lanes*8-1:0] lw_row;  // what row r of tile k takes
  logic [3:0]                          lw_d;
  always_comb begin
    lw_d = '0;
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned r = 0; r < Rows; r++) begin
        lw_d        = 4'(r) - dins[k][tsp_isa_pkg::FVopImmLsb +: 4];
        lw_en[k][r] = is_lw[k] && lw_d[3:2] == 2'd0 && 3'(lw_d[1:0]) < lw_n[k];
        unique case (lw_d[1:0])
          2'd0:    lw_row[r][k] = lw_x[k][0];
          2'd1:    lw_row[r][k] = lw_x[k][1];
          2'd2:    lw_row[r][k] = lw_x[k][2];
          default: lw_row[r][k] = lw_x[k][3];
        endcase
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      buf_q <= '0;
      act_q <= '0;
    end else begin
      for (int unsigned k = 0; k < S; k++) begin
        for (int unsigned r = 0; r < Rows; r++) begin
          if (lw_en[k][r]) buf_q[r][k] <= lw_row[r][k];
          if (is_iw[k]) act_q[r][k] <= buf_q[r][k];
        end
      end
    end
  end

  // ---------------- ABC pipeline ----------------
  logic [S-1:0]       v1_q, v2_q, v3_q, asg1_q, wsg1_q;
  logic [S-1:0][4:0]  dst1_q, dst2_q, dst3_q;
  logic [S-1:0][Lanes*8-1:0]     x1_q;
  logic [S-1:0][Lanes-1:0][31:0] acc1_q, acc2_q;
  logic [S-1:0][Rows-1:0][31:0]  dot, d2_q, psum, o3_q;
  logic [S-2:0][Rows-1:0][31:0]  p3_q;  // partial sums passed on to the next tile

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v1_q   <= '0;
      v2_q   <= '0;
      v3_q   <= '0;
      asg1_q <= '0;
      wsg1_q <= '0;
      dst1_q <= '0;
      dst2_q <= '0;
      dst3_q <= '0;
    end else begin
      v1_q   <= is_abc;
      v2_q   <= v1_q;
      v3_q   <= v2_q;
      dst2_q <= dst1_q;
      dst3_q <= dst2_q;
      for (int unsigned k = 0; k < S; k++) begin
        asg1_q[k] <= dins[k][tsp_isa_pkg::FVopAsignedLsb];
        wsg1_q[k] <= dins[k][tsp_isa_pkg::FVopWsignedLsb];
        dst1_q[k] <= tsp_pkg::f_dst(dins[k]);
      end
    end
  end

  // Payload registers (no reset). The .acc group is zero without .acc.
  always_ff @(posedge clk_i) begin
    x1_q   <= rd_x;
    acc1_q <= rd_acc;
    acc2_q <= acc1_q;
    d2_q   <= dot;
    p3_q   <= psum[S-2:0];
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned r = 0; r < Rows; r++) o3_q[k][r] <= psum[k][r] + acc2_q[k][r];
    end
  end

  // The tile's 16 dot products (tsp_mxm_dot) on the active weights of its 16 columns.
  logic [S-1:0][Rows-1:0][Lanes*8-1:0] w_tile;  // w_tile[k][r] = act_q[r][k]
  for (genvar k = 0; k < S; k++) begin : g_tile
    for (genvar r = 0; r < Rows; r++) begin : g_w
      assign w_tile[k][r] = act_q[r][k];
    end

    tsp_mxm_dot u_dot (
      .w_i       (w_tile[k]),
      .x_i       (x1_q[k]),
      .w_signed_i(wsg1_q[k]),
      .x_signed_i(asg1_q[k]),
      .dot_o     (dot[k])
    );

    // Partial sums flow from tile k-1, registered one cycle earlier.
    for (genvar r = 0; r < Rows; r++) begin : g_row
      if (k == 0) begin : g_first
        assign psum[k][r] = d2_q[k][r];
      end else begin : g_next
        assign psum[k][r] = p3_q[k-1][r] + d2_q[k][r];
      end
    end
  end

  // ---------------- Output (LatAbc - 3 extra cycles, none with the current tables) ----------------
  logic [S-1:0]      ov;
  logic [S-1:0][4:0] odst;
  logic [S-1:0][Rows-1:0][31:0] oval;

  if (Extra == 0) begin : g_no_extra
    assign ov   = v3_q;
    assign odst = dst3_q;
    assign oval = o3_q;
  end else begin : g_extra
    localparam int unsigned VW = S * Rows * 32;
    logic [Extra*S-1:0]   v_q;
    logic [Extra*S*5-1:0] dst_q;
    logic [Extra*VW-1:0]  val_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        v_q   <= '0;
        dst_q <= '0;
      end else begin
        v_q[0 +: S]     <= v3_q;
        dst_q[0 +: S*5] <= dst3_q;
        for (int unsigned i = 1; i < Extra; i++) begin
          v_q[i*S +: S]       <= v_q[(i-1)*S +: S];
          dst_q[i*S*5 +: S*5] <= dst_q[(i-1)*S*5 +: S*5];
        end
      end
    end
    always_ff @(posedge clk_i) begin
      val_q[0 +: VW] <= o3_q;
      for (int unsigned i = 1; i < Extra; i++) val_q[i*VW +: VW] <= val_q[(i-1)*VW +: VW];
    end
    assign ov   = v_q[(Extra-1)*S +: S];
    assign odst = dst_q[(Extra-1)*S*5 +: S*5];
    assign oval = val_q[(Extra-1)*VW +: VW];
  end

  // int32 result on the aligned group dst .. dst+3: stream s is byte s mod 4 of every lane, valid
  // when s & ~3 == dst (no select: the data of an invalid request is ignored by the fabric).
  logic [SW-1:0] m_ws;  // {valid, data}
  always_comb begin
    m_ws = '0;
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned s = 0; s < NS; s++) begin
        for (int unsigned l = 0; l < Lanes; l++) m_ws[8*l +: 8] = oval[k][l][8*(s % 4) +: 8];
        m_ws[SW-1]    = ov[k] && !odst[k][4] && (4'(s) & 4'b1100) == odst[k][3:0];
        east_wr[s][k] = m_ws;
        m_ws[SW-1]    = ov[k] && odst[k][4] && (4'(s) & 4'b1100) == odst[k][3:0];
        west_wr[s][k] = m_ws;
      end
    end
  end

  // ---------------- Errors and idle ----------------
  logic [tsp_isa_pkg::NumErrorBits-1:0] err;
  always_comb begin
    err = '0;
    err[tsp_isa_pkg::ErrEmptyReadBit] = |err_k;
    // Only ABC writes streams, at most once per tile per cycle: no collisions here.
  end
  assign err_o = err;

  assign idle_o = !(|dvld || |v1_q || |v2_q || |v3_q || |ov);

  `ASSERT_INIT(MxmParams_A, LatAbc >= Stages && Rows == Lanes && S >= 2 &&
                            S <= tsp_isa_pkg::MaxSuperlanes)
endmodule
