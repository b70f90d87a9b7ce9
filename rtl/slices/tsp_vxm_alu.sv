// One VXM ALU: all superlanes of one VXM queue, following the stagger (ModelAccess::TileStep,
// unit kVxm).
//
// An instruction dispatched in run cycle t (valid on disp_i during t) reads its operands at tile k
// during t+k (from east_i / west_i superlane k, or, for an operand with aloc / bloc set (ISA v2,
// `@E4`), from east_own_i / west_own_i: the stream registers at the VXM's own position, which hold
// what either ALU wrote in the previous cycle or the value passing through) and its result is
// requested as a stream write
// during t+k+L, L = tsp_isa_pkg::Lat<Op>. A delay line of dispatched instructions gives every tile
// the instruction it reads now (d[k]) and the instructions whose writes are due now (d[k+L]).
// Writes leave on four tracks, one per latency, so that tsp_vxm can merge all writers in the
// reference model's order:
//   track 0: LatVadd (integer ops, VRELU, VMOV), track 1: LatFadd (fp32 ops, VCVT, VMUL),
//   track 2: LatFrecip (FRECIP, FRSQRT; shorter sequences than FEXP's since ISA version 5),
//   track 3: LatFexp (FEXP).
// Reading an operand slot with valid == 0 raises empty_read_o in the read cycle (the model's
// EmptyRead error), once per stream group element; idle_o is high when no instruction seen so far
// (including the one on disp_i) reads or writes in this cycle or later.
//
// Ports use plain logic arrays with the bit layout of the tsp_pkg types (a slot is
// {valid, data} = [WordBits:0]; disp is {valid, instr} = [64:0]): Yosys 0.55 drops the
// dimensions of packed arrays of structs.
module tsp_vxm_alu (
  input  logic                                                                          clk_i,
  input  logic                                                                          rst_ni,
  input  logic [64:0]                                                                   disp_i,
  input  logic [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0][tsp_pkg::WordBits:0] east_i,
  input  logic [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0][tsp_pkg::WordBits:0] west_i,
  input  logic [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0][tsp_pkg::WordBits:0] east_own_i,
  input  logic [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0][tsp_pkg::WordBits:0] west_own_i,
  // Write tracks: [track][tile] a group write of width wr_w_o (1, 2, 4 streams) at wr_dst_o, its
  // data steered by stream position (wr_data_o[tr][k][j]: byte j & (w - 1) of every lane's result,
  // for stream j mod 4 of the group; tsp_vxm and tsp_stream_regs_vxm decode it).
  output logic [3:0][tsp_pkg::NumSuperlanes-1:0]                                        wr_vld_o,
  output logic [3:0][tsp_pkg::NumSuperlanes-1:0][4:0]                                   wr_dst_o,
  output logic [3:0][tsp_pkg::NumSuperlanes-1:0][2:0]                                   wr_w_o,
  output logic [3:0][tsp_pkg::NumSuperlanes-1:0][3:0][tsp_pkg::WordBits-1:0]            wr_data_o,
  output logic                                                                          empty_read_o,
  output logic                                                                          idle_o
);

  `include "tsp_assert.svh"

  localparam int unsigned S       = tsp_pkg::NumSuperlanes;
  localparam int unsigned Streams = tsp_pkg::StreamsPerDir;
  localparam int unsigned Lanes   = tsp_pkg::Lanes;
  localparam int unsigned VBit    = tsp_pkg::WordBits;  // valid bit of a slot
  localparam int unsigned LatL2   = tsp_isa_pkg::LatVadd;
  localparam int unsigned LatL3   = tsp_isa_pkg::LatFadd;
  localparam int unsigned LatSf   = tsp_isa_pkg::LatFexp;    // the longest special function
  localparam int unsigned LatSfS  = tsp_isa_pkg::LatFrecip;  // FRECIP / FRSQRT: a shorter sequence
  // d[j] = instruction dispatched j cycles ago; d[0] = disp_i, d[j] = hist_q[j-1].
  localparam int unsigned HistLen = S - 1 + LatSf;

  // Latency classes.
  localparam logic [1:0] ClsNone = 2'd0;
  localparam logic [1:0] ClsL2   = 2'd1;
  localparam logic [1:0] ClsL3   = 2'd2;
  localparam logic [1:0] ClsSf   = 2'd3;

  // The tile pipeline has fixed depths: latency-2 results leave stage 1, latency-3 results stage 2,
  // special functions finish their sequence by read + 37 (two cycles a step) and hold the result.
  `ASSERT_INIT(LatL2Ops_A, LatL2 == 2 && tsp_isa_pkg::LatVsub == LatL2 &&
                           tsp_isa_pkg::LatVmax == LatL2 && tsp_isa_pkg::LatVrelu == LatL2 &&
                           tsp_isa_pkg::LatVshl == LatL2 && tsp_isa_pkg::LatVshr == LatL2 &&
                           tsp_isa_pkg::LatVsrl == LatL2 && tsp_isa_pkg::LatVmov == LatL2)
  `ASSERT_INIT(LatL3Ops_A, LatL3 == 3 && tsp_isa_pkg::LatFsub == LatL3 && tsp_isa_pkg::LatFmul == LatL3 &&
                           tsp_isa_pkg::LatVmul == LatL3 &&
                           tsp_isa_pkg::LatFmax == LatL3 && tsp_isa_pkg::LatVcvt == LatL3)
  // Special functions: FEXP's 18 steps of two cycles end in r+36, FRECIP's and FRSQRT's 15 in
  // r+30 (tsp_vxm_tile), the result is written 2 cycles after the last step (2 N + 2), and the next
  // special function (at least its occupancy 2 N + 1 later) finishes only after that write, so the
  // tile's one result register serves both kinds; one write track serves both latencies (two
  // special functions never write in one cycle: the occupancy keeps them apart).
  `ASSERT_INIT(LatSfOps_A, LatSf >= 38 && LatSfS >= 32 && LatSfS <= LatSf && tsp_isa_pkg::LatFrsqrt == LatSfS &&
                           tsp_isa_pkg::OccFexp >= 37 && tsp_isa_pkg::OccFrecip >= 31 &&
                           tsp_isa_pkg::OccFrsqrt == tsp_isa_pkg::OccFrecip &&
                           tsp_isa_pkg::OccFrecip + 30 >= LatSfS && tsp_isa_pkg::OccFexp + 30 >= LatSf &&
                           tsp_isa_pkg::OccFexp > LatSf - LatSfS)

  function automatic logic [1:0] op_class(logic [7:0] op);
    logic [1:0] c;
    unique case (op)
      8'(tsp_isa_pkg::OpVadd), 8'(tsp_isa_pkg::OpVsub),
      8'(tsp_isa_pkg::OpVmax), 8'(tsp_isa_pkg::OpVrelu), 8'(tsp_isa_pkg::OpVshl),
      8'(tsp_isa_pkg::OpVshr), 8'(tsp_isa_pkg::OpVsrl), 8'(tsp_isa_pkg::OpVmov): c = ClsL2;
      8'(tsp_isa_pkg::OpVmul),
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

  // FADD .. FMAX with aint: operand a is an integer group of type stype (tsp::VxmIntA).
  function automatic logic int_a(logic [63:0] ins);
    logic [7:0] op;
    op = tsp_pkg::f_opcode(ins);
    int_a = ins[tsp_isa_pkg::FVxopAintLsb] && (op >= 8'(tsp_isa_pkg::OpFadd)) && (op <= 8'(tsp_isa_pkg::OpFmax));
  endfunction

  // Width of operand a (tsp::VxmSourceWidth): the source type for VCVT and an integer operand a.
  function automatic logic [2:0] source_width(logic [63:0] ins);
    logic [2:0] w;
    if ((tsp_pkg::f_opcode(ins) == 8'(tsp_isa_pkg::OpVcvt)) || int_a(ins)) begin
      w = group_width(tsp_pkg::f_stype(ins));
    end else begin
      w = dest_width(ins);
    end
    source_width = w;
  endfunction

  function automatic logic [7:0] byte_of(logic [31:0] w, logic [1:0] b);
    logic [7:0] r;
    unique case (b)
      2'd0:    r = w[7:0];
      2'd1:    r = w[15:8];
      2'd2:    r = w[23:16];
      default: r = w[31:24];
    endcase
    byte_of = r;
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
  logic [HistLen:0]   d_valid;
  logic [63:0]        d_instr [HistLen + 1];
  logic [HistLen:0]   pending;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hist_valid_q <= '0;
    end else begin
      hist_valid_q <= {hist_valid_q[HistLen-2:0], disp_i[64]};
    end
  end

  always_ff @(posedge clk_i) begin
    hist_instr_q[0] <= disp_i[63:0];
    for (int j = 1; j < int'(HistLen); j++) hist_instr_q[j] <= hist_instr_q[j-1];
  end

  always_comb begin
    d_valid[0] = disp_i[64];
    d_instr[0] = disp_i[63:0];
    for (int j = 1; j <= int'(HistLen); j++) begin
      d_valid[j] = hist_valid_q[j-1];
      d_instr[j] = hist_instr_q[j-1];
    end
    // Entry j still acts in this cycle or later: it reads until j = S-1, writes at j = k + L.
    for (int j = 0; j <= int'(HistLen); j++) begin
      unique case (op_class(tsp_pkg::f_opcode(d_instr[j])))
        ClsL2:   pending[j] = d_valid[j] && (j <= int'(S - 1 + LatL2));
        ClsL3:   pending[j] = d_valid[j] && (j <= int'(S - 1 + LatL3));
        ClsSf:   pending[j] = d_valid[j] && (j <= int'(S - 1 + (tsp_pkg::f_opcode(d_instr[j]) == 8'(tsp_isa_pkg::OpFexp) ? LatSf : LatSfS)));
        default: pending[j] = d_valid[j] && (j <= int'(S - 1));
      endcase
    end
  end

  assign idle_o = ~|pending;

  // ---------------- Tiles ----------------
  // Per-tile multi-dimensional signals live at module scope (Yosys 0.55 cannot size them inside a
  // generate block).
  logic [S-1:0]                          empty_k;
  logic [S-1:0][3:0][VBit:0]             sa, sb;          // operand group slots {valid, data}
  logic [S-1:0][Lanes-1:0][31:0]         a_lanes, b_lanes;
  logic [3:0][S-1:0][Lanes-1:0][31:0]    res;             // [track][tile] result registers
  logic [S-1:0][Lanes-1:0][31:0]         sf_res;          // [tile] the special functions' result


  for (genvar k = 0; k < int'(S); k++) begin : g_tile
    logic [63:0] ins;
    logic [7:0]  op;
    logic        rd;
    logic [2:0]  wa, wb;
    logic [4:0]  fa, fb;
    logic        la, lb;    // read a / b in place (aloc / bloc)
    logic        read_b, empty;

    always_comb begin
      ins    = d_instr[k];
      op     = tsp_pkg::f_opcode(ins);
      rd     = d_valid[k] && (op_class(op) != ClsNone);
      wa     = source_width(ins);
      wb     = dest_width(ins);
      fa     = tsp_pkg::f_a(ins);
      fb     = tsp_pkg::f_b(ins);
      la     = ins[tsp_isa_pkg::FVxopAlocLsb];
      lb     = ins[tsp_isa_pkg::FVxopBlocLsb];
      read_b = uses_b(op) && !ins[tsp_isa_pkg::FVxopBimmLsb];
      empty = 1'b0;
      for (int i = 0; i < 4; i++) begin
        // Element i of the aligned group: stream tsp_pkg::group_stream(index, i), of the field's
        // direction, superlane k: the neighbour's register or, in place, the VXM's own.
        sa[k][i] = '0;
        sb[k][i] = '0;
        for (int s = 0; s < int'(Streams); s++) begin
          if (tsp_pkg::group_stream(fa[3:0], i) == 4'(s)) begin
            sa[k][i] = fa[4] ? (la ? west_own_i[s][k] : west_i[s][k]) : (la ? east_own_i[s][k] : east_i[s][k]);
          end
          if (tsp_pkg::group_stream(fb[3:0], i) == 4'(s)) begin
            sb[k][i] = fb[4] ? (lb ? west_own_i[s][k] : west_i[s][k]) : (lb ? east_own_i[s][k] : east_i[s][k]);
          end
        end
        if (rd && (3'(i) < wa) && !sa[k][i][VBit]) empty = 1'b1;
        if (rd && read_b && (3'(i) < wb) && !sb[k][i][VBit]) empty = 1'b1;
      end
      for (int l = 0; l < int'(Lanes); l++) begin
        for (int i = 0; i < 4; i++) begin
          a_lanes[k][l][8*i +: 8] = (3'(i) < wa) ? sa[k][i][8*l +: 8] : 8'd0;
          b_lanes[k][l][8*i +: 8] = (3'(i) < wb) ? sb[k][i][8*l +: 8] : 8'd0;
        end
        if (!read_b) b_lanes[k][l] = tsp_pkg::f_imm(ins);
      end
    end

    assign empty_k[k] = empty;

    tsp_vxm_tile u_tile (
      .clk_i     (clk_i),
      .rst_ni    (rst_ni),
      .rd_valid_i(rd),
      .rd_instr_i(ins),
      .a_i       (a_lanes[k]),
      .b_i       (b_lanes[k]),
      .l2_o      (res[0][k]),
      .l3_o      (res[1][k]),
      .sf_o      (sf_res[k])
    );
    assign res[2][k] = sf_res[k];  // one result register for both special-function tracks
    assign res[3][k] = sf_res[k];

    // Write tracks: the instruction whose write is due now, and the tile's result register.
    for (genvar tr = 0; tr < 4; tr++) begin : g_track
      localparam int unsigned L = (tr == 0) ? LatL2 : (tr == 1) ? LatL3 : (tr == 2) ? LatSfS : LatSf;
      localparam logic [1:0] Cls = (tr == 0) ? ClsL2 : (tr == 1) ? ClsL3 : ClsSf;
      logic [63:0] wins;
      logic        wv;
      logic [4:0]  dst;
      logic [2:0]  ww;
      logic [1:0]  wmask;   // ww - 1: the byte-in-group bits of a stream index
      logic [4*tsp_pkg::WordBits-1:0] wd;  // position j = bits j*WordBits +: WordBits (a 1-D
                                           // vector: Yosys 0.55, tsp_sxm's header)

      always_comb begin
        wins = d_instr[k + L];
        wv   = d_valid[k + L] && (op_class(tsp_pkg::f_opcode(wins)) == Cls);
        // The special functions: FRECIP / FRSQRT on track 2, FEXP on track 3.
        if (tr == 2) wv = wv && (tsp_pkg::f_opcode(wins) != 8'(tsp_isa_pkg::OpFexp));
        if (tr == 3) wv = wv && (tsp_pkg::f_opcode(wins) == 8'(tsp_isa_pkg::OpFexp));
        dst  = tsp_pkg::f_dst(wins);
        ww   = dest_width(wins);
        wmask = 2'(ww - 3'd1);
        // Position j of the aligned group dst .. dst + ww - 1 (stream j mod 4 of it) is byte
        // (j & wmask) of each lane's 32-bit result, as a 4:1 select (a variable part-select
        // becomes a barrel shifter in Yosys, docs/rtl.md). The data is only meaningful where valid
        // is set.
        for (int j = 0; j < 4; j++) begin
          for (int l = 0; l < int'(Lanes); l++) begin
            wd[j*VBit + 8*l +: 8] = byte_of(res[tr][k][l], 2'(j) & wmask);
          end
        end
      end

      assign wr_vld_o[tr][k] = wv;
      assign wr_dst_o[tr][k] = dst;
      assign wr_w_o[tr][k]   = ww;
      assign wr_data_o[tr][k] = wd;
    end
  end

  assign empty_read_o = |empty_k;

endmodule
