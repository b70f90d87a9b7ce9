// One superlane tile of one VXM ALU: the 16 lane datapaths of host/src/ref/model.cc VxmLane.
//
// Timing (r = the cycle the instruction reads its operands at this tile, rd_valid_i high):
//   cycle r   : stage 0 - operands arrive (gathered by tsp_vxm_alu); VCVT int sources are
//               converted (saturated, or to fp32) here, and so is the integer operand a of
//               FADD .. FMAX with aint (ISA v2, same tsp_fp_i2f); registered into s1 (load-enabled).
//   cycle r+1 : stage 1 - integer ops, FADD/FSUB (adder), FMUL/VCVT (multiplier), FMAX, FRELU;
//               result registered into s2. l2_o = s2 during r+2 (latency-2 ops).
//   cycle r+2 : stage 2 - VCVT f32->int (round, saturate); registered into s3. l3_o = s3 during
//               r+3 (latency-3 ops).
//   cycles r+1 .. r+1+N : FEXP / FRECIP / FRSQRT run their fixed step sequence (numerics.cc) on
//               the lane's fp multiplier and fp adder (one MUL and/or one ADD per cycle, N <= 17),
//               then the final INT step loads sf_o, which holds until the next special function
//               finishes (the ALU writes it at r + LatFexp).
// The ISA occupancy (19, the tightest this tile allows: the longest sequence, FEXP, ends with its
// final INT step in r+18) guarantees that no other instruction reads at this tile in r+1 .. r+18,
// so the stage-1 fp units are free while the sequence runs and s1 keeps the input operand.
// The one multiplier of a lane is 33x33 signed: int32 products for VMUL and 24x24 significand
// products for the fp multiply.
module tsp_vxm_tile (
  input  logic                                     clk_i,
  input  logic                                     rst_ni,
  input  logic                                     rd_valid_i,  // a VXM instruction reads now
  input  logic [63:0]                              rd_instr_i,
  input  logic [tsp_pkg::Lanes-1:0][31:0]          a_i,         // operand a group, zero-extended
  input  logic [tsp_pkg::Lanes-1:0][31:0]          b_i,         // operand b group or immediate
  output logic [tsp_pkg::Lanes-1:0][31:0]          l2_o,
  output logic [tsp_pkg::Lanes-1:0][31:0]          l3_o,
  output logic [tsp_pkg::Lanes-1:0][31:0]          sf_o
);

  localparam int unsigned Lanes = tsp_pkg::Lanes;
  localparam logic [31:0] CanonNaN = 32'h7FC0_0000;

  // Constants of the special-function sequences (host/src/num/numerics.cc).
  localparam logic [31:0] KOne        = 32'h3F80_0000;
  localparam logic [31:0] KRecipC0    = 32'h3FB4_B4B5;
  localparam logic [31:0] KRecipC1    = 32'h3EF0_F0F1;
  localparam logic [31:0] KRsqrtMagic = 32'h5F37_59DF;
  localparam logic [31:0] KHalf       = 32'h3F00_0000;
  localparam logic [31:0] KThreeHalf  = 32'h3FC0_0000;
  localparam logic [31:0] KExpClamp   = 32'h42D0_0000;
  localparam logic [31:0] KLog2E      = 32'h3FB8_AA3B;
  localparam logic [31:0] KRoundMagic = 32'h4B40_0000;
  localparam logic [31:0] KLn2Hi      = 32'h3F31_7200;
  localparam logic [31:0] KLn2Lo      = 32'h35BF_BE8E;
  localparam logic [31:0] KExpP2      = 32'h3F00_0000;
  localparam logic [31:0] KExpP3      = 32'h3E2A_AA6C;
  localparam logic [31:0] KExpP4      = 32'h3D2A_AA8B;
  localparam logic [31:0] KExpP5      = 32'h3C09_082E;
  localparam logic [31:0] KExpP6      = 32'h3AB6_8AFC;

  // Special functions (sf_func_q).
  localparam logic [1:0] SfExp   = 2'd0;
  localparam logic [1:0] SfRecip = 2'd1;
  localparam logic [1:0] SfRsqrt = 2'd2;

  // Micro-op source selects: R0..R3, the step constant K, the pre-processed input P.
  localparam logic [2:0] SrcR0 = 3'd0;
  localparam logic [2:0] SrcR1 = 3'd1;
  localparam logic [2:0] SrcR2 = 3'd2;
  localparam logic [2:0] SrcR3 = 3'd3;
  localparam logic [2:0] SrcK  = 3'd4;
  localparam logic [2:0] SrcP  = 3'd5;

  typedef struct packed {
    logic        mul_en;
    logic [2:0]  mul_a;
    logic [2:0]  mul_b;
    logic [1:0]  mul_d;
    logic        add_en;
    logic [2:0]  add_a;
    logic [2:0]  add_b;
    logic        add_sub;
    logic [1:0]  add_d;
    logic        seed;   // R1 <= FRSQRT integer seed
    logic        fin;    // final INT step: sf_o <= result
    logic [31:0] k;
  } uop_t;

  function automatic uop_t uop_nop();
    uop_t u;
    u = '0;
    uop_nop = u;
  endfunction

  // uop_mul / uop_add build the micro-op as one concatenation in field order, not field by field:
  // sf_uop calls them with constant arguments only, and Yosys 0.55 evaluates such a call at
  // elaboration, where it misplaces struct member assignments (u = '0; u.mul_en = 1; ... came out
  // as just u.k: every FEXP / FRECIP / FRSQRT step a no-op; docs/rtl.md, Yosys limit 6).
  function automatic uop_t uop_mul(logic [2:0] a, logic [2:0] b, logic [1:0] d, logic [31:0] k);
    //          mul_en mul_a mul_b mul_d add_en add_a add_b add_sub add_d seed  fin   k
    uop_mul = {1'b1,  a,    b,    d,    1'b0,  3'd0, 3'd0, 1'b0,   2'd0, 1'b0, 1'b0, k};
  endfunction

  function automatic uop_t uop_add(logic [2:0] a, logic [2:0] b, logic sub, logic [1:0] d, logic [31:0] k);
    //          mul_en mul_a mul_b mul_d add_en add_a add_b add_sub add_d seed  fin   k
    uop_add = {1'b0,  3'd0, 3'd0, 2'd0, 1'b1,  a,    b,    sub,    d,    1'b0, 1'b0, k};
  endfunction

  // The fixed step sequences of FRecip / FRsqrt / FExp. Step i runs in cycle r+1+i.
  function automatic uop_t sf_uop(logic [1:0] func, logic [4:0] step);
    uop_t u;
    u = uop_nop();
    unique case (func)
      SfRecip: begin
        if (step == 5'd0) begin
          u = uop_mul(SrcK, SrcP, 2'd2, KRecipC1);            // t = C1 * m
        end else if (step == 5'd1) begin
          u = uop_add(SrcK, SrcR2, 1'b1, 2'd1, KRecipC0);     // y = C0 - t
        end else if (step < 5'd14) begin
          unique case (2'(step - 5'd2))
            2'd0: u = uop_mul(SrcP, SrcR1, 2'd2, '0);          // t = m * y
            2'd1: u = uop_add(SrcK, SrcR2, 1'b1, 2'd2, KOne);  // r = 1 - t
            2'd2: u = uop_mul(SrcR1, SrcR2, 2'd2, '0);         // u = y * r
            default: u = uop_add(SrcR1, SrcR2, 1'b0, 2'd1, '0);  // y = y + u
          endcase
        end else begin
          u.fin = 1'b1;
        end
      end
      SfRsqrt: begin
        if (step == 5'd0) begin
          u      = uop_mul(SrcK, SrcP, 2'd0, KHalf);          // hm = 0.5 * m
          u.seed = 1'b1;                                      // y = MAGIC - (m >> 1)
        end else if (step < 5'd9) begin
          unique case (2'(step - 5'd1))
            2'd0: u = uop_mul(SrcR1, SrcR1, 2'd2, '0);               // y2 = y * y
            2'd1: u = uop_mul(SrcR0, SrcR2, 2'd2, '0);               // t = hm * y2
            2'd2: u = uop_add(SrcK, SrcR2, 1'b1, 2'd2, KThreeHalf);  // c = 1.5 - t
            default: u = uop_mul(SrcR1, SrcR2, 2'd1, '0);            // y = y * c
          endcase
        end else begin
          unique case (step)
            5'd9:  u = uop_mul(SrcR1, SrcR1, 2'd2, '0);          // y2 = y * y
            5'd10: u = uop_mul(SrcR0, SrcR2, 2'd2, '0);          // t = hm * y2
            5'd11: u = uop_add(SrcK, SrcR2, 1'b1, 2'd2, KHalf);  // c = 0.5 - t
            5'd12: u = uop_mul(SrcR1, SrcR2, 2'd2, '0);          // u = y * c
            5'd13: u = uop_add(SrcR1, SrcR2, 1'b0, 2'd1, '0);    // y = y + u
            default: u.fin = 1'b1;
          endcase
        end
      end
      SfExp: begin
        unique case (step)
          5'd0: u = uop_mul(SrcP, SrcK, 2'd1, KLog2E);                // t = x * log2e
          5'd1: u = uop_add(SrcR1, SrcK, 1'b0, 2'd1, KRoundMagic);    // big = t + RMAGIC
          5'd2: u = uop_add(SrcR1, SrcK, 1'b1, 2'd2, KRoundMagic);    // kf = big - RMAGIC
          5'd3: u = uop_mul(SrcR2, SrcK, 2'd3, KLn2Hi);               // a1 = kf * LN2_HI
          5'd4: begin
            u        = uop_add(SrcP, SrcR3, 1'b1, 2'd3, KLn2Lo);      // r1 = x - a1
            u.mul_en = 1'b1;                                          // a2 = kf * LN2_LO
            u.mul_a  = SrcR2;
            u.mul_b  = SrcK;
            u.mul_d  = 2'd0;
          end
          5'd5: u = uop_add(SrcR3, SrcR0, 1'b1, 2'd0, '0);            // r = r1 - a2
          5'd6: u = uop_mul(SrcK, SrcR0, 2'd2, KExpP6);               // q = P6 * r
          5'd7: begin
            u        = uop_add(SrcR2, SrcK, 1'b0, 2'd2, KExpP5);      // q = q + P5
            u.mul_en = 1'b1;                                          // r2 = r * r
            u.mul_a  = SrcR0;
            u.mul_b  = SrcR0;
            u.mul_d  = 2'd3;
          end
          5'd8:  u = uop_mul(SrcR2, SrcR0, 2'd2, '0);                 // q = q * r
          5'd9:  u = uop_add(SrcR2, SrcK, 1'b0, 2'd2, KExpP4);        // q = q + P4
          5'd10: u = uop_mul(SrcR2, SrcR0, 2'd2, '0);                 // q = q * r
          5'd11: u = uop_add(SrcR2, SrcK, 1'b0, 2'd2, KExpP3);        // q = q + P3
          5'd12: u = uop_mul(SrcR2, SrcR0, 2'd2, '0);                 // q = q * r
          5'd13: u = uop_add(SrcR2, SrcK, 1'b0, 2'd2, KExpP2);        // q = q + P2
          5'd14: u = uop_mul(SrcR3, SrcR2, 2'd2, '0);                 // s2 = r2 * q
          5'd15: u = uop_add(SrcR0, SrcR2, 1'b0, 2'd2, '0);           // s1 = r + s2
          5'd16: u = uop_add(SrcK, SrcR2, 1'b0, 2'd2, KOne);          // p = 1 + s1
          default: u.fin = 1'b1;
        endcase
      end
      default: u.fin = 1'b1;
    endcase
    sf_uop = u;
  endfunction

  // ScaleByPow2 of numerics.cc: y (normal or zero) times 2^k by exponent arithmetic, FTZ/overflow.
  function automatic logic [31:0] scale_pow2(logic [31:0] y, logic signed [31:0] k);
    logic signed [33:0] e;
    logic [31:0] r;
    e = $signed({26'd0, y[30:23]}) + 34'(k);
    if (y[30:23] == 8'd0) begin
      r = {y[31], 31'd0};
    end else if (e <= 34'sd0) begin
      r = {y[31], 31'd0};
    end else if (e >= 34'sd255) begin
      r = {y[31], 8'hFF, 23'd0};
    end else begin
      r = {y[31], e[7:0], y[22:0]};
    end
    scale_pow2 = r;
  endfunction

  function automatic logic is_nan(logic [30:0] x);
    is_nan = (x[30:23] == 8'hFF) && (x[22:0] != '0);
  endfunction

  // Sign extension of the low `bits` (dtype code 0: 8, 1: 16, else 32) of v.
  function automatic logic [31:0] sext(logic [31:0] v, logic [1:0] dt);
    logic [31:0] r;
    unique case (dt)
      2'd0:    r = {{24{v[7]}}, v[7:0]};
      2'd1:    r = {{16{v[15]}}, v[15:0]};
      default: r = v;
    endcase
    sext = r;
  endfunction

  function automatic logic [31:0] rev32(logic [31:0] v);
    for (int i = 0; i < 32; i++) rev32[i] = v[31 - i];
  endfunction

  // Zero extension of the low `bits` of v.
  function automatic logic [31:0] zext(logic [31:0] v, logic [1:0] dt);
    logic [31:0] r;
    unique case (dt)
      2'd0:    r = {24'd0, v[7:0]};
      2'd1:    r = {16'd0, v[15:0]};
      default: r = v;
    endcase
    zext = r;
  endfunction

  // Signed saturation of v to the range of dtype dt.
  function automatic logic [31:0] sat_to(logic signed [63:0] v, logic [1:0] dt);
    logic signed [63:0] hi, lo;
    logic [31:0] r;
    unique case (dt)
      2'd0: begin
        hi = 64'sd127;
        lo = -64'sd128;
      end
      2'd1: begin
        hi = 64'sd32767;
        lo = -64'sd32768;
      end
      default: begin
        hi = 64'sd2147483647;
        lo = -64'sd2147483648;
      end
    endcase
    if (v > hi) begin
      r = hi[31:0];
    end else if (v < lo) begin
      r = lo[31:0];
    end else begin
      r = v[31:0];
    end
    sat_to = r;
  endfunction

  // Micro-op source operand.
  function automatic logic [31:0] src(logic [2:0] sel, logic [31:0] r0, logic [31:0] r1,
                                      logic [31:0] r2, logic [31:0] r3, logic [31:0] k,
                                      logic [31:0] p);
    logic [31:0] v;
    unique case (sel)
      SrcR0:   v = r0;
      SrcR1:   v = r1;
      SrcR2:   v = r2;
      SrcR3:   v = r3;
      SrcK:    v = k;
      default: v = p;
    endcase
    src = v;
  endfunction

  // ---------------- Stage 0 decode (read cycle) ----------------
  logic [7:0]  rd_op;
  logic [1:0]  rd_dtype, rd_stype;
  logic        rd_cvt, rd_sint, rd_dint, rd_sf, rd_aint;
  logic [31:0] rd_imm;

  always_comb begin
    rd_op    = tsp_pkg::f_opcode(rd_instr_i);
    rd_dtype = tsp_pkg::f_dtype(rd_instr_i);
    rd_stype = tsp_pkg::f_stype(rd_instr_i);
    rd_imm   = tsp_pkg::f_imm(rd_instr_i);
    rd_cvt   = rd_op == 8'(tsp_isa_pkg::OpVcvt);
    rd_sint  = rd_stype != 2'(tsp_isa_pkg::DtF32);
    rd_dint  = rd_dtype != 2'(tsp_isa_pkg::DtF32);
    rd_sf    = (rd_op == 8'(tsp_isa_pkg::OpFexp)) || (rd_op == 8'(tsp_isa_pkg::OpFrecip)) ||
               (rd_op == 8'(tsp_isa_pkg::OpFrsqrt));
    // Integer operand a of an fp op (tsp::VxmIntA): converted like a VCVT int -> f32 source.
    rd_aint  = rd_instr_i[tsp_isa_pkg::FVxopAintLsb] && (rd_op >= 8'(tsp_isa_pkg::OpFadd)) &&
               (rd_op <= 8'(tsp_isa_pkg::OpFmax));
  end

  // ---------------- Control registers ----------------
  logic [7:0] s1_op_q;
  logic [1:0] s1_dtype_q;
  logic       s1_sat_q;
  logic [4:0] s1_sh_q;        // shift amount modulo the lane width
  logic       s1_cvt_ii_q;    // VCVT int -> int (result already in s1_a)
  logic       s1_f2i_q;       // VCVT f32 -> int
  logic       s2_f2i_q;
  logic [1:0] s2_dtype_q;
  logic       sf_run_q;
  logic [1:0] sf_func_q;
  logic [4:0] sf_step_q;
  uop_t       uop;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_op_q     <= '0;
      s1_dtype_q  <= '0;
      s1_sat_q    <= 1'b0;
      s1_sh_q     <= '0;
      s1_cvt_ii_q <= 1'b0;
      s1_f2i_q    <= 1'b0;
      s2_f2i_q    <= 1'b0;
      s2_dtype_q  <= '0;
      sf_run_q    <= 1'b0;
      sf_func_q   <= '0;
      sf_step_q   <= '0;
    end else begin
      if (rd_valid_i) begin
        s1_op_q     <= rd_op;
        s1_dtype_q  <= rd_dtype;
        s1_sat_q    <= rd_instr_i[tsp_isa_pkg::FVxopSatLsb];
        unique case (rd_dtype)
          2'd0:    s1_sh_q <= {2'b00, rd_imm[2:0]};
          2'd1:    s1_sh_q <= {1'b0, rd_imm[3:0]};
          default: s1_sh_q <= rd_imm[4:0];
        endcase
        s1_cvt_ii_q <= rd_cvt && rd_sint && rd_dint;
        s1_f2i_q    <= rd_cvt && !rd_sint && rd_dint;
      end
      s2_f2i_q   <= s1_f2i_q;
      s2_dtype_q <= s1_dtype_q;
      if (rd_valid_i && rd_sf) begin
        sf_run_q  <= 1'b1;
        sf_step_q <= '0;
        sf_func_q <= 2'(rd_op - 8'(tsp_isa_pkg::OpFexp));
      end else if (sf_run_q) begin
        sf_step_q <= sf_step_q + 5'd1;
        if (uop.fin) sf_run_q <= 1'b0;
      end
    end
  end

  assign uop = sf_uop(sf_func_q, sf_step_q);

  // ---------------- Lanes ----------------
  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    logic [31:0] a0, b0;                 // stage-0 operands
    logic [31:0] a_sx, i2f_y;
    logic [31:0] s1_a_q, s1_b_q, s2_q, s3_q;
    logic [31:0] sf_r_q [4];
    logic [31:0] sf_out_q;
    logic [31:0] sa, sb, p_in, seed, mul_x, mul_y, add_x, add_y, fmul_y, fadd_y, fmax_y;
    logic [31:0] int_y, s1_y, f2i_y, fin_y, sh_out, shift_y;
    logic [63:0] sh_in;
    logic        add_sub;
    logic signed [32:0] mo_a, mo_b;
    logic signed [63:0] prod;
    logic signed [63:0] wide;
    logic signed [31:0] k_scale;

    // Stage 0: VCVT sources. int -> int saturates now; int -> f32 converts to fp32 now; the
    // scale goes to the b operand. An integer operand a of FADD .. FMAX converts to fp32 here too
    // (b stays the instruction's b).
    assign a_sx = sext(a_i[l], rd_stype);

    tsp_fp_i2f u_i2f (
      .x_i(a_sx),
      .y_o(i2f_y)
    );

    always_comb begin
      a0 = a_i[l];
      b0 = b_i[l];
      if (rd_cvt) begin
        b0 = rd_imm;
        if (rd_sint && rd_dint) begin
          a0 = sat_to(64'($signed(a_sx)), rd_dtype);
        end else if (rd_sint) begin
          a0 = i2f_y;
        end
      end else if (rd_aint) begin
        a0 = i2f_y;
      end
    end

    always_comb begin
      // Pre-processed input of the running special function (step 1 INT of each sequence).
      unique case (sf_func_q)
        SfRecip: p_in = {9'h07F, s1_a_q[22:0]};                                   // m in [1,2)
        SfRsqrt: p_in = {1'b0, s1_a_q[23] ? 8'h7F : 8'h80, s1_a_q[22:0]};         // m in [1,4)
        default: p_in = (s1_a_q[30:0] > KExpClamp[30:0]) ? {s1_a_q[31], KExpClamp[30:0]} : s1_a_q;
      endcase
      seed = KRsqrtMagic - {1'b0, p_in[31:1]};
      if (sf_run_q) begin
        mul_x   = src(uop.mul_a, sf_r_q[0], sf_r_q[1], sf_r_q[2], sf_r_q[3], uop.k, p_in);
        mul_y   = src(uop.mul_b, sf_r_q[0], sf_r_q[1], sf_r_q[2], sf_r_q[3], uop.k, p_in);
        add_x   = src(uop.add_a, sf_r_q[0], sf_r_q[1], sf_r_q[2], sf_r_q[3], uop.k, p_in);
        add_y   = src(uop.add_b, sf_r_q[0], sf_r_q[1], sf_r_q[2], sf_r_q[3], uop.k, p_in);
        add_sub = uop.add_sub;
      end else begin
        mul_x   = s1_a_q;
        mul_y   = s1_b_q;
        add_x   = s1_a_q;
        add_y   = s1_b_q;
        add_sub = s1_op_q == 8'(tsp_isa_pkg::OpFsub);
      end
      sa = sext(s1_a_q, s1_dtype_q);
      sb = sext(s1_b_q, s1_dtype_q);
      // Shared multiplier: int32 x int32 for VMUL, 24-bit significands otherwise.
      if (!sf_run_q && (s1_op_q == 8'(tsp_isa_pkg::OpVmul))) begin
        mo_a = {sa[31], sa};
        mo_b = {sb[31], sb};
      end else begin
        mo_a = {9'd0, 1'b1, mul_x[22:0]};
        mo_b = {9'd0, 1'b1, mul_y[22:0]};
      end
    end

    assign prod = 64'(mo_a) * 64'(mo_b);  // exact: |int32 * int32| <= 2^62

    tsp_fp_mul_round u_mul (
      .a_i   (mul_x),
      .b_i   (mul_y),
      .prod_i(prod[47:0]),
      .y_o   (fmul_y)
    );

    tsp_fp_add u_add (
      .a_i  (add_x),
      .b_i  (add_y),
      .sub_i(add_sub),
      .y_o  (fadd_y)
    );

    tsp_fp_max u_max (
      .a_i(s1_a_q),
      .b_i(s1_b_q),
      .y_o(fmax_y)
    );

    // One right shifter for the three shifts: VSHR shifts sext(a) in with its sign, VSRL zext(a)
    // with zeros, VSHL the bit-reversed a with zeros (and reverses the result).
    always_comb begin
      unique case (s1_op_q)
        8'(tsp_isa_pkg::OpVshr): sh_in = {{32{sa[31]}}, sa};
        8'(tsp_isa_pkg::OpVshl): sh_in = {32'd0, rev32(s1_a_q)};
        default:                 sh_in = {32'd0, zext(s1_a_q, s1_dtype_q)};
      endcase
      sh_out  = 32'(sh_in >> s1_sh_q);
      shift_y = (s1_op_q == 8'(tsp_isa_pkg::OpVshl)) ? rev32(sh_out) : sh_out;
    end

    // Stage 1 result.
    always_comb begin
      unique case (s1_op_q)
        8'(tsp_isa_pkg::OpVsub): wide = 64'($signed(sa)) - 64'($signed(sb));
        8'(tsp_isa_pkg::OpVmul): wide = prod;
        default:                 wide = 64'($signed(sa)) + 64'($signed(sb));
      endcase
      unique case (s1_op_q)
        8'(tsp_isa_pkg::OpVadd),
        8'(tsp_isa_pkg::OpVsub),
        8'(tsp_isa_pkg::OpVmul):  int_y = s1_sat_q ? sat_to(wide, s1_dtype_q) : wide[31:0];
        8'(tsp_isa_pkg::OpVmax):  int_y = ($signed(sa) >= $signed(sb)) ? sa : sb;
        8'(tsp_isa_pkg::OpVrelu): begin
          if (s1_dtype_q == 2'(tsp_isa_pkg::DtF32)) begin
            if (is_nan(s1_a_q[30:0])) begin
              int_y = CanonNaN;
            end else if (s1_a_q[31] || (s1_a_q[30:23] == 8'd0)) begin
              int_y = '0;
            end else begin
              int_y = s1_a_q;
            end
          end else begin
            int_y = ($signed(sa) > 32'sd0) ? sa : '0;
          end
        end
        8'(tsp_isa_pkg::OpVshl),
        8'(tsp_isa_pkg::OpVshr),
        8'(tsp_isa_pkg::OpVsrl):  int_y = shift_y;
        default:                  int_y = s1_a_q;  // VMOV
      endcase
      unique case (s1_op_q)
        8'(tsp_isa_pkg::OpFadd),
        8'(tsp_isa_pkg::OpFsub): s1_y = fadd_y;
        8'(tsp_isa_pkg::OpFmul): s1_y = fmul_y;
        8'(tsp_isa_pkg::OpFmax): s1_y = fmax_y;
        8'(tsp_isa_pkg::OpVcvt): s1_y = s1_cvt_ii_q ? s1_a_q : fmul_y;
        default:                 s1_y = int_y;
      endcase
    end

    // Stage 2: VCVT f32 -> int.
    tsp_fp_f2i u_f2i (
      .x_i    (s2_q),
      .dtype_i(s2_dtype_q),
      .y_o    (f2i_y)
    );

    // Final INT step of the special functions (scale and special-case select).
    always_comb begin
      unique case (sf_func_q)
        SfRecip: k_scale = 32'sd127 - $signed({24'd0, s1_a_q[30:23]});       // -e
        SfRsqrt: k_scale = -(($signed({24'd0, s1_a_q[30:23]}) - 32'sd127) >>> 1);  // -h = -floor(e/2)
        default: k_scale = $signed(sf_r_q[1] - KRoundMagic);                  // ki = big - RMAGIC
      endcase
      unique case (sf_func_q)
        SfRecip: begin
          if (is_nan(s1_a_q[30:0])) begin
            fin_y = CanonNaN;
          end else if (s1_a_q[30:23] == 8'd0) begin
            fin_y = {s1_a_q[31], 8'hFF, 23'd0};
          end else if (s1_a_q[30:23] == 8'hFF) begin
            fin_y = {s1_a_q[31], 31'd0};
          end else begin
            fin_y = {s1_a_q[31], 31'd0} | scale_pow2(sf_r_q[1], k_scale);
          end
        end
        SfRsqrt: begin
          if (is_nan(s1_a_q[30:0])) begin
            fin_y = CanonNaN;
          end else if (s1_a_q[30:23] == 8'd0) begin
            fin_y = {s1_a_q[31], 8'hFF, 23'd0};
          end else if (s1_a_q[31]) begin
            fin_y = CanonNaN;
          end else if (s1_a_q[30:23] == 8'hFF) begin
            fin_y = '0;
          end else begin
            fin_y = scale_pow2(sf_r_q[1], k_scale);
          end
        end
        default: fin_y = is_nan(s1_a_q[30:0]) ? CanonNaN : scale_pow2(sf_r_q[2], k_scale);
      endcase
    end

    // Data registers (no reset: payload).
    always_ff @(posedge clk_i) begin
      if (rd_valid_i) begin
        s1_a_q <= a0;
        s1_b_q <= b0;
      end
      s2_q <= s1_y;
      s3_q <= s2_f2i_q ? f2i_y : s2_q;
      if (sf_run_q) begin
        for (int r = 0; r < 4; r++) begin
          if (uop.mul_en && (uop.mul_d == 2'(r))) sf_r_q[r] <= fmul_y;
          if (uop.add_en && (uop.add_d == 2'(r))) sf_r_q[r] <= fadd_y;
        end
        if (uop.seed) sf_r_q[1] <= seed;
        if (uop.fin) sf_out_q <= fin_y;
      end
    end

    assign l2_o[l] = s2_q;
    assign l3_o[l] = s3_q;
    assign sf_o[l] = sf_out_q;
  end

endmodule
