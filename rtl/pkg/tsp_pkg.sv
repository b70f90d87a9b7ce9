// Geometry and shared types of the TSP core.
//
// The geometry is chosen at compile time with a define so that the packed types below can live in
// a package (Yosys and Verilator both need types of fixed width): no define = "default",
// +define+TSP_CONFIG_SMALL = "small", +define+TSP_CONFIG_BOARD = "board" (any other configuration
// X of the spec: +define+TSP_CONFIG_X). The numbers themselves come from isa/tsp_isa.json through
// the generated rtl/pkg/tsp_geom.svh, never from here.
//
// Yosys 0.55 constraints honoured here (docs/rtl.md): no item refers to another package (hence
// the generated include instead of X), functions assign their name instead of
// `return`, and stream arrays are plain multi-dimensional logic arrays (a packed array of a packed
// struct loses its dimensions in Yosys 0.55).
package tsp_pkg;

  // Selected geometry, Fingerprint, IsaVersion, LanesPerSuperlane, NumBanks, NumErrorBits and the
  // instruction field positions (F<Format><Field>Lsb), generated from isa/tsp_isa.json.
`include "tsp_geom.svh"

  // ---------------- Derived geometry ----------------
  localparam int unsigned Lanes        = LanesPerSuperlane;  // 16
  localparam int unsigned VL           = NumSuperlanes * Lanes;
  localparam int unsigned MemWords     = WordsPerBank * NumBanks;  // word addresses per slice
  localparam int unsigned MemAddrBits  = $clog2(MemWords);
  localparam int unsigned BankWordBits = $clog2(WordsPerBank);
  localparam int unsigned NumMemSlices = 2 * MemSlicesPerHemi;
  localparam int unsigned NumPositions = 2 * MemSlicesPerHemi + 5;
  localparam int unsigned VxmPosition  = MemSlicesPerHemi + 2;
  localparam int unsigned IqAddrBits   = $clog2(IqDepth);
  // Queue ids: mem.w0..w(M-1), mem.e0..e(M-1), vxm.0..(A-1), sxm.w, sxm.e, mxm.w, mxm.e.
  localparam int unsigned NumQueues    = NumMemSlices + VxmAlus + 4;
  localparam int unsigned QueueVxm0    = NumMemSlices;
  localparam int unsigned QueueSxmW    = NumMemSlices + VxmAlus;
  localparam int unsigned QueueSxmE    = QueueSxmW + 1;
  localparam int unsigned QueueMxmW    = QueueSxmW + 2;
  localparam int unsigned QueueMxmE    = QueueSxmW + 3;

  // ---------------- Stream types ----------------
  localparam int unsigned WordBits = Lanes * 8;  // 128 bits: one tile's 16 lanes
  typedef logic [WordBits-1:0] word_t;

  // One stream register of one superlane: value plus the verification-only valid bit.
  typedef struct packed {
    logic  valid;
    word_t data;
  } slot_t;

  localparam int unsigned SlotBits = WordBits + 1;

  // One stream register as a plain vector, {valid, data} (the layout of slot_t). All streams of
  // one direction at one position are `tsp_pkg::sreg_t [StreamsPerDir-1:0][NumSuperlanes-1:0]`
  // ([stream][superlane]); assign an element to a slot_t variable to use .valid / .data.
  // (No typedef of the whole multi-dimensional array: Yosys 0.55 mis-indexes variables whose type
  // is a typedef of a multi-dimensional packed array, see docs/rtl.md.)
  typedef logic [SlotBits-1:0] sreg_t;

  // Dispatched instruction travelling up a slice (one per superlane stage).
  typedef struct packed {
    logic        valid;
    logic [63:0] instr;  // REPEAT index stride already applied to addr / LW row
  } disp_t;

  localparam int unsigned DispBits = 65;  // disp_t as a plain vector: {valid, instr}

  typedef logic [NumErrorBits-1:0] err_t;

  // Element i < w of the aligned stream group at index a (w = 1, 2, 4): stream (a & ~(w-1)) | i.
  // Groups are aligned (the program loader's Validate rejects anything else, docs/isa.md), so
  // element 0 selects among all streams, element 1 among the odd ones, elements 2 and 3 among every
  // fourth (issue 10: an unaligned a + i needs every stream as a candidate for every element).
  // Elements i >= w are the caller's to mask.
  function automatic logic [3:0] group_stream(logic [3:0] a, int unsigned i);
    logic [3:0] r;
    if (i == 0)      r = a;
    else if (i == 1) r = {a[3:1], 1'b1};
    else             r = {a[3:2], 2'(i)};
    group_stream = r;
  endfunction

  // Element i of the aligned group at stream field f (bit 4 = direction: 0 east e, 1 west w; bits
  // 3:0 = index a) of one superlane: stream register group_stream(a, i) of that direction, or empty
  // ('0) when that stream lies beyond the geometry. Every operand read of a slice goes through it.
  // An explicit binary mux tree over the 2 x StreamsPerDir registers, selected by {f[4],
  // a[StreamIdxBits-1:0]}: leaf c of a direction is stream group_stream(c, i), so for i >= 1 leaves
  // repeat and the tree shrinks to the odd (i = 1) or every fourth (i >= 2) stream. Written as a
  // loop of compares (`if (group_stream(a, i) == s) x = f[4] ? w[s] : e[s]`), Yosys built a
  // direction select per stream register and a priority chain after it: about twice the LUTs per
  // bit (issue 10: the MEM slice 8,583 -> 5,222 LUT). StreamsPerDir is 4, 8 or 16
  // (scripts/gen_isa.py checks), so stream group_stream(a, i) lies beyond the geometry exactly
  // when a does.
  localparam int unsigned StreamIdxBits = $clog2(StreamsPerDir);

  function automatic sreg_t sreg_pick(sreg_t [StreamsPerDir-1:0] e, sreg_t [StreamsPerDir-1:0] w,
                                      logic [4:0] f, int unsigned i);
    sreg_t [2*StreamsPerDir-1:0] t;
    logic [StreamIdxBits:0]      sel;
    for (int unsigned c = 0; c < StreamsPerDir; c++) begin
      t[c]                 = e[group_stream(4'(c), i)];
      t[StreamsPerDir + c] = w[group_stream(4'(c), i)];
    end
    sel = {f[4], f[StreamIdxBits-1:0]};
    // Level lv halves the candidates; the in-place update never overwrites one still to be read.
    for (int unsigned lv = 0; lv <= StreamIdxBits; lv++) begin
      for (int unsigned n = 0; n < (2 * StreamsPerDir >> (lv + 1)); n++) begin
        t[n] = sel[lv] ? t[2*n+1] : t[2*n];
      end
    end
    sreg_pick = (32'(f[3:0]) >> StreamIdxBits) == 0 ? t[0] : '0;
  endfunction

  // ---------------- VXM tile <-> lane (tsp_vxm_tile decodes once, tsp_vxm_lane x Lanes) ---------
  // Operand a of stage 0 (the read cycle).
  localparam logic [1:0] VxlASrc = 2'd0;  // a as read
  localparam logic [1:0] VxlAI2f = 2'd1;  // int -> fp32 (VCVT int -> f32, FADD .. FMAX with aint)
  localparam logic [1:0] VxlASat = 2'd2;  // int -> narrower int, saturated (VCVT int -> int)
  localparam logic [1:0] VxlASx  = 2'd3;  // sign-extended by dtype (VMUL: b too, b_sx)
  // Stage-1 lane operation (what s2 takes): decoded from the opcode in the read cycle.
  localparam logic [3:0] VxlMov  = 4'd0;   // s1_a: VMOV, VCVT int -> int, FEXP / FRECIP / FRSQRT
  localparam logic [3:0] VxlAdd  = 4'd1;
  localparam logic [3:0] VxlSub  = 4'd2;
  localparam logic [3:0] VxlMul  = 4'd3;
  localparam logic [3:0] VxlMax  = 4'd4;
  localparam logic [3:0] VxlRelu = 4'd5;
  localparam logic [3:0] VxlShl  = 4'd6;
  localparam logic [3:0] VxlShr  = 4'd7;
  localparam logic [3:0] VxlSrl  = 4'd8;
  localparam logic [3:0] VxlFadd = 4'd9;
  localparam logic [3:0] VxlFsub = 4'd10;
  localparam logic [3:0] VxlFmul = 4'd11;  // FMUL, VCVT with an fp32 side (a x scale)
  localparam logic [3:0] VxlFmax = 4'd12;

  // One step of a special-function sequence (FEXP / FRECIP / FRSQRT): at most one fp multiply and
  // one fp add into registers mul_d / add_d of R0..R3. Each operand port reads one of four sources
  // (the step constant k, the pre-processed input P, registers): the sequences in tsp_vxm_tile are
  // written so that each port needs only these four, which makes each a 4:1 select per bit.
  localparam logic [1:0] VxlMaK  = 2'd0;  // multiplier operand a
  localparam logic [1:0] VxlMaR0 = 2'd1;
  localparam logic [1:0] VxlMaR1 = 2'd2;
  localparam logic [1:0] VxlMaR3 = 2'd3;
  localparam logic [1:0] VxlMbP  = 2'd0;  // multiplier operand b
  localparam logic [1:0] VxlMbR0 = 2'd1;
  localparam logic [1:0] VxlMbR1 = 2'd2;
  localparam logic [1:0] VxlMbR2 = 2'd3;
  localparam logic [1:0] VxlAaK  = 2'd0;  // adder operand a (the minuend of a subtraction)
  localparam logic [1:0] VxlAaR1 = 2'd1;
  localparam logic [1:0] VxlAaP  = 2'd2;
  localparam logic [1:0] VxlAaR3 = 2'd3;
  localparam logic [1:0] VxlAbR2 = 2'd0;  // adder operand b
  localparam logic [1:0] VxlAbK  = 2'd1;
  localparam logic [1:0] VxlAbR3 = 2'd2;
  localparam logic [1:0] VxlAbR0 = 2'd3;
  typedef struct packed {
    logic        mul_en;
    logic [1:0]  mul_a;  // VxlMa*
    logic [1:0]  mul_b;  // VxlMb*
    logic [1:0]  mul_d;
    logic        add_en;
    logic [1:0]  add_a;  // VxlAa*
    logic [1:0]  add_b;  // VxlAb*
    logic        add_sub;
    logic [1:0]  add_d;
    logic        seed;   // R1 <= FRSQRT integer seed
    logic        fin;    // final INT step: sf_o <= result
    logic [31:0] k;
  } vxm_uop_t;

  // The lanes' stage-1 operand selects, one-hot, registered by the tile a cycle ahead (issue 10's
  // timing work, 2026-12-06: an AND-OR of five sources per bit instead of a decode of the micro-op
  // fields and a mux). Exactly one bit is set (tsp_vxm_tile asserts it). Bit c of a port selects
  // the micro-op source with code c (VxlMa* ...), bit 4 the instruction's operand (s1_a for the a
  // ports, s1_b for the b ports) when no step runs.
  typedef struct packed {
    logic [4:0] mul_a;    // K, R0, R1, R3, s1_a
    logic [4:0] mul_b;    // P, R0, R1, R2, s1_b
    logic [4:0] add_a;    // K, R1, P, R3, s1_a
    logic [4:0] add_b;    // R2, K, R3, R0, s1_b
    logic       add_sub;  // the adder subtracts (the step's add_sub, or FSUB)
    logic       int_mul;  // the multiplier takes VMUL's int32 operands
  } vxm_osel_t;

  // What an fp32 multiply needs of its operands besides their significand product
  // (tsp_fp_mul_ops): formed beside the multiplier, registered with the product in the VXM lane.
  typedef struct packed {
    logic               nan;   // a NaN operand, or Inf x 0
    logic               inf;   // an infinite operand
    logic               zero;  // a zero or denormal operand (DAZ)
    logic               sign;
    logic signed [10:0] exp;   // ea + eb - 127
    logic [1:0]         stk;   // sticky of the rounding: [1] product bits 22:0, [0] bits 21:0
  } fmul_ops_t;

  // Trailing zeros of a 24-bit fp32 significand with its hidden bit set (0 .. 23), by halving
  // (a balanced tree: a priority loop maps to a serial mux chain). The sticky bit of the fp
  // multiply comes from it (tsp_fp_mul_ops).
  function automatic logic [4:0] tz24(logic [22:0] f);
    logic [31:0] x;
    logic [4:0]  n;
    x    = {9'h1FF, f};  // the hidden bit and ones above: never all zero
    n[4] = x[15:0] == '0;
    x    = n[4] ? {16'hFFFF, x[31:16]} : x;
    n[3] = x[7:0] == '0;
    x    = n[3] ? {8'hFF, x[31:8]} : x;
    n[2] = x[3:0] == '0;
    x    = n[2] ? {4'hF, x[31:4]} : x;
    n[1] = x[1:0] == '0;
    x    = n[1] ? {2'h3, x[31:2]} : x;
    n[0] = !x[0];
    tz24 = n;
  endfunction

  // Leading zeros of a 32-bit value (31 for zero, which callers handle apart), as a tree:
  // the leading zeros of each byte and the first non-zero byte side by side, then a 4:1 select
  // (about three LUT levels; a halving or priority loop is a serial chain of seven or more). The fp
  // adder's normalisation (tsp_fp_add_norm) and int -> fp32 (tsp_fp_i2f) use it.
  function automatic logic [2:0] lzc8(logic [7:0] b);
    logic [2:0] n;
    n = 3'd7;
    for (int i = 0; i < 8; i++) begin
      if (b[i]) n = 3'(7 - i);
    end
    lzc8 = n;
  endfunction

  function automatic logic [4:0] lzc32(logic [31:0] x);
    logic [3:1]      nz;  // byte g has a one (byte 0 needs no flag: it is the last choice)
    logic [3:0][2:0] c;
    logic [1:0]      hi;
    logic [2:0]      lo;
    for (int g = 0; g < 4; g++) begin
      c[g] = lzc8(x[8*g +: 8]);
    end
    for (int g = 1; g < 4; g++) begin
      nz[g] = |x[8*g +: 8];
    end
    // A case, not c[3 - hi]: Yosys makes an index expression a multiply (3 x ...), mapped to a DSP.
    unique case ({nz[3], nz[2], nz[1]})
      3'b100, 3'b101, 3'b110, 3'b111: begin hi = 2'd0; lo = c[3]; end
      3'b010, 3'b011:                 begin hi = 2'd1; lo = c[2]; end
      3'b001:                         begin hi = 2'd2; lo = c[1]; end
      default:                        begin hi = 2'd3; lo = c[0]; end
    endcase
    lzc32 = {hi, lo};
  endfunction

  // Field extraction helpers (positions from the generated package).
  function automatic logic [7:0] f_opcode(logic [63:0] i);
    f_opcode = i[7:0];
  endfunction
  function automatic logic [4:0] f_dst(logic [63:0] i);
    f_dst = i[FVopDstLsb +: 5];
  endfunction
  function automatic logic [4:0] f_a(logic [63:0] i);
    f_a = i[FVopALsb +: 5];
  endfunction
  function automatic logic [4:0] f_b(logic [63:0] i);
    f_b = i[FVopBLsb +: 5];
  endfunction
  function automatic logic [1:0] f_dtype(logic [63:0] i);
    f_dtype = i[FVopDtypeLsb +: 2];
  endfunction
  function automatic logic [1:0] f_stype(logic [63:0] i);
    f_stype = i[FVopStypeLsb +: 2];
  endfunction
  function automatic logic [31:0] f_imm(logic [63:0] i);
    f_imm = i[FVopImmLsb +: 32];
  endfunction
  function automatic logic [15:0] f_addr(logic [63:0] i);
    f_addr = i[FMemAddrLsb +: 16];
  endfunction
  function automatic logic [4:0] f_mem_s(logic [63:0] i);
    f_mem_s = i[FMemSLsb +: 5];
  endfunction
  function automatic logic [4:0] f_memx_s(logic [63:0] i);
    f_memx_s = i[FMemxSLsb +: 5];
  endfunction
  function automatic logic [4:0] f_memx_m(logic [63:0] i);
    f_memx_m = i[FMemxMLsb +: 5];
  endfunction

endpackage
