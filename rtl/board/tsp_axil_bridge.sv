// AXI4-Lite slave to the 32-bit host bus of tsp_top: how the ARM of a Zynq board (Linux, UIO or
// /dev/mem) reaches the CSR / IQ / MEM map. The AXI address is the host map address (the board's
// address window is decoded upstream; bits above AddrBits are zero).
//
// One transaction at a time, each one host-bus access: a read (AR) or a write (AW and W, taken in
// either order or together) is accepted, the bus request is issued and held until
// host_req_ready_i, the response (host_rsp_valid_i) becomes R or B, held until the master takes it.
// When a read and a write are both waiting, they alternate (no starvation). Responses: OKAY; a
// write with WSTRB other than 4'hF is SLVERR and not performed (the host map has no byte enables;
// the host driver only writes whole words). AWPROT / ARPROT are ignored.
module tsp_axil_bridge #(
  parameter int unsigned AddrBits = 32
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  // AXI4-Lite slave
  input  logic                s_awvalid_i,
  output logic                s_awready_o,
  input  logic [AddrBits-1:0] s_awaddr_i,
  input  logic [2:0]          s_awprot_i,
  input  logic                s_wvalid_i,
  output logic                s_wready_o,
  input  logic [31:0]         s_wdata_i,
  input  logic [3:0]          s_wstrb_i,
  output logic                s_bvalid_o,
  input  logic                s_bready_i,
  output logic [1:0]          s_bresp_o,
  input  logic                s_arvalid_i,
  output logic                s_arready_o,
  input  logic [AddrBits-1:0] s_araddr_i,
  input  logic [2:0]          s_arprot_i,
  output logic                s_rvalid_o,
  input  logic                s_rready_i,
  output logic [31:0]         s_rdata_o,
  output logic [1:0]          s_rresp_o,
  // host bus (master)
  output logic                host_req_valid_o,
  input  logic                host_req_ready_i,
  output logic                host_req_we_o,
  output logic [31:0]         host_req_addr_o,
  output logic [31:0]         host_req_wdata_o,
  input  logic                host_rsp_valid_i,
  input  logic [31:0]         host_rsp_rdata_i
);
  localparam logic [1:0] RespOkay   = 2'b00;
  localparam logic [1:0] RespSlvErr = 2'b10;

  typedef enum logic [2:0] {
    StIdle = 3'd0,  // collecting AW / W, or waiting for AR
    StReq  = 3'd1,  // bus request up
    StRsp  = 3'd2,  // waiting for the bus response
    StB    = 3'd3,  // write response up
    StR    = 3'd4   // read response up
  } state_e;

  state_e             st_q;
  logic               aw_q, w_q;     // AW / W taken for the next write
  logic [AddrBits-1:0] awaddr_q;
  logic [31:0]        wdata_q;
  logic [3:0]         wstrb_q;
  logic               we_q;          // the transaction in progress is a write
  logic [31:0]        addr_q, rdata_q;
  logic               last_wr_q;     // the last transaction was a write (read goes first next)
  logic [1:0]         bresp_q;

  logic take_aw, take_w, write_ready, read_ready, start_wr, start_rd;

  assign s_awready_o = st_q == StIdle && !aw_q;
  assign s_wready_o  = st_q == StIdle && !w_q;
  assign take_aw     = s_awvalid_i && s_awready_o;
  assign take_w      = s_wvalid_i && s_wready_o;
  // A write can start once both halves are in (this cycle or earlier).
  assign write_ready = (aw_q || take_aw) && (w_q || take_w);
  assign read_ready  = s_arvalid_i && st_q == StIdle;
  // Arbitration: a read waits for a write only right after a read (alternation).
  assign start_rd    = read_ready && (!write_ready || last_wr_q);
  assign start_wr    = st_q == StIdle && write_ready && !start_rd;
  assign s_arready_o = st_q == StIdle && (!write_ready || last_wr_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q      <= StIdle;
      aw_q      <= 1'b0;
      w_q       <= 1'b0;
      awaddr_q  <= '0;
      wdata_q   <= '0;
      wstrb_q   <= '0;
      we_q      <= 1'b0;
      addr_q    <= '0;
      rdata_q   <= '0;
      last_wr_q <= 1'b0;
      bresp_q   <= RespOkay;
    end else begin
      if (take_aw) begin
        aw_q     <= 1'b1;
        awaddr_q <= s_awaddr_i;
      end
      if (take_w) begin
        w_q     <= 1'b1;
        wdata_q <= s_wdata_i;
        wstrb_q <= s_wstrb_i;
      end
      unique case (st_q)
        StIdle: begin
          if (start_rd) begin
            st_q      <= StReq;
            we_q      <= 1'b0;
            addr_q    <= 32'(s_araddr_i);
            last_wr_q <= 1'b0;
          end else if (start_wr) begin
            aw_q      <= 1'b0;
            w_q       <= 1'b0;
            we_q      <= 1'b1;
            addr_q    <= 32'(aw_q ? awaddr_q : s_awaddr_i);
            wdata_q   <= w_q ? wdata_q : s_wdata_i;
            last_wr_q <= 1'b1;
            if ((w_q ? wstrb_q : s_wstrb_i) == 4'hF) begin
              st_q    <= StReq;
              bresp_q <= RespOkay;
            end else begin
              st_q    <= StB;  // partial write: not performed
              bresp_q <= RespSlvErr;
            end
          end
        end
        StReq: if (host_req_ready_i) st_q <= StRsp;
        StRsp: begin
          if (host_rsp_valid_i) begin
            rdata_q <= host_rsp_rdata_i;
            bresp_q <= RespOkay;
            st_q    <= we_q ? StB : StR;
          end
        end
        StB: if (s_bready_i) st_q <= StIdle;
        StR: if (s_rready_i) st_q <= StIdle;
        default: st_q <= StIdle;
      endcase
    end
  end

  assign host_req_valid_o = st_q == StReq;
  assign host_req_we_o    = we_q;
  assign host_req_addr_o  = addr_q;
  assign host_req_wdata_o = wdata_q;
  assign s_bvalid_o       = st_q == StB;
  assign s_bresp_o        = bresp_q;
  assign s_rvalid_o       = st_q == StR;
  assign s_rdata_o        = rdata_q;
  assign s_rresp_o        = RespOkay;

`include "tsp_assert.svh"
  // AXI handshake rules on the slave's outputs (AMBA AXI, A3.2.1): once VALID is up it stays up
  // with stable payload until READY.
  `ASSERT(BValidHeld, s_bvalid_o && !s_bready_i |=> s_bvalid_o && $stable(s_bresp_o))
  `ASSERT(RValidHeld, s_rvalid_o && !s_rready_i |=> s_rvalid_o && $stable(s_rdata_o) && $stable(s_rresp_o))
  // ... and the master's (checked here so that a testbench master that breaks them is caught).
  `ASSERT(AwValidHeld, s_awvalid_i && !s_awready_o |=> s_awvalid_i && $stable(s_awaddr_i))
  `ASSERT(WValidHeld, s_wvalid_i && !s_wready_o |=> s_wvalid_i && $stable(s_wdata_i) && $stable(s_wstrb_i))
  `ASSERT(ArValidHeld, s_arvalid_i && !s_arready_o |=> s_arvalid_i && $stable(s_araddr_i))
  // One response per transaction: no B / R without an accepted request, and the bus request is
  // held until taken.
  `ASSERT(ReqHeld, host_req_valid_o && !host_req_ready_i |=> host_req_valid_o && $stable(host_req_addr_o))
  `ASSERT(RspOnlyWhenWaiting, host_rsp_valid_i |-> st_q == StRsp)
  `ASSERT(OneAtATime, $onehot0({st_q == StReq, st_q == StRsp, st_q == StB, st_q == StR}))

  // PROT carries no meaning for this map.
  logic unused;
  assign unused = ^{s_awprot_i, s_arprot_i};
endmodule
