// fp32 units and one VXM tile (tsp_fp_tb) against the numerics library tsp::num, which is the
// golden definition (host/src/num/numerics.cc).
//  * combinational tsp_fp_add / tsp_fp_mul / tsp_fp_max / tsp_fp_i2f / tsp_fp_f2i: >= 1M random bit
//    patterns per op (drawn from several distributions aimed at rounding, cancellation, FTZ and
//    overflow) plus every pair of a list of edge values;
//  * tsp_vxm_tile: every non-special VXM opcode back to back (result checked in the exact cycle
//    r+2 / r+3), and FEXP / FRECIP / FRSQRT over random and edge inputs issued at the ISA occupancy
//    (result checked at r+28 while the next instructions already run).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "Vtsp_fp_tb.h"
#include "harness.h"
#include "tsp/instr.h"
#include "tsp/numerics.h"
#include "tsp/vxm.h"

namespace {

using tsp::Instr;
using tsp::isa::Opcode;
using Tb = tsp::tb::Harness<Vtsp_fp_tb>;

constexpr int kLanes = 16;

// ---------------------------------------------------------------------------------------------
// Random fp32 patterns.

const std::vector<uint32_t> &EdgeValues() {
  static const std::vector<uint32_t> v = {
      0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000,  // zeros, denormals
      0x00800000, 0x80800000, 0x00800001, 0x00FFFFFF, 0x01000000, 0x01800000,              // small normals
      0x3F800000, 0xBF800000, 0x3F800001, 0x3F7FFFFF, 0x3F7FFFFE, 0x3FFFFFFF, 0x40000000,  // around 1
      0x3F000000, 0x3FC00000, 0x4B400000, 0x4B000000, 0x4B7FFFFF, 0xCB400000,              // 0.5, 1.5, 2^23
      0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000, 0x7F7FFFFE, 0x7E800000, 0x5F000000, 0x1F800000,  // large
      0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF, 0x7FBFFFFF,  // Inf, NaN
      0x42D00000, 0xC2D00000, 0x42D00001, 0x42B17218, 0xC2CFFFFF, 0x3FB8AA3B, 0x33800000,  // exp range
      0x4F000000, 0xCF000000, 0x4EFFFFFF, 0xCF000001, 0x4F800000, 0x46FFFE00, 0x47000000,  // int edges
      0x42FE0000, 0xC3000000, 0xC3010000, 0x3F400000, 0x3FA00000, 0x40200000, 0xBF400000,  // ties
      0x42FF0000, 0xC3008000, 0xC3004000, 0x46FFFF00, 0xC7000080, 0xC7000040, 0x42FEC000,  // +-limit + 0.5
  };
  return v;
}

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  uint32_t U32() { return static_cast<uint32_t>(rng_()); }
  uint32_t Below(uint32_t n) { return U32() % n; }
  uint32_t Pack(uint32_t sign, uint32_t exp, uint32_t mant) {
    return (sign << 31) | ((exp & 0xFFu) << 23) | (mant & 0x7FFFFFu);
  }
  uint32_t Mant() {
    switch (Below(6)) {
      case 0:
        return 0;
      case 1:
        return 0x7FFFFF;
      case 2:
        return 1u << Below(23);
      case 3:
        return 0x7FFFFF ^ (1u << Below(23));
      case 4:
        return U32() & ~((1u << Below(23)) - 1u);  // trailing zeros: exact / tie cases
      default:
        return U32();
    }
  }
  // A mixture of distributions over all fp32 patterns.
  uint32_t F32() {
    switch (Below(8)) {
      case 0:
      case 1:
        return U32();
      case 2:
        return EdgeValues()[Below(static_cast<uint32_t>(EdgeValues().size()))];
      case 3: {
        static const uint32_t kExps[] = {0,   1,   2,   3,   125, 126, 127, 128,
                                         129, 150, 151, 152, 252, 253, 254, 255};
        return Pack(Below(2), kExps[Below(16)], Mant());
      }
      default:
        return Pack(Below(2), 1 + Below(254), Mant());
    }
  }
  // Second operand near the first: exponent within a few binades, mantissa related.
  uint32_t Near(uint32_t a) {
    const int32_t e = static_cast<int32_t>((a >> 23) & 0xFF) + static_cast<int32_t>(Below(61)) - 30;
    const int32_t ec = e < 0 ? 0 : (e > 255 ? 255 : e);
    uint32_t m = a & 0x7FFFFF;
    switch (Below(4)) {
      case 0:
        m = m + Below(5) - 2;
        break;
      case 1:
        m = Mant();
        break;
      case 2:
        m ^= 1u << Below(23);
        break;
      default:
        break;
    }
    const int32_t de = static_cast<int32_t>(Below(4)) == 0
                           ? ec
                           : static_cast<int32_t>((a >> 23) & 0xFF) + static_cast<int32_t>(Below(5)) - 2;
    const uint32_t exp = static_cast<uint32_t>(de < 0 ? 0 : (de > 255 ? 255 : de));
    return Pack(Below(2), exp, m);
  }
  // Operand pair whose product is near the FTZ (2^-126) or overflow boundary.
  std::pair<uint32_t, uint32_t> MulBoundary() {
    const uint32_t ea = 1 + Below(254);
    const int32_t target = Below(2) ? 127 : 381;  // ea + eb - 127 ~ 0 or ~ 254
    int32_t eb = target - static_cast<int32_t>(ea) + static_cast<int32_t>(Below(5)) - 2;
    eb = eb < 1 ? 1 : (eb > 254 ? 254 : eb);
    return {Pack(Below(2), ea, Mant()), Pack(Below(2), static_cast<uint32_t>(eb), Mant())};
  }

 private:
  std::mt19937_64 rng_;
};

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Combinational units.

class FpComb : public ::testing::Test {
 protected:
  void SetUp() override { tb_.Reset(); }
  uint32_t Add(uint32_t a, uint32_t b, bool sub) {
    tb_->a_i = a;
    tb_->b_i = b;
    tb_->sub_i = sub;
    tb_->eval();
    // The SXM reduction's adder (tsp_fp_add_norm TwoPath = 0) against the lane's: both are
    // checked against tsp::num through add_o.
    if (tb_->add1_o != tb_->add_o && one_path_bad_++ < 10) {
      ADD_FAILURE() << (sub ? "FSUB(" : "FADD(") << Hex(a) << ", " << Hex(b) << "): one-path normalisation "
                    << Hex(tb_->add1_o) << ", two-path " << Hex(tb_->add_o);
    }
    return tb_->add_o;
  }
  int one_path_bad_ = 0;
  void Set(uint32_t a, uint32_t b, uint32_t dtype = 0) {
    tb_->a_i = a;
    tb_->b_i = b;
    tb_->dtype_i = dtype;
    tb_->eval();
  }
  Tb tb_;
};

constexpr int kRandomPerOp = 1000000;
constexpr int kMaxReported = 10;

TEST_F(FpComb, AddSubRandom) {
  Gen g(1);
  int bad = 0;
  for (int i = 0; i < kRandomPerOp && bad < kMaxReported; ++i) {
    const uint32_t a = g.F32();
    const uint32_t b = (i & 1) ? g.Near(a) : g.F32();
    const bool sub = (i & 2) != 0;
    const uint32_t got = Add(a, b, sub);
    const uint32_t want = sub ? tsp::num::FSub(a, b) : tsp::num::FAdd(a, b);
    if (got != want) {
      ++bad;
      ADD_FAILURE() << (sub ? "FSUB(" : "FADD(") << Hex(a) << ", " << Hex(b) << ") = " << Hex(got)
                    << ", expected " << Hex(want);
    }
  }
}

TEST_F(FpComb, MulRandom) {
  Gen g(2);
  int bad = 0;
  for (int i = 0; i < kRandomPerOp && bad < kMaxReported; ++i) {
    uint32_t a = g.F32(), b = g.F32();
    if (i % 3 == 0) std::tie(a, b) = g.MulBoundary();
    Set(a, b);
    const uint32_t want = tsp::num::FMul(a, b);
    if (tb_->mul_o != want) {
      ++bad;
      ADD_FAILURE() << "FMUL(" << Hex(a) << ", " << Hex(b) << ") = " << Hex(tb_->mul_o) << ", expected "
                    << Hex(want);
    }
  }
}

TEST_F(FpComb, MaxRandom) {
  Gen g(3);
  int bad = 0;
  for (int i = 0; i < kRandomPerOp && bad < kMaxReported; ++i) {
    const uint32_t a = g.F32();
    const uint32_t b = (i & 1) ? g.Near(a) : g.F32();
    Set(a, b);
    const uint32_t want = tsp::num::FMax(a, b);
    if (tb_->max_o != want) {
      ++bad;
      ADD_FAILURE() << "FMAX(" << Hex(a) << ", " << Hex(b) << ") = " << Hex(tb_->max_o) << ", expected "
                    << Hex(want);
    }
  }
}

TEST_F(FpComb, EdgeValuePairs) {
  const auto &v = EdgeValues();
  for (uint32_t a : v) {
    for (uint32_t b : v) {
      Set(a, b);
      EXPECT_EQ(tb_->mul_o, tsp::num::FMul(a, b)) << "FMUL(" << Hex(a) << ", " << Hex(b) << ")";
      EXPECT_EQ(tb_->max_o, tsp::num::FMax(a, b)) << "FMAX(" << Hex(a) << ", " << Hex(b) << ")";
      EXPECT_EQ(Add(a, b, false), tsp::num::FAdd(a, b)) << "FADD(" << Hex(a) << ", " << Hex(b) << ")";
      EXPECT_EQ(Add(a, b, true), tsp::num::FSub(a, b)) << "FSUB(" << Hex(a) << ", " << Hex(b) << ")";
    }
  }
}

// Documented values of docs/numerics.md (independent of the library).
TEST_F(FpComb, DocumentedExamples) {
  Set(0x3F7FFFFF, 0x00800000);
  EXPECT_EQ(tb_->mul_o, 0x00000000u);  // FTZ with unbounded exponent: +0
  Set(0x3F7FFFFE, 0x00800001);
  EXPECT_EQ(tb_->mul_o, 0x00800000u);  // (1 - 2^-46) * 2^-126 rounds up to 2^-126 and survives
  Set(0x3F800000, 0x3F800000);
  EXPECT_EQ(tb_->mul_o, 0x3F800000u);
  EXPECT_EQ(Add(0x00800001, 0x00800000, true), 0x00000000u);  // 2^-149 flushed, + sign
  EXPECT_EQ(Add(0x00800000, 0x00800001, true), 0x80000000u);  // flushed with its sign
  EXPECT_EQ(Add(0x7F800000, 0xFF800000, false), 0x7FC00000u);
  EXPECT_EQ(Add(0x80000000, 0x80000000, false), 0x80000000u);
  EXPECT_EQ(Add(0x80000000, 0x00000000, false), 0x00000000u);
  EXPECT_EQ(Add(0x3F800000, 0x3F800000, true), 0x00000000u);
  EXPECT_EQ(Add(0x3F800000, 0x33800000, false), 0x3F800000u);  // 1 + 2^-24: tie to even
  EXPECT_EQ(Add(0x3F800001, 0x33800000, false), 0x3F800002u);  // tie rounds up to even
  EXPECT_EQ(Add(0x7F7FFFFF, 0x73800000, false), 0x7F800000u);  // MAX + half ulp: overflow
  Set(0x80000000, 0x00000000);
  EXPECT_EQ(tb_->max_o, 0x00000000u);  // max(-0, +0) = +0
  Set(0x00000001, 0x80000000);
  EXPECT_EQ(tb_->max_o, 0x00000000u);  // denormal -> +0 after DAZ
  Set(0x7FC00001, 0x3F800000);
  EXPECT_EQ(tb_->max_o, 0x7FC00000u);
  EXPECT_EQ(tb_->mul_o, 0x7FC00000u);
}

TEST_F(FpComb, IntToFloatRandom) {
  Gen g(4);
  std::vector<uint32_t> xs = {0,          1,          0xFFFFFFFF, 0x80000000, 0x7FFFFFFF,
                              0x00FFFFFF, 0x01000001, 0x01000003, 0xFEFFFFFF, 0x02000002,
                              0x7FFFFFC0, 0x7FFFFF80, 0x80000001};
  for (int i = 0; i < kRandomPerOp; ++i) {
    const uint32_t r = g.U32();
    xs.push_back(i % 3 == 0
                     ? (r >> g.Below(32))
                     : (i % 3 == 1 ? r : static_cast<uint32_t>(-static_cast<int32_t>(r >> g.Below(32)))));
  }
  int bad = 0;
  for (uint32_t x : xs) {
    Set(x, 0);
    const uint32_t want = tsp::num::I32ToF32(static_cast<int32_t>(x));
    if (tb_->i2f_o != want && bad++ < kMaxReported) {
      ADD_FAILURE() << "I32ToF32(" << static_cast<int32_t>(x) << ") = " << Hex(tb_->i2f_o) << ", expected "
                    << Hex(want);
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST_F(FpComb, FloatToIntRandom) {
  Gen g(5);
  int bad = 0;
  std::vector<uint32_t> xs = EdgeValues();
  for (int i = 0; i < kRandomPerOp; ++i) {
    // Exponents around the integer range dominate: fields 120 .. 165.
    xs.push_back(i % 2 ? g.F32() : g.Pack(g.Below(2), 120 + g.Below(46), g.Mant()));
  }
  for (size_t i = 0; i < xs.size(); ++i) {
    const uint32_t x = xs[i];
    const uint32_t dt = static_cast<uint32_t>(i % 3);
    const int bits = dt == 0 ? 8 : (dt == 1 ? 16 : 32);
    Set(x, 0, dt);
    const uint32_t want = static_cast<uint32_t>(tsp::num::F32ToInt(x, bits));
    if (tb_->f2i_o != want && bad++ < kMaxReported) {
      ADD_FAILURE() << "F32ToInt(" << Hex(x) << ", " << bits << ") = " << static_cast<int32_t>(tb_->f2i_o)
                    << ", expected " << static_cast<int32_t>(want);
    }
  }
  EXPECT_EQ(bad, 0);
}

// VCVT f32 -> int's fused path (tsp_fp_mul_f2i): bit for bit F32ToInt(FMul(a, b)), with products
// around the integer range and the FTZ / overflow / special-operand corners.
TEST_F(FpComb, MulToIntRandom) {
  Gen g(6);
  int bad = 0;
  const auto &edge = EdgeValues();
  for (int i = 0; i < kRandomPerOp; ++i) {
    uint32_t a, b;
    switch (i % 4) {
      case 0:  // products with exponent fields about 120 .. 165
        a = g.Pack(g.Below(2), 100 + g.Below(60), g.Mant());
        b = g.Pack(g.Below(2), 127 + 120 + g.Below(46) - (a >> 23 & 0xFF) + g.Below(3) - 1, g.Mant());
        break;
      case 1:
        std::tie(a, b) = g.MulBoundary();
        break;
      case 2:
        a = edge[g.Below(static_cast<uint32_t>(edge.size()))];
        b = g.Below(2) ? edge[g.Below(static_cast<uint32_t>(edge.size()))] : g.F32();
        break;
      default:
        a = g.F32();
        b = g.F32();
        break;
    }
    const uint32_t dt = static_cast<uint32_t>(i % 3);
    const int bits = dt == 0 ? 8 : (dt == 1 ? 16 : 32);
    Set(a, b, dt);
    const uint32_t want = static_cast<uint32_t>(tsp::num::F32ToInt(tsp::num::FMul(a, b), bits));
    if (tb_->mulf2i_o != want && bad++ < kMaxReported) {
      ADD_FAILURE() << "F32ToInt(FMul(" << Hex(a) << ", " << Hex(b) << "), " << bits
                    << ") = " << static_cast<int32_t>(tb_->mulf2i_o) << ", expected " << static_cast<int32_t>(want);
    }
  }
  EXPECT_EQ(bad, 0);
}

// ---------------------------------------------------------------------------------------------
// One VXM tile.

uint32_t Mask(uint32_t bytes) { return bytes >= 4 ? 0xFFFFFFFFu : ((1u << (8 * bytes)) - 1u); }
uint32_t DBytes(uint32_t dtype) { return tsp::GroupWidth(dtype); }

// Operand widths and the expected lane result come from tsp/vxm.h, the definition the reference
// model uses (tsp::num::EvalVxmLane, in terms of the bit-exact tsp::num operations).
bool IsFp(Opcode op) { return tsp::IsFloatOp(op); }
uint32_t SrcBytes(const Instr &in) { return tsp::VxmSourceWidth(in); }
uint32_t DstBytes(const Instr &in) { return tsp::VxmDestWidth(in); }
uint32_t Expected(const Instr &in, uint32_t a, uint32_t b) { return tsp::num::EvalVxmLane(in, a, b); }

struct Pending {
  uint64_t due;  // cycle in which the result is checked
  int track;     // 0: l2_o, 1: l3_o, 2: sf_o
  Instr in;
  std::array<uint32_t, kLanes> a, b;
};

class TileTest : public ::testing::Test {
 public:
  void SetUp() override {
    tb_.Reset();
    Idle();
  }
  void Idle() {
    tb_->rd_valid_i = 0;
    tb_->rd_instr_i = 0;
  }
  // Drives instruction `in` with lane operands for the current cycle.
  void Issue(const Instr &in, const std::array<uint32_t, kLanes> &a, const std::array<uint32_t, kLanes> &b) {
    std::string err;
    ASSERT_TRUE(tsp::Validate(in, tsp::Geometry::Default(), &err)) << err;
    tb_->rd_valid_i = 1;
    tb_->rd_instr_i = tsp::Encode(in);
    Pending p;
    p.in = in;
    p.a = a;
    p.b = b;
    for (int l = 0; l < kLanes; ++l) {
      p.a[l] &= Mask(SrcBytes(in));
      // The ALU hands the tile the b group (dest width) or the immediate.
      p.b[l] = in.bimm ? in.imm : (b[l] & Mask(DstBytes(in)));
      tb_->ta_i[l] = p.a[l];
      tb_->tb_i[l] = p.b[l];
    }
    const auto &info = in.info();
    p.due = now_ + info.latency;
    p.track = info.latency == 2 ? 0 : (info.latency == 3 ? 1 : 2);
    pending_.push_back(p);
  }
  // Checks the results due in the current cycle, then advances one clock.
  void Step() {
    tb_->eval();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->due != now_) {
        ++it;
        continue;
      }
      for (int l = 0; l < kLanes && bad_ < kMaxReported; ++l) {
        const uint32_t m = Mask(DstBytes(it->in));
        const uint32_t got =
            (it->track == 0 ? tb_->l2_o[l] : (it->track == 1 ? tb_->l3_o[l] : tb_->sf_o[l])) & m;
        const uint32_t want = Expected(it->in, it->a[l], it->b[l]) & m;
        ++checked_;
        if (got != want) {
          ++bad_;
          ADD_FAILURE() << tsp::Disassemble(it->in) << " lane " << l << " a=" << Hex(it->a[l])
                        << " b=" << Hex(it->b[l]) << ": got " << Hex(got) << ", expected " << Hex(want)
                        << " (cycle " << now_ << ")";
        }
      }
      it = pending_.erase(it);
    }
    tb_.Tick();
    ++now_;
    Idle();
  }
  void Drain() {
    while (!pending_.empty()) Step();
  }

  Tb tb_;
  uint64_t now_ = 0;
  std::deque<Pending> pending_;
  int bad_ = 0;
  uint64_t checked_ = 0;
  uint64_t interleaved_ = 0;  // ordinary instructions issued in special functions' odd slots
};

// A random valid non-special VXM instruction.
Instr RandomVop(Gen &g) {
  static const Opcode kOps[] = {Opcode::kVadd, Opcode::kVsub, Opcode::kVmul, Opcode::kVmax, Opcode::kVrelu,
                                Opcode::kVshl, Opcode::kVshr, Opcode::kVsrl, Opcode::kVmov, Opcode::kVcvt,
                                Opcode::kFadd, Opcode::kFsub, Opcode::kFmul, Opcode::kFmax};
  Instr in;
  in.op = kOps[g.Below(14)];
  in.dst = 0;
  in.a = 4;
  const bool has_b = tsp::VxmUsesB(in.op);
  switch (in.op) {
    case Opcode::kVadd:
    case Opcode::kVsub:
    case Opcode::kVmul:
      in.sat = g.Below(2);
      [[fallthrough]];
    case Opcode::kVmax:
      in.dtype = g.Below(3);
      break;
    case Opcode::kVshl:
    case Opcode::kVshr:
    case Opcode::kVsrl:
      in.dtype = g.Below(3);
      in.imm = g.Below(8 * DBytes(in.dtype));
      break;
    case Opcode::kVrelu:
    case Opcode::kVmov:
      in.dtype = g.Below(4);
      break;
    case Opcode::kVcvt: {
      in.dtype = g.Below(4);
      in.stype = g.Below(4);
      static const uint32_t kScales[] = {0x3F800000, 0x3F000000, 0x40000000, 0x3B800000,
                                         0x47800000, 0xBF800000, 0x00000000, 0x7F800000};
      in.imm = g.Below(3) == 0 ? g.F32() : kScales[g.Below(8)];
      break;
    }
    default:
      in.dtype = 3;
      break;
  }
  if (has_b) {
    if (g.Below(4) == 0) {
      in.bimm = 1;
      in.imm = IsFp(in.op) ? g.F32() : g.U32() & Mask(DBytes(in.dtype));
      // The assembler sign-extends small immediates; keep both kinds.
      if (!IsFp(in.op) && g.Below(2))
        in.imm = static_cast<uint32_t>(tsp::num::SignExtend(in.imm, 8 * DBytes(in.dtype)));
    } else {
      in.b = 16;  // W0
    }
  }
  return in;
}

uint32_t RandomLane(Gen &g, const Instr &in) {
  const bool fp_in = IsFp(in.op) || (in.op == Opcode::kVcvt ? in.stype == 3 : in.dtype == 3);
  if (fp_in) return g.F32();
  switch (g.Below(4)) {
    case 0: {
      static const uint32_t kInts[] = {0,      1,          0xFF,       0x7F,       0x80, 0x7FFF, 0x8000,
                                       0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x81, 0xFF80, 0xFFFF8000};
      return kInts[g.Below(14)];
    }
    case 1:
      return g.U32() >> g.Below(32);
    default:
      return g.U32();
  }
}

TEST_F(TileTest, BackToBackAllOps) {
  Gen g(11);
  for (int i = 0; i < 60000 && bad_ == 0; ++i) {
    if (g.Below(8) != 0) {
      const Instr in = RandomVop(g);
      std::array<uint32_t, kLanes> a{}, b{};
      for (int l = 0; l < kLanes; ++l) {
        a[l] = RandomLane(g, in);
        b[l] = (l & 1) && IsFp(in.op) ? g.Near(a[l]) : RandomLane(g, in);
      }
      Issue(in, a, b);
    }
    Step();
  }
  Drain();
  EXPECT_EQ(bad_, 0);
  EXPECT_GT(checked_, 500000u);
}

// FADD / FSUB / FMUL / FMAX with an integer operand a (aint; stype int8 / int16 / int32, converted
// to fp32 first, tsp::VxmIntA), back to back, against tsp::num::EvalVxmLane (the model's lane
// function). b is a stream group or an fp32 immediate.
TEST_F(TileTest, FpOpsWithIntegerOperandA) {
  Gen g(29);
  static const Opcode kOps[] = {Opcode::kFadd, Opcode::kFsub, Opcode::kFmul, Opcode::kFmax};
  static const uint32_t kInts[] = {0,      1,          0x7F,       0x80,       0xFF,       0x7FFF,    0x8000,
                                   0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x01000001, 0xFFFFFF81};
  for (int i = 0; i < 3000 && bad_ == 0; ++i) {
    Instr in;
    in.op = kOps[i % 4];  // every op, FADD included, with every stype
    in.dtype = 3;
    in.aint = 1;
    in.stype = (i / 4) % 3;
    in.dst = 0;
    in.a = 4;
    if (g.Below(4) == 0) {
      in.bimm = 1;
      in.imm = g.F32();
    } else {
      in.b = 16;  // W0
    }
    std::array<uint32_t, kLanes> a{}, b{};
    for (int l = 0; l < kLanes; ++l) {
      a[l] = g.Below(3) == 0 ? kInts[g.Below(13)] : g.U32() >> g.Below(32);
      b[l] = g.F32();
    }
    Issue(in, a, b);
    Step();
  }
  Drain();
  EXPECT_EQ(bad_, 0);
  EXPECT_EQ(checked_, 3000u * kLanes);
}

// A random ordinary instruction with random lanes, issued in the current cycle.
void IssueRandomVop(TileTest &t, Gen &g) {
  const Instr v = RandomVop(g);
  std::array<uint32_t, kLanes> va{}, vb{};
  for (int l = 0; l < kLanes; ++l) {
    va[l] = RandomLane(g, v);
    vb[l] = RandomLane(g, v);
  }
  t.Issue(v, va, vb);
}

// Special functions issued as often as their occupancy allows; in their odd slots (ISA version 5
// interleave: r+1, r+3, .. of the occupancy) random ordinary instructions in about half of them, which share
// the two-stage fp units with the steps; after each, up to 4 back-to-back ordinary instructions
// from cycle r + occupancy on, around the special result's write at r + latency (the tile's
// sequence, two cycles a step, ends in r+36 for FEXP's 18 steps, r+30 for FRECIP's and FRSQRT's 15:
// the spec must give occupancy >= 2 N + 1 and latency >= 2 N + 2).
// Every result, the special functions' and the interleaved ones', against tsp::num.
void RunSpecial(TileTest &t, Gen &g, Opcode op, const std::vector<uint32_t> &inputs) {
  size_t next = 0;
  const auto &info = tsp::isa::Info(op);
  const uint32_t steps = op == Opcode::kFexp ? 18 : 15;
  ASSERT_GE(info.occupancy, 2 * steps + 1);
  ASSERT_GE(info.latency, 2 * steps + 2);
  while (next < inputs.size() && t.bad_ == 0) {
    Instr in;
    in.op = op;
    in.dtype = 3;
    in.a = 4;
    std::array<uint32_t, kLanes> a{}, b{};
    for (int l = 0; l < kLanes; ++l) a[l] = inputs[next < inputs.size() ? next++ : 0];
    t.Issue(in, a, b);
    t.Step();
    ASSERT_TRUE(info.interleave);
    for (uint32_t c = 1; c < info.occupancy; ++c) {
      if (c % 2 == 1 && g.Below(2)) {
        IssueRandomVop(t, g);
        ++t.interleaved_;
      }
      t.Step();
    }
    // Ordinary instructions in the next 4 cycles (or fewer).
    for (int c = 0; c < 4 && g.Below(2); ++c) {
      IssueRandomVop(t, g);
      t.Step();
    }
  }
  t.Drain();
}

std::vector<uint32_t> SpecialInputs(Gen &g, Opcode op, int n) {
  std::vector<uint32_t> v = EdgeValues();
  for (int i = 0; i < n; ++i) {
    switch (g.Below(4)) {
      case 0:
        v.push_back(g.F32());
        break;
      case 1:
        v.push_back(g.U32());
        break;
      default:
        // The interesting range: |a| < 128 for FEXP, every binade otherwise.
        if (op == Opcode::kFexp) {
          v.push_back(g.Pack(g.Below(2), 100 + g.Below(34), g.U32()));
        } else {
          v.push_back(g.Pack(op == Opcode::kFrsqrt ? 0 : g.Below(2), g.Below(256), g.U32()));
        }
        break;
    }
  }
  return v;
}

TEST_F(TileTest, Fexp) {
  Gen g(21);
  RunSpecial(*this, g, Opcode::kFexp, SpecialInputs(g, Opcode::kFexp, 200000));
  EXPECT_EQ(bad_, 0);
  EXPECT_GT(checked_, 200000u);
  EXPECT_GT(interleaved_, 50000u);  // ~9 per special function (18 odd slots, half of them)
}

TEST_F(TileTest, Frecip) {
  Gen g(22);
  RunSpecial(*this, g, Opcode::kFrecip, SpecialInputs(g, Opcode::kFrecip, 200000));
  EXPECT_EQ(bad_, 0);
  EXPECT_GT(checked_, 200000u);
  EXPECT_GT(interleaved_, 50000u);  // ~9 per special function (18 odd slots, half of them)
}

TEST_F(TileTest, Frsqrt) {
  Gen g(23);
  RunSpecial(*this, g, Opcode::kFrsqrt, SpecialInputs(g, Opcode::kFrsqrt, 200000));
  EXPECT_EQ(bad_, 0);
  EXPECT_GT(checked_, 200000u);
  EXPECT_GT(interleaved_, 50000u);  // ~9 per special function (18 odd slots, half of them)
}

// Reset must leave the tile ready for any instruction, whatever the registers held before it: from
// 16 random initial states (Verilator randReset(2), one seed each), an FMUL and an FADD issued in
// the first cycles after reset give the tsp::num results in their exact cycles. (A special-function
// sequencer left running by reset would feed its own operands to the shared fp units.)
TEST(TileReset, FirstInstructionsAfterResetFromAnyInitialState) {
  for (int seed = 1; seed <= 16; ++seed) {
    SCOPED_TRACE("random initial state seed " + std::to_string(seed));
    Tb tb(seed);
    tb->rd_valid_i = 0;
    tb->rd_instr_i = 0;
    tb.Reset();
    struct Due {
      uint64_t cycle;
      int track;
      uint32_t want;
    };
    std::vector<Due> due;
    int checked = 0;
    for (uint64_t t = 0; t < 40; ++t) {
      tb->rd_valid_i = 0;
      if (t < 24) {  // back to back, alternating FMUL (latency 2 or 3, from the ISA) and FADD
        Instr in;
        in.op = t % 2 ? Opcode::kFadd : Opcode::kFmul;
        in.dtype = 3;
        in.a = 4;
        in.b = 16;
        const uint32_t a = 0x3FC00000 + static_cast<uint32_t>(t) * 0x00010000;  // 1.5 and up
        const uint32_t b = 0x40400000 - static_cast<uint32_t>(t) * 0x00008000;  // 3.0 and down
        tb->rd_valid_i = 1;
        tb->rd_instr_i = tsp::Encode(in);
        for (int l = 0; l < kLanes; ++l) {
          tb->ta_i[l] = a;
          tb->tb_i[l] = b;
        }
        const uint32_t lat = in.info().latency;
        ASSERT_TRUE(lat == 2 || lat == 3);
        due.push_back({t + lat, lat == 2 ? 0 : 1, tsp::num::EvalVxmLane(in, a, b)});
      }
      tb->eval();
      for (const Due &d : due) {
        if (d.cycle != t) continue;
        for (int l = 0; l < kLanes; ++l) {
          const uint32_t got = d.track == 0 ? tb->l2_o[l] : tb->l3_o[l];
          ASSERT_EQ(got, d.want) << "cycle " << t << " lane " << l;
        }
        ++checked;
      }
      tb.Tick();
    }
    EXPECT_EQ(checked, 24);
  }
}

// Independent spot values (docs/numerics.md), so that a common mistake in library and RTL shows.
TEST_F(TileTest, SpecialDocumentedValues) {
  struct Case {
    Opcode op;
    uint32_t a, want;
  };
  const Case cases[] = {
      {Opcode::kFrecip, 0x00800000, 0x7E800000}, {Opcode::kFrecip, 0x7F000000, 0x00000000},
      {Opcode::kFrecip, 0x3F800000, 0x3F800000}, {Opcode::kFrecip, 0x80000000, 0xFF800000},
      {Opcode::kFrecip, 0xFF800000, 0x80000000}, {Opcode::kFrecip, 0x7FC00001, 0x7FC00000},
      {Opcode::kFrsqrt, 0x40800000, 0x3F000000}, {Opcode::kFrsqrt, 0x00800000, 0x5F000000},
      {Opcode::kFrsqrt, 0x80000000, 0xFF800000}, {Opcode::kFrsqrt, 0xBF800000, 0x7FC00000},
      {Opcode::kFrsqrt, 0x7F800000, 0x00000000}, {Opcode::kFrsqrt, 0x00000001, 0x7F800000},
      {Opcode::kFexp, 0x00000000, 0x3F800000},   {Opcode::kFexp, 0x7FC00000, 0x7FC00000},
      {Opcode::kFexp, 0x7F800000, 0x7F800000},   {Opcode::kFexp, 0xFF800000, 0x00000000},
  };
  for (const auto &c : cases) {
    Instr in;
    in.op = c.op;
    in.dtype = 3;
    in.a = 4;
    std::array<uint32_t, kLanes> a{}, b{};
    a.fill(c.a);
    Issue(in, a, b);
    // sf_o holds the result from the cycle before the ALU's write at read + latency.
    for (uint32_t i = 0; i < tsp::isa::Info(c.op).latency; ++i) Step();
    tb_->eval();
    for (int l = 0; l < kLanes; ++l) {
      EXPECT_EQ(tb_->sf_o[l], c.want) << tsp::Disassemble(in) << " of " << Hex(c.a);
    }
    pending_.clear();
  }
}

}  // namespace
