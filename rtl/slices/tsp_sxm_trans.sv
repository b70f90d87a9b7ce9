// SXM transpose engine of one superlane tile (ModelAccess::TileStep, TRANS).
//
// A TRANS reaching this tile at cycle r reads row i (16 lanes of one w-byte element each) at
// r + i, i = 0..15, and writes column j at r + LatTrans + j, j = 0..15; column j lane l holds row
// l's lane j. The occupancy is 16, so the next TRANS may start at r + 16 while this one is still
// writing its columns: two buffers, selected by a toggle per TRANS.
//
// Storage: 16 banks (one tsp_ram_sdp each, 32 bits x 2 buffers x 16 entries). Element (i, j) of a
// block lives in bank (i + j) mod 16 at entry i, so a row write (all banks at entry i, lanes
// rotated by i) and a column read (bank b at entry (b - j) mod 16, lanes rotated back by j) each
// touch every bank exactly once.
//
// The enclosing slice performs the stream reads: row_en_o / row_sf_o / row_w_o request the read of
// this cycle and row_i receives the data (combinationally, same cycle).
`include "tsp_assert.svh"

module tsp_sxm_trans (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // A TRANS reaches this tile in this cycle (row 0 is read now).
  input  logic                          start_i,
  input  logic [4:0]                    start_a_i,
  input  logic [4:0]                    start_dst_i,
  input  logic [2:0]                    start_w_i,
  // Row read request of this cycle and its data.
  output logic                          row_en_o,
  output logic [4:0]                    row_sf_o,
  output logic [2:0]                    row_w_o,
  input  logic [tsp_pkg::Lanes-1:0][31:0] row_i,
  // Column write of this cycle.
  output logic                          col_vld_o,
  output logic [4:0]                    col_dst_o,
  output logic [2:0]                    col_w_o,
  output logic [3:0]                    col_j_o,
  output logic [tsp_pkg::Lanes-1:0][31:0] col_o,
  output logic                          busy_o
);
  localparam int unsigned N = tsp_isa_pkg::TransposeSize;

  // ---------------- Row phase ----------------
  logic       rd_act_q, rd_buf_q, tgl_q;
  logic [3:0] rd_i_q;
  logic [4:0] rd_sf_q, rd_dst_q;
  logic [2:0] rd_w_q;

  logic       row_buf;
  logic [3:0] row_idx;
  logic [4:0] row_dst;
  logic       row_last;

  always_comb begin
    row_en_o = start_i || rd_act_q;
    row_sf_o = start_i ? start_a_i : rd_sf_q;
    row_w_o  = start_i ? start_w_i : rd_w_q;
    row_dst  = start_i ? start_dst_i : rd_dst_q;
    row_idx  = start_i ? 4'd0 : rd_i_q;
    row_buf  = start_i ? tgl_q : rd_buf_q;
    row_last = row_en_o && (row_idx == 4'(N - 1));
  end

  // ---------------- Column phase ----------------
  logic       wr_act_q, wr_buf_q;
  logic [3:0] wr_j_q;
  logic [4:0] wr_dst_q;
  logic [2:0] wr_w_q;
  logic       o_vld_q;
  logic [3:0] o_j_q;
  logic [4:0] o_dst_q;
  logic [2:0] o_w_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_act_q <= 1'b0;
      rd_buf_q <= 1'b0;
      tgl_q    <= 1'b0;
      rd_i_q   <= '0;
      rd_sf_q  <= '0;
      rd_dst_q <= '0;
      rd_w_q   <= '0;
      wr_act_q <= 1'b0;
      wr_buf_q <= 1'b0;
      wr_j_q   <= '0;
      wr_dst_q <= '0;
      wr_w_q   <= '0;
      o_vld_q  <= 1'b0;
      o_j_q    <= '0;
      o_dst_q  <= '0;
      o_w_q    <= '0;
    end else begin
      if (start_i) tgl_q <= ~tgl_q;
      // Row phase.
      if (row_en_o) begin
        rd_act_q <= !row_last;
        rd_i_q   <= row_idx + 4'd1;
        rd_sf_q  <= row_sf_o;
        rd_w_q   <= row_w_o;
        rd_dst_q <= row_dst;
        rd_buf_q <= row_buf;
      end
      // Column phase: issue the bank reads of column wr_j_q; the data appear next cycle.
      o_vld_q <= wr_act_q;
      if (wr_act_q) begin
        o_j_q   <= wr_j_q;
        o_dst_q <= wr_dst_q;
        o_w_q   <= wr_w_q;
        wr_j_q  <= wr_j_q + 4'd1;
        if (wr_j_q == 4'(N - 1)) wr_act_q <= 1'b0;
      end
      // The last row starts the column phase (overrides the end of the previous block's columns).
      if (row_last) begin
        wr_act_q <= 1'b1;
        wr_j_q   <= '0;
        wr_dst_q <= row_dst;
        wr_w_q   <= row_w_o;
        wr_buf_q <= row_buf;
      end
    end
  end

  // ---------------- Banks ----------------
  // y[b] = x[(b - n) mod 16]: a rotation in two steps of four-way selects (by n mod 4, then by
  // 4 * (n div 4)), one LUT6 per bit each. (Written as x[b - n], an independent 16:1 select per
  // lane: 4,381 LUT of logic per tile against 3,100, both besides its 384 LUT-RAM LUTs; issue 10.)
  function automatic logic [N*32-1:0] rot_up(logic [N*32-1:0] x, logic [3:0] n);
    logic [N*32-1:0] t, y;
    for (int unsigned b = 0; b < N; b++) begin
      unique case (n[1:0])
        2'd0:    t[32*b +: 32] = x[32*b +: 32];
        2'd1:    t[32*b +: 32] = x[32*((b + N - 1) % N) +: 32];
        2'd2:    t[32*b +: 32] = x[32*((b + N - 2) % N) +: 32];
        default: t[32*b +: 32] = x[32*((b + N - 3) % N) +: 32];
      endcase
    end
    for (int unsigned b = 0; b < N; b++) begin
      unique case (n[3:2])
        2'd0:    y[32*b +: 32] = t[32*b +: 32];
        2'd1:    y[32*b +: 32] = t[32*((b + N - 4) % N) +: 32];
        2'd2:    y[32*b +: 32] = t[32*((b + N - 8) % N) +: 32];
        default: y[32*b +: 32] = t[32*((b + N - 12) % N) +: 32];
      endcase
    end
    rot_up = y;
  endfunction

  logic [N-1:0][31:0] bank_wdata, bank_rdata;
  logic [N-1:0][3:0]  bank_raddr;

  // Row write: bank b takes lane (b - i) mod 16 of row i (the row rotated up by i).
  assign bank_wdata = rot_up(row_i, row_idx);

  for (genvar b = 0; b < N; b++) begin : g_bank
    // Column read: bank b holds row (b - j) mod 16 of column j.
    assign bank_raddr[b] = 4'(b) - wr_j_q;

    tsp_ram_sdp #(
      .Width(32),
      .Depth(2 * N)
    ) u_ram (
      .clk_i  (clk_i),
      .we_i   (row_en_o),
      .wbe_i  (4'hF),
      .waddr_i({row_buf, row_idx}),
      .wdata_i(bank_wdata[b]),
      .re_i   (wr_act_q),
      .raddr_i({wr_buf_q, bank_raddr[b]}),
      .rdata_o(bank_rdata[b])
    );
  end

  // Lane l of column j is bank (l + j) mod 16 (the banks rotated down by j).
  assign col_o = rot_up(bank_rdata, 4'(0) - o_j_q);

  assign col_vld_o = o_vld_q;
  assign col_dst_o = o_dst_q;
  assign col_w_o   = o_w_q;
  assign col_j_o   = o_j_q;
  assign busy_o    = rd_act_q || wr_act_q || o_vld_q;

  // The column phase needs every row written one cycle before the first bank read.
  `ASSERT_INIT(TransLatency_A, tsp_isa_pkg::LatTrans == N + 1 && N == tsp_pkg::Lanes && N == 16)
endmodule
