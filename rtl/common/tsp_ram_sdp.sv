// Simple dual-port RAM (one write port, one registered read port), written so Yosys and FPGA tools
// infer block RAM. Byte enables per 8 bits. Read-during-write to the same address returns the old
// data (read-first), which is what the reference model assumes.
module tsp_ram_sdp #(
  parameter int unsigned Width = 128,
  parameter int unsigned Depth = 512,
  localparam int unsigned AddrBits = $clog2(Depth),
  localparam int unsigned NumBytes = Width / 8
) (
  input  logic                clk_i,
  input  logic                we_i,
  input  logic [NumBytes-1:0] wbe_i,
  input  logic [AddrBits-1:0] waddr_i,
  input  logic [Width-1:0]    wdata_i,
  input  logic                re_i,
  input  logic [AddrBits-1:0] raddr_i,
  output logic [Width-1:0]    rdata_o
);
  // Simulation only: public so that the Verilator testbench can load and read the array directly
  // between clock edges while the core is idle (the `rtl` device's backdoor, tb/common/rtl_device.h).
  // A Verilator comment: synthesis tools ignore it.
  logic [Width-1:0] mem_q [Depth] /* verilator public_flat_rw */;

  always_ff @(posedge clk_i) begin
    for (int b = 0; b < int'(NumBytes); b++) begin
      if (we_i && wbe_i[b]) mem_q[waddr_i][b*8 +: 8] <= wdata_i[b*8 +: 8];
    end
  end

  always_ff @(posedge clk_i) begin
    if (re_i) rdata_o <= mem_q[raddr_i];
  end
endmodule
