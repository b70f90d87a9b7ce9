// TSP core: the stream fabric, one ICU per queue, the MEM slices, the VXM, both SXMs and both
// MXMs, error collection and run control. Floorplan as tsp::Geometry (host/src/isa/geometry.cc):
//
//   position 0: mxm.w | 1: sxm.w | VxmPosition-1-m: mem.w<m> | VxmPosition: vxm |
//   VxmPosition+1+m: mem.e<m> | P-2: sxm.e | P-1: mxm.e            (P = NumPositions)
//
// Queue ids (tsp_pkg): mem.w0..w(M-1) = 0..M-1, mem.e0..e(M-1) = M..2M-1, vxm.<a> = QueueVxm0+a,
// sxm.w, sxm.e, mxm.w, mxm.e = QueueSxmW .. QueueMxmE. MEM slice id = queue id (west 0..M-1,
// east M..2M-1), as Geometry::MemSliceId.
//
// Run control. CTRL.START (start_i, ignored while busy) is followed by one cycle ("start") that
// resets the ICUs (and fetches their instruction 0), the slices (a one-cycle soft reset) and the
// fabric, and one cycle ("prime") in which the ICUs evaluate model cycle 0; then run cycle 0
// begins (three cycles after the START write). In run cycle t the ICUs
// present the model-cycle-t dispatch and evaluate cycle t+1 (docs/rtl.md, time alignment).
// DONE is detected in the first run cycle t in which every ICU reports done (done after model
// cycles 0..t-1) and every slice is idle; then cycle_o = t, the model's cycle count
// (Model::Run()). clear_i stops at once. While not running, the fabric and the ICUs hold still.
//
// ------------------------------------------------------------------------------------------------
// Observation signals for the lockstep testbench (all /* verilator public_flat_rd */, in this
// module, so in Verilator 5 e.g. rootp->tsp_top__DOT__u_core__DOT__stream_q when tsp_top is the
// top; the same names under TOP__DOT__... / tsp_core__DOT__... for other tops):
//
//   run_q                 1 during run cycles (cleared the cycle DONE is reached or on CLEAR)
//   cycle_q [63:0]        the run cycle number t during run cycle t
//   stream_q              tsp_pkg::sreg_t [1:0][NumPositions-1:0][StreamsPerDir-1:0][S-1:0]:
//                         stream_q[dir][pos][stream][superlane] = {valid, data[127:0]};
//                         dir 0 = east-going, 1 = west-going; data byte l (bits 8l+7:8l) is lane
//                         16*superlane + l. During run cycle t it holds the model's Stream(dir,
//                         stream, pos, superlane) after t Steps. Flat bit offset of a slot:
//                         (((dir*P + pos)*StreamsPerDir + stream)*NumSuperlanes + superlane)*129,
//                         data at +0..127, valid at +128.
//   mem_mon_we   [NumMemSlices-1:0][NumSuperlanes-1:0]                  bank write this cycle
//   mem_mon_addr [NumMemSlices-1:0][NumSuperlanes-1:0][MemAddrBits-1:0] word address (bank*W+word)
//   mem_mon_data [NumMemSlices-1:0][NumSuperlanes-1:0] word_t           the 16 bytes written
//                         During run cycle t these are exactly the model's mem_writes() of
//                         Step t: slice (first index), superlane, addr, data.
//   err_now               tsp_pkg::err_t, OR of every error pulse raised for model cycle t
//                         during run cycle t (the sticky ERROR register accumulates it)
//   icu_disp              tsp_pkg::disp_t [NumQueues-1:0], the dispatch of model cycle t per queue
// ------------------------------------------------------------------------------------------------
`include "tsp_assert.svh"

module tsp_core #(
  localparam int unsigned NumQueues  = tsp_pkg::NumQueues,
  localparam int unsigned IqAddrBits = tsp_pkg::IqAddrBits,
  localparam int unsigned QBits      = $clog2(tsp_pkg::NumQueues),
  localparam int unsigned SliceBits  = $clog2(tsp_pkg::NumMemSlices),
  localparam int unsigned TileBits   = tsp_pkg::NumSuperlanes > 1 ?
                                       $clog2(tsp_pkg::NumSuperlanes) : 1
) (
  input  logic                                clk_i,
  input  logic                                rst_ni,
  // Run control (from tsp_csr).
  input  logic                                start_i,
  input  logic                                clear_i,
  input  logic [NumQueues-1:0][IqAddrBits:0]  qlen_i,
  output logic                                busy_o,
  output logic                                done_o,
  output tsp_pkg::err_t                       error_o,
  output logic [63:0]                         cycle_o,
  // Host instruction-queue port (32-bit halves of instruction words).
  input  logic                                iq_we_i,
  input  logic                                iq_re_i,
  input  logic [QBits-1:0]                    iq_queue_i,
  input  logic [IqAddrBits-1:0]               iq_addr_i,
  input  logic                                iq_hi_i,
  input  logic [31:0]                         iq_wdata_i,
  output logic [31:0]                         iq_rdata_o,
  // Host MEM port (32-bit = 4 lanes of one word of one tile).
  input  logic                                mem_we_i,
  input  logic                                mem_re_i,
  input  logic [SliceBits-1:0]                mem_slice_i,
  input  logic [tsp_pkg::MemAddrBits-1:0]     mem_addr_i,
  input  logic [TileBits-1:0]                 mem_tile_i,
  input  logic [1:0]                          mem_lane4_i,
  input  logic [31:0]                         mem_wdata_i,
  output logic [31:0]                         mem_rdata_o
);
  localparam int unsigned P        = tsp_pkg::NumPositions;
  localparam int unsigned S        = tsp_pkg::NumSuperlanes;
  localparam int unsigned NS       = tsp_pkg::StreamsPerDir;
  localparam int unsigned M        = tsp_pkg::MemSlicesPerHemi;
  localparam int unsigned NumMem   = tsp_pkg::NumMemSlices;
  localparam int unsigned A        = tsp_pkg::VxmAlus;
  localparam int unsigned VxmPos   = tsp_pkg::VxmPosition;
  localparam int unsigned AddrBits = tsp_pkg::MemAddrBits;

  // ---------------------------------------------------------------------------------------------
  // Run control.
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [1:0] {
    PhIdle  = 2'd0,
    PhStart = 2'd1,  // ICU / slice / fabric reset, instruction 0 fetched
    PhPrime = 2'd2,  // ICUs evaluate model cycle 0
    PhRun   = 2'd3
  } phase_e;

  phase_e        phase_q, phase_d;
  logic          run_q /* verilator public_flat_rd */;
  logic [63:0]   cycle_q /* verilator public_flat_rd */;
  logic          done_q;
  tsp_pkg::err_t error_q;
  tsp_pkg::err_t err_now /* verilator public_flat_rd */;
  logic          slice_rst_nq;  // soft reset of the slices: PhStart, and after CLEAR
  logic          all_done, all_idle, finish;

  logic                          icu_start, icu_en;
  logic [NumQueues-1:0]          icu_done, icu_parked, icu_notify;
  tsp_pkg::err_t [NumQueues-1:0] icu_err;
  // Elements laid out as tsp_pkg::disp_t (a plain array: Yosys 0.55 drops the dimensions of packed
  // arrays of packed structs).
  logic [NumQueues-1:0][tsp_pkg::DispBits-1:0] icu_disp /* verilator public_flat_rd */;
  logic [NumQueues-1:0][31:0]    icu_rdata;
  logic                          notify_any;

  assign icu_start = phase_q == PhStart;
  assign icu_en    = phase_q == PhPrime || phase_q == PhRun;
  assign all_done  = &icu_done;
  assign finish    = phase_q == PhRun && all_done && all_idle;

  always_comb begin
    phase_d = phase_q;
    unique case (phase_q)
      PhIdle:  if (start_i) phase_d = PhStart;
      PhStart: phase_d = PhPrime;
      PhPrime: phase_d = PhRun;
      PhRun:   if (finish) phase_d = PhIdle;
      default: phase_d = PhIdle;
    endcase
    if (clear_i) phase_d = PhIdle;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      phase_q      <= PhIdle;
      run_q        <= 1'b0;
      cycle_q      <= '0;
      done_q       <= 1'b0;
      error_q      <= '0;
      slice_rst_nq <= 1'b0;
    end else begin
      phase_q      <= phase_d;
      run_q        <= phase_d == PhRun;
      // Slices are reset by START (fresh state for run cycle 0) and by CLEAR (an abandoned run's
      // in-flight reads, writes and ALU pipelines are discarded, not left draining while idle).
      slice_rst_nq <= !(clear_i || (phase_q == PhIdle && start_i));
      if (phase_q == PhIdle && start_i) begin  // STATUS / ERROR / CYCLE restart with the write
        cycle_q <= '0;
        done_q  <= 1'b0;
        error_q <= '0;
      end
      if (phase_q == PhRun) begin
        error_q <= error_q | err_now;
        if (finish) done_q <= 1'b1;
        else cycle_q <= cycle_q + 64'd1;
      end
      if (clear_i) begin
        done_q  <= 1'b0;
        error_q <= '0;
      end
    end
  end

  assign busy_o  = phase_q != PhIdle;
  assign done_o  = done_q;
  assign error_o = error_q;
  assign cycle_o = cycle_q;

  // ---------------------------------------------------------------------------------------------
  // Instruction control units.
  // ---------------------------------------------------------------------------------------------
  assign notify_any = |icu_notify;  // every notify_o is registered in its ICU already

  for (genvar q = 0; q < NumQueues; q++) begin : g_icu
    tsp_icu #(.QueueId(q)) u_icu (
      .clk_i,
      .rst_ni,
      .start_i     (icu_start && !clear_i),
      .en_i        (icu_en),
      .qlen_i      (qlen_i[q]),
      .notify_i    (notify_any),
      .host_we_i   (iq_we_i && 32'(iq_queue_i) == q),
      .host_re_i   (iq_re_i && 32'(iq_queue_i) == q),
      .host_addr_i (iq_addr_i),
      .host_hi_i   (iq_hi_i),
      .host_wdata_i(iq_wdata_i),
      .host_rdata_o(icu_rdata[q]),
      .disp_o      (icu_disp[q]),
      .notify_o    (icu_notify[q]),
      .err_o       (icu_err[q]),
      .done_o      (icu_done[q]),
      .parked_o    (icu_parked[q])
    );
  end

  logic [QBits-1:0] iq_queue_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) iq_queue_q <= '0;
    else if (iq_re_i) iq_queue_q <= iq_queue_i;
  end
  assign iq_rdata_o = 32'(iq_queue_q) < NumQueues ? icu_rdata[iq_queue_q] : '0;

  // ---------------------------------------------------------------------------------------------
  // Stream fabric.
  // ---------------------------------------------------------------------------------------------
  tsp_pkg::sreg_t [1:0][P-1:0][NS-1:0][S-1:0] stream_q /* verilator public_flat_rd */;
  // Write requests per position ({valid, data} per stream register), used at the MXM positions.
  // The other slices give write ports instead, decoded in the stream registers of their position:
  // the MEM slices two per superlane (mem_wr_*, tsp_stream_regs_mem), the SXMs their four write
  // pipelines (sxm_wr_*, tsp_stream_regs_sxm), the VXM four tracks per ALU (vxm_wr_*,
  // tsp_stream_regs_vxm); their entries here stay zero and unread.
  /* verilator lint_off UNUSEDSIGNAL */
  tsp_pkg::sreg_t [P-1:0][NS-1:0][S-1:0] east_wr, west_wr;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [NumMem-1:0][S-1:0][1:0]                       mem_wr_valid;
  logic [NumMem-1:0][S-1:0][1:0][4:0]                  mem_wr_s;
  logic [NumMem-1:0][S-1:0][1:0][tsp_pkg::WordBits-1:0] mem_wr_data;
  logic [1:0][S-1:0][1:0][NS-1:0]                      sxm_wr_hit;   // [0] = west SXM, [1] = east
  logic [1:0][S-1:0][1:0][NS-1:0][1:0]                 sxm_wr_sel;
  logic [1:0][3:0][S-1:0][3:0][tsp_pkg::WordBits-1:0]  sxm_wr_data;
  logic [S-1:0][1:0][NS-1:0]                           vxm_wr_hit;
  logic [S-1:0][1:0][NS-1:0][$clog2(4*A)-1:0]          vxm_wr_sel;
  logic [4*A-1:0][S-1:0][3:0][tsp_pkg::WordBits-1:0]   vxm_wr_data;
  tsp_pkg::sreg_t [P-1:0][NS-1:0][S-1:0] east_in, west_in;      // what the slice at p reads
  tsp_pkg::err_t     [P-1:0]      slice_err;
  logic              [P-1:0]      slice_idle;

  // What the slice at p reads: the registers of its neighbours (nothing enters at the chip edges).
  always_comb begin
    for (int unsigned p = 0; p < P; p++) begin
      east_in[p] = p == 0 ? '0 : stream_q[0][p == 0 ? 0 : p-1];
      west_in[p] = p == P-1 ? '0 : stream_q[1][p == P-1 ? P-1 : p+1];
    end
  end

  // One tsp_stream_regs per position. Every slot (valid and data) is cleared by reset and by
  // START (PhStart, PhPrime), like Model::Start(); values that nobody writes at the chip edge
  // become empty slots with zero data, like the model's. A write request wins over the value
  // moving on.
  logic fabric_clear, fabric_en;
  assign fabric_clear = phase_q == PhStart || phase_q == PhPrime;
  assign fabric_en    = phase_q == PhRun;

  for (genvar p = 0; p < P; p++) begin : g_pos
    if ((p + M >= VxmPos && p < VxmPos) || (p > VxmPos && p <= VxmPos + M)) begin : g_mem_pos
      // MEM slice i at this position (the inverse of g_mem's Pos).
      localparam int unsigned I = p < VxmPos ? VxmPos - 1 - p : M + p - VxmPos - 1;
      tsp_stream_regs_mem u_regs (
        .clk_i,
        .rst_ni,
        .clear_i   (fabric_clear),
        .en_i      (fabric_en),
        .east_in_i (east_in[p]),
        .west_in_i (west_in[p]),
        .wr_valid_i(mem_wr_valid[I]),
        .wr_s_i    (mem_wr_s[I]),
        .wr_data_i (mem_wr_data[I]),
        .east_q_o  (stream_q[0][p]),
        .west_q_o  (stream_q[1][p])
      );
    end else if (p == VxmPos) begin : g_vxm_pos
      tsp_stream_regs_vxm u_regs (
        .clk_i,
        .rst_ni,
        .clear_i  (fabric_clear),
        .en_i     (fabric_en),
        .east_in_i(east_in[p]),
        .west_in_i(west_in[p]),
        .wr_hit_i (vxm_wr_hit),
        .wr_sel_i (vxm_wr_sel),
        .wr_data_i(vxm_wr_data),
        .east_q_o (stream_q[0][p]),
        .west_q_o (stream_q[1][p])
      );
    end else if (p == 1 || p == P - 2) begin : g_sxm_pos
      localparam int unsigned X = p == 1 ? 0 : 1;
      tsp_stream_regs_sxm u_regs (
        .clk_i,
        .rst_ni,
        .clear_i  (fabric_clear),
        .en_i     (fabric_en),
        .east_in_i(east_in[p]),
        .west_in_i(west_in[p]),
        .wr_hit_i (sxm_wr_hit[X]),
        .wr_sel_i (sxm_wr_sel[X]),
        .wr_data_i(sxm_wr_data[X]),
        .east_q_o (stream_q[0][p]),
        .west_q_o (stream_q[1][p])
      );
    end else begin : g_mxm_pos
      tsp_stream_regs u_regs (
        .clk_i,
        .rst_ni,
        .clear_i  (fabric_clear),
        .en_i     (fabric_en),
        .east_in_i(east_in[p]),
        .west_in_i(west_in[p]),
        .east_wr_i(east_wr[p]),
        .west_wr_i(west_wr[p]),
        .east_q_o (stream_q[0][p]),
        .west_q_o (stream_q[1][p])
      );
    end
  end

  // ---------------------------------------------------------------------------------------------
  // MEM slices.
  // ---------------------------------------------------------------------------------------------
  logic [NumMem-1:0][S-1:0]                  mem_mon_we /* verilator public_flat_rd */;
  logic [NumMem-1:0][S-1:0][AddrBits-1:0]    mem_mon_addr /* verilator public_flat_rd */;
  tsp_pkg::word_t [NumMem-1:0][S-1:0]        mem_mon_data /* verilator public_flat_rd */;
  logic [NumMem-1:0][31:0]                   mem_rdata;

  for (genvar i = 0; i < NumMem; i++) begin : g_mem
    localparam int unsigned Pos = i < M ? VxmPos - 1 - i : VxmPos + 1 + (i - M);
    tsp_mem_slice u_mem (
      .clk_i,
      .rst_ni      (slice_rst_nq),
      .disp_i      (icu_disp[i]),
      .east_i      (east_in[Pos]),
      .west_i      (west_in[Pos]),
      .wr_valid_o  (mem_wr_valid[i]),
      .wr_s_o      (mem_wr_s[i]),
      .wr_data_o   (mem_wr_data[i]),
      .err_o       (slice_err[Pos]),
      .idle_o      (slice_idle[Pos]),
      .host_we_i   (mem_we_i && 32'(mem_slice_i) == i),
      .host_re_i   (mem_re_i && 32'(mem_slice_i) == i),
      .host_addr_i (mem_addr_i),
      .host_tile_i (mem_tile_i),
      .host_lane4_i(mem_lane4_i),
      .host_wdata_i(mem_wdata_i),
      .host_rdata_o(mem_rdata[i]),
      .mon_we_o    (mem_mon_we[i]),
      .mon_addr_o  (mem_mon_addr[i]),
      .mon_data_o  (mem_mon_data[i])
    );
    assign east_wr[Pos] = '0;  // the slice writes through its ports (g_pos)
    assign west_wr[Pos] = '0;
  end

  logic [SliceBits-1:0] mem_slice_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) mem_slice_q <= '0;
    else if (mem_re_i) mem_slice_q <= mem_slice_i;
  end
  assign mem_rdata_o = mem_rdata[mem_slice_q];

  // ---------------------------------------------------------------------------------------------
  // VXM (all ALU queues), SXMs, MXMs.
  // ---------------------------------------------------------------------------------------------
  logic [A-1:0][tsp_pkg::DispBits-1:0] vxm_disp;
  for (genvar a = 0; a < A; a++) begin : g_vxm_disp
    assign vxm_disp[a] = icu_disp[tsp_pkg::QueueVxm0 + a];
  end

  // VXM chaining (ISA v2): operands read in place (aloc / bloc) see the VXM position's own
  // registers, i.e. during run cycle t what the VXM wrote in t-1 or the value passing through.
  tsp_vxm u_vxm (
    .clk_i,
    .rst_ni    (slice_rst_nq),
    .disp_i    (vxm_disp),
    .east_i    (east_in[VxmPos]),
    .west_i    (west_in[VxmPos]),
    .east_own_i(stream_q[0][VxmPos]),
    .west_own_i(stream_q[1][VxmPos]),
    .wr_hit_o  (vxm_wr_hit),
    .wr_sel_o  (vxm_wr_sel),
    .wr_data_o (vxm_wr_data),
    .err_o     (slice_err[VxmPos]),
    .idle_o    (slice_idle[VxmPos])
  );
  assign east_wr[VxmPos] = '0;  // the VXM writes through its ports (g_pos)
  assign west_wr[VxmPos] = '0;

  tsp_sxm u_sxm_w (
    .clk_i,
    .rst_ni   (slice_rst_nq),
    .disp_i   (icu_disp[tsp_pkg::QueueSxmW]),
    .east_i   (east_in[1]),
    .west_i   (west_in[1]),
    .wr_hit_o (sxm_wr_hit[0]),
    .wr_sel_o (sxm_wr_sel[0]),
    .wr_data_o(sxm_wr_data[0]),
    .err_o    (slice_err[1]),
    .idle_o   (slice_idle[1])
  );
  assign east_wr[1] = '0;  // the SXM writes through its ports (g_pos)
  assign west_wr[1] = '0;

  tsp_sxm u_sxm_e (
    .clk_i,
    .rst_ni   (slice_rst_nq),
    .disp_i   (icu_disp[tsp_pkg::QueueSxmE]),
    .east_i   (east_in[P-2]),
    .west_i   (west_in[P-2]),
    .wr_hit_o (sxm_wr_hit[1]),
    .wr_sel_o (sxm_wr_sel[1]),
    .wr_data_o(sxm_wr_data[1]),
    .err_o    (slice_err[P-2]),
    .idle_o   (slice_idle[P-2])
  );
  assign east_wr[P-2] = '0;  // the SXM writes through its ports (g_pos)
  assign west_wr[P-2] = '0;

  tsp_mxm u_mxm_w (
    .clk_i,
    .rst_ni   (slice_rst_nq),
    .disp_i   (icu_disp[tsp_pkg::QueueMxmW]),
    .east_i   (east_in[0]),
    .west_i   (west_in[0]),
    .east_wr_o(east_wr[0]),
    .west_wr_o(west_wr[0]),
    .err_o    (slice_err[0]),
    .idle_o   (slice_idle[0])
  );

  tsp_mxm u_mxm_e (
    .clk_i,
    .rst_ni   (slice_rst_nq),
    .disp_i   (icu_disp[tsp_pkg::QueueMxmE]),
    .east_i   (east_in[P-1]),
    .west_i   (west_in[P-1]),
    .east_wr_o(east_wr[P-1]),
    .west_wr_o(west_wr[P-1]),
    .err_o    (slice_err[P-1]),
    .idle_o   (slice_idle[P-1])
  );

  // ---------------------------------------------------------------------------------------------
  // Errors and completion.
  // ---------------------------------------------------------------------------------------------
  always_comb begin
    err_now = '0;
    for (int unsigned q = 0; q < NumQueues; q++) err_now |= icu_err[q];
    for (int unsigned p = 0; p < P; p++) err_now |= slice_err[p];
  end
  assign all_idle = &slice_idle;

  // Parked state is informational (no deadlock detection in hardware; the host times out).
  logic unused_parked;
  assign unused_parked = ^icu_parked;

  `ASSERT_INIT(OneSlicePerPosition_A, P == NumMem + 5)
  `ASSERT_NEVER(HostMemWhileBusy_A, (mem_we_i || mem_re_i || iq_we_i || iq_re_i) && busy_o)

  // Schedule errors. A compiler's program never raises them; each is also reported in the ERROR
  // CSR (the hardware behaviour). Testbenches that run deliberately broken schedules switch
  // assertions off for that run (VerilatedContext::assertOn(false); see tb/common/lockstep.cc).
  // Checked while a program runs, exactly when ERROR accumulates them: after a host stop
  // (CTRL.STOP) the abandoned slice pipelines drain with no instructions behind them and may
  // pulse errors that belong to no program (they are cleared by the next START's slice reset).
  `ASSERT_NEVER(NoStreamCollision_A, phase_q == PhRun && err_now[tsp_isa_pkg::ErrStreamCollisionBit])
  `ASSERT_NEVER(NoBankConflict_A, phase_q == PhRun && err_now[tsp_isa_pkg::ErrBankConflictBit])
  `ASSERT_NEVER(NoIllegalOpcode_A, phase_q == PhRun && err_now[tsp_isa_pkg::ErrIllegalOpcodeBit])
  `ASSERT_NEVER(NoUnitBusy_A, phase_q == PhRun && err_now[tsp_isa_pkg::ErrUnitBusyBit])
  `ASSERT_NEVER(NoEmptyRead_A, phase_q == PhRun && err_now[tsp_isa_pkg::ErrEmptyReadBit])
  `ASSERT_NEVER(NoBadField_A, phase_q == PhRun && err_now[tsp_isa_pkg::ErrBadFieldBit])
  // Control signals are never X (four-state simulators; Verilator is two-state).
  `ASSERT_KNOWN(RunKnown_A, run_q)
  `ASSERT_KNOWN(ErrKnown_A, err_now)
  `ASSERT_KNOWN(BusyKnown_A, busy_o)
endmodule
