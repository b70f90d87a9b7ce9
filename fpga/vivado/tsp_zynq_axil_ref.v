// Module-reference wrapper of rtl/board/tsp_zynq_axil_top.sv for the Vivado block design built by
// fpga/vivado/zynq_bd.tcl. Plain Verilog because IP integrator does not accept SystemVerilog for
// the top of a module reference (UG994, "Limitations of the Module Reference Feature"); the
// modules below it may be SystemVerilog. Port names follow the s_axi_* pattern from which IP
// integrator infers an AXI4-Lite slave interface "s_axi"; the attributes tie the clock to the
// interface and the reset. No logic here.
module tsp_zynq_axil_ref (
  (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 s_axi_aclk CLK" *)
  (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axi, ASSOCIATED_RESET s_axi_aresetn" *)
  input  wire        s_axi_aclk,
  (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 s_axi_aresetn RST" *)
  (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
  input  wire        s_axi_aresetn,
  input  wire [27:0] s_axi_awaddr,
  input  wire [2:0]  s_axi_awprot,
  input  wire        s_axi_awvalid,
  output wire        s_axi_awready,
  input  wire [31:0] s_axi_wdata,
  input  wire [3:0]  s_axi_wstrb,
  input  wire        s_axi_wvalid,
  output wire        s_axi_wready,
  output wire [1:0]  s_axi_bresp,
  output wire        s_axi_bvalid,
  input  wire        s_axi_bready,
  input  wire [27:0] s_axi_araddr,
  input  wire [2:0]  s_axi_arprot,
  input  wire        s_axi_arvalid,
  output wire        s_axi_arready,
  output wire [31:0] s_axi_rdata,
  output wire [1:0]  s_axi_rresp,
  output wire        s_axi_rvalid,
  input  wire        s_axi_rready,
  output wire [3:0]  led
);
  tsp_zynq_axil_top #(.WinBits(28)) u_top (
    .clk_i      (s_axi_aclk),
    .rst_ni     (s_axi_aresetn),
    .s_awvalid_i(s_axi_awvalid),
    .s_awready_o(s_axi_awready),
    .s_awaddr_i (s_axi_awaddr),
    .s_awprot_i (s_axi_awprot),
    .s_wvalid_i (s_axi_wvalid),
    .s_wready_o (s_axi_wready),
    .s_wdata_i  (s_axi_wdata),
    .s_wstrb_i  (s_axi_wstrb),
    .s_bvalid_o (s_axi_bvalid),
    .s_bready_i (s_axi_bready),
    .s_bresp_o  (s_axi_bresp),
    .s_arvalid_i(s_axi_arvalid),
    .s_arready_o(s_axi_arready),
    .s_araddr_i (s_axi_araddr),
    .s_arprot_i (s_axi_arprot),
    .s_rvalid_o (s_axi_rvalid),
    .s_rready_i (s_axi_rready),
    .s_rdata_o  (s_axi_rdata),
    .s_rresp_o  (s_axi_rresp),
    .led_o      (led)
  );
endmodule
