// One MXM tile's dot products (combinational): for every weight row r,
//   dot_o[r] = sum over the 16 lanes j of W[r][j] * x[j]   (int32; exact: the sum fits 22 bits)
// with W and x int8, each signed or unsigned (an unsigned byte is zero-extended to 9 bits).
// Row r of w_i holds W[r][0..15] (byte j = column j of this tile). Used by tsp_mxm once per
// superlane; a module of its own so that synthesis can take one tile at a time (scripts/synth.sh).
module tsp_mxm_dot (
  input  logic [tsp_isa_pkg::MxmRows-1:0][tsp_pkg::Lanes*8-1:0] w_i,
  input  logic [tsp_pkg::Lanes*8-1:0]                           x_i,
  input  logic                                                   w_signed_i,
  input  logic                                                   x_signed_i,
  output logic [tsp_isa_pkg::MxmRows-1:0][31:0]                  dot_o
);
  localparam int unsigned Rows  = tsp_isa_pkg::MxmRows;
  localparam int unsigned Lanes = tsp_pkg::Lanes;

  for (genvar r = 0; r < Rows; r++) begin : g_row
    // 16 products of 9-bit signed operands: 18 bits each, their sum fits 22 bits.
    logic signed [8:0]  wv, xv;
    logic signed [17:0] pr;
    logic signed [21:0] sum;
    always_comb begin
      sum = '0;
      wv  = '0;
      xv  = '0;
      pr  = '0;
      for (int unsigned j = 0; j < Lanes; j++) begin
        wv  = {w_signed_i & w_i[r][8*j+7], w_i[r][8*j +: 8]};
        xv  = {x_signed_i & x_i[8*j+7], x_i[8*j +: 8]};
        pr  = wv * xv;
        sum = sum + {{4{pr[17]}}, pr};
      end
    end
    assign dot_o[r] = {{10{sum[21]}}, sum};
  end
endmodule
