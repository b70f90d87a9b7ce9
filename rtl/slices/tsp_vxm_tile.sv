// One superlane tile of one VXM ALU: the 16 lane datapaths of host/src/ref/model.cc VxmLane.
//
// Timing (r = the cycle the instruction reads its operands at this tile, rd_valid_i high):
//   cycle r   : stage 0 - operands arrive (gathered by tsp_vxm_alu); VCVT int sources are
//               converted (saturated, or to fp32) here, and so is the integer operand a of
//               FADD .. FMAX with aint (ISA v2, same tsp_fp_i2f); registered into s1 (load-enabled).
//   cycle r+1 : stage 1 - integer ops but VMUL, FMAX, FRELU, result registered into s2; l2_o =
//               s2 during r+2 (latency-2 ops). First halves of FADD/FSUB (alignment, exact sum)
//               and of FMUL/VCVT/VMUL (the product), registered.
//   cycle r+2 : stage 2 - second halves of the fp adder and multiplier (normalise, round), VCVT
//               f32->int (round, saturate), VMUL's wrap or saturation; registered into s3. l3_o =
//               s3 during r+3 (latency-3 ops).
//   cycles r+1 .. r+2N : FEXP / FRECIP / FRSQRT run their fixed step sequence (numerics.cc) on
//               the lane's two-stage fp multiplier and fp adder: step i (one MUL and/or one ADD)
//               in r+1+2i and r+2+2i (sf_ph_q), N steps (FEXP 18, FRECIP and FRSQRT 15); the
//               final INT step loads sf_o, which holds until the next special function finishes
//               (the ALU writes it at r + Lat<Op>, Lat<Op> >= 2 N + 2: 38, 32).
// The ISA occupancy (2 N + 1: FEXP 37, FRECIP / FRSQRT 31 since ISA version 5, the tightest this
// tile allows: FEXP ends with its final INT step in r+36, the others in r+30) keeps other special
// functions out until the sequence has ended; instructions without interleave may read in the odd
// cycles r+1, r+3, .. of the occupancy (ISA version 5): their stage 1 falls
// in a step's second cycle and their stage 2 in the next step's first, the slots of the two-stage
// fp units the sequence leaves free (sf_s1_q marks the steps' stage-1 cycles), and the lanes keep
// the special function's input in a register of its own.
// The one multiplier of a lane is 33x33 signed: int32 products for VMUL and 24x24 significand
// products for the fp multiply.
// The tile decodes each instruction once (the tsp_pkg::Vxl* lane codes) and runs the sequencer of
// the special functions; the 16 lanes are tsp_vxm_lane instances (datapath only).
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

  `include "tsp_assert.svh"

  localparam int unsigned Lanes = tsp_pkg::Lanes;

  // Constants of the special-function sequences (host/src/num/numerics.cc).
  localparam logic [31:0] KOne        = 32'h3F80_0000;
  localparam logic [31:0] KRecipC0    = 32'h3FB4_B4B5;
  localparam logic [31:0] KRecipC1    = 32'h3EF0_F0F1;
  localparam logic [31:0] KHalf       = 32'h3F00_0000;
  localparam logic [31:0] KThreeHalf  = 32'h3FC0_0000;
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

  // Micro-op operand sources, per port (tsp_pkg::VxlMa* / VxlMb* / VxlAa* / VxlAb*). FMul and FAdd
  // are commutative (bit for bit, NaN and signed zeros included), so each product or sum below
  // names its operands in the order that keeps every port to four sources.
  localparam logic [1:0] MaK  = tsp_pkg::VxlMaK;
  localparam logic [1:0] MaR0 = tsp_pkg::VxlMaR0;
  localparam logic [1:0] MaR1 = tsp_pkg::VxlMaR1;
  localparam logic [1:0] MaR3 = tsp_pkg::VxlMaR3;
  localparam logic [1:0] MbP  = tsp_pkg::VxlMbP;
  localparam logic [1:0] MbR0 = tsp_pkg::VxlMbR0;
  localparam logic [1:0] MbR1 = tsp_pkg::VxlMbR1;
  localparam logic [1:0] MbR2 = tsp_pkg::VxlMbR2;
  localparam logic [1:0] AaK  = tsp_pkg::VxlAaK;
  localparam logic [1:0] AaR1 = tsp_pkg::VxlAaR1;
  localparam logic [1:0] AaP  = tsp_pkg::VxlAaP;
  localparam logic [1:0] AaR3 = tsp_pkg::VxlAaR3;
  localparam logic [1:0] AbR2 = tsp_pkg::VxlAbR2;
  localparam logic [1:0] AbK  = tsp_pkg::VxlAbK;
  localparam logic [1:0] AbR3 = tsp_pkg::VxlAbR3;
  localparam logic [1:0] AbR0 = tsp_pkg::VxlAbR0;

  typedef tsp_pkg::vxm_uop_t uop_t;

  function automatic uop_t uop_nop();
    uop_t u;
    u = '0;
    uop_nop = u;
  endfunction

  // uop_mul / uop_add build the micro-op as one concatenation in field order, not field by field:
  // sf_uop calls them with constant arguments only, and Yosys 0.55 evaluates such a call at
  // elaboration, where it misplaces struct member assignments (u = '0; u.mul_en = 1; ... came out
  // as just u.k: every FEXP / FRECIP / FRSQRT step a no-op; docs/rtl.md, Yosys limit 6).
  function automatic uop_t uop_mul(logic [1:0] a, logic [1:0] b, logic [1:0] d, logic [31:0] k);
    //          mul_en mul_a mul_b mul_d add_en add_a add_b add_sub add_d seed  fin   k
    uop_mul = {1'b1,  a,    b,    d,    1'b0,  2'd0, 2'd0, 1'b0,   2'd0, 1'b0, 1'b0, k};
  endfunction

  function automatic uop_t uop_add(logic [1:0] a, logic [1:0] b, logic sub, logic [1:0] d, logic [31:0] k);
    //          mul_en mul_a mul_b mul_d add_en add_a add_b add_sub add_d seed  fin   k
    uop_add = {1'b0,  2'd0, 2'd0, 2'd0, 1'b1,  a,    b,    sub,    d,    1'b0, 1'b0, k};
  endfunction

  // The fixed step sequences of FRecip / FRsqrt / FExp. Step i runs in cycle r+1+i.
  function automatic uop_t sf_uop(logic [1:0] func, logic [4:0] step);
    uop_t u;
    u = uop_nop();
    unique case (func)
      SfRecip: begin
        if (step == 5'd0) begin
          u = uop_mul(MaK, MbP, 2'd2, KRecipC1);            // t = C1 * m
        end else if (step == 5'd1) begin
          u = uop_add(AaK, AbR2, 1'b1, 2'd1, KRecipC0);     // y = C0 - t
        end else if (step < 5'd14) begin
          unique case (2'(step - 5'd2))
            2'd0: u = uop_mul(MaR1, MbP, 2'd2, '0);          // t = m * y
            2'd1: u = uop_add(AaK, AbR2, 1'b1, 2'd2, KOne);  // r = 1 - t
            2'd2: u = uop_mul(MaR1, MbR2, 2'd2, '0);         // u = y * r
            default: u = uop_add(AaR1, AbR2, 1'b0, 2'd1, '0);  // y = y + u
          endcase
        end else begin
          u.fin = 1'b1;
        end
      end
      SfRsqrt: begin
        if (step == 5'd0) begin
          u      = uop_mul(MaK, MbP, 2'd0, KHalf);          // hm = 0.5 * m
          u.seed = 1'b1;                                      // y = MAGIC - (m >> 1)
        end else if (step < 5'd9) begin
          unique case (2'(step - 5'd1))
            2'd0: u = uop_mul(MaR1, MbR1, 2'd2, '0);               // y2 = y * y
            2'd1: u = uop_mul(MaR0, MbR2, 2'd2, '0);               // t = hm * y2
            2'd2: u = uop_add(AaK, AbR2, 1'b1, 2'd2, KThreeHalf);  // c = 1.5 - t
            default: u = uop_mul(MaR1, MbR2, 2'd1, '0);            // y = y * c
          endcase
        end else begin
          unique case (step)
            5'd9:  u = uop_mul(MaR1, MbR1, 2'd2, '0);          // y2 = y * y
            5'd10: u = uop_mul(MaR0, MbR2, 2'd2, '0);          // t = hm * y2
            5'd11: u = uop_add(AaK, AbR2, 1'b1, 2'd2, KHalf);  // c = 0.5 - t
            5'd12: u = uop_mul(MaR1, MbR2, 2'd2, '0);          // u = y * c
            5'd13: u = uop_add(AaR1, AbR2, 1'b0, 2'd1, '0);    // y = y + u
            default: u.fin = 1'b1;
          endcase
        end
      end
      SfExp: begin
        unique case (step)
          5'd0: u = uop_mul(MaK, MbP, 2'd1, KLog2E);                // t = x * log2e
          5'd1: u = uop_add(AaR1, AbK, 1'b0, 2'd1, KRoundMagic);    // big = t + RMAGIC
          5'd2: u = uop_add(AaR1, AbK, 1'b1, 2'd2, KRoundMagic);    // kf = big - RMAGIC
          5'd3: u = uop_mul(MaK, MbR2, 2'd3, KLn2Hi);               // a1 = kf * LN2_HI
          5'd4: begin
            u        = uop_add(AaP, AbR3, 1'b1, 2'd3, KLn2Lo);      // r1 = x - a1
            u.mul_en = 1'b1;                                          // a2 = kf * LN2_LO
            u.mul_a  = MaK;
            u.mul_b  = MbR2;
            u.mul_d  = 2'd0;
          end
          5'd5: u = uop_add(AaR3, AbR0, 1'b1, 2'd0, '0);            // r = r1 - a2
          5'd6: u = uop_mul(MaK, MbR0, 2'd2, KExpP6);               // q = P6 * r
          5'd7: begin
            u        = uop_add(AaK, AbR2, 1'b0, 2'd2, KExpP5);      // q = q + P5
            u.mul_en = 1'b1;                                          // r2 = r * r
            u.mul_a  = MaR0;
            u.mul_b  = MbR0;
            u.mul_d  = 2'd3;
          end
          5'd8:  u = uop_mul(MaR0, MbR2, 2'd2, '0);                 // q = q * r
          5'd9:  u = uop_add(AaK, AbR2, 1'b0, 2'd2, KExpP4);        // q = q + P4
          5'd10: u = uop_mul(MaR0, MbR2, 2'd2, '0);                 // q = q * r
          5'd11: u = uop_add(AaK, AbR2, 1'b0, 2'd2, KExpP3);        // q = q + P3
          5'd12: u = uop_mul(MaR0, MbR2, 2'd2, '0);                 // q = q * r
          5'd13: u = uop_add(AaK, AbR2, 1'b0, 2'd2, KExpP2);        // q = q + P2
          5'd14: u = uop_mul(MaR3, MbR2, 2'd3, '0);                 // s2 = r2 * q (into R3)
          5'd15: u = uop_add(AaR3, AbR0, 1'b0, 2'd2, '0);           // s1 = s2 + r
          5'd16: u = uop_add(AaK, AbR2, 1'b0, 2'd2, KOne);          // p = 1 + s1
          default: u.fin = 1'b1;
        endcase
      end
      default: u.fin = 1'b1;
    endcase
    sf_uop = u;
  endfunction

  // ---------------- Stage 0 decode (read cycle) ----------------
  logic [7:0]  rd_op;
  logic [1:0]  rd_dtype, rd_stype;
  logic        rd_cvt, rd_sint, rd_dint, rd_sf, rd_aint;
  logic [31:0] rd_imm;
  logic [1:0]  rd_a_sel;   // stage-0 operand a of the lanes (tsp_pkg::VxlA*)
  logic [3:0]  rd_lop;     // stage-1 lane operation (tsp_pkg::Vxl*)

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
    if (rd_op == 8'(tsp_isa_pkg::OpVmul)) begin
      rd_a_sel = tsp_pkg::VxlASx;
    end else if (rd_cvt && rd_sint && rd_dint) begin
      rd_a_sel = tsp_pkg::VxlASat;
    end else if ((rd_cvt && rd_sint) || (!rd_cvt && rd_aint)) begin
      rd_a_sel = tsp_pkg::VxlAI2f;
    end else begin
      rd_a_sel = tsp_pkg::VxlASrc;
    end
    unique case (rd_op)
      8'(tsp_isa_pkg::OpVadd):  rd_lop = tsp_pkg::VxlAdd;
      8'(tsp_isa_pkg::OpVsub):  rd_lop = tsp_pkg::VxlSub;
      8'(tsp_isa_pkg::OpVmul):  rd_lop = tsp_pkg::VxlMul;
      8'(tsp_isa_pkg::OpVmax):  rd_lop = tsp_pkg::VxlMax;
      8'(tsp_isa_pkg::OpVrelu): rd_lop = tsp_pkg::VxlRelu;
      8'(tsp_isa_pkg::OpVshl):  rd_lop = tsp_pkg::VxlShl;
      8'(tsp_isa_pkg::OpVshr):  rd_lop = tsp_pkg::VxlShr;
      8'(tsp_isa_pkg::OpVsrl):  rd_lop = tsp_pkg::VxlSrl;
      // VCVT: int -> int is done in stage 0 (s1_a holds the result); the others multiply a by
      // the scale in b.
      8'(tsp_isa_pkg::OpVcvt):  rd_lop = (rd_sint && rd_dint) ? tsp_pkg::VxlMov : tsp_pkg::VxlFmul;
      8'(tsp_isa_pkg::OpFadd):  rd_lop = tsp_pkg::VxlFadd;
      8'(tsp_isa_pkg::OpFsub):  rd_lop = tsp_pkg::VxlFsub;
      8'(tsp_isa_pkg::OpFmul):  rd_lop = tsp_pkg::VxlFmul;
      8'(tsp_isa_pkg::OpFmax):  rd_lop = tsp_pkg::VxlFmax;
      default:                  rd_lop = tsp_pkg::VxlMov;  // VMOV, FEXP / FRECIP / FRSQRT
    endcase
  end

  // ---------------- Control registers ----------------
  logic [3:0] s1_op_q;        // tsp_pkg::Vxl* lane operation
  logic [1:0] s1_dtype_q;
  logic       s1_sat_q;
  logic [4:0] s1_sh_q;        // shift amount modulo the lane width
  logic       s1_f2i_q;       // VCVT f32 -> int
  logic       s2_f2i_q;
  logic [1:0] s2_dtype_q;
  logic       sf_run_q;
  logic       sf_ph_q;        // second cycle of the step
  logic       sf_s1_q;        // sf_run_q && !sf_ph_q: stage 1 computes the step
  logic [1:0] sf_func_q;
  logic [4:0] sf_step_q;
  logic [1:0] sf_func_d;
  logic [4:0] sf_step_d;
  uop_t       uop;            // the running step's micro-op: sf_uop(sf_func_q, sf_step_q), registered
  uop_t       uop_d;
  logic       sf_s1_d;
  logic [3:0] s1_op_d;
  tsp_pkg::vxm_osel_t osel_d;
  // The lanes' stage-1 fp operand selects (one-hot). Each bit drives 32 AND-OR LUTs in each of the
  // 16 lanes: Vivado replicates the register to this fan-out (Yosys ignores the attribute).
  (* max_fanout = 64 *) tsp_pkg::vxm_osel_t osel_q;

  // Next function and step of the sequencer: the micro-op ROM reads them a cycle ahead, so that
  // the lanes' operand selects come straight from a register (issue 10's timing work, 2026-12-06:
  // the ROM's two LUT levels were on the lanes' fp paths).
  always_comb begin
    sf_func_d = sf_func_q;
    sf_step_d = sf_step_q;
    if (rd_valid_i && rd_sf) begin
      sf_func_d = 2'(rd_op - 8'(tsp_isa_pkg::OpFexp));
      sf_step_d = '0;
    end else if (sf_run_q && sf_ph_q) begin
      sf_step_d = sf_step_q + 5'd1;
    end
  end

  // Next cycle's stage 1: the step's (sf_s1_q) or the instruction's (s1_op_q) operands, decoded
  // here into one-hot selects so that the lanes' selects are an AND-OR straight from a register.
  always_comb begin
    uop_d   = sf_uop(sf_func_d, sf_step_d);
    s1_op_d = rd_valid_i ? rd_lop : s1_op_q;
    if (rd_valid_i && rd_sf) begin
      sf_s1_d = 1'b1;
    end else if (sf_run_q) begin
      sf_s1_d = sf_ph_q && !uop.fin;
    end else begin
      sf_s1_d = sf_s1_q;
    end
    if (sf_s1_d) begin
      osel_d.mul_a   = 5'(5'd1 << uop_d.mul_a);
      osel_d.mul_b   = 5'(5'd1 << uop_d.mul_b);
      osel_d.add_a   = 5'(5'd1 << uop_d.add_a);
      osel_d.add_b   = 5'(5'd1 << uop_d.add_b);
      osel_d.add_sub = uop_d.add_sub;
      osel_d.int_mul = 1'b0;
    end else begin
      osel_d.int_mul = s1_op_d == tsp_pkg::VxlMul;
      osel_d.mul_a   = 5'b10000;
      osel_d.mul_b   = 5'b10000;
      osel_d.add_a   = 5'b10000;
      osel_d.add_b   = 5'b10000;
      osel_d.add_sub = s1_op_d == tsp_pkg::VxlFsub;
    end
  end

  // Payload (no reset): loaded every cycle; read only while sf_run_q, which a start sets in the
  // same cycle as this register takes the start's step 0.
  always_ff @(posedge clk_i) begin
    uop <= uop_d;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_op_q     <= '0;
      s1_dtype_q  <= '0;
      s1_sat_q    <= 1'b0;
      s1_sh_q     <= '0;
      s1_f2i_q    <= 1'b0;
      s2_f2i_q    <= 1'b0;
      s2_dtype_q  <= '0;
      sf_run_q    <= 1'b0;
      sf_ph_q     <= 1'b0;
      sf_s1_q     <= 1'b0;
      sf_func_q   <= '0;
      sf_step_q   <= '0;
      osel_q.mul_a   <= 5'b10000;
      osel_q.mul_b   <= 5'b10000;
      osel_q.add_a   <= 5'b10000;
      osel_q.add_b   <= 5'b10000;
      osel_q.add_sub <= 1'b0;
      osel_q.int_mul <= 1'b0;
    end else begin
      if (rd_valid_i) begin
        s1_op_q     <= rd_lop;
        s1_dtype_q  <= rd_dtype;
        s1_sat_q    <= rd_instr_i[tsp_isa_pkg::FVxopSatLsb];
        unique case (rd_dtype)
          2'd0:    s1_sh_q <= {2'b00, rd_imm[2:0]};
          2'd1:    s1_sh_q <= {1'b0, rd_imm[3:0]};
          default: s1_sh_q <= rd_imm[4:0];
        endcase
        s1_f2i_q    <= rd_cvt && !rd_sint && rd_dint;
      end
      s2_f2i_q   <= s1_f2i_q;
      s2_dtype_q <= s1_dtype_q;
      if (rd_valid_i && rd_sf) begin
        sf_run_q  <= 1'b1;
        sf_ph_q   <= 1'b0;
      end else if (sf_run_q) begin
        sf_ph_q <= !sf_ph_q;
        if (sf_ph_q && uop.fin) sf_run_q <= 1'b0;
      end
      sf_s1_q   <= sf_s1_d;
      osel_q    <= osel_d;
      sf_step_q <= sf_step_d;
      sf_func_q <= sf_func_d;
    end
  end

  // ---------------- Lanes ----------------
  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    tsp_vxm_lane u_lane (
      .clk_i     (clk_i),
      .ld_i      (rd_valid_i),
      .a_i       (a_i[l]),
      .b_i       (b_i[l]),
      .a_sel_i   (rd_a_sel),
      .stype_i   (rd_stype),
      .dtype_i   (rd_dtype),
      .b_sx_i    (rd_op == 8'(tsp_isa_pkg::OpVmul)),
      .b_imm_i   (rd_cvt),
      .imm_i     (rd_imm),
      .s1_op_i   (s1_op_q),
      .s1_dtype_i(s1_dtype_q),
      .s1_sat_i  (s1_sat_q),
      .s1_sh_i   (s1_sh_q),
      .sf_ld_i   (rd_valid_i && rd_sf),
      .sf_func_ld_i(2'(rd_op - 8'(tsp_isa_pkg::OpFexp))),
      .sf_run_i  (sf_run_q),
      .sf_s1_i   (sf_s1_q),
      .sf_wb_i   (sf_ph_q),
      .sf_func_i (sf_func_q),
      .uop_i     (uop),
      .osel_i    (osel_q),
      .s2_f2i_i  (s2_f2i_q),
      .s2_dtype_i(s2_dtype_q),
      .l2_o      (l2_o[l]),
      .l3_o      (l3_o[l]),
      .sf_o      (sf_o[l])
    );
  end

  // The lanes' operand selects are an AND-OR: exactly one source per port.
  `ASSERT(OselOneHot_A, $onehot(osel_q.mul_a) && $onehot(osel_q.mul_b) && $onehot(osel_q.add_a) &&
                        $onehot(osel_q.add_b))

endmodule
