// The TSP core behind the AXI4-Lite slave, for a Zynq UltraScale+ block design: the PS's
// M_AXI_HPM0_FPD reaches it through a SmartConnect at 0xA000_0000 (fpga/vivado/zynq_bd.tcl builds
// the design; the module reference is the Verilog wrapper fpga/vivado/tsp_zynq_axil_ref.v, since
// a module reference's top cannot be SystemVerilog). Clock and reset come from the PS
// (pl_clk0, and a reset that may be asynchronous: tsp_rst_sync releases it on a clock edge).
//
// Address window. HPM0_FPD's low window is 256 MiB (0xA000_0000..0xAFFF_FFFF), so the window
// offset has 28 bits, while the host map (tsp_isa_pkg) puts MEM at 0x1000_0000. The window is
// therefore folded: window offset bit 27 selects MEM.
//   window offset 0x000_0000 + a  ->  host address a                  (CSR, IQ: a < 0x800_0000)
//   window offset 0x800_0000 + m  ->  host address RegionMemBase + m  (MEM: m < 0x800_0000)
// so the ARM sees CSR at 0xA000_0000, queue q at 0xA010_0000 + q*0x2_0000, MEM at 0xA800_0000
// (docs/bringup.md, "ZCU104: the Zynq AXI path"). MEM of every geometry in isa/tsp_isa.json is far
// below 128 MiB (1 MiB for the default geometry; ASSERT_INIT below).
//
// LEDs: tsp_board_leds in the status assignment (heartbeat, running, done, error), as on the UART
// top.
`include "tsp_assert.svh"

module tsp_zynq_axil_top #(
  parameter int unsigned WinBits = 28  // address bits of the AXI window (256 MiB)
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  // AXI4-Lite slave (window offsets)
  input  logic               s_awvalid_i,
  output logic               s_awready_o,
  input  logic [WinBits-1:0] s_awaddr_i,
  input  logic [2:0]         s_awprot_i,
  input  logic               s_wvalid_i,
  output logic               s_wready_o,
  input  logic [31:0]        s_wdata_i,
  input  logic [3:0]         s_wstrb_i,
  output logic               s_bvalid_o,
  input  logic               s_bready_i,
  output logic [1:0]         s_bresp_o,
  input  logic               s_arvalid_i,
  output logic               s_arready_o,
  input  logic [WinBits-1:0] s_araddr_i,
  input  logic [2:0]         s_arprot_i,
  output logic               s_rvalid_o,
  input  logic               s_rready_i,
  output logic [31:0]        s_rdata_o,
  output logic [1:0]         s_rresp_o,
  output logic [3:0]         led_o
);
  localparam int unsigned MemBytes = tsp_pkg::NumMemSlices * tsp_pkg::MemWords * tsp_pkg::VL;

  logic rst_n;
  tsp_rst_sync u_rst_sync (
    .clk_i,
    .rst_ni,
    .rst_no(rst_n)
  );

  // Window offset -> host address (see the file comment).
  logic [31:0] awaddr, araddr;
  assign awaddr = s_awaddr_i[WinBits-1] ? tsp_isa_pkg::RegionMemBase | 32'(s_awaddr_i[WinBits-2:0])
                                        : 32'(s_awaddr_i[WinBits-2:0]);
  assign araddr = s_araddr_i[WinBits-1] ? tsp_isa_pkg::RegionMemBase | 32'(s_araddr_i[WinBits-2:0])
                                        : 32'(s_araddr_i[WinBits-2:0]);

  logic        req_valid, req_ready, req_we, rsp_valid;
  logic [31:0] req_addr, req_wdata, rsp_rdata;
  logic [2:0]  status;

  tsp_axil_bridge #(.AddrBits(32)) u_bridge (
    .clk_i,
    .rst_ni          (rst_n),
    .s_awvalid_i,
    .s_awready_o,
    .s_awaddr_i      (awaddr),
    .s_awprot_i,
    .s_wvalid_i,
    .s_wready_o,
    .s_wdata_i,
    .s_wstrb_i,
    .s_bvalid_o,
    .s_bready_i,
    .s_bresp_o,
    .s_arvalid_i,
    .s_arready_o,
    .s_araddr_i      (araddr),
    .s_arprot_i,
    .s_rvalid_o,
    .s_rready_i,
    .s_rdata_o,
    .s_rresp_o,
    .host_req_valid_o(req_valid),
    .host_req_ready_i(req_ready),
    .host_req_we_o   (req_we),
    .host_req_addr_o (req_addr),
    .host_req_wdata_o(req_wdata),
    .host_rsp_valid_i(rsp_valid),
    .host_rsp_rdata_i(rsp_rdata)
  );

  tsp_top u_core (
    .clk_i,
    .rst_ni          (rst_n),
    .host_req_valid_i(req_valid),
    .host_req_ready_o(req_ready),
    .host_req_we_i   (req_we),
    .host_req_addr_i (req_addr),
    .host_req_wdata_i(req_wdata),
    .host_rsp_valid_o(rsp_valid),
    .host_rsp_rdata_o(rsp_rdata),
    .status_o        (status)
  );

  tsp_board_leds #(.StatusLeds(1'b1)) u_leds (
    .clk_i,
    .rst_ni  (rst_n),
    .frame_i (1'b0),
    .nack_i  (1'b0),
    .busy_i  (1'b0),
    .status_i(status),
    .led_o
  );

  `ASSERT_INIT(MemFitsTheWindow_A, MemBytes <= (1 << (WinBits - 1)))
endmodule
