// One lane datapath of a VXM tile (host/src/ref/model.cc VxmLane): 32-bit operands in, the
// latency-2, latency-3 and special-function results out. tsp_vxm_tile decodes the instruction once
// for its 16 lanes (the tsp_pkg::Vxl* codes) and runs the special-function sequencer; the lane is
// datapath only, so its cost is counted once per lane (`make synth` partition).
//
// Timing (r = the read cycle, ld_i high):
//   r   stage 0: a is converted (VxlAI2f: sign-extended by stype_i, then int -> fp32; VxlASat:
//       saturated to dtype_i; VxlASx, VMUL: sign-extended by dtype_i, and b with it, b_sx_i);
//       s1 <= operands.
//   r+1 stage 1: integer ops but VMUL, fp max, relu; s2 <= result (l2_o during r+2). The fp
//       adder's first half (special cases, alignment, exact sum) and the multiplier's product
//       (int32 for VMUL, significands otherwise); registered. The fp units' operands come from
//       one-hot selects the tile registers a cycle ahead (osel_i: an AND-OR of five sources).
//   r+2 stage 2: the fp adder's second half (normalise, round), the fp multiplier's rounding, then
//       fp32 -> int of VCVT (s2_f2i_i) on the product; VMUL's wrap / saturation; s3 <= result
//       (l3_o during r+3). (VMUL had latency 2 before ISA version 4.)
//   r+1 .. : a special function runs its steps on the same two-stage fp multiplier and adder
//       (sf_run_i, uop_i: step i in r+1+2i (sf_s1_i: stage 1 computes the step) and r+2+2i
//       (sf_wb_i: stage 2 finishes it and writes the step's registers); its final step loads sf_o,
//       which holds until the next one. Its input is kept in sf_x_q, so that an instruction read in
//       an odd cycle r+1, r+3, .. (ISA version 5, interleave) loads s1 and runs its stage 1 in the
//       step's second cycle, when stage 1 is free, and its stage 2 in the next step's first.
//       (Until 2026-12-05 both units were one stage and a step took one cycle: FADD / FMUL kept
//       their latency 3 through the split, the special functions went from latency 20 /
//       occupancy 19 to 38 / 37, issue 10's timing work.)
//
// Area notes (issue 10): the integer path is 33 bits wide for add / subtract / max (one adder;
// VMAX is the sign of a - b), the 64-bit product only for VMUL; saturation tests the bits above
// the destination width instead of comparing with the range limits; one 33-bit arithmetic right
// shifter serves VSHR, VSRL and (bit-reversed) VSHL; the special functions' final scaling by 2^k
// works on 10-bit exponents (|k| <= 151: FEXP's input is clamped to |x| <= 104).
module tsp_vxm_lane (
  input  logic                clk_i,
  // Stage 0.
  input  logic                ld_i,        // an instruction reads now: load s1
  input  logic [31:0]         a_i,
  input  logic [31:0]         b_i,
  input  logic [1:0]          a_sel_i,     // tsp_pkg::VxlASrc / VxlAI2f / VxlASat / VxlASx
  input  logic [1:0]          stype_i,     // sign extension of a for VxlAI2f / VxlASat
  input  logic [1:0]          dtype_i,     // range of VxlASat; sign extension of VxlASx, b_sx_i
  input  logic                b_sx_i,      // b <= b_i sign-extended by dtype_i (VMUL)
  input  logic                b_imm_i,     // b <= imm_i (VCVT's scale)
  input  logic [31:0]         imm_i,
  // Stage 1 (registered in the tile).
  input  logic [3:0]          s1_op_i,     // tsp_pkg::Vxl* lane operation
  input  logic [1:0]          s1_dtype_i,
  input  logic                s1_sat_i,
  input  logic [4:0]          s1_sh_i,     // shift amount modulo the lane width
  input  logic                sf_ld_i,     // a special function reads now: load its input
  input  logic [1:0]          sf_func_ld_i, // ... of this function (0 FEXP, 1 FRECIP, 2 FRSQRT)
  input  logic                sf_run_i,    // a special function runs its steps
  input  logic                sf_s1_i,     // first cycle of its step: stage 1 is the step's
  input  logic                sf_wb_i,     // second cycle of its step: write the step's results
  input  logic [1:0]          sf_func_i,   // 0 FEXP, 1 FRECIP, 2 FRSQRT
  input  tsp_pkg::vxm_uop_t   uop_i,       // its step of this cycle
  input  tsp_pkg::vxm_osel_t  osel_i,      // stage 1's fp operand selects (one-hot)
  // Stage 2.
  input  logic                s2_f2i_i,
  input  logic [1:0]          s2_dtype_i,
  output logic [31:0]         l2_o,
  output logic [31:0]         l3_o,
  output logic [31:0]         sf_o
);

  localparam logic [31:0] CanonNaN    = 32'h7FC0_0000;
  localparam logic [31:0] KRsqrtMagic = 32'h5F37_59DF;
  localparam logic [31:0] KExpClamp   = 32'h42D0_0000;
  localparam logic [31:0] KRoundMagic = 32'h4B40_0000;
  localparam logic [1:0]  SfExp       = 2'd0;
  localparam logic [1:0]  SfRecip     = 2'd1;
  localparam logic [1:0]  SfRsqrt     = 2'd2;

  function automatic logic is_nan(logic [30:0] x);
    is_nan = (x[30:23] == 8'hFF) && (x[22:0] != '0);
  endfunction

  // Sign / zero extension of the low 8 (dtype 0), 16 (1) or 32 (2, 3) bits of v.
  function automatic logic [31:0] sext(logic [31:0] v, logic [1:0] dt);
    logic [31:0] r;
    unique case (dt)
      2'd0:    r = {{24{v[7]}}, v[7:0]};
      2'd1:    r = {{16{v[15]}}, v[15:0]};
      default: r = v;
    endcase
    sext = r;
  endfunction

  function automatic logic [31:0] zext(logic [31:0] v, logic [1:0] dt);
    logic [31:0] r;
    unique case (dt)
      2'd0:    r = {24'd0, v[7:0]};
      2'd1:    r = {16'd0, v[15:0]};
      default: r = v;
    endcase
    zext = r;
  endfunction

  function automatic logic [31:0] rev32(logic [31:0] v);
    for (int i = 0; i < 32; i++) rev32[i] = v[31 - i];
  endfunction

  // The saturation limit of dtype dt on the side of sign neg (sign-extended to 32 bits).
  function automatic logic [31:0] sat_limit(logic neg, logic [1:0] dt);
    logic [31:0] r;
    unique case (dt)
      2'd0:    r = neg ? 32'hFFFF_FF80 : 32'h0000_007F;
      2'd1:    r = neg ? 32'hFFFF_8000 : 32'h0000_7FFF;
      default: r = neg ? 32'h8000_0000 : 32'h7FFF_FFFF;
    endcase
    sat_limit = r;
  endfunction

  // A value v lies outside the range of dtype dt when its bits from the destination's sign bit up
  // are not all equal. h = v[32:7] of a 33-bit value (sign-extended), v[63:7] of a 64-bit one.
  function automatic logic out_of_range33(logic [25:0] h, logic [1:0] dt);
    logic o;
    unique case (dt)
      2'd0:    o = !((&h) || !(|h));              // v[32:7]
      2'd1:    o = !((&h[25:8]) || !(|h[25:8]));  // v[32:15]
      default: o = h[25] != h[24];                // v[32:31]
    endcase
    out_of_range33 = o;
  endfunction

  function automatic logic out_of_range64(logic [56:0] h, logic [1:0] dt);
    logic o;
    unique case (dt)
      2'd0:    o = !((&h) || !(|h));                // v[63:7]
      2'd1:    o = !((&h[56:8]) || !(|h[56:8]));    // v[63:15]
      default: o = !((&h[56:24]) || !(|h[56:24]));  // v[63:31]
    endcase
    out_of_range64 = o;
  endfunction

  // AND-OR select of one of five sources by the one-hot s.
  function automatic logic [31:0] sel5(logic [4:0] s, logic [31:0] x0, logic [31:0] x1,
                                       logic [31:0] x2, logic [31:0] x3, logic [31:0] x4);
    sel5 = ({32{s[0]}} & x0) | ({32{s[1]}} & x1) | ({32{s[2]}} & x2) | ({32{s[3]}} & x3) |
           ({32{s[4]}} & x4);
  endfunction

  // ScaleByPow2 of numerics.cc: y (normal or zero) times 2^k by exponent arithmetic, FTZ /
  // overflow. |k| <= 151 here, so 11-bit exponent arithmetic is exact.
  function automatic logic [31:0] scale_pow2(logic [31:0] y, logic signed [9:0] k);
    logic signed [10:0] e;
    logic [31:0] r;
    e = $signed({3'd0, y[30:23]}) + $signed({k[9], k});
    if (y[30:23] == 8'd0) begin
      r = {y[31], 31'd0};
    end else if (e <= 11'sd0) begin
      r = {y[31], 31'd0};
    end else if (e >= 11'sd255) begin
      r = {y[31], 8'hFF, 23'd0};
    end else begin
      r = {y[31], e[7:0], y[22:0]};
    end
    scale_pow2 = r;
  endfunction

  logic [31:0] a_sx, i2f_y, sat0, a0, b0;
  logic [31:0] s1_a_q, s1_b_q, s2_q, s3_q, sf_out_q;
  logic [31:0] sf_x_q;  // the running special function's input (s1 takes interleaved instructions)
  logic [31:0] sf_p_q;  // ... pre-processed by its first INT step (registered: off the fp units' path)
  logic [31:0] p_ld;
  // Stage 1 -> 2 registers of the two-stage fp adder and multiplier.
  logic        fa_spec, fa_sign, fa_spec_q, fa_sign_q;
  logic [31:0] fa_spec_y, fa_spec_y_q;
  logic [7:0]  fa_exp, fa_exp_q;
  logic [27:0] fa_sum, fa_sum_q;
  tsp_pkg::fmul_ops_t fm_ops, fm_ops_q;  // the fp multiply's operand part (tsp_fp_mul_ops)
  logic [63:0] fm_prod_q;
  logic        k2_add_q, k2_mul_q;  // s3 takes the adder's / the fp multiplier's result
  logic        k2_vmul_q, k2_sat_q; // s3 takes VMUL's product (saturated to s2_dtype_i)
  logic [31:0] vmul_y;
  logic [31:0] sf_r_q [4];
  logic [31:0] sa, sb, p_in, seed, mul_x, mul_y, add_x, add_y, fmul_y, fadd_y, fmax_y;
  logic [31:0] s1_y, arith_y, relu_y, sh_src, sh_out, shift_y, f2i_y, sc_y, fin_y;
  logic        add_sub, neg, ovf, v_neg;
  logic [32:0] sum33;
  logic signed [32:0] mo_a, mo_b;
  logic signed [63:0] prod;
  logic signed [9:0]  k_scale;
  logic [7:0]  ea;

  // The micro-op's source fields: the tile decodes them into osel_i.
  logic unused_uop_src;
  assign unused_uop_src = ^{uop_i.mul_a, uop_i.mul_b, uop_i.add_a, uop_i.add_b, uop_i.add_sub};

  // ---------------- Stage 0 ----------------
  assign a_sx = sext(a_i, stype_i);

  tsp_fp_i2f u_i2f (
    .x_i(a_sx),
    .y_o(i2f_y)
  );

  // int -> int VCVT: a_sx saturated to dtype_i (a_sx is a sign-extended 32-bit value).
  assign sat0 = out_of_range33({a_sx[31], a_sx[31:7]}, dtype_i) ? sat_limit(a_sx[31], dtype_i) : a_sx;

  always_comb begin
    unique case (a_sel_i)
      tsp_pkg::VxlAI2f: a0 = i2f_y;
      tsp_pkg::VxlASat: a0 = sat0;
      tsp_pkg::VxlASx:  a0 = sext(a_i, dtype_i);
      default:          a0 = a_i;
    endcase
    if (b_imm_i) begin
      b0 = imm_i;
    end else if (b_sx_i) begin
      b0 = sext(b_i, dtype_i);
    end else begin
      b0 = b_i;
    end
  end

  // ---------------- Stage 1 ----------------
  // Pre-processed input of a special function (the first INT step of each sequence), formed in its
  // read cycle from the raw operand and registered with it.
  always_comb begin
    unique case (sf_func_ld_i)
      SfRecip: p_ld = {9'h07F, a_i[22:0]};                                      // m in [1,2)
      SfRsqrt: p_ld = {1'b0, a_i[23] ? 8'h7F : 8'h80, a_i[22:0]};               // m in [1,4)
      default: p_ld = (a_i[30:0] > KExpClamp[30:0]) ? {a_i[31], KExpClamp[30:0]} : a_i;
    endcase
  end

  always_comb begin
    p_in = sf_p_q;
    seed = KRsqrtMagic - {1'b0, p_in[31:1]};
    // Operands of the fp units: the special-function step's sources or the instruction's, selected
    // one-hot (tsp_pkg::vxm_osel_t, registered in the tile).
    mul_x   = sel5(osel_i.mul_a, uop_i.k, sf_r_q[0], sf_r_q[1], sf_r_q[3], s1_a_q);
    mul_y   = sel5(osel_i.mul_b, p_in, sf_r_q[0], sf_r_q[1], sf_r_q[2], s1_b_q);
    add_x   = sel5(osel_i.add_a, uop_i.k, sf_r_q[1], p_in, sf_r_q[3], s1_a_q);
    add_y   = sel5(osel_i.add_b, sf_r_q[2], uop_i.k, sf_r_q[3], sf_r_q[0], s1_b_q);
    add_sub = osel_i.add_sub;
    sa = sext(s1_a_q, s1_dtype_i);
    sb = sext(s1_b_q, s1_dtype_i);
    // Shared multiplier: int32 x int32 for VMUL, 24-bit significands otherwise.
    // VMUL's operands were sign-extended in stage 0 (VxlASx, b_sx_i) and the tile selects them
    // (s1_a, s1_b) on the fp ports, so the low 23 bits of the multiplier's operands are the fp
    // ports' as they are: no select between the AND-OR and the DSP (issue 10's timing work).
    mo_a = {osel_i.int_mul ? {s1_a_q[31], s1_a_q[31:23]} : 10'd1, mul_x[22:0]};
    mo_b = {osel_i.int_mul ? {s1_b_q[31], s1_b_q[31:23]} : 10'd1, mul_y[22:0]};
  end

  assign prod = 64'(mo_a) * 64'(mo_b);  // exact: |int32 * int32| <= 2^62

  tsp_fp_mul_ops u_mul_ops (
    .a_i  (mul_x),
    .b_i  (mul_y),
    .ops_o(fm_ops)
  );

  tsp_fp_add_align u_add_align (
    .a_i     (add_x),
    .b_i     (add_y),
    .sub_i   (add_sub),
    .spec_o  (fa_spec),
    .spec_y_o(fa_spec_y),
    .sign_o  (fa_sign),
    .exp_o   (fa_exp),
    .sum_o   (fa_sum)
  );

  tsp_fp_max u_max (
    .a_i(s1_a_q),
    .b_i(s1_b_q),
    .y_o(fmax_y)
  );

  always_comb begin
    // Integer add / subtract / max: one exact 33-bit adder (VMAX: a - b, a wins when >= 0).
    neg   = (s1_op_i == tsp_pkg::VxlSub) || (s1_op_i == tsp_pkg::VxlMax);
    sum33 = {sa[31], sa} + ({sb[31], sb} ^ {33{neg}}) + {32'd0, neg};
    ovf   = out_of_range33(sum33[32:7], s1_dtype_i);
    v_neg = sum33[32];
    arith_y = (s1_sat_i && ovf) ? sat_limit(v_neg, s1_dtype_i) : sum33[31:0];

    // VRELU: fp32 (NaN -> canonical NaN, DAZ) or signed integer.
    if (s1_dtype_i == 2'(tsp_isa_pkg::DtF32)) begin
      if (is_nan(s1_a_q[30:0])) begin
        relu_y = CanonNaN;
      end else if (s1_a_q[31] || (s1_a_q[30:23] == 8'd0)) begin
        relu_y = '0;
      end else begin
        relu_y = s1_a_q;
      end
    end else begin
      relu_y = (!sa[31] && (sa != '0)) ? sa : '0;
    end

    // One arithmetic right shifter for the three shifts: VSHR shifts sext(a) in with its sign,
    // VSRL zext(a) with zeros, VSHL the bit-reversed a with zeros (and reverses the result).
    unique case (s1_op_i)
      tsp_pkg::VxlShl: sh_src = rev32(s1_a_q);
      tsp_pkg::VxlShr: sh_src = sa;
      default:         sh_src = zext(s1_a_q, s1_dtype_i);
    endcase
    sh_out  = 32'($signed({(s1_op_i == tsp_pkg::VxlShr) & sa[31], sh_src}) >>> s1_sh_i);
    shift_y = (s1_op_i == tsp_pkg::VxlShl) ? rev32(sh_out) : sh_out;

    unique case (s1_op_i)
      tsp_pkg::VxlAdd,
      tsp_pkg::VxlSub:  s1_y = arith_y;
      tsp_pkg::VxlMax:  s1_y = sum33[32] ? sb : sa;
      tsp_pkg::VxlRelu: s1_y = relu_y;
      tsp_pkg::VxlShl,
      tsp_pkg::VxlShr,
      tsp_pkg::VxlSrl:  s1_y = shift_y;
      tsp_pkg::VxlFmax: s1_y = fmax_y;
      default:          s1_y = s1_a_q;
    endcase
  end

  // ---------------- Stage 2: fp add / multiply second halves, VCVT fp32 -> int ----------------
  tsp_fp_add_norm u_add_norm (
    .spec_i  (fa_spec_q),
    .spec_y_i(fa_spec_y_q),
    .sign_i  (fa_sign_q),
    .exp_i   (fa_exp_q),
    .sum_i   (fa_sum_q),
    .y_o     (fadd_y)
  );

  tsp_fp_mul_round u_mul (
    .ops_i (fm_ops_q),
    .prod_i(fm_prod_q[47:22]),
    .y_o   (fmul_y)
  );

  // VMUL: the low half of the int32 product, or saturated to the destination type.
  assign vmul_y = (k2_sat_q && out_of_range64(fm_prod_q[63:7], s2_dtype_i)) ?
                  sat_limit(fm_prod_q[63], s2_dtype_i) : fm_prod_q[31:0];

  // VCVT to an integer type scales by its fp multiply first (stage 1 op VxlFmul): the product
  // rounds straight to the integer (tsp_fp_mul_f2i, bit for bit F32ToInt(FMul(a, scale))).
  tsp_fp_mul_f2i u_mul_f2i (
    .ops_i  (fm_ops_q),
    .prod_i (fm_prod_q[47:22]),
    .dtype_i(s2_dtype_i),
    .y_o    (f2i_y)
  );

  // ---------------- Final INT step of the special functions ----------------
  always_comb begin
    ea = sf_x_q[30:23];
    unique case (sf_func_i)
      SfRecip: k_scale = 10'sd127 - $signed({2'd0, ea});                        // -e
      SfRsqrt: k_scale = -(($signed({2'd0, ea}) - 10'sd127) >>> 1);             // -floor(e/2)
      default: k_scale = 10'(sf_r_q[1] - KRoundMagic);                          // ki = big - RMAGIC
    endcase
    sc_y = (sf_func_i == SfExp) ? sf_r_q[2] : sf_r_q[1];
    if (is_nan(sf_x_q[30:0])) begin
      fin_y = CanonNaN;
    end else if (sf_func_i == SfExp) begin
      fin_y = scale_pow2(sc_y, k_scale);
    end else if (ea == 8'd0) begin
      fin_y = {sf_x_q[31], 8'hFF, 23'd0};                                       // 1/0, 1/sqrt(0)
    end else if ((sf_func_i == SfRsqrt) && sf_x_q[31]) begin
      fin_y = CanonNaN;
    end else if (ea == 8'hFF) begin
      fin_y = {sf_x_q[31], 31'd0};                                              // 1/inf, 1/sqrt(inf)
    end else if (sf_func_i == SfRsqrt) begin
      fin_y = scale_pow2(sc_y, k_scale);
    end else begin
      fin_y = {sf_x_q[31], 31'd0} | scale_pow2(sc_y, k_scale);
    end
  end

  // ---------------- Registers (payload: no reset) ----------------
  always_ff @(posedge clk_i) begin
    if (ld_i) begin
      s1_a_q <= a0;
      s1_b_q <= b0;
    end
    if (sf_ld_i) begin
      sf_x_q <= a_i;
      sf_p_q <= p_ld;
    end
    s2_q <= s1_y;
    fa_spec_q   <= fa_spec;
    fa_spec_y_q <= fa_spec_y;
    fa_sign_q   <= fa_sign;
    fa_exp_q    <= fa_exp;
    fa_sum_q    <= fa_sum;
    fm_ops_q    <= fm_ops;
    fm_prod_q   <= prod;
    k2_add_q    <= !sf_s1_i && ((s1_op_i == tsp_pkg::VxlFadd) || (s1_op_i == tsp_pkg::VxlFsub));
    k2_mul_q    <= !sf_s1_i && (s1_op_i == tsp_pkg::VxlFmul);
    k2_vmul_q   <= osel_i.int_mul;
    k2_sat_q    <= s1_sat_i;
    if (s2_f2i_i) begin
      s3_q <= f2i_y;
    end else if (k2_add_q) begin
      s3_q <= fadd_y;
    end else if (k2_mul_q) begin
      s3_q <= fmul_y;
    end else if (k2_vmul_q) begin
      s3_q <= vmul_y;
    end else begin
      s3_q <= s2_q;
    end
    if (sf_run_i && sf_wb_i) begin
      for (int r = 0; r < 4; r++) begin
        if (uop_i.mul_en && (uop_i.mul_d == 2'(r))) sf_r_q[r] <= fmul_y;
        if (uop_i.add_en && (uop_i.add_d == 2'(r))) sf_r_q[r] <= fadd_y;
      end
      if (uop_i.seed) sf_r_q[1] <= seed;
      if (uop_i.fin) sf_out_q <= fin_y;
    end
  end

  assign l2_o = s2_q;
  assign l3_o = s3_q;
  assign sf_o = sf_out_q;

endmodule
