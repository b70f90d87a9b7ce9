// Test top for the ICU unit test: four tsp_icu instances (queues mem.w0, mem.w1, vxm.0, mxm.w)
// whose notify outputs are ORed into every notify input, as in tsp_core. Flat ports per queue so
// the C++ test reads plain integers.
module tsp_icu_tb #(
  localparam int unsigned IqAddrBits = tsp_pkg::IqAddrBits,
  localparam int unsigned NumErr     = tsp_isa_pkg::NumErrorBits
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  start_i,
  input  logic                  en_i,
  input  logic [IqAddrBits:0]   qlen0_i,
  input  logic [IqAddrBits:0]   qlen1_i,
  input  logic [IqAddrBits:0]   qlen2_i,
  input  logic [IqAddrBits:0]   qlen3_i,
  input  logic                  host_we_i,
  input  logic                  host_re_i,
  input  logic [1:0]            host_q_i,
  input  logic [IqAddrBits-1:0] host_addr_i,
  input  logic                  host_hi_i,
  input  logic [31:0]           host_wdata_i,
  output logic [31:0]           host_rdata_o,
  output logic [3:0]            disp_valid_o,
  output logic [63:0]           disp0_o,
  output logic [63:0]           disp1_o,
  output logic [63:0]           disp2_o,
  output logic [63:0]           disp3_o,
  output logic [3:0]            notify_o,
  output logic [NumErr-1:0]     err0_o,
  output logic [NumErr-1:0]     err1_o,
  output logic [NumErr-1:0]     err2_o,
  output logic [NumErr-1:0]     err3_o,
  output logic [3:0]            done_o,
  output logic [3:0]            parked_o
);
  function automatic int unsigned queue_id(int unsigned q);
    unique case (q)
      0: queue_id = 0;
      1: queue_id = 1;
      2: queue_id = tsp_pkg::QueueVxm0;
      default: queue_id = tsp_pkg::QueueMxmW;
    endcase
  endfunction

  logic [3:0][IqAddrBits:0]  qlen;
  // Elements laid out as tsp_pkg::disp_t ({valid, instr}), a plain array as in tsp_core: Yosys 0.55
  // drops the dimensions of a packed array of a packed struct (docs/rtl.md), and the gate-level
  // re-simulation (scripts/gatesim.sh) synthesizes this wrapper with the ICUs.
  logic [3:0][tsp_pkg::DispBits-1:0] disp;
  tsp_pkg::err_t [3:0]       err;
  logic [3:0][31:0]          rdata;
  logic [1:0]                host_q_q;

  assign qlen = {qlen3_i, qlen2_i, qlen1_i, qlen0_i};

  for (genvar q = 0; q < 4; q++) begin : g_q
    tsp_icu #(.QueueId(queue_id(q))) u_icu (
      .clk_i,
      .rst_ni,
      .start_i,
      .en_i,
      .qlen_i      (qlen[q]),
      .notify_i    (|notify_o),
      .host_we_i   (host_we_i && host_q_i == q),
      .host_re_i   (host_re_i && host_q_i == q),
      .host_addr_i,
      .host_hi_i,
      .host_wdata_i,
      .host_rdata_o(rdata[q]),
      .disp_o      (disp[q]),
      .notify_o    (notify_o[q]),
      .err_o       (err[q]),
      .done_o      (done_o[q]),
      .parked_o    (parked_o[q])
    );
    assign disp_valid_o[q] = disp[q][tsp_pkg::DispBits-1];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) host_q_q <= '0;
    else if (host_re_i) host_q_q <= host_q_i;
  end

  assign host_rdata_o = rdata[host_q_q];
  assign disp0_o = disp[0][63:0];
  assign disp1_o = disp[1][63:0];
  assign disp2_o = disp[2][63:0];
  assign disp3_o = disp[3][63:0];
  assign err0_o  = err[0];
  assign err1_o  = err[1];
  assign err2_o  = err[2];
  assign err3_o  = err[3];
endmodule
