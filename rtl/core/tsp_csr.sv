// Control and status registers (map: tsp_isa_pkg Csr*, docs/isa-tables.md "Host CSR map").
// One access per cycle from the host bus decoder in tsp_top; read data is registered and valid
// in the cycle after req_i.
//
//   ID, VERSION, GEOM, GEOM_HI, NUM_QUEUES : constants
//   CTRL    wo  bit0 START (ignored while BUSY), bit1 CLEAR (stop, clear DONE and ERROR); reads 0
//   STATUS  ro  bit0 BUSY, bit1 DONE, bit2 ERROR (ERROR != 0)
//   ERROR   ro  sticky error cause bits
//   CYCLE_LO/HI ro  run cycle counter (the model's cycle count once DONE)
//   QLEN[q] rw  instructions loaded in queue q; values above IqDepth store IqDepth; writes are
//               ignored while BUSY
// Unmapped offsets read 0 and ignore writes.
module tsp_csr #(
  localparam int unsigned NumQueues  = tsp_pkg::NumQueues,
  localparam int unsigned IqAddrBits = tsp_pkg::IqAddrBits
) (
  input  logic                                 clk_i,
  input  logic                                 rst_ni,
  // Register access.
  input  logic                                 req_i,
  input  logic                                 we_i,
  input  logic [11:0]                          addr_i,
  input  logic [31:0]                          wdata_i,
  output logic [31:0]                          rdata_o,
  // To / from the core.
  output logic                                 start_o,
  output logic                                 clear_o,
  output logic [NumQueues-1:0][IqAddrBits:0]   qlen_o,
  input  logic                                 busy_i,
  input  logic                                 done_i,
  input  tsp_pkg::err_t                        error_i,
  input  logic [63:0]                          cycle_i
);
  localparam int unsigned QlenEnd = 32'(tsp_isa_pkg::CsrQlen) + 4 * NumQueues;

  logic [NumQueues-1:0][IqAddrBits:0] qlen_q;
  logic [31:0]                        rdata_q, rdata_d;

  logic wr, is_qlen;
  logic [IqAddrBits:0] qlen_wval;
  logic [11:0] qoff;  // byte offset into the QLEN array (bits 1:0 are 0 for a QLEN access)
  assign wr        = req_i && we_i;
  assign is_qlen   = addr_i >= tsp_isa_pkg::CsrQlen && 32'(addr_i) < QlenEnd &&
                     addr_i[1:0] == 2'b00;
  assign qoff      = addr_i - tsp_isa_pkg::CsrQlen;
  assign qlen_wval = wdata_i > 32'(tsp_pkg::IqDepth) ? (IqAddrBits+1)'(tsp_pkg::IqDepth)
                                                     : wdata_i[IqAddrBits:0];

  assign start_o = wr && addr_i == tsp_isa_pkg::CsrCtrl && wdata_i[0] && !wdata_i[1] && !busy_i;
  assign clear_o = wr && addr_i == tsp_isa_pkg::CsrCtrl && wdata_i[1];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      qlen_q <= '0;
    end else if (wr && is_qlen && !busy_i) begin
      for (int unsigned q = 0; q < NumQueues; q++) begin
        if (32'(qoff[11:2]) == q) qlen_q[q] <= qlen_wval;
      end
    end
  end

  always_comb begin
    rdata_d = '0;
    unique case (addr_i)
      tsp_isa_pkg::CsrId:        rdata_d = tsp_isa_pkg::TspId;
      tsp_isa_pkg::CsrVersion:   rdata_d = 32'(tsp_isa_pkg::IsaVersion);
      tsp_isa_pkg::CsrGeom:      rdata_d = tsp_pkg::Fingerprint[31:0];
      tsp_isa_pkg::CsrGeomHi:    rdata_d = tsp_pkg::Fingerprint[63:32];
      tsp_isa_pkg::CsrStatus:    rdata_d = {29'd0, error_i != '0, done_i, busy_i};
      tsp_isa_pkg::CsrError:     rdata_d = 32'(error_i);
      tsp_isa_pkg::CsrCycleLo:   rdata_d = cycle_i[31:0];
      tsp_isa_pkg::CsrCycleHi:   rdata_d = cycle_i[63:32];
      tsp_isa_pkg::CsrNumQueues: rdata_d = 32'(NumQueues);
      default: begin
        if (is_qlen) begin
          for (int unsigned q = 0; q < NumQueues; q++) begin
            if (32'(qoff[11:2]) == q) rdata_d = 32'(qlen_q[q]);
          end
        end
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) rdata_q <= '0;
    else if (req_i && !we_i) rdata_q <= rdata_d;
  end

  logic unused_qoff;
  assign unused_qoff = ^qoff[1:0];

  assign rdata_o = rdata_q;
  assign qlen_o  = qlen_q;
endmodule
