// Unit semantics through whole programs on the reference model: every VXM operation, the MXM
// matrix product against a plain C++ matmul, and the SXM operations. Expected values are computed
// here in plain C++ (integer ops) or with tsp::num (fp32, itself checked against the host FPU).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "builder.h"
#include "tsp/model.h"
#include "tsp/numerics.h"

namespace tsp::test {
namespace {

using isa::Opcode;

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto &b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Splits lane values (w bytes each) into w byte planes of VL bytes.
std::vector<std::vector<uint8_t>> Planes(const std::vector<uint32_t> &v, uint32_t w) {
  std::vector<std::vector<uint8_t>> p(w, std::vector<uint8_t>(v.size()));
  for (size_t l = 0; l < v.size(); ++l) {
    for (uint32_t b = 0; b < w; ++b) p[b][l] = static_cast<uint8_t>(v[l] >> (8 * b));
  }
  return p;
}

class UnitsTest : public ::testing::Test {
 protected:
  Geometry g = Geometry::Default();
  uint32_t vl = g.vl();
  uint32_t S = g.superlanes();

  // Runs `op` on the VXM: a (width wa) arrives eastward on E0.. from mem.w0..w3, b (width wb)
  // westward on W0.. from mem.e0..e3; the result (width wd) goes west on W4.. into mem.w0..w3.
  std::vector<uint32_t> RunVxm(const Instr &op_in, const std::vector<uint32_t> &a, uint32_t wa,
                               const std::vector<uint32_t> &b, uint32_t wb, uint32_t wd) {
    Builder bl(g);
    const uint64_t T = 8;
    auto pa = Planes(a, wa), pb = Planes(b, wb);
    for (uint32_t i = 0; i < wa; ++i) {
      bl.Mem(g.MemSliceId(Hemi::kWest, i), 0, pa[i]).At("mem.w" + std::to_string(i), 5 - i, Read(0, E(i)));
    }
    for (uint32_t i = 0; i < wb; ++i) {
      bl.Mem(g.MemSliceId(Hemi::kEast, i), 0, pb[i]).At("mem.e" + std::to_string(i), 5 - i, Read(0, W(i)));
    }
    Instr op = op_in;
    op.dst = W(4);
    op.a = E(0);
    if (wb) op.b = W(0);
    bl.At("vxm.0", T, op);
    const uint64_t wcycle = T + op.info().latency;
    for (uint32_t i = 0; i < wd; ++i) {
      bl.At("mem.w" + std::to_string(i), wcycle + 1 + i, Write(10, W(4 + i)));
    }
    Model m(g);
    auto r = LoadAndRun(m, bl.program());
    EXPECT_EQ(r.status, RunStatus::kDone);
    for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
    std::vector<uint32_t> out(vl, 0);
    for (uint32_t i = 0; i < wd; ++i) {
      auto word = m.ReadMem(g.MemSliceId(Hemi::kWest, i), 10);
      for (uint32_t l = 0; l < vl; ++l) out[l] |= uint32_t{word[l]} << (8 * i);
    }
    return out;
  }
};

int64_t SExt(uint32_t v, int bits) {
  if (bits == 32) return static_cast<int32_t>(v);
  const uint32_t m = 1u << (bits - 1);
  v &= (1u << bits) - 1;
  return static_cast<int64_t>(v ^ m) - m;
}
uint32_t Wrap(int64_t v, int bits) {
  return static_cast<uint32_t>(v) & (bits == 32 ? 0xFFFFFFFFu : ((1u << bits) - 1));
}
uint32_t Sat(int64_t v, int bits) {
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -(int64_t{1} << (bits - 1));
  return Wrap(std::min(hi, std::max(lo, v)), bits);
}

// Edge values first, then random ones.
std::vector<uint32_t> IntOperands(uint32_t vl, int bits, uint32_t seed) {
  const uint32_t mask = bits == 32 ? 0xFFFFFFFFu : ((1u << bits) - 1);
  const uint32_t mn = 1u << (bits - 1);
  std::vector<uint32_t> edge = {0, 1, mask, mn, mn - 1, mn + 1, 2, mask - 1};
  std::mt19937 rng(seed);
  std::vector<uint32_t> v(vl);
  for (uint32_t l = 0; l < vl; ++l) v[l] = (l < edge.size() * 2 ? edge[(l / 2 + seed) % edge.size()] : static_cast<uint32_t>(rng())) & mask;
  return v;
}

TEST_F(UnitsTest, VxmIntegerOps) {
  const Opcode ops[] = {Opcode::kVadd, Opcode::kVsub, Opcode::kVmul, Opcode::kVmax};
  for (uint32_t dt = 0; dt < 3; ++dt) {
    const int bits = 8 << dt;
    const uint32_t w = 1u << dt;
    for (Opcode op : ops) {
      for (uint32_t sat = 0; sat < (op == Opcode::kVmax ? 1u : 2u); ++sat) {
        auto a = IntOperands(vl, bits, 1), b = IntOperands(vl, bits, 2);
        Instr in = Vop(op, dt, 0, 0, 0);
        in.sat = sat;
        auto out = RunVxm(in, a, w, b, w, w);
        for (uint32_t l = 0; l < vl; ++l) {
          const int64_t x = SExt(a[l], bits), y = SExt(b[l], bits);
          int64_t r = 0;
          if (op == Opcode::kVadd) r = x + y;
          if (op == Opcode::kVsub) r = x - y;
          if (op == Opcode::kVmul) r = x * y;
          if (op == Opcode::kVmax) r = std::max(x, y);
          const uint32_t expect = sat ? Sat(r, bits) : Wrap(r, bits);
          ASSERT_EQ(out[l], expect) << isa::Info(op).mnemonic << " bits " << bits << " sat " << sat << " lane "
                                    << l << " a " << x << " b " << y;
        }
      }
    }
  }
}

TEST_F(UnitsTest, VxmImmediateOperandAndShifts) {
  for (uint32_t dt = 0; dt < 3; ++dt) {
    const int bits = 8 << dt;
    const uint32_t w = 1u << dt;
    auto a = IntOperands(vl, bits, 3);
    Instr add = Vop(Opcode::kVadd, dt, 0, 0);
    add.bimm = 1;
    add.imm = static_cast<uint32_t>(-5);
    auto out = RunVxm(add, a, w, {}, 0, w);
    for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(out[l], Wrap(SExt(a[l], bits) - 5, bits));
    for (Opcode op : {Opcode::kVshl, Opcode::kVshr, Opcode::kVsrl}) {
      Instr sh = Vop(op, dt, 0, 0);
      sh.imm = static_cast<uint32_t>(bits - 3);
      auto o = RunVxm(sh, a, w, {}, 0, w);
      for (uint32_t l = 0; l < vl; ++l) {
        const uint32_t mask = bits == 32 ? 0xFFFFFFFFu : ((1u << bits) - 1);
        uint32_t expect = 0;
        if (op == Opcode::kVshl) expect = (a[l] << (bits - 3)) & mask;
        if (op == Opcode::kVshr) expect = Wrap(SExt(a[l], bits) >> (bits - 3), bits);
        if (op == Opcode::kVsrl) expect = (a[l] & mask) >> (bits - 3);
        ASSERT_EQ(o[l], expect) << isa::Info(op).mnemonic << " bits " << bits << " lane " << l;
      }
    }
    Instr relu = Vop(Opcode::kVrelu, dt, 0, 0);
    auto o = RunVxm(relu, a, w, {}, 0, w);
    for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(o[l], Wrap(std::max<int64_t>(0, SExt(a[l], bits)), bits));
  }
}

std::vector<uint32_t> FloatOperands(uint32_t vl, uint32_t seed) {
  std::vector<uint32_t> edge = {0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x3F800000,
                                0xBF800000, 0x00000001, 0x7F7FFFFF, 0x00800000, 0x40490FDB, 0xC2C80000};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-100.f, 100.f);
  std::vector<uint32_t> v(vl);
  for (uint32_t l = 0; l < vl; ++l) {
    if (l < edge.size()) {
      v[l] = edge[(l + seed) % edge.size()];
    } else {
      float f = d(rng);
      std::memcpy(&v[l], &f, 4);
    }
  }
  return v;
}

TEST_F(UnitsTest, VxmFloatOps) {
  auto a = FloatOperands(vl, 1), b = FloatOperands(vl, 5);
  struct Case {
    Opcode op;
    uint32_t (*fn)(uint32_t, uint32_t);
  };
  const Case bin[] = {{Opcode::kFadd, num::FAdd}, {Opcode::kFsub, num::FSub}, {Opcode::kFmul, num::FMul},
                      {Opcode::kFmax, num::FMax}};
  for (const auto &c : bin) {
    auto out = RunVxm(Vop(c.op, 3, 0, 0, 0), a, 4, b, 4, 4);
    for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(out[l], c.fn(a[l], b[l])) << isa::Info(c.op).mnemonic << " " << l;
  }
  const std::pair<Opcode, uint32_t (*)(uint32_t)> un[] = {
      {Opcode::kFexp, num::FExp}, {Opcode::kFrecip, num::FRecip}, {Opcode::kFrsqrt, num::FRsqrt}};
  for (const auto &[op, fn] : un) {
    auto out = RunVxm(Vop(op, 3, 0, 0), a, 4, {}, 0, 4);
    for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(out[l], fn(a[l])) << isa::Info(op).mnemonic << " " << l;
  }
  // Spot checks against exact values: exp(0) = 1, 1/4 = 0.25, 1/sqrt(4) = 0.5, 1.5 + 2.25 = 3.75.
  std::vector<uint32_t> x(vl, 0x40800000);  // 4.0
  EXPECT_EQ(RunVxm(Vop(Opcode::kFrecip, 3, 0, 0), x, 4, {}, 0, 4)[0], 0x3E800000u);
  EXPECT_EQ(RunVxm(Vop(Opcode::kFrsqrt, 3, 0, 0), x, 4, {}, 0, 4)[0], 0x3F000000u);
  std::vector<uint32_t> z(vl, 0);
  EXPECT_EQ(RunVxm(Vop(Opcode::kFexp, 3, 0, 0), z, 4, {}, 0, 4)[3], 0x3F800000u);
  Instr fi = Vop(Opcode::kFadd, 3, 0, 0);
  fi.bimm = 1;
  fi.imm = 0x40100000;  // 2.25
  std::vector<uint32_t> h(vl, 0x3FC00000);  // 1.5
  EXPECT_EQ(RunVxm(fi, h, 4, {}, 0, 4)[7], 0x40700000u);
}

// ISA v2: FADD .. FMAX with an integer operand a (.S, aint): a is sign-extended from S and
// converted to fp32 exactly as a C++ int -> float conversion (round to nearest even), then the fp
// op runs on it (its fp32 semantics from tsp::num, checked elsewhere against the host FPU).
TEST_F(UnitsTest, VxmFloatOpsWithIntegerOperandA) {
  auto b = FloatOperands(vl, 7);
  const std::pair<Opcode, uint32_t (*)(uint32_t, uint32_t)> bin[] = {{Opcode::kFadd, num::FAdd},
                                                                     {Opcode::kFsub, num::FSub},
                                                                     {Opcode::kFmul, num::FMul},
                                                                     {Opcode::kFmax, num::FMax}};
  for (uint32_t st = 0; st < 3; ++st) {
    const int bits = 8 << st;
    auto a = IntOperands(vl, bits, 20 + st);
    if (st == 2) {  // values that round: 2^24 + 1 -> 2^24, 2^24 + 3 -> 2^24 + 4, INT32_MIN, INT32_MAX
      a[20] = 16777217u;
      a[21] = 16777219u;
      a[22] = 0x80000000u;
      a[23] = 0x7FFFFFFFu;
      a[24] = static_cast<uint32_t>(-16777219);
    }
    for (const auto &[op, fn] : bin) {
      Instr in = Vop(op, 3, 0, 0, 0);
      in.aint = 1;
      in.stype = st;
      auto out = RunVxm(in, a, 1u << st, b, 4, 4);
      for (uint32_t l = 0; l < vl; ++l) {
        const float af = static_cast<float>(SExt(a[l], bits));  // host conversion: round to nearest even
        uint32_t abits = 0;
        std::memcpy(&abits, &af, 4);
        ASSERT_EQ(out[l], fn(abits, b[l]))
            << isa::Info(op).mnemonic << " S=i" << bits << " lane " << l << " a " << SExt(a[l], bits);
      }
    }
  }
  // Exact spot values: fmul.i16 of -3 by the immediate 0.5 is -1.5; fadd.i8 of 127 and 1.0 is 128.
  std::vector<uint32_t> m3(vl, 0xFFFDu);
  Instr mul = Vop(Opcode::kFmul, 3, 0, 0);
  mul.aint = 1;
  mul.stype = 1;
  mul.bimm = 1;
  mul.imm = 0x3F000000;
  EXPECT_EQ(RunVxm(mul, m3, 2, {}, 0, 4)[5], 0xBFC00000u);
  std::vector<uint32_t> p127(vl, 0x7Fu), one(vl, 0x3F800000u);
  Instr add = Vop(Opcode::kFadd, 3, 0, 0, 0);
  add.aint = 1;
  EXPECT_EQ(RunVxm(add, p127, 1, one, 4, 4)[0], 0x43000000u);
}

TEST_F(UnitsTest, VxmConversions) {
  // i8 -> f32 with scale 0.5, f32 -> i16 with scale 4 (round to nearest even, saturate), i32 -> i8.
  auto a8 = IntOperands(vl, 8, 9);
  Instr c = Vop(Opcode::kVcvt, 3, 0, 0);
  c.stype = 0;
  c.imm = 0x3F000000;
  auto f = RunVxm(c, a8, 1, {}, 0, 4);
  for (uint32_t l = 0; l < vl; ++l) {
    float expect = static_cast<float>(SExt(a8[l], 8)) * 0.5f;
    uint32_t eb;
    std::memcpy(&eb, &expect, 4);
    ASSERT_EQ(f[l], eb) << l;
  }
  std::vector<uint32_t> fv(vl);
  const float samples[] = {0.125f, 0.375f, -0.625f, 1e9f, -1e9f, 2.5f, 100.1f, -0.0f};
  for (uint32_t l = 0; l < vl; ++l) std::memcpy(&fv[l], &samples[l % 8], 4);
  fv[9] = 0x7FC00000;  // NaN -> 0
  Instr c2 = Vop(Opcode::kVcvt, 1, 0, 0);
  c2.stype = 3;
  c2.imm = 0x40800000;  // x4
  auto o = RunVxm(c2, fv, 4, {}, 0, 2);
  const int64_t expect16[] = {0, 2, -2, 32767, -32768, 10, 400, 0};  // 0.5->0, 1.5->2, -2.5->-2, 10, 400.4->400
  for (uint32_t l = 0; l < vl; ++l) {
    const int64_t e = l == 9 ? 0 : expect16[l % 8];
    ASSERT_EQ(SExt(o[l], 16), e) << "lane " << l;
  }
  auto a32 = IntOperands(vl, 32, 4);
  Instr c3 = Vop(Opcode::kVcvt, 0, 0, 0);
  c3.stype = 2;
  auto o3 = RunVxm(c3, a32, 4, {}, 0, 1);
  for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(o3[l], Sat(SExt(a32[l], 32), 8)) << l;
}

// ---------------------------------------------------------------------------------------------
// MXM: 16x16 int8 matrix product C = A * B against plain C++.
// ---------------------------------------------------------------------------------------------
struct MxmRun {
  std::vector<std::vector<int32_t>> out;  // [j][k*16 + r]: partial sums at superlane k for column j
  std::vector<ModelError> errors;
};

// The weights go in with `rows` rows per LW (ISA v2: lw.i8 / lw.i16 / lw.i32), 16 / rows
// dispatches starting at row `start` with REPEAT stride `rows`, so the row indices wrap modulo 16
// when start > 0. LW plane j (stream W<j>) comes from mem.w<M-1-j> (position 2 + j): its word i
// holds weight row (start + rows * i + j) mod 16.
MxmRun RunMxm(const Geometry &g, const std::vector<uint8_t> &weights /* 16 x VL */,
              const std::vector<uint8_t> &acts /* n x VL */, uint32_t n, bool asigned, bool wsigned,
              uint32_t rows = 1, uint32_t start = 0) {
  // mem.w7 (position 2) also holds the activations at words 16..; it reads them onto W0, which
  // reaches mxm.w (position 0) four cycles after dispatch.
  Builder b(g);
  const uint32_t M = g.mem_slices_per_hemi(), vl = g.vl();
  const uint32_t w7 = g.MemSliceId(Hemi::kWest, M - 1);
  const std::string q7 = "mem.w" + std::to_string(M - 1);
  const uint64_t t_lw = 8, t_iw = t_lw + 16, t_abc = t_iw + 1;
  const uint32_t loads = 16 / rows;
  for (uint32_t j = 0; j < rows; ++j) {
    const uint32_t m = M - 1 - j, pos = g.MemPosition(Hemi::kWest, m);
    std::vector<uint8_t> plane(size_t{loads} * vl);
    for (uint32_t i = 0; i < loads; ++i) {
      const uint32_t r = (start + rows * i + j) % 16;
      std::copy(weights.begin() + r * vl, weights.begin() + (r + 1) * vl, plane.begin() + i * vl);
    }
    const std::string q = "mem.w" + std::to_string(m);
    b.Mem(g.MemSliceId(Hemi::kWest, m), 0, plane);
    b.At(q, t_lw - 2 - pos, Read(0, W(j)));
    if (loads > 1) b.Add(q, Repeat(loads - 1, 1, 1));
  }
  b.Mem(w7, 16, acts);
  b.At(q7, t_abc - 4, Read(16, W(0))).Add(q7, Repeat(n - 1, 1, 1));
  Instr lw = Op(Opcode::kLw);
  lw.a = W(0);
  lw.dtype = rows == 4 ? 2 : rows == 2 ? 1 : 0;
  lw.imm = start;
  b.At("mxm.w", t_lw, lw);
  if (loads > 1) b.Add("mxm.w", Repeat(loads - 1, 1, static_cast<int32_t>(rows)));
  b.At("mxm.w", t_iw, Op(Opcode::kIw));
  Instr abc = Op(Opcode::kAbc);
  abc.a = W(0);
  abc.dst = E(0);
  abc.asigned = asigned;
  abc.wsigned = wsigned;
  b.At("mxm.w", t_abc, abc).Add("mxm.w", Repeat(n - 1, 1, 0));
  Model m(g);
  MxmRun run;
  run.out.assign(n, std::vector<int32_t>(g.vl(), 0));
  const uint64_t lat = isa::Info(Opcode::kAbc).latency;
  m.SetCycleHook([&](const Model &mm) {
    // ABC j dispatched at t_abc+j writes superlane k at t_abc+j+k+lat; visible during the next cycle.
    for (uint32_t j = 0; j < n; ++j) {
      for (uint32_t k = 0; k < g.superlanes(); ++k) {
        if (mm.cycle() != t_abc + j + k + lat + 1) continue;
        for (uint32_t r = 0; r < 16; ++r) {
          uint32_t v = 0;
          for (uint32_t byte = 0; byte < 4; ++byte) {
            const auto &slot = mm.Stream(Dir::kEast, byte, 0, k);
            EXPECT_TRUE(slot.valid);
            v |= uint32_t{slot.bytes[r]} << (8 * byte);
          }
          run.out[j][k * 16 + r] = static_cast<int32_t>(v);
        }
      }
    }
  });
  auto res = LoadAndRun(m, b.program());
  EXPECT_EQ(res.status, RunStatus::kDone);
  run.errors = m.errors();
  return run;
}

TEST_F(UnitsTest, Mxm16x16MatmulAgainstCpp) {
  // A (16x16) and B (16x16) int8; weights = A in lanes 0..15 of superlane 0, activations = columns of B.
  std::mt19937 rng(11);
  int8_t A[16][16], B[16][16];
  for (auto &row : A)
    for (auto &v : row) v = static_cast<int8_t>(rng());
  for (auto &row : B)
    for (auto &v : row) v = static_cast<int8_t>(rng());
  A[0][0] = -128;
  B[0][0] = -128;
  A[1][1] = 127;
  std::vector<uint8_t> w(16 * vl, 0), x(16 * vl, 0);
  for (int r = 0; r < 16; ++r)
    for (int i = 0; i < 16; ++i) w[r * vl + i] = static_cast<uint8_t>(A[r][i]);
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 16; ++i) x[j * vl + i] = static_cast<uint8_t>(B[i][j]);
  auto run = RunMxm(g, w, x, 16, true, true);
  for (const auto &e : run.errors) ADD_FAILURE() << e.message;
  for (int r = 0; r < 16; ++r) {
    for (int j = 0; j < 16; ++j) {
      int32_t c = 0;
      for (int i = 0; i < 16; ++i) c += A[r][i] * B[i][j];
      for (uint32_t k = 0; k < S; ++k) ASSERT_EQ(run.out[j][k * 16 + r], c) << "C[" << r << "][" << j << "] k " << k;
    }
  }
}

TEST_F(UnitsTest, MxmFullWidthPartialSumsAndSignedness) {
  // Weights across all VL inputs: superlane k carries the partial sum over inputs 0 .. 16k+15.
  auto w = RandomBytes(16 * vl, 12), x = RandomBytes(3 * vl, 13);
  for (int mode = 0; mode < 4; ++mode) {
    const bool as = mode & 1, ws = mode & 2;
    auto run = RunMxm(g, w, x, 3, as, ws);
    for (const auto &e : run.errors) ADD_FAILURE() << e.message;
    for (uint32_t j = 0; j < 3; ++j) {
      for (uint32_t r = 0; r < 16; ++r) {
        int64_t sum = 0;
        for (uint32_t k = 0; k < S; ++k) {
          for (uint32_t i = 0; i < 16; ++i) {
            const uint8_t wb = w[r * vl + k * 16 + i], xb = x[j * vl + k * 16 + i];
            sum += (ws ? int64_t{static_cast<int8_t>(wb)} : int64_t{wb}) *
                   (as ? int64_t{static_cast<int8_t>(xb)} : int64_t{xb});
          }
          ASSERT_EQ(run.out[j][k * 16 + r], static_cast<int32_t>(sum)) << "mode " << mode << " j " << j;
        }
      }
    }
  }
}

// ISA v2: LW of 2 and 4 rows (lw.i16 / lw.i32, rows row .. row+n-1 from streams a .. a+n-1) loads
// the same weights as 16 single-row LWs; a REPEAT stride past row 15 wraps modulo 16.
TEST_F(UnitsTest, MxmMultiRowWeightLoads) {
  auto w = RandomBytes(16 * vl, 14), x = RandomBytes(4 * vl, 15);
  auto expect = [&](const MxmRun &run, const char *what) {
    for (const auto &e : run.errors) ADD_FAILURE() << what << ": " << e.message;
    for (uint32_t j = 0; j < 4; ++j) {
      for (uint32_t r = 0; r < 16; ++r) {
        int64_t sum = 0;
        for (uint32_t c = 0; c < vl; ++c)
          sum += int64_t{static_cast<int8_t>(w[r * vl + c])} * static_cast<int8_t>(x[j * vl + c]);
        ASSERT_EQ(run.out[j][(S - 1) * 16 + r], static_cast<int32_t>(sum))
            << what << " row " << r << " j " << j;
      }
    }
  };
  expect(RunMxm(g, w, x, 4, true, true, 1, 0), "lw.i8 from row 0");
  expect(RunMxm(g, w, x, 4, true, true, 2, 0), "lw.i16 from row 0");
  expect(RunMxm(g, w, x, 4, true, true, 4, 0), "lw.i32 from row 0");
  expect(RunMxm(g, w, x, 4, true, true, 2, 14), "lw.i16 from row 14, wrapping");
  expect(RunMxm(g, w, x, 4, true, true, 4, 12), "lw.i32 from row 12, wrapping");
  expect(RunMxm(g, w, x, 4, true, true, 1, 9), "lw.i8 from row 9, wrapping");
}

// LW reads every stream of its group: an empty one is an EmptyRead per superlane and stream.
TEST_F(UnitsTest, MxmMultiRowLoadEmptyStreams) {
  Builder b(g);
  Instr lw = Op(Opcode::kLw);
  lw.a = E(4);  // eastward streams at the west edge are always empty
  lw.dtype = 2;
  lw.imm = 4;
  b.At("mxm.w", 3, lw);
  Model m(g);
  LoadAndRun(m, b.program());
  EXPECT_EQ(m.errors().size(), 4u * S);
  EXPECT_EQ(m.error_bits(), uint32_t{isa::kErrEmptyRead});
}

// ---------------------------------------------------------------------------------------------
// SXM
// ---------------------------------------------------------------------------------------------
TEST_F(UnitsTest, SxmTranspose16x16) {
  // mem.w7 reads 16 rows onto W0 (cycles 0..15); sxm.w (position 1) transposes them and sends the
  // columns east on E0, back into mem.w7 (position 2) at words 32..47.
  const uint32_t w7 = g.MemSliceId(Hemi::kWest, 7);
  auto rows = RandomBytes(16 * vl, 14);
  Builder b(g);
  b.Mem(w7, 0, rows);
  b.At("mem.w7", 0, Read(0, W(0))).Add("mem.w7", Repeat(15, 1, 1));
  Instr tr = Vop(Opcode::kTrans, 0, E(0), W(0));
  b.At("sxm.w", 3, tr);
  const uint64_t first = 3 + isa::Info(Opcode::kTrans).latency + 1;
  b.At("mem.w7", first, Write(32, E(0))).Add("mem.w7", Repeat(15, 1, 1));
  Model m(g);
  auto r = LoadAndRun(m, b.program());
  ASSERT_EQ(r.status, RunStatus::kDone);
  for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
  for (uint32_t j = 0; j < 16; ++j) {
    auto col = m.ReadMem(w7, 32 + j);
    for (uint32_t k = 0; k < S; ++k) {
      for (uint32_t i = 0; i < 16; ++i) {
        ASSERT_EQ(col[k * 16 + i], rows[i * vl + k * 16 + j]) << "j " << j << " k " << k << " i " << i;
      }
    }
  }
}

// Runs a one-operand SXM op (optionally with a map stream) from mem.w7 via sxm.w back into mem.w7.
std::vector<uint32_t> RunSxm(const Geometry &g, const Instr &op_in, const std::vector<uint32_t> &a, uint32_t w,
                             const std::vector<uint8_t> *map) {
  Builder b(g);
  auto planes = Planes(a, w);
  // a's byte planes come from mem.w7..w(8-w) onto W0.. (mem.w7 is the nearest to sxm.w).
  for (uint32_t i = 0; i < w; ++i) {
    const uint32_t mi = 7 - i;
    b.Mem(g.MemSliceId(Hemi::kWest, mi), 0, planes[i]);
    b.At("mem.w" + std::to_string(mi), 10 - i, Read(0, W(i)));  // reach position 1 at 13
  }
  if (map) {
    b.Mem(g.MemSliceId(Hemi::kWest, 3), 1, *map);
    b.At("mem.w3", 13 - 3 - 4, Read(1, W(4)));  // position 6 -> 1: 5 hops
  }
  Instr op = op_in;
  op.dst = E(0);
  op.a = W(0);
  if (map) op.b = W(4);
  b.At("sxm.w", 13, op);
  const uint64_t wc = 13 + op.info().latency;
  for (uint32_t i = 0; i < w; ++i) {
    const uint32_t mi = 7 - i;  // position 2+i: i+1 hops east of sxm.w
    b.At("mem.w" + std::to_string(mi), wc + 1 + i, Write(20, E(i)));
  }
  Model m(g);
  auto r = LoadAndRun(m, b.program());
  EXPECT_EQ(r.status, RunStatus::kDone);
  for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
  std::vector<uint32_t> out(g.vl(), 0);
  for (uint32_t i = 0; i < w; ++i) {
    auto word = m.ReadMem(g.MemSliceId(Hemi::kWest, 7 - i), 20);
    for (uint32_t l = 0; l < g.vl(); ++l) out[l] |= uint32_t{word[l]} << (8 * i);
  }
  return out;
}

TEST_F(UnitsTest, SxmShiftsPermuteDistribute) {
  std::vector<uint32_t> a(vl);
  for (uint32_t l = 0; l < vl; ++l) a[l] = 0x1000u * l + 7;
  for (uint32_t n : {1u, 5u, 16u, 33u}) {
    Instr up = Vop(Opcode::kShup, 1, 0, 0);
    up.imm = n;
    auto o = RunSxm(g, up, a, 2, nullptr);
    for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(o[l], l >= n ? (a[l - n] & 0xFFFF) : 0u) << "up " << n << " " << l;
    Instr dn = Vop(Opcode::kShdn, 2, 0, 0);
    dn.imm = n;
    o = RunSxm(g, dn, a, 4, nullptr);
    for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(o[l], l + n < vl ? a[l + n] : 0u) << "dn " << n << " " << l;
  }
  std::vector<uint8_t> map(vl);
  std::mt19937 rng(3);
  for (auto &mm : map) mm = static_cast<uint8_t>(rng() % vl);
  map[5] = 0xFF;
  auto o = RunSxm(g, Vop(Opcode::kPerm, 0, 0, 0), a, 1, &map);
  for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(o[l], l == 5 ? 0u : (a[map[l]] & 0xFF)) << l;
  std::vector<uint8_t> dmap(vl);
  for (uint32_t l = 0; l < vl; ++l) dmap[l] = static_cast<uint8_t>((l * 7) % 16 | (l % 11 == 0 ? 0x80 : 0));
  o = RunSxm(g, Vop(Opcode::kDist, 2, 0, 0), a, 4, &dmap);
  for (uint32_t l = 0; l < vl; ++l) {
    const uint32_t expect = (dmap[l] & 0x80) ? 0u : a[(l / 16) * 16 + (dmap[l] & 15)];
    ASSERT_EQ(o[l], expect) << l;
  }
}

TEST_F(UnitsTest, SxmReductions) {
  std::vector<uint32_t> a(vl);
  std::mt19937 rng(8);
  int64_t isum = 0;
  int32_t imax = INT32_MIN;
  for (uint32_t l = 0; l < vl; ++l) {
    a[l] = static_cast<uint32_t>(rng());
    isum += static_cast<int32_t>(a[l]);
    imax = std::max(imax, static_cast<int32_t>(a[l]));
  }
  auto o = RunSxm(g, Vop(Opcode::kRsum, 2, 0, 0), a, 4, nullptr);
  for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(o[l], static_cast<uint32_t>(isum));
  o = RunSxm(g, Vop(Opcode::kRmax, 2, 0, 0), a, 4, nullptr);
  for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(static_cast<int32_t>(o[l]), imax);
  // f32: small integers sum exactly in any order, so the tree must give the exact total.
  std::vector<uint32_t> f(vl);
  float fsum = 0, fmax = -1e30f;
  for (uint32_t l = 0; l < vl; ++l) {
    const float v = static_cast<float>(static_cast<int>(rng() % 2001) - 1000);
    std::memcpy(&f[l], &v, 4);
    fsum += v;
    fmax = std::max(fmax, v);
  }
  o = RunSxm(g, Vop(Opcode::kRsum, 3, 0, 0), f, 4, nullptr);
  float got;
  std::memcpy(&got, &o[0], 4);
  EXPECT_EQ(got, fsum);
  o = RunSxm(g, Vop(Opcode::kRmax, 3, 0, 0), f, 4, nullptr);
  std::memcpy(&got, &o[vl - 1], 4);
  EXPECT_EQ(got, fmax);
}

}  // namespace
}  // namespace tsp::test
