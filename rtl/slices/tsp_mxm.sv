// MXM slice (one per hemisphere): LW, IW, ABC exactly as ModelAccess::TileStep (unit kMxm) of
// host/src/ref/model.cc, with the latencies of tsp_isa_pkg.
//
// Superlane (tile) k sees the instruction dispatched at t during cycle t + k and owns weight
// columns 16k .. 16k+15 of the 16 x VL int8 weight buffer and active array (flops, cleared by
// reset like Model::Start()).
//   LW a, #row : buffer[row mod 16][16k .. 16k+15] = stream a (row = imm: the ICU has applied
//                the REPEAT stride).
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
  input  tsp_pkg::streams_t east_i,
  input  tsp_pkg::streams_t west_i,
  output tsp_pkg::writes_t  east_wr_o,
  output tsp_pkg::writes_t  west_wr_o,
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

  // One tile's input slots [dir][stream], each a tsp_pkg::slot_t. Yosys 0.55 silently drops the
  // dimensions of packed arrays of structs, so arrays of slots are plain logic here and only
  // scalar slot_t variables use member access. It also needs typedefs for multi-dimensional
  // packed arrays declared inside generate blocks.
  typedef logic [1:0][NS-1:0][tsp_pkg::WordBits:0] tslots_t;
  typedef logic [63:0] instr_t;
  typedef logic [4:0]  field5_t;
  typedef logic [Rows-1:0][31:0] psum_t;    // one tile's 16 row sums

  // Slot of stream (sf + b) of one tile; invalid (and zero) for a stream beyond the geometry.
  function automatic tsp_pkg::slot_t pick(tslots_t t, logic [4:0] sf, logic [1:0] b);
    logic [4:0]     idx;
    tsp_pkg::slot_t r;
    r   = '0;
    idx = {1'b0, sf[3:0]} + {3'b0, b};
    for (int unsigned s = 0; s < NS; s++) begin
      if (idx == 5'(s)) r = t[sf[4]][s];
    end
    if (!r.valid) r.data = '0;
    pick = r;
  endfunction

  // ---------------- Dispatch delay chain: tile k sees the instruction at t + k ----------------
  logic [S-1:0]       dvld;
  logic [S-1:0][63:0] dins;
  assign dvld[0] = disp_i.valid;
  assign dins[0] = disp_i.instr;

  if (S > 1) begin : g_dchain
    logic [S-2:0]   vld_q;
    instr_t [S-2:0] ins_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) vld_q <= '0;
      else         vld_q <= dvld[S-2:0];
    end
    always_ff @(posedge clk_i) ins_q <= dins[S-2:0];
    assign dvld[S-1:1] = vld_q;
    assign dins[S-1:1] = ins_q;
  end

  // ---------------- Per-tile decode and operand reads ----------------
  // (Plain multi-dimensional logic, not arrays of typedef'd arrays: Yosys 0.55 mis-indexes those.)
  logic [S-1:0][1:0][NS-1:0][tsp_pkg::WordBits:0] tin;
  for (genvar k = 0; k < S; k++) begin : g_tin
    for (genvar s = 0; s < NS; s++) begin : g_s
      assign tin[k][0][s] = east_i[s][k];
      assign tin[k][1][s] = west_i[s][k];
    end
  end

  logic [S-1:0] is_lw, is_iw, is_abc, use_acc, err_k;
  logic [S-1:0][Lanes*8-1:0]     rd_x;    // stream a
  logic [S-1:0][Lanes-1:0][31:0] rd_acc;  // int32 group b (.acc)

  for (genvar k = 0; k < S; k++) begin : g_rd
    tsp_pkg::slot_t sa;
    logic [3:0]     sb_empty;
    assign is_lw[k]   = dvld[k] && tsp_pkg::f_opcode(dins[k]) == tsp_isa_pkg::OpLw;
    assign is_iw[k]   = dvld[k] && tsp_pkg::f_opcode(dins[k]) == tsp_isa_pkg::OpIw;
    assign is_abc[k]  = dvld[k] && tsp_pkg::f_opcode(dins[k]) == tsp_isa_pkg::OpAbc;
    assign use_acc[k] = is_abc[k] && dins[k][tsp_isa_pkg::FVopAccLsb];
    assign sa         = pick(tin[k], tsp_pkg::f_a(dins[k]), 2'd0);
    assign rd_x[k]    = sa.data;
    for (genvar b = 0; b < 4; b++) begin : g_b
      tsp_pkg::slot_t sb;
      assign sb          = pick(tin[k], tsp_pkg::f_b(dins[k]), 2'(b));
      assign sb_empty[b] = !sb.valid;
      for (genvar l = 0; l < Lanes; l++) begin : g_l
        assign rd_acc[k][l][8*b +: 8] = sb.data[8*l +: 8];
      end
    end
    assign err_k[k] = ((is_lw[k] || is_abc[k]) && !sa.valid) || (use_acc[k] && (|sb_empty));
  end

  // ---------------- Weights ----------------
  // buf_q[r][k] / act_q[r][k]: weights W[r][16k .. 16k+15] (byte j = column 16k+j).
  logic [Rows-1:0][S-1:0][Lanes*8-1:0] buf_q, act_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      buf_q <= '0;
      act_q <= '0;
    end else begin
      for (int unsigned k = 0; k < S; k++) begin
        for (int unsigned r = 0; r < Rows; r++) begin
          if (is_lw[k] && dins[k][tsp_isa_pkg::FVopImmLsb +: 4] == 4'(r)) buf_q[r][k] <= rd_x[k];
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
    for (int unsigned k = 0; k < S; k++) acc1_q[k] <= use_acc[k] ? rd_acc[k] : '0;
    acc2_q <= acc1_q;
    d2_q   <= dot;
    p3_q   <= psum[S-2:0];
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned r = 0; r < Rows; r++) o3_q[k][r] <= psum[k][r] + acc2_q[k][r];
    end
  end

  for (genvar k = 0; k < S; k++) begin : g_tile
    for (genvar r = 0; r < Rows; r++) begin : g_row
      // 16 products of 9-bit signed operands (unsigned bytes are zero-extended): 18 bits each,
      // their sum fits 22 bits.
      logic signed [8:0]  wv, xv;
      logic signed [17:0] pr;
      logic signed [21:0] sum;
      always_comb begin
        sum = '0;
        for (int unsigned j = 0; j < Lanes; j++) begin
          wv  = {wsg1_q[k] & act_q[r][k][8*j+7], act_q[r][k][8*j +: 8]};
          xv  = {asg1_q[k] & x1_q[k][8*j+7], x1_q[k][8*j +: 8]};
          pr  = wv * xv;
          sum = sum + 22'(pr);
        end
        dot[k][r] = 32'(sum);
      end
      // Partial sums flow from tile k-1, registered one cycle earlier.
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
    typedef logic [S-1:0] vec_s_t;
    typedef field5_t [S-1:0] dst_s_t;
    typedef psum_t [S-1:0] val_s_t;
    vec_s_t [Extra-1:0] v_q;
    dst_s_t [Extra-1:0] dst_q;
    val_s_t [Extra-1:0] val_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        v_q   <= '0;
        dst_q <= '0;
      end else begin
        v_q[0]   <= v3_q;
        dst_q[0] <= dst3_q;
        for (int unsigned i = 1; i < Extra; i++) begin
          v_q[i]   <= v_q[i-1];
          dst_q[i] <= dst_q[i-1];
        end
      end
    end
    always_ff @(posedge clk_i) begin
      val_q[0] <= o3_q;
      for (int unsigned i = 1; i < Extra; i++) val_q[i] <= val_q[i-1];
    end
    assign ov   = v_q[Extra-1];
    assign odst = dst_q[Extra-1];
    assign oval = val_q[Extra-1];
  end

  // int32 result on streams dst .. dst+3 (byte b of lane r on stream dst+b).
  tsp_pkg::slot_t m_ws;
  always_comb begin
    east_wr_o = '0;
    west_wr_o = '0;
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned s = 0; s < NS; s++) begin
        m_ws = '0;
        for (int unsigned b = 0; b < 4; b++) begin
          if (ov[k] && {1'b0, odst[k][3:0]} + 5'(b) == 5'(s)) begin
            m_ws.valid = 1'b1;
            for (int unsigned l = 0; l < Lanes; l++) m_ws.data[8*l +: 8] = oval[k][l][8*b +: 8];
          end
        end
        if (odst[k][4]) west_wr_o[s][k] = m_ws;
        else            east_wr_o[s][k] = m_ws;
      end
    end
  end

  // ---------------- Errors and idle ----------------
  always_comb begin
    err_o = '0;
    err_o[tsp_isa_pkg::ErrEmptyReadBit] = |err_k;
    // Only ABC writes streams, at most once per tile per cycle: no collisions here.
  end

  assign idle_o = !(|dvld || |v1_q || |v2_q || |v3_q || |ov);

  `ASSERT_INIT(MxmParams_A, LatAbc >= Stages && Rows == Lanes && S >= 2 &&
                            S <= tsp_isa_pkg::MaxSuperlanes)
endmodule
