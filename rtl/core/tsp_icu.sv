// Instruction control unit of one queue: instruction memory (IqDepth x 64 bits, block RAM,
// written by the host) and the dispatch state machine of ModelAccess::Icu
// (host/src/ref/model.cc), cycle for cycle.
//
// Timing. The ICU evaluates model cycle t during run cycle t-1 (en_i = 1) and registers the
// result, so that during run cycle t
//   * disp_o  is the instruction dispatched at model cycle t (REPEAT index stride applied),
//   * notify_o pulses if this queue dispatched a NOTIFY at model cycle t,
//   * err_o   pulses the errors the model raises for this queue at model cycle t,
//   * done_o  is 1 if the queue was done after model cycles 0..t-1 (the model's done() check
//     before Step t), parked_o likewise for "parked on SYNC".
// notify_i is the OR of every queue's notify_o, i.e. "some queue notified at model cycle t-1"
// while cycle t is evaluated: a queue parked at or before t-1 is released for t-1+NotifyLatency.
//
// start_i (one cycle, while not running) resets the queue state and reads instruction 0 so that
// the first evaluation (model cycle 0) in the next cycle finds it on the RAM output. The RAM read
// address is always the pc of the next evaluation, so a queue dispatches every cycle without
// bubbles.
//
// Beyond the model (which refuses such programs at load time): an undefined opcode or an opcode
// of another unit raises IllegalOpcode and dispatches nothing; a REPEAT that does not follow a
// dispatched unit instruction raises IllegalOpcode, a REPEAT with n = 0 or d = 0 raises BadField,
// and both are then skipped. A READ/WRITE whose REPEAT index does not fit the 16-bit addr field
// raises BadField at dispatch (the model reports it at the operand reads; the sticky bits agree
// from the same cycle on).
`include "tsp_assert.svh"

module tsp_icu #(
  parameter int unsigned QueueId = 0,
  localparam int unsigned IqAddrBits = tsp_pkg::IqAddrBits
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // Run control (from tsp_core).
  input  logic                  start_i,
  input  logic                  en_i,
  input  logic [IqAddrBits:0]   qlen_i,
  input  logic                  notify_i,
  // Host port: 32-bit halves of the 64-bit instruction words (hi_i = 1: bits 63:32).
  input  logic                  host_we_i,
  input  logic                  host_re_i,
  input  logic [IqAddrBits-1:0] host_addr_i,
  input  logic                  host_hi_i,
  input  logic [31:0]           host_wdata_i,
  output logic [31:0]           host_rdata_o,
  // Dispatch.
  output tsp_pkg::disp_t        disp_o,
  output logic                  notify_o,
  output tsp_pkg::err_t         err_o,
  output logic                  done_o,
  output logic                  parked_o
);
  // ---------------------------------------------------------------------------------------------
  // Queue kind (from the queue id) and opcode tables (from the generated ISA package).
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [2:0] {
    UnitNone = 3'd0,
    UnitIcu  = 3'd1,
    UnitMem  = 3'd2,
    UnitVxm  = 3'd3,
    UnitSxm  = 3'd4,
    UnitMxm  = 3'd5
  } unit_e;

  localparam unit_e Kind = QueueId < tsp_pkg::NumMemSlices ? UnitMem :
                           QueueId < tsp_pkg::QueueSxmW    ? UnitVxm :
                           QueueId < tsp_pkg::QueueMxmW    ? UnitSxm : UnitMxm;

  function automatic unit_e op_unit(logic [7:0] op);
    unit_e u;
    unique case (op)
      tsp_isa_pkg::OpNop, tsp_isa_pkg::OpRepeat, tsp_isa_pkg::OpSync, tsp_isa_pkg::OpNotify:
        u = UnitIcu;
      tsp_isa_pkg::OpRead, tsp_isa_pkg::OpWrite, tsp_isa_pkg::OpGather, tsp_isa_pkg::OpScatter:
        u = UnitMem;
      tsp_isa_pkg::OpVadd, tsp_isa_pkg::OpVsub, tsp_isa_pkg::OpVmul, tsp_isa_pkg::OpVmax,
      tsp_isa_pkg::OpVrelu, tsp_isa_pkg::OpVshl, tsp_isa_pkg::OpVshr, tsp_isa_pkg::OpVsrl,
      tsp_isa_pkg::OpVmov, tsp_isa_pkg::OpVcvt, tsp_isa_pkg::OpFadd, tsp_isa_pkg::OpFsub,
      tsp_isa_pkg::OpFmul, tsp_isa_pkg::OpFmax, tsp_isa_pkg::OpFexp, tsp_isa_pkg::OpFrecip,
      tsp_isa_pkg::OpFrsqrt:
        u = UnitVxm;
      tsp_isa_pkg::OpShup, tsp_isa_pkg::OpShdn, tsp_isa_pkg::OpPerm, tsp_isa_pkg::OpDist,
      tsp_isa_pkg::OpTrans, tsp_isa_pkg::OpRsum, tsp_isa_pkg::OpRmax:
        u = UnitSxm;
      tsp_isa_pkg::OpLw, tsp_isa_pkg::OpIw, tsp_isa_pkg::OpAbc:
        u = UnitMxm;
      default:
        u = UnitNone;
    endcase
    op_unit = u;
  endfunction

  localparam int unsigned OccBits = 16;
  typedef logic [OccBits-1:0] occ_t;

  // Occupancy of a unit opcode (cycles before the unit accepts the next instruction).
  function automatic occ_t op_occupancy(logic [7:0] op);
    occ_t occ;
    unique case (op)
      tsp_isa_pkg::OpRead:    occ = occ_t'(tsp_isa_pkg::OccRead);
      tsp_isa_pkg::OpWrite:   occ = occ_t'(tsp_isa_pkg::OccWrite);
      tsp_isa_pkg::OpGather:  occ = occ_t'(tsp_isa_pkg::OccGather);
      tsp_isa_pkg::OpScatter: occ = occ_t'(tsp_isa_pkg::OccScatter);
      tsp_isa_pkg::OpVadd:    occ = occ_t'(tsp_isa_pkg::OccVadd);
      tsp_isa_pkg::OpVsub:    occ = occ_t'(tsp_isa_pkg::OccVsub);
      tsp_isa_pkg::OpVmul:    occ = occ_t'(tsp_isa_pkg::OccVmul);
      tsp_isa_pkg::OpVmax:    occ = occ_t'(tsp_isa_pkg::OccVmax);
      tsp_isa_pkg::OpVrelu:   occ = occ_t'(tsp_isa_pkg::OccVrelu);
      tsp_isa_pkg::OpVshl:    occ = occ_t'(tsp_isa_pkg::OccVshl);
      tsp_isa_pkg::OpVshr:    occ = occ_t'(tsp_isa_pkg::OccVshr);
      tsp_isa_pkg::OpVsrl:    occ = occ_t'(tsp_isa_pkg::OccVsrl);
      tsp_isa_pkg::OpVmov:    occ = occ_t'(tsp_isa_pkg::OccVmov);
      tsp_isa_pkg::OpVcvt:    occ = occ_t'(tsp_isa_pkg::OccVcvt);
      tsp_isa_pkg::OpFadd:    occ = occ_t'(tsp_isa_pkg::OccFadd);
      tsp_isa_pkg::OpFsub:    occ = occ_t'(tsp_isa_pkg::OccFsub);
      tsp_isa_pkg::OpFmul:    occ = occ_t'(tsp_isa_pkg::OccFmul);
      tsp_isa_pkg::OpFmax:    occ = occ_t'(tsp_isa_pkg::OccFmax);
      tsp_isa_pkg::OpFexp:    occ = occ_t'(tsp_isa_pkg::OccFexp);
      tsp_isa_pkg::OpFrecip:  occ = occ_t'(tsp_isa_pkg::OccFrecip);
      tsp_isa_pkg::OpFrsqrt:  occ = occ_t'(tsp_isa_pkg::OccFrsqrt);
      tsp_isa_pkg::OpShup:    occ = occ_t'(tsp_isa_pkg::OccShup);
      tsp_isa_pkg::OpShdn:    occ = occ_t'(tsp_isa_pkg::OccShdn);
      tsp_isa_pkg::OpPerm:    occ = occ_t'(tsp_isa_pkg::OccPerm);
      tsp_isa_pkg::OpDist:    occ = occ_t'(tsp_isa_pkg::OccDist);
      tsp_isa_pkg::OpTrans:   occ = occ_t'(tsp_isa_pkg::OccTrans);
      tsp_isa_pkg::OpRsum:    occ = occ_t'(tsp_isa_pkg::OccRsum);
      tsp_isa_pkg::OpRmax:    occ = occ_t'(tsp_isa_pkg::OccRmax);
      tsp_isa_pkg::OpLw:      occ = occ_t'(tsp_isa_pkg::OccLw);
      tsp_isa_pkg::OpIw:      occ = occ_t'(tsp_isa_pkg::OccIw);
      tsp_isa_pkg::OpAbc:     occ = occ_t'(tsp_isa_pkg::OccAbc);
      default:                occ = occ_t'(1);
    endcase
    op_occupancy = occ;
  endfunction

  // Index field a REPEAT strides: MEM READ/WRITE address, LW row (imm); 0 otherwise.
  function automatic logic [31:0] index_of(logic [63:0] instr);
    logic [31:0] idx;
    unique case (instr[7:0])
      tsp_isa_pkg::OpRead, tsp_isa_pkg::OpWrite: idx = 32'(tsp_pkg::f_addr(instr));
      tsp_isa_pkg::OpLw:                         idx = tsp_pkg::f_imm(instr);
      default:                                   idx = '0;
    endcase
    index_of = idx;
  endfunction

  // The dispatched word: the index field replaced by the (strided) index.
  function automatic logic [63:0] with_index(logic [63:0] instr, logic [31:0] idx);
    logic [63:0] w;
    w = instr;
    unique case (instr[7:0])
      tsp_isa_pkg::OpRead, tsp_isa_pkg::OpWrite:
        w[tsp_isa_pkg::FMemAddrLsb +: tsp_isa_pkg::FMemAddrWidth] =
            idx[tsp_isa_pkg::FMemAddrWidth-1:0];
      tsp_isa_pkg::OpLw:
        w[tsp_isa_pkg::FVopImmLsb +: tsp_isa_pkg::FVopImmWidth] = idx;
      default: ;
    endcase
    with_index = w;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Instruction memory.
  // ---------------------------------------------------------------------------------------------
  logic [IqAddrBits-1:0] ram_raddr;
  logic [63:0]           instr;

  tsp_ram_sdp #(
    .Width(64),
    .Depth(tsp_pkg::IqDepth)
  ) u_iq (
    .clk_i,
    .we_i   (host_we_i),
    .wbe_i  (host_hi_i ? 8'hF0 : 8'h0F),
    .waddr_i(host_addr_i),
    .wdata_i({host_wdata_i, host_wdata_i}),
    .re_i   (1'b1),
    .raddr_i(ram_raddr),
    .rdata_o(instr)
  );

  logic host_hi_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) host_hi_q <= 1'b0;
    else if (host_re_i) host_hi_q <= host_hi_i;
  end
  assign host_rdata_o = host_hi_q ? instr[63:32] : instr[31:0];

  // ---------------------------------------------------------------------------------------------
  // Queue state (the model's QueueState, with cycle stamps turned into countdowns).
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [2:0] {
    StRun    = 3'd0,  // next evaluation fetches
    StNop    = 3'd1,  // cnt_q = cycles until the next fetch
    StRepeat = 3'd2,  // cnt_q = cycles until the next re-issue
    StSync   = 3'd3,  // parked; once released, cnt_q = cycles until the release
    StDone   = 3'd4
  } status_e;

  status_e             status_q, status_d;
  logic [IqAddrBits:0] pc_q, pc_d;
  logic [31:0]         cnt_q, cnt_d;
  logic                released_q, released_d;
  occ_t                busy_q, busy_d;       // occupancy countdown (0 = unit free)
  // The running occupancy is an interleaving instruction's (FEXP ..; ISA version 5): the unit takes
  // instructions without interleave at its odd offsets, i.e. where busy_q's parity differs from
  // its occupancy's (offset = occupancy - busy_q).
  logic                il_q, il_d;
  logic                il_par_q, il_par_d;   // bit 0 of that occupancy
  logic [15:0]         rep_left_q, rep_left_d;
  logic [15:0]         rep_d_q, rep_d_d;
  logic [15:0]         rep_stride_q, rep_stride_d;
  logic [31:0]         idx_q, idx_d;         // index of the last dispatch
  logic [63:0]         prev_q, prev_d;       // last dispatched unit instruction (as fetched)
  logic                prev_unit_q, prev_unit_d;  // the last fetched word was a dispatched unit op
  logic                done_prev_q, parked_prev_q;

  tsp_pkg::disp_t disp_d;
  logic           disp_valid_q;
  logic [63:0]    disp_instr_q;
  logic           notify_d, notify_q;
  tsp_pkg::err_t  err_d, err_q;

  // Instruction fields of the fetched word.
  logic [7:0]  op;
  logic [31:0] nop_n;
  logic [15:0] rep_n, rep_dd, rep_stride;
  assign op         = instr[7:0];
  assign nop_n      = instr[tsp_isa_pkg::FNopNLsb +: tsp_isa_pkg::FNopNWidth];
  assign rep_n      = instr[tsp_isa_pkg::FRepeatNLsb +: tsp_isa_pkg::FRepeatNWidth];
  assign rep_dd     = instr[tsp_isa_pkg::FRepeatDLsb +: tsp_isa_pkg::FRepeatDWidth];
  assign rep_stride = instr[tsp_isa_pkg::FRepeatStrideLsb +: tsp_isa_pkg::FRepeatStrideWidth];

  // Occupancy check of a dispatch of `op` (model.cc Dispatch): UnitBusy while the unit is busy,
  // except for an instruction without interleave in an odd slot of an interleaving one, which
  // leaves that occupancy running (busy_d counts down); otherwise op's occupancy starts.
  function automatic logic in_slot(logic [7:0] o, occ_t busy, logic il, logic il_par);
    in_slot = busy != '0 && il && !tsp_isa_pkg::InterleaveOps[o] && (busy[0] != il_par);
  endfunction

  logic        fetch, last, reissue;
  logic [15:0] ri_left, ri_d;  // REPEAT parameters of a re-issue
  logic        ri_new;         // ... of the REPEAT fetched now (its first re-issue, d = 1)
  logic [31:0] ri_idx;
  // The re-issue's index for both strides, computed beside the fetch's decode and selected by it
  // (the stride read from the queue RAM goes straight into its adder: issue 10's timing work, the
  // RAM -> decode -> select -> adder -> error-flag path was the top's deepest).
  logic [31:0] ri_idx_run, ri_idx_new;
  logic        ri_oob_run, ri_oob_new;  // index beyond the MEM address field (READ / WRITE)
  assign ri_idx_run = idx_q + {{16{rep_stride_q[15]}}, rep_stride_q};
  assign ri_idx_new = idx_q + {{16{rep_stride[15]}}, rep_stride};
  assign ri_oob_run = ri_idx_run[31:tsp_isa_pkg::FMemAddrWidth] != '0;
  assign ri_oob_new = ri_idx_new[31:tsp_isa_pkg::FMemAddrWidth] != '0;

  always_comb begin
    status_d     = status_q;
    pc_d         = pc_q;
    cnt_d        = cnt_q;
    released_d   = released_q;
    busy_d       = busy_q;
    il_d         = il_q;
    il_par_d     = il_par_q;
    rep_left_d   = rep_left_q;
    rep_d_d      = rep_d_q;
    rep_stride_d = rep_stride_q;
    idx_d        = idx_q;
    prev_d       = prev_q;
    prev_unit_d  = prev_unit_q;
    disp_d       = '0;
    notify_d     = 1'b0;
    err_d        = '0;
    fetch        = 1'b0;
    reissue      = 1'b0;
    last         = 1'b0;
    ri_left      = rep_left_q;
    ri_d         = rep_d_q;
    ri_new       = 1'b0;
    ri_idx       = '0;

    if (start_i) begin
      status_d    = qlen_i == '0 ? StDone : StRun;
      pc_d        = '0;
      cnt_d       = '0;
      released_d  = 1'b0;
      busy_d      = '0;
      il_d        = 1'b0;
      rep_left_d  = '0;
      idx_d       = '0;
      prev_unit_d = 1'b0;
    end else if (en_i) begin
      if (busy_q != '0) busy_d = busy_q - 1'b1;

      unique case (status_q)
        StRun: fetch = 1'b1;
        StNop: begin
          if (cnt_q == '0) begin
            fetch = 1'b1;
          end else begin
            cnt_d = cnt_q - 1'b1;
            // NOP tail: done once the NOP's last cycle has been evaluated.
            if (cnt_q == 32'd1 && pc_q >= qlen_i) status_d = StDone;
          end
        end
        StRepeat: begin
          if (cnt_q == '0) reissue = 1'b1;
          else cnt_d = cnt_q - 1'b1;
        end
        StSync: begin
          if (released_q) begin
            if (cnt_q == '0) fetch = 1'b1;
            else cnt_d = cnt_q - 1'b1;
          end else if (notify_i) begin
            // Released by a NOTIFY at the previous model cycle: go at that cycle + NotifyLatency.
            released_d = 1'b1;
            cnt_d      = 32'(tsp_isa_pkg::NotifyLatency - 2);
          end
        end
        default: ;  // StDone
      endcase

      if (fetch) begin
        status_d   = StRun;
        released_d = 1'b0;
        if (pc_q >= qlen_i) begin
          status_d = StDone;
        end else begin
          pc_d        = pc_q + 1'b1;
          last        = pc_d >= qlen_i;
          prev_unit_d = 1'b0;
          unique case (op)
            tsp_isa_pkg::OpNop: begin
              status_d = StNop;
              cnt_d    = nop_n == '0 ? '0 : nop_n - 1'b1;
              if (last && nop_n <= 32'd1) status_d = StDone;
            end
            tsp_isa_pkg::OpRepeat: begin
              if (!prev_unit_q) begin
                err_d[tsp_isa_pkg::ErrIllegalOpcodeBit] = 1'b1;
                if (last) status_d = StDone;
              end else if (rep_n == '0 || rep_dd == '0) begin
                err_d[tsp_isa_pkg::ErrBadFieldBit] = 1'b1;
                if (last) status_d = StDone;
              end else begin
                rep_left_d   = rep_n;
                rep_d_d      = rep_dd;
                rep_stride_d = rep_stride;
                if (rep_dd == 16'd1) begin
                  // First re-issue in this cycle (t0 + d = now).
                  reissue   = 1'b1;
                  ri_left   = rep_n;
                  ri_d      = rep_dd;
                  ri_new    = 1'b1;
                end else begin
                  status_d = StRepeat;
                  cnt_d    = 32'(rep_dd) - 32'd2;
                end
              end
            end
            tsp_isa_pkg::OpSync: begin
              status_d   = StSync;
              released_d = 1'b0;
            end
            tsp_isa_pkg::OpNotify: begin
              notify_d = 1'b1;
              if (last) status_d = StDone;
            end
            default: begin
              if (op_unit(op) == Kind) begin
                if (!in_slot(op, busy_q, il_q, il_par_q)) begin
                  if (busy_q != '0) err_d[tsp_isa_pkg::ErrUnitBusyBit] = 1'b1;
                  busy_d   = op_occupancy(op) - 1'b1;
                  il_d     = tsp_isa_pkg::InterleaveOps[op];
                  il_par_d = op_occupancy(op) % 2 != 0;
                end
                disp_d.valid  = 1'b1;
                disp_d.instr  = instr;
                idx_d         = index_of(instr);
                prev_d        = instr;
                prev_unit_d   = 1'b1;
              end else begin
                err_d[tsp_isa_pkg::ErrIllegalOpcodeBit] = 1'b1;
              end
              if (last) status_d = StDone;
            end
          endcase
        end
      end

      if (reissue) begin
        ri_idx       = ri_new ? ri_idx_new : ri_idx_run;
        idx_d        = ri_idx;
        rep_left_d   = ri_left - 1'b1;
        if (!in_slot(prev_q[7:0], busy_q, il_q, il_par_q)) begin
          if (busy_q != '0) err_d[tsp_isa_pkg::ErrUnitBusyBit] = 1'b1;
          busy_d   = op_occupancy(prev_q[7:0]) - 1'b1;
          il_d     = tsp_isa_pkg::InterleaveOps[prev_q[7:0]];
          il_par_d = op_occupancy(prev_q[7:0]) % 2 != 0;
        end
        disp_d.valid = 1'b1;
        disp_d.instr = with_index(prev_q, ri_idx);
        if ((prev_q[7:0] == tsp_isa_pkg::OpRead || prev_q[7:0] == tsp_isa_pkg::OpWrite) &&
            (ri_new ? ri_oob_new : ri_oob_run)) begin
          err_d[tsp_isa_pkg::ErrBadFieldBit] = 1'b1;
        end
        if (ri_left == 16'd1) begin
          status_d = pc_d >= qlen_i ? StDone : StRun;
        end else begin
          status_d = StRepeat;
          cnt_d    = 32'(ri_d) - 32'd1;
        end
      end
    end
  end

  // RAM read address: the pc of the next evaluation; the host reads while the queue is idle.
  always_comb begin
    if (start_i) ram_raddr = '0;
    else if (host_re_i && !en_i) ram_raddr = host_addr_i;
    else ram_raddr = pc_d[IqAddrBits-1:0];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      status_q      <= StDone;
      pc_q          <= '0;
      cnt_q         <= '0;
      released_q    <= 1'b0;
      busy_q        <= '0;
      il_q          <= 1'b0;
      il_par_q      <= 1'b0;
      rep_left_q    <= '0;
      rep_d_q       <= '0;
      rep_stride_q  <= '0;
      idx_q         <= '0;
      prev_unit_q   <= 1'b0;
      done_prev_q   <= 1'b1;
      parked_prev_q <= 1'b0;
      disp_valid_q  <= 1'b0;
      notify_q      <= 1'b0;
      err_q         <= '0;
    end else begin
      status_q      <= status_d;
      pc_q          <= pc_d;
      cnt_q         <= cnt_d;
      released_q    <= released_d;
      busy_q        <= busy_d;
      il_q          <= il_d;
      il_par_q      <= il_par_d;
      rep_left_q    <= rep_left_d;
      rep_d_q       <= rep_d_d;
      rep_stride_q  <= rep_stride_d;
      idx_q         <= idx_d;
      prev_unit_q   <= prev_unit_d;
      if (en_i) begin
        done_prev_q   <= status_q == StDone;
        parked_prev_q <= status_q == StSync;
      end
      disp_valid_q  <= disp_d.valid;
      notify_q      <= notify_d;
      err_q         <= err_d;
    end
  end

  // Payload registers without reset.
  always_ff @(posedge clk_i) begin
    prev_q       <= prev_d;
    disp_instr_q <= disp_d.instr;
  end

  assign disp_o.valid = disp_valid_q;
  assign disp_o.instr = disp_instr_q;
  assign notify_o = notify_q;
  assign err_o    = err_q;
  assign done_o   = done_prev_q;
  assign parked_o = parked_prev_q;

  // ---------------------------------------------------------------------------------------------
  // Assertions.
  // ---------------------------------------------------------------------------------------------
  `ASSERT_INIT(NotifyLatencyAtLeast2_A, tsp_isa_pkg::NotifyLatency >= 2)
  `ASSERT_INIT(QueueIdInRange_A, QueueId < tsp_pkg::NumQueues)
  `ASSERT_NEVER(StartWhileRunning_A, start_i && en_i)
  `ASSERT_NEVER(QlenTooLarge_A, qlen_i > (IqAddrBits+1)'(tsp_pkg::IqDepth))
  `ASSERT_NEVER(DispatchWithoutEval_A, disp_d.valid && !en_i)
endmodule
