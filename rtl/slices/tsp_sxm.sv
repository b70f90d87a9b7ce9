// SXM slice (one per hemisphere): SHUP, SHDN, PERM, DIST, TRANS, RSUM, RMAX exactly as
// ModelAccess::TileStep (unit kSxm) of host/src/ref/model.cc, with the latencies of tsp_isa_pkg.
//
// Superlane k sees the instruction dispatched at t during cycle t + k (dispatch delay chain) and
// reads its operand group there (stream field bit 4 = direction: 0 east_i, 1 west_i; a group of
// width w = 1/2/4 by dtype uses streams s .. s+w-1, lane l of a stream = data[8l +: 8], byte b of
// an element comes from stream s+b). Data of an invalid slot read as zero (as in the model) and
// raise EmptyRead.
//
//   DIST        per superlane: r[l] = map[l].7 ? 0 : a[map[l] & 15]; write at t + k + LatDist.
//   SHUP/SHDN/  cross-superlane: the operand vector is collected (skew registers deliver every
//   PERM        superlane's operands at t + S - 1), the whole result is computed then (one VL x VL
//               crossbar for all three: out[l] = zero ? 0 : in[src(l)]) and superlane k's part is
//               delayed to t + k + LatShup.
//   RSUM/RMAX   same collection, then the pairwise tree of tsp_sxm_red; the scalar is broadcast to
//               every lane of superlane k at t + k + LatRsum.
//   TRANS       tsp_sxm_trans per superlane (rows at t+k+i, columns at t+k+LatTrans+j).
//
// Writes of different pipelines to one stream register of one superlane in one cycle raise
// StreamCollision; the value is the one the model keeps (the write scheduled last: the smallest
// distance between scheduling and write cycle, a non-TRANS write on a tie).
// Instructions dispatched within a unit's occupancy (UnitBusy) are not modelled exactly.
`include "tsp_assert.svh"

module tsp_sxm (
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
  localparam int unsigned S       = tsp_pkg::NumSuperlanes;
  localparam int unsigned Lanes   = tsp_pkg::Lanes;
  localparam int unsigned VL      = tsp_pkg::VL;
  localparam int unsigned NS      = tsp_pkg::StreamsPerDir;
  localparam int unsigned IdxW    = $clog2(VL);
  localparam int unsigned LatDist = tsp_isa_pkg::LatDist;
  localparam int unsigned LatXl   = tsp_isa_pkg::LatShup;
  localparam int unsigned LatRed  = tsp_isa_pkg::LatRsum;
  localparam int unsigned LatTr   = tsp_isa_pkg::LatTrans;
  localparam int unsigned NPipe   = 4;  // write sources: DIST, SHUP/SHDN/PERM, RSUM/RMAX, TRANS
  localparam int unsigned PDist = 0, PXl = 1, PRed = 2, PTr = 3;

  typedef logic [Lanes-1:0][31:0] tword_t;  // one superlane: 16 lanes of up to 32 bits
  typedef logic [Lanes-1:0][7:0]  tbyte_t;  // one superlane: 16 lanes of one byte
  // One superlane's input slots [dir][stream], each a tsp_pkg::slot_t. Yosys 0.55 silently drops
  // the dimensions of packed arrays of structs, so arrays of slots are plain logic here and only
  // scalar slot_t variables use member access. It also needs typedefs for multi-dimensional
  // packed arrays declared inside generate blocks.
  typedef logic [1:0][NS-1:0][tsp_pkg::WordBits:0] tslots_t;
  typedef logic [63:0] instr_t;
  typedef logic [4:0]  field5_t;
  typedef logic [2:0]  width_t;

  // ---------------- Helpers ----------------
  function automatic logic [2:0] dt_width(logic [1:0] dt);
    unique case (dt)
      2'd0:    dt_width = 3'd1;
      2'd1:    dt_width = 3'd2;
      default: dt_width = 3'd4;
    endcase
  endfunction

  // Slot of stream (sf + b) of one superlane; invalid (and zero) for a stream beyond the geometry.
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

  // Group of w streams starting at sf: {any slot empty, lane-major 32-bit elements (bytes >= w
  // zero)}.
  function automatic logic [Lanes*32:0] grp_read(tslots_t t, logic [4:0] sf, logic [2:0] w);
    tsp_pkg::slot_t sl;
    tword_t         r;
    logic           e;
    r = '0;
    e = 1'b0;
    for (int unsigned b = 0; b < 4; b++) begin
      if (3'(b) < w) begin
        sl = pick(t, sf, 2'(b));
        if (!sl.valid) e = 1'b1;
        for (int unsigned l = 0; l < Lanes; l++) r[l][8*b +: 8] = sl.data[8*l +: 8];
      end
    end
    grp_read = {e, r};
  endfunction

  function automatic logic is_xl_op(logic [7:0] op);
    is_xl_op = op == tsp_isa_pkg::OpShup || op == tsp_isa_pkg::OpShdn || op == tsp_isa_pkg::OpPerm;
  endfunction
  function automatic logic is_red_op(logic [7:0] op);
    is_red_op = op == tsp_isa_pkg::OpRsum || op == tsp_isa_pkg::OpRmax;
  endfunction

  // ---------------- Dispatch delay chain: superlane k sees the instruction at t + k ----------------
  logic [S-1:0]       dvld;
  logic [S-1:0][63:0] dins;
  assign dvld[0] = disp_i.valid;
  assign dins[0] = disp_i.instr;

  if (S > 1) begin : g_dchain
    logic [S-2:0]       vld_q;
    instr_t [S-2:0]     ins_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) vld_q <= '0;
      else         vld_q <= dvld[S-2:0];
    end
    always_ff @(posedge clk_i) ins_q <= dins[S-2:0];
    assign dvld[S-1:1] = vld_q;
    assign dins[S-1:1] = ins_q;
  end

  // ---------------- Per-superlane decode and operand reads ----------------
  // (Plain multi-dimensional logic, not arrays of typedef'd arrays: Yosys 0.55 mis-indexes those.)
  logic [S-1:0][1:0][NS-1:0][tsp_pkg::WordBits:0] tin;
  logic [S-1:0][7:0]  op;
  logic [S-1:0][2:0]  wdt;
  logic [S-1:0]       is_dist, is_xl, is_red, is_tr, is_perm;
  logic [S-1:0]       en_a, en_b, err_a, err_b;
  logic [S-1:0][4:0]  sf_a;
  logic [S-1:0][2:0]  w_a;
  logic [S-1:0][Lanes-1:0][31:0] rd_a;
  logic [S-1:0][Lanes-1:0][7:0]  rd_b;
  // TRANS row requests.
  logic [S-1:0]       tr_row_en;
  logic [S-1:0][4:0]  tr_row_sf;
  logic [S-1:0][2:0]  tr_row_w;

  for (genvar k = 0; k < S; k++) begin : g_tin
    for (genvar s = 0; s < NS; s++) begin : g_s
      assign tin[k][0][s] = east_i[s][k];
      assign tin[k][1][s] = west_i[s][k];
    end
  end

  for (genvar k = 0; k < S; k++) begin : g_rd
    tsp_pkg::slot_t map_slot;
    assign op[k]      = tsp_pkg::f_opcode(dins[k]);
    assign wdt[k]     = dt_width(tsp_pkg::f_dtype(dins[k]));
    assign is_dist[k] = dvld[k] && op[k] == tsp_isa_pkg::OpDist;
    assign is_xl[k]   = dvld[k] && is_xl_op(op[k]);
    assign is_perm[k] = dvld[k] && op[k] == tsp_isa_pkg::OpPerm;
    assign is_red[k]  = dvld[k] && is_red_op(op[k]);
    assign is_tr[k]   = dvld[k] && op[k] == tsp_isa_pkg::OpTrans;

    // One group reader per superlane: the instruction of this cycle, or a TRANS collecting rows.
    always_comb begin
      en_a[k] = is_dist[k] || is_xl[k] || is_red[k] || tr_row_en[k];
      if (is_dist[k] || is_xl[k] || is_red[k]) begin
        sf_a[k] = tsp_pkg::f_a(dins[k]);
        w_a[k]  = wdt[k];
      end else begin
        sf_a[k] = tr_row_sf[k];
        w_a[k]  = tr_row_w[k];
      end
      en_b[k] = is_dist[k] || is_perm[k];
    end
    logic grp_e;
    assign {grp_e, rd_a[k]} = grp_read(tin[k], sf_a[k], w_a[k]);
    assign err_a[k] = en_a[k] && grp_e;
    assign map_slot = pick(tin[k], tsp_pkg::f_b(dins[k]), 2'd0);
    assign rd_b[k]  = map_slot.data;
    assign err_b[k] = en_b[k] && !map_slot.valid;
  end

  // ---------------- Write sources [pipe][superlane] ----------------
  logic   [NPipe-1:0][S-1:0]      pv;
  logic   [NPipe-1:0][S-1:0][4:0] pdst;
  logic   [NPipe-1:0][S-1:0][2:0] pw;
  logic   [NPipe-1:0][S-1:0][7:0] pscore;  // write cycle - cycle the model schedules the write
  logic   [NPipe-1:0][S-1:0][Lanes-1:0][31:0] pdata;

  logic [S-1:0] dist_busy, xl_busy;

  // ---------------- DIST ----------------
  for (genvar k = 0; k < S; k++) begin : g_dist
    tword_t                         r;
    logic [LatDist-1:0]    vld_q;
    field5_t [LatDist-1:0] dst_q;
    width_t [LatDist-1:0]  w_q;
    tword_t [LatDist-1:0]  data_q;

    always_comb begin
      for (int unsigned l = 0; l < Lanes; l++) begin
        r[l] = rd_b[k][l][7] ? 32'h0 : rd_a[k][rd_b[k][l][3:0]];
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        vld_q <= '0;
        dst_q <= '0;
        w_q   <= '0;
      end else begin
        vld_q[0] <= is_dist[k];
        dst_q[0] <= tsp_pkg::f_dst(dins[k]);
        w_q[0]   <= wdt[k];
        for (int unsigned i = 1; i < LatDist; i++) begin
          vld_q[i] <= vld_q[i-1];
          dst_q[i] <= dst_q[i-1];
          w_q[i]   <= w_q[i-1];
        end
      end
    end
    always_ff @(posedge clk_i) begin
      data_q[0] <= r;
      for (int unsigned i = 1; i < LatDist; i++) data_q[i] <= data_q[i-1];
    end

    assign pv[PDist][k]     = vld_q[LatDist-1];
    assign pdst[PDist][k]   = dst_q[LatDist-1];
    assign pw[PDist][k]     = w_q[LatDist-1];
    assign pdata[PDist][k]  = data_q[LatDist-1];
    assign pscore[PDist][k] = 8'(LatDist);
    assign dist_busy[k]     = |vld_q;
  end

  // ---------------- Cross-superlane collection (skew to t + S - 1) ----------------
  logic [S-1:0][Lanes-1:0][31:0] vec_a;
  logic [S-1:0][Lanes-1:0][7:0]  vec_m;
  for (genvar k = 0; k < S - 1; k++) begin : g_skew
    localparam int unsigned D = S - 1 - k;
    tword_t [D-1:0] a_q;
    tbyte_t [D-1:0] m_q;
    always_ff @(posedge clk_i) begin
      a_q[0] <= rd_a[k];
      m_q[0] <= rd_b[k];
      for (int unsigned i = 1; i < D; i++) begin
        a_q[i] <= a_q[i-1];
        m_q[i] <= m_q[i-1];
      end
    end
    assign vec_a[k] = a_q[D-1];
    assign vec_m[k] = m_q[D-1];
  end
  assign vec_a[S-1] = rd_a[S-1];
  assign vec_m[S-1] = rd_b[S-1];

  logic [VL-1:0][31:0] vin;
  logic [VL-1:0][7:0]  vmap;
  assign vin  = vec_a;
  assign vmap = vec_m;

  // ---------------- SHUP / SHDN / PERM ----------------
  logic [7:0]          xop;
  logic [31:0]         ximm;
  logic                xl_go;
  logic [VL-1:0][31:0] xout;
  assign xop   = op[S-1];
  assign ximm  = tsp_pkg::f_imm(dins[S-1]);
  assign xl_go = is_xl[S-1];

  for (genvar l = 0; l < VL; l++) begin : g_xbar
    logic            zero;
    logic [IdxW-1:0] src;
    logic [32:0]     up_sum;
    assign up_sum = 33'(l) + {1'b0, ximm};
    always_comb begin
      unique case (xop)
        tsp_isa_pkg::OpShup: begin
          zero = ximm > 32'(l);
          src  = IdxW'(32'(l) - ximm);
        end
        tsp_isa_pkg::OpShdn: begin
          zero = up_sum >= 33'(VL);
          src  = IdxW'(up_sum);
        end
        default: begin  // PERM
          zero = vmap[l] == 8'hFF;
          src  = IdxW'(vmap[l] % 8'(VL));
        end
      endcase
      xout[l] = zero ? 32'h0 : vin[src];
    end
  end

  for (genvar k = 0; k < S; k++) begin : g_xl_out
    localparam int unsigned D = k + LatXl - S + 1;
    logic [D-1:0]    vld_q;
    field5_t [D-1:0] dst_q;
    width_t [D-1:0]  w_q;
    tword_t [D-1:0]  data_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        vld_q <= '0;
        dst_q <= '0;
        w_q   <= '0;
      end else begin
        vld_q[0] <= xl_go;
        dst_q[0] <= tsp_pkg::f_dst(dins[S-1]);
        w_q[0]   <= wdt[S-1];
        for (int unsigned i = 1; i < D; i++) begin
          vld_q[i] <= vld_q[i-1];
          dst_q[i] <= dst_q[i-1];
          w_q[i]   <= w_q[i-1];
        end
      end
    end
    always_ff @(posedge clk_i) begin
      data_q[0] <= xout[k*Lanes +: Lanes];
      for (int unsigned i = 1; i < D; i++) data_q[i] <= data_q[i-1];
    end
    assign pv[PXl][k]     = vld_q[D-1];
    assign pdst[PXl][k]   = dst_q[D-1];
    assign pw[PXl][k]     = w_q[D-1];
    assign pdata[PXl][k]  = data_q[D-1];
    assign pscore[PXl][k] = 8'(D);
    assign xl_busy[k]     = |vld_q;
  end

  // ---------------- RSUM / RMAX ----------------
  logic [S-1:0]       red_vld;
  logic [S-1:0][4:0]  red_dst;
  logic [S-1:0][2:0]  red_w;
  logic [S-1:0][31:0] red_val;
  logic               red_busy;

  tsp_sxm_red u_red (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .load_i  (is_red[S-1]),
    .is_max_i(op[S-1] == tsp_isa_pkg::OpRmax),
    .is_f_i  (tsp_pkg::f_dtype(dins[S-1]) == tsp_isa_pkg::DtF32),
    .dst_i   (tsp_pkg::f_dst(dins[S-1])),
    .w_i     (wdt[S-1]),
    .vec_i   (vin),
    .vld_o   (red_vld),
    .dst_o   (red_dst),
    .w_o     (red_w),
    .val_o   (red_val),
    .busy_o  (red_busy)
  );

  for (genvar k = 0; k < S; k++) begin : g_red_out
    assign pv[PRed][k]     = red_vld[k];
    assign pdst[PRed][k]   = red_dst[k];
    assign pw[PRed][k]     = red_w[k];
    assign pdata[PRed][k]  = {Lanes{red_val[k]}};
    assign pscore[PRed][k] = 8'(k + LatRed - S + 1);
  end

  // ---------------- TRANS ----------------
  logic [S-1:0] tr_busy;
  for (genvar k = 0; k < S; k++) begin : g_tr
    logic [3:0] col_j;
    tsp_sxm_trans u_trans (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .start_i    (is_tr[k]),
      .start_a_i  (tsp_pkg::f_a(dins[k])),
      .start_dst_i(tsp_pkg::f_dst(dins[k])),
      .start_w_i  (wdt[k]),
      .row_en_o   (tr_row_en[k]),
      .row_sf_o   (tr_row_sf[k]),
      .row_w_o    (tr_row_w[k]),
      .row_i      (rd_a[k]),
      .col_vld_o  (pv[PTr][k]),
      .col_dst_o  (pdst[PTr][k]),
      .col_w_o    (pw[PTr][k]),
      .col_j_o    (col_j),
      .col_o      (pdata[PTr][k]),
      .busy_o     (tr_busy[k])
    );
    // Column j is scheduled when the last row is read: LatTrans - 15 + j cycles ahead.
    assign pscore[PTr][k] = 8'(LatTr - (tsp_isa_pkg::TransposeSize - 1)) + {4'b0, col_j};
  end

  // ---------------- Write merge ----------------
  logic           coll;
  tsp_pkg::slot_t m_sl;
  logic           m_found, m_hit;
  logic [7:0]     m_best;
  logic [1:0]     m_hb;
  always_comb begin
    east_wr_o = '0;
    west_wr_o = '0;
    coll      = 1'b0;
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned d = 0; d < 2; d++) begin
        for (int unsigned s = 0; s < NS; s++) begin
          m_sl    = '0;
          m_found = 1'b0;
          m_best  = '0;
          for (int unsigned p = 0; p < NPipe; p++) begin
            m_hit = 1'b0;
            m_hb  = '0;
            for (int unsigned b = 0; b < 4; b++) begin
              if (pv[p][k] && pdst[p][k][4] == d[0] && 3'(b) < pw[p][k] &&
                  {1'b0, pdst[p][k][3:0]} + 5'(b) == 5'(s)) begin
                m_hit = 1'b1;
                m_hb  = 2'(b);
              end
            end
            if (m_hit) begin
              if (m_found) coll = 1'b1;
              // Earlier pipes win ties (the order DIST, XL, RED, TRANS is newest first).
              if (!m_found || pscore[p][k] < m_best) begin
                m_best     = pscore[p][k];
                m_sl.valid = 1'b1;
                for (int unsigned l = 0; l < Lanes; l++) m_sl.data[8*l +: 8] = pdata[p][k][l][8*m_hb +: 8];
              end
              m_found = 1'b1;
            end
          end
          if (d == 0) east_wr_o[s][k] = m_sl;
          else        west_wr_o[s][k] = m_sl;
        end
      end
    end
  end

  // ---------------- Errors and idle ----------------
  always_comb begin
    err_o = '0;
    err_o[tsp_isa_pkg::ErrEmptyReadBit]       = |(err_a | err_b);
    err_o[tsp_isa_pkg::ErrStreamCollisionBit] = coll;
  end

  assign idle_o = !(red_busy || (|tr_busy) || (|dvld) || (|dist_busy) || (|xl_busy));

  `ASSERT_INIT(SxmParams_A, LatXl == tsp_isa_pkg::LatShdn && LatXl == tsp_isa_pkg::LatPerm &&
                            LatXl >= S && LatDist >= 1 && S <= tsp_isa_pkg::MaxSuperlanes)
endmodule
