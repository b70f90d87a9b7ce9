// Synthesis top: the TSP core behind the 32-bit host bus (docs/rtl.md, docs/isa-tables.md).
//
// Host bus: a request is taken when host_req_valid_i && host_req_ready_o (ready is always 1: the
// bus takes one request per cycle); exactly one response follows in the next cycle
// (host_rsp_valid_o, with read data for reads, 0 for writes). Address map (tsp_isa_pkg):
//   CSR  RegionCsrBase + off (off < 0x1000)               tsp_csr
//   IQ   RegionIqBase + q*2^IqStrideBits + i*8 (+4: high word)   instruction i of queue q
//   MEM  RegionMemBase + ((slice*2W + addr)*VL + lane)    32-bit word = lanes lane..lane+3
// Addresses are word aligned (bits 1:0 are ignored). IQ and MEM accesses while the core is busy,
// and accesses to unmapped addresses, are ignored (reads return 0).
//
// status_o = {ERROR, DONE, BUSY}: the three bits of the STATUS CSR (tsp_csr), unregistered, for
// board LEDs (bit 0 running: from the START write until DONE or CLEAR; bit 1 DONE: the last run
// finished, until the next START or CLEAR; bit 2 the sticky ERROR register is not zero).
module tsp_top (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        host_req_valid_i,
  output logic        host_req_ready_o,
  input  logic        host_req_we_i,
  input  logic [31:0] host_req_addr_i,
  input  logic [31:0] host_req_wdata_i,
  output logic        host_rsp_valid_o,
  output logic [31:0] host_rsp_rdata_o,
  output logic [2:0]  status_o
);
  localparam int unsigned NumQueues  = tsp_pkg::NumQueues;
  localparam int unsigned IqAddrBits = tsp_pkg::IqAddrBits;
  localparam int unsigned QBits      = $clog2(NumQueues);
  localparam int unsigned Stride     = tsp_isa_pkg::IqStrideBits;  // a queue's window: 2^Stride bytes
  localparam int unsigned SliceBits  = $clog2(tsp_pkg::NumMemSlices);
  localparam int unsigned TileBits   = tsp_pkg::NumSuperlanes > 1 ?
                                       $clog2(tsp_pkg::NumSuperlanes) : 1;
  localparam int unsigned AddrBits   = tsp_pkg::MemAddrBits;
  localparam int unsigned LaneBits   = $clog2(tsp_pkg::VL);
  // MEM flat byte offset: [1:0] byte, [3:2] lane4, [LaneBits-1:4] tile, then word address, slice.
  localparam int unsigned SliceLsb   = LaneBits + AddrBits;
  localparam int unsigned MemBytes   = tsp_pkg::NumMemSlices * tsp_pkg::MemWords * tsp_pkg::VL;

  // ---------------------------------------------------------------------------------------------
  // Decode.
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [1:0] {
    SelNone = 2'd0,
    SelCsr  = 2'd1,
    SelIq   = 2'd2,
    SelMem  = 2'd3
  } sel_e;

  logic        req, busy;
  logic [31:0] iq_off, mem_off;
  logic        in_csr, in_iq, in_mem;
  sel_e        sel;

  assign req      = host_req_valid_i && host_req_ready_o;
  assign iq_off   = host_req_addr_i - tsp_isa_pkg::RegionIqBase;
  assign mem_off  = host_req_addr_i - tsp_isa_pkg::RegionMemBase;
  assign in_csr   = host_req_addr_i - tsp_isa_pkg::RegionCsrBase < 32'h1000;
  assign in_iq    = host_req_addr_i >= tsp_isa_pkg::RegionIqBase &&
                    host_req_addr_i < tsp_isa_pkg::RegionMemBase &&
                    32'(iq_off[31:Stride]) < NumQueues && 32'(iq_off[Stride-1:3]) < tsp_pkg::IqDepth;
  assign in_mem   = host_req_addr_i >= tsp_isa_pkg::RegionMemBase && mem_off < MemBytes;

  always_comb begin
    sel = SelNone;
    if (in_csr) sel = SelCsr;
    else if (in_iq && !busy) sel = SelIq;
    else if (in_mem && !busy) sel = SelMem;
  end

  // ---------------------------------------------------------------------------------------------
  // CSR block and core.
  // ---------------------------------------------------------------------------------------------
  logic                               start, clear, done;
  logic [NumQueues-1:0][IqAddrBits:0] qlen;
  tsp_pkg::err_t                      error;
  logic [63:0]                        cycle;
  logic [31:0]                        csr_rdata, iq_rdata, mem_rdata;

  tsp_csr u_csr (
    .clk_i,
    .rst_ni,
    .req_i  (req && sel == SelCsr),
    .we_i   (host_req_we_i),
    .addr_i (host_req_addr_i[11:0]),
    .wdata_i(host_req_wdata_i),
    .rdata_o(csr_rdata),
    .start_o(start),
    .clear_o(clear),
    .qlen_o (qlen),
    .busy_i (busy),
    .done_i (done),
    .error_i(error),
    .cycle_i(cycle)
  );

  tsp_core u_core (
    .clk_i,
    .rst_ni,
    .start_i    (start),
    .clear_i    (clear),
    .qlen_i     (qlen),
    .busy_o     (busy),
    .done_o     (done),
    .error_o    (error),
    .cycle_o    (cycle),
    .iq_we_i    (req && sel == SelIq && host_req_we_i),
    .iq_re_i    (req && sel == SelIq && !host_req_we_i),
    .iq_queue_i (iq_off[Stride +: QBits]),
    .iq_addr_i  (iq_off[3 +: IqAddrBits]),
    .iq_hi_i    (iq_off[2]),
    .iq_wdata_i (host_req_wdata_i),
    .iq_rdata_o (iq_rdata),
    .mem_we_i   (req && sel == SelMem && host_req_we_i),
    .mem_re_i   (req && sel == SelMem && !host_req_we_i),
    .mem_slice_i(mem_off[SliceLsb +: SliceBits]),
    .mem_addr_i (mem_off[LaneBits +: AddrBits]),
    .mem_tile_i (mem_off[4 +: TileBits]),
    .mem_lane4_i(mem_off[3:2]),
    .mem_wdata_i(host_req_wdata_i),
    .mem_rdata_o(mem_rdata)
  );

  // ---------------------------------------------------------------------------------------------
  // Response: one cycle after the request.
  // ---------------------------------------------------------------------------------------------
  logic rsp_valid_q, rsp_read_q;
  sel_e rsp_sel_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rsp_valid_q <= 1'b0;
      rsp_read_q  <= 1'b0;
      rsp_sel_q   <= SelNone;
    end else begin
      rsp_valid_q <= req;
      rsp_read_q  <= req && !host_req_we_i;
      rsp_sel_q   <= sel;
    end
  end

  assign status_o         = {error != '0, done, busy};
  assign host_req_ready_o = 1'b1;
  assign host_rsp_valid_o = rsp_valid_q;
  always_comb begin
    host_rsp_rdata_o = '0;
    if (rsp_read_q) begin
      unique case (rsp_sel_q)
        SelCsr:  host_rsp_rdata_o = csr_rdata;
        SelIq:   host_rsp_rdata_o = iq_rdata;
        SelMem:  host_rsp_rdata_o = mem_rdata;
        default: host_rsp_rdata_o = '0;
      endcase
    end
  end

  // Address bits that select nothing (when IqDepth fills the queue's window of 2^Stride bytes there
  // are no bits between the word index and the queue number).
  logic unused_addr;
  if (3 + IqAddrBits < Stride) begin : g_iq_gap
    assign unused_addr = ^{iq_off[31:Stride+QBits], iq_off[Stride-1:3+IqAddrBits], iq_off[1:0],
                           mem_off[31:SliceLsb+SliceBits], mem_off[1:0]};
  end else begin : g_iq_full
    assign unused_addr = ^{iq_off[31:Stride+QBits], iq_off[1:0], mem_off[31:SliceLsb+SliceBits], mem_off[1:0]};
  end
endmodule
