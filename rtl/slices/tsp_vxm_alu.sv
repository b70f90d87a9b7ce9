// One VXM ALU: all superlanes of one VXM queue, following the stagger (ModelAccess::TileStep,
// unit kVxm).
//
// An instruction dispatched in run cycle t (valid on disp_i during t) reads its operands at tile k
// during t+k (from east_i / west_i superlane k) and its result is requested as a stream write
// during t+k+L, L = tsp_isa_pkg::Lat<Op>. A delay line of dispatched instructions gives every tile
// the instruction it reads now (d[k]) and the instructions whose writes are due now (d[k+L]).
// Writes leave on three tracks, one per latency class, so that tsp_vxm can merge all writers in the
// reference model's order:
//   track 0: LatVadd (integer ops, VRELU, VMOV), track 1: LatFadd (fp32 ops, VCVT),
//   track 2: LatFexp (FEXP, FRECIP, FRSQRT).
// Reading an operand slot with valid == 0 raises empty_read_o in the read cycle (the model's
// EmptyRead error), once per stream group element; idle_o is high when no instruction seen so far
// (including the one on disp_i) reads or writes in this cycle or later.
module tsp_vxm_alu (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  tsp_pkg::disp_t           disp_i,
  input  tsp_pkg::streams_t        east_i,
  input  tsp_pkg::streams_t        west_i,
  output tsp_pkg::writes_t [2:0]   east_wr_o,
  output tsp_pkg::writes_t [2:0]   west_wr_o,
  output logic                     empty_read_o,
  output logic                     idle_o
);

  `include "tsp_assert.svh"

  localparam int unsigned S       = tsp_pkg::NumSuperlanes;
  localparam int unsigned Streams = tsp_pkg::StreamsPerDir;
  localparam int unsigned Lanes   = tsp_pkg::Lanes;
  localparam int unsigned LatL2   = tsp_isa_pkg::LatVadd;
  localparam int unsigned LatL3   = tsp_isa_pkg::LatFadd;
  localparam int unsigned LatSf   = tsp_isa_pkg::LatFexp;
  // d[j] = instruction dispatched j cycles ago; d[0] = disp_i, d[j] = hist_q[j-1].
  localparam int unsigned HistLen = S - 1 + LatSf;

  // Latency classes.
  localparam logic [1:0] ClsNone = 2'd0;
  localparam logic [1:0] ClsL2   = 2'd1;
  localparam logic [1:0] ClsL3   = 2'd2;
  localparam logic [1:0] ClsSf   = 2'd3;

  // The tile pipeline has fixed depths: latency-2 results leave stage 1, latency-3 results stage 2,
  // special functions finish their sequence by read + 19 and hold the result.
  `ASSERT_INIT(LatL2Ops_A, LatL2 == 2 && tsp_isa_pkg::LatVsub == LatL2 && tsp_isa_pkg::LatVmul == LatL2 &&
                           tsp_isa_pkg::LatVmax == LatL2 && tsp_isa_pkg::LatVrelu == LatL2 &&
                           tsp_isa_pkg::LatVshl == LatL2 && tsp_isa_pkg::LatVshr == LatL2 &&
                           tsp_isa_pkg::LatVsrl == LatL2 && tsp_isa_pkg::LatVmov == LatL2)
  `ASSERT_INIT(LatL3Ops_A, LatL3 == 3 && tsp_isa_pkg::LatFsub == LatL3 && tsp_isa_pkg::LatFmul == LatL3 &&
                           tsp_isa_pkg::LatFmax == LatL3 && tsp_isa_pkg::LatVcvt == LatL3)
  `ASSERT_INIT(LatSfOps_A, LatSf >= 20 && tsp_isa_pkg::LatFrecip == LatSf && tsp_isa_pkg::LatFrsqrt == LatSf &&
                           tsp_isa_pkg::OccFexp >= 19 && tsp_isa_pkg::OccFexp < LatSf + 20 &&
                           tsp_isa_pkg::OccFrecip == tsp_isa_pkg::OccFexp &&
                           tsp_isa_pkg::OccFrsqrt == tsp_isa_pkg::OccFexp)

  function automatic logic [1:0] op_class(logic [7:0] op);
    logic [1:0] c;
    unique case (op)
      8'(tsp_isa_pkg::OpVadd), 8'(tsp_isa_pkg::OpVsub), 8'(tsp_isa_pkg::OpVmul),
      8'(tsp_isa_pkg::OpVmax), 8'(tsp_isa_pkg::OpVrelu), 8'(tsp_isa_pkg::OpVshl),
      8'(tsp_isa_pkg::OpVshr), 8'(tsp_isa_pkg::OpVsrl), 8'(tsp_isa_pkg::OpVmov): c = ClsL2;
      8'(tsp_isa_pkg::OpVcvt), 8'(tsp_isa_pkg::OpFadd), 8'(tsp_isa_pkg::OpFsub),
      8'(tsp_isa_pkg::OpFmul), 8'(tsp_isa_pkg::OpFmax): c = ClsL3;
      8'(tsp_isa_pkg::OpFexp), 8'(tsp_isa_pkg::OpFrecip), 8'(tsp_isa_pkg::OpFrsqrt): c = ClsSf;
      default: c = ClsNone;
    endcase
    op_class = c;
  endfunction

  function automatic logic is_fp_op(logic [7:0] op);
    is_fp_op = (op >= 8'(tsp_isa_pkg::OpFadd)) && (op <= 8'(tsp_isa_pkg::OpFrsqrt));
  endfunction

  // Stream-group width in streams (1, 2, 4) of a dtype code.
  function automatic logic [2:0] group_width(logic [1:0] dt);
    logic [2:0] w;
    unique case (dt)
      2'd0:    w = 3'd1;
      2'd1:    w = 3'd2;
      default: w = 3'd4;
    endcase
    group_width = w;
  endfunction

  // Width of the destination (and of a stream operand b) group.
  function automatic logic [2:0] dest_width(logic [63:0] ins);
    dest_width = is_fp_op(tsp_pkg::f_opcode(ins)) ? 3'd4 : group_width(tsp_pkg::f_dtype(ins));
  endfunction

  // Width of operand a (ModelAccess::SourceWidth).
  function automatic logic [2:0] source_width(logic [63:0] ins);
    logic [2:0] w;
    if (tsp_pkg::f_opcode(ins) == 8'(tsp_isa_pkg::OpVcvt)) begin
      w = group_width(tsp_pkg::f_stype(ins));
    end else begin
      w = dest_width(ins);
    end
    source_width = w;
  endfunction

  function automatic logic uses_b(logic [7:0] op);
    logic u;
    unique case (op)
      8'(tsp_isa_pkg::OpVadd), 8'(tsp_isa_pkg::OpVsub), 8'(tsp_isa_pkg::OpVmul),
      8'(tsp_isa_pkg::OpVmax), 8'(tsp_isa_pkg::OpFadd), 8'(tsp_isa_pkg::OpFsub),
      8'(tsp_isa_pkg::OpFmul), 8'(tsp_isa_pkg::OpFmax): u = 1'b1;
      default: u = 1'b0;
    endcase
    uses_b = u;
  endfunction

  // ---------------- Delay line of dispatched instructions ----------------
  logic [HistLen-1:0] hist_valid_q;
  logic [63:0]        hist_instr_q [HistLen];
  tsp_pkg::disp_t     d [HistLen + 1];
  logic [HistLen:0]   pending;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hist_valid_q <= '0;
    end else begin
      hist_valid_q <= {hist_valid_q[HistLen-2:0], disp_i.valid};
    end
  end

  always_ff @(posedge clk_i) begin
    hist_instr_q[0] <= disp_i.instr;
    for (int j = 1; j < int'(HistLen); j++) hist_instr_q[j] <= hist_instr_q[j-1];
  end

  always_comb begin
    d[0] = disp_i;
    for (int j = 1; j <= int'(HistLen); j++) begin
      d[j].valid = hist_valid_q[j-1];
      d[j].instr = hist_instr_q[j-1];
    end
    // Entry j still acts in this cycle or later: it reads until j = S-1, writes at j = k + L.
    for (int j = 0; j <= int'(HistLen); j++) begin
      unique case (op_class(tsp_pkg::f_opcode(d[j].instr)))
        ClsL2:   pending[j] = d[j].valid && (j <= int'(S - 1 + LatL2));
        ClsL3:   pending[j] = d[j].valid && (j <= int'(S - 1 + LatL3));
        ClsSf:   pending[j] = d[j].valid && (j <= int'(S - 1 + LatSf));
        default: pending[j] = d[j].valid && (j <= int'(S - 1));
      endcase
    end
  end

  assign idle_o = ~|pending;

  // ---------------- Tiles ----------------
  logic [S-1:0] empty_k;

  // Selects stream s (0..15 of the 5-bit field's index + offset) of direction dir at tile k.
  function automatic tsp_pkg::slot_t pick(tsp_pkg::streams_t e, tsp_pkg::streams_t w, logic dir,
                                          logic [4:0] s, int unsigned k);
    tsp_pkg::slot_t r;
    r = '0;
    for (int unsigned i = 0; i < Streams; i++) begin
      if (s == 5'(i)) r = dir ? w[i][k] : e[i][k];
    end
    pick = r;
  endfunction

  for (genvar k = 0; k < int'(S); k++) begin : g_tile
    logic [63:0] ins;
    logic [7:0]  op;
    logic        rd;
    logic [2:0]  wa, wb;
    logic [4:0]  fa, fb;
    logic        read_b, empty;
    logic [Lanes-1:0][31:0] a_lanes, b_lanes, l2, l3, sf;
    tsp_pkg::slot_t [3:0] sa, sb;

    always_comb begin
      ins    = d[k].instr;
      op     = tsp_pkg::f_opcode(ins);
      rd     = d[k].valid && (op_class(op) != ClsNone);
      wa     = source_width(ins);
      wb     = dest_width(ins);
      fa     = tsp_pkg::f_a(ins);
      fb     = tsp_pkg::f_b(ins);
      read_b = uses_b(op) && !ins[tsp_isa_pkg::FVopBimmLsb];
      empty = 1'b0;
      for (int i = 0; i < 4; i++) begin
        sa[i] = pick(east_i, west_i, fa[4], {1'b0, fa[3:0]} + 5'(i), k);
        sb[i] = pick(east_i, west_i, fb[4], {1'b0, fb[3:0]} + 5'(i), k);
        if (rd && (3'(i) < wa) && !sa[i].valid) empty = 1'b1;
        if (rd && read_b && (3'(i) < wb) && !sb[i].valid) empty = 1'b1;
      end
      for (int l = 0; l < int'(Lanes); l++) begin
        for (int i = 0; i < 4; i++) begin
          a_lanes[l][8*i +: 8] = (3'(i) < wa) ? sa[i].data[8*l +: 8] : 8'd0;
          b_lanes[l][8*i +: 8] = (3'(i) < wb) ? sb[i].data[8*l +: 8] : 8'd0;
        end
        if (!read_b) b_lanes[l] = tsp_pkg::f_imm(ins);
      end
    end

    assign empty_k[k] = empty;

    tsp_vxm_tile u_tile (
      .clk_i     (clk_i),
      .rst_ni    (rst_ni),
      .rd_valid_i(rd),
      .rd_instr_i(ins),
      .a_i       (a_lanes),
      .b_i       (b_lanes),
      .l2_o      (l2),
      .l3_o      (l3),
      .sf_o      (sf)
    );

    // Write tracks: the instruction whose write is due now, and the tile's result register.
    for (genvar tr = 0; tr < 3; tr++) begin : g_track
      localparam int unsigned L = (tr == 0) ? LatL2 : (tr == 1) ? LatL3 : LatSf;
      localparam logic [1:0] Cls = (tr == 0) ? ClsL2 : (tr == 1) ? ClsL3 : ClsSf;
      logic [63:0] wins;
      logic        wv;
      logic [4:0]  dst;
      logic [2:0]  ww;
      logic [Lanes-1:0][31:0] data;

      tsp_pkg::slot_t [Streams-1:0] wr_e, wr_w;

      always_comb begin
        wins = d[k + L].instr;
        wv   = d[k + L].valid && (op_class(tsp_pkg::f_opcode(wins)) == Cls);
        dst  = tsp_pkg::f_dst(wins);
        ww   = dest_width(wins);
        data = (tr == 0) ? l2 : (tr == 1) ? l3 : sf;
        for (int s = 0; s < int'(Streams); s++) begin
          wr_e[s] = '0;
          wr_w[s] = '0;
          for (int i = 0; i < 4; i++) begin
            if (wv && (3'(i) < ww) && ({1'b0, dst[3:0]} + 5'(i) == 5'(s))) begin
              for (int l = 0; l < int'(Lanes); l++) begin
                if (dst[4]) begin
                  wr_w[s].data[8*l +: 8] = data[l][8*i +: 8];
                end else begin
                  wr_e[s].data[8*l +: 8] = data[l][8*i +: 8];
                end
              end
              if (dst[4]) begin
                wr_w[s].valid = 1'b1;
              end else begin
                wr_e[s].valid = 1'b1;
              end
            end
          end
        end
      end

      for (genvar s = 0; s < int'(Streams); s++) begin : g_stream
        assign east_wr_o[tr][s][k] = wr_e[s];
        assign west_wr_o[tr][s][k] = wr_w[s];
      end
    end
  end

  assign empty_read_o = |empty_k;

endmodule
