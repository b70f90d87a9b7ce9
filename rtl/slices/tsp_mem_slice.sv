// MEM slice: NumSuperlanes tiles, each with NumBanks (2) banks of WordsPerBank 128-bit words
// (one tsp_ram_sdp per tile per bank). Follows ModelAccess::TileStep / Step for READ, WRITE,
// GATHER and SCATTER (host/src/ref/model.cc). Tile k handles the instruction dispatched at t
// during cycle r = t + k:
//   READ    addr, s : bank read at r + BankOffRead (0), stream write s at r + LatRead
//   WRITE   addr, s : stream s read at r, bank write at r + BankOffWrite
//   GATHER  s, m    : streams m, m+1 read at r (lane 0 = address low / high byte, modulo 2W),
//                     bank read at r + BankOffGather, stream write s at r + LatGather
//   SCATTER s, m    : streams s, m, m+1 read at r, bank write at r + BankOffScatter
// READ/WRITE addresses >= 2W raise BadField and wrap (CheckAddr). Two accesses to one bank of one
// tile in one cycle raise BankConflict: a read and a write then both happen (the read returns the
// old data, as in the model); two reads (READ + GATHER) share the single read port, so the GATHER
// receives the READ's word (the schedule is wrong anyway). A READ and a GATHER writing the same
// stream of one superlane in one cycle raise StreamCollision; the GATHER's value wins (it was
// scheduled last, as in the model). Reading an invalid stream slot raises EmptyRead. Errors are
// reported combinationally in the cycle the model raises them.
//
// Host port (only while the core is not running): 32-bit accesses to lanes 4*lane4 .. 4*lane4+3
// of word host_addr_i (bank * WordsPerBank + word) of tile host_tile_i; read data one cycle after
// host_re_i. Write monitor: mon_* show every bank write the instruction stream performs at the
// clock edge ending this cycle (= the model's mem_writes() of this cycle), one per tile at most.
`include "tsp_assert.svh"

module tsp_mem_slice #(
  localparam int unsigned S           = tsp_pkg::NumSuperlanes,
  localparam int unsigned Streams     = tsp_pkg::StreamsPerDir,
  localparam int unsigned AddrBits    = tsp_pkg::MemAddrBits,
  localparam int unsigned WordBits    = tsp_pkg::BankWordBits,
  localparam int unsigned TileBits    = S > 1 ? $clog2(S) : 1
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  input  tsp_pkg::disp_t                        disp_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] east_i,
  input tsp_pkg::sreg_t [tsp_pkg::StreamsPerDir-1:0][tsp_pkg::NumSuperlanes-1:0] west_i,
  // Stream writes as two write ports per superlane, decoded by tsp_stream_regs_mem at this
  // position: port 0 = READ, port 1 = GATHER (it wins when both address one stream register: it
  // was scheduled last, as in the model). wr_s = the stream field (bit 4 = west); an index beyond
  // the geometry writes nothing.
  output logic [tsp_pkg::NumSuperlanes-1:0][1:0]                      wr_valid_o,
  output logic [tsp_pkg::NumSuperlanes-1:0][1:0][4:0]                 wr_s_o,
  output logic [tsp_pkg::NumSuperlanes-1:0][1:0][tsp_pkg::WordBits-1:0] wr_data_o,
  output tsp_pkg::err_t                         err_o,
  output logic                                  idle_o,
  // Host port.
  input  logic                                  host_we_i,
  input  logic                                  host_re_i,
  input  logic [AddrBits-1:0]                   host_addr_i,
  input  logic [TileBits-1:0]                   host_tile_i,
  input  logic [1:0]                            host_lane4_i,
  input  logic [31:0]                           host_wdata_i,
  output logic [31:0]                           host_rdata_o,
  // Write monitor (lockstep comparison).
  output logic [S-1:0]                          mon_we_o,
  output logic [S-1:0][AddrBits-1:0]            mon_addr_o,
  output tsp_pkg::word_t [S-1:0]                mon_data_o
);
  localparam int unsigned Banks      = tsp_isa_pkg::NumBanks;
  localparam int unsigned WBits      = tsp_pkg::WordBits;
  // Pipeline depths, all from the ISA tables.
  localparam int unsigned ReadTail   = tsp_isa_pkg::LatRead - tsp_isa_pkg::BankOffRead - 1;
  localparam int unsigned GatherOff  = tsp_isa_pkg::BankOffGather;
  localparam int unsigned GatherTail = tsp_isa_pkg::LatGather - tsp_isa_pkg::BankOffGather - 1;
  localparam int unsigned WriteOff   = tsp_isa_pkg::BankOffWrite;

  typedef logic [4:0] sfield_t;  // stream operand: bit 4 = direction (1 = west), 3:0 = index

  // Stream index (bits 3:0 of a stream operand) within the geometry.
  function automatic logic in_range(logic [3:0] idx);
    in_range = 32'(idx) < Streams;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Superlane stagger: tile k sees the instruction dispatched k cycles ago.
  // ---------------------------------------------------------------------------------------------
  logic [S-1:0]          st_valid;
  logic [S-1:0][63:0]    st_instr;
  logic [S-2:0]          sv_q;  // sv_q[i]: the instruction of tile i+1
  logic [S-2:0][63:0]    si_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sv_q <= '0;
    end else begin
      sv_q[0] <= disp_i.valid;
      for (int unsigned i = 1; i < S - 1; i++) sv_q[i] <= sv_q[i-1];
    end
  end
  always_ff @(posedge clk_i) begin
    si_q[0] <= disp_i.instr;
    for (int unsigned i = 1; i < S - 1; i++) si_q[i] <= si_q[i-1];
  end
  assign st_valid = {sv_q, disp_i.valid};
  assign st_instr = {si_q, disp_i.instr};

  // ---------------------------------------------------------------------------------------------
  // Per tile.
  // ---------------------------------------------------------------------------------------------
  tsp_pkg::err_t [S-1:0]               tile_err;
  logic [S-1:0]                        tile_busy;
  logic [S-1:0][Banks-1:0][WBits-1:0]  bank_rdata;
  // The stream registers by superlane ([k][stream]), the order tsp_pkg::sreg_pick takes.
  logic [S-1:0][Streams-1:0][tsp_pkg::SlotBits-1:0] ek, wk;

  for (genvar k = 0; k < S; k++) begin : g_tile
    // ---- operand-read stage (cycle r) ----
    logic [63:0]        in;
    logic [7:0]         op;
    logic               is_read, is_write, is_gather, is_scatter;
    logic [15:0]        addr_f;
    logic               addr_bad;
    logic [AddrBits-1:0] addr_w;
    sfield_t            mem_s, memx_s, memx_m, memx_m1;
    tsp_pkg::slot_t     slot_s, slot_m, slot_m1;
    logic [AddrBits-1:0] gaddr;
    logic [15:0]        gaddr_full;

    assign in         = st_instr[k];
    assign op         = in[7:0];
    assign is_read    = st_valid[k] && op == tsp_isa_pkg::OpRead;
    assign is_write   = st_valid[k] && op == tsp_isa_pkg::OpWrite;
    assign is_gather  = st_valid[k] && op == tsp_isa_pkg::OpGather;
    assign is_scatter = st_valid[k] && op == tsp_isa_pkg::OpScatter;
    assign addr_f     = tsp_pkg::f_addr(in);
    assign addr_bad   = 32'(addr_f) >= tsp_pkg::MemWords;
    assign addr_w     = addr_f[AddrBits-1:0];  // modulo 2W (a power of two)
    assign mem_s      = tsp_pkg::f_mem_s(in);
    assign memx_s     = tsp_pkg::f_memx_s(in);
    assign memx_m     = tsp_pkg::f_memx_m(in);
    assign memx_m1    = memx_m + 5'd1;
    for (genvar j = 0; j < Streams; j++) begin : g_s
      assign ek[k][j] = east_i[j][k];
      assign wk[k][j] = west_i[j][k];
    end
    assign slot_s     = tsp_pkg::sreg_pick(ek[k], wk[k], is_write ? mem_s : memx_s, 0);
    assign slot_m     = tsp_pkg::sreg_pick(ek[k], wk[k], memx_m, 0);
    assign slot_m1    = tsp_pkg::sreg_pick(ek[k], wk[k], memx_m1, 0);
    assign gaddr_full = {slot_m1.data[7:0], slot_m.data[7:0]};
    assign gaddr      = gaddr_full[AddrBits-1:0];

    logic [15:AddrBits] unused_gaddr;
    assign unused_gaddr = gaddr_full[15:AddrBits];

    tsp_pkg::err_t rd_err;
    logic s_ok, x_ok, m_ok, m1_ok;  // stream indices within the geometry
    assign s_ok  = in_range(mem_s[3:0]);
    assign x_ok  = in_range(memx_s[3:0]);
    assign m_ok  = in_range(memx_m[3:0]);
    assign m1_ok = in_range(memx_m1[3:0]);

    always_comb begin
      rd_err = '0;
      if ((is_read || is_write) && (addr_bad || !s_ok)) rd_err[tsp_isa_pkg::ErrBadFieldBit] = 1'b1;
      if ((is_gather || is_scatter) && !(x_ok && m_ok && m1_ok)) begin
        rd_err[tsp_isa_pkg::ErrBadFieldBit] = 1'b1;
      end
      if ((is_write && s_ok || is_scatter && x_ok) && !slot_s.valid) begin
        rd_err[tsp_isa_pkg::ErrEmptyReadBit] = 1'b1;
      end
      if ((is_gather || is_scatter) && (m_ok && !slot_m.valid || m1_ok && !slot_m1.valid)) begin
        rd_err[tsp_isa_pkg::ErrEmptyReadBit] = 1'b1;
      end
    end

    // ---- READ: bank read now, stream write LatRead later ----
    logic                r1_valid, rq_valid;
    logic                r1_bank;
    sfield_t             r1_s;
    logic [WBits-1:0]    r1_data;
    logic                rw_valid;
    sfield_t             rw_s;
    logic [WBits-1:0]    rw_data;

    assign rq_valid = is_read;
    tsp_delay #(.Width(1), .Delay(1)) u_r1_valid (
      .clk_i, .rst_ni, .d_i(rq_valid), .q_o(r1_valid));
    tsp_delay #(.Width(6), .Delay(1), .Reset(1'b0)) u_r1_ctrl (
      .clk_i, .rst_ni, .d_i({addr_w[AddrBits-1], mem_s}), .q_o({r1_bank, r1_s}));
    assign r1_data = bank_rdata[k][r1_bank];
    tsp_delay #(.Width(1), .Delay(ReadTail)) u_rw_valid (
      .clk_i, .rst_ni, .d_i(r1_valid), .q_o(rw_valid));
    tsp_delay #(.Width(5 + WBits), .Delay(ReadTail), .Reset(1'b0)) u_rw_data (
      .clk_i, .rst_ni, .d_i({r1_s, r1_data}), .q_o({rw_s, rw_data}));

    // ---- GATHER: bank read GatherOff later, stream write LatGather after r ----
    logic                g1_valid, g2_valid, gw_valid;
    logic [AddrBits-1:0] g1_addr;
    sfield_t             g1_s, g2_s, gw_s;
    logic                g2_bank;
    logic [WBits-1:0]    g2_data, gw_data;

    tsp_delay #(.Width(1), .Delay(GatherOff)) u_g1_valid (
      .clk_i, .rst_ni, .d_i(is_gather), .q_o(g1_valid));
    tsp_delay #(.Width(AddrBits + 5), .Delay(GatherOff), .Reset(1'b0)) u_g1_ctrl (
      .clk_i, .rst_ni, .d_i({gaddr, memx_s}), .q_o({g1_addr, g1_s}));
    tsp_delay #(.Width(1), .Delay(1)) u_g2_valid (
      .clk_i, .rst_ni, .d_i(g1_valid), .q_o(g2_valid));
    tsp_delay #(.Width(6), .Delay(1), .Reset(1'b0)) u_g2_ctrl (
      .clk_i, .rst_ni, .d_i({g1_addr[AddrBits-1], g1_s}), .q_o({g2_bank, g2_s}));
    assign g2_data = bank_rdata[k][g2_bank];
    tsp_delay #(.Width(1), .Delay(GatherTail)) u_gw_valid (
      .clk_i, .rst_ni, .d_i(g2_valid), .q_o(gw_valid));
    tsp_delay #(.Width(5 + WBits), .Delay(GatherTail), .Reset(1'b0)) u_gw_data (
      .clk_i, .rst_ni, .d_i({g2_s, g2_data}), .q_o({gw_s, gw_data}));

    // ---- WRITE / SCATTER: stream read now, bank write WriteOff later ----
    logic                w1_valid;
    logic [AddrBits-1:0] w1_addr;
    logic [WBits-1:0]    w1_data;
    tsp_delay #(.Width(1), .Delay(WriteOff)) u_w1_valid (
      .clk_i, .rst_ni, .d_i(is_write || is_scatter), .q_o(w1_valid));
    tsp_delay #(.Width(AddrBits + WBits), .Delay(WriteOff), .Reset(1'b0)) u_w1_data (
      .clk_i, .rst_ni, .d_i({is_write ? addr_w : gaddr, slot_s.data}), .q_o({w1_addr, w1_data}));

    assign mon_we_o[k]   = w1_valid;
    assign mon_addr_o[k] = w1_addr;
    assign mon_data_o[k] = w1_data;

    // ---- Banks ----
    // Write data and byte enables, one select for both banks of the tile: the instruction
    // stream's write, or the host's while the tile is idle (the host never accesses a busy tile,
    // HostAccessWhileBusy_A, so w1_valid and a host write never meet). Two selects per tile, one
    // per bank, cost 2 x 128 LUT3 (issue 10).
    logic [WBits-1:0]   t_wdata;
    logic [WBits/8-1:0] t_wbe;
    assign t_wdata = w1_valid ? w1_data : {(WBits/32){host_wdata_i}};
    assign t_wbe   = w1_valid ? '1 : (WBits/8)'(16'h000F << (4 * host_lane4_i));

    logic [Banks-1:0] conflict;
    for (genvar b = 0; b < Banks; b++) begin : g_bank
      logic                rq_hit, gq_hit, wq_hit, host_hit;
      logic                re, we;
      logic [WordBits-1:0] raddr, waddr;

      assign rq_hit   = rq_valid && 32'(addr_w[AddrBits-1]) == b;
      assign gq_hit   = g1_valid && 32'(g1_addr[AddrBits-1]) == b;
      assign wq_hit   = w1_valid && 32'(w1_addr[AddrBits-1]) == b;
      assign host_hit = 32'(host_tile_i) == k && 32'(host_addr_i[AddrBits-1]) == b;
      assign conflict[b] = rq_hit && gq_hit || rq_hit && wq_hit || gq_hit && wq_hit;

      assign re    = rq_hit || gq_hit || host_re_i && host_hit;
      assign raddr = rq_hit ? addr_w[WordBits-1:0] :
                     gq_hit ? g1_addr[WordBits-1:0] : host_addr_i[WordBits-1:0];
      assign we    = wq_hit || host_we_i && host_hit;
      assign waddr = wq_hit ? w1_addr[WordBits-1:0] : host_addr_i[WordBits-1:0];

      tsp_ram_sdp #(
        .Width(WBits),
        .Depth(tsp_pkg::WordsPerBank)
      ) u_ram (
        .clk_i,
        .we_i   (we),
        .wbe_i  (t_wbe),
        .waddr_i(waddr),
        .wdata_i(t_wdata),
        .re_i   (re),
        .raddr_i(raddr),
        .rdata_o(bank_rdata[k][b])
      );
    end

    // ---- Stream writes of this superlane: the two ports (decoded in tsp_stream_regs_mem) ----
    logic collision;
    assign collision     = rw_valid && gw_valid && rw_s == gw_s;
    assign wr_valid_o[k] = {gw_valid, rw_valid};
    assign wr_s_o[k]     = {gw_s, rw_s};
    assign wr_data_o[k]  = {gw_data, rw_data};

    always_comb begin
      tile_err[k] = rd_err;
      if (|conflict) tile_err[k][tsp_isa_pkg::ErrBankConflictBit] = 1'b1;
      if (collision) tile_err[k][tsp_isa_pkg::ErrStreamCollisionBit] = 1'b1;
    end

    assign tile_busy[k] = st_valid[k] || r1_valid || rw_valid || g1_valid || g2_valid || gw_valid ||
                          w1_valid;

    `ASSERT_NEVER(HostAccessWhileBusy_A, (host_we_i || host_re_i) && tile_busy[k])
  end

  always_comb begin
    err_o = '0;
    for (int unsigned k = 0; k < S; k++) err_o |= tile_err[k];
  end

  assign idle_o = !(|tile_busy);

  // Host read data: one cycle after host_re_i.
  logic [TileBits-1:0] host_tile_q;
  logic                host_bank_q;
  logic [1:0]          host_lane4_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      host_tile_q  <= '0;
      host_bank_q  <= 1'b0;
      host_lane4_q <= '0;
    end else if (host_re_i) begin
      host_tile_q  <= host_tile_i;
      host_bank_q  <= host_addr_i[AddrBits-1];
      host_lane4_q <= host_lane4_i;
    end
  end
  assign host_rdata_o = bank_rdata[host_tile_q][host_bank_q][32*host_lane4_q +: 32];

  `ASSERT_INIT(TwoBanks_A, Banks == 2)
  `ASSERT_INIT(MemWordsPow2_A, tsp_pkg::MemWords == (1 << AddrBits))
  `ASSERT_INIT(ReadFromBankNow_A, tsp_isa_pkg::BankOffRead == 0 && tsp_isa_pkg::LatRead >= 1)
  `ASSERT_INIT(GatherLatency_A, tsp_isa_pkg::LatGather > tsp_isa_pkg::BankOffGather)
  `ASSERT_INIT(ScatterLikeWrite_A, tsp_isa_pkg::BankOffScatter == tsp_isa_pkg::BankOffWrite)
  `ASSERT_INIT(TilesPow2_A, S == (1 << TileBits) && S >= 2)
endmodule
