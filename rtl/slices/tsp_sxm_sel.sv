// One output lane of the SXM crossbar (SHUP, SHDN, PERM): out_o = zero_i ? 0 : element sel_i of
// vec_i (VL elements of 32 bits, element l = bits 32l +: 32).
//
// The select is an explicit binary mux tree: stage d halves the candidates, picking element
// 2i + sel_i[d] of each pair (docs/rtl.md Conventions item 5: `vec[sel]` becomes a shifter over
// the whole vector in Yosys). It is a module of its own so that synthesis maps one lane and
// counts VL instances (scripts/synth.sh partitions); tsp_sxm computes sel_i and zero_i.
module tsp_sxm_sel (
  input  logic [tsp_pkg::VL*32-1:0]      vec_i,
  input  logic [$clog2(tsp_pkg::VL)-1:0] sel_i,
  input  logic                           zero_i,
  output logic [31:0]                    out_o
);
  localparam int unsigned IdxW = $clog2(tsp_pkg::VL);
  localparam int unsigned N    = 1 << IdxW;  // VL rounded up to a power of two

  // Level d holds N >> d candidates; level 0 = the input, level IdxW = the selected element.
  // The in-place update never overwrites a candidate still to be read: element i is written after
  // elements 2i', 2i'+1 of every i' <= i have been read.
  logic [N*32-1:0] t;
  always_comb begin
    t = '0;
    t[tsp_pkg::VL*32-1:0] = vec_i;
    for (int unsigned d = 0; d < IdxW; d++) begin
      for (int unsigned i = 0; i < (N >> (d + 1)); i++) begin
        t[i*32 +: 32] = sel_i[d] ? t[(2*i+1)*32 +: 32] : t[2*i*32 +: 32];
      end
    end
  end
  assign out_o = zero_i ? 32'h0 : t[31:0];
endmodule
