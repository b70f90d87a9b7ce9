// SXM reduction engine: RSUM / RMAX over all VL lanes (ModelAccess::TileStep, kRsum / kRmax).
//
// The model reduces with a fixed pairwise tree: each level maps v[i] = op(v[2i], v[2i+1]) and an
// odd last element is carried. This engine computes the same tree, in place, with U = VL/4
// operator units (each: int32 wrapping add, int32 signed max, fp32 add, fp32 max):
//   step 0      : pairs 0 .. U-1   of level 1 -> buf[0 .. U-1]
//   step 1      : pairs U .. 2U-1  of level 1 -> buf[U .. 2U-1]
//   step s >= 2 : one whole level (at most U pairs); unit u writes buf[u]; the unit just past the
//                 last pair carries buf[2u] (the odd element) into buf[u].
// NSteps = 1 + ceil(log2 VL) steps, i.e. 7 for VL = 64. A step takes two cycles (ph_q): the units'
// fp adders are split (tsp_fp_add_align, registered, then tsp_fp_add_norm), and the step's results
// are written in its second cycle. (Until 2026-12-05 a step was one cycle with a one-cycle fp adder,
// the deepest path of the SXM; the occupancy went from 8 to 14, the latency stayed 20: issue 10's
// timing work.) The occupancy (>= 2 NSteps) leaves the engine free before the next reduction
// loads. The scalar result then travels a tap chain so that superlane k gets it at t + k + LatRsum.
//
// load_i arrives at t + S - 1 (when the last superlane's operands are read) with the whole
// operand vector (lane-major, 32 bits per lane, bytes beyond the group width zero).
`include "tsp_assert.svh"

module tsp_sxm_red (
  input  logic                                        clk_i,
  input  logic                                        rst_ni,
  input  logic                                        load_i,
  input  logic                                        is_max_i,
  input  logic                                        is_f_i,
  input  logic [4:0]                                  dst_i,
  input  logic [2:0]                                  w_i,
  input  logic [tsp_pkg::VL-1:0][31:0]                vec_i,
  output logic [tsp_pkg::NumSuperlanes-1:0]           vld_o,
  output logic [tsp_pkg::NumSuperlanes-1:0][4:0]      dst_o,
  output logic [tsp_pkg::NumSuperlanes-1:0][2:0]      w_o,
  output logic [tsp_pkg::NumSuperlanes-1:0][31:0]     val_o,
  output logic                                        busy_o
);
  localparam int unsigned S      = tsp_pkg::NumSuperlanes;
  localparam int unsigned VL     = tsp_pkg::VL;
  localparam int unsigned U      = VL / 4;
  localparam int unsigned NSteps = 1 + $clog2(VL);
  localparam int unsigned StepW  = $clog2(NSteps + 1);
  localparam int unsigned CntW   = $clog2(VL) + 1;
  localparam int unsigned Lat    = tsp_isa_pkg::LatRsum;
  // Result chain: stage 0 holds the result from t + S + 2 NSteps on; superlane k taps stage
  // k + Lat - S - 2 NSteps.
  localparam int unsigned Chain  = Lat - 2 * NSteps;

  logic [VL-1:0][31:0] buf_q;
  logic                act_q, ph_q, is_max_q, is_f_q;
  logic                step1_q;  // step_q == 1, registered: the operand select of 64 x U mux bits
  logic [StepW-1:0]    step_q;
  logic [CntW-1:0]     cnt_q;
  logic [4:0]          dst_q;
  logic [2:0]          w_q;

  logic                step1, last;
  logic [CntW-1:0]     pairs;
  logic [U-1:0][31:0]  res;

  assign step1 = step1_q;
  assign last  = act_q && ph_q && (step_q == StepW'(NSteps - 1));
  assign pairs = cnt_q >> 1;

  for (genvar u = 0; u < U; u++) begin : g_unit
    logic [31:0] x, y, f_add, f_max, i_add, i_max, pre;
    // First cycle of a step: the adder's first half and every other result, registered.
    logic        fa_spec, fa_sign, fa_spec_q, fa_sign_q, use_add, use_add_q;
    logic [31:0] fa_spec_y, fa_spec_y_q, pre_q;
    logic [7:0]  fa_exp, fa_exp_q;
    logic [27:0] fa_sum, fa_sum_q;
    assign x = step1 ? buf_q[2 * U + 2 * u] : buf_q[2 * u];
    assign y = step1 ? buf_q[2 * U + 2 * u + 1] : buf_q[2 * u + 1];

    tsp_fp_add_align u_add_align (
      .a_i     (x),
      .b_i     (y),
      .sub_i   (1'b0),
      .spec_o  (fa_spec),
      .spec_y_o(fa_spec_y),
      .sign_o  (fa_sign),
      .exp_o   (fa_exp),
      .sum_o   (fa_sum)
    );
    tsp_fp_max u_max (
      .a_i(x),
      .b_i(y),
      .y_o(f_max)
    );
    assign i_add = x + y;
    assign i_max = ($signed(x) < $signed(y)) ? y : x;

    // Levels after the first: a unit beyond the last pair carries the odd element.
    always_comb begin
      use_add = 1'b0;
      if (step_q >= StepW'(2) && CntW'(u) >= pairs) begin
        pre = x;
      end else if (is_max_q) begin
        pre = is_f_q ? f_max : i_max;
      end else if (is_f_q) begin
        pre     = x;
        use_add = 1'b1;
      end else begin
        pre = i_add;
      end
    end

    always_ff @(posedge clk_i) begin
      fa_spec_q   <= fa_spec;
      fa_spec_y_q <= fa_spec_y;
      fa_sign_q   <= fa_sign;
      fa_exp_q    <= fa_exp;
      fa_sum_q    <= fa_sum;
      pre_q       <= pre;
      use_add_q   <= use_add;
    end

    // Second cycle: the adder's second half.
    tsp_fp_add_norm #(.TwoPath(1'b0)) u_add_norm (
      .spec_i  (fa_spec_q),
      .spec_y_i(fa_spec_y_q),
      .sign_i  (fa_sign_q),
      .exp_i   (fa_exp_q),
      .sum_i   (fa_sum_q),
      .y_o     (f_add)
    );
    assign res[u] = use_add_q ? f_add : pre_q;
  end

  // Operand / working buffer (payload, no reset).
  always_ff @(posedge clk_i) begin
    if (load_i) begin
      buf_q <= vec_i;
    end else if (act_q && ph_q) begin
      for (int unsigned u = 0; u < U; u++) begin
        if (step1) buf_q[U + u] <= res[u];
        else       buf_q[u] <= res[u];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q    <= 1'b0;
      ph_q     <= 1'b0;
      step_q   <= '0;
      step1_q  <= 1'b0;
      cnt_q    <= '0;
      is_max_q <= 1'b0;
      is_f_q   <= 1'b0;
      dst_q    <= '0;
      w_q      <= '0;
    end else begin
      if (act_q) begin
        ph_q <= !ph_q;
        if (ph_q) begin
          step_q  <= step_q + StepW'(1);
          step1_q <= step_q == '0;
          cnt_q  <= step1 ? CntW'(VL / 2) : CntW'((cnt_q + CntW'(1)) >> 1);
        end
        if (last) act_q <= 1'b0;
      end
      if (load_i) begin
        act_q    <= 1'b1;
        ph_q     <= 1'b0;
        step_q   <= '0;
        step1_q  <= 1'b0;
        cnt_q    <= CntW'(VL);
        is_max_q <= is_max_i;
        is_f_q   <= is_f_i;
        dst_q    <= dst_i;
        w_q      <= w_i;
      end
    end
  end

  // ---------------- Result chain ----------------
  logic [Chain-1:0]       c_vld_q;
  logic [Chain-1:0][4:0]  c_dst_q;
  logic [Chain-1:0][2:0]  c_w_q;
  logic [Chain-1:0][31:0] c_val_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      c_vld_q <= '0;
      c_dst_q <= '0;
      c_w_q   <= '0;
    end else begin
      c_vld_q[0] <= last;
      c_dst_q[0] <= dst_q;
      c_w_q[0]   <= w_q;
      for (int unsigned i = 1; i < Chain; i++) begin
        c_vld_q[i] <= c_vld_q[i-1];
        c_dst_q[i] <= c_dst_q[i-1];
        c_w_q[i]   <= c_w_q[i-1];
      end
    end
  end

  always_ff @(posedge clk_i) begin
    c_val_q[0] <= res[0];
    for (int unsigned i = 1; i < Chain; i++) c_val_q[i] <= c_val_q[i-1];
  end

  for (genvar k = 0; k < S; k++) begin : g_tap
    localparam int unsigned Tap = k + Lat - S - 2 * NSteps;
    assign vld_o[k] = c_vld_q[Tap];
    assign dst_o[k] = c_dst_q[Tap];
    assign w_o[k]   = c_w_q[Tap];
    assign val_o[k] = c_val_q[Tap];
  end

  assign busy_o = act_q || (|c_vld_q);

  // The tree must finish before the first superlane's write, and before the next reduction loads.
  // (A reduction dispatched within the occupancy is a UnitBusy schedule error; it restarts the
  // engine here, while the model would compute both.)
  `ASSERT_INIT(RedLatency_A, Lat >= S + 2 * NSteps && 2 * NSteps <= tsp_isa_pkg::OccRsum &&
                             tsp_isa_pkg::OccRmax == tsp_isa_pkg::OccRsum &&
                             tsp_isa_pkg::LatRmax == Lat && VL % 4 == 0)
endmodule
