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
//   PERM        superlane's operands at t + S - 1) and held; one crossbar of 16 outputs
//               (out[l] = zero ? 0 : in[src(l)]) computes superlane k's part in t + S + k, which
//               is delayed to t + k + LatShup (occupancy >= S: ISA version 6).
//   RSUM/RMAX   same collection, then the pairwise tree of tsp_sxm_red; the scalar is broadcast to
//               every lane of superlane k at t + k + LatRsum.
//   TRANS       tsp_sxm_trans per superlane (rows at t+k+i, columns at t+k+LatTrans+j).
//
// Writes of different pipelines to one stream register of one superlane in one cycle raise
// StreamCollision; the value is the one the model keeps (the write scheduled last: the smallest
// distance between scheduling and write cycle, a non-TRANS write on a tie).
// Instructions dispatched within a unit's occupancy (UnitBusy) are not modelled exactly.
//
// Coding style forced by Yosys 0.55 (each checked by simulating its netlist with the unit test):
// no packed arrays of structs (dimensions dropped), no arrays whose element type is a typedef'd
// array when indexed more than one level, no multi-dimensional arrays declared inside generate
// blocks (1-D vectors with part-selects instead), no functions with multi-dimensional arguments.
`include "tsp_assert.svh"

module tsp_sxm (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  tsp_pkg::disp_t    disp_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_i,
  // Stream writes, decoded by tsp_stream_regs_sxm at this position: per write pipeline p and
  // superlane k the data for stream position j mod 4 of its group (wr_data_o[p][k][j]); per stream
  // register (superlane k, direction d, stream s) whether it is written and by which pipeline.
  output logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0]      wr_hit_o,
  output logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::StreamsPerDir-1:0][1:0] wr_sel_o,
  output logic [3:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]      wr_data_o,
  output tsp_pkg::err_t     err_o,
  output logic              idle_o
);
  localparam int unsigned S       = tsp_pkg::NumSuperlanes;
  localparam int unsigned Lanes   = tsp_pkg::Lanes;
  localparam int unsigned VL      = tsp_pkg::VL;
  localparam int unsigned NS      = tsp_pkg::StreamsPerDir;
  localparam int unsigned SW      = tsp_pkg::WordBits + 1;  // one slot: {valid, data}
  localparam int unsigned TW      = Lanes * 32;             // one superlane of 32-bit elements
  localparam int unsigned IdxW    = $clog2(VL);
  localparam int unsigned LatDist = tsp_isa_pkg::LatDist;
  localparam int unsigned LatXl   = tsp_isa_pkg::LatShup;
  localparam int unsigned LatRed  = tsp_isa_pkg::LatRsum;
  localparam int unsigned LatTr   = tsp_isa_pkg::LatTrans;
  localparam int unsigned NPipe   = 4;  // write sources: DIST, SHUP/SHDN/PERM, RSUM/RMAX, TRANS
  localparam int unsigned PDist = 0, PXl = 1, PRed = 2, PTr = 3;

  function automatic logic [2:0] dt_width(logic [1:0] dt);
    unique case (dt)
      2'd0:    dt_width = 3'd1;
      2'd1:    dt_width = 3'd2;
      default: dt_width = 3'd4;
    endcase
  endfunction

  // DIST's 16:1 select per lane as an explicit binary mux tree (docs/rtl.md Conventions item 5:
  // `v[sel]` becomes a shifter over the whole vector in Yosys). Stage d halves the candidates,
  // picking element 2i + sel[d] of each pair; the in-place update never overwrites an element
  // still to be read. The crossbar's VL:1 select is the same tree in tsp_sxm_sel.
  function automatic logic [31:0] mux_lanes(logic [Lanes*32-1:0] v, logic [3:0] sel);
    logic [Lanes*32-1:0] t;
    t = v;
    for (int unsigned d = 0; d < 4; d++) begin
      for (int unsigned i = 0; i < (Lanes >> (d + 1)); i++) begin
        t[i*32 +: 32] = sel[d] ? t[(2*i+1)*32 +: 32] : t[2*i*32 +: 32];
      end
    end
    mux_lanes = t[31:0];
  endfunction

  // ---------------- Dispatch delay chain: superlane k sees the instruction at t + k ----------------
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

  // ---------------- Per-superlane decode ----------------
  logic [S-1:0][7:0] op;
  logic [S-1:0][2:0] wdt;
  logic [S-1:0]      is_dist, is_xl, is_red, is_tr, is_perm;
  // TRANS row requests (a TRANS collecting rows 1..15 has no instruction in dins).
  logic [S-1:0]      tr_row_en;
  logic [S-1:0][4:0] tr_row_sf;
  logic [S-1:0][2:0] tr_row_w;
  // The one operand group reader of each superlane and its map-stream reader.
  logic [S-1:0]      en_a, en_b;
  logic [S-1:0][4:0] sf_a, sf_b;
  logic [S-1:0][2:0] w_a;

  always_comb begin
    for (int unsigned k = 0; k < S; k++) begin
      op[k]      = tsp_pkg::f_opcode(dins[k]);
      wdt[k]     = dt_width(tsp_pkg::f_dtype(dins[k]));
      is_dist[k] = dvld[k] && op[k] == tsp_isa_pkg::OpDist;
      is_perm[k] = dvld[k] && op[k] == tsp_isa_pkg::OpPerm;
      is_xl[k]   = dvld[k] && (op[k] == tsp_isa_pkg::OpShup || op[k] == tsp_isa_pkg::OpShdn ||
                               op[k] == tsp_isa_pkg::OpPerm);
      is_red[k]  = dvld[k] && (op[k] == tsp_isa_pkg::OpRsum || op[k] == tsp_isa_pkg::OpRmax);
      is_tr[k]   = dvld[k] && op[k] == tsp_isa_pkg::OpTrans;
      en_b[k]    = is_dist[k] || is_perm[k];
      sf_b[k]    = tsp_pkg::f_b(dins[k]);
    end
  end

  always_comb begin
    for (int unsigned k = 0; k < S; k++) begin
      en_a[k] = is_dist[k] || is_xl[k] || is_red[k] || tr_row_en[k];
      if (is_dist[k] || is_xl[k] || is_red[k]) begin
        sf_a[k] = tsp_pkg::f_a(dins[k]);
        w_a[k]  = wdt[k];
      end else begin
        sf_a[k] = tr_row_sf[k];
        w_a[k]  = tr_row_w[k];
      end
    end
  end

  // ---------------- Operand reads ----------------
  logic [S-1:0][1:0][NS-1:0][SW-1:0] tin;     // [superlane][dir][stream]
  logic [S-1:0][3:0][SW-1:0]         a_slot;  // slot of stream sf_a + b (zero if beyond NS)
  logic [S-1:0][SW-1:0]              b_slot;
  logic [S-1:0][Lanes-1:0][31:0]     rd_a;    // operand group, lane-major, bytes >= w zero
  logic [S-1:0][Lanes-1:0][7:0]      rd_b;    // map stream
  logic [S-1:0]                      err_a, err_b;

  // The ports are copied whole into plain arrays first: Yosys 0.55 mis-indexes multi-dimensional
  // package typedefs (east_i[s][k] became one bit).
  logic [NS-1:0][S-1:0][SW-1:0] east_l, west_l;
  assign east_l = east_i;
  assign west_l = west_i;

  for (genvar k = 0; k < S; k++) begin : g_tin
    for (genvar s = 0; s < NS; s++) begin : g_s
      assign tin[k][0][s] = east_l[s][k];
      assign tin[k][1][s] = west_l[s][k];
    end
  end

  // Element b of the aligned operand group (tsp_pkg::group_stream); bytes b >= w are masked below.
  always_comb begin
    a_slot = '0;
    b_slot = '0;
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned b = 0; b < 4; b++) begin
        a_slot[k][b] = tsp_pkg::sreg_pick(tin[k][0], tin[k][1], sf_a[k], b);
      end
      b_slot[k] = tsp_pkg::sreg_pick(tin[k][0], tin[k][1], sf_b[k], 0);
    end
  end

  always_comb begin
    for (int unsigned k = 0; k < S; k++) begin
      err_a[k] = 1'b0;
      for (int unsigned b = 0; b < 4; b++) begin
        if (3'(b) < w_a[k] && !a_slot[k][b][SW-1]) err_a[k] = en_a[k];
        for (int unsigned l = 0; l < Lanes; l++) begin
          rd_a[k][l][8*b +: 8] = (3'(b) < w_a[k] && a_slot[k][b][SW-1]) ? a_slot[k][b][8*l +: 8] : 8'h0;
        end
      end
      err_b[k] = en_b[k] && !b_slot[k][SW-1];
      for (int unsigned l = 0; l < Lanes; l++) rd_b[k][l] = b_slot[k][SW-1] ? b_slot[k][8*l +: 8] : 8'h0;
    end
  end

  // ---------------- Write sources [pipe][superlane] ----------------
  logic [NPipe-1:0][S-1:0]         pv;
  logic [NPipe-1:0][S-1:0][4:0]    pdst;
  logic [NPipe-1:0][S-1:0][2:0]    pw;
  logic [NPipe-1:0][S-1:0][7:0]    pscore;  // write cycle - cycle the model schedules the write
  logic [NPipe-1:0][S-1:0][TW-1:0] pdata;   // lane l = bits 32l +: 32

  // ---------------- DIST ----------------
  logic [S-1:0][Lanes-1:0][31:0]          dist_r;
  logic [LatDist-1:0][S-1:0]              dist_v_q;
  logic [LatDist-1:0][S-1:0][4:0]         dist_dst_q;
  logic [LatDist-1:0][S-1:0][2:0]         dist_w_q;
  logic [LatDist-1:0][S-1:0][TW-1:0]      dist_d_q;

  always_comb begin
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned l = 0; l < Lanes; l++) begin
        dist_r[k][l] = rd_b[k][l][7] ? 32'h0 : mux_lanes(rd_a[k], rd_b[k][l][3:0]);
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      dist_v_q   <= '0;
      dist_dst_q <= '0;
      dist_w_q   <= '0;
    end else begin
      dist_v_q[0] <= is_dist;
      for (int unsigned k = 0; k < S; k++) begin
        dist_dst_q[0][k] <= tsp_pkg::f_dst(dins[k]);
        dist_w_q[0][k]   <= wdt[k];
      end
      for (int unsigned i = 1; i < LatDist; i++) begin
        dist_v_q[i]   <= dist_v_q[i-1];
        dist_dst_q[i] <= dist_dst_q[i-1];
        dist_w_q[i]   <= dist_w_q[i-1];
      end
    end
  end
  always_ff @(posedge clk_i) begin
    dist_d_q[0] <= dist_r;
    for (int unsigned i = 1; i < LatDist; i++) dist_d_q[i] <= dist_d_q[i-1];
  end

  assign pv[PDist]    = dist_v_q[LatDist-1];
  assign pdst[PDist]  = dist_dst_q[LatDist-1];
  assign pw[PDist]    = dist_w_q[LatDist-1];
  assign pdata[PDist] = dist_d_q[LatDist-1];
  for (genvar k = 0; k < S; k++) begin : g_dist_score
    assign pscore[PDist][k] = 8'(LatDist);
  end

  // ---------------- Cross-superlane collection (skew to t + S - 1) ----------------
  logic [S-1:0][TW-1:0]        vec_a;
  logic [S-1:0][Lanes*8-1:0]   vec_m;
  for (genvar k = 0; k < S - 1; k++) begin : g_skew
    localparam int unsigned D = S - 1 - k;
    logic [D*TW-1:0]      a_q;
    logic [D*Lanes*8-1:0] m_q;
    always_ff @(posedge clk_i) begin
      a_q[0 +: TW]      <= rd_a[k];
      m_q[0 +: Lanes*8] <= rd_b[k];
      for (int unsigned i = 1; i < D; i++) begin
        a_q[i*TW +: TW]           <= a_q[(i-1)*TW +: TW];
        m_q[i*Lanes*8 +: Lanes*8] <= m_q[(i-1)*Lanes*8 +: Lanes*8];
      end
    end
    assign vec_a[k] = a_q[(D-1)*TW +: TW];
    assign vec_m[k] = m_q[(D-1)*Lanes*8 +: Lanes*8];
  end
  assign vec_a[S-1] = rd_a[S-1];
  assign vec_m[S-1] = rd_b[S-1];

  logic [VL-1:0][31:0] vin;
  logic [VL-1:0][7:0]  vmap;
  assign vin  = vec_a;
  assign vmap = vec_m;

  // ---------------- SHUP / SHDN / PERM ----------------
  // One crossbar of Lanes outputs, shared over the S superlanes (ISA version 6, issue 10: before,
  // VL outputs computed the whole vector in one cycle, 4 x the select logic at S = 4). The
  // collected vector (cycle c0 = t + S - 1) is held in xv_q / xm_q; in cycle c0 + 1 + k the
  // crossbar computes superlane k's Lanes outputs (out[l] = zero ? 0 : in[src(l)], l = Lanes*k + j),
  // and a shared delay line of LatXl - S stages brings them to their write cycle t + k + LatXl. The
  // held vector is busy for S cycles, which the instructions' occupancy (OccShup = OccShdn =
  // OccPerm >= S) guarantees.
  localparam int unsigned XlTail = LatXl - S;  // stages between the crossbar and the write
  localparam int unsigned KW     = S > 1 ? $clog2(S) : 1;

  logic [VL*32-1:0]    xv_q;    // the collected operand vector
  logic [VL*8-1:0]     xm_q;    // PERM's map
  logic [7:0]          xop_q;
  logic [31:0]         ximm_q;
  logic [4:0]          xdst_q;
  logic [2:0]          xw_q;
  logic                xrun_q;  // computing superlane xk_q this cycle
  logic [KW-1:0]       xk_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      xrun_q <= 1'b0;
      xk_q   <= '0;
    end else if (is_xl[S-1]) begin
      xrun_q <= 1'b1;
      xk_q   <= '0;
    end else if (xrun_q) begin
      xrun_q <= 32'(xk_q) != S - 1;
      xk_q   <= KW'(32'(xk_q) + 1);
    end
  end
  always_ff @(posedge clk_i) begin
    if (is_xl[S-1]) begin
      xv_q   <= vin;
      xm_q   <= vmap;
      xop_q  <= op[S-1];
      ximm_q <= tsp_pkg::f_imm(dins[S-1]);
      xdst_q <= tsp_pkg::f_dst(dins[S-1]);
      xw_q   <= wdt[S-1];
    end
  end

  // Superlane xk_q's map bytes.
  logic [Lanes*8-1:0] xmap_k;
  always_comb begin
    xmap_k = '0;
    for (int unsigned k = 0; k < S; k++) begin
      if (32'(xk_q) == k) xmap_k = xm_q[k*Lanes*8 +: Lanes*8];
    end
  end

  logic [TW-1:0] xout;
  for (genvar j = 0; j < Lanes; j++) begin : g_xbar
    logic [IdxW-1:0] l;  // the output lane: Lanes * xk_q + j
    logic            zero;
    logic [IdxW-1:0] src;
    logic [32:0]     up_sum;
    logic [7:0]      m;
    assign l      = IdxW'(32'(xk_q) * Lanes + j);
    assign up_sum = 33'(l) + {1'b0, ximm_q};
    assign m      = xmap_k[8*j +: 8];
    always_comb begin
      unique case (xop_q)
        tsp_isa_pkg::OpShup: begin
          zero = ximm_q > 32'(l);
          src  = IdxW'(32'(l) - ximm_q);
        end
        tsp_isa_pkg::OpShdn: begin
          zero = up_sum >= 33'(VL);
          src  = IdxW'(up_sum);
        end
        default: begin  // PERM
          zero = m == 8'hFF;
          src  = IdxW'(m % 8'(VL));
        end
      endcase
    end
    tsp_sxm_sel u_sel (
      .vec_i (xv_q),
      .sel_i (src),
      .zero_i(zero),
      .out_o (xout[32*j +: 32])
    );
  end

  // The shared delay line: {valid, superlane, dst, width} and the data, XlTail stages.
  logic [XlTail-1:0]      xo_vld_q;
  logic [XlTail*KW-1:0]   xo_k_q;
  logic [XlTail*5-1:0]    xo_dst_q;
  logic [XlTail*3-1:0]    xo_w_q;
  logic [XlTail*TW-1:0]   xo_data_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      xo_vld_q <= '0;
      xo_k_q   <= '0;
      xo_dst_q <= '0;
      xo_w_q   <= '0;
    end else begin
      xo_vld_q[0]       <= xrun_q;
      xo_k_q[0 +: KW]   <= xk_q;
      xo_dst_q[0 +: 5]  <= xdst_q;
      xo_w_q[0 +: 3]    <= xw_q;
      for (int unsigned i = 1; i < XlTail; i++) begin
        xo_vld_q[i]         <= xo_vld_q[i-1];
        xo_k_q[i*KW +: KW]  <= xo_k_q[(i-1)*KW +: KW];
        xo_dst_q[i*5 +: 5]  <= xo_dst_q[(i-1)*5 +: 5];
        xo_w_q[i*3 +: 3]    <= xo_w_q[(i-1)*3 +: 3];
      end
    end
  end
  always_ff @(posedge clk_i) begin
    xo_data_q[0 +: TW] <= xout;
    for (int unsigned i = 1; i < XlTail; i++) xo_data_q[i*TW +: TW] <= xo_data_q[(i-1)*TW +: TW];
  end

  logic xl_busy;
  for (genvar k = 0; k < S; k++) begin : g_xl_out
    assign pv[PXl][k]     = xo_vld_q[XlTail-1] && 32'(xo_k_q[(XlTail-1)*KW +: KW]) == k;
    assign pdst[PXl][k]   = xo_dst_q[(XlTail-1)*5 +: 5];
    assign pw[PXl][k]     = xo_w_q[(XlTail-1)*3 +: 3];
    assign pdata[PXl][k]  = xo_data_q[(XlTail-1)*TW +: TW];
    assign pscore[PXl][k] = 8'(k + LatXl - S + 1);
  end
  assign xl_busy = xrun_q || (|xo_vld_q);

  // The held vector serves one instruction for S cycles: a next SHUP / SHDN / PERM reaches c0 no
  // earlier than the occupancy allows. One dispatched inside it (UnitBusy, raised by the ICU) takes
  // the crossbar over at once and the earlier one's remaining superlanes are not written (not
  // modelled exactly, like every UnitBusy schedule).

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

  assign pv[PRed]   = red_vld;
  assign pdst[PRed] = red_dst;
  assign pw[PRed]   = red_w;
  for (genvar k = 0; k < S; k++) begin : g_red_out
    assign pdata[PRed][k]  = {Lanes{red_val[k]}};
    assign pscore[PRed][k] = 8'(k + LatRed - S + 1);
  end

  // ---------------- TRANS ----------------
  logic [S-1:0]      tr_busy;
  logic [S-1:0][3:0] tr_col_j;
  for (genvar k = 0; k < S; k++) begin : g_tr
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
      .col_j_o    (tr_col_j[k]),
      .col_o      (pdata[PTr][k]),
      .busy_o     (tr_busy[k])
    );
    // Column j is scheduled when the last row is read: LatTrans - 15 + j cycles ahead.
    assign pscore[PTr][k] = 8'(LatTr - (tsp_isa_pkg::TransposeSize - 1)) + {4'b0, tr_col_j[k]};
  end

  // ---------------- Write ports ----------------
  // Data: pipeline p's group write steered by stream position: position j of a group of width w
  // is byte j & (w - 1) of every lane's element (aligned groups, tsp_pkg::group_stream), so stream
  // s of the group takes position s mod 4 (tsp_stream_regs_sxm selects it).
  logic [1:0] d_wmask;  // w - 1: the byte-in-group bits
  logic [1:0] d_b;
  always_comb begin
    d_wmask = '0;
    d_b     = '0;
    for (int unsigned p = 0; p < NPipe; p++) begin
      for (int unsigned k = 0; k < S; k++) begin
        d_wmask = 2'(pw[p][k] - 3'd1);
        for (int unsigned j = 0; j < 4; j++) begin
          d_b = 2'(j) & d_wmask;
          for (int unsigned l = 0; l < Lanes; l++) begin
            unique case (d_b)
              2'd0:    wr_data_o[p][k][j][8*l +: 8] = pdata[p][k][32*l +: 8];
              2'd1:    wr_data_o[p][k][j][8*l +: 8] = pdata[p][k][32*l + 8 +: 8];
              2'd2:    wr_data_o[p][k][j][8*l +: 8] = pdata[p][k][32*l + 16 +: 8];
              default: wr_data_o[p][k][j][8*l +: 8] = pdata[p][k][32*l + 24 +: 8];
            endcase
          end
        end
      end
    end
  end

  // Which pipeline writes stream register (k, d, s): the one the model keeps (the smallest score,
  // the earlier pipeline on a tie: the order DIST, XL, RED, TRANS is newest first); two writers of
  // one register raise StreamCollision.
  logic       coll;
  logic       m_found, m_hit;
  logic [7:0] m_best;
  logic [3:0] m_wmask;
  logic [1:0] m_sel;
  always_comb begin
    coll    = 1'b0;
    m_found = 1'b0;
    m_hit   = 1'b0;
    m_best  = '0;
    m_wmask = '0;
    m_sel   = '0;
    for (int unsigned k = 0; k < S; k++) begin
      for (int unsigned d = 0; d < 2; d++) begin
        for (int unsigned s = 0; s < NS; s++) begin
          m_found = 1'b0;
          m_best  = '0;
          m_sel   = '0;
          for (int unsigned p = 0; p < NPipe; p++) begin
            // Stream s is in the group at dst when s & ~(w-1) == dst.
            m_wmask = 4'(pw[p][k] - 3'd1);
            m_hit   = pv[p][k] && pdst[p][k][4] == d[0] && (4'(s) & ~m_wmask) == pdst[p][k][3:0];
            if (m_hit) begin
              if (m_found) coll = 1'b1;
              if (!m_found || pscore[p][k] < m_best) begin
                m_best = pscore[p][k];
                m_sel  = 2'(p);
              end
              m_found = 1'b1;
            end
          end
          wr_hit_o[k][d][s] = m_found;
          wr_sel_o[k][d][s] = m_sel;
        end
      end
    end
  end

  // ---------------- Errors and idle ----------------
  logic [tsp_isa_pkg::NumErrorBits-1:0] err;
  always_comb begin
    err = '0;
    err[tsp_isa_pkg::ErrEmptyReadBit]       = |(err_a | err_b);
    err[tsp_isa_pkg::ErrStreamCollisionBit] = coll;
  end
  assign err_o = err;

  assign idle_o = !(red_busy || (|tr_busy) || (|dvld) || (|dist_v_q) || xl_busy);

  `ASSERT_INIT(SxmParams_A, LatXl == tsp_isa_pkg::LatShdn && LatXl == tsp_isa_pkg::LatPerm &&
                            LatXl >= S + 1 && tsp_isa_pkg::OccShup >= S &&
                            tsp_isa_pkg::OccShdn == tsp_isa_pkg::OccShup &&
                            tsp_isa_pkg::OccPerm == tsp_isa_pkg::OccShup && LatDist >= 1 && Lanes == 16 && S >= 2 &&
                            S <= tsp_isa_pkg::MaxSuperlanes)
endmodule
