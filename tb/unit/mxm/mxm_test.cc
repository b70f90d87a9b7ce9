// tsp_mxm against the reference model (cycle-by-cycle lockstep of every stream register at the
// MXM's position, error bits and idle_o; see ../sxm/slice_lockstep.h) and against a plain C++
// matrix product: superlane k of ABC's output holds the prefix sums over weight columns
// 0 .. 16k+15, the top superlane the full 16 x VL product.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "../sxm/slice_lockstep.h"
#include "Vtsp_mxm.h"

namespace tsp::tb {
namespace {

using isa::Opcode;
using test::Builder;
using test::E;
using test::Op;
using test::W;
using Lockstep = SliceLockstep<Vtsp_mxm>;

Geometry TbGeometry() {
#ifdef TSP_TB_SMALL
  return *Geometry::FromName("small");
#else
  return Geometry::Default();
#endif
}

constexpr uint32_t kRows = isa::kMxmRows;

// lw.T a, #row: 1 << dtype rows (ISA v2: dtype 0 = i8 one row, 1 = i16 two, 2 = i32 four).
Instr Lw(uint32_t a, uint32_t row, uint32_t dtype = 0) {
  Instr in = Op(Opcode::kLw);
  in.a = a;
  in.imm = row;
  in.dtype = dtype;
  return in;
}
Instr Abc(uint32_t dst, uint32_t a, bool as, bool ws, bool acc = false, uint32_t b = 0) {
  Instr in = Op(Opcode::kAbc);
  in.dst = dst;
  in.a = a;
  in.asigned = as;
  in.wsigned = ws;
  in.acc = acc;
  in.b = acc ? b : 0;
  return in;
}

using Matrix = std::vector<std::vector<uint8_t>>;  // [row][VL]

Matrix RandomMatrix(uint32_t rows, uint32_t vl, std::mt19937 &rng) {
  Matrix m(rows, std::vector<uint8_t>(vl));
  for (auto &r : m) {
    for (auto &x : r) x = static_cast<uint8_t>(rng());
  }
  return m;
}

// Plain C++: lane 16k + r = sum over columns c < 16(k+1) of W[r][c] * x[c] (+ acc), int32 wrapping.
std::vector<uint32_t> PrefixProducts(const Matrix &w, const std::vector<uint8_t> &x, bool as, bool ws,
                                     const std::vector<uint32_t> *acc, uint32_t S) {
  std::vector<uint32_t> out(S * 16);
  for (uint32_t k = 0; k < S; ++k) {
    for (uint32_t r = 0; r < kRows; ++r) {
      int64_t sum = 0;
      for (uint32_t c = 0; c < 16 * (k + 1); ++c) {
        const int64_t wv = ws ? static_cast<int8_t>(w[r][c]) : w[r][c];
        const int64_t xv = as ? static_cast<int8_t>(x[c]) : x[c];
        sum += wv * xv;
      }
      uint32_t v = static_cast<uint32_t>(sum);
      if (acc) v += (*acc)[k * 16 + r];
      out[k * 16 + r] = v;
    }
  }
  return out;
}

class MxmTest : public ::testing::Test {
 protected:
  Geometry g = TbGeometry();
  uint32_t S = g.superlanes(), VL = g.vl(), NS = g.streams();
  std::string queue = "mxm.w";
  uint32_t pos = g.queue(*g.FindQueue("mxm.w")).position;
  std::vector<uint32_t> slices = SlicesNear(g, pos);

  // Loads the 16 weight rows of `w` with LW (+ REPEAT, row stride 1) at t .. t+15 from stream
  // index 1, fed by MEM slice slices[1] at word `base`.
  void LoadWeights(Builder &b, const Matrix &w, uint64_t t, uint32_t base) {
    const uint32_t sf = Feed(b, g, slices[1], 1, pos, t, w, base);
    b.At(queue, t, Lw(sf, 0)).Add(queue, test::Repeat(kRows - 1, 1, 1));
  }
};

TEST_F(MxmTest, MatmulAgainstCppAllSignednessModes) {
  std::mt19937 rng(21);
  for (int mode = 0; mode < 4; ++mode) {
    const bool as = mode & 1, ws = mode & 2;
    SCOPED_TRACE(fmt::format("asigned {} wsigned {}", as, ws));
    Matrix w = RandomMatrix(kRows, VL, rng);
    Matrix x = RandomMatrix(6, VL, rng);
    // Extremes: full-width partial sums and every sign corner.
    for (uint32_t c = 0; c < VL; ++c) {
      w[0][c] = 0xFF;
      x[0][c] = 0xFF;
      w[1][c] = 0x80;
      x[1][c] = 0x80;
      w[2][c] = 0x7F;
      x[2][c] = c % 2 ? 0x80 : 0x7F;
    }
    Builder b(g);
    const uint64_t t_lw = 30, t_iw = t_lw + kRows, t_abc = t_iw + 1;
    LoadWeights(b, w, t_lw, 0);
    b.At(queue, t_iw, Op(Opcode::kIw));
    const uint32_t sf_x = Feed(b, g, slices[0], 0, pos, t_abc, x, 0);
    const uint32_t dst = mode % 2 ? E(0) : W(NS - 4);
    b.At(queue, t_abc, Abc(dst, sf_x, as, ws)).Add(queue, test::Repeat(static_cast<uint32_t>(x.size() - 1), 1, 0));
    Lockstep ls(g, queue);
    ASSERT_TRUE(ls.Run(b.program()));
    EXPECT_TRUE(ls.model_errors().empty());
    for (size_t n = 0; n < x.size(); ++n) {
      const auto out = ls.Vector(dst, 4, t_abc + n + isa::Info(Opcode::kAbc).latency);
      const auto want = PrefixProducts(w, x[n], as, ws, nullptr, S);
      for (uint32_t l = 0; l < VL; ++l) ASSERT_EQ(out[l], want[l]) << "vector " << n << " lane " << l;
    }
  }
}

// .acc adds the int32 group b passing the MXM (wrapping at 2^32).
TEST_F(MxmTest, AccumulateGroupWraps) {
  if (NS < 8 || g.num_mem_slices() < 6) GTEST_SKIP() << "needs 8 streams and 6 MEM slices";
  std::mt19937 rng(22);
  const Matrix w = RandomMatrix(kRows, VL, rng);
  const Matrix x = RandomMatrix(4, VL, rng);
  std::vector<std::vector<uint32_t>> acc(4, std::vector<uint32_t>(VL));
  for (auto &a : acc) {
    for (auto &v : a) v = rng() % 2 ? 0x7FFFFFF0u + rng() % 16 : static_cast<uint32_t>(rng());
  }
  Builder b(g);
  const uint64_t t_lw = 30, t_abc = t_lw + kRows + 1;
  LoadWeights(b, w, t_lw, 0);
  b.At(queue, t_lw + kRows, Op(Opcode::kIw));
  const uint32_t sf_x = Feed(b, g, slices[0], 0, pos, t_abc, x, 0);
  uint32_t sf_acc = 0;
  for (uint32_t p = 0; p < 4; ++p) {
    std::vector<std::vector<uint8_t>> planes;
    for (const auto &a : acc) planes.push_back(Planes(a, 4)[p]);
    const uint32_t sf = Feed(b, g, slices[2 + p], (NS - 4) + p, pos, t_abc, planes, 0);
    if (p == 0) sf_acc = sf;
  }
  const bool as = false, ws = true;
  b.At(queue, t_abc, Abc(E(0), sf_x, as, ws, true, sf_acc)).Add(queue, test::Repeat(3, 1, 0));
  Lockstep ls(g, queue);
  ASSERT_TRUE(ls.Run(b.program()));
  EXPECT_TRUE(ls.model_errors().empty());
  for (size_t n = 0; n < x.size(); ++n) {
    const auto out = ls.Vector(E(0), 4, t_abc + n + isa::Info(Opcode::kAbc).latency);
    const auto want = PrefixProducts(w, x[n], as, ws, &acc[n], S);
    for (uint32_t l = 0; l < VL; ++l) ASSERT_EQ(out[l], want[l]) << "vector " << n << " lane " << l;
  }
}

// LW of the next weights while ABC uses the installed ones; IW directly after an ABC and an ABC
// directly after IW (tile k switches weights between the two, one cycle apart per superlane).
TEST_F(MxmTest, DoubleBufferedWeights) {
  std::mt19937 rng(23);
  const Matrix wa = RandomMatrix(kRows, VL, rng), wb = RandomMatrix(kRows, VL, rng);
  const Matrix x = RandomMatrix(40, VL, rng);
  Builder b(g);
  const uint64_t t0 = 30;
  LoadWeights(b, wa, t0, 0);                     // LW A at t0 .. t0+15
  b.At(queue, t0 + 16, Op(Opcode::kIw));         // install A
  const uint64_t t_x = t0 + 17;                  // x[n] read at t_x + n
  const uint32_t sf_x = Feed(b, g, slices[0], 0, pos, t_x, x, 0);
  // ABC with A at t_x .. t_x+3, then LW B interleaved with ABCs (A still active).
  std::vector<std::pair<uint64_t, int>> abcs;  // (cycle, weight set)
  uint64_t t = t_x;
  for (int i = 0; i < 4; ++i) {
    b.At(queue, t, Abc(W(NS - 4), sf_x, true, true));
    abcs.push_back({t++, 0});
  }
  // Feed B's rows one per two cycles: row r read at t + 2r.
  std::vector<std::vector<uint8_t>> brows;
  for (uint32_t r = 0; r < kRows; ++r) {
    brows.push_back(wb[r]);
    brows.push_back(std::vector<uint8_t>(VL, 0));
  }
  const uint32_t sf_b = Feed(b, g, slices[1], 1, pos, t, brows, 20);
  for (uint32_t r = 0; r < kRows; ++r) {
    b.At(queue, t, Lw(sf_b, r));
    b.At(queue, t + 1, Abc(W(NS - 4), sf_x, true, true));
    abcs.push_back({t + 1, 0});
    t += 2;
  }
  b.At(queue, t, Op(Opcode::kIw));  // install B right after an ABC with A
  b.At(queue, t + 1, Abc(W(NS - 4), sf_x, true, true));
  abcs.push_back({t + 1, 1});
  b.At(queue, t + 2, Abc(W(NS - 4), sf_x, true, true));
  abcs.push_back({t + 2, 1});
  Lockstep ls(g, queue);
  ASSERT_TRUE(ls.Run(b.program()));
  EXPECT_TRUE(ls.model_errors().empty());
  for (const auto &[ta, set] : abcs) {
    const auto out = ls.Vector(W(NS - 4), 4, ta + isa::Info(Opcode::kAbc).latency);
    const auto want = PrefixProducts(set ? wb : wa, x[ta - t_x], true, true, nullptr, S);
    for (uint32_t l = 0; l < VL; ++l) ASSERT_EQ(out[l], want[l]) << "abc at " << ta << " lane " << l;
  }
}

// Before any LW / IW the weights are zero (Model::Start); ABC then outputs the .acc group.
TEST_F(MxmTest, WeightsStartAtZero) {
  std::mt19937 rng(24);
  const Matrix x = RandomMatrix(1, VL, rng);
  Builder b(g);
  const uint64_t t = 30;
  const uint32_t sf_x = Feed(b, g, slices[0], 0, pos, t, x, 0);
  b.At(queue, t, Abc(E(0), sf_x, true, true));
  Lockstep ls(g, queue);
  ASSERT_TRUE(ls.Run(b.program()));
  const auto out = ls.Vector(E(0), 4, t + isa::Info(Opcode::kAbc).latency);
  for (uint32_t l = 0; l < VL; ++l) ASSERT_EQ(out[l], 0u) << "lane " << l;
}

// Reads of empty slots: eastward streams at the west edge are always empty.
TEST_F(MxmTest, EmptyReadsRaiseErrorsLikeTheModel) {
  Builder b(g);
  b.At(queue, 5, Lw(E(1), 3));
  b.At(queue, 6, Abc(W(0), E(0), false, false, true, W(NS - 4)));
  b.At(queue, 7, Op(Opcode::kIw));
  b.At(queue, 8, Lw(E(0), 12, 2));  // lw.i32: four empty streams
  b.At(queue, 9, Lw(E(2), 0, 1));   // lw.i16: two
  Lockstep ls(g, queue);
  EXPECT_TRUE(ls.Run(b.program()));
  uint32_t empty = 0;
  for (const auto &e : ls.model_errors()) empty += e.bit == isa::kErrEmptyRead;
  EXPECT_EQ(empty, S * (1 + 1 + 4 + 4 + 2));
}

// ISA v2: lw.i16 / lw.i32 load 2 / 4 rows per instruction (stream a+i into row row+i); the REPEAT
// stride steps the row and wraps modulo 16. The product must equal the one with the same weights
// loaded row by row.
TEST_F(MxmTest, MultiRowWeightLoads) {
  std::mt19937 rng(25);
  for (const auto &[rows, start] :
       std::vector<std::pair<uint32_t, uint32_t>>{{2, 0}, {4, 0}, {2, 14}, {4, 12}, {4, 4}}) {
    if (rows > NS) continue;
    SCOPED_TRACE(fmt::format("{} rows per LW from row {}", rows, start));
    const Matrix w = RandomMatrix(kRows, VL, rng);
    const Matrix x = RandomMatrix(3, VL, rng);
    Builder b(g);
    const uint32_t loads = kRows / rows, dtype = rows == 4 ? 2 : 1;
    const uint64_t t_lw = 30, t_iw = t_lw + loads, t_abc = t_iw + 1;
    // Plane j (stream W/E j) carries row (start + rows*i + j) mod 16 for load i, from its own slice.
    uint32_t sf0 = 0;
    for (uint32_t j = 0; j < rows; ++j) {
      Matrix plane;
      for (uint32_t i = 0; i < loads; ++i) plane.push_back(w[(start + rows * i + j) % kRows]);
      const uint32_t sf = Feed(b, g, slices[j], j, pos, t_lw, plane, 0);
      if (j == 0) sf0 = sf;
    }
    b.At(queue, t_lw, Lw(sf0, start, dtype));
    if (loads > 1) b.Add(queue, test::Repeat(loads - 1, 1, static_cast<int32_t>(rows)));
    b.At(queue, t_iw, Op(Opcode::kIw));
    const uint32_t sf_x =
        Feed(b, g, slices[rows % static_cast<uint32_t>(slices.size())], 0, pos, t_abc, x, 32);
    b.At(queue, t_abc, Abc(E(0), sf_x, true, false))
        .Add(queue, test::Repeat(static_cast<uint32_t>(x.size() - 1), 1, 0));
    Lockstep ls(g, queue);
    ASSERT_TRUE(ls.Run(b.program()));
    EXPECT_TRUE(ls.model_errors().empty());
    for (size_t n = 0; n < x.size(); ++n) {
      const auto out = ls.Vector(E(0), 4, t_abc + n + isa::Info(Opcode::kAbc).latency);
      const auto want = PrefixProducts(w, x[n], true, false, nullptr, S);
      for (uint32_t l = 0; l < VL; ++l) ASSERT_EQ(out[l], want[l]) << "vector " << n << " lane " << l;
    }
  }
}

// Random LW / IW / ABC streams over continuously fed random data, both hemispheres.
class MxmRandomTest : public MxmTest, public ::testing::WithParamInterface<int> {};

TEST_P(MxmRandomTest, RandomProgramsInLockstep) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  for (const char *qn : {"mxm.w", "mxm.e"}) {
    SCOPED_TRACE(qn);
    queue = qn;
    pos = g.queue(*g.FindQueue(qn)).position;
    slices = SlicesNear(g, pos);
    const uint64_t T = 30, horizon = std::min<uint64_t>(250, g.mem_words() - 1);
    Builder b(g);
    for (uint32_t s = 0; s < NS; ++s) {
      std::vector<std::vector<uint8_t>> vecs(horizon);
      for (auto &v : vecs) {
        v.resize(VL);
        for (auto &x : v) x = static_cast<uint8_t>(rng());
      }
      Feed(b, g, slices[s], s, pos, T, vecs, 0);
    }
    const Dir toward = pos < g.vxm_position() ? Dir::kWest : Dir::kEast;
    auto field = [&](uint32_t width) {
      const Dir d = rng() % 20 ? toward : (toward == Dir::kWest ? Dir::kEast : Dir::kWest);
      return StreamField(d, (rng() % (NS / width)) * width);
    };
    for (uint64_t t = T; t < T + horizon - 10; t += 1 + (rng() % 4 == 0 ? rng() % 3 : 0)) {
      const uint32_t r = rng() % 10;
      if (r < 4) {
        const uint32_t dt = rng() % 3;  // ISA v2: 1, 2 or 4 rows
        b.At(queue, t, Lw(field(1u << dt), rng() % (kRows + 1 - (1u << dt)), dt));
      } else if (r < 5) {
        b.At(queue, t, Op(Opcode::kIw));
      } else {
        const bool acc = rng() % 2;
        Instr in = Abc(0, field(1), rng() % 2, rng() % 2, acc, acc ? field(4) : 0);
        in.dst = StreamField(rng() % 2 ? Dir::kEast : Dir::kWest, (rng() % (NS / 4)) * 4);
        b.At(queue, t, in);
      }
    }
    Lockstep ls(g, queue);
    EXPECT_TRUE(ls.Run(b.program(), 2000));
    EXPECT_GT(ls.writes().size(), 100u);
    uint32_t empty = 0;
    for (const auto &e : ls.model_errors()) empty += e.bit == isa::kErrEmptyRead;
    std::printf("  %s seed %d: %llu cycles, %zu slot writes, %u empty reads\n", qn, GetParam(),
                static_cast<unsigned long long>(ls.cycles()), ls.writes().size(), empty);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, MxmRandomTest, ::testing::Range(1, 7));

}  // namespace
}  // namespace tsp::tb
